package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.model.FilterBank;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.NpyWriter;

/** {@code scalespace bench fit}: checks against the oracle, times, ends with {@code filters/s: <value>}. */
class BenchFitCommandTest {
    @TempDir
    Path dir;

    @Test
    void timesTheFitAndPrintsTheFigureLast() throws IOException {
        FilterBank mk = FilterReaders.bundled();
        float[] f = new float[40 * 49];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) (mk.data()[i % (8 * 49)] * (1 + 0.01 * (i / (8 * 49))));
        }
        Path p = dir.resolve("w.npy");
        NpyWriter.write(p, new long[] {40, 7, 7}, f);
        for (String backend : List.of("simd", "scalar")) {
            CliTestSupport.Run r = CliTestSupport.run("bench", "fit", p.toString(), "--repeat", "2", "--backend",
                    backend, "--check", "8");
            assertEquals(0, r.exit(), r.err());
            List<String> lines = r.outLines();
            assertTrue(lines.get(0).startsWith("bench fit: 40 filters in 1 layer, backend " + backend), r.out());
            assertTrue(lines.get(1).startsWith("check: the first 8 filters"), r.out());
            assertTrue(lines.get(2).startsWith("run 1: ") && lines.get(3).startsWith("run 2: "), r.out());
            String last = lines.get(lines.size() - 1);
            assertTrue(last.matches("filters/s: \\d+"), last);
            assertTrue(Double.parseDouble(last.substring("filters/s: ".length())) > 0, last);
        }
    }

    @Test
    void badInputAndOptionsAreClearErrors() throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, new byte[] {1, 2, 3});
        CliTestSupport.Run r = CliTestSupport.run("bench", "fit", p.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("bad.npy"), r.err());
        CliTestSupport.Run q = CliTestSupport.run("bench", "fit", p.toString(), "--repeat", "0");
        assertEquals(2, q.exit());
        assertTrue(q.err().contains("--repeat"), q.err());
    }
}
