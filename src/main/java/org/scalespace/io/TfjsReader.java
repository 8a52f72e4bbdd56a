package org.scalespace.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.scalespace.model.FilterBank;

/**
 * Reads the depthwise filters of TF.js models: a {@code model.json} (layers-model or graph-model format: a JSON object
 * with {@code weightsManifest} and usually {@code modelTopology}), or a bare weights manifest (a JSON array of weight
 * groups, as {@code *-weights_manifest.json} files are), with its {@code .bin} weight shards.
 *
 * <p>Each group of the manifest names its shard files in {@code paths} (concatenated in order) and its weights in
 * {@code weights}: {@code name}, {@code shape}, {@code dtype} (float32, int32, bool, complex64, string), optional
 * {@code quantization} ({@code dtype} uint8 or uint16 with {@code scale} and {@code min}: w = scale·q + min; or
 * float16). A weight's bytes follow the previous weight's in its group. Shard paths are relative to the manifest's
 * directory and must stay inside it (no {@code ..}, no absolute paths, no links that lead out).
 *
 * <p>A depthwise layer is a weight of shape [k, k, C, M], filter o = c·M + m being K[:, :, c, m] (SPEC §11), that
 * the topology marks: in a layers-model the {@code depthwise_kernel} of a layer of class {@code DepthwiseConv2D} or
 * {@code SeparableConv2D}; in a graph-model the filter input (input 1, through Identity nodes) of a
 * {@code DepthwiseConv2dNative} node. Without a topology (a bare manifest, or a model.json without one), a 4-D weight
 * whose name contains {@code depthwise} is taken for a layer, and a note says so. Layers are named by the weight, in
 * manifest order. Depthwise weights that are not square, odd and 3..31 wide, or of another dtype, are skipped with a
 * note; only the depthwise weights' bytes are read.
 */
public final class TfjsReader {

    static final String ACCEPTED = "accepted: a TF.js model.json (an object with weightsManifest) or weights "
            + "manifest (an array of {paths, weights} groups) with its .bin shards beside it";
    static final String ACCEPTED_PATHS = "accepted: shard paths relative to the manifest's directory, inside it";
    static final String ACCEPTED_FILTERS = "accepted: depthwise kernels [k,k,C,M] with k odd, " + FilterChecks.MIN_K
            + ".." + FilterChecks.MAX_K + ", float32 or quantized uint8/uint16 (scale, min) or float16";

    /** The largest manifest read. */
    static final long MAX_MANIFEST_BYTES = 32L << 20;
    /** The deepest JSON nesting accepted (a layers-model's nested configs stay well below). */
    static final int MAX_NESTING = 64;
    /** The most JSON values (of any kind) held from one manifest. */
    static final int MAX_VALUES = 4_000_000;
    /** The most shard files of one group. */
    static final int MAX_SHARDS = 10_000;
    /** The most values of one depthwise layer (its doubles must fit an array). */
    static final long MAX_LAYER_VALUES = Integer.MAX_VALUE - 8;

    private static final Set<String> DEPTHWISE_CLASSES = Set.of("DepthwiseConv2D", "SeparableConv2D");
    private static final Set<String> DEPTHWISE_OPS = Set.of("DepthwiseConv2dNative", "FusedDepthwiseConv2dNative");

    private TfjsReader() {
    }

    /**
     * True when {@code head} (the first bytes of a file) looks like a TF.js manifest: a JSON object that names
     * {@code weightsManifest}, or a JSON array of objects that name {@code paths} and {@code weights}.
     */
    static boolean sniff(byte[] head) {
        String s = new String(head, StandardCharsets.ISO_8859_1);
        String t = s.stripLeading();
        if (t.startsWith("\uFEFF") || t.startsWith("\u00EF\u00BB\u00BF")) {
            t = t.substring(t.charAt(0) == '\uFEFF' ? 1 : 3).stripLeading();
        }
        if (t.startsWith("{")) {
            return t.contains("\"weightsManifest\"");
        }
        if (t.startsWith("[")) {
            String u = t.substring(1).stripLeading();
            return u.startsWith("{") && u.contains("\"paths\"") && u.contains("\"weights\"");
        }
        return false;
    }

