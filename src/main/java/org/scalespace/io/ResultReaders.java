package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.scalespace.conv.IdealizedBanks;
import org.scalespace.conv.SeparableBank;
import org.scalespace.fit.FitResult;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;

/**
 * Reads fit results back from the CSV or JSON that {@link ResultWriters} writes (the inverse of
 * {@link ResultWriters#writeCsv(Path, List)} and {@link ResultWriters#writeJson(Path, List)}), e.g. to run a fit's
 * idealized filters as a convolution ({@link #readBank}).
 *
 * <p>The columns a model needs are required in every row: {@code family}, {@code sigma_x}, {@code sigma_y},
 * {@code alpha}, {@code gain} and {@code offset}; a row without one, or with a value that does not parse, fails with
 * the row's number. A row of family {@code none} (a degenerate filter, SPEC §7) needs only {@code gain}, which must
 * be 0, and {@code offset}, the constant: it reads back as {@link FitResult#ofConstant}'s result. The other columns of {@link FitResult#CSV_HEADER} are read when present and parseable, otherwise
 * left empty: {@code null} text, channel −1, NaN numbers (JSON writes non-finite numbers as {@code null}, so they read
 * back as NaN; in a required column a JSON {@code null} counts as missing). Results read from a file carry no model
 * array (k = 0, model null). Extra columns are ignored. CSV fields may be quoted (RFC 4180), but a quoted field may
 * not span lines: a source or layer name holding a line break, which the writer quotes, does not read back.
 */
public final class ResultReaders {

    /** What a fit result file must hold, as error messages say it. */
    private static final String ACCEPTED = "accepted: the CSV/JSON of 'scalespace fit' (columns "
            + Family.class.getSimpleName() + " family, sigma_x, sigma_y, alpha, gain, offset)";

    private ResultReaders() {
    }

    /** Reads a {@code .csv} or {@code .json} fit result (by the file's extension, in any case), in file order. */
    public static List<FitResult> read(Path file) throws IOException {
        List<Map<String, String>> rows = rows(file);
        List<FitResult> out = new ArrayList<>(rows.size());
        int line = 0;
        for (Map<String, String> r : rows) {
            line++;
            try {
                out.add(result(r));
            } catch (IllegalArgumentException e) {
                throw rowError(file, line, e);
            }
        }
        return out;
    }

    /**
     * Reads a fit result as an idealized separable bank: one channel per result, in file order, each the result's
     * model on a k×k window ({@link IdealizedBanks#terms}). A row that does not parse, or whose values give no
     * template (e.g. a negative σ), fails with the row's number; so does an empty file.
     */
    public static SeparableBank readBank(Path file, Construction construction, int k) throws IOException {
        List<Map<String, String>> rows = rows(file);
        if (rows.isEmpty()) {
            throw new InputFormatException(file.toString(), "no fit results", "accepted: a fit result with one row "
                    + "per input channel");
        }
        List<List<SeparableBank.Term>> all = new ArrayList<>();
        int line = 0;
        for (Map<String, String> r : rows) {
            line++;
            try {
                all.add(IdealizedBanks.terms(result(r), construction, k));
            } catch (IllegalArgumentException e) {
                throw rowError(file, line, e);
            }
        }
        return SeparableBank.of(k, all);
    }

    private static InputFormatException rowError(Path file, int line, IllegalArgumentException e) {
        return new InputFormatException(file.toString(), "result " + line + ": " + e.getMessage(), ACCEPTED);
    }

    /** The rows of a CSV or JSON file as column → text (absent and JSON-null fields are missing). */
    private static List<Map<String, String>> rows(Path file) throws IOException {
        String ext = TensorFiles.extension(file);
        switch (ext) {
            case "csv":
                InputFiles.requireRegularFile(file);
                return readCsv(file);
            case "json":
                InputFiles.requireRegularFile(file);
                return readJson(file);
            default:
                throw new IllegalArgumentException(file + ": unknown result format "
                        + (ext.isEmpty() ? "(no extension)" : "'." + ext + "'") + "; accepted: .csv or .json");
        }
    }

