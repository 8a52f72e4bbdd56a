package org.scalespace.backend.opencl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.scalespace.backend.device.ConvDefines;

/**
 * Depthwise convolutions on an OpenCL device, on float arrays (NCHW): the fused separable kernel (tile + halo in
 * local memory, row pass into local memory, column pass out; 1–3 terms) and the dense k×k kernel; padding zero,
 * reflect or replicate. The device layer beneath {@link OpenCLConvEngine}, as {@link OpenCLFitDevice} is beneath
 * {@link OpenCLScorer}.
 *
 * <p>Calls are serialised (one in-order queue); {@link #close()} releases scratch buffers, programs, then the queue
 * and context, and is idempotent.
 */
public final class OpenCLConvDevice implements AutoCloseable {
    /** Padding modes, in the kernel's numbering. */
    public static final int ZERO = 0;
    public static final int REFLECT = 1;
    public static final int REPLICATE = 2;
    /** System property: output tile (= work-group) of the convolution kernels, "WxH"; default 32x8. */
    public static final String TILE_PROPERTY = "scalespace.opencl.convTile";

    /**
     * System property: "tiled" (tile + halo in local memory, row pass into local memory, column pass out) or
     * "direct" (one output per work-item from global memory, no barriers; an alternative for CPU drivers, measured
     * on PoCL within ±25 % of tiled either way). Default: tiled.
     */
    public static final String SCHEDULE_PROPERTY = "scalespace.opencl.convSchedule";

    private final int tw;
    private final int th;
    private final String schedule;

    private final OpenCLContext ctx;
    private final Map<String, OpenCLProgram> programs = new LinkedHashMap<>();
    private final Map<String, OpenCLBuffer> scratch = new LinkedHashMap<>();
    private boolean closed;
    /** Device time of the last call's kernels (enqueue to clFinish), for benchmarks. */
    private long lastKernelNanos;

    /** Opens the device chosen by {@link OpenCLRuntime}, schedule from {@value #SCHEDULE_PROPERTY} or the default. */
    public OpenCLConvDevice() {
        this(System.getProperty(SCHEDULE_PROPERTY));
    }

    /** As {@link #OpenCLConvDevice()} with the given schedule ("tiled", "direct", or null for the default, tiled). */
    public OpenCLConvDevice(String schedule) {
        try {
            this.ctx = new OpenCLContext(OpenCLRuntime.chosen());
        } catch (OpenCLRuntime.Unavailable u) {
            throw new IllegalStateException("backend opencl is unavailable: " + u.getMessage());
        }
        String sch = schedule == null ? "" : schedule.trim().toLowerCase(java.util.Locale.ROOT);
        if (sch.isEmpty()) {
            this.schedule = ctx.device.type().equals("CPU") ? "plane" : "tiled";
        } else if (sch.equals("direct") || sch.equals("tiled") || sch.equals("plane")) {
            this.schedule = sch;
        } else {
            ctx.close();
            throw new IllegalArgumentException(SCHEDULE_PROPERTY + " must be tiled, direct or plane, got '"
                    + schedule + "'");
        }
    }

    /** "tiled", "direct" or "plane". */
    public String schedule() {
        return schedule;
    }

    private String kernelName(boolean separable) {
        String base = separable ? "ss_conv_separable" : "ss_conv_dense";
        switch (schedule) {
            case "direct":
                return base + "_direct_k";
            case "plane":
                return base + "_plane_k";
            default:
                return base;
        }
    }

    {
        String t = System.getProperty(TILE_PROPERTY, "32x8").trim().toLowerCase(java.util.Locale.ROOT);
        String[] p = t.split("x");
        try {
            tw = Integer.parseInt(p[0]);
            th = Integer.parseInt(p[1]);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(TILE_PROPERTY + " must be WxH (e.g. 32x8), got '" + t + "'");
        }
        if (tw < 1 || th < 1 || p.length != 2) {
            throw new IllegalArgumentException(TILE_PROPERTY + " must be WxH with positive sizes, got '" + t + "'");
        }
    }

    public OpenCLDevice device() {
        return ctx.device;
    }

