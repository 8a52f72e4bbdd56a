package org.scalespace.gauss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The kernel window of {@code scalespace kernel}: the kernel, δ and δ² with true values just outside. */
class KernelWindowTest {

    @Test
    void windowDifferencesAndMoments() {
        double sigma = 1.3;
        int r = 6;
        double[] ext = Discretisations.DISCRETE.kernel(sigma, r + 1);
        KernelWindow k0 = KernelWindow.of(Discretisations.DISCRETE, sigma, r, 0);
        assertEquals(r, k0.radius());
        assertArrayEquals(Arrays.copyOfRange(ext, 1, ext.length - 1), k0.values(), 0.0);
        KernelWindow k1 = KernelWindow.of(Discretisations.DISCRETE, sigma, r, 1);
        KernelWindow k2 = KernelWindow.of(Discretisations.DISCRETE, sigma, r, 2);
        for (int i = 0; i < 2 * r + 1; i++) {
            assertEquals(0.5 * (ext[i + 2] - ext[i]), k1.values()[i], 1e-17);
            assertEquals(ext[i + 2] - 2 * ext[i + 1] + ext[i], k2.values()[i], 1e-17);
        }
        // the discrete Gaussian: mass ≈ 1 and variance s = σ² on a wide window; δ sums to ~0
        KernelWindow wide = KernelWindow.of(Discretisations.DISCRETE, sigma, 40, 0);
        assertEquals(1, wide.sum(), 1e-12);
        assertEquals(sigma * sigma, wide.secondMoment(), 1e-10);
        assertEquals(0, KernelWindow.of(Discretisations.DISCRETE, sigma, 40, 1).sum(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> KernelWindow.of(Discretisations.DISCRETE, 1, 3, 3));
    }
}
