package org.scalespace.backend.opencl;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.scalespace.backend.simd.VectorSupport;
import org.scalespace.backend.spi.BackendProvider;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/**
 * The opencl backend: one OpenCL device through JOCL, chosen by {@link OpenCLRuntime} (GPU &gt; accelerator &gt;
 * CPU, or the overrides). JOCL is loaded by the first probe, not by constructing this provider.
 */
public final class OpenCLProvider implements BackendProvider {

    @Override
    public String name() {
        return "opencl";
    }

    /** Why OpenCL cannot be used (JOCL, libOpenCL.so, platform, device, overrides); never throws. */
    @Override
    public Optional<String> unavailableReason() {
        try {
            return OpenCLRuntime.unavailableReason();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("OpenCL probe failed: " + e);
        }
    }

    /**
     * An OpenCL backend whose device is a CPU (PoCL, for instance) is passed over while the simd backend is
     * available: on a CPU the Java Vector API backend is as fast or faster (benchmarks/RESULTS.md), so the SPEC §9
     * order cuda → opencl → simd is applied to devices that are not CPUs. {@code --backend opencl} still uses it.
     */
    @Override
    public Optional<String> autoSkipReason() {
        if (VectorSupport.unavailableReason().isPresent()) {
            return Optional.empty();
        }
        // decided from the ICD files when every installed driver is PoCL, so the driver is not even loaded (its LLVM
        // replaces the JVM's SIGSEGV handler; see README)
        // (not when a platform or device is chosen explicitly: then OpenCL is probed and any problem reported)
        Optional<String> icd = explicitChoice() ? Optional.empty() : onlyPocl();
        if (icd.isPresent()) {
            return Optional.of("the only OpenCL driver installed is PoCL (" + icd.get() + "), a CPU driver, where simd "
                    + "is as fast (fit) or faster (convolution on host arrays); use --backend opencl to run it anyway");
        }
        try {
            OpenCLDevice d = OpenCLRuntime.chosenDevice();
            if ("CPU".equals(d.type())) {
                return Optional.of("its device is a CPU (" + d.name() + "), where simd is as fast (fit) or faster "
                        + "(convolution on host arrays); use --backend opencl to run it anyway");
            }
        } catch (LinkageError | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Whether a platform or device override for OpenCL is set (system property or environment). */
    private static boolean explicitChoice() {
        try {
            for (String o : OpenCLRuntime.overrides()) {
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
            Path dir = Path.of(env != null && !env.isBlank() ? env : "/etc/OpenCL/vendors");
            List<Path> icds = new ArrayList<>();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> st = Files.list(dir)) {
                    st.filter(f -> f.getFileName().toString().endsWith(".icd")).sorted().forEach(icds::add);
                }
            } else if (Files.isRegularFile(dir)) {
                icds.add(dir);
            }
            if (icds.isEmpty()) {
                return Optional.empty();
            }
            for (Path f : icds) {
                String lib = Files.readString(f).trim();
                if (!lib.toLowerCase(Locale.ROOT).contains("pocl")) {
                    return Optional.empty();
                }
            }
            return Optional.of(icds.stream().map(Object::toString).reduce((a, b) -> a + ", " + b).orElse(""));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** OpenCL platforms and devices with memory and compute units, the device the backend would use, or why none. */
    @Override
    public void describe(PrintWriter out) {
        out.println("OpenCL:");
        Optional<String> why;
        List<OpenCLDevice> ds;
        try {
            why = OpenCLRuntime.unavailableReason();
            ds = OpenCLRuntime.devices();
        } catch (LinkageError | RuntimeException e) {
            out.println("  unavailable: OpenCL probe failed: " + e);
            return;
        }
        int lastPlatform = -1;
        for (OpenCLDevice d : ds) {
            if (d.platformIndex() != lastPlatform) {
                out.printf("  platform %d: %s (%s)%n", d.platformIndex(), d.platformName(), d.platformVersion());
                lastPlatform = d.platformIndex();
            }
            out.printf(Locale.ROOT, "    device %d.%d: %s [%s] %s, driver %s%n", d.platformIndex(),
                    d.deviceIndex(), d.name(), d.type(), d.version(), d.driverVersion());
            out.printf(Locale.ROOT,
                    "      global memory %.2f GiB, max allocation %.2f GiB, local memory %d KiB, %d compute units,"
                            + " max work-group %d%n",
                    d.globalMemBytes() / 1073741824.0, d.maxAllocBytes() / 1073741824.0, d.localMemBytes() / 1024,
                    d.computeUnits(), d.maxWorkGroupSize());
        }
        String[] o = OpenCLRuntime.overrides();
        String ov = (o[0] == null ? "" : " -D" + OpenCLRuntime.PLATFORM_PROPERTY + "=" + o[0])
                + (o[1] == null ? "" : " -D" + OpenCLRuntime.DEVICE_PROPERTY + "=" + o[1]);
        if (why.isPresent()) {
            out.println("  unavailable: " + why.get());
        } else {
            try {
                OpenCLDevice c = OpenCLRuntime.chosenDevice();
                out.printf("  the opencl backend uses device %d.%d (%s)%s%n", c.platformIndex(), c.deviceIndex(),
                        c.name(), ov.isEmpty() ? ": GPU > accelerator > CPU" : ": chosen by" + ov);
            } catch (RuntimeException e) {
                out.println("  unavailable: " + e.getMessage());
            }
        }
    }

    @Override
    public CoarseScorer openScorer() {
        return new OpenCLScorer();
    }

    /** {@code threads} is ignored: the OpenCL driver schedules the device. */
    @Override
    public ConvEngine openConvEngine(int threads) {
        return new OpenCLConvEngine(threads);
    }
}
