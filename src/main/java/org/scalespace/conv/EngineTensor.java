package org.scalespace.conv;

import java.util.Collection;

/**
 * Base of the device engines' resident tensors (OpenCL, CUDA): the shape, the owning engine, and the checks every
 * resident call makes — a positive shape within the 2³¹ element limit, ownership by the calling engine and still
 * open, and matching input/output shapes and channel counts — with the same messages on every engine.
 */
public abstract class EngineTensor implements DeviceTensor {
    private final Object owner;
    private final String engine;
    private final int n;
    private final int c;
    private final int h;
    private final int w;

    /** A tensor of {@code owner} (an engine); the shape must have passed {@link #elements(String, int, int, int, int)}. */
    protected EngineTensor(Object owner, String engine, int n, int c, int h, int w) {
        this.owner = owner;
        this.engine = engine;
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
    }

    /** N·C·H·W of a shape, after checking it: every dimension positive, at most 2³¹ − 9 elements. */
    public static long elements(String engine, int n, int c, int h, int w) {
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException(engine + ": tensor shape (" + n + "," + c + "," + h + "," + w
                    + ") must be positive in every dimension");
        }
        long elems = (long) n * c * h * w;
        if (elems > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(engine + ": tensor of " + elems + " elements exceeds the 2^31−1 limit");
        }
        return elems;
    }

    /**
     * {@code t} as a live tensor of {@code owner}: an error naming {@code what} ("input", "output", "source") when it
     * belongs to another engine (of the same kind or not) or is no longer in {@code live}.
     */
    public static <T extends EngineTensor> T own(DeviceTensor t, Class<T> type, Object owner, Collection<?> live,
                                                 String label, String what) {
        if (t == null) {
            throw new NullPointerException(what + " tensor");
        }
        if (type.isInstance(t) && ((EngineTensor) t).owner == owner) {
            if (!live.contains(t)) {
                throw new IllegalArgumentException(t.engine() + ": " + what + " tensor is closed");
            }
            return type.cast(t);
        }
        throw new IllegalArgumentException(label.toLowerCase(java.util.Locale.ROOT) + ": " + what + " tensor belongs to engine '" + t.engine()
                + (type.isInstance(t) ? "' (another " + label + " engine)" : "'") + "; pass tensors from this engine's "
                + "upload/allocate");
    }

    /** Input and output of a resident convolution: the same shape, not the same tensor, {@code channels} channels. */
    public static void checkOperands(String op, DeviceTensor x, DeviceTensor out, int channels, String filters) {
        if (x.n() != out.n() || x.c() != out.c() || x.h() != out.h() || x.w() != out.w()) {
            throw new IllegalArgumentException(op + ": output " + out.shapeString() + " does not match input "
                    + x.shapeString());
        }
        if (x == out) {
            throw new IllegalArgumentException(op + ": output must not be the input tensor");
        }
        if (channels != x.c()) {
            throw new IllegalArgumentException(op + ": " + filters + " " + channels + " channels, input "
                    + x.shapeString() + " has " + x.c());
        }
    }

    /** The destination of a download: the tensor's shape. */
    public static void checkDownload(DeviceTensor src, Tensor4 dst) {
        if (src.n() != dst.n() || src.c() != dst.c() || src.h() != dst.h() || src.w() != dst.w()) {
            throw new IllegalArgumentException("download: destination " + dst.shapeString()
                    + " does not match source " + src.shapeString());
        }
    }

    @Override
    public int n() {
        return n;
    }

    @Override
    public int c() {
        return c;
    }

    @Override
    public int h() {
        return h;
    }

    @Override
    public int w() {
        return w;
    }

    @Override
    public String engine() {
        return engine;
    }

    /** N·C·H·W. */
    public long elements() {
        return (long) n * c * h * w;
    }
}
