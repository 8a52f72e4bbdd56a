package org.scalespace.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.scalespace.model.Family;

/**
 * Local refinement of a coarse-grid optimum (SPEC §7). The single-term families with the l2 metric and the exact
 * construction (the defaults) use a trust-region Newton method with the objective's exact derivatives
 * ({@link #newton}); everything else, and any Newton run that does not converge, uses Brent line searches, in ln σ for
 * scales and linearly for α, each in a bracket around the current point that is shifted when the minimum sits on a bracket end inside the range;
 * with two parameters along Powell's conjugate directions (see {@link #powell}), repeated until a full round moves
 * every parameter by less than tolerance/20. The result is within the tolerance of a local minimum; a minimum on the
 * range's edge is flagged.
 */
public final class Refiner {

    /** A refined (or coarse) point: parameters, objective value, and range-edge flags. */
    public record Point(double p1, double p2, double value, String edge, int evaluations) {
    }

    private final FitOptions opt;
    private final double lnLo;
    private final double lnHi;
    private final double lnStep;
    private final double alphaRatio;

    public Refiner(FitOptions opt) {
        this.opt = opt;
        this.lnLo = Math.log(opt.sigmaMin());
        this.lnHi = Math.log(opt.sigmaMax());
        this.lnStep = (lnHi - lnLo) / (opt.sigmaSteps() - 1);
        this.alphaRatio = Math.pow(1000.0, 1.0 / Math.max(1, opt.alphaSteps() - 2)) - 1.0;
    }

    /**
     * Refines from (p1, p2).
     *
     * @param sameScale σx = σy (one σ coordinate) for the non-{@code dog} families
     */
    public Point refine(Objective obj, Family fam, boolean sameScale, double p1, double p2) {
        if (fam == Family.DOG && obj.metric() == Metric.L2) {
            return refineDogL2(obj, p1, new int[] {0});
        }
        if (obj.hasDerivatives()) {
            Point pt = newton(obj, sameScale, p1, p2);
            if (pt != null) {
                return pt;
            }
            // no convergence (rare: a degenerate template or a flat, non-convex stretch): the derivative-free search
        }
        return search(obj, fam, sameScale, p1, p2);
    }

