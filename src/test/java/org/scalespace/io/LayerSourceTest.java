package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.model.FilterBank;

/** {@link FilterReaders#open}: a .npy read a slice at a time gives what {@link FilterReaders#read} gives. */
class LayerSourceTest {
    @TempDir
    Path dir;

    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = r.nextGaussian();
        }
        return d;
    }

    @Test
    void slicesOfFloat32AndFloat64FilesMatchTheWholeRead() throws IOException {
        double[] d = random(1000 * 9, 1);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        Path p32 = dir.resolve("w32.npy");
        Path p64 = dir.resolve("w64.npy");
        NpyWriter.write(p32, new long[] {1000, 1, 3, 3}, f);
        NpyWriter.write(p64, new long[] {1000, 3, 3}, d);
        for (Path p : List.of(p32, p64)) {
            FilterBank whole = FilterReaders.read(p).get(0);
            List<LayerSource> ls = FilterReaders.open(p, x -> { });
            assertEquals(1, ls.size());
            LayerSource s = ls.get(0);
            assertEquals(whole.source(), s.source());
            assertEquals(whole.layer(), s.layer());
            assertEquals(3, s.k());
            assertEquals(1000, s.count());
            // odd slice sizes, including one larger than the read buffer would be for a big k
            for (int[] sl : new int[][] {{0, 1000}, {0, 1}, {999, 1}, {123, 456}, {500, 0}}) {
                double[] got = new double[sl[1] * 9 + 5]; // a longer array: only the first n*k*k values change
                Arrays.fill(got, 42);
                s.read(sl[0], sl[1], got);
                assertArrayEquals(Arrays.copyOfRange(whole.data(), sl[0] * 9, (sl[0] + sl[1]) * 9),
                        Arrays.copyOf(got, sl[1] * 9), p + " slice " + Arrays.toString(sl));
                assertEquals(42, got[sl[1] * 9]);
            }
            assertArrayEquals(whole.data(), s.slice(0, 1000).data());
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(999, 2, new double[18]));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(-1, 1, new double[9]));
            assertThrows(IndexOutOfBoundsException.class, () -> s.read(0, 2, new double[17]));
        }
    }

    @Test
    void largeFileAcrossManyReadBuffers() throws IOException {
        // 40,000 7×7 float32 filters = 7.8 MB: several 1 MB read buffers, a filter straddling each boundary
        int n = 40_000;
        double[] d = random(n * 49, 2);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        Path p = dir.resolve("big.npy");
        NpyWriter.write(p, new long[] {n, 7, 7}, f);
        LayerSource s = FilterReaders.open(p, x -> { }).get(0);
        double[] got = new double[n * 49];
        s.read(0, n, got);
        for (int i = 0; i < got.length; i++) {
            if (got[i] != f[i]) {
                throw new AssertionError("element " + i + ": " + got[i] + " != " + f[i]);
            }
        }
    }

    @Test
    void headerProblemsAreReportedWhenOpenedAndValuesWhenRead() throws IOException {
        Path p = dir.resolve("w.npy");
        float[] w = new float[36]; // all zero (degenerate filters are data), with one NaN in filter 2
        w[2 * 9 + 4] = Float.NaN;
        NpyWriter.write(p, new long[] {4, 3, 3}, w);
        LayerSource s = FilterReaders.open(p, x -> { }).get(0);
        double[] first = new double[18];
        s.read(0, 2, first);
        assertArrayEquals(new double[18], first, 0);
        InputFormatException e = assertThrows(InputFormatException.class, () -> s.read(2, 2, new double[18]));
        assertTrue(e.getMessage().contains("filter 2") && e.getMessage().contains("NaN"), e.getMessage());
        // truncated: the same message as the whole-file reader, at open
        byte[] b = Files.readAllBytes(p);
        Path t = dir.resolve("t.npy");
        Files.write(t, Arrays.copyOf(b, b.length - 4));
        String whole = assertThrows(InputFormatException.class, () -> FilterReaders.read(t)).getMessage();
        String open = assertThrows(InputFormatException.class, () -> FilterReaders.open(t, x -> { })).getMessage();
        assertEquals(whole, open);
        // not a filter shape
        Path q = dir.resolve("q.npy");
        NpyWriter.write(q, new long[] {4, 3, 5}, new float[60]);
        String m = assertThrows(InputFormatException.class, () -> FilterReaders.open(q, x -> { })).getMessage();
        assertTrue(m.contains("q.npy") && m.contains("not square"), m);
    }

    @Test
    void otherFormatsAreReadWhole() throws IOException {
        Path p = dir.resolve("f.txt");
        FilterBank b = FilterReaders.bundled();
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < 2; n++) {
            sb.append("Filter ").append(n + 1).append(":\n");
            for (int i = 0; i < 7; i++) {
                for (int j = 0; j < 7; j++) {
                    sb.append(b.data()[n * 49 + i * 7 + j]).append(j < 6 ? " " : "\n");
                }
            }
        }
        Files.writeString(p, sb.toString());
        LayerSource s = FilterReaders.open(p, x -> { }).get(0);
        FilterBank whole = FilterReaders.read(p).get(0);
        assertEquals(2, s.count());
        assertTrue(s.slice(0, 2) == s.slice(0, 2), "an in-memory layer is handed out as is");
        assertArrayEquals(whole.data(), s.slice(0, 2).data());
        assertArrayEquals(Arrays.copyOfRange(whole.data(), 49, 98), s.slice(1, 1).data());
    }

    /**
     * A .npy with more values than a Java array can hold (44,000,000 7×7 filters, 2.16·10⁹ floats): the whole-file
     * reader refuses it, the slice reader opens it and reads any slice. The file is sparse (zeros except the last
     * filter), so it costs no disk space or time.
     */
    @Test
    void filesLargerThanAJavaArrayAreReadSliceBySlice() throws IOException {
        int n = 44_000_000;
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ", 7, 7), }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        StringBuilder h = new StringBuilder(dict);
        h.append(" ".repeat(pad)).append('\n');
        byte[] text = h.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(10 + text.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        head.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) text.length).put(text);
        long dataStart = head.capacity();
        long size = dataStart + (long) n * 49 * 4;
        Path p = dir.resolve("huge.npy");
        float[] last = new float[49];
        for (int i = 0; i < 49; i++) {
            last[i] = i - 24.5f;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p,
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.SPARSE)) {
            head.flip();
            ch.write(head, 0);
            java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(49 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : last) {
                tail.putFloat(v);
            }
            tail.flip();
            ch.write(tail, size - 49 * 4);
        }
        assertEquals(size, Files.size(p));
        InputFormatException whole = assertThrows(InputFormatException.class, () -> FilterReaders.read(p));
        assertTrue(whole.getMessage().contains("elements"), whole.getMessage());
        LayerSource s = FilterReaders.open(p, x -> { }).get(0);
        assertEquals(n, s.count());
        assertEquals(7, s.k());
        double[] got = new double[49];
        s.read(n - 1, 1, got);
        for (int i = 0; i < 49; i++) {
            assertEquals(last[i], got[i], 0.0, "element " + i);
        }
        double[] zeros = new double[98]; // all-zero filters are data (degenerate, SPEC §7), read as they are
        Arrays.fill(zeros, 1.0);
        s.read(n - 3, 2, zeros);
        assertArrayEquals(new double[98], zeros, 0);
    }
}
