package org.scalespace.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked reader of FlatBuffers (the binary format of TFLite models) over a little-endian byte buffer.
 *
 * <p>The FlatBuffers runtime for Java has no verifier: it trusts every offset in the buffer. This reader checks each
 * one before it is followed, as the C++ verifier does: a table's soffset must lead to a vtable inside the buffer whose
 * size is even, at least 4 and inside the buffer; the table's inline size must fit; every field the vtable points at
 * must lie inside the table's inline size; every uoffset must land inside the buffer; a vector's length times its
 * element size must fit in the bytes after its length word; a string must be valid UTF-8 followed by its 0 byte.
 * A failed check throws {@link Malformed}, whose message says what is wrong at which byte, for the caller to turn
 * into an {@link InputFormatException} naming the file and the tensor or operator being read.
 *
 * <p>Reading is driven by the caller's fixed walk of the schema (no recursion here), so cycles cannot loop and
 * nesting depth is the schema's; positions are ints, so the readable part is at most 2 GB, as in FlatBuffers itself.
 */
final class FlatBuffer {

    /** A check failed: the bytes are not a well-formed FlatBuffer where they were read. */
    static final class Malformed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private final ByteBuffer buf;
    private final int limit;

    /** Reads {@code buf} from 0 to its limit; its byte order is set to little-endian on a duplicate. */
    FlatBuffer(ByteBuffer buf) {
        this.buf = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.buf.position(0);
        this.limit = buf.limit();
    }

    /** Throws unless {@code n} bytes from {@code pos} lie inside the buffer. */
    private void need(long pos, long n, String what) {
        if (pos < 0 || n < 0 || pos > limit - n) {
            throw new Malformed(what + " at byte " + pos + " (" + n + " bytes) lies outside the " + limit
                    + "-byte buffer");
        }
    }

    int u16(int pos) {
        need(pos, 2, "16-bit value");
        return buf.getShort(pos) & 0xffff;
    }

    int i32(int pos) {
        need(pos, 4, "32-bit value");
        return buf.getInt(pos);
    }

    long u32(int pos) {
        return i32(pos) & 0xffffffffL;
    }

    long i64(int pos) {
        need(pos, 8, "64-bit value");
        return buf.getLong(pos);
    }

    float f32(int pos) {
        need(pos, 4, "float");
        return buf.getFloat(pos);
    }

    byte i8(int pos) {
        need(pos, 1, "byte");
        return buf.get(pos);
    }

    /** A copy of {@code n} bytes from {@code pos}. */
    byte[] bytes(int pos, int n) {
        need(pos, n, "byte range");
        byte[] b = new byte[n];
        buf.get(pos, b);
        return b;
    }

    /** The position a uoffset stored at {@code pos} points to, checked to lie inside the buffer. */
    private int follow(int pos, String what) {
        long target = pos + u32(pos);
        if (target >= limit) {
            throw new Malformed(what + ": offset at byte " + pos + " points to byte " + target
                    + ", past the end of the " + limit + "-byte buffer");
        }
        return (int) target;
    }

    /** The root table: the uoffset in the first 4 bytes. */
    Table root() {
        return table(follow(0, "root table"), "root table");
    }