    /**
     * Reads every depthwise layer of a TF.js model as one {@link FilterBank} per kernel, in manifest order. Skipped
     * kernels, and the use of the name rule, give lines to {@code notes}; a model without a readable depthwise layer
     * is an error that says what was skipped.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        return readLayers(file, notes, true);
    }

    /** As {@link #readFilters}, with the value checks of {@link FilterChecks#validate(FilterBank)} applied or not. */
    static List<FilterBank> readLayers(Path file, Consumer<String> notes, boolean validate) throws IOException {
        String name = file.toString();
        long size = Files.size(file);
        if (size == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        if (size > MAX_MANIFEST_BYTES) {
            throw new InputFormatException(name, "manifest of " + size + " bytes is larger than the "
                    + MAX_MANIFEST_BYTES + " read", ACCEPTED);
        }
        Object root = parse(Files.readAllBytes(file), name);
        Object manifest;
        Object topology = null;
        if (root instanceof Map<?, ?> m) {
            manifest = m.get("weightsManifest");
            if (manifest == null) {
                throw new InputFormatException(name, "the JSON object has no weightsManifest", ACCEPTED);
            }
            topology = m.get("modelTopology");
        } else {
            manifest = root;
        }
        if (!(manifest instanceof List<?> groups)) {
            throw new InputFormatException(name, "weightsManifest is not an array", ACCEPTED);
        }
        if (root == manifest && !groups.isEmpty() && groups.get(0) instanceof Map<?, ?> first
                && !first.containsKey("paths") && !first.containsKey("weights")) {
            // an array of other objects, e.g. the JSON fit results `scalespace fit -o fits.json` writes
            throw new InputFormatException(name, "a JSON array whose objects have no 'paths' or 'weights': not a "
                    + "TF.js weights manifest" + (first.containsKey("family") ? " (it looks like fit results, which "
                    + "'scalespace convolve --filters' reads)" : ""), ACCEPTED);
        }
        return new Walk(file, name, notes, validate).run(groups, topology);
    }

    /** One reading of a model: where it lives, what was skipped. */
    private static final class Walk {
        private final Path file;
        private final String name;
        private final Consumer<String> notes;
        private final boolean validate;
        private final List<String> skipped = new ArrayList<>();

        Walk(Path file, String name, Consumer<String> notes, boolean validate) {
            this.file = file;
            this.name = name;
            this.notes = notes;
            this.validate = validate;
        }

        List<FilterBank> run(List<?> groups, Object topology) throws IOException {
            Predicate<String> marked = depthwiseWeights(topology);
            if (marked == null) {
                notes.accept(name + ": no model topology: 4-D weights whose names contain 'depthwise' are read as "
                        + "depthwise kernels [k,k,C,M]");
            }
            List<FilterBank> out = new ArrayList<>();
            Path dir = file.toAbsolutePath().getParent();
            for (int g = 0; g < groups.size(); g++) {
                if (!(groups.get(g) instanceof Map<?, ?> group)) {
                    throw error("weight group " + g + " is not an object", ACCEPTED);
                }
                if (!(group.get("paths") instanceof List<?> paths) || paths.size() > MAX_SHARDS) {
                    throw error("weight group " + g + ": paths is not an array of at most " + MAX_SHARDS
                            + " file names", ACCEPTED);
                }
                if (!(group.get("weights") instanceof List<?> weights)) {
                    throw error("weight group " + g + ": weights is not an array", ACCEPTED);
                }
                Shards shards = Shards.open(dir, paths, g, this);
                try {
                    readGroup(g, weights, shards, marked, out);
                } finally {
                    shards.close();
                }
            }
            if (out.isEmpty()) {
                throw error("no depthwise layer found" + (skipped.isEmpty() ? "" : " (skipped: "
                        + String.join(", ", skipped) + ")"), ACCEPTED_FILTERS);
            }
            return out;
        }

        private void readGroup(int g, List<?> weights, Shards shards, Predicate<String> marked,
                               List<FilterBank> out) throws IOException {
            long offset = 0;
            for (int i = 0; i < weights.size(); i++) {
                if (!(weights.get(i) instanceof Map<?, ?> w)) {
                    throw error("weight group " + g + ": entry " + i + " is not an object", ACCEPTED);
                }
                if (!(w.get("name") instanceof String wname)) {
                    throw error("weight group " + g + ": entry " + i + " has no name", ACCEPTED);
                }
                long[] shape = shape(w.get("shape"), wname);
                long elements = product(shape, wname);
                String dtype = w.get("dtype") instanceof String s ? s : null;
                Quant q = quant(w.get("quantization"), wname);
                long bytes;
                if ("string".equals(dtype) && q == null) {
                    bytes = stringBytes(shards, offset, elements, wname);
                } else {
                    int width = q != null ? q.width : dtypeWidth(dtype, wname);
                    bytes = Math.multiplyExact(elements, (long) width);
                }
                if (offset + bytes > shards.length) {
                    throw error("weight '" + wname + "': its " + bytes + " bytes at offset " + offset + " run past "
                            + "the end of group " + g + "'s shards (" + shards.length + " bytes)", ACCEPTED);
                }
                boolean depthwise = marked != null ? marked.test(wname)
                        : shape.length == 4 && wname.contains("depthwise");
                if (depthwise) {
                    FilterBank b = layer(wname, shape, dtype, q, shards, offset);
                    if (b != null) {
                        out.add(b);
                    }
                }
                offset += bytes;
            }
            if (offset < shards.length) {
                notes.accept(name + ": weight group " + g + ": " + (shards.length - offset) + " bytes after its "
                        + "last weight are ignored");
            }
        }

        private FilterBank layer(String wname, long[] shape, String dtype, Quant q, Shards shards, long offset)
                throws IOException {
            String shapeText = shapeText(shape);
            if (shape.length != 4) {
                return skip(wname, "shape " + shapeText + " is not [k,k,C,M]");
            }
            if (shape[0] != shape[1]) {
                return skip(wname, "shape " + shapeText + ": the filter is not square");
            }
            long k = shape[0];
            if (k < FilterChecks.MIN_K || k > FilterChecks.MAX_K || k % 2 == 0) {
                return skip(wname, "shape " + shapeText + ": k = " + k + " is not odd and " + FilterChecks.MIN_K
                        + ".." + FilterChecks.MAX_K);
            }
            if (q == null && !"float32".equals(dtype)) {
                return skip(wname, "dtype " + dtype + " is not read");
            }
            long count = shape[2] * shape[3]; // product already checked
            long n = count * k * k;
            if (count == 0) {
                return skip(wname, "shape " + shapeText + " holds no filters");
            }
            if (n > MAX_LAYER_VALUES) {
                throw error("weight '" + wname + "': " + n + " values are more than one layer may hold", ACCEPTED);
            }
            int width = q != null ? q.width : 4;
            ByteBuffer raw = shards.read(offset, n * width, wname).order(ByteOrder.LITTLE_ENDIAN);
            int kk = (int) k;
            int c = (int) shape[2];
            int m = (int) shape[3];
            double[] data = new double[(int) n];
            for (int i = 0; i < kk * kk; i++) {
                for (int o = 0; o < c * m; o++) {
                    // K[i/k, i%k, c, m] with o = c·M + m: the stored index is i·C·M + o
                    long src = ((long) i * c * m + o) * width;
                    double v;
                    if (q == null) {
                        v = raw.getFloat((int) src);
                    } else if (q.kind == Quant.FLOAT16) {
                        v = SafetensorsReader.halfToFloat(raw.getShort((int) src));
                    } else if (q.kind == Quant.UINT8) {
                        v = q.scale * (raw.get((int) src) & 0xFF) + q.min;
                    } else {
                        v = q.scale * (raw.getShort((int) src) & 0xFFFF) + q.min;
                    }
                    data[o * kk * kk + i] = v;
                }
            }
            FilterBank bank = new FilterBank(name, wname, kk, (int) count, data);
            if (validate) {
                FilterChecks.validate(bank);
            }
            return bank;
        }

        private FilterBank skip(String wname, String why) {
            skipped.add(wname);
            notes.accept(name + ": skipped weight '" + wname + "': " + why);
            return null;
        }

        private long stringBytes(Shards shards, long offset, long elements, String wname) throws IOException {
            // TF.js stores each string as a uint32 little-endian byte length and the bytes
            long at = offset;
            for (long i = 0; i < elements; i++) {
                if (at + 4 > shards.length) {
                    throw error("weight '" + wname + "': string " + i + " runs past the end of its shards",
                            ACCEPTED);
                }
                long len = shards.read(at, 4, wname).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
                at += 4 + len;
                if (at > shards.length) {
                    throw error("weight '" + wname + "': string " + i + " of " + len + " bytes runs past the end "
                            + "of its shards", ACCEPTED);
                }
            }
            return at - offset;
        }

        private long[] shape(Object o, String wname) throws InputFormatException {
            if (!(o instanceof List<?> dims) || dims.size() > 32) {
                throw error("weight '" + wname + "': shape is not an array of at most 32 dimensions", ACCEPTED);
            }
            long[] s = new long[dims.size()];
            for (int i = 0; i < s.length; i++) {
                if (!(dims.get(i) instanceof Long d) || d < 0) {
                    throw error("weight '" + wname + "': shape entry " + i + " is not a non-negative integer",
                            ACCEPTED);
                }
                s[i] = d;
            }
            return s;
        }

        private long product(long[] shape, String wname) throws InputFormatException {
            long p = 1;
            for (long d : shape) {
                if (d != 0 && p > (Long.MAX_VALUE / 16) / d) {
                    throw error("weight '" + wname + "': shape " + shapeText(shape) + " has too many elements",
                            ACCEPTED);
                }
                p *= d;
            }
            return p;
        }

        private int dtypeWidth(String dtype, String wname) throws InputFormatException {
            if (dtype == null) {
                throw error("weight '" + wname + "' has no dtype", ACCEPTED);
            }
            return switch (dtype) {
                case "float32", "int32" -> 4;
                case "bool" -> 1;
                case "complex64" -> 8;
                default -> throw error("weight '" + wname + "': dtype '" + dtype + "' is unknown",
                        "accepted: float32, int32, bool, complex64, string");
            };
        }

        private Quant quant(Object o, String wname) throws InputFormatException {
            if (o == null) {
                return null;
            }
            String acc = "accepted: quantization {dtype: uint8|uint16, scale, min} or {dtype: float16}";
            if (!(o instanceof Map<?, ?> m) || !(m.get("dtype") instanceof String d)) {
                throw error("weight '" + wname + "': quantization has no dtype", acc);
            }
            if ("float16".equals(d)) {
                return new Quant(Quant.FLOAT16, 2, 0, 0);
            }
            if (!"uint8".equals(d) && !"uint16".equals(d)) {
                throw error("weight '" + wname + "': quantization dtype '" + d + "' is unknown", acc);
            }
            double scale = number(m.get("scale"));
            double min = number(m.get("min"));
            if (!Double.isFinite(scale) || !Double.isFinite(min)) {
                throw error("weight '" + wname + "': quantization scale and min must be finite numbers", acc);
            }
            return "uint8".equals(d) ? new Quant(Quant.UINT8, 1, scale, min) : new Quant(Quant.UINT16, 2, scale, min);
        }

        InputFormatException error(String problem, String accepted) {
            return new InputFormatException(name, problem, accepted);
        }
    }

    private record Quant(int kind, int width, double scale, double min) {
        static final int UINT8 = 0;
        static final int UINT16 = 1;
        static final int FLOAT16 = 2;
    }

    /** The shard files of one group, read as their concatenation; only the byte ranges asked for are read. */
    private static final class Shards {
        private final List<FileChannel> channels = new ArrayList<>();
        private final List<Long> starts = new ArrayList<>();
        private final Walk walk;
        long length;

        private Shards(Walk walk) {
            this.walk = walk;
        }

        static Shards open(Path dir, List<?> paths, int g, Walk walk) throws IOException {
            Shards s = new Shards(walk);
            try {
                Path realDir = dir.toRealPath();
                for (Object o : paths) {
                    if (!(o instanceof String p) || p.isEmpty()) {
                        throw walk.error("weight group " + g + ": a shard path is not a file name", ACCEPTED_PATHS);
                    }
                    Path shard = resolve(realDir, p, g, walk);
                    FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ);
                    s.channels.add(ch);
                    s.starts.add(s.length);
                    s.length += ch.size();
                }
                return s;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        private static Path resolve(Path realDir, String p, int g, Walk walk) throws IOException {
            String what = "weight group " + g + ": shard path '" + p + "'";
            if (p.startsWith("/") || p.startsWith("\\") || p.indexOf(':') >= 0 || p.indexOf('\0') >= 0) {
                throw walk.error(what + " is absolute", ACCEPTED_PATHS);
            }
            for (String seg : p.split("[/\\\\]")) {
                if (seg.equals("..")) {
                    throw walk.error(what + " leads out of the model's directory", ACCEPTED_PATHS);
                }
            }
            Path shard;
            try {
                shard = realDir.resolve(p).normalize();
            } catch (RuntimeException e) {
                throw walk.error(what + " is not a valid path", ACCEPTED_PATHS);
            }
            if (!shard.startsWith(realDir)) {
                throw walk.error(what + " leads out of the model's directory", ACCEPTED_PATHS);
            }
            if (!Files.exists(shard, LinkOption.NOFOLLOW_LINKS) && !Files.exists(shard)) {
                throw walk.error(what + ": no such file", ACCEPTED_PATHS);
            }
            Path real;
            try {
                real = shard.toRealPath();
            } catch (IOException e) {
                throw walk.error(what + ": no such file", ACCEPTED_PATHS);
            }
            if (!real.startsWith(realDir)) {
                throw walk.error(what + " is a link that leads out of the model's directory", ACCEPTED_PATHS);
            }
            if (!Files.isRegularFile(real)) {
                throw walk.error(what + " is not a regular file", ACCEPTED_PATHS);
            }
            return real;
        }

        /** {@code n} bytes from {@code offset} of the concatenation (the caller has checked they lie inside it). */
        ByteBuffer read(long offset, long n, String wname) throws IOException {
            if (n > Integer.MAX_VALUE - 8 || offset < 0 || offset + n > length) {
                throw walk.error("weight '" + wname + "': " + n + " bytes at offset " + offset + " cannot be read "
                        + "from shards of " + length + " bytes", ACCEPTED);
            }
            ByteBuffer b = ByteBuffer.allocate((int) n);
            long at = offset;
            for (int i = 0; i < channels.size() && b.hasRemaining(); i++) {
                long start = starts.get(i);
                FileChannel ch = channels.get(i);
                long end = start + ch.size();
                while (b.hasRemaining() && at >= start && at < end) {
                    int limit = (int) Math.min(b.capacity(), b.position() + (end - at));
                    b.limit(limit);
                    int r = ch.read(b, at - start);
                    if (r < 0) {
                        throw walk.error("weight '" + wname + "': a shard ended early (it changed while being "
                                + "read?)", ACCEPTED);
                    }
                    at += r;
                    b.limit(b.capacity());
                }
            }
            if (b.hasRemaining()) {
                throw walk.error("weight '" + wname + "': shards ended early (they changed while being read?)",
                        ACCEPTED);
            }
            return b.flip();
        }

        void close() {
            for (FileChannel ch : channels) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // read-only
                }
            }
        }
    }