    /**
     * The derivative-free refinement (Brent line searches, Powell directions; nested searches for l1), used for every
     * case {@link #newton} does not cover and where it does not converge.
     */
    Point search(Objective obj, Family fam, boolean sameScale, double p1, double p2) {
        boolean dog = fam == Family.DOG;
        boolean twoD = dog || !sameScale;
        double tol = opt.tolerance();
        int[] evals = {0};
        double x1 = Math.log(p1);
        double x2 = dog ? p2 : Math.log(twoD ? p2 : p1);
        double hw1 = lnStep;
        double hw2 = dog ? Math.max(p2 * alphaRatio, opt.alphaMax() / 1000.0) : lnStep;
        double value = Double.NaN;
        if (twoD) {
            double[] z = powell(obj, dog, x1, x2, hw1, hw2, evals);
            x1 = z[0];
            x2 = z[1];
            value = z[2];
        } else {
            for (int round = 0; round < 100; round++) {
                DoubleUnaryOperator f1 = x -> count(evals, obj.value(Math.exp(x), Math.exp(x)));
                double[] r1 = lineMin(f1, x1, hw1, lnLo, lnHi, 0.25 * tol / Math.exp(x1));
                double move1 = Math.abs(Math.exp(r1[0]) - Math.exp(x1));
                x1 = r1[0];
                value = r1[1];
                if (move1 < tol / 20) {
                    break;
                }
                // later rounds search a tighter bracket around the current point
                hw1 = Math.max(Math.min(hw1, 4 * move1 / Math.exp(x1)), 8 * tol / Math.exp(x1));
            }
        }
        if (twoD && obj.metric() == Metric.L1) {
            // l1 surfaces have sharp V-shaped valleys along which coordinate searches stall: minimise the valley
            // profile g(p1) = min over p2 of f(p1, p2) with nested 1-D searches (each inner search is unimodal).
            double[] inner = {x2};
            double innerHw = dog ? Math.max(x2 * alphaRatio, opt.alphaMax() / 1000.0) : lnStep;
            DoubleUnaryOperator g = u -> {
                double s = Math.exp(u);
                double[] r = dog
                        ? lineMin(a -> count(evals, obj.value(s, a)), inner[0], innerHw, 0.0, opt.alphaMax(),
                                0.1 * tol)
                        : lineMin(y -> count(evals, obj.value(s, Math.exp(y))), inner[0], innerHw, lnLo, lnHi,
                                0.1 * tol / Math.exp(inner[0]));
                inner[0] = r[0];
                return r[1];
            };
            double[] r1 = lineMin(g, x1, lnStep, lnLo, lnHi, 0.1 * tol / Math.exp(x1));
            x1 = r1[0];
            g.applyAsDouble(x1); // the inner optimum at the final p1
            x2 = inner[0];
            value = r1[1];
        }
        double s1 = Math.exp(x1);
        double s2 = dog ? x2 : (twoD ? Math.exp(x2) : s1);
        List<String> edge = new ArrayList<>();
        double e1 = 2 * 0.25 * tol / s1 + 1e-12;
        if (x1 <= lnLo + e1) {
            edge.add(sameScale || dog ? "sigma_min" : "sigma_x_min");
        }
        if (x1 >= lnHi - e1) {
            edge.add(sameScale || dog ? "sigma_max" : "sigma_x_max");
        }
        if (dog) {
            if (x2 <= 0.5 * tol) {
                edge.add("alpha_min");
            }
            if (x2 >= opt.alphaMax() - 0.5 * tol) {
                edge.add("alpha_max");
            }
        } else if (twoD) {
            double e2 = 2 * 0.25 * tol / s2 + 1e-12;
            if (x2 <= lnLo + e2) {
                edge.add("sigma_y_min");
            }
            if (x2 >= lnHi - e2) {
                edge.add("sigma_y_max");
            }
        }
        return new Point(s1, s2, value, edge.isEmpty() ? "none" : String.join("+", edge), evals[0]);
    }

    /** Most Newton iterations before falling back to the derivative-free search. */
    static final int NEWTON_MAX_ITER = 40;

