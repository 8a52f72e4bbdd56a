package org.scalespace.backend.simd;

import static org.scalespace.backend.simd.Geometry.TILE_FLOATS;

import org.scalespace.conv.Tensor4;

/**
 * The SIMD convolution engine's path for planes narrower than a vector: the planes go into the vector lanes, L at a
 * time ({@link #denseChannels}); moving them in and out of the channel-interleaved tile is done with 16×16
 * transposes or gathers and scatters. One per engine: it keeps the table of tap vectors across calls.
 */
final class ChannelPath {
    private static final int L = Mac.L;

    private final Scheduler scheduler;

    ChannelPath(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** {@link #denseChannels}'s table of tap vectors, reused across calls (calls are serialised). */
    private float[] tapBuf = new float[0];

    /**
     * The largest k for which separable banks on planes narrower than a vector go through the channel path as
     * composed dense filters (k² multiply-adds per output against 2k per term): at k = 13 that was slower than the
     * general path on 14² planes (372 against 450 Mpx/s), at k = 11 and below faster.
     */
    static final int SEPARABLE_CHANNEL_MAX_K = 11;

    /**
     * Planes narrower than a vector (ConvNeXt's 14² and 7² stages with 16 lanes) and k with block kernels: vectors
     * run over channels instead of x ({@link #denseChannels}).
     */
    static boolean channelPath(Geometry g) {
        return BlockKernels.hasBlockKernels(g.k) && g.w < L && g.w >= BlockKernels.CHAN_PIXELS[BlockKernels.CHAN_PIXELS.length - 1];
    }

    /**
     * Dense k×k filters on planes narrower than a vector, L planes at a time with the planes in the vector lanes:
     * the L planes of a group are gathered into a channel-interleaved padded tile ((h + 2r) × (w + 2r) cells of L
     * floats, padding through the padding tables), the taps of their channels into L-lane tap vectors, then
     * {@link BlockKernels#chan} computes 8, 7 or 4 output pixels per call ({@link #pixelsPerCall}) with every cell vector loaded
     * once per filter row and fed to every output it reaches (7×7: ~18 loads per output vector, all aligned), and the
     * result is scattered back into the L output planes. Rows: the last call overlaps the one before when the count does
     * not divide w. With x in the lanes, a 14-wide row fills 14 of 16 lanes only with a padded copy, and a 7-wide row
     * less than half; the general paths ran ConvNeXt's 14² and 7² stages at a quarter of PyTorch's speed. A group's
     * planes may straddle batch items (each lane has its own plane and channel); the last group's unused lanes repeat
     * its last plane and are not written back. Every output is summed in the order (i, j) whatever the thread count.
     */
    void denseChannels(Tensor4 x, float[] wts, Geometry g, Tensor4 out) {
        final int groups = (g.planes + L - 1) / L;
        final int kk = g.k * g.k;
        final int c = x.c();
        // the taps as L-lane vectors: when L divides C every group starts at a multiple of L in the channels, so one
        // table of C/L groups of tap vectors serves all (rebuilt per call, since the filters' array may have changed,
        // into a buffer the engine keeps); otherwise each group builds its own
        final float[] table;
        if (c % L == 0) {
            if (tapBuf.length < c * kk) {
                tapBuf = new float[c * kk];
            }
            table = tapBuf;
            tapTable(wts, c, kk, table);
        } else {
            table = null;
        }
        final int px = pixelsPerCall(g.w);
        g.cellOf(); // made here, before the workers start (their start publishes it to them)
        scheduler.runUnits(groups, (sc, grp) -> channelGroup(x, wts, table, px, g, out, grp, sc));
    }

    /** Taps of channels c0 … c0+L−1 as vectors: table[(c0/L)·kk·L + e·L + p] = wts[(c0 + p)·kk + e]. */
    private static void tapTable(float[] wts, int c, int kk, float[] t) {
        for (int ch = 0; ch < c; ch++) {
            int g0 = ch / L * kk * L;
            int p = ch % L;
            for (int e = 0; e < kk; e++) {
                t[g0 + e * L + p] = wts[ch * kk + e];
            }
        }
    }

    /**
     * Output pixels per call of the channel kernels for a row of w ≥ the smallest count: the count whose calls
     * compute the fewest pixels (the last call of a row overlaps the one before), the larger on a tie (7 for
     * ConvNeXt's 7- and 14-wide rows).
     */
    static int pixelsPerCall(int w) {
        int best = -1;
        long bestCost = Long.MAX_VALUE;
        for (int px : BlockKernels.CHAN_PIXELS) {
            if (px > w) {
                continue;
            }
            long cost = (long) (w + px - 1) / px * px;
            if (cost < bestCost) {
                bestCost = cost;
                best = px;
            }
        }
        return best;
    }

    private static void channelGroup(Tensor4 x, float[] wts, float[] table, int px, Geometry g, Tensor4 out,
                                     int grp, Scratch sc) {
        final int k = g.k;
        final int kk = k * k;
        final int h = g.h;
        final int w = g.w;
        final int hw = h * w;
        final int pw = w + 2 * g.r;
        final int ts = pw * L;
        // bands of rows, so that the interleaved tile stays near TILE_FLOATS however tall the planes are
        final int band = (int) Math.max(1, Math.min(h, (long) TILE_FLOATS / ts - 2L * g.r));
        final int p0 = grp * L;
        final int np = Math.min(L, g.planes - p0);
        sc.ensureChannels((band + 2 * g.r) * ts, band * w * L, kk * L);
        final float[] t = sc.chanTile;
        final float[] o = sc.chanOut;
        final float[] wt = sc.chanTaps;
        final float[] in = x.data();
        final float[] dst = out.data();
        final int[] lanes = sc.chanIndex; // lane p reads plane p0 + min(p, np − 1): offsets from the first plane
        for (int p = 0; p < L; p++) {
            lanes[p] = Math.min(p, np - 1) * hw;
        }
        final int wo;
        if (table != null) {
            wo = (p0 % x.c()) / L * kk * L;
        } else {
            wo = 0;
            for (int p = 0; p < L; p++) {
                int fo = ((p0 + Math.min(p, np - 1)) % x.c()) * kk;
                for (int e = 0; e < kk; e++) {
                    wt[e * L + p] = wts[fo + e];
                }
            }
        }
        final float[] taps = table != null ? table : wt;
        final int base0 = p0 * hw;
        final int last = w - px;
        for (int y0 = 0; y0 < h; y0 += band) {
            final int rows = Math.min(band, h - y0);
            // tile rows: padded rows y0 … y0 + rows + 2r − 1, i.e. mapY entries from y0
            gatherChannels(in, base0, hw, lanes, g, y0, rows, t, sc);
            for (int y = 0; y < rows; y++) {
                for (int x0 = 0; ; x0 += px) {
                    if (x0 > last) {
                        x0 = last;
                    }
                    BlockKernels.chan(k, px, t, y * ts + x0 * L, ts, taps, wo, o, (y * w + x0) * L);
                    if (x0 == last) {
                        break;
                    }
                }
            }
            final int n = rows * w;
            final int e0 = y0 * w;
            // lanes of a partial group repeat its last plane and hold its values: they write them again
            if (L == 16 && n >= TRANSPOSE_MIN_PIXELS) {
                scatterChannels(o, n, dst, base0 + e0, lanes, sc);
            } else {
                Mac.scatterPlanes(o, n, dst, base0 + e0, lanes);
            }
        }
    }

    /**
     * Pixels per plane (in a band) from which the channel path moves data with 16×16 transposes rather than one
     * gather or scatter per cell. Transposes work in chunks of 16 pixels, the last overlapping the one before: on
     * 7² planes (49 pixels, 4 chunks for 49) they were 9 % slower than gathers on JDK 17 (12 % faster on JDK 25), on
     * 14² planes 14 % (JDK 17) and 50 % (JDK 25) faster.
     */
    static final int TRANSPOSE_MIN_PIXELS = 64;

    /**
     * Fills the channel-interleaved tile for output rows y0 … y0+rows−1 (tile rows: padded rows y0 − r …): with 16
     * lanes and at least {@link #TRANSPOSE_MIN_PIXELS} interior pixels, the interior cells come from 16×16 transposes of the planes' contiguous
     * pixels (every plane read in chunks of 16 consecutive pixels, the last chunk overlapping the one before; cheaper
     * than one gather per cell: 62 against 78 ns per 256 floats on JDK 17, 30 on JDK 25), the padding cells from
     * gathers through the padding tables (zero padding: zero stores); otherwise every cell by a gather.
     */
    private static void gatherChannels(float[] in, int base0, int hw, int[] lanes, Geometry g, int y0, int rows,
                                       float[] t, Scratch sc) {
        final int w = g.w;
        final int r = g.r;
        final int pw = w + 2 * r;
        final int ph = rows + 2 * r;
        final int rowLo = Math.max(0, y0 - r);                // interior rows of the plane in the tile
        final int rowHi = Math.min(g.h, y0 + rows + r);
        final int eLo = rowLo * w;
        final int eHi = rowHi * w;
        final boolean transposes = L == 16 && eHi - eLo >= TRANSPOSE_MIN_PIXELS;
        // one gather per cell, or zero; with transposes only the padding cells (rows outside the plane, and the r
        // columns on each side of every row)
        final int[] mapX = g.mapX;
        final int[] mapY = g.mapY;
        final jdk.incubator.vector.FloatVector zero = jdk.incubator.vector.FloatVector.zero(Mac.S);
        for (int v = 0; v < ph; v++) {
            int padded = y0 - r + v;
            boolean interiorRow = padded >= 0 && padded < g.h;
            int sy = mapY[y0 + v];
            for (int u = 0; u < pw; u++) {
                if (transposes && interiorRow && u >= r && u < r + w) {
                    continue;
                }
                int q = (v * pw + u) * L;
                int sx = mapX[u];
                if (sy < 0 || sx < 0) {
                    zero.intoArray(t, q);
                } else {
                    Mac.gatherCell(in, base0 + sy * w + sx, lanes, t, q);
                }
            }
        }
        if (!transposes) {
            return;
        }
        // interior cells: flat pixel e of the plane → tile cell (e / w − (y0 − r), e % w + r)
        final int[] cellOf = g.cellOf();
        final int shift = y0 * pw * L;
        final int[] so = sc.transSrc;
        final int[] dOff = sc.transDst;
        final int lastChunk = eHi - 16;
        for (int e = eLo; ; e += 16) {
            if (e > lastChunk) {
                e = lastChunk;
            }
            for (int i = 0; i < 16; i++) {
                so[i] = base0 + lanes[i] + e;
                dOff[i] = cellOf[e + i] - shift;
            }
            Mac.transpose16(in, so, t, dOff);
            if (e == lastChunk) {
                break;
            }
        }
    }

    /**
     * The output tile's n cells (pixel e of the band at o[e·L …]) back into the planes, through 16×16 transposes
     * (chunks of 16 pixels, the last overlapping the one before). Lanes of a partial group repeat its last plane,
     * whose values they hold, so they write that plane's pixels again with the same values.
     */
    private static void scatterChannels(float[] o, int n, float[] dst, int d, int[] lanes, Scratch sc) {
        final int[] so = sc.transSrc;
        final int[] dOff = sc.transDst;
        final int lastChunk = n - 16;
        for (int e = 0; ; e += 16) {
            if (e > lastChunk) {
                e = lastChunk;
            }
            for (int i = 0; i < 16; i++) {
                so[i] = (e + i) * L;
                dOff[i] = d + lanes[i] + e;
            }
            Mac.transpose16(o, so, dst, dOff);
            if (e == lastChunk) {
                break;
            }
        }
    }
}
