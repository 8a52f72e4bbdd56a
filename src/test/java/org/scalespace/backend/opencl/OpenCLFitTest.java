package org.scalespace.backend.opencl;

import org.scalespace.backend.DeviceFitContract;

/**
 * The OpenCL coarse fit against the scalar oracle with the device's default fit schedule (on PoCL in CI: the cpu
 * schedule); skipped with the reason without OpenCL.
 */
class OpenCLFitTest extends DeviceFitContract<OpenCLScorer> {
    @Override
    protected String backendName() {
        return "opencl";
    }

    @Override
    protected OpenCLScorer openBackend() {
        return new OpenCLScorer();
    }

    @Override
    protected OpenCLScorer openGlobalTables(OpenCLScorer backend) {
        return new OpenCLScorer(backend.device(), true, backend.fitSchedule());
    }
}