    /**
     * Trust-region Newton in (ln σx, ln σy) (one coordinate, ln σ, for the same scale) with the objective's exact
     * gradient and Hessian ({@link Objective#derivatives}), from the coarse optimum, for the single-term families
     * with the l2 metric. A step is the Newton step where the Hessian is positive definite, a diagonally scaled
     * gradient step otherwise, clipped to the trust radius (initially one grid step) and to the range; a coordinate
     * on a range end whose gradient points outwards is held there (projected Newton). A step that does not lower the
     * objective is rejected and the radius quartered. Converged when a Newton step (positive-definite Hessian) moves
     * every σ by less than tolerance/20: Newton converges quadratically, so the step's end, which is returned (its
     * value computed, not its derivatives), is then far closer than the tolerance to the minimum. Returns null when it does not converge within {@value #NEWTON_MAX_ITER} iterations or meets a
     * non-finite value (the caller then uses the derivative-free search).
     */
    Point newton(Objective obj, boolean same, double p1, double p2) {
        double tol = opt.tolerance();
        double[] x = {Math.log(p1), Math.log(same ? p1 : p2)};
        double[] dv = new double[6];
        double[] nd = new double[6];
        double[] g = new double[2];
        double[][] hs = new double[2][2];
        if (!derivs(obj, same, x, dv, g, hs)) {
            return null;
        }
        int n = same ? 1 : 2;
        double radius = lnStep;
        int evals = 1;
        // the trial point's state, swapped with the current one when accepted (no allocation per iteration)
        double[] xn = new double[2];
        double[] gn = new double[2];
        double[][] hn = new double[2][2];
        boolean[] free = new boolean[2];
        double[] step = new double[2];
        for (int it = 0; it < NEWTON_MAX_ITER; it++) {
            double eb = 1e-12;
            for (int i = 0; i < n; i++) {
                free[i] = !((x[i] <= lnLo + eb && g[i] > 0) || (x[i] >= lnHi - eb && g[i] < 0));
            }
            step[0] = 0;
            step[1] = 0;
            boolean newtonStep; // a Newton step on the free coordinates (positive-definite Hessian there)
            if (n == 2 && free[0] && free[1]) {
                double det = hs[0][0] * hs[1][1] - hs[0][1] * hs[0][1];
                newtonStep = hs[0][0] > 0 && det > 0;
                if (newtonStep) {
                    step[0] = -(hs[1][1] * g[0] - hs[0][1] * g[1]) / det;
                    step[1] = -(hs[0][0] * g[1] - hs[0][1] * g[0]) / det;
                } else {
                    gradientStep(g, hs, free, n, radius, step);
                }
            } else {
                newtonStep = true;
                for (int i = 0; i < n; i++) {
                    if (free[i]) {
                        newtonStep &= hs[i][i] > 0;
                    }
                }
                gradientStep(g, hs, free, n, radius, step);
            }
            double stepSigma = 0; // how far the step moves σ
            for (int i = 0; i < n; i++) {
                stepSigma = Math.max(stepSigma, Math.exp(x[i]) * Math.abs(step[i]));
            }
            if (!(stepSigma >= 0)) {
                return null;
            }
            if (stepSigma == 0) {
                // held on range ends with nothing free to move, or a zero gradient: a (constrained) minimum
                return newtonPoint(obj, x, same, evals);
            }
            boolean converged = newtonStep && stepSigma < tol / 20;
            double big = Math.max(Math.abs(step[0]), Math.abs(step[1]));
            if (big > radius) {
                step[0] *= radius / big;
                step[1] *= radius / big;
            }
            xn[0] = clamp(x[0] + step[0]);
            xn[1] = same ? xn[0] : clamp(x[1] + step[1]);
            evals++;
            if (converged) {
                // the Newton step is below the tolerance/20: the minimum is within it of x, and the step's end is
                // the better estimate (quadratic convergence); only its value is needed, not its derivatives
                return newtonPoint(obj, xn, same, evals);
            }
            if (!derivs(obj, same, xn, nd, gn, hn)) {
                return null;
            }
            boolean lower = nd[0] <= dv[0];
            if (lower) {
                double[] t = x;
                x = xn;
                xn = t;
                t = dv;
                dv = nd;
                nd = t;
                t = g;
                g = gn;
                gn = t;
                double[][] th = hs;
                hs = hn;
                hn = th;
                radius = Math.min(lnStep, Math.max(radius, 2 * Math.max(Math.abs(step[0]), Math.abs(step[1]))));
            } else {
                radius = 0.25 * Math.max(Math.abs(step[0]), Math.abs(step[1]));
                if (radius * Math.exp(Math.max(x[0], x[1])) < 1e-3 * tol) {
                    return null; // no progress even with tiny steps, yet not converged: let the search decide
                }
            }
        }
        return null;
    }

    private double clamp(double v) {
        return Math.min(Math.max(v, lnLo), lnHi);
    }

    /** A steepest-descent step scaled by the Hessian's diagonal where it is positive (the radius otherwise). */
    private static void gradientStep(double[] g, double[][] hs, boolean[] free, int n, double radius, double[] step) {
        for (int i = 0; i < n; i++) {
            if (!free[i] || g[i] == 0) {
                continue;
            }
            step[i] = hs[i][i] > 0 ? -g[i] / hs[i][i] : -Math.signum(g[i]) * radius;
        }
    }

