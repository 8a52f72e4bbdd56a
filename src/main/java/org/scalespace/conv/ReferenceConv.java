package org.scalespace.conv;

/**
 * The oracle: SPEC §8 written down directly. For every output pixel, sum over the k×k window in double precision,
 * reading the padded image through {@link Padding#sourceIndex(int, int)}:
 * <pre>  out[n][c][y][x] = Σ_{i,j} A_c[i][j] · P[n][c][y+i−r][x+j−r]</pre>
 * No tiling, no separability, no tricks; O(k²) per pixel. Use it in tests and validation, not for speed.
 */
public final class ReferenceConv {
    private ReferenceConv() {
    }

    /** Dense depthwise convolution with learned filters. */
    public static Tensor4 dense(Tensor4 x, DenseFilters f, Padding padding) {
        ConvChecks.check("reference dense", x, f.channels(), null);
        int k = f.k();
        double[][] a = new double[f.channels()][k * k];
        for (int c = 0; c < f.channels(); c++) {
            for (int t = 0; t < k * k; t++) {
                a[c][t] = f.data()[c * k * k + t];
            }
        }
        return direct(x, a, k, padding);
    }

    /** Depthwise convolution with the dense form (in double) of each channel's separable filter. */
    public static Tensor4 separable(Tensor4 x, SeparableBank bank, Padding padding) {
        ConvChecks.check("reference separable", x, bank.channels(), null);
        double[][] a = new double[bank.channels()][];
        for (int c = 0; c < bank.channels(); c++) {
            a[c] = bank.dense(c);
        }
        return direct(x, a, bank.k(), padding);
    }

    /** Direct k×k cross-correlation with per-channel double filters a[c][i*k+j]. */
    public static Tensor4 direct(Tensor4 x, double[][] a, int k, Padding padding) {
        int r = k / 2;
        Tensor4 out = x.like();
        float[] in = x.data();
        float[] o = out.data();
        for (int b = 0; b < x.n(); b++) {
            for (int c = 0; c < x.c(); c++) {
                int base = x.planeOffset(b, c);
                double[] f = a[c];
                for (int y = 0; y < x.h(); y++) {
                    for (int xx = 0; xx < x.w(); xx++) {
                        double s = 0;
                        for (int i = 0; i < k; i++) {
                            int sy = padding.sourceIndex(y + i - r, x.h());
                            if (sy < 0) {
                                continue;
                            }
                            for (int j = 0; j < k; j++) {
                                int sx = padding.sourceIndex(xx + j - r, x.w());
                                if (sx < 0) {
                                    continue;
                                }
                                s += f[i * k + j] * in[base + sy * x.w() + sx];
                            }
                        }
                        o[base + y * x.w() + xx] = (float) s;
                    }
                }
            }
        }
        return out;
    }
}
