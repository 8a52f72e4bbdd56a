package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;

/** The default fit options (SPEC §7, README "fit options") and the combinations FitOptions must refuse. */
class FitOptionsTest {

    static void rejected(String phrase, Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(phrase), "message should contain '" + phrase + "': " + ex.getMessage());
    }

    @Test
    void defaults() {
        FitOptions o = FitOptions.defaults();
        assertEquals(Family.PAPER_EIGHT, o.families());
        assertEquals(Normalisation.GAIN_OFFSET, o.normalisation());
        assertEquals(Metric.L2, o.metric());
        assertEquals(ScaleMode.SEP, o.scaleMode());
        assertEquals(0.05, o.sigmaMin());
        assertEquals(4.0, o.sigmaMax());
        assertEquals(Construction.EXACT, o.construction());
        assertTrue(o.refine());
        assertEquals(1e-4, o.tolerance());
    }

    @Test
    void gridsAreLogSpacedWithExactEnds() {
        FitOptions o = FitOptions.defaults().withSigmaRange(0.1, 6.4, 7);
        double[] g = o.sigmaGrid();
        assertEquals(7, g.length);
        assertEquals(0.1, g[0], 0.0);
        assertEquals(6.4, g[6], 0.0);
        for (int i = 1; i < g.length; i++) {
            assertEquals(2.0, g[i] / g[i - 1], 1e-12, "ratio 64^(1/6) = 2");
        }
        double[] a = o.withAlpha(10, 5).alphaGrid();
        assertEquals(0.0, a[0], 0.0);
        // 0, then 4 log-spaced points from α_max/1000 to α_max: 0.01, 0.1, 1, 10
        assertEquals(0.01, a[1], 1e-15);
        assertEquals(0.1, a[2], 1e-15);
        assertEquals(1.0, a[3], 1e-14);
        assertEquals(10.0, a[4], 0.0);
    }

    @Test
    void l1NeedsPaperOrNoneNormalisation() {
        rejected("l1", () -> FitOptions.defaults().withMetric(Metric.L1));
        rejected("l1", () -> FitOptions.defaults().withNormalisation(Normalisation.GAIN).withMetric(Metric.L1));
        // accepted with none and paper
        FitOptions.defaults().withNormalisation(Normalisation.NONE).withMetric(Metric.L1);
        FitOptions.defaults().withNormalisation(Normalisation.PAPER).withMetric(Metric.L1);
    }

    @Test
    void paperNormalisationOnlyForThePapersFamilies() {
        rejected("dxx", () -> FitOptions.defaults().withFamilies(List.of(Family.GAUSS, Family.DXX))
                .withNormalisation(Normalisation.PAPER));
        rejected("dxx", () -> FitOptions.defaults().withFamilies(List.of(Family.values()))
                .withNormalisation(Normalisation.PAPER));
    }

    @Test
    void badRanges() {
        FitOptions d = FitOptions.defaults();
        rejected("sigma", () -> d.withSigmaRange(0, 4, 48));
        rejected("sigma", () -> d.withSigmaRange(-1, 4, 48));
        rejected("sigma", () -> d.withSigmaRange(2, 2, 48));
        rejected("sigma", () -> d.withSigmaRange(3, 1, 48));
        rejected("sigma", () -> d.withSigmaRange(0.1, Double.POSITIVE_INFINITY, 48));
        rejected("sigma", () -> d.withSigmaRange(Double.NaN, 4, 48));
        rejected("sigma-max", () -> d.withSigmaRange(0.1, 1000, 48));
        rejected("sigma-steps", () -> d.withSigmaRange(0.1, 4, 2));
        rejected("alpha-max", () -> d.withAlpha(0, 32));
        rejected("alpha-max", () -> d.withAlpha(-5, 32));
        rejected("alpha-steps", () -> d.withAlpha(20, 1));
        rejected("famil", () -> d.withFamilies(List.of()));
        rejected("order", () -> d.withFamilies(List.of(Family.DX, Family.GAUSS)));
        rejected("order", () -> d.withFamilies(List.of(Family.DX, Family.DX)));
    }

    @Test
    void enumParsersNameWhatIsAccepted() {
        rejected("gain-offset", () -> Normalisation.parse("bogus"));
        rejected("l1", () -> Metric.parse("l3"));
        rejected("joint", () -> ScaleMode.parse("both"));
        assertEquals(Normalisation.GAIN_OFFSET, Normalisation.parse("Gain-Offset"));
        assertEquals(ScaleMode.JOINT, ScaleMode.parse(" joint "));
    }
}
