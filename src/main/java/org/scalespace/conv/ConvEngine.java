package org.scalespace.conv;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * A depthwise convolution engine (SPEC §8): one filter per channel, cross-correlation, stride 1, same-size output.
 *
 * <p>Every engine computes the same function as {@link ReferenceConv} to float32 rounding. All sizes and shapes are
 * checked before any work ({@link IllegalArgumentException} naming the tensor and what is accepted). Values are not
 * scanned for NaN here (that would cost a pass over memory); NaN and infinities propagate as IEEE arithmetic does.
 * The output must not share its array with the input.
 *
 * <p><b>Threads.</b> An engine owns scratch buffers (and, for the SIMD engine, a thread pool) that are reused across
 * calls. Its methods may be called from any thread, but calls on one engine are serialised; for concurrent
 * convolutions use one engine per caller thread. {@link #close()} releases the pool and device resources.
 *
 * <p><b>Resident data.</b> The {@link DeviceTensor} overloads keep tensors where the engine computes, for device
 * backends; on the CPU engines they wrap host arrays and cost nothing extra. Filter banks are immutable, so a device
 * engine may cache their upload per bank instance.
 */
public interface ConvEngine extends AutoCloseable {

    /** Backend name: "scalar", "simd", "opencl", "cuda". */
    String name();

    /** out ← depthwise conv of x with the separable filters of {@code bank} (bank.channels() must equal x.c()). */
    void separable(Tensor4 x, SeparableBank bank, Padding padding, Tensor4 out);

    /** out ← depthwise conv of x with dense k×k filters (filters.channels() must equal x.c()). */
    void dense(Tensor4 x, DenseFilters filters, Padding padding, Tensor4 out);

    /** Allocating variant of {@link #separable(Tensor4, SeparableBank, Padding, Tensor4)}. */
    default Tensor4 separable(Tensor4 x, SeparableBank bank, Padding padding) {
        ConvChecks.check("separable", x, bank.channels(), null);
        Tensor4 out = x.like();
        separable(x, bank, padding, out);
        return out;
    }

    /** Allocating variant of {@link #dense(Tensor4, DenseFilters, Padding, Tensor4)}. */
    default Tensor4 dense(Tensor4 x, DenseFilters filters, Padding padding) {
        ConvChecks.check("dense", x, filters.channels(), null);
        Tensor4 out = x.like();
        dense(x, filters, padding, out);
        return out;
    }

    /** {@code float[]} convenience: x is NCHW of the given shape; returns a new array of the same size. */
    default float[] separable(float[] x, int n, int c, int h, int w, SeparableBank bank, Padding padding) {
        return separable(new Tensor4(n, c, h, w, x), bank, padding).data();
    }

    /** {@code float[]} convenience: x is NCHW of the given shape; returns a new array of the same size. */
    default float[] dense(float[] x, int n, int c, int h, int w, DenseFilters filters, Padding padding) {
        return dense(new Tensor4(n, c, h, w, x), filters, padding).data();
    }

    /** {@code float[]} convenience writing into {@code out} (same size as x). */
    default void separable(float[] x, float[] out, int n, int c, int h, int w, SeparableBank bank, Padding padding) {
        separable(new Tensor4(n, c, h, w, x), bank, padding, new Tensor4(n, c, h, w, out));
    }

    /** {@code float[]} convenience writing into {@code out} (same size as x). */
    default void dense(float[] x, float[] out, int n, int c, int h, int w, DenseFilters filters, Padding padding) {
        dense(new Tensor4(n, c, h, w, x), filters, padding, new Tensor4(n, c, h, w, out));
    }

    /**
     * Discrete-Gaussian smoothing of every plane of x at (σx, σy), and the requested derivative outputs
     * (see {@link GaussianFilters}). Returns one tensor per requested output, in {@link GaussianOutput} order.
     */
    default Map<GaussianOutput, Tensor4> gaussian(Tensor4 x, GaussianSpec spec, Set<GaussianOutput> outputs,
                                                  Padding padding) {
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("gaussian: no outputs requested; accepted: "
                    + GaussianOutput.allIds());
        }
        Map<GaussianOutput, SeparableBank> banks = new EnumMap<>(GaussianOutput.class);
        for (GaussianOutput o : outputs) {
            banks.put(o, GaussianFilters.bank(x.c(), spec, o)); // build (and check) all before any work
        }
        Map<GaussianOutput, Tensor4> result = new EnumMap<>(GaussianOutput.class);
        for (Map.Entry<GaussianOutput, SeparableBank> e : banks.entrySet()) {
            result.put(e.getKey(), separable(x, e.getValue(), padding));
        }
        return result;
    }

    // ---- resident (device) variants ----

    /** Copies (or, on the host, wraps) x where this engine computes. */
    DeviceTensor upload(Tensor4 x);

    /** A new zero tensor where this engine computes. */
    DeviceTensor allocate(int n, int c, int h, int w);

    /** Copies src into dst (same shape), waiting for pending work on src. */
    void download(DeviceTensor src, Tensor4 dst);

    /** Resident {@link #separable(Tensor4, SeparableBank, Padding, Tensor4)}; both tensors from this engine. */
    void separable(DeviceTensor x, SeparableBank bank, Padding padding, DeviceTensor out);

    /** Resident {@link #dense(Tensor4, DenseFilters, Padding, Tensor4)}; both tensors from this engine. */
    void dense(DeviceTensor x, DenseFilters filters, Padding padding, DeviceTensor out);

    /** Waits until queued work is done (device engines are asynchronous; a no-op on the CPU). */
    default void finish() {
    }

    /** Releases the pool, scratch and device resources; idempotent. */
    @Override
    default void close() {
    }
}
