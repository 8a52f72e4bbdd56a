package org.scalespace.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * A filter stack stored contiguously in a file, read a slice at a time (positional reads into a reused buffer,
 * converted to double while copying): memory stays bounded whatever the file size, and no large array is touched for
 * the first time, which on some VMs costs more than reading the file. Used for a {@code .npy} file, whose header and
 * size are checked when the source is opened with the messages of {@link NpyReader#read(Path)}, for a safetensors
 * tensor and for a stored {@code .npz} member (see {@link #at}). Values are checked as slices are read.
 */
final class NpyLayerSource implements LayerSource {
    private static final int BUFFER = 1 << 20; // bytes per read; a multiple of 8

    /** Converts {@code n} little-endian elements at the start of {@code src} to {@code dst[off .. off+n)}. */
    @FunctionalInterface
    interface Decoder {
        void decode(ByteBuffer src, int n, double[] dst, int off);
    }

    /** float32 or float64, as {@code .npy} and {@code .npz} hold them. */
    static final Decoder FLOAT32 = (src, n, dst, off) -> {
        for (int i = 0; i < n; i++) {
            dst[off + i] = src.getFloat(i * 4);
        }
    };
    static final Decoder FLOAT64 = (src, n, dst, off) -> src.asDoubleBuffer().get(dst, off, n);

    /**
     * The CRC-32 of a zip member whose bytes are {@code [start, end)} of the file, computed over the bytes as slices
     * are read in order and compared when the last one is read (out of order, the member is checksummed whole first).
     */
    static final class MemberCrc {
        private final long start;
        private final long end;
        private final java.util.zip.ZipEntry entry;
        private final String what;
        private final CRC32 crc = new CRC32();
        private long next; // the file offset the running CRC has reached
        private boolean verified;

        /** {@code head}: the member's first bytes (its .npy header), already read; the data follow them. */
        MemberCrc(long start, long end, byte[] head, java.util.zip.ZipEntry entry, String what) {
            this.start = start;
            this.end = end;
            this.entry = entry;
            this.what = what;
            crc.update(head);
            this.next = start + head.length;
        }
    }

    private final Path file;
    private final String name;
    private final String layer;
    private final int k;
    private final int count;
    private final long dataStart;
    private final int item;
    private final Decoder decoder;
    private final String what;
    private final MemberCrc crc;
    private ByteBuffer buf; // reused across reads (a source is read by one thread at a time)

    private NpyLayerSource(Path file, String layer, int k, int count, long dataStart, int item, Decoder decoder,
                           String what, MemberCrc crc) {
        this.file = file;
        this.name = file.toString();
        this.layer = layer;
        this.k = k;
        this.count = count;
        this.dataStart = dataStart;
        this.item = item;
        this.decoder = decoder;
        this.what = what;
        this.crc = crc;
    }

    /**
     * A layer of {@code count} k×k filters whose elements ({@code item} bytes each, converted by {@code decoder}) start
     * at byte {@code dataStart} of {@code file}, already checked against the file's size and shape; {@code what}
     * names the data in the message of a read that ends early; {@code crc} (may be null) checks a zip member.
     */
    static NpyLayerSource at(Path file, String layer, int k, int count, long dataStart, int item, Decoder decoder,
                             String what, MemberCrc crc) {
        return new NpyLayerSource(file, layer, k, count, dataStart, item, decoder, what, crc);
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
        return new NpyLayerSource(file, layer, fs.k(), fs.count(), h.headerBytes(), h.itemSize(),
                h.itemSize() == 4 ? FLOAT32 : FLOAT64, "the data", null);
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
        LayerSource.checkRange(from, n, count, kk, dst);
        if (buf == null) {
            buf = ByteBuffer.allocate(BUFFER).order(ByteOrder.LITTLE_ENDIAN);
        }
        long elements = (long) n * kk;
        long pos = dataStart + (long) from * kk * item;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (crc != null && !crc.verified && pos != crc.next) {
                checksumWhole(ch);
            }
            int done = 0;
            while (done < elements) {
                int want = (int) Math.min(elements - done, BUFFER / item);
                buf.clear().limit(want * item);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + (long) (done * item) + buf.position()) < 0) {
                        throw endedEarly();
                    }
                }
                buf.flip();
                if (crc != null && !crc.verified) {
                    crc.crc.update(buf.array(), 0, want * item);
                    crc.next += (long) want * item;
                }
                decoder.decode(buf, want, dst, done);
                done += want;
            }
            if (crc != null && !crc.verified && crc.next == crc.end) {
                ZipCrc.check(name, crc.entry, crc.crc.getValue(), crc.what);
                crc.verified = true;
            }
        }
        FilterChecks.validateValues(name, "layer '" + layer + "'", k, n, dst, i -> "filter " + (from + i));
    }

    private InputFormatException endedEarly() {
        return new InputFormatException(name, "file ended early while reading " + what + " (it changed "
                + "while being read?)", "expected " + count + " filters of " + k + "×" + k);
    }

    /** Checksums the member from its start (a read out of order: the running CRC cannot be continued). */
    private void checksumWhole(FileChannel ch) throws IOException {
        CRC32 c = new CRC32();
        long pos = crc.start;
        while (pos < crc.end) {
            buf.clear().limit((int) Math.min(BUFFER, crc.end - pos));
            while (buf.hasRemaining()) {
                if (ch.read(buf, pos + buf.position()) < 0) {
                    throw endedEarly();
                }
            }
            c.update(buf.array(), 0, buf.limit());
            pos += buf.limit();
        }
        ZipCrc.check(name, crc.entry, c.getValue(), crc.what);
        crc.verified = true;
    }
}
