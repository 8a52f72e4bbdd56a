package org.scalespace.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's directory, is flushed to disk, and is
 * then renamed over the target. Readers see either the old file or the complete new one; a failure (an exception from
 * the body, a full disk) leaves the target untouched and removes the temporary file.
 *
 * <p>The temporary file is named {@code .<name>.<random>.tmp} and created with the process's default permissions
 * (not {@link Files#createTempFile}'s owner-only ones), so the result has the same permissions as a plainly written
 * file. Where the file system cannot rename atomically the move falls back to a plain replacing move.
 *
 * <p>Errors name the target the caller gave, never the temporary file. Temporary files still open when the JVM shuts
 * down (SIGTERM, SIGINT, {@code System.exit}) are removed by a shutdown hook. {@link #checkWritable} lets a command
 * refuse an output path it could not write before it starts any work.
 */
public final class AtomicFiles {

    /** Writes the content of a file to the stream it is given (which it must not close). */
    @FunctionalInterface
    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Temporary files being written now; removed by the shutdown hook if the JVM stops before they are renamed. */
    private static final Set<Path> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Path p : PENDING) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort while the JVM stops
                }
            }
        }, "scalespace-temp-cleanup"));
    }

    private AtomicFiles() {
    }

    /**
     * Checks, before any work, that {@code target} could be written: not a directory, its directory exists, is a
     * directory and is writable. {@code name} names the target in the error (e.g. "--out fits.csv").
     */
    public static void checkWritable(Path target, String name) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new InputFormatException(name, "is a directory", "expected a file path to write");
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.exists(dir)) {
            throw new InputFormatException(name, "its directory " + (dir == null ? "(none)" : dir) + " does not exist",
                    "create it first or write elsewhere");
        }
        if (!Files.isDirectory(dir)) {
            throw new InputFormatException(name, dir + " is not a directory", "expected a file path to write");
        }
        if (!Files.isWritable(dir)) {
            throw new InputFormatException(name, "its directory " + dir + " is not writable",
                    "write elsewhere or change its permissions");
        }
    }

    /** Writes {@code target} atomically with the bytes {@code body} produces. */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException(target + ": is a directory; expected a file path to write");
        }
        Path dir = abs.getParent();
        Path tmp;
        try {
            tmp = createTemp(dir, abs.getFileName().toString());
        } catch (FileSystemException e) {
            throw new IOException(target + ": cannot create the file (" + reason(e, dir) + ")", e);
        }
        PENDING.add(tmp);
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
        } catch (FileSystemException e) {
            String f = e.getFile();
            if (f != null && (f.equals(tmp.toString()) || f.equals(abs.toString()))) {
                throw new IOException(target + ": cannot write the file (" + reason(e, dir) + ")", e);
            }
            throw e;
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains(tmp.getFileName().toString())) {
                throw new IOException(target + ": cannot write the file ("
                        + e.getMessage().replace(tmp.toString(), target.toString()) + ")", e);
            }
            throw e;
        } finally {
            PENDING.remove(tmp);
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /** The reason of a file-system error, without the temporary file's name. */
    private static String reason(FileSystemException e, Path dir) {
        String r = e.getReason();
        if (r == null || r.isBlank()) {
            r = e.getClass().getSimpleName();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            r = "no such directory: " + dir;
        } else if (e instanceof java.nio.file.AccessDeniedException) {
            r = "permission denied in " + dir;
        }
        return r;
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
