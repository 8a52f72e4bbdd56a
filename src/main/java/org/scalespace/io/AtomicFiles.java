package org.scalespace.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's directory, is flushed to disk, and is
 * then renamed over the target. Readers see either the old file or the complete new one; a failure (an exception from
 * the body, a full disk) leaves the target untouched and removes the temporary file.
 *
 * <p>The temporary file is named {@code .<name>.<random>.tmp} and created with the process's default permissions
 * (not {@link Files#createTempFile}'s owner-only ones), so the result has the same permissions as a plainly written
 * file. Where the file system cannot rename atomically the move falls back to a plain replacing move.
 */
public final class AtomicFiles {

    /** Writes the content of a file to the stream it is given (which it must not close). */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Writes {@code target} atomically with the bytes {@code body} produces. */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory; expected a file path to write");
        }
        Path dir = abs.getParent();
        Path tmp = createTemp(dir, abs.getFileName().toString());
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.write(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            String rnd = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
            Path tmp = dir.resolve("." + name + "." + rnd + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) {
                    throw e;
                }
            }
        }
    }
}
