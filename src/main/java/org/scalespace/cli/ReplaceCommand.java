package org.scalespace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.bench.ReplaceExperiment;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.Tensor4;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.DegenerateMode;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.AtomicFiles;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.Images;
import org.scalespace.io.ReplaceReport;
import org.scalespace.io.TensorFiles;
import org.scalespace.model.FilterBank;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scalespace replace}: fits the learned depthwise filters (default options of {@code fit}), runs the learned
 * dense convolution and the fitted idealized separable convolution on the same input, and reports per channel and per
 * layer the relative l2 between the two outputs (SPEC §8), the time of each path and the speed-up.
 */
@Command(name = "replace", mixinStandardHelpOptions = true,
        description = {"Replace learned depthwise filters by their fitted idealized filters and measure the output "
                + "fidelity and the speed of both convolutions on the same input."})
public final class ReplaceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--filters", defaultValue = "bundled", paramLabel = "LEARNED",
            description = "learned filters (.npy, .npz, .safetensors, .pt/.pth/.bin/.ckpt, .onnx, .tflite, "
                    + "model.json, .txt; one layer per tensor), or 'bundled' for "
                    + "the 8 master key filters of ConvNeXt V2 Tiny (CC BY 4.0, T. Lindeberg); default bundled")
    String filters;

    @Option(names = "--input", paramLabel = "X",
            description = "feature maps .npy (N,C,H,W) with C = filters of the layer, or an image (replicated over "
                    + "channels); default: a synthetic 1/f batch")
    Path input;

    @Option(names = "--batch", defaultValue = "1", description = "synthetic input: N; default ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--size", defaultValue = "256", description = "synthetic input: H = W; default ${DEFAULT-VALUE}")
    int size;

    @Option(names = "--seed", defaultValue = "1", description = "synthetic input seed; default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--padding", defaultValue = "zero", description = "zero, reflect, replicate; default zero")
    String padding;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, opencl, simd, scalar; default auto")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads, 0 … 1024 (0 = all processors)")
    int threads;

    @Option(names = "--reps", defaultValue = "21",
            description = "timed calls per path, the two paths alternately, after a warm-up of both (1.5 s for the first "
                    + "layer of each filter size and plane width, 0.2 s after that; median); "
                    + "default ${DEFAULT-VALUE}")
    int reps;

    @Option(names = "--out", paramLabel = "REPORT", description = "per-channel report .csv or .json")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter so = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Padding pad = Padding.parse(padding);
        if (out != null && !ReplaceReport.accepts(out)) {
            throw new IllegalArgumentException("--out " + out + ": accepted: .csv or .json");
        }
        if (out != null) {
            AtomicFiles.checkWritable(out, "--out " + out);
        }
        if (reps < 1 || batch < 1 || size < 1) {
            throw new IllegalArgumentException("--reps, --batch and --size must be ≥ 1");
        }
        OptionChecks.threads("--threads", threads);
        List<FilterBank> banks = filters.equals("bundled") ? List.of(FilterReaders.bundled())
                : FilterReaders.read(Path.of(filters), note -> err.println("note: " + note));
        for (FilterBank b : banks) {
            Fitter.validate(b, 0, DegenerateMode.REPORT); // a degenerate channel's idealized filter is its constant
            if (input == null) {
                try {
                    Tensor4.checkedSize(batch, b.count(), size, size);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--batch " + batch + " and --size " + size + " for layer "
                            + b.layer() + " (" + b.count() + " channels): " + e.getMessage());
                }
            }
        }
        Tensor4 fromFile = null;
        String inputWhat;
        boolean npyIn = input != null && TensorFiles.extension(input).equals("npy");
        if (input == null) {
            inputWhat = "synthetic 1/f (multi-octave value noise) batch, N=" + batch + ", " + size + "×" + size
                    + ", seed " + seed;
        } else if (npyIn) {
            fromFile = TensorFiles.readNpy(input, "--input " + input).tensor();
            fromFile.requireFinite("--input " + input);
            inputWhat = "feature maps " + input + " " + fromFile.shapeString();
        } else {
            fromFile = Images.read(input);
            inputWhat = "image " + input + " (grey mean of its channels, replicated over the filters' channels)";
        }
        for (FilterBank b : banks) {
            if (npyIn && fromFile.c() != b.count()) {
                throw new IllegalArgumentException("--input " + input + " has C = " + fromFile.c() + " channels but "
                        + "layer " + b.layer() + " has " + b.count() + " filters; one channel per filter is required");
            }
        }
        FitOptions opt = FitOptions.defaults();
        List<ReplaceReport.Row> rows = new ArrayList<>();
        Backends.Selection fitSel = Backends.selectScorer(backend);
        Backends.ConvSelection convSel = Backends.selectConv(backend, threads);
        so.println("replace: input: " + inputWhat + "; padding " + pad.id() + "; fit " + fitSel.log().get(
                fitSel.log().size() - 1) + "; convolution " + convSel.report());
        try (CoarseScorer be = fitSel.scorer(); ConvEngine engine = convSel.engine()) {
            Fitter fitter = new Fitter(be, opt, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            ReplaceExperiment experiment = new ReplaceExperiment(fitter, engine, pad,
                    new ReplaceExperiment.Input(fromFile, batch, size, seed), reps);
            for (FilterBank b : banks) {
                ReplaceExperiment.Layer l = experiment.run(b);
                rows.addAll(l.rows());
                int c = b.count();
                int k = b.k();
                double[] outRel = l.fidelity().perChannel();
                so.printf(Locale.ROOT, "layer %s (%s, %d filters %d×%d) on %s%n", b.layer(), b.source(), c, k, k,
                        l.input().shapeString());
                so.printf(Locale.ROOT, "  %-7s %-6s %7s %7s %7s %9s %9s %11s%n", "channel", "family", "sigma_x",
                        "sigma_y", "alpha", "filt_rl2", "out_rl2", "");
                for (int ch = 0; ch < c; ch++) {
                    FitResult f = l.fits().get(ch);
                    if (f.degenerate()) {
                        so.printf(Locale.ROOT, "  %-7d %-6s %7s %7s %7s %9s %9.4f%n", ch, f.familyId(), "-", "-", "-",
                                "-", outRel[ch]);
                        continue;
                    }
                    so.printf(Locale.ROOT, "  %-7d %-6s %7.4f %7.4f %7.4f %9.4f %9.4f%n", ch, f.family().id(),
                            f.sigmaX(), f.sigmaY(), f.alpha(), f.relL2(), outRel[ch]);
                }
                so.printf(Locale.ROOT, "  layer output relative l2 %.4f; learned dense %d×%d: %.3f ms, idealized "
                        + "separable (%d terms max): %.3f ms, speed-up %.2f×%n", l.fidelity().layer(), k, k,
                        l.denseSeconds() * 1e3, l.idealized().maxTerms(), l.separableSeconds() * 1e3, l.speedUp());
            }
        }
        if (out != null) {
            ReplaceReport.write(out, rows);
            so.println("replace: wrote " + out);
        }
        so.flush();
        return 0;
    }
}
