package org.scalespace.model;

import java.util.Objects;

/**
 * A set of square k×k filters read from one source (file) and one layer (tensor / block).
 *
 * <p>{@code data} holds {@code count} filters, each k×k, row-major: element (n, row, col) is at
 * {@code n*k*k + row*k + col}. Row 0 is the top row (y = +r), columns run left to right (x = -r..r), exactly as the
 * arrays are stored in PyTorch/NumPy (SPEC §1). Values are kept in double precision (float32 inputs are exact).
 */
public record FilterBank(String source, String layer, int k, int count, double[] data) {
    public FilterBank {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(data, "data");
        if (k < 1 || count < 0 || (long) count * k * k != data.length) {
            throw new IllegalArgumentException("filter bank " + source + ":" + layer + ": data length " + data.length
                    + " does not match count " + count + " × " + k + "×" + k);
        }
    }

    /** Copy of filter {@code n} as a k*k row-major array. */
    public double[] filter(int n) {
        double[] f = new double[k * k];
        System.arraycopy(data, n * k * k, f, 0, k * k);
        return f;
    }
}
