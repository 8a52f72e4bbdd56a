package org.scalespace.backend.opencl;

import org.scalespace.backend.device.PackedProblem;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;

/**
 * The OpenCL coarse-fit scorer: coarse fit scoring on one OpenCL device (kernels/opencl/fit.cl, math in
 * kernels/common/fit.h), one work-group per filter with W = H·col in local memory and the per-family arg-min fused in
 * the kernel; the device work and its caches are {@link OpenCLFitDevice}'s.
 *
 * <p>Thread safety: {@link #coarseArgmin} may be called from several threads. Host-side packing runs concurrently;
 * device work (uploads, launch, read-back) is serialised on the device's single in-order queue.
 *
 * <p>Resources: the context and queue, the programs (cached per specialisation), the candidate tables (cached for
 * the last {@value OpenCLFitDevice#TABLE_CACHE} candidate sets) and the scratch buffers (grown, reused) are released
 * by {@link #close()} in reverse order of creation.
 */
public final class OpenCLScorer implements CoarseScorer {
    /**
     * System property: work-group size of the fit kernel (power of two): work-items per filter in the GPU schedule
     * (default 64, capped by the device), filters per work-group in the CPU schedule (the lanes of the one work-item's
     * floatN vectors: 2, 4, 8 or 16, default {@value OpenCLFitDevice#CPU_FIT_WG}).
     */
    public static final String FIT_WORK_GROUP_PROPERTY = "scalespace.opencl.fitWorkGroup";
    /**
     * System property: fit kernel schedule, {@code cpu} (one filter per work-item, for CPU drivers such as PoCL) or
     * {@code gpu} (one filter per work-group); default: cpu on CL_DEVICE_TYPE_CPU devices, gpu on the others.
     */
    public static final String FIT_SCHEDULE_PROPERTY = "scalespace.opencl.fitSchedule";

    private final Object lock = new Object();
    private final OpenCLFitDevice dev;
    private boolean closed;
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
        this.dev = new OpenCLFitDevice(device, cpuFit, globalTables);
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
        return dev.ctx.device;
    }

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public String description() {
        return "OpenCL on " + dev.ctx.device.describe() + ", float32 coarse scoring (" + (cpuFit ? "cpu" : "gpu")
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

    @Override
    public void coarseArgmin(CoarseProblem p, int[] best, double[] score) {
        CandidateSet cs = p.candidates();
        int blocks = cs.blocks();
        int count = p.count();
        PackedProblem.checkOutputs(count, blocks, best, score);
        if (count == 0) {
            return;
        }
        // host packing (concurrent)
        PackedProblem pp = new PackedProblem(p);
        int[] outBest = new int[count * blocks];
        float[] outScore = new float[count * blocks];
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the OpenCL backend is closed");
            }
            dev.run(cs, pp.mode, pp.h, pp.off, pp.inv, count, outBest, outScore);
        }
        PackedProblem.unpack(cs, count, outBest, outScore, best, score);
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            dev.close();
        }
    }
}
