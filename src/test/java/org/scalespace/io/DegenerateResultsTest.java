package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.conv.IdealizedBanks;
import org.scalespace.conv.SeparableBank;
import org.scalespace.fit.FitResult;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;

/** The rows of degenerate filters (SPEC §7) in CSV and JSON, written and read back, and their idealized filters. */
class DegenerateResultsTest {

    @TempDir
    Path dir;

    private static List<FitResult> sample() {
        FitResult normal = new FitResult("w.npy", "w", 0, Family.DX, 1.5, 0.75, 0.0, 2.0, 0.25, 0.5, 1.5, 0.1, 0.9,
                0.0, 0.5, 2.0, 0.0, 1.0, "none", 5, new double[25]);
        return List.of(normal, FitResult.ofConstant("w.npy", "w", 1, 5, 0.0, true),
                FitResult.ofConstant("w.npy", "w", 2, 5, -0.0, true),
                FitResult.ofConstant("w.npy", "w", 3, 5, -0.375, true));
    }

    @Test
    void ofConstantIsTheRowOfSpec7() {
        FitResult z = FitResult.ofConstant("s", "l", 4, 7, -0.0, true);
        assertTrue(z.degenerate());
        assertNull(z.family());
        assertEquals("none", z.familyId());
        assertEquals(0L, Double.doubleToLongBits(z.offset()), "−0.0 is the zero filter: offset 0.0");
        assertTrue(Double.isNaN(z.meanX()) && Double.isNaN(z.varYY()), "zero filter: no centre of mass");
        assertTrue(!z.onEdge());
        assertArrayEquals(new double[49], z.model(), 0);
        FitResult c = FitResult.ofConstant("s", "l", 4, 3, 2.0, false);
        assertNull(c.model());
        assertEquals(0.0, c.meanX(), 0);
        assertEquals(8.0 / 12, c.varXX(), 0);
        assertEquals(0.0, c.varXY(), 0);
    }

    @Test
    void csvAndJsonRowsAndReadBack() throws IOException {
        StringBuilder csv = new StringBuilder();
        ResultWriters.toCsv(csv, sample());
        assertEquals(FitResult.CSV_HEADER + "\n"
                + "w.npy,w,0,dx,1.5,0.75,0.0,2.0,0.25,0.5,1.5,0.1,0.9,0.0,0.5,2.0,0.0,1.0,none\n"
                + "w.npy,w,1,none,,,,0.0,0.0,0.0,0.0,,,,,,,,degenerate\n"
                + "w.npy,w,2,none,,,,0.0,0.0,0.0,0.0,,,,,,,,degenerate\n"
                + "w.npy,w,3,none,,,,0.0,-0.375,0.0,0.0,,,0.0,0.0,2.0,0.0,2.0,degenerate\n", csv.toString());
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ResultWriters.toJson(json, sample());
        String j = json.toString(StandardCharsets.UTF_8);
        assertTrue(j.contains("  \"channel\" : 3,\n  \"family\" : \"none\",\n  \"sigma_x\" : null,\n"
                + "  \"sigma_y\" : null,\n  \"alpha\" : null,\n  \"gain\" : 0.0,\n  \"offset\" : -0.375,\n"
                + "  \"l2\" : 0.0,\n  \"l1\" : 0.0,\n  \"rel_l2\" : null,\n  \"cosine\" : null,\n"
                + "  \"mean_x\" : 0.0,\n  \"mean_y\" : 0.0,\n  \"var_xx\" : 2.0,\n  \"var_xy\" : 0.0,\n"
                + "  \"var_yy\" : 2.0,\n  \"edge\" : \"degenerate\"\n}"), j);
        for (String ext : List.of("csv", "json")) {
            Path p = dir.resolve("fits." + ext);
            ResultWriters.write(p, sample());
            List<FitResult> back = ResultReaders.read(p);
            assertEquals(4, back.size());
            assertEquals(Family.DX, back.get(0).family());
            for (int i = 1; i < 4; i++) {
                FitResult r = back.get(i);
                assertTrue(r.degenerate(), ext + " row " + i);
                assertEquals("degenerate", r.edge());
                assertEquals(0.0, r.gain(), 0);
                assertEquals(sample().get(i).offset(), r.offset(), 0);
                assertTrue(Double.isNaN(r.sigmaX()) && Double.isNaN(r.relL2()));
                assertEquals(i, r.channel());
            }
            // the idealized filters: zero stays zero (no term), a constant is one constant term
            SeparableBank bank = ResultReaders.readBank(p, Construction.EXACT, 5);
            assertEquals(4, bank.channels());
            assertEquals(List.of(), bank.terms(1));
            assertEquals(List.of(), bank.terms(2));
            assertEquals(IdealizedBanks.terms(sample().get(3), Construction.EXACT, 5), bank.terms(3));
            assertEquals(1, bank.terms(3).size());
            assertArrayEquals(new double[] {-0.375, -0.375, -0.375, -0.375, -0.375}, bank.terms(3).get(0).rowTaps(),
                    0);
            assertArrayEquals(new double[] {1, 1, 1, 1, 1}, bank.terms(3).get(0).colTaps(), 0);
        }
        // the .npy templates: a degenerate filter's template is its constant
        Path npy = dir.resolve("t.npy");
        ResultWriters.write(npy, sample());
        float[] t = NpyReader.read(npy).asFloat();
        for (int e = 0; e < 25; e++) {
            assertEquals(0f, t[25 + e], 0);
            assertEquals(-0.375f, t[75 + e], 0);
        }
    }

    @Test
    void aNoneRowNeedsGainZeroAndAnOffset() throws IOException {
        Path p = dir.resolve("bad.csv");
        Files.writeString(p, "family,sigma_x,sigma_y,alpha,gain,offset\nnone,,,,0.0,0.5\nnone,,,,1.0,0.5\n");
        InputFormatException e = assertThrows(InputFormatException.class, () -> ResultReaders.read(p));
        assertTrue(e.getMessage().contains("result 2: family none (a degenerate filter) has gain 1.0"),
                e.getMessage());
        Files.writeString(p, "family,sigma_x,sigma_y,alpha,gain\nnone,,,,0.0\n");
        e = assertThrows(InputFormatException.class, () -> ResultReaders.read(p));
        assertTrue(e.getMessage().contains("result 1: missing offset"), e.getMessage());
    }
}
