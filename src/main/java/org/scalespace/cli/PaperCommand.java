package org.scalespace.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.PaperMethods;
import org.scalespace.model.FilterBank;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.PaperTables;
import org.scalespace.model.Construction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code scalespace paper}: the published table of fits of the 8 master key filters. */
@Command(name = "paper", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reproduce the table of fits of the 8 master key filters of Lindeberg, Babaiee & Kiasari "
                + "(arXiv 2509.12746), with the paper's normalisation.",
                "Methods as labelled in the paper's code: A/B (variance matching, continuous/discrete, separate "
                        + "scales), A2/B2 (one joint scale per group {1,2,3,4,8} and {5,6}), C1 C2 C3 (l1: sep, same, "
                        + "joint), D1 D2 D3 (l2: sep, same, joint); filter 7 (dog) is fitted for (σ, α) by l1 "
                        + "(rows C) and l2 (all other rows). l1 and l2 are measured on the normalised filter."})
public final class PaperCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--construction"}, defaultValue = "paper", paramLabel = "C",
            description = "paper | exact (default: ${DEFAULT-VALUE})")
    String construction;

    @Option(names = "--json", description = "print {method: {\"1\"..\"8\": {sigma_x, sigma_y, alpha, l1, l2}}}")
    boolean json;

    @Option(names = {"-b", "--backend"}, defaultValue = "auto", paramLabel = "B",
            description = "auto | cuda | opencl | simd | scalar (default: ${DEFAULT-VALUE})")
    String backend;

    @Override
    public Integer call() throws IOException {
        Construction c = Construction.parse(construction);
        FilterBank bank = FilterReaders.bundled();
        Backends.Selection sel = Backends.selectScorer(backend);
        Map<String, PaperMethods.Entry[]> table;
        try (CoarseScorer be = sel.scorer()) {
            table = new PaperMethods(be, c).table(bank);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(PaperTables.json(table));
        } else {
            out.printf(Locale.ROOT, "8 master key filters (ConvNeXt V2 Tiny), paper normalisation, %s construction%n",
                    c.id());
            out.printf(Locale.ROOT, "%-6s %6s  %-6s %8s %8s %7s %8s %8s  %s%n", "method", "filter", "family",
                    "sigma_x", "sigma_y", "alpha", "l1", "l2", "edge");
            for (Map.Entry<String, PaperMethods.Entry[]> e : table.entrySet()) {
                for (int i = 0; i < 8; i++) {
                    PaperMethods.Entry x = e.getValue()[i];
                    out.printf(Locale.ROOT, "%-6s %6d  %-6s %8.4f %8.4f %7s %8.4f %8.4f  %s%n", e.getKey(), i + 1,
                            x.family().id(), x.sigmaX(), x.sigmaY(),
                            i == 6 ? String.format(Locale.ROOT, "%.4f", x.alpha()) : "-", x.l1(), x.l2(), x.edge());
                }
            }
        }
        out.flush();
        return 0;
    }
}
