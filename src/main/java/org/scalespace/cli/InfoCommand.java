package org.scalespace.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.backend.spi.BackendProvider;
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
        out.println("Vectors:  " + Backends.vectors());
        out.println("Backends (auto picks the first available):");
        for (Backends.Status s : Backends.statuses()) {
            out.printf("  %-7s %s%n", s.name(), s.unavailableReason().map(r -> "unavailable: " + r)
                    .orElse(Backends.autoSkipReason(s.name()).map(r -> "available; auto passes over it: " + r)
                            .orElse("available")));
        }
        // each backend's own section (CUDA, then OpenCL; simd and scalar have none), in auto's order
        for (BackendProvider p : Backends.providers()) {
            p.describe(out);
        }
        out.flush();
        return 0;
    }
}