    /** One row as a result: the required columns in the order their errors are reported, then the others. */
    private static FitResult result(Map<String, String> r) {
        String famId = req(r, "family");
        if (famId.trim().equalsIgnoreCase(FitResult.NONE)) {
            double gain = Double.parseDouble(req(r, "gain"));
            double off = Double.parseDouble(req(r, "offset"));
            if (gain != 0) {
                throw new IllegalArgumentException("family none (a degenerate filter) has gain " + gain
                        + "; its model is the constant offset, with gain 0");
            }
            return new FitResult(r.get("source"), r.get("layer"), optInt(r, "channel"), null, opt(r, "sigma_x"),
                    opt(r, "sigma_y"), opt(r, "alpha"), gain, off, opt(r, "l2"), opt(r, "l1"), opt(r, "rel_l2"),
                    opt(r, "cosine"), opt(r, "mean_x"), opt(r, "mean_y"), opt(r, "var_xx"), opt(r, "var_xy"),
                    opt(r, "var_yy"), r.get("edge"), 0, null);
        }
        Family fam = Family.parse(famId);
        double sx = Double.parseDouble(req(r, "sigma_x"));
        double sy = Double.parseDouble(req(r, "sigma_y"));
        double al = Double.parseDouble(req(r, "alpha"));
        double gain = Double.parseDouble(req(r, "gain"));
        double off = Double.parseDouble(req(r, "offset"));
        return new FitResult(r.get("source"), r.get("layer"), optInt(r, "channel"), fam, sx, sy, al, gain, off,
                opt(r, "l2"), opt(r, "l1"), opt(r, "rel_l2"), opt(r, "cosine"), opt(r, "mean_x"), opt(r, "mean_y"),
                opt(r, "var_xx"), opt(r, "var_xy"), opt(r, "var_yy"), r.get("edge"), 0, null);
    }

    private static String req(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    private static double opt(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int optInt(Map<String, String> r, String key) {
        String v = r.get(key);
        if (v == null) {
            return -1;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static List<Map<String, String>> readCsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Map<String, String>> out = new ArrayList<>();
        if (lines.isEmpty()) {
            return out;
        }
        List<String> header = splitCsv(lines.get(0));
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> f = splitCsv(lines.get(i));
            Map<String, String> m = new HashMap<>();
            for (int j = 0; j < header.size() && j < f.size(); j++) {
                m.put(header.get(j).trim(), f.get(j));
            }
            out.add(m);
        }
        return out;
    }

    /** One CSV line's fields (RFC 4180 quotes; a quoted field does not span lines). */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        boolean q = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (q) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    b.append('"');
                    i++;
                } else if (ch == '"') {
                    q = false;
                } else {
                    b.append(ch);
                }
            } else if (ch == '"') {
                q = true;
            } else if (ch == ',') {
                out.add(b.toString());
                b.setLength(0);
            } else {
                b.append(ch);
            }
        }
        out.add(b.toString());
        return out;
    }

    static List<Map<String, String>> readJson(Path file) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new InputFormatException(file.toString(), "not a JSON array", "accepted: the JSON of "
                        + "'scalespace fit' (an array of result objects)");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Map<String, String> m = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.getCurrentName();
                    JsonToken t = p.nextToken();
                    if (t.isStructStart()) {
                        p.skipChildren();
                    } else if (t != JsonToken.VALUE_NULL) {
                        m.put(key, p.getText());
                    }
                }
                out.add(m);
            }
        } catch (StreamReadException e) {
            // Jackson's own message carries its internals ("Source: REDACTED", feature names): keep its first clause
            // and give the position in the user's file
            String what = e.getOriginalMessage();
            int cut = what.indexOf('\n');
            what = (cut < 0 ? what : what.substring(0, cut)).strip();
            JsonLocation at = e.getLocation();
            throw new InputFormatException(file.toString(), "not valid JSON at line "
                    + (at == null ? "?" : at.getLineNr()) + ", column " + (at == null ? "?" : at.getColumnNr()) + ": "
                    + what, "accepted: the JSON of 'scalespace fit' (an array of result objects)", e);
        }
        return out;
    }
}
