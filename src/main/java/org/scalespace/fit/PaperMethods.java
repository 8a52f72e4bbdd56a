package org.scalespace.fit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;
import org.scalespace.model.Profile;
import org.scalespace.model.Templates;

/**
 * The published fits of the 8 master key filters (Lindeberg, Babaiee, Kiasari, arXiv 2509.12746), labelled as in the
 * paper's code (tonylindeberg/masterfiltmodel, model-fitting/filteranal.py), with the {@code paper} normalisation.
 * See docs/paper-method.md for the derivation of every detail.
 *
 * <ul>
 *   <li>A / B — variance matching from the windowed variances of the normalised filter, window |template(1, 1)| of
 *       the filter's family: (A) σ = √(2V) along a smoothing axis, √(2V/3) along a derivative axis; (B) σx such that
 *       V_xx of |template(σx, 1)|·window equals the filter's, likewise σy.</li>
 *   <li>A2 / B2 — one σ per group (filters {1,2,3,4,8} and {5,6}): the geometric mean of the 2n separate
 *       estimates, used for both axes.</li>
 *   <li>C1 C2 C3 — l1 minimised with separate σx, σy / one σ / one σ per group (sum of l1).</li>
 *   <li>D1 D2 D3 — the same with l2 (joint: sum of squared l2).</li>
 *   <li>Filter 7 ({@code dog}) is fitted for (σ, α): rows C* carry its l1 fit, all other rows its l2 fit.</li>
 * </ul>
 * σ is searched on [1e-4, 4] (one published optimum sits at σ → 0), α on [0, 10].
 */
public final class PaperMethods {
    /** The family of master key filters 1..8. */
    public static final List<Family> FAMILIES = List.of(Family.DYP, Family.DXM, Family.DYM, Family.DXP, Family.DX,
            Family.DY, Family.DOG, Family.GAUSS);
    /** Joint groups, 0-based: filters {1,2,3,4,8} and {5,6}. */
    public static final int[][] GROUPS = {{0, 1, 2, 3, 7}, {4, 5}};
    /** Method labels in output order. */
    public static final List<String> METHODS = List.of("A", "B", "A2", "B2", "C1", "C2", "C3", "D1", "D2", "D3");

    /** One cell of the table. */
    public record Entry(Family family, double sigmaX, double sigmaY, double alpha, double l1, double l2,
                        String edge) {
    }

    private final CoarseScorer backend;
    private final Construction construction;
    private final FitOptions base;

    public PaperMethods(CoarseScorer backend, Construction construction) {
        this.backend = backend;
        this.construction = construction;
        this.base = new FitOptions(List.of(Family.GAUSS), Normalisation.PAPER, Metric.L2, ScaleMode.SEP,
                1e-4, 4.0, 120, 10.0, 48, construction, true, 1e-5);
    }

    /** The whole table: method → 8 entries (filters 1..8). */
    public Map<String, Entry[]> table(FilterBank bank) {
        if (bank.count() != 8 || bank.k() != 7) {
            throw new IllegalArgumentException(bank.source() + ": the paper table needs the 8 master key filters "
                    + "(8 filters of 7×7), got " + bank.count() + " of " + bank.k() + "×" + bank.k());
        }
        Map<String, Entry[]> t = new LinkedHashMap<>();
        Entry dogL2 = fitOne(bank, 6, Metric.L2, ScaleMode.SEP);
        Entry dogL1 = fitOne(bank, 6, Metric.L1, ScaleMode.SEP);
        Entry[] a = new Entry[8];
        Entry[] b = new Entry[8];
        for (int i = 0; i < 8; i++) {
            if (i == 6) {
                a[i] = dogL2;
                b[i] = dogL2;
            } else {
                a[i] = variance(bank, i, false);
                b[i] = variance(bank, i, true);
            }
        }
        t.put("A", a);
        t.put("B", b);
        t.put("A2", groupMean(bank, a, dogL2));
        t.put("B2", groupMean(bank, b, dogL2));
        for (Metric m : new Metric[] {Metric.L1, Metric.L2}) {
            String p = m == Metric.L1 ? "C" : "D";
            Entry dog = m == Metric.L1 ? dogL1 : dogL2;
            Entry[] sep = new Entry[8];
            Entry[] same = new Entry[8];
            for (int i = 0; i < 8; i++) {
                sep[i] = i == 6 ? dog : fitOne(bank, i, m, ScaleMode.SEP);
                same[i] = i == 6 ? dog : fitOne(bank, i, m, ScaleMode.SAME);
            }
            t.put(p + "1", sep);
            t.put(p + "2", same);
            t.put(p + "3", joint(bank, m, dog));
        }
        Map<String, Entry[]> ordered = new LinkedHashMap<>();
        for (String key : METHODS) {
            ordered.put(key, t.get(key));
        }
        return ordered;
    }

    private Entry fitOne(FilterBank bank, int i, Metric m, ScaleMode mode) {
        FitOptions o = base.withFamilies(List.of(FAMILIES.get(i))).withMetric(m).withScaleMode(mode);
        FilterBank one = new FilterBank(bank.source(), bank.layer(), 7, 1, bank.filter(i));
        FitResult r = new Fitter(backend, o, 1).fit(one, x -> { }).get(0);
        return new Entry(r.family(), r.sigmaX(), r.sigmaY(), r.alpha(), r.l1(), r.l2(), r.edge());
    }

