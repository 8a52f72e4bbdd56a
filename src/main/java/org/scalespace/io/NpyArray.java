package org.scalespace.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * An n-dimensional float32 or float64 array in C (row-major) order, as read from or written to a {@code .npy} file.
 *
 * <p>Exactly one of {@code floats} / {@code doubles} is non-null, matching {@code dtype}: {@code "<f4"} (float32,
 * {@code floats}) or {@code "<f8"} (float64, {@code doubles}). Element (i0, i1, ..., in) is at the flat index
 * {@code ((i0*shape[1] + i1)*shape[2] + ...)}. A rank-0 array (shape {@code []}) holds one element.
 *
 * <p>The arrays are not copied: {@link #floats()}, {@link #doubles()} and the {@code as...} conveniences hand out the
 * backing array when no conversion is needed, so large feature maps are not duplicated.
 *
 * @param shape   the dimensions, each ≥ 0; their product equals the data length
 * @param dtype   {@link #FLOAT32} or {@link #FLOAT64}
 * @param floats  the data when {@code dtype} is {@link #FLOAT32}, else null
 * @param doubles the data when {@code dtype} is {@link #FLOAT64}, else null
 */
public record NpyArray(long[] shape, String dtype, float[] floats, double[] doubles) {

    /** NumPy descr of little-endian float32. */
    public static final String FLOAT32 = "<f4";
    /** NumPy descr of little-endian float64. */
    public static final String FLOAT64 = "<f8";

    public NpyArray {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(dtype, "dtype");
        long n = elementCount(shape);
        if (FLOAT32.equals(dtype)) {
            if (floats == null || doubles != null) {
                throw new IllegalArgumentException("dtype <f4 needs float data (and no double data)");
            }
            if (floats.length != n) {
                throw new IllegalArgumentException("shape " + shapeString(shape) + " has " + n
                        + " elements but the data has " + floats.length);
            }
        } else if (FLOAT64.equals(dtype)) {
            if (doubles == null || floats != null) {
                throw new IllegalArgumentException("dtype <f8 needs double data (and no float data)");
            }
            if (doubles.length != n) {
                throw new IllegalArgumentException("shape " + shapeString(shape) + " has " + n
                        + " elements but the data has " + doubles.length);
            }
        } else {
            throw new IllegalArgumentException("dtype '" + dtype + "' not supported; accepted: <f4, <f8");
        }
    }

    /** A float32 array; {@code data} is kept, not copied. */
    public static NpyArray ofFloat(long[] shape, float[] data) {
        return new NpyArray(shape.clone(), FLOAT32, data, null);
    }

    /** A float64 array; {@code data} is kept, not copied. */
    public static NpyArray ofDouble(long[] shape, double[] data) {
        return new NpyArray(shape.clone(), FLOAT64, null, data);
    }

    /** True for float32 data. */
    public boolean isFloat32() {
        return floats != null;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (product of the shape). */
    public int size() {
        return floats != null ? floats.length : doubles.length;
    }

    /**
     * Dimension {@code axis} as an int (every dimension of an array held in Java fits, since the product does).
     * Negative {@code axis} counts from the end, as in NumPy.
     */
    public int dim(int axis) {
        int a = axis < 0 ? shape.length + axis : axis;
        return Math.toIntExact(shape[a]);
    }

    /** The data as doubles: the backing array for float64, else a converted (exact) copy. */
    public double[] asDouble() {
        if (doubles != null) {
            return doubles;
        }
        double[] d = new double[floats.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = floats[i];
        }
        return d;
    }

    /** The data as floats: the backing array for float32, else a copy rounded to float32. */
    public float[] asFloat() {
        if (floats != null) {
            return floats;
        }
        float[] f = new float[doubles.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) doubles[i];
        }
        return f;
    }

    /** The shape in NumPy's notation, e.g. {@code (3, 7, 7)}, {@code (5,)} or {@code ()}. */
    public String shapeString() {
        return shapeString(shape);
    }

    /** The shape in NumPy's notation, e.g. {@code (3, 7, 7)}, {@code (5,)} or {@code ()}. */
    public static String shapeString(long[] shape) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(shape[i]);
        }
        if (shape.length == 1) {
            b.append(',');
        }
        return b.append(')').toString();
    }

    /** Product of the dimensions; IllegalArgumentException on a negative dimension or overflow. */
    static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && Arrays.equals(shape, a.shape) && dtype.equals(a.dtype)
                && Arrays.equals(floats, a.floats) && Arrays.equals(doubles, a.doubles);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(shape), dtype, Arrays.hashCode(floats), Arrays.hashCode(doubles));
    }

    @Override
    public String toString() {
        return "NpyArray[shape=" + shapeString() + ", dtype=" + dtype + "]";
    }
}
