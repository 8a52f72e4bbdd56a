package org.scalespace.fit;

/**
 * The coarse-grid search of the fit, the job the {@link Fitter} hands to a backend (SPEC §9): the N filters × C
 * candidates product with a fused per-family arg-min ({@link #coarseArgmin}). Local refinement and the final measures
 * run on the host in double precision, identically for every backend. Every backend's scorer computes the same
 * function; the scalar backend's is the oracle. Backends implement this interface and open it from their provider
 * ({@code org.scalespace.backend.spi.BackendProvider#openScorer}). Implementations must allow concurrent calls from
 * several threads when {@link #threadSafe()} is true.
 */
public interface CoarseScorer extends AutoCloseable {

    /** Short name of the backend: scalar, simd, opencl, cuda. */
    String name();

    /** One line about the device/implementation (vector width, device name, ...). */
    String description();

    /** Whether {@link #coarseArgmin} may be called from several threads at once. */
    boolean threadSafe();

    /**
     * How many of {@code threads} the fitter should use for a batch of {@code filters} it is about to fit (each call
     * counts the batch as begun). All of them by default; a backend whose code runs far slower before the JIT has
     * compiled it may ask for fewer at first. Results never depend on it.
     */
    default int threadsFor(int filters, int threads) {
        return threads;
    }

    /**
     * For each filter of the problem and each family block, the index of the best candidate and its score
     * ({@code best[n*blocks + b]}, {@code score[n*blocks + b]}, n relative to {@code problem.first()}). With the l2
     * metric and no frame (every normalisation but paper) the reported score must be within
     * {@link org.scalespace.fit.Fitter#SCORE_SLACK}·(Σh² + score) of the exact objective of the reported candidate:
     * the fitter relies on it to skip the exact re-evaluation of families that cannot win. A score that is NaN or
     * negative switches that skip off for the filter.
     */
    void coarseArgmin(CoarseProblem problem, int[] best, double[] score);

    /** Releases native resources; idempotent. */
    @Override
    void close();
}
