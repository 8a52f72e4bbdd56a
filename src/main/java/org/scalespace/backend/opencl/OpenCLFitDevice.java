package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.scalespace.backend.device.FitDefines;
import org.scalespace.backend.device.PackedCandidates;
import org.scalespace.fit.CandidateSet;

/**
 * The coarse fit on one OpenCL device: context and queue, programs cached per specialisation ({@link FitDefines}),
 * candidate tables cached for the last {@value #TABLE_CACHE} candidate sets, scratch buffers grown and reused; all
 * released by {@link #close()} in reverse order of creation. Not thread-safe by itself; {@link OpenCLScorer}
 * serialises calls on its single in-order queue.
 */
final class OpenCLFitDevice implements AutoCloseable {
    static final int CPU_FIT_WG = 16;
    static final int TABLE_CACHE = 4;
    private static final int MAX_CHUNK = 1 << 16;
    private static final String WORK_GROUP_PROPERTY = OpenCLScorer.FIT_WORK_GROUP_PROPERTY;

    final OpenCLContext ctx;
    private final Map<String, OpenCLProgram> programs = new LinkedHashMap<>();
    private final Map<CandidateSet, FitTables> tables = new IdentityHashMap<>();
    private final List<CandidateSet> tableOrder = new ArrayList<>();
    private final Map<String, OpenCLBuffer> scratch = new HashMap<>();
    private final List<String> scratchOrder = new ArrayList<>();
    private boolean closed;
    private final boolean globalTables;
    private final boolean cpuFit;

    /**
     * Opens a context and queue on the device; {@code cpuFit} selects the CPU-driver schedule, {@code globalTables}
     * forces the global-memory W path that large k needs on small local memories (test hook).
     */
    OpenCLFitDevice(OpenCLDevice device, boolean cpuFit, boolean globalTables) {
        this.cpuFit = cpuFit;
        this.ctx = new OpenCLContext(device);
        this.globalTables = globalTables;
    }

    /** Float32 device copies of a candidate set, with the column and row tables compacted to the vectors used. */
    static final class FitTables implements AutoCloseable {
        final int numCol;
        final int numRow;
        final int maxTerms;
        final int size;
        final int[] blockStart;
        final List<OpenCLBuffer> buffers = new ArrayList<>();
        final OpenCLBuffer col;
        final OpenCLBuffer row;
        final OpenCLBuffer candIdx;
        final OpenCLBuffer candF;
        final OpenCLBuffer blocks;
        OpenCLBuffer dense;

        FitTables(OpenCLContext ctx, CandidateSet cs) {
            size = cs.size;
            PackedCandidates p = new PackedCandidates(cs);
            numCol = p.numCol;
            numRow = p.numRow;
            maxTerms = p.maxTerms;
            blockStart = p.blockStart;
            try {
                col = add(ctx.buffer(4L * p.col.length, "fit column table"));
                ctx.write(col, p.col, p.col.length);
                row = add(ctx.buffer(4L * p.row.length, "fit row table"));
                ctx.write(row, p.row, p.row.length);
                candIdx = add(ctx.buffer(4L * p.idx.length, "fit candidate indices"));
                ctx.write(candIdx, p.idx, p.idx.length);
                candF = add(ctx.buffer(4L * p.f.length, "fit candidate constants"));
                ctx.write(candF, p.f, p.f.length);
                blocks = add(ctx.buffer(4L * blockStart.length, "fit block starts"));
                ctx.write(blocks, blockStart, blockStart.length);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private OpenCLBuffer add(OpenCLBuffer b) {
            buffers.add(b);
            return b;
        }

        OpenCLBuffer dense(OpenCLContext ctx, CandidateSet cs) {
            if (dense == null) {
                float[] fd = PackedCandidates.denseFloats(cs);
                dense = add(ctx.buffer(4L * fd.length, "fit dense templates (l1)"));
                ctx.write(dense, fd, fd.length);
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
                    if (first == null) {
                        first = e;
                    }
                }
            }
            buffers.clear();
            if (first != null) {
                throw first;
            }
        }
    }

    private FitTables tables(CandidateSet cs) {
        FitTables t = tables.get(cs);
        if (t != null) {
            tableOrder.remove(cs);
            tableOrder.add(cs);
            return t;
        }
        if (tableOrder.size() >= TABLE_CACHE) {
            CandidateSet old = tableOrder.remove(0);
            tables.remove(old).close();
        }
        t = new FitTables(ctx, cs);
        tables.put(cs, t);
        tableOrder.add(cs);
        return t;
    }

    private OpenCLProgram program(String source, String options, String... kernels) {
        OpenCLProgram p = programs.get(source + "\u0000" + options);
        if (p == null) {
            p = new OpenCLProgram(ctx, OpenCLSources.load(source), options, kernels);
            programs.put(source + "\u0000" + options, p);
        }
        return p;
    }

