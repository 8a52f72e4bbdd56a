package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.scalespace.io.NpyWriter;

/**
 * Bad inputs and bad option values (README "Errors"): exit status 2, exactly one line on stderr that names the file or
 * option and says what is wrong, no stack trace, and no output file (nor temporary file) left behind.
 */
class BadInputTest {

    @TempDir
    Path dir;

    /** case name, what the message must name, a phrase of the problem. */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("missing file", "missing.npy", "no such file"),
                Arguments.of("even k", "even.npy", "even"),
                Arguments.of("non-square", "nonsquare.npy", "not square"),
                Arguments.of("NaN value", "nan.npy", "NaN"),
                Arguments.of("infinite value", "inf.npy", "Inf"),
                Arguments.of("all-zero filter, --degenerate error", "zero.npy", "all 25 values are zero"),
                Arguments.of("constant filter, --degenerate error", "constant.npy", "is constant (all 0.5)"),
                Arguments.of("--degenerate bogus", "degenerate", "bogus"),
                Arguments.of("truncated .npy", "truncated.npy", "truncated"),
                Arguments.of("empty file", "empty.npy", "empty"),
                Arguments.of("corrupt .npz", "corrupt.npz", "not a valid .npz"),
                Arguments.of("safetensors header claims more data", "short.safetensors", "past the data region"),
                Arguments.of("unknown --out extension", "--out", "unknown extension"),
                Arguments.of("--normalisation bogus", "normalisation", "bogus"),
                Arguments.of("--metric l1 with gain-offset", "metric", "l1"),
                Arguments.of("--sigma-min -1", "sigma-min", "-1"),
                Arguments.of("--families blob", "famil", "blob"),
                Arguments.of("--backend bogus", "backend", "bogus"));
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = 1 + 0.25f * (i % 7);
        }
        return f;
    }

    /** Writes the inputs of a case into dir and returns the command line (with --out into dir). */
    private List<String> prepare(String name) throws IOException {
        Path good = dir.resolve("good.npy");
        NpyWriter.write(good, new long[] {2, 5, 5}, ones(50));
        Path out = dir.resolve("result.csv");
        List<String> args = new ArrayList<>(List.of("fit", "--out", out.toString()));
        switch (name) {
            case "missing file":
                args.add(dir.resolve("missing.npy").toString());
                break;
            case "even k":
                NpyWriter.write(dir.resolve("even.npy"), new long[] {2, 4, 4}, ones(32));
                args.add(dir.resolve("even.npy").toString());
                break;
            case "non-square":
                NpyWriter.write(dir.resolve("nonsquare.npy"), new long[] {2, 5, 7}, ones(70));
                args.add(dir.resolve("nonsquare.npy").toString());
                break;
            case "NaN value": {
                float[] v = ones(50);
                v[31] = Float.NaN;
                NpyWriter.write(dir.resolve("nan.npy"), new long[] {2, 5, 5}, v);
                args.add(dir.resolve("nan.npy").toString());
                break;
            }
            case "infinite value": {
                float[] v = ones(50);
                v[3] = Float.NEGATIVE_INFINITY;
                NpyWriter.write(dir.resolve("inf.npy"), new long[] {2, 5, 5}, v);
                args.add(dir.resolve("inf.npy").toString());
                break;
            }
            case "all-zero filter, --degenerate error": {
                float[] v = ones(50);
                java.util.Arrays.fill(v, 25, 50, 0f);
                NpyWriter.write(dir.resolve("zero.npy"), new long[] {2, 5, 5}, v);
                args.addAll(List.of("--degenerate", "error", dir.resolve("zero.npy").toString()));
                break;
            }
            case "constant filter, --degenerate error": {
                float[] v = ones(50);
                java.util.Arrays.fill(v, 0, 25, 0.5f);
                NpyWriter.write(dir.resolve("constant.npy"), new long[] {2, 5, 5}, v);
                args.addAll(List.of("--degenerate", "error", dir.resolve("constant.npy").toString()));
                break;
            }
            case "--degenerate bogus":
                args.addAll(List.of("--degenerate", "bogus", good.toString()));
                break;
            case "truncated .npy": {
                byte[] b = Files.readAllBytes(good);
                Files.write(dir.resolve("truncated.npy"), java.util.Arrays.copyOf(b, b.length - 9));
                args.add(dir.resolve("truncated.npy").toString());
                break;
            }
            case "empty file":
                Files.write(dir.resolve("empty.npy"), new byte[0]);
                args.add(dir.resolve("empty.npy").toString());
                break;
            case "corrupt .npz": {
                byte[] junk = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
                Files.write(dir.resolve("corrupt.npz"), junk);
                args.add(dir.resolve("corrupt.npz").toString());
                break;
            }
            case "safetensors header claims more data": {
                byte[] json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,1,5,5],\"data_offsets\":[0,200]}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(8 + json.length + 100)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                bb.putLong(json.length).put(json);
                Files.write(dir.resolve("short.safetensors"), bb.array());
                args.add(dir.resolve("short.safetensors").toString());
                break;
            }
            case "unknown --out extension":
                args.set(2, dir.resolve("result.txt").toString());
                args.add(good.toString());
                break;
            case "--normalisation bogus":
                args.addAll(List.of("--normalisation", "bogus", good.toString()));
                break;
            case "--metric l1 with gain-offset":
                args.addAll(List.of("--metric", "l1", "--normalisation", "gain-offset", good.toString()));
                break;
            case "--sigma-min -1":
                args.addAll(List.of("--sigma-min", "-1", good.toString()));
                break;
            case "--families blob":
                args.addAll(List.of("--families", "dx,blob", good.toString()));
                break;
            case "--backend bogus":
                args.addAll(List.of("--backend", "bogus", good.toString()));
                break;
            default:
                throw new IllegalArgumentException(name);
        }
        return args;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneLineExitTwoNoOutput(String name, String names, String problem) throws IOException {
        List<String> args = prepare(name);
        List<String> before = listing();
        CliTestSupport.Run r = CliTestSupport.run(args.toArray(new String[0]));
        assertEquals(2, r.exit(), name + ": exit status; stderr: " + r.err());
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), name + ": exactly one line on stderr, got: " + lines);
        String line = lines.get(0);
        assertTrue(line.contains(names), name + ": the line should name '" + names + "': " + line);
        assertTrue(line.contains(problem), name + ": the line should say '" + problem + "': " + line);
        assertTrue(!line.contains("Exception") && !r.err().contains("\tat "), name + ": no stack trace: " + r.err());
        assertEquals("", r.out(), name + ": nothing on stdout");
        assertEquals(before, listing(), name + ": no output file and no temporary file");
    }
}
