package org.scalespace.backend.simd;

import java.util.concurrent.atomic.AtomicInteger;
import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.HostConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The {@code simd} backend: Java Vector API (FloatVector.SPECIES_PREFERRED; the vector kernels are in {@link Mac}),
 * multi-threaded, float32 accumulation.
 *
 * <p><b>Separable path — one fused pass, no full-size intermediate.</b> A unit of work is a band of output rows of one
 * plane. Each input row the band needs (its rows plus r halo rows above and below, mapped through the vertical
 * padding) is copied once into a padded row whose r border samples on each side come from the horizontal padding
 * (the only border code, {@link #fillPaddedRow}; everything after it is branch-free). Two schedules:
 * <ul>
 *   <li>wide planes (w ≥ {@value #RING_MIN_WIDTH}): the row pass (column taps, along x) turns each padded row into one
 *       filtered row per term in a ring of k rows; as soon as the ring holds the k rows an output row needs, the
 *       column pass (row taps, along y) sums them into the output row. The ring (k·T rows) stays in L1/L2.</li>
 *   <li>narrow planes: the padded band is one flat tile with row stride w + 2r, so the row pass H[q] = Σ_j
 *       col[j]·P[q+j] and the column pass O[q] = Σ_i row[i]·H[q + i·stride] run as single long vector loops over the
 *       whole tile (at most {@value #TILE_FLOATS} floats, L2-resident); values in the padding columns are computed
 *       and dropped.</li>
 * </ul>
 * One term per channel and k = 3, 5, …, 13 (the k with generated block kernels), at any width w ≥ L: no tile; the
 * vertical pass goes first, in blocks of 8 output rows read straight from the input plane ({@link #separableBlocks}),
 * and the horizontal pass filters each block into the output plane (planes of fewer than 8 rows: the flat tile).
 * Channels with two or more terms, for those k: the dense filter the terms sum to, through the dense block kernels,
 * which is as fast or faster. Either way each input pixel comes from memory once (the 2r rows two 8-row blocks share
 * are read again from cache) and each output pixel is written once (8 bytes per pixel).
 *
 * <p><b>Dense path.</b> The same flat padded tile. k = 3, 5, …, 13 (w ≥ L, bands of at least 8 rows): blocks of 8
 * output rows with all k² taps of each output summed in registers ({@link #denseBlocks}, {@link BlockKernels#denseBlock8}):
 * each padded input vector is loaded once per block and tap column and feeds up to min(k, 8) output rows, so loads,
 * not FMAs, are few (7×7: about 18 per output vector). Other k, wide planes: output rows in pairs, each padded input
 * row loaded once per pair and multiplied by two filter rows (one per output row), so a k×k filter costs (k+1)·k
 * loads and 2k² FMAs per two output vectors instead of 2k² of each. Other k, narrow planes: O[q] = Σ_{i,j}
 * A[i][j]·P[q + i·stride + j] as long flat loops in L1-sized chunks (per-row calls would cost more than they save).
 *
 * <p><b>Planes narrower than a vector</b> (L > w ≥ 4, k = 3 … 13; separable banks up to k = 11 as composed dense
 * filters): the planes go into the vector lanes, L at a time ({@link #denseChannels}).
 *
 * <p><b>Threads.</b> Units (planes × bands) are handed out dynamically, in shrinking runs of consecutive units
 * ({@link #GUIDED_DIVISOR}), to {@code threads} workers: the calling thread and a fixed team of daemon threads owned
 * by the engine ({@link SpinTeam}: between calls they spin for half a millisecond before parking, since waking a
 * parked thread costs ~70 µs on a VM). Each worker has its own scratch, reused across calls. Calls on one engine are
 * serialised; {@link #close()} stops the team. Every output value is computed by the same operations in the same
 * order whatever the thread count and band split, so results are bit-identical across them.
 *
 * <p>Load this class only after {@link VectorSupport#isAvailable()}.
 */
public final class SimdConvEngine extends HostConvEngine {

    static final int L = Mac.L;

    /** Target size of one flat tile in floats (256 KiB: P, H and O tiles stay in L2). */
    static final int TILE_FLOATS = 64 * 1024;

    /** Planes at least this wide run the separable filters through the row ring, narrower ones through flat tiles. */
    static final int RING_MIN_WIDTH = 128;

    /**
     * Units of work per thread that the band split aims for when there are few planes, so that dynamic scheduling
     * can balance threads that are slowed down (e.g. by other processes on a shared machine).
     */
    static final int UNITS_PER_THREAD = 16;

    /** Smallest band height worth splitting a plane into (the halo of 2r rows is recomputed per band). */
    private static final int MIN_BAND_ROWS = 64;

    private final int threads;
    private final int ringMinWidth;
    private final SpinTeam team;
    private final Scratch[] scratch;
    private volatile boolean closed;

    /** An engine using all available processors. */
    public SimdConvEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** An engine using {@code threads} threads (the caller's plus threads − 1 pool threads). */
    public SimdConvEngine(int threads) {
        this(threads, RING_MIN_WIDTH);
    }

    /**
     * For tests: the width from which the separable filters use the row ring instead of flat tiles, and the dense
     * filters row pairs instead of flat chunks.
     */
    SimdConvEngine(int threads, int ringMinWidth) {
        this.ringMinWidth = ringMinWidth;
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("simd: threads = " + threads + "; accepted: 1 … 1024");
        }
        this.threads = threads;
        this.scratch = new Scratch[threads];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new Scratch();
        }
        if (threads > 1) {
            team = new SpinTeam(threads - 1, "scalespace-simd");
        } else {
            team = null;
        }
    }

    @Override
    public String name() {
        return "simd";
    }

    public int threads() {
        return threads;
    }

    /** Vector lanes of the preferred species (16 with AVX-512, 8 with AVX2). */
    public static int lanes() {
        return L;
    }

    @Override
    public void close() {
        closed = true;
        if (team != null) {
            team.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ separable

    @Override
    public synchronized void separable(Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out) {
        ConvChecks.check("separable", x, bank, padding, out);
        checkOpen();
        Geometry g = new Geometry(x, bank.k(), padding);
        int maxTerms = Math.max(1, bank.maxTerms());
        float[] rowTaps = bank.packedRowTaps();
        float[] colTaps = bank.packedColTaps();
        int[] counts = bank.termCounts();
        if (channelPath(g) && g.k <= SEPARABLE_CHANNEL_MAX_K) { // as the composed dense filters, planes in the lanes
            denseChannels(x, composedDense(bank), g, out);
            return;
        }
        boolean blocks = BlockKernels.hasBlockKernels(g.k) && g.w >= L;
        // k with block kernels (3 … 13, odd), at every width (faster than the ring on wide planes too): one-term
        // channels take the vertical pass in blocks of 8 rows straight from the input, then the horizontal pass (no
        // tile, so a bank of one-term channels needs no tile-sized bands); channels with two or more terms run as the
        // dense filter their terms sum to (composed in double precision, rounded once to float32) through the dense
        // block kernels: there two 7-tap terms cost about as much as the dense 7×7 filter (~20 memory operations per
        // output vector either way) and three or four cost more, while the per-term row and column passes ran fits
        // with up to four terms (gain, offset, dog) at half the speed of the learned dense filters. Bands on 8-row
        // boundaries; bands of fewer rows (planes shorter than 8 rows) take the general paths.
        boolean oneTerm = blocks && maxTerms == 1;
        float[] dense = blocks && maxTerms > 1 ? composedDense(bank) : null;
        boolean ring = g.w >= ringMinWidth && !blocks;
        int maxBand = ring || oneTerm ? Integer.MAX_VALUE
                : blocks ? Math.max(BlockKernels.BLOCK_ROWS, g.tileRows / BlockKernels.BLOCK_ROWS * BlockKernels.BLOCK_ROWS) : g.tileRows;
        int kk = g.k * g.k;
        run(g, maxBand, blocks ? BlockKernels.BLOCK_ROWS : 1, (sc, plane, y0, y1) -> {
            int c = plane % x.c();
            int base = plane * g.h * g.w;
            int tapBase = c * SeparableBank.MAX_TERMS * g.k;
            if (counts[c] == 0) {
                java.util.Arrays.fill(out.data(), base + y0 * g.w, base + y1 * g.w, 0f);
            } else if (ring) {
                sc.ensure(g, maxTerms * g.k * g.vecW);
                separableBand(x.data(), out.data(), base, g, y0, y1, counts[c], rowTaps, colTaps, tapBase, sc);
            } else if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS && counts[c] == 1) {
                sc.ensureBlocks(g);
                separableBlocks(x.data(), out.data(), base, g, y0, y1, rowTaps, colTaps, tapBase, sc);
            } else if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS) {
                sc.ensureTileBlocks(g, y1 - y0);
                denseBlocks(x.data(), out.data(), base, g, y0, y1, dense, c * kk, sc);
            } else {
                sc.ensureTile(g, y1 - y0);
                separableTile(x.data(), out.data(), base, g, y0, y1, counts[c], rowTaps, colTaps, tapBase, sc);
            }
        });
    }

    /** {@link #denseChannels}'s table of tap vectors, reused across calls (calls are serialised). */
    private float[] tapBuf = new float[0];

    private SeparableBank composedOf;
    private float[] composed;

    /** The dense filters the bank's terms sum to (cached for the last bank; calls are serialised). */
    private float[] composedDense(SeparableBank bank) {
        if (composedOf != bank) {
            composed = bank.toDense().data();
            composedOf = bank;
        }
        return composed;
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
    private static void separableBlocks(float[] in, float[] out, int base, Geometry g, int y0, int y1,
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

    private static void separableBand(float[] in, float[] out, int base, Geometry g, int y0, int y1, int nt,
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

    // ------------------------------------------------------------------------------------------------ dense

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters f, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, f, padding, out);
        checkOpen();
        Geometry g = new Geometry(x, f.k(), padding);
        boolean wide = g.w >= ringMinWidth;
        // k = 3, 5, …, 13: blocks of 8 output rows with all k² taps summed in registers (shorter bands: the general paths)
        if (channelPath(g)) {
            denseChannels(x, f.data(), g, out);
            return;
        }
        boolean blocks = BlockKernels.hasBlockKernels(g.k) && g.w >= L;
        // k with block kernels (3 … 13, odd): bands on 8-row boundaries (no overlapping last block inside a plane)
        int maxBand = blocks ? Math.max(BlockKernels.BLOCK_ROWS, g.tileRows / BlockKernels.BLOCK_ROWS * BlockKernels.BLOCK_ROWS) : g.tileRows;
        run(g, maxBand, blocks ? BlockKernels.BLOCK_ROWS : 1, (sc, plane, y0, y1) -> {
            int c = plane % x.c();
            if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS) {
                sc.ensureTileBlocks(g, y1 - y0);
                denseBlocks(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k, sc);
                return;
            }
            sc.ensureTile(g, y1 - y0);
            if (wide) {
                denseTile(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k, sc);
            } else {
                denseTileFlat(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k, sc);
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ flat tiles

    /**
     * Fills the padded tile P for output rows y0 … y1−1: rows y0−r … y1−1+r, each w + 2r wide (stride), through the
     * vertical and horizontal padding. Element (v, p) of the padded plane is at (v − y0 + r)·stride + p.
     */
    private static void fillTile(float[] in, int base, Geometry g, int y0, int y1, Scratch sc) {
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
     * Separable filter of a band through flat tiles, for narrow planes: the padded band P is one long row (stride
     * w + 2r), so the row pass is H[q] = Σ_j col[j]·P[q+j] and the column pass O[q] = Σ_i row[i]·H[q + i·stride] over
     * the whole tile in single long vector loops (positions in the 2r padding columns are computed and dropped).
     */
    private static void separableTile(float[] in, float[] out, int base, Geometry g, int y0, int y1, int nt,
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

    /**
     * {@link #fillTile} with vector moves for the rows (w ≥ L). With zero padding along x the r padding columns on
     * each side of every tile row hold zeros, and no row copy writes them, so they are written only when the tile
     * has not been filled at this stride since it was last used otherwise ({@link Scratch#zeroPadStride}): per
     * row only the vector copy is left.
     */
    private static void fillTileVector(float[] in, int base, Geometry g, int y0, int y1, Scratch sc) {
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

    /**
     * Dense k×k filter (k with block kernels) of a band of at least {@link BlockKernels#BLOCK_ROWS} rows (w ≥ L): the padded
     * tile P is filled with vector moves, then {@link BlockKernels#denseBlock8} writes blocks of 8 output rows straight into
     * the output plane, the last block overlapping the one before when 8 does not divide the band (it rewrites those
     * rows with the same values: every output is summed in the same order wherever its block starts).
     */
    private static void denseBlocks(float[] in, float[] out, int base, Geometry g, int y0, int y1, float[] wts,
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
    private void denseChannels(Tensor4 x, float[] wts, Geometry g, Tensor4 out) {
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
        runUnits(groups, (sc, grp) -> channelGroup(x, wts, table, px, g, out, grp, sc));
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

    /**
     * Dense k×k filter of a band over the flat padded tile: output rows are taken in pairs (y, y+1), and each padded
     * input row m = 0 … k feeds both (filter row m for y, filter row m − 1 for y+1) from one set of loads.
     * O[y·stride + x] = Σ_{i,j} A[i][j]·P[(y+i)·stride + x + j].
     */
    private static void denseTile(float[] in, float[] out, int base, Geometry g, int y0, int y1,
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
    private static void denseTileFlat(float[] in, float[] out, int base, Geometry g, int y0, int y1,
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

    static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }

    // ------------------------------------------------------------------------------------------------ border path

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

    // ------------------------------------------------------------------------------------------------ scheduling

    /** Sizes shared by all units of one call. */
    static final class Geometry {
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
         * start: {@link #denseChannels}).
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
            this.mapX = indexTable(padding, w, r);
            this.mapY = indexTable(padding, h, r);
            boolean z = true;
            for (int p = 0; p < r; p++) {
                z &= mapX[p] < 0 && mapX[r + w + p] < 0;
            }
            this.zeroPadX = z;
        }
    }

    static int[] indexTable(Padding padding, int n, int r) {
        int[] t = new int[n + 2 * r];
        for (int p = 0; p < t.length; p++) {
            t[p] = padding.sourceIndex(p - r, n);
        }
        return t;
    }

    /** Per-worker scratch, grown on demand and reused across calls. */
    static final class Scratch {
        float[] prow = new float[0];
        float[] ring = new float[0];
        float[] orow = new float[0];
        int[] hOffs = new int[0];
        int[] vOffs = new int[0];
        int[] dOffs = new int[0];
        float[] tileP = new float[0];
        float[] tileH = new float[0];
        float[] tileO = new float[0];
        /**
         * When ≥ 0: tileP's padding columns (r on each side of each row of this stride) are zero in its first
         * {@link #zeroPadRows} rows, as {@link #fillTileVector} left them with zero padding; −1 when unknown.
         */
        int zeroPadStride = -1;
        int zeroPadRows;
        /** {@link #separableBlocks}'s block buffer (8 rows of the stride) and its copy of 8 + 2r edge rows. */
        float[] blockBuf = new float[0];
        float[] blockEdge = new float[0];
        /** The stride at which blockBuf's padding columns are known to be zero, or −1. */
        int blockZeroStride = -1;

        /** The channel path's interleaved tile, output tile and tap vectors ({@link #channelGroup}). */
        float[] chanTile = new float[0];
        float[] chanOut = new float[0];
        float[] chanTaps = new float[0];
        final int[] chanIndex = new int[L];
        final int[] transSrc = new int[16];
        final int[] transDst = new int[16];

        void ensureChannels(int tile, int outTile, int taps) {
            if (chanTile.length < tile) {
                chanTile = new float[tile];
            }
            if (chanOut.length < outTile) {
                chanOut = new float[outTile];
            }
            if (chanTaps.length < taps) {
                chanTaps = new float[taps];
            }
        }

        void ensureBlocks(Geometry g) {
            int nb = BlockKernels.BLOCK_ROWS * g.stride;
            if (blockBuf.length < nb) {
                blockBuf = new float[nb];
                blockZeroStride = -1;
            }
            int ne = (BlockKernels.BLOCK_ROWS + 2 * g.r) * g.w;
            if (blockEdge.length < ne) {
                blockEdge = new float[ne];
            }
        }

        void ensureTile(Geometry g, int band) {
            int nOut = roundUp(band * g.stride);
            int nH = roundUp(nOut + 2 * g.r * g.stride);
            int nP = nH + g.k + L; // the row pass reads up to nH + k − 1; the dense taps up to nOut + 2r·stride + 2r
            if (tileP.length < nP) {
                tileP = new float[nP];
            }
            if (tileH.length < nH) {
                tileH = new float[nH];
            }
            int rows2 = 2 * roundUp(g.w); // the dense path's two output row buffers
            if (tileO.length < Math.max(nOut, rows2)) {
                tileO = new float[Math.max(nOut, rows2)];
            }
            ensureOffsets(g);
        }

        void ensureTileBlocks(Geometry g, int band) {
            int nP = (band + 2 * g.r) * g.stride + L; // denseBlock8 reads below (band + 2r − 1)·stride + w + 2r
            if (tileP.length < nP) {
                tileP = new float[nP];
            }
        }

        private void ensureOffsets(Geometry g) {
            if (hOffs.length < g.k) {
                hOffs = new int[g.k];
                vOffs = new int[g.k];
                dOffs = new int[g.k * g.k];
            }
        }

        void ensure(Geometry g, int ringLen) {
            if (prow.length < g.paddedLen) {
                prow = new float[g.paddedLen];
            }
            if (ring.length < ringLen) {
                ring = new float[ringLen];
            }
            if (orow.length < g.vecW) {
                orow = new float[g.vecW];
            }
            if (hOffs.length < g.k) {
                hOffs = new int[g.k];
                vOffs = new int[g.k];
                dOffs = new int[g.k * g.k];
            }
        }
    }

    @FunctionalInterface
    interface BandTask {
        void run(Scratch sc, int plane, int y0, int y1);
    }

    /**
     * Splits the planes into bands and runs {@code task} on all of them. With {@code align} > 1 (a kernel that works
     * in blocks of that many rows) band boundaries fall on multiples of align and every band but a plane shorter
     * than align has at least align rows (the last band of a plane takes the remainder), so the band split, which
     * depends on the thread count, never sends rows to a kernel for short bands.
     */
    private void run(Geometry g, int maxBandRows, int align, BandTask task) {
        // split planes into bands: no band taller than maxBandRows (tile size), and enough units for all threads,
        // but no band below MIN_BAND_ROWS rows for the sake of parallelism alone
        int bands = (int) ((g.h + (long) maxBandRows - 1) / maxBandRows);
        if (threads > 1 && (long) g.planes * bands < UNITS_PER_THREAD * threads) {
            bands = Math.max(bands, Math.min((UNITS_PER_THREAD * threads + g.planes - 1) / g.planes,
                    g.h / MIN_BAND_ROWS));
        }
        int rowUnits = Math.max(1, g.h / align);
        bands = Math.min(bands, rowUnits);
        final int nb = bands;
        runUnits(g.planes * nb, (sc, u) -> {
            int plane = u / nb;
            int b = u % nb;
            int y0 = (int) ((long) b * rowUnits / nb) * align;
            int y1 = b + 1 == nb ? g.h : (int) ((long) (b + 1) * rowUnits / nb) * align;
            task.run(sc, plane, y0, y1);
        });
    }

    @FunctionalInterface
    interface UnitTask {
        void run(Scratch sc, int unit);
    }

    /** Runs {@code task} on units 0 … units−1, handed out to the workers in guided runs of consecutive units. */
    private void runUnits(int units, UnitTask task) {
        AtomicInteger next = new AtomicInteger();
        if (team == null) {
            claim(units, next, scratch[0], task, 1);
            return;
        }
        team.run(worker -> {
            try {
                claim(units, next, scratch[worker], task, threads);
            } catch (Throwable t) {
                next.set(units); // stop the others early
                throw t;
            }
        });
    }

    private static void claim(int units, AtomicInteger next, Scratch sc, UnitTask task, int threads) {
        while (true) {
            int start = next.get();
            if (start >= units) {
                return;
            }
            // guided: consecutive units in shrinking chunks, so each worker streams through neighbouring planes
            int chunk = Math.max(1, (units - start) / (GUIDED_DIVISOR * threads));
            if (!next.compareAndSet(start, Math.min(units, start + chunk))) {
                continue;
            }
            for (int u = start, end = Math.min(units, start + chunk); u < end; u++) {
                task.run(sc, u);
            }
        }
    }

    /**
     * Guided scheduling: a worker claims (units left) / (GUIDED_DIVISOR · threads) consecutive units at a time. With
     * one unit per claim the two workers of the 2-core machine took alternate planes and ran 35–40 % slower on
     * ConvNeXt-sized batches (8×96 planes of 56²: separable 2.5 → 3.9–4.2 Gpx/s, dense 1.5–1.6 → 2.2–2.3 with
     * chunks), most likely because each core's prefetchers ran into the neighbouring plane the other core was reading
     * and writing. Divisor 2 measured at least as fast as 4.
     */
    static final int GUIDED_DIVISOR = 2;

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("simd: engine is closed");
        }
    }
}
