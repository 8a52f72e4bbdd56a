package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.Padding;
import org.scalespace.conv.ReferenceConv;
import org.scalespace.conv.Tensor4;
import org.scalespace.io.FilterReaders;
import org.scalespace.io.NpyArray;
import org.scalespace.io.NpyReader;
import org.scalespace.io.NpyWriter;
import org.scalespace.model.FilterBank;
import org.scalespace.testing.TestData;

/**
 * Degenerate filters (SPEC §7) through the CLI: {@code fit --degenerate report|skip|error}, CSV/JSON/table/.npy rows,
 * {@code convolve} with a fit result holding {@code none} rows, {@code replace} and {@code bench fit} on a file with
 * a dead channel.
 */
class DegenerateFiltersCliTest {

    @TempDir
    Path dir;

    /** Channels of mixed.npy: master key filters 0..3 at 0, 2, 3, 5; all zero at 1; all 0.125 at 4. */
    private static final int[] NORMAL_AT = {0, 2, 3, 5};

    private Path mixed;
    private Path normal;

    private void files() throws IOException {
        FilterBank mk = FilterReaders.bundled();
        float[] m = new float[6 * 49];
        float[] n = new float[4 * 49];
        for (int i = 0; i < 4; i++) {
            for (int e = 0; e < 49; e++) {
                m[NORMAL_AT[i] * 49 + e] = (float) mk.data()[i * 49 + e];
                n[i * 49 + e] = (float) mk.data()[i * 49 + e];
            }
        }
        Arrays.fill(m, 4 * 49, 5 * 49, 0.125f);
        mixed = dir.resolve("mixed.npy");
        normal = dir.resolve("normal.npy");
        NpyWriter.write(mixed, new long[] {6, 1, 7, 7}, m);
        NpyWriter.write(normal, new long[] {4, 1, 7, 7}, n);
    }

    private String zeroRow() {
        return mixed + ",mixed,1,none,,,,0.0,0.0,0.0,0.0,,,,,,,,degenerate";
    }

    private String constantRow() {
        return mixed + ",mixed,4,none,,,,0.0,0.125,0.0,0.0,,,0.0,0.0,4.0,0.0,4.0,degenerate";
    }

    /** A CSV row without its source, layer and channel. */
    private static String tail(String row) {
        return Arrays.stream(row.split(",", -1)).skip(3).collect(Collectors.joining(","));
    }

    @Test
    void reportIsTheDefaultAndGivesNoneRowsBesideTheRowsOfTheNormalFilters() throws IOException {
        files();
        for (String backend : List.of("scalar", "simd")) {
            for (String scale : List.of("sep", "joint")) {
                String what = backend + ", " + scale;
                CliTestSupport.Run alone = CliTestSupport.run("fit", "-q", "--backend", backend, "--scale", scale,
                        "--format", "csv", normal.toString());
                assertEquals(0, alone.exit(), alone.err());
                CliTestSupport.Run r = CliTestSupport.run("fit", "--backend", backend, "--scale", scale, "--format",
                        "csv", mixed.toString());
                assertEquals(0, r.exit(), r.err());
                List<String> a = alone.outLines();
                List<String> l = r.outLines();
                assertEquals(7, l.size(), r.out());
                assertEquals(zeroRow(), l.get(2), what);
                assertEquals(constantRow(), l.get(5), what);
                for (int i = 0; i < 4; i++) {
                    String row = l.get(1 + NORMAL_AT[i]);
                    assertTrue(row.startsWith(mixed + ",mixed," + NORMAL_AT[i] + ","), row);
                    assertEquals(tail(a.get(1 + i)), tail(row), what + ": channel " + NORMAL_AT[i]);
                }
                assertTrue(r.err().contains("fitted 6 filters") && r.err().contains("; 2 degenerate"), r.err());
                assertFalse(r.err().contains("skipped"), r.err());
            }
        }
    }

