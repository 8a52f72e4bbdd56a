package org.scalespace.fit;

import org.scalespace.testing.TestData;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.Templates;

/**
 * The objective that refinement minimises (O(k²), from separable terms and cached profiles) against the residual
 * computed here from the dense template and the least-squares amplitude, for every family, normalisation, metric and
 * construction, at parameters that change between calls (so stale cached profiles would show).
 */
class ObjectiveTest {

    /** The residual by its definition, written independently of the code under test. */
    static double residual(double[] h, double[] m, Normalisation norm, Metric metric) {
        return TestData.residual(h, m, norm, metric);
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void valueIsTheResidualOfTheDenseTemplate(Family f) {
        Random rnd = new Random(f.ordinal());
        for (int k : new int[] {3, 7}) {
            double[] h = new double[k * k];
            for (int i = 0; i < h.length; i++) {
                h[i] = rnd.nextGaussian() + 0.3;
            }
            for (Construction c : Construction.values()) {
                for (Normalisation norm : new Normalisation[] {Normalisation.GAIN_OFFSET, Normalisation.GAIN,
                    Normalisation.NONE}) {
                    for (Metric metric : Metric.values()) {
                        if (metric == Metric.L1 && norm.freeAmplitude()) {
                            continue;
                        }
                        Objective o = new Objective(k, f, c, norm, metric);
                        o.setFilter(h);
                        for (int t = 0; t < 6; t++) {
                            // repeat one σ now and then, so cached and fresh profiles are both used
                            double p1 = t == 3 ? 0.9 : 0.1 + 2.5 * rnd.nextDouble();
                            double p2 = f == Family.DOG ? 3 * rnd.nextDouble() : 0.1 + 2.5 * rnd.nextDouble();
                            double[] m = f == Family.DOG ? Templates.dense(f, c, k, p1, p1, p2)
                                    : Templates.dense(f, c, k, p1, p2, 0);
                            double expected = residual(h, m, norm, metric);
                            String what = f.id() + " k=" + k + " " + c.id() + " " + norm.id() + "/" + metric.id()
                                    + " at (" + p1 + ", " + p2 + ")";
                            assertEquals(expected, o.value(p1, p2), 1e-11 * (1 + expected), what);
                            Objective.Eval ev = o.evaluate(p1, p2);
                            if (metric == Metric.L2) {
                                assertEquals(Math.sqrt(expected), ev.l2, 1e-11 * (1 + Math.sqrt(expected)), what);
                                assertEquals(ev.relL2, o.relL2FromValue(o.value(p1, p2)), 1e-9, what);
                            } else {
                                assertEquals(expected, ev.l1, 1e-11 * (1 + expected), what);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * dog with l2: {@link Objective#dogBestValue} is the residual (by its definition, from the dense template) at
     * {@link Objective#dogBestAlpha}, and no α of a fine grid on [0, αmax] does better: on dog templates plus noise
     * (interior optimum, where the value comes from the least-squares solve itself) and on noise (often clamped).
     */
    @org.junit.jupiter.api.Test
    void dogBestValueIsTheResidualAtTheBestAlpha() {
        Random rnd = new Random(41);
        double amax = 20;
        for (int k : new int[] {3, 5, 7}) {
            for (Construction c : Construction.values()) {
                for (Normalisation norm : new Normalisation[] {Normalisation.GAIN_OFFSET, Normalisation.GAIN,
                    Normalisation.NONE}) {
                    Objective o = new Objective(k, Family.DOG, c, norm, Metric.L2);
                    for (int t = 0; t < 12; t++) {
                        double s0 = 0.4 + 2 * rnd.nextDouble();
                        double[] h = t % 3 == 2 ? new double[k * k]
                                : Templates.dense(Family.DOG, c, k, s0, s0, 0.5 + 5 * rnd.nextDouble());
                        double gain = 0.5 + rnd.nextDouble();
                        for (int i = 0; i < h.length; i++) {
                            h[i] = gain * h[i] + 0.2 + (t % 3 == 2 ? 1.0 : 0.01) * rnd.nextGaussian();
                        }
                        o.setFilter(h);
                        double sigma = s0 * (0.8 + 0.4 * rnd.nextDouble());
                        double alpha = o.dogBestAlpha(sigma, amax);
                        double got = o.dogBestValue(sigma, amax);
                        double expected = residual(h, Templates.dense(Family.DOG, c, k, sigma, sigma, alpha), norm,
                                Metric.L2);
                        String what = "k=" + k + " " + c.id() + " " + norm.id() + " σ=" + sigma + " α=" + alpha;
                        assertEquals(expected, got, 1e-10 * (1 + expected), what);
                        for (int j = 0; j <= 400; j++) {
                            double a = amax * j / 400;
                            double v = residual(h, Templates.dense(Family.DOG, c, k, sigma, sigma, a), norm,
                                    Metric.L2);
                            org.junit.jupiter.api.Assertions.assertTrue(got <= v + 1e-10 * (1 + v),
                                    what + ": α=" + a + " gives " + v + " < " + got);
                        }
                    }
                }
            }
        }
    }
}
