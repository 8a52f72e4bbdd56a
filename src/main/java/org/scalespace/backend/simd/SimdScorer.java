package org.scalespace.backend.simd;

import java.util.Map;
import java.util.WeakHashMap;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;

/**
 * The simd backend's coarse-fit scorer (Java Vector API): float32 coarse scoring, vector lanes over filters; the fitter runs it on all cores.
 * Construct only after {@link VectorSupport#unavailableReason()} is empty.
 */
public final class SimdScorer implements CoarseScorer {
    /**
     * Filters of this JVM's first batches that run on half the threads ({@link #threadsFor}). Until C2 has compiled
     * the Vector API kernels they run ~100× slower (the allocating Java fallback), so a second worker on a 2-core
     * machine adds almost nothing but takes a core from the JIT compiler: measured with `scalespace fit` on the
     * 2-core VM, the first 16,384 filters took 1.54–1.66 s on one thread and 1.94–2.03 s on two, and a 500,000-filter
     * fit whose first 16,384 ran on one thread took 5.4–6.0 s end to end instead of 6.0–6.6 (benchmarks/RESULTS.md).
     * Half rather than one, so that machines with many cores (and compiler threads of their own) keep some
     * parallelism; not measured there.
     */
    static final long COLD_FILTERS = 16384;
    private static final java.util.concurrent.atomic.AtomicLong BEGUN = new java.util.concurrent.atomic.AtomicLong();

    private final Map<CandidateSet, SimdFitTables> tables = new WeakHashMap<>();

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public String description() {
        return "Java Vector API, " + SimdInfo.bits() + "-bit vectors (" + SimdInfo.floatLanes()
                + " float lanes), float32 coarse scoring";
    }

    @Override
    public boolean threadSafe() {
        return true;
    }

    /** Half the threads (at least one) for batches that begin among this JVM's first {@link #COLD_FILTERS} filters. */
    @Override
    public int threadsFor(int filters, int threads) {
        return threadsAfter(BEGUN.getAndAdd(filters), threads);
    }

    /** The policy of {@link #threadsFor(int, int)} for a batch that begins after {@code begun} filters. */
    static int threadsAfter(long begun, int threads) {
        return begun < COLD_FILTERS ? Math.max(1, threads / 2) : threads;
    }

    private SimdFitTables tables(CandidateSet cs) {
        synchronized (tables) {
            return tables.computeIfAbsent(cs, SimdFitTables::new);
        }
    }

    @Override
    public void coarseArgmin(CoarseProblem problem, int[] best, double[] score) {
        SimdFitKernel.run(problem, tables(problem.candidates()), best, score);
    }

    @Override
    public void close() {
        synchronized (tables) {
            tables.clear();
        }
    }
}
