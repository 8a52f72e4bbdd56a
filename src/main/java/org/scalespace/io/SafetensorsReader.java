package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.scalespace.model.FilterBank;

/**
 * Reads depthwise filters from <a href="https://github.com/huggingface/safetensors">safetensors</a> files: an 8-byte
 * little-endian header length N, N bytes of JSON header
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {..}}}),
 * then the data region, to which the offsets are relative.
 *
 * <p>The header is checked before any tensor is read: its length against the file size (and a 100 MB limit, as in the
 * reference implementation), its JSON syntax, every entry's fields, every tensor's offsets (inside the data region,
 * {@code end - begin} = element count × dtype size for every known dtype) and that no two tensors overlap.
 * Only the depthwise tensors are then read, so large model files cost little memory.
 */
public final class SafetensorsReader {

    /** Header size limit of the reference implementation. */
    static final long MAX_HEADER_LENGTH = 100_000_000L;
    static final String ACCEPTED = "accepted: a safetensors file (8-byte little-endian header length, "
            + "JSON header, data region)";
    static final String ACCEPTED_FILTERS = "accepted: depthwise tensors of shape (C,1,k,k) with k odd, "
            + FilterChecks.MIN_K + ".." + FilterChecks.MAX_K + ", dtype F32, F64, F16 or BF16";
    static final String ACCEPTED_OFFSETS = "accepted: data_offsets [begin, end] inside the data region, "
            + "end - begin = element count × dtype size, tensors not overlapping";

