package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_KERNEL_WORK_GROUP_SIZE;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.backend.device.PackedCandidates;
import org.scalespace.backend.device.PackedProblem;
import org.scalespace.fit.CandidateSet;
import org.scalespace.backend.device.FitDefines;

/**
 * The OpenCL backend: coarse fit scoring on one OpenCL device (kernels/opencl/fit.cl, math in kernels/common/fit.h),
 * one work-group per filter with W = H·col in local memory and the per-family arg-min fused in the kernel.
 *
 * <p>Thread safety: {@link #coarseArgmin} may be called from several threads. Host-side packing runs concurrently;
 * device work (uploads, launch, read-back) is serialised on the backend's single in-order queue.
 *
 * <p>Resources: the context and queue, the programs (cached per specialisation), the candidate tables (cached for
 * the last {@value #TABLE_CACHE} candidate sets) and the scratch buffers (grown, reused) are released by
 * {@link #close()} in reverse order of creation.
 */
public final class OpenCLScorer implements CoarseScorer {
    /**
     * System property: work-group size of the fit kernel (power of two): work-items per filter in the GPU schedule
     * (default 64, capped by the device), filters per work-group in the CPU schedule (the lanes of the one work-item's
     * floatN vectors: 2, 4, 8 or 16, default {@value #CPU_FIT_WG}).
     */
    public static final String FIT_WORK_GROUP_PROPERTY = "scalespace.opencl.fitWorkGroup";
    /**
     * System property: fit kernel schedule, {@code cpu} (one filter per work-item, for CPU drivers such as PoCL) or
     * {@code gpu} (one filter per work-group); default: cpu on CL_DEVICE_TYPE_CPU devices, gpu on the others.
     */
    public static final String FIT_SCHEDULE_PROPERTY = "scalespace.opencl.fitSchedule";
    static final int CPU_FIT_WG = 16;
    static final int TABLE_CACHE = 4;
    private static final int MAX_CHUNK = 1 << 16;

    private final Object lock = new Object();
    private final OpenCLContext ctx;
    private final Map<String, OpenCLProgram> programs = new java.util.LinkedHashMap<>();
    private final Map<CandidateSet, FitTables> tables = new IdentityHashMap<>();
    private final List<CandidateSet> tableOrder = new ArrayList<>();
    private final Map<String, OpenCLBuffer> scratch = new HashMap<>();
    private final List<String> scratchOrder = new ArrayList<>();
    private boolean closed;
    private final boolean globalTables;
    private final boolean cpuFit;

    /** Opens the device chosen by {@link OpenCLRuntime} (GPU &gt; accelerator &gt; CPU, or the overrides). */
    public OpenCLScorer() {
        this(chosenOrThrow());
    }

    /** Opens the given device; fit schedule from {@value #FIT_SCHEDULE_PROPERTY} or the device type. */
    public OpenCLScorer(OpenCLDevice device) {
        this(device, false, null);
    }

    /**
     * Test hook: {@code globalTables} forces the global-memory W path that large k needs on small local memories;
     * {@code fitSchedule} "cpu" or "gpu" forces a fit schedule (null: {@value #FIT_SCHEDULE_PROPERTY}, else by device
     * type).
     */
    OpenCLScorer(OpenCLDevice device, boolean globalTables, String fitSchedule) {
        this.cpuFit = cpuFitSchedule(device, fitSchedule != null ? fitSchedule
                : System.getProperty(FIT_SCHEDULE_PROPERTY, ""));
        this.ctx = new OpenCLContext(device);
        this.globalTables = globalTables;
    }

    private static OpenCLDevice chosenOrThrow() {
        try {
            return OpenCLRuntime.chosen();
        } catch (OpenCLRuntime.Unavailable u) {
            throw new IllegalStateException("backend opencl is unavailable: " + u.getMessage());
        }
    }

    /** The device in use. */
    public OpenCLDevice device() {
        return ctx.device;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "OpenCL on " + ctx.device.describe() + ", float32 coarse scoring (" + (cpuFit ? "cpu" : "gpu")
                + " fit schedule)";
    }

