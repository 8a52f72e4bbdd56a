package org.scalespace.conv;

import java.util.List;
import org.scalespace.gauss.DiscreteGaussian;

/**
 * Separable banks for discrete-Gaussian smoothing and its derivatives (SPEC §2, §3), built once on the host in
 * double precision from {@link DiscreteGaussian}.
 *
 * <p>Construction is the <em>exact</em> one: the difference operators are applied to the untruncated kernel
 * (T is evaluated on radius R+1), then the window −R…R is kept, without renormalisation.
 *
 * <p><b>Orientation.</b> The outputs are derivatives of the smoothed image L = T ∗ f: {@code dx} at a pixel is
 * (L(x+1) − L(x−1))/2 with x to the right, {@code dy} is (L(y+1) − L(y−1))/2 with <b>y up</b> (y+1 is the row above),
 * so a unit ramp gives +1. Since the engines cross-correlate, the bank holds the point-mirrored templates:
 * A[i][j] = template(−x, −y) — the family template of {@code org.scalespace.model.Templates} (exact construction)
 * negated for the odd orders {@code dx}, {@code dy} and unchanged for the others.
 */
public final class GaussianFilters {
    private GaussianFilters() {
    }

    /** The window radius the spec gives: fixed, or the larger adaptive radius of the two axes (≥ 1 for derivatives). */
    public static int radius(GaussianSpec spec, GaussianOutput output) {
        int r;
        if (spec.adaptive()) {
            r = Math.max(DiscreteGaussian.adaptiveRadius(spec.sigmaX() * spec.sigmaX(), spec.eps()),
                    DiscreteGaussian.adaptiveRadius(spec.sigmaY() * spec.sigmaY(), spec.eps()));
            if (output.isDerivative()) {
                r = Math.max(r, 1);
            }
            if (r > GaussianSpec.MAX_RADIUS) {
                throw new IllegalArgumentException("gaussian: adaptive radius " + r + " for σ = (" + spec.sigmaX()
                        + ", " + spec.sigmaY() + ") exceeds " + GaussianSpec.MAX_RADIUS);
            }
        } else {
            r = spec.radius();
        }
        return r;
    }

    /** The same filter for {@code channels} channels. */
    public static SeparableBank bank(int channels, GaussianSpec spec, GaussianOutput output) {
        int r = radius(spec, output);
        return SeparableBank.uniform(channels, 2 * r + 1, terms(spec, output, r));
    }

    /** The separable terms of one output at window radius r. */
    public static List<SeparableBank.Term> terms(GaussianSpec spec, GaussianOutput output, int r) {
        double sx = spec.sigmaX() * spec.sigmaX();
        double sy = spec.sigmaY() * spec.sigmaY();
        double[] tx = DiscreteGaussian.kernel(sx, r + 1); // index n + r + 1
        double[] ty = DiscreteGaussian.kernel(sy, r + 1);
        // cross-correlation taps: column j reads x + (j − r), so it holds the kernel at −(j − r) (mirror);
        // row i reads the row at offset i − r below, i.e. y − (i − r), so it holds the kernel at y = i − r.
        double[] gx = flip(window(tx, r, 0));
        double[] dx = flip(window(tx, r, 1));
        double[] dxx = flip(window(tx, r, 2));
        double[] gy = window(ty, r, 0);
        double[] dy = window(ty, r, 1);
        double[] dyy = window(ty, r, 2);
        switch (output) {
            case SMOOTH:
                return List.of(new SeparableBank.Term(gy, gx));
            case DX:
                return List.of(new SeparableBank.Term(gy, dx));
            case DY:
                return List.of(new SeparableBank.Term(dy, gx));
            case DXX:
                return List.of(new SeparableBank.Term(gy, dxx));
            case DXY:
                return List.of(new SeparableBank.Term(dy, dx));
            case DYY:
                return List.of(new SeparableBank.Term(dyy, gx));
            case LAPLACIAN:
                return List.of(new SeparableBank.Term(gy, dxx), new SeparableBank.Term(dyy, gx));
            default:
                throw new AssertionError(output);
        }
    }

    /**
     * Window n = −r…r of the kernel t (given on −r−1…r+1) after the order-th difference (0: none, 1: δ, 2: δ²),
     * indexed by n + r (n increasing).
     */
    static double[] window(double[] t, int r, int order) {
        double[] w = new double[2 * r + 1];
        for (int n = -r; n <= r; n++) {
            int i = n + r + 1;
            switch (order) {
                case 0:
                    w[n + r] = t[i];
                    break;
                case 1:
                    w[n + r] = 0.5 * (t[i + 1] - t[i - 1]);
                    break;
                default:
                    w[n + r] = t[i + 1] - 2 * t[i] + t[i - 1];
            }
        }
        return w;
    }

    /** Reversed copy. */
    static double[] flip(double[] a) {
        double[] b = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[a.length - 1 - i];
        }
        return b;
    }
}
