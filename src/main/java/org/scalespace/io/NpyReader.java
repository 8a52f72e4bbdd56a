package org.scalespace.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads NumPy {@code .npy} files into {@link NpyArray}s.
 *
 * <p>Accepted: format versions 1.0, 2.0 and 3.0; dtype {@code <f4} or {@code <f8} ({@code |} and {@code =} byte-order
 * characters, and none, are read as little-endian); C order; any rank, including 0. Rejected with an
 * {@link InputFormatException}: a bad magic or version, a header that cannot be parsed, big-endian or non-float
 * dtypes, Fortran order, and any file whose size does not match the header exactly. In particular:
 * <ul>
 *   <li>a header that declares more data than the file holds is reported before anything is allocated (the file size
 *       is checked first), so a corrupt or hostile header cannot cause an OutOfMemoryError;</li>
 *   <li><b>trailing bytes after the data are rejected</b>: NumPy never writes them, so they mean the shape in the
 *       header is wrong or the file was damaged.</li>
 * </ul>
 * Arrays are limited to {@value #MAX_ELEMENTS} elements (the largest Java array).
 */
public final class NpyReader {

    /** Largest number of elements an array can have here (the largest Java array). */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    private static final int CHUNK = 1 << 20; // bytes converted per step; a multiple of 8

    private NpyReader() {
    }

    /** Reads a whole {@code .npy} file. */
    public static NpyArray read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a whole {@code .npy} file; with {@code asDouble}, float32 data is converted to float64 (exactly) while it
     * is read, chunk by chunk, and returned as a {@code <f8} array: one array in memory instead of a float32 array and
     * its double copy (which matters for large filter stacks, which are fitted in double precision).
     */
    public static NpyArray read(Path file, boolean asDouble) throws IOException {
        InputFiles.requireRegularFile(file);
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            InputStream in = Channels.newInputStream(ch); // unbuffered: stays positioned exactly after the header
            NpyHeader h = checkedHeader(in, ch.size(), name);
            checkElementLimit(h, name);
            return readData(in, h, name, asDouble);
        }
    }

    /**
     * Reads the header of a file from {@code in} (positioned at the start of a file of {@code size} bytes) and checks
     * it as {@link #read(Path)} does: a supported dtype and order, and exactly the declared number of data bytes.
     */
    static NpyHeader checkedHeader(InputStream in, long size, String name) throws IOException {
        NpyHeader h = NpyHeader.read(in, name, size);
        h.requireSupported(name);
        long present = size - h.headerBytes();
        long expected = h.dataBytes();
        if (present < expected) {
            throw new InputFormatException(name, "header declares shape " + NpyArray.shapeString(h.shape())
                    + " " + h.dtype() + " (" + expected + " data bytes) but only " + present
                    + " bytes follow the header (truncated file or wrong header)",
                    "expected exactly " + expected + " data bytes after the header");
        }
        if (present > expected) {
            throw new InputFormatException(name, (present - expected) + " bytes of trailing data after the "
                    + expected + " data bytes of shape " + NpyArray.shapeString(h.shape()) + " " + h.dtype(),
                    "expected exactly " + expected + " data bytes after the header (trailing data is rejected)");
        }
        return h;
    }

    /**
     * Reads one {@code .npy} array from a stream (e.g. an {@code .npz} member) up to its end; the stream is not closed.
     * Memory is only allocated as data actually arrives, so a header that declares more data than the stream holds is
     * a clean error. Bytes after the data are rejected.
     *
     * @param name the name to use in error messages (e.g. {@code "model.npz: array 'w'"})
     */
    public static NpyArray read(InputStream in, String name) throws IOException {
        NpyHeader h = NpyHeader.read(in, name, -1);
        h.requireSupported(name);
        NpyArray a = readDataFromStream(in, h, name);
        if (in.read() >= 0) {
            throw new InputFormatException(name, "trailing data after the " + h.dataBytes()
                    + " data bytes of shape " + NpyArray.shapeString(h.shape()) + " " + h.dtype(),
                    "expected exactly " + h.dataBytes() + " data bytes after the header (trailing data is rejected)");
        }
        return a;
    }

    /** Reads the data of a stream whose length is not known in advance (allocates as bytes arrive). */
    static NpyArray readDataFromStream(InputStream in, NpyHeader h, String name) throws IOException {
        checkElementLimit(h, name);
        long expected = h.dataBytes();
        if (expected > MAX_ELEMENTS) {
            throw new InputFormatException(name, "array of shape " + NpyArray.shapeString(h.shape()) + " "
                    + h.dtype() + " has " + expected + " data bytes, too many to read from a stream or archive member",
                    "accepted: at most " + MAX_ELEMENTS + " bytes per member (save large arrays as separate .npy files)");
        }
        byte[] raw = in.readNBytes((int) expected); // grows its buffer as data arrives: no up-front allocation
        if (raw.length < expected) {
            throw new InputFormatException(name, "header declares shape " + NpyArray.shapeString(h.shape()) + " "
                    + h.dtype() + " (" + expected + " data bytes) but the data ends after " + raw.length + " bytes",
                    "expected exactly " + expected + " data bytes after the header");
        }
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) h.elements();
        if (h.itemSize() == 4) {
            float[] f = new float[n];
            bb.asFloatBuffer().get(f);
            return new NpyArray(h.shape(), NpyArray.FLOAT32, f, null);
        }
        double[] d = new double[n];
        bb.asDoubleBuffer().get(d);
        return new NpyArray(h.shape(), NpyArray.FLOAT64, null, d);
    }

    private static void checkElementLimit(NpyHeader h, String name) throws InputFormatException {
        if (h.elements() > MAX_ELEMENTS) {
            throw new InputFormatException(name, "shape " + NpyArray.shapeString(h.shape()) + " has "
                    + h.elements() + " elements", "accepted: at most " + MAX_ELEMENTS + " elements per array");
        }
    }

    /** Reads the data of a file whose size has been checked, in chunks, straight into the typed array. */
    private static NpyArray readData(InputStream in, NpyHeader h, String name, boolean asDouble) throws IOException {
        int n = (int) h.elements();
        int item = h.itemSize();
        boolean widen = item == 4 && asDouble;
        float[] f = item == 4 && !widen ? new float[n] : null;
        double[] d = item == 8 || widen ? new double[n] : null;
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(8, h.dataBytes()))];
        float[] fchunk = widen ? new float[chunk.length / 4] : null;
        ByteBuffer bb = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
        int done = 0;
        while (done < n) {
            int count = Math.min(n - done, chunk.length / item);
            int got = in.readNBytes(chunk, 0, count * item);
            if (got < count * item) {
                throw new InputFormatException(name, "file ended early while reading the data (it changed while "
                        + "being read?)", "expected " + h.dataBytes() + " data bytes");
            }
            if (widen) {
                bb.asFloatBuffer().get(fchunk, 0, count);
                for (int i = 0; i < count; i++) {
                    d[done + i] = fchunk[i];
                }
            } else if (f != null) {
                bb.asFloatBuffer().get(f, done, count);
            } else {
                bb.asDoubleBuffer().get(d, done, count);
            }
            done += count;
        }
        return f != null ? new NpyArray(h.shape(), NpyArray.FLOAT32, f, null)
                : new NpyArray(h.shape(), NpyArray.FLOAT64, null, d);
    }
}
