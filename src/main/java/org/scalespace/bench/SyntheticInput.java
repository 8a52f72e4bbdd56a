package org.scalespace.bench;

import java.util.Random;
import org.scalespace.conv.Tensor4;

/**
 * A reproducible natural-image-like batch, the default input of {@code scalespace replace}: per plane, the sum over
 * octaves o of bilinearly interpolated random grids with cell size 2^o and amplitude ∝ 2^o (a 1/f amplitude
 * spectrum, multi-octave value noise), then shifted and scaled to zero mean and unit variance. The same seed gives
 * the same batch, bit for bit.
 */
public final class SyntheticInput {

    private SyntheticInput() {
    }

    /** An (n,c,h,w) batch from {@code seed}; each of the n·c planes has mean 0 and variance 1 (population). */
    public static Tensor4 oneOverF(int n, int c, int h, int w, long seed) {
        Random rnd = new Random(seed);
        float[] d = new float[n * c * h * w];
        int octaves = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(h, w)));
        for (int p = 0; p < n * c; p++) {
            int base = p * h * w;
            for (int o = 0; o < octaves; o++) {
                int cell = 1 << o;
                int gh = h / cell + 2;
                int gw = w / cell + 2;
                double[] grid = new double[gh * gw];
                for (int i = 0; i < grid.length; i++) {
                    grid[i] = rnd.nextGaussian() * cell;
                }
                for (int y = 0; y < h; y++) {
                    double fy = (double) y / cell;
                    int iy = (int) fy;
                    double ty = fy - iy;
                    for (int x = 0; x < w; x++) {
                        double fx = (double) x / cell;
                        int ix = (int) fx;
                        double tx = fx - ix;
                        double v = (1 - ty) * ((1 - tx) * grid[iy * gw + ix] + tx * grid[iy * gw + ix + 1])
                                + ty * ((1 - tx) * grid[(iy + 1) * gw + ix] + tx * grid[(iy + 1) * gw + ix + 1]);
                        d[base + y * w + x] += (float) v;
                    }
                }
            }
            double mean = 0;
            for (int i = 0; i < h * w; i++) {
                mean += d[base + i];
            }
            mean /= h * w;
            double var = 0;
            for (int i = 0; i < h * w; i++) {
                double e = d[base + i] - mean;
                var += e * e;
            }
            double sd = Math.sqrt(var / (h * w));
            for (int i = 0; i < h * w; i++) {
                d[base + i] = (float) ((d[base + i] - mean) / (sd > 0 ? sd : 1));
            }
        }
        return new Tensor4(n, c, h, w, d);
    }

    /**
     * An image for filters of {@code c} channels: the grey mean of its channels, replicated over c channels (one
     * batch element).
     */
    public static Tensor4 replicateGrey(Tensor4 img, int c) {
        int plane = img.h() * img.w();
        float[] grey = new float[plane];
        for (int ch = 0; ch < img.c(); ch++) {
            for (int p = 0; p < plane; p++) {
                grey[p] += img.data()[ch * plane + p] / img.c();
            }
        }
        float[] d = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            System.arraycopy(grey, 0, d, ch * plane, plane);
        }
        return new Tensor4(1, c, img.h(), img.w(), d);
    }
}
