package org.scalespace.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.fit.FitResult;
import org.scalespace.io.NpyArray;
import org.scalespace.io.NpyReader;
import org.scalespace.io.NpyWriter;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.Templates;
import org.scalespace.testing.TestData;

/** {@code scalespace fit} end to end through {@link Main#run}. */
class FitCommandTest {

    /** The CSV columns, in order (SPEC §7's per-filter report, named as in README "Output columns"). */
    static final String HEADER = "source,layer,channel,family,sigma_x,sigma_y,alpha,gain,offset,l2,l1,rel_l2,cosine,"
            + "mean_x,mean_y,var_xx,var_xy,var_yy,edge";

    static final List<String> FAMILIES = List.of("dyp", "dxm", "dym", "dxp", "dx", "dy", "dog", "gauss");

    @TempDir
    Path dir;

    @Test
    void noFileFitsTheBundledFiltersAndPrintsATable() {
        CliTestSupport.Run r = CliTestSupport.run("fit");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        assertTrue(lines.get(0).contains("master_key_filters") && lines.get(0).contains("8 filters"), lines.get(0));
        assertTrue(lines.get(1).trim().startsWith("channel") && lines.get(1).contains("family"), lines.get(1));
        assertEquals(10, lines.size(), r.out());
        for (int n = 0; n < 8; n++) {
            String[] f = lines.get(2 + n).trim().split("\\s+");
            assertEquals(Integer.toString(n), f[0], lines.get(2 + n));
            assertEquals(FAMILIES.get(n), f[1], "filter " + (n + 1) + ": " + lines.get(2 + n));
        }
        // stderr: which backend and why, and the summary with the family counts
        assertTrue(r.err().contains("backend") && r.err().contains("fitted 8 filters"), r.err());
        assertTrue(r.err().contains("families: gauss 1, dx 1, dy 1, dxp 1, dxm 1, dyp 1, dym 1, dog 1"), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }

    @Test
    void quietPrintsNothingOnStderr() {
        CliTestSupport.Run r = CliTestSupport.run("fit", "-q", "--backend", "scalar");
        assertEquals(0, r.exit());
        assertEquals(List.of(), r.errLines());
    }

    @Test
    void csvOnStdout() {
        CliTestSupport.Run r = CliTestSupport.run("fit", "--format", "csv", "-q");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        assertEquals(HEADER, lines.get(0));
        assertEquals(FitResult.CSV_HEADER, HEADER);
        assertEquals(9, lines.size());
        for (int n = 0; n < 8; n++) {
            String[] f = lines.get(1 + n).split(",", -1);
            assertEquals(19, f.length, lines.get(1 + n));
            assertEquals("master_key_filters", f[1]);
            assertEquals(Integer.toString(n), f[2]);
            assertEquals(FAMILIES.get(n), f[3]);
            assertEquals("none", f[18]);
        }
    }

    @Test
    void jsonOnStdout() {
        CliTestSupport.Run r = CliTestSupport.run("fit", "--format", "json", "-q");
        assertEquals(0, r.exit(), r.err());
        checkJson(TestData.parseJson(r.out()));
    }

    @SuppressWarnings("unchecked")
    static void checkJson(Object parsed) {
        List<Object> arr = (List<Object>) parsed;
        assertEquals(8, arr.size());
        for (int n = 0; n < 8; n++) {
            Map<String, Object> o = (Map<String, Object>) arr.get(n);
            assertEquals(List.of(HEADER.split(",")), new ArrayList<>(o.keySet()), "keys in CSV order");
            assertEquals(FAMILIES.get(n), o.get("family"));
            assertEquals((double) n, o.get("channel"));
        }
    }

    @Test
    void outCsvJsonNpy() throws IOException {
        Path csv = dir.resolve("res.csv");
        Path json = dir.resolve("res.json");
        Path npy = dir.resolve("res.npy");
        for (Path p : List.of(csv, json, npy)) {
            CliTestSupport.Run r = CliTestSupport.run("fit", "-q", "--out", p.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.out(), "with --out nothing goes to stdout");
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals(HEADER, lines.get(0));
        assertEquals(9, lines.size());
        checkJson(TestData.parseJson(Files.readString(json)));
        // the .npy holds the fitted models gain·template(σx, σy, α) + offset, float32 (8, 7, 7)
        NpyArray a = NpyReader.read(npy);
        assertArrayEquals(new long[] {8, 7, 7}, a.shape());
        assertTrue(a.isFloat32());
        for (int n = 0; n < 8; n++) {
            String[] f = lines.get(1 + n).split(",");
            double[] m = Templates.dense(Family.parse(f[3]), Construction.EXACT, 7, Double.parseDouble(f[4]),
                    Double.parseDouble(f[5]), Double.parseDouble(f[6]));
            double gain = Double.parseDouble(f[7]);
            double offset = Double.parseDouble(f[8]);
            for (int e = 0; e < 49; e++) {
                double expected = gain * m[e] + offset;
                assertEquals(expected, a.floats()[n * 49 + e], 1e-6 * (1 + Math.abs(expected)),
                        "template " + n + " element " + e);
            }
        }
        try (var s = Files.list(dir)) {
            assertEquals(3, s.count(), "only the three outputs, no temporary files");
        }
    }

    @Test
    void fitsAFileWithSeveralLayersOfOptions() throws IOException {
        // a .npy of 3 filters: two known templates and their negative-offset copy
        double[] a = Templates.dense(Family.DX, Construction.EXACT, 5, 0.8, 1.1, 0);
        double[] b = Templates.dense(Family.GAUSS, Construction.EXACT, 5, 0.6, 0.9, 0);
        float[] data = new float[75];
        for (int e = 0; e < 25; e++) {
            data[e] = (float) (2 * a[e]);
            data[25 + e] = (float) b[e];
            data[50 + e] = (float) (-b[e] - 0.5);
        }
        Path in = dir.resolve("dw.npy");
        NpyWriter.write(in, new long[] {3, 5, 5}, data);
        CliTestSupport.Run r = CliTestSupport.run("fit", in.toString(), "--format", "csv", "-q", "--families", "all",
                "--scale", "sep", "--backend", "scalar", "--threads", "1");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.outLines();
        assertEquals(4, lines.size(), r.out());
        String[] f0 = lines.get(1).split(",");
        assertEquals(in.toString(), f0[0]);
        assertEquals("dw", f0[1]);
        assertEquals("dx", f0[3]);
        assertEquals(0.8, Double.parseDouble(f0[4]), 1e-3);
        assertEquals(1.1, Double.parseDouble(f0[5]), 1e-3);
        assertEquals(2.0, Double.parseDouble(f0[7]), 1e-3);
        for (int n = 2; n <= 3; n++) {
            String[] f = lines.get(n).split(",");
            assertEquals("gauss", f[3]);
            assertEquals(0.6, Double.parseDouble(f[4]), 1e-3);
            assertEquals(0.9, Double.parseDouble(f[5]), 1e-3);
        }
        assertEquals(-0.5, Double.parseDouble(lines.get(3).split(",")[8]), 1e-3, "offset of −b − 0.5");
    }

    @Test
    void severalFilesInOneCall() throws IOException {
        Path k3 = dir.resolve("a.npy");
        Path k5 = dir.resolve("b.npy");
        NpyWriter.write(k3, new long[] {2, 3, 3}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 1, 1, 1, 2, 1, 1, 1, 1});
        float[] five = new float[25];
        five[12] = 1;
        five[7] = 0.5f;
        NpyWriter.write(k5, new long[] {1, 5, 5}, five);
        Path csv = dir.resolve("out.csv");
        CliTestSupport.Run r = CliTestSupport.run("fit", "-q", k3.toString(), k5.toString(), "--out", csv.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(4, lines.size());
        assertTrue(lines.get(1).startsWith(k3 + ",a,0,") && lines.get(2).startsWith(k3 + ",a,1,"), lines.toString());
        assertTrue(lines.get(3).startsWith(k5 + ",b,0,"), lines.toString());
        // templates of different k cannot share one .npy: an error naming the file, and no file
        Path npy = dir.resolve("out.npy");
        CliTestSupport.Run bad = CliTestSupport.run("fit", "-q", k3.toString(), k5.toString(), "--out", npy.toString());
        assertEquals(2, bad.exit());
        assertEquals(1, bad.errLines().size(), bad.err());
        assertTrue(bad.errLines().get(0).contains("out.npy") && bad.errLines().get(0).contains("same k"), bad.err());
        try (var s = Files.list(dir)) {
            assertEquals(List.of("a.npy", "b.npy", "out.csv"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(java.util.stream.Collectors.toList()));
        }
    }
}
