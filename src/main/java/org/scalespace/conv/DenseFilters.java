package org.scalespace.conv;

import java.util.Objects;

/**
 * Dense learned depthwise filters, one k×k float32 filter per channel, layout (C, k, k): tap (c, i, j) at
 * {@code (c*k + i)*k + j}, row i = 0 on top — PyTorch's {@code weight[c, 0, i, j]} of a depthwise conv. The array is
 * shared, not copied; it is checked once (finite values, odd k) on construction.
 */
public record DenseFilters(int channels, int k, float[] data) {

    public DenseFilters {
        Objects.requireNonNull(data, "data");
        if (channels < 1) {
            throw new IllegalArgumentException("dense filters: channels must be ≥ 1, got " + channels);
        }
        SeparableBank.checkK(k);
        if ((long) channels * k * k != data.length) {
            throw new IllegalArgumentException("dense filters: data length " + data.length + " does not match ("
                    + channels + "," + k + "," + k + ")");
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new IllegalArgumentException("dense filters: " + (Float.isNaN(data[i]) ? "NaN" : "infinite")
                        + " weight at (" + i / (k * k) + "," + (i / k) % k + "," + i % k + "); weights must be finite");
            }
        }
    }

    /**
     * Wraps a weight array of shape (C,1,k,k) or (C,k,k) as read from a file; {@code name} names it in errors.
     */
    public static DenseFilters fromShape(String name, int[] shape, float[] data) {
        int c;
        int kh;
        int kw;
        if (shape.length == 4 && shape[1] == 1) {
            c = shape[0];
            kh = shape[2];
            kw = shape[3];
        } else if (shape.length == 3) {
            c = shape[0];
            kh = shape[1];
            kw = shape[2];
        } else {
            throw new IllegalArgumentException(name + ": filters of shape " + java.util.Arrays.toString(shape)
                    + "; accepted: (C,1,k,k) or (C,k,k) depthwise weights");
        }
        if (kh != kw) {
            throw new IllegalArgumentException(name + ": filters are " + kh + "×" + kw
                    + "; accepted: square k×k with k odd");
        }
        if (kh % 2 == 0) {
            throw new IllegalArgumentException(name + ": filter size k = " + kh
                    + " is even; accepted: odd k (3, 5, 7, …)");
        }
        return new DenseFilters(c, kh, data);
    }

    /** Radius r = k/2. */
    public int radius() {
        return k / 2;
    }

    /** Tap (c, i, j). */
    public float get(int c, int i, int j) {
        return data[(c * k + i) * k + j];
    }
}