    /** l1 and l2 of filter i (normalised) against its family's template at (sx, sy). */
    private Entry at(FilterBank bank, int i, double sx, double sy, String edge) {
        Family f = FAMILIES.get(i);
        double[] h = bank.filter(i);
        Frames.Frame fr = Frames.frame(h, 7, f, Normalisation.PAPER);
        Objective o = new Objective(7, f, construction, Normalisation.PAPER, Metric.L2);
        o.setFilter(fr.apply(h));
        Objective.Eval ev = o.evaluate(sx, sy);
        return new Entry(f, sx, sy, 0.0, ev.l1, ev.l2, edge);
    }

    /** Methods A (continuous formulas) and B (discrete matching) for filter i. */
    private Entry variance(FilterBank bank, int i, boolean discrete) {
        Family f = FAMILIES.get(i);
        double[] h = bank.filter(i);
        double[] hp = Frames.frame(h, 7, f, Normalisation.PAPER).apply(h);
        double[] window = Templates.dense(f, construction, 7, 1.0, 1.0, 0.0);
        SpreadMeasures.Moments mh = SpreadMeasures.ofAbsWindowed(hp, window, 7);
        boolean dxAxis = Templates.xProfile(f) != Profile.SMOOTH;
        boolean dyAxis = Templates.yProfile(f) != Profile.SMOOTH;
        double sx;
        double sy;
        String edge = "none";
        if (!discrete) {
            sx = Math.sqrt(2 * mh.varXX() / (dxAxis ? 3 : 1));
            sy = Math.sqrt(2 * mh.varYY() / (dyAxis ? 3 : 1));
        } else {
            double[] rx = matchVariance(f, window, mh.varXX(), true);
            double[] ry = matchVariance(f, window, mh.varYY(), false);
            sx = rx[0];
            sy = ry[0];
            if (rx[1] != 0 || ry[1] != 0) {
                edge = (rx[1] != 0 ? "sigma_x_" + (rx[1] < 0 ? "min" : "max") : "")
                        + (rx[1] != 0 && ry[1] != 0 ? "+" : "")
                        + (ry[1] != 0 ? "sigma_y_" + (ry[1] < 0 ? "min" : "max") : "");
            }
        }
        return at(bank, i, sx, sy, edge);
    }

    /**
     * σ on one axis such that the windowed variance of |template| (the other axis at σ_ref = 1) equals target.
     * Returns {σ, edge} with edge −1/+1 when no root lies inside the range (closest end returned).
     */
    private double[] matchVariance(Family f, double[] window, double target, boolean xAxis) {
        java.util.function.DoubleUnaryOperator g = s -> {
            double[] tpl = xAxis ? Templates.dense(f, construction, 7, s, 1.0, 0.0)
                    : Templates.dense(f, construction, 7, 1.0, s, 0.0);
            SpreadMeasures.Moments m = SpreadMeasures.ofAbsWindowed(tpl, window, 7);
            return (xAxis ? m.varXX() : m.varYY()) - target;
        };
        double[] grid = base.withSigmaRange(base.sigmaMin(), base.sigmaMax(), 400).sigmaGrid();
        double prev = g.applyAsDouble(grid[0]);
        for (int j = 1; j < grid.length; j++) {
            double cur = g.applyAsDouble(grid[j]);
            if (prev == 0) {
                return new double[] {grid[j - 1], 0};
            }
            if (Math.signum(cur) != Math.signum(prev)) {
                // bisection in ln σ to 1e-12 relative
                double lo = Math.log(grid[j - 1]);
                double hi = Math.log(grid[j]);
                double flo = prev;
                for (int it = 0; it < 100 && hi - lo > 1e-13; it++) {
                    double mid = 0.5 * (lo + hi);
                    double fm = g.applyAsDouble(Math.exp(mid));
                    if (Math.signum(fm) == Math.signum(flo)) {
                        lo = mid;
                        flo = fm;
                    } else {
                        hi = mid;
                    }
                }
                return new double[] {Math.exp(0.5 * (lo + hi)), 0};
            }
            prev = cur;
        }
        double f0 = Math.abs(g.applyAsDouble(grid[0]));
        double f1 = Math.abs(g.applyAsDouble(grid[grid.length - 1]));
        return f0 <= f1 ? new double[] {grid[0], -1} : new double[] {grid[grid.length - 1], 1};
    }

    /** A2/B2: per group, σ = geometric mean of the 2n separate estimates, for both axes. */
    private Entry[] groupMean(FilterBank bank, Entry[] separate, Entry dog) {
        Entry[] out = new Entry[8];
        out[6] = dog;
        for (int[] grp : GROUPS) {
            double logSum = 0;
            for (int i : grp) {
                logSum += Math.log(separate[i].sigmaX()) + Math.log(separate[i].sigmaY());
            }
            double s = Math.exp(logSum / (2 * grp.length));
            for (int i : grp) {
                out[i] = at(bank, i, s, s, "none");
            }
        }
        return out;
    }

    /** C3/D3: one σ per group minimising the sum of l1 (or of squared l2). */
    private Entry[] joint(FilterBank bank, Metric m, Entry dog) {
        Entry[] out = new Entry[8];
        out[6] = dog;
        FitOptions o = base.withMetric(m);
        for (int[] grp : GROUPS) {
            Objective[] objs = new Objective[grp.length];
            for (int j = 0; j < grp.length; j++) {
                int i = grp[j];
                Family f = FAMILIES.get(i);
                double[] h = bank.filter(i);
                objs[j] = new Objective(7, f, construction, Normalisation.PAPER, m);
                objs[j].setFilter(Frames.frame(h, 7, f, Normalisation.PAPER).apply(h));
            }
            Fitter.JointScale js = Fitter.jointScale(objs, o);
            for (int i : grp) {
                out[i] = at(bank, i, js.sigma(), js.sigma(), js.edge());
            }
        }
        return out;
    }
}