    /** The fit schedule in use: "cpu" (one work-item per group of filters, vector lanes) or "gpu". */
    public String fitSchedule() {
        return cpuFit ? "cpu" : "gpu";
    }

    @Override
    public boolean threadSafe() {
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // fit

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

    /** Whether the fit uses the CPU-driver schedule: "cpu", "gpu", or "" for the device type's default. */
    private static boolean cpuFitSchedule(OpenCLDevice device, String schedule) {
        String s = schedule.trim().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
            case "":
                return device.type().equals("CPU");
            case "cpu":
                return true;
            case "gpu":
                return false;
            default:
                throw new IllegalArgumentException(FIT_SCHEDULE_PROPERTY + " must be cpu or gpu, got '" + s + "'");
        }
    }

    int fitWorkGroup(boolean cpu) {
        int wg = Integer.getInteger(FIT_WORK_GROUP_PROPERTY, cpu ? CPU_FIT_WG : 64);
        if (wg < 1 || Integer.bitCount(wg) != 1) {
            throw new IllegalArgumentException(FIT_WORK_GROUP_PROPERTY + " must be a power of two, got " + wg);
        }
        if (cpu) {
            if (wg < 2 || wg > 16) {
                throw new IllegalArgumentException(FIT_WORK_GROUP_PROPERTY + " must be 2, 4, 8 or 16 with the cpu fit"
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

    @Override
    public void coarseArgmin(CoarseProblem p, int[] best, double[] score) {
        CandidateSet cs = p.candidates();
        int kk = cs.kk;
        int blocks = cs.blocks();
        int count = p.count();
        PackedProblem.checkOutputs(count, blocks, best, score);
        if (count == 0) {
            return;
        }
        // host packing (concurrent)
        PackedProblem pp = new PackedProblem(p);
        float[] h = pp.h;
        float[] off = pp.off;
        float[] inv = pp.inv;
        int mode = pp.mode;
        int[] outBest = new int[count * blocks];
        float[] outScore = new float[count * blocks];
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the OpenCL backend is closed");
            }
            FitTables t = tables(cs);
            FitDefines d = fitDefines(cs, t, mode);
            OpenCLBuffer dense = mode == 3 ? t.dense(ctx, cs) : null;
            OpenCLProgram prog = program("opencl/fit.cl", d.options(), "ss_fit_coarse");
            cl_kernel kern = prog.kernel("ss_fit_coarse");
            long kwg = kernelWorkGroupSize(kern);
            if (!d.cpu() && kwg < d.workGroup()) {
                throw new IllegalStateException("ss_fit_coarse: the device allows " + kwg + " work-items per group"
                        + " for this kernel, the specialisation needs " + d.workGroup() + "; set -D"
                        + FIT_WORK_GROUP_PROPERTY + "=" + Long.highestOneBit(Math.max(1, kwg)));
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
                    OpenCLChecks.check(CL.clSetKernelArg(kern, args.length, Sizeof.cl_int, Pointer.to(new int[] {m})),
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
                OpenCLChecks.check(CL.clEnqueueNDRangeKernel(ctx.queue(), kern, 1, null, global, local, 0, null, null),
                        "clEnqueueNDRangeKernel(ss_fit_coarse, " + m + " filters, " + groups + " groups × "
                                + d.workGroup() + ")");
                ctx.read(bb, outBest, n0 * blocks, m * blocks);
                ctx.read(sb, outScore, n0 * blocks, m * blocks);
            }
        }
        PackedProblem.unpack(cs, count, outBest, outScore, best, score);
    }

    private long kernelWorkGroupSize(cl_kernel k) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        OpenCLChecks.check(CL.clGetKernelWorkGroupInfo(k, ctx.device.deviceId(), CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(b), null), "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)");
        return Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL;
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Package access for the convolution engine: runs under the backend's lock. */
    <T> T withDevice(java.util.function.Function<OpenCLScorer, T> f) {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the OpenCL backend is closed");
            }
            return f.apply(this);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
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
