package org.scalespace.backend.cuda;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import org.scalespace.backend.device.Closer;
import org.scalespace.backend.device.ConvDefines;
import org.scalespace.conv.ConvChecks;
import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.DenseFilters;
import org.scalespace.conv.DeviceTensor;
import org.scalespace.conv.EngineTensor;
import org.scalespace.conv.Padding;
import org.scalespace.conv.SeparableBank;
import org.scalespace.conv.Tensor4;

/**
 * Depthwise convolution on a CUDA device (kernels/cuda/conv.cu, math in kernels/common/conv.h): the fused
 * separable kernel (tile + halo in shared memory, row pass into shared memory, column pass out; up to 4 terms per
 * channel, SeparableBank's layout) and the dense k×k kernel, zero/reflect/replicate borders. Output tile 32×8
 * (fixed in the PTX). Uses the first device chosen by {@link CudaRuntime}. Filter banks are uploaded once per bank
 * instance (the last few are kept). Calls are serialised (ConvEngine contract).
 */
public final class CudaConvEngine implements ConvEngine {
    static final int TW = 32;
    static final int TH = 8;
    static final int TSTRIDE = SeparableBank.MAX_TERMS; // = SS_TERM_STRIDE in kernels/common/conv.h
    private static final int BANK_CACHE = 8;
    private static final int MAX_GRID_Z = 65535;

    private final CudaContext ctx;
    private final Map<ConvDefines, CudaModule> modules = new LinkedHashMap<>();
    private final Map<Object, CudaBuffer[]> weights = new IdentityHashMap<>();
    private final List<Object> weightOrder = new ArrayList<>();
    private final Map<String, CudaBuffer> scratch = new HashMap<>();
    private final List<CudaTensor> live = new ArrayList<>();
    private boolean closed;

    /** The engine {@link CudaProvider} opens, on the first chosen device (the thread count is irrelevant on a GPU). */
    public CudaConvEngine(int threads) {
        this(firstChosen());
    }

    public CudaConvEngine(CudaDevice device) {
        this.ctx = new CudaContext(device);
    }

