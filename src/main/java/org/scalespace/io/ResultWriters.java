package org.scalespace.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.NumberOutput;
import org.scalespace.fit.FitResult;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes fit results as CSV, JSON or a {@code .npy} stack of fitted templates. File writes are atomic (see
 * {@link AtomicFiles}): on any error no file and no temporary file is left, and an existing file is untouched.
 *
 * <p>Conventions, the same in CSV and JSON:
 * <ul>
 *   <li>columns/keys are those of {@link FitResult#CSV_HEADER}, in that order; {@code family} is written as its id
 *       ({@code gauss}, {@code dx}, ...), {@code none} for a degenerate filter;</li>
 *   <li>numbers are written with {@link Double#toString(double)}, the shortest decimal that reads back as the same
 *       double (e.g. {@code 0.1}, {@code 1.0E-5}); non-finite values are {@code NaN}, {@code Infinity},
 *       {@code -Infinity} in CSV and {@code null} in JSON (which has no literal for them); in a degenerate filter's
 *       row the undefined values (σx, σy, α, rel_l2, cosine; M and V of the zero filter) are empty in CSV and
 *       {@code null} in JSON (SPEC §7);</li>
 *   <li>CSV: UTF-8, {@code \n} line ends, a field is quoted (RFC 4180, {@code "} doubled) only when it holds a comma,
 *       a quote, CR or LF.</li>
 * </ul>
 */
public final class ResultWriters {

    /** The accepted output extensions, as error messages list them. */
    public static final String ACCEPTED_FORMATS = "accepted: .csv, .json, or .npy (float32 stack of fitted templates)";

    private ResultWriters() {
    }

    /** Writes results in the format of the file's extension: {@code .csv}, {@code .json} or {@code .npy}. */
    public static void write(Path file, List<FitResult> results) throws IOException {
        String ext = FilterReaders.extension(file);
        switch (ext) {
            case ".csv" -> writeCsv(file, results);
            case ".json" -> writeJson(file, results);
            case ".npy" -> writeTemplatesNpy(file, results);
            default -> throw new IllegalArgumentException(file + ": unknown result format "
                    + (ext.isEmpty() ? "(no extension)" : "'" + ext + "'") + "; " + ACCEPTED_FORMATS);
        }
    }

    /** Writes a CSV file: the header line {@link FitResult#CSV_HEADER}, then one line per result. */
    public static void writeCsv(Path file, List<FitResult> results) throws IOException {
        AtomicFiles.write(file, out -> writeCsv(out, results));
    }

    /**
     * Writes the CSV text (UTF-8) to a stream; the stream is flushed, not closed. Rows are formatted in parallel,
     * a window of chunks at a time, and written in order, so memory stays bounded whatever the number of results.
     */
    public static void writeCsv(OutputStream out, List<FitResult> results) throws IOException {
        OutputStream o = new java.io.BufferedOutputStream(out, 1 << 16);
        o.write((FitResult.CSV_HEADER + "\n").getBytes(StandardCharsets.UTF_8));
        csvInWindows(results, (b, n) -> o.write(b, 0, n));
        o.flush();
    }

    /** Appends the CSV text (header line, then one line per result) to {@code out}, e.g. standard output. */
    public static void toCsv(Appendable out, List<FitResult> results) throws IOException {
        out.append(FitResult.CSV_HEADER).append('\n');
        appendCsvRows(out, results);
    }

    /**
     * Writes the CSV rows of {@code results} (UTF-8, no header line) to a stream, formatted in parallel as
     * {@link #writeCsv(OutputStream, List)} does: for writing results a slice at a time after
     * {@link FitResult#CSV_HEADER}. The stream is not flushed.
     */
    public static void writeCsvRows(OutputStream out, List<FitResult> results) throws IOException {
        csvInWindows(results, (b, n) -> out.write(b, 0, n));
    }

    /** Appends the CSV rows of {@code results} (no header line) to {@code out}, e.g. standard output. */
    public static void appendCsvRows(Appendable out, List<FitResult> results) throws IOException {
        csvInWindows(results, (b, n) -> out.append(new String(b, 0, n, StandardCharsets.UTF_8)));
    }

    /** Receives the formatted rows of one chunk: UTF-8 bytes {@code b[0..n)}. */
    private interface ChunkSink {
        void accept(byte[] b, int n) throws IOException;
    }

    /**
     * The CSV rows (no header) to {@code sink}, in order: number formatting dominates for large result sets, so
     * chunks of rows are formatted in parallel, a window of chunks at a time (bounded memory).
     */
    private static void csvInWindows(List<FitResult> results, ChunkSink sink) throws IOException {
        final int chunk = 4096;
        final int window = 8;
        int chunks = (results.size() + chunk - 1) / chunk;
        for (int w0 = 0; w0 < chunks; w0 += window) {
            CsvBytes[] parts = java.util.stream.IntStream.range(w0, Math.min(chunks, w0 + window)).parallel()
                    .mapToObj(c -> csvChunk(results, c * chunk, Math.min(results.size(), (c + 1) * chunk)))
                    .toArray(CsvBytes[]::new);
            for (CsvBytes part : parts) {
                sink.accept(part.a, part.n);
            }
        }
    }

    private static CsvBytes csvChunk(List<FitResult> results, int from, int to) {
        CsvBytes b = new CsvBytes((to - from) * 256);
        for (int i = from; i < to; i++) {
            b.row(results.get(i));
        }
        return b;
    }

    /**
     * CSV rows formatted straight into UTF-8 bytes: numbers are ASCII; the text fields are encoded once per distinct
     * string, since consecutive rows share their source and layer.
     */
    private static final class CsvBytes {
        byte[] a;
        int n;
        private String lastText;
        private byte[] lastBytes;
        private String lastText2;
        private byte[] lastBytes2;

        CsvBytes(int capacity) {
            a = new byte[Math.max(64, capacity)];
        }

        void row(FitResult r) {
            text(r.source());
            put(',');
            text(r.layer());
            put(',');
            ascii(Integer.toString(r.channel()));
            put(',');
            ascii(csvField(r.familyId()));
            boolean degenerate = r.degenerate();
            for (double v : numbers(r)) {
                put(',');
                if (degenerate && Double.isNaN(v)) {
                    continue; // undefined for a filter without shape: the empty field
                }
                // Schubfach (as Double.toString from JDK 19 on): the shortest decimal that reads back exactly, in
                // Double.toString's format, the same on every JDK, and several times faster than JDK 17's
                ascii(NumberOutput.toString(v, true));
            }
            put(',');
            ascii(csvField(r.edge()));
            put('\n');
        }

        /** A text field, quoted as {@link #csvField} does, in UTF-8; the last two distinct strings are cached. */
        private void text(String s) {
            byte[] b;
            if (s == lastText) {
                b = lastBytes;
            } else if (s == lastText2) {
                b = lastBytes2;
            } else {
                b = csvField(s).getBytes(StandardCharsets.UTF_8);
                lastText2 = lastText;
                lastBytes2 = lastBytes;
                lastText = s;
                lastBytes = b;
            }
            ensure(b.length);
            System.arraycopy(b, 0, a, n, b.length);
            n += b.length;
        }

        /** A string that is almost always ASCII (numbers, family ids, edge flags); UTF-8 otherwise. */
        private void ascii(String s) {
            int len = s.length();
            ensure(len);
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    byte[] b = s.getBytes(StandardCharsets.UTF_8);
                    ensure(b.length);
                    System.arraycopy(b, 0, a, n, b.length);
                    n += b.length;
                    return;
                }
                a[n + i] = (byte) c;
            }
            n += len;
        }

        private void put(char c) {
            ensure(1);
            a[n++] = (byte) c;
        }

        private void ensure(int extra) {
            if (n + extra > a.length) {
                a = java.util.Arrays.copyOf(a, Math.max(2 * a.length, n + extra));
            }
        }
    }

    /** Writes a pretty-printed JSON array with one object per result (keys as the CSV columns). */
    public static void writeJson(Path file, List<FitResult> results) throws IOException {
        AtomicFiles.write(file, out -> toJson(out, results));
    }

    /** Writes the JSON text of {@link #writeJson} to a stream (UTF-8; the stream is flushed, not closed). */
    public static void toJson(OutputStream out, List<FitResult> results) throws IOException {
        String[] keys = FitResult.CSV_HEADER.split(",");
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        g.enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature());
        g.writeStartArray();
        for (FitResult r : results) {
            g.writeStartObject();
            g.writeStringField(keys[0], r.source());
            g.writeStringField(keys[1], r.layer());
            g.writeNumberField(keys[2], r.channel());
            g.writeStringField(keys[3], r.familyId());
            double[] v = numbers(r);
            for (int i = 0; i < v.length; i++) {
                g.writeFieldName(keys[4 + i]);
                if (Double.isFinite(v[i])) {
                    g.writeNumber(v[i]);
                } else {
                    g.writeNull();
                }
            }
            g.writeStringField(keys[4 + v.length], r.edge());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeRaw('\n');
        g.close(); // flushes; does not close out
    }

    /**
     * Writes the fitted templates ({@link FitResult#model()}) as a float32 array of shape (N,k,k), in result order
     * (a degenerate filter's template is its constant).
     *
     * @throws IllegalArgumentException when the list is empty, a model is missing or has the wrong length, or the
     *                                  results do not all have the same k (write one file per k instead)
     */
    public static void writeTemplatesNpy(Path file, List<FitResult> results) throws IOException {
        if (results.isEmpty()) {
            throw new IllegalArgumentException(file + ": no results to write (need at least one fitted template)");
        }
        int k = results.get(0).k();
        float[] data = new float[Math.multiplyExact(results.size(), k * k)];
        for (int i = 0; i < results.size(); i++) {
            FitResult r = results.get(i);
            String which = "result " + i + " (layer '" + r.layer() + "', channel " + r.channel() + ")";
            if (r.k() != k) {
                throw new IllegalArgumentException(file + ": " + which + " has k = " + r.k() + " but result 0 has k = "
                        + k + "; all templates in one .npy must have the same k (write one file per k)");
            }
            double[] m = r.model();
            if (m == null || m.length != k * k) {
                throw new IllegalArgumentException(file + ": " + which + " has " + (m == null ? "no model"
                        : "a model of " + m.length + " values") + "; expected k×k = " + k * k + " values");
            }
            for (int j = 0; j < m.length; j++) {
                data[i * k * k + j] = (float) m[j];
            }
        }
        NpyWriter.write(file, new long[] {results.size(), k, k}, data);
    }

    /** The numeric columns sigma_x .. var_yy in CSV order. */
    private static double[] numbers(FitResult r) {
        return new double[] {r.sigmaX(), r.sigmaY(), r.alpha(), r.gain(), r.offset(), r.l2(), r.l1(), r.relL2(),
            r.cosine(), r.meanX(), r.meanY(), r.varXX(), r.varXY(), r.varYY()};
    }

    /** A CSV field, quoted per RFC 4180 only when it holds a comma, quote, CR or LF; null is the empty field. */
    static String csvField(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
