package org.scalespace.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.ConvEngines;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.GaussianFilters;
import org.scalespace.conv.GaussianOutput;
import org.scalespace.conv.GaussianSpec;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;
import org.scalespace.io.AtomicFiles;
import org.scalespace.io.InputFormatException;
import org.scalespace.io.NpyArray;
import org.scalespace.io.NpyReader;
import org.scalespace.io.NpyWriter;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
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

    @Option(names = "--backend", defaultValue = "auto", description = "auto, simd or scalar; default auto")
    String backend;

    @Option(names = "--threads", defaultValue = "0", description = "threads for simd (0 = all processors)")
    int threads;

    @Option(names = "--out", required = true, paramLabel = "OUTPUT", description = "output .npy or .png")
    Path out;

    private static final List<String> IMAGE_EXT = List.of("png", "jpg", "jpeg", "bmp", "gif");

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        // ---- check everything before any work
        if ((filters == null) == (sigma == null)) {
            throw new IllegalArgumentException("give exactly one of --filters FILE or --sigma SX[,SY]");
        }
        Padding pad = Padding.parse(padding);
        String outExt = ext(out);
        boolean imageIn = IMAGE_EXT.contains(ext(input));
        if (!outExt.equals("npy") && !(outExt.equals("png") && imageIn)) {
            throw new IllegalArgumentException("--out " + out + ": accepted: .npy, or .png when INPUT is an image");
        }
        Tensor4 x = imageIn ? readImage(input) : readNpy(input);
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
            String fe = ext(filters);
            if (fe.equals("npy")) {
                NpyArray a = NpyReader.read(filters);
                dense = DenseFilters.fromShape("--filters " + filters, toInt(a.shape(), filters), a.asFloat());
                what = "dense filters " + filters + " (k=" + dense.k() + ")";
            } else if (fe.equals("csv") || fe.equals("json")) {
                bank = fitBank(filters, fe, x.c());
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
        ConvEngines.Selection sel = ConvEngines.select(backend, threads);
        // ---- work
        Tensor4 y;
        long t0 = System.nanoTime();
        try (ConvEngine engine = sel.engine()) {
            y = bank != null ? engine.separable(x, bank, pad) : engine.dense(x, dense, pad);
        }
        double ms = (System.nanoTime() - t0) * 1e-6;
        if (outExt.equals("png")) {
            writePng(out, y);
        } else {
            long[] outShape = outputShape(y, imageIn ? 3 : inputRank);
            NpyWriter.write(out, outShape, y.data()); // atomic (temp file + rename)
        }
        stdout.printf(Locale.ROOT, "convolve: %s %s with %s, padding %s, %s, %.1f ms -> %s%n", input,
                x.shapeString(), what, pad.id(), sel.report(), ms, out);
        stdout.flush();
        err.flush();
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ inputs

    static String ext(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Rank of the .npy input (2, 3 or 4); the .npy output keeps it. */
    private int inputRank = 4;

    private Tensor4 readNpy(Path file) throws IOException {
        if (!ext(file).equals("npy")) {
            throw new InputFormatException(file.toString(), "unknown input type",
                    "accepted: .npy (N,C,H,W), (C,H,W) or (H,W), or an image (.png, .jpg, .jpeg, .bmp, .gif)");
        }
        NpyArray a = NpyReader.read(file);
        int[] s = toInt(a.shape(), file);
        Tensor4 t = Tensor4.fromShape("input " + file, s, a.asFloat());
        inputRank = s.length;
        return t;
    }

    private static long[] outputShape(Tensor4 t, int rank) {
        switch (rank) {
            case 2:
                return new long[] {t.h(), t.w()};
            case 3:
                return new long[] {t.c(), t.h(), t.w()};
            default:
                return new long[] {t.n(), t.c(), t.h(), t.w()};
        }
    }

    static int[] toInt(long[] shape, Path file) {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(file + ": dimension " + shape[i] + " too large");
            }
            s[i] = (int) shape[i];
        }
        return s;
    }

    static Tensor4 readImage(Path file) throws IOException {
        org.scalespace.io.ImageSupport.requireDesktop(file);
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new InputFormatException(file.toString(), "not a readable image",
                    "accepted: PNG, JPEG, BMP or GIF images, or .npy arrays");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        boolean grey = img.getColorModel().getNumColorComponents() == 1;
        int c = grey ? 1 : 3;
        float[] d = new float[c * h * w];
        java.awt.image.Raster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                if (grey) {
                    d[y * w + xx] = r.getSample(xx, y, 0);
                } else {
                    int rgb = img.getRGB(xx, y);
                    d[y * w + xx] = (rgb >> 16) & 0xff;
                    d[h * w + y * w + xx] = (rgb >> 8) & 0xff;
                    d[2 * h * w + y * w + xx] = rgb & 0xff;
                }
            }
        }
        return new Tensor4(1, c, h, w, d);
    }

    static void writePng(Path file, Tensor4 y) throws IOException {
        org.scalespace.io.ImageSupport.requireDesktop(file);
        if (y.n() != 1 || (y.c() != 1 && y.c() != 3)) {
            throw new IllegalArgumentException("--out " + file + ": PNG output needs 1 or 3 channels, got "
                    + y.shapeString());
        }
        int h = y.h();
        int w = y.w();
        BufferedImage img = new BufferedImage(w, h, y.c() == 1 ? BufferedImage.TYPE_BYTE_GRAY
                : BufferedImage.TYPE_INT_RGB);
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                if (y.c() == 1) {
                    img.getRaster().setSample(xx, yy, 0, clamp(y.get(0, 0, yy, xx)));
                } else {
                    int rgb = (clamp(y.get(0, 0, yy, xx)) << 16) | (clamp(y.get(0, 1, yy, xx)) << 8)
                            | clamp(y.get(0, 2, yy, xx));
                    img.setRGB(xx, yy, rgb);
                }
            }
        }
        AtomicFiles.write(file, o -> {
            if (!ImageIO.write(img, "png", o)) {
                throw new IOException(file + ": no PNG writer");
            }
        });
    }

    private static int clamp(float v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    static double[] parseSigma(String s) {
        String[] p = s.split(",");
        if (p.length < 1 || p.length > 2) {
            throw new IllegalArgumentException("--sigma '" + s + "'; accepted: SX or SX,SY (σ ≥ 0, grid units)");
        }
        try {
            double sx = Double.parseDouble(p[0].trim());
            double sy = p.length == 2 ? Double.parseDouble(p[1].trim()) : sx;
            return new double[] {sx, sy};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--sigma '" + s + "'; accepted: SX or SX,SY (σ ≥ 0, grid units)");
        }
    }

    // ------------------------------------------------------------------------------------------------ fit results

    /** Reads a fit result (CSV or JSON written by 'scalespace fit') into one separable filter per channel. */
    SeparableBank fitBank(Path file, String fe, int channels) throws IOException {
        Templates.checkK(k);
        Construction cons = Construction.parse(construction);
        List<Map<String, String>> rows = fe.equals("csv") ? readCsv(file) : readJson(file);
        if (rows.isEmpty()) {
            throw new InputFormatException(file.toString(), "no fit results", "accepted: a fit result with one row "
                    + "per input channel");
        }
        List<List<SeparableBank.Term>> all = new ArrayList<>();
        int line = 0;
        for (Map<String, String> r : rows) {
            line++;
            try {
                Family fam = Family.parse(req(r, "family"));
                double sx = Double.parseDouble(req(r, "sigma_x"));
                double sy = Double.parseDouble(req(r, "sigma_y"));
                double al = Double.parseDouble(req(r, "alpha"));
                double gain = Double.parseDouble(req(r, "gain"));
                double off = Double.parseDouble(req(r, "offset"));
                all.add(SeparableBank.terms(Templates.build(fam, cons, k, sx, sy, fam == Family.DOG ? al : 0),
                        gain, off));
            } catch (IllegalArgumentException e) {
                throw new InputFormatException(file.toString(), "result " + line + ": " + e.getMessage(),
                        "accepted: the CSV/JSON of 'scalespace fit' (columns " + Family.class.getSimpleName()
                                + " family, sigma_x, sigma_y, alpha, gain, offset)");
            }
        }
        if (all.size() != channels) {
            throw new IllegalArgumentException("--filters " + file + " has " + all.size() + " fit results but the "
                    + "input has C = " + channels + " channels; one result per channel, in channel order, is required");
        }
        return SeparableBank.of(k, all);
    }

    private static String req(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Map<String, String>> out = new ArrayList<>();
        if (lines.isEmpty()) {
            return out;
        }
        List<String> header = splitCsv(lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> f = splitCsv(lines.get(i));
            Map<String, String> m = new HashMap<>();
            for (int j = 0; j < header.size() && j < f.size(); j++) {
                m.put(header.get(j).trim(), f.get(j));
            }
            out.add(m);
        }
        return out;
    }

    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (q) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    b.append('"');
                    i++;
                } else if (ch == '"') {
                    q = false;
                } else {
                    b.append(ch);
                }
            } else if (ch == '"') {
                q = true;
            } else if (ch == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(ch);
            }
        }
        out.add(b.toString());
        return out;
    }

    static List<Map<String, String>> readJson(Path file) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new InputFormatException(file.toString(), "not a JSON array", "accepted: the JSON of "
                        + "'scalespace fit' (an array of result objects)");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Map<String, String> m = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.getCurrentName();
                    JsonToken t = p.nextToken();
                    if (t.isStructStart()) {
                        p.skipChildren();
                    } else if (t != JsonToken.VALUE_NULL) {
                        m.put(key, p.getText());
                    }
                }
                out.add(m);
            }
        }
        return out;
    }
}
