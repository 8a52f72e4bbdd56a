package org.scalespace.io;

import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers shared by the io tests. */
final class IoTestSupport {

    private IoTestSupport() {
    }

    /** The formula of tools/gen_io_fixtures.py: value i of an array with the given phase. */
    /** A reader call on a possibly damaged file, for the mutation-fuzz tests. */
    @FunctionalInterface
    interface Read {
        void run() throws IOException;
    }

    /**
     * Runs {@code read} on the mutated file {@code f}: true when it reads, false when it is refused cleanly (an
     * IOException with a one-line message, starting with the file's name for an {@link InputFormatException}); any
     * other exception or error fails the test, naming iteration {@code it}.
     */
    static boolean readsOrRefusesCleanly(Path f, int it, Read read) {
        try {
            read.run();
            return true;
        } catch (IOException e) {
            String msg = e.getMessage();
            assertTrue(msg != null && !msg.isBlank(), "iteration " + it + ": no message");
            assertFalse(msg.contains("\n"), "iteration " + it + ": message not one line: " + msg);
            if (e instanceof InputFormatException) {
                assertTrue(msg.startsWith(f.toString() + ": "), "iteration " + it + ": " + msg);
            }
            return false;
        } catch (RuntimeException | OutOfMemoryError e) {
            org.junit.jupiter.api.Assertions.fail("iteration " + it + " threw " + e, e);
            return false;
        }
    }

    static double value(int i, double phase) {
        return Math.sin(0.1 * i + phase);
    }

    /** A committed fixture under src/test/resources/io/. */
    static Path fixture(String name) {
        try {
            return Path.of(IoTestSupport.class.getResource("/io/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + name + "; run tools/gen_io_fixtures.py", e);
        }
    }

    /**
     * Asserts that {@code call} throws an InputFormatException whose one-line message names {@code file} and contains
     * {@code phrase}; returns it.
     */
    static InputFormatException assertFormatError(Path file, String phrase, Executable call) {
        InputFormatException e = assertThrows(InputFormatException.class, call);
        String m = e.getMessage();
        assertTrue(m.contains(file.getFileName().toString()), "message should name the file: " + m);
        assertTrue(m.contains(phrase), "message should contain '" + phrase + "': " + m);
        assertFalse(m.contains("\n") || m.contains("\r"), "message should be one line: " + m);
        assertTrue(m.startsWith(file.toString() + ": ") || m.startsWith(file.getFileName().toString()),
                "message should start with the file: " + m);
        assertTrue(m.contains("; ") && m.indexOf("; ") == m.lastIndexOf("; "),
                "message should say once, after '; ', what is accepted: " + m);
        return e;
    }

    /** Bytes of a .npy file with the given header dict text (padded as numpy does) and data. */
    static byte[] npyBytes(String dict, byte[] data) {
        int total = (10 + dict.length() + 1 + 63) / 64 * 64;
        int hlen = total - 10;
        StringBuilder h = new StringBuilder(dict);
        while (h.length() < hlen - 1) {
            h.append(' ');
        }
        h.append('\n');
        ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        b.putShort((short) hlen);
        b.put(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        b.put(data);
        return b.array();
    }

    /** Header dict text for a descr and a shape written as in Python, e.g. "(2, 3, 3)". */
    static String dict(String descr, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** Little-endian float64 bytes. */
    static byte[] f64(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    /** n float32 values following the fixture formula. */
    static float[] sinFloats(int n, double phase) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) value(i, phase);
        }
        return f;
    }

    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Names of all entries in a directory (to check that no temporary file was left). */
    static String[] list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }
}
