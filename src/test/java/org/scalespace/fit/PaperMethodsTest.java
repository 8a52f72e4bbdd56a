package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scalespace.cli.Main;

/**
 * `scalespace paper --json` against tools/paper_reference.py, an independent Python implementation of the published
 * method (docs/paper-method.md), whose output is committed as src/test/resources/vectors/paper_reference.json.
 */
class PaperMethodsTest {

    /** method → filter → key → value */
    static Map<String, Map<String, Map<String, Double>>> parse(JsonParser p) throws IOException {
        Map<String, Map<String, Map<String, Double>>> out = new HashMap<>();
        assertEquals(JsonToken.START_OBJECT, p.nextToken());
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String method = p.getCurrentName();
            p.nextToken();
            Map<String, Map<String, Double>> filters = new HashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.getCurrentName();
                p.nextToken();
                Map<String, Double> vals = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.getCurrentName();
                    JsonToken t = p.nextToken();
                    if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
                        vals.put(k, p.getDoubleValue());
                    } else {
                        p.skipChildren();
                    }
                }
                filters.put(f, vals);
            }
            out.put(method, filters);
        }
        return out;
    }

    @Test
    void paperJsonAgreesWithIndependentReference() throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.run(new String[] {"paper", "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, rc, err.toString());
        Map<String, Map<String, Map<String, Double>>> got;
        try (JsonParser p = new JsonFactory().createParser(out.toString())) {
            got = parse(p);
        }
        Map<String, Map<String, Map<String, Double>>> want;
        try (InputStream in = getClass().getResourceAsStream("/vectors/paper_reference.json");
             JsonParser p = new JsonFactory().createParser(in)) {
            want = parse(p);
        }
        assertEquals(want.keySet(), got.keySet(), "methods");
        for (String m : want.keySet()) {
            for (int f = 1; f <= 8; f++) {
                Map<String, Double> w = want.get(m).get(Integer.toString(f));
                Map<String, Double> g = got.get(m).get(Integer.toString(f));
                for (String key : new String[] {"sigma_x", "sigma_y", "alpha", "l1", "l2"}) {
                    double tol = key.startsWith("sigma") || key.equals("alpha") ? 1e-3 : 1e-3;
                    assertTrue(Math.abs(w.get(key) - g.get(key)) <= tol,
                            m + " filter " + f + " " + key + ": got " + g.get(key) + ", reference " + w.get(key));
                }
            }
        }
    }
}
