package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.scalespace.model.FilterBank;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.Family;

/**
 * The paper normalisation (SPEC §6) as properties of the normalised filter h' = (h − C)/R: unit response to the
 * mirrored ramp for derivative families, unit DC response and a spread-minimising C for gauss/dog. Moments and the
 * spread are computed here from their definitions.
 */
class FramesTest {

    /** The 8 bundled master key filters and a few random 5×5 / 7×7 filters. */
    static double[][] filters() {
        FilterBank b = FilterReaders.bundled();
        Random rnd = new Random(42);
        double[][] out = new double[b.count() + 4][];
        for (int n = 0; n < b.count(); n++) {
            out[n] = b.filter(n);
        }
        for (int i = 0; i < 4; i++) {
            int k = i % 2 == 0 ? 5 : 7;
            double[] h = new double[k * k];
            for (int e = 0; e < h.length; e++) {
                h[e] = rnd.nextGaussian() + (i == 3 ? 0.7 : 0.0);
            }
            out[b.count() + i] = h;
        }
        return out;
    }

    static int size(double[] h) {
        return (int) Math.round(Math.sqrt(h.length));
    }

    /** Centre of mass of |h| along x (axis 0) or y (axis 1), from the definition. */
    static double mean(double[] h, int axis) {
        int k = size(h);
        int r = k / 2;
        double s = 0;
        double m = 0;
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                double w = Math.abs(h[row * k + col]);
                s += w;
                m += w * (axis == 0 ? col - r : r - row);
            }
        }
        return m / s;
    }

    /** √det V(|h − c|), from the definition. */
    static double spread(double[] h, double c) {
        int k = size(h);
        int r = k / 2;
        double s = 0;
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                double w = Math.abs(h[row * k + col] - c);
                double x = col - r;
                double y = r - row;
                s += w;
                sx += w * x;
                sy += w * y;
                sxx += w * x * x;
                sxy += w * x * y;
                syy += w * y * y;
            }
        }
        double mx = sx / s;
        double my = sy / s;
        double vxx = sxx / s - mx * mx;
        double vxy = sxy / s - mx * my;
        double vyy = syy / s - my * my;
        return Math.sqrt(Math.max(vxx * vyy - vxy * vxy, 0));
    }

    @Test
    void identityUnlessPaper() {
        double[] h = filters()[0];
        for (Normalisation n : new Normalisation[] {Normalisation.GAIN_OFFSET, Normalisation.GAIN, Normalisation.NONE}) {
            for (Family f : Family.values()) {
                assertSame(Frames.Frame.IDENTITY, Frames.frame(h, 7, f, n));
            }
        }
    }

    @Test
    void derivativeFamiliesHaveUnitResponseToTheMirroredRamp() {
        for (double[] h : filters()) {
            int k = size(h);
            int r = k / 2;
            double mx = mean(h, 0);
            double my = mean(h, 1);
            for (Family f : new Family[] {Family.DX, Family.DXP, Family.DXM, Family.DY, Family.DYP, Family.DYM}) {
                Frames.Frame fr = Frames.frame(h, k, f, Normalisation.PAPER);
                assertEquals(0.0, fr.offset(), 0.0, f.id() + ": no offset for derivative families");
                double[] hp = fr.apply(h);
                boolean xFamily = f == Family.DX || f == Family.DXP || f == Family.DXM;
                double resp = 0;
                for (int row = 0; row < k; row++) {
                    for (int col = 0; col < k; col++) {
                        double x = col - r;
                        double y = r - row;
                        resp += hp[row * k + col] * (xFamily ? -x - mx : -y - my);
                    }
                }
                assertEquals(1.0, resp, 1e-12, f.id() + ": Σ h'·(−p − M) = 1");
            }
        }
    }

    @Test
    void smoothingFamiliesHaveUnitDcAndTheSpreadMinimisingOffset() {
        for (double[] h : filters()) {
            int k = size(h);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : h) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            // brute force: a fine scan of C over [min h, max h]
            int n = 20000;
            double bestSpread = Double.POSITIVE_INFINITY;
            for (int i = 0; i <= n; i++) {
                bestSpread = Math.min(bestSpread, spread(h, lo + (hi - lo) * i / n));
            }
            for (Family f : new Family[] {Family.GAUSS, Family.DOG}) {
                Frames.Frame fr = Frames.frame(h, k, f, Normalisation.PAPER);
                double c = fr.offset();
                assertTrue(c >= lo && c <= hi, "C within the filter's range");
                assertTrue(spread(h, c) <= bestSpread + 1e-9 * (1 + bestSpread),
                        f.id() + ": spread at C = " + spread(h, c) + " > brute-force minimum " + bestSpread);
                double dc = 0;
                for (double v : fr.apply(h)) {
                    dc += v;
                }
                assertEquals(1.0, dc, 1e-12, f.id() + ": Σ h' = 1");
                double sum = 0;
                for (double v : h) {
                    sum += v - c;
                }
                assertEquals(sum, fr.scale(), 1e-12 * Math.abs(sum), "scale = Σ(h − C)");
            }
        }
    }

    @Test
    void zeroResponseIsAnErrorNamingTheFamily() {
        // symmetric in x: no response to an x ramp
        double[] h = new double[9];
        h[1] = 1;
        h[7] = -1;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Frames.frame(h, 3, Family.DX, Normalisation.PAPER));
        assertTrue(e.getMessage().contains("dx") && e.getMessage().contains("ramp"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Frames.frame(h, 3, Family.DXX, Normalisation.PAPER));
    }
}