    @Test
    void jsonTableAndTemplates() throws IOException {
        files();
        Path json = dir.resolve("fits.json");
        CliTestSupport.Run r = CliTestSupport.run("fit", "-q", "--backend", "scalar", "-o", json.toString(),
                mixed.toString());
        assertEquals(0, r.exit(), r.err());
        String text = Files.readString(json);
        assertTrue(text.contains("\"channel\" : 1,\n  \"family\" : \"none\",\n  \"sigma_x\" : null,\n"
                + "  \"sigma_y\" : null,\n  \"alpha\" : null,\n  \"gain\" : 0.0,\n  \"offset\" : 0.0,\n"
                + "  \"l2\" : 0.0,\n  \"l1\" : 0.0,\n  \"rel_l2\" : null,\n  \"cosine\" : null,\n"
                + "  \"mean_x\" : null,\n  \"mean_y\" : null,\n  \"var_xx\" : null,\n  \"var_xy\" : null,\n"
                + "  \"var_yy\" : null,\n  \"edge\" : \"degenerate\"\n}"), text);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) TestData.parseJson(text);
        assertEquals(6, rows.size());
        Map<String, Object> c = rows.get(4);
        assertEquals("none", c.get("family"));
        assertEquals(0.125, ((Number) c.get("offset")).doubleValue(), 0);
        assertEquals(4.0, ((Number) c.get("var_xx")).doubleValue(), 0);
        assertTrue(c.containsKey("sigma_x"));
        assertNull(c.get("sigma_x"));
        assertEquals("degenerate", c.get("edge"));

        CliTestSupport.Run t = CliTestSupport.run("fit", "-q", "--backend", "scalar", mixed.toString());
        assertEquals(0, t.exit(), t.err());
        List<String> lines = t.outLines();
        assertEquals(8, lines.size(), t.out());
        assertEquals("      1  none          -        -        -    0.0000    0.0000       -       -  degenerate",
                lines.get(3));
        assertEquals("      4  none          -        -        -    0.0000    0.1250       -       -  degenerate",
                lines.get(6));

