package org.scalespace.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.scalespace.model.FilterBank;

/**
 * Reads the depthwise filters of TFLite models ({@code .tflite}: a FlatBuffer of the TFLite schema, file identifier
 * {@code TFL3} at bytes 4..8), through the bounds-checked {@link FlatBuffer}.
 *
 * <p>A depthwise layer is the filter tensor (input 1) of a {@code DEPTHWISE_CONV_2D} operator, shape [1, k, k, C·M];
 * filter o is W[0, :, :, o] (SPEC §11). Its values come from the tensor's buffer as float32, float16, or int8/uint8
 * dequantized as w = scale_o · (q − zero_point_o) (per tensor, or per channel along dimension 3). When the filter
 * tensor is the output of a {@code DEQUANTIZE} operator (float16 weights, as MediaPipe models store them), the
 * DEQUANTIZE's input is read instead. Layers are named by the stored tensor's name (prefixed {@code subgraph N/}
 * beyond the first subgraph), in operator order; a tensor shared by several operators is one layer. Filters that are
 * not square, odd and 3..31 wide, tensors of other types or with sparsity, and tensors whose buffer is empty (values
 * computed at run time) are skipped with a note.
 *
 * <p>Buffers are read from the {@code data} vector, or, for models past 2 GB, from {@code offset}/{@code size} into
 * the file. The operators' stride, dilation and padding are not read: {@link FilterBank} holds filter values only.
 */
public final class TfliteReader {

    static final String ACCEPTED = "accepted: a TFLite model (FlatBuffer with file identifier TFL3, schema version 3)";
    static final String ACCEPTED_FILTERS = "accepted: DEPTHWISE_CONV_2D filter tensors [1,k,k,C·M] with k odd, "
            + FilterChecks.MIN_K + ".." + FilterChecks.MAX_K
            + ", FLOAT32, FLOAT16 (directly or behind DEQUANTIZE), INT8 or UINT8 with scale and zero point";
    static final String ACCEPTED_QUANT = "accepted: scale and zero_point of length 1 (per tensor) or C·M along "
            + "quantized_dimension 3, finite scales";

    /** The TFLite file identifier, bytes 4..8. */
    static final String IDENTIFIER = "TFL3";
    static final int SCHEMA_VERSION = 3;

    static final int DEPTHWISE_CONV_2D = 4;
    static final int DEQUANTIZE = 6;

    static final int FLOAT32 = 0;
    static final int FLOAT16 = 1;
    static final int UINT8 = 3;
    static final int INT8 = 9;

    // Field ids of the tables read (schema.fbs).
    private static final int MODEL_VERSION = 0;
    private static final int MODEL_OPERATOR_CODES = 1;
    private static final int MODEL_SUBGRAPHS = 2;
    private static final int MODEL_BUFFERS = 4;
    private static final int CODE_DEPRECATED_BUILTIN = 0;
    private static final int CODE_BUILTIN = 3;
    private static final int SUBGRAPH_TENSORS = 0;
    private static final int SUBGRAPH_OPERATORS = 3;
    private static final int OPERATOR_OPCODE_INDEX = 0;
    private static final int OPERATOR_INPUTS = 1;
    private static final int OPERATOR_OUTPUTS = 2;
    private static final int TENSOR_SHAPE = 0;
    private static final int TENSOR_TYPE = 1;
    private static final int TENSOR_BUFFER = 2;
    private static final int TENSOR_NAME = 3;
    private static final int TENSOR_QUANTIZATION = 4;
    private static final int TENSOR_SPARSITY = 6;
    private static final int QUANT_SCALE = 2;
    private static final int QUANT_ZERO_POINT = 3;
    private static final int QUANT_DIMENSION = 6;
    private static final int BUFFER_DATA = 0;
    private static final int BUFFER_OFFSET = 1;
    private static final int BUFFER_SIZE = 2;

    /** The most DEQUANTIZE operators followed from a filter tensor back to its stored weights. */
    static final int MAX_DEQUANTIZE_HOPS = 1;

