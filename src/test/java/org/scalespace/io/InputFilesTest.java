package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.model.Construction;

/** Inputs that are not regular files, and broken JSON fit results: one line naming the file, no hang. */
class InputFilesTest {

    @TempDir
    Path dir;

    @Test
    void aDirectoryIsNamedAsSuchByEveryReader() throws IOException {
        Path d = Files.createDirectory(dir.resolve("layer.npy"));
        String expected = d + ": is a directory; expected a file";
        assertEquals(expected, assertThrows(InputFormatException.class, () -> FilterReaders.read(d)).getMessage());
        assertEquals(expected, assertThrows(InputFormatException.class, () -> NpyReader.read(d)).getMessage());
        Path png = Files.createDirectory(dir.resolve("img.png"));
        assertEquals(png + ": is a directory; expected a file",
                assertThrows(InputFormatException.class, () -> Images.read(png)).getMessage());
        Path csv = Files.createDirectory(dir.resolve("fits.csv"));
        assertEquals(csv + ": is a directory; expected a file",
                assertThrows(InputFormatException.class, () -> ResultReaders.read(csv)).getMessage());
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        Path m = dir.resolve("missing.npy");
        assertEquals(m.toString(), assertThrows(NoSuchFileException.class, () -> FilterReaders.read(m)).getFile());
    }

    @Test
    void aFifoWithoutAWriterIsRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("stream.npy");
        int rc;
        try {
            rc = new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor();
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "mkfifo is not available here");
        InputFormatException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(InputFormatException.class, () -> FilterReaders.read(fifo)));
        assertEquals(fifo + ": is not a regular file (a FIFO, socket, device or broken link); accepted: a regular "
                + "file (copy a stream into one first)", e.getMessage());
    }

    @Test
    void brokenJsonGivesTheLineAndColumnWithoutJacksonInternals() throws IOException {
        Path j = Files.writeString(dir.resolve("fits.json"), "[\n  {\"channel\": 0,\n");
        InputFormatException e = assertThrows(InputFormatException.class,
                () -> ResultReaders.readBank(j, Construction.EXACT, 7));
        assertEquals(j + ": not valid JSON at line 3, column 1: Unexpected end-of-input within/between Object "
                + "entries; accepted: the JSON of 'scalespace fit' (an array of result objects)", e.getMessage());
    }
}
