package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.scalespace.testing.BackendAssume;

/** {@link SimdBackend#threadsFor}: half the threads while the JVM's first filters are fitted, all of them after. */
class SimdThreadsTest {

    @Test
    void halfTheThreadsForTheFirstFiltersOfTheJvm() {
        assertEquals(1, SimdBackend.threadsAfter(0, 2));
        assertEquals(1, SimdBackend.threadsAfter(0, 1));
        assertEquals(8, SimdBackend.threadsAfter(0, 16));
        assertEquals(1, SimdBackend.threadsAfter(SimdBackend.COLD_FILTERS - 1, 2));
        assertEquals(2, SimdBackend.threadsAfter(SimdBackend.COLD_FILTERS, 2));
        assertEquals(16, SimdBackend.threadsAfter(1L << 40, 16));
    }

    @Test
    void allThreadsOnceTheFirstFiltersHaveBegun() {
        BackendAssume.assumeAvailable("simd");
        try (SimdBackend be = new SimdBackend()) {
            be.threadsFor((int) SimdBackend.COLD_FILTERS, 4); // whatever the JVM has fitted before, this is enough
            assertEquals(4, be.threadsFor(10, 4));
        }
    }

    /** Fitter.threadsUsed: 0 before any batch, then the most threads a batch ran on, within 1..threads(). */
    @Test
    void theFitterReportsTheThreadsItUsed() {
        BackendAssume.assumeAvailable("simd");
        try (SimdBackend be = new SimdBackend()) {
            org.scalespace.fit.Fitter f = new org.scalespace.fit.Fitter(be, org.scalespace.fit.FitOptions.defaults(), 2);
            assertEquals(0, f.threadsUsed());
            f.fit(org.scalespace.io.FilterReaders.bundled(), x -> { });
            int used = f.threadsUsed();
            org.junit.jupiter.api.Assertions.assertTrue(used >= 1 && used <= f.threads(), "used " + used);
            be.threadsFor((int) SimdBackend.COLD_FILTERS, 2); // past the cold start, whatever ran before
            org.scalespace.io.FilterBank mk = org.scalespace.io.FilterReaders.bundled();
            double[] d = new double[64 * 49]; // enough filters for several chunks
            for (int i = 0; i < d.length; i++) {
                d[i] = mk.data()[i % mk.data().length] * (1 + 0.01 * (i / 49));
            }
            f.fit(new org.scalespace.io.FilterBank("test", "layer", 7, 64, d), x -> { });
            assertEquals(2, f.threadsUsed());
        }
    }
}