    /**
     * Which weights the topology marks as depthwise kernels, or null when there is no topology to go by (none, or one
     * with neither graph nodes nor layer classes).
     */
    private static Predicate<String> depthwiseWeights(Object topology) {
        if (!(topology instanceof Map<?, ?> top)) {
            return null;
        }
        if (top.get("node") instanceof List<?> nodes) {
            Map<String, Map<?, ?>> byName = new LinkedHashMap<>();
            for (Object o : nodes) {
                if (o instanceof Map<?, ?> n && n.get("name") instanceof String s) {
                    byName.put(s, n);
                }
            }
            Set<String> weights = new HashSet<>();
            for (Map<?, ?> n : byName.values()) {
                if (DEPTHWISE_OPS.contains(n.get("op")) && n.get("input") instanceof List<?> in && in.size() > 1
                        && in.get(1) instanceof String filter) {
                    String w = inputNode(filter);
                    // follow Identity nodes back to the stored weight
                    for (int hop = 0; hop < 8; hop++) {
                        Map<?, ?> prev = byName.get(w);
                        if (prev == null || !"Identity".equals(prev.get("op"))
                                || !(prev.get("input") instanceof List<?> id) || id.isEmpty()
                                || !(id.get(0) instanceof String from)) {
                            break;
                        }
                        w = inputNode(from);
                    }
                    weights.add(w);
                }
            }
            return weights::contains;
        }
        Set<String> layers = new HashSet<>();
        boolean[] sawLayers = new boolean[1];
        collectLayers(top, layers, sawLayers, 0);
        if (!sawLayers[0]) {
            return null;
        }
        // a layer's kernel is named <...>/<layer name>/depthwise_kernel
        return w -> {
            String[] seg = w.split("/");
            return seg.length >= 2 && seg[seg.length - 1].startsWith("depthwise_kernel")
                    && layers.contains(seg[seg.length - 2]);
        };
    }

