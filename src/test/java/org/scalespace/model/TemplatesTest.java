package org.scalespace.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.scalespace.gauss.DiscreteGaussian;

/**
 * Every family's dense template against its SPEC §4 definition, written out here independently: values of T (checked
 * against the mpmath vectors in the gauss tests), differences and the five-point Laplacian spelled out by hand, and
 * the array indexing of SPEC §1 (x = col − r, y = r − row: y points up).
 */
class TemplatesTest {

    /** Parameter sets: k, σx, σy, α. Cover k = 3, 5, 7, 31, σx ≠ σy, σ at both ends, a window cropping T. */
    static final double[][] CASES = {
        {3, 1.0, 0.6, 0.8}, {5, 0.8, 0.8, 0.0}, {7, 0.3, 0.9, 1.5}, {7, 0.05, 2.2, 0.2}, {7, 4.0, 0.45, 7.0},
        {31, 2.0, 3.7, 2.5}, {9, 0.7, 0.2, 0.05}};

    /** f(x, y) → dense row-major k×k, with x = col − r, y = r − row. */
    interface XY {
        double at(int x, int y);
    }

    static double[] grid(int k, XY f) {
        int r = k / 2;
        double[] a = new double[k * k];
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                a[row * k + col] = f.at(col - r, r - row);
            }
        }
        return a;
    }

    /** The untruncated T(n; σ²) for any n. */
    static IntToDoubleFunction exactT(double sigma) {
        double[] h = DiscreteGaussian.halfKernel(sigma * sigma, 40);
        return n -> Math.abs(n) > 40 ? 0.0 : h[Math.abs(n)];
    }

    /** 1-D profile kinds: 0 T, 1 δ, 2 δ⁺, 3 δ⁻, 4 δ². */
    static double op(int kind, IntToDoubleFunction t, int n) {
        switch (kind) {
            case 0:
                return t.applyAsDouble(n);
            case 1:
                return (t.applyAsDouble(n + 1) - t.applyAsDouble(n - 1)) / 2;
            case 2:
                return t.applyAsDouble(n + 1) - t.applyAsDouble(n);
            case 3:
                return t.applyAsDouble(n) - t.applyAsDouble(n - 1);
            case 4:
                return t.applyAsDouble(n + 1) - 2 * t.applyAsDouble(n) + t.applyAsDouble(n - 1);
            default:
                throw new AssertionError(kind);
        }
    }

    /** x-kind and y-kind of the single-product families. */
    static int[] kinds(Family f) {
        switch (f) {
            case GAUSS:
                return new int[] {0, 0};
            case DX:
                return new int[] {1, 0};
            case DY:
                return new int[] {0, 1};
            case DXP:
                return new int[] {2, 0};
            case DXM:
                return new int[] {3, 0};
            case DYP:
                return new int[] {0, 2};
            case DYM:
                return new int[] {0, 3};
            case DXX:
                return new int[] {4, 0};
            case DYY:
                return new int[] {0, 4};
            case DXY:
                return new int[] {1, 1};
            default:
                return null;
        }
    }

    /** ∇²₅ G at (x, y) for a function G of (x, y). */
    static double fivePoint(XY g, int x, int y) {
        return g.at(x + 1, y) + g.at(x - 1, y) + g.at(x, y + 1) + g.at(x, y - 1) - 4 * g.at(x, y);
    }

    /** The SPEC §4 definition with the untruncated T (the exact construction). */
    static double[] expectedExact(Family f, int k, double sx, double sy, double alpha) {
        if (f == Family.DOG) {
            IntToDoubleFunction t = exactT(sx);
            XY g = (x, y) -> t.applyAsDouble(x) * t.applyAsDouble(y);
            return grid(k, (x, y) -> (x == 0 && y == 0 ? 1.0 : 0.0) - alpha * fivePoint(g, x, y));
        }
        IntToDoubleFunction tx = exactT(sx);
        IntToDoubleFunction ty = exactT(sy);
        if (f == Family.LAP) {
            XY g = (x, y) -> tx.applyAsDouble(x) * ty.applyAsDouble(y);
            return grid(k, (x, y) -> fivePoint(g, x, y));
        }
        int[] kd = kinds(f);
        return grid(k, (x, y) -> op(kd[0], tx, x) * op(kd[1], ty, y));
    }

    /** The smallest R with T(0) + 2 Σ_{1..R} T ≥ 1 − 1e-8, by forward accumulation (as the Python reference does). */
    static int paperRadius(double sigma) {
        IntToDoubleFunction t = exactT(sigma);
        double mass = t.applyAsDouble(0);
        int r = 0;
        while (mass < 1 - 1e-8) {
            r++;
            mass += 2 * t.applyAsDouble(r);
        }
        return r;
    }

    /** T cropped (or zero-padded) to the window: T(n) for |n| ≤ min(R, r), else 0. */
    static IntToDoubleFunction cropped(double sigma, int r) {
        IntToDoubleFunction t = exactT(sigma);
        int keep = Math.min(paperRadius(sigma), r);
        return n -> Math.abs(n) <= keep ? t.applyAsDouble(n) : 0.0;
    }

    /** Half-sample symmetric extension of a windowed function: n < −r reads −r, n > r reads r. */
    static IntToDoubleFunction halfSampleSymmetric(IntToDoubleFunction c, int r) {
        return n -> c.applyAsDouble(Math.max(-r, Math.min(r, n)));
    }

    /** The paper construction (SPEC §4), spelled out. */
    static double[] expectedPaper(Family f, int k, double sx, double sy, double alpha) {
        int r = k / 2;
        if (f == Family.DOG || f == Family.LAP) {
            double sy2 = f == Family.DOG ? sx : sy;
            IntToDoubleFunction cx = cropped(sx, r);
            IntToDoubleFunction cy = cropped(sy2, r);
            // the cropped 2-D Gaussian, zero outside the window
            XY g = (x, y) -> Math.abs(x) > r || Math.abs(y) > r ? 0.0 : cx.applyAsDouble(x) * cy.applyAsDouble(y);
            if (f == Family.LAP) {
                return grid(k, (x, y) -> fivePoint(g, x, y));
            }
            return grid(k, (x, y) -> (x == 0 && y == 0 ? 1.0 : 0.0) - alpha * fivePoint(g, x, y));
        }
        IntToDoubleFunction cx = halfSampleSymmetric(cropped(sx, r), r);
        IntToDoubleFunction cy = halfSampleSymmetric(cropped(sy, r), r);
        int[] kd = kinds(f);
        return grid(k, (x, y) -> op(kd[0], cx, x) * op(kd[1], cy, y));
    }

    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        int k = (int) Math.round(Math.sqrt(expected.length));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " at row " + (i / k) + ", col " + (i % k));
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void exactTemplateIsItsDefinition(Family f) {
        for (double[] c : CASES) {
            int k = (int) c[0];
            double[] got = Templates.dense(f, Construction.EXACT, k, c[1], c[2], c[3]);
            String what = f.id() + " exact k=" + k + " σx=" + c[1] + " σy=" + c[2] + " α=" + c[3];
            assertClose(expectedExact(f, k, c[1], c[2], c[3]), got, 2e-15, what);
            // the separable form and the dense form are one template
            SeparableTemplate st = Templates.build(f, Construction.EXACT, k, c[1], c[2], c[3]);
            assertTrue(st.terms().size() <= 3, "at most three separable terms");
            assertClose(got, st.dense(), 0.0, what + " (dense of build)");
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void paperTemplateIsItsDefinition(Family f) {
        for (double[] c : CASES) {
            int k = (int) c[0];
            double[] got = Templates.dense(f, Construction.PAPER, k, c[1], c[2], c[3]);
            String what = f.id() + " paper k=" + k + " σx=" + c[1] + " σy=" + c[2] + " α=" + c[3];
            assertClose(expectedPaper(f, k, c[1], c[2], c[3]), got, 2e-15, what);
        }
    }

    /** The cases above really exercise cropping, zero-padding and the boundary rule (else they would prove little). */
    @Test
    void paperCasesCoverCropAndPad() {
        assertTrue(paperRadius(1.0) > 1, "k=3, σ=1: T is cropped");
        assertTrue(paperRadius(0.05) < 3, "k=7, σ=0.05: T is zero-padded");
        assertTrue(paperRadius(2.0) < 15, "k=31, σ=2: T is zero-padded");
        double[] exact = Templates.dense(Family.DX, Construction.EXACT, 3, 1.0, 0.6, 0);
        double[] paper = Templates.dense(Family.DX, Construction.PAPER, 3, 1.0, 0.6, 0);
        assertTrue(Math.abs(exact[0] - paper[0]) > 1e-3, "the half-sample symmetric boundary changes the edge taps");
    }

    @Test
    void orientationOfForwardAndBackwardDifferences() {
        int k = 7;
        int r = 3;
        double s = 0.05; // T ≈ δ, so δ⁺T ≈ δ(n+1) − δ(n) and δ⁻T ≈ δ(n) − δ(n−1)
        double[] dyp = Templates.dense(Family.DYP, Construction.EXACT, k, s, s, 0);
        assertTrue(dyp[(r + 1) * k + r] > 0.9, "dyp: positive at row r+1 (y = −1)");
        assertTrue(dyp[r * k + r] < -0.9, "dyp: negative at row r (y = 0)");
        double[] dym = Templates.dense(Family.DYM, Construction.EXACT, k, s, s, 0);
        assertTrue(dym[r * k + r] > 0.9, "dym: positive at row r (y = 0)");
        assertTrue(dym[(r - 1) * k + r] < -0.9, "dym: negative at row r−1 (y = +1)");
        double[] dxp = Templates.dense(Family.DXP, Construction.EXACT, k, s, s, 0);
        assertTrue(dxp[r * k + r - 1] > 0.9, "dxp: positive at col r−1 (x = −1)");
        assertTrue(dxp[r * k + r] < -0.9, "dxp: negative at col r (x = 0)");
        double[] dxm = Templates.dense(Family.DXM, Construction.EXACT, k, s, s, 0);
        assertTrue(dxm[r * k + r] > 0.9, "dxm: positive at col r");
        assertTrue(dxm[r * k + r + 1] < -0.9, "dxm: negative at col r+1");
        // central differences: dx positive on the left (x < 0), dy positive below (y < 0, larger rows)
        double[] dx = Templates.dense(Family.DX, Construction.EXACT, k, 1.0, 1.0, 0);
        assertTrue(dx[r * k + r - 1] > 0 && dx[r * k + r + 1] < 0, "dx sign");
        double[] dy = Templates.dense(Family.DY, Construction.EXACT, k, 1.0, 1.0, 0);
        assertTrue(dy[(r + 1) * k + r] > 0 && dy[(r - 1) * k + r] < 0, "dy sign");
    }

    @ParameterizedTest
    @EnumSource(Construction.class)
    void symmetries(Construction c) {
        int k = 7;
        double[] dx = Templates.dense(Family.DX, c, k, 0.9, 1.3, 0);
        double[] dy = Templates.dense(Family.DY, c, k, 0.9, 1.3, 0);
        double[] gauss = Templates.dense(Family.GAUSS, c, k, 0.9, 1.3, 0);
        double[] dxy = Templates.dense(Family.DXY, c, k, 0.9, 1.3, 0);
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                int i = row * k + col;
                int mirrorX = row * k + (k - 1 - col);
                int mirrorY = (k - 1 - row) * k + col;
                assertEquals(-dx[mirrorX], dx[i], 1e-16, "dx antisymmetric in x");
                assertEquals(dx[mirrorY], dx[i], 1e-16, "dx symmetric in y");
                assertEquals(-dy[mirrorY], dy[i], 1e-16, "dy antisymmetric in y");
                assertEquals(dy[mirrorX], dy[i], 1e-16, "dy symmetric in x");
                assertEquals(gauss[mirrorX], gauss[i], 0.0, "gauss symmetric in x");
                assertEquals(gauss[mirrorY], gauss[i], 0.0, "gauss symmetric in y");
                assertEquals(-dxy[mirrorX], dxy[i], 1e-16, "dxy antisymmetric in x");
            }
        }
        // dxp mirrored in x is −dxm (δ⁺T(−x) = −δ⁻T(x)), likewise dyp/dym in y
        double[] dxp = Templates.dense(Family.DXP, c, k, 0.9, 1.3, 0);
        double[] dxm = Templates.dense(Family.DXM, c, k, 0.9, 1.3, 0);
        double[] dyp = Templates.dense(Family.DYP, c, k, 0.9, 1.3, 0);
        double[] dym = Templates.dense(Family.DYM, c, k, 0.9, 1.3, 0);
        for (int row = 0; row < k; row++) {
            for (int col = 0; col < k; col++) {
                assertEquals(-dxm[row * k + (k - 1 - col)], dxp[row * k + col], 1e-16, "dxp = −mirror(dxm)");
                assertEquals(-dym[(k - 1 - row) * k + col], dyp[row * k + col], 1e-16, "dyp = −mirror(dym)");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Construction.class)
    void dogWithZeroAlphaIsTheImpulse(Construction c) {
        for (int k : new int[] {3, 7, 31}) {
            for (double sigma : new double[] {0.05, 0.7, 3.0}) {
                double[] d = Templates.dense(Family.DOG, c, k, sigma, 123.0, 0.0);
                for (int i = 0; i < k * k; i++) {
                    assertEquals(i == (k * k) / 2 ? 1.0 : 0.0, d[i], 0.0, "dog α=0, k=" + k + ", σ=" + sigma);
                }
            }
        }
    }

    @Test
    void dogIgnoresSigmaYAndOtherFamiliesIgnoreAlpha() {
        assertClose(Templates.dense(Family.DOG, Construction.EXACT, 7, 0.8, 0.8, 2.0),
                Templates.dense(Family.DOG, Construction.EXACT, 7, 0.8, 3.3, 2.0), 0.0, "dog σy ignored");
        assertClose(Templates.dense(Family.DX, Construction.EXACT, 7, 0.8, 1.1, 0.0),
                Templates.dense(Family.DX, Construction.EXACT, 7, 0.8, 1.1, 5.0), 0.0, "dx α ignored");
    }

    @Test
    void lapIsDxxPlusDyyInTheExactConstruction() {
        for (double[] c : CASES) {
            int k = (int) c[0];
            double[] lap = Templates.dense(Family.LAP, Construction.EXACT, k, c[1], c[2], 0);
            double[] dxx = Templates.dense(Family.DXX, Construction.EXACT, k, c[1], c[2], 0);
            double[] dyy = Templates.dense(Family.DYY, Construction.EXACT, k, c[1], c[2], 0);
            for (int i = 0; i < lap.length; i++) {
                assertEquals(dxx[i] + dyy[i], lap[i], 1e-16, "lap = dxx + dyy, k=" + k);
            }
        }
        // and dog = δ − α·lap at σx = σy
        double[] dog = Templates.dense(Family.DOG, Construction.EXACT, 7, 0.6, 0.6, 1.7);
        double[] lap = Templates.dense(Family.LAP, Construction.EXACT, 7, 0.6, 0.6, 0);
        for (int i = 0; i < dog.length; i++) {
            assertEquals((i == 24 ? 1.0 : 0.0) - 1.7 * lap[i], dog[i], 1e-15);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 7, 31})
    void supportedSizes(int k) {
        for (Family f : Family.values()) {
            for (Construction c : Construction.values()) {
                assertEquals(k * k, Templates.dense(f, c, k, 0.8, 1.2, 0.5).length);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {-3, 0, 1, 2, 4, 8, 33, 35})
    void badSizesAreRejectedWithAMessage(int k) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Templates.build(Family.GAUSS, Construction.EXACT, k, 1, 1, 0));
        String m = e.getMessage();
        assertTrue(m.contains("k = " + k), "message names the size: " + m);
        assertTrue(m.contains("odd") && m.contains("3") && m.contains("31"), "message says what is accepted: " + m);
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Templates.build(Family.GAUSS, Construction.EXACT, 7, -1, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Templates.build(Family.GAUSS, Construction.EXACT, 7, 1, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> Templates.build(Family.DOG, Construction.EXACT, 7, 1, 1, -0.5));
        assertThrows(IllegalArgumentException.class, () -> new SeparableTemplate(3, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new SeparableTemplate(3,
                List.of(new SeparableTemplate.Term(1, new double[3], new double[2]))));
    }

    @Test
    void familyOrderAndParsing() {
        assertEquals(List.of(Family.GAUSS, Family.DX, Family.DY, Family.DXP, Family.DXM, Family.DYP, Family.DYM,
                Family.DOG, Family.DXX, Family.DYY, Family.DXY, Family.LAP), List.of(Family.values()),
                "SPEC §4 order (the tie-break order)");
        assertEquals(Family.PAPER_EIGHT, Family.parseList("paper"));
        assertEquals(List.of(Family.values()), Family.parseList("all"));
        assertEquals(List.of(Family.DX, Family.DOG), Family.parseList("dog, DX,dx"), "deduplicated, in SPEC order");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Family.parseList("dx,blob"));
        assertTrue(e.getMessage().contains("blob") && e.getMessage().contains("gauss"), e.getMessage());
        assertEquals(Construction.PAPER, Construction.parse("Paper"));
        assertThrows(IllegalArgumentException.class, () -> Construction.parse("other"));
    }
}
