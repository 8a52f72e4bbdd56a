package org.scalespace.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scalespace.testing.BackendAssume;

/**
 * The OpenCL convolution kernels against a plain double-precision reference written here (cross-correlation, PyTorch
 * padding semantics), relative l2 ≤ 1e-5, over awkward sizes, every border mode and 1–3 separable terms, on
 * {@link OpenCLConvDevice} below the engine; the engine itself runs the {@code ConvEngineContract} in
 * {@link OpenCLConvEngineTest}.
 */
class OpenCLConvTest {
    private static OpenCLConvDevice conv;
    private static OpenCLConvDevice direct;
    private static OpenCLConvDevice plane;

    /** Per test (not in @BeforeAll, whose skip or failure surefire does not report): skip or fail, then open once. */
    @BeforeEach
    void open() {
        BackendAssume.assumeAvailable("opencl");
        if (conv == null) {
            conv = new OpenCLConvDevice("tiled");
            direct = new OpenCLConvDevice("direct");
            plane = new OpenCLConvDevice("plane");
        }
    }

    @AfterAll
    static void close() {
        if (conv != null) {
            conv.close();
        }
        if (direct != null) {
            direct.close();
        }
        if (plane != null) {
            plane.close();
        }
        conv = null;
        direct = null;
        plane = null;
    }

    @Test
    void unknownScheduleIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OpenCLConvDevice("fast"));
        assertTrue(e.getMessage().contains("tiled, direct or plane"), e.getMessage());
    }

    static int src(int p, int n, int border) {
        if (border == OpenCLConvDevice.ZERO) {
            return p < 0 || p >= n ? -1 : p;
        }
        if (border == OpenCLConvDevice.REPLICATE) {
            return Math.max(0, Math.min(n - 1, p));
        }
        if (n == 1) {
            return 0;
        }
        while (p < 0 || p >= n) { // mirror without repeating the edge, as often as needed
            p = p < 0 ? -p : 2 * (n - 1) - p;
        }
        return p;
    }

    /** Reference: out(y,x) = Σ_{i,j} A[c][i][j]·in(y+i−r, x+j−r), double accumulation. */
    static float[] reference(float[] x, int n, int c, int h, int w, int r, double[] a, int border) {
        int k = 2 * r + 1;
        float[] out = new float[x.length];
        for (int p = 0; p < n * c; p++) {
            int ch = p % c;
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double s = 0;
                    for (int i = 0; i < k; i++) {
                        int sy = src(y + i - r, h, border);
                        for (int j = 0; j < k; j++) {
                            int sx = src(xx + j - r, w, border);
                            if (sy >= 0 && sx >= 0) {
                                s += a[ch * k * k + i * k + j] * x[p * h * w + sy * w + sx];
                            }
                        }
                    }
                    out[p * h * w + y * w + xx] = (float) s;
                }
            }
        }
        return out;
    }

    static double relL2(float[] ref, float[] got) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) ref[i] - got[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-300));
    }

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} r={4} terms={5} border={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, 1, 0", "1, 1, 1, 1, 1, 1, 1", "1, 1, 1, 1, 1, 1, 2",
        "1, 3, 1, 37, 2, 2, 0", "1, 3, 1, 37, 2, 2, 1", "1, 3, 37, 1, 3, 3, 2",
        "2, 5, 13, 17, 3, 3, 0", "2, 5, 13, 17, 3, 3, 1", "2, 5, 13, 17, 3, 3, 2",
        "1, 2, 3, 5, 7, 2, 0", "1, 2, 3, 5, 7, 2, 1", "1, 2, 3, 5, 7, 1, 2",
        "3, 4, 41, 67, 4, 1, 1", "1, 7, 64, 64, 0, 1, 0", "1, 2, 33, 31, 15, 3, 1", "2, 3, 9, 40, 15, 2, 2", "1, 2, 11, 12, 2, 4, 1",
    })
    void separableAndDenseMatchTheReference(int n, int c, int h, int w, int r, int terms, int border) {
        Random rnd = new Random(31L * h + w + r);
        int k = 2 * r + 1;
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] coef = new float[4 * c];
        float[] col = new float[4 * c * k];
        float[] row = new float[4 * c * k];
        double[] a = new double[c * k * k];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < terms; t++) {
                coef[4 * ch + t] = (float) (0.5 + rnd.nextDouble());
                for (int j = 0; j < k; j++) {
                    col[(4 * ch + t) * k + j] = (float) rnd.nextGaussian();
                    row[(4 * ch + t) * k + j] = (float) rnd.nextGaussian();
                }
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        a[ch * k * k + i * k + j] += (double) coef[4 * ch + t] * row[(4 * ch + t) * k + i]
                                * col[(4 * ch + t) * k + j];
                    }
                }
            }
        }
        float[] ref = reference(x, n, c, h, w, r, a, border);
        for (OpenCLConvDevice cv : new OpenCLConvDevice[] {conv, direct, plane}) {
            float[] out = new float[x.length];
            cv.separable(x, out, n, c, h, w, r, terms, coef, col, row, border);
            double e = relL2(ref, out);
            assertTrue(e <= 1e-5, cv.schedule() + " separable relative l2 " + e);
        }
        float[] af = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            af[i] = (float) a[i];
        }
        double[] ad = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ad[i] = af[i];
        }
        float[] ref2 = reference(x, n, c, h, w, r, ad, border);
        for (OpenCLConvDevice cv : new OpenCLConvDevice[] {conv, direct, plane}) {
            float[] out2 = new float[x.length];
            cv.dense(x, out2, n, c, h, w, r, af, border);
            double e2 = relL2(ref2, out2);
            assertTrue(e2 <= 1e-5, cv.schedule() + " dense relative l2 " + e2);
        }
    }

    @Test
    void badShapesAreRejectedBeforeAnyWork() {
        float[] x = new float[12];
        assertThrows(IllegalArgumentException.class, () -> conv.dense(x, new float[12], 1, 1, 3, 5, 1,
                new float[9], OpenCLConvDevice.ZERO));
        assertThrows(IllegalArgumentException.class, () -> conv.dense(x, x, 1, 1, 3, 4, 1, new float[9],
                OpenCLConvDevice.ZERO));
        assertThrows(IllegalArgumentException.class, () -> conv.separable(x, new float[12], 1, 1, 3, 4, 1, 4,
                new float[3], new float[9], new float[9], OpenCLConvDevice.ZERO));
    }
}
