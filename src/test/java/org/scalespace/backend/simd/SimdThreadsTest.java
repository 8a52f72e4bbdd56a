package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;
import org.scalespace.testing.BackendAssume;

/** {@link SimdScorer#threadsFor}: half the threads while the JVM's first filters are fitted, all of them after. */
class SimdThreadsTest {

    @Test
    void halfTheThreadsForTheFirstFiltersOfTheJvm() {
        assertEquals(1, SimdScorer.threadsAfter(0, 2));
        assertEquals(1, SimdScorer.threadsAfter(0, 1));
        assertEquals(8, SimdScorer.threadsAfter(0, 16));
        assertEquals(1, SimdScorer.threadsAfter(SimdScorer.COLD_FILTERS - 1, 2));
        assertEquals(2, SimdScorer.threadsAfter(SimdScorer.COLD_FILTERS, 2));
        assertEquals(16, SimdScorer.threadsAfter(1L << 40, 16));
    }

    @Test
    void allThreadsOnceTheFirstFiltersHaveBegun() {
        BackendAssume.assumeAvailable("simd");
        try (SimdScorer be = new SimdScorer()) {
            be.threadsFor((int) SimdScorer.COLD_FILTERS, 4); // whatever the JVM has fitted before, this is enough
            assertEquals(4, be.threadsFor(10, 4));
        }
    }

    /** Fitter.threadsUsed: 0 before any batch, then the most threads a batch ran on, within 1..threads(). */
    @Test
    void theFitterReportsTheThreadsItUsed() {
        BackendAssume.assumeAvailable("simd");
        try (SimdScorer be = new SimdScorer()) {
            Fitter f = new Fitter(be, FitOptions.defaults(), 2);
            assertEquals(0, f.threadsUsed());
            f.fit(FilterReaders.bundled(), x -> { });
            int used = f.threadsUsed();
            org.junit.jupiter.api.Assertions.assertTrue(used >= 1 && used <= f.threads(), "used " + used);
            be.threadsFor((int) SimdScorer.COLD_FILTERS, 2); // past the cold start, whatever ran before
            FilterBank mk = FilterReaders.bundled();
            double[] d = new double[64 * 49]; // enough filters for several chunks
            for (int i = 0; i < d.length; i++) {
                d[i] = mk.data()[i % mk.data().length] * (1 + 0.01 * (i / 49));
            }
            f.fit(new FilterBank("test", "layer", 7, 64, d), x -> { });
            assertEquals(2, f.threadsUsed());
        }
    }

    /**
     * A large first batch is not run on fewer threads as a whole: the fitter asks the backend about one piece of
     * 16,384 filters at a time and runs only the pieces it wants fewer workers for on fewer threads.
     */
    @Test
    void aLargeBatchIsAskedAboutPieceByPiece() {
        BackendAssume.assumeAvailable("simd");
        List<Integer> asked = new ArrayList<>();
        try (SimdScorer simd = new SimdScorer()) {
            CoarseScorer be = new CoarseScorer() {
                @Override
                public String name() {
                    return "simd-cold";
                }

                @Override
                public String description() {
                    return "simd, cold for its first batch";
                }

                @Override
                public boolean threadSafe() {
                    return true;
                }

                @Override
                public int threadsFor(int filters, int threads) {
                    asked.add(filters);
                    return asked.size() == 1 ? 1 : threads;
                }

                @Override
                public void coarseArgmin(CoarseProblem p, int[] best, double[] score) {
                    simd.coarseArgmin(p, best, score);
                }

                @Override
                public void close() {
                }
            };
            FilterBank mk = FilterReaders.bundled();
            int n = 20000;
            double[] d = new double[n * 49];
            for (int i = 0; i < d.length; i++) {
                d[i] = mk.data()[i % mk.data().length] * (1 + 1e-4 * (i / 49));
            }
            FitOptions opt = FitOptions.defaults().withRefine(false);
            Fitter f = new Fitter(be, opt, 2).keepModels(false);
            List<FitResult> got = f.fit(new FilterBank("t", "l", 7, n, d), x -> { });
            assertEquals(List.of(16384, n - 16384), asked);
            assertEquals(2, f.threadsUsed());
            assertEquals(n, got.size());
            for (int i = 0; i < n; i++) {
                assertEquals(i, got.get(i).channel());
            }
        }
    }
}
