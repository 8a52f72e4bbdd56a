package org.scalespace.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** {@link ResultReaders} reads back what {@link ResultWriters} writes, and names the bad row of a bad file. */
class ResultReadersTest {

    @TempDir
    Path dir;

    private static FitResult result(String source, String layer, int channel, Family family, double base,
                                    String edge) {
        return new FitResult(source, layer, channel, family, base + 0.1, base + 0.2,
                family.hasAlpha() ? 0.75 : 0.0, -1.5e-7, 1e-300, Math.PI, Math.E, 1.0 / 3, -0.0, 0.125, -2.5e10,
                Double.MIN_VALUE, Double.NaN, Double.MAX_VALUE, edge, 3, new double[9]);
    }

    private static List<FitResult> sample() {
        return List.of(
                result("weights.npy", "weights", 0, Family.GAUSS, 0.5, "none"),
                result("dir,with \"comma\".npz", "blocks.1", 7, Family.DOG, 1.25, "sigma_x_min+alpha_max"),
                result("m.safetensors", "", 2, Family.DXP, 2, "none"));
    }

    private static double[] numbers(FitResult r) {
        return new double[] {r.sigmaX(), r.sigmaY(), r.alpha(), r.gain(), r.offset(), r.l2(), r.l1(), r.relL2(),
            r.cosine(), r.meanX(), r.meanY(), r.varXX(), r.varXY(), r.varYY()};
    }

    private static void assertSameColumns(FitResult want, FitResult got) {
        assertEquals(want.source(), got.source());
        assertEquals(want.layer(), got.layer());
        assertEquals(want.channel(), got.channel());
        assertEquals(want.family(), got.family());
        assertArrayEquals(numbers(want), numbers(got), 0.0, "bit for bit, NaN as NaN");
        assertEquals(want.edge(), got.edge());
        assertEquals(0, got.k());
        assertNull(got.model());
    }

    @Test
    void csvAndJsonReadBackWhatTheWritersWrote() throws IOException {
        List<FitResult> want = sample();
        for (String name : List.of("r.csv", "r.json", "R.JSON")) {
            Path f = dir.resolve(name);
            ResultWriters.write(f, want);
            List<FitResult> got = ResultReaders.read(f);
            assertEquals(want.size(), got.size(), name);
            for (int i = 0; i < want.size(); i++) {
                assertSameColumns(want.get(i), got.get(i));
            }
        }
    }

    @Test
    void readBankIsTheIdealizedBankOfTheResults() throws IOException {
        Path f = dir.resolve("r.csv");
        ResultWriters.write(f, sample());
        for (Construction c : Construction.values()) {
            SeparableBank direct = IdealizedBanks.of(sample(), c, 5);
            SeparableBank read = ResultReaders.readBank(f, c, 5);
            assertEquals(direct.channels(), read.channels());
            for (int ch = 0; ch < direct.channels(); ch++) {
                assertArrayEquals(direct.dense(ch), read.dense(ch), 0.0, c + " channel " + ch);
            }
        }
    }

    @Test
    void aBadRowIsNamedByItsNumber() throws IOException {
        Path f = dir.resolve("r.csv");
        ResultWriters.write(f, sample());
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        lines.set(2, lines.get(2).replace(",dog,", ",bogus,"));
        Files.write(f, lines, StandardCharsets.UTF_8);
        InputFormatException e = assertThrows(InputFormatException.class, () -> ResultReaders.read(f));
        assertTrue(e.getMessage().contains("result 2: unknown family 'bogus'"), e.getMessage());

        Path neg = dir.resolve("neg.json");
        Files.writeString(neg, "[{\"family\":\"gauss\",\"sigma_x\":-1,\"sigma_y\":1,\"alpha\":0,\"gain\":1,"
                + "\"offset\":0}]");
        assertEquals(-1.0, ResultReaders.read(neg).get(0).sigmaX(), "a value is read as it is");
        e = assertThrows(InputFormatException.class, () -> ResultReaders.readBank(neg, Construction.EXACT, 7));
        assertTrue(e.getMessage().contains("result 1: sigma_x must be finite"), e.getMessage());

        Path miss = dir.resolve("miss.json");
        Files.writeString(miss, "[{\"family\":\"gauss\",\"sigma_x\":1,\"sigma_y\":1,\"alpha\":null,\"gain\":1,"
                + "\"offset\":0}]");
        e = assertThrows(InputFormatException.class, () -> ResultReaders.read(miss));
        assertTrue(e.getMessage().contains("result 1: missing alpha"), e.getMessage());

        Path obj = dir.resolve("obj.json");
        Files.writeString(obj, "{}");
        e = assertThrows(InputFormatException.class, () -> ResultReaders.read(obj));
        assertTrue(e.getMessage().contains("not a JSON array"), e.getMessage());

        Path empty = dir.resolve("empty.csv");
        Files.writeString(empty, FitResult.CSV_HEADER + "\n");
        assertEquals(List.of(), ResultReaders.read(empty));
        e = assertThrows(InputFormatException.class, () -> ResultReaders.readBank(empty, Construction.EXACT, 7));
        assertTrue(e.getMessage().contains("no fit results"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> ResultReaders.read(dir.resolve("r.txt")));
    }
}
