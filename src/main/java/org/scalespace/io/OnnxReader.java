package org.scalespace.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.scalespace.model.FilterBank;

/**
 * Reads depthwise filters from ONNX models ({@code .onnx}): a protobuf {@code ModelProto} read field by field with
 * {@link ProtoReader}, without generated classes or a protobuf library (only a handful of fields are needed, and a
 * hand-written reader checks every length before it allocates).
 *
 * <p>Fields read: {@code ModelProto.graph}; {@code GraphProto.node, initializer}; {@code NodeProto.input, output,
 * name, op_type, attribute}; {@code AttributeProto.name, i, ints, t, g, graphs} (the graphs of {@code If}/{@code Loop}/
 * {@code Scan} are searched too); {@code TensorProto.dims, data_type, raw_data, float_data, int32_data, int64_data,
 * double_data, name, data_location, external_data}.
 *
 * <p>A depthwise layer is a {@code Conv} or {@code QLinearConv} node whose weight has shape (C·M, 1, k, k) and whose
 * {@code group} divides C·M (so the input channels equal the groups), k odd and square, 3..31. The weight is an
 * initializer or the value of a {@code Constant} node, possibly reached through {@code Identity} nodes, and possibly
 * int8/uint8 behind {@code DequantizeLinear} (per tensor, or per output channel with {@code axis} 0) or as the
 * {@code w} of a {@code QLinearConv}, dequantized as w = scale_o·(q − zero_point_o). Float, double, float16 and
 * bfloat16 weights are read as they are (float16/bfloat16 from {@code raw_data} or as 16-bit values in
 * {@code int32_data}).
 *
 * <p>One layer per weight tensor, named by the tensor, in the order its first node appears; a weight shared by several
 * nodes is one layer, with a note naming the nodes. Strides, dilations and pads are not part of {@link FilterBank}:
 * a layer whose node has a stride or dilation other than 1, or padding other than k/2 on every side, gets a note
 * giving them.
 *
 * <p>External data ({@code data_location = EXTERNAL}, {@code external_data} keys {@code location}, {@code offset},
 * {@code length}) is read only from files inside the model's own directory: absolute locations, {@code ..}
 * segments and symbolic links that lead out of the directory are refused.
 */
public final class OnnxReader {

    static final String ACCEPTED = "accepted: an ONNX model (protobuf ModelProto with a graph)";
    static final String ACCEPTED_FILTERS = "accepted: Conv/QLinearConv nodes with group = input channels and a "
            + "weight initializer of shape (C*M,1,k,k), k odd, " + FilterChecks.MIN_K + ".." + FilterChecks.MAX_K
            + ", float, double, float16, bfloat16, or int8/uint8 behind DequantizeLinear or in QLinearConv";
    static final String ACCEPTED_EXTERNAL = "accepted: external data files inside the model's directory "
            + "(relative location, no '..', no links leading out)";

    /** Graph nesting limit (subgraphs of If/Loop/Scan inside each other). */
    static final int MAX_DEPTH = 32;
    /** Most dimensions a tensor may have. */
    static final int MAX_DIMS = 32;

    /** ONNX TensorProto.DataType values used here. */
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int BFLOAT16 = 16;

    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
    private static final int[] TYPE_SIZES = {0, 4, 1, 1, 2, 2, 4, 8, 0, 1, 2, 8, 4, 8, 8, 16, 2};
    private static final Set<String> GEOMETRY = Set.of("group", "kernel_shape", "strides", "dilations", "pads",
            "axis", "auto_pad");

    /** A tensor as declared: where its message lies, its shape and type, where its raw bytes are. */
    record Tensor(String name, long[] dims, long elements, int dataType, int start, int end, int rawStart,
                  int rawLength, boolean external, Map<String, String> externalData) {
        boolean hasRaw() {
            return rawStart >= 0;
        }
    }

    /** A node: its attributes of interest (integers, strings by name), a Constant's value. */
    record Node(String name, String op, List<String> inputs, List<String> outputs, Map<String, long[]> ints,
                Map<String, String> strings, Tensor value) {
        long attr(String key, long otherwise) {
            long[] v = ints.get(key);
            return v == null || v.length != 1 ? otherwise : v[0];
        }

        String label() {
            return "node '" + name + "' (" + op + ")";
        }
    }

