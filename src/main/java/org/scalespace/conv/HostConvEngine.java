package org.scalespace.conv;

/**
 * Base of the CPU engines: resident tensors are {@link HostTensor}s wrapping host arrays, so the resident calls are
 * the host calls.
 */
public abstract class HostConvEngine implements ConvEngine {

    @Override
    public DeviceTensor upload(Tensor4 x) {
        return new HostTensor(x, name());
    }

    @Override
    public DeviceTensor allocate(int n, int c, int h, int w) {
        return new HostTensor(Tensor4.zeros(n, c, h, w), name());
    }

    @Override
    public void download(DeviceTensor src, Tensor4 dst) {
        Tensor4 s = host(src, "source");
        if (!s.sameShape(dst)) {
            throw new IllegalArgumentException("download: destination " + dst.shapeString()
                    + " does not match source " + s.shapeString());
        }
        if (s.data() != dst.data()) {
            System.arraycopy(s.data(), 0, dst.data(), 0, s.data().length);
        }
    }

    @Override
    public void separable(DeviceTensor x, SeparableBank bank, Padding padding, DeviceTensor out) {
        separable(host(x, "input"), bank, padding, host(out, "output"));
    }

    @Override
    public void dense(DeviceTensor x, DenseFilters filters, Padding padding, DeviceTensor out) {
        dense(host(x, "input"), filters, padding, host(out, "output"));
    }

    /** The host tensor behind t; t must be a {@link HostTensor}. */
    protected Tensor4 host(DeviceTensor t, String what) {
        if (t instanceof HostTensor h) {
            return h.tensor();
        }
        throw new IllegalArgumentException(name() + ": " + what + " tensor belongs to engine '" + t.engine()
                + "'; pass tensors from this engine's upload/allocate");
    }
}