    /** Objective, gradient and Hessian at x; same scale: along u1 = u2. False when not finite. */
    private static boolean derivs(Objective obj, boolean same, double[] x, double[] out, double[] g, double[][] hs) {
        double s1 = Math.exp(x[0]);
        obj.derivatives(s1, same ? s1 : Math.exp(x[1]), out);
        if (same) {
            g[0] = out[1] + out[2];
            hs[0][0] = out[3] + 2 * out[4] + out[5];
        } else {
            g[0] = out[1];
            g[1] = out[2];
            hs[0][0] = out[3];
            hs[0][1] = out[4];
            hs[1][0] = out[4];
            hs[1][1] = out[5];
        }
        for (double v : out) {
            if (!Double.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** The point at x, with the objective's {@link Objective#value} there (as the derivative-free search reports). */
    private Point newtonPoint(Objective obj, double[] x, boolean same, int evals) {
        double tol = opt.tolerance();
        double s1 = Math.exp(x[0]);
        double s2 = same ? s1 : Math.exp(x[1]);
        double value = obj.value(s1, s2);
        List<String> edge = new ArrayList<>();
        double e1 = 2 * 0.25 * tol / s1 + 1e-12;
        if (x[0] <= lnLo + e1) {
            edge.add(same ? "sigma_min" : "sigma_x_min");
        }
        if (x[0] >= lnHi - e1) {
            edge.add(same ? "sigma_max" : "sigma_x_max");
        }
        if (!same) {
            double e2 = 2 * 0.25 * tol / s2 + 1e-12;
            if (x[1] <= lnLo + e2) {
                edge.add("sigma_y_min");
            }
            if (x[1] >= lnHi - e2) {
                edge.add("sigma_y_max");
            }
        }
        return new Point(s1, s2, Math.max(value, 0.0), edge.isEmpty() ? "none" : String.join("+", edge), evals);
    }

    /**
     * Powell's conjugate-direction method in (x1, x2) = (ln σx, α) for dog, (ln σx, ln σy) otherwise: line searches
     * along two directions, the coordinate axes at first; after each round the round's net displacement is searched
     * and replaces the direction of largest decrease. Coordinate-wise search alone crawls along a narrow diagonal
     * valley (dog's σ and α are strongly correlated on small windows) and stopped far from the minimum. Stops when a
     * round moves both parameters by less than tolerance/20; brackets shrink as the moves do. Returns {x1, x2, value}.
     */
    private double[] powell(Objective obj, boolean dog, double x1, double x2, double hw1, double hw2, int[] evals) {
        double tol = opt.tolerance();
        double lo2 = dog ? 0.0 : lnLo;
        double hi2 = dog ? opt.alphaMax() : lnHi;
        double[][] dirs = {{1, 0}, {0, 1}};
        double[] z = {x1, x2, count(evals, dog ? obj.value(Math.exp(x1), x2) : obj.value(Math.exp(x1), Math.exp(x2)))};
        for (int round = 0; round < 100; round++) {
            double s1 = z[0];
            double s2 = z[1];
            double f0 = z[2];
            int big = 0;
            double bigDrop = -1;
            for (int j = 0; j < 2; j++) {
                double before = z[2];
                z = along(obj, dog, z, dirs[j], hw1, hw2, lo2, hi2, evals);
                if (before - z[2] > bigDrop) {
                    bigDrop = before - z[2];
                    big = j;
                }
            }
            double[] d = {z[0] - s1, z[1] - s2};
            if ((d[0] != 0 || d[1] != 0) && worthExtrapolating(obj, dog, f0, z, d, bigDrop, lo2, hi2, evals)) {
                z = along(obj, dog, z, d, hw1, hw2, lo2, hi2, evals);
                if (big == 0) {
                    dirs[0] = dirs[1];
                }
                dirs[1] = d;
                double cross = Math.abs(dirs[0][0] * d[1] - dirs[0][1] * d[0])
                        / (Math.hypot(dirs[0][0], dirs[0][1]) * Math.hypot(d[0], d[1]));
                if (!(cross > 1e-6)) {
                    dirs = new double[][] {{1, 0}, {0, 1}}; // nearly parallel: restart from the axes
                }
            }
            double move1 = Math.abs(Math.exp(z[0]) - Math.exp(s1));
            double move2 = dog ? Math.abs(z[1] - s2) : Math.abs(Math.exp(z[1]) - Math.exp(s2));
            if (move1 < tol / 20 && move2 < tol / 20) {
                break;
            }
            // later rounds search a tighter bracket around the current point
            hw1 = Math.max(Math.min(hw1, 4 * move1 / Math.exp(z[0])), 8 * tol / Math.exp(z[0]));
            hw2 = dog ? Math.max(Math.min(hw2, 4 * move2), 8 * tol)
                    : Math.max(Math.min(hw2, 4 * move2 / Math.exp(z[1])), 8 * tol / Math.exp(z[1]));
        }
        return z;
    }

    /**
     * Powell's test (Numerical Recipes, powell) whether the round's displacement d is worth a line search and a place
     * in the direction set: the extrapolated point z + d must be lower than the round's start, and the decrease along
     * the direction of largest decrease must not dominate. One evaluation; saves the line search when the round was
     * not crawling along a valley.
     */
    private boolean worthExtrapolating(Objective obj, boolean dog, double f0, double[] z, double[] d, double bigDrop,
                                       double lo2, double hi2, int[] evals) {
        double e1 = z[0] + d[0];
        double e2 = z[1] + d[1];
        if (e1 < lnLo || e1 > lnHi || e2 < lo2 || e2 > hi2) {
            return true; // cannot test outside the range; search (the line search stays inside)
        }
        double fe = count(evals, dog ? obj.value(Math.exp(e1), e2) : obj.value(Math.exp(e1), Math.exp(e2)));
        if (!(fe < f0)) {
            return false;
        }
        double fn = z[2];
        double a = f0 - fn - bigDrop;
        double b = f0 - fe;
        return 2 * (f0 - 2 * fn + fe) * a * a < b * b * bigDrop;
    }

    /**
     * Line minimisation from z = {x1, x2, value} along u, inside the parameter range; the bracket moves no coordinate
     * by more than its bracket half-width (hw1, hw2) and is shifted when the minimum sits on its end. Returns the new
     * {x1, x2, value}, or z when nothing better is found.
     */
    private double[] along(Objective obj, boolean dog, double[] z, double[] u, double hw1, double hw2, double lo2,
                           double hi2, int[] evals) {
        double[] los = {lnLo, lo2};
        double[] his = {lnHi, hi2};
        double tLo = 0;
        double tHi = 0;
        double hw = Double.POSITIVE_INFINITY;
        boolean first = true;
        for (int i = 0; i < 2; i++) {
            if (u[i] == 0) {
                continue;
            }
            double a = (los[i] - z[i]) / u[i];
            double b = (his[i] - z[i]) / u[i];
            double lo = Math.min(a, b);
            double hi = Math.max(a, b);
            tLo = first ? lo : Math.max(tLo, lo);
            tHi = first ? hi : Math.min(tHi, hi);
            first = false;
            hw = Math.min(hw, (i == 0 ? hw1 : hw2) / Math.abs(u[i]));
        }
        if (first) {
            return z;
        }
        tLo = Math.min(tLo, 0.0);
        tHi = Math.max(tHi, 0.0);
        // a step of t moves σx by ≈ |u1|·σx and α by |u2| (σy by |u2|·σy)
        double unit = Math.max(Math.abs(u[0]) * Math.exp(z[0]), Math.abs(u[1]) * (dog ? 1.0 : Math.exp(z[1])));
        double z0 = z[0];
        double z1 = z[1];
        DoubleUnaryOperator f = t -> count(evals, dog ? obj.value(Math.exp(z0 + t * u[0]), z1 + t * u[1])
                : obj.value(Math.exp(z0 + t * u[0]), Math.exp(z1 + t * u[1])));
        double[] r = lineMin(f, 0.0, hw, tLo, tHi, 0.25 * opt.tolerance() / unit);
        if (!(r[1] <= z[2])) {
            return z;
        }
        return new double[] {Math.min(Math.max(z0 + r[0] * u[0], lnLo), lnHi),
            Math.min(Math.max(z1 + r[0] * u[1], lo2), hi2), r[1]};
    }

    /** {@code dog}, l2: a 1-D search over σ with α in closed form at every σ. */
    private Point refineDogL2(Objective obj, double p1, int[] evals) {
        double tol = opt.tolerance();
        double amax = opt.alphaMax();
        DoubleUnaryOperator f = x -> {
            double s = Math.exp(x);
            return count(evals, obj.dogBestValue(s, amax));
        };
        double x = Math.log(p1);
        double[] r = lineMin(f, x, lnStep, lnLo, lnHi, 0.25 * tol / p1);
        double s = Math.exp(r[0]);
        double alpha = obj.dogBestAlpha(s, amax);
        List<String> edge = new ArrayList<>();
        double e1 = 0.5 * tol / s + 1e-12;
        if (r[0] <= lnLo + e1) {
            edge.add("sigma_min");
        }
        if (r[0] >= lnHi - e1) {
            edge.add("sigma_max");
        }
        if (alpha <= 0.5 * tol) {
            edge.add("alpha_min");
        }
        if (alpha >= amax - 0.5 * tol) {
            edge.add("alpha_max");
        }
        return new Point(s, alpha, r[1], edge.isEmpty() ? "none" : String.join("+", edge), evals[0]);
    }

    /** Edge flags of an unrefined grid point. */
    public String gridEdge(Family fam, boolean sameScale, int g1, int g2) {
        List<String> edge = new ArrayList<>();
        int last = opt.sigmaSteps() - 1;
        boolean one = sameScale || fam == Family.DOG;
        if (g1 == 0) {
            edge.add(one ? "sigma_min" : "sigma_x_min");
        }
        if (g1 == last) {
            edge.add(one ? "sigma_max" : "sigma_x_max");
        }
        if (fam == Family.DOG) {
            if (g2 == 0) {
                edge.add("alpha_min");
            }
            if (g2 == opt.alphaSteps() - 1) {
                edge.add("alpha_max");
            }
        } else if (!sameScale) {
            if (g2 == 0) {
                edge.add("sigma_y_min");
            }
            if (g2 == last) {
                edge.add("sigma_y_max");
            }
        }
        return edge.isEmpty() ? "none" : String.join("+", edge);
    }

    private static double count(int[] evals, double v) {
        evals[0]++;
        return v;
    }

    /**
     * Brent in [x − hw, x + hw] ∩ [lo, hi], shifting the bracket while the minimum sits on an end inside the range.
     * Returns {x, f(x)}.
     */
    static double[] lineMin(DoubleUnaryOperator f, double x, double hw, double lo, double hi, double tol) {
        Brent.Result r = null;
        for (int rep = 0; rep < 200; rep++) {
            double a = Math.max(lo, x - hw);
            double b = Math.min(hi, x + hw);
            r = Brent.minimise(f, a, b, x, tol);
            boolean leftEnd = r.x() - a < 2 * tol && a > lo;
            boolean rightEnd = b - r.x() < 2 * tol && b < hi;
            if ((leftEnd || rightEnd) && Math.abs(r.x() - x) > tol) {
                x = r.x();
                continue;
            }
            return new double[] {r.x(), r.fx()};
        }
        return new double[] {r.x(), r.fx()};
    }
}
