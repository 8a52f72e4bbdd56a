package org.scalespace.gauss;

/**
 * The discrete analogue of the Gaussian kernel, T(n; s) = e^{−s} I_n(s) (SPEC §2), in double precision.
 *
 * <p>Computed by Miller's backward recurrence I_{n−1}(s) = I_{n+1}(s) + (2n/s) I_n(s), started far enough out that
 * the unknown starting values are negligible, and normalised with the exact identity T(0) + 2 Σ_{n≥1} T(n) = 1
 * (compensated for long recurrences). No exponential or Bessel function is evaluated, so nothing overflows for large s; values are
 * rescaled during the recurrence so nothing overflows for tiny s either. Tested against 50-digit mpmath values to a
 * relative error below 1e-13 for s from 0 to 10⁴.
 *
 * <p>All kernels returned here are values of the infinite kernel; nothing is renormalised after truncation.
 */
public final class DiscreteGaussian {

    /** Default mass tolerance of the adaptive truncation (SPEC §2). */
    public static final double DEFAULT_EPS = 1e-8;

    private static final double RESCALE_ABOVE = 1e200;
    private static final double RESCALE_BY = 1e-200;
    /** Below this s the leading term of the power series is used (its relative error, ≈ s²/4, is below 1e-40). */
    private static final double TINY_S = 1e-20;
    /** Recurrences of at most this many steps sum plainly (error bound 64·2⁻⁵³ ≈ 7e-15), longer ones compensated. */
    static final int SHORT_RECURRENCE = 64;

    private DiscreteGaussian() {
    }

    /** T(n; s) for one n (any sign). Prefer {@link #halfKernel} when several values are needed. */
    public static double value(int n, double s) {
        int m = Math.abs(n);
        return halfKernel(s, m)[m];
    }

    /**
     * T(n; s) for n = 0..nmax (the kernel is symmetric).
     *
     * @param s    the scale parameter s = σ² ≥ 0
     * @param nmax the largest n wanted, ≥ 0
     */
    public static double[] halfKernel(double s, int nmax) {
        double[] out = new double[nmax + 1];
        halfKernel(s, nmax, out);
        return out;
    }

    /** As {@link #halfKernel(double, int)}, writing T(0..nmax) into {@code out[0..nmax]}. */
    public static void halfKernel(double s, int nmax, double[] out) {
        checkScale(s);
        if (nmax < 0) {
            throw new IllegalArgumentException("nmax must be >= 0, got " + nmax);
        }
        if (s == 0.0) {
            java.util.Arrays.fill(out, 0, nmax + 1, 0.0);
            out[0] = 1.0;
            return;
        }
        if (s < TINY_S) {
            // T(n; s) = e^{−s} (s/2)^n / n! · (1 + O(s²)): exact to double precision here, and the recurrence's
            // factor 2n/s would overflow (s below about 1e-107 gave NaN)
            double t = Math.exp(-s);
            out[0] = t;
            for (int n = 1; n <= nmax; n++) {
                t *= 0.5 * s / n;
                out[n] = t;
            }
            return;
        }
        // Start index: 10σ + 12 beyond the requested range. The relative error of the backward recurrence at n ≤ nmax
        // is of the order of T(N)/T(n) (measured against a recurrence started 40σ + 80 out: 8σ + 5 steps already
        // bring it below 1e-16 for σ from 0.05 to 100), and T(n+m)/T(n) ≤ T(m)/T(0) (the ratios T(j+1)/T(j) decrease
        // in j), so a margin of 10σ + 12 leaves it far below double precision at any n; a fixed margin beyond nmax
        // would not where T decays slowly (σ ≪ n ≲ s: T(j+1)/T(j) ≈ e^{−j/s}).
        int start = nmax + (int) Math.ceil(10.0 * Math.sqrt(s)) + 12;
        double twoOverS = 2.0 / s;
        // Values for n > nmax are only needed for the normalising sum; keep them out of the array.
        double above = 0.0; // I_{n+1}
        double cur = 1e-30; // I_n, arbitrary start
        double sum = 0.0;   // Σ_{n ≥ 1} of the unnormalised values
        double comp = 0.0;  // Kahan compensation of sum, for long recurrences only
        // The addends grow towards n = 0, so the plain sum of at most SHORT_RECURRENCE of them is within
        // SHORT_RECURRENCE·2⁻⁵³ ≈ 7e-15 (relative); the compensated one carries a four-add dependency chain per step,
        // which made this loop the fit's second-largest cost (Newton refinement calls it per step), so it is kept for
        // long recurrences only. (The test is loop-invariant: C2 unswitches the loop.)
        final boolean compensated = start > SHORT_RECURRENCE;
        for (int n = start; n >= 1; n--) {
            if (n <= nmax) {
                out[n] = cur;
            }
            if (compensated) { // Kahan: each addend is at least the running sum's last increment
                double y = cur - comp;
                double t = sum + y;
                comp = (t - sum) - y;
                sum = t;
            } else {
                sum += cur;
            }
            double below = above + (n * twoOverS) * cur; // I_{n-1}
            above = cur;
            cur = below;
            if (cur > RESCALE_ABOVE) {
                cur *= RESCALE_BY;
                above *= RESCALE_BY;
                sum *= RESCALE_BY;
                comp *= RESCALE_BY;
                for (int j = n; j <= nmax; j++) { // values stored so far: n..nmax
                    out[j] *= RESCALE_BY;
                }
            }
        }
        // cur now holds the unnormalised T(0)
        double total = cur + 2.0 * (sum - comp);
        double inv = 1.0 / total;
        out[0] = cur * inv;
        for (int n = 1; n <= nmax; n++) {
            out[n] *= inv;
        }
    }

