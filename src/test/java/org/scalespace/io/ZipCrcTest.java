package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.scalespace.io.IoTestSupport.assertFormatError;
import static org.scalespace.io.IoTestSupport.dict;
import static org.scalespace.io.IoTestSupport.f32;
import static org.scalespace.io.IoTestSupport.fixture;
import static org.scalespace.io.IoTestSupport.npyBytes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zip members whose data does not match the CRC-32 of the central directory are refused by the .npz and PyTorch
 * readers. The archives are built byte by byte, since java.util.zip writers would compute the right CRC.
 */
class ZipCrcTest {

    @TempDir
    Path tmp;

    /** One member of a hand-built archive. */
    record Member(String name, byte[] data, boolean deflate, boolean descriptor, boolean badCrc) {
    }

    /** A zip archive of the members: local headers (+ data descriptors), central directory, end record. */
    static byte[] zip(Member... members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cen = new ByteArrayOutputStream();
        for (Member m : members) {
            CRC32 c = new CRC32();
            c.update(m.data());
            int crc = (int) c.getValue() ^ (m.badCrc() ? 0x5a5a5a5a : 0);
            byte[] stored = m.data();
            if (m.deflate()) {
                Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                d.setInput(m.data());
                d.finish();
                byte[] buf = new byte[m.data().length * 2 + 64];
                int n = d.deflate(buf);
                d.end();
                stored = java.util.Arrays.copyOf(buf, n);
            }
            byte[] name = m.name().getBytes(StandardCharsets.UTF_8);
            int flags = m.descriptor() ? 8 : 0;
            int method = m.deflate() ? 8 : 0;
            int offset = out.size();
            ByteBuffer lh = le(30 + name.length);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) flags).putShort((short) method)
                    .putInt(0).putInt(m.descriptor() ? 0 : crc).putInt(m.descriptor() ? 0 : stored.length)
                    .putInt(m.descriptor() ? 0 : m.data().length).putShort((short) name.length).putShort((short) 0)
                    .put(name);
            out.writeBytes(lh.array());
            out.writeBytes(stored);
            if (m.descriptor()) {
                out.writeBytes(le(16).putInt(0x08074b50).putInt(crc).putInt(stored.length)
                        .putInt(m.data().length).array());
            }
            ByteBuffer ch = le(46 + name.length);
            ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) flags)
                    .putShort((short) method).putInt(0).putInt(crc).putInt(stored.length).putInt(m.data().length)
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(offset).put(name);
            cen.writeBytes(ch.array());
        }
        int cenOffset = out.size();
        out.writeBytes(cen.toByteArray());
        out.writeBytes(le(22).putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) members.length).putShort((short) members.length).putInt(cen.size())
                .putInt(cenOffset).putShort((short) 0).array());
        return out.toByteArray();
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] filterNpy() {
        float[] v = new float[9];
        for (int i = 0; i < 9; i++) {
            v[i] = (float) Math.sin(i + 1.0);
        }
        return npyBytes(dict("<f4", "(1, 3, 3)"), f32(v));
    }

    private Path npz(Member... members) throws IOException {
        Path p = tmp.resolve("m.npz");
        Files.write(p, zip(members));
        return p;
    }

    @Test
    void intactHandBuiltArchivesAreRead() throws IOException {
        for (boolean deflate : new boolean[] {false, true}) {
            for (boolean descriptor : new boolean[] {false, true}) {
                Path p = npz(new Member("w.npy", filterNpy(), deflate, descriptor, false));
                assertEquals(1, NpzReader.readFilters(p, n -> { }).size(), "deflate " + deflate + " dd " + descriptor);
            }
        }
    }

    @Test
    void crcMismatchIsRefusedForStoredAndDeflatedMembers() throws IOException {
        for (boolean deflate : new boolean[] {false, true}) {
            for (boolean descriptor : new boolean[] {false, true}) {
                Path p = npz(new Member("a.npy", filterNpy(), false, false, false),
                        new Member("w.npy", filterNpy(), deflate, descriptor, true));
                InputFormatException e = assertFormatError(p, "CRC-32 mismatch in member 'w.npy'",
                        () -> NpzReader.readFilters(p, n -> { }));
                assertEquals(true, e.getMessage().contains("array 'w'"), e.getMessage());
                assertFormatError(p, "CRC-32 mismatch", () -> NpzReader.readAll(p));
                assertFormatError(p, "CRC-32 mismatch", () -> FilterReaders.read(p));
            }
        }
    }

    @Test
    void alteredStoredDataIsRefused() throws IOException {
        // the data changed after the CRC was computed: a value of the filter differs, the CRC does not
        byte[] z = zip(new Member("w.npy", filterNpy(), false, false, false));
        int data = 30 + "w.npy".length() + 128; // local header, name, npy header: the first float
        z[data + 1] ^= 0x10;
        Path p = tmp.resolve("altered.npz");
        Files.write(p, z);
        assertFormatError(p, "CRC-32 mismatch in member 'w.npy'", () -> NpzReader.readFilters(p, n -> { }));
    }

    @Test
    void alteredTorchStorageIsRefused() throws IOException {
        byte[] z = Files.readAllBytes(fixture("torch/dtypes.pt"));
        // the first stored storage record: its local header names ".../data/0"
        int at = -1;
        for (int i = 0; i + 30 < z.length && at < 0; i++) {
            if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 3 && z[i + 3] == 4) {
                ByteBuffer b = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN);
                int nameLen = b.getShort(i + 26) & 0xffff;
                int extraLen = b.getShort(i + 28) & 0xffff;
                String name = new String(z, i + 30, nameLen, StandardCharsets.UTF_8);
                if (name.matches(".*/data/[0-9]+") && b.getShort(i + 8) == 0) {
                    at = i + 30 + nameLen + extraLen;
                }
            }
        }
        if (at < 0) {
            throw new AssertionError("no stored storage record in the fixture");
        }
        z[at] ^= 0x01;
        Path p = tmp.resolve("altered.pt");
        Files.write(p, z);
        assertFormatError(p, "CRC-32 mismatch", () -> FilterReaders.read(p));
    }
}
