package org.scalespace.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The check every reader makes before it opens an input: the path names an existing regular file. A directory would
 * otherwise fail deep inside a reader with the bare "Is a directory" of the operating system, and a FIFO or device
 * would block the reader (a FIFO without a writer) or be read without bounds.
 */
public final class InputFiles {

    private InputFiles() {
    }

    /** Returns normally when {@code file} is an existing regular file (symbolic links followed). */
    public static void requireRegularFile(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        if (!Files.exists(file) && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(file.toString());
        }
        if (Files.isDirectory(file)) {
            throw new InputFormatException(file.toString(), "is a directory", "expected a file");
        }
        throw new InputFormatException(file.toString(), "is not a regular file (a FIFO, socket, device or broken "
                + "link)", "accepted: a regular file (copy a stream into one first)");
    }
}
