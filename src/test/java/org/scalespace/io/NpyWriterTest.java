package org.scalespace.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.scalespace.io.IoTestSupport.fixture;
import static org.scalespace.io.IoTestSupport.list;
import static org.scalespace.io.IoTestSupport.sinFloats;

class NpyWriterTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32() throws IOException {
        float[] data = sinFloats(2 * 3 * 5, 0.7);
        data[3] = Float.NaN;
        data[4] = Float.NEGATIVE_INFINITY;
        data[5] = -0.0f;
        data[6] = Float.MIN_VALUE;
        Path p = dir.resolve("a.npy");
        NpyWriter.write(p, new long[] {2, 3, 5}, data);
        NpyArray back = NpyReader.read(p);
        assertArrayEquals(new long[] {2, 3, 5}, back.shape());
        assertEquals(NpyArray.FLOAT32, back.dtype());
        assertArrayEquals(data, back.asFloat()); // bitwise: NaN, -0.0 and subnormals survive
    }

    @Test
    void roundTripsFloat64AndOtherRanks() throws IOException {
        double[] data = {Math.PI, -1e-310, Double.MAX_VALUE, 0.1};
        Path p = dir.resolve("b.npy");
        NpyWriter.write(p, new long[] {4}, data);
        assertArrayEquals(data, NpyReader.read(p).asDouble());

        NpyWriter.write(p, new long[] {}, new double[] {42});
        assertEquals(0, NpyReader.read(p).rank());
        NpyWriter.write(p, new long[] {0, 3}, new double[0]);
        assertArrayEquals(new long[] {0, 3}, NpyReader.read(p).shape());
    }

    @Test
    void largeArraysAreWrittenInChunks() throws IOException {
        float[] data = sinFloats(200_003, 0.1); // more than one write chunk, not a chunk multiple
        Path p = dir.resolve("big.npy");
        NpyWriter.write(p, new long[] {1, 1, 200_003, 1}, data);
        assertArrayEquals(data, NpyReader.read(p).asFloat());
    }

    @Test
    void headerIsVersion1PaddedTo64BytesAsNumpyWritesIt() throws IOException {
        Path p = dir.resolve("h.npy");
        NpyWriter.write(p, new long[] {3, 5, 5}, new float[75]);
        byte[] bytes = Files.readAllBytes(p);
        assertEquals(1, bytes[6]);
        assertEquals(0, bytes[7]);
        int hlen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        assertEquals(0, (10 + hlen) % 64);
        assertEquals('\n', bytes[10 + hlen - 1]);
        String header = new String(bytes, 10, hlen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5, 5), }"), header);
        assertEquals(10 + hlen + 75 * 4, bytes.length);
    }

    @Test
    void reproducesNumpysFilesByteForByte() throws IOException {
        for (String name : new String[] {"f32_nkk.npy", "f64_nkk.npy", "f32_c1kk.npy", "f64_kk.npy"}) {
            byte[] numpy = Files.readAllBytes(fixture(name));
            NpyArray a = NpyReader.read(fixture(name));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            NpyWriter.write(out, a);
            assertArrayEquals(numpy, out.toByteArray(), name);
        }
    }

    @Test
    void shapeMismatchWritesNothing() throws IOException {
        Path p = dir.resolve("bad.npy");
        assertThrows(IllegalArgumentException.class, () -> NpyWriter.write(p, new long[] {2, 2}, new float[5]));
        assertFalse(Files.exists(p));
        assertEquals(0, list(dir).length);
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path p = dir.resolve("r.npy");
        Files.writeString(p, "old content");
        NpyWriter.write(p, new long[] {1}, new float[] {7});
        assertArrayEquals(new float[] {7}, NpyReader.read(p).asFloat());
        assertArrayEquals(new String[] {"r.npy"}, list(dir));
    }
}
