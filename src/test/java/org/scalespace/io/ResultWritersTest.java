package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scalespace.fit.FitResult;
import org.scalespace.model.Family;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.scalespace.io.IoTestSupport.list;

class ResultWritersTest {

    @TempDir
    Path dir;

    private static final String[] COLUMNS = FitResult.CSV_HEADER.split(",");

    private static FitResult result(String source, String layer, int channel, Family family, double base, int k,
                                    String edge) {
        double[] model = new double[k * k];
        for (int i = 0; i < model.length; i++) {
            model[i] = Math.sin(i + base) / 3;
        }
        return new FitResult(source, layer, channel, family,
                base + 0.1, base + 0.2, family.hasAlpha() ? 0.75 : Double.NaN, -1.5e-7, 1e-300,
                Math.PI, Math.E, 1.0 / 3, -0.0, 0.125, -2.5e10, Double.MIN_VALUE, Double.POSITIVE_INFINITY,
                Double.MAX_VALUE, edge, k, model);
    }

    private static List<FitResult> sample() {
        return List.of(
                result("weights.npy", "weights", 0, Family.GAUSS, 0.5, 3, "none"),
                result("dir,with \"comma\".npz", "blocks.1\nodd", 7, Family.DOG, 1.25, 3, "sigma_x_min+alpha_max"),
                result("m.safetensors", "", 2, Family.DXP, 2, 3, "none"));
    }

    /** The numeric fields of a result in CSV column order (columns 4..17). */
    private static double[] numbers(FitResult r) {
        return new double[] {r.sigmaX(), r.sigmaY(), r.alpha(), r.gain(), r.offset(), r.l2(), r.l1(), r.relL2(),
            r.cosine(), r.meanX(), r.meanY(), r.varXX(), r.varXY(), r.varYY()};
    }

