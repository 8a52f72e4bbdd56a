package org.scalespace.backend.cuda;

import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.ConvEngineContract;

/**
 * The convolution contract on the CUDA engine (against the double-precision reference and the PyTorch vectors).
 * Skipped with the reason without a CUDA device; -Dscalespace.requireBackends=cuda turns that into a failure.
 */
class CudaConvEngineTest extends ConvEngineContract {
    @Override
    protected String backendName() {
        return "cuda";
    }

    @Override
    protected String unavailableReason() {
        return CudaRuntime.unavailableReason().orElse(null);
    }

    @Override
    protected ConvEngine createEngine() {
        return new CudaConvEngine(1);
    }
}
