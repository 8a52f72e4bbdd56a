package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.scalespace.model.FilterBank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.fixture;

/**
 * The TFLite reader on the fixtures of tools/gen_tflite_fixtures.py (an independent FlatBuffer writer), on hostile
 * variants and random damage, and on real MediaPipe models when .ci/run has fetched them into target/models (their
 * expected counts and sums come from tools/tflite_count.py, an independent FlatBuffer walker in Python).
 */
class TfliteReaderTest {

    @TempDir
    Path dir;

    /** Where .ci/run puts the real models; {@code -Dscalespace.models=DIR} overrides. */
    private static final Path MODELS = Path.of(System.getProperty("scalespace.models", "target/models"));

    private static Map<String, double[]> expected() throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NpyArray> e : NpzReader.readAll(fixture("tflite/expected.npz")).entrySet()) {
            out.put(e.getKey(), e.getValue().asDouble());
        }
        return out;
    }

    private static void assertFixture(Path file) throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(file, notes::add);
        Map<String, double[]> want = expected();
        assertEquals(List.of("dw_f32", "dw_int8", "dw_f16", "dw_uint8", "subgraph1/dw_sub"),
                banks.stream().map(FilterBank::layer).toList(),
                "one layer per filter tensor, in operator order; the shared dw_f32 once");
        int[] ks = {3, 5, 7, 3, 3};
        int[] counts = {8, 6, 3, 4, 2};
        for (int i = 0; i < banks.size(); i++) {
            FilterBank b = banks.get(i);
            assertEquals(ks[i], b.k(), b.layer());
            assertEquals(counts[i], b.count(), b.layer());
            assertEquals(file.toString(), b.source());
            double[] w = want.get(b.layer());
            for (int j = 0; j < w.length; j++) {
                // float32 products of the generator vs double products here: equal to float precision
                assertEquals(w[j], b.data()[j], 1e-6 * Math.abs(w[j]) + 1e-12, b.layer() + " element " + j);
            }
        }
        assertEquals(3, notes.size(), notes.toString());
        assertTrue(notes.get(0).contains("skipped tensor 'dw_1x1': shape [1,1,1,5]: k = 1 is too small"), notes.get(0));
        assertTrue(notes.get(1).contains("skipped tensor 'dw_3x5'") && notes.get(1).contains("not square"),
                notes.get(1));
        assertTrue(notes.get(2).contains("skipped tensor 'dw_sparse': sparse tensors are not read"), notes.get(2));
    }

    @Test
    void readsFloat32Int8Uint8AndFloat16BehindDequantize() throws IOException {
        assertFixture(fixture("tflite/dw.tflite"));
    }

    @Test
    void readsBuffersStoredAfterTheFlatBuffer() throws IOException {
        assertFixture(fixture("tflite/dw_external.tflite"));
    }

    @Test
    void float32Float16AndUint8ValuesExactly() throws IOException {
        List<FilterBank> banks = FilterReaders.read(fixture("tflite/dw.tflite"));
        Map<String, double[]> want = expected();
        assertArrayEquals(want.get("dw_f32"), banks.get(0).data(), "float32 values are exact");
        assertArrayEquals(want.get("dw_f16"), banks.get(2).data(), "float16 values are exact");
        assertArrayEquals(want.get("dw_uint8"), banks.get(3).data(), "uint8 with a power-of-two scale is exact");
    }

    @Test
    void emptyBufferIsSkippedWithANote() throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(fixture("tflite/dw_empty_buffer.tflite"), notes::add);
        assertEquals(List.of("dw_int8", "dw_f16", "dw_uint8", "subgraph1/dw_sub"),
                banks.stream().map(FilterBank::layer).toList());
        assertTrue(notes.get(0).contains("skipped tensor 'dw_f32': its buffer is empty"), notes.toString());
        assertEquals(4, notes.size(), notes.toString());
    }

    @Test
    void detectsByContent() throws IOException {
        Path copy = Files.copy(fixture("tflite/dw.tflite"), dir.resolve("model.bin"));
        assertEquals(FilterReaders.Format.TFLITE, FilterReaders.detect(copy));
        assertEquals(5, FilterReaders.read(copy).size());
        Path noExt = Files.copy(fixture("tflite/dw.tflite"), dir.resolve("model"));
        assertEquals(FilterReaders.Format.TFLITE, FilterReaders.detect(noExt));
    }

    static Stream<Arguments> hostile() throws IOException {
        List<Arguments> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(fixture("tflite/hostile.json").toFile())) {
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
        Path f = fixture("tflite/hostile/" + file);
        assertFormatError(f, phrase, () -> FilterReaders.read(f));
    }

    @Test
    void tinyFiles() throws IOException {
        Path empty = IoTestSupport.write(dir, "empty.tflite", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
        Path seven = IoTestSupport.write(dir, "seven.tflite", new byte[7]);
        assertFormatError(seven, "only 7 bytes", () -> FilterReaders.read(seven));
        // 12 bytes: identifier right, root offset pointing at the last word, whose soffset sends the vtable far away
        ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(8).put(new byte[] {'T', 'F', 'L', '3'}).putInt(-0x7fffffff);
        Path twelve = IoTestSupport.write(dir, "twelve.tflite", b.array());
        assertFormatError(twelve, "vtable", () -> FilterReaders.read(twelve));
        // 12 bytes: the root table's vtable is the file's first word (size 8, table size 0)
        ByteBuffer c = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        c.putInt(8).put(new byte[] {'T', 'F', 'L', '3'}).putInt(8);
        Path vt = IoTestSupport.write(dir, "vt.tflite", c.array());
        assertFormatError(vt, "inline size 0", () -> FilterReaders.read(vt));
    }

    /**
     * Random damage to the fixture (fixed seed): flipped bytes, overwritten 32-bit words (small, huge and negative
     * values, as offsets and lengths), truncation. Every outcome must be a filter list or a one-line
     * InputFormatException/IOException; never another exception, an out-of-memory error or a hang.
     */
    @Test
    void mutationFuzz() throws IOException {
        byte[] good = Files.readAllBytes(fixture("tflite/dw.tflite"));
        byte[] external = Files.readAllBytes(fixture("tflite/dw_external.tflite"));
        Random rnd = new Random(20261208L);
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int it = 0; it < 600; it++) {
                byte[] src = it % 3 == 2 ? external : good;
                byte[] m = mutate(src, rnd);
                Path f = dir.resolve("fuzz" + (it % 8) + ".tflite");
                Files.write(f, m);
                outcome[IoTestSupport.readsOrRefusesCleanly(f, it, () -> TfliteReader.readFilters(f, note -> { })) ? 0 : 1]++;
            }
        });
        assertTrue(outcome[1] > 100, "most mutations should be refused: " + outcome[0] + " read, " + outcome[1]
                + " refused");
    }

    private static byte[] mutate(byte[] src, Random rnd) {
        byte[] m = src.clone();
        int kind = rnd.nextInt(4);
        if (kind == 0) {
            int n = 1 + rnd.nextInt(8);
            for (int i = 0; i < n; i++) {
                m[rnd.nextInt(m.length)] ^= (byte) (1 << rnd.nextInt(8));
            }
        } else if (kind == 1) {
            int at = rnd.nextInt(m.length / 4) * 4;
            int[] values = {0, 1, 2, 3, 4, 0x7fffffff, -1, Integer.MIN_VALUE, m.length, m.length - 4, rnd.nextInt()};
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(at, values[rnd.nextInt(values.length)]);
        } else if (kind == 2) {
            int at = rnd.nextInt(m.length - 1) & ~1;
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) rnd.nextInt(1 << 16));
        } else {
            m = java.util.Arrays.copyOf(m, rnd.nextInt(m.length));
        }
        return m;
    }

    // ---- real models (MediaPipe npm packages, fetched by .ci/run; counts from tools/tflite_count.py) ----

    private static Path model(String name) {
        Path p = MODELS.resolve(name);
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

    private static double sum(FilterBank b) {
        double s = 0;
        for (double v : b.data()) {
            s += v;
        }
        return s;
    }

    private static double absSum(FilterBank b) {
        double s = 0;
        for (double v : b.data()) {
            s += Math.abs(v);
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

    @Test
    void selfieSegmentation() throws IOException {
        // @mediapipe/selfie_segmentation 0.1.1675465747: float16 weights behind DEQUANTIZE, no all-zero filter
        Path f = model("selfie_segmentation.tflite");
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(f, notes::add);
        assertEquals(List.of(), notes);
        assertEquals(11, banks.size());
        assertEquals(Map.of(3, 232, 5, 544), perK(banks));
        String[] names = {"depthwise_conv2d/Kernel", "depthwise_conv2d_3/Kernel", "depthwise_conv2d_10/Kernel"};
        int[] at = {0, 3, 10};
        double[] sums = {0.40242862701416016, -29.340422570705414, 162.81039428710938};
        double[] absSums = {13.217657089233398, 528.0278730988503, 278.04644775390625};
        for (int i = 0; i < at.length; i++) {
            FilterBank b = banks.get(at[i]);
            assertEquals(names[i], b.layer());
            assertEquals(sums[i], sum(b), 1e-9 * absSums[i], b.layer());
            assertEquals(absSums[i], absSum(b), 1e-9 * absSums[i], b.layer());
        }
        assertEquals(5, banks.get(3).k());
        assertEquals(96, banks.get(3).count());
    }

    /**
     * The hand landmark models (@mediapipe/hands 0.4.1675469240), float16 behind DEQUANTIZE with thousands of 5×5
     * filters, hold all-zero (dead) filters: data, not errors (SPEC §7), so they are read through the full path,
     * value checks included.
     */
    @Test
    void handLandmarkLite() throws IOException {
        List<FilterBank> banks = FilterReaders.read(model("hand_landmark_lite.tflite"));
        assertEquals(16, banks.size());
        assertEquals(Map.of(3, 1576, 5, 3696), perK(banks));
        assertEquals(525, allZero(banks));
        FilterBank first = banks.get(0);
        assertEquals("model_1/model/batch_normalization_1/FusedBatchNormV3;model_1/model/depthwise_conv2d/depthwise;"
                + "model_1/model/conv2d_9/Conv2D", first.layer());
        assertEquals(5.291107177734375, sum(first), 1e-9 * 716.4764556884766);
        assertEquals(716.4764556884766, absSum(first), 1e-9 * 716.4764556884766);
        FilterBank last = banks.get(15);
        assertEquals(2917.726005792618, sum(last), 1e-9 * 6164.686169862747);
        assertEquals(6164.686169862747, absSum(last), 1e-9 * 6164.686169862747);
    }

    @Test
    void handLandmarkFull() throws IOException {
        List<FilterBank> banks = FilterReaders.read(model("hand_landmark_full.tflite"));
        assertEquals(16, banks.size());
        assertEquals(Map.of(3, 2584, 5, 6336), perK(banks));
        assertEquals(2712, allZero(banks));
        assertEquals(11.225748538970947, sum(banks.get(0)), 1e-9 * 617.1150078773499);
        assertEquals(4703.932879567146, sum(banks.get(15)), 1e-9 * 10084.631997942924);
        assertEquals(10084.631997942924, absSum(banks.get(15)), 1e-9 * 10084.631997942924);
    }
}
