package org.scalespace.backend.simd;

import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The sizes one call of the SIMD convolution engine shares among all its units of work: plane size, k and radius,
 * the padded row and flat tile sizes, and the padding tables of both axes ({@link PaddedRows#indexTable}).
 */
final class Geometry {
    private static final int L = Mac.L;

    /** Target size of one flat tile in floats (256 KiB: P, H and O tiles stay in L2). */
    static final int TILE_FLOATS = 64 * 1024;

    final int h;
    final int w;
    final int k;
    final int r;
    final int planes;
    final int vecW;      // w rounded up to a multiple of L: width of a filtered ring row
    final int paddedLen; // padded row length: vecW + 2r, plus L for the dense path's last vector
    final int stride;    // w + 2r: row stride of the flat padded tiles
    final int tileRows;  // most output rows per flat tile (≥ 1)
    final int[] mapX;
    final int[] mapY;
    final boolean zeroPadX; // every padding column of a row is zero (mapX < 0 there)
    private int[] cellOf;

    /**
     * For the channel path: cellOf[e] = ((e / w + r)·(w + 2r) + e % w + r)·L, the offset in a channel-interleaved
     * tile starting at padded row −r of plane pixel e (made on first use, by the calling thread before the workers
     * start: {@link ChannelPath#denseChannels}).
     */
    int[] cellOf() {
        if (cellOf == null) {
            int pw = w + 2 * r;
            int[] c = new int[h * w];
            for (int e = 0; e < c.length; e++) {
                c[e] = ((e / w + r) * pw + e % w + r) * L;
            }
            cellOf = c;
        }
        return cellOf;
    }

    Geometry(Tensor4 x, int k, Padding padding) {
        this.h = x.h();
        this.w = x.w();
        this.k = k;
        this.r = k / 2;
        this.planes = x.planes();
        this.vecW = (w + L - 1) / L * L;
        long pl = (long) vecW + 2L * r + L;
        if (pl * (k + 1) * SeparableBank.MAX_TERMS > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("simd: row width " + w + " with k = " + k + " is too large");
        }
        this.paddedLen = (int) pl;
        this.stride = w + 2 * r;
        this.tileRows = (int) Math.max(1, Math.min(h, TILE_FLOATS / stride - 2L * r));
        this.mapX = PaddedRows.indexTable(padding, w, r);
        this.mapY = PaddedRows.indexTable(padding, h, r);
        boolean z = true;
        for (int p = 0; p < r; p++) {
            z &= mapX[p] < 0 && mapX[r + w + p] < 0;
        }
        this.zeroPadX = z;
    }

    static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }
}