    /** Files up to this size are read into memory; larger ones are mapped. */
    private static final long IN_MEMORY_LIMIT = 64L << 20;

    private TfliteReader() {
    }

    /** True when {@code head} (the first bytes of a file) carries the TFLite file identifier at bytes 4..8. */
    static boolean sniff(byte[] head) {
        return head.length >= 8 && head[4] == 'T' && head[5] == 'F' && head[6] == 'L' && head[7] == '3';
    }

    /**
     * Reads every depthwise layer of a TFLite model as one {@link FilterBank} per filter tensor, in operator order.
     * Depthwise operators whose filters are skipped each give a line to {@code notes}; a model without any readable
     * depthwise layer is an error that lists what was skipped.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        return readLayers(file, notes, true);
    }

    /**
     * As {@link #readFilters}, with the value checks of {@link FilterChecks#validate(FilterBank)} applied or not
     * (the structure, sizes and quantization parameters are always checked).
     */
    static List<FilterBank> readLayers(Path file, Consumer<String> notes, boolean validate) throws IOException {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new InputFormatException(name, "file is empty", ACCEPTED);
            }
            if (size < 8) {
                throw new InputFormatException(name, "file has only " + size + " bytes, too short for a FlatBuffer "
                        + "root offset and file identifier", ACCEPTED);
            }
            return new Walk(name, new FlatBuffer(contents(ch, size, name)), ch, size, notes, validate).run();
        }
    }

    /**
     * The first 2 GB of the file (the most a FlatBuffer can address): read into memory when small, else mapped, so
     * that only the pages of the tensors read are touched.
     */
    private static ByteBuffer contents(FileChannel ch, long size, String name) throws IOException {
        if (size > IN_MEMORY_LIMIT) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
        }
        ByteBuffer b = ByteBuffer.allocate((int) size);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                throw new InputFormatException(name, "file ended early at byte " + b.position()
                        + " (it changed while being read?)", ACCEPTED);
            }
        }
        return b.flip();
    }

    /** One reading of a model: the flatbuffer, where in it we are (for messages), and what was skipped. */
    private static final class Walk {
        private final String name;
        private final FlatBuffer fb;
        private final FileChannel ch;
        private final long fileSize;
        private final Consumer<String> notes;
        private final boolean validate;
        private final List<String> skipped = new ArrayList<>();
        private String where = "model";

        Walk(String name, FlatBuffer fb, FileChannel ch, long fileSize, Consumer<String> notes, boolean validate) {
            this.name = name;
            this.validate = validate;
            this.fb = fb;
            this.ch = ch;
            this.fileSize = fileSize;
            this.notes = notes;
        }

        private InputFormatException error(String problem, String accepted) {
            return new InputFormatException(name, where + ": " + problem, accepted);
        }

        List<FilterBank> run() throws IOException {
            try {
                return walk();
            } catch (FlatBuffer.Malformed e) {
                throw new InputFormatException(name, where + ": " + e.getMessage()
                        + " (truncated or corrupt FlatBuffer)", ACCEPTED);
            }
        }

        private List<FilterBank> walk() throws IOException {
            if (!IDENTIFIER.equals(fb.identifier())) {
                throw error("file identifier is '" + printable(fb.identifier()) + "', not '" + IDENTIFIER + "'",
                        ACCEPTED);
            }
            FlatBuffer.Table model = fb.root();
            long version = model.u32(MODEL_VERSION, 0);
            if (version != SCHEMA_VERSION) {
                throw error("schema version " + version + ", not " + SCHEMA_VERSION, ACCEPTED);
            }
            int[] codes = opcodes(model);
            FlatBuffer.Vector buffers = model.vector(MODEL_BUFFERS, 4, "buffers");
            FlatBuffer.Vector subgraphs = model.vector(MODEL_SUBGRAPHS, 4, "subgraphs");
            List<FilterBank> banks = new ArrayList<>();
            for (int s = 0; s < subgraphs.length(); s++) {
                where = "subgraph " + s;
                readSubgraph(s, model.tableAt(subgraphs, s, "subgraph table"), codes, model, buffers, banks);
            }
            where = "model";
            if (banks.isEmpty()) {
                throw error("no depthwise layer found" + (skipped.isEmpty()
                        ? " (no DEPTHWISE_CONV_2D operator in " + subgraphs.length() + " subgraph"
                        + (subgraphs.length() == 1 ? "" : "s") + ")"
                        : " (skipped " + NpzReader.summary(skipped) + ")"), ACCEPTED_FILTERS);
            }
            return banks;
        }

        /** The builtin operator of each operator code: the larger of builtin_code and deprecated_builtin_code. */
        private int[] opcodes(FlatBuffer.Table model) {
            FlatBuffer.Vector v = model.vector(MODEL_OPERATOR_CODES, 4, "operator_codes");
            int[] codes = new int[v.length()];
            for (int i = 0; i < codes.length; i++) {
                where = "operator code " + i;
                FlatBuffer.Table c = model.tableAt(v, i, "operator code table");
                codes[i] = Math.max(c.i8(CODE_DEPRECATED_BUILTIN, 0), c.i32(CODE_BUILTIN, 0));
            }
            return codes;
        }

        private void readSubgraph(int s, FlatBuffer.Table sg, int[] codes, FlatBuffer.Table model,
                FlatBuffer.Vector buffers, List<FilterBank> banks) throws IOException {
            FlatBuffer.Vector tensors = sg.vector(SUBGRAPH_TENSORS, 4, "tensors");
            FlatBuffer.Vector ops = sg.vector(SUBGRAPH_OPERATORS, 4, "operators");
            String sub = "subgraph " + s;
            // DEQUANTIZE operators by the tensor they produce, and the depthwise operators' filter inputs
            Map<Integer, Integer> dequantized = new HashMap<>();
            List<int[]> depthwise = new ArrayList<>(); // {operator, filter tensor}
            for (int o = 0; o < ops.length(); o++) {
                where = sub + ", operator " + o;
                FlatBuffer.Table op = sg.tableAt(ops, o, "operator table");
                long idx = op.u32(OPERATOR_OPCODE_INDEX, 0);
                if (idx >= codes.length) {
                    throw error("opcode_index " + idx + " is out of range (" + codes.length + " operator codes)",
                            ACCEPTED);
                }
                int code = codes[(int) idx];
                if (code == DEQUANTIZE) {
                    int[] in = op.ints(OPERATOR_INPUTS, "inputs");
                    int[] out = op.ints(OPERATOR_OUTPUTS, "outputs");
                    if (in.length >= 1 && out.length >= 1) {
                        dequantized.putIfAbsent(out[0], in[0]);
                    }
                } else if (code == DEPTHWISE_CONV_2D) {
                    int[] in = op.ints(OPERATOR_INPUTS, "inputs");
                    if (in.length < 2) {
                        throw error("DEPTHWISE_CONV_2D has " + in.length + " input(s), no filter tensor",
                                "accepted: inputs [input, filter, bias]");
                    }
                    depthwise.add(new int[] {o, in[1]});
                }
            }
            Set<Integer> seen = new HashSet<>();
            for (int[] d : depthwise) {
                where = sub + ", operator " + d[0];
                int t = checkTensorIndex(d[1], tensors.length(), "filter");
                for (int hop = 0; hop < MAX_DEQUANTIZE_HOPS && dequantized.containsKey(t); hop++) {
                    t = checkTensorIndex(dequantized.get(t), tensors.length(), "DEQUANTIZE input");
                }
                if (!seen.add(t)) {
                    continue;
                }
                where = sub + ", tensor " + t;
                FlatBuffer.Table tensor = sg.tableAt(tensors, t, "tensor table");
                String tname = tensor.string(TENSOR_NAME, "name");
                String layer = (s == 0 ? "" : "subgraph" + s + "/") + (tname == null || tname.isEmpty()
                        ? "tensor " + t : tname);
                where = sub + ", tensor " + t + " '" + layer + "'";
                FilterBank bank = readTensor(tensor, layer, model, buffers);
                if (bank != null) {
                    banks.add(bank);
                }
            }
        }

        private int checkTensorIndex(long i, int count, String role) throws InputFormatException {
            if (i < 0 || i >= count) {
                throw error(role + " tensor index " + i + " is out of range (" + count + " tensors)", ACCEPTED);
            }
            return (int) i;
        }

        private void skip(String layer, String why) {
            skipped.add("tensor '" + layer + "': " + why);
            notes.accept(name + ": skipped tensor '" + layer + "': " + why);
        }

        /** The bank of one filter tensor, or null (with a note) when it is skipped. */
        private FilterBank readTensor(FlatBuffer.Table tensor, String layer, FlatBuffer.Table model,
                FlatBuffer.Vector buffers) throws IOException {
            int[] shape = tensor.ints(TENSOR_SHAPE, "shape");
            String shapeText = shapeString(shape);
            int type = tensor.i8(TENSOR_TYPE, FLOAT32);
            if (shape.length != 4 || shape[0] != 1 || shape[3] < 0) {
                skip(layer, "shape " + shapeText + " is not a depthwise filter [1,k,k,C·M]");
                return null;
            }
            if (shape[1] != shape[2]) {
                skip(layer, "shape " + shapeText + ": filters are " + shape[1] + "×" + shape[2] + ", not square");
                return null;
            }
            String kp = FilterChecks.kProblem(shape[1]);
            if (kp != null) {
                skip(layer, "shape " + shapeText + ": " + kp);
                return null;
            }
            int itemSize = switch (type) {
                case FLOAT32 -> 4;
                case FLOAT16 -> 2;
                case INT8, UINT8 -> 1;
                default -> 0;
            };
            if (itemSize == 0) {
                skip(layer, "type " + typeName(type) + " is not FLOAT32, FLOAT16, INT8 or UINT8");
                return null;
            }
            if (tensor.has(TENSOR_SPARSITY)) {
                skip(layer, "sparse tensors are not read");
                return null;
            }
            int k = shape[1];
            int n = shape[3];
            if (n == 0) {
                throw error("shape " + shapeText + " has no filters", ACCEPTED_FILTERS);
            }
            if (n > NpyReader.MAX_ELEMENTS / (k * k)) {
                throw error("shape " + shapeText + " has too many elements", ACCEPTED_FILTERS);
            }
            long elements = (long) n * k * k;
            ByteBuffer raw = bufferData(tensor, model, buffers, elements * itemSize, shapeText, type);
            if (raw == null) {
                skip(layer, "its buffer is empty: the values are not stored in the model (computed or fed at run "
                        + "time)");
                return null;
            }
            double[] scale = null;
            double[] zero = null;
            if (type == INT8 || type == UINT8) {
                FlatBuffer.Table q = tensor.table(TENSOR_QUANTIZATION, "quantization");
                float[] sc = q == null ? new float[0] : q.floats(QUANT_SCALE, "scale");
                long[] zp = q == null ? new long[0] : q.longs(QUANT_ZERO_POINT, "zero_point");
                int dim = q == null ? 0 : q.i32(QUANT_DIMENSION, 0);
                if (sc.length != 1 && sc.length != n) {
                    throw error(typeName(type) + " weights with " + sc.length + " scales for " + n + " filters",
                            ACCEPTED_QUANT);
                }
                if (sc.length > 1 && dim != 3) {
                    throw error("per-channel quantization along dimension " + dim + ", not 3 (the filters)",
                            ACCEPTED_QUANT);
                }
                if (zp.length != 0 && zp.length != sc.length) {
                    throw error(sc.length + " scales but " + zp.length + " zero points", ACCEPTED_QUANT);
                }
                scale = new double[sc.length];
                zero = new double[sc.length];
                for (int i = 0; i < sc.length; i++) {
                    if (!Float.isFinite(sc[i])) {
                        throw error("scale " + i + " is " + sc[i], ACCEPTED_QUANT);
                    }
                    scale[i] = sc[i];
                    zero[i] = zp.length == 0 ? 0 : zp[i];
                }
            }
            double[] data = new double[(int) elements];
            int kk = k * k;
            for (int j = 0; j < kk; j++) { // j = row·k + col; the n filters of one tap are contiguous
                for (int o = 0; o < n; o++) {
                    int e = j * n + o;
                    double v = switch (type) {
                        case FLOAT32 -> raw.getFloat(4 * e);
                        case FLOAT16 -> SafetensorsReader.halfToFloat(raw.getShort(2 * e));
                        case INT8 -> raw.get(e);
                        default -> raw.get(e) & 0xff;
                    };
                    if (scale != null) {
                        int c = scale.length == 1 ? 0 : o;
                        v = scale[c] * (v - zero[c]);
                    }
                    data[o * kk + j] = v;
                }
            }
            FilterBank bank = new FilterBank(name, layer, k, n, data);
            if (validate) {
                FilterChecks.validate(bank);
            }
            return bank;
        }

        /**
         * The tensor's bytes (little-endian), exactly {@code bytes} long, from its buffer; null when the buffer is
         * empty.
         */
        private ByteBuffer bufferData(FlatBuffer.Table tensor, FlatBuffer.Table model, FlatBuffer.Vector buffers,
                long bytes, String shapeText, int type) throws IOException {
            long bi = tensor.u32(TENSOR_BUFFER, 0);
            if (bi >= buffers.length()) {
                throw error("buffer index " + bi + " is out of range (" + buffers.length() + " buffers)", ACCEPTED);
            }
            FlatBuffer.Table b = model.tableAt(buffers, (int) bi, "buffer table");
            FlatBuffer.Vector data = b.vector(BUFFER_DATA, 1, "buffer " + bi + " data");
            long offset = b.i64(BUFFER_OFFSET, 0);
            long size = b.i64(BUFFER_SIZE, 0);
            String need = typeName(type) + " × " + shapeText + " needs " + bytes;
            if (data.length() == 0 && offset > 1) {
                // large models: the data lies outside the FlatBuffer, at an absolute file offset
                if (size < 0 || offset > fileSize || size > fileSize - offset) {
                    throw error("buffer " + bi + " has offset " + Long.toUnsignedString(offset) + " and size "
                            + Long.toUnsignedString(size) + ", past the end of the file (" + fileSize + " bytes)",
                            ACCEPTED);
                }
                if (size != bytes) {
                    throw error("buffer " + bi + " holds " + size + " bytes but " + need, ACCEPTED_FILTERS);
                }
                ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                long pos = offset;
                while (out.hasRemaining()) {
                    int r = ch.read(out, pos);
                    if (r < 0) {
                        throw error("file ended early at byte " + pos + " (it changed while being read?)", ACCEPTED);
                    }
                    pos += r;
                }
                return out.flip();
            }
            if (data.length() == 0) {
                return null; // the values are computed or fed at run time: the caller skips the tensor
            }
            if (data.length() != bytes) {
                throw error("buffer " + bi + " holds " + data.length() + " bytes but " + need, ACCEPTED_FILTERS);
            }
            return ByteBuffer.wrap(fb.bytes(data.start(), data.length())).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    static String typeName(int type) {
        return switch (type) {
            case 0 -> "FLOAT32";
            case 1 -> "FLOAT16";
            case 2 -> "INT32";
            case 3 -> "UINT8";
            case 4 -> "INT64";
            case 5 -> "STRING";
            case 6 -> "BOOL";
            case 7 -> "INT16";
            case 8 -> "COMPLEX64";
            case 9 -> "INT8";
            case 10 -> "FLOAT64";
            default -> String.valueOf(type);
        };
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.toString();
    }
}
