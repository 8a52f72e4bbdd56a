package org.scalespace.gauss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scalespace.gauss.Differences.Op;

/**
 * The properties SPEC §2–§3 requires of T(n; s), checked on wide windows for s from 0 (and denormal-small) to 10⁴.
 * Nothing here uses a tabulated value; the expected numbers are the exact identities themselves.
 */
class DiscreteGaussianPropertiesTest {

    /** 0, tiny (down to the smallest positive double), and 0.01 … 10⁴. */
    static final double[] SWEEP = {0.0, Double.MIN_VALUE, 1e-300, 1e-200, 1e-120, 1e-30, 1e-12, 1e-6, 0.01, 0.0625,
        0.25, 0.5, 1.0, 2.0, Math.PI, 10.0, 37.5, 100.0, 1000.0, 4321.0, 1e4};

    /** A radius beyond which the mass of T(·; s) is far below double precision. */
    static int wide(double s) {
        return (int) Math.ceil(14 * Math.sqrt(s)) + 40;
    }

    /** T on n = −R..R (index n + R) with R = wide(s). */
    static double[] wideKernel(double s) {
        return DiscreteGaussian.kernel(s, wide(s));
    }

    /** Σ a[i]·w(i − r), compensated (Neumaier), so the test's own rounding stays far below the tolerances. */
    static double sum(double[] a, java.util.function.IntToDoubleFunction w) {
        int r = a.length / 2;
        double s = 0;
        double c = 0;
        for (int i = 0; i < a.length; i++) {
            double v = a[i] * w.applyAsDouble(i - r);
            double t = s + v;
            c += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
            s = t;
        }
        return s + c;
    }

    @Test
    void massIsOneAndSecondMomentIsS() {
        for (double s : SWEEP) {
            double[] t = wideKernel(s);
            for (double v : t) {
                assertTrue(v >= 0 && Double.isFinite(v), "T(·; " + s + ") must be finite and >= 0, got " + v);
            }
            assertEquals(1.0, sum(t, n -> 1.0), 1e-14, "Σ T(n; " + s + ")");
            double m2 = sum(t, n -> (double) n * n);
            assertEquals(s, m2, 1e-12 * s + 1e-320, "Σ n² T(n; " + s + ")");
            assertEquals(0.0, sum(t, n -> n), 1e-14 * Math.max(1, Math.sqrt(s)), "Σ n T(n; " + s + ")");
        }
    }

    @Test
    void symmetricAndDecreasingAwayFromZero() {
        for (double s : SWEEP) {
            double[] t = wideKernel(s);
            int r = t.length / 2;
            for (int n = 1; n <= r; n++) {
                assertEquals(t[r + n], t[r - n], 0.0, "T(" + n + ") = T(-" + n + ") at s=" + s);
                assertTrue(t[r + n] <= t[r + n - 1], "T decreases in |n| at s=" + s + ", n=" + n);
            }
            assertEquals(DiscreteGaussian.value(3, s), DiscreteGaussian.value(-3, s), 0.0);
        }
    }

    @Test
    void zeroScaleIsTheImpulse() {
        assertArrayEquals(new double[] {0, 0, 0, 1, 0, 0, 0}, DiscreteGaussian.kernel(0.0, 3), 0.0);
        assertArrayEquals(new double[] {1, 0, 0}, DiscreteGaussian.halfKernel(0.0, 2), 0.0);
        assertEquals(1.0, DiscreteGaussian.value(0, 0.0), 0.0);
        assertEquals(0.0, DiscreteGaussian.value(-1, 0.0), 0.0);
        assertEquals(0, DiscreteGaussian.adaptiveRadius(0.0, 1e-8));
    }

    /** For s → 0, T(n; s) = e^{−s} (s/2)^n / n! (1 + O(s²)): continuity at the impulse, also for subnormal-tiny s. */
    @Test
    void tinyScalesFollowTheLeadingSeriesTerm() {
        for (double s : new double[] {Double.MIN_VALUE, 1e-300, 1e-200, 1e-120, 1e-60, 1e-30, 1e-20, 1e-12}) {
            double[] h = DiscreteGaussian.halfKernel(s, 4);
            double term = Math.exp(-s);
            for (int n = 0; n <= 4; n++) {
                if (n > 0) {
                    term *= (s / 2) / n;
                }
                assertEquals(term, h[n], 1e-14 * term + Double.MIN_VALUE, "T(" + n + "; " + s + ")");
            }
        }
    }

