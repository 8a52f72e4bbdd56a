package org.scalespace.testing;

import org.scalespace.fit.Normalisation;

import org.scalespace.fit.Metric;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/** Committed reference data under src/test/resources (CSV and JSON), read without the code under test. */
public final class TestData {

    private TestData() {
    }

    private static InputStream open(String resource) {
        InputStream in = TestData.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + resource);
        }
        return in;
    }

    /** Rows of a simple CSV (no quoting) as maps from header name to field, in file order. */
    public static List<Map<String, String>> csv(String resource) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(resource), StandardCharsets.UTF_8))) {
            String[] header = r.readLine().split(",");
            List<Map<String, String>> rows = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != header.length) {
                    throw new IllegalStateException(resource + ": bad row " + line);
                }
                Map<String, String> m = new LinkedHashMap<>();
                for (int i = 0; i < f.length; i++) {
                    m.put(header[i], f[i]);
                }
                rows.add(m);
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON document as nested Map (insertion order) / List / Double / String / Boolean / null. */
    public static Object json(String resource) {
        try (InputStream in = open(resource); JsonParser p = new JsonFactory().createParser(in)) {
            p.nextToken();
            return value(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses JSON text (e.g. a command's output) like {@link #json(String)}. */
    public static Object parseJson(String text) {
        try (JsonParser p = new JsonFactory().createParser(text)) {
            p.nextToken();
            return value(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_STRING:
                return p.getText();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IllegalStateException("unexpected JSON token " + t);
        }
    }

    /**
     * The fit residual by its definition (SPEC §6–§7), independent of the code under test: the least-squares
     * amplitude for the normalisation (a and b for gain-offset, a for gain, none otherwise), then Σ r² (l2) or Σ|r| (l1).
     */
    public static double residual(double[] h, double[] m, Normalisation norm, Metric metric) {
        int n = h.length;
        double a = 1;
        double b = 0;
        if (norm == Normalisation.GAIN_OFFSET || norm == Normalisation.GAIN) {
            // least squares for a (and b): solve the normal equations directly
            double shm = 0;
            double smm = 0;
            double sh = 0;
            double sm = 0;
            for (int i = 0; i < n; i++) {
                shm += h[i] * m[i];
                smm += m[i] * m[i];
                sh += h[i];
                sm += m[i];
            }
            if (norm == Normalisation.GAIN) {
                a = smm > 0 ? shm / smm : 0;
            } else {
                double det = n * smm - sm * sm;
                if (det > 1e-300 * n * smm) {
                    a = (n * shm - sm * sh) / det;
                    b = (sh - a * sm) / n;
                } else {
                    a = 0;
                    b = sh / n;
                }
            }
        }
        double s = 0;
        for (int i = 0; i < n; i++) {
            double r = h[i] - (a * m[i] + b);
            s += metric == Metric.L1 ? Math.abs(r) : r * r;
        }
        return s;
    }
}
