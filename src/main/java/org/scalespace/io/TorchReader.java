package org.scalespace.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.scalespace.io.Unpickler.Global;
import org.scalespace.io.Unpickler.Opaque;
import org.scalespace.io.Unpickler.PyDict;
import org.scalespace.io.Unpickler.PyList;
import org.scalespace.io.Unpickler.PyTuple;
import org.scalespace.model.FilterBank;

/**
 * Reads depthwise filters from PyTorch files written by {@code torch.save} (a zip archive of
 * {@code <archive>/data.pkl}, {@code <archive>/data/<key>} storages, {@code <archive>/version} and, where the writer
 * was big-endian, {@code <archive>/byteorder}), including Lightning checkpoints and dicts that nest state dicts, and
 * the parameters of TorchScript archives ({@code torch.jit.save}).
 *
 * <p>{@code data.pkl} is interpreted by {@link Unpickler}: nothing is imported or executed. The only calls given a
 * meaning are those that rebuild tensors ({@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_parameter},
 * {@code _rebuild_parameter_with_state}, {@code torch._tensor._rebuild_from_type_v2}), storages (persistent ids
 * {@code ('storage', torch.FloatStorage, key, location, numel)} and the other storage types), numpy arrays and
 * scalars, {@code collections.OrderedDict}, {@code _codecs.encode} and sets. Any other global stays an opaque value:
 * skipped with a note, or named in an error when tensors of depthwise shape sit inside it.
 *
 * <p>Every tensor or numpy array of shape (C·M, 1, k, k), k odd and square, float16/bfloat16/float32/float64 or
 * int8/uint8, becomes a layer named by its full key path ({@code model_ema.blocks.0.dwconv.weight}), in the pickle's
 * order, except tensors under optimizer state. Integer weights are dequantized with a per-channel {@code scale}
 * (and {@code zero_point}) stored beside them where one is recognisable, else read as they are (the fit is
 * scale-free), with a note either way. Views (storage offset, any strides) and storages shared by several tensors
 * are read as torch reads them. Every storage's size is checked against its record before it is read.
 */
public final class TorchReader {

    /** The extensions of PyTorch files. */
    public static final Set<String> EXTENSIONS = Set.of(".pt", ".pth", ".bin", ".ckpt");

    static final String ACCEPTED = "accepted: a torch.save zip archive (.pt .pth .bin .ckpt) of a state dict, "
            + "a checkpoint dict or a TorchScript module";
    static final String ACCEPTED_FILTERS = "accepted: tensors of shape (C·M,1,k,k) with k odd, " + FilterChecks.MIN_K
            + ".." + FilterChecks.MAX_K + ", dtype float16, bfloat16, float32, float64, int8 or uint8, "
            + "outside optimizer state";
    static final String RESAVE = "re-save the weights with torch.save(model.state_dict(), path)";
    static final int MAX_ENTRIES = 1_000_000;
    static final long MAX_PICKLE = 1L << 30;
    static final int MAX_DEPTH = 100;
    static final int MAX_VISITS = 1_000_000;
    /** The first bytes of a legacy (before PyTorch 1.6) file: a pickled magic number. */
    static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c,
        0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    private static final Set<String> OPTIMIZER_KEYS = Set.of("optimizer", "optimizers", "optimizer_states",
            "optimizer_state", "optimizer_state_dict", "optim", "opt_state", "exp_avg", "exp_avg_sq",
            "max_exp_avg_sq", "momentum_buffer", "square_avg", "acc_delta", "lr_schedulers", "lr_scheduler");

    /** Element types of storages and arrays. */
    enum Dtype {
        F16(2, "float16"), BF16(2, "bfloat16"), F32(4, "float32"), F64(8, "float64"), U8(1, "uint8"),
        I8(1, "int8"), I16(2, "int16"), I32(4, "int32"), I64(8, "int64"), BOOL(1, "bool"),
        C64(8, "complex64"), C128(16, "complex128"), QI8(1, "qint8"), QU8(1, "quint8"), QI32(4, "qint32");

        final int size;
        final String label;

        Dtype(int size, String label) {
            this.size = size;
            this.label = label;
        }

        boolean isFloat() {
            return this == F16 || this == BF16 || this == F32 || this == F64;
        }

