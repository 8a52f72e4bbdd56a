package org.scalespace.fit;

import java.util.function.DoubleUnaryOperator;

/** Brent's method for a 1-D minimum on [a, b] (golden section with parabolic steps). */
public final class Brent {

    /** The minimum found: argument, value, and number of function evaluations. */
    public record Result(double x, double fx, int evaluations) {
    }

    private static final double GOLD = 0.3819660112501051; // (3 − √5)/2

    private Brent() {
    }

    /**
     * Minimises f on [a, b] starting from x0 ∈ [a, b], to an absolute tolerance tol on x.
     * The end points themselves are reachable: the search converges onto an end when f decreases towards it.
     */
    public static Result minimise(DoubleUnaryOperator f, double a, double b, double x0, double tol) {
        if (a > b) {
            double t = a;
            a = b;
            b = t;
        }
        double x = Math.min(Math.max(x0, a), b);
        double w = x;
        double v = x;
        double fx = f.applyAsDouble(x);
        double fw = fx;
        double fv = fx;
        int evals = 1;
        double d = 0;
        double e = 0;
        for (int iter = 0; iter < 200; iter++) {
            double m = 0.5 * (a + b);
            double tol1 = tol * 0.5 + 1e-15 * Math.abs(x);
            double tol2 = 2 * tol1;
            if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) {
                break;
            }
            boolean golden = true;
            if (Math.abs(e) > tol1) {
                double r = (x - w) * (fx - fv);
                double q = (x - v) * (fx - fw);
                double p = (x - v) * q - (x - w) * r;
                q = 2 * (q - r);
                if (q > 0) {
                    p = -p;
                }
                q = Math.abs(q);
                double etemp = e;
                e = d;
                if (Math.abs(p) < Math.abs(0.5 * q * etemp) && p > q * (a - x) && p < q * (b - x)) {
                    d = p / q;
                    double u = x + d;
                    if (u - a < tol2 || b - u < tol2) {
                        d = m > x ? tol1 : -tol1;
                    }
                    golden = false;
                }
            }
            if (golden) {
                e = (x < m) ? b - x : a - x;
                d = GOLD * e;
            }
            double u = Math.abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1);
            u = Math.min(Math.max(u, a), b);
            double fu = f.applyAsDouble(u);
            evals++;
            if (fu <= fx) {
                if (u < x) {
                    b = x;
                } else {
                    a = x;
                }
                v = w;
                fv = fw;
                w = x;
                fw = fx;
                x = u;
                fx = fu;
            } else {
                if (u < x) {
                    a = u;
                } else {
                    b = u;
                }
                if (fu <= fw || w == x) {
                    v = w;
                    fv = fw;
                    w = u;
                    fw = fu;
                } else if (fu <= fv || v == x || v == w) {
                    v = u;
                    fv = fu;
                }
            }
        }
        return new Result(x, fx, evals);
    }
}