    @Test
    void semigroup() {
        double[][] pairs = {{0.3, 0.7}, {1.0, 2.5}, {0.01, 3.0}, {4.0, 16.0}, {50.0, 150.0}, {0.0, 2.0},
            {1e-12, 1.0}, {700.0, 1300.0}};
        for (double[] p : pairs) {
            double[] a = wideKernel(p[0]);
            double[] b = wideKernel(p[1]);
            int ra = a.length / 2;
            int rb = b.length / 2;
            double s = p[0] + p[1];
            int check = (int) Math.ceil(6 * Math.sqrt(s)) + 2; // T(check; s) ≥ e^{-18}·…: truncation irrelevant
            double[] t = DiscreteGaussian.kernel(s, check);
            for (int n = -check; n <= check; n++) {
                double acc = 0;
                double c = 0;
                for (int m = -ra; m <= ra; m++) {
                    int q = n - m;
                    if (q < -rb || q > rb) {
                        continue;
                    }
                    double v = a[m + ra] * b[q + rb];
                    double y = v - c;
                    double tt = acc + y;
                    c = (tt - acc) - y;
                    acc = tt;
                }
                double expected = t[n + check];
                assertEquals(expected, acc, 5e-13 * expected,
                        "(T(·;" + p[0] + ") * T(·;" + p[1] + "))(" + n + ") = T(" + n + "; " + s + ")");
            }
        }
    }

    /** T on n = −R−1..R+1, the op applied, result on n = −R..R. */
    static double[] applied(Op op, double s) {
        int r = wide(s);
        return Differences.applyExtended(op, DiscreteGaussian.kernel(s, r + 1));
    }

    /**
     * SPEC §3: δ, δ⁺, δ⁻ applied to T respond to a unit ramp f(n) = n with exactly 1 under convolution:
     * (g ∗ f)(0) = Σ_m g(m)·f(−m) = Σ_m g(m)·(−m).
     */
    @ParameterizedTest
    @ValueSource(strings = {"CENTRAL", "FORWARD", "BACKWARD"})
    void firstDifferencesHaveUnitRampResponse(String opName) {
        Op op = Op.valueOf(opName);
        for (double s : SWEEP) {
            double[] g = applied(op, s);
            assertEquals(1.0, sum(g, m -> -m), 1e-12, op + " T(·; " + s + ") ramp response");
            assertEquals(0.0, sum(g, m -> 1.0), 1e-14, op + " T(·; " + s + ") has no DC response");
        }
    }

    /** δ²T responds with 0 to a ramp and with exactly 1 to n²/2 (the second-derivative normalisation). */
    @Test
    void secondDifferenceMoments() {
        for (double s : SWEEP) {
            double[] g = applied(Op.SECOND, s);
            assertEquals(0.0, sum(g, m -> 1.0), 1e-14, "δ²T(·; " + s + ") sum");
            assertEquals(0.0, sum(g, m -> -m), 1e-13, "δ²T(·; " + s + ") ramp response");
            assertEquals(1.0, sum(g, m -> 0.5 * m * m), 1e-12, "δ²T(·; " + s + ") response to n²/2");
        }
    }

