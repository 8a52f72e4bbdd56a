package org.scalespace.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.scalespace.backend.scalar.ScalarBackend;
import org.scalespace.backend.simd.VectorSupport;

/**
 * Backend selection (SPEC §9). {@code auto} tries cuda → opencl → simd → scalar and records why each skipped one is
 * unavailable. Selection is the only place where anything falls back; a backend that fails while running raises an
 * error.
 */
public final class Backends {

    /** Names accepted by {@link #select}. */
    public static final List<String> NAMES = List.of("auto", "cuda", "opencl", "simd", "scalar");

    /** A selected backend and the log of how it was chosen. */
    public record Selection(Backend backend, List<String> log) {
    }

    /** Availability of one backend: empty reason when it can be used. */
    public record Status(String name, Optional<String> unavailableReason) {
    }

    private Backends() {
    }

    /** The status of every backend, in {@code auto}'s order. */
    public static List<Status> statuses() {
        List<Status> out = new ArrayList<>();
        out.add(new Status("cuda", cudaReason()));
        out.add(new Status("opencl", openclReason()));
        out.add(new Status("simd", VectorSupport.unavailableReason()));
        out.add(new Status("scalar", Optional.empty()));
        return out;
    }

    /** Why OpenCL cannot be used (JOCL, libOpenCL.so, platform, device, overrides); never throws. */
    private static Optional<String> openclReason() {
        try {
            return org.scalespace.backend.opencl.OpenCLRuntime.unavailableReason();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("OpenCL probe failed: " + e);
        }
    }

    /**
     * Why {@code auto} passes over an available backend, or empty. An OpenCL backend whose device is a CPU (PoCL,
     * for instance) is passed over while the simd backend is available: on a CPU the Java Vector API backend is as
     * fast or faster (benchmarks/RESULTS.md), so the SPEC §9 order cuda → opencl → simd is applied to devices that
     * are not CPUs. {@code --backend opencl} still uses it.
     */
    public static Optional<String> autoSkipReason(String name) {
        if (!name.equals("opencl") || VectorSupport.unavailableReason().isPresent()) {
            return Optional.empty();
        }
        try {
            org.scalespace.backend.opencl.OpenCLDevice d = org.scalespace.backend.opencl.OpenCLRuntime.chosenDevice();
            if ("CPU".equals(d.type())) {
                return Optional.of("its device is a CPU (" + d.name() + "), where simd is as fast or faster; "
                        + "use --backend opencl to run it anyway");
            }
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Why CUDA cannot be used (PTX in the jar, JCuda, libcuda.so.1, cuInit, driver version, devices); never throws. */
    private static Optional<String> cudaReason() {
        try {
            return org.scalespace.backend.cuda.CudaRuntime.unavailableReason();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("CUDA probe failed: " + e);
        }
    }

    /** Opens the named backend; {@code auto} picks the first available and logs the reasons for the others. */
    public static Selection select(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; accepted: " + String.join(", ", NAMES));
        }
        List<String> log = new ArrayList<>();
        for (Status s : statuses()) {
            if (!n.equals("auto") && !n.equals(s.name())) {
                continue;
            }
            if (s.unavailableReason().isPresent()) {
                if (!n.equals("auto")) {
                    throw new IllegalStateException("backend " + s.name() + " is unavailable: "
                            + s.unavailableReason().get());
                }
                log.add("backend " + s.name() + " skipped: " + s.unavailableReason().get());
                continue;
            }
            if (n.equals("auto") && autoSkipReason(s.name()).isPresent()) {
                log.add("backend " + s.name() + " passed over by auto: " + autoSkipReason(s.name()).get());
                continue;
            }
            Backend b = open(s.name());
            log.add("backend " + b.name() + (n.equals("auto") ? " chosen by auto: " : " as requested: ")
                    + b.description());
            return new Selection(b, log);
        }
        throw new AssertionError("the scalar backend is always available");
    }

    private static Backend open(String name) {
        switch (name) {
            case "cuda":
                return new org.scalespace.backend.cuda.CudaBackend();
            case "opencl":
                return new org.scalespace.backend.opencl.OpenCLBackend();
            case "simd":
                return new org.scalespace.backend.simd.SimdBackend();
            case "scalar":
                return new ScalarBackend();
            default:
                throw new IllegalStateException("backend " + name + " cannot be opened");
        }
    }
}