    /** T(n; s) for n = −radius..radius (index n + radius); values of the infinite kernel, not renormalised. */
    public static double[] kernel(double s, int radius) {
        double[] half = halfKernel(s, radius);
        double[] k = new double[2 * radius + 1];
        for (int n = 0; n <= radius; n++) {
            k[radius + n] = half[n];
            k[radius - n] = half[n];
        }
        return k;
    }

    /** Largest s for which {@link #adaptiveRadius} searches (σ = 10⁴: a search window of ~120,000 taps). */
    public static final double MAX_ADAPTIVE_S = 1e8;

    /**
     * The smallest radius R whose mass T(0) + 2 Σ_{1..R} T(n) is at least 1 − eps (SPEC §2).
     *
     * @param eps the mass left outside the window, 0 < eps < 1
     */
    public static int adaptiveRadius(double s, double eps) {
        checkScale(s);
        if (!(eps >= 1e-30 && eps < 1.0)) {
            throw new IllegalArgumentException("eps must be in [1e-30, 1), got " + eps);
        }
        if (s == 0.0) {
            return 0;
        }
        if (s > MAX_ADAPTIVE_S) {
            throw new IllegalArgumentException("s = " + s + " (σ = " + Math.sqrt(s) + "): an adaptive radius is "
                    + "found for s ≤ " + MAX_ADAPTIVE_S + " (σ ≤ " + Math.sqrt(MAX_ADAPTIVE_S) + ") only");
        }
        // Beyond 12σ + 40 the remaining mass is below 1e-31 of the total; accumulate the tail from the outside in,
        // so small tails keep their relative accuracy (1 − mass would cancel).
        int far = (int) Math.ceil(12.0 * Math.sqrt(s)) + 40;
        double[] h = halfKernel(s, far);
        double tail = 0.0; // mass outside radius r = 2 Σ_{n>r} T(n)
        for (int r = far; r >= 1; r--) {
            double next = tail + 2.0 * h[r]; // mass outside radius r − 1
            if (next > eps) {
                return r;
            }
            tail = next;
        }
        return 0;
    }

    /** The adaptively truncated kernel for n = −R..R with R = {@link #adaptiveRadius(double, double)}. */
    public static double[] adaptiveKernel(double s, double eps) {
        return kernel(s, adaptiveRadius(s, eps));
    }

    static void checkScale(double s) {
        if (!(s >= 0.0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("scale s = σ² must be finite and >= 0, got " + s);
        }
    }
}
