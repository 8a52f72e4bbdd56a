package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.scalespace.io.NpyWriter;

/**
 * Hostile inputs across the commands and every reader: truncated, oversized and damaged files of each format (built
 * here from small valid seeds and the readers' committed fixtures), empty files, directories, missing files, bad JSON
 * and CSV results, and bad option values. For each: exit status 2 (bad input; {@link #ROBUST} cases may also
 * succeed, since a damaged byte can leave a valid file), one line on stderr naming the culprit, no stack trace text,
 * no output file and no temporary file, and under 20 s. The bulk runs in-process through {@link Main#run}; a FIFO,
 * a grid too large for a 512 MiB heap and SIGTERM run in child JVMs. {@code -Dscalespace.hostile=full} adds more
 * damaged files per seed.
 *
 * <p>"One line" leaves out {@code note:} lines (files a reader skipped parts of, said as notes) and picocli's
 * {@code Try '... --help'} hint that follows an option error.
 */
class HostileInputSuiteTest {

    private static Path root;
    private static Path in;
    private static Path outDir;
    private static final boolean FULL = "full".equals(System.getProperty("scalespace.hostile"));

    /** A case: its name, the command line, what the line must name; robust: exit 0 is acceptable too. */
    record Case(String name, List<String> args, String culprit, boolean robust) {
    }

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("hostile");
        in = Files.createDirectories(root.resolve("in"));
        outDir = Files.createDirectories(root.resolve("out"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
    }

    private static Path fixture(String name) {
        try {
            return Path.of(HostileInputSuiteTest.class.getResource("/io/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(String name, byte[] b) {
        try {
            return Files.write(in.resolve(name), b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] values(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) Math.sin(0.7 * i + 0.3);
        }
        return f;
    }

    /** The valid seed files, one per reader: extension → bytes. */
    private static List<Object[]> seeds() throws IOException {
        List<Object[]> s = new ArrayList<>();
        Path npy = in.resolve("seed.npy");
        NpyWriter.write(npy, new long[] {2, 5, 5}, values(50));
        s.add(new Object[] {"npy", read(npy)});
        ByteArrayOutputStream zb = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zb)) {
            z.putNextEntry(new ZipEntry("dw.npy"));
            z.write(read(npy));
            z.closeEntry();
        }
        s.add(new Object[] {"npz", zb.toByteArray()});
        s.add(new Object[] {"npz", read(fixture("layers.npz"))});
        s.add(new Object[] {"safetensors", read(fixture("model.safetensors"))});
        s.add(new Object[] {"onnx", read(fixture("onnx/dw_float32.onnx"))});
        s.add(new Object[] {"tflite", read(fixture("tflite/dw.tflite"))});
        s.add(new Object[] {"pt", read(fixture("torch/dtypes.pt"))});
        return s;
    }

    private static Path out(String ext) {
        return outDir.resolve("result." + ext);
    }

    private static List<String> fit(Path file) {
        return List.of("fit", "-q", "--backend", "scalar", "--sigma-steps", "8", "--alpha-steps", "4", "--no-refine",
                "--out", out("csv").toString(), file.toString());
    }

    static List<Case> cases() throws IOException {
        List<Case> c = new ArrayList<>();
        Path good = in.resolve("good.npy");
        NpyWriter.write(good, new long[] {2, 5, 5}, values(50));
        Path image = in.resolve("x.npy");
        NpyWriter.write(image, new long[] {1, 2, 8, 8}, values(128));
        int seedNo = 0;
        for (Object[] seed : seeds()) {
            String ext = (String) seed[0];
            byte[] b = (byte[]) seed[1];
            String tag = ext + seedNo++;
            // truncations: every format needs its end (an end record, a length, the data)
            int[] cuts = FULL ? new int[] {1, 4, 7, 8, 9, 12, 16, 24, 40, 64, 100, b.length / 4, b.length / 3,
                b.length / 2, 2 * b.length / 3, b.length - 16, b.length - 3, b.length - 1}
                : new int[] {1, 8, 12, 40, b.length / 2, b.length - 3};
            for (int cut : cuts) {
                if (cut > 0 && cut < b.length) {
                    Path p = write(tag + "_cut" + cut + "." + ext, Arrays.copyOf(b, cut));
                    c.add(new Case("fit " + p.getFileName(), fit(p), p.getFileName().toString(),
                            robustCut(ext)));
                }
            }
            // trailing garbage and oversized files
            Path tail = write(tag + "_tail." + ext, concat(b, "garbage after the end".getBytes(StandardCharsets.UTF_8)));
            c.add(new Case("fit " + tail.getFileName(), fit(tail), tail.getFileName().toString(), true));
            // damaged bytes (a damaged value can still be a valid file: robust)
            Random rnd = new Random(17 + seedNo);
            int flips = FULL ? 60 : 4;
            for (int i = 0; i < flips; i++) {
                byte[] d = b.clone();
                int at = rnd.nextInt(Math.min(d.length, 256));
                d[at] = (byte) (rnd.nextBoolean() ? 0xff : d[at] ^ (1 << rnd.nextInt(8)));
                Path p = write(tag + "_flip" + i + "." + ext, d);
                c.add(new Case("fit " + p.getFileName(), fit(p), p.getFileName().toString(), true));
            }
            // through the other commands that read filters
            Path half = in.resolve(tag + "_cut" + (b.length / 2) + "." + ext);
            c.add(new Case("replace --filters " + half.getFileName(), List.of("replace", "--filters", half.toString(),
                    "--size", "16", "--reps", "1", "--out", out("json").toString()), half.getFileName().toString(),
                    false));
            c.add(new Case("bench fit " + half.getFileName(), List.of("bench", "fit", "--backend", "scalar",
                    half.toString()), half.getFileName().toString(), false));
        }
        // empty files of every extension a command reads
        for (String ext : new String[] {"npy", "npz", "safetensors", "onnx", "tflite", "pt", "pth", "ckpt", "bin",
            "txt"}) {
            Path p = write("empty." + ext, new byte[0]);
            c.add(new Case("fit " + p.getFileName(), fit(p), p.getFileName().toString(), false));
        }
        // oversized headers
        byte[] npy = read(good);
        byte[] hugeHeader = npy.clone();
        hugeHeader[8] = (byte) 0xff;
        hugeHeader[9] = (byte) 0xff;
        c.add(fitCase("npy_header_65535.npy", hugeHeader));
        byte[] v2 = concat(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            0x7f}, new byte[64]);
        c.add(fitCase("npy_v2_header_2g.npy", v2));
        c.add(fitCase("npy_shape_huge.npy", npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': "
                + "(100000000000, 5, 5), }")));
        c.add(fitCase("npy_shape_negative.npy", npyWithDict("{'descr': '<f4', 'fortran_order': False, 'shape': "
                + "(-2, 5, 5), }")));
        c.add(fitCase("npy_dict_garbage.npy", npyWithDict("{'descr': '<f4', 'fortran_order': Fals")));
        c.add(fitCase("npy_descr_object.npy", npyWithDict("{'descr': '|O', 'fortran_order': False, 'shape': "
                + "(2, 5, 5), }")));
        for (long len : new long[] {0, 1, 7, 1L << 40, Long.MAX_VALUE, -1}) {
            ByteBuffer st = ByteBuffer.allocate(8 + 16).order(ByteOrder.LITTLE_ENDIAN);
            st.putLong(len).put("{\"a\":{\"dtype\"".getBytes(StandardCharsets.US_ASCII));
            c.add(fitCase("st_len_" + Long.toUnsignedString(len) + ".safetensors", st.array()));
        }
        c.add(fitCase("st_bad_json.safetensors", safetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [2,5,5], ")));
        c.add(fitCase("st_offsets_past.safetensors", safetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": [2,5,5], "
                + "\"data_offsets\": [0, 999999999999]}}")));
        c.add(fitCase("st_shape_huge.safetensors", safetensors("{\"w\": {\"dtype\": \"F32\", \"shape\": "
                + "[4000000000,5,5], \"data_offsets\": [0, 200]}}")));
        c.add(fitCase("onnx_varint_huge.onnx", new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            0x0f, 1, 2, 3}));
        c.add(fitCase("onnx_varint_endless.onnx", new byte[] {0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
        byte[] tfl = read(fixture("tflite/dw.tflite")).clone();
        ByteBuffer.wrap(tfl).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x7ffffff0);
        c.add(fitCase("tflite_root_huge.tflite", tfl));
        c.add(fitCase("pt_not_zip.pt", "PK\u0003\u0004 but nothing else".getBytes(StandardCharsets.ISO_8859_1)));
        c.add(fitCase("npz_eocd_only.npz", new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 1, 0, 1, 0, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, 0x7f, 0, 0, 0, 0, 0, 0}));
        // a value changed after the CRC was computed: a stored .npz member, a PyTorch storage record
        ByteArrayOutputStream sb = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(sb)) {
            ZipEntry e = new ZipEntry("dw.npy");
            e.setMethod(ZipEntry.STORED);
            e.setSize(npy.length);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(npy);
            e.setCrc(crc.getValue());
            z.putNextEntry(e);
            z.write(npy);
            z.closeEntry();
        }
        byte[] stored = sb.toByteArray();
        stored[30 + "dw.npy".length() + npy.length - 5] ^= 0x04; // a byte of the last value
        c.add(new Case("fit crc_stored.npz", fit(write("crc_stored.npz", stored)), "CRC-32 mismatch",
                false));
        c.add(new Case("replace --filters crc_stored.npz", List.of("replace", "--filters",
                in.resolve("crc_stored.npz").toString(), "--size", "16", "--reps", "1", "--out",
                out("json").toString()), "CRC-32 mismatch", false));
        // the readers' committed hostile fixtures
        try (Stream<Path> s = Files.list(fixture("tflite/hostile"))) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                c.add(new Case("fit tflite/hostile/" + p.getFileName(), fit(p), p.getFileName().toString(), false));
            }
        }
        // text format
        c.add(fitCase("text_words.txt", "Filter 1:\n1 2 three\n4 5 6\n7 8 9\n".getBytes(StandardCharsets.UTF_8)));
        c.add(fitCase("text_ragged.txt", "Filter 1:\n1 2 3\n4 5\n7 8 9\n".getBytes(StandardCharsets.UTF_8)));
        c.add(fitCase("text_no_heading.txt", "1 2 3\n4 5 6\n7 8 9\n".getBytes(StandardCharsets.UTF_8)));
        c.add(fitCase("text_binary.txt", new byte[] {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10, 13}));
        c.add(fitCase("text_long_line.txt", ("Filter 1:\n" + "1 ".repeat(600_000)).getBytes(StandardCharsets.UTF_8)));
        c.add(fitCase("text_nan.txt", "Filter 1:\n1 2 3\n4 NaN 6\n7 8 9\n".getBytes(StandardCharsets.UTF_8)));
        // directories and missing files, for every command that reads a file
        Path dir = Files.createDirectories(in.resolve("a_directory.npy"));
        Path missing = in.resolve("missing.npy");
        for (Path p : new Path[] {dir, missing}) {
            String n = p.getFileName().toString();
            c.add(new Case("fit " + n, fit(p), n, false));
            c.add(new Case("convolve " + n, List.of("convolve", p.toString(), "--sigma", "1", "--out",
                    out("npy").toString()), n, false));
            c.add(new Case("convolve --filters " + n, List.of("convolve", image.toString(), "--filters", p.toString(),
                    "--out", out("npy").toString()), n, false));
            c.add(new Case("replace --filters " + n, List.of("replace", "--filters", p.toString(), "--out",
                    out("json").toString()), n, false));
            c.add(new Case("replace --input " + n, List.of("replace", "--input", p.toString(), "--out",
                    out("json").toString()), n, false));
            c.add(new Case("bench conv --input " + n, List.of("bench", "conv", "--input", p.toString(), "--time",
                    "0.01"), n, false));
            c.add(new Case("bench fit " + n, List.of("bench", "fit", p.toString()), n, false));
        }
        // bad fit results given to convolve --filters
        String[][] json = {{"bad_open.json", "{"}, {"bad_array.json", "[]"}, {"bad_null.json", "null"},
            {"bad_object.json", "{\"x\": 1}"}, {"bad_garbage.json", "not json at all"},
            {"bad_rows.json", "{\"results\": [{\"family\": \"gauss\"}]}"}, {"bad_empty.json", ""},
            {"bad_header.csv", "a,b,c\n1,2,3\n"}, {"bad_empty.csv", ""}, {"bad_binary.csv", "\u0000\u0001\u0002"}};
        for (String[] j : json) {
            Path p = write(j[0], j[1].getBytes(StandardCharsets.UTF_8));
            c.add(new Case("convolve --filters " + j[0], List.of("convolve", image.toString(), "--filters",
                    p.toString(), "--out", out("npy").toString()), j[0], false));
        }
        // convolve inputs
        c.add(new Case("convolve truncated input", List.of("convolve", write("x_cut.npy",
                Arrays.copyOf(read(image), 200)).toString(), "--sigma", "1", "--out", out("npy").toString()),
                "x_cut.npy", false));
        c.add(new Case("convolve empty png", List.of("convolve", write("empty.png", new byte[0]).toString(),
                "--sigma", "1", "--out", out("png").toString()), "empty.png", false));
        c.add(new Case("convolve garbage png", List.of("convolve", write("garbage.png",
                "\u0089PNG\r\n\u001a\n garbage".getBytes(StandardCharsets.ISO_8859_1)).toString(), "--sigma", "1",
                "--out", out("png").toString()), "garbage.png", false));
        // bad option values
        String[][] fitOpts = {{"--sigma-steps", "2"}, {"--sigma-steps", "1025"}, {"--sigma-steps", "abc"},
            {"--alpha-steps", "0"}, {"--alpha-steps", "99999"}, {"--sigma-min", "-1"}, {"--sigma-min", "0"},
            {"--sigma-min", "NaN"}, {"--sigma-max", "1000"}, {"--sigma-max", "Infinity"}, {"--alpha-max", "0"},
            {"--alpha-max", "Infinity"}, {"--tolerance", "0"}, {"--tolerance", "1"}, {"--families", "blob"},
            {"--families", ""}, {"--threads", "-1"}, {"--threads", "abc"}, {"--format", "xml"},
            {"--backend", "bogus"}, {"--metric", "bogus"}, {"--normalisation", "bogus"}, {"--scale", "bogus"},
            {"--construction", "bogus"}, {"--degenerate", "bogus"}, {"--out", "x.exe"}};
        for (String[] o : fitOpts) {
            List<String> a = new ArrayList<>(List.of("fit", "-q", o[0], o[1]));
            if (!o[0].equals("--out")) {
                a.addAll(List.of("--out", out("csv").toString()));
            }
            a.add(good.toString());
            c.add(new Case("fit " + o[0] + " '" + o[1] + "'", a, culprit(o), false));
        }
        String[][] convOpts = {{"--sigma", "-1"}, {"--sigma", "abc"}, {"--sigma", "NaN"}, {"--sigma", "1,2,3"},
            {"--radius", "-5"}, {"--padding", "bogus"}, {"--derivative", "bogus"}, {"--backend", "bogus"},
            {"--threads", "-1"}};
        for (String[] o : convOpts) {
            List<String> a = new ArrayList<>(List.of("convolve", image.toString(), "--out", out("npy").toString(),
                    o[0], o[1]));
            if (!o[0].equals("--sigma")) {
                a.addAll(List.of("--sigma", "1"));
            }
            c.add(new Case("convolve " + o[0] + " '" + o[1] + "'", a, culprit(o), false));
        }
        c.add(new Case("convolve --out bad extension", List.of("convolve", image.toString(), "--sigma", "1", "--out",
                in.resolve("y.exe").toString()), "y.exe", false));
        String[][] kernelOpts = {{"--sigma", "-1"}, {"--sigma", "NaN"}, {"--sigma", "abc"}, {"--order", "-1"},
            {"--order", "99"}, {"--eps", "0"}, {"--eps", "-1"}, {"--eps", "2"}, {"--radius", "-1"},
            {"--radius", "100000000"}, {"--kind", "bogus"}};
        for (String[] o : kernelOpts) {
            List<String> a = new ArrayList<>(List.of("kernel", o[0], o[1]));
            if (!o[0].equals("--sigma")) {
                a.addAll(List.of("--sigma", "1"));
            }
            c.add(new Case("kernel " + o[0] + " '" + o[1] + "'", a, culprit(o), false));
        }
        String[][] replaceOpts = {{"--batch", "0"}, {"--batch", "-1"}, {"--size", "0"}, {"--size", "-1"},
            {"--size", "1000000000"}, {"--reps", "0"}, {"--padding", "bogus"}, {"--backend", "bogus"},
            {"--threads", "-1"}, {"--out", "r.exe"}};
        for (String[] o : replaceOpts) {
            List<String> a = new ArrayList<>(List.of("replace", o[0], o[1]));
            if (!o[0].equals("--out")) {
                a.addAll(List.of("--out", out("json").toString()));
            }
            c.add(new Case("replace " + o[0] + " '" + o[1] + "'", a, culprit(o), false));
        }
        String[][] benchOpts = {{"--shape", "bad"}, {"--shape", "0x0"}, {"--shape", "1,1,99999999,99999999"},
            {"--k", "4"}, {"--time", "-1"}, {"--warmup", "-1"}, {"--threads", "-1"}, {"--kind", "bogus"},
            {"--backend", "bogus"}, {"--padding", "bogus"}};
        for (String[] o : benchOpts) {
            List<String> a = new ArrayList<>(List.of("bench", "conv", o[0], o[1]));
            if (!o[0].equals("--shape")) {
                a.addAll(List.of("--shape", "1,2,16,16"));
            }
            c.add(new Case("bench conv " + o[0] + " '" + o[1] + "'", a, culprit(o), false));
        }
        String[][] benchFitOpts = {{"--repeat", "0"}, {"--repeat", "-1"}, {"--threads", "-1"}, {"--check", "-1"},
            {"--backend", "bogus"}};
        for (String[] o : benchFitOpts) {
            c.add(new Case("bench fit " + o[0] + " '" + o[1] + "'", List.of("bench", "fit", o[0], o[1],
                    good.toString()), culprit(o), false));
        }
        return c;
    }

    /** The option's name, or its value where the message quotes that (e.g. "unknown family 'blob'"). */
    private static String culprit(String[] o) {
        String name = o[0].substring(2);
        return o[1].isEmpty() ? name + "|" + name.replaceAll("ies$", "y") : name + "|'" + o[1] + "'";
    }

    /**
     * A FlatBuffer records no total length, so a TFLite file cut after everything its filters reference reads
     * correctly: such a cut may succeed.
     */
    private static boolean robustCut(String ext) {
        return ext.equals("tflite");
    }

    private static Case fitCase(String name, byte[] bytes) {
        Path p = write(name, bytes);
        return new Case("fit " + name, fit(p), name, false);
    }

    private static byte[] npyWithDict(String dict) {
        int total = (10 + dict.length() + 1 + 63) / 64 * 64;
        byte[] h = (dict + " ".repeat(total - 10 - dict.length() - 1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(total + 200).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h);
        return b.array();
    }

    private static byte[] safetensors(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 200).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static List<String> listing() throws IOException {
        try (Stream<Path> s = Stream.concat(Files.list(outDir), Files.list(in))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @TestFactory
    Stream<DynamicTest> hostileInputs() throws IOException {
        List<Case> cases = cases();
        assertTrue(cases.size() >= 150, "at least 150 cases, got " + cases.size());
        return cases.stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> check(k)));
    }

    private static void check(Case k) throws IOException {
        List<String> before = listing();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int exit;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            exit = Main.run(k.args().toArray(new String[0]), o, e);
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        String what = k.name() + " " + k.args();
        assertTrue(secs < 20, what + ": took " + secs + " s");
        if (k.robust() && exit == 0) {
            Files.deleteIfExists(out("csv"));
        }
        List<String> after = listing();
        List<String> added = new ArrayList<>(after);
        added.removeAll(before);
        assertEquals(List.of(), added, what + ": no output file and no temporary file; exit " + exit + ", stderr "
                + err);
        if (k.robust() && exit == 0) {
            return;
        }
        assertOneLine(what, exit, err.toString(), k.culprit());
    }

    static void assertOneLine(String what, int exit, String err, String culprit) {
        assertNotEquals(0, exit, what + ": must fail; stderr: " + err);
        assertEquals(Main.EXIT_INPUT, exit, what + ": exit status 2 for bad input; stderr: " + err);
        List<String> lines = Arrays.stream(err.split("\\R")).filter(l -> !l.isBlank())
                .filter(l -> !l.startsWith("WARNING: Using incubator")).filter(l -> !l.startsWith("note: "))
                .filter(l -> !l.startsWith("Try '")).collect(Collectors.toList());
        assertEquals(1, lines.size(), what + ": exactly one line on stderr, got " + lines);
        String line = lines.get(0);
        assertTrue(Arrays.stream(culprit.split("\\|")).anyMatch(line::contains), what + ": the line should name '" + culprit + "': " + line);
        assertFalse(err.contains("Exception") || err.contains("at org.") || err.contains("\tat "),
                what + ": no stack trace: " + err);
    }

    // ---- child JVMs: what cannot be tested in-process

    private static Process child(String heap, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static String finish(Process p, long seconds) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        p.getErrorStream().transferTo(b);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child did not end in " + seconds + " s");
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void fifoIsRefusedAtOnceInAChildJvm() throws Exception {
        Path fifo = in.resolve("pipe.npy");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mk.waitFor());
        List<String> before = listing();
        long t0 = System.nanoTime();
        Process p = child("-Xmx512m", "fit", "-q", "--out", out("csv").toString(), fifo.toString());
        String err = finish(p, 20);
        assertTrue((System.nanoTime() - t0) / 1e9 < 20);
        assertOneLine("fifo", p.exitValue(), err, "pipe.npy");
        assertEquals(before, listing());
        Files.delete(fifo);
    }

    @Test
    void gridTooLargeForTheHeapIsRefusedUpFrontInAChildJvm() throws Exception {
        Path good = in.resolve("good_child.npy");
        NpyWriter.write(good, new long[] {2, 5, 5}, values(50));
        List<String> before = listing();
        Process p = child("-Xmx512m", "fit", "--sigma-steps", "1024", "--alpha-steps", "1024", "--out",
                out("csv").toString(), good.toString());
        String err = finish(p, 20);
        assertOneLine("grid", p.exitValue(), err, "--sigma-steps 1024");
        assertTrue(err.contains("SCALESPACE_JAVA_OPTS=-Xmx"), err);
        assertEquals(before, listing());
        Files.delete(good);
    }

    @Test
    @DisabledOnOs(OS.WINDOWS)
    void sigtermLeavesNoTemporaryFile() throws Exception {
        // a slow fit (many filters, fine grid) writing its CSV, stopped while it runs
        Path big = in.resolve("big_child.npy");
        NpyWriter.write(big, new long[] {20000, 7, 7}, values(20000 * 49));
        Path csv = out("csv");
        Process p = child("-Xmx512m", "fit", "-q", "--backend", "scalar", "--threads", "1", "--out", csv.toString(),
                big.toString());
        // stop it once the temporary output exists (the fit is under way)
        long until = System.nanoTime() + 15_000_000_000L;
        while (p.isAlive() && System.nanoTime() < until) {
            try (Stream<Path> s = Files.list(outDir)) {
                if (s.findAny().isPresent()) {
                    break;
                }
            }
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the fit should still be running");
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
        finish(p, 20);
        assertNotEquals(0, p.exitValue());
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(List.of(), s.map(Path::toString).collect(Collectors.toList()), "no output, no .tmp");
        }
        Files.delete(big);
    }
}
