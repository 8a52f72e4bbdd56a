package org.scalespace.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.SeparableTemplate;
import org.scalespace.model.Templates;

/**
 * The contract every {@link ConvEngine} meets, checked against {@link ReferenceConv} and the committed PyTorch test
 * vectors. One subclass per backend; a backend that is absent on this machine is skipped with a reason, unless
 * {@code -Dscalespace.requireBackends=<name,…>} lists it, in which case its absence fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConvEngineContract {

    /** float32 rounding (SPEC §8: the result matches PyTorch's to float32 rounding). */
    protected static final double TOL = 1e-5;

    /** Backend name, for skip messages and -Dscalespace.requireBackends. */
    protected abstract String backendName();

    /** Why the backend cannot run here, or null when it can. */
    protected abstract String unavailableReason();

    /** A fresh engine (only called when available). */
    protected abstract ConvEngine createEngine();

    protected ConvEngine engine;

    /**
     * Per test, not in {@code @BeforeAll}: surefire reports a skip or failure raised in {@code @BeforeAll} as "0 tests
     * run", so a required backend that is missing would not fail the build.
     */
    @BeforeEach
    void openEngine() {
        String reason = unavailableReason();
        if (reason != null) {
            String req = System.getProperty("scalespace.requireBackends", "");
            if (List.of(req.split(",")).contains(backendName())) {
                throw new AssertionError(backendName() + " is required (-Dscalespace.requireBackends) but "
                        + "unavailable: " + reason);
            }
            Assumptions.abort(backendName() + " backend unavailable: " + reason);
        }
        if (engine == null) {
            engine = createEngine();
        }
    }

    @AfterAll
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    /** (n, c, h, w, k): 1×N, N×1, primes, k larger than H or W, C = 1, N > 1, widths around vector multiples. */
    protected static final int[][] SHAPES = {
        {1, 1, 1, 1, 3}, {1, 1, 1, 23, 5}, {1, 1, 19, 1, 5}, {1, 2, 5, 3, 7}, {2, 3, 13, 11, 3},
        {1, 1, 17, 16, 7}, {1, 2, 7, 33, 7}, {3, 1, 9, 47, 9}, {1, 1, 2, 2, 11}, {2, 2, 31, 64, 1},
        {1, 3, 40, 71, 7}, {1, 1, 6, 5, 31},
    };

    private static String label(int[] s, Padding p, String kind) {
        return kind + " " + p.id() + " shape (" + s[0] + "," + s[1] + "," + s[2] + "," + s[3] + ") k=" + s[4];
    }

    protected static void assertClose(Tensor4 expected, Tensor4 actual, double tol, String what) {
        assertTrue(expected.sameShape(actual), what + ": shape");
        double rel = Fidelity.relativeL2(expected.data(), actual.data());
        assertTrue(rel <= tol, what + ": relative l2 " + rel + " > " + tol);
        // also per element, so that a wrong border pixel cannot hide in a large plane
        double scale = 0;
        for (float v : expected.data()) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.data().length; i++) {
            double d = Math.abs(expected.data()[i] - actual.data()[i]);
            assertTrue(d <= 1e-5 * Math.max(scale, 1e-30) + 1e-30, what + ": element " + i + " expected "
                    + expected.data()[i] + " got " + actual.data()[i]);
        }
    }

    @Test
    void denseMatchesReferenceOnAwkwardShapes() {
        long seed = 1;
        for (int[] s : SHAPES) {
            for (Padding p : Padding.values()) {
                Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                DenseFilters f = TestData.randomDense(seed++, s[1], s[4]);
                assertClose(ReferenceConv.dense(x, f, p), engine.dense(x, f, p), TOL, label(s, p, "dense"));
            }
        }
    }

    @Test
    void separableMatchesReferenceOnAwkwardShapes() {
        long seed = 100;
        for (int[] s : SHAPES) {
            for (Padding p : Padding.values()) {
                Tensor4 x = TestData.random(seed++, s[0], s[1], s[2], s[3]);
                SeparableBank b = TestData.randomSeparable(seed++, s[1], s[4], SeparableBank.MAX_TERMS);
                assertClose(ReferenceConv.separable(x, b, p), engine.separable(x, b, p), TOL,
                        label(s, p, "separable"));
            }
        }
    }

    @Test
    void everyFamilyMatchesReference() {
        int k = 7;
        List<SeparableTemplate> templates = new ArrayList<>();
        for (Family f : Family.values()) {
            templates.add(Templates.build(f, Construction.EXACT, k, 1.3, 0.7, 0.4));
            templates.add(Templates.build(f, Construction.PAPER, k, 0.5, 2.5, 1.1));
        }
        SeparableBank bank = SeparableBank.fromTemplates(templates);
        Tensor4 x = TestData.random(7, 2, templates.size(), 23, 29);
        for (Padding p : Padding.values()) {
            Tensor4 ref = ReferenceConv.separable(x, bank, p);
            assertClose(ref, engine.separable(x, bank, p), TOL, "families separable " + p.id());
            // the dense path with the templates' dense form computes the same function
            assertClose(ref, engine.dense(x, bank.toDense(), p), TOL, "families dense " + p.id());
        }
    }

    @Test
    void zeroTermChannelGivesZero() {
        SeparableBank b = SeparableBank.of(3, List.of(List.of(), List.of(
                new SeparableBank.Term(new double[] {0, 1, 0}, new double[] {0, 1, 0}))));
        Tensor4 x = TestData.random(3, 1, 2, 5, 37);
        Tensor4 y = engine.separable(x, b, Padding.ZERO);
        for (int i = 0; i < 5 * 37; i++) {
            assertEquals(0f, y.data()[i]);
            assertEquals(x.data()[5 * 37 + i], y.data()[5 * 37 + i], 0f);
        }
    }

    @Test
    void pytorchVectors() throws IOException {
        List<String> cases = PytorchVectors.cases();
        assertTrue(cases.size() >= 6, "expected committed PyTorch vectors, found " + cases);
        for (String name : cases) {
            PytorchVectors.Case c = PytorchVectors.load(name);
            Tensor4 got = c.separable() != null ? engine.separable(c.input(), c.separable(), c.padding())
                    : engine.dense(c.input(), c.dense(), c.padding());
            double rel = Fidelity.relativeL2(c.expected().data(), got.data());
            assertTrue(rel <= TOL, "PyTorch vector " + name + ": relative l2 " + rel + " > " + TOL);
        }
    }

    @Test
    void gaussianDerivativesOnPolynomials() {
        // interior responses: δx of x is 1, δy of y (up) is 1, δxx of x² is 2, δxy of x·y is 1, lap of x²+y² is 4
        int h = 40;
        int w = 45;
        GaussianSpec spec = GaussianSpec.of(1.5, 0.8);
        int r = GaussianFilters.radius(spec, GaussianOutput.DX);
        float[][] planes = new float[5][h * w];
        for (int row = 0; row < h; row++) {
            for (int col = 0; col < w; col++) {
                double px = col - 20;
                double py = 20 - row; // y up
                planes[0][row * w + col] = (float) px;
                planes[1][row * w + col] = (float) py;
                planes[2][row * w + col] = (float) (px * px);
                planes[3][row * w + col] = (float) (px * py);
                planes[4][row * w + col] = (float) (px * px + py * py);
            }
        }
        float[] d = new float[5 * h * w];
        for (int c = 0; c < 5; c++) {
            System.arraycopy(planes[c], 0, d, c * h * w, h * w);
        }
        Tensor4 x = new Tensor4(1, 5, h, w, d);
        Map<GaussianOutput, Tensor4> out = engine.gaussian(x, spec, EnumSet.of(GaussianOutput.DX,
                GaussianOutput.DY, GaussianOutput.DXX, GaussianOutput.DXY, GaussianOutput.LAPLACIAN,
                GaussianOutput.SMOOTH), Padding.REPLICATE);
        int[] channel = {0, 1, 2, 3, 4};
        GaussianOutput[] op = {GaussianOutput.DX, GaussianOutput.DY, GaussianOutput.DXX, GaussianOutput.DXY,
            GaussianOutput.LAPLACIAN};
        double[] expect = {1, 1, 2, 1, 4};
        for (int t = 0; t < 5; t++) {
            Tensor4 o = out.get(op[t]);
            for (int row = r + 1; row < h - r - 1; row++) {
                for (int col = r + 1; col < w - r - 1; col++) {
                    float v = o.get(0, channel[t], row, col);
                    assertEquals(expect[t], v, 1e-3, op[t] + " at (" + row + "," + col + ")");
                }
            }
        }
        // smoothing preserves a linear function (the kernel is symmetric with mass 1 − ε)
        Tensor4 s = out.get(GaussianOutput.SMOOTH);
        assertEquals(planes[0][20 * w + 22], s.get(0, 0, 20, 22), 1e-4);
    }

    @Test
    void gaussianBanksAgreeWithExactTemplates() {
        GaussianSpec spec = GaussianSpec.of(1.2, 0.9).withRadius(3);
        Object[][] pairs = {{GaussianOutput.SMOOTH, Family.GAUSS}, {GaussianOutput.DX, Family.DX},
            {GaussianOutput.DY, Family.DY}, {GaussianOutput.DXX, Family.DXX}, {GaussianOutput.DYY, Family.DYY},
            {GaussianOutput.DXY, Family.DXY}, {GaussianOutput.LAPLACIAN, Family.LAP}};
        for (Object[] p : pairs) {
            double[] mine = GaussianFilters.bank(1, spec, (GaussianOutput) p[0]).dense(0);
            double[] theirs = Templates.dense((Family) p[1], Construction.EXACT, 7, 1.2, 0.9, 0);
            double[] mirrored = new double[49];
            for (int i = 0; i < 49; i++) {
                mirrored[i] = theirs[48 - i]; // point mirror: cross-correlating with it convolves with the template
            }
            assertArrayEquals(mirrored, mine, 1e-15, p[0] + " vs mirrored template " + p[1]);
        }
    }

    @Test
    void residentPathEqualsHostPath() {
        Tensor4 x = TestData.random(5, 2, 3, 21, 35);
        SeparableBank b = TestData.randomSeparable(6, 3, 5, 3);
        DenseFilters f = TestData.randomDense(7, 3, 5);
        try (DeviceTensor dx = engine.upload(x); DeviceTensor d1 = engine.allocate(2, 3, 21, 35);
             DeviceTensor d2 = engine.allocate(2, 3, 21, 35)) {
            engine.separable(dx, b, Padding.REFLECT, d1);
            engine.dense(d1, f, Padding.ZERO, d2); // chained without a host round trip
            engine.finish();
            Tensor4 got = Tensor4.zeros(2, 3, 21, 35);
            engine.download(d2, got);
            Tensor4 want = engine.dense(engine.separable(x, b, Padding.REFLECT), f, Padding.ZERO);
            assertArrayEquals(want.data(), got.data());
        }
    }

    @Test
    void floatArrayOverloads() {
        Tensor4 x = TestData.random(8, 1, 2, 9, 10);
        DenseFilters f = TestData.randomDense(9, 2, 3);
        float[] a = engine.dense(x.data(), 1, 2, 9, 10, f, Padding.REPLICATE);
        float[] b = new float[a.length];
        engine.dense(x.data(), b, 1, 2, 9, 10, f, Padding.REPLICATE);
        assertArrayEquals(ReferenceConv.dense(x, f, Padding.REPLICATE).data(), a, 1e-5f);
        assertArrayEquals(a, b);
    }

    @Test
    void repeatedCallsReuseScratchAndStayCorrect() {
        // big then small then big: scratch sized for one call must not leak into the next
        for (int[] s : new int[][] {{1, 2, 30, 90, 9}, {1, 1, 3, 5, 3}, {2, 2, 17, 40, 5}}) {
            Tensor4 x = TestData.random(s[3], s[0], s[1], s[2], s[3]);
            DenseFilters f = TestData.randomDense(s[2], s[1], s[4]);
            SeparableBank b = TestData.randomSeparable(s[2], s[1], s[4], 2);
            assertClose(ReferenceConv.dense(x, f, Padding.REFLECT), engine.dense(x, f, Padding.REFLECT), TOL, "d");
            assertClose(ReferenceConv.separable(x, b, Padding.ZERO), engine.separable(x, b, Padding.ZERO), TOL,
                    "s");
        }
    }

    @Test
    void badInputGetsClearErrors() {
        Tensor4 x = TestData.random(1, 1, 3, 8, 8);
        DenseFilters f2 = TestData.randomDense(2, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> engine.dense(x, f2, Padding.ZERO));
        assertTrue(e.getMessage().contains("C = 3") && e.getMessage().contains("2"), e.getMessage());

        SeparableBank b3 = TestData.randomSeparable(3, 3, 3, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> engine.separable(x, b3, Padding.ZERO, Tensor4.zeros(1, 3, 8, 7)));
        assertTrue(e.getMessage().contains("output shape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> engine.separable(x, b3, Padding.ZERO, x));
        assertTrue(e.getMessage().contains("in-place"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> new DenseFilters(1, 4, new float[16]));
        assertTrue(e.getMessage().contains("odd"), e.getMessage());
        float[] nan = new float[9];
        nan[4] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> new DenseFilters(1, 3, nan));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Tensor4.fromShape("input a.npy", new int[] {1, 2, 3, 4, 5}, new float[120]));
        assertTrue(e.getMessage().contains("rank 5") && e.getMessage().contains("(N,C,H,W)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DenseFilters.fromShape("w.npy", new int[] {3, 2, 3, 3}, new float[54]));
        assertTrue(e.getMessage().contains("(C,1,k,k)"), e.getMessage());
        Tensor4 withNan = TestData.random(1, 1, 1, 2, 2);
        withNan.data()[3] = Float.NaN;
        e = assertThrows(IllegalArgumentException.class, () -> withNan.requireFinite("input x"));
        assertEquals("input x: NaN at (0,0,1,1); all values must be finite", e.getMessage());
    }

    @Test
    void engineReportsItsName() {
        assertEquals(backendName(), engine.name());
        Set<String> known = Set.of("scalar", "simd", "opencl", "cuda");
        assertTrue(known.contains(engine.name()));
    }
}
