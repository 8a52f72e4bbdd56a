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
        for (String n : ORDER) {
            out.add(status(n));
        }
        return out;
    }

    /** The backends in {@code auto}'s order. */
    private static final List<String> ORDER = List.of("cuda", "opencl", "simd", "scalar");

    /** The status of one backend; probes only that backend (loading its driver if it has one). */
    public static Status status(String name) {
        switch (name) {
            case "cuda":
                return new Status(name, cudaReason());
            case "opencl":
                return new Status(name, openclReason());
            case "simd":
                return new Status(name, VectorSupport.unavailableReason());
            case "scalar":
                return new Status(name, Optional.empty());
            default:
                return new Status(name, Optional.of("no backend named '" + name + "'; accepted: "
                        + String.join(", ", ORDER)));
        }
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
        // decided from the ICD files when every installed driver is PoCL, so the driver is not even loaded (its LLVM
        // replaces the JVM's SIGSEGV handler; see README)
        // (not when a platform or device is chosen explicitly: then OpenCL is probed and any problem reported)
        Optional<String> icd = explicitOpenclChoice() ? Optional.empty() : onlyPocl();
        if (icd.isPresent()) {
            return Optional.of("the only OpenCL driver installed is PoCL (" + icd.get() + "), a CPU driver, where simd "
                    + "is as fast (fit) or faster (convolution on host arrays); use --backend opencl to run it anyway");
        }
        try {
            org.scalespace.backend.opencl.OpenCLDevice d = org.scalespace.backend.opencl.OpenCLRuntime.chosenDevice();
            if ("CPU".equals(d.type())) {
                return Optional.of("its device is a CPU (" + d.name() + "), where simd is as fast (fit) or faster "
                        + "(convolution on host arrays); use --backend opencl to run it anyway");
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

    /** Whether a platform or device override for OpenCL is set (system property or environment). */
    private static boolean explicitOpenclChoice() {
        try {
            for (String o : org.scalespace.backend.opencl.OpenCLRuntime.overrides()) {
                if (o != null && !o.isBlank()) {
                    return true;
                }
            }
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
        return false;
    }

    /**
     * The ICD file(s) when every OpenCL driver registered with the ICD loader is PoCL (OCL_ICD_VENDORS, a directory or
     * one file, else /etc/OpenCL/vendors/*.icd); empty when there is none or any other driver.
     */
    static Optional<String> onlyPocl() {
        try {
            String env = System.getenv("OCL_ICD_VENDORS");
            java.nio.file.Path dir = java.nio.file.Path.of(env != null && !env.isBlank() ? env : "/etc/OpenCL/vendors");
            List<java.nio.file.Path> icds = new ArrayList<>();
            if (java.nio.file.Files.isDirectory(dir)) {
                try (java.util.stream.Stream<java.nio.file.Path> st = java.nio.file.Files.list(dir)) {
                    st.filter(f -> f.getFileName().toString().endsWith(".icd")).sorted().forEach(icds::add);
                }
            } else if (java.nio.file.Files.isRegularFile(dir)) {
                icds.add(dir);
            }
            if (icds.isEmpty()) {
                return Optional.empty();
            }
            for (java.nio.file.Path f : icds) {
                String lib = java.nio.file.Files.readString(f).trim();
                if (!lib.toLowerCase(Locale.ROOT).contains("pocl")) {
                    return Optional.empty();
                }
            }
            return Optional.of(icds.stream().map(Object::toString).reduce((a, b) -> a + ", " + b).orElse(""));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Opens the named backend; {@code auto} picks the first available and logs the reasons for the others. */
    public static Selection select(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; accepted: " + String.join(", ", NAMES));
        }
        List<String> log = new ArrayList<>();
        for (String cand : ORDER) {
            if (!n.equals("auto") && !n.equals(cand)) {
                continue;
            }
            if (n.equals("auto")) {
                // asked first, so a driver that auto would pass over is not loaded at all when that can be decided
                // from the ICD files (autoSkipReason is empty for a backend whose driver cannot be used)
                Optional<String> pass = autoSkipReason(cand);
                if (pass.isPresent()) {
                    log.add("backend " + cand + " passed over by auto: " + pass.get());
                    continue;
                }
            }
            Status s = status(cand);
            if (s.unavailableReason().isPresent()) {
                if (!n.equals("auto")) {
                    throw new IllegalStateException("backend " + s.name() + " is unavailable: "
                            + s.unavailableReason().get());
                }
                log.add("backend " + s.name() + " skipped: " + s.unavailableReason().get());
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
