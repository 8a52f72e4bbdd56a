package org.scalespace.fit;

import org.scalespace.model.Family;

/**
 * The comparison frame of a filter for a family: h' = (h − offset) / scale. Identity except with the
 * {@code paper} normalisation (SPEC §6), where it is:
 * <ul>
 *   <li>x-derivative families ({@code dx dxp dxm}): offset 0, scale R = Σ h·(−x − Mx), M = M(|h|);</li>
 *   <li>y-derivative families ({@code dy dyp dym}): offset 0, scale R = Σ h·(−y − My);</li>
 *   <li>{@code gauss}, {@code dog}: offset C minimising √det V(|h − C|), scale Σ(h − C).</li>
 * </ul>
 */
public final class Frames {

    /** h' = (h − offset) / scale. */
    public record Frame(double offset, double scale) {
        public static final Frame IDENTITY = new Frame(0.0, 1.0);

        public double[] apply(double[] h) {
            double[] o = new double[h.length];
            double inv = 1.0 / scale;
            for (int i = 0; i < h.length; i++) {
                o[i] = (h[i] - offset) * inv;
            }
            return o;
        }
    }

    private Frames() {
    }

    /** The frame of filter h (k×k) for family f under normalisation n. */
    public static Frame frame(double[] h, int k, Family f, Normalisation n) {
        if (n != Normalisation.PAPER) {
            return Frame.IDENTITY;
        }
        int r = k / 2;
        switch (f) {
            case DX:
            case DXP:
            case DXM: {
                SpreadMeasures.Moments m = SpreadMeasures.ofAbs(h, k);
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        double x = j - r;
                        sum += h[i * k + j] * (-x - m.meanX());
                    }
                }
                return checked(new Frame(0.0, sum), f);
            }
            case DY:
            case DYP:
            case DYM: {
                SpreadMeasures.Moments m = SpreadMeasures.ofAbs(h, k);
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    double y = r - i;
                    for (int j = 0; j < k; j++) {
                        sum += h[i * k + j] * (-y - m.meanY());
                    }
                }
                return checked(new Frame(0.0, sum), f);
            }
            case GAUSS:
            case DOG: {
                double c = minimiseSpreadOffset(h, k);
                double sum = 0;
                for (double v : h) {
                    sum += v - c;
                }
                return checked(new Frame(c, sum), f);
            }
            default:
                throw new IllegalArgumentException("normalisation paper is not defined for family " + f.id());
        }
    }

    private static Frame checked(Frame fr, Family f) {
        if (!(Math.abs(fr.scale()) > 1e-300) || !Double.isFinite(fr.scale())) {
            throw new IllegalArgumentException("paper normalisation for family " + f.id()
                    + " divides by a zero response; the filter has no " + (f == Family.GAUSS || f == Family.DOG
                    ? "DC" : "ramp") + " response");
        }
        return fr;
    }

    /** √det V(|h − C|) as a function of C. */
    static double spreadAt(double[] h, int k, double c) {
        double[] w = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            w[i] = Math.abs(h[i] - c);
        }
        double det = SpreadMeasures.of(w, k).det();
        return Math.sqrt(Math.max(det, 0.0));
    }

    /**
     * The constant C minimising √det V(|h − C|): a scan over [min h, max h] (the function is piecewise smooth with
     * kinks where C crosses a value of h), then Brent's method in the best cell.
     */
    static double minimiseSpreadOffset(double[] h, int k) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double v : h) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        int n = 400;
        double best = Double.POSITIVE_INFINITY;
        int bi = 0;
        for (int i = 0; i <= n; i++) {
            double c = lo + (hi - lo) * i / n;
            double v = spreadAt(h, k, c);
            if (v < best) {
                best = v;
                bi = i;
            }
        }
        double a = lo + (hi - lo) * Math.max(bi - 1, 0) / n;
        double b = lo + (hi - lo) * Math.min(bi + 1, n) / n;
        Brent.Result res = Brent.minimise(c -> spreadAt(h, k, c), a, b, lo + (hi - lo) * bi / n,
                1e-12 * Math.max(1.0, hi - lo));
        return res.fx() <= best ? res.x() : lo + (hi - lo) * bi / n;
    }
}
