package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.backend.Backends;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.NpyWriter;
import org.scalespace.io.ResultWriters;
import org.scalespace.model.FilterBank;

/**
 * {@code scalespace fit} reads a large {@code .npy} a slice at a time and writes CSV as it goes: the output must be
 * byte for byte what fitting the whole file in memory and writing it at once gives, and bad values in a later slice
 * must still fail before anything is written. A slice size of 37 filters puts several boundaries in a small file.
 */
class FitStreamingTest {
    @TempDir
    Path dir;

    @BeforeEach
    void smallSlices() {
        FitCommand.slice = 37;
    }

    @AfterEach
    void restore() {
        FitCommand.slice = org.scalespace.io.StreamingFit.SLICE;
    }

    /** n noisy copies of the bundled filters (float32 or float64), as (N,7,7) or (C,1,7,7). */
    private Path filters(String name, int n, boolean f64, boolean fourD) throws IOException {
        FilterBank mk = FilterReaders.bundled();
        SplittableRandom rnd = new SplittableRandom(7);
        double[] d = new double[n * 49];
        for (int i = 0; i < n; i++) {
            for (int e = 0; e < 49; e++) {
                d[i * 49 + e] = mk.data()[(i % 8) * 49 + e] * (0.5 + rnd.nextDouble()) + 0.03 * rnd.nextGaussian();
            }
        }
        Path p = dir.resolve(name);
        long[] shape = fourD ? new long[] {n, 1, 7, 7} : new long[] {n, 7, 7};
        if (f64) {
            NpyWriter.write(p, shape, d);
        } else {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            NpyWriter.write(p, shape, f);
        }
        return p;
    }

    /** The CSV of the same fit done in memory, through the Java API, written in one piece. */
    private static String inMemoryCsv(List<Path> files, FitOptions opt) throws IOException {
        List<FitResult> all = new java.util.ArrayList<>();
        try (var be = Backends.selectScorer("simd").scorer()) {
            Fitter f = new Fitter(be, opt, 2).keepModels(false);
            for (Path p : files) {
                for (FilterBank b : FilterReaders.read(p)) {
                    all.addAll(f.fit(b, x -> { }));
                }
            }
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ResultWriters.writeCsv(o, all);
        return o.toString(StandardCharsets.UTF_8);
    }

    @Test
    void slicedFitWritesExactlyTheInMemoryCsv() throws IOException {
        Path a = filters("a.npy", 100, false, false); // slices of 37, 37, 26
        Path b = filters("b.npy", 74, true, true);    // exactly two slices, float64, (C,1,k,k)
        Path csv = dir.resolve("out.csv");
        CliTestSupport.Run r = CliTestSupport.run("fit", "-q", "--backend", "simd", "--threads", "2",
                a.toString(), b.toString(), "--out", csv.toString());
        assertEquals(0, r.exit(), r.err());
        String expected = inMemoryCsv(List.of(a, b), FitOptions.defaults());
        assertEquals(expected, Files.readString(csv, StandardCharsets.UTF_8));
        List<String> lines = Files.readAllLines(csv);
        assertEquals(1 + 100 + 74, lines.size());
        for (int n = 0; n < 100; n++) {
            assertTrue(lines.get(1 + n).startsWith(a + ",a," + n + ","), lines.get(1 + n));
        }
        assertTrue(lines.get(101).startsWith(b + ",b,0,"), lines.get(101));
        // the same rows on stdout
        CliTestSupport.Run s = CliTestSupport.run("fit", "-q", "--backend", "simd", "--threads", "2",
                a.toString(), b.toString(), "--format", "csv");
        assertEquals(0, s.exit(), s.err());
        assertEquals(expected, s.out().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void otherOutputsAndScaleModesSeeTheSameSlicedInput() throws IOException {
        Path a = filters("a.npy", 80, false, false);
        // JSON keeps every result; joint scale fits each layer whole (one σ per layer, not per slice)
        for (String scale : List.of("sep", "same", "joint")) {
            Path json = dir.resolve("out-" + scale + ".json");
            CliTestSupport.Run r = CliTestSupport.run("fit", "-q", "--backend", "simd", "--scale", scale,
                    a.toString(), "--out", json.toString());
            assertEquals(0, r.exit(), r.err());
            Path csv = dir.resolve("out-" + scale + ".csv");
            CliTestSupport.Run c = CliTestSupport.run("fit", "-q", "--backend", "simd", "--scale", scale,
                    a.toString(), "--out", csv.toString());
            assertEquals(0, c.exit(), c.err());
            FitOptions opt = FitOptions.defaults().withScaleMode(org.scalespace.fit.ScaleMode.parse(scale));
            assertEquals(inMemoryCsv(List.of(a), opt), Files.readString(csv, StandardCharsets.UTF_8), scale);
        }
        String joint = Files.readString(dir.resolve("out-joint.csv"));
        long sigmas = joint.lines().skip(1).filter(l -> !l.split(",")[3].equals("dog"))
                .map(l -> l.split(",")[4]).distinct().count();
        assertEquals(1, sigmas, "joint mode: one σ for the whole layer, across slices");
    }

    @Test
    void badValueInALaterSliceFailsBeforeAnythingIsWritten() throws IOException {
        Path a = filters("a.npy", 100, false, false);
        // filter 90 (third slice) gets a NaN; filter 60 (second slice) of another file is constant
        byte[] bytes = Files.readAllBytes(a);
        int header = bytes.length - 100 * 49 * 4;
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putFloat(header + (90 * 49 + 10) * 4, Float.NaN);
        Files.write(a, bytes);
        Path csv = dir.resolve("out.csv");
        CliTestSupport.Run r = CliTestSupport.run("fit", "-q", a.toString(), "--out", csv.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        String msg = r.errLines().get(0);
        assertTrue(msg.contains(a.toString()) && msg.contains("filter 90") && msg.contains("NaN"), msg);
        assertFalse(Files.exists(csv));

        Path b = filters("b.npy", 100, true, false);
        byte[] bb = Files.readAllBytes(b);
        int hb = bb.length - 100 * 49 * 8;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bb).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int e = 0; e < 49; e++) {
            buf.putDouble(hb + (60 * 49 + e) * 8, 0.25);
        }
        Files.write(b, bb);
        // a constant filter is a row of family none by default; refused only with --degenerate error
        CliTestSupport.Run s = CliTestSupport.run("fit", "-q", "--degenerate", "error", "--format", "csv",
                b.toString());
        assertEquals(2, s.exit(), s.err());
        assertEquals("", s.out(), "no partial CSV on stdout");
        assertTrue(s.err().contains("filter 60") && s.err().contains("constant"), s.err());
        try (var l = Files.list(dir)) {
            assertEquals(List.of("a.npy", "b.npy"), l.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
