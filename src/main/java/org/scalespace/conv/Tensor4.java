package org.scalespace.conv;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 feature-map batch in NCHW order: element (n, c, y, x) is at {@code ((n*C + c)*H + y)*W + x}.
 * Row y = 0 is the top row, as in PyTorch/NumPy. The array is shared, not copied.
 */
public record Tensor4(int n, int c, int h, int w, float[] data) {

    public Tensor4 {
        Objects.requireNonNull(data, "data");
        int size = checkedSize(n, c, h, w);
        if (data.length != size) {
            throw new IllegalArgumentException("tensor data length " + data.length + " does not match shape ("
                    + n + "," + c + "," + h + "," + w + ") = " + size + " elements");
        }
    }

    /** Most elements a tensor holds: the largest Java array, with a margin some JVMs need. */
    public static final int MAX_ELEMENTS = Integer.MAX_VALUE - 64;

    /**
     * The element count of shape (n, c, h, w), each ≥ 1, when it is at most {@link #MAX_ELEMENTS}; otherwise an
     * {@link IllegalArgumentException} that gives the shape and its true size (no overflow, whatever the dimensions).
     */
    public static int checkedSize(int n, int c, int h, int w) {
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("tensor shape (" + n + "," + c + "," + h + "," + w
                    + ") must have every dimension ≥ 1 (N,C,H,W)");
        }
        double exact = (double) n * c * h * w;
        if (exact > MAX_ELEMENTS) {
            throw new IllegalArgumentException("tensor shape (" + n + "," + c + "," + h + "," + w + ") has "
                    + (exact < 9e15 ? String.valueOf((long) exact) : String.format(java.util.Locale.ROOT, "%.3g",
                    exact)) + " elements; at most " + MAX_ELEMENTS + " fit in one Java array");
        }
        return n * c * h * w;
    }

    /** A zero-filled tensor. */
    public static Tensor4 zeros(int n, int c, int h, int w) {
        long size = (long) n * c * h * w;
        if (n < 1 || c < 1 || h < 1 || w < 1 || size > Integer.MAX_VALUE - 64) {
            // let the canonical constructor produce the message
            return new Tensor4(n, c, h, w, new float[0]);
        }
        return new Tensor4(n, c, h, w, new float[(int) size]);
    }

    /** A zero-filled tensor of the same shape. */
    public Tensor4 like() {
        return new Tensor4(n, c, h, w, new float[data.length]);
    }

    /**
     * Wraps an array of rank 2 (H,W), 3 (C,H,W) or 4 (N,C,H,W), as read from a file; missing leading dimensions
     * become 1. {@code name} names the array in the error message.
     */
    public static Tensor4 fromShape(String name, int[] shape, float[] data) {
        switch (shape.length) {
            case 2:
                return new Tensor4(1, 1, shape[0], shape[1], data);
            case 3:
                return new Tensor4(1, shape[0], shape[1], shape[2], data);
            case 4:
                return new Tensor4(shape[0], shape[1], shape[2], shape[3], data);
            default:
                throw new IllegalArgumentException(name + ": rank " + shape.length + " array of shape "
                        + Arrays.toString(shape) + "; accepted: (N,C,H,W), (C,H,W) or (H,W)");
        }
    }

    /** Number of planes N·C. */
    public int planes() {
        return n * c;
    }

    /** Elements per plane H·W. */
    public int planeSize() {
        return h * w;
    }

    /** Offset of plane (n, c) in {@link #data()}. */
    public int planeOffset(int batch, int channel) {
        return (batch * c + channel) * h * w;
    }

    public float get(int batch, int channel, int y, int x) {
        return data[planeOffset(batch, channel) + y * w + x];
    }

    /** True when both tensors have the same (N, C, H, W). */
    public boolean sameShape(Tensor4 o) {
        return n == o.n && c == o.c && h == o.h && w == o.w;
    }

    /** "(N,C,H,W)" for messages. */
    public String shapeString() {
        return "(" + n + "," + c + "," + h + "," + w + ")";
    }

    /** Throws naming the first NaN or infinite element, e.g. {@code input x: NaN at (0,3,5,7)}. */
    public void requireFinite(String name) {
        for (int i = 0; i < data.length; i++) {
            float v = data[i];
            if (!Float.isFinite(v)) {
                int x = i % w;
                int y = (i / w) % h;
                int ch = (i / (w * h)) % c;
                int b = i / (w * h * c);
                throw new IllegalArgumentException(name + ": " + (Float.isNaN(v) ? "NaN" : "infinite value")
                        + " at (" + b + "," + ch + "," + y + "," + x + "); all values must be finite");
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor4 t && sameShape(t) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(n, c, h, w, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "Tensor4" + shapeString();
    }
}
