package org.scalespace.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.DegenerateMode;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;
import org.scalespace.fit.ScaleMode;
import org.scalespace.io.AtomicFiles;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.LayerSource;
import org.scalespace.io.ResultWriters;
import org.scalespace.io.StreamingFit;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code scalespace fit}: fit model families to every filter of the given files. */
@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit idealized scale-space filters to learned k×k filters and report family, scales, gain, "
                + "offset and residuals per filter.",
                "With no FILE, fits the bundled 8 master key filters of ConvNeXt V2 Tiny (CC BY 4.0, T. Lindeberg, "
                        + "tonylindeberg/masterfiltmodel) and prints a table."})
public final class FitCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..*", paramLabel = "FILE",
            description = ".npy (N,k,k | C,1,k,k | k,k), .npz, .safetensors (every (C,1,k,k) tensor is a layer), "
                    + "a PyTorch (.pt .pth .bin .ckpt), ONNX (.onnx), TFLite (.tflite) or TF.js (model.json) model "
                    + "(every depthwise convolution is a layer; chosen by content), "
                    + "or the text format of the bundled filters")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-f", "--families"}, defaultValue = "paper", paramLabel = "LIST",
            description = "comma-separated families (gauss dx dy dxp dxm dyp dym dog dxx dyy dxy lap), 'paper' "
                    + "(the first eight) or 'all' (default: ${DEFAULT-VALUE})")
    String families;

    @Option(names = {"-n", "--normalisation", "--normalization"}, defaultValue = "gain-offset", paramLabel = "N",
            description = "gain-offset | gain | paper | none (default: ${DEFAULT-VALUE})")
    String normalisation;

    @Option(names = {"-m", "--metric"}, defaultValue = "l2", paramLabel = "M",
            description = "l2 | l1; l1 only with normalisation paper or none (default: ${DEFAULT-VALUE})")
    String metric;

    @Option(names = {"-s", "--scale"}, defaultValue = "sep", paramLabel = "MODE",
            description = "sep (σx, σy free) | same (σx = σy) | joint (one σ per layer) (default: ${DEFAULT-VALUE})")
    String scale;

    @Option(names = "--sigma-min", defaultValue = "0.05", description = "smallest σ searched (default: ${DEFAULT-VALUE})")
    double sigmaMin;

    @Option(names = "--sigma-max", defaultValue = "4", description = "largest σ searched (default: ${DEFAULT-VALUE})")
    double sigmaMax;

    @Option(names = "--sigma-steps", defaultValue = "48",
            description = "points of the log-spaced coarse σ grid (default: ${DEFAULT-VALUE})")
    int sigmaSteps;

    @Option(names = "--alpha-max", defaultValue = "20", description = "largest α of dog (default: ${DEFAULT-VALUE})")
    double alphaMax;

    @Option(names = "--alpha-steps", defaultValue = "32",
            description = "points of the coarse α grid: 0 and log-spaced up to alpha-max (default: ${DEFAULT-VALUE})")
    int alphaSteps;

    @Option(names = {"-c", "--construction"}, defaultValue = "exact", paramLabel = "C",
            description = "exact | paper (default: ${DEFAULT-VALUE})")
    String construction;

    @Option(names = "--no-refine", description = "report the best coarse-grid point without local refinement")
    boolean noRefine;

    @Option(names = "--tolerance", defaultValue = "1e-4",
            description = "refinement tolerance on σ and α (default: ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--degenerate", defaultValue = "report", paramLabel = "D",
            description = "filters whose values are all equal (e.g. all-zero dead channels): report (a row of family "
                    + "none, edge degenerate) | skip (no row; the summary says how many) | error (default: "
                    + "${DEFAULT-VALUE})")
    String degenerate;

    @Option(names = {"-b", "--backend"}, defaultValue = "auto", paramLabel = "B",
            description = "auto | cuda | opencl | simd | scalar (default: ${DEFAULT-VALUE})")
    String backend;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "worker threads, 1 … 1024 (default or 0: all available processors; the scalar backend uses one)")
    Integer threads;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "write results to FILE: .csv, .json, or .npy (the fitted templates, float32 N×k×k); "
                    + "written to a temporary file and renamed, so no partial output")
    Path out;

    @Option(names = "--format", defaultValue = "table", paramLabel = "F",
            description = "what to print on stdout when there is no --out: table | csv | json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar and no summary on stderr")
    boolean quiet;

    /** Builds the options from the command line (validated; errors name the option). */
    FitOptions options() {
        List<Family> fams = Family.parseList(families);
        return new FitOptions(fams, Normalisation.parse(normalisation), Metric.parse(metric), ScaleMode.parse(scale),
                sigmaMin, sigmaMax, sigmaSteps, alphaMax, alphaSteps, Construction.parse(construction), !noRefine,
                tolerance);
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FitOptions opt = options();
        DegenerateMode degenerateMode = DegenerateMode.parse(degenerate);
        String fmt = format.toLowerCase(Locale.ROOT);
        if (!List.of("table", "csv", "json").contains(fmt)) {
            throw new IllegalArgumentException("--format must be table, csv or json, got '" + format + "'");
        }
        if (out != null) {
            String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
            if (!(name.endsWith(".csv") || name.endsWith(".json") || name.endsWith(".npy"))) {
                throw new IllegalArgumentException("--out " + out + ": unknown extension; "
                        + ResultWriters.ACCEPTED_FORMATS);
            }
            AtomicFiles.checkWritable(out, "--out " + out);
        }
        // the grid's size is known from the options alone (k = 3 is the smallest set): refuse one the heap cannot
        // hold before reading anything, rather than failing with an OutOfMemoryError after minutes of work
        CandidateSet.checkFits(opt, 3);
        int nThreads = threads == null || OptionChecks.threads("--threads", threads) == 0
                ? Runtime.getRuntime().availableProcessors() : threads;
        Backends.Selection sel = Backends.selectScorer(backend);
        try (CoarseScorer be = sel.scorer()) {
            // the model arrays are only written with --out templates.npy
            Fitter fitter = new Fitter(be, opt, nThreads)
                    .keepModels(out != null && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".npy"))
                    .degenerate(degenerateMode);
            // open everything and check every value first: a bad file fails before any work, and nothing is written
            long tRead = System.nanoTime();
            List<LayerSource> layers = new ArrayList<>();
            if (files.isEmpty()) {
                layers.add(LayerSource.of(FilterReaders.bundled()));
            } else {
                for (Path p : files) {
                    layers.addAll(FilterReaders.open(p, note -> {
                        if (!quiet) {
                            err.println("note: " + note);
                        }
                    }));
                }
            }
            StreamingFit job = new StreamingFit(fitter, layers, opt.scaleMode() == ScaleMode.JOINT, slice);
            long total = job.validate();
            double readSecs = (System.nanoTime() - tRead) / 1e9;
            long t0 = System.nanoTime();
            if (!quiet) {
                sel.log().forEach(l -> err.println(l));
            }
            Progress progress = new Progress(err, "fit", total, quiet);
            // results are kept only where the output needs them all at once (table, JSON, templates); CSV is
            // fitted, formatted and written a slice at a time, in bounded memory
            boolean streamCsv = out != null ? out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
                    : fmt.equals("csv");
            List<FitResult> results = null;
            if (!streamCsv) {
                results = job.fitAll(progress::advance);
            } else if (out != null) {
                job.writeCsv(out, progress::advance);
            } else {
                job.appendCsv(stdout, progress::advance);
            }
            progress.finish();
            double secs = job.fitSeconds();
            double allSecs = (System.nanoTime() - t0) / 1e9;
            long tWrite = System.nanoTime();
            if (results != null) {
                if (out != null) {
                    ResultWriters.write(out, results);
                } else if (fmt.equals("json")) {
                    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                    ResultWriters.toJson(buf, results);
                    stdout.print(buf.toString(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    printTable(stdout, layers, job.rowsPerLayer(), results);
                }
            }
            stdout.flush();
            double writeSecs = streamCsv ? allSecs - secs : (System.nanoTime() - tWrite) / 1e9;
            if (!quiet) {
                summary(err, job.tally(), secs, be, Math.max(1, fitter.threadsUsed()), opt);
                err.printf(Locale.ROOT, "time: reading and checking %.3f s, fitting %.3f s, writing %.3f s%s%n",
                        readSecs, secs, writeSecs, streamCsv ? " (results written as they are fitted)" : "");
            }
        }
        return 0;
    }

    /** Filters per slice ({@link StreamingFit#SLICE}; tests set a small one to cover slice boundaries cheaply). */
    static volatile int slice = StreamingFit.SLICE;

    /** The table of the results; {@code rows[l]} of them are layer l's (fewer than its filters: some skipped). */
    static void printTable(PrintWriter o, List<LayerSource> banks, long[] rows, List<FitResult> results) {
        int i = 0;
        int l = 0;
        for (LayerSource b : banks) {
            long end = i + rows[l++];
            o.printf(Locale.ROOT, "%s — layer %s: %d filters, %d×%d%n", b.source(), b.layer(), b.count(), b.k(), b.k());
            o.printf(Locale.ROOT, "%7s  %-6s %8s %8s %8s %9s %9s %7s %7s  %s%n", "channel", "family", "sigma_x",
                    "sigma_y", "alpha", "gain", "offset", "rel_l2", "cosine", "edge");
            for (; i < end; i++) {
                FitResult r = results.get(i);
                if (r.degenerate()) {
                    o.printf(Locale.ROOT, "%7d  %-6s %8s %8s %8s %9.4f %9.4f %7s %7s  %s%n", r.channel(),
                            r.familyId(), "-", "-", "-", r.gain(), r.offset(), "-", "-", r.edge());
                    continue;
                }
                o.printf(Locale.ROOT, "%7d  %-6s %8.4f %8.4f %8s %9.4f %9.4f %7.4f %7.4f  %s%n", r.channel(),
                        r.family().id(), r.sigmaX(), r.sigmaY(),
                        r.family() == Family.DOG ? String.format(Locale.ROOT, "%.4f", r.alpha()) : "-",
                        r.gain(), r.offset(), r.relL2(), r.cosine(), r.edge());
            }
        }
    }

    static void summary(PrintWriter err, StreamingFit.Tally tally, double secs, CoarseScorer be, int threads,
                        FitOptions opt) {
        Map<Family, Integer> counts = tally.counts();
        long edges = tally.edges();
        StringBuilder fam = new StringBuilder();
        counts.forEach((f, c) -> fam.append(fam.length() > 0 ? ", " : "").append(f.id()).append(' ').append(c));
        if (fam.length() == 0) {
            fam.append("no filter fitted");
        }
        if (tally.degenerate() > 0) {
            fam.append("; ").append(tally.degenerate()).append(" degenerate");
        }
        if (tally.skipped() > 0) {
            fam.append("; ").append(tally.skipped()).append(" degenerate skipped");
        }
        err.printf(Locale.ROOT, "fitted %d filters in %.3f s (%.0f filters/s) on backend %s, %d thread%s; "
                        + "%s, %s, scales %s, %s construction%n", tally.n(), secs, tally.n() / secs,
                be.name(), threads, threads == 1 ? "" : "s", opt.normalisation().id(), opt.metric().id(),
                opt.scaleMode().id(), opt.construction().id());
        err.println("families: " + fam + (edges > 0 ? "; " + edges + " optimum on the range edge (see column edge)"
                : ""));
        err.flush();
    }
}
