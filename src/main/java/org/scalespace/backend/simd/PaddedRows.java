package org.scalespace.backend.simd;

import org.scalespace.conv.Padding;

/**
 * The only border code of the SIMD convolution engine: the padding tables (padded index → source index, −1 for
 * zero), and the copies of input rows into padded rows and flat padded tiles through them. Everything after these
 * copies is branch-free vector code.
 */
final class PaddedRows {
    private PaddedRows() {
    }

    static int[] indexTable(Padding padding, int n, int r) {
        int[] t = new int[n + 2 * r];
        for (int p = 0; p < t.length; p++) {
            t[p] = padding.sourceIndex(p - r, n);
        }
        return t;
    }

    /**
     * The border path: copies input row {@code in[off … off+w)} to {@code prow[r … r+w)} and fills the r samples on
     * each side from the horizontal padding ({@code mapX[p]} = source column of padded column p − r, or −1 for
     * zero). {@code prow} must hold at least w + 2r floats; later elements are left as they are.
     */
    static void fillPaddedRow(float[] in, int off, int w, int r, int[] mapX, float[] prow) {
        fillPaddedRowInto(in, off, w, r, mapX, prow, 0);
    }

    static void fillPaddedRowInto(float[] in, int off, int w, int r, int[] mapX, float[] dst, int dstOff) {
        System.arraycopy(in, off, dst, dstOff + r, w);
        fillPads(in, off, w, r, mapX, dst, dstOff);
    }

    /**
     * The 2r padding samples of a padded row at {@code dst[dstOff …]} (r on each side of its w samples) from the row
     * {@code in[off … off+w)}: padded column p gets in[off + mapX[p]], or zero where mapX[p] < 0. {@code in} may be
     * {@code dst} itself, with off = dstOff + r.
     */
    static void fillPads(float[] in, int off, int w, int r, int[] mapX, float[] dst, int dstOff) {
        for (int p = 0; p < r; p++) {
            int s = mapX[p];
            dst[dstOff + p] = s < 0 ? 0f : in[off + s];
            int q = r + w + p;
            s = mapX[q];
            dst[dstOff + q] = s < 0 ? 0f : in[off + s];
        }
    }

    /**
     * Fills the padded tile P for output rows y0 … y1−1: rows y0−r … y1−1+r, each w + 2r wide (stride), through the
     * vertical and horizontal padding. Element (v, p) of the padded plane is at (v − y0 + r)·stride + p.
     */
    static void fillTile(float[] in, int base, Geometry g, int y0, int y1, Scratch sc) {
        final float[] tile = sc.tileP;
        sc.zeroPadStride = -1; // may write other strides or pad values: fillTileVector must rewrite its padding columns
        int stride = g.stride;
        for (int v = y0 - g.r, row = 0; v < y1 + g.r; v++, row++) {
            int sy = g.mapY[v + g.r];
            if (sy < 0) {
                java.util.Arrays.fill(tile, row * stride, (row + 1) * stride, 0f);
            } else {
                fillPaddedRowInto(in, base + sy * g.w, g.w, g.r, g.mapX, tile, row * stride);
            }
        }
    }

    /**
     * {@link #fillTile} with vector moves for the rows (w ≥ L). With zero padding along x the r padding columns on
     * each side of every tile row hold zeros, and no row copy writes them, so they are written only when the tile
     * has not been filled at this stride since it was last used otherwise ({@link Scratch#zeroPadStride}): per
     * row only the vector copy is left.
     */
    static void fillTileVector(float[] in, int base, Geometry g, int y0, int y1, Scratch sc) {
        final float[] tile = sc.tileP;
        final int stride = g.stride;
        final int w = g.w;
        final int r = g.r;
        final int[] mapX = g.mapX;
        final int rows = y1 - y0 + 2 * r;
        final boolean padsKnownZero = g.zeroPadX && sc.zeroPadStride == stride && rows <= sc.zeroPadRows;
        for (int v = y0 - r, q = 0; v < y1 + r; v++, q += stride) {
            int sy = g.mapY[v + r];
            if (sy < 0) {
                Mac.zero(tile, q, stride);
            } else {
                int off = base + sy * w;
                Mac.copy(in, off, tile, q + r, w);
                if (!padsKnownZero) {
                    fillPads(in, off, w, r, mapX, tile, q);
                }
            }
        }
        if (g.zeroPadX && !padsKnownZero) {
            sc.zeroPadStride = stride;
            sc.zeroPadRows = rows;
        } else if (!g.zeroPadX) {
            sc.zeroPadStride = -1;
        }
    }
}