    private static CudaDevice firstChosen() {
        try {
            return CudaRuntime.chosen().get(0);
        } catch (CudaRuntime.Unavailable u) {
            throw new IllegalStateException("backend cuda is unavailable: " + u.getMessage());
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    public CudaDevice device() {
        return ctx.device;
    }

    static int border(Padding p) {
        return switch (p) {
            case ZERO -> 0;
            case REFLECT -> 1;
            case REPLICATE -> 2;
        };
    }

    static String variant(ConvDefines d) {
        String base = "conv_b" + d.border();
        return d.radius() == 3 && CudaPtx.has(base + "_r3") ? base + "_r3" : base;
    }

    private CudaModule module(ConvDefines d) {
        CudaModule m = modules.get(d);
        if (m == null) {
            Map<String, Integer> c = new HashMap<>();
            c.put("ss_c_r", d.radius());
            c.put("ss_c_terms", d.terms());
            m = new CudaModule(ctx, variant(d), c);
            modules.put(d, m);
        }
        return m;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the CUDA convolution engine is closed");
        }
    }

    private CudaBuffer[] cached(Object key) {
        CudaBuffer[] b = weights.get(key);
        if (b != null) {
            weightOrder.remove(key);
            weightOrder.add(key);
        }
        return b;
    }

    private void cache(Object key, CudaBuffer[] b) {
        if (weightOrder.size() >= BANK_CACHE) {
            for (CudaBuffer x : weights.remove(weightOrder.remove(0))) {
                x.close();
            }
        }
        weights.put(key, b);
        weightOrder.add(key);
    }

    private CudaBuffer[] bankBuffers(SeparableBank bank) {
        CudaBuffer[] b = cached(bank);
        if (b == null) {
            float[] coef = new float[bank.channels() * TSTRIDE];
            java.util.Arrays.fill(coef, 1f); // coefficients are folded into the row taps
            b = new CudaBuffer[3];
            try {
                b[0] = ctx.buffer(4L * coef.length, "separable coefficients");
                ctx.write(b[0], coef);
                b[1] = ctx.buffer(4L * bank.packedColTaps().length, "separable column taps");
                ctx.write(b[1], bank.packedColTaps());
                b[2] = ctx.buffer(4L * bank.packedRowTaps().length, "separable row taps");
                ctx.write(b[2], bank.packedRowTaps());
            } catch (RuntimeException e) {
                for (CudaBuffer x : b) {
                    if (x != null) {
                        x.close();
                    }
                }
                throw e;
            }
            cache(bank, b);
        }
        return b;
    }

    private CudaBuffer[] denseBuffers(DenseFilters f) {
        CudaBuffer[] b = cached(f);
        if (b == null) {
            CudaBuffer a = ctx.buffer(4L * f.data().length, "dense filters");
            ctx.write(a, f.data());
            b = new CudaBuffer[] {a};
            cache(f, b);
        }
        return b;
    }

    private CudaBuffer scratch(String what, long bytes) {
        CudaBuffer b = scratch.get(what);
        if (b != null && b.bytes >= bytes) {
            return b;
        }
        if (b != null) {
            scratch.remove(what);
            b.close();
        }
        b = ctx.buffer(Math.max(4, bytes), what);
        scratch.put(what, b);
        return b;
    }

    // ---- host calls: upload into scratch, run, download ----

    @Override
    public synchronized void separable(Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out) {
        ConvChecks.check("separable", x, bank, padding, out);
        checkOpen();
        CudaBuffer in = scratch("conv input", 4L * x.data().length);
        CudaBuffer o = scratch("conv output", 4L * x.data().length);
        ctx.write(in, x.data());
        launchSeparable(in, o, x.n(), x.c(), x.h(), x.w(), bank, padding);
        ctx.read(o, out.data(), 0, out.data().length);
    }

    @Override
    public synchronized void dense(Tensor4 x, DenseFilters filters, Padding padding, Tensor4 out) {
        ConvChecks.check("dense", x, filters, padding, out);
        checkOpen();
        CudaBuffer in = scratch("conv input", 4L * x.data().length);
        CudaBuffer o = scratch("conv output", 4L * x.data().length);
        ctx.write(in, x.data());
        launchDense(in, o, x.n(), x.c(), x.h(), x.w(), filters, padding);
        ctx.read(o, out.data(), 0, out.data().length);
    }

    // ---- resident calls ----

    @Override
    public synchronized DeviceTensor upload(Tensor4 x) {
        checkOpen();
        CudaTensor t = allocateTensor(x.n(), x.c(), x.h(), x.w());
        ctx.write(t.buf, x.data());
        return t;
    }

    @Override
    public synchronized DeviceTensor allocate(int n, int c, int h, int w) {
        checkOpen();
        CudaTensor t = allocateTensor(n, c, h, w);
        ctx.makeCurrent();
        CudaChecks.check(cuMemsetD32Async(t.buf.ptr, 0, t.elements(), ctx.stream()), "cuMemsetD32Async(new tensor)");
        return t;
    }

    private CudaTensor allocateTensor(int n, int c, int h, int w) {
        long elems = EngineTensor.elements("cuda", n, c, h, w);
        CudaTensor t = new CudaTensor(this, ctx.buffer(4L * elems, "tensor (" + n + "," + c + "," + h + "," + w
                + ")"), n, c, h, w);
        live.add(t);
        return t;
    }

    synchronized void release(CudaTensor t) {
        if (live.remove(t)) {
            t.buf.close();
        }
    }

    private CudaTensor own(DeviceTensor t, String what) {
        return EngineTensor.own(t, CudaTensor.class, this, live, "CUDA", what);
    }

    @Override
    public synchronized void download(DeviceTensor src, Tensor4 dst) {
        CudaTensor s = own(src, "source");
        EngineTensor.checkDownload(s, dst);
        ctx.read(s.buf, dst.data(), 0, dst.data().length);
    }

    @Override
    public synchronized void separable(DeviceTensor x, SeparableBank bank, Padding padding, DeviceTensor out) {
        checkOpen();
        CudaTensor a = own(x, "input");
        CudaTensor b = own(out, "output");
        EngineTensor.checkOperands("separable", a, b, bank.channels(), "bank has");
        launchSeparable(a.buf, b.buf, a.n(), a.c(), a.h(), a.w(), bank, padding);
    }

    @Override
    public synchronized void dense(DeviceTensor x, DenseFilters filters, Padding padding, DeviceTensor out) {
        checkOpen();
        CudaTensor a = own(x, "input");
        CudaTensor b = own(out, "output");
        EngineTensor.checkOperands("dense", a, b, filters.channels(), "filters have");
        launchDense(a.buf, b.buf, a.n(), a.c(), a.h(), a.w(), filters, padding);
    }

    @Override
    public synchronized void finish() {
        if (!closed) {
            ctx.synchronize();
        }
    }

    // ---- launches ----

    private void launchSeparable(CudaBuffer in, CudaBuffer out, int n, int c, int h, int w, SeparableBank bank,
                                 Padding padding) {
        int terms = Math.max(1, bank.maxTerms());
        ConvDefines d = new ConvDefines(bank.radius(), terms, border(padding), TW, TH);
        CudaModule m = module(d);
        CudaBuffer[] wb = bankBuffers(bank);
        long tw = TW + 2L * d.radius();
        long th = TH + 2L * d.radius();
        int shared = (int) (4L * (tw * th + (long) terms * th * TW));
        launch(m, "ss_conv_separable", shared, in, out, n, c, h, w, wb[0], wb[1], wb[2]);
    }

    private void launchDense(CudaBuffer in, CudaBuffer out, int n, int c, int h, int w, DenseFilters f,
                             Padding padding) {
        ConvDefines d = new ConvDefines(f.radius(), 1, border(padding), TW, TH);
        CudaModule m = module(d);
        CudaBuffer[] wb = denseBuffers(f);
        launch(m, "ss_conv_dense", (int) d.denseLocalBytes(), in, out, n, c, h, w, wb[0]);
    }

    private void launch(CudaModule m, String kernel, int shared, CudaBuffer in, CudaBuffer out, int n, int c, int h,
                        int w, CudaBuffer... weightBufs) {
        CUfunction fn = m.function(kernel);
        m.allowShared(kernel, shared);
        int gx = (w + TW - 1) / TW;
        int gy = (h + TH - 1) / TH;
        long plane = (long) h * w;
        // planes in launches of at most 65535 (grid z); each launch starts at a whole image (n) boundary so that
        // plane % C inside the kernel is still the channel
        int imagesPerLaunch = (int) Math.max(1, MAX_GRID_Z / c);
        if (c > MAX_GRID_Z) {
            throw new IllegalArgumentException(kernel + ": " + c + " channels exceed the grid limit " + MAX_GRID_Z);
        }
        for (int n0 = 0; n0 < n; n0 += imagesPerLaunch) {
            int nn = Math.min(imagesPerLaunch, n - n0);
            long byteOff = 4L * n0 * c * plane;
            jcuda.driver.CUdeviceptr pin = in.ptr.withByteOffset(byteOff);
            jcuda.driver.CUdeviceptr pout = out.ptr.withByteOffset(byteOff);
            List<Pointer> args = new ArrayList<>();
            args.add(Pointer.to(pin));
            args.add(Pointer.to(pout));
            for (CudaBuffer b : weightBufs) {
                args.add(b.arg());
            }
            args.add(Pointer.to(new int[] {c}));
            args.add(Pointer.to(new int[] {h}));
            args.add(Pointer.to(new int[] {w}));
            ctx.makeCurrent();
            CudaChecks.check(cuLaunchKernel(fn, gx, gy, nn * c, TW, TH, 1, shared, ctx.stream(),
                    Pointer.to(args.toArray(new Pointer[0])), null),
                    "cuLaunchKernel(" + kernel + " [" + m.variant + "], grid " + gx + "×" + gy + "×" + (nn * c)
                            + ", block " + TW + "×" + TH + ", " + shared + " B shared, device " + ctx.device.index()
                            + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<AutoCloseable> order = new ArrayList<>();
        for (CudaTensor t : live) {
            order.add(t.buf);
        }
        live.clear();
        order.addAll(scratch.values());
        for (Object k : weightOrder) {
            order.addAll(List.of(weights.get(k)));
        }
        order.addAll(modules.values());
        first = Closer.closeAll(order, first);
        scratch.clear();
        weights.clear();
        weightOrder.clear();
        modules.clear();
        try {
            ctx.close();
        } catch (RuntimeException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw first;
        }
    }
}