        Path npy = dir.resolve("templates.npy");
        Path alone = dir.resolve("alone.npy");
        assertEquals(0, CliTestSupport.run("fit", "-q", "--backend", "scalar", "-o", npy.toString(),
                mixed.toString()).exit());
        assertEquals(0, CliTestSupport.run("fit", "-q", "--backend", "scalar", "-o", alone.toString(),
                normal.toString()).exit());
        NpyArray m = NpyReader.read(npy);
        NpyArray a = NpyReader.read(alone);
        assertArrayEquals(new long[] {6, 7, 7}, m.shape());
        float[] mf = m.asFloat();
        float[] af = a.asFloat();
        float[] zero = new float[49];
        float[] eighth = new float[49];
        Arrays.fill(eighth, 0.125f);
        assertArrayEquals(zero, Arrays.copyOfRange(mf, 49, 98));
        assertArrayEquals(eighth, Arrays.copyOfRange(mf, 4 * 49, 5 * 49));
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(Arrays.copyOfRange(af, i * 49, (i + 1) * 49),
                    Arrays.copyOfRange(mf, NORMAL_AT[i] * 49, (NORMAL_AT[i] + 1) * 49), "channel " + NORMAL_AT[i]);
        }
    }

    @Test
    void skipLeavesTheRowsOutAndSaysHowMany() throws IOException {
        files();
        CliTestSupport.Run alone = CliTestSupport.run("fit", "-q", "--backend", "scalar", "--format", "csv",
                normal.toString());
        CliTestSupport.Run r = CliTestSupport.run("fit", "--backend", "scalar", "--degenerate", "skip", "--format",
                "csv", mixed.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> l = r.outLines();
        assertEquals(5, l.size(), r.out());
        for (int i = 0; i < 4; i++) {
            assertTrue(l.get(1 + i).startsWith(mixed + ",mixed," + NORMAL_AT[i] + ","), l.get(1 + i));
            assertEquals(tail(alone.outLines().get(1 + i)), tail(l.get(1 + i)));
        }
        assertTrue(r.err().contains("fitted 6 filters") && r.err().contains("; 2 degenerate skipped"), r.err());
        // the table of two layers, one with skipped rows
        CliTestSupport.Run t = CliTestSupport.run("fit", "-q", "--backend", "scalar", "--degenerate", "skip",
                mixed.toString(), normal.toString());
        assertEquals(0, t.exit(), t.err());
        List<String> lines = t.outLines();
        assertEquals(2 + 4 + 2 + 4, lines.size(), t.out());
        assertTrue(lines.get(0).contains("layer mixed: 6 filters"), lines.get(0));
        assertTrue(lines.get(5).trim().startsWith("5 "), lines.get(5));
        assertTrue(lines.get(6).contains("layer normal: 4 filters"), lines.get(6));
        // JSON
        Path json = dir.resolve("skip.json");
        assertEquals(0, CliTestSupport.run("fit", "-q", "--backend", "scalar", "--degenerate", "skip", "-o",
                json.toString(), mixed.toString()).exit());
        assertEquals(4, ((List<?>) TestData.parseJson(Files.readString(json))).size());
    }

    @Test
    void errorKeepsTheOldMessagesAndExitStatus() throws IOException {
        files();
        Path out = dir.resolve("out.csv");
        CliTestSupport.Run r = CliTestSupport.run("fit", "--degenerate", "error", "-o", out.toString(),
                mixed.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(List.of("fit: error: " + mixed + ": layer 'mixed', filter 1: all 49 values are zero, so no fit "
                + "is defined for it; every filter needs at least one non-zero value"), r.errLines());
        assertFalse(Files.exists(out));
        // a constant, non-zero filter: the fitter's message
        float[] v = new float[2 * 9];
        Arrays.fill(v, 0, 9, 0.5f);
        v[9] = 1;
        Path c = dir.resolve("c.npy");
        NpyWriter.write(c, new long[] {2, 3, 3}, v);
        CliTestSupport.Run s = CliTestSupport.run("fit", "--degenerate", "error", c.toString());
        assertEquals(2, s.exit(), s.err());
        assertEquals(List.of("fit: error: " + c + ": layer c, filter 0 is constant (all 0.5); a constant filter has "
                + "no shape to fit"), s.errLines());
        // and the default accepts both files
        assertEquals(0, CliTestSupport.run("fit", "-q", c.toString()).exit());
        // NaN is still corrupt data, whatever the mode
        v[3] = Float.NaN;
        NpyWriter.write(c, new long[] {2, 3, 3}, v);
        for (String mode : List.of("report", "skip", "error")) {
            CliTestSupport.Run n = CliTestSupport.run("fit", "--degenerate", mode, c.toString());
            assertEquals(2, n.exit(), n.err());
            assertTrue(n.err().contains("filter 0: value at row 1, col 0 is NaN"), n.err());
        }
    }

    @Test
    void convolveWithAFitResultHoldingNoneRows() throws IOException {
        files();
        Path csv = dir.resolve("fits.csv");
        Path json = dir.resolve("fits.json");
        assertEquals(0, CliTestSupport.run("fit", "-q", "--backend", "scalar", "-o", csv.toString(),
                mixed.toString()).exit());
        assertEquals(0, CliTestSupport.run("fit", "-q", "--backend", "scalar", "-o", json.toString(),
                mixed.toString()).exit());
        int h = 13;
        int w = 11;
        Tensor4 x = org.scalespace.conv.TestData.random(5, 1, 6, h, w);
        Path xp = dir.resolve("x.npy");
        NpyWriter.write(xp, new long[] {1, 6, h, w}, x.data());
        float[] box = new float[49];
        Arrays.fill(box, 0.125f);
        float[] x4 = Arrays.copyOfRange(x.data(), 4 * h * w, 5 * h * w);
        float[] want = ReferenceConv.dense(new Tensor4(1, 1, h, w, x4), new DenseFilters(1, 7, box), Padding.ZERO)
                .data();
        float[] first = null;
        for (Path fits : List.of(csv, json)) {
            for (String backend : List.of("scalar", "auto")) {
                Path yp = dir.resolve("y.npy");
                CliTestSupport.Run r = CliTestSupport.run("convolve", xp.toString(), "--filters", fits.toString(),
                        "--backend", backend, "--out", yp.toString());
                assertEquals(0, r.exit(), r.err());
                float[] y = NpyReader.read(yp).asFloat();
                assertArrayEquals(new float[h * w], Arrays.copyOfRange(y, h * w, 2 * h * w), "zero stays zero");
                float[] y4 = Arrays.copyOfRange(y, 4 * h * w, 5 * h * w);
                for (int i = 0; i < y4.length; i++) {
                    assertEquals(want[i], y4[i], 1e-5, fits + " " + backend + ": the constant's output at " + i);
                }
                if (first == null) {
                    first = y;
                } else {
                    assertArrayEquals(first, y, 1e-5f, fits + " " + backend);
                }
            }
        }
    }

    @Test
    void replaceTheBundledFiltersPlusADeadChannel() throws IOException {
        FilterBank mk = FilterReaders.bundled();
        float[] f = new float[9 * 49];
        for (int i = 0; i < 8 * 49; i++) {
            f[i] = (float) mk.data()[i];
        }
        Path p = dir.resolve("dw.npy");
        NpyWriter.write(p, new long[] {9, 1, 7, 7}, f);
        Path rep = dir.resolve("report.csv");
        Path repJson = dir.resolve("report.json");
        CliTestSupport.Run r = CliTestSupport.run("replace", "--filters", p.toString(), "--size", "24", "--reps", "1",
                "--backend", "scalar", "--out", rep.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> out = r.outLines();
        assertTrue(out.contains("  8       none         -       -       -         -    0.0000"), r.out());
        List<String> lines = Files.readAllLines(rep);
        assertEquals(10, lines.size());
        assertEquals("dw,8,none,,,,0.0,0.0,,0.0", lines.get(9));
        for (int n = 0; n < 8; n++) {
            assertEquals(FitCommandTest.FAMILIES.get(n), lines.get(1 + n).split(",")[2], lines.get(1 + n));
        }
        assertEquals(0, CliTestSupport.run("replace", "--filters", p.toString(), "--size", "24", "--reps", "1",
                "--backend", "scalar", "--out", repJson.toString()).exit());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) TestData.parseJson(Files.readString(repJson));
        Map<String, Object> dead = rows.get(8);
        assertEquals("none", dead.get("family"));
        assertTrue(dead.containsKey("sigma_x") && dead.get("sigma_x") == null, dead.toString());
        assertTrue(dead.containsKey("filter_rel_l2") && dead.get("filter_rel_l2") == null, dead.toString());
        assertEquals(0.0, ((Number) dead.get("output_rel_l2")).doubleValue(), 0);
    }

    @Test
    void slicesGiveTheRowsAndCountsOfOneCall() throws IOException {
        files();
        CliTestSupport.Run whole = CliTestSupport.run("fit", "--backend", "scalar", "--format", "csv",
                mixed.toString());
        CliTestSupport.Run wholeSkip = CliTestSupport.run("fit", "--backend", "scalar", "--format", "csv",
                "--degenerate", "skip", mixed.toString());
        FitCommand.slice = 2; // three slices: the dead channels 1 and 4 in the first and the third
        try {
            CliTestSupport.Run r = CliTestSupport.run("fit", "--backend", "scalar", "--format", "csv",
                    mixed.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals(whole.out(), r.out());
            assertTrue(r.err().contains("fitted 6 filters") && r.errLines().contains("families: dxp 1, dxm 1, dyp 1, dym 1; 2 degenerate"), r.err());
            CliTestSupport.Run s = CliTestSupport.run("fit", "--backend", "scalar", "--format", "csv",
                    "--degenerate", "skip", mixed.toString());
            assertEquals(0, s.exit(), s.err());
            assertEquals(wholeSkip.out(), s.out());
            assertTrue(s.errLines().contains("families: dxp 1, dxm 1, dyp 1, dym 1; 2 degenerate skipped"), s.err());
            CliTestSupport.Run e = CliTestSupport.run("fit", "--degenerate", "error", "--format", "csv",
                    mixed.toString());
            assertEquals(2, e.exit(), e.err());
            assertEquals("", e.out());
        } finally {
            FitCommand.slice = org.scalespace.io.StreamingFit.SLICE;
        }
    }

    @Test
    void benchFitAcceptsDeadChannels() throws IOException {
        files();
        CliTestSupport.Run r = CliTestSupport.run("bench", "fit", mixed.toString(), "--repeat", "1", "--backend",
                "scalar", "--check", "6");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("check: the first 6 filters"), r.out());
    }
}
