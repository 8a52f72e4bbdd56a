package org.scalespace.gauss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.scalespace.gauss.Differences.Boundary;
import org.scalespace.gauss.Differences.Op;

/** The SPEC §3 stencils on hand-made arrays, with both boundaries and the extended (exact) form. */
class DifferencesTest {

    // f(n) for n = −2..2
    private static final double[] F = {1.0, 4.0, 9.0, 16.0, 25.0};

    @Test
    void halfSampleSymmetricBoundary() {
        // index −1 reads index 0 (1.0), index 5 reads index 4 (25.0)
        assertArrayEquals(new double[] {1.5, 4.0, 6.0, 8.0, 4.5},
                Differences.apply(Op.CENTRAL, F, Boundary.HALF_SAMPLE_SYMMETRIC), 0.0);
        assertArrayEquals(new double[] {3.0, 5.0, 7.0, 9.0, 0.0},
                Differences.apply(Op.FORWARD, F, Boundary.HALF_SAMPLE_SYMMETRIC), 0.0);
        assertArrayEquals(new double[] {0.0, 3.0, 5.0, 7.0, 9.0},
                Differences.apply(Op.BACKWARD, F, Boundary.HALF_SAMPLE_SYMMETRIC), 0.0);
        assertArrayEquals(new double[] {3.0, 2.0, 2.0, 2.0, -9.0},
                Differences.apply(Op.SECOND, F, Boundary.HALF_SAMPLE_SYMMETRIC), 0.0);
    }

    @Test
    void zeroBoundary() {
        assertArrayEquals(new double[] {2.0, 4.0, 6.0, 8.0, -8.0},
                Differences.apply(Op.CENTRAL, F, Boundary.ZERO), 0.0);
        assertArrayEquals(new double[] {3.0, 5.0, 7.0, 9.0, -25.0},
                Differences.apply(Op.FORWARD, F, Boundary.ZERO), 0.0);
        assertArrayEquals(new double[] {1.0, 3.0, 5.0, 7.0, 9.0},
                Differences.apply(Op.BACKWARD, F, Boundary.ZERO), 0.0);
        assertArrayEquals(new double[] {2.0, 2.0, 2.0, 2.0, -34.0},
                Differences.apply(Op.SECOND, F, Boundary.ZERO), 0.0);
    }

    @Test
    void extendedUsesTheOuterSamples() {
        // f(n) = n² on n = −3..3; the result is on n = −2..2
        double[] ext = {9, 4, 1, 0, 1, 4, 9};
        assertArrayEquals(new double[] {-4, -2, 0, 2, 4}, Differences.applyExtended(Op.CENTRAL, ext), 0.0);
        assertArrayEquals(new double[] {-3, -1, 1, 3, 5}, Differences.applyExtended(Op.FORWARD, ext), 0.0);
        assertArrayEquals(new double[] {-5, -3, -1, 1, 3}, Differences.applyExtended(Op.BACKWARD, ext), 0.0);
        assertArrayEquals(new double[] {2, 2, 2, 2, 2}, Differences.applyExtended(Op.SECOND, ext), 0.0);
    }
}
