package org.scalespace.backend.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import org.scalespace.backend.device.Closer;
import org.scalespace.backend.device.FitDefines;
import org.scalespace.backend.device.PackedCandidates;
import org.scalespace.fit.CandidateSet;

/**
 * The coarse fit on one CUDA device: context and stream, module instances cached per {@link FitDefines}, candidate
 * tables cached for the last few candidate sets, scratch buffers grown and reused. Not thread-safe by itself;
 * {@link CudaScorer} serialises calls per device.
 */
final class CudaFitDevice implements AutoCloseable {
    /** Threads per filter, fixed when the PTX is built (SS_WG in kernels/cuda/fit.cu). */
    static final int WORK_GROUP = 64;
    static final int TABLE_CACHE = 4;
    private static final int MAX_CHUNK = 1 << 16;

    final CudaContext ctx;
    private final boolean globalTables;
    private final Map<FitDefines, CudaModule> modules = new LinkedHashMap<>();
    private final Map<CandidateSet, Tables> tables = new IdentityHashMap<>();
    private final List<CandidateSet> tableOrder = new ArrayList<>();
    private final Map<String, CudaBuffer> scratch = new LinkedHashMap<>();
    private boolean closed;

    CudaFitDevice(CudaDevice device, boolean globalTables) {
        this.ctx = new CudaContext(device);
        this.globalTables = globalTables;
    }

    /** Device copies of a candidate set's packed tables. */
    static final class Tables implements AutoCloseable {
        final PackedCandidates p;
        final List<CudaBuffer> buffers = new ArrayList<>();
        final CudaBuffer col;
        final CudaBuffer row;
        final CudaBuffer candIdx;
        final CudaBuffer candF;
        final CudaBuffer blocks;
        CudaBuffer dense;

