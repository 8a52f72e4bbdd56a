package org.scalespace.gauss;

/**
 * The 1-D difference operators of SPEC §3, applied to arrays.
 *
 * <p>An array {@code f} of length k holds f(n) for n = −r..r at index n + r. Values outside the array are supplied by
 * a {@link Boundary}, or, with {@link #applyExtended}, taken from an array that is one sample longer on each side
 * (the "exact" construction, where the untruncated function is known there).
 */
public final class Differences {

    /** The operators: central δ, forward δ⁺, backward δ⁻, second δ². */
    public enum Op {
        /** (f(n+1) − f(n−1)) / 2 */
        CENTRAL,
        /** f(n+1) − f(n) */
        FORWARD,
        /** f(n) − f(n−1) */
        BACKWARD,
        /** f(n+1) − 2 f(n) + f(n−1) */
        SECOND
    }

    /** How samples just outside the array are read. */
    public enum Boundary {
        /** index −1 reads index 0, index k reads index k−1 (the paper's construction) */
        HALF_SAMPLE_SYMMETRIC,
        /** samples outside are 0 */
        ZERO
    }

    private Differences() {
    }

    /** op applied at n, given f(n−1), f(n), f(n+1). */
    public static double at(Op op, double fm, double f0, double fp) {
        switch (op) {
            case CENTRAL:
                return 0.5 * (fp - fm);
            case FORWARD:
                return fp - f0;
            case BACKWARD:
                return f0 - fm;
            case SECOND:
                return fp - 2.0 * f0 + fm;
            default:
                throw new AssertionError(op);
        }
    }

    /** op applied to every sample of f, with the given boundary. */
    public static double[] apply(Op op, double[] f, Boundary b) {
        int k = f.length;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            double fm = i > 0 ? f[i - 1] : (b == Boundary.ZERO ? 0.0 : f[0]);
            double fp = i < k - 1 ? f[i + 1] : (b == Boundary.ZERO ? 0.0 : f[k - 1]);
            out[i] = at(op, fm, f[i], fp);
        }
        return out;
    }

    /**
     * op applied to the inner samples of an extended array: {@code ext} has length k + 2 (f(n) for n = −r−1..r+1);
     * the result has length k (n = −r..r).
     */
    public static double[] applyExtended(Op op, double[] ext) {
        int k = ext.length - 2;
        double[] out = new double[k];
        for (int i = 0; i < k; i++) {
            out[i] = at(op, ext[i], ext[i + 1], ext[i + 2]);
        }
        return out;
    }
}
