package org.scalespace.backend.simd;

import static org.scalespace.backend.simd.Geometry.roundUp;
import static org.scalespace.backend.simd.PaddedRows.fillTile;
import static org.scalespace.backend.simd.PaddedRows.fillTileVector;

/**
 * The dense k×k paths of the SIMD convolution engine on planes at least a vector wide, one band of output rows of
 * one plane per call (the engine picks the path): blocks of 8 output rows for k with block kernels
 * ({@link #denseBlocks}, also the composed dense filters of multi-term separable banks); output rows in pairs on
 * wide planes ({@link #denseTile}); long flat loops on narrow planes ({@link #denseTileFlat}).
 */
final class DensePaths {
    private DensePaths() {
    }

    /**
     * Dense k×k filter (k with block kernels) of a band of at least {@link BlockKernels#BLOCK_ROWS} rows (w ≥ L): the padded
     * tile P is filled with vector moves, then {@link BlockKernels#denseBlock8} writes blocks of 8 output rows straight into
     * the output plane, the last block overlapping the one before when 8 does not divide the band (it rewrites those
     * rows with the same values: every output is summed in the same order wherever its block starts).
     */
    static void denseBlocks(float[] in, float[] out, int base, Geometry g, int y0, int y1, float[] wts,
                                    int wOff, Scratch sc) {
        final int ps = g.stride;
        final int last = y1 - y0 - BlockKernels.BLOCK_ROWS;
        fillTileVector(in, base, g, y0, y1, sc);
        for (int y = 0; ; y += BlockKernels.BLOCK_ROWS) {
            if (y > last) {
                y = last;
            }
            BlockKernels.denseBlock8(g.k, sc.tileP, y * ps, ps, wts, wOff, out, base + (y0 + y) * g.w, g.w);
            if (y == last) {
                break;
            }
        }
    }

    /**
     * Dense k×k filter of a band over the flat padded tile: output rows are taken in pairs (y, y+1), and each padded
     * input row m = 0 … k feeds both (filter row m for y, filter row m − 1 for y+1) from one set of loads.
     * O[y·stride + x] = Σ_{i,j} A[i][j]·P[(y+i)·stride + x + j].
     */
    static void denseTile(float[] in, float[] out, int base, Geometry g, int y0, int y1,
                                  float[] wts, int wOff, Scratch sc) {
        final int k = g.k;
        final int stride = g.stride;
        final int w = g.w;
        final int band = y1 - y0;
        final int n = roundUp(w);
        final float[] p = sc.tileP;
        final float[] o = sc.tileO;
        final int[] offs = sc.dOffs;
        fillTile(in, base, g, y0, y1, sc);
        for (int j = 0; j < k; j++) {
            offs[j] = j;
        }
        // the two output rows go to two row buffers in o (at 0 and n), not into a strided tile: a row's last vector
        // may be longer than the stride and must not spill into its neighbour
        int yy = 0;
        for (; yy + 1 < band; yy += 2) {
            int qa = yy * stride;
            Mac.mac(p, qa, offs, 0, wts, wOff, k, o, 0, n, false);                      // row 0 → y
            for (int m = 1; m < k; m++) {                                               // rows m → y, m − 1 → y+1
                Mac.mac2(p, qa + m * stride, offs, wts, wOff + m * k, wts, wOff + (m - 1) * k, k, o, 0, n, n,
                        m > 1);
            }
            Mac.mac(p, qa + k * stride, offs, 0, wts, wOff + (k - 1) * k, k, o, n, n, k > 1); // row k−1 → y+1
            System.arraycopy(o, 0, out, base + (y0 + yy) * w, w);
            System.arraycopy(o, n, out, base + (y0 + yy + 1) * w, w);
        }
        if (yy < band) { // odd band: the last row alone
            int qa = yy * stride;
            for (int m = 0; m < k; m++) {
                Mac.mac(p, qa + m * stride, offs, 0, wts, wOff + m * k, k, o, 0, n, m > 0);
            }
            System.arraycopy(o, 0, out, base + (y0 + yy) * w, w);
        }
    }

    /** Floats of the output tile processed per chunk of the narrow dense path (stays in L1 across the k² taps). */
    private static final int DENSE_CHUNK = 2048;

    /**
     * Dense filter of a band of a narrow plane: O[q] = Σ_{i,j} A[i][j]·P[q + i·stride + j] as long flat vector loops
     * over the tile, in chunks of {@value #DENSE_CHUNK} outputs (short rows would make per-row calls costly).
     */
    static void denseTileFlat(float[] in, float[] out, int base, Geometry g, int y0, int y1,
                                      float[] wts, int wOff, Scratch sc) {
        final int k = g.k;
        final int stride = g.stride;
        final int w = g.w;
        final int band = y1 - y0;
        final int nOut = roundUp(band * stride);
        fillTile(in, base, g, y0, y1, sc);
        int[] offs = sc.dOffs;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                offs[i * k + j] = i * stride + j;
            }
        }
        for (int q0 = 0; q0 < nOut; q0 += DENSE_CHUNK) {
            Mac.mac(sc.tileP, q0, offs, 0, wts, wOff, k * k, sc.tileO, q0, Math.min(DENSE_CHUNK, nOut - q0), false);
        }
        for (int yy = 0; yy < band; yy++) {
            System.arraycopy(sc.tileO, yy * stride, out, base + (y0 + yy) * w, w);
        }
    }
}
