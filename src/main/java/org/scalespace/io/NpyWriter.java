package org.scalespace.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Writes NumPy {@code .npy} files: format version 1.0 (2.0 only if the header would not fit, which needs an
 * absurd rank), little-endian, C order, header padded with spaces so the data starts at a multiple of 64 bytes,
 * exactly as {@code numpy.save} does. Files are written atomically (see {@link AtomicFiles}): on failure no file and
 * no temporary file is left, and an existing file is left untouched.
 */
public final class NpyWriter {

    private static final int CHUNK = 1 << 16; // elements converted per step

    private NpyWriter() {
    }

    /** Writes a float32 ({@code <f4}) array; the shape's product must equal {@code data.length}. */
    public static void write(Path file, long[] shape, float[] data) throws IOException {
        write(file, NpyArray.ofFloat(shape, data));
    }

    /** Writes a float64 ({@code <f8}) array; the shape's product must equal {@code data.length}. */
    public static void write(Path file, long[] shape, double[] data) throws IOException {
        write(file, NpyArray.ofDouble(shape, data));
    }

    /** Writes an array with its own dtype. */
    public static void write(Path file, NpyArray array) throws IOException {
        AtomicFiles.write(file, out -> write(out, array));
    }

    /** Writes an array in .npy format to a stream (not atomic; the stream is not closed). */
    public static void write(OutputStream out, NpyArray array) throws IOException {
        out.write(header(array.shape(), array.dtype()));
        ByteBuffer bb = ByteBuffer.allocate(CHUNK * 8).order(ByteOrder.LITTLE_ENDIAN);
        int n = array.size();
        for (int done = 0; done < n; ) {
            int count = Math.min(CHUNK, n - done);
            bb.clear();
            if (array.isFloat32()) {
                bb.asFloatBuffer().put(array.floats(), done, count);
                out.write(bb.array(), 0, count * 4);
            } else {
                bb.asDoubleBuffer().put(array.doubles(), done, count);
                out.write(bb.array(), 0, count * 8);
            }
            done += count;
        }
    }

    /** The magic, version, header length and padded header dict, as numpy.save writes them. */
    static byte[] header(long[] shape, String dtype) {
        String dict = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + NpyArray.shapeString(shape)
                + ", }";
        int version = 1;
        int prefix = 10;
        int total = pad(prefix + dict.length() + 1);
        if (total - prefix > 0xffff) {
            version = 2;
            prefix = 12;
            total = pad(prefix + dict.length() + 1);
        }
        int hlen = total - prefix;
        StringBuilder text = new StringBuilder(dict);
        while (text.length() < hlen - 1) {
            text.append(' ');
        }
        text.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyHeader.MAGIC).put((byte) version).put((byte) 0);
        if (version == 1) {
            b.putShort((short) hlen);
        } else {
            b.putInt(hlen);
        }
        b.put(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static int pad(int n) {
        return (n + 63) / 64 * 64;
    }
}
