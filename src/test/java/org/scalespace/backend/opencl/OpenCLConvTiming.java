package org.scalespace.backend.opencl;

import java.util.Random;

/**
 * Rough OpenCL convolution timing (not a JMH benchmark): N×C×H×W float32, 7×7, zero padding; dense and fused
 * separable (1 and 3 terms), end to end through {@link OpenCLConvDevice} (upload, kernel, download). Validates each
 * kernel against the double-precision reference on the first image before timing.
 * Run: java -cp target/classes:target/test-classes:JOCL_JAR org.scalespace.backend.opencl.OpenCLConvTiming
 */
public final class OpenCLConvTiming {
    private OpenCLConvTiming() {
    }

    public static void main(String[] args) {
        int n = 8;
        int c = 96;
        int h = 56;
        int w = 56;
        int r = 3;
        int k = 7;
        Random rnd = new Random(1);
        float[] x = new float[n * c * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        float[] coef = new float[4 * c];
        float[] col = new float[4 * c * k];
        float[] row = new float[4 * c * k];
        for (int i = 0; i < coef.length; i++) {
            coef[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < col.length; i++) {
            col[i] = (float) rnd.nextGaussian();
            row[i] = (float) rnd.nextGaussian();
        }
        float[] a = new float[c * k * k];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        double[] ad = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ad[i] = a[i];
        }
        float[] out = new float[x.length];
        try (OpenCLConvDevice conv = new OpenCLConvDevice()) {
            System.out.println("device: " + conv.device().describe() + ", schedule " + conv.schedule());
            float[] x1 = java.util.Arrays.copyOf(x, c * h * w);
            float[] o1 = new float[x1.length];
            conv.dense(x1, o1, 1, c, h, w, r, a, OpenCLConvDevice.ZERO);
            double e = OpenCLConvTest.relL2(OpenCLConvTest.reference(x1, 1, c, h, w, r, ad, 0), o1);
            if (!(e <= 1e-5)) {
                throw new IllegalStateException("dense kernel wrong: relative l2 " + e);
            }
            for (int terms = 1; terms <= 3; terms++) {
                double[] sd = new double[c * k * k];
                for (int ch = 0; ch < c; ch++) {
                    for (int t = 0; t < terms; t++) {
                        for (int i = 0; i < k; i++) {
                            for (int j = 0; j < k; j++) {
                                sd[ch * k * k + i * k + j] += (double) coef[4 * ch + t] * row[(4 * ch + t) * k + i]
                                        * col[(4 * ch + t) * k + j];
                            }
                        }
                    }
                }
                conv.separable(x1, o1, 1, c, h, w, r, terms, coef, col, row, OpenCLConvDevice.ZERO);
                double es = OpenCLConvTest.relL2(OpenCLConvTest.reference(x1, 1, c, h, w, r, sd, 0), o1);
                if (!(es <= 1e-5)) {
                    throw new IllegalStateException("separable kernel wrong: relative l2 " + es);
                }
            }
            double mpix = (double) n * c * h * w / 1e6;
            for (String what : new String[] {"dense 7x7", "separable 1 term", "separable 3 terms"}) {
                int terms = what.endsWith("3 terms") ? 3 : 1;
                Runnable run = what.startsWith("dense")
                        ? () -> conv.dense(x, out, n, c, h, w, r, a, OpenCLConvDevice.ZERO)
                        : () -> conv.separable(x, out, n, c, h, w, r, terms, coef, col, row, OpenCLConvDevice.ZERO);
                for (int i = 0; i < 5; i++) {
                    run.run();
                }
                int reps = 20;
                long t0 = System.nanoTime();
                long kern = 0;
                for (int i = 0; i < reps; i++) {
                    run.run();
                    kern += conv.lastKernelNanos();
                }
                double s = (System.nanoTime() - t0) / 1e9 / reps;
                double ks = kern / 1e9 / reps;
                System.out.printf(java.util.Locale.ROOT,
                        "%-18s %dx%dx%dx%d: end to end %.2f ms/call (%.0f Mpixel/s, %.2f GB/s at 8 bytes/pixel);"
                                + " kernel only %.2f ms (%.0f Mpixel/s, %.2f GB/s)%n", what, n, c, h, w, s * 1e3,
                        mpix / s, mpix * 8e6 / s / 1e9, ks * 1e3, mpix / ks, mpix * 8e6 / ks / 1e9);
            }
        }
    }
}
