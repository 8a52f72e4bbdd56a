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
     * The constant C minimising √det V(|h − C|). The function is smooth between consecutive values of h and has
     * kinks at them, where the minimum usually sits; so it is evaluated at every distinct value of h, and Brent's
     * method runs inside every interval between neighbouring values; the smallest of all wins.
     */
    static double minimiseSpreadOffset(double[] h, int k) {
        double[] v = h.clone();
        java.util.Arrays.sort(v);
        double bestC = v[0];
        double best = spreadAt(h, k, v[0]);
        double tol = 1e-14 * Math.max(1.0, v[v.length - 1] - v[0]);
        for (int i = 1; i < v.length; i++) {
            if (v[i] == v[i - 1]) {
                continue;
            }
            double f = spreadAt(h, k, v[i]);
            if (f < best) {
                best = f;
                bestC = v[i];
            }
            double a = v[i - 1];
            double b = v[i];
            Brent.Result r = Brent.minimise(c -> spreadAt(h, k, c), a, b, 0.5 * (a + b), tol);
            if (r.fx() < best) {
                best = r.fx();
                bestC = r.x();
            }
        }
        return bestC;
    }
}
