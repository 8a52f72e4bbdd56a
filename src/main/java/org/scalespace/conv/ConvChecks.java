package org.scalespace.conv;

import java.util.Objects;

/** Argument checks shared by all engines, done before any work. */
public final class ConvChecks {
    private ConvChecks() {
    }

    /**
     * Checks that x has {@code channels} channels and, when {@code out} is given, that out has x's shape and its
     * own array.
     */
    public static void check(String op, Tensor4 x, int channels, Tensor4 out) {
        Objects.requireNonNull(x, op + ": input tensor");
        if (x.c() != channels) {
            throw new IllegalArgumentException(op + ": input has C = " + x.c() + " channels " + x.shapeString()
                    + " but the filters have " + channels + "; depthwise convolution needs one filter per input "
                    + "channel");
        }
        if (out != null) {
            if (!x.sameShape(out)) {
                throw new IllegalArgumentException(op + ": output shape " + out.shapeString()
                        + " differs from input shape " + x.shapeString() + "; the output must have the input's shape");
            }
            if (out.data() == x.data()) {
                throw new IllegalArgumentException(op + ": output and input share one array; in-place convolution "
                        + "is not supported, pass a separate output");
            }
        }
    }

    public static void check(String op, Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out) {
        Objects.requireNonNull(bank, op + ": filter bank");
        Objects.requireNonNull(padding, op + ": padding");
        Objects.requireNonNull(out, op + ": output tensor");
        check(op, x, bank.channels(), out);
    }

    public static void check(String op, Tensor4 x, DenseFilters f, Padding padding, Tensor4 out) {
        Objects.requireNonNull(f, op + ": filters");
        Objects.requireNonNull(padding, op + ": padding");
        Objects.requireNonNull(out, op + ": output tensor");
        check(op, x, f.channels(), out);
    }
}