    /** SPEC §3 table: centre of mass of |op T| is 0, −½, +½, 0 for δ, δ⁺, δ⁻, δ². */
    @ParameterizedTest
    @ValueSource(doubles = {0.04, 0.5, 1.0, 2.5, 10.0, 200.0})
    void centresOfMass(double s) {
        Op[] ops = {Op.CENTRAL, Op.FORWARD, Op.BACKWARD, Op.SECOND};
        double[] expected = {0.0, -0.5, 0.5, 0.0};
        for (int o = 0; o < ops.length; o++) {
            double[] g = applied(ops[o], s);
            double[] abs = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                abs[i] = Math.abs(g[i]);
            }
            double mass = sum(abs, m -> 1.0);
            double com = sum(abs, m -> m) / mass;
            assertEquals(expected[o], com, 1e-12, "centre of mass of |" + ops[o] + " T(·; " + s + ")|");
        }
    }

    @Test
    void adaptiveRadiusIsTheSmallestSufficientWindow() {
        for (double s : new double[] {1e-6, 0.01, 0.3, 1.0, 2.0, 7.5, 30.0, 333.0}) {
            for (double eps : new double[] {1e-3, 1e-8, 1e-12}) {
                int r = DiscreteGaussian.adaptiveRadius(s, eps);
                double[] t = wideKernel(s);
                int w = t.length / 2;
                // outside mass 2 Σ_{n>R} T, summed from the far end so small tails keep their accuracy
                double outside = 0;
                for (int n = w; n > r; n--) {
                    outside += 2 * t[w + n];
                }
                assertTrue(outside <= eps * (1 + 1e-9), "mass outside R=" + r + " is " + outside + " > eps=" + eps
                        + " at s=" + s);
                if (r > 0) {
                    double outsideSmaller = outside + 2 * t[w + r];
                    assertTrue(outsideSmaller > eps * (1 - 1e-9), "R-1 = " + (r - 1) + " would do at s=" + s
                            + ", eps=" + eps);
                }
                double[] ak = DiscreteGaussian.adaptiveKernel(s, eps);
                assertEquals(2 * r + 1, ak.length);
                assertArrayEquals(DiscreteGaussian.kernel(s, r), ak, 0.0, "adaptive kernel = fixed kernel at R");
            }
        }
    }

    /**
     * The production recurrence (started 10σ + 12 beyond nmax, plain sum when short) against the same recurrence
     * written out here with a far start (40σ + 60 beyond), a compensated sum and an exp/log-free normalisation, on a
     * dense log grid of s: agreement to 2e-14 (relative) at every n ≤ nmax whose value is not deep in underflow.
     */
    @Test
    void shortStartAgreesWithAFarStartedReference() {
        for (int i = 0; i <= 480; i++) {
            double s = Math.pow(10, -6 + i * 10.0 / 480); // 1e-6 .. 1e4
            for (int nmax : new int[] {0, 1, 3, 4, 6, 10, 17, 40}) {
                double[] got = DiscreteGaussian.halfKernel(s, nmax);
                double[] ref = farStarted(s, nmax);
                for (int n = 0; n <= nmax; n++) {
                    if (ref[n] < 1e-280) {
                        continue;
                    }
                    double rel = Math.abs(got[n] - ref[n]) / ref[n];
                    assertTrue(rel <= 2e-14, "s = " + s + ", n = " + n + ": " + got[n] + " vs " + ref[n]);
                }
            }
        }
    }

    /** Miller's recurrence started 40σ + 60 beyond nmax, Neumaier-summed, rescaled as needed. */
    private static double[] farStarted(double s, int nmax) {
        int start = nmax + (int) Math.ceil(40 * Math.sqrt(s)) + 60;
        double[] out = new double[nmax + 1];
        double above = 0;
        double cur = 1e-300;
        double sum = 0;
        double c = 0;
        for (int n = start; n >= 1; n--) {
            if (n <= nmax) {
                out[n] = cur;
            }
            double t = sum + cur;
            c += Math.abs(sum) >= Math.abs(cur) ? (sum - t) + cur : (cur - t) + sum;
            sum = t;
            double below = above + (2.0 * n / s) * cur;
            above = cur;
            cur = below;
            if (cur > 1e150) {
                cur *= 1e-150;
                above *= 1e-150;
                sum *= 1e-150;
                c *= 1e-150;
                for (int j = n; j <= nmax; j++) {
                    out[j] *= 1e-150;
                }
            }
        }
        double total = cur + 2.0 * (sum + c);
        out[0] = cur / total;
        for (int n = 1; n <= nmax; n++) {
            out[n] /= total;
        }
        return out;
    }

    @Test
    void badArgumentsAreRejectedWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DiscreteGaussian.halfKernel(-1.0, 3));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.halfKernel(Double.NaN, 3));
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.halfKernel(Double.POSITIVE_INFINITY, 3));
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.halfKernel(1.0, -1));
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.adaptiveRadius(1.0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> DiscreteGaussian.adaptiveRadius(1.0, 1.0));
    }
}
