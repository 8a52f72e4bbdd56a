package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scalespace.model.FilterBank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.scalespace.io.IoTestSupport.assertFormatError;

/**
 * The PyTorch reader on real files written by torch 1.13 ({@code tools/gen_torch_fixtures.py}; each fixture's JSON
 * holds the layers torch.load gives), on hand-made hostile pickles and archives, and under byte mutation.
 */
class TorchReaderTest {

    @TempDir
    Path tmp;

    /** A fixture under src/test/resources/io/torch/. */
    static Path torchFixture(String name) {
        return IoTestSupport.fixture("torch/" + name);
    }

    record Expected(String name, long[] shape, double[] values) {
    }

    static List<Expected> expected(String fixture) throws IOException {
        String json = fixture.substring(0, fixture.lastIndexOf('.')) + ".json";
        List<Expected> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(torchFixture(json).toFile())) {
            p.nextToken(); // {
            p.nextToken(); // "layers"
            p.nextToken(); // [
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String name = null;
                List<Long> shape = new ArrayList<>();
                List<Double> values = new ArrayList<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "name" -> name = p.getText();
                        case "shape" -> {
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                shape.add(p.getLongValue());
                            }
                        }
                        case "values" -> {
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                values.add(p.getDoubleValue());
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
                out.add(new Expected(name, shape.stream().mapToLong(Long::longValue).toArray(),
                        values.stream().mapToDouble(Double::doubleValue).toArray()));
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"convnext_like.pth", "checkpoint.ckpt", "views.pt", "dtypes.pt", "numpy_inside.pt",
        "int8_dw.pt", "bigendian.pt", "torchscript.pt", "protocol4.pt", "zip64.pt"})
    void layersEqualWhatTorchLoads(String fixture) throws IOException {
        Path file = torchFixture(fixture);
        assertEquals(FilterReaders.Format.TORCH, FilterReaders.detect(file));
        List<FilterBank> banks = FilterReaders.read(file, note -> { });
        List<Expected> want = expected(fixture);
        assertEquals(want.stream().map(Expected::name).toList(), banks.stream().map(FilterBank::layer).toList());
        for (int i = 0; i < want.size(); i++) {
            Expected e = want.get(i);
            FilterBank b = banks.get(i);
            assertEquals(e.shape()[0], b.count(), e.name());
            assertEquals(e.shape()[3], b.k(), e.name());
            assertEquals(file.toString(), b.source());
            assertArrayEquals(e.values(), b.data(), 0.0, e.name());
        }
    }

    @Test
    void convnextLikeStateDictHasItsDepthwiseLayersAndNotesTheRest() throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(torchFixture("convnext_like.pth"), notes::add);
        assertEquals(List.of("blocks.0.dwconv.weight", "blocks.1.dwconv.weight", "stage2.0.dwconv.weight",
                "dw3.weight"), banks.stream().map(FilterBank::layer).toList());
        assertEquals(List.of(7, 7, 7, 3), banks.stream().map(FilterBank::k).toList());
        assertEquals(List.of(4, 4, 8, 16), banks.stream().map(FilterBank::count).toList());
        assertTrue(notes.stream().anyMatch(n -> n.contains("'stem.weight': shape (4, 3, 4, 4) is not depthwise")),
                String.join("\n", notes));
    }

    @Test
    void checkpointSkipsOptimizerStateAndKeepsNonTensorGlobalsOpaque() throws IOException {
        List<String> notes = new ArrayList<>();
        List<FilterBank> banks = FilterReaders.read(torchFixture("checkpoint.ckpt"), notes::add);
        assertEquals(8, banks.size());
        assertTrue(banks.stream().noneMatch(b -> b.layer().contains("optimizer") || b.layer().contains("exp_avg")));
        assertTrue(banks.stream().anyMatch(b -> b.layer().equals("model_ema.blocks.0.dwconv.weight")));
        assertTrue(banks.stream().anyMatch(b -> b.layer().equals("state_dict.model.blocks.0.dwconv.weight")));
        String all = String.join("\n", notes);
        assertTrue(all.contains("'optimizer_states': optimizer state"), all);
        assertTrue(all.contains("'hyper_parameters.args': a call of global argparse.Namespace"), all);
        assertTrue(all.contains("'hyper_parameters.optimizer_class': a reference to global torch.optim.adamw.AdamW"),
                all);
    }

    @Test
    void int8WeightsAreScaledByTheScaleBesideThemOrNoted() throws IOException {
        List<String> notes = new ArrayList<>();
        FilterReaders.read(torchFixture("int8_dw.pt"), notes::add);
        String all = String.join("\n", notes);
        assertTrue(all.contains("layer 'dw.weight': integer weights dequantized with 'dw.scale'"), all);
        assertTrue(all.contains("layer 'raw.weight': integer weights without a recognisable scale"), all);
        assertTrue(all.contains("layer 'zp.weight': integer weights dequantized with 'zp.scale' and 'zp.zero_point'"),
                all);
    }

    @Test
    void detectionIsByContentWhateverTheName() throws IOException {
        for (String n : new String[] {"model", "model.bin", "model.pt", "model.ckpt"}) {
            Path copy = tmp.resolve(n);
            Files.copy(torchFixture("convnext_like.pth"), copy, StandardCopyOption.REPLACE_EXISTING);
            assertEquals(FilterReaders.Format.TORCH, FilterReaders.detect(copy), n);
            assertEquals(4, FilterReaders.read(copy).size(), n);
        }
        // a safetensors file named .bin is still read as safetensors
        Path st = tmp.resolve("st.bin");
        Files.copy(IoTestSupport.fixture("model.safetensors"), st);
        assertEquals(FilterReaders.Format.SAFETENSORS, FilterReaders.detect(st));
    }

    @Test
    void legacyFormatAsksForAResave() throws IOException {
        Path file = torchFixture("legacy.pt");
        assertEquals(FilterReaders.Format.TORCH, FilterReaders.detect(file));
        assertFormatError(file, "legacy PyTorch format", () -> FilterReaders.read(file));
        Path renamed = tmp.resolve("legacy_noext");
        Files.copy(file, renamed);
        assertFormatError(renamed, "torch.save(torch.load(old), new)", () -> FilterReaders.read(renamed));
    }

    @Test
    void wholePickledModuleNamesItsClassAndAsksForTheStateDict() {
        Path file = torchFixture("whole_module.pt");
        InputFormatException e = assertFormatError(file, "torch.nn.modules.container.Sequential",
                () -> FilterReaders.read(file));
        assertTrue(e.getMessage().contains("torch.save(model.state_dict(), path)"), e.getMessage());
    }

    // ---- hand-made archives

    /** A torch.save-like archive "archive/..." of the given records. */
    private Path archive(String name, byte[] pickle, byte[]... storages) throws IOException {
        Path p = tmp.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(p)))) {
            put(z, "archive/data.pkl", pickle);
            for (int i = 0; i < storages.length; i++) {
                put(z, "archive/data/" + i, storages[i]);
            }
            put(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        return p;
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** Protocol-2 pickle bytes from a string where each char is one byte. */
    private static byte[] pk(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String binunicode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return "X" + (char) (b.length & 0xff) + (char) (b.length >> 8 & 0xff) + "\0\0"
                + new String(b, StandardCharsets.ISO_8859_1);
    }

    /** {'w': tensor of the given size/stride over storage '0' of numel float32 elements}. */
    private static byte[] tensorPickle(int numel, int[] size, int[] stride, int offset) {
        return tensorPickle(numel, size, java.util.Arrays.stream(stride).asLongStream().toArray(), offset);
    }

    private static byte[] tensorPickle(int numel, int[] size, long[] stride, int offset) {
        StringBuilder b = new StringBuilder("\u0080\u0002}").append(binunicode("w"));
        b.append("ctorch._utils\n_rebuild_tensor_v2\n((").append(binunicode("storage"))
                .append("ctorch\nFloatStorage\n").append(binunicode("0")).append(binunicode("cpu"))
                .append(bigInt(numel)).append("tQ").append(bigInt(offset)).append("(");
        for (int s : size) {
            b.append(bigInt(s));
        }
        b.append("t(");
        for (long s : stride) {
            b.append(bigInt(s));
        }
        b.append("t\u0089ccollections\nOrderedDict\n)RtRs.");
        return pk(b.toString());
    }

    private static String bigInt(long v) {
        if (v != (int) v) {
            StringBuilder b = new StringBuilder("\u008a\u0008");
            for (int i = 0; i < 8; i++) {
                b.append((char) (v >>> 8 * i & 0xff));
            }
            return b.toString();
        }
        return bigInt((int) v);
    }

    private static String bigInt(int v) {
        return "J" + (char) (v & 0xff) + (char) (v >> 8 & 0xff) + (char) (v >> 16 & 0xff) + (char) (v >>> 24);
    }

    private static byte[] floats(int n) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(1 + i);
        }
        return b.array();
    }

    @Test
    void handMadeArchiveReadsAStridedView() throws IOException {
        // a (2,1,3,3) view with offset 1 and stride 10 on dimension 0 over 20 elements
        Path p = archive("view.pt", tensorPickle(20, new int[] {2, 1, 3, 3}, new int[] {10, 9, 3, 1}, 1), floats(20));
        FilterBank b = FilterReaders.read(p).get(0);
        assertEquals(2, b.count());
        assertEquals(2.0, b.data()[0]);
        assertEquals(12.0, b.data()[9]);
    }

    @Test
    void zip64ArchiveWithMoreThan65535RecordsIsRead() throws IOException {
        Path p = tmp.resolve("many.pt");
        try (ZipOutputStream z = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(p)))) {
            put(z, "archive/data.pkl", tensorPickle(9, new int[] {1, 1, 3, 3}, new int[] {9, 9, 3, 1}, 0));
            put(z, "archive/data/0", floats(9));
            for (int i = 0; i < 65_600; i++) {
                put(z, "archive/x/" + i, new byte[0]);
            }
        }
        byte[] tail = Files.readAllBytes(p);
        boolean zip64End = false;
        for (int i = tail.length - 22 - 20 - 56; i >= 0 && i > tail.length - 200; i--) {
            zip64End |= tail[i] == 'P' && tail[i + 1] == 'K' && tail[i + 2] == 6 && tail[i + 3] == 6;
        }
        assertTrue(zip64End, "the archive should end with a ZIP64 end of central directory record");
        FilterBank b = FilterReaders.read(p).get(0);
        assertEquals(9.0, b.data()[8]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"os\nsystem", "builtins\neval", "subprocess\nPopen", "posix\nsystem", "nt\nsystem"})
    void maliciousGlobalsAreNamedAndNeverRun(String global) throws IOException {
        Path marker = tmp.resolve("pwned");
        String cmd = global.contains("eval") ? "open('" + marker + "', 'w').close()" : "touch " + marker;
        String call = "c" + global + "\n" + binunicode(cmd) + "\u0085R";
        // at the top level, inside a dict, and inside a tensor rebuild's metadata
        for (byte[] pickle : new byte[][] {pk("\u0080\u0002" + call + "."),
            pk("\u0080\u0002}" + binunicode("x") + call + "s."),
            pk("\u0080\u0002" + call + "c" + global + "\n" + binunicode(cmd) + "\u0085R\u0086.")}) {
            Path p = archive("evil.pt", pickle);
            InputFormatException e = assertFormatError(p, global.replace('\n', '.'), () -> FilterReaders.read(p));
            assertTrue(e.getMessage().contains("never executed"), e.getMessage());
            assertFalse(Files.exists(marker), "the pickle's call must not run");
        }
    }

    @Test
    void storageSizesAreCheckedBeforeAnythingIsAllocated() throws IOException {
        // claims 10^9 floats in a storage record of 36 bytes
        Path p = archive("big.pt", tensorPickle(1_000_000_000, new int[] {100_000, 1, 3, 3},
                new int[] {9, 9, 3, 1}, 0), floats(9));
        assertFormatError(p, "holds 36 bytes, but 1000000000 float32 elements need 4000000000",
                () -> FilterReaders.read(p));
        // a view reaching past its storage
        Path q = archive("past.pt", tensorPickle(9, new int[] {2, 1, 3, 3}, new int[] {9, 9, 3, 1}, 0), floats(9));
        assertFormatError(q, "reach element 17 of a storage of 9", () -> FilterReaders.read(q));
        // strides whose extent overflows 64 bits
        Path o = archive("overflow.pt", tensorPickle(9, new int[] {3, 1, 3, 3},
                new long[] {1L << 62, 9, 3, 1}, 0), floats(9));
        assertFormatError(o, "reach element " + Long.MAX_VALUE, () -> FilterReaders.read(o));
        // a missing storage record
        Path r = archive("missing.pt", tensorPickle(9, new int[] {1, 1, 3, 3}, new int[] {9, 9, 3, 1}, 0));
        assertFormatError(r, "storage record 'archive/data/0' is missing", () -> FilterReaders.read(r));
    }

    @Test
    void hostilePicklesGiveOneLineErrors() throws IOException {
        String[][] cases = {
            {"\u0080\u0002]", "without a STOP opcode"},
            {"\u0080\u0002X\u00ff\u00ff\u00ff\u007f.", "runs past the end of the pickle"},
            {"\u0080\u0002\u008e\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f.", "runs past the end"},
            {"\u0080\u0002h\u0005.", "memo entry 5 is read before it is written"},
            {"\u0080\u0002a.", "stack underflow"},
            {"\u0080\u0009N.", "protocol 9"},
            {"\u0080\u0002\u00ff", "unknown opcode 0xff"},
            {"\u0080\u0002N\u0082\u0001.", "extension registry"},
            {"\u0080\u0002NQ.", "persistent id"},
            {"\u0080\u0002]q\u0000h\u0000a.", "no depthwise tensor found"}, // a list holding itself
            {"\u0080\u0002ctorch._utils\n_rebuild_tensor_v2\nNNN\u0087R.", "_rebuild_tensor_v2 with arguments"},
        };
        for (String[] c : cases) {
            Path p = archive("bad.pt", pk(c[0]));
            assertFormatError(p, c[1], () -> FilterReaders.read(p));
        }
    }

    @Test
    void deepNestingAndExponentialSharingAreBounded() throws IOException {
        // 50,000 nested lists
        Path deep = archive("deep.pt", pk("\u0080\u0002" + "(".repeat(50_000) + "]" + "l".repeat(50_000) + "."));
        assertFormatError(deep, "nested more than 100 levels deep", () -> FilterReaders.read(deep));
        // a tuple of two copies of a tuple of two copies ..., 2^60 paths through 60 values
        Path wide = archive("wide.pt", pk("\u0080\u0002]" + "q\u0000h\u0000\u0086".repeat(60) + "."));
        assertFormatError(wide, "more than 1000000 containers", () -> FilterReaders.read(wide));
        // the stack, the memo and the mark stack are capped
        int over = Unpickler.MAX_STACK + 1;
        Path stack = archive("stack.pt", pk("\u0080\u0002" + "N".repeat(over) + "."));
        assertFormatError(stack, "the stack holds more than", () -> FilterReaders.read(stack));
        Path memo = archive("memo.pt", pk("\u0080\u0002N" + "\u0094".repeat(Unpickler.MAX_MEMO + 1) + "."));
        assertFormatError(memo, "the memo holds more than", () -> FilterReaders.read(memo));
        Path marks = archive("marks.pt", pk("\u0080\u0002" + "(".repeat(Unpickler.MAX_MARKS + 1) + "."));
        assertFormatError(marks, "open marks", () -> FilterReaders.read(marks));
        // a 12-byte pickle cannot ask for memory: the largest length it can state is checked against what is left
        Path tiny = archive("tiny.pt", pk("\u0080\u0002B\u00ff\u00ff\u00ff\u00ff.\u0000\u0000\u0000"));
        assertFormatError(tiny, "runs past the end", () -> FilterReaders.read(tiny));
    }

    @Test
    void brokenArchivesGiveOneLineErrors() throws IOException {
        Path notZip = tmp.resolve("x.pt");
        Files.writeString(notZip, "hello, not a zip");
        assertFormatError(notZip, "not a readable zip archive", () -> FilterReaders.read(notZip));
        Path empty = tmp.resolve("e.pt");
        Files.write(empty, new byte[0]);
        assertFormatError(empty, "file is empty", () -> FilterReaders.read(empty));
        Path npzLike = tmp.resolve("n.pt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(npzLike))) {
            put(z, "a.npy", new byte[10]);
        }
        // by content that is an .npz; the PyTorch reader itself says what it lacks
        assertEquals(FilterReaders.Format.NPZ, FilterReaders.detect(npzLike));
        assertFormatError(npzLike, "without an <archive>/data.pkl record",
                () -> TorchReader.readFilters(npzLike, note -> { }));
        byte[] whole = Files.readAllBytes(torchFixture("convnext_like.pth"));
        Path cut = tmp.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertFormatError(cut, "", () -> FilterReaders.read(cut));
    }

    @Test
    void mutatedFilesGiveOnlyFormatErrors() throws IOException {
        Random rnd = new Random(13);
        String[] seeds = {"convnext_like.pth", "checkpoint.ckpt", "numpy_inside.pt", "views.pt", "int8_dw.pt"};
        long deadline = System.nanoTime() + 20_000_000_000L;
        int iterations = 0;
        for (int it = 0; it < 400 && System.nanoTime() < deadline; it++, iterations++) {
            byte[] src = Files.readAllBytes(torchFixture(seeds[it % seeds.length]));
            byte[] b = mutate(src, rnd);
            Path p = tmp.resolve("fuzz" + (it % 4) + ".pt");
            Files.write(p, b);
            try {
                FilterReaders.read(p, note -> { });
            } catch (IOException e) {
                assertNotNull(e.getMessage(), "iteration " + it);
                assertFalse(e.getMessage().isBlank(), "iteration " + it);
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("iteration " + it + " (" + seeds[it % seeds.length] + "): " + e, e);
            }
        }
        assertTrue(iterations >= 100, "only " + iterations + " iterations in time");
    }

    @Test
    void mutatedPicklesInValidArchivesGiveOnlyFormatErrors() throws IOException {
        Random rnd = new Random(17);
        String[] seeds = {"convnext_like", "checkpoint", "numpy_inside", "views", "int8_dw", "torchscript",
            "protocol4"};
        List<byte[]> pickles = new ArrayList<>();
        List<List<byte[]>> storages = new ArrayList<>();
        for (String s : seeds) {
            String ext = s.equals("convnext_like") ? ".pth" : s.equals("checkpoint") ? ".ckpt" : ".pt";
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(torchFixture(s + ext).toFile())) {
                pickles.add(z.getInputStream(z.getEntry(s + "/data.pkl")).readAllBytes());
                List<byte[]> data = new ArrayList<>();
                for (int i = 0; z.getEntry(s + "/data/" + i) != null; i++) {
                    data.add(z.getInputStream(z.getEntry(s + "/data/" + i)).readAllBytes());
                }
                storages.add(data);
            }
        }
        for (int it = 0; it < 300; it++) {
            int f = it % seeds.length;
            byte[] pickle = pickles.get(f).clone();
            if (rnd.nextInt(5) == 0) {
                pickle = java.util.Arrays.copyOf(pickle, rnd.nextInt(pickle.length));
            } else {
                for (int i = 0, n = 1 + rnd.nextInt(4); i < n; i++) {
                    int at = rnd.nextInt(pickle.length);
                    pickle[at] = rnd.nextBoolean() ? (byte) rnd.nextInt(256) : (byte) (pickle[at] ^ (1 << rnd.nextInt(8)));
                }
            }
            Path p = archive("pk" + (it % 4) + ".pt", pickle, storages.get(f).toArray(new byte[0][]));
            try {
                FilterReaders.read(p, note -> { });
            } catch (IOException e) {
                assertNotNull(e.getMessage(), "iteration " + it);
                assertFalse(e.getMessage().isBlank() || e.getMessage().contains("\n"), "iteration " + it);
            } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                fail("iteration " + it + " (" + seeds[f] + "): " + e, e);
            }
        }
    }

    private static byte[] mutate(byte[] src, Random rnd) {
        byte[] b = src.clone();
        int kind = rnd.nextInt(4);
        if (kind == 0) {
            return java.util.Arrays.copyOf(b, rnd.nextInt(b.length));
        }
        // most of a torch archive's meaning sits in its first records (data.pkl) and its central directory (end)
        int flips = 1 + rnd.nextInt(8);
        for (int i = 0; i < flips; i++) {
            int at = kind == 1 ? rnd.nextInt(Math.min(b.length, 1200)) : kind == 2
                    ? b.length - 1 - rnd.nextInt(Math.min(b.length, 600)) : rnd.nextInt(b.length);
            b[at] = rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : (byte) (b[at] ^ (1 << rnd.nextInt(8)));
        }
        return b;
    }
}
