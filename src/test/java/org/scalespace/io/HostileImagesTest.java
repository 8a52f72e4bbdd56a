package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.conv.Tensor4;

/**
 * Damaged and oversized images, built byte by byte here: each is refused with one line naming the file, before the
 * decoder allocates what the header claims; an intact file built the same way is read.
 */
class HostileImagesTest {

    @TempDir
    Path dir;

    private static byte[] chunk(String type, byte[] data, boolean badCrc) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        o.writeInt(data.length);
        o.write(t);
        o.write(data);
        o.writeInt((int) (badCrc ? crc.getValue() ^ 1 : crc.getValue()));
        return b.toByteArray();
    }

    /** An 8-bit grey PNG, w×h, pixel (x, y) = 16x + y; optionally with a bad IDAT CRC or without IEND. */
    private static byte[] png(int w, int h, boolean badCrc, boolean iend) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int rows = Math.min(h, 64);
        for (int y = 0; y < rows; y++) {
            raw.write(0);
            for (int x = 0; x < Math.min(w, 64); x++) {
                raw.write((16 * x + y) & 0xff);
            }
        }
        Deflater d = new Deflater();
        d.setInput(raw.toByteArray());
        d.finish();
        byte[] buf = new byte[1 << 16];
        int n = d.deflate(buf);
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        f.write(chunk("IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).array(), false));
        f.write(chunk("IDAT", Arrays.copyOf(buf, n), badCrc));
        if (iend) {
            f.write(chunk("IEND", new byte[0], false));
        }
        return f.toByteArray();
    }

    private InputFormatException refused(String name, byte[] bytes) throws IOException {
        Path p = Files.write(dir.resolve(name), bytes);
        InputFormatException e = assertThrows(InputFormatException.class, () -> Images.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e;
    }

    @Test
    void anIntactPngIsRead() throws IOException {
        Path p = Files.write(dir.resolve("ok.png"), png(8, 8, false, true));
        Tensor4 t = Images.read(p);
        assertEquals(1, t.c());
        assertEquals(16 * 3 + 5, t.get(0, 0, 5, 3), 0.0);
    }

    @Test
    void aCorruptChunkCrcIsRefused() throws IOException {
        assertTrue(refused("crc.png", png(8, 8, true, true)).getMessage()
                .contains("the PNG file is corrupt: chunk 2 (IDAT) fails its CRC check"));
    }

    @Test
    void aPngWithoutIendIsRefused() throws IOException {
        assertTrue(refused("noiend.png", png(8, 8, false, false)).getMessage()
                .contains("ends after chunk 2 without an IEND chunk"));
    }

    @Test
    void aTruncatedPngIsRefused() throws IOException {
        byte[] ok = png(8, 8, false, true);
        assertTrue(refused("trunc.png", Arrays.copyOf(ok, ok.length - 20)).getMessage()
                .contains("truncated inside chunk 2 (IDAT)"));
    }

    @Test
    void aHeaderClaimingMorePixelsThanATensorHoldsIsRefusedBeforeDecoding() throws IOException {
        InputFormatException e = refused("huge.png", png(60000, 60000, false, true));
        assertTrue(e.getMessage().contains("declares 60000×60000 pixels, more than a tensor holds"), e.getMessage());
    }

    @Test
    void aBmpClaimingAHugeSizeIsRefused() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(2048).putInt(0).putInt(54);
        b.putInt(40).putInt(60000).putInt(60000).putShort((short) 1).putShort((short) 24).putInt(0).putInt(0)
                .putInt(2835).putInt(2835).putInt(0).putInt(0);
        refused("huge.bmp", b.array());
    }
}
