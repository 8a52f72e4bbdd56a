package org.scalespace.backend.simd;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.HostConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The {@code simd} backend: Java Vector API ({@link FloatVector#SPECIES_PREFERRED}), multi-threaded, float32
 * accumulation.
 *
 * <p><b>Separable path — one fused pass.</b> A unit of work is a band of output rows of one plane. Each input row the
 * band needs (its rows plus r halo rows above and below, mapped through the vertical padding) is copied once into a
 * padded row buffer whose r border samples on each side come from the horizontal padding (the only border code:
 * {@link #fillPaddedRow}); the row pass (column taps, along x) turns it into one filtered row per term in a ring of k
 * rows; as soon as the ring holds the k rows an output row needs, the column pass (row taps, along y) sums them into
 * the output row. The ring (k·T rows) stays in L1/L2; there is no full-size intermediate, so the pass reads each input
 * pixel once from memory and writes each output pixel once (8 bytes per pixel). Both passes are vectorised across
 * output pixels and branch-free; the last partial vector of a row is computed in full (padding lanes read zeros or
 * don't-care values) and stored through a small copy.
 *
 * <p><b>Dense path.</b> Same ring, holding k padded input rows; each output vector is Σ_{i,j} A[i][j]·row_i[x+j]
 * (k² FMAs), two output rows at a time so each loaded input vector feeds two accumulators.
 *
 * <p><b>Threads.</b> Units (planes × bands) are handed out dynamically to {@code threads} workers: the calling thread
 * and a fixed pool of daemon threads owned by the engine. Each worker has its own scratch, reused across calls.
 * Calls on one engine are serialised; {@link #close()} stops the pool. Results do not depend on the thread count.
 *
 * <p>Load this class only after {@link VectorSupport#isAvailable()}.
 */
public final class SimdConvEngine extends HostConvEngine {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    /** Smallest band height worth splitting a plane into. */
    private static final int MIN_BAND_ROWS = 32;

    private final int threads;
    private final ExecutorService pool;
    private final Scratch[] scratch;
    private volatile boolean closed;

    /** An engine using all available processors. */
    public SimdConvEngine() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** An engine using {@code threads} threads (the caller's plus threads − 1 pool threads). */
    public SimdConvEngine(int threads) {
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("simd: threads = " + threads + "; accepted: 1 … 1024");
        }
        this.threads = threads;
        this.scratch = new Scratch[threads];
        for (int i = 0; i < threads; i++) {
            scratch[i] = new Scratch();
        }
        if (threads > 1) {
            AtomicInteger id = new AtomicInteger();
            pool = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "scalespace-simd-" + id.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            pool = null;
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
        if (pool != null) {
            pool.shutdownNow();
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
        run(g, (sc, plane, y0, y1) -> {
            sc.ensure(g.paddedLen, maxTerms * g.k * g.vecW);
            int c = plane % x.c();
            separableBand(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, counts[c],
                    rowTaps, colTaps, c * SeparableBank.MAX_TERMS * g.k, sc);
        });
    }

    private static void separableBand(float[] in, float[] out, int base, Geometry g, int y0, int y1, int nt,
                                      float[] rowTaps, float[] colTaps, int tapBase, Scratch sc) {
        final int k = g.k;
        final int r = g.r;
        final int w = g.w;
        final int vw = g.vecW;
        final float[] prow = sc.prow;
        final float[] ring = sc.ring;
        if (nt == 0) {
            java.util.Arrays.fill(out, base + y0 * w, base + y1 * w, 0f);
            return;
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
                    rowPass(prow, colTaps, tapBase + t * k, k, ring, (t * k + slot) * vw, vw);
                }
            }
            int y = v - r;
            if (y >= y0) {
                columnPass(ring, rowTaps, tapBase, k, nt, vw, (y - y0) % k, out, base + y * w, w, sc.tail);
            }
        }
    }

    /** dst[x] = Σ_j taps[j]·src[x+j] for x in [0, vw), vw a multiple of L. */
    private static void rowPass(float[] src, float[] taps, int tapOff, int k, float[] dst, int dstOff, int vw) {
        for (int x = 0; x < vw; x += L) {
            FloatVector acc = FloatVector.fromArray(S, src, x).mul(taps[tapOff]);
            for (int j = 1; j < k; j++) {
                acc = FloatVector.fromArray(S, src, x + j).fma(FloatVector.broadcast(S, taps[tapOff + j]), acc);
            }
            acc.intoArray(dst, dstOff + x);
        }
    }

    /** out[x] = Σ_t Σ_i rowTaps_t[i]·ring[t][(first+i) mod k][x] for x in [0, w). */
    private static void columnPass(float[] ring, float[] taps, int tapBase, int k, int nt, int vw, int first,
                                   float[] out, int outOff, int w, float[] tail) {
        int full = w - L;
        int x = 0;
        for (; x <= full; x += L) {
            columnVector(ring, taps, tapBase, k, nt, vw, first, x).intoArray(out, outOff + x);
        }
        if (x < w) {
            columnVector(ring, taps, tapBase, k, nt, vw, first, x).intoArray(tail, 0);
            System.arraycopy(tail, 0, out, outOff + x, w - x);
        }
    }

    private static FloatVector columnVector(float[] ring, float[] taps, int tapBase, int k, int nt, int vw,
                                            int first, int x) {
        FloatVector acc = FloatVector.zero(S);
        for (int t = 0; t < nt; t++) {
            int tb = tapBase + t * k;
            int rowBase = t * k;
            int slot = first;
            for (int i = 0; i < k; i++) {
                acc = FloatVector.fromArray(S, ring, (rowBase + slot) * vw + x).fma(FloatVector.broadcast(S, taps[tb + i]), acc);
                slot = slot + 1 == k ? 0 : slot + 1;
            }
        }
        return acc;
    }

    // ------------------------------------------------------------------------------------------------ dense

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters f, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, f, padding, out);
        checkOpen();
        Geometry g = new Geometry(x, f.k(), padding);
        run(g, (sc, plane, y0, y1) -> {
            sc.ensure(g.paddedLen, g.k * g.paddedLen);
            int c = plane % x.c();
            denseBand(x.data(), out.data(), plane * g.h * g.w, g, y0, y1, f.data(), c * g.k * g.k, sc);
        });
    }

    private static void denseBand(float[] in, float[] out, int base, Geometry g, int y0, int y1,
                                  float[] wts, int wOff, Scratch sc) {
        final int k = g.k;
        final int r = g.r;
        final int w = g.w;
        final int pl = g.paddedLen;
        final float[] ring = sc.ring;
        for (int v = y0 - r; v < y0 + r; v++) {
            loadRow(in, base, g, v, ring, ((v - y0 + r) % k) * pl);
        }
        for (int y = y0; y < y1; y++) {
            int v = y + r; // newest row this output needs
            loadRow(in, base, g, v, ring, ((v - y0 + r) % k) * pl);
            denseRow(ring, pl, (y - y0) % k, k, wts, wOff, out, base + y * w, w, sc.tail);
        }
    }

    private static void loadRow(float[] in, int base, Geometry g, int v, float[] ring, int off) {
        int sy = g.mapY[v + g.r];
        if (sy < 0) {
            java.util.Arrays.fill(ring, off, off + g.paddedLen, 0f);
        } else {
            fillPaddedRowInto(in, base + sy * g.w, g.w, g.r, g.mapX, ring, off);
        }
    }

    private static void denseRow(float[] ring, int pl, int first, int k, float[] wts, int wOff,
                                 float[] out, int outOff, int w, float[] tail) {
        int full = w - L;
        int x = 0;
        for (; x <= full; x += L) {
            denseVector(ring, pl, first, k, wts, wOff, x).intoArray(out, outOff + x);
        }
        if (x < w) {
            denseVector(ring, pl, first, k, wts, wOff, x).intoArray(tail, 0);
            System.arraycopy(tail, 0, out, outOff + x, w - x);
        }
    }

    private static FloatVector denseVector(float[] ring, int pl, int first, int k, float[] wts, int wOff, int x) {
        FloatVector acc = FloatVector.zero(S);
        int slot = first;
        for (int i = 0; i < k; i++) {
            int ro = slot * pl + x;
            int wo = wOff + i * k;
            for (int j = 0; j < k; j++) {
                acc = FloatVector.fromArray(S, ring, ro + j).fma(FloatVector.broadcast(S, wts[wo + j]), acc);
            }
            slot = slot + 1 == k ? 0 : slot + 1;
        }
        return acc;
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
        final int[] mapX;
        final int[] mapY;

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
            this.mapX = indexTable(padding, w, r);
            this.mapY = indexTable(padding, h, r);
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
        final float[] tail = new float[L];

        void ensure(int prowLen, int ringLen) {
            if (prow.length < prowLen) {
                prow = new float[prowLen];
            }
            if (ring.length < ringLen) {
                ring = new float[ringLen];
            }
        }
    }

    @FunctionalInterface
    interface BandTask {
        void run(Scratch sc, int plane, int y0, int y1);
    }

    private void run(Geometry g, BandTask task) {
        // split planes into bands so that there are enough units for all threads, but not below MIN_BAND_ROWS rows
        int bands = 1;
        if (threads > 1 && g.planes < 4 * threads) {
            bands = Math.max(1, Math.min((4 * threads + g.planes - 1) / g.planes, g.h / MIN_BAND_ROWS));
        }
        final int nb = bands;
        final int units = g.planes * nb;
        AtomicInteger next = new AtomicInteger();
        int workers = Math.min(threads, units);
        List<Future<?>> futures = new ArrayList<>(workers - 1);
        for (int wk = 1; wk < workers; wk++) {
            Scratch sc = scratch[wk];
            futures.add(pool.submit(() -> work(g, nb, units, next, sc, task)));
        }
        Throwable failure = null;
        try {
            work(g, nb, units, next, scratch[0], task);
        } catch (Throwable t) {
            failure = t;
            next.set(units); // stop the others early
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure instanceof RuntimeException re) {
            throw re;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("simd: worker failed", failure);
        }
    }

    private static void work(Geometry g, int bands, int units, AtomicInteger next, Scratch sc, BandTask task) {
        for (int u = next.getAndIncrement(); u < units; u = next.getAndIncrement()) {
            int plane = u / bands;
            int b = u % bands;
            int y0 = (int) ((long) b * g.h / bands);
            int y1 = (int) ((long) (b + 1) * g.h / bands);
            task.run(sc, plane, y0, y1);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("simd: engine is closed");
        }
    }
}