    /** A scratch buffer of at least the given size, grown (never shrunk) and reused across calls. */
    private OpenCLBuffer scratch(String what, long bytes) {
        OpenCLBuffer b = scratch.get(what);
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        if (b != null) {
            scratch.remove(what);
            scratchOrder.remove(what);
            b.close();
        }
        long grow = Math.min(Math.max(bytes, b == null ? 0 : Math.min(2 * b.bytes, Long.MAX_VALUE / 2)),
                ctx.device.maxAllocBytes());
        b = ctx.buffer(Math.max(bytes, grow), what);
        scratch.put(what, b);
        scratchOrder.add(what);
        return b;
    }

    int fitWorkGroup(boolean cpu) {
        int wg = Integer.getInteger(WORK_GROUP_PROPERTY, cpu ? CPU_FIT_WG : 64);
        if (wg < 1 || Integer.bitCount(wg) != 1) {
            throw new IllegalArgumentException(WORK_GROUP_PROPERTY + " must be a power of two, got " + wg);
        }
        if (cpu) {
            if (wg < 2 || wg > 16) {
                throw new IllegalArgumentException(WORK_GROUP_PROPERTY + " must be 2, 4, 8 or 16 with the cpu fit"
                        + " schedule (filters per work-item: the lanes of an OpenCL floatN), got " + wg);
            }
            return wg;
        }
        while (wg > ctx.device.maxWorkGroupSize()) {
            wg >>= 1;
        }
        return wg;
    }

    /** The specialisation used for a problem on this device. */
    FitDefines fitDefines(CandidateSet cs, FitTables t, int mode) {
        boolean cpu = cpuFit;
        int wg = fitWorkGroup(cpu);
        boolean l1 = mode == 3;
        FitDefines local = new FitDefines(cs.k, cs.blocks(), mode, wg, l1 ? 0 : t.numCol, l1 ? 0 : t.numRow,
                l1 ? 1 : t.maxTerms, true, cpu);
        // keep 1 KiB of the local memory for the driver's own use
        if (!globalTables && local.localBytes() + 1024 <= ctx.device.localMemBytes()) {
            return local;
        }
        FitDefines global = new FitDefines(cs.k, cs.blocks(), mode, wg, l1 ? 0 : t.numCol, l1 ? 0 : t.numRow,
                l1 ? 1 : t.maxTerms, false, cpu);
        if (global.localBytes() + 1024 > ctx.device.localMemBytes()) {
            throw new IllegalStateException("the fit kernel for k = " + cs.k + " needs " + global.localBytes()
                    + " bytes of local memory; " + ctx.device.name() + " has " + ctx.device.localMemBytes());
        }
        return global;
    }

