package org.scalespace.backend.scalar;

import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.HostConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The {@code scalar} backend: plain Java, double accumulation, one thread. Separable filters run as two passes per
 * plane and term — a row pass (column taps, along x) into a double scratch plane, then a column pass (row taps,
 * along y) accumulated into a double output plane — with the padding applied through per-axis index tables. The
 * dense path is the direct k×k sum over a padded copy of the plane.
 *
 * <p>Scratch planes are owned by the instance and grow to the largest plane seen. Calls are serialised
 * ({@code synchronized}); use one instance per thread for concurrency.
 */
public final class ScalarConvEngine extends HostConvEngine {

    private double[] rowPass = new double[0];
    private double[] acc = new double[0];
    private float[] padded = new float[0];

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public synchronized void separable(Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out) {
        ConvChecks.check("separable", x, bank, padding, out);
        int h = x.h();
        int w = x.w();
        int k = bank.k();
        int r = k / 2;
        int[] mapX = indexTable(padding, w, r);
        int[] mapY = indexTable(padding, h, r);
        int plane = h * w;
        if (rowPass.length < plane) {
            rowPass = new double[plane];
            acc = new double[plane];
        }
        float[] in = x.data();
        float[] o = out.data();
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                int base = x.planeOffset(b, c);
                java.util.Arrays.fill(acc, 0, plane, 0.0);
                for (SeparableBank.Term t : bank.terms(c)) {
                    double[] col = t.colTaps();
                    double[] row = t.rowTaps();
                    // row pass: along x with the column taps
                    for (int y = 0; y < h; y++) {
                        int rowBase = base + y * w;
                        for (int xx = 0; xx < w; xx++) {
                            double s = 0;
                            for (int j = 0; j < k; j++) {
                                int sx = mapX[xx + j];
                                if (sx >= 0) {
                                    s += col[j] * in[rowBase + sx];
                                }
                            }
                            rowPass[y * w + xx] = s;
                        }
                    }
                    // column pass: along y with the row taps
                    for (int y = 0; y < h; y++) {
                        for (int i = 0; i < k; i++) {
                            int sy = mapY[y + i];
                            if (sy < 0) {
                                continue;
                            }
                            double ti = row[i];
                            int src = sy * w;
                            int dst = y * w;
                            for (int xx = 0; xx < w; xx++) {
                                acc[dst + xx] += ti * rowPass[src + xx];
                            }
                        }
                    }
                }
                for (int p = 0; p < plane; p++) {
                    o[base + p] = (float) acc[p];
                }
            }
        }
    }

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters f, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, f, padding, out);
        int h = x.h();
        int w = x.w();
        int k = f.k();
        int r = k / 2;
        int pw = w + 2 * r;
        int ph = h + 2 * r;
        long psize = (long) pw * ph;
        if (psize > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("dense: padded plane " + ph + "×" + pw + " is too large");
        }
        if (padded.length < psize) {
            padded = new float[(int) psize];
        }
        int[] mapX = indexTable(padding, w, r);
        int[] mapY = indexTable(padding, h, r);
        float[] in = x.data();
        float[] o = out.data();
        float[] fw = f.data();
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                int base = x.planeOffset(b, c);
                for (int py = 0; py < ph; py++) {
                    int sy = mapY[py];
                    for (int px = 0; px < pw; px++) {
                        int sx = mapX[px];
                        padded[py * pw + px] = (sy < 0 || sx < 0) ? 0f : in[base + sy * w + sx];
                    }
                }
                int fb = c * k * k;
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        double s = 0;
                        for (int i = 0; i < k; i++) {
                            int prow = (y + i) * pw + xx;
                            for (int j = 0; j < k; j++) {
                                s += (double) fw[fb + i * k + j] * padded[prow + j];
                            }
                        }
                        o[base + y * w + xx] = (float) s;
                    }
                }
            }
        }
    }

    /** table[p] = source index of padded index p − r for p in 0 … n+2r−1, or −1 for zero. */
    static int[] indexTable(Padding padding, int n, int r) {
        int[] t = new int[n + 2 * r];
        for (int p = 0; p < t.length; p++) {
            t[p] = padding.sourceIndex(p - r, n);
        }
        return t;
    }
}
