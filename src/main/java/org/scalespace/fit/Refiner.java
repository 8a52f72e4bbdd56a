package org.scalespace.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.scalespace.model.Family;

/**
 * Local refinement of a coarse-grid optimum (SPEC §7): coordinate-wise Brent searches, in ln σ for scales and
 * linearly for α, each in a bracket around the current point that is shifted when the minimum sits on a bracket end
 * inside the range, repeated until a full round moves every parameter by less than tolerance/20. The result is
 * within the tolerance of a local minimum; a minimum on the range's edge is flagged.
 */
public final class Refiner {

    /** A refined (or coarse) point: parameters, objective value, and range-edge flags. */
    public record Point(double p1, double p2, double value, String edge, int evaluations, int rounds) {
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
        boolean dog = fam == Family.DOG;
        boolean twoD = dog || !sameScale;
        double tol = opt.tolerance();
        int[] evals = {0};
        if (dog && obj.metric() == Metric.L2) {
            return refineDogL2(obj, p1, evals);
        }
        double x1 = Math.log(p1);
        double x2 = dog ? p2 : Math.log(twoD ? p2 : p1);
        double hw1 = lnStep;
        double hw2 = dog ? Math.max(p2 * alphaRatio, opt.alphaMax() / 1000.0) : lnStep;
        double value = Double.NaN;
        int rounds = 0;
        for (int round = 0; round < 100; round++) {
            rounds++;
            final double cx2 = x2;
            DoubleUnaryOperator f1;
            if (dog) {
                f1 = x -> count(evals, obj.value(Math.exp(x), cx2));
            } else if (twoD) {
                f1 = x -> count(evals, obj.value(Math.exp(x), Math.exp(cx2)));
            } else {
                f1 = x -> count(evals, obj.value(Math.exp(x), Math.exp(x)));
            }
            double[] r1 = lineMin(f1, x1, hw1, lnLo, lnHi, 0.25 * tol / Math.exp(x1));
            double move1 = Math.abs(Math.exp(r1[0]) - Math.exp(x1));
            x1 = r1[0];
            value = r1[1];
            double move2 = 0;
            if (twoD) {
                final double cx1 = x1;
                DoubleUnaryOperator f2;
                double[] r2;
                if (dog) {
                    f2 = a -> count(evals, obj.value(Math.exp(cx1), a));
                    r2 = lineMin(f2, x2, hw2, 0.0, opt.alphaMax(), 0.25 * tol);
                    move2 = Math.abs(r2[0] - x2);
                } else {
                    f2 = y -> count(evals, obj.value(Math.exp(cx1), Math.exp(y)));
                    r2 = lineMin(f2, x2, hw2, lnLo, lnHi, 0.25 * tol / Math.exp(x2));
                    move2 = Math.abs(Math.exp(r2[0]) - Math.exp(x2));
                }
                x2 = r2[0];
                value = r2[1];
            }
            if (move1 < tol / 20 && move2 < tol / 20) {
                break;
            }
            // later rounds search a tighter bracket around the current point
            hw1 = Math.max(Math.min(hw1, 4 * move1 / Math.exp(x1)), 8 * tol / Math.exp(x1));
            if (twoD) {
                hw2 = dog ? Math.max(Math.min(hw2, 4 * move2), 8 * tol)
                        : Math.max(Math.min(hw2, 4 * move2 / Math.exp(x2)), 8 * tol / Math.exp(x2));
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
        return new Point(s1, s2, value, edge.isEmpty() ? "none" : String.join("+", edge), evals[0], rounds);
    }

    /** {@code dog}, l2: a 1-D search over σ with α in closed form at every σ. */
    private Point refineDogL2(Objective obj, double p1, int[] evals) {
        double tol = opt.tolerance();
        double amax = opt.alphaMax();
        DoubleUnaryOperator f = x -> {
            double s = Math.exp(x);
            return count(evals, obj.value(s, obj.dogBestAlpha(s, amax)));
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
        return new Point(s, alpha, r[1], edge.isEmpty() ? "none" : String.join("+", edge), evals[0], 1);
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
