package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fit whose candidate grid does not fit the heap: one line, exit 1, no stack trace, no output or temporary file.
 * Such a grid is normally refused before any work (CandidateSet.checkFits); the check is switched off here so that
 * the out-of-memory path itself is exercised.
 */
class OutOfMemoryTest {

    @TempDir
    Path dir;

    @Test
    void aGridTooLargeForTheHeapEndsInOneLine() throws Exception {
        Path out = dir.resolve("fits.csv");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-Dscalespace.sizeCheck=off", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "fit", "--backend", "scalar", "--sigma-steps", "1024", "--alpha-steps", "1024",
                "-o", out.toString()).redirectErrorStream(true).start();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        p.getInputStream().transferTo(b);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child ends");
        String text = b.toString().strip();
        assertEquals(1, p.exitValue(), text);
        String last = text.lines().reduce((a, c) -> c).orElse("");
        assertTrue(last.startsWith("fit: error: out of memory (Java heap "), text);
        assertTrue(last.contains("SCALESPACE_JAVA_OPTS=-Xmx"), text);
        assertFalse(text.contains("at org.scalespace"), "no stack trace: " + text);
        assertFalse(Files.exists(out), "no output");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "no temporary file");
        }
    }
}
