package org.scalespace.conv;

/**
 * An (N, C, H, W) float32 tensor held where an engine computes: host memory for the CPU engines
 * ({@link HostTensor}), a device buffer for the OpenCL/CUDA engines. Obtained from
 * {@link ConvEngine#upload(Tensor4)} or {@link ConvEngine#allocate(int, int, int, int)}, passed to the resident
 * {@code separable}/{@code dense} calls of the <em>same</em> engine, and read back with
 * {@link ConvEngine#download(DeviceTensor, Tensor4)}. This lets pipelines chain convolutions without a host round
 * trip. {@link #close()} releases device memory; it is idempotent, and a no-op for host tensors.
 */
public interface DeviceTensor extends AutoCloseable {
    int n();

    int c();

    int h();

    int w();

    /** Name of the engine that owns this tensor ("scalar", "simd", "opencl", …). */
    String engine();

    /** "(N,C,H,W)" for messages. */
    default String shapeString() {
        return "(" + n() + "," + c() + "," + h() + "," + w() + ")";
    }

    @Override
    void close();
}
