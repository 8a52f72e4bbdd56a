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
 * output. Written atomically ({@link AtomicFiles}).
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
                    g.writeStringField("family", r.fit().family().id());
                    g.writeNumberField("sigma_x", r.fit().sigmaX());
                    g.writeNumberField("sigma_y", r.fit().sigmaY());
                    g.writeNumberField("alpha", r.fit().alpha());
                    g.writeNumberField("gain", r.fit().gain());
                    g.writeNumberField("offset", r.fit().offset());
                    g.writeNumberField("filter_rel_l2", r.fit().relL2());
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
                            f.family().id(), f.sigmaX(), f.sigmaY(), f.alpha(), f.gain(), f.offset(), f.relL2(),
                            r.outputRelL2()));
                }
                w.flush();
            }
        });
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
