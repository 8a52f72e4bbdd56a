package org.scalespace.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.scalespace.fit.FitResult;

/**
 * The per-channel report of {@code scalespace replace} as CSV or JSON: layer, channel, the fit (family, σx, σy, α,
 * gain, offset, the filter's relative l2) and the relative l2 between the learned and the idealized convolution's
 * output. A degenerate channel (SPEC §7) has family {@code none} and empty (CSV) or null (JSON) σx, σy, α and filter
 * relative l2. Written atomically ({@link AtomicFiles}).
 */
public final class ReplaceReport {

    /** The CSV header, also the JSON keys, in order. */
    public static final String HEADER = "layer,channel,family,sigma_x,sigma_y,alpha,gain,offset,filter_rel_l2,"
            + "output_rel_l2";

    /** One channel of the report. */
    public record Row(String layer, int channel, FitResult fit, double outputRelL2) {
    }

    private ReplaceReport() {
    }

    /** Whether the file's extension names a report format: {@code .csv} or {@code .json} (any case). */
    public static boolean accepts(Path file) {
        return List.of("csv", "json").contains(TensorFiles.extension(file));
    }

    /** Writes the rows as JSON when the file's extension is {@code .json}, as CSV otherwise. */
    public static void write(Path file, List<Row> rows) throws IOException {
        boolean json = TensorFiles.extension(file).equals("json");
        AtomicFiles.write(file, os -> {
            if (json) {
                JsonGenerator g = new JsonFactory().createGenerator(os, JsonEncoding.UTF8)
                        .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.useDefaultPrettyPrinter();
                g.writeStartArray();
                for (Row r : rows) {
                    g.writeStartObject();
                    g.writeStringField("layer", r.layer());
                    g.writeNumberField("channel", r.channel());
                    g.writeStringField("family", r.fit().familyId());
                    number(g, "sigma_x", r.fit().sigmaX(), r.fit());
                    number(g, "sigma_y", r.fit().sigmaY(), r.fit());
                    number(g, "alpha", r.fit().alpha(), r.fit());
                    g.writeNumberField("gain", r.fit().gain());
                    g.writeNumberField("offset", r.fit().offset());
                    number(g, "filter_rel_l2", r.fit().relL2(), r.fit());
                    g.writeNumberField("output_rel_l2", r.outputRelL2());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.close();
            } else {
                Writer w = new OutputStreamWriter(os, StandardCharsets.UTF_8);
                w.write(HEADER + "\n");
                for (Row r : rows) {
                    FitResult f = r.fit();
                    w.write(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%s,%s,%s,%s,%s%n", csv(r.layer()), r.channel(),
                            f.familyId(), text(f.sigmaX(), f), text(f.sigmaY(), f), text(f.alpha(), f), f.gain(),
                            f.offset(), text(f.relL2(), f), r.outputRelL2()));
                }
                w.flush();
            }
        });
    }

    /** A number of the fit; for a degenerate filter's undefined values (NaN: σ, α, rel_l2), null. */
    private static void number(JsonGenerator g, String key, double v, FitResult f) throws IOException {
        if (f.degenerate() && Double.isNaN(v)) {
            g.writeNullField(key);
        } else {
            g.writeNumberField(key, v);
        }
    }

    /** A number of the fit as CSV text; for a degenerate filter's undefined values (NaN: σ, α, rel_l2), empty. */
    private static String text(double v, FitResult f) {
        return f.degenerate() && Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
