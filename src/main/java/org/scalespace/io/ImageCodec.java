package org.scalespace.io;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.zip.CRC32;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.scalespace.conv.Tensor4;

/**
 * The image conversions behind {@link Images}, through ImageIO (module java.desktop). Only {@link Images} calls it,
 * after checking that the module is there.
 */
final class ImageCodec {

    private ImageCodec() {
    }

    /** Reads an image as a (1,C,H,W) tensor, C = 1 (grey) or 3 (R, G, B). */
    static Tensor4 read(Path file) throws IOException {
        verifyPngChunks(file);
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new InputFormatException(file.toString(), "not a readable image",
                        "accepted: PNG, JPEG, BMP or GIF images, or .npy arrays");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // the header's size, checked before the decoder allocates it
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                checkSize(file, w, h);
                img = reader.read(0);
            } catch (IIOException | EOFException | IndexOutOfBoundsException | IllegalArgumentException e) {
                throw new InputFormatException(file.toString(), "the image is corrupt (" + describe(e) + ")",
                        "accepted: PNG, JPEG, BMP or GIF images, or .npy arrays", e);
            } finally {
                reader.dispose();
            }
        }
        int h = img.getHeight();
        int w = img.getWidth();
        boolean grey = img.getColorModel().getNumColorComponents() == 1;
        int c = grey ? 1 : 3;
        float[] d = new float[c * h * w];
        Raster r = img.getRaster();
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                if (grey) {
                    d[y * w + xx] = r.getSample(xx, y, 0);
                } else {
                    int rgb = img.getRGB(xx, y);
                    d[y * w + xx] = (rgb >> 16) & 0xff;
                    d[h * w + y * w + xx] = (rgb >> 8) & 0xff;
                    d[2 * h * w + y * w + xx] = rgb & 0xff;
                }
            }
        }
        return new Tensor4(1, c, h, w, d);
    }

    /** Bytes per pixel a decode may need at most: the decoder's 4-byte pixels and our three float channels. */
    private static final long BYTES_PER_PIXEL = 16;

    /** Refuses an image whose declared size would not fit in a tensor or in what is left of the Java heap. */
    private static void checkSize(Path file, long w, long h) throws InputFormatException {
        if (w < 1 || h < 1) {
            throw new InputFormatException(file.toString(), "the image declares " + w + "×" + h + " pixels",
                    "accepted: images of at least 1×1 pixel");
        }
        if (3 * w * h > Tensor4.MAX_ELEMENTS) {
            throw new InputFormatException(file.toString(), "the image declares " + w + "×" + h + " pixels, more than "
                    + "a tensor holds (" + Tensor4.MAX_ELEMENTS + " values)", "accepted: smaller images");
        }
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long need = BYTES_PER_PIXEL * w * h;
        if (need > free) {
            throw new InputFormatException(file.toString(), "the image declares " + w + "×" + h + " pixels; decoding "
                    + "it needs about " + (need >> 20) + " MiB and the Java heap has " + (free >> 20) + " MiB free",
                    "give the JVM more with SCALESPACE_JAVA_OPTS=-Xmx…, or use a smaller image");
        }
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    /**
     * For a PNG file (by its signature): every chunk's CRC-32 and the closing IEND chunk, which ImageIO's decoder does
     * not check, so a damaged file would otherwise be decoded silently. Streams the file once; other formats pass.
     */
    static void verifyPngChunks(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            byte[] sig = new byte[8];
            int got = in.readNBytes(sig, 0, 8);
            if (got < 8 || !Arrays.equals(sig, PNG_SIGNATURE)) {
                return;
            }
            byte[] buf = new byte[1 << 16];
            CRC32 crc = new CRC32();
            for (long chunk = 1; ; chunk++) {
                long len;
                byte[] type = new byte[4];
                try {
                    len = in.readInt() & 0xffffffffL;
                    in.readFully(type);
                } catch (EOFException e) {
                    throw corrupt(file, "it ends after chunk " + (chunk - 1) + " without an IEND chunk");
                }
                String name = new String(type, StandardCharsets.ISO_8859_1);
                if (len > Integer.MAX_VALUE) {
                    throw corrupt(file, "chunk " + chunk + " (" + name + ") claims " + len + " bytes");
                }
                crc.reset();
                crc.update(type);
                try {
                    for (long left = len; left > 0; ) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new EOFException();
                        }
                        crc.update(buf, 0, n);
                        left -= n;
                    }
                    long stored = in.readInt() & 0xffffffffL;
                    if (stored != crc.getValue()) {
                        throw corrupt(file, "chunk " + chunk + " (" + name + ") fails its CRC check");
                    }
                } catch (EOFException e) {
                    throw corrupt(file, "it is truncated inside chunk " + chunk + " (" + name + ")");
                }
                if (name.equals("IEND")) {
                    return;
                }
            }
        }
    }

    private static InputFormatException corrupt(Path file, String why) {
        return new InputFormatException(file.toString(), "the PNG file is corrupt: " + why,
                "accepted: PNG, JPEG, BMP or GIF images, or .npy arrays");
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /**
     * Writes a (1,1,H,W) or (1,3,H,W) tensor as a PNG, atomically ({@link AtomicFiles}). {@code name} names the
     * output in the error for any other shape.
     */
    static void writePng(Path file, Tensor4 y, String name) throws IOException {
        if (y.n() != 1 || (y.c() != 1 && y.c() != 3)) {
            throw new IllegalArgumentException(name + ": PNG output needs 1 or 3 channels, got " + y.shapeString());
        }
        int h = y.h();
        int w = y.w();
        BufferedImage img = new BufferedImage(w, h, y.c() == 1 ? BufferedImage.TYPE_BYTE_GRAY
                : BufferedImage.TYPE_INT_RGB);
        for (int yy = 0; yy < h; yy++) {
            for (int xx = 0; xx < w; xx++) {
                if (y.c() == 1) {
                    img.getRaster().setSample(xx, yy, 0, clamp(y.get(0, 0, yy, xx)));
                } else {
                    int rgb = (clamp(y.get(0, 0, yy, xx)) << 16) | (clamp(y.get(0, 1, yy, xx)) << 8)
                            | clamp(y.get(0, 2, yy, xx));
                    img.setRGB(xx, yy, rgb);
                }
            }
        }
        AtomicFiles.write(file, o -> {
            if (!ImageIO.write(img, "png", o)) {
                throw new IOException(file + ": no PNG writer");
            }
        });
    }

    private static int clamp(float v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
