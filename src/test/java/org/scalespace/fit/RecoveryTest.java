package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Recovery of known parameters: for every one of the 12 families, h = a·template(σx, σy, α) + b plus
 * Gaussian noise of about 1e-4 of the template's norm, fitted with all 12 families and separate scales, must come back
 * as the right family with σ within 1e-3 and α within 1e-2. Parameters are drawn from a fixed-seed generator:
 * σ ∈ (0.4, 2.5), α ∈ (0.3, 3), gain of either sign, small offset.
 */
class RecoveryTest {

    @ParameterizedTest(name = "k={0}, seed={1}, σ < {2}")
    @CsvSource({"7, 1, 2.5", "7, 2, 2.5", "7, 3, 2.5", "7, 4, 2.5", "9, 5, 2.5", "9, 6, 2.5", "5, 7, 1.5", "5, 8, 1.5", "5, 9, 1.5", "7, 10, 2.5", "7, 11, 2.5", "7, 12, 2.5"})
    void everyFamilyIsRecovered(int k, long seed, double sigmaMax) {
        Random rnd = new Random(seed);
        List<Known> known = new ArrayList<>();
        List<double[]> hs = new ArrayList<>();
        for (Family f : Family.values()) {
            double sx = 0.4 + (sigmaMax - 0.4) * rnd.nextDouble();
            double sy = 0.4 + (sigmaMax - 0.4) * rnd.nextDouble();
            double alpha = 0.3 + 2.7 * rnd.nextDouble();
            double gain = (rnd.nextBoolean() ? 1 : -1) * (0.5 + 2.5 * rnd.nextDouble());
            double offset = 0.1 * rnd.nextGaussian();
            boolean dog = f == Family.DOG;
            Known kn = new Known(f, sx, dog ? sx : sy, dog ? alpha : 0.0, gain, offset);
            known.add(kn);
            hs.add(FitTestSupport.noisy(kn, k, Construction.EXACT, 1e-4, rnd));
        }
        List<FitResult> res = FitTestSupport.fitScalar(FitTestSupport.bank(k, hs),
                FitOptions.defaults().withFamilies(List.of(Family.values())));
        for (int i = 0; i < res.size(); i++) {
            FitResult r = res.get(i);
            Known kn = known.get(i);
            String what = kn + " (k=" + k + ") fitted as " + r;
            assertEquals(kn.family(), r.family(), what);
            assertEquals(kn.sx(), r.sigmaX(), 1e-3, "σx of " + what);
            assertEquals(kn.sy(), r.sigmaY(), 1e-3, "σy of " + what);
            assertEquals(kn.alpha(), r.alpha(), 1e-2, "α of " + what);
            assertEquals(kn.gain(), r.gain(), 1e-2 * Math.abs(kn.gain()), "gain of " + what);
            assertEquals(kn.offset(), r.offset(), 1e-3, "offset of " + what);
            assertTrue(r.relL2() < 1e-3, "the residual is the noise: " + what);
            assertEquals("none", r.edge(), what);
        }
    }
}
