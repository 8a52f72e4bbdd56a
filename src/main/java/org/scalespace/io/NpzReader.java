package org.scalespace.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.scalespace.model.FilterBank;

/**
 * Reads NumPy {@code .npz} archives ({@code numpy.savez} / {@code savez_compressed}: a zip of {@code .npy} members,
 * stored or deflated). Array names are the member names without {@code .npy}. Members are read in archive order;
 * each member is parsed as by {@link NpyReader#read(java.io.InputStream, String)}, allocating memory only as its data
 * actually decompresses, so a corrupt archive or a lying header is a clean {@link InputFormatException}.
 */
public final class NpzReader {

    static final String ACCEPTED = "accepted: an .npz archive as written by numpy.savez or numpy.savez_compressed";
    static final String ACCEPTED_FILTERS = "accepted: arrays of shape (N,k,k), (C,1,k,k) or (k,k), k odd, "
            + FilterChecks.MIN_K + ".." + FilterChecks.MAX_K + ", dtype <f4 or <f8, C order";

    private NpzReader() {
    }

    /** Reads every array of an archive, in archive order, keyed by name (member name without {@code .npy}). */
    public static Map<String, NpyArray> readAll(Path file) throws IOException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        scan(file, (key, h, in, member) -> {
            h.requireSupported(member);
            out.put(key, NpyReader.readDataFromStream(in, h, member));
            return true;
        }, note -> { });
        return out;
    }

    /**
     * Reads the filter arrays of an archive: each array of shape (N,k,k), (C,1,k,k) or (k,k) with k odd, 3..31,
     * dtype {@code <f4}/{@code <f8} becomes one {@link FilterBank} whose layer is the array's name. Other arrays are
     * skipped, each with a line to {@code notes}. An archive without any filter array is an error that lists what was
     * skipped and why.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        List<FilterBank> banks = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Consumer<String> skip = why -> {
            skipped.add(why);
            notes.accept(name + ": skipped " + why);
        };
        scan(file, (key, h, in, member) -> {
            FilterChecks.Problem p = FilterChecks.shapeProblem(h.shape());
            if (p != null) {
                skip.accept("array '" + key + "': " + p.what());
                return false;
            }
            if (h.dtypeProblem() != null || h.fortranOrder()) {
                skip.accept("array '" + key + "' of shape " + NpyArray.shapeString(h.shape()) + ": "
                        + (h.dtypeProblem() != null ? h.dtypeProblem() : "Fortran order"));
                return false;
            }
            NpyArray a = NpyReader.readDataFromStream(in, h, member);
            FilterChecks.FilterShape fs = FilterChecks.filterShape(h.shape());
            banks.add(new FilterBank(name, key, fs.k(), fs.count(), a.asDouble()));
            return true;
        }, skip);
        for (FilterBank bank : banks) {
            FilterChecks.validate(bank);
        }
        if (banks.isEmpty()) {
            throw new InputFormatException(name, "no filter arrays found"
                    + (skipped.isEmpty() ? " (the archive is empty)" : " (skipped " + summary(skipped) + ")"),
                    ACCEPTED_FILTERS);
        }
        return banks;
    }

    static String summary(List<String> skipped) {
        int shown = Math.min(5, skipped.size());
        String s = String.join(" | ", skipped.subList(0, shown));
        return skipped.size() > shown ? s + " | and " + (skipped.size() - shown) + " more" : s;
    }

    /** Called with each member's parsed header; returns true when it read the data (so trailing data is checked). */
    private interface MemberHandler {
        boolean handle(String key, NpyHeader header, InputStream in, String member) throws IOException;
    }

    private static void scan(Path file, MemberHandler handler, Consumer<String> skip) throws IOException {
        String name = file.toString();
        if (Files.size(file) == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new InputFormatException(name, "not a valid .npz (zip) archive (" + oneLine(e) + ")", ACCEPTED, e);
        }
        try (zip) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e;
                try {
                    e = entries.nextElement();
                } catch (IllegalArgumentException | IllegalStateException ex) {
                    // ZipFile reports some malformed central directories (e.g. undecodable names) this way
                    throw new InputFormatException(name, "not a valid .npz (zip) archive (" + oneLine(ex) + ")",
                            ACCEPTED, ex);
                }
                if (e.isDirectory()) {
                    continue;
                }
                String entryName = e.getName();
                if (!entryName.endsWith(".npy")) {
                    skip.accept("member '" + entryName + "': not a .npy member");
                    continue;
                }
                String key = entryName.substring(0, entryName.length() - 4);
                CRC32 crc = new CRC32();
                try (InputStream in = new CheckedInputStream(zip.getInputStream(e), crc)) {
                    NpyHeader h = NpyHeader.read(in, name, -1);
                    if (handler.handle(key, h, in, name)) {
                        if (in.read() >= 0) {
                            throw new InputFormatException(name, "trailing data after the " + h.dataBytes()
                                    + " data bytes of shape " + NpyArray.shapeString(h.shape()), "expected exactly "
                                    + h.dataBytes() + " data bytes after the header (trailing data is rejected)");
                        }
                        // the whole member went through the checksum: ZipFile checks no CRC itself
                        ZipCrc.check(name, e, crc.getValue(), null);
                    }
                } catch (InputFormatException ex) {
                    throw new InputFormatException(name, "array '" + key + "': " + ex.problem(), ex.accepted(), ex);
                } catch (ZipException | EOFException ex) {
                    throw new InputFormatException(name, "array '" + key + "': corrupt archive member ("
                            + oneLine(ex) + ")", ACCEPTED, ex);
                }
            }
        }
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.replaceAll("\\s+", " ").strip();
    }
}