    /** Bytes per element of the safetensors dtypes (sub-byte dtypes are not listed: their sizes are not checked). */
    private static final Map<String, Integer> DTYPE_SIZE = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1),
            Map.entry("F8_E4M3", 1), Map.entry("F8_E8M0", 1), Map.entry("I16", 2), Map.entry("U16", 2),
            Map.entry("F16", 2), Map.entry("BF16", 2), Map.entry("I32", 4), Map.entry("U32", 4),
            Map.entry("F32", 4), Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8),
            Map.entry("C64", 8));
    private static final Set<String> FLOAT_DTYPES = Set.of("F32", "F64", "F16", "BF16");

    /**
     * One tensor of the header.
     *
     * @param begin start of its data, relative to the data region
     * @param end   end (exclusive) of its data, relative to the data region
     */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of elements (product of the shape). */
        public long elements() {
            return NpyArray.elementCount(shape);
        }
    }

    /** The parsed header: tensors in header order and the absolute file offset of the data region. */
    private record Header(List<TensorInfo> tensors, long dataStart) {
    }

    private SafetensorsReader() {
    }

    /** The tensors listed in a file's header (in header order), after all the header checks. */
    public static List<TensorInfo> tensors(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readHeader(ch, file.toString()).tensors();
        }
    }

    /**
     * Reads every depthwise tensor, shape (C,1,k,k) with k odd 3..31 and dtype F32/F64/F16/BF16 (converted to double),
     * as one {@link FilterBank} named by the tensor, in natural name order ({@code blocks.2} before
     * {@code blocks.10}). Other tensors are skipped, each with a line to {@code notes}; a file without any depthwise
     * tensor is an error that lists what was skipped and why.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = readHeader(ch, name);
            List<FilterBank> banks = new ArrayList<>();
            for (TensorInfo t : depthwise(header, name, notes)) {
                double[] data = readTensor(ch, header.dataStart(), t, name);
                int k = (int) t.shape()[3];
                FilterBank bank = new FilterBank(name, t.name(), k, (int) t.shape()[0], data);
                FilterChecks.validate(bank);
                banks.add(bank);
            }
            return banks;
        }
    }

    /**
     * The depthwise tensors of {@link #readFilters} as layer sources that read a slice at a time straight from the
     * file at the tensor's offset (for fitting tensors larger than memory): the header is checked and the skipped
     * tensors are reported now; values are converted and checked as slices are read, with the messages of
     * {@link #readFilters}.
     */
    static List<LayerSource> open(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        Header header;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            header = readHeader(ch, name);
        }
        List<LayerSource> out = new ArrayList<>();
        for (TensorInfo t : depthwise(header, name, notes)) {
            String dtype = t.dtype();
            NpyLayerSource.Decoder d = (bb, n, dst, off) -> decode(dtype, bb, n, dst, off);
            out.add(NpyLayerSource.at(file, t.name(), (int) t.shape()[3], (int) t.shape()[0],
                    header.dataStart() + t.begin(), DTYPE_SIZE.get(dtype), d, "tensor '" + t.name() + "'", null));
        }
        return out;
    }

    /**
     * The depthwise tensors of a header in natural name order ({@code blocks.2} before {@code blocks.10}); the others
     * are reported to {@code notes}, and a header without any is an error that lists what was skipped and why.
     */
    private static List<TensorInfo> depthwise(Header header, String name, Consumer<String> notes)
            throws InputFormatException {
        List<TensorInfo> depthwise = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (TensorInfo t : header.tensors()) {
            String why = skipReason(t);
            if (why == null) {
                depthwise.add(t);
            } else {
                skipped.add("tensor '" + t.name() + "': " + why);
                notes.accept(name + ": skipped tensor '" + t.name() + "': " + why);
            }
        }
        if (depthwise.isEmpty()) {
            throw new InputFormatException(name, "no depthwise tensor found"
                    + (skipped.isEmpty() ? " (the file has no tensors)"
                    : " (skipped " + NpzReader.summary(skipped) + ")"), ACCEPTED_FILTERS);
        }
        depthwise.sort(Comparator.comparing(TensorInfo::name, SafetensorsReader::compareNatural));
        return depthwise;
    }

    /** Null for a depthwise float tensor, else why it is skipped. */
    private static String skipReason(TensorInfo t) {
        String p = FilterChecks.depthwiseProblem(t.shape());
        if (p != null) {
            return p;
        }
        if (!FLOAT_DTYPES.contains(t.dtype())) {
            return "dtype " + t.dtype() + " is not one of F32, F64, F16, BF16";
        }
        return null;
    }

    private static Header readHeader(FileChannel ch, String name) throws IOException {
        long size = ch.size();
        if (size == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        if (size < 8) {
            throw new InputFormatException(name, "file has only " + size + " bytes, too short for the 8-byte "
                    + "header length", ACCEPTED);
        }
        ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lb, 0, name);
        long n = lb.getLong(0);
        if (n < 0 || n > size - 8) {
            throw new InputFormatException(name, "header length " + Long.toUnsignedString(n)
                    + " runs past the end of the file (" + size + " bytes): the file is truncated or not safetensors",
                    ACCEPTED);
        }
        if (n > MAX_HEADER_LENGTH) {
            throw new InputFormatException(name, "header length " + n + " exceeds the limit of "
                    + MAX_HEADER_LENGTH + " bytes", ACCEPTED);
        }
        if (n < 2) {
            throw new InputFormatException(name, "header length " + n + " is too short for a JSON object",
                    ACCEPTED);
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, name);
        List<TensorInfo> tensors = parseHeader(hb.array(), name);
        long dataLength = size - 8 - n;
        checkOffsets(tensors, dataLength, name);
        return new Header(tensors, 8 + n);
    }

    private static List<TensorInfo> parseHeader(byte[] json, String name) throws InputFormatException {
        List<TensorInfo> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        JsonParser p = null;
        try {
            p = new JsonFactory().createParser(json);
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InputFormatException(name, "the JSON header is not an object", ACCEPTED);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String tensor = p.currentName();
                JsonToken t = p.nextToken();
                if ("__metadata__".equals(tensor)) {
                    p.skipChildren();
                    continue;
                }
                if (!seen.add(tensor)) {
                    throw new InputFormatException(name, "tensor '" + tensor + "' appears twice in the header",
                            ACCEPTED);
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new InputFormatException(name, "tensor '" + tensor + "': header entry is not a JSON object",
                            "accepted: {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]}");
                }
                out.add(parseTensor(p, tensor, name));
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new InputFormatException(name, "unexpected content after the JSON header object", ACCEPTED);
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new InputFormatException(name, "the header is not valid JSON (" + NpzReader.oneLine(
                    new Exception(e.getOriginalMessage())) + where + ")", ACCEPTED, e);
        } catch (InputFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new InputFormatException(name, "the header cannot be decoded as JSON (" + NpzReader.oneLine(e)
                    + ")", ACCEPTED, e);
        } finally {
            if (p != null) {
                try {
                    p.close();
                } catch (IOException ignored) {
                    // in-memory parser
                }
            }
        }
        return out;
    }

    private static TensorInfo parseTensor(JsonParser p, String tensor, String name) throws IOException {
        String what = "tensor '" + tensor + "'";
        String dtype = null;
        long[] shape = null;
        long[] offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        throw new InputFormatException(name, what + ": 'dtype' is not a string", ACCEPTED_FILTERS);
                    }
                    dtype = p.getText();
                }
                case "shape" -> shape = longArray(p, what + ": 'shape'", name);
                case "data_offsets" -> {
                    offsets = longArray(p, what + ": 'data_offsets'", name);
                    if (offsets.length != 2) {
                        throw new InputFormatException(name, what + ": 'data_offsets' has " + offsets.length
                                + " entries", "accepted: [begin, end]");
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            String missing = dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw new InputFormatException(name, what + " has no '" + missing + "'",
                    "accepted: {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]}");
        }
        try {
            NpyArray.elementCount(shape);
        } catch (ArithmeticException e) {
            throw new InputFormatException(name, what + ": shape " + NpyArray.shapeString(shape)
                    + " has too many elements", ACCEPTED);
        }
        return new TensorInfo(tensor, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] longArray(JsonParser p, String what, String name) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new InputFormatException(name, what + " is not an array", "accepted: an array of "
                    + "non-negative integers");
        }
        List<Long> values = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 0) {
                throw new InputFormatException(name, what + " holds " + p.getText(), "accepted: an array of "
                        + "non-negative integers");
            }
            values.add(p.getLongValue());
        }
        long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static void checkOffsets(List<TensorInfo> tensors, long dataLength, String name)
            throws InputFormatException {
        for (TensorInfo t : tensors) {
            String what = "tensor '" + t.name() + "'";
            String span = "data_offsets [" + t.begin() + ", " + t.end() + "]";
            if (t.begin() > t.end()) {
                throw new InputFormatException(name, what + ": " + span + " end before they begin", ACCEPTED_OFFSETS);
            }
            if (t.end() > dataLength) {
                throw new InputFormatException(name, what + ": " + span + " run past the data region ("
                        + dataLength + " bytes)", ACCEPTED_OFFSETS);
            }
            Integer itemSize = DTYPE_SIZE.get(t.dtype());
            if (itemSize != null) {
                long need;
                try {
                    need = Math.multiplyExact(t.elements(), (long) itemSize);
                } catch (ArithmeticException e) {
                    need = Long.MAX_VALUE;
                }
                if (t.end() - t.begin() != need) {
                    throw new InputFormatException(name, what + ": " + span + " span " + (t.end() - t.begin())
                            + " bytes but dtype " + t.dtype() + " × shape " + NpyArray.shapeString(t.shape())
                            + " needs " + need, ACCEPTED_OFFSETS);
                }
            }
        }
        List<TensorInfo> byStart = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (t.end() > t.begin()) {
                byStart.add(t);
            }
        }
        byStart.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < byStart.size(); i++) {
            TensorInfo a = byStart.get(i - 1);
            TensorInfo b = byStart.get(i);
            if (b.begin() < a.end()) {
                throw new InputFormatException(name, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end()
                        + "] and '" + b.name() + "' [" + b.begin() + ", " + b.end() + "] overlap", ACCEPTED_OFFSETS);
            }
        }
    }

    private static double[] readTensor(FileChannel ch, long dataStart, TensorInfo t, String name) throws IOException {
        int n = (int) t.elements(); // ≤ NpyReader.MAX_ELEMENTS (FilterChecks.depthwiseProblem)
        int size = (int) ((t.end() - t.begin()) / n); // bytes per element
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (8L * n > free) {
            throw new InputFormatException(name, "tensor '" + t.name() + "' needs " + ((8L * n) >> 20) + " MiB as "
                    + "doubles and the Java heap has " + (free >> 20) + " MiB free", "fit streams it (scalespace fit "
                    + "FILE); elsewhere give the JVM more with SCALESPACE_JAVA_OPTS=-Xmx…");
        }
        double[] out = new double[n];
        // in pieces, so a tensor of 2³¹ bytes or more needs no byte array of its size
        int piece = (16 << 20) / size;
        ByteBuffer bb = ByteBuffer.allocate(piece * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < n; done += piece) {
            int m = Math.min(piece, n - done);
            bb.clear().limit(m * size);
            readFully(ch, bb, dataStart + t.begin() + (long) done * size, name);
            decode(t.dtype(), bb, m, out, done);
        }
        return out;
    }

    /** Converts {@code n} little-endian elements of a float dtype at the start of {@code bb} to doubles. */
    static void decode(String dtype, ByteBuffer bb, int n, double[] out, int off) {
        switch (dtype) {
            case "F32" -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = bb.getFloat(4 * i);
                }
            }
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = bb.getDouble(8 * i);
                }
            }
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = halfToFloat(bb.getShort(2 * i));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    out[off + i] = bfloat16ToFloat(bb.getShort(2 * i));
                }
            }
            default -> throw new IllegalStateException("unexpected dtype " + dtype);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position, String name) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new InputFormatException(name, "file ended early at byte " + pos + " (it changed while being "
                        + "read?)", ACCEPTED);
            }
            pos += r;
        }
    }

    /** IEEE 754 binary16 (bits in the low 16 bits of {@code h}) to float; exact. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        float v;
        if (exp == 0) {
            v = mant * 0x1p-24f; // zero or subnormal
        } else if (exp == 31) {
            v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((exp + 112) << 23) | (mant << 13));
        }
        return (bits & 0x8000) != 0 ? -v : v;
    }

    /** bfloat16 (the upper half of a float32) to float; exact. */
    static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Compares names with digit runs as numbers, so {@code blocks.2} sorts before {@code blocks.10}. */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String da = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String db = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = da.length() != db.length() ? Integer.compare(da.length(), db.length()) : da.compareTo(db);
                if (c != 0) {
                    return c;
                }
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }
}