    /** How a weight is dequantized. */
    private record Quant(Tensor scale, Tensor zeroPoint, int axis, String via) {
    }

    /** A weight tensor found to be a depthwise layer, and the nodes that use it. */
    private record Plan(Tensor weight, Quant quant, int k, List<String> nodes) {
    }

    /** Everything collected from the graph and its subgraphs. */
    private static final class Model {
        final List<Node> nodes = new ArrayList<>();
        final Map<String, Tensor> tensors = new HashMap<>();
        final Map<String, Node> producers = new HashMap<>();
    }

    private final Path file;
    private final String name;
    private final ByteBuffer buf;

    private OnnxReader(Path file, ByteBuffer buf) {
        this.file = file;
        this.name = file.toString();
        this.buf = buf;
    }

    /**
     * Reads every depthwise layer of an ONNX model as one {@link FilterBank} per weight tensor. Conv nodes that are
     * not depthwise are skipped, each with a line to {@code notes} (ordinary dense convolutions in one summary line);
     * a model without any depthwise layer is an error that says what was skipped.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new InputFormatException(name, "file is empty", ACCEPTED);
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new InputFormatException(name, "file has " + size + " bytes, more than a protobuf message "
                        + "may hold (2 GiB)", ACCEPTED + " (larger models keep their weights as external data)");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size).order(ByteOrder.LITTLE_ENDIAN);
            return new OnnxReader(file, buf).read(notes);
        }
    }

    private List<FilterBank> read(Consumer<String> notes) throws IOException {
        Model m = new Model();
        boolean graphSeen = false;
        ProtoReader r = new ProtoReader(buf, 0, buf.capacity(), name, "ModelProto");
        while (r.hasNext()) {
            int f = r.nextField();
            if (f == 7) {
                graphSeen = true;
                parseGraph(r.message("graph"), "graph", 1, m);
            } else {
                r.skip();
            }
        }
        if (!graphSeen) {
            throw new InputFormatException(name, "the model has no graph (not an ONNX model?)", ACCEPTED);
        }
        for (Node n : m.nodes) {
            for (String o : n.outputs()) {
                m.producers.putIfAbsent(o, n);
            }
        }
        Map<String, Plan> plans = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        int dense = 0;
        for (Node n : m.nodes) {
            boolean q = n.op().equals("QLinearConv");
            if (!n.op().equals("Conv") && !q) {
                continue;
            }
            String why = plan(n, q, m, plans, notes);
            if ("dense".equals(why)) {
                dense++;
            } else if (why != null) {
                skipped.add(n.label() + ": " + why);
                notes.accept(name + ": skipped " + n.label() + ": " + why);
            }
        }
        if (dense > 0) {
            notes.accept(name + ": skipped " + dense + " Conv node" + (dense == 1 ? "" : "s")
                    + (dense == 1 ? " that is" : " that are") + " not depthwise (group 1, several input channels)");
        }
        if (plans.isEmpty()) {
            String s = skipped.isEmpty() ? dense > 0 ? " (" + dense + " dense Conv nodes)" : " (no Conv nodes)"
                    : " (skipped " + NpzReader.summary(skipped) + ")";
            throw new InputFormatException(name, "no depthwise convolution found" + s, ACCEPTED_FILTERS);
        }
        List<FilterBank> banks = new ArrayList<>();
        for (Plan p : plans.values()) {
            if (p.nodes().size() > 1) {
                notes.accept(name + ": layer '" + p.weight().name() + "' is used by " + p.nodes().size()
                        + " nodes: " + String.join(", ", p.nodes()));
            }
            banks.add(bank(p));
        }
        return banks;
    }

    /**
     * Whether a file's first bytes look like an ONNX model: exporters write {@code ModelProto.ir_version} (field 1,
     * a small varint) first, then another ModelProto field (producer_name, producer_version, domain,
     * model_version, doc_string, graph, opset_import).
     */
    static boolean looksLikeOnnx(byte[] head) {
        if (head.length < 3 || head[0] != 0x08 || head[1] < 1 || head[1] > 0x7f) {
            return false;
        }
        int next = head[2] & 0xff;
        return next == 0x12 || next == 0x1a || next == 0x22 || next == 0x28 || next == 0x32 || next == 0x3a
                || next == 0x42;
    }

    // ---------------------------------------------------------------- graph structure

