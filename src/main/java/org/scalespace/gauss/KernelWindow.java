package org.scalespace.gauss;

import java.util.Arrays;

/**
 * A 1-D Gaussian kernel of a {@link Discretisations} kind on the window n = −radius..radius, or its central first
 * difference δ or second difference δ² (SPEC §3), as {@code scalespace kernel} prints it. The differences at the
 * window's edge use the kernel's true values one sample outside ({@link Differences#applyExtended}); values are not
 * renormalised after truncation.
 *
 * @param values the values at n = −radius..radius (index n + radius)
 */
public record KernelWindow(int radius, double[] values) {

    /** The kernel ({@code order} 0), δ (1) or δ² (2) of {@code kind} at σ on the window of {@code radius}. */
    public static KernelWindow of(Discretisations kind, double sigma, int radius, int order) {
        if (order < 0 || order > 2) {
            throw new IllegalArgumentException("order must be 0, 1 or 2, got " + order);
        }
        // one extra sample on each side, so the differences at the window's edge use true values
        double[] ext = kind.kernel(sigma, radius + 1);
        double[] v;
        if (order == 0) {
            v = Arrays.copyOfRange(ext, 1, ext.length - 1);
        } else {
            v = Differences.applyExtended(order == 1 ? Differences.Op.CENTRAL : Differences.Op.SECOND, ext);
        }
        return new KernelWindow(radius, v);
    }

    /** Σₙ value(n), summed in window order. */
    public double sum() {
        double sum = 0;
        for (double x : values) {
            sum += x;
        }
        return sum;
    }

    /** Σₙ n²·value(n), summed in window order. */
    public double secondMoment() {
        double m2 = 0;
        for (int i = 0; i < values.length; i++) {
            int n = i - radius;
            m2 += (double) n * n * values[i];
        }
        return m2;
    }
}
