package org.scalespace.fit;

/**
 * Centre of mass M(w) and spread V(w) of a non-negative weight on the k×k grid (SPEC §5), with p = (x, y),
 * x = col − r, y = r − row.
 */
public final class SpreadMeasures {

    /** M and V of a weight. */
    public record Moments(double meanX, double meanY, double varXX, double varXY, double varYY) {
        public double det() {
            return varXX * varYY - varXY * varXY;
        }
    }

    private SpreadMeasures() {
    }

    /** Moments of the weight w (row-major k×k, w ≥ 0, Σw > 0). */
    public static Moments of(double[] w, int k) {
        int r = k / 2;
        double s = 0;
        double sx = 0;
        double sy = 0;
        for (int i = 0; i < k; i++) {
            double y = r - i;
            for (int j = 0; j < k; j++) {
                double x = j - r;
                double v = w[i * k + j];
                s += v;
                sx += v * x;
                sy += v * y;
            }
        }
        double mx = sx / s;
        double my = sy / s;
        double vxx = 0;
        double vxy = 0;
        double vyy = 0;
        for (int i = 0; i < k; i++) {
            double y = r - i - my;
            for (int j = 0; j < k; j++) {
                double x = j - r - mx;
                double v = w[i * k + j];
                vxx += v * x * x;
                vxy += v * x * y;
                vyy += v * y * y;
            }
        }
        return new Moments(mx, my, vxx / s, vxy / s, vyy / s);
    }

    /** Moments of |h|. */
    public static Moments ofAbs(double[] h, int k) {
        double[] w = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            w[i] = Math.abs(h[i]);
        }
        return of(w, k);
    }

    /** Moments of the windowed weight |h|·|window| (SPEC §5). */
    public static Moments ofAbsWindowed(double[] h, double[] window, int k) {
        double[] w = new double[h.length];
        for (int i = 0; i < h.length; i++) {
            w[i] = Math.abs(h[i]) * Math.abs(window[i]);
        }
        return of(w, k);
    }
}