        boolean isInt8() {
            return this == I8 || this == U8;
        }
    }

    private static final Map<String, Dtype> STORAGE_TYPES = Map.ofEntries(
            Map.entry("HalfStorage", Dtype.F16), Map.entry("BFloat16Storage", Dtype.BF16),
            Map.entry("FloatStorage", Dtype.F32), Map.entry("DoubleStorage", Dtype.F64),
            Map.entry("ByteStorage", Dtype.U8), Map.entry("CharStorage", Dtype.I8),
            Map.entry("ShortStorage", Dtype.I16), Map.entry("IntStorage", Dtype.I32),
            Map.entry("LongStorage", Dtype.I64), Map.entry("BoolStorage", Dtype.BOOL),
            Map.entry("ComplexFloatStorage", Dtype.C64), Map.entry("ComplexDoubleStorage", Dtype.C128),
            Map.entry("QInt8Storage", Dtype.QI8), Map.entry("QUInt8Storage", Dtype.QU8),
            Map.entry("QInt32Storage", Dtype.QI32), Map.entry("UntypedStorage", Dtype.U8));

    private static final Map<String, Dtype> NUMPY_TYPES = Map.ofEntries(
            Map.entry("f2", Dtype.F16), Map.entry("f4", Dtype.F32), Map.entry("f8", Dtype.F64),
            Map.entry("u1", Dtype.U8), Map.entry("i1", Dtype.I8), Map.entry("i2", Dtype.I16),
            Map.entry("i4", Dtype.I32), Map.entry("i8", Dtype.I64), Map.entry("b1", Dtype.BOOL),
            Map.entry("c8", Dtype.C64), Map.entry("c16", Dtype.C128));

    /** A storage named by a persistent id; its bytes are read from {@code data/<key>} when a layer needs them. */
    static final class Storage {
        final String key;
        final Dtype dtype;
        final long numel;
        byte[] bytes;

        Storage(String key, Dtype dtype, long numel) {
            this.key = key;
            this.dtype = dtype;
            this.numel = numel;
        }
    }

    /** A tensor: a strided view of a storage (in elements). */
    record Tensor(Storage storage, long offset, long[] size, long[] stride) {
    }

    /** A numpy dtype; {@code order} is its byte-order character. */
    static final class NpDtype {
        final String descr;
        char order = '=';

        NpDtype(String descr) {
            this.descr = descr;
        }
    }

    /** A numpy array, filled by its BUILD state; {@code data} null until then (or for object arrays). */
    static final class NdArray {
        NpDtype dtype;
        long[] shape;
        boolean fortran;
        byte[] data;
    }

    private TorchReader() {
    }

    /** True when the first bytes are those of a legacy (pre-zip) torch.save file. */
    static boolean isLegacy(byte[] head) {
        return head.length >= 4 && head[0] == LEGACY_MAGIC[0] && head[1] == LEGACY_MAGIC[1]
                && head[2] == LEGACY_MAGIC[2] && head[3] == LEGACY_MAGIC[3]
                && (head.length < LEGACY_MAGIC.length
                || Arrays.equals(head, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length));
    }

    /** True when a zip file holds a {@code <archive>/data.pkl} record (a torch.save or torch.jit.save archive). */
    static boolean isTorchZip(Path file) {
        return zipKind(file) == Boolean.TRUE;
    }

    /** True when a file is a readable zip archive without a {@code <archive>/data.pkl} record. */
    static boolean isOtherZip(Path file) {
        return zipKind(file) == Boolean.FALSE;
    }

    /** Whether a zip holds a data.pkl record; null when it is not a readable zip. */
    private static Boolean zipKind(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            if (zip.size() > MAX_ENTRIES) {
                return null;
            }
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                if (archivePrefix(en.nextElement().getName()) != null) {
                    return true;
                }
            }
            return false;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The archive name of a {@code <archive>/data.pkl} record name, else null. */
    private static String archivePrefix(String entry) {
        if (!entry.endsWith("/data.pkl")) {
            return null;
        }
        String p = entry.substring(0, entry.length() - "/data.pkl".length());
        return p.isEmpty() || p.indexOf('/') >= 0 ? null : p;
    }

