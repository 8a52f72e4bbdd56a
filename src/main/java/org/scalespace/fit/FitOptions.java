package org.scalespace.fit;

import java.util.List;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;

/**
 * Everything that defines a fit (SPEC §6–§7). {@link #defaults()} is the CLI's default: the paper's eight families,
 * gain-offset normalisation, l2, separate scales, σ ∈ [0.05, 4] on a 48-point log grid, α ∈ [0, 20], exact
 * construction, refinement to |Δσ| ≤ 1e-4.
 *
 * @param sigmaSteps  points of the log-spaced coarse σ grid (both axes)
 * @param alphaSteps  points of the coarse α grid for {@code dog}: 0 and a log-spaced grid up to alphaMax
 * @param refine      local refinement after the coarse grid
 * @param tolerance   refinement tolerance on σ and α (absolute)
 */
public record FitOptions(
        List<Family> families,
        Normalisation normalisation,
        Metric metric,
        ScaleMode scaleMode,
        double sigmaMin,
        double sigmaMax,
        int sigmaSteps,
        double alphaMax,
        int alphaSteps,
        Construction construction,
        boolean refine,
        double tolerance) {

    public FitOptions {
        families = List.copyOf(families);
        if (families.isEmpty()) {
            throw new IllegalArgumentException("at least one family is needed");
        }
        for (int i = 1; i < families.size(); i++) {
            if (families.get(i).compareTo(families.get(i - 1)) <= 0) {
                throw new IllegalArgumentException("families must be distinct and in the order of SPEC §4: "
                        + families);
            }
        }
        if (!(sigmaMin > 0.0) || !(sigmaMax > sigmaMin) || Double.isInfinite(sigmaMax)) {
            throw new IllegalArgumentException("sigma range must satisfy 0 < sigma-min < sigma-max, got ["
                    + sigmaMin + ", " + sigmaMax + "]");
        }
        if (sigmaMax > 100.0) {
            throw new IllegalArgumentException("sigma-max = " + sigmaMax + " is too large; accepted up to 100");
        }
        if (sigmaSteps < 3 || sigmaSteps > 1024) {
            throw new IllegalArgumentException("sigma-steps must be in 3..1024, got " + sigmaSteps);
        }
        if (!(alphaMax > 0.0) || Double.isInfinite(alphaMax)) {
            throw new IllegalArgumentException("alpha-max must be finite and > 0, got " + alphaMax);
        }
        if (alphaSteps < 3 || alphaSteps > 1024) {
            throw new IllegalArgumentException("alpha-steps must be in 3..1024, got " + alphaSteps);
        }
        if (!(tolerance > 0.0) || tolerance > 0.1) {
            throw new IllegalArgumentException("tolerance must be in (0, 0.1], got " + tolerance);
        }
        if (metric == Metric.L1 && normalisation.freeAmplitude()) {
            throw new IllegalArgumentException("metric l1 can be minimised only with normalisation paper or none; "
                    + "with " + normalisation.id() + " the amplitude is fitted in closed form for l2 and l1 is "
                    + "reported at that amplitude");
        }
        if (normalisation == Normalisation.PAPER) {
            for (Family f : families) {
                if (!Family.PAPER_EIGHT.contains(f)) {
                    throw new IllegalArgumentException("normalisation paper is defined for the paper's eight families "
                            + "only (gauss dx dy dxp dxm dyp dym dog), not for " + f.id());
                }
            }
        }
    }

    public static FitOptions defaults() {
        return new FitOptions(Family.PAPER_EIGHT, Normalisation.GAIN_OFFSET, Metric.L2, ScaleMode.SEP,
                0.05, 4.0, 48, 20.0, 32, Construction.EXACT, true, 1e-4);
    }

    public FitOptions withFamilies(List<Family> f) {
        return new FitOptions(f, normalisation, metric, scaleMode, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, construction, refine, tolerance);
    }

    public FitOptions withNormalisation(Normalisation n) {
        return new FitOptions(families, n, metric, scaleMode, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, construction, refine, tolerance);
    }

    public FitOptions withMetric(Metric m) {
        return new FitOptions(families, normalisation, m, scaleMode, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, construction, refine, tolerance);
    }

    public FitOptions withScaleMode(ScaleMode s) {
        return new FitOptions(families, normalisation, metric, s, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, construction, refine, tolerance);
    }

    public FitOptions withSigmaRange(double lo, double hi, int steps) {
        return new FitOptions(families, normalisation, metric, scaleMode, lo, hi, steps, alphaMax,
                alphaSteps, construction, refine, tolerance);
    }

    public FitOptions withAlpha(double max, int steps) {
        return new FitOptions(families, normalisation, metric, scaleMode, sigmaMin, sigmaMax, sigmaSteps, max,
                steps, construction, refine, tolerance);
    }

    public FitOptions withConstruction(Construction c) {
        return new FitOptions(families, normalisation, metric, scaleMode, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, c, refine, tolerance);
    }

    public FitOptions withRefine(boolean r) {
        return new FitOptions(families, normalisation, metric, scaleMode, sigmaMin, sigmaMax, sigmaSteps, alphaMax,
                alphaSteps, construction, r, tolerance);
    }

    /** The coarse σ grid, log-spaced from sigmaMin to sigmaMax inclusive. */
    public double[] sigmaGrid() {
        double[] g = new double[sigmaSteps];
        double lo = Math.log(sigmaMin);
        double hi = Math.log(sigmaMax);
        for (int i = 0; i < sigmaSteps; i++) {
            g[i] = Math.exp(lo + (hi - lo) * i / (sigmaSteps - 1));
        }
        g[0] = sigmaMin;
        g[sigmaSteps - 1] = sigmaMax;
        return g;
    }

    /** The coarse α grid: 0, then log-spaced from alphaMax/1000 to alphaMax inclusive. */
    public double[] alphaGrid() {
        double[] g = new double[alphaSteps];
        double lo = Math.log(alphaMax / 1000.0);
        double hi = Math.log(alphaMax);
        for (int i = 1; i < alphaSteps; i++) {
            g[i] = Math.exp(lo + (hi - lo) * (i - 1) / (alphaSteps - 2));
        }
        g[alphaSteps - 1] = alphaMax;
        return g;
    }
}
