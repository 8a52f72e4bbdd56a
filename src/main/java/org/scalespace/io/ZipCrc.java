package org.scalespace.io;

import java.util.zip.CRC32;
import java.util.zip.ZipEntry;

/**
 * CRC-32 checks of zip members against the central directory. {@link java.util.zip.ZipFile} verifies no CRC of a
 * member it hands out (stored or deflated), so a damaged member would otherwise be read as if it were intact.
 */
final class ZipCrc {

    private ZipCrc() {
    }

    /**
     * Throws when the CRC-32 of all of a member's bytes ({@code actual}) differs from the one its entry records;
     * {@code what} (may be null) prefixes the problem, e.g. the tensor the member holds.
     */
    static void check(String file, ZipEntry e, long actual, String what) throws InputFormatException {
        long expected = e.getCrc();
        if (expected != -1 && expected != actual) {
            throw new InputFormatException(file, (what == null ? "" : what + ": ") + "CRC-32 mismatch in member '" + e.getName()
                    + "' (the central directory records " + hex(expected) + ", the data gives " + hex(actual)
                    + "): the archive is corrupt", "re-create or re-download the file");
        }
    }

    /** As {@link #check(String, ZipEntry, long, String)} for a member read whole into {@code data}. */
    static void check(String file, ZipEntry e, byte[] data, String what) throws InputFormatException {
        CRC32 crc = new CRC32();
        crc.update(data);
        check(file, e, crc.getValue(), what);
    }

    private static String hex(long v) {
        return String.format("%08x", v);
    }
}
