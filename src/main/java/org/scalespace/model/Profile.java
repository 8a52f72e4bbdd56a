package org.scalespace.model;

import org.scalespace.gauss.DiscreteGaussian;
import org.scalespace.gauss.Differences;
import org.scalespace.gauss.Differences.Boundary;
import org.scalespace.gauss.Differences.Op;

/**
 * The 1-D profiles that templates are made of: the discrete Gaussian, its differences, and the unit impulse.
 * A profile of length k = 2r+1 holds the value at n = −r..r at index n + r (coordinate order, n increasing).
 */
public enum Profile {
    /** T(n; σ²) */
    SMOOTH(null),
    /** δT (central) */
    D1(Op.CENTRAL),
    /** δ⁺T (forward) */
    D1P(Op.FORWARD),
    /** δ⁻T (backward) */
    D1M(Op.BACKWARD),
    /** δ²T */
    D2(Op.SECOND),
    /** the unit impulse δ(n), independent of σ */
    IMPULSE(null);

    private final Op op;

    Profile(Op op) {
        this.op = op;
    }

    /**
     * The profile at scale σ on a window of k taps, in coordinate order.
     *
     * @param secondZeroBoundary for {@link Construction#PAPER}: use zero boundaries for δ² (the five-point Laplacian
     *                           of {@code dog}/{@code lap}) instead of half-sample symmetric ones
     */
    public double[] values(Construction construction, int k, double sigma, boolean secondZeroBoundary) {
        int r = k / 2;
        if (this == IMPULSE) {
            double[] d = new double[k];
            d[r] = 1.0;
            return d;
        }
        double s = sigma * sigma;
        if (construction == Construction.EXACT) {
            // untruncated T on n = −r−1..r+1 so the differences at the window edge are exact
            double[] half = DiscreteGaussian.halfKernel(s, r + 1);
            if (this == SMOOTH) {
                double[] t = new double[k];
                for (int i = 0; i < k; i++) {
                    t[i] = half[Math.abs(i - r)];
                }
                return t;
            }
            double[] ext = new double[k + 2];
            for (int i = 0; i < k + 2; i++) {
                ext[i] = half[Math.abs(i - r - 1)];
            }
            return Differences.applyExtended(op, ext);
        }
        // PAPER: adaptive kernel (ε = 1e-8) cropped or zero-padded to k taps
        int big = DiscreteGaussian.adaptiveRadius(s, DiscreteGaussian.DEFAULT_EPS);
        int keep = Math.min(big, r);
        double[] half = DiscreteGaussian.halfKernel(s, keep);
        double[] t = new double[k];
        for (int n = -keep; n <= keep; n++) {
            t[n + r] = half[Math.abs(n)];
        }
        if (this == SMOOTH) {
            return t;
        }
        Boundary b = (this == D2 && secondZeroBoundary) ? Boundary.ZERO : Boundary.HALF_SAMPLE_SYMMETRIC;
        return Differences.apply(op, t, b);
    }

    /** Reverses a profile: coordinate order along y (up) to array row order (row 0 = y = +r). */
    public static double[] toRowOrder(double[] p) {
        int k = p.length;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = p[k - 1 - i];
        }
        return out;
    }
}
