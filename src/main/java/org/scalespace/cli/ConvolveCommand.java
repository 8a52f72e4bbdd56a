package org.scalespace.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.GaussianFilters;
import org.scalespace.conv.GaussianOutput;
import org.scalespace.conv.GaussianSpec;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.io.AtomicFiles;
import org.scalespace.io.Images;
import org.scalespace.io.ResultReaders;
import org.scalespace.io.TensorFiles;
import org.scalespace.model.Construction;
import org.scalespace.model.Templates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code scalespace convolve INPUT (--filters FILE | --sigma SX[,SY]) [--padding P] [--backend B] --out OUTPUT}:
 * depthwise convolution of a batch (SPEC §8).
 */
@Command(name = "convolve", mixinStandardHelpOptions = true,
        description = {"Depthwise convolution (cross-correlation, stride 1, same size) of an (N,C,H,W) batch with "
                + "one filter per channel: dense learned k×k filters (.npy), idealized filters from a fit result "
                + "(.csv/.json of 'scalespace fit'), or discrete-Gaussian smoothing/derivatives (--sigma).",
            "INPUT: .npy of shape (N,C,H,W), (C,H,W) or (H,W), or an image (PNG/JPEG/BMP/GIF: grey → 1 channel, "
                + "colour → 3 channels R,G,B, values 0…255). OUTPUT: .npy (the input's rank), or .png for image "
                + "input (values rounded and clamped to 0…255)."})
public final class ConvolveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "INPUT", description = "input .npy or image")
    Path input;

    @Option(names = "--filters", paramLabel = "FILE",
            description = "dense filters .npy (C,1,k,k) or (C,k,k), or a fit result .csv/.json (one row per channel, "
                    + "in channel order)")
    Path filters;

    @Option(names = "--sigma", paramLabel = "SX[,SY]", description = "discrete-Gaussian smoothing at σx (and σy)")
    String sigma;

    @Option(names = "--derivative", defaultValue = "smooth",
            description = "with --sigma: smooth, dx, dy, dxx, dxy, dyy or lap (y up); default ${DEFAULT-VALUE}")
    String derivative;

    @Option(names = "--radius", defaultValue = "-1",
            description = "with --sigma: fixed window radius; default adaptive (mass ≥ 1 − 1e-8)")
    int radius;

    @Option(names = "--k", defaultValue = "7", description = "with a fit result: window size k; default 7")
    int k;

    @Option(names = "--construction", defaultValue = "exact",
            description = "with a fit result: template construction exact|paper; default exact")
    String construction;

    @Option(names = "--padding", defaultValue = "zero", description = "zero, reflect or replicate; default zero")
    String padding;

    @Option(names = "--backend", defaultValue = "auto", description = "auto, cuda, opencl, simd or scalar; default auto")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads for simd, 0 … 1024 (0 = all processors)")
    int threads;

    @Option(names = "--out", required = true, paramLabel = "OUTPUT", description = "output .npy or .png")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        // ---- check everything before any work
        if ((filters == null) == (sigma == null)) {
            throw new IllegalArgumentException("give exactly one of --filters FILE or --sigma SX[,SY]");
        }
        OptionChecks.threads("--threads", threads);
        Padding pad = Padding.parse(padding);
        String outExt = TensorFiles.extension(out);
        boolean imageIn = Images.isImage(input);
        if (!outExt.equals("npy") && !(outExt.equals("png") && imageIn)) {
            throw new IllegalArgumentException("--out " + out + ": accepted: .npy, or .png when INPUT is an image");
        }
        AtomicFiles.checkWritable(out, "--out " + out);
        TensorFiles.Loaded in = TensorFiles.readInput(input);
        Tensor4 x = in.tensor();
        x.requireFinite("input " + input);
        SeparableBank bank = null;
        DenseFilters dense = null;
        String what;
        if (sigma != null) {
            double[] s = parseSigma(sigma);
            GaussianSpec gs = new GaussianSpec(s[0], s[1], radius, GaussianSpec.DEFAULT_EPS);
            GaussianOutput o = GaussianOutput.parse(derivative);
            bank = GaussianFilters.bank(x.c(), gs, o);
            what = "discrete Gaussian " + o.id() + " σ=(" + s[0] + "," + s[1] + "), k=" + bank.k();
        } else {
            String fe = TensorFiles.extension(filters);
            if (fe.equals("npy")) {
                dense = TensorFiles.readDenseFilters(filters, "--filters " + filters);
                what = "dense filters " + filters + " (k=" + dense.k() + ")";
            } else if (fe.equals("csv") || fe.equals("json")) {
                Templates.checkK(k);
                Construction cons = Construction.parse(construction);
                bank = ResultReaders.readBank(filters, cons, k);
                if (bank.channels() != x.c()) {
                    throw new IllegalArgumentException("--filters " + filters + " has " + bank.channels() + " fit "
                            + "results but the input has C = " + x.c() + " channels; one result per channel, in "
                            + "channel order, is required");
                }
                what = "idealized filters from " + filters + " (k=" + bank.k() + ", " + construction + ")";
            } else {
                throw new IllegalArgumentException("--filters " + filters + ": accepted: .npy (dense (C,1,k,k) or "
                        + "(C,k,k)), .csv or .json (a fit result)");
            }
        }
        int fc = bank != null ? bank.channels() : dense.channels();
        if (fc != x.c()) {
            throw new IllegalArgumentException("input " + input + " has C = " + x.c() + " channels "
                    + x.shapeString() + " but the filters have " + fc + "; one filter per channel is required");
        }
        Backends.ConvSelection sel = Backends.selectConv(backend, threads);
        // ---- work
        Tensor4 y;
        long t0 = System.nanoTime();
        try (ConvEngine engine = sel.engine()) {
            y = bank != null ? engine.separable(x, bank, pad) : engine.dense(x, dense, pad);
        }
        double ms = (System.nanoTime() - t0) * 1e-6;
        if (outExt.equals("png")) {
            Images.writePng(out, y, "--out " + out);
        } else {
            TensorFiles.writeNpy(out, y, in.rank()); // atomic (temp file + rename)
        }
        stdout.printf(Locale.ROOT, "convolve: %s %s with %s, padding %s, %s, %.1f ms -> %s%n", input,
                x.shapeString(), what, pad.id(), sel.report(), ms, out);
        stdout.flush();
        err.flush();
        return 0;
    }

    /** Largest σ of --sigma: its adaptive radius (4012 at eps 1e-8) stays within GaussianSpec.MAX_RADIUS. */
    static final double MAX_SIGMA = 700;

    static double[] parseSigma(String s) {
        String[] p = s.split(",");
        if (p.length < 1 || p.length > 2) {
            throw new IllegalArgumentException("--sigma '" + s + "'; accepted: SX or SX,SY (σ ≥ 0, grid units)");
        }
        try {
            double sx = Double.parseDouble(p[0].trim());
            double sy = p.length == 2 ? Double.parseDouble(p[1].trim()) : sx;
            if (!(sx >= 0 && sx <= MAX_SIGMA && sy >= 0 && sy <= MAX_SIGMA)) {
                throw new IllegalArgumentException("--sigma '" + s + "'; accepted: SX or SX,SY with 0 ≤ σ ≤ "
                        + (int) MAX_SIGMA + " (grid units; the window's radius stays within "
                        + GaussianSpec.MAX_RADIUS + ")");
            }
            return new double[] {sx, sy};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--sigma '" + s + "'; accepted: SX or SX,SY (σ ≥ 0, grid units)");
        }
    }
}
