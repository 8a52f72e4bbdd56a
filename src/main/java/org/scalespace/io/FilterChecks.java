package org.scalespace.io;

import java.util.function.IntFunction;
import org.scalespace.model.FilterBank;

/** Shape and value checks shared by all filter readers (package-private; see {@link FilterReaders#validate}). */
final class FilterChecks {

    static final int MIN_K = 3;
    static final int MAX_K = 31;
    static final String ACCEPTED_K = "filters must be odd and square, " + MIN_K + ".." + MAX_K;
    static final String ACCEPTED_SHAPES = "accepted filter shapes: (N,k,k), (C,1,k,k) or (k,k), k odd, "
            + MIN_K + ".." + MAX_K;

    /** What is wrong with a shape, and what would be accepted. */
    record Problem(String what, String accepted) {
    }

    /** Count and size of the filters in an accepted filter shape. */
    record FilterShape(int count, int k) {
    }

    private FilterChecks() {
    }

    /** Null when k is acceptable, else what is wrong with it. */
    static String kProblem(long k) {
        if (k % 2 == 0) {
            return "k = " + k + " is even";
        }
        if (k < MIN_K) {
            return "k = " + k + " is too small";
        }
        if (k > MAX_K) {
            return "k = " + k + " is too large";
        }
        return null;
    }

    /** Null when {@code shape} is (N,k,k), (C,1,k,k) or (k,k) with an acceptable k, else the problem. */
    static Problem shapeProblem(long[] shape) {
        String s = NpyArray.shapeString(shape);
        if (shape.length < 2 || shape.length > 4) {
            return new Problem("shape " + s + " is not a filter shape", ACCEPTED_SHAPES);
        }
        if (shape.length == 4 && shape[1] != 1) {
            return new Problem("shape " + s + " is not depthwise (dimension 1 is " + shape[1] + ", not 1)",
                    ACCEPTED_SHAPES);
        }
        long h = shape[shape.length - 2];
        long w = shape[shape.length - 1];
        if (h != w) {
            return new Problem("shape " + s + ": filters are " + h + "×" + w + ", not square", ACCEPTED_K);
        }
        String kp = kProblem(h);
        if (kp != null) {
            return new Problem("shape " + s + ": " + kp, ACCEPTED_K);
        }
        if (shape[0] > Integer.MAX_VALUE) {
            return new Problem("shape " + s + " has too many filters", ACCEPTED_SHAPES);
        }
        return null;
    }

    /**
     * The filter count and k of an array shape that must be a non-empty filter stack, as every reader of arrays
     * checks it.
     *
     * @throws InputFormatException naming {@code file} and {@code layer} when the shape is not accepted or holds no
     *                              filter
     */
    static FilterShape requireFilterShape(long[] shape, String file, String layer) throws InputFormatException {
        Problem p = shapeProblem(shape);
        if (p != null) {
            throw new InputFormatException(file, "layer '" + layer + "': " + p.what(), p.accepted());
        }
        FilterShape fs = filterShape(shape);
        if (fs.count() == 0) {
            throw new InputFormatException(file, "layer '" + layer + "' has zero filters",
                    "accepted: at least one k×k filter");
        }
        return fs;
    }

    /** The filter count and k of a shape that {@link #shapeProblem} accepts. */
    static FilterShape filterShape(long[] shape) {
        int k = (int) shape[shape.length - 1];
        int count = shape.length == 2 ? 1 : (int) shape[0];
        return new FilterShape(count, k);
    }

    /** Validates a bank, naming filters by their 0-based index. */
    static void validate(FilterBank bank) throws InputFormatException {
        validate(bank, i -> "filter " + i);
    }

    /**
     * Validates a bank: acceptable k, at least one filter, every value finite. Degenerate filters (all zero, or
     * constant) are accepted: they are data, not corruption (SPEC §7); see {@link #rejectAllZero}.
     *
     * @param label how to name filter i in messages
     */
    static void validate(FilterBank bank, IntFunction<String> label) throws InputFormatException {
        String file = bank.source();
        String layer = "layer '" + bank.layer() + "'";
        String kp = kProblem(bank.k());
        if (kp != null) {
            throw new InputFormatException(file, layer + ": " + kp, ACCEPTED_K);
        }
        if (bank.count() == 0) {
            throw new InputFormatException(file, layer + " has zero filters", "accepted: at least one k×k filter");
        }
        validateValues(file, layer, bank.k(), bank.count(), bank.data(), label);
    }

    /** The value checks of {@link #validate(FilterBank, IntFunction)} on filters {@code 0..count-1} of {@code d}. */
    static void validateValues(String file, String layer, int k, int count, double[] d, IntFunction<String> label)
            throws InputFormatException {
        int kk = k * k;
        for (int n = 0; n < count; n++) {
            for (int j = 0; j < kk; j++) {
                double v = d[n * kk + j];
                if (!Double.isFinite(v)) {
                    throw new InputFormatException(file, layer + ", " + label.apply(n) + ": value at row "
                            + j / k + ", col " + j % k + " is " + v,
                            "filters must be finite (no NaN or Inf)");
                }
            }
        }
    }

    /**
     * Rejects the first all-zero filter of {@code 0..count-1} of {@code d}: the check of a fit told to refuse
     * degenerate filters ({@code --degenerate error}), with the message readers gave before such filters were
     * accepted (a constant non-zero filter is refused by the fitter's own check).
     */
    static void rejectAllZero(String file, String layer, int k, int count, double[] d, IntFunction<String> label)
            throws InputFormatException {
        int kk = k * k;
        for (int n = 0; n < count; n++) {
            boolean allZero = true;
            for (int j = 0; j < kk && allZero; j++) {
                allZero = d[n * kk + j] == 0;
            }
            if (allZero) {
                throw new InputFormatException(file, layer + ", " + label.apply(n) + ": all " + kk
                        + " values are zero, so no fit is defined for it",
                        "every filter needs at least one non-zero value");
            }
        }
    }

    /** Null for a (C·M,1,k,k) shape with an acceptable square k and at least one filter (the tensor readers' rule for a depthwise layer). */
    public static String depthwiseProblem(long[] s) {
        String shape = NpyArray.shapeString(s);
        if (s.length != 4 || s[1] != 1) {
            return "shape " + shape + " is not depthwise (C,1,k,k)";
        }
        if (s[2] != s[3]) {
            return "shape " + shape + ": filters are " + s[2] + "×" + s[3] + ", not square";
        }
        String kp = kProblem(s[2]);
        if (kp != null) {
            return "shape " + shape + ": " + kp;
        }
        if (s[0] == 0) {
            return "shape " + shape + " has no channels";
        }
        if (s[0] > NpyReader.MAX_ELEMENTS / (s[2] * s[2])) {
            return "shape " + shape + " has too many elements";
        }
        return null;
    }
}
