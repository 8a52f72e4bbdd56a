package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scalespace.fit.FitTestSupport.Known;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;

/**
 * SPEC §7: refinement reaches a local minimum (|Δσ| ≤ 1e-4). Checked directly: at the reported point the objective is
 * no larger than at the 8 neighbours 1e-3 away (in σx/σy, or σ/α for dog) — a point that stopped short in a narrow
 * valley fails this along the valley. dog's σ and α are strongly correlated on small windows, the hard case.
 */
class RefinementTest {

    @ParameterizedTest(name = "{0}, k={1}")
    @CsvSource({"DOG, 5, 11", "DOG, 7, 12", "GAUSS, 5, 13", "DXP, 7, 14", "DYM, 5, 15"})
    void reportedPointIsALocalMinimum(Family f, int k, long seed) {
        Random rnd = new Random(seed);
        List<double[]> hs = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            double sx = 0.4 + 2.1 * rnd.nextDouble();
            double sy = 0.4 + 2.1 * rnd.nextDouble();
            double alpha = 0.3 + 2.7 * rnd.nextDouble();
            boolean dog = f == Family.DOG;
            Known kn = new Known(f, sx, dog ? sx : sy, dog ? alpha : 0, 1.0 + rnd.nextDouble(), 0.1 * rnd.nextGaussian());
            hs.add(FitTestSupport.noisy(kn, k, Construction.EXACT, 1e-4, rnd));
        }
        FitOptions opt = FitOptions.defaults().withFamilies(List.of(f));
        List<FitResult> res = FitTestSupport.fitScalar(FitTestSupport.bank(k, hs), opt);
        Objective obj = new Objective(k, f, Construction.EXACT, Normalisation.GAIN_OFFSET, Metric.L2);
        for (int i = 0; i < res.size(); i++) {
            FitResult r = res.get(i);
            obj.setFilter(hs.get(i));
            boolean dog = f == Family.DOG;
            double p1 = r.sigmaX();
            double p2 = dog ? r.alpha() : r.sigmaY();
            double v = obj.value(p1, p2);
            double d = 1e-3;
            for (int a = 0; a < 8; a++) {
                double q1 = p1 + d * Math.cos(a * Math.PI / 4);
                double q2 = p2 + d * Math.sin(a * Math.PI / 4);
                double vq = obj.value(q1, q2);
                assertTrue(v <= vq * (1 + 1e-9), f.id() + " filter " + i + ": objective " + v + " at (" + p1 + ", " + p2
                        + ") but " + vq + " at (" + q1 + ", " + q2 + ") — not a local minimum");
            }
        }
    }
}
