package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output paths refused before any work, errors that name the target (never the temporary file), and cleanup on SIGTERM. */
class AtomicFilesCleanupTest {

    @TempDir
    Path dir;

    @Test
    void checkWritableNamesTheTargetAndWhatIsWrong() throws IOException {
        Path missing = dir.resolve("nodir").resolve("x.csv");
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> AtomicFiles.checkWritable(missing, "--out " + missing));
        assertEquals("--out " + missing + ": its directory " + dir.resolve("nodir") + " does not exist; create it "
                + "first or write elsewhere", e.getMessage());
        Path file = Files.writeString(dir.resolve("afile"), "x");
        e = assertThrows(InputFormatException.class,
                () -> AtomicFiles.checkWritable(file.resolve("x.csv"), "--out a"));
        assertTrue(e.getMessage().startsWith("--out a: " + file + " is not a directory"), e.getMessage());
        e = assertThrows(InputFormatException.class, () -> AtomicFiles.checkWritable(dir, "--out d"));
        assertTrue(e.getMessage().startsWith("--out d: is a directory"), e.getMessage());
        AtomicFiles.checkWritable(dir.resolve("fine.csv"), "--out fine.csv"); // no exception, and nothing created
        assertFalse(Files.exists(dir.resolve("fine.csv")));
    }

    @Test
    void aMissingDirectoryIsReportedWithTheTargetNotTheTemporaryFile() {
        Path target = dir.resolve("nodir").resolve("x.csv");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target, o -> o.write(1)));
        assertEquals(target + ": cannot create the file (no such directory: " + dir.resolve("nodir") + ")",
                e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
    }

    /** Child JVM entry point: writes into args[0] atomically and blocks inside the body until it is killed. */
    public static void main(String[] args) throws Exception {
        AtomicFiles.write(Path.of(args[0]), o -> {
            o.write(new byte[200_000]);
            o.flush();
            System.out.println("writing");
            System.out.flush();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void sigtermRemovesTheTemporaryFile() throws Exception {
        Path target = dir.resolve("out.bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AtomicFilesCleanupTest.class.getName(), target.toString()).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (tempFiles() == 0 && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(20);
            }
            assertEquals(1, tempFiles(), "the child is writing its temporary file");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the child stops on SIGTERM");
            assertEquals(0, tempFiles(), "no temporary file left behind");
            assertFalse(Files.exists(target), "no output under the real name");
        } finally {
            p.destroyForcibly();
        }
    }

    private long tempFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tmp")).count();
        }
    }
}
