package org.scalespace.conv;

import java.util.Objects;

/** The {@link DeviceTensor} of the CPU engines: a host {@link Tensor4} (shared, not copied) tagged with its engine. */
public record HostTensor(Tensor4 tensor, String engine) implements DeviceTensor {
    public HostTensor {
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(engine, "engine");
    }

    @Override
    public int n() {
        return tensor.n();
    }

    @Override
    public int c() {
        return tensor.c();
    }

    @Override
    public int h() {
        return tensor.h();
    }

    @Override
    public int w() {
        return tensor.w();
    }

    @Override
    public void close() {
        // host memory: nothing to release
    }
}
