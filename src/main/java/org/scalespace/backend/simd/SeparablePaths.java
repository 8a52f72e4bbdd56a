package org.scalespace.backend.simd;

import static org.scalespace.backend.simd.Geometry.roundUp;
import static org.scalespace.backend.simd.PaddedRows.fillPaddedRow;
import static org.scalespace.backend.simd.PaddedRows.fillPads;
import static org.scalespace.backend.simd.PaddedRows.fillTile;

/**
 * The separable paths of the SIMD convolution engine, one band of output rows of one plane per call (the engine
 * picks the path): blocks of 8 rows, vertical pass first, for one-term channels and k with block kernels
 * ({@link #separableBlocks}); the row ring for wide planes ({@link #separableBand}); flat tiles for narrow planes
 * ({@link #separableTile}).
 */
final class SeparablePaths {
    private static final int L = Mac.L;

    private SeparablePaths() {
    }

    /**
     * The separable one-term filter of a band of at least 8 rows (k with block kernels, w ≥ L), vertical pass
     * first: per block of 8 output rows, {@link BlockKernels#vertBlock8} reads the 8 + 2r input rows it needs straight from
     * the input plane (rows outside the plane, at its top and bottom, through a copy mapped by the vertical padding)
     * into a block buffer of 8 rows with r padding columns on each side, and {@link BlockKernels#horiz} filters those rows
     * along x into the output plane. The last block overlaps the one before when 8 does not divide the band (same
     * values rewritten). Loads per output vector (k = 7): 1.75 + 7, against ~16 memory operations for fill, row pass
     * and column pass of the flat tile; there is no tile fill at all.
     */
    static void separableBlocks(float[] in, float[] out, int base, Geometry g, int y0, int y1,
                                   float[] rowTaps, float[] colTaps, int tapBase, Scratch sc) {
        final int w = g.w;
        final int h = g.h;
        final int r = g.r;
        final int ps = g.stride;
        final int k = g.k;
        final float[] vb = sc.blockBuf;
        final int[] mapX = g.mapX;
        if (g.zeroPadX) {
            if (sc.blockZeroStride != ps) { // padding columns of the block buffer: zero, and never written below
                java.util.Arrays.fill(vb, 0f);
                sc.blockZeroStride = ps;
            }
        } else {
            sc.blockZeroStride = -1;
        }
        final int last = y1 - BlockKernels.BLOCK_ROWS;
        for (int y = y0; ; y += BlockKernels.BLOCK_ROWS) {
            if (y > last) {
                y = last;
            }
            final int top = y - r; // first input row the block reads
            if (top >= 0 && top + BlockKernels.BLOCK_ROWS + 2 * r <= h) {
                BlockKernels.vertBlock8(k, in, base + top * w, w, rowTaps, tapBase, vb, r, ps, w);
            } else {
                final float[] e = sc.blockEdge;
                for (int m = 0; m < BlockKernels.BLOCK_ROWS + 2 * r; m++) {
                    int sy = g.mapY[top + m + r];
                    if (sy < 0) {
                        java.util.Arrays.fill(e, m * w, (m + 1) * w, 0f);
                    } else {
                        System.arraycopy(in, base + sy * w, e, m * w, w);
                    }
                }
                BlockKernels.vertBlock8(k, e, 0, w, rowTaps, tapBase, vb, r, ps, w);
            }
            if (!g.zeroPadX) { // the padding columns from the filtered columns they mirror or repeat
                for (int rr = 0, q = 0; rr < BlockKernels.BLOCK_ROWS; rr++, q += ps) {
                    fillPads(vb, q + r, w, r, mapX, vb, q);
                }
            }
            BlockKernels.horiz(k, vb, 0, ps, colTaps, tapBase, out, base + y * w, w, BlockKernels.BLOCK_ROWS);
            if (y == last) {
                break;
            }
        }
    }

