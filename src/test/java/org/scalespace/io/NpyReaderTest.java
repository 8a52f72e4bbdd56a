package org.scalespace.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.dict;
import static org.scalespace.io.IoTestSupport.f32;
import static org.scalespace.io.IoTestSupport.f64;
import static org.scalespace.io.IoTestSupport.fixture;
import static org.scalespace.io.IoTestSupport.npyBytes;
import static org.scalespace.io.IoTestSupport.value;
import static org.scalespace.io.IoTestSupport.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyReaderTest {

    @TempDir
    Path dir;

    private static void assertSin(NpyArray a, double phase, double tol) {
        double[] d = a.asDouble();
        for (int i = 0; i < d.length; i++) {
            assertEquals(value(i, phase), d[i], tol, "element " + i);
        }
    }

    @Test
    void readsFloat32FixturesOfEachShape() throws IOException {
        NpyArray nkk = NpyReader.read(fixture("f32_nkk.npy"));
        assertArrayEquals(new long[] {3, 5, 5}, nkk.shape());
        assertEquals(NpyArray.FLOAT32, nkk.dtype());
        assertTrue(nkk.isFloat32());
        assertSame(nkk.floats(), nkk.asFloat(), "float32 data is handed out without a copy");
        assertSin(nkk, 0.0, 1e-7);
        float[] f = nkk.asFloat();
        for (int i = 0; i < f.length; i++) {
            assertEquals((float) value(i, 0.0), f[i], Math.ulp((float) value(i, 0.0)), "element " + i);
        }

        NpyArray c1kk = NpyReader.read(fixture("f32_c1kk.npy"));
        assertArrayEquals(new long[] {4, 1, 3, 3}, c1kk.shape());
        assertSin(c1kk, 0.5, 1e-7);

        NpyArray kk = NpyReader.read(fixture("f32_kk.npy"));
        assertArrayEquals(new long[] {7, 7}, kk.shape());
        assertEquals(7, kk.dim(-1));
        assertSin(kk, 1.0, 1e-7);
    }

    @Test
    void readsFloat64FixturesOfEachShape() throws IOException {
        NpyArray nkk = NpyReader.read(fixture("f64_nkk.npy"));
        assertArrayEquals(new long[] {3, 5, 5}, nkk.shape());
        assertEquals(NpyArray.FLOAT64, nkk.dtype());
        assertSame(nkk.doubles(), nkk.asDouble());
        assertSin(nkk, 0.0, 1e-15);
        assertSin(NpyReader.read(fixture("f64_c1kk.npy")), 0.5, 1e-15);
        assertSin(NpyReader.read(fixture("f64_kk.npy")), 1.0, 1e-15);
    }

    @Test
    void readsVersion2And3Headers() throws IOException {
        NpyArray v2 = NpyReader.read(fixture("v2_header.npy"));
        assertArrayEquals(new long[] {2, 3, 3}, v2.shape());
        assertSin(v2, 0.25, 1e-7);
        NpyArray v3 = NpyReader.read(fixture("v3_header.npy"));
        assertEquals(NpyArray.FLOAT64, v3.dtype());
        assertSin(v3, 0.25, 1e-15);
    }

    @Test
    void widensFloat32WhileReading() throws IOException {
        // bigger than one read chunk (1 MiB), so the conversion crosses chunk boundaries
        int n = 300_000;
        float[] v = new float[n];
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        Path f = IoTestSupport.write(dir, "big.npy",
                IoTestSupport.npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (" + n + ",), }",
                        IoTestSupport.f32(v)));
        NpyArray plain = NpyReader.read(f);
        NpyArray wide = NpyReader.read(f, true);
        assertEquals(NpyArray.FLOAT64, wide.dtype());
        assertArrayEquals(plain.shape(), wide.shape());
        assertArrayEquals(plain.asDouble(), wide.doubles(), 0.0);
        // float64 files are read as they are
        assertEquals(NpyReader.read(fixture("f64_nkk.npy")), NpyReader.read(fixture("f64_nkk.npy"), true));
    }

    @Test
    void readsFromAStream() throws IOException {
        byte[] bytes = Files.readAllBytes(fixture("f32_nkk.npy"));
        NpyArray a = NpyReader.read(new ByteArrayInputStream(bytes), "stream");
        assertEquals(NpyReader.read(fixture("f32_nkk.npy")), a);
    }

    @Test
    void readsAnyRankIncludingScalarsAndEmptyArrays() throws IOException {
        NpyArray scalar = NpyReader.read(write(dir, "s.npy", npyBytes(dict("<f8", "()").replace("(), }", "(), }"),
                f64(2.5))));
        assertEquals(0, scalar.rank());
        assertArrayEquals(new double[] {2.5}, scalar.asDouble());

        NpyArray vec = NpyReader.read(write(dir, "v.npy", npyBytes("{'descr': '<f4', 'fortran_order': False, "
                + "'shape': (3,), }", f32(1, 2, 3))));
        assertArrayEquals(new float[] {1, 2, 3}, vec.asFloat());
        assertEquals("(3,)", vec.shapeString());

        NpyArray five = NpyReader.read(write(dir, "r5.npy", npyBytes(dict("<f4", "(1, 2, 1, 2, 1)"),
                f32(1, 2, 3, 4))));
        assertEquals(5, five.rank());

        NpyArray empty = NpyReader.read(write(dir, "e.npy", npyBytes(dict("<f4", "(0, 7, 7)"), new byte[0])));
        assertEquals(0, empty.size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"|f4", "=f4", "f4"})
    void acceptsUnambiguousByteOrderCharacters(String descr) throws IOException {
        Path p = write(dir, "o.npy", npyBytes(dict(descr, "(2,)"), f32(1.5f, -2f)));
        NpyArray a = NpyReader.read(p);
        assertEquals(NpyArray.FLOAT32, a.dtype());
        assertArrayEquals(new float[] {1.5f, -2f}, a.asFloat());
    }

    @Test
    void acceptsPython2StyleHeaders() throws IOException {
        Path p = write(dir, "py2.npy", npyBytes("{\"descr\": \"<f8\", \"fortran_order\": False, "
                + "\"shape\": (2L, 1L)}", f64(1, 2)));
        assertArrayEquals(new long[] {2, 1}, NpyReader.read(p).shape());
    }

    @Test
    void rejectsBigEndianListingAcceptedDtypes() {
        Path p = fixture("bigendian.npy");
        InputFormatException e = assertFormatError(p, "big-endian", () -> NpyReader.read(p));
        assertTrue(e.getMessage().contains("'<f4' (float32) and '<f8' (float64)"), e.getMessage());
    }

    @Test
    void rejectsOtherDtypes() {
        Path p = fixture("int32.npy");
        assertFormatError(p, "dtype '<i4' is not supported", () -> NpyReader.read(p));
    }

    @Test
    void rejectsStructuredDtypes() throws IOException {
        Path p = write(dir, "rec.npy", npyBytes("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, "
                + "'shape': (1,), }", new byte[8]));
        assertFormatError(p, "structured dtype", () -> NpyReader.read(p));
    }

    @Test
    void rejectsFortranOrder() {
        Path p = fixture("fortran.npy");
        assertFormatError(p, "Fortran order", () -> NpyReader.read(p));
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] good = Files.readAllBytes(fixture("f32_nkk.npy"));
        Path p = write(dir, "truncated.npy", Arrays.copyOf(good, good.length - 3));
        assertFormatError(p, "only 297 bytes follow the header (truncated file", () -> NpyReader.read(p));
    }

    @Test
    void rejectsFileTruncatedInsideTheHeader() throws IOException {
        byte[] good = Files.readAllBytes(fixture("f32_nkk.npy"));
        Path p = write(dir, "cut.npy", Arrays.copyOf(good, 40));
        assertFormatError(p, "runs past the end of the file", () -> NpyReader.read(p));
        Path q = write(dir, "cut7.npy", Arrays.copyOf(good, 7));
        assertFormatError(q, "truncated inside the .npy header", () -> NpyReader.read(q));
    }

    @Test
    void headerClaimingHugeDataIsACleanErrorWithoutAllocating() throws IOException {
        // 4 TB of float32 declared, 16 bytes present: must fail before allocating anything
        Path p = write(dir, "liar.npy", npyBytes(dict("<f4", "(1000000, 1000, 1000)"), f32(1, 2, 3, 4)));
        InputFormatException e = assertFormatError(p, "only 16 bytes follow the header", () -> NpyReader.read(p));
        assertTrue(e.getMessage().contains("4000000000000 data bytes"), e.getMessage());
        // through a stream (unknown length): too many elements for one Java array is reported as such ...
        byte[] bytes = Files.readAllBytes(p);
        assertFormatError(p, "accepted: at most 2147483639 elements",
                () -> NpyReader.read(new ByteArrayInputStream(bytes), p.toString()));
        // ... and 400 MB declared but 16 bytes present fails after allocating only what arrived
        byte[] liar2 = npyBytes(dict("<f4", "(100000000,)"), f32(1, 2, 3, 4));
        Path name = Path.of("liar.npy");
        assertFormatError(name, "data ends after 16 bytes",
                () -> NpyReader.read(new ByteArrayInputStream(liar2), "liar.npy"));
    }

    @Test
    void rejectsShapesWhoseSizeOverflows() throws IOException {
        Path p = write(dir, "overflow.npy", npyBytes(dict("<f8", "(4294967296, 4294967296, 4294967296)"),
                new byte[0]));
        assertFormatError(p, "more elements than fit in 64 bits", () -> NpyReader.read(p));
    }

    @Test
    void rejectsTrailingData() throws IOException {
        byte[] good = Files.readAllBytes(fixture("f32_kk.npy"));
        byte[] longer = Arrays.copyOf(good, good.length + 4);
        Path p = write(dir, "trailing.npy", longer);
        assertFormatError(p, "trailing data", () -> NpyReader.read(p));
        assertFormatError(p, "trailing data", () -> NpyReader.read(new ByteArrayInputStream(longer), p.toString()));
    }

    @Test
    void rejectsBadMagicVersionAndEmptyFiles() throws IOException {
        Path magic = write(dir, "magic.npy", "PK\u0003\u0004 not numpy at all".getBytes());
        assertFormatError(magic, "not a .npy file", () -> NpyReader.read(magic));

        byte[] v9 = Files.readAllBytes(fixture("f32_kk.npy"));
        v9[6] = 9;
        Path version = write(dir, "version.npy", v9);
        assertFormatError(version, "unsupported .npy format version 9.0", () -> NpyReader.read(version));

        Path empty = write(dir, "empty.npy", new byte[0]);
        assertFormatError(empty, "file is empty", () -> NpyReader.read(empty));
    }

    @Test
    void rejectsUnparseableHeaders() throws IOException {
        Path garbled = write(dir, "garbled.npy", npyBytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}",
                f32(1, 2)));
        assertFormatError(garbled, "cannot parse the .npy header", () -> NpyReader.read(garbled));

        Path noShape = write(dir, "noshape.npy", npyBytes("{'descr': '<f4', 'fortran_order': False}", f32(1, 2)));
        assertFormatError(noShape, "has no 'shape' key", () -> NpyReader.read(noShape));

        Path negative = write(dir, "negative.npy", npyBytes(dict("<f4", "(-2,)"), f32(1, 2)));
        assertFormatError(negative, "non-negative integers", () -> NpyReader.read(negative));
    }

    @Test
    void rejectsHeaderLengthBeyondFileInVersion2() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(0x7fffffff);
        Path p = write(dir, "v2liar.npy", b.array());
        assertFormatError(p, "header length 2147483647 runs past the end of the file", () -> NpyReader.read(p));
    }

    @Test
    void recordChecksItsInvariants() {
        assertThrows(IllegalArgumentException.class, () -> NpyArray.ofFloat(new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(new long[] {1}, "<f4", null, new double[1]));
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(new long[] {1}, "<i4", new float[1], null));
        NpyArray a = NpyArray.ofDouble(new long[] {2}, new double[] {0.1, 1e300});
        assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY}, a.asFloat());
        assertFalse(a.isFloat32());
        assertEquals("NpyArray[shape=(2,), dtype=<f8]", a.toString());
    }
}
