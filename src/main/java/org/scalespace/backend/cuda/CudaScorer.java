package org.scalespace.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.scalespace.backend.device.PackedProblem;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;

/**
 * The CUDA coarse-fit scorer: coarse fit scoring (kernels/cuda/fit.cu, math in kernels/common/fit.h, the same kernel as
 * OpenCL's ss_fit_coarse) on one or several CUDA devices through the JCuda driver API.
 *
 * <p><b>Several GPUs.</b> With {@code -Dscalespace.cuda.device=0,1} (or {@code all}) every {@link #coarseArgmin}
 * call is split into contiguous, equal slices of its filters, one per device, run concurrently (one host thread per
 * extra device) and written back into the caller's arrays at their own offsets, so results are identical to a
 * single-device run. The Fitter already calls backends in chunks from several threads; each device serialises its
 * own work, so chunks from different threads also overlap across devices.
 *
 * <p>Thread safety: {@link #coarseArgmin} may be called from several threads (host packing runs concurrently; each
 * device's work is serialised under that device's lock).
 */
public final class CudaScorer implements CoarseScorer {
    private final List<CudaFitDevice> devices = new ArrayList<>();
    private volatile boolean closed;

    /** Opens the devices chosen by {@link CudaRuntime} ({@value CudaRuntime#DEVICE_PROPERTY}, default 0). */
    public CudaScorer() {
        this(chosenOrThrow(), false);
    }

    /** Opens the given devices; {@code globalTables} forces the global-memory W path (test hook). */
    CudaScorer(List<CudaDevice> ds, boolean globalTables) {
        if (ds.isEmpty()) {
            throw new IllegalArgumentException("no CUDA device given");
        }
        try {
            for (CudaDevice d : ds) {
                devices.add(new CudaFitDevice(d, globalTables));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static List<CudaDevice> chosenOrThrow() {
        try {
            return CudaRuntime.chosen();
        } catch (CudaRuntime.Unavailable u) {
            throw new IllegalStateException("backend cuda is unavailable: " + u.getMessage());
        }
    }

    /** The devices in use. */
    public List<CudaDevice> devices() {
        return devices.stream().map(d -> d.ctx.device).toList();
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return "CUDA on " + devices.stream().map(d -> d.ctx.device.describe()).collect(Collectors.joining("; "))
                + ", float32 coarse scoring, " + CudaPtx.describe();
    }

    @Override
    public boolean threadSafe() {
        return true;
    }

    @Override
    public void coarseArgmin(CoarseProblem p, int[] best, double[] score) {
        CandidateSet cs = p.candidates();
        int kk = cs.kk;
        int blocks = cs.blocks();
        int count = p.count();
        PackedProblem.checkOutputs(count, blocks, best, score);
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        if (count == 0) {
            return;
        }
        PackedProblem pp = new PackedProblem(p);
        float[] h = pp.h;
        float[] off = pp.off;
        float[] inv = pp.inv;
        int mode = pp.mode;
        int[] outBest = new int[count * blocks];
        float[] outScore = new float[count * blocks];
        int nd = Math.min(devices.size(), count);
        if (nd == 1) {
            runOn(devices.get(0), cs, mode, h, off, inv, 0, count, outBest, outScore);
        } else {
            List<CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 1; i < nd; i++) {
                int from = (int) ((long) count * i / nd);
                int to = (int) ((long) count * (i + 1) / nd);
                CudaFitDevice dev = devices.get(i);
                fs.add(CompletableFuture.runAsync(() -> runOn(dev, cs, mode, h, off, inv, from, to - from, outBest,
                        outScore)));
            }
            RuntimeException first = null;
            try {
                runOn(devices.get(0), cs, mode, h, off, inv, 0, (int) ((long) count / nd), outBest, outScore);
            } catch (RuntimeException e) {
                first = e;
            }
            for (CompletableFuture<Void> f : fs) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException r ? r : e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
        PackedProblem.unpack(cs, count, outBest, outScore, best, score);
    }

    private static void runOn(CudaFitDevice dev, CandidateSet cs, int mode, float[] h, float[] off, float[] inv,
                              int from, int n, int[] outBest, float[] outScore) {
        synchronized (dev) {
            dev.run(cs, mode, h, off, inv, from, n, outBest, outScore);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (int i = devices.size() - 1; i >= 0; i--) {
            CudaFitDevice d = devices.get(i);
            synchronized (d) {
                try {
                    d.close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
