package org.scalespace.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed header of a {@code .npy} file: shape and (normalised) dtype, plus where the data starts.
 * Package-private; {@link NpyReader} is the public entry point.
 *
 * @param shape       the array shape
 * @param dtype       {@link NpyArray#FLOAT32} or {@link NpyArray#FLOAT64}, or the raw descr when
 *                    {@code dtypeProblem} is set
 * @param dtypeProblem null when the dtype is supported, else what is wrong with it (so that a container reader can
 *                    skip an unsupported array without failing)
 * @param fortranOrder the header's fortran_order flag
 * @param headerBytes total bytes before the data (magic, version, length field and header text)
 * @param elements    number of elements (product of the shape)
 * @param itemSize    bytes per element (4 or 8; 0 when the dtype is unsupported)
 */
record NpyHeader(long[] shape, String dtype, String dtypeProblem, boolean fortranOrder, long headerBytes,
                 long elements, int itemSize) {

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** NumPy itself refuses headers above 10000 bytes by default; we allow more but not unbounded. */
    static final int MAX_HEADER_LENGTH = 1 << 20;
    static final String ACCEPTED = "accepted: a NumPy .npy file (format version 1.0, 2.0 or 3.0) "
            + "holding a C-order array of dtype <f4 (float32) or <f8 (float64)";
    static final String ACCEPTED_DTYPES = "accepted dtypes: '<f4' (float32) and '<f8' (float64), little-endian";

    /** Number of data bytes the header declares (elements × item size). */
    long dataBytes() {
        return elements * itemSize;
    }

    /** Throws the dtype/order problem, if any, as an InputFormatException. */
    void requireSupported(String name) throws InputFormatException {
        if (dtypeProblem != null) {
            throw new InputFormatException(name, dtypeProblem, ACCEPTED_DTYPES);
        }
        if (fortranOrder) {
            throw new InputFormatException(name, "array of shape " + NpyArray.shapeString(shape)
                    + " is stored in Fortran order (fortran_order: True)",
                    "accepted: C order only (save np.ascontiguousarray(a) instead)");
        }
    }

    /**
     * Reads and parses the header from the start of {@code in}, leaving the stream at the first data byte.
     *
     * @param size the total size of the file in bytes, or -1 when unknown (stream)
     */
    static NpyHeader read(InputStream in, String name, long size) throws IOException {
        if (size == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        byte[] pre = in.readNBytes(8);
        if (pre.length == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        int m = Math.min(pre.length, MAGIC.length);
        if (!Arrays.equals(pre, 0, m, MAGIC, 0, m)) {
            throw new InputFormatException(name, "not a .npy file (it does not start with the \\x93NUMPY magic)",
                    ACCEPTED);
        }
        if (pre.length < 8) {
            throw new InputFormatException(name, "file is truncated inside the .npy header (" + pre.length
                    + " bytes)", ACCEPTED);
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        if (minor != 0 || major < 1 || major > 3) {
            throw new InputFormatException(name, "unsupported .npy format version " + major + "." + minor, ACCEPTED);
        }
        int lenBytes = major == 1 ? 2 : 4;
        byte[] lb = in.readNBytes(lenBytes);
        if (lb.length < lenBytes) {
            throw new InputFormatException(name, "file is truncated inside the .npy header", ACCEPTED);
        }
        long hlen = 0;
        for (int i = lenBytes - 1; i >= 0; i--) {
            hlen = (hlen << 8) | (lb[i] & 0xff);
        }
        long prefix = 8L + lenBytes;
        if (size >= 0 && prefix + hlen > size) {
            throw new InputFormatException(name, "header length " + hlen + " runs past the end of the file ("
                    + size + " bytes): the file is truncated or not a .npy file", ACCEPTED);
        }
        if (hlen > MAX_HEADER_LENGTH) {
            throw new InputFormatException(name, "header length " + hlen + " is implausibly large (limit "
                    + MAX_HEADER_LENGTH + " bytes)", ACCEPTED);
        }
        byte[] hb = in.readNBytes((int) hlen);
        if (hb.length < hlen) {
            throw new InputFormatException(name, "file ends inside the .npy header (" + hb.length + " of " + hlen
                    + " header bytes present)", ACCEPTED);
        }
        String text = new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parse(text, name, prefix + hlen);
    }

    /** Parses the header dict text (exposed for tests). */
    static NpyHeader parse(String text, String name, long headerBytes) throws InputFormatException {
        Map<String, Object> dict;
        try {
            dict = new LiteralParser(text).parseHeaderDict();
        } catch (IllegalArgumentException e) {
            throw new InputFormatException(name, "cannot parse the .npy header " + quote(text) + ": "
                    + e.getMessage(), "accepted: a header dict like {'descr': '<f4', 'fortran_order': False, "
                    + "'shape': (3, 7, 7), }");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new InputFormatException(name, "the .npy header " + quote(text) + " has no '" + key + "' key",
                        "accepted: a header with the keys 'descr', 'fortran_order' and 'shape'");
            }
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shapeObj = dict.get("shape");
        if (!(fortran instanceof Boolean)) {
            throw new InputFormatException(name, "'fortran_order' in the .npy header is " + fortran
                    + ", not True or False", ACCEPTED);
        }
        if (!(shapeObj instanceof long[])) {
            throw new InputFormatException(name, "'shape' in the .npy header is not a tuple of integers",
                    ACCEPTED);
        }
        long[] shape = (long[]) shapeObj;
        long elements;
        try {
            elements = NpyArray.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new InputFormatException(name, "shape " + NpyArray.shapeString(shape) + " has more elements than "
                    + "fit in 64 bits", ACCEPTED);
        }
        String dtype;
        String problem = null;
        int itemSize = 0;
        if (descr instanceof List) {
            dtype = String.valueOf(((List<?>) descr).get(0));
            problem = "structured dtype " + dtype + " is not supported";
        } else if (!(descr instanceof String)) {
            dtype = String.valueOf(descr);
            problem = "'descr' in the .npy header is " + dtype + ", not a dtype string";
        } else {
            dtype = (String) descr;
            String d = dtype;
            // '<' little-endian; '|' and '=' (not-applicable / native) and no order character are read as
            // little-endian: NumPy writes '<' for floats on every platform it runs on, so these only appear in
            // hand-made files, and little-endian is the only sensible reading.
            if (d.startsWith("<") || d.startsWith("|") || d.startsWith("=")) {
                d = d.substring(1);
            } else if (d.startsWith(">")) {
                problem = "dtype '" + dtype + "' is big-endian, which is not supported (convert with "
                        + "a.astype('<" + d.substring(1) + "'))";
            }
            if (problem == null) {
                if (d.equals("f4")) {
                    dtype = NpyArray.FLOAT32;
                    itemSize = 4;
                } else if (d.equals("f8")) {
                    dtype = NpyArray.FLOAT64;
                    itemSize = 8;
                } else {
                    problem = "dtype '" + dtype + "' is not supported";
                }
            }
        }
        if (problem == null) {
            try {
                Math.multiplyExact(elements, (long) itemSize);
            } catch (ArithmeticException e) {
                throw new InputFormatException(name, "shape " + NpyArray.shapeString(shape) + " has more bytes than "
                        + "fit in 64 bits", ACCEPTED);
            }
        }
        return new NpyHeader(shape, dtype, problem, (Boolean) fortran, headerBytes, elements, itemSize);
    }

    static String quote(String headerText) {
        String t = headerText.strip();
        if (t.length() > 120) {
            t = t.substring(0, 117) + "...";
        }
        return "\"" + t.replace("\n", "\\n") + "\"";
    }

    /**
     * Parser for the Python literal subset in .npy headers: a dict with string keys whose values are strings,
     * True/False, integers (with Python 2's optional 'L' suffix), tuples of integers, or lists (structured descr,
     * kept only to be reported).
     */
    private static final class LiteralParser {
        private final String s;
        private int pos;

        LiteralParser(String s) {
            this.s = s;
        }

        Map<String, Object> parseHeaderDict() {
            skipSpace();
            expect('{');
            Map<String, Object> out = new LinkedHashMap<>();
            skipSpace();
            while (peek() != '}') {
                Object key = value();
                if (!(key instanceof String)) {
                    throw fail("dict key is not a string");
                }
                skipSpace();
                expect(':');
                Object v = value();
                if (out.put((String) key, v) != null) {
                    throw fail("duplicate key '" + key + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != '}') {
                    throw fail("expected ',' or '}'");
                }
            }
            pos++;
            skipSpace();
            if (pos != s.length()) {
                throw fail("unexpected text after the closing '}'");
            }
            return out;
        }

        private Object value() {
            skipSpace();
            char c = peek();
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '(') {
                return tuple();
            }
            if (c == '[') {
                return list();
            }
            if (Character.isDigit(c)) {
                return integer();
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            throw fail("unexpected " + (c == 0 ? "end of header" : "'" + c + "'"));
        }

        private String string() {
            char quote = s.charAt(pos++);
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw fail("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == quote) {
                    return b.toString();
                }
                if (c == '\\' && pos < s.length()) {
                    c = s.charAt(pos++);
                }
                b.append(c);
            }
        }

        private long[] tuple() {
            expect('(');
            List<Long> dims = new ArrayList<>();
            skipSpace();
            while (peek() != ')') {
                if (!Character.isDigit(peek())) {
                    throw fail("shape entries must be non-negative integers");
                }
                dims.add(integer());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                    skipSpace();
                } else if (peek() != ')') {
                    throw fail("expected ',' or ')' in the shape tuple");
                }
            }
            pos++;
            long[] out = new long[dims.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims.get(i);
            }
            return out;
        }

        private List<Object> list() {
            expect('[');
            List<Object> out = new ArrayList<>();
            int depth = 1;
            // structured dtypes are only reported, so keep the raw text of the list
            int start = pos - 1;
            while (depth > 0) {
                if (pos >= s.length()) {
                    throw fail("unterminated list");
                }
                char c = s.charAt(pos++);
                if (c == '[') {
                    depth++;
                } else if (c == ']') {
                    depth--;
                } else if (c == '\'' || c == '"') {
                    pos--;
                    string();
                }
            }
            out.add(s.substring(start, pos));
            return out;
        }

        private long integer() {
            int start = pos;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            String digits = s.substring(start, pos);
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                pos++; // Python 2 long suffix
            }
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw fail("integer " + digits + " is too large");
            }
        }

        private void expect(char c) {
            if (peek() != c) {
                throw fail("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException fail(String what) {
            return new IllegalArgumentException(what + " at character " + pos);
        }
    }
}
