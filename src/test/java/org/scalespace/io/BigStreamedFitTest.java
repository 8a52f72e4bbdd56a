package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.cli.Main;

/**
 * {@code scalespace fit} on layers bigger than the child JVM's heap could hold whole: a safetensors tensor and a
 * stored {@code .npz} member are fitted a slice at a time. Mostly all-zero filters ({@code --degenerate skip}) keep
 * the fitting short; the non-zero ones include the last filter, so the end of each layer is read. In CI the layers
 * are ~60 MB under {@code -Xmx96m}; with {@code -Dscalespace.big=true} they are ~600 MB under {@code -Xmx256m}, and
 * the child's peak resident memory (VmHWM) is printed ({@code -Dscalespace.big.millions=55} makes them ~2 GB,
 * {@code -Dscalespace.big.heap=-Xmx512m} changes the heap).
 */
class BigStreamedFitTest {

    @TempDir
    Path dir;

    private static final boolean BIG = Boolean.getBoolean("scalespace.big");
    private static final int EVERY = 1_000_000;

    @Test
    void storedNpzWithABadCrcExitsTwoAndWritesNothing() throws IOException {
        Path f = StreamedReadersTest.storedNpz(dir.resolve("bad.npz"), 40_000, 3, 89, 7);
        Path out = dir.resolve("out.csv");
        StringWriter err = new StringWriter();
        int rc = Main.run(new String[] {"fit", "-q", "--backend", "scalar", "--threads", "1", "--out",
                out.toString(), f.toString()}, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, rc, err.toString());
        assertTrue(err.toString().contains("array 'w': CRC-32 mismatch in member 'w.npy'"), err.toString());
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("bad.npz"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void layersBiggerThanTheHeapAreFitted() throws Exception {
        // C = EVERY·m + 1 filters of 3×3 float32: C·36 bytes as doubles, more than the heap
        int m = BIG ? Integer.getInteger("scalespace.big.millions", 16) : 2;
        int c = EVERY * m + 1;
        String heap = BIG ? System.getProperty("scalespace.big.heap", "-Xmx256m") : "-Xmx96m";
        Path st = StreamedReadersTest.safetensors(dir.resolve("big.safetensors"), c, 3, EVERY, "F32");
        fitInChild(heap, st, m + 1, c);
        Files.delete(st);
        Path npz = StreamedReadersTest.storedNpz(dir.resolve("big.npz"), c, 3, EVERY, 0);
        fitInChild(heap, npz, m + 1, c);
    }

    private void fitInChild(String heap, Path file, int rows, int count) throws Exception {
        Path out = dir.resolve("out.csv");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "fit", "-q",
                "--backend", "scalar", "--threads", "1", "--degenerate", "skip", "--out", out.toString(),
                file.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("err.txt").toFile()).start();
        Path status = Path.of("/proc/" + p.pid() + "/status");
        long hwm = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(BIG ? 600 : 120);
        while (!p.waitFor(50, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new AssertionError("the child did not end in time");
            }
            try {
                for (String l : Files.readAllLines(status)) {
                    if (l.startsWith("VmHWM:")) {
                        hwm = Math.max(hwm, Long.parseLong(l.replaceAll("\\D", "")));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // not on Linux, or the child has just ended
            }
        }
        String err = Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(rows + 1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(rows).split(",")[2].equals(Integer.toString(count - 1)), lines.get(rows));
        System.err.printf("%s: %d MB, %d filters of 3x3 fitted under %s; child peak RSS (VmHWM) %d MiB%n",
                file.getFileName(), Files.size(file) >> 20, count, heap, hwm >> 10);
    }
}
