package org.scalespace.backend.opencl;

import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.HostConvEngine;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * The OpenCL convolution engine (issue 3's {@link org.scalespace.conv.ConvEngine}) over {@link OpenCLConv}: fused
 * separable (1–4 terms per channel, SeparableBank's packed float32 taps uploaded as they are) and dense k×k kernels,
 * schedule per device type (see {@link OpenCLConv#SCHEDULE_PROPERTY}).
 *
 * <p>Resident tensors: this first version keeps {@link org.scalespace.conv.DeviceTensor}s on the host (it extends
 * {@link HostConvEngine}), so every call uploads its input and downloads its output; device-resident buffers are
 * the next step (the kernels already take device buffers).
 */
public final class OpenCLConvEngine extends HostConvEngine {
    private final OpenCLConv conv;

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
        ConvChecks.check("separable", x, bank, padding, out);
        int c = x.c();
        float[] coef = new float[SeparableBank.MAX_TERMS * c];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < bank.termCount(ch); t++) {
                coef[SeparableBank.MAX_TERMS * ch + t] = 1f; // coefficients are folded into the row taps
            }
        }
        conv.separable(x.data(), out.data(), x.n(), c, x.h(), x.w(), bank.radius(), Math.max(1, bank.maxTerms()),
                coef, bank.packedColTaps(), bank.packedRowTaps(), border(padding));
    }

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters filters, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, filters, padding, out);
        conv.dense(x.data(), out.data(), x.n(), x.c(), x.h(), x.w(), filters.radius(), filters.data(),
                border(padding));
    }

    @Override
    public synchronized void close() {
        conv.close();
    }
}