    /**
     * Reads every depthwise layer of a PyTorch file (see the class comment). Skipped tensors and values, and how
     * integer weights were scaled, each give a line to {@code notes}; a file without any depthwise layer is an error
     * that lists what was skipped and why.
     */
    public static List<FilterBank> readFilters(Path file, Consumer<String> notes) throws IOException {
        String name = file.toString();
        long size = Files.size(file);
        if (size == 0) {
            throw new InputFormatException(name, "file is empty", ACCEPTED);
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(16);
        }
        if (isLegacy(head)) {
            throw new InputFormatException(name, "legacy PyTorch format (before 1.6: pickles, not a zip archive), "
                    + "which is not read", "re-save it with a current torch: torch.save(torch.load(old), new), or "
                    + RESAVE);
        }
        if (head.length > 0 && (head[0] & 0xff) == 0x80) {
            throw new InputFormatException(name, "a bare pickle, not a torch.save zip archive",
                    ACCEPTED + ", or " + RESAVE + " with a current torch");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new InputFormatException(name, "not a readable zip archive (" + NpzReader.oneLine(e)
                    + "): truncated, corrupt or not written by torch.save", ACCEPTED, e);
        }
        try (zip) {
            return new Reading(zip, name, notes).read();
        } catch (ZipException | EOFException e) {
            throw new InputFormatException(name, "corrupt zip archive (" + NpzReader.oneLine(e) + ")", ACCEPTED, e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new InputFormatException(name, "corrupt zip archive (" + NpzReader.oneLine(e) + ")", ACCEPTED, e);
        }
    }

    /** One file being read. */
    private static final class Reading implements Unpickler.Resolver {
        private final ZipFile zip;
        private final String name;
        private final Consumer<String> notes;
        private String prefix;
        private boolean bigEndian;
        private boolean torchScript;
        private final Map<String, Storage> storages = new HashMap<>();
        private final List<String> skipped = new ArrayList<>();
        private final List<FilterBank> banks = new ArrayList<>();
        private int visits;
        /** The dicts in which a 4-d tensor was already seen (a depthwise-shaped first one may be a stem). */
        private final Set<PyDict> convSeen = Collections.newSetFromMap(new IdentityHashMap<>());

        Reading(ZipFile zip, String name, Consumer<String> notes) {
            this.zip = zip;
            this.name = name;
            this.notes = notes;
        }

        List<FilterBank> read() throws IOException {
            if (zip.size() > MAX_ENTRIES) {
                throw new InputFormatException(name, "the archive lists " + zip.size() + " records (at most "
                        + MAX_ENTRIES + ")", ACCEPTED);
            }
            ZipEntry pkl = null;
            Enumeration<? extends ZipEntry> en = zip.entries();
            List<String> names = new ArrayList<>();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                names.add(e.getName());
                if (pkl == null && archivePrefix(e.getName()) != null) {
                    pkl = e;
                    prefix = archivePrefix(e.getName());
                }
            }
            if (pkl == null) {
                throw new InputFormatException(name, "a zip archive without an <archive>/data.pkl record, so not "
                        + "written by torch.save", ACCEPTED);
            }
            for (String n : names) {
                if (n.equals(prefix + "/constants.pkl") || n.startsWith(prefix + "/code/")) {
                    torchScript = true;
                }
            }
            ZipEntry bo = zip.getEntry(prefix + "/byteorder");
            if (bo != null) {
                String order = new String(record(bo, 16, "byteorder"), StandardCharsets.US_ASCII).strip();
                if (!order.equals("little") && !order.equals("big")) {
                    throw new InputFormatException(name, "record '" + prefix + "/byteorder' says '"
                            + clip(order) + "'", "accepted: 'little' or 'big'");
                }
                bigEndian = order.equals("big");
            }
            byte[] pickle = record(pkl, MAX_PICKLE, "data.pkl");
            Object root = Unpickler.load(pickle, name, "record '" + pkl.getName() + "'", this);
            walk(root, "", null, null, 0, Collections.newSetFromMap(new IdentityHashMap<>()));
            if (banks.isEmpty()) {
                throw new InputFormatException(name, "no depthwise tensor found" + (skipped.isEmpty()
                        ? " (the file holds no tensors)" : " (skipped " + NpzReader.summary(skipped) + ")"),
                        ACCEPTED_FILTERS);
            }
            return banks;
        }

        /** The bytes of a small record, read with a size limit (the central directory's size may lie). */
        private byte[] record(ZipEntry e, long limit, String what) throws IOException {
            if (e.getSize() > limit) {
                throw new InputFormatException(name, "record '" + e.getName() + "' has " + e.getSize()
                        + " bytes (at most " + limit + " for " + what + ")", ACCEPTED);
            }
            try (InputStream in = zip.getInputStream(e)) {
                byte[] b = in.readNBytes((int) Math.min(limit, e.getSize() >= 0 ? e.getSize() : limit));
                if (e.getSize() >= 0 && b.length != e.getSize()) {
                    throw new InputFormatException(name, "record '" + e.getName() + "' is truncated (" + b.length
                            + " of " + e.getSize() + " bytes)", ACCEPTED);
                }
                ZipCrc.check(name, e, b, null);
                return b;
            }
        }

        // ---- the resolver: what the pickle's calls and persistent ids mean

        @Override
        public Object persistentLoad(Object pid, long at) throws InputFormatException {
            if (!(pid instanceof PyTuple t) || t.size() < 5 || !"storage".equals(t.get(0))
                    || !(t.get(1) instanceof Global type) || !(t.get(2) instanceof String || t.get(2) instanceof Long)
                    || !(t.get(4) instanceof Long numel) || numel < 0) {
                throw pickleError(at, "a persistent id that is not ('storage', storage type, key, location, "
                        + "numel)");
            }
            Dtype dtype = type.module().startsWith("torch") ? STORAGE_TYPES.get(type.name()) : null;
            if (dtype == null) {
                throw pickleError(at, "storage type " + type.qualified() + " is not known");
            }
            String key = String.valueOf(t.get(2));
            String id = key + "/" + dtype;
            Storage s = storages.get(id);
            if (s == null) {
                if (storages.size() >= MAX_ENTRIES) {
                    throw pickleError(at, "more storages than records");
                }
                s = new Storage(key, dtype, numel);
                storages.put(id, s);
            }
            return s;
        }

        @Override
        public Object call(Global fn, PyTuple args, long at) throws InputFormatException {
            String q = fn.qualified();
            switch (q) {
                case "collections.OrderedDict":
                    return new PyDict();
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
                    return tensor(q, args, at);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
                    if (args.size() >= 1 && args.get(0) instanceof Tensor t) {
                        return t;
                    }
                    throw pickleError(at, q + " of a value that is not a tensor");
                case "torch._tensor._rebuild_from_type_v2":
                    if (args.size() >= 3 && args.get(0) instanceof Global f && args.get(2) instanceof PyTuple a) {
                        Object v = call(f, a, at);
                        return v != null ? v : new Opaque(f, a);
                    }
                    throw pickleError(at, q + " without (function, type, arguments, state)");
                case "torch.Size", "torch.jit._pickle.build_intlist", "torch.jit._pickle.build_doublelist",
                        "torch.jit._pickle.build_boollist", "torch.jit._pickle.build_tensorlist",
                        "torch.jit._pickle.restore_type_tag":
                    return args.size() >= 1 ? args.get(0) : null;
                case "_codecs.encode":
                    if (args.size() >= 1 && args.get(0) instanceof String s) {
                        String enc = args.size() >= 2 && args.get(1) instanceof String e ? e : "utf-8";
                        return s.getBytes(enc.toLowerCase(Locale.ROOT).replace("-", "").equals("latin1")
                                ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
                    }
                    throw pickleError(at, q + " of a value that is not a string");
                case "builtins.set", "builtins.frozenset", "__builtin__.set", "__builtin__.frozenset": {
                    PyList l = new PyList();
                    if (args.size() >= 1 && args.get(0) instanceof PyList items) {
                        l.addAll(items);
                    }
                    return l;
                }
                case "builtins.bytearray", "__builtin__.bytearray":
                    if (args.size() >= 1 && args.get(0) instanceof byte[] b) {
                        return b;
                    }
                    return args.size() == 0 ? new byte[0] : null;
                case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
                    return new NdArray();
                case "numpy.dtype":
                    if (args.size() >= 1 && args.get(0) instanceof String d) {
                        return new NpDtype(d);
                    }
                    throw pickleError(at, q + " of a value that is not a string");
                case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar":
                    return scalar(args);
                default:
                    return null;
            }
        }

        @Override
        public boolean build(Object obj, Object state, long at) throws InputFormatException {
            if (obj instanceof NdArray a) {
                if (!(state instanceof PyTuple t) || t.size() < 5 || !(t.get(1) instanceof PyTuple shape)
                        || !(t.get(2) instanceof NpDtype d) || !(t.get(3) instanceof Boolean f)) {
                    throw pickleError(at, "a numpy array whose state is not (version, shape, dtype, fortran, data)");
                }
                a.shape = longs(shape, "numpy array shape", at);
                a.dtype = d;
                a.fortran = f;
                a.data = t.get(4) instanceof byte[] b ? b : null;
                return true;
            }
            if (obj instanceof NpDtype d) {
                if (state instanceof PyTuple t && t.size() >= 2 && t.get(1) instanceof String o && o.length() == 1) {
                    d.order = o.charAt(0);
                }
                return true;
            }
            return obj instanceof Tensor || obj instanceof PyDict;
        }

        private Object scalar(PyTuple args) {
            if (args.size() >= 2 && args.get(0) instanceof NpDtype d && args.get(1) instanceof byte[] b) {
                Dtype t = NUMPY_TYPES.get(d.descr.replaceAll("^[<>|=]", ""));
                if (t != null && t != Dtype.C64 && t != Dtype.C128 && b.length == t.size) {
                    return value(b, 0, t, d.order == '>');
                }
            }
            return null;
        }

        private Tensor tensor(String q, PyTuple args, long at) throws InputFormatException {
            if (args.size() < 4 || !(args.get(0) instanceof Storage s) || !(args.get(1) instanceof Long offset)
                    || !(args.get(2) instanceof PyTuple size) || !(args.get(3) instanceof PyTuple stride)
                    || size.size() != stride.size() || size.size() > 32 || offset < 0) {
                throw pickleError(at, q + " with arguments that are not (storage, offset, size, stride, ...)");
            }
            return new Tensor(s, offset, longs(size, "tensor size", at), longs(stride, "tensor stride", at));
        }

        private long[] longs(PyTuple t, String what, long at) throws InputFormatException {
            if (t.size() > 32) {
                throw pickleError(at, what + " has " + t.size() + " dimensions");
            }
            long[] out = new long[t.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(t.get(i) instanceof Long v) || v < 0) {
                    throw pickleError(at, what + " holds a value that is not a non-negative integer");
                }
                out[i] = v;
            }
            return out;
        }

        private InputFormatException pickleError(long at, String problem) {
            return new InputFormatException(name, "record '" + prefix + "/data.pkl' at byte " + at + ": " + problem,
                    ACCEPTED);
        }

        // ---- the walk over the unpickled value

        private void walk(Object o, String path, PyDict parent, String key, int depth, Set<Object> open) throws IOException {
            if (isLeaf(o)) {
                return;
            }
            if (++visits > MAX_VISITS) {
                throw new InputFormatException(name, "the pickle's values reach more than " + MAX_VISITS
                        + " containers and tensors (values shared many times over)", ACCEPTED);
            }
            if (depth > MAX_DEPTH) {
                throw new InputFormatException(name, "value '" + path + "' is nested more than " + MAX_DEPTH
                        + " levels deep", ACCEPTED);
            }
            if (o instanceof PyDict d) {
                if (!open.add(d)) {
                    return;
                }
                for (int i = 0; i < d.size(); i++) {
                    Object k = d.keys.get(i);
                    String ks = k instanceof String s ? s : k instanceof Long || k instanceof Boolean
                            || k instanceof BigInteger ? String.valueOf(k) : "<key " + i + ">";
                    String child = path.isEmpty() ? ks : path + "." + ks;
                    if (OPTIMIZER_KEYS.contains(ks.toLowerCase(Locale.ROOT))) {
                        skip(child, "optimizer state");
                        continue;
                    }
                    walk(d.values.get(i), child, k instanceof String ? d : null, ks, depth + 1, open);
                }
                open.remove(d);
            } else if (o instanceof PyList l) {
                if (!open.add(l)) {
                    return;
                }
                for (int i = 0; i < l.size(); i++) {
                    walk(l.get(i), path.isEmpty() ? "" + i : path + "." + i, null, null, depth + 1, open);
                }
                open.remove(l);
            } else if (o instanceof PyTuple t) {
                for (int i = 0; i < t.size(); i++) {
                    walk(t.get(i), path.isEmpty() ? "" + i : path + "." + i, null, null, depth + 1, open);
                }
            } else if (o instanceof Tensor t) {
                tensorLayer(path, t, parent, key);
            } else if (o instanceof NdArray a) {
                arrayLayer(path, a, parent, key);
            } else if (o instanceof Opaque op) {
                if (torchScript && op.global.module().startsWith("__torch__")) {
                    if (!open.add(op)) {
                        return;
                    }
                    walk(op.state, path, null, null, depth + 1, open);
                    open.remove(op);
                    return;
                }
                String where = path.isEmpty() ? "the top-level value" : "'" + path + "'";
                if (holdsDepthwise(op.args, 0, Collections.newSetFromMap(new IdentityHashMap<>()))
                        || holdsDepthwise(op.state, 0, Collections.newSetFromMap(new IdentityHashMap<>()))) {
                    throw new InputFormatException(name, where + " is built by global " + op.global.qualified()
                            + ", which is never called, and holds tensors (e.g. a whole pickled model or module)",
                            RESAVE);
                }
                skip(path, "a call of global " + op.global.qualified() + ", kept opaque (never executed)");
            } else if (o instanceof Global g) {
                skip(path, "a reference to global " + g.qualified() + " (never imported)");
            }
        }

        private boolean holdsDepthwise(Object o, int depth, Set<Object> seen) throws InputFormatException {
            if (isLeaf(o) || depth > MAX_DEPTH || !seen.add(o)) {
                return false;
            }
            if (++visits > MAX_VISITS) {
                throw new InputFormatException(name, "the pickle's values reach more than " + MAX_VISITS
                        + " containers and tensors (values shared many times over)", ACCEPTED);
            }
            if (o instanceof Tensor t) {
                return FilterChecks.depthwiseProblem(t.size()) == null;
            }
            if (o instanceof NdArray a) {
                return a.shape != null && FilterChecks.depthwiseProblem(a.shape) == null;
            }
            List<Object> children = o instanceof PyDict d ? d.values : o instanceof PyList l ? l
                    : o instanceof PyTuple t ? t.items : o instanceof Opaque op ? Arrays.asList(op.args, op.state)
                    : List.of();
            for (Object c : children) {
                if (holdsDepthwise(c, depth + 1, seen)) {
                    return true;
                }
            }
            return false;
        }

        private void skip(String path, String why) {
            String what = path.isEmpty() ? "the top-level value" : "'" + path + "'";
            skipped.add(what + ": " + why);
            notes.accept(name + ": skipped " + what + ": " + why);
        }

        private void tensorLayer(String path, Tensor t, PyDict parent, String key) throws IOException {
            Dtype dtype = t.storage().dtype;
            String why = skipReason(t.size(), dtype);
            if (why != null) {
                if (parent != null && t.size().length == 4) {
                    convSeen.add(parent);
                }
                skip(path, why);
                return;
            }
            if (parent != null && !torchScript && convSeen.add(parent)) {
                notes.accept(name + ": layer '" + path + "' is the first convolution weight of its state dict: if it "
                        + "is a one-input-channel convolution (a grayscale stem) rather than depthwise, ignore its fits");
            }
            double[] v = values(path, t);
            addLayer(path, t.size(), dtype, v, parent, key);
        }

        private void arrayLayer(String path, NdArray a, PyDict parent, String key) throws IOException {
            if (a.shape == null || a.dtype == null) {
                skip(path, "a numpy array without data");
                return;
            }
            String descr = a.dtype.descr;
            char order = a.dtype.order;
            if (!descr.isEmpty() && "<>|=".indexOf(descr.charAt(0)) >= 0) {
                order = descr.charAt(0);
                descr = descr.substring(1);
            }
            Dtype dtype = NUMPY_TYPES.get(descr);
            if (dtype == null) {
                skip(path, "numpy array of dtype '" + clip(a.dtype.descr) + "'");
                return;
            }
            String why = skipReason(a.shape, dtype);
            if (why != null) {
                skip(path, why);
                return;
            }
            long n = elements(a.shape);
            if (a.data == null || a.data.length != n * dtype.size) {
                throw new InputFormatException(name, "numpy array '" + path + "' of shape "
                        + NpyArray.shapeString(a.shape) + " holds " + (a.data == null ? "no" : a.data.length)
                        + " data bytes, not " + n * dtype.size, ACCEPTED);
            }
            long[] stride = new long[a.shape.length];
            long s = 1;
            for (int i = 0; i < stride.length; i++) {
                int d = a.fortran ? i : stride.length - 1 - i;
                stride[d] = s;
                s *= a.shape[d];
            }
            double[] v = gather(a.data, dtype, order == '>', 0, a.shape, stride);
            addLayer(path, a.shape, dtype, v, parent, key);
        }

        private void addLayer(String path, long[] shape, Dtype dtype, double[] v, PyDict parent, String key) throws IOException {
            int k = (int) shape[3];
            int count = (int) shape[0];
            if (dtype.isInt8()) {
                dequantize(path, count, v, parent, key);
            }
            FilterBank bank = new FilterBank(name, path, k, count, v);
            FilterChecks.validate(bank);
            banks.add(bank);
        }

        /**
         * Scales integer weights by a per-channel scale (and zero point) stored beside them under the same parent,
         * where there is one: for key {@code P.weight}, {@code P.scale}, {@code P.scales}, {@code P.weight_scale} or
         * {@code <key>_scale}; zero points likewise.
         */
        private void dequantize(String path, int count, double[] v, PyDict parent, String leaf) throws IOException {
            if (parent != null && leaf != null) {
                String base = leaf.contains(".") ? leaf.substring(0, leaf.lastIndexOf('.') + 1) : "";
                String prefix = path.substring(0, path.length() - leaf.length());
                String[] scales = {base + "scale", base + "scales", base + "weight_scale", leaf + "_scale"};
                String[] zeros = {base + "zero_point", base + "zero_points", base + "weight_zero_point",
                    leaf + "_zero_point"};
                for (String s : scales) {
                    double[] scale = perChannel(parent.get(s), count, prefix + s);
                    if (scale == null) {
                        continue;
                    }
                    double[] zero = null;
                    String zname = null;
                    for (String z : zeros) {
                        zero = perChannel(parent.get(z), count, prefix + z);
                        if (zero != null) {
                            zname = z;
                            break;
                        }
                    }
                    int kk = v.length / count;
                    for (int o = 0; o < count; o++) {
                        double sc = scale[scale.length == 1 ? 0 : o];
                        double zp = zero == null ? 0 : zero[zero.length == 1 ? 0 : o];
                        for (int j = 0; j < kk; j++) {
                            v[o * kk + j] = sc * (v[o * kk + j] - zp);
                        }
                    }
                    notes.accept(name + ": layer '" + path + "': integer weights dequantized with '" + prefix + s
                            + "'" + (zname == null ? "" : " and '" + prefix + zname + "'"));
                    return;
                }
            }
            notes.accept(name + ": layer '" + path + "': integer weights without a recognisable scale beside them "
                    + "are fitted as they are (the fit is scale-free)");
        }

        /** A scale or zero point: a tensor, array or number with 1 or {@code count} values, else null. */
        private double[] perChannel(Object o, int count, String path) throws IOException {
            if (o instanceof Double d) {
                return new double[] {d};
            }
            if (o instanceof Long l) {
                return new double[] {l};
            }
            if (o instanceof Tensor t && t.storage().dtype != Dtype.C64 && t.storage().dtype != Dtype.C128
                    && t.size().length <= 1) {
                long n = elements(t.size());
                if (n == 1 || n == count) {
                    return values(path, t);
                }
            }
            return null;
        }

        private double[] values(String path, Tensor t) throws IOException {
            Storage s = t.storage();
            long n = elements(t.size());
            long last = t.offset();
            try {
                for (int i = 0; i < t.size().length; i++) {
                    last = Math.addExact(last, Math.multiplyExact(t.size()[i] - 1, t.stride()[i]));
                }
            } catch (ArithmeticException e) {
                last = Long.MAX_VALUE;
            }
            if (n > 0 && last >= s.numel) {
                throw new InputFormatException(name, "tensor '" + path + "': offset " + t.offset() + ", size "
                        + NpyArray.shapeString(t.size()) + " and stride " + NpyArray.shapeString(t.stride())
                        + " reach element " + last + " of a storage of " + s.numel, ACCEPTED);
            }
            return gather(storageBytes(path, s), s.dtype, bigEndian, t.offset(), t.size(), t.stride());
        }

        private byte[] storageBytes(String path, Storage s) throws IOException {
            if (s.bytes != null) {
                return s.bytes;
            }
            String rec = prefix + "/data/" + s.key;
            ZipEntry e = zip.getEntry(rec);
            if (e == null) {
                throw new InputFormatException(name, "tensor '" + path + "': its storage record '" + rec
                        + "' is missing", ACCEPTED);
            }
            long need = s.numel > Long.MAX_VALUE / 16 ? Long.MAX_VALUE : s.numel * s.dtype.size;
            if (e.getSize() != need) {
                throw new InputFormatException(name, "tensor '" + path + "': storage record '" + rec + "' holds "
                        + e.getSize() + " bytes, but " + s.numel + " " + s.dtype.label + " elements need " + need,
                        ACCEPTED);
            }
            if (need > NpyReader.MAX_ELEMENTS) {
                throw new InputFormatException(name, "tensor '" + path + "': storage '" + s.key + "' of " + s.numel
                        + " elements is too large to read", ACCEPTED);
            }
            try (InputStream in = zip.getInputStream(e)) {
                byte[] b = in.readNBytes((int) need); // grows with the data actually read
                if (b.length != need) {
                    throw new InputFormatException(name, "tensor '" + path + "': storage record '" + rec
                            + "' is truncated (" + b.length + " of " + need + " bytes)", ACCEPTED);
                }
                ZipCrc.check(name, e, b, "tensor '" + path + "'");
                s.bytes = b;
                return b;
            }
        }
    }

