package org.scalespace.backend.opencl;

import org.scalespace.backend.DeviceFitContract;

/**
 * The OpenCL coarse fit against the scalar oracle with the device's default fit schedule (on PoCL in CI: the cpu
 * schedule); skipped with the reason without OpenCL.
 */
class OpenCLFitTest extends DeviceFitContract<OpenCLBackend> {
    @Override
    protected String backendName() {
        return "opencl";
    }

    @Override
    protected OpenCLBackend openBackend() {
        return new OpenCLBackend();
    }

    @Override
    protected OpenCLBackend openGlobalTables(OpenCLBackend backend) {
        return new OpenCLBackend(backend.device(), true, backend.fitSchedule());
    }
}
