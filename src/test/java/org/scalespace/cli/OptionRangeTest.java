package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.scalespace.io.NpyWriter;

/**
 * Numeric options out of range: exit status 2 before any work, one line on stderr that names the option and the value
 * given and states the accepted range, nothing on stdout and no output file. Values chosen at and just past each
 * limit, and the extremes that used to overflow (σ = 1e9, --time 1e12, a 100000² replace batch).
 */
class OptionRangeTest {

    @TempDir
    static Path dir;

    static Path x;
    static Path w;

    private static void inputs() throws IOException {
        if (x == null) {
            x = dir.resolve("x.npy");
            w = dir.resolve("w.npy");
            float[] v = new float[2 * 3 * 9 * 9];
            for (int i = 0; i < v.length; i++) {
                v[i] = (i * 37 % 11) - 5;
            }
            NpyWriter.write(x, new long[] {1, 2, 9, 9}, java.util.Arrays.copyOf(v, 2 * 81));
            NpyWriter.write(w, new long[] {2, 1, 3, 3}, java.util.Arrays.copyOf(v, 18));
        }
    }

    /** the command line (X, W and OUT stand for the input, filters and an output path), the option, the accepted text. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("convolve X --sigma 1e9 --out OUT", "--sigma '1e9'", "0 ≤ σ ≤ 700"),
                Arguments.of("convolve X --sigma 2,700.5 --out OUT", "--sigma '2,700.5'", "0 ≤ σ ≤ 700"),
                Arguments.of("convolve X --sigma -1 --out OUT", "--sigma '-1'", "0 ≤ σ ≤ 700"),
                Arguments.of("convolve X --filters W --threads -3 --out OUT", "--threads -3", "0 (all available"),
                Arguments.of("convolve X --filters W --threads 1025 --out OUT", "--threads 1025", "1 … 1024"),
                Arguments.of("replace --size 100000", "--size 100000", "at most 2147483583"),
                Arguments.of("replace --size 60000 --batch 2", "--batch 2 and --size 60000", "at most 2147483583"),
                Arguments.of("replace --threads -1 --size 16", "--threads -1", "1 … 1024"),
                Arguments.of("bench conv --shape 1,1,8,8 --time 1e12", "--time 1000000000000", "0 … 86400"),
                Arguments.of("bench conv --shape 1,1,8,8 --time 0", "--time 0", "more than 0"),
                Arguments.of("bench conv --shape 1,1,8,8 --warmup 1e99", "--warmup 1.0E99", "0 … 86400"),
                Arguments.of("bench conv --shape 1,1,8,8 --k 100001", "--k 100001", "1 … 8193"),
                Arguments.of("bench conv --shape 1,1,8,8 --threads -3", "--threads -3", "1 … 1024"),
                Arguments.of("bench conv --shape 100000,100000,100000,100000", "(100000,100000,100000,100000)",
                        "1.00e+20 elements"),
                Arguments.of("bench fit --threads -2 W", "--threads -2", "1 … 1024"),
                Arguments.of("fit --threads 5000", "--threads 5000", "1 … 1024"),
                Arguments.of("fit --threads -1 -o OUT", "--threads -1", "1 … 1024"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedBeforeAnyWork(String line, String names, String accepted) throws IOException {
        inputs();
        Path out = dir.resolve("out-" + Integer.toHexString(line.hashCode()) + ".npy");
        List<String> args = new ArrayList<>();
        for (String a : line.split(" ")) {
            args.add(a.equals("X") ? x.toString() : a.equals("W") ? w.toString() : a.equals("OUT") ? out.toString() : a);
        }
        StringWriter so = new StringWriter();
        StringWriter se = new StringWriter();
        int rc = Main.run(args.toArray(new String[0]), new PrintWriter(so, true), new PrintWriter(se, true));
        String err = se.toString().strip();
        assertEquals(2, rc, line + ": exit status; stderr: " + err);
        assertEquals(1, err.lines().count(), line + ": one line on stderr: " + err);
        assertTrue(err.contains(names), line + ": names " + names + ": " + err);
        assertTrue(err.contains(accepted), line + ": states the accepted range (" + accepted + "): " + err);
        assertFalse(err.contains("Exception"), err);
        assertEquals("", so.toString(), line + ": nothing on stdout");
        assertFalse(Files.exists(out), line + ": no output file");
    }

    @Test
    void zeroThreadsMeansAllProcessors() throws IOException {
        inputs();
        Path out = dir.resolve("zero-threads.npy");
        StringWriter se = new StringWriter();
        int rc = Main.run(new String[] {"convolve", x.toString(), "--filters", w.toString(), "--threads", "0",
            "--backend", "scalar", "--out", out.toString()}, new PrintWriter(new StringWriter(), true),
                new PrintWriter(se, true));
        assertEquals(0, rc, se.toString());
        assertTrue(Files.exists(out));
        assertEquals(0, OptionChecks.threads("--threads", 0));
        assertEquals(1024, OptionChecks.threads("--threads", 1024));
    }
}
