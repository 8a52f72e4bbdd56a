package org.scalespace.backend.opencl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.DeviceTensor;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The OpenCL convolution engine (issue 3's {@link org.scalespace.conv.ConvEngine}) over {@link OpenCLConv}: fused
 * separable (1–4 terms per channel, SeparableBank's packed float32 taps uploaded as they are) and dense k×k kernels,
 * schedule per device type (see {@link OpenCLConv#SCHEDULE_PROPERTY}).
 *
 * <p>Host calls ({@link Tensor4}, {@code float[]}) upload the input and read the output back per call, splitting a
 * batch that exceeds the device's max allocation. Resident calls ({@link DeviceTensor}s from {@link #upload} or
 * {@link #allocate}) keep the tensors in device buffers: one launch, no transfers, so pipelines can chain
 * convolutions and benchmarks can time the kernels alone ({@code bench conv --resident}). A resident tensor must fit
 * one device allocation. Tensors are released by {@link DeviceTensor#close()}, or all together when the engine
 * closes.
 */
public final class OpenCLConvEngine implements ConvEngine {
    private final OpenCLConv conv;
    private final Set<ClTensor> live = new LinkedHashSet<>();
    private boolean closed;

    /** A tensor in one OpenCL buffer of this engine. */
    private static final class ClTensor implements DeviceTensor {
        final OpenCLConvEngine owner;
        final ClBuffer buf;
        final int n;
        final int c;
        final int h;
        final int w;

        ClTensor(OpenCLConvEngine owner, ClBuffer buf, int n, int c, int h, int w) {
            this.owner = owner;
            this.buf = buf;
            this.n = n;
            this.c = c;
            this.h = h;
            this.w = w;
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
            return "opencl";
        }

        @Override
        public void close() {
            owner.release(this);
        }
    }

    /** {@code threads} is ignored: the OpenCL driver schedules the device. */
    public OpenCLConvEngine(int threads) {
        this.conv = new OpenCLConv();
    }

    @Override
    public String name() {
        return "opencl";
    }

    /** The device, driver and schedule in use. */
    public String description() {
        return "OpenCL on " + conv.device().describe() + ", " + conv.schedule() + " schedule";
    }

    private static int border(Padding p) {
        switch (p) {
            case ZERO:
                return OpenCLConv.ZERO;
            case REFLECT:
                return OpenCLConv.REFLECT;
            case REPLICATE:
                return OpenCLConv.REPLICATE;
            default:
                throw new IllegalArgumentException("padding " + p + " is not supported by the OpenCL kernels");
        }
    }

    @Override
    public synchronized void separable(Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out) {
        checkOpen();
        ConvChecks.check("separable", x, bank, padding, out);
        int c = x.c();
        conv.separable(x.data(), out.data(), x.n(), c, x.h(), x.w(), bank.radius(), Math.max(1, bank.maxTerms()),
                foldedCoef(bank, c), bank.packedColTaps(), bank.packedRowTaps(), border(padding));
    }

    /** 1 for every term a channel has (the coefficients are folded into the row taps), 0 for the unused slots. */
    private static float[] foldedCoef(SeparableBank bank, int c) {
        float[] coef = new float[SeparableBank.MAX_TERMS * c];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < bank.termCount(ch); t++) {
                coef[SeparableBank.MAX_TERMS * ch + t] = 1f;
            }
        }
        return coef;
    }

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters filters, Padding padding, Tensor4 out) {
        checkOpen();
        ConvChecks.check("dense", x, filters, padding, out);
        conv.dense(x.data(), out.data(), x.n(), x.c(), x.h(), x.w(), filters.radius(), filters.data(),
                border(padding));
    }

    // ---- resident calls ----

    @Override
    public synchronized DeviceTensor upload(Tensor4 x) {
        Objects.requireNonNull(x, "upload: tensor");
        ClTensor t = allocateTensor(x.n(), x.c(), x.h(), x.w());
        try {
            conv.write(t.buf, x.data());
        } catch (RuntimeException e) {
            release(t);
            throw e;
        }
        return t;
    }

    @Override
    public synchronized DeviceTensor allocate(int n, int c, int h, int w) {
        ClTensor t = allocateTensor(n, c, h, w);
        try {
            conv.write(t.buf, new float[(int) ((long) n * c * h * w)]); // zeros, as the other engines
        } catch (RuntimeException e) {
            release(t);
            throw e;
        }
        return t;
    }

    private ClTensor allocateTensor(int n, int c, int h, int w) {
        checkOpen();
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("opencl: tensor shape (" + n + "," + c + "," + h + "," + w
                    + ") must be positive in every dimension");
        }
        long elems = (long) n * c * h * w;
        if (elems > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("opencl: tensor of " + elems + " elements exceeds the 2^31−1 limit");
        }
        String shape = "(" + n + "," + c + "," + h + "," + w + ")";
        ClTensor t = new ClTensor(this, conv.tensorBuffer(4L * elems, "tensor " + shape), n, c, h, w);
        live.add(t);
        return t;
    }

    synchronized void release(ClTensor t) {
        if (live.remove(t)) {
            t.buf.close();
        }
    }

    private ClTensor own(DeviceTensor t, String what) {
        Objects.requireNonNull(t, what + " tensor");
        if (t instanceof ClTensor c && c.owner == this) {
            if (!live.contains(c)) {
                throw new IllegalArgumentException("opencl: " + what + " tensor is closed");
            }
            return c;
        }
        throw new IllegalArgumentException("opencl: " + what + " tensor belongs to engine '" + t.engine()
                + (t instanceof ClTensor ? "' (another OpenCL engine)" : "'") + "; pass tensors from this engine's "
                + "upload/allocate");
    }

    private static void sameShape(ClTensor a, ClTensor b, String op) {
        if (a.n != b.n || a.c != b.c || a.h != b.h || a.w != b.w) {
            throw new IllegalArgumentException(op + ": output " + b.shapeString() + " does not match input "
                    + a.shapeString());
        }
        if (a == b) {
            throw new IllegalArgumentException(op + ": output must not be the input tensor");
        }
    }

    @Override
    public synchronized void download(DeviceTensor src, Tensor4 dst) {
        checkOpen();
        ClTensor s = own(src, "source");
        if (s.n != dst.n() || s.c != dst.c() || s.h != dst.h() || s.w != dst.w()) {
            throw new IllegalArgumentException("download: destination " + dst.shapeString()
                    + " does not match source " + s.shapeString());
        }
        conv.read(s.buf, dst.data());
    }

    @Override
    public synchronized void separable(DeviceTensor x, SeparableBank bank, Padding padding, DeviceTensor out) {
        checkOpen();
        ClTensor a = own(x, "input");
        ClTensor b = own(out, "output");
        Objects.requireNonNull(bank, "separable: filter bank");
        sameShape(a, b, "separable");
        if (bank.channels() != a.c) {
            throw new IllegalArgumentException("separable: bank has " + bank.channels() + " channels, input "
                    + a.shapeString() + " has " + a.c);
        }
        conv.separable(a.buf, b.buf, a.n, a.c, a.h, a.w, bank.radius(), Math.max(1, bank.maxTerms()),
                foldedCoef(bank, a.c), bank.packedColTaps(), bank.packedRowTaps(), border(padding));
    }

    @Override
    public synchronized void dense(DeviceTensor x, DenseFilters filters, Padding padding, DeviceTensor out) {
        checkOpen();
        ClTensor a = own(x, "input");
        ClTensor b = own(out, "output");
        Objects.requireNonNull(filters, "dense: filters");
        sameShape(a, b, "dense");
        if (filters.channels() != a.c) {
            throw new IllegalArgumentException("dense: filters have " + filters.channels() + " channels, input "
                    + a.shapeString() + " has " + a.c);
        }
        conv.dense(a.buf, b.buf, a.n, a.c, a.h, a.w, filters.radius(), filters.data(), border(padding));
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the OpenCL convolution engine is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<ClTensor> ts = new ArrayList<>(live);
        Collections.reverse(ts);
        for (ClTensor t : ts) {
            try {
                t.buf.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        live.clear();
        try {
            conv.close();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
