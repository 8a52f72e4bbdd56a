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
import org.scalespace.conv.EngineTensor;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The OpenCL convolution engine ({@link org.scalespace.conv.ConvEngine}) over {@link OpenCLConvDevice}: fused
 * separable (1–4 terms per channel, SeparableBank's packed float32 taps uploaded as they are) and dense k×k kernels,
 * schedule per device type (see {@link OpenCLConvDevice#SCHEDULE_PROPERTY}).
 *
 * <p>Host calls ({@link Tensor4}, {@code float[]}) upload the input and read the output back per call, splitting a
 * batch that exceeds the device's max allocation. Resident calls ({@link DeviceTensor}s from {@link #upload} or
 * {@link #allocate}) keep the tensors in device buffers: one launch, no transfers, so pipelines can chain
 * convolutions and benchmarks can time the kernels alone ({@code bench conv --resident}). A resident tensor must fit
 * one device allocation. Tensors are released by {@link DeviceTensor#close()}, or all together when the engine
 * closes.
 */
public final class OpenCLConvEngine implements ConvEngine {
    private final OpenCLConvDevice conv;
    private final Set<OpenCLTensor> live = new LinkedHashSet<>();
    private boolean closed;

    /** {@code threads} is ignored: the OpenCL driver schedules the device. */
    public OpenCLConvEngine(int threads) {
        this.conv = new OpenCLConvDevice();
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
                return OpenCLConvDevice.ZERO;
            case REFLECT:
                return OpenCLConvDevice.REFLECT;
            case REPLICATE:
                return OpenCLConvDevice.REPLICATE;
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
        OpenCLTensor t = allocateTensor(x.n(), x.c(), x.h(), x.w());
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
        OpenCLTensor t = allocateTensor(n, c, h, w);
        try {
            conv.write(t.buf, new float[(int) t.elements()]); // zeros, as the other engines
        } catch (RuntimeException e) {
            release(t);
            throw e;
        }
        return t;
    }

    private OpenCLTensor allocateTensor(int n, int c, int h, int w) {
        checkOpen();
        long elems = EngineTensor.elements("opencl", n, c, h, w);
        OpenCLTensor t = new OpenCLTensor(this, conv.tensorBuffer(4L * elems, "tensor (" + n + "," + c + "," + h + "," + w
                + ")"), n, c, h, w);
        live.add(t);
        return t;
    }

    synchronized void release(OpenCLTensor t) {
        if (live.remove(t)) {
            t.buf.close();
        }
    }

    private OpenCLTensor own(DeviceTensor t, String what) {
        return EngineTensor.own(t, OpenCLTensor.class, this, live, "OpenCL", what);
    }

    @Override
    public synchronized void download(DeviceTensor src, Tensor4 dst) {
        checkOpen();
        OpenCLTensor s = own(src, "source");
        EngineTensor.checkDownload(s, dst);
        conv.read(s.buf, dst.data());
    }

    @Override
    public synchronized void separable(DeviceTensor x, SeparableBank bank, Padding padding, DeviceTensor out) {
        checkOpen();
        OpenCLTensor a = own(x, "input");
        OpenCLTensor b = own(out, "output");
        Objects.requireNonNull(bank, "separable: filter bank");
        EngineTensor.checkOperands("separable", a, b, bank.channels(), "bank has");
        conv.separable(a.buf, b.buf, a.n(), a.c(), a.h(), a.w(), bank.radius(), Math.max(1, bank.maxTerms()),
                foldedCoef(bank, a.c()), bank.packedColTaps(), bank.packedRowTaps(), border(padding));
    }

    @Override
    public synchronized void dense(DeviceTensor x, DenseFilters filters, Padding padding, DeviceTensor out) {
        checkOpen();
        OpenCLTensor a = own(x, "input");
        OpenCLTensor b = own(out, "output");
        Objects.requireNonNull(filters, "dense: filters");
        EngineTensor.checkOperands("dense", a, b, filters.channels(), "filters have");
        conv.dense(a.buf, b.buf, a.n(), a.c(), a.h(), a.w(), filters.radius(), filters.data(), border(padding));
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
        List<OpenCLTensor> ts = new ArrayList<>(live);
        Collections.reverse(ts);
        for (OpenCLTensor t : ts) {
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