    /** The file identifier: bytes 4..8 as ISO-8859-1 text, or "" when the buffer is shorter. */
    String identifier() {
        if (limit < 8) {
            return "";
        }
        byte[] b = new byte[4];
        buf.get(4, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The table at {@code pos}, with its vtable checked. */
    Table table(int pos, String what) {
        need(pos, 4, what + " (table)");
        long vt = (long) pos - buf.getInt(pos);
        if (vt < 0 || vt > limit - 4) {
            throw new Malformed(what + ": vtable of the table at byte " + pos + " would be at byte " + vt
                    + ", outside the " + limit + "-byte buffer");
        }
        int vtable = (int) vt;
        int vtLen = u16(vtable);
        int tableLen = u16(vtable + 2);
        if (vtLen < 4 || vtLen % 2 != 0 || vtable > limit - vtLen) {
            throw new Malformed(what + ": vtable at byte " + vtable + " has size " + vtLen
                    + " (must be even, at least 4, and inside the buffer)");
        }
        if (tableLen < 4 || pos > limit - tableLen) {
            throw new Malformed(what + ": table at byte " + pos + " has inline size " + tableLen
                    + " (must be at least 4 and inside the buffer)");
        }
        return new Table(pos, vtable, vtLen, tableLen, what);
    }

    /** A vector: its element count and the position of element 0. */
    record Vector(int start, int length) {
    }

    /** A table of the buffer: position, vtable and the name used in messages. */
    final class Table {
        private final int pos;
        private final int vtable;
        private final int vtLen;
        private final int tableLen;
        private final String what;

        private Table(int pos, int vtable, int vtLen, int tableLen, String what) {
            this.pos = pos;
            this.vtable = vtable;
            this.vtLen = vtLen;
            this.tableLen = tableLen;
            this.what = what;
        }

        /** Position of field {@code id} holding {@code size} bytes, or -1 when absent (default value). */
        private int field(int id, int size) {
            int slot = 4 + 2 * id;
            if (slot + 2 > vtLen) {
                return -1;
            }
            int off = u16(vtable + slot);
            if (off == 0) {
                return -1;
            }
            if (off < 4 || off > tableLen - size) {
                throw new Malformed(what + ": field " + id + " at offset " + off + " (" + size
                        + " bytes) lies outside the table's " + tableLen + " inline bytes");
            }
            return pos + off;
        }

        boolean has(int id) {
            return field(id, 1) >= 0;
        }

        int i8(int id, int dflt) {
            int p = field(id, 1);
            return p < 0 ? dflt : FlatBuffer.this.i8(p);
        }

        int i32(int id, int dflt) {
            int p = field(id, 4);
            return p < 0 ? dflt : FlatBuffer.this.i32(p);
        }

        long u32(int id, long dflt) {
            int p = field(id, 4);
            return p < 0 ? dflt : FlatBuffer.this.u32(p);
        }

        long i64(int id, long dflt) {
            int p = field(id, 8);
            return p < 0 ? dflt : FlatBuffer.this.i64(p);
        }

        /** The sub-table of field {@code id}, or null when absent. */
        Table table(int id, String name) {
            int p = field(id, 4);
            return p < 0 ? null : FlatBuffer.this.table(follow(p, name), name);
        }

        /**
         * The vector of field {@code id} with elements of {@code elementSize} bytes, its length checked against the
         * buffer; an absent field is an empty vector.
         */
        Vector vector(int id, int elementSize, String name) {
            int p = field(id, 4);
            if (p < 0) {
                return new Vector(0, 0);
            }
            int at = follow(p, name);
            long n = FlatBuffer.this.u32(at);
            long start = at + 4L;
            if (n > (limit - start) / elementSize) {
                throw new Malformed(name + ": vector at byte " + at + " claims " + n + " elements of " + elementSize
                        + " bytes, but only " + (limit - start) + " bytes follow");
            }
            return new Vector((int) start, (int) n);
        }

        /** Element {@code i} of a vector of tables. */
        Table tableAt(Vector v, int i, String name) {
            return FlatBuffer.this.table(follow(v.start() + 4 * i, name), name);
        }

        /** The int32 elements of a vector field. */
        int[] ints(int id, String name) {
            Vector v = vector(id, 4, name);
            int[] out = new int[v.length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = FlatBuffer.this.i32(v.start() + 4 * i);
            }
            return out;
        }

        /** The float32 elements of a vector field. */
        float[] floats(int id, String name) {
            Vector v = vector(id, 4, name);
            float[] out = new float[v.length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = FlatBuffer.this.f32(v.start() + 4 * i);
            }
            return out;
        }

        /** The int64 elements of a vector field. */
        long[] longs(int id, String name) {
            Vector v = vector(id, 8, name);
            long[] out = new long[v.length()];
            for (int i = 0; i < out.length; i++) {
                out[i] = FlatBuffer.this.i64(v.start() + 8 * i);
            }
            return out;
        }

        /** The string of field {@code id}, or null when absent; must be UTF-8 and 0-terminated. */
        String string(int id, String name) {
            Vector v = vector(id, 1, name);
            if (v.start() == 0) {
                return null;
            }
            if (v.start() + v.length() >= limit || buf.get(v.start() + v.length()) != 0) {
                throw new Malformed(name + ": string at byte " + (v.start() - 4) + " is not 0-terminated");
            }
            byte[] b = new byte[v.length()];
            buf.get(v.start(), b);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new Malformed(name + ": string at byte " + (v.start() - 4) + " is not valid UTF-8");
            }
        }
    }
}
