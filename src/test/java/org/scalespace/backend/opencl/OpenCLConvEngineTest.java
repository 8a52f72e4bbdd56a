package org.scalespace.backend.opencl;

import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.ConvEngineContract;

/** The convolution contract (SPEC §8; reference and PyTorch vectors, every shape and padding) on the OpenCL engine. */
class OpenCLConvEngineTest extends ConvEngineContract {
    @Override
    protected String backendName() {
        return "opencl";
    }

    @Override
    protected String unavailableReason() {
        return OpenCLRuntime.unavailableReason().orElse(null);
    }

    @Override
    protected ConvEngine createEngine() {
        return new OpenCLConvEngine(1);
    }
}
