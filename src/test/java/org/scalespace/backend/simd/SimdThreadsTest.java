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
}
