package org.scalespace.backend.opencl;

import org.scalespace.backend.DeviceFitContract;

/**
 * The same contract with the other fit schedule than the device's default (on PoCL: the gpu schedule; on a GPU: the
 * cpu one), so that both kernels of kernels/opencl/fit.cl are tested on whatever device CI has.
 */
class OpenCLOtherScheduleFitTest extends DeviceFitContract<OpenCLScorer> {
    @Override
    protected String backendName() {
        return "opencl";
    }

    @Override
    protected OpenCLScorer openBackend() {
        OpenCLDevice d;
        try {
            d = OpenCLRuntime.chosen();
        } catch (OpenCLRuntime.Unavailable u) {
            throw new IllegalStateException(u.getMessage());
        }
        String other = d.type().equals("CPU") ? "gpu" : "cpu";
        return new OpenCLScorer(d, false, other);
    }

    @Override
    protected OpenCLScorer openGlobalTables(OpenCLScorer backend) {
        return new OpenCLScorer(backend.device(), true, backend.fitSchedule());
    }
}
