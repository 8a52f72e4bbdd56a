package org.scalespace.backend.cuda;

import java.io.PrintWriter;
import java.util.Optional;
import org.scalespace.backend.spi.BackendProvider;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/**
 * The cuda backend: NVIDIA GPUs through the JCuda driver API and the PTX bundled in the jar, on the device(s) chosen
 * by {@link CudaRuntime} ({@value CudaRuntime#DEVICE_PROPERTY}). JCuda is loaded by the first probe, not by
 * constructing this provider.
 */
public final class CudaProvider implements BackendProvider {

    @Override
    public String name() {
        return "cuda";
    }

    /** Why CUDA cannot be used (PTX in the jar, JCuda, libcuda.so.1, cuInit, driver version, devices); never throws. */
    @Override
    public Optional<String> unavailableReason() {
        try {
            return CudaRuntime.unavailableReason();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("CUDA probe failed: " + e);
        }
    }

    /** Bundled PTX, driver version, devices, the device(s) the backend would use, or why none. */
    @Override
    public void describe(PrintWriter out) {
        out.println("CUDA:");
        try {
            out.println("  PTX:    " + CudaPtx.describe());
            int drv = CudaRuntime.driverVersion();
            if (drv > 0) {
                out.printf("  driver: CUDA %d.%d%n", drv / 1000, (drv % 1000) / 10);
            }
            for (CudaDevice d : CudaRuntime.devices()) {
                out.println("  device " + d.describe());
            }
            Optional<String> why = CudaRuntime.unavailableReason();
            if (why.isPresent()) {
                out.println("  unavailable: " + why.get());
            } else {
                String ov = CudaRuntime.override();
                StringBuilder ids = new StringBuilder();
                for (CudaDevice d : CudaRuntime.chosen()) {
                    ids.append(ids.length() == 0 ? "" : ",").append(d.index());
                }
                out.println("  the cuda backend uses device(s) " + ids + (ov == null ? " (default; choose with -D"
                        + CudaRuntime.DEVICE_PROPERTY + "=INDEX|LIST|all)"
                        : " (-D" + CudaRuntime.DEVICE_PROPERTY + "=" + ov + ")"));
            }
        } catch (LinkageError | RuntimeException | CudaRuntime.Unavailable e) {
            out.println("  unavailable: CUDA probe failed: " + e);
        }
    }

    @Override
    public CoarseScorer openScorer() {
        return new CudaScorer();
    }

    /** The convolution engine on the first chosen device ({@code threads} is irrelevant on a GPU). */
    @Override
    public ConvEngine openConvEngine(int threads) {
        return new CudaConvEngine(threads);
    }
}
