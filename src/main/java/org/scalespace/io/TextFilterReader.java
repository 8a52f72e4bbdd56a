package org.scalespace.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.scalespace.model.FilterBank;

/**
 * Reads the plain-text filter format of {@code master_key_filters_convnextv2_tiny.txt}:
 * <pre>
 * # comment lines (and trailing comments) start with '#'
 * Filter 1:
 * -0.010366 -0.019109 ... (k numbers)
 * ... (k rows)
 *
 * Filter 2:
 * ...
 * </pre>
 * Numbers are separated by spaces, tabs or commas; blank lines are ignored; LF, CRLF and CR line ends are accepted.
 * k is inferred from the first filter (its number of rows) and must be odd, 3..31; every filter must be k×k.
 * The heading numbers are not checked: channel order is file order. The result is one {@link FilterBank} whose layer
 * is the file name without its extension.
 */
public final class TextFilterReader {

    private static final Pattern HEADING = Pattern.compile("(?i)filter\\s*#?\\s*(\\d+)\\s*:?");
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,;]+");
    static final String ACCEPTED = "accepted: 'Filter N:' headings, each followed by k rows of k numbers "
            + "(k odd, 3..31), '#' comments";

    /**
     * Longest line read, in characters: a row of 31 numbers is well under 1 kB, so anything near this is not a filter
     * row, and reading it whole (a file that is one huge line) would only exhaust the heap.
     */
    static final int MAX_LINE = 1 << 20;
    /** Most numbers in one row and rows in one filter: far above k = 31, so the k check still reports real sizes. */
    static final int MAX_ROW = 1024;

    private TextFilterReader() {
    }

    /** Reads a text filter file (UTF-8 or ASCII). */
    public static FilterBank read(Path file) throws IOException {
        if (Files.size(file) == 0) {
            throw new InputFormatException(file.toString(), "file is empty", ACCEPTED);
        }
        // InputStreamReader replaces malformed bytes, so a stray Latin-1 character in a comment is harmless
        try (Reader r = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8)) {
            return read(r, file.toString(), FilterReaders.baseName(file));
        }
    }

    /**
     * Reads the text format from a reader (not closed).
     *
     * @param source the source named in the bank and in error messages
     * @param layer  the layer name of the bank
     */
    public static FilterBank read(Reader reader, String source, String layer) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        List<double[]> filters = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<double[]> rows = null; // rows of the filter being read
        String heading = null;
        int headingLine = 0;
        int k = -1;
        String line;
        int lineNo = 0;
        while ((line = readLine(in, source, lineNo + 1)) != null) {
            lineNo++;
            if (lineNo == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            int hash = line.indexOf('#');
            String t = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (t.isEmpty()) {
                continue;
            }
            Matcher m = HEADING.matcher(t);
            if (m.matches()) {
                if (rows != null) {
                    k = finish(filters, labels, rows, heading, headingLine, k, source);
                }
                rows = new ArrayList<>();
                heading = t;
                headingLine = lineNo;
                continue;
            }
            if (rows == null) {
                throw new InputFormatException(source, "line " + lineNo + ": numbers before the first "
                        + "'Filter N:' heading", ACCEPTED);
            }
            String[] tokens = SEPARATORS.split(t, MAX_ROW + 1);
            if (tokens.length > MAX_ROW) {
                throw new InputFormatException(source, "line " + lineNo + ": more than " + MAX_ROW
                        + " numbers in one row", ACCEPTED);
            }
            if (rows.size() == MAX_ROW) {
                throw new InputFormatException(source, "line " + lineNo + " ('" + heading + "'): more than "
                        + MAX_ROW + " rows in one filter", ACCEPTED);
            }
            double[] row = new double[tokens.length];
            for (int i = 0; i < tokens.length; i++) {
                try {
                    row[i] = Double.parseDouble(tokens[i]);
                } catch (NumberFormatException e) {
                    throw new InputFormatException(source, "line " + lineNo + ": '" + printable(tokens[i])
                            + "' is not a number", ACCEPTED);
                }
            }
            if (!rows.isEmpty() && row.length != rows.get(0).length) {
                throw new InputFormatException(source, "line " + lineNo + " ('" + heading + "'): row has "
                        + row.length + " numbers but the filter's first row has " + rows.get(0).length,
                        FilterChecks.ACCEPTED_K);
            }
            rows.add(row);
        }
        if (rows != null) {
            k = finish(filters, labels, rows, heading, headingLine, k, source);
        }
        if (filters.isEmpty()) {
            throw new InputFormatException(source, "no filters found", ACCEPTED);
        }
        double[] data = new double[filters.size() * k * k];
        for (int n = 0; n < filters.size(); n++) {
            System.arraycopy(filters.get(n), 0, data, n * k * k, k * k);
        }
        FilterBank bank = new FilterBank(source, layer, k, filters.size(), data);
        FilterChecks.validate(bank, i -> "filter " + i + " ('" + labels.get(i) + "')");
        return bank;
    }

    /**
     * The next line without its end (LF, CRLF or CR), as {@link BufferedReader#readLine} gives it, or null at the end;
     * a line longer than {@link #MAX_LINE} characters is an error naming its number.
     */
    private static String readLine(BufferedReader in, String source, int lineNo) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return b.toString();
            }
            if (c == '\r') {
                in.mark(1);
                if (in.read() != '\n') {
                    in.reset();
                }
                return b.toString();
            }
            if (b.length() == MAX_LINE) {
                throw new InputFormatException(source, "line " + lineNo + " is longer than " + MAX_LINE
                        + " characters", ACCEPTED);
            }
            b.append((char) c);
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** Checks the rows of one filter, appends it, and returns k (set by the first filter). */
    private static int finish(List<double[]> filters, List<String> labels, List<double[]> rows, String heading,
                              int headingLine, int k, String source) throws InputFormatException {
        String where = "filter " + filters.size() + " ('" + heading + "', line " + headingLine + ")";
        if (rows.isEmpty()) {
            throw new InputFormatException(source, where + " has no rows", ACCEPTED);
        }
        int h = rows.size();
        int w = rows.get(0).length;
        if (h != w) {
            throw new InputFormatException(source, where + " is " + h + " rows × " + w
                    + " columns, not square", FilterChecks.ACCEPTED_K);
        }
        if (k < 0) {
            String kp = FilterChecks.kProblem(h);
            if (kp != null) {
                throw new InputFormatException(source, where + ": " + kp, FilterChecks.ACCEPTED_K);
            }
        } else if (h != k) {
            throw new InputFormatException(source, where + " is " + h + "×" + h + " but the filters before it are "
                    + k + "×" + k, "all filters in one file must have the same k");
        }
        double[] f = new double[h * h];
        for (int r = 0; r < h; r++) {
            System.arraycopy(rows.get(r), 0, f, r * h, h);
        }
        filters.add(f);
        labels.add(heading);
        return h;
    }

    /** A token as it can be shown in a one-line message: at most 20 characters, control characters as '?'. */
    private static String printable(String token) {
        String t = token.length() > 20 ? token.substring(0, 17) + "..." : token;
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) {
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        return b.toString();
    }
}
