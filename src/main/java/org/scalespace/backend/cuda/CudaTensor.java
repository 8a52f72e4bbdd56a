package org.scalespace.backend.cuda;

import org.scalespace.conv.DeviceTensor;

/** An (N, C, H, W) float32 tensor in device memory of one {@link CudaConvEngine}. */
final class CudaTensor implements DeviceTensor {
    final CudaConvEngine owner;
    final CudaBuffer buf;
    private final int n;
    private final int c;
    private final int h;
    private final int w;

    CudaTensor(CudaConvEngine owner, CudaBuffer buf, int n, int c, int h, int w) {
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
        return "cuda";
    }

    long elements() {
        return (long) n * c * h * w;
    }

    @Override
    public void close() {
        owner.release(this);
    }
}
