package org.scalespace.fit;

import java.util.List;
import java.util.Random;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;
import org.scalespace.model.Templates;

/** Helpers for the fit tests: banks of known templates plus noise, and fits on the scalar oracle. */
final class FitTestSupport {

    private FitTestSupport() {
    }

    /** A known filter: family, parameters (α only for dog), amplitude a·m + b. */
    record Known(Family family, double sx, double sy, double alpha, double gain, double offset) {
        double[] template(int k, Construction c) {
            return Templates.dense(family, c, k, sx, family == Family.DOG ? sx : sy, alpha);
        }
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    /**
     * gain·m + offset + Gaussian noise whose norm is about noiseRel·‖m‖ (fixed-seed generator). For dog the scale is
     * the norm of the σ-dependent part α·∇²₅G only: the unit impulse carries no information on (σ, α) and at small
     * α/σ⁴ dominates ‖m‖ (α = 0.38 at σ = 2.4 leaves 0.2% of the norm to the Laplacian), so noise relative to the
     * whole template would make σ unidentifiable to 1e-3 by information, whatever the fitter does.
     */
    static double[] noisy(Known kn, int k, Construction c, double noiseRel, Random rnd) {
        double[] m = kn.template(k, c);
        double[] structure = m.clone();
        if (kn.family() == Family.DOG) {
            structure[m.length / 2] -= 1.0;
        }
        double sd = noiseRel * norm(structure) / k;
        double[] h = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            h[i] = kn.gain() * m[i] + kn.offset() + sd * kn.gain() * rnd.nextGaussian();
        }
        return h;
    }

    static FilterBank bank(int k, List<double[]> filters) {
        double[] data = new double[filters.size() * k * k];
        for (int i = 0; i < filters.size(); i++) {
            System.arraycopy(filters.get(i), 0, data, i * k * k, k * k);
        }
        return new FilterBank("test", "layer0", k, filters.size(), data);
    }

    static List<FitResult> fitScalar(FilterBank bank, FitOptions opt) {
        try (CoarseScorer b = new ScalarScorer()) {
            return new Fitter(b, opt, 1).fit(bank, n -> { });
        }
    }
}
