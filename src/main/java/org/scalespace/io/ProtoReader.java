package org.scalespace.io;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A protocol-buffers wire-format reader over one message: the bytes [{@code pos}, {@code end}) of a buffer. Every
 * varint and length is checked against the bytes left in the message before anything is read or allocated, so a
 * corrupt length gives an {@link InputFormatException} naming the file, the message and the byte offset, never a
 * large allocation or a read past the end.
 *
 * <p>Only the wire format: what the fields mean is up to the caller ({@link OnnxReader}). Groups (wire types 3 and 4,
 * deprecated and unused by ONNX) are refused.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    private static final String ACCEPTED = "accepted: a well-formed protobuf message";

    private final ByteBuffer buf;
    private final String file;
    private final String what;
    private final int end;
    private int pos;
    private int wireType = -1;

    /**
     * @param buf  the whole file, little-endian byte order (positions are absolute)
     * @param what the message being read, for errors ("graph 'main' node 3")
     */
    ProtoReader(ByteBuffer buf, int start, int end, String file, String what) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
        this.file = file;
        this.what = what;
    }

    /** Whether another field follows. */
    boolean hasNext() {
        return pos < end;
    }

    /** Position of the next byte (absolute in the buffer). */
    int position() {
        return pos;
    }

    /** End of this message (absolute, exclusive). */
    int end() {
        return end;
    }

    /** The wire type of the field last returned by {@link #nextField()}. */
    int wireType() {
        return wireType;
    }

    /** Reads a field key and returns its field number; the wire type is then {@link #wireType()}. */
    int nextField() throws InputFormatException {
        int at = pos;
        long key = varint();
        int wt = (int) (key & 7);
        long number = key >>> 3;
        if (number == 0 || number > 0x1FFFFFFF) {
            throw error(at, "field number " + number + " is out of range");
        }
        if (wt != VARINT && wt != I64 && wt != LEN && wt != I32) {
            throw error(at, "field " + number + " has wire type " + wt + (wt == 3 || wt == 4 ? " (group)" : ""));
        }
        wireType = wt;
        return (int) number;
    }

    /** A base-128 varint of at most 10 bytes, inside the message. */
    long varint() throws InputFormatException {
        int at = pos;
        long out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw error(at, "varint runs past the end of the message");
            }
            byte b = buf.get(pos++);
            out |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7E) != 0) {
                    throw error(at, "varint overflows 64 bits");
                }
                return out;
            }
        }
        throw error(at, "varint is longer than 10 bytes");
    }

    /** A little-endian fixed 32-bit value. */
    int fixed32() throws InputFormatException {
        need(4, "fixed32 value");
        int v = buf.getInt(pos);
        pos += 4;
        return v;
    }

    /** A little-endian fixed 64-bit value. */
    long fixed64() throws InputFormatException {
        need(8, "fixed64 value");
        long v = buf.getLong(pos);
        pos += 8;
        return v;
    }

    /** The length prefix of a LEN field, checked against the bytes left; the payload is then skipped or read. */
    int length() throws InputFormatException {
        int at = pos;
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw error(at, "length " + Long.toUnsignedString(n) + " runs past the end of the message ("
                    + (end - pos) + " bytes left)");
        }
        return (int) n;
    }

    /** The payload of the current LEN field as a reader of its own. */
    ProtoReader message(String subWhat) throws InputFormatException {
        requireWireType(LEN);
        int n = length();
        ProtoReader r = new ProtoReader(buf, pos, pos + n, file, subWhat);
        pos += n;
        return r;
    }

    /** The payload of the current LEN field: {absolute start, length}; the reader moves past it. */
    int[] span() throws InputFormatException {
        requireWireType(LEN);
        int n = length();
        int[] s = {pos, n};
        pos += n;
        return s;
    }

    /** The current LEN field as UTF-8 text (invalid UTF-8 is an error). */
    String string() throws InputFormatException {
        int[] s = span();
        byte[] b = new byte[s[1]];
        buf.get(s[0], b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error(s[0], "string is not valid UTF-8");
        }
    }

    /** The current field as an integer: a varint (wire type 0). */
    long int64() throws InputFormatException {
        requireWireType(VARINT);
        return varint();
    }

    /** Skips the payload of the current field. */
    void skip() throws InputFormatException {
        switch (wireType) {
            case VARINT -> varint();
            case I64 -> skipBytes(8);
            case I32 -> skipBytes(4);
            case LEN -> {
                int n = length(); // not "pos += length()": that would add to pos as it was before the length
                pos += n;
            }
            default -> throw new IllegalStateException("no field read");
        }
    }

    /**
     * The current field's varints: one (wire type 0) or a packed run (wire type 2), appended to {@code out} from
     * {@code count}; returns the new count. More values than {@code out} holds is an error.
     */
    int varints(long[] out, int count, String field) throws InputFormatException {
        if (wireType == VARINT) {
            if (count >= out.length) {
                throw error(pos, "more " + field + " values than expected (" + out.length + ")");
            }
            out[count] = varint();
            return count + 1;
        }
        requireWireType(LEN);
        int n = length();
        ProtoReader packed = new ProtoReader(buf, pos, pos + n, file, what);
        pos += n;
        int c = count;
        while (packed.hasNext()) {
            if (c >= out.length) {
                throw error(packed.pos, "more " + field + " values than expected (" + out.length + ")");
            }
            out[c++] = packed.varint();
        }
        return c;
    }

    /** Requires the current field to have wire type {@code wt}. */
    void requireWireType(int wt) throws InputFormatException {
        if (wireType != wt) {
            throw error(pos, "a field has wire type " + wireType + " where " + wt + " is expected");
        }
    }

    /** An error naming the file, this message and the absolute byte offset. */
    InputFormatException error(int at, String problem) {
        return new InputFormatException(file, what + ": corrupt protobuf at byte " + at + ": " + problem, ACCEPTED);
    }

    private void skipBytes(int n) throws InputFormatException {
        need(n, "fixed-width value");
        pos += n;
    }

    private void need(int n, String thing) throws InputFormatException {
        if (end - pos < n) {
            throw error(pos, thing + " runs past the end of the message (" + (end - pos) + " bytes left)");
        }
    }
}