    private void parseGraph(ProtoReader g, String where, int depth, Model m) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new InputFormatException(name, where + ": subgraphs nested more than " + MAX_DEPTH + " deep",
                    ACCEPTED);
        }
        int nodeIndex = 0;
        int initIndex = 0;
        while (g.hasNext()) {
            int f = g.nextField();
            if (f == 1) {
                parseNode(g.message(where + " node " + nodeIndex), where + " node " + nodeIndex, depth, m);
                nodeIndex++;
            } else if (f == 5) {
                Tensor t = parseTensor(g.message(where + " initializer " + initIndex), where + " initializer "
                        + initIndex);
                m.tensors.putIfAbsent(t.name(), t);
                initIndex++;
            } else {
                g.skip();
            }
        }
    }

    private void parseNode(ProtoReader r, String where, int depth, Model m) throws IOException {
        String nodeName = null;
        String op = "";
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<int[]> attrs = new ArrayList<>();
        while (r.hasNext()) {
            switch (r.nextField()) {
                case 1 -> inputs.add(r.string());
                case 2 -> outputs.add(r.string());
                case 3 -> nodeName = r.string();
                case 4 -> op = r.string();
                case 5 -> attrs.add(r.span());
                default -> r.skip();
            }
        }
        String label = nodeName != null && !nodeName.isEmpty() ? "node '" + nodeName + "'" : where;
        Map<String, long[]> ints = new HashMap<>();
        Map<String, String> strings = new HashMap<>();
        Tensor value = null;
        for (int[] span : attrs) {
            ProtoReader a = new ProtoReader(buf, span[0], span[0] + span[1], name, label + " attribute");
            String attr = attributeName(a);
            String what = label + " attribute '" + attr + "'";
            a = new ProtoReader(buf, span[0], span[0] + span[1], name, what);
            long[] list = new long[64];
            int count = 0;
            boolean single = false;
            while (a.hasNext()) {
                int f = a.nextField();
                if (f == 3 && GEOMETRY.contains(attr)) {
                    list[0] = a.int64();
                    single = true;
                } else if (f == 8 && GEOMETRY.contains(attr)) {
                    count = a.varints(list, count, "ints");
                } else if (f == 4 && attr.equals("auto_pad")) {
                    strings.put(attr, a.string());
                } else if (f == 5 && attr.equals("value")) {
                    value = parseTensor(a.message(what), what);
                } else if (f == 6) {
                    parseGraph(a.message(what), what, depth + 1, m);
                } else if (f == 11) {
                    parseGraph(a.message(what), what, depth + 1, m);
                } else {
                    a.skip();
                }
            }
            if (single) {
                ints.put(attr, new long[] {list[0]});
            } else if (count > 0) {
                ints.put(attr, Arrays.copyOf(list, count));
            }
        }
        String shown = nodeName != null && !nodeName.isEmpty() ? nodeName
                : outputs.isEmpty() ? where : outputs.get(0);
        Node n = new Node(shown, op, inputs, outputs, ints, strings, value);
        if (op.equals("Constant") && value != null && outputs.size() == 1) {
            // a Constant's tensor is known by the node's output
            Tensor v = value;
            m.tensors.putIfAbsent(outputs.get(0), new Tensor(outputs.get(0), v.dims(), v.elements(), v.dataType(),
                    v.start(), v.end(), v.rawStart(), v.rawLength(), v.external(), v.externalData()));
        }
        m.nodes.add(n);
    }

    private static String attributeName(ProtoReader a) throws InputFormatException {
        while (a.hasNext()) {
            if (a.nextField() == 1) {
                return a.string();
            }
            a.skip();
        }
        return "";
    }

    private Tensor parseTensor(ProtoReader r, String where) throws InputFormatException {
        int start = r.position();
        String tensorName = "";
        long[] dims = new long[MAX_DIMS];
        int nDims = 0;
        int type = 0;
        int rawStart = -1;
        int rawLength = 0;
        boolean external = false;
        Map<String, String> ext = new LinkedHashMap<>();
        while (r.hasNext()) {
            switch (r.nextField()) {
                case 1 -> nDims = r.varints(dims, nDims, "dims");
                case 2 -> type = (int) r.int64();
                case 8 -> tensorName = r.string();
                case 9 -> {
                    int[] s = r.span();
                    rawStart = s[0];
                    rawLength = s[1];
                }
                case 13 -> {
                    ProtoReader e = r.message(where + " external_data");
                    String key = null;
                    String value = null;
                    while (e.hasNext()) {
                        switch (e.nextField()) {
                            case 1 -> key = e.string();
                            case 2 -> value = e.string();
                            default -> e.skip();
                        }
                    }
                    if (key != null) {
                        ext.put(key, value == null ? "" : value);
                    }
                }
                case 14 -> external = r.int64() == 1;
                default -> r.skip();
            }
        }
        String what = tensorName.isEmpty() ? where : "tensor '" + tensorName + "'";
        long[] shape = Arrays.copyOf(dims, nDims);
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new InputFormatException(name, what + ": dims " + NpyArray.shapeString(shape)
                        + " has a negative dimension", ACCEPTED);
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new InputFormatException(name, what + ": dims " + NpyArray.shapeString(shape)
                        + " have more elements than 2^63", ACCEPTED);
            }
        }
        return new Tensor(tensorName.isEmpty() ? where : tensorName, shape, elements, type, start, r.end(),
                rawStart, rawLength, external, ext);
    }

    // ---------------------------------------------------------------- which convolutions are depthwise

    /** Adds the node's weight to {@code plans}; returns null when it did, "dense" for a dense Conv, else why not. */
    private String plan(Node n, boolean qlinear, Model m, Map<String, Plan> plans, Consumer<String> notes)
            throws InputFormatException {
        int wIndex = qlinear ? 3 : 1;
        if (n.inputs().size() <= wIndex || n.inputs().get(wIndex).isEmpty()) {
            return "it has no weight input";
        }
        String wName = n.inputs().get(wIndex);
        String src = follow(wName, m);
        Quant quant = null;
        Node producer = m.tensors.containsKey(src) ? null : m.producers.get(src);
        if (producer != null && producer.op().equals("DequantizeLinear")) {
            if (producer.inputs().size() < 2) {
                return "weight '" + wName + "' comes from " + producer.label() + " without a scale input";
            }
            Tensor scale = m.tensors.get(follow(producer.inputs().get(1), m));
            String zpName = producer.inputs().size() > 2 ? producer.inputs().get(2) : "";
            Tensor zp = zpName.isEmpty() ? null : m.tensors.get(follow(zpName, m));
            if (scale == null || (!zpName.isEmpty() && zp == null)) {
                return "weight '" + wName + "' comes from " + producer.label() + " whose scale or zero point is "
                        + "not an initializer";
            }
            quant = new Quant(scale, zp, (int) producer.attr("axis", 1), producer.label());
            src = follow(producer.inputs().get(0), m);
        } else if (qlinear) {
            if (n.inputs().size() < 6) {
                return "it has fewer than 6 inputs (w_scale, w_zero_point missing)";
            }
            Tensor scale = m.tensors.get(follow(n.inputs().get(4), m));
            Tensor zp = m.tensors.get(follow(n.inputs().get(5), m));
            if (scale == null || zp == null) {
                return "w_scale or w_zero_point is not an initializer";
            }
            quant = new Quant(scale, zp, 0, n.label());
        }
        Tensor w = m.tensors.get(src);
        if (w == null) {
            Node p = m.producers.get(src);
            return "weight '" + wName + "' is not an initializer or Constant"
                    + (p != null ? " (computed by " + p.label() + ")" : " (a graph input)");
        }
        long[] s = w.dims();
        String shape = NpyArray.shapeString(s);
        long group = n.attr("group", 1);
        if (s.length != 4) {
            return "weight '" + w.name() + "' has shape " + shape + ", not (C*M,1,k,k)";
        }
        if (s[1] != 1) {
            return group == 1 ? "dense"
                    : "weight '" + w.name() + "' shape " + shape + " with group " + group + " has " + s[1]
                    + " input channels per group, not 1 (a grouped convolution, not depthwise)";
        }
        if (group < 1 || s[0] % group != 0) {
            return "weight '" + w.name() + "' shape " + shape + ": group " + group + " does not divide "
                    + s[0] + " output channels";
        }
        if (s[2] != s[3]) {
            return "weight '" + w.name() + "' shape " + shape + ": filters are " + s[2] + "×" + s[3]
                    + ", not square";
        }
        String kp = FilterChecks.kProblem(s[2]);
        if (kp != null) {
            return "weight '" + w.name() + "' shape " + shape + ": " + kp;
        }
        if (s[0] == 0) {
            return "weight '" + w.name() + "' has no output channels";
        }
        if (s[0] > NpyReader.MAX_ELEMENTS / (s[2] * s[2])) {
            return "weight '" + w.name() + "' shape " + shape + " has too many elements";
        }
        int t = w.dataType();
        boolean floatType = t == FLOAT || t == DOUBLE || t == FLOAT16 || t == BFLOAT16;
        if (quant == null && !floatType) {
            return "weight '" + w.name() + "' has data type " + typeName(t)
                    + (t == INT8 || t == UINT8 ? " without DequantizeLinear" : "") + "";
        }
        if (quant != null && t != INT8 && t != UINT8) {
            return "weight '" + w.name() + "' behind " + quant.via() + " has data type " + typeName(t)
                    + ", not INT8 or UINT8";
        }
        long[] ks = n.ints().get("kernel_shape");
        if (ks != null && (ks.length != 2 || ks[0] != s[2] || ks[1] != s[3])) {
            return "kernel_shape " + Arrays.toString(ks) + " does not match weight '" + w.name() + "' shape " + shape;
        }
        Plan known = plans.get(w.name());
        if (known != null) {
            known.nodes().add(n.name());
        } else {
            List<String> users = new ArrayList<>();
            users.add(n.name());
            plans.put(w.name(), new Plan(w, quant, (int) s[2], users));
        }
        String geometry = geometry(n, (int) s[2]);
        if (group == 1) {
            notes.accept(name + ": " + n.label() + ": weight '" + w.name() + "' has one input channel (group 1): "
                    + "listed as a depthwise layer");
        }
        if (geometry != null) {
            notes.accept(name + ": layer '" + w.name() + "' (" + n.label() + "): " + geometry
                    + " (kept in this note only: the filters are fitted as they are)");
        }
        return null;
    }

    /** Follows Identity nodes back from a value name (bounded: no cycles). */
    private static String follow(String value, Model m) {
        String v = value;
        Set<String> seen = new HashSet<>();
        while (!m.tensors.containsKey(v) && seen.add(v)) {
            Node p = m.producers.get(v);
            if (p == null || !p.op().equals("Identity") || p.inputs().isEmpty()) {
                break;
            }
            v = p.inputs().get(0);
        }
        return v;
    }

    /** Null for stride 1, dilation 1 and padding k/2 on every side; else a description of the node's geometry. */
    private static String geometry(Node n, int k) {
        long[] strides = n.ints().get("strides");
        long[] dilations = n.ints().get("dilations");
        long[] pads = n.ints().get("pads");
        String autoPad = n.strings().get("auto_pad");
        boolean plain = (strides == null || Arrays.stream(strides).allMatch(v -> v == 1))
                && (dilations == null || Arrays.stream(dilations).allMatch(v -> v == 1))
                && (autoPad == null || autoPad.equals("NOTSET") || autoPad.equals("SAME_UPPER")
                    || autoPad.equals("SAME_LOWER"))
                && (pads == null && autoPad != null && !autoPad.equals("NOTSET")
                    || pads != null && Arrays.stream(pads).allMatch(v -> v == k / 2));
        if (plain) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        sb.append("strides ").append(strides == null ? "[1, 1]" : Arrays.toString(strides));
        sb.append(", dilations ").append(dilations == null ? "[1, 1]" : Arrays.toString(dilations));
        sb.append(", pads ").append(pads == null ? "[0, 0, 0, 0]" : Arrays.toString(pads));
        if (autoPad != null) {
            sb.append(", auto_pad ").append(autoPad);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- values

    private FilterBank bank(Plan p) throws IOException {
        Tensor w = p.weight();
        String what = "tensor '" + w.name() + "'";
        double[] v = values(w);
        Quant q = p.quant();
        if (q != null) {
            int count = (int) w.dims()[0];
            double[] scale = values(q.scale());
            if (!isFloat(q.scale().dataType())) {
                throw new InputFormatException(name, what + ": scale '" + q.scale().name() + "' of " + q.via()
                        + " has data type " + typeName(q.scale().dataType()), "accepted: a float scale");
            }
            double[] zp = q.zeroPoint() == null ? new double[scale.length] : values(q.zeroPoint());
            if (q.zeroPoint() != null && isFloat(q.zeroPoint().dataType())) {
                throw new InputFormatException(name, what + ": zero point '" + q.zeroPoint().name() + "' of "
                        + q.via() + " has data type " + typeName(q.zeroPoint().dataType()),
                        "accepted: an integer zero point");
            }
            int axis = q.axis() < 0 ? q.axis() + 4 : q.axis();
            boolean perTensor = scale.length == 1;
            if (!perTensor && (axis != 0 || scale.length != count)) {
                throw new InputFormatException(name, what + ": " + q.via() + " has " + scale.length
                        + " scales along axis " + q.axis() + " of shape " + NpyArray.shapeString(w.dims()),
                        "accepted: one scale, or one per output channel along axis 0");
            }
            if (zp.length != scale.length) {
                throw new InputFormatException(name, what + ": " + q.via() + " has " + scale.length + " scales but "
                        + zp.length + " zero points", "accepted: as many zero points as scales");
            }
            int per = v.length / count;
            for (int o = 0; o < count; o++) {
                double s = scale[perTensor ? 0 : o];
                double z = zp[perTensor ? 0 : o];
                for (int j = o * per; j < (o + 1) * per; j++) {
                    v[j] = s * (v[j] - z);
                }
            }
        }
        FilterBank bank = new FilterBank(name, w.name(), p.k(), (int) w.dims()[0], v);
        FilterChecks.validate(bank);
        return bank;
    }

    private static boolean isFloat(int t) {
        return t == FLOAT || t == DOUBLE || t == FLOAT16 || t == BFLOAT16;
    }

    static String typeName(int t) {
        return t >= 0 && t < TYPE_NAMES.length ? TYPE_NAMES[t] : "data type " + t;
    }

    /** A tensor's values as doubles (integers as they are stored, not dequantized). */
    double[] values(Tensor t) throws IOException {
        String what = "tensor '" + t.name() + "'";
        int type = t.dataType();
        if (type != FLOAT && type != DOUBLE && type != FLOAT16 && type != BFLOAT16 && type != INT8 && type != UINT8
                && type != INT32 && type != INT64) {
            throw new InputFormatException(name, what + " has data type " + typeName(type),
                    "accepted: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8, INT32, INT64");
        }
        if (t.elements() > NpyReader.MAX_ELEMENTS) {
            throw new InputFormatException(name, what + ": dims " + NpyArray.shapeString(t.dims()) + " have "
                    + t.elements() + " elements, more than one array holds", ACCEPTED);
        }
        int n = (int) t.elements();
        int size = TYPE_SIZES[type];
        long bytes = (long) n * size;
        if (t.external()) {
            if (t.hasRaw()) {
                throw new InputFormatException(name, what + " has both raw_data and external data", ACCEPTED);
            }
            ByteBuffer b = external(t, bytes);
            return decodeRaw(b, 0, n, type);
        }
        double[] typed = typedValues(t, n, what);
        if (t.hasRaw()) {
            if (typed != null) {
                throw new InputFormatException(name, what + " has both raw_data and typed data fields", ACCEPTED);
            }
            if (t.rawLength() != bytes) {
                throw new InputFormatException(name, what + ": raw_data has " + t.rawLength() + " bytes but "
                        + typeName(type) + " × dims " + NpyArray.shapeString(t.dims()) + " needs " + bytes,
                        "accepted: raw_data of element count × element size bytes");
            }
            return decodeRaw(buf, t.rawStart(), n, type);
        }
        if (typed == null) {
            if (n == 0) {
                return new double[0];
            }
            throw new InputFormatException(name, what + " has no data (no raw_data, typed data or external data)",
                    ACCEPTED);
        }
        return typed;
    }

    private static double[] decodeRaw(ByteBuffer b, int at, int n, int type) {
        double[] out = new double[n];
        switch (type) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getFloat(at + 4 * i);
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getDouble(at + 8 * i);
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = SafetensorsReader.halfToFloat(b.getShort(at + 2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = SafetensorsReader.bfloat16ToFloat(b.getShort(at + 2 * i));
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(at + i);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(at + i) & 0xff;
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(at + 4 * i);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getLong(at + 8 * i);
                }
            }
            default -> throw new IllegalStateException("type " + type);
        }
        return out;
    }

    /**
     * The values from the typed field of a tensor's data type (float_data, double_data, int32_data, int64_data),
     * exactly {@code n} of them; null when the tensor has none.
     */
    private double[] typedValues(Tensor t, int n, String what) throws InputFormatException {
        int type = t.dataType();
        int field = switch (type) {
            case FLOAT -> 4;
            case DOUBLE -> 10;
            case INT64 -> 7;
            default -> 5;
        };
        double[] out = null;
        int count = 0;
        ProtoReader r = new ProtoReader(buf, t.start(), t.end(), name, what);
        long[] one = new long[1];
        while (r.hasNext()) {
            int f = r.nextField();
            if (f != field) {
                r.skip();
                continue;
            }
            if (out == null) {
                // every value takes at least a byte (varint) or its fixed width: check before allocating
                long minBytes = type == FLOAT ? 4 : type == DOUBLE ? 8 : 1;
                if (n > (t.end() - t.start()) / minBytes) {
                    throw new InputFormatException(name, what + ": dims " + NpyArray.shapeString(t.dims()) + " need "
                            + n + " values but the tensor's " + (t.end() - t.start()) + " bytes cannot hold them",
                            "accepted: one value per element");
                }
                out = new double[n];
            }
            if (type == FLOAT || type == DOUBLE) {
                int width = type == FLOAT ? 4 : 8;
                int wt = r.wireType();
                if (wt == (type == FLOAT ? ProtoReader.I32 : ProtoReader.I64)) {
                    count = put(out, count, type == FLOAT ? Float.intBitsToFloat(r.fixed32())
                            : Double.longBitsToDouble(r.fixed64()), what);
                    continue;
                }
                int[] s = r.span();
                if (s[1] % width != 0) {
                    throw new InputFormatException(name, what + ": packed " + (type == FLOAT ? "float_data" :
                            "double_data") + " of " + s[1] + " bytes is not a multiple of " + width, ACCEPTED);
                }
                if (s[1] / width > n - count) {
                    throw tooMany(t, n, what);
                }
                for (int i = 0; i < s[1] / width; i++) {
                    out[count++] = type == FLOAT ? buf.getFloat(s[0] + 4 * i) : buf.getDouble(s[0] + 8 * i);
                }
            } else {
                long[] vals;
                int got;
                if (r.wireType() == ProtoReader.VARINT) {
                    one[0] = r.varint();
                    vals = one;
                    got = 1;
                } else {
                    int[] s = r.span();
                    ProtoReader packed = new ProtoReader(buf, s[0], s[0] + s[1], name, what);
                    vals = new long[Math.min(s[1], n - count + 1)];
                    got = 0;
                    while (packed.hasNext()) {
                        if (got >= vals.length) {
                            throw tooMany(t, n, what);
                        }
                        vals[got++] = packed.varint();
                    }
                }
                for (int i = 0; i < got; i++) {
                    count = put(out, count, intValue(vals[i], type, what), what);
                }
            }
        }
        if (out != null && count != n) {
            throw new InputFormatException(name, what + ": " + count + " typed values but dims "
                    + NpyArray.shapeString(t.dims()) + " need " + n, "accepted: one value per element");
        }
        return out;
    }

    private InputFormatException tooMany(Tensor t, int n, String what) {
        return new InputFormatException(name, what + ": more typed values than dims "
                + NpyArray.shapeString(t.dims()) + " hold (" + n + ")", "accepted: one value per element");
    }

    private int put(double[] out, int count, double v, String what) throws InputFormatException {
        if (count >= out.length) {
            throw new InputFormatException(name, what + ": more typed values than its dims hold (" + out.length
                    + ")", "accepted: one value per element");
        }
        out[count] = v;
        return count + 1;
    }

    /** An int32_data/int64_data entry as the value of its data type (16-bit floats are stored as their bits). */
    private double intValue(long raw, int type, String what) throws InputFormatException {
        switch (type) {
            case FLOAT16, BFLOAT16 -> {
                if (raw < 0 || raw > 0xffff) {
                    throw new InputFormatException(name, what + ": int32_data value " + raw + " is not 16 bits",
                            "accepted: " + typeName(type) + " bits 0..65535");
                }
                return type == FLOAT16 ? SafetensorsReader.halfToFloat((short) raw)
                        : SafetensorsReader.bfloat16ToFloat((short) raw);
            }
            case INT8 -> {
                if (raw < -128 || raw > 127) {
                    throw new InputFormatException(name, what + ": int32_data value " + raw + " is not INT8",
                            "accepted: -128..127");
                }
                return raw;
            }
            case UINT8 -> {
                if (raw < 0 || raw > 255) {
                    throw new InputFormatException(name, what + ": int32_data value " + raw + " is not UINT8",
                            "accepted: 0..255");
                }
                return raw;
            }
            case INT32 -> {
                if (raw != (int) raw) {
                    throw new InputFormatException(name, what + ": int32_data value " + raw + " is not INT32",
                            "accepted: 32-bit integers");
                }
                return raw;
            }
            default -> {
                return raw;
            }
        }
    }

    // ---------------------------------------------------------------- external data

    /** The bytes of an external tensor, from a file inside the model's directory. */
    private ByteBuffer external(Tensor t, long bytes) throws IOException {
        String what = "tensor '" + t.name() + "'";
        String location = t.externalData().get("location");
        if (location == null || location.isEmpty()) {
            throw new InputFormatException(name, what + ": external data without a 'location'", ACCEPTED_EXTERNAL);
        }
        long offset = externalNumber(t, "offset", 0);
        long length = externalNumber(t, "length", -1);
        String shown = "external data '" + location + "'";
        boolean absolute = location.startsWith("/") || location.startsWith("\\")
                || (location.length() > 1 && location.charAt(1) == ':') || Path.of(location).isAbsolute();
        if (absolute) {
            throw new InputFormatException(name, what + ": " + shown + " is an absolute path", ACCEPTED_EXTERNAL);
        }
        for (String seg : location.split("[/\\\\]")) {
            if (seg.equals("..")) {
                throw new InputFormatException(name, what + ": " + shown + " leads out of the model's directory "
                        + "('..')", ACCEPTED_EXTERNAL);
            }
        }
        if (location.indexOf('\0') >= 0) {
            throw new InputFormatException(name, what + ": " + shown + " holds a NUL character", ACCEPTED_EXTERNAL);
        }
        Path dir = file.toAbsolutePath().getParent();
        Path target = dir.resolve(location).normalize();
        if (!target.startsWith(dir.normalize())) {
            throw new InputFormatException(name, what + ": " + shown + " leads out of the model's directory",
                    ACCEPTED_EXTERNAL);
        }
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new InputFormatException(name, what + ": " + shown + " does not exist beside the model ("
                    + target + ")", ACCEPTED_EXTERNAL);
        }
        Path real = target.toRealPath();
        if (!real.startsWith(dir.toRealPath())) {
            throw new InputFormatException(name, what + ": " + shown + " is a link leading out of the model's "
                    + "directory (to " + real + ")", ACCEPTED_EXTERNAL);
        }
        if (!Files.isRegularFile(real)) {
            throw new InputFormatException(name, what + ": " + shown + " is not a regular file", ACCEPTED_EXTERNAL);
        }
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
            long size = ch.size();
            if (length < 0) {
                length = size - offset;
            }
            if (offset > size || length > size - offset) {
                throw new InputFormatException(name, what + ": " + shown + " offset " + offset + " length " + length
                        + " runs past its end (" + size + " bytes)", ACCEPTED_EXTERNAL);
            }
            if (length != bytes) {
                throw new InputFormatException(name, what + ": " + shown + " length " + length + " but "
                        + typeName(t.dataType()) + " × dims " + NpyArray.shapeString(t.dims()) + " needs " + bytes,
                        "accepted: length = element count × element size");
            }
            if (bytes > Integer.MAX_VALUE - 8) {
                throw new InputFormatException(name, what + ": " + shown + " holds " + bytes + " bytes, more than "
                        + "one array holds", "accepted: external tensors under 2 GiB");
            }
            ByteBuffer b = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            long pos = offset;
            while (b.hasRemaining()) {
                int r = ch.read(b, pos);
                if (r < 0) {
                    throw new InputFormatException(name, what + ": " + shown + " ended early (it changed while "
                            + "being read?)", ACCEPTED_EXTERNAL);
                }
                pos += r;
            }
            return b;
        }
    }

    private long externalNumber(Tensor t, String key, long otherwise) throws InputFormatException {
        String v = t.externalData().get(key);
        if (v == null || v.isEmpty()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(v.strip());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InputFormatException(name, "tensor '" + t.name() + "': external data '" + key + "' = '" + v
                    + "' is not a non-negative integer", ACCEPTED_EXTERNAL);
        }
    }
}
