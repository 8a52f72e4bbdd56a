package org.scalespace.backend.opencl;

import org.scalespace.conv.EngineTensor;

/** An (N, C, H, W) float32 tensor in one OpenCL buffer of one {@link OpenCLConvEngine}. */
final class OpenCLTensor extends EngineTensor {
    final OpenCLConvEngine owner;
    final OpenCLBuffer buf;

    OpenCLTensor(OpenCLConvEngine owner, OpenCLBuffer buf, int n, int c, int h, int w) {
        super(owner, "opencl", n, c, h, w);
        this.owner = owner;
        this.buf = buf;
    }

    @Override
    public void close() {
        owner.release(this);
    }
}
