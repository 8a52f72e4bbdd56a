package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.Fitter;
import org.scalespace.model.FilterBank;

/**
 * Safetensors tensors and stored {@code .npz} members read a slice at a time ({@link FilterReaders#open}): the same
 * values, the same fit CSV and the same errors as reading them whole.
 */
class StreamedReadersTest {

    @TempDir
    Path dir;

    /** Value of element i of a generated layer: every {@code every}-th filter is non-zero, the others all zero. */
    static float gen(long i, int kk, int every) {
        long f = i / kk;
        return f % every == 0 ? (float) Math.sin(0.37 * i + 0.1 * f) : 0f;
    }

    /** Writes {@code n} elements of {@link #gen} as {@code item}-byte dtype values, 1 MiB at a time. */
    static void writeData(FileChannel ch, long at, long n, int kk, int every, String dtype, CRC32 crc)
            throws IOException {
        int item = dtype.equals("F64") ? 8 : dtype.equals("F32") ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long done = 0;
        while (done < n) {
            int m = (int) Math.min(n - done, b.capacity() / item);
            b.clear();
            for (int j = 0; j < m; j++) {
                float v = gen(done + j, kk, every);
                switch (dtype) {
                    case "F64" -> b.putDouble(v);
                    case "F32" -> b.putFloat(v);
                    case "BF16" -> b.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    default -> b.putShort(toHalf(v));
                }
            }
            b.flip();
            if (crc != null) {
                crc.update(b.array(), 0, b.limit());
            }
            long pos = at + done * item;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
            done += m;
        }
    }

    /** float to binary16 by truncating the mantissa (values of magnitude below 2^-14 become zero). */
    static short toHalf(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        if (exp <= 0) {
            return (short) sign;
        }
        return (short) (sign | (exp << 10) | ((bits >>> 13) & 0x3ff));
    }

