package org.scalespace.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.scalespace.backend.Backends;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Fidelity;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.AtomicFiles;
import org.scalespace.model.FilterBank;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.NpyArray;
import org.scalespace.io.NpyReader;
import org.scalespace.model.Family;
import org.scalespace.model.Templates;
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
            description = "learned filters (.npy, .npz, .safetensors, .txt; one layer per tensor), or 'bundled' for "
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

    @Option(names = "--backend", defaultValue = "auto", description = "auto, simd, scalar; default auto")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads (0 = all processors)")
    int threads;

    @Option(names = "--reps", defaultValue = "21",
            description = "timed calls per path, the two paths alternately, after a warm-up of both (1.5 s for the first "
                    + "layer of each filter size and plane width, 0.2 s after that; median); "
                    + "default ${DEFAULT-VALUE}")
    int reps;

    @Option(names = "--out", paramLabel = "REPORT", description = "per-channel report .csv or .json")
    Path out;

    /** One channel of the report. */
    record Row(String layer, int channel, FitResult fit, double outputRelL2) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter so = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Padding pad = Padding.parse(padding);
        if (out != null && !List.of("csv", "json").contains(ConvolveCommand.ext(out))) {
            throw new IllegalArgumentException("--out " + out + ": accepted: .csv or .json");
        }
        if (reps < 1 || batch < 1 || size < 1) {
            throw new IllegalArgumentException("--reps, --batch and --size must be ≥ 1");
        }
        List<FilterBank> banks = filters.equals("bundled") ? List.of(FilterReaders.bundled())
                : FilterReaders.read(Path.of(filters), note -> err.println("note: " + note));
        for (FilterBank b : banks) {
            Fitter.validate(b);
        }
        Tensor4 fromFile = null;
        String inputWhat;
        if (input == null) {
            inputWhat = "synthetic 1/f (multi-octave value noise) batch, N=" + batch + ", " + size + "×" + size
                    + ", seed " + seed;
        } else if (ConvolveCommand.ext(input).equals("npy")) {
            NpyArray a = NpyReader.read(input);
            fromFile = Tensor4.fromShape("--input " + input, ConvolveCommand.toInt(a.shape(), input), a.asFloat());
            fromFile.requireFinite("--input " + input);
            inputWhat = "feature maps " + input + " " + fromFile.shapeString();
        } else {
            fromFile = ConvolveCommand.readImage(input);
            inputWhat = "image " + input + " (grey mean of its channels, replicated over the filters' channels)";
        }
        for (FilterBank b : banks) {
            if (fromFile != null && fromFile.c() != b.count() && !(input != null
                    && !ConvolveCommand.ext(input).equals("npy"))) {
                throw new IllegalArgumentException("--input " + input + " has C = " + fromFile.c() + " channels but "
                        + "layer " + b.layer() + " has " + b.count() + " filters; one channel per filter is required");
            }
        }
        FitOptions opt = FitOptions.defaults();
        List<Row> rows = new ArrayList<>();
        Backends.Selection fitSel = Backends.selectScorer(backend);
        Backends.ConvSelection convSel = Backends.selectConv(backend, threads);
        so.println("replace: input: " + inputWhat + "; padding " + pad.id() + "; fit " + fitSel.log().get(
                fitSel.log().size() - 1) + "; convolution " + convSel.report());
        try (CoarseScorer be = fitSel.scorer(); ConvEngine engine = convSel.engine()) {
            Fitter fitter = new Fitter(be, opt, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            for (FilterBank b : banks) {
                List<FitResult> fits = fitter.fit(b, n -> { });
                int c = b.count();
                int k = b.k();
                Tensor4 x = fromFile == null ? synthetic(batch, c, size, size, seed)
                        : fromFile.c() == c ? fromFile : replicate(fromFile, c);
                float[] wd = new float[c * k * k];
                for (int i = 0; i < wd.length; i++) {
                    wd[i] = (float) b.data()[i];
                }
                DenseFilters dense = new DenseFilters(c, k, wd);
                List<List<SeparableBank.Term>> terms = new ArrayList<>();
                for (FitResult f : fits) {
                    terms.add(SeparableBank.terms(Templates.build(f.family(), opt.construction(), k, f.sigmaX(),
                            f.sigmaY(), f.family() == Family.DOG ? f.alpha() : 0), f.gain(), f.offset()));
                }
                SeparableBank ideal = SeparableBank.of(k, terms);
                Tensor4 yd = x.like();
                Tensor4 ys = x.like();
                double[] times = timePair(() -> engine.dense(x, dense, pad, yd),
                        () -> engine.separable(x, ideal, pad, ys), k + "x" + x.w());
                double td = times[0];
                double ts = times[1];
                Fidelity fid = Fidelity.compare(yd, ys);
                for (int ch = 0; ch < c; ch++) {
                    rows.add(new Row(b.layer(), ch, fits.get(ch), fid.perChannel()[ch]));
                }
                so.printf(Locale.ROOT, "layer %s (%s, %d filters %d×%d) on %s%n", b.layer(), b.source(), c, k, k,
                        x.shapeString());
                so.printf(Locale.ROOT, "  %-7s %-6s %7s %7s %7s %9s %9s %11s%n", "channel", "family", "sigma_x",
                        "sigma_y", "alpha", "filt_rl2", "out_rl2", "");
                for (int ch = 0; ch < c; ch++) {
                    FitResult f = fits.get(ch);
                    so.printf(Locale.ROOT, "  %-7d %-6s %7.4f %7.4f %7.4f %9.4f %9.4f%n", ch, f.family().id(),
                            f.sigmaX(), f.sigmaY(), f.alpha(), f.relL2(), fid.perChannel()[ch]);
                }
                so.printf(Locale.ROOT, "  layer output relative l2 %.4f; learned dense %d×%d: %.3f ms, idealized "
                        + "separable (%d terms max): %.3f ms, speed-up %.2f×%n", fid.layer(), k, k, td * 1e3,
                        ideal.maxTerms(), ts * 1e3, td / ts);
            }
        }
        if (out != null) {
            write(out, rows);
            so.println("replace: wrote " + out);
        }
        so.flush();
        return 0;
    }

    /**
     * Median call times of two paths, timed alternately (call of a, call of b, …) so that both see the same machine
     * state, after a warm-up of both, alternately: the vector kernels are compiled by the JIT on first use, and the
     * two paths share some of them. The warm-up lasts {@value #WARMUP_NANOS} ns the first time a filter size and
     * plane width are timed (which kernels run depends on them), {@value #MIN_WARMUP_NANOS} ns after that, so that a
     * model with many layers of one shape pays for compilation once.
     */
    private double[] timePair(Runnable a, Runnable b, String kernels) {
        long warm = warmed.add(kernels) ? WARMUP_NANOS : MIN_WARMUP_NANOS;
        long end = System.nanoTime() + warm;
        for (int i = 0; i < 3 || (i < 20000 && System.nanoTime() < end); i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[reps];
        double[] tb = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            a.run();
            long t1 = System.nanoTime();
            b.run();
            long t2 = System.nanoTime();
            ta[i] = (t1 - t0) * 1e-9;
            tb[i] = (t2 - t1) * 1e-9;
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        return new double[] {ta[reps / 2], tb[reps / 2]};
    }

    /** Filter sizes and plane widths already timed ({@link #timePair}). */
    private final java.util.Set<String> warmed = new java.util.HashSet<>();

    static final long MIN_WARMUP_NANOS = 200_000_000L;
    static final long WARMUP_NANOS = 1_500_000_000L;

    private static Tensor4 replicate(Tensor4 img, int c) {
        int plane = img.h() * img.w();
        float[] grey = new float[plane];
        for (int ch = 0; ch < img.c(); ch++) {
            for (int p = 0; p < plane; p++) {
                grey[p] += img.data()[ch * plane + p] / img.c();
            }
        }
        float[] d = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            System.arraycopy(grey, 0, d, ch * plane, plane);
        }
        return new Tensor4(1, c, img.h(), img.w(), d);
    }

    /**
     * A reproducible natural-image-like batch: per plane, the sum over octaves o of bilinearly interpolated random
     * grids with cell size 2^o and amplitude ∝ 2^o (a 1/f amplitude spectrum), zero mean, unit variance.
     */
    static Tensor4 synthetic(int n, int c, int h, int w, long seed) {
        Random rnd = new Random(seed);
        float[] d = new float[n * c * h * w];
        int octaves = Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(h, w)));
        for (int p = 0; p < n * c; p++) {
            int base = p * h * w;
            for (int o = 0; o < octaves; o++) {
                int cell = 1 << o;
                int gh = h / cell + 2;
                int gw = w / cell + 2;
                double[] grid = new double[gh * gw];
                for (int i = 0; i < grid.length; i++) {
                    grid[i] = rnd.nextGaussian() * cell;
                }
                for (int y = 0; y < h; y++) {
                    double fy = (double) y / cell;
                    int iy = (int) fy;
                    double ty = fy - iy;
                    for (int x = 0; x < w; x++) {
                        double fx = (double) x / cell;
                        int ix = (int) fx;
                        double tx = fx - ix;
                        double v = (1 - ty) * ((1 - tx) * grid[iy * gw + ix] + tx * grid[iy * gw + ix + 1])
                                + ty * ((1 - tx) * grid[(iy + 1) * gw + ix] + tx * grid[(iy + 1) * gw + ix + 1]);
                        d[base + y * w + x] += (float) v;
                    }
                }
            }
            double mean = 0;
            for (int i = 0; i < h * w; i++) {
                mean += d[base + i];
            }
            mean /= h * w;
            double var = 0;
            for (int i = 0; i < h * w; i++) {
                double e = d[base + i] - mean;
                var += e * e;
            }
            double sd = Math.sqrt(var / (h * w));
            for (int i = 0; i < h * w; i++) {
                d[base + i] = (float) ((d[base + i] - mean) / (sd > 0 ? sd : 1));
            }
        }
        return new Tensor4(n, c, h, w, d);
    }

    private static final String HEADER = "layer,channel,family,sigma_x,sigma_y,alpha,gain,offset,filter_rel_l2,"
            + "output_rel_l2";

    private static void write(Path file, List<Row> rows) throws java.io.IOException {
        boolean json = ConvolveCommand.ext(file).equals("json");
        AtomicFiles.write(file, os -> {
            if (json) {
                JsonGenerator g = new JsonFactory().createGenerator(os, JsonEncoding.UTF8)
                        .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.useDefaultPrettyPrinter();
                g.writeStartArray();
                for (Row r : rows) {
                    g.writeStartObject();
                    g.writeStringField("layer", r.layer());
                    g.writeNumberField("channel", r.channel());
                    g.writeStringField("family", r.fit().family().id());
                    g.writeNumberField("sigma_x", r.fit().sigmaX());
                    g.writeNumberField("sigma_y", r.fit().sigmaY());
                    g.writeNumberField("alpha", r.fit().alpha());
                    g.writeNumberField("gain", r.fit().gain());
                    g.writeNumberField("offset", r.fit().offset());
                    g.writeNumberField("filter_rel_l2", r.fit().relL2());
                    g.writeNumberField("output_rel_l2", r.outputRelL2());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.close();
            } else {
                Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
                w.write(HEADER + "\n");
                for (Row r : rows) {
                    FitResult f = r.fit();
                    w.write(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%s,%s,%s,%s,%s%n", csv(r.layer()), r.channel(),
                            f.family().id(), f.sigmaX(), f.sigmaY(), f.alpha(), f.gain(), f.offset(), f.relL2(),
                            r.outputRelL2()));
                }
                w.flush();
            }
        });
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