    /**
     * Scores the packed filters [0, count) ({@code h}, {@code off}, {@code inv} as {@code PackedProblem} holds
     * them, kernel {@code mode}) against the candidate set; per filter and block, the best index and score into
     * {@code outBest}/{@code outScore}.
     */
    void run(CandidateSet cs, int mode, float[] h, float[] off, float[] inv, int count, int[] outBest,
             float[] outScore) {
        if (closed) {
            throw new IllegalStateException("the OpenCL backend is closed");
        }
        int kk = cs.kk;
        int blocks = cs.blocks();
        FitTables t = tables(cs);
        FitDefines d = fitDefines(cs, t, mode);
        OpenCLBuffer dense = mode == 3 ? t.dense(ctx, cs) : null;
        OpenCLProgram prog = program("opencl/fit.cl", d.options(), "ss_fit_coarse");
        cl_kernel kern = prog.kernel("ss_fit_coarse");
        long kwg = kernelWorkGroupSize(kern);
        if (!d.cpu() && kwg < d.workGroup()) {
            throw new IllegalStateException("ss_fit_coarse: the device allows " + kwg + " work-items per group"
                    + " for this kernel, the specialisation needs " + d.workGroup() + "; set -D"
                    + WORK_GROUP_PROPERTY + "=" + Long.highestOneBit(Math.max(1, kwg)));
        }
        long wPerFilter = d.localTables() ? 0 : 4L * d.numCol() * cs.k;
        long maxAlloc = ctx.device.maxAllocBytes();
        long chunkL = Math.min(MAX_CHUNK, maxAlloc / (4L * kk));
        chunkL = Math.min(chunkL, maxAlloc / (4L * blocks));
        if (wPerFilter > 0) {
            // cpu schedule: W scratch per group of workGroup filters, so whole groups within the max allocation
            chunkL = d.cpu() ? Math.min(chunkL, maxAlloc / (wPerFilter * d.workGroup()) * d.workGroup())
                    : Math.min(chunkL, maxAlloc / wPerFilter);
        }
        if (chunkL < 1) {
            throw new IllegalStateException("one filter's scratch exceeds the device's max allocation");
        }
        int chunk = (int) Math.min(chunkL, count);
        // the CPU schedule runs whole groups of workGroup filters (W scratch per group, padded)
        long groupsMax = d.cpu() ? (chunk + d.workGroup() - 1) / d.workGroup() : chunk;
        long wPerGroup = d.cpu() ? wPerFilter * d.workGroup() : wPerFilter;
        OpenCLBuffer fb = scratch("fit filters", 4L * chunk * kk);
        OpenCLBuffer ob = scratch("fit frame offsets", 4L * chunk * blocks);
        OpenCLBuffer ib = scratch("fit frame inverse scales", 4L * chunk * blocks);
        OpenCLBuffer bb = scratch("fit best indices", 4L * chunk * blocks);
        OpenCLBuffer sb = scratch("fit best scores", 4L * chunk * blocks);
        OpenCLBuffer wb = scratch("fit W scratch", Math.max(4, wPerGroup * groupsMax));
        for (int n0 = 0; n0 < count; n0 += chunk) {
            int m = Math.min(chunk, count - n0);
            ctx.write(fb, h, n0 * kk, m * kk);
            ctx.write(ob, off, n0 * blocks, m * blocks);
            ctx.write(ib, inv, n0 * blocks, m * blocks);
            OpenCLBuffer[] args = {fb, ob, ib, t.col, t.row, t.candIdx, t.candF, t.blocks,
                dense != null ? dense : t.col, wb, bb, sb};
            for (int a = 0; a < args.length; a++) {
                OpenCLChecks.check(CL.clSetKernelArg(kern, a, Sizeof.cl_mem, args[a].arg()),
                        "clSetKernelArg(ss_fit_coarse, " + a + ", " + args[a].what + ")");
            }
            long groups = d.cpu() ? (m + d.workGroup() - 1) / d.workGroup() : m;
            if (d.cpu()) {
                OpenCLChecks.check(
                        CL.clSetKernelArg(kern, args.length, Sizeof.cl_int, Pointer.to(new int[] {m})),
                        "clSetKernelArg(ss_fit_coarse, " + args.length + ", count)");
            }
            // sizes checked before the launch
            fb.checkCapacity(4L * m * kk);
            bb.checkCapacity(4L * m * blocks);
            sb.checkCapacity(4L * m * blocks);
            wb.checkCapacity(wPerGroup * groups);
            // CPU schedule: one work-item per group (workGroup filters in its vector lanes)
            long[] global = {d.cpu() ? groups : groups * d.workGroup()};
            long[] local = {d.cpu() ? 1 : d.workGroup()};
            OpenCLChecks.check(
                    CL.clEnqueueNDRangeKernel(ctx.queue(), kern, 1, null, global, local, 0, null, null),
                    "clEnqueueNDRangeKernel(ss_fit_coarse, " + m + " filters, " + groups + " groups × "
                            + d.workGroup() + ")");
            ctx.read(bb, outBest, n0 * blocks, m * blocks);
            ctx.read(sb, outScore, n0 * blocks, m * blocks);
        }
    }

    private long kernelWorkGroupSize(cl_kernel k) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        OpenCLChecks.check(CL.clGetKernelWorkGroupInfo(k, ctx.device.deviceId(), CL_KERNEL_WORK_GROUP_SIZE,
                Sizeof.size_t, Pointer.to(b), null), "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)");
        return Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL;
    }


    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        // reverse order of creation: scratch, tables, programs, then queue and context
        List<String> sn = new ArrayList<>(scratchOrder);
        Collections.reverse(sn);
        for (String s : sn) {
            first = closeQuietly(scratch.remove(s), first);
        }
        scratchOrder.clear();
        List<CandidateSet> tn = new ArrayList<>(tableOrder);
        Collections.reverse(tn);
        for (CandidateSet cs : tn) {
            first = closeQuietly(tables.remove(cs), first);
        }
        tableOrder.clear();
        List<OpenCLProgram> pn = new ArrayList<>(programs.values());
        Collections.reverse(pn);
        for (OpenCLProgram p : pn) {
            first = closeQuietly(p, first);
        }
        programs.clear();
        first = closeQuietly(ctx, first);
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException closeQuietly(AutoCloseable c, RuntimeException first) {
        if (c == null) {
            return first;
        }
        try {
            c.close();
        } catch (RuntimeException e) {
            return first == null ? e : first;
        } catch (Exception e) {
            return first == null ? new IllegalStateException(e) : first;
        }
        return first;
    }
}