    /** A safetensors file of one tensor (C,1,k,k) per dtype given, named {@code t.<dtype>}. */
    static Path safetensors(Path file, int c, int k, int every, String... dtypes) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long off = 0;
        long n = (long) c * k * k;
        List<Long> starts = new ArrayList<>();
        for (String d : dtypes) {
            int item = d.equals("F64") ? 8 : d.equals("F32") ? 4 : 2;
            starts.add(off);
            h.append(",\"t.").append(d).append("\":{\"dtype\":\"").append(d).append("\",\"shape\":[").append(c)
                    .append(",1,").append(k).append(',').append(k).append("],\"data_offsets\":[").append(off)
                    .append(',').append(off + n * item).append("]}");
            off += n * item;
        }
        h.append('}');
        while ((h.length() + 8) % 8 != 0) {
            h.append(' ');
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer lb = ByteBuffer.allocate(8 + hb.length).order(ByteOrder.LITTLE_ENDIAN);
            lb.putLong(hb.length).put(hb).flip();
            ch.write(lb, 0);
            for (int i = 0; i < dtypes.length; i++) {
                writeData(ch, 8 + hb.length + starts.get(i), n, k * k, every, dtypes[i], null);
            }
        }
        return file;
    }

    /**
     * An .npz with one stored float32 member {@code w.npy} of shape (c,k,k), written as numpy.savez does (local
     * header with sizes and CRC, data, central directory); {@code crcDelta} is added to the recorded CRC.
     */
    static Path storedNpz(Path file, int c, int k, int every, int crcDelta) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + c + ", " + k + ", " + k + "), }";
        StringBuilder hs = new StringBuilder(dict);
        while ((10 + hs.length() + 1) % 64 != 0) {
            hs.append(' ');
        }
        hs.append('\n');
        ByteBuffer npyHead = ByteBuffer.allocate(10 + hs.length()).order(ByteOrder.LITTLE_ENDIAN);
        npyHead.put(NpyHeader.MAGIC).put((byte) 1).put((byte) 0).putShort((short) hs.length())
                .put(hs.toString().getBytes(StandardCharsets.ISO_8859_1)).flip();
        byte[] name = "w.npy".getBytes(StandardCharsets.UTF_8);
        long n = (long) c * k * k;
        long size = npyHead.limit() + n * 4;
        long dataAt = 30 + name.length;
        CRC32 crc = new CRC32();
        crc.update(npyHead.array(), 0, npyHead.limit());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(npyHead.duplicate(), dataAt);
            writeData(ch, dataAt + npyHead.limit(), n, k * k, every, "F32", crc);
            int crcValue = (int) crc.getValue() + crcDelta;
            ByteBuffer lh = ByteBuffer.allocate(30 + name.length).order(ByteOrder.LITTLE_ENDIAN);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0x21).putInt(crcValue).putInt((int) size).putInt((int) size)
                    .putShort((short) name.length).putShort((short) 0).put(name).flip();
            ch.write(lh, 0);
            long cdAt = dataAt + size;
            ByteBuffer cd = ByteBuffer.allocate(46 + name.length + 22).order(ByteOrder.LITTLE_ENDIAN);
            cd.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0x21).putInt(crcValue).putInt((int) size)
                    .putInt((int) size).putShort((short) name.length).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(0).putInt(0).put(name);
            cd.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 1).putShort((short) 1)
                    .putInt(46 + name.length).putInt((int) cdAt).putShort((short) 0).flip();
            ch.write(cd, cdAt);
        }
        return file;
    }

    private static String csv(List<LayerSource> layers, int slice) throws IOException {
        try (ScalarScorer be = new ScalarScorer()) {
            Fitter fitter = new Fitter(be, FitOptions.defaults().withRefine(false), 1).keepModels(false);
            StreamingFit job = new StreamingFit(fitter, layers, false, slice);
            job.validate();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ResultWriters.writeCsv(out, job.fitAll(n -> { }));
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static List<LayerSource> whole(Path file) throws IOException {
        return FilterReaders.read(file).stream().map(LayerSource::of).toList();
    }

    private static void assertSameValues(Path file) throws IOException {
        List<FilterBank> banks = FilterReaders.read(file);
        List<LayerSource> streamed = FilterReaders.open(file, note -> { });
        assertEquals(banks.size(), streamed.size());
        for (int i = 0; i < banks.size(); i++) {
            LayerSource s = streamed.get(i);
            FilterBank b = banks.get(i);
            assertEquals(b.layer(), s.layer());
            assertEquals(b.k(), s.k());
            assertEquals(b.count(), s.count());
            assertArrayEquals(b.data(), s.slice(0, s.count()).data());
            int m = Math.min(3, s.count() - 1);
            assertArrayEquals(java.util.Arrays.copyOfRange(b.data(), b.k() * b.k(), (1 + m) * b.k() * b.k()),
                    s.slice(1, m).data());
        }
    }

    @Test
    void safetensorsFixtureStreamsTheSameValuesAndFit() throws IOException {
        Path f = IoTestSupport.fixture("model.safetensors");
        assertTrue(FilterReaders.open(f, n -> { }).stream().noneMatch(l -> l.getClass().getName().contains("$")));
        assertSameValues(f);
        assertEquals(csv(whole(f), 3), csv(FilterReaders.open(f, n -> { }), 3));
        assertEquals(csv(whole(f), StreamingFit.SLICE), csv(FilterReaders.open(f, n -> { }), StreamingFit.SLICE));
    }

    @Test
    void multiSliceSafetensorsOfEveryDtypeFitsAsWhole() throws IOException {
        Path f = safetensors(dir.resolve("big.safetensors"), 40_000, 3, 97, "F32", "F16", "BF16", "F64");
        assertSameValues(f);
        assertEquals(csv(whole(f), StreamingFit.SLICE), csv(FilterReaders.open(f, n -> { }), StreamingFit.SLICE));
    }

    @Test
    void safetensorsNanGivesTheWholeReadersMessage() throws IOException {
        Path f = safetensors(dir.resolve("nan.safetensors"), 50, 3, 1, "F32");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            long hdr = Files.size(f) - 50 * 9 * 4;
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN), hdr + (41 * 9 + 5) * 4);
        }
        String whole = IoTestSupport.assertFormatError(f, "filter 41", () -> FilterReaders.read(f)).getMessage();
        List<LayerSource> s = FilterReaders.open(f, n -> { });
        String streamed = IoTestSupport.assertFormatError(f, "filter 41", () -> csv(s, 7)).getMessage();
        assertEquals(whole, streamed);
    }

    @Test
    void storedNpzStreamsTheSameValuesAndFit() throws IOException {
        Path f = storedNpz(dir.resolve("w.npz"), 40_000, 3, 89, 0);
        assertSameValues(f);
        assertTrue(FilterReaders.open(f, n -> { }).get(0) instanceof NpyLayerSource);
        assertEquals(csv(whole(f), StreamingFit.SLICE), csv(FilterReaders.open(f, n -> { }), StreamingFit.SLICE));
        Path fixture = IoTestSupport.fixture("layers.npz");
        assertSameValues(fixture);
        assertEquals(csv(whole(fixture), 2), csv(FilterReaders.open(fixture, n -> { }), 2));
        // a compressed archive is inflated as it is read
        Path compressed = IoTestSupport.fixture("layers_compressed.npz");
        assertTrue(FilterReaders.open(compressed, n -> { }).stream().allMatch(l -> l instanceof NpzStreaming.Inflated));
        assertSameValues(compressed);
        assertEquals(csv(whole(compressed), 2), csv(FilterReaders.open(compressed, n -> { }), 2));
    }

    /** The stored archive of {@link #storedNpz} re-written deflated; {@code crcDelta} is added to the recorded CRC. */
    private Path deflatedNpz(Path file, int c, int crcDelta) throws IOException {
        Path stored = storedNpz(dir.resolve("plain-" + file.getFileName()), c, 3, 89, 0);
        byte[] member;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(stored.toFile())) {
            member = z.getInputStream(z.getEntry("w.npy")).readAllBytes();
        }
        Files.delete(stored);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(b)) {
            z.putNextEntry(new java.util.zip.ZipEntry("w.npy"));
            z.write(member);
            z.closeEntry();
        }
        byte[] zip = b.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(member);
        ByteBuffer bb = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int v = (int) crc.getValue();
        for (int i = 0; i + 4 <= zip.length; i++) {
            if (bb.getInt(i) == v && (i >= zip.length - 200 || i < 64 || bb.getInt(i - 4) == 0x08074b50)) {
                bb.putInt(i, v + crcDelta);
            }
        }
        return Files.write(file, zip);
    }

    @Test
    void deflatedNpzInflatesInOrderWithTheWholeReadersResultsAndErrors() throws IOException {
        Path f = deflatedNpz(dir.resolve("z.npz"), 40_000, 0);
        assertTrue(FilterReaders.open(f, n -> { }).get(0) instanceof NpzStreaming.Inflated);
        assertSameValues(f);
        assertEquals(csv(whole(f), StreamingFit.SLICE), csv(FilterReaders.open(f, n -> { }), StreamingFit.SLICE));
        Path bad = deflatedNpz(dir.resolve("zbad.npz"), 40_000, 3);
        String whole = IoTestSupport.assertFormatError(bad, "CRC-32 mismatch", () -> FilterReaders.read(bad))
                .getMessage();
        List<LayerSource> s = FilterReaders.open(bad, n -> { });
        assertEquals(whole, IoTestSupport.assertFormatError(bad, "CRC-32 mismatch",
                () -> csv(s, StreamingFit.SLICE)).getMessage());
        assertEquals(whole, IoTestSupport.assertFormatError(bad, "CRC-32 mismatch",
                () -> s.get(0).slice(39_990, 10)).getMessage());
    }

    @Test
    void storedNpzBadCrcGivesTheWholeReadersMessage() throws IOException {
        Path f = storedNpz(dir.resolve("bad.npz"), 40_000, 3, 89, 1);
        String whole = IoTestSupport.assertFormatError(f, "CRC-32 mismatch", () -> FilterReaders.read(f))
                .getMessage();
        List<LayerSource> s = FilterReaders.open(f, n -> { });
        assertTrue(s.get(0) instanceof NpyLayerSource);
        String streamed = IoTestSupport.assertFormatError(f, "CRC-32 mismatch", () -> csv(s, StreamingFit.SLICE))
                .getMessage();
        assertEquals(whole, streamed);
        // read out of order, the member is checksummed whole first
        List<LayerSource> again = FilterReaders.open(f, n -> { });
        IoTestSupport.assertFormatError(f, "CRC-32 mismatch", () -> again.get(0).slice(5, 2));
        assertNotEquals(0, Files.size(f));
    }
}
