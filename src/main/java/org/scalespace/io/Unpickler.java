package org.scalespace.io;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted interpreter of Python pickles (protocols 0 to 5) that builds plain Java values and never executes
 * anything: a global is only a name ({@link Global}); calling one ({@code REDUCE}, {@code NEWOBJ}, {@code INST},
 * {@code OBJ}) asks the {@link Resolver}, which rebuilds the few callables it knows and otherwise gets an
 * {@link Opaque} value that records the call.
 *
 * <p>Values: {@code null} (None), {@link Boolean}, {@link Long} (or {@link BigInteger} beyond 64 bits),
 * {@link Double}, {@link String}, {@code byte[]}, {@link PyList} (lists and sets), {@link PyTuple}, {@link PyDict},
 * {@link Global}, {@link Opaque}, and whatever the resolver returns.
 *
 * <p>Limits: every length is checked against the bytes that remain before anything is allocated; the stack, the
 * memo and the mark stack are capped; a long integer has at most {@value #MAX_LONG_BYTES} bytes; out-of-band buffers
 * and the extension registry are refused. Interpreting is iterative, so no input can overflow the Java stack; the
 * values may still be deeply nested or cyclic, which whoever walks them must bound.
 */
final class Unpickler {

    static final int MAX_STACK = 1 << 20;
    static final int MAX_MEMO = 1 << 20;
    static final int MAX_MARKS = 1 << 16;
    static final int MAX_LONG_BYTES = 1024;
    static final int MAX_LINE = 1 << 16;

    /** A module-qualified name, never looked up or imported. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return qualified();
        }
    }

    /** A Python list (or set, frozenset). */
    static final class PyList extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean equals(Object o) {
            return this == o;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }
    }

    /** A Python tuple. */
    static final class PyTuple {
        final List<Object> items;

        PyTuple(List<Object> items) {
            this.items = items;
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /** A Python dict in insertion order; only string keys are hashed (a key may be any value). */
    static final class PyDict {
        final List<Object> keys = new ArrayList<>();
        final List<Object> values = new ArrayList<>();
        private final Map<String, Integer> index = new HashMap<>();

        void put(Object k, Object v) {
            if (k instanceof String s) {
                Integer i = index.get(s);
                if (i != null) {
                    values.set(i, v);
                    return;
                }
                index.put(s, keys.size());
            }
            keys.add(k);
            values.add(v);
        }

        /** The value of a string key, or null. */
        Object get(String key) {
            Integer i = index.get(key);
            return i == null ? null : values.get(i);
        }

        int size() {
            return keys.size();
        }
    }

    /** The value of a call of a global that was not rebuilt: the callable, its arguments, and any BUILD state. */
    static final class Opaque {
        final Global global;
        final Object args;
        Object state;

        Opaque(Global global, Object args) {
            this.global = global;
            this.args = args;
        }
    }

    /** What calls of globals and persistent ids mean; nothing else gives a global meaning. */
    interface Resolver {
        /** The value of {@code fn(*args)}, or null to keep the call as an {@link Opaque}. */
        Object call(Global fn, PyTuple args, long at) throws InputFormatException;

        /** The value of a persistent id. */
        Object persistentLoad(Object pid, long at) throws InputFormatException;

        /** Applies a BUILD state to a value the resolver made; returns false when the value is not its own. */
        boolean build(Object obj, Object state, long at) throws InputFormatException;
    }

    private final byte[] in;
    private final String file;
    private final String what;
    private final Resolver resolver;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final int[] marks = new int[MAX_MARKS];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] in, String file, String what, Resolver resolver) {
        this.in = in;
        this.file = file;
        this.what = what;
        this.resolver = resolver;
    }

    /**
     * Interprets one pickle.
     *
     * @param what names the pickle in messages, e.g. {@code record 'archive/data.pkl'}
     * @throws InputFormatException for any malformed, truncated or unsupported pickle
     */
    static Object load(byte[] pickle, String file, String what, Resolver resolver) throws InputFormatException {
        return new Unpickler(pickle, file, what, resolver).run();
    }

    private InputFormatException error(long at, String problem) {
        return new InputFormatException(file, what + " at byte " + at + ": " + problem,
                "accepted: a pickle of tensors, numpy arrays and plain containers as torch.save writes it");
    }

    private Object run() throws InputFormatException {
        while (true) {
            if (pos >= in.length) {
                throw error(pos, "the pickle ends without a STOP opcode (truncated)");
            }
            int at = pos;
            int op = in[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > 5) {
                        throw error(at, "pickle protocol " + p + " is newer than 5");
                    }
                }
                case 0x95 -> { // FRAME: its length is only a hint
                    need(8, at);
                    pos += 8;
                }
                case '.' -> { // STOP
                    Object v = pop(at);
                    return v;
                }
                case '(' -> {
                    if (markCount == MAX_MARKS) {
                        throw error(at, "more than " + MAX_MARKS + " open marks");
                    }
                    marks[markCount++] = stack.size();
                }
                case '0' -> pop(at);
                case '1' -> popMark(at);
                case '2' -> push(peek(at), at);
                case 'N' -> push(null, at);
                case 0x88 -> push(Boolean.TRUE, at);
                case 0x89 -> push(Boolean.FALSE, at);
                case 'K' -> push((long) u8(), at);
                case 'M' -> push((long) (u8() | u8() << 8), at);
                case 'J' -> push((long) s32(at), at);
                case 0x8a -> push(longBytes(u8(), at), at);
                case 0x8b -> push(longBytes(s32(at), at), at);
                case 'I' -> push(parseInt(line(at), at), at);
                case 'L' -> {
                    String s = line(at);
                    push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s, at), at);
                }
                case 'F' -> {
                    String s = line(at);
                    try {
                        push(Double.parseDouble(s), at);
                    } catch (NumberFormatException e) {
                        throw error(at, "FLOAT '" + clip(s) + "' is not a number");
                    }
                }
                case 'G' -> {
                    need(8, at);
                    long bits = 0;
                    for (int i = 0; i < 8; i++) {
                        bits = bits << 8 | (in[pos++] & 0xff);
                    }
                    push(Double.longBitsToDouble(bits), at);
                }
                case 'X' -> push(utf8(u32(at), at), at);
                case 0x8c -> push(utf8(u8(), at), at);
                case 0x8d -> push(utf8(u64(at), at), at);
                case 'V' -> push(unicodeEscape(line(at)), at);
                case 'S' -> push(quoted(line(at), at), at);
                case 'T' -> push(latin1(s32(at), at), at);
                case 'U' -> push(latin1(u8(), at), at);
                case 'B' -> push(bytes(u32(at), at), at);
                case 'C' -> push(bytes(u8(), at), at);
                case 0x8e, 0x96 -> push(bytes(u64(at), at), at);
                case 0x97, 0x98 -> throw error(at, "out-of-band buffers are not supported");
                case 0x82, 0x83, 0x84 -> throw error(at, "the extension registry (EXT opcodes) is not supported");
                case ')' -> push(new PyTuple(List.of()), at);
                case 0x85, 0x86, 0x87 -> {
                    int n = op - 0x84;
                    Object[] items = new Object[n];
                    for (int i = n - 1; i >= 0; i--) {
                        items[i] = pop(at);
                    }
                    push(new PyTuple(Arrays.asList(items)), at);
                }
                case 't' -> push(new PyTuple(new ArrayList<>(popMark(at))), at);
                case ']' -> push(new PyList(), at);
                case 'l' -> {
                    PyList l = new PyList();
                    l.addAll(popMark(at));
                    push(l, at);
                }
                case '}' -> push(new PyDict(), at);
                case 'd' -> {
                    List<Object> items = popMark(at);
                    PyDict d = new PyDict();
                    setItems(d, items, at);
                    push(d, at);
                }
                case 0x8f -> push(new PyList(), at);
                case 0x91 -> {
                    PyList l = new PyList();
                    l.addAll(popMark(at));
                    push(l, at);
                }
                case 'a' -> {
                    Object v = pop(at);
                    list(peek(at), at).add(v);
                }
                case 'e', 0x90 -> {
                    List<Object> items = popMark(at);
                    list(peek(at), at).addAll(items);
                }
                case 's' -> {
                    Object v = pop(at);
                    Object k = pop(at);
                    dict(peek(at), at).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark(at);
                    setItems(dict(peek(at), at), items, at);
                }
                case 'g' -> push(memoGet(parseIndex(line(at), at), at), at);
                case 'h' -> push(memoGet(u8(), at), at);
                case 'j' -> push(memoGet(u32(at), at), at);
                case 'p' -> memoPut(parseIndex(line(at), at), at);
                case 'q' -> memoPut(u8(), at);
                case 'r' -> memoPut(u32(at), at);
                case 0x94 -> memoPut(memo.size(), at);
                case 'c' -> {
                    String module = line(at);
                    String name = line(at);
                    push(new Global(module, name), at);
                }
                case 0x93 -> {
                    Object name = pop(at);
                    Object module = pop(at);
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error(at, "STACK_GLOBAL needs two strings");
                    }
                    push(new Global(m, n), at);
                }
                case 'R' -> {
                    Object args = pop(at);
                    Object fn = pop(at);
                    push(call(fn, args, at), at);
                }
                case 0x81 -> {
                    Object args = pop(at);
                    Object cls = pop(at);
                    push(call(cls, args, at), at);
                }
                case 0x92 -> {
                    pop(at); // keyword arguments: kept out of the value, nothing is called
                    Object args = pop(at);
                    Object cls = pop(at);
                    push(call(cls, args, at), at);
                }
                case 'i' -> {
                    Global g = new Global(line(at), line(at));
                    push(call(g, new PyTuple(new ArrayList<>(popMark(at))), at), at);
                }
                case 'o' -> {
                    List<Object> items = popMark(at);
                    if (items.isEmpty()) {
                        throw error(at, "OBJ without a class");
                    }
                    push(call(items.get(0), new PyTuple(new ArrayList<>(items.subList(1, items.size()))), at), at);
                }
                case 'b' -> {
                    Object state = pop(at);
                    Object obj = peek(at);
                    if (!resolver.build(obj, state, at) && obj instanceof Opaque o) {
                        o.state = state;
                    }
                }
                case 'Q' -> push(resolver.persistentLoad(pop(at), at), at);
                case 'P' -> push(resolver.persistentLoad(line(at), at), at);
                default -> throw error(at, String.format("unknown opcode 0x%02x", op));
            }
        }
    }

    private Object call(Object fn, Object args, long at) throws InputFormatException {
        if (!(fn instanceof Global g)) {
            throw error(at, "a call of a value that is not a global");
        }
        PyTuple t = args instanceof PyTuple pt ? pt : new PyTuple(List.of(args == null ? "None" : args));
        Object v = resolver.call(g, t, at);
        return v != null ? v : new Opaque(g, args);
    }

    private void setItems(PyDict d, List<Object> items, long at) throws InputFormatException {
        if (items.size() % 2 != 0) {
            throw error(at, "SETITEMS with an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    private List<Object> list(Object o, long at) throws InputFormatException {
        if (o instanceof PyList l) {
            return l;
        }
        throw error(at, "APPEND to a value that is not a list");
    }

    private PyDict dict(Object o, long at) throws InputFormatException {
        if (o instanceof PyDict d) {
            return d;
        }
        throw error(at, "SETITEM on a value that is not a dict");
    }

    private void push(Object v, long at) throws InputFormatException {
        if (stack.size() >= MAX_STACK) {
            throw error(at, "the stack holds more than " + MAX_STACK + " values");
        }
        stack.add(v);
    }

    private Object pop(long at) throws InputFormatException {
        int n = stack.size();
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (n <= floor) {
            throw error(at, "stack underflow");
        }
        return stack.remove(n - 1);
    }

    private Object peek(long at) throws InputFormatException {
        int n = stack.size();
        int floor = markCount == 0 ? 0 : marks[markCount - 1];
        if (n <= floor) {
            throw error(at, "stack underflow");
        }
        return stack.get(n - 1);
    }

    private List<Object> popMark(long at) throws InputFormatException {
        if (markCount == 0) {
            throw error(at, "no mark on the stack");
        }
        int m = marks[--markCount];
        List<Object> tail = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return tail;
    }

    private Object memoGet(long index, long at) throws InputFormatException {
        Object v = memo.get(index);
        if (v == null && !memo.containsKey(index)) {
            throw error(at, "memo entry " + index + " is read before it is written");
        }
        return v;
    }

    private void memoPut(long index, long at) throws InputFormatException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw error(at, "the memo holds more than " + MAX_MEMO + " values");
        }
        memo.put(index, peek(at));
    }

    private void need(long n, long at) throws InputFormatException {
        if (n < 0 || n > in.length - pos) {
            throw error(at, "a length of " + n + " bytes runs past the end of the pickle (" + (in.length - pos)
                    + " bytes left)");
        }
    }

    private int u8() throws InputFormatException {
        need(1, pos - 1);
        return in[pos++] & 0xff;
    }

    private int s32(long at) throws InputFormatException {
        need(4, at);
        int v = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8 | (in[pos + 2] & 0xff) << 16 | in[pos + 3] << 24;
        pos += 4;
        return v;
    }

    private long u32(long at) throws InputFormatException {
        return s32(at) & 0xffffffffL;
    }

    private long u64(long at) throws InputFormatException {
        need(8, at);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (in[pos + i] & 0xff);
        }
        pos += 8;
        if (v < 0) {
            throw error(at, "a length of " + Long.toUnsignedString(v) + " bytes runs past the end of the pickle");
        }
        return v;
    }

    private Object longBytes(long n, long at) throws InputFormatException {
        need(n, at);
        if (n > MAX_LONG_BYTES) {
            throw error(at, "an integer of " + n + " bytes (at most " + MAX_LONG_BYTES + ")");
        }
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[(int) n];
        for (int i = 0; i < n; i++) {
            be[i] = in[pos + (int) n - 1 - i];
        }
        pos += (int) n;
        BigInteger b = new BigInteger(be);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private byte[] bytes(long n, long at) throws InputFormatException {
        need(n, at);
        byte[] b = Arrays.copyOfRange(in, pos, pos + (int) n);
        pos += (int) n;
        return b;
    }

    private String utf8(long n, long at) throws InputFormatException {
        need(n, at);
        String s = new String(in, pos, (int) n, StandardCharsets.UTF_8);
        pos += (int) n;
        return s;
    }

    private String latin1(long n, long at) throws InputFormatException {
        need(n, at);
        String s = new String(in, pos, (int) n, StandardCharsets.ISO_8859_1);
        pos += (int) n;
        return s;
    }

    /** A newline-terminated text argument (protocol 0), at most {@value #MAX_LINE} bytes. */
    private String line(long at) throws InputFormatException {
        int start = pos;
        int limit = Math.min(in.length, start + MAX_LINE);
        for (int i = start; i < limit; i++) {
            if (in[i] == '\n') {
                pos = i + 1;
                int end = i > start && in[i - 1] == '\r' ? i - 1 : i;
                return new String(in, start, end - start, StandardCharsets.UTF_8);
            }
        }
        throw error(at, limit == in.length ? "a text argument runs past the end of the pickle"
                : "a text argument longer than " + MAX_LINE + " bytes");
    }

    private Object parseInt(String s, long at) throws InputFormatException {
        String t = s.strip();
        if (t.equals("00")) {
            return Boolean.FALSE;
        }
        if (t.equals("01")) {
            return Boolean.TRUE;
        }
        if (t.length() > MAX_LONG_BYTES) {
            throw error(at, "an integer of " + t.length() + " digits");
        }
        try {
            BigInteger b = new BigInteger(t);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        } catch (NumberFormatException e) {
            throw error(at, "INT '" + clip(t) + "' is not an integer");
        }
    }

    private long parseIndex(String s, long at) throws InputFormatException {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            throw error(at, "memo index '" + clip(s) + "' is not an integer");
        }
    }

    private String quoted(String s, long at) throws InputFormatException {
        if (s.length() < 2 || s.charAt(0) != s.charAt(s.length() - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"')) {
            throw error(at, "STRING argument is not quoted");
        }
        return unicodeEscape(s.substring(1, s.length() - 1));
    }

    /** Decodes the backslash escapes of protocol 0 strings ({@code \\n \\xNN \\uNNNN ...}); others stay as they are. */
    private static String unicodeEscape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            int hex = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
            if (hex > 0 && i + hex < s.length()) {
                try {
                    b.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 1 + hex), 16));
                    i += hex;
                    continue;
                } catch (IllegalArgumentException ignored) {
                    // not an escape: kept literally
                }
            }
            switch (e) {
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case '\\' -> b.append('\\');
                case '\'' -> b.append('\'');
                case '"' -> b.append('"');
                default -> b.append('\\').append(e);
            }
        }
        return b.toString();
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
