package org.scalespace.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.scalespace.model.FilterBank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.dict;
import static org.scalespace.io.IoTestSupport.f32;
import static org.scalespace.io.IoTestSupport.fixture;
import static org.scalespace.io.IoTestSupport.npyBytes;
import static org.scalespace.io.IoTestSupport.value;
import static org.scalespace.io.IoTestSupport.write;

class FilterReadersTest {

    @TempDir
    Path dir;

    private static void assertSin(FilterBank b, double phase, double tol) {
        for (int i = 0; i < b.data().length; i++) {
            assertEquals(value(i, phase), b.data()[i], tol, b.layer() + " element " + i);
        }
    }

    /** A .npy with float32 values 1, 2, 3, ... (no zero filter) of the given shape. */
    private Path npy(String name, String shape, int n) throws IOException {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i + 1;
        }
        return write(dir, name, npyBytes(dict("<f4", shape), f32(v)));
    }

    private static byte[] npyOf(long[] shape, float[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NpyWriter.write(out, NpyArray.ofFloat(shape, data));
        return out.toByteArray();
    }

    private Path npz(String name, Object... keysAndBytes) throws IOException {
        Path p = dir.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(p))) {
            for (int i = 0; i < keysAndBytes.length; i += 2) {
                z.putNextEntry(new ZipEntry((String) keysAndBytes[i]));
                z.write((byte[]) keysAndBytes[i + 1]);
                z.closeEntry();
            }
        }
        return p;
    }

    private Path safetensors(String name, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return write(dir, name, b.array());
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        Arrays.fill(f, 1f);
        return f;
    }

    // ---------------------------------------------------------------- .npy

    @ParameterizedTest
    @CsvSource({
        "f32_nkk.npy, 3, 5, 0.0, 1e-7",
        "f64_nkk.npy, 3, 5, 0.0, 1e-15",
        "f32_c1kk.npy, 4, 3, 0.5, 1e-7",
        "f64_c1kk.npy, 4, 3, 0.5, 1e-15",
        "f32_kk.npy, 1, 7, 1.0, 1e-7",
        "f64_kk.npy, 1, 7, 1.0, 1e-15",
    })
    void readsEachNpyFilterShape(String file, int count, int k, double phase, double tol) throws IOException {
        List<FilterBank> banks = FilterReaders.read(fixture(file));
        assertEquals(1, banks.size());
        FilterBank b = banks.get(0);
        assertEquals(file.replace(".npy", ""), b.layer());
        assertEquals(fixture(file).toString(), b.source());
        assertEquals(count, b.count());
        assertEquals(k, b.k());
        assertSin(b, phase, tol);
    }

    @Test
    void npyEvenK() throws IOException {
        Path p = npy("even.npy", "(2, 4, 4)", 32);
        assertFormatError(p, "k = 4 is even; filters must be odd and square, 3..31", () -> FilterReaders.read(p));
    }

    @Test
    void npyKOutOfRange() throws IOException {
        Path small = npy("one.npy", "(5, 1, 1)", 5);
        assertFormatError(small, "k = 1 is too small; filters must be odd and square, 3..31",
                () -> FilterReaders.read(small));
        Path big = npy("big.npy", "(33, 33)", 33 * 33);
        assertFormatError(big, "k = 33 is too large", () -> FilterReaders.read(big));
    }

    @Test
    void npyNonSquare() throws IOException {
        Path p = npy("rect.npy", "(3, 5, 7)", 105);
        assertFormatError(p, "filters are 5×7, not square", () -> FilterReaders.read(p));
    }

    @Test
    void npyWrongRankOrNotDepthwise() throws IOException {
        Path dense = npy("dense.npy", "(2, 3, 3, 3)", 54);
        assertFormatError(dense, "not depthwise (dimension 1 is 3, not 1)", () -> FilterReaders.read(dense));
        Path vec = npy("vec.npy", "(9,)", 9);
        InputFormatException e = assertFormatError(vec, "shape (9,) is not a filter shape",
                () -> FilterReaders.read(vec));
        assertTrue(e.getMessage().contains("(N,k,k), (C,1,k,k) or (k,k)"), e.getMessage());
    }

    @Test
    void npyNaNAndInfNameLayerAndFilter() throws IOException {
        float[] v = ones(3 * 9);
        v[9 + 2] = Float.NaN;
        Path nan = write(dir, "nan.npy", npyBytes(dict("<f4", "(3, 3, 3)"), f32(v)));
        assertFormatError(nan, "layer 'nan', filter 1: value at row 0, col 2 is NaN", () -> FilterReaders.read(nan));

        v = ones(2 * 9);
        v[9 + 4] = Float.NEGATIVE_INFINITY;
        Path inf = write(dir, "inf.npy", npyBytes(dict("<f4", "(2, 1, 3, 3)"), f32(v)));
        assertFormatError(inf, "layer 'inf', filter 1: value at row 1, col 1 is -Infinity",
                () -> FilterReaders.read(inf));
    }

    @Test
    void npyAllZeroFilterIsData() throws IOException {
        // a dead (all-zero) channel is not corrupt data (SPEC §7): it is read as it is, and the fit reports it
        float[] v = ones(3 * 9);
        Arrays.fill(v, 18, 27, 0f);
        Path p = write(dir, "zero.npy", npyBytes(dict("<f4", "(3, 3, 3)"), f32(v)));
        FilterBank b = FilterReaders.read(p).get(0);
        assertEquals(3, b.count());
        assertArrayEquals(new double[9], b.filter(2), 0);
        assertEquals(1.0, b.filter(1)[0], 0);
    }

    @Test
    void npyZeroFilters() throws IOException {
        Path p = write(dir, "none.npy", npyBytes(dict("<f4", "(0, 3, 3)"), new byte[0]));
        assertFormatError(p, "layer 'none' has zero filters", () -> FilterReaders.read(p));
    }

    // ---------------------------------------------------------------- .npz

    @ParameterizedTest
    @CsvSource({"layers.npz", "layers_compressed.npz"})
    void readsNpzLayersAndSkipsOtherArrays(String file) throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(fixture(file), notes::add);
        assertEquals(2, banks.size());
        FilterBank b0 = banks.get(0);
        assertEquals("blocks.0.dwconv", b0.layer());
        assertEquals(4, b0.count());
        assertEquals(7, b0.k());
        assertSin(b0, 2.0, 1e-7);
        FilterBank b1 = banks.get(1);
        assertEquals("blocks.1.dwconv", b1.layer());
        assertEquals(6, b1.count());
        assertEquals(3, b1.k());
        assertSin(b1, 3.0, 1e-15);
        assertEquals(1, notes.size());
        assertTrue(notes.get(0).contains("skipped array 'norm.weight': shape (4,) is not a filter shape"),
                notes.get(0));
    }

    @Test
    void npzReadAllReturnsEveryArray() throws IOException {
        var all = NpzReader.readAll(fixture("layers_compressed.npz"));
        assertEquals(List.of("blocks.0.dwconv", "blocks.1.dwconv", "norm.weight"), new ArrayList<>(all.keySet()));
        assertArrayEquals(new long[] {4}, all.get("norm.weight").shape());
    }

    @Test
    void npzWithoutFilterArraysListsWhatWasSkipped() throws IOException {
        Path p = npz("nofilters.npz",
                "bias.npy", npyOf(new long[] {4}, ones(4)),
                "even.npy", npyOf(new long[] {2, 4, 4}, ones(32)));
        InputFormatException e = assertFormatError(p, "no filter arrays found", () -> FilterReaders.read(p));
        assertTrue(e.getMessage().contains("array 'bias': shape (4,) is not a filter shape"), e.getMessage());
        assertTrue(e.getMessage().contains("array 'even': shape (2, 4, 4): k = 4 is even"), e.getMessage());

        Path empty = npz("emptyzip.npz");
        assertFormatError(empty, "no filter arrays found (the archive is empty)", () -> FilterReaders.read(empty));
    }

    @Test
    void npzFilterWithNaNNamesLayerAndFilter() throws IOException {
        float[] v = ones(2 * 9);
        v[9] = Float.NaN;
        Path p = npz("nan.npz", "good.npy", npyOf(new long[] {1, 3, 3}, ones(9)),
                "dw.1.npy", npyOf(new long[] {2, 1, 3, 3}, v));
        assertFormatError(p, "layer 'dw.1', filter 1: value at row 0, col 0 is NaN", () -> FilterReaders.read(p));
    }

    @Test
    void corruptNpz() throws IOException {
        Path garbage = write(dir, "garbage.npz", "this is not a zip archive at all".getBytes());
        assertFormatError(garbage, "not a valid .npz (zip) archive", () -> FilterReaders.read(garbage));

        byte[] good = Files.readAllBytes(fixture("layers_compressed.npz"));
        Path truncated = write(dir, "truncated.npz", Arrays.copyOf(good, good.length / 2));
        assertFormatError(truncated, "not a valid .npz (zip) archive", () -> FilterReaders.read(truncated));

        Path empty = write(dir, "empty.npz", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
    }

    @Test
    void corruptNpzMember() throws IOException {
        // stored archive: damage the .npy magic of the first member
        byte[] stored = Files.readAllBytes(fixture("layers.npz"));
        int at = indexOf(stored, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'});
        stored[at + 1] = 'X';
        Path badMagic = write(dir, "badmagic.npz", stored);
        assertFormatError(badMagic, "array 'blocks.0.dwconv': not a .npy file", () -> FilterReaders.read(badMagic));

        // deflated archive: scramble the compressed bytes of the first member
        byte[] deflated = Files.readAllBytes(fixture("layers_compressed.npz"));
        int data = 30 + (deflated[26] & 0xff) + (deflated[28] & 0xff); // first local header's data offset
        for (int i = data; i < data + 40; i++) {
            deflated[i] = (byte) (deflated[i] * 31 + 7);
        }
        Path scrambled = write(dir, "scrambled.npz", deflated);
        assertFormatError(scrambled, "array 'blocks.0.dwconv'", () -> FilterReaders.read(scrambled));
    }

    @Test
    void npzMemberWhoseHeaderClaimsMoreDataThanPresent() throws IOException {
        byte[] liar = npyBytes(dict("<f4", "(10000000, 3, 3)"), f32(1, 2, 3));
        Path p = npz("liar.npz", "w.npy", liar);
        assertFormatError(p, "array 'w': header declares shape (10000000, 3, 3)", () -> FilterReaders.read(p));
    }

    private static int indexOf(byte[] a, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= a.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }

    // ---------------------------------------------------------------- safetensors

    @Test
    void readsSafetensorsDepthwiseTensorsOfEachDtype() throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(fixture("model.safetensors"), notes::add);
        assertEquals(List.of("blocks.0.dwconv.weight", "blocks.1.dwconv.weight", "blocks.2.dwconv.weight",
                "blocks.10.dwconv.weight"), banks.stream().map(FilterBank::layer).toList(), "natural name order");
        FilterBank f32 = banks.get(0);
        assertEquals(4, f32.count());
        assertEquals(7, f32.k());
        assertSin(f32, 0.1, 1e-7);
        FilterBank f16 = banks.get(1);
        assertEquals(3, f16.count());
        assertEquals(5, f16.k());
        assertSin(f16, 0.2, 1e-3 / 2); // half precision: 11 significant bits
        FilterBank bf16 = banks.get(2);
        assertEquals(2, bf16.count());
        assertEquals(3, bf16.k());
        assertSin(bf16, 0.3, 1.0 / 256); // bfloat16: 8 significant bits
        FilterBank f64 = banks.get(3);
        assertSin(f64, 0.4, 1e-15);
        assertEquals(2, notes.size(), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.contains("'stem.weight': shape (2, 3, 3, 3) is not depthwise")));
        assertTrue(notes.stream().anyMatch(n -> n.contains("'head.bias'")));
    }

    @Test
    void halfAndBfloat16ConversionIsExact() {
        assertEquals(1.0f, SafetensorsReader.halfToFloat((short) 0x3C00));
        assertEquals(-2.0f, SafetensorsReader.halfToFloat((short) 0xC000));
        assertEquals(65504f, SafetensorsReader.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, SafetensorsReader.halfToFloat((short) 0x0001));
        assertEquals(0x1p-14f, SafetensorsReader.halfToFloat((short) 0x0400));
        assertEquals(Float.POSITIVE_INFINITY, SafetensorsReader.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(SafetensorsReader.halfToFloat((short) 0x7E00)));
        assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(SafetensorsReader.halfToFloat((short) 0x8000)));
        assertEquals(0.333251953125f, SafetensorsReader.halfToFloat((short) 0x3555));
        assertEquals(1.0f, SafetensorsReader.bfloat16ToFloat((short) 0x3F80));
        assertEquals(-3.140625f, SafetensorsReader.bfloat16ToFloat((short) 0xC049));
    }

    @Test
    void safetensorsHeaderLengthBeyondFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(1_000_000).put("{\"a\":{}}".getBytes());
        Path p = write(dir, "long.safetensors", b.array());
        assertFormatError(p, "header length 1000000 runs past the end of the file (40 bytes)",
                () -> FilterReaders.read(p));
        ByteBuffer neg = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).putLong(0);
        Path q = write(dir, "neg.safetensors", neg.array());
        assertFormatError(q, "header length 18446744073709551615 runs past", () -> FilterReaders.read(q));
        Path tiny = write(dir, "tiny.safetensors", new byte[] {1, 2, 3});
        assertFormatError(tiny, "too short", () -> FilterReaders.read(tiny));
        Path empty = write(dir, "empty.safetensors", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
    }

    @Test
    void safetensorsBadJson() throws IOException {
        Path p = safetensors("badjson.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,3,3],,}}",
                new byte[36]);
        assertFormatError(p, "the header is not valid JSON", () -> FilterReaders.read(p));
        Path arr = safetensors("array.safetensors", "[1, 2, 3]", new byte[0]);
        assertFormatError(arr, "the JSON header is not an object", () -> FilterReaders.read(arr));
        Path missing = safetensors("missing.safetensors", "{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,3,3]}}",
                new byte[36]);
        assertFormatError(missing, "tensor 'w' has no 'data_offsets'", () -> FilterReaders.read(missing));
        Path neg = safetensors("negshape.safetensors",
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [1,-1,3,3], \"data_offsets\": [0, 36]}}", new byte[36]);
        assertFormatError(neg, "tensor 'w': 'shape' holds -1", () -> FilterReaders.read(neg));
    }

    @Test
    void safetensorsOffsetsOutOfRange() throws IOException {
        Path p = safetensors("offsets.safetensors",
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [1,1,3,3], \"data_offsets\": [0, 36]}}", new byte[20]);
        assertFormatError(p, "tensor 'w': data_offsets [0, 36] run past the data region (20 bytes)",
                () -> FilterReaders.read(p));
        Path size = safetensors("size.safetensors",
                "{\"w\": {\"dtype\": \"F16\", \"shape\": [1,1,3,3], \"data_offsets\": [0, 36]}}", new byte[36]);
        assertFormatError(size, "span 36 bytes but dtype F16 × shape (1, 1, 3, 3) needs 18",
                () -> FilterReaders.read(size));
        Path backwards = safetensors("backwards.safetensors",
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", new byte[36]);
        assertFormatError(backwards, "end before they begin", () -> FilterReaders.read(backwards));
        Path overlap = safetensors("overlap.safetensors",
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,3,3], \"data_offsets\": [0, 36]},"
                        + "\"b\": {\"dtype\": \"F32\", \"shape\": [1,1,3,3], \"data_offsets\": [20, 56]}}",
                new byte[56]);
        assertFormatError(overlap, "tensors 'a' [0, 36] and 'b' [20, 56] overlap", () -> FilterReaders.read(overlap));
    }

    @Test
    void safetensorsWithoutDepthwiseTensors() throws IOException {
        Path p = safetensors("dense.safetensors",
                "{\"__metadata__\": {\"format\": \"pt\"},"
                        + "\"conv\": {\"dtype\": \"F32\", \"shape\": [2,3,3,3], \"data_offsets\": [0, 216]},"
                        + "\"q\": {\"dtype\": \"I8\", \"shape\": [2,1,3,3], \"data_offsets\": [216, 234]}}",
                new byte[234]);
        InputFormatException e = assertFormatError(p, "no depthwise tensor found", () -> FilterReaders.read(p));
        assertTrue(e.getMessage().contains("tensor 'q': dtype I8 is not one of F32, F64, F16, BF16"), e.getMessage());
        assertTrue(e.getMessage().contains("accepted: depthwise tensors of shape (C,1,k,k)"), e.getMessage());
    }

    @Test
    void safetensorsAllZeroFilterIsData() throws IOException {
        float[] v = ones(18);
        Arrays.fill(v, 9, 18, 0f);
        Path p = safetensors("zero.safetensors",
                "{\"dw\": {\"dtype\": \"F32\", \"shape\": [2,1,3,3], \"data_offsets\": [0, 72]}}", f32(v));
        FilterBank b = FilterReaders.read(p).get(0);
        assertEquals(2, b.count());
        assertArrayEquals(new double[9], b.filter(1), 0);
    }

    // ---------------------------------------------------------------- text

    @Test
    void bundledMasterKeyFilters() {
        FilterBank b = FilterReaders.bundled();
        assertEquals("bundled:master_key_filters_convnextv2_tiny.txt", b.source());
        assertEquals("master_key_filters", b.layer());
        assertEquals(7, b.k());
        assertEquals(8, b.count());
        assertEquals(-0.010366, b.filter(0)[0], 0);
        assertEquals(0.936427, b.filter(0)[4 * 7 + 3], 0); // Filter 1, row 4, centre column
        assertEquals(0.982706, b.filter(6)[3 * 7 + 3], 0); // Filter 7 centre
        assertEquals(-0.043075, b.filter(7)[48], 0);
        for (int n = 0; n < 8; n++) { // the header comment says: zero-mean, unit l2 norm
            double sum = 0;
            double sq = 0;
            for (double v : b.filter(n)) {
                sum += v;
                sq += v * v;
            }
            assertEquals(0, sum, 1e-4, "filter " + n + " mean");
            assertEquals(1, Math.sqrt(sq), 1e-4, "filter " + n + " norm");
        }
    }

    @Test
    void sharedTextFileReadsLikeTheBundledOne() throws IOException {
        Path shared = Path.of("/work/shared/data/master_key_filters_convnextv2_tiny.txt");
        if (!Files.exists(shared)) {
            return; // only where shared/ is checked out beside the repository
        }
        FilterBank b = FilterReaders.read(shared).get(0);
        assertEquals("master_key_filters_convnextv2_tiny", b.layer());
        assertArrayEquals(FilterReaders.bundled().data(), b.data());
    }

    @Test
    void textFormatWithCommentsCommasAndCrlf() throws IOException {
        String text = "# a comment\r\nFilter 1:\r\n1 2 3\r\n4, 5, 6 # trailing comment\r\n7\t8\t9\r\n\r\n"
                + "filter 2\n-1e-3 0 0\n0 1 0\n0 0 2.5\n";
        Path p = write(dir, "mine.txt", text.getBytes(StandardCharsets.UTF_8));
        FilterBank b = FilterReaders.read(p).get(0);
        assertEquals("mine", b.layer());
        assertEquals(3, b.k());
        assertEquals(2, b.count());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, -1e-3, 0, 0, 0, 1, 0, 0, 0, 2.5}, b.data());
    }

    @Test
    void textErrors() throws IOException {
        Path even = write(dir, "even.txt", "Filter 1:\n1 2 3 4\n1 2 3 4\n1 2 3 4\n1 2 3 4\n".getBytes());
        assertFormatError(even, "k = 4 is even; filters must be odd and square, 3..31",
                () -> FilterReaders.read(even));

        Path rect = write(dir, "rect.txt", "Filter 1:\n1 2 3 4 5\n1 2 3 4 5\n1 2 3 4 5\n".getBytes());
        assertFormatError(rect, "is 3 rows × 5 columns, not square", () -> FilterReaders.read(rect));

        Path ragged = write(dir, "ragged.txt", "Filter 1:\n1 2 3\n1 2\n1 2 3\n".getBytes());
        assertFormatError(ragged, "line 3 ('Filter 1:'): row has 2 numbers but the filter's first row has 3",
                () -> FilterReaders.read(ragged));

        Path mixed = write(dir, "mixed.txt", ("Filter 1:\n1 2 3\n1 2 3\n1 2 3\nFilter 2:\n"
                + "1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n1 1 1 1 1\n").getBytes());
        assertFormatError(mixed, "filter 1 ('Filter 2:', line 5) is 5×5 but the filters before it are 3×3",
                () -> FilterReaders.read(mixed));

        Path nan = write(dir, "nan.txt", "Filter 1:\n1 1 1\n1 1 1\n1 1 1\nFilter 2:\n1 1 1\n1 NaN 1\n1 1 1\n"
                .getBytes());
        assertFormatError(nan, "layer 'nan', filter 1 ('Filter 2:'): value at row 1, col 1 is NaN",
                () -> FilterReaders.read(nan));

        Path inf = write(dir, "inf.txt", "Filter 1:\n1 1 1\n1 1 Infinity\n1 1 1\n".getBytes());
        assertFormatError(inf, "filter 0 ('Filter 1:'): value at row 1, col 2 is Infinity",
                () -> FilterReaders.read(inf));

        Path zero = write(dir, "zero.txt", "Filter 1:\n0 0 0\n0 0 0\n0 0 0\n".getBytes());
        // an all-zero filter is data, not an error (SPEC §7: the fit reports it as degenerate)
        assertArrayEquals(new double[9], FilterReaders.read(zero).get(0).filter(0), 0);

        Path word = write(dir, "word.txt", "Filter 1:\n1 1 1\n1 x 1\n1 1 1\n".getBytes());
        assertFormatError(word, "line 3: 'x' is not a number", () -> FilterReaders.read(word));

        Path orphan = write(dir, "orphan.txt", "# header\n1 2 3\n".getBytes());
        assertFormatError(orphan, "line 2: numbers before the first 'Filter N:' heading",
                () -> FilterReaders.read(orphan));

        Path none = write(dir, "none.txt", "# only a comment\n\n".getBytes());
        assertFormatError(none, "no filters found", () -> FilterReaders.read(none));

        Path headingOnly = write(dir, "headingonly.txt", "Filter 1:\n".getBytes());
        assertFormatError(headingOnly, "has no rows", () -> FilterReaders.read(headingOnly));

        Path empty = write(dir, "empty.txt", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));

        Path binary = write(dir, "binary.txt", Arrays.copyOf(new byte[] {(byte) 0x93, 'N', 0, 1, 2, '\n'}, 64));
        assertFormatError(binary, "line 1: numbers before the first 'Filter N:' heading",
                () -> FilterReaders.read(binary));
        Path word2 = write(dir, "word2.txt", "Filter 1:\n1 1 1\n1 1 1\n1 1 \u0001\u0002\u00e9x\n".getBytes(
                StandardCharsets.UTF_8));
        assertFormatError(word2, "line 4: '??\u00e9x' is not a number", () -> FilterReaders.read(word2));
    }

    @Test
    void textToleratesNonUtf8CommentBytes() throws IOException {
        byte[] latin1 = "# (c) Lindeberg \u00a9 2025\nFilter 1:\n1 2 3\n4 5 6\n7 8 9\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        Path p = write(dir, "latin1.txt", latin1);
        assertEquals(9, FilterReaders.read(p).get(0).data().length);
    }

    // ---------------------------------------------------------------- dispatch

    @Test
    void detectsFormatByExtensionThenByContent() throws IOException {
        assertEquals(FilterReaders.Format.NPY, FilterReaders.detect(fixture("f32_kk.npy")));
        assertEquals(FilterReaders.Format.SAFETENSORS, FilterReaders.detect(fixture("model.safetensors")));
        String[][] cases = {
            {"f32_nkk.npy", "weights.bin", "NPY"},
            {"layers.npz", "weights", "NPZ"},
            {"model.safetensors", "model.st", "SAFETENSORS"},
        };
        for (String[] c : cases) {
            Path copy = dir.resolve(c[1]);
            Files.copy(fixture(c[0]), copy);
            assertEquals(FilterReaders.Format.valueOf(c[2]), FilterReaders.detect(copy), c[1]);
            assertTrue(FilterReaders.read(copy).size() >= 1);
        }
        Path text = write(dir, "filters.dat", "# x\nFilter 1:\n1 2 3\n4 5 6\n7 8 9\n".getBytes());
        assertEquals(FilterReaders.Format.TEXT, FilterReaders.detect(text));
        assertEquals("filters", FilterReaders.read(text).get(0).layer());
        Path upper = dir.resolve("UPPER.NPY");
        Files.copy(fixture("f32_kk.npy"), upper);
        assertEquals(FilterReaders.Format.NPY, FilterReaders.detect(upper));
    }

    @Test
    void unknownFormatListsAcceptedOnes() throws IOException {
        Path p = write(dir, "weights.caffemodel", "\u0008\u0007garbage".getBytes());
        InputFormatException e = assertFormatError(p, "unrecognised filter file format (extension '.caffemodel'",
                () -> FilterReaders.read(p));
        assertTrue(e.getMessage().contains("accepted: .npy, .npz, .safetensors, or .txt"), e.getMessage());
        Path empty = write(dir, "empty.pt", new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
    }

    @Test
    void validateIsPublicForBanksBuiltElsewhere() {
        FilterBank ok = new FilterBank("random", "r", 3, 1, new double[] {0, 0, 0, 0, 1e-300, 0, 0, 0, 0});
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> FilterReaders.validate(ok));
        FilterBank even = new FilterBank("random", "r", 2, 1, new double[] {1, 1, 1, 1});
        InputFormatException e = org.junit.jupiter.api.Assertions.assertThrows(InputFormatException.class,
                () -> FilterReaders.validate(even));
        assertEquals("random: layer 'r': k = 2 is even; filters must be odd and square, 3..31", e.getMessage());
        assertEquals("random", e.file());
    }
}