    static void separableBand(float[] in, float[] out, int base, Geometry g, int y0, int y1, int nt,
                                      float[] rowTaps, float[] colTaps, int tapBase, Scratch sc) {
        final int k = g.k;
        final int r = g.r;
        final int w = g.w;
        final int vw = g.vecW;
        final float[] prow = sc.prow;
        final float[] ring = sc.ring;
        final float[] orow = sc.orow;
        final int[] hOffs = sc.hOffs;
        final int[] vOffs = sc.vOffs;
        if (nt == 0) {
            java.util.Arrays.fill(out, base + y0 * w, base + y1 * w, 0f);
            return;
        }
        for (int j = 0; j < k; j++) {
            hOffs[j] = j;
        }
        for (int v = y0 - r; v < y1 + r; v++) {
            int slot = (v - y0 + r) % k;
            int sy = g.mapY[v + r];
            if (sy < 0) {
                for (int t = 0; t < nt; t++) {
                    int o = (t * k + slot) * vw;
                    java.util.Arrays.fill(ring, o, o + vw, 0f);
                }
            } else {
                fillPaddedRow(in, base + sy * w, w, r, g.mapX, prow);
                for (int t = 0; t < nt; t++) {
                    // row pass: along x with the column taps
                    Mac.mac(prow, hOffs, 0, colTaps, tapBase + t * k, k, ring, (t * k + slot) * vw, vw, false);
                }
            }
            int y = v - r;
            if (y >= y0) {
                // column pass: along y with the row taps, over the k ring rows y−r … y+r
                // whole vectors go straight to the output row; the last partial vector through orow
                int first = (y - y0) % k;
                int full = w / L * L;
                int o = base + y * w;
                for (int t = 0; t < nt; t++) {
                    for (int i = 0, sl = first; i < k; i++, sl = sl + 1 == k ? 0 : sl + 1) {
                        vOffs[i] = (t * k + sl) * vw;
                    }
                    if (full > 0) {
                        Mac.mac(ring, 0, vOffs, 0, rowTaps, tapBase + t * k, k, out, o, full, t > 0);
                    }
                    if (full < w) {
                        Mac.mac(ring, full, vOffs, 0, rowTaps, tapBase + t * k, k, orow, 0, L, t > 0);
                    }
                }
                if (full < w) {
                    System.arraycopy(orow, 0, out, o + full, w - full);
                }
            }
        }
    }

    /**
     * Separable filter of a band through flat tiles, for narrow planes: the padded band P is one long row (stride
     * w + 2r), so the row pass is H[q] = Σ_j col[j]·P[q+j] and the column pass O[q] = Σ_i row[i]·H[q + i·stride] over
     * the whole tile in single long vector loops (positions in the 2r padding columns are computed and dropped).
     */
    static void separableTile(float[] in, float[] out, int base, Geometry g, int y0, int y1, int nt,
                                      float[] rowTaps, float[] colTaps, int tapBase, Scratch sc) {
        final int k = g.k;
        final int stride = g.stride;
        final int w = g.w;
        final int band = y1 - y0;
        if (nt == 0) {
            java.util.Arrays.fill(out, base + y0 * w, base + y1 * w, 0f);
            return;
        }
        final int nOut = roundUp(band * stride);
        final int nH = roundUp(nOut + 2 * g.r * stride);
        fillTile(in, base, g, y0, y1, sc);
        for (int i = 0; i < k; i++) {
            sc.hOffs[i] = i;
            sc.vOffs[i] = i * stride;
        }
        for (int t = 0; t < nt; t++) {
            Mac.mac(sc.tileP, sc.hOffs, 0, colTaps, tapBase + t * k, k, sc.tileH, 0, nH, false);
            Mac.mac(sc.tileH, sc.vOffs, 0, rowTaps, tapBase + t * k, k, sc.tileO, 0, nOut, t > 0);
        }
        for (int yy = 0; yy < band; yy++) {
            System.arraycopy(sc.tileO, yy * stride, out, base + (y0 + yy) * w, w);
        }
    }
}
