package org.scalespace.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The filter arrays of an {@code .npz} archive as layer sources that read a slice at a time: a stored member
 * (uncompressed, as {@code numpy.savez} writes them) straight from the file, since its bytes are
 * contiguous in the file, after its local header. Each member's CRC-32 is computed over its bytes as the slices are
 * read, and a mismatch fails the read of its last slice.
 *
 * <p>A deflated member ({@code numpy.savez_compressed}) is inflated as its slices are read in order ({@link Inflated}).
 * Anything out of the ordinary (a header or size the whole reader would refuse, a
 * central directory this class does not follow) sends the whole archive to {@link NpzReader#readFilters}, read
 * whole, so every error and note is that reader's.
 */
final class NpzStreaming {

    private NpzStreaming() {
    }

    /** Layer sources in archive order, or null when the archive is to be read whole. */
    static List<LayerSource> open(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        if (Files.size(file) == 0) {
            return null;
        }
        List<String> held = new ArrayList<>(); // notes, passed on only when the archive streams
        List<LayerSource> out = new ArrayList<>();
        try (ZipFile zip = new ZipFile(file.toFile());
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, Long> offsets = localHeaderOffsets(ch);
            if (offsets == null) {
                return null;
            }
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String entryName = e.getName();
                if (!entryName.endsWith(".npy")) {
                    held.add(name + ": skipped member '" + entryName + "': not a .npy member");
                    continue;
                }
                String key = entryName.substring(0, entryName.length() - 4);
                if (e.getMethod() == ZipEntry.DEFLATED) {
                    NpyHeader h;
                    try (InputStream in = zip.getInputStream(e)) {
                        h = NpyHeader.read(in, name, -1);
                    }
                    String skip = skipNote(name, key, h);
                    if (skip != null) {
                        held.add(skip);
                        continue;
                    }
                    if (e.getSize() - h.headerBytes() != h.dataBytes() || h.dataBytes() > NpyReader.MAX_ELEMENTS) {
                        return null;
                    }
                    FilterChecks.FilterShape fs = FilterChecks.filterShape(h.shape());
                    out.add(new Inflated(file, e, key, fs.k(), fs.count(), h.headerBytes(), h.itemSize()));
                    continue;
                }
                Long lho = offsets.get(entryName);
                if (e.getMethod() != ZipEntry.STORED || lho == null || e.getSize() != e.getCompressedSize()
                        || e.getSize() < 0) {
                    return null;
                }
                long start = dataStart(ch, lho, entryName);
                long size = e.getSize();
                if (start < 0 || start + size > ch.size()) {
                    return null;
                }
                InputStream in = Channels.newInputStream(ch.position(start));
                NpyHeader h = NpyHeader.read(in, name, -1);
                String skip = skipNote(name, key, h);
                if (skip != null) {
                    held.add(skip);
                    continue;
                }
                if (size - h.headerBytes() != h.dataBytes() || h.elements() > NpyReader.MAX_ELEMENTS) {
                    return null;
                }
                FilterChecks.FilterShape fs = FilterChecks.filterShape(h.shape());
                ByteBuffer head = ByteBuffer.allocate((int) h.headerBytes());
                readFully(ch, head, start);
                NpyLayerSource.MemberCrc crc = new NpyLayerSource.MemberCrc(start, start + size, head.array(), e,
                        "array '" + key + "'");
                out.add(NpyLayerSource.at(file, key, fs.k(), fs.count(), start + h.headerBytes(), h.itemSize(),
                        h.itemSize() == 4 ? NpyLayerSource.FLOAT32 : NpyLayerSource.FLOAT64,
                        "array '" + key + "'", crc));
            }
        } catch (IOException | RuntimeException e) {
            return null; // the whole reader says what is wrong
        }
        if (out.isEmpty()) {
            return null;
        }
        held.forEach(notes);
        return out;
    }

    /** The note of {@link NpzReader#readFilters} for an array that is not a filter array, or null. */
    private static String skipNote(String name, String key, NpyHeader h) {
        FilterChecks.Problem p = FilterChecks.shapeProblem(h.shape());
        if (p != null) {
            return name + ": skipped array '" + key + "': " + p.what();
        }
        if (h.dtypeProblem() != null || h.fortranOrder()) {
            return name + ": skipped array '" + key + "' of shape " + NpyArray.shapeString(h.shape())
                    + ": " + (h.dtypeProblem() != null ? h.dtypeProblem() : "Fortran order");
        }
        return null;
    }

    /**
     * A deflated member inflated as its slices are read in order (the stream stays open from one slice to the next,
     * and is closed at the member's end, where its CRC-32 is checked); a slice out of order reopens the member and
     * skips to it.
     */
    static final class Inflated implements LayerSource {
        private static final int BUFFER = 1 << 20;
        private final Path file;
        private final String name;
        private final ZipEntry entry;
        private final String key;
        private final int k;
        private final int count;
        private final long headerBytes;
        private final int item;
        private ZipFile zip;
        private java.util.zip.CheckedInputStream in;
        private int next = -1; // the filter the open stream is at
        private byte[] raw;

        Inflated(Path file, ZipEntry entry, String key, int k, int count, long headerBytes, int item) {
            this.file = file;
            this.name = file.toString();
            this.entry = entry;
            this.key = key;
            this.k = k;
            this.count = count;
            this.headerBytes = headerBytes;
            this.item = item;
        }

        @Override
        public String source() {
            return name;
        }

        @Override
        public String layer() {
            return key;
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
            if (raw == null) {
                raw = new byte[BUFFER];
            }
            try {
                if (in == null || from != next) {
                    close();
                    zip = new ZipFile(file.toFile());
                    ZipEntry e = zip.getEntry(entry.getName());
                    if (e == null) {
                        throw new java.util.zip.ZipException("member '" + entry.getName() + "' is gone (the file "
                                + "changed while being read?)");
                    }
                    in = new java.util.zip.CheckedInputStream(zip.getInputStream(e), new java.util.zip.CRC32());
                    skipFully(headerBytes + (long) from * kk * item);
                }
                ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
                long elements = (long) n * kk;
                int done = 0;
                while (done < elements) {
                    int want = (int) Math.min(elements - done, BUFFER / item);
                    int got = in.readNBytes(raw, 0, want * item);
                    if (got < want * item) {
                        throw new InputFormatException(name, "array '" + key + "': the data ends early (the file "
                                + "changed while being read?)", "expected " + count + " filters of " + k + "×" + k);
                    }
                    (item == 4 ? NpyLayerSource.FLOAT32 : NpyLayerSource.FLOAT64).decode(bb, want, dst, done);
                    done += want;
                }
                next = from + n;
                if (next == count) {
                    if (in.read() >= 0) {
                        throw new InputFormatException(name, "array '" + key + "': trailing data after the "
                                + (long) count * kk * item + " data bytes", "expected exactly "
                                + (long) count * kk * item + " data bytes after the header (trailing data is rejected)");
                    }
                    long crc = in.getChecksum().getValue();
                    close();
                    ZipCrc.check(name, entry, crc, "array '" + key + "'");
                }
            } catch (java.util.zip.ZipException | java.io.EOFException ex) {
                close();
                throw new InputFormatException(name, "array '" + key + "': corrupt archive member ("
                        + NpzReader.oneLine(ex) + ")", NpzReader.ACCEPTED, ex);
            } catch (IOException | RuntimeException ex) {
                close();
                throw ex;
            }
            try {
                FilterChecks.validateValues(name, "layer '" + key + "'", k, n, dst, i -> "filter " + (from + i));
            } catch (InputFormatException ex) {
                close();
                throw ex;
            }
        }

        private void skipFully(long bytes) throws IOException {
            long left = bytes;
            while (left > 0) {
                int got = in.readNBytes(raw, 0, (int) Math.min(left, raw.length));
                if (got == 0) {
                    throw new java.io.EOFException("member ends early");
                }
                left -= got;
            }
        }

        private void close() {
            next = -1;
            try {
                if (in != null) {
                    in.close();
                }
                if (zip != null) {
                    zip.close();
                }
            } catch (IOException ignored) {
                // only read
            } finally {
                in = null;
                zip = null;
            }
        }
    }

    /** Local header offset of every member by name, from the central directory; null when not followed. */
    private static Map<String, Long> localHeaderOffsets(FileChannel ch) throws IOException {
        long size = ch.size();
        int tail = (int) Math.min(size, 22 + 65535);
        ByteBuffer t = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, t, size - tail);
        int eocd = -1;
        for (int i = tail - 22; i >= 0; i--) {
            if (t.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            return null;
        }
        long count = t.getShort(eocd + 10) & 0xffff;
        long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            // ZIP64: the locator just before the end record points at the ZIP64 end record
            if (eocd < 20 || t.getInt(eocd - 20) != 0x07064b50) {
                return null;
            }
            long z = t.getLong(eocd - 20 + 8);
            ByteBuffer r = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, r, z);
            if (r.getInt(0) != 0x06064b50) {
                return null;
            }
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
        }
        if (cdSize > Integer.MAX_VALUE - 8 || cdOffset < 0 || cdOffset + cdSize > size) {
            return null;
        }
        ByteBuffer cd = ByteBuffer.allocate((int) cdSize).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, cd, cdOffset);
        Map<String, Long> out = new HashMap<>();
        int pos = 0;
        for (long n = 0; n < count; n++) {
            if (pos + 46 > cdSize || cd.getInt(pos) != 0x02014b50) {
                return null;
            }
            long comp = cd.getInt(pos + 20) & 0xffffffffL;
            long uncomp = cd.getInt(pos + 24) & 0xffffffffL;
            int nameLen = cd.getShort(pos + 28) & 0xffff;
            int extraLen = cd.getShort(pos + 30) & 0xffff;
            int commentLen = cd.getShort(pos + 32) & 0xffff;
            long offset = cd.getInt(pos + 42) & 0xffffffffL;
            if (pos + 46L + nameLen + extraLen + commentLen > cdSize) {
                return null;
            }
            String entry = new String(cd.array(), pos + 46, nameLen, StandardCharsets.UTF_8);
            if (offset == 0xffffffffL) {
                offset = zip64Offset(cd, pos + 46 + nameLen, extraLen, uncomp == 0xffffffffL, comp == 0xffffffffL);
                if (offset < 0) {
                    return null;
                }
            }
            if (out.put(entry, offset) != null) {
                return null; // a name twice: which member ZipFile hands out is not ours to guess
            }
            pos += 46 + nameLen + extraLen + commentLen;
        }
        return out;
    }

    /** The local header offset from a ZIP64 extra field (after the sizes it holds), or -1. */
    private static long zip64Offset(ByteBuffer cd, int at, int len, boolean hasUncomp, boolean hasComp) {
        int end = at + len;
        while (at + 4 <= end) {
            int id = cd.getShort(at) & 0xffff;
            int size = cd.getShort(at + 2) & 0xffff;
            if (id == 0x0001) {
                int f = at + 4 + (hasUncomp ? 8 : 0) + (hasComp ? 8 : 0);
                return f + 8 <= at + 4 + size && f + 8 <= end ? cd.getLong(f) : -1;
            }
            at += 4 + size;
        }
        return -1;
    }

    /** The file offset of a member's data after its local header (whose name must match), or -1. */
    private static long dataStart(FileChannel ch, long lho, String entryName) throws IOException {
        if (lho < 0 || lho + 30 > ch.size()) {
            return -1;
        }
        ByteBuffer h = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, h, lho);
        if (h.getInt(0) != 0x04034b50) {
            return -1;
        }
        int nameLen = h.getShort(26) & 0xffff;
        int extraLen = h.getShort(28) & 0xffff;
        byte[] want = entryName.getBytes(StandardCharsets.UTF_8);
        if (nameLen != want.length || lho + 30 + nameLen > ch.size()) {
            return -1;
        }
        ByteBuffer n = ByteBuffer.allocate(nameLen);
        readFully(ch, n, lho + 30);
        return Arrays.equals(n.array(), want) ? lho + 30 + nameLen + extraLen : -1;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            if (ch.read(b, pos) < 0) {
                throw new java.io.EOFException();
            }
            pos = position + b.position();
        }
    }
}