        Tables(CudaContext ctx, CandidateSet cs) {
            p = new PackedCandidates(cs);
            try {
                col = add(ctx.buffer(4L * p.col.length, "fit column table"));
                ctx.write(col, p.col);
                row = add(ctx.buffer(4L * p.row.length, "fit row table"));
                ctx.write(row, p.row);
                candIdx = add(ctx.buffer(4L * p.idx.length, "fit candidate indices"));
                ctx.write(candIdx, p.idx, 0, p.idx.length);
                candF = add(ctx.buffer(4L * p.f.length, "fit candidate constants"));
                ctx.write(candF, p.f);
                blocks = add(ctx.buffer(4L * p.blockStart.length, "fit block starts"));
                ctx.write(blocks, p.blockStart, 0, p.blockStart.length);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private CudaBuffer add(CudaBuffer b) {
            buffers.add(b);
            return b;
        }

        CudaBuffer dense(CudaContext ctx, CandidateSet cs) {
            if (dense == null) {
                float[] fd = PackedCandidates.denseFloats(cs);
                dense = add(ctx.buffer(4L * fd.length, "fit dense templates (l1)"));
                ctx.write(dense, fd);
            }
            return dense;
        }

        @Override
        public void close() {
            RuntimeException first = null;
            for (int i = buffers.size() - 1; i >= 0; i--) {
                try {
                    buffers.get(i).close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
            buffers.clear();
            if (first != null) {
                throw first;
            }
        }
    }

    private Tables tables(CandidateSet cs) {
        Tables t = tables.get(cs);
        if (t != null) {
            tableOrder.remove(cs);
            tableOrder.add(cs);
            return t;
        }
        if (tableOrder.size() >= TABLE_CACHE) {
            tables.remove(tableOrder.remove(0)).close();
        }
        t = new Tables(ctx, cs);
        tables.put(cs, t);
        tableOrder.add(cs);
        return t;
    }

    private CudaBuffer scratch(String what, long bytes) {
        CudaBuffer b = scratch.get(what);
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        long size = Math.max(bytes, b == null ? 0 : 2 * b.bytes);
        if (b != null) {
            scratch.remove(what);
            b.close();
        }
        b = ctx.buffer(Math.max(4, size), what);
        scratch.put(what, b);
        return b;
    }

    /** The PTX variant for a specialisation: a k = 7 build where one exists, else the generic one. */
    static String variant(FitDefines d) {
        String base = "fit_m" + d.mode() + "_t" + (d.localTables() ? 1 : 0);
        return d.k() == 7 && CudaPtx.has(base + "_k7") ? base + "_k7" : base;
    }

    private CudaModule module(FitDefines d) {
        CudaModule m = modules.get(d);
        if (m == null) {
            Map<String, Integer> c = new HashMap<>();
            c.put("ss_c_k", d.k());
            c.put("ss_c_blocks", d.blocks());
            c.put("ss_c_numcol", d.numCol());
            c.put("ss_c_numrow", d.numRow());
            c.put("ss_c_max_terms", d.maxTerms());
            m = new CudaModule(ctx, variant(d), c);
            modules.put(d, m);
        }
        return m;
    }

    FitDefines defines(CandidateSet cs, Tables t, int mode) {
        boolean l1 = mode == 3;
        int nc = l1 ? 0 : t.p.numCol;
        int nr = l1 ? 0 : t.p.numRow;
        int mt = l1 ? 1 : t.p.maxTerms;
        FitDefines local = new FitDefines(cs.k, cs.blocks(), mode, WORK_GROUP, nc, nr, mt, true);
        long limit = Math.max(ctx.device.maxSharedPerBlock(), ctx.device.maxSharedOptin());
        if (!globalTables && local.localBytes() <= limit) {
            return local;
        }
        FitDefines global = new FitDefines(cs.k, cs.blocks(), mode, WORK_GROUP, nc, nr, mt, false);
        if (global.localBytes() > limit) {
            throw new IllegalStateException("the fit kernel for k = " + cs.k + " needs " + global.localBytes()
                    + " bytes of shared memory; device " + ctx.device.describe() + " allows " + limit);
        }
        return global;
    }

    /** Scores filters [0, count) of the packed arrays; results into outBest/outScore at the same offsets. */
    void run(CandidateSet cs, int mode, float[] h, float[] off, float[] inv, int from, int count, int[] outBest,
             float[] outScore) {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        int kk = cs.kk;
        int blocks = cs.blocks();
        ctx.makeCurrent();
        Tables t = tables(cs);
        FitDefines d = defines(cs, t, mode);
        CudaBuffer dense = mode == 3 ? t.dense(ctx, cs) : null;
        CudaModule mod = module(d);
        CUfunction fn = mod.function("ss_fit_coarse");
        int shared = (int) d.localBytes();
        mod.allowShared("ss_fit_coarse", shared);
        long wPerFilter = d.localTables() ? 0 : 4L * d.numCol() * cs.k;
        int chunk = Math.min(MAX_CHUNK, count);
        CudaBuffer fb = scratch("fit filters", 4L * chunk * kk);
        CudaBuffer ob = scratch("fit frame offsets", 4L * chunk * blocks);
        CudaBuffer ib = scratch("fit frame inverse scales", 4L * chunk * blocks);
        CudaBuffer bb = scratch("fit best indices", 4L * chunk * blocks);
        CudaBuffer sb = scratch("fit best scores", 4L * chunk * blocks);
        CudaBuffer wb = scratch("fit W scratch", Math.max(4, wPerFilter * chunk));
        for (int n0 = from; n0 < from + count; n0 += chunk) {
            int m = Math.min(chunk, from + count - n0);
            ctx.write(fb, h, n0 * kk, m * kk);
            ctx.write(ob, off, n0 * blocks, m * blocks);
            ctx.write(ib, inv, n0 * blocks, m * blocks);
            wb.checkCapacity(wPerFilter * m);
            CudaBuffer[] bufs = {fb, ob, ib, t.col, t.row, t.candIdx, t.candF, t.blocks,
                dense != null ? dense : t.col, wb, bb, sb};
            Pointer[] args = new Pointer[bufs.length];
            for (int a = 0; a < bufs.length; a++) {
                args[a] = bufs[a].arg();
            }
            CudaChecks.check(cuLaunchKernel(fn, m, 1, 1, d.workGroup(), 1, 1, shared, ctx.stream(), Pointer.to(args), null),
                    "cuLaunchKernel(ss_fit_coarse [" + mod.variant + "], " + m + " filters × " + d.workGroup()
                            + " threads, " + shared + " B shared, device " + ctx.device.index() + ")");
            ctx.synchronize();
            ctx.read(bb, outBest, n0 * blocks, m * blocks);
            ctx.read(sb, outScore, n0 * blocks, m * blocks);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<AutoCloseable> order = new ArrayList<>();
        order.addAll(scratch.values());
        for (CandidateSet cs : tableOrder) {
            order.add(tables.get(cs));
        }
        order.addAll(modules.values());
        Collections.reverse(order);
        first = Closer.closeAll(order, first);
        scratch.clear();
        tables.clear();
        tableOrder.clear();
        modules.clear();
        try {
            ctx.close();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