    /** A graph-model input reference ({@code ^ctrl}, {@code name:0}) as the node name. */
    private static String inputNode(String in) {
        String s = in.startsWith("^") ? in.substring(1) : in;
        int colon = s.lastIndexOf(':');
        return colon > 0 && s.substring(colon + 1).chars().allMatch(Character::isDigit) ? s.substring(0, colon) : s;
    }

    /** Names of the layers of class DepthwiseConv2D/SeparableConv2D anywhere in a layers-model topology. */
    private static void collectLayers(Object o, Set<String> out, boolean[] sawLayers, int depth) {
        if (depth > MAX_NESTING) {
            return;
        }
        if (o instanceof Map<?, ?> m) {
            if (m.get("class_name") instanceof String cls) {
                sawLayers[0] = true;
                if (DEPTHWISE_CLASSES.contains(cls) && m.get("config") instanceof Map<?, ?> cfg
                        && cfg.get("name") instanceof String n) {
                    out.add(n);
                }
            }
            for (Object v : m.values()) {
                collectLayers(v, out, sawLayers, depth + 1);
            }
        } else if (o instanceof List<?> l) {
            for (Object v : l) {
                collectLayers(v, out, sawLayers, depth + 1);
            }
        }
    }

    // ---- JSON

    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING)
                    .maxStringLength(1 << 20)
                    .maxNameLength(1 << 16)
                    .maxNumberLength(400)
                    .maxDocumentLength(MAX_MANIFEST_BYTES)
                    .build())
            .build();

    /** The JSON as maps (insertion order), lists, strings, longs, doubles, booleans and nulls. */
    static Object parse(byte[] json, String name) throws InputFormatException {
        JsonParser p;
        try {
            p = JSON.createParser(json);
        } catch (IOException e) {
            throw new InputFormatException(name, "cannot be decoded as JSON (" + NpzReader.oneLine(e) + ")",
                    ACCEPTED, e);
        }
        try (p) {
            int[] budget = {MAX_VALUES};
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
                throw new InputFormatException(name, "not a JSON object or array", ACCEPTED);
            }
            Object root = value(p, t, budget, name);
            if (p.nextToken() != null) {
                JsonLocation at = p.currentLocation();
                throw new InputFormatException(name, "line " + at.getLineNr() + ", column " + at.getColumnNr()
                        + ": content after the JSON value", ACCEPTED);
            }
            return root;
        } catch (JsonProcessingException e) {
            // Jackson's message carries its internals (source, feature names): keep its first clause and give the
            // position in the user's file (a broken limit, e.g. the nesting depth, carries none: the parser's is used)
            String what = e.getOriginalMessage();
            int cut = what.indexOf('\n');
            what = (cut < 0 ? what : what.substring(0, cut)).strip().replace("; ", ", ")
                    .replaceAll(",? from `[^`]*`", "");
            JsonLocation at = e.getLocation() != null ? e.getLocation() : p.currentTokenLocation();
            throw new InputFormatException(name, "line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + ": not valid JSON: " + what, ACCEPTED, e);
        } catch (InputFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new InputFormatException(name, "cannot be decoded as JSON (" + NpzReader.oneLine(e) + ")",
                    ACCEPTED, e);
        }
    }

    private static Object value(JsonParser p, JsonToken t, int[] budget, String name) throws IOException {
        if (--budget[0] < 0) {
            JsonLocation at = p.currentLocation();
            throw new InputFormatException(name, "line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + ": more than " + MAX_VALUES + " JSON values", ACCEPTED);
        }
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    m.put(key, value(p, p.nextToken(), budget, name));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                JsonToken n;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.add(value(p, n, budget, name));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? (Object) p.getDoubleValue()
                        : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static String shapeText(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return sb.append(']').toString();
    }
}