    /** Minimal RFC 4180 parser (quoted fields with doubled quotes and embedded newlines). */
    private static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        assertTrue(row.isEmpty() && field.length() == 0, "CSV must end with a line end");
        return rows;
    }

    @Test
    void csvRoundTripsExactly() throws IOException {
        Path p = dir.resolve("fits.csv");
        List<FitResult> results = sample();
        ResultWriters.writeCsv(p, results);
        String text = Files.readString(p, StandardCharsets.UTF_8);
        assertTrue(text.startsWith(FitResult.CSV_HEADER + "\n"));

        StringBuilder sb = new StringBuilder();
        ResultWriters.toCsv(sb, results);
        assertEquals(text, sb.toString(), "toCsv and writeCsv agree");

        List<List<String>> rows = parseCsv(text);
        assertEquals(Arrays.asList(COLUMNS), rows.get(0));
        assertEquals(results.size() + 1, rows.size());
        for (int i = 0; i < results.size(); i++) {
            FitResult r = results.get(i);
            List<String> row = rows.get(i + 1);
            assertEquals(COLUMNS.length, row.size());
            assertEquals(r.source(), row.get(0));
            assertEquals(r.layer(), row.get(1));
            assertEquals(r.channel(), Integer.parseInt(row.get(2)));
            assertEquals(r.family(), Family.parse(row.get(3)));
            double[] expected = numbers(r);
            for (int j = 0; j < expected.length; j++) {
                assertEquals(Double.doubleToLongBits(expected[j]), Double.doubleToLongBits(Double.parseDouble(
                        row.get(4 + j))), COLUMNS[4 + j] + " of row " + i + " round-trips exactly");
            }
            assertEquals(r.edge(), row.get(18));
        }
    }

    @Test
    void csvQuotesOnlyWhenNeeded() throws IOException {
        StringBuilder sb = new StringBuilder();
        ResultWriters.toCsv(sb, sample());
        String[] lines = sb.toString().split("\n");
        assertTrue(lines[1].startsWith("weights.npy,weights,0,gauss,0.6,0.7,NaN,-1.5E-7,1.0E-300,"), lines[1]);
        assertTrue(lines[2].startsWith("\"dir,with \"\"comma\"\".npz\",\"blocks.1"), lines[2]);
        assertEquals("odd\",7,dog,1.35,1.45,0.75,-1.5E-7,1.0E-300,3.141592653589793,"
                + "2.718281828459045,0.3333333333333333,-0.0,0.125,-2.5E10,4.9E-324,Infinity,1.7976931348623157E308,"
                + "sigma_x_min+alpha_max", lines[3], "the quoted layer name spans two lines");
        assertTrue(lines[4].startsWith("m.safetensors,,2,dxp,"), lines[4]);
        assertEquals("a", ResultWriters.csvField("a"));
        assertEquals("\"a\rb\"", ResultWriters.csvField("a\rb"));
        assertEquals("", ResultWriters.csvField(null));
    }

    @Test
    void jsonRoundTrips() throws IOException {
        Path p = dir.resolve("fits.json");
        List<FitResult> results = sample();
        ResultWriters.writeJson(p, results);
        String text = Files.readString(p);
        assertTrue(text.contains("\n  "), "pretty printed");

        List<Map<String, Object>> objects = new ArrayList<>();
        try (JsonParser jp = new JsonFactory().createParser(p.toFile())) {
            assertEquals(JsonToken.START_ARRAY, jp.nextToken());
            while (jp.nextToken() == JsonToken.START_OBJECT) {
                Map<String, Object> o = new LinkedHashMap<>();
                while (jp.nextToken() == JsonToken.FIELD_NAME) {
                    String key = jp.currentName();
                    JsonToken t = jp.nextToken();
                    o.put(key, switch (t) {
                        case VALUE_STRING -> jp.getText();
                        case VALUE_NUMBER_INT -> jp.getLongValue();
                        case VALUE_NUMBER_FLOAT -> jp.getDoubleValue();
                        case VALUE_NULL -> null;
                        default -> throw new AssertionError("unexpected " + t);
                    });
                }
                objects.add(o);
            }
            assertEquals(JsonToken.END_ARRAY, jp.currentToken());
            assertNull(jp.nextToken());
        }
        assertEquals(results.size(), objects.size());
        for (int i = 0; i < results.size(); i++) {
            FitResult r = results.get(i);
            Map<String, Object> o = objects.get(i);
            assertEquals(Arrays.asList(COLUMNS), new ArrayList<>(o.keySet()), "same keys as the CSV, same order");
            assertEquals(r.source(), o.get("source"));
            assertEquals(r.layer(), o.get("layer"));
            assertEquals((long) r.channel(), o.get("channel"));
            assertEquals(r.family().id(), o.get("family"));
            assertEquals(r.edge(), o.get("edge"));
            double[] expected = numbers(r);
            for (int j = 0; j < expected.length; j++) {
                Object v = o.get(COLUMNS[4 + j]);
                if (Double.isFinite(expected[j])) {
                    assertEquals(Double.doubleToLongBits(expected[j]), Double.doubleToLongBits((Double) v),
                            COLUMNS[4 + j]);
                } else {
                    assertNull(v, COLUMNS[4 + j] + " (non-finite) is null");
                }
            }
        }
    }

    @Test
    void templatesNpyHoldsTheModelsAsFloat32() throws IOException {
        Path p = dir.resolve("templates.npy");
        List<FitResult> results = sample();
        ResultWriters.writeTemplatesNpy(p, results);
        NpyArray a = NpyReader.read(p);
        assertEquals(NpyArray.FLOAT32, a.dtype());
        assertArrayEquals(new long[] {3, 3, 3}, a.shape());
        for (int n = 0; n < 3; n++) {
            for (int j = 0; j < 9; j++) {
                assertEquals((float) results.get(n).model()[j], a.floats()[n * 9 + j]);
            }
        }
        // and the templates read back as a filter bank
        assertEquals(3, FilterReaders.read(p).get(0).count());
    }

    @Test
    void templatesNpyRejectsMixedKAndWritesNothing() throws IOException {
        Path p = dir.resolve("templates.npy");
        List<FitResult> mixed = List.of(result("a", "l", 0, Family.DX, 0, 3, "none"),
                result("a", "m", 4, Family.DX, 0, 5, "none"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultWriters.writeTemplatesNpy(p, mixed));
        assertTrue(e.getMessage().contains("result 1 (layer 'm', channel 4) has k = 5 but result 0 has k = 3"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResultWriters.writeTemplatesNpy(p, List.of()));
        FitResult r = result("a", "l", 0, Family.DX, 0, 3, "none");
        FitResult noModel = new FitResult(r.source(), r.layer(), 0, r.family(), 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1,
                0, 1, "none", 3, null);
        assertThrows(IllegalArgumentException.class, () -> ResultWriters.writeTemplatesNpy(p, List.of(r, noModel)));
        assertEquals(0, list(dir).length);
    }

    @Test
    void writePicksTheFormatFromTheExtension() throws IOException {
        List<FitResult> results = sample();
        ResultWriters.write(dir.resolve("a.csv"), results);
        ResultWriters.write(dir.resolve("b.JSON"), results);
        ResultWriters.write(dir.resolve("c.npy"), results);
        assertTrue(Files.readString(dir.resolve("a.csv")).startsWith(FitResult.CSV_HEADER));
        assertTrue(Files.readString(dir.resolve("b.JSON")).startsWith("["));
        assertEquals(3, NpyReader.read(dir.resolve("c.npy")).dim(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultWriters.write(dir.resolve("d.xlsx"), results));
        assertTrue(e.getMessage().contains("d.xlsx: unknown result format '.xlsx'; accepted: .csv, .json, or .npy"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("d.xlsx")));
    }

    @Test
    void failedWriteLeavesNoPartialOutput() throws IOException {
        List<FitResult> withNull = new ArrayList<>(sample());
        withNull.add(null); // fails after the first rows have been written
        Path csv = dir.resolve("fits.csv");
        assertThrows(NullPointerException.class, () -> ResultWriters.writeCsv(csv, withNull));
        Path json = dir.resolve("fits.json");
        assertThrows(NullPointerException.class, () -> ResultWriters.writeJson(json, withNull));
        assertEquals(0, list(dir).length, "no file and no temporary file");

        ResultWriters.writeCsv(csv, sample());
        String before = Files.readString(csv);
        assertThrows(NullPointerException.class, () -> ResultWriters.writeCsv(csv, withNull));
        assertEquals(before, Files.readString(csv), "an existing file is left as it was");
        assertArrayEquals(new String[] {"fits.csv"}, list(dir));
    }
}
