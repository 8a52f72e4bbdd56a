package org.scalespace.backend.simd;

import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.HostConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The {@code simd} backend: Java Vector API (FloatVector.SPECIES_PREFERRED), multi-threaded, float32 accumulation.
 * This class checks the call and picks the path for its shape; the paths live in their own classes:
 * {@link SeparablePaths}, {@link DensePaths}, {@link ChannelPath}; the border code in {@link PaddedRows}; the vector
 * kernels in {@link Mac} and the generated {@link MacKernels} and {@link BlockKernels}; the threads in
 * {@link Scheduler}.
 *
 * <p><b>Separable path — one fused pass, no full-size intermediate.</b> A unit of work is a band of output rows of one
 * plane. Each input row the band needs (its rows plus r halo rows above and below, mapped through the vertical
 * padding) is copied once into a padded row whose r border samples on each side come from the horizontal padding
 * (the only border code, {@link PaddedRows#fillPaddedRow}; everything after it is branch-free). Two schedules:
 * <ul>
 *   <li>wide planes (w ≥ {@value #RING_MIN_WIDTH}): the row pass (column taps, along x) turns each padded row into one
 *       filtered row per term in a ring of k rows; as soon as the ring holds the k rows an output row needs, the
 *       column pass (row taps, along y) sums them into the output row. The ring (k·T rows) stays in L1/L2
 *       ({@link SeparablePaths#separableBand}).</li>
 *   <li>narrow planes: the padded band is one flat tile with row stride w + 2r, so the row pass H[q] = Σ_j
 *       col[j]·P[q+j] and the column pass O[q] = Σ_i row[i]·H[q + i·stride] run as single long vector loops over the
 *       whole tile (at most {@value Geometry#TILE_FLOATS} floats, L2-resident); values in the padding columns are
 *       computed and dropped ({@link SeparablePaths#separableTile}).</li>
 * </ul>
 * One term per channel and k = 3, 5, …, 13 (the k with generated block kernels), at any width w ≥ L: no tile; the
 * vertical pass goes first, in blocks of 8 output rows read straight from the input plane
 * ({@link SeparablePaths#separableBlocks}), and the horizontal pass filters each block into the output plane (planes
 * of fewer than 8 rows: the flat tile). Channels with two or more terms, for those k: the dense filter the terms sum
 * to, through the dense block kernels, which is as fast or faster. Either way each input pixel comes from memory once
 * (the 2r rows two 8-row blocks share are read again from cache) and each output pixel is written once (8 bytes per
 * pixel).
 *
 * <p><b>Dense path.</b> The same flat padded tile. k = 3, 5, …, 13 (w ≥ L, bands of at least 8 rows): blocks of 8
 * output rows with all k² taps of each output summed in registers ({@link DensePaths#denseBlocks},
 * {@link BlockKernels#denseBlock8}): each padded input vector is loaded once per block and tap column and feeds up to
 * min(k, 8) output rows, so loads, not FMAs, are few (7×7: about 18 per output vector). Other k, wide planes: output
 * rows in pairs, each padded input row loaded once per pair and multiplied by two filter rows (one per output row), so
 * a k×k filter costs (k+1)·k loads and 2k² FMAs per two output vectors instead of 2k² of each
 * ({@link DensePaths#denseTile}). Other k, narrow planes: O[q] = Σ_{i,j} A[i][j]·P[q + i·stride + j] as long flat
 * loops in L1-sized chunks (per-row calls would cost more than they save; {@link DensePaths#denseTileFlat}).
 *
 * <p><b>Planes narrower than a vector</b> (L > w ≥ 4, k = 3 … 13; separable banks up to k = 11 as composed dense
 * filters): the planes go into the vector lanes, L at a time ({@link ChannelPath#denseChannels}).
 *
 * <p><b>Threads.</b> Units (planes × bands) are handed out dynamically, in shrinking runs of consecutive units
 * ({@link Scheduler#GUIDED_DIVISOR}), to {@code threads} workers: the calling thread and a fixed team of daemon threads
 * owned by the engine ({@link SpinTeam}: between calls they spin for half a millisecond before parking, since waking a
 * parked thread costs ~70 µs on a VM). Each worker has its own scratch ({@link Scratch}), reused across calls. Calls on
 * one engine are serialised; {@link #close()} stops the team. Every output value is computed by the same operations in
 * the same order whatever the thread count and band split, so results are bit-identical across them.
 *
 * <p>Load this class only after {@link VectorSupport#unavailableReason()} is empty.
 */
public final class SimdConvEngine extends HostConvEngine {

    static final int L = Mac.L;

    /** Planes at least this wide run the separable filters through the row ring, narrower ones through flat tiles. */
    static final int RING_MIN_WIDTH = 128;

    private final int ringMinWidth;
    private final Scheduler scheduler;
    private final ChannelPath channels;
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
        this.scheduler = new Scheduler(threads);
        this.channels = new ChannelPath(scheduler);
    }

    @Override
    public String name() {
        return "simd";
    }

    public int threads() {
        return scheduler.threads();
    }

    /** Vector lanes of the preferred species (16 with AVX-512, 8 with AVX2). */
    public static int lanes() {
        return L;
    }

    @Override
    public void close() {
        closed = true;
        scheduler.close();
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
        // planes narrower than a vector: as the composed dense filters, planes in the lanes
        if (ChannelPath.channelPath(g) && g.k <= ChannelPath.SEPARABLE_CHANNEL_MAX_K) {
            channels.denseChannels(x, composedDense(bank), g, out);
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
        scheduler.run(g, maxBand, blocks ? BlockKernels.BLOCK_ROWS : 1, (sc, plane, y0, y1) -> {
            int c = plane % x.c();
            int base = plane * g.h * g.w;
            int tapBase = c * SeparableBank.MAX_TERMS * g.k;
            if (counts[c] == 0) {
                java.util.Arrays.fill(out.data(), base + y0 * g.w, base + y1 * g.w, 0f);
            } else if (ring) {
                sc.ensure(g, maxTerms * g.k * g.vecW);
                SeparablePaths.separableBand(x.data(), out.data(), base, g, y0, y1, counts[c], rowTaps, colTaps,
                        tapBase, sc);
            } else if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS && counts[c] == 1) {
                sc.ensureBlocks(g);
                SeparablePaths.separableBlocks(x.data(), out.data(), base, g, y0, y1, rowTaps, colTaps, tapBase,
                        sc);
            } else if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS) {
                sc.ensureTileBlocks(g, y1 - y0);
                DensePaths.denseBlocks(x.data(), out.data(), base, g, y0, y1, dense, c * kk, sc);
            } else {
                sc.ensureTile(g, y1 - y0);
                SeparablePaths.separableTile(x.data(), out.data(), base, g, y0, y1, counts[c], rowTaps, colTaps,
                        tapBase, sc);
            }
        });
    }

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

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters f, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, f, padding, out);
        checkOpen();
        Geometry g = new Geometry(x, f.k(), padding);
        boolean wide = g.w >= ringMinWidth;
        // k = 3, 5, …, 13: blocks of 8 output rows with all k² taps summed in registers (shorter bands: the general paths)
        if (ChannelPath.channelPath(g)) {
            channels.denseChannels(x, f.data(), g, out);
            return;
        }
        boolean blocks = BlockKernels.hasBlockKernels(g.k) && g.w >= L;
        // k with block kernels (3 … 13, odd): bands on 8-row boundaries (no overlapping last block inside a plane)
        int maxBand = blocks ? Math.max(BlockKernels.BLOCK_ROWS, g.tileRows / BlockKernels.BLOCK_ROWS * BlockKernels.BLOCK_ROWS) : g.tileRows;
        scheduler.run(g, maxBand, blocks ? BlockKernels.BLOCK_ROWS : 1, (sc, plane, y0, y1) -> {
            int c = plane % x.c();
            if (blocks && y1 - y0 >= BlockKernels.BLOCK_ROWS) {
                sc.ensureTileBlocks(g, y1 - y0);
                DensePaths.denseBlocks(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k,
                        sc);
                return;
            }
            sc.ensureTile(g, y1 - y0);
            if (wide) {
                DensePaths.denseTile(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k,
                        sc);
            } else {
                DensePaths.denseTileFlat(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(),
                        c * g.k * g.k, sc);
            }
        });
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("simd: engine is closed");
        }
    }
}
