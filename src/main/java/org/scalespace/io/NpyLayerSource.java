package org.scalespace.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .npy} filter stack read a slice at a time (positional reads into a reused buffer, float32 widened to
 * double while copying): memory stays bounded whatever the file size, and no large array is touched for the first
 * time, which on some VMs costs more than reading the file. The header and the file size are checked when the source
 * is opened, with the messages of {@link NpyReader#read(Path)}; values are checked as slices are read.
 */
final class NpyLayerSource implements LayerSource {
    private static final int BUFFER = 1 << 20; // bytes per read; a multiple of 8

    private final Path file;
    private final String name;
    private final String layer;
    private final int k;
    private final int count;
    private final long dataStart;
    private final int item;
    private ByteBuffer buf; // reused across reads (a source is read by one thread at a time)

    private NpyLayerSource(Path file, String layer, int k, int count, long dataStart, int item) {
        this.file = file;
        this.name = file.toString();
        this.layer = layer;
        this.k = k;
        this.count = count;
        this.dataStart = dataStart;
        this.item = item;
    }

    /** Opens a {@code .npy} file of shape (N,k,k), (C,1,k,k) or (k,k) as one layer named after the file. */
    static NpyLayerSource open(Path file) throws IOException {
        String name = file.toString();
        NpyHeader h;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            h = NpyReader.checkedHeader(Channels.newInputStream(ch), ch.size(), name);
        }
        String layer = FilterReaders.baseName(file);
        FilterChecks.FilterShape fs = FilterChecks.requireFilterShape(h.shape(), name, layer);
        return new NpyLayerSource(file, layer, fs.k(), fs.count(), h.headerBytes(), h.itemSize());
    }

    @Override
    public String source() {
        return name;
    }

    @Override
    public String layer() {
        return layer;
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int count() {
        return count;
    }

    @Override
    public synchronized void read(int from, int n, double[] dst) throws IOException {
        int kk = k * k;
        if (from < 0 || n < 0 || (long) from + n > count || dst.length < (long) n * kk) {
            throw new IndexOutOfBoundsException("filters " + from + ".." + ((long) from + n) + " of " + count
                    + " into " + dst.length + " values");
        }
        if (buf == null) {
            buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        }
        long elements = (long) n * kk;
        long pos = dataStart + (long) from * kk * item;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int done = 0;
            while (done < elements) {
                int want = (int) Math.min(elements - done, BUFFER / item);
                buf.clear().limit(want * item);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + (long) (done * item) + buf.position()) < 0) {
                        throw new InputFormatException(name, "file ended early while reading the data (it changed "
                                + "while being read?)", "expected " + count + " filters of " + k + "×" + k);
                    }
                }
                buf.flip();
                if (item == 4) {
                    for (int i = 0; i < want; i++) {
                        dst[done + i] = buf.getFloat(i * 4);
                    }
                } else {
                    buf.asDoubleBuffer().get(dst, done, want);
                }
                done += want;
            }
        }
        FilterChecks.validateValues(name, "layer '" + layer + "'", k, n, dst, i -> "filter " + (from + i));
    }
}
