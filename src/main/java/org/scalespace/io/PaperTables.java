package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import org.scalespace.fit.PaperMethods;

/**
 * The table of {@link PaperMethods} (the fits of the 8 master key filters by the paper's methods) as JSON:
 * {@code {method: {"1".."8": {sigma_x, sigma_y, alpha, l1, l2}}}}, methods in the table's order, pretty-printed.
 */
public final class PaperTables {

    private PaperTables() {
    }

    /** The JSON text (no final line end). */
    public static String json(Map<String, PaperMethods.Entry[]> table) throws IOException {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(sw).useDefaultPrettyPrinter()) {
            g.writeStartObject();
            for (Map.Entry<String, PaperMethods.Entry[]> e : table.entrySet()) {
                g.writeObjectFieldStart(e.getKey());
                for (int i = 0; i < 8; i++) {
                    PaperMethods.Entry x = e.getValue()[i];
                    g.writeObjectFieldStart(Integer.toString(i + 1));
                    g.writeNumberField("sigma_x", x.sigmaX());
                    g.writeNumberField("sigma_y", x.sigmaY());
                    g.writeNumberField("alpha", x.alpha());
                    g.writeNumberField("l1", x.l1());
                    g.writeNumberField("l2", x.l2());
                    g.writeEndObject();
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return sw.toString();
    }
}
