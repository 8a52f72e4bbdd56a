package org.scalespace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.bench.FitBench;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.DegenerateMode;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.model.FilterBank;
import org.scalespace.io.FilterReaders;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bench fit}: the fit alone, timed the way {@code benchmarks/fit_numpy.py} times the NumPy grid search — the
 * filters are read once, then fitted {@code --repeat} times in the same process and the best run counts (so JVM start,
 * JIT compilation and file I/O are outside the figure, as reading and NumPy's import are outside NumPy's). Before
 * timing, the backend's family choices on the first filters are checked against the scalar oracle; a mismatch
 * prints no figure and exits 1. The last line is {@code filters/s: <value>}.
 */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Time the bulk fit in process: read once, fit --repeat times, best run "
                + "(validated against the scalar oracle first).")
public final class BenchFitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "filter files, as for `scalespace fit`")
    List<Path> files = new ArrayList<>();

    @Option(names = "--repeat", defaultValue = "3", description = "timed fits; the best counts (default ${DEFAULT-VALUE})")
    int repeat;

    @Option(names = {"-b", "--backend"}, defaultValue = "simd", description = "backend (default ${DEFAULT-VALUE})")
    String backend;

    @Option(names = {"-t", "--threads"}, description = "worker threads, 1 … 1024 (default or 0: all available processors)")
    Integer threads;

    @Option(names = "--no-refine", description = "the coarse grid only")
    boolean noRefine;

    @Option(names = "--check", defaultValue = "32",
            description = "filters whose family choice is checked against the scalar oracle first "
                    + "(default ${DEFAULT-VALUE}; 0 skips the check)")
    int check;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (repeat < 1 || repeat > 1000) {
            throw new IllegalArgumentException("--repeat must be in 1..1000, got " + repeat);
        }
        if (check < 0) {
            throw new IllegalArgumentException("--check must be >= 0, got " + check);
        }
        int nThreads = threads == null || OptionChecks.threads("--threads", threads) == 0
                ? Runtime.getRuntime().availableProcessors() : threads;
        FitOptions opt = noRefine ? FitOptions.defaults().withRefine(false) : FitOptions.defaults();
        List<FilterBank> banks = new ArrayList<>();
        long total = 0;
        for (Path p : files) {
            for (FilterBank b : FilterReaders.read(p)) {
                Fitter.validate(b, 0, DegenerateMode.REPORT); // degenerate filters get their none rows
                banks.add(b);
                total += b.count();
            }
        }
        Backends.Selection sel = Backends.selectScorer(backend);
        try (CoarseScorer be = sel.scorer()) {
            Fitter fitter = new Fitter(be, opt, nThreads).keepModels(false);
            out.printf(Locale.ROOT, "bench fit: %d filters in %d layer%s, backend %s, %d thread%s, refinement %s%n",
                    total, banks.size(), banks.size() == 1 ? "" : "s", be.name(), fitter.threads(),
                    fitter.threads() == 1 ? "" : "s", opt.refine() ? "on" : "off");
            if (check > 0) {
                FilterBank b0 = banks.get(0);
                FilterBank head = FitBench.head(b0, check);
                int n = head.count();
                List<FitResult> mine = fitter.fit(head, x -> { });
                List<FitResult> oracle;
                try (CoarseScorer sc = Backends.selectScorer("scalar").scorer()) {
                    oracle = new Fitter(sc, opt, 1).keepModels(false).fit(head, x -> { });
                }
                int i = FitBench.firstFamilyMismatch(mine, oracle);
                if (i >= 0) {
                    out.printf(Locale.ROOT, "bench fit: filter %d of %s: backend %s chose %s, the scalar oracle "
                            + "%s; no figure%n", i, b0.source(), be.name(), mine.get(i).familyId(),
                            oracle.get(i).familyId());
                    out.flush();
                    return 1;
                }
                out.printf(Locale.ROOT, "check: the first %d filters get the scalar oracle's families%n", n);
            }
            final long filters = total;
            double best = FitBench.bestOf(fitter, banks, repeat, (r, s) -> {
                out.printf(Locale.ROOT, "run %d: %.3f s, %.0f filters/s%n", r, s, filters / s);
                out.flush();
            });
            out.printf(Locale.ROOT, "filters/s: %.0f%n", total / best);
        }
        return 0;
    }
}
