package org.scalespace.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.backend.simd.VectorSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code scalespace info}: backends, why any is unavailable, JDK, vector width, threads. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the backends (and why any is unavailable), the JDK, the vector width and the threads.")
public final class InfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Scalespace " + new Main.Version().getVersion()[0].replace("scalespace ", ""));
        out.println("JDK:      " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                + ", " + System.getProperty("java.vendor") + ")");
        out.println("OS/arch:  " + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        out.println("Threads:  " + Runtime.getRuntime().availableProcessors() + " available processors");
        out.println("Vectors:  " + VectorSupport.unavailableReason().map(r -> "unavailable: " + r)
                .orElseGet(VectorSupport::describe));
        out.println("Backends (auto picks the first available):");
        for (Backends.Status s : Backends.statuses()) {
            out.printf("  %-7s %s%n", s.name(), s.unavailableReason().map(r -> "unavailable: " + r)
                    .orElse(Backends.autoSkipReason(s.name()).map(r -> "available; auto passes over it: " + r)
                            .orElse("available")));
        }
        cudaSection(out);
        openclSection(out);
        out.flush();
        return 0;
    }

    /** CUDA: bundled PTX, driver version, devices, the device(s) the backend would use, or why none. */
    static void cudaSection(PrintWriter out) {
        out.println("CUDA:");
        try {
            out.println("  PTX:    " + org.scalespace.backend.cuda.Ptx.describe());
            int drv = org.scalespace.backend.cuda.CudaRuntime.driverVersion();
            if (drv > 0) {
                out.printf("  driver: CUDA %d.%d%n", drv / 1000, (drv % 1000) / 10);
            }
            for (org.scalespace.backend.cuda.CudaDevice d : org.scalespace.backend.cuda.CudaRuntime.devices()) {
                out.println("  device " + d.describe());
            }
            java.util.Optional<String> why = org.scalespace.backend.cuda.CudaRuntime.unavailableReason();
            if (why.isPresent()) {
                out.println("  unavailable: " + why.get());
            } else {
                String ov = org.scalespace.backend.cuda.CudaRuntime.override();
                StringBuilder ids = new StringBuilder();
                for (org.scalespace.backend.cuda.CudaDevice d : org.scalespace.backend.cuda.CudaRuntime.chosen()) {
                    ids.append(ids.length() == 0 ? "" : ",").append(d.index());
                }
                out.println("  the cuda backend uses device(s) " + ids + (ov == null ? " (default; choose with -D"
                        + org.scalespace.backend.cuda.CudaRuntime.DEVICE_PROPERTY + "=INDEX|LIST|all)"
                        : " (-D" + org.scalespace.backend.cuda.CudaRuntime.DEVICE_PROPERTY + "=" + ov + ")"));
            }
        } catch (LinkageError | RuntimeException | org.scalespace.backend.cuda.CudaRuntime.Unavailable e) {
            out.println("  unavailable: CUDA probe failed: " + e);
        }
    }

    /** OpenCL platforms and devices with memory and compute units, the device the backend would use, or why none. */
    static void openclSection(PrintWriter out) {
        out.println("OpenCL:");
        java.util.Optional<String> why;
        java.util.List<org.scalespace.backend.opencl.OpenCLDevice> ds;
        try {
            why = org.scalespace.backend.opencl.OpenCLRuntime.unavailableReason();
            ds = org.scalespace.backend.opencl.OpenCLRuntime.devices();
        } catch (LinkageError | RuntimeException e) {
            out.println("  unavailable: OpenCL probe failed: " + e);
            return;
        }
        int lastPlatform = -1;
        for (org.scalespace.backend.opencl.OpenCLDevice d : ds) {
            if (d.platformIndex() != lastPlatform) {
                out.printf("  platform %d: %s (%s)%n", d.platformIndex(), d.platformName(), d.platformVersion());
                lastPlatform = d.platformIndex();
            }
            out.printf(java.util.Locale.ROOT, "    device %d.%d: %s [%s] %s, driver %s%n", d.platformIndex(),
                    d.deviceIndex(), d.name(), d.type(), d.version(), d.driverVersion());
            out.printf(java.util.Locale.ROOT,
                    "      global memory %.2f GiB, max allocation %.2f GiB, local memory %d KiB, %d compute units,"
                            + " max work-group %d%n",
                    d.globalMemBytes() / 1073741824.0, d.maxAllocBytes() / 1073741824.0, d.localMemBytes() / 1024,
                    d.computeUnits(), d.maxWorkGroupSize());
        }
        String[] o = org.scalespace.backend.opencl.OpenCLRuntime.overrides();
        String ov = (o[0] == null ? "" : " -D" + org.scalespace.backend.opencl.OpenCLRuntime.PLATFORM_PROPERTY + "="
                + o[0]) + (o[1] == null ? "" : " -D" + org.scalespace.backend.opencl.OpenCLRuntime.DEVICE_PROPERTY
                + "=" + o[1]);
        if (why.isPresent()) {
            out.println("  unavailable: " + why.get());
        } else {
            try {
                org.scalespace.backend.opencl.OpenCLDevice c = org.scalespace.backend.opencl.OpenCLRuntime.chosenDevice();
                out.printf("  the opencl backend uses device %d.%d (%s)%s%n", c.platformIndex(), c.deviceIndex(),
                        c.name(), ov.isEmpty() ? ": GPU > accelerator > CPU" : ": chosen by" + ov);
            } catch (RuntimeException e) {
                out.println("  unavailable: " + e.getMessage());
            }
        }
    }
}