    private OpenCLProgram program(ConvDefines d) {
        return programs.computeIfAbsent(d.options(), o -> new OpenCLProgram(ctx, OpenCLSources.load("opencl/conv.cl"), o,
                "ss_conv_separable", "ss_conv_dense", "ss_conv_separable_direct_k", "ss_conv_dense_direct_k",
                "ss_conv_separable_plane_k", "ss_conv_dense_plane_k"));
    }

    private OpenCLBuffer scratch(String what, long bytes) {
        OpenCLBuffer b = scratch.get(what);
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        if (b != null) {
            scratch.remove(what);
            b.close();
        }
        b = ctx.buffer(bytes, what);
        scratch.put(what, b);
        return b;
    }

    private static void checkShape(String op, float[] x, float[] out, int n, int c, int h, int w) {
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException(op + ": shape (" + n + ", " + c + ", " + h + ", " + w
                    + ") must be positive");
        }
        long size = (long) n * c * h * w;
        if (x.length != size || out.length != size) {
            throw new IllegalArgumentException(op + ": x and out must hold N·C·H·W = " + size + " floats, got "
                    + x.length + " and " + out.length);
        }
        if (x == out) {
            throw new IllegalArgumentException(op + ": out must not be the input array");
        }
    }

    /**
     * out ← separable depthwise cross-correlation. Per channel c and term t &lt; terms: coef[4c+t],
     * col[(4c+t)·k ..] (along x), row[(4c+t)·k ..] (along y) (4 term slots per channel, as SeparableBank); k = 2·radius + 1.
     */
    public synchronized void separable(float[] x, float[] out, int n, int c, int h, int w, int radius, int terms,
                                       float[] coef, float[] col, float[] row, int padding) {
        checkShape("separable", x, out, n, c, h, w);
        int k = 2 * radius + 1;
        if (coef.length < 4 * c || col.length < 4 * c * k || row.length < 4 * c * k) {
            throw new IllegalArgumentException("separable: weights must hold 4 term slots × " + c + " channels (coef "
                    + 4 * c + ", col/row " + 4 * c * k + " floats)");
        }
        ConvDefines d = new ConvDefines(radius, terms, padding, tw, th);
        if (d.separableLocalBytes() > ctx.device.localMemBytes()) {
            throw new IllegalArgumentException("separable: radius " + radius + " needs " + d.separableLocalBytes()
                    + " bytes of local memory; the device has " + ctx.device.localMemBytes());
        }
        run(d, kernelName(true), x, out, null, null, n, c, h, w,
                new float[][] {java.util.Arrays.copyOf(coef, 4 * c), java.util.Arrays.copyOf(col, 4 * c * k),
                    java.util.Arrays.copyOf(row, 4 * c * k)});
    }

    /**
     * {@link #separable(float[], float[], int, int, int, int, int, int, float[], float[], float[], int)} on
     * device-resident buffers of N·C·H·W floats: no transfers of x or out.
     */
    synchronized void separable(OpenCLBuffer x, OpenCLBuffer out, int n, int c, int h, int w, int radius, int terms,
                                float[] coef, float[] col, float[] row, int padding) {
        int k = 2 * radius + 1;
        ConvDefines d = new ConvDefines(radius, terms, padding, tw, th);
        if (d.separableLocalBytes() > ctx.device.localMemBytes()) {
            throw new IllegalArgumentException("separable: radius " + radius + " needs " + d.separableLocalBytes()
                    + " bytes of local memory; the device has " + ctx.device.localMemBytes());
        }
        run(d, kernelName(true), null, null, x, out, n, c, h, w,
                new float[][] {java.util.Arrays.copyOf(coef, 4 * c), java.util.Arrays.copyOf(col, 4 * c * k),
                    java.util.Arrays.copyOf(row, 4 * c * k)});
    }

    /** {@link #dense(float[], float[], int, int, int, int, int, float[], int)} on device-resident buffers. */
    synchronized void dense(OpenCLBuffer x, OpenCLBuffer out, int n, int c, int h, int w, int radius, float[] a,
                            int padding) {
        ConvDefines d = new ConvDefines(radius, 1, padding, tw, th);
        if (d.denseLocalBytes() > ctx.device.localMemBytes()) {
            throw new IllegalArgumentException("dense: radius " + radius + " needs " + d.denseLocalBytes()
                    + " bytes of local memory; the device has " + ctx.device.localMemBytes());
        }
        run(d, kernelName(false), null, null, x, out, n, c, h, w, new float[][] {a});
    }

    /** A device buffer for a resident tensor (released by its owner). */
    synchronized OpenCLBuffer tensorBuffer(long bytes, String what) {
        if (closed) {
            throw new IllegalStateException("the OpenCL convolution is closed");
        }
        if (bytes > ctx.device.maxAllocBytes()) {
            throw new IllegalArgumentException(what + ": " + bytes + " bytes exceed the device's max allocation of "
                    + ctx.device.maxAllocBytes() + " bytes; use the host-array calls, which split the batch");
        }
        return ctx.buffer(bytes, what);
    }

    synchronized void write(OpenCLBuffer b, float[] data) {
        ctx.write(b, data, data.length);
    }

    synchronized void read(OpenCLBuffer b, float[] data) {
        ctx.read(b, data, data.length);
    }

    /** out ← dense depthwise k×k cross-correlation, a[c·k² + i·k + j] (row i, column j), k = 2·radius + 1. */
    public synchronized void dense(float[] x, float[] out, int n, int c, int h, int w, int radius, float[] a,
                                   int padding) {
        checkShape("dense", x, out, n, c, h, w);
        int k = 2 * radius + 1;
        if (a.length != c * k * k) {
            throw new IllegalArgumentException("dense: filters must hold C·k² = " + c * k * k + " floats, got "
                    + a.length);
        }
        ConvDefines d = new ConvDefines(radius, 1, padding, tw, th);
        if (d.denseLocalBytes() > ctx.device.localMemBytes()) {
            throw new IllegalArgumentException("dense: radius " + radius + " needs " + d.denseLocalBytes()
                    + " bytes of local memory; the device has " + ctx.device.localMemBytes());
        }
        run(d, kernelName(false), x, out, null, null, n, c, h, w, new float[][] {a});
    }

    /**
     * Host arrays x/out (uploaded and read back per batch chunk), or resident buffers rx/rout (one launch over the
     * whole batch; an error when it does not fit the device's limits in one).
     */
    private void run(ConvDefines d, String kernelName, float[] x, float[] out, OpenCLBuffer rx, OpenCLBuffer rout, int n,
                     int c, int h, int w, float[][] weights) {
        if (closed) {
            throw new IllegalStateException("the OpenCL convolution is closed");
        }
        long image = 4L * c * h * w;
        if (image > ctx.device.maxAllocBytes()) {
            throw new IllegalArgumentException("one image of " + c + "×" + h + "×" + w + " floats (" + image
                    + " bytes) exceeds the device's max allocation of " + ctx.device.maxAllocBytes() + " bytes");
        }
        // images per launch: within the max allocation and int indexing of the plane count
        boolean plane = schedule.equals("plane");
        boolean separable = kernelName.startsWith("ss_conv_separable");
        // plane schedule: per-plane scratch (padded rows and row-pass rings), bytes per image
        long scratchImage = plane ? 4L * c * d.planeScratchFloats(w, separable) : 0;
        if (scratchImage > ctx.device.maxAllocBytes()) {
            throw new IllegalArgumentException("the plane scratch of one image of " + c + "×" + h + "×" + w
                    + " floats (" + scratchImage + " bytes) exceeds the device's max allocation of "
                    + ctx.device.maxAllocBytes() + " bytes");
        }
        long perL = Math.min(n, Math.min(ctx.device.maxAllocBytes() / image, Integer.MAX_VALUE / Math.max(1, c)));
        if (scratchImage > 0) {
            perL = Math.min(perL, ctx.device.maxAllocBytes() / scratchImage);
        }
        int per = (int) Math.max(1, perL);
        boolean resident = rx != null;
        if (resident && per < n) {
            throw new IllegalArgumentException("resident tensor (" + n + "," + c + "," + h + "," + w + "): the batch "
                    + "needs more scratch than one allocation of " + ctx.device.maxAllocBytes() + " bytes holds (at "
                    + "most " + per + " images per launch); use the host-array calls, which split the batch");
        }
        OpenCLProgram prog = program(d);
        cl_kernel kern = prog.kernel(kernelName);
        List<OpenCLBuffer> wb = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            OpenCLBuffer b = scratch("conv weights " + i, 4L * Math.max(1, weights[i].length));
            ctx.write(b, weights[i], weights[i].length);
            wb.add(b);
        }
        OpenCLBuffer xb = resident ? rx : scratch("conv input", (long) per * image);
        OpenCLBuffer ob = resident ? rout : scratch("conv output", (long) per * image);
        OpenCLBuffer tb = plane ? scratch("conv plane scratch", Math.max(4, (long) per * scratchImage)) : null;
        int planeFloats = c * h * w;
        long kernelNanos = 0;
        for (int n0 = 0; n0 < n; n0 += per) {
            int m = Math.min(per, n - n0);
            long floats = (long) m * planeFloats;
            xb.checkCapacity(4L * floats);
            ob.checkCapacity(4L * floats);
            if (!resident) {
                OpenCLChecks.check(CL.clEnqueueWriteBuffer(ctx.queue(), xb.mem(), CL.CL_TRUE, 0, 4L * floats,
                        Pointer.to(x).withByteOffset(4L * n0 * planeFloats), 0, null, null),
                        "clEnqueueWriteBuffer(conv input)");
            }
            int a = 0;
            setArg(kern, a++, xb);
            setArg(kern, a++, ob);
            for (OpenCLBuffer b : wb) {
                setArg(kern, a++, b);
            }
            for (int v : new int[] {c, h, w}) {
                OpenCLChecks.check(CL.clSetKernelArg(kern, a, Sizeof.cl_int, Pointer.to(new int[] {v})),
                        "clSetKernelArg(" + kernelName + ", " + a + ")");
                a++;
            }
            if (tb != null) {
                tb.checkCapacity((long) m * scratchImage);
                setArg(kern, a++, tb);
            }
            long[] global = plane ? new long[] {(long) m * c}
                    : new long[] {(long) ((w + d.tileWidth() - 1) / d.tileWidth()) * d.tileWidth(),
                        (long) ((h + d.tileHeight() - 1) / d.tileHeight()) * d.tileHeight(), (long) m * c};
            long[] local = plane ? new long[] {1} : new long[] {d.tileWidth(), d.tileHeight(), 1};
            long t0 = System.nanoTime();
            OpenCLChecks.check(CL.clEnqueueNDRangeKernel(ctx.queue(), kern, global.length, null, global, local, 0, null,
                    null),
                    "clEnqueueNDRangeKernel(" + kernelName + ", " + m + "×" + c + " planes of " + h + "×" + w + ")");
            ctx.finish();
            kernelNanos += System.nanoTime() - t0;
            if (!resident) {
                OpenCLChecks.check(CL.clEnqueueReadBuffer(ctx.queue(), ob.mem(), CL.CL_TRUE, 0, 4L * floats,
                        Pointer.to(out).withByteOffset(4L * n0 * planeFloats), 0, null, null),
                        "clEnqueueReadBuffer(conv output)");
            }
        }
        lastKernelNanos = kernelNanos;
    }

    /** Device time of the last call's kernel launches (enqueue to clFinish, without transfers), in ns. */
    public synchronized long lastKernelNanos() {
        return lastKernelNanos;
    }

    private static void setArg(cl_kernel k, int i, OpenCLBuffer b) {
        OpenCLChecks.check(CL.clSetKernelArg(k, i, Sizeof.cl_mem, b.arg()), "clSetKernelArg(" + i + ", " + b.what + ")");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<OpenCLBuffer> bs = new ArrayList<>(scratch.values());
        Collections.reverse(bs);
        List<OpenCLProgram> ps = new ArrayList<>(programs.values());
        Collections.reverse(ps);
        List<AutoCloseable> all = new ArrayList<>(bs);
        all.addAll(ps);
        all.add(ctx);
        for (AutoCloseable r : all) {
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
                }
            }
        }
        scratch.clear();
        programs.clear();
        if (first != null) {
            throw first;
        }
    }
}
