package org.scalespace.backend.cuda;

import org.scalespace.conv.EngineTensor;

/** An (N, C, H, W) float32 tensor in device memory of one {@link CudaConvEngine}. */
final class CudaTensor extends EngineTensor {
    final CudaConvEngine owner;
    final CudaBuffer buf;

    CudaTensor(CudaConvEngine owner, CudaBuffer buf, int n, int c, int h, int w) {
        super(owner, "cuda", n, c, h, w);
        this.owner = owner;
        this.buf = buf;
    }

    @Override
    public void close() {
        owner.release(this);
    }
}
