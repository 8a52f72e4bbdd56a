package org.scalespace.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.scalespace.io.IoTestSupport.list;

class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void writesTheContent() throws IOException {
        Path p = dir.resolve("out.txt");
        AtomicFiles.write(p, out -> out.write("hello".getBytes()));
        assertEquals("hello", Files.readString(p));
        assertArrayEquals(new String[] {"out.txt"}, list(dir));
    }

    @Test
    void failureMidWriteLeavesNoFileAndNoTemporaryFile() throws IOException {
        Path p = dir.resolve("out.txt");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100_000]); // more than the buffer, so bytes reach the temporary file
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertFalse(Files.exists(p));
        assertEquals(0, list(dir).length, "no temporary file may be left");
    }

    @Test
    void failureLeavesAnExistingFileUntouched() throws IOException {
        Path p = dir.resolve("out.txt");
        Files.writeString(p, "previous");
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(p, out -> {
            out.write("partial".getBytes());
            throw new IllegalStateException("bug");
        }));
        assertEquals("previous", Files.readString(p));
        assertArrayEquals(new String[] {"out.txt"}, list(dir));
    }

    @Test
    void relativePathsAndDirectoriesAreHandled() throws IOException {
        assertThrows(IOException.class, () -> AtomicFiles.write(dir, out -> out.write(1)));
        assertThrows(IOException.class, () -> AtomicFiles.write(dir.resolve("missing/x.txt"), out -> out.write(1)));
        assertEquals(0, list(dir).length);
    }

    @Test
    void resultHasDefaultPermissionsNotOwnerOnly() throws IOException {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        Path plain = dir.resolve("plain.txt");
        Files.writeString(plain, "x");
        Path atomic = dir.resolve("atomic.txt");
        AtomicFiles.write(atomic, out -> out.write('x'));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        assertEquals(expected, Files.getPosixFilePermissions(atomic));
        assertTrue(expected.contains(PosixFilePermission.OWNER_READ));
    }
}