    /** True for the values a walk need not enter: numbers, strings, bytes, None. */
    private static boolean isLeaf(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof Double || o instanceof Boolean
                || o instanceof BigInteger || o instanceof byte[];
    }

    /** Null for a depthwise float or int8 shape and dtype, else why it is skipped. */
    private static String skipReason(long[] s, Dtype dtype) {
        String p = FilterChecks.depthwiseProblem(s);
        if (p != null) {
            return p;
        }
        if (!dtype.isFloat() && !dtype.isInt8()) {
            return "dtype " + dtype.label + " is not float16, bfloat16, float32, float64, int8 or uint8";
        }
        return null;
    }


    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The values of a strided view in C order, as doubles. */
    private static double[] gather(byte[] b, Dtype dtype, boolean big, long offset, long[] size, long[] stride) {
        int n = (int) elements(size);
        double[] out = new double[n];
        int rank = size.length;
        long[] idx = new long[rank];
        long e = offset;
        for (int i = 0; i < n; i++) {
            out[i] = value(b, (int) (e * dtype.size), dtype, big);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    e += stride[d];
                    break;
                }
                e -= (size[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    private static double value(byte[] b, int at, Dtype dtype, boolean big) {
        switch (dtype) {
            case U8, QU8:
                return b[at] & 0xff;
            case I8, QI8:
                return b[at];
            case BOOL:
                return b[at] != 0 ? 1 : 0;
            default:
                break;
        }
        long bits = 0;
        int size = dtype == Dtype.C64 ? 4 : dtype == Dtype.C128 ? 8 : dtype.size;
        for (int i = 0; i < size; i++) {
            int byteAt = big ? at + i : at + size - 1 - i;
            bits = bits << 8 | (b[byteAt] & 0xff);
        }
        return switch (dtype) {
            case F16 -> SafetensorsReader.halfToFloat((short) bits);
            case BF16 -> Float.intBitsToFloat((int) bits << 16);
            case F32, C64 -> Float.intBitsToFloat((int) bits);
            case F64, C128 -> Double.longBitsToDouble(bits);
            case I16 -> (short) bits;
            case I32, QI32 -> (int) bits;
            default -> bits;
        };
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
