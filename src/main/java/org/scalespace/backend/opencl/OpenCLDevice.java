package org.scalespace.backend.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as listed by {@link OpenCLRuntime#devices()}: indices in the listing order (platform index,
 * device index within the platform) and the properties the backend and {@code scalespace info} use.
 */
public record OpenCLDevice(int platformIndex, String platformName, String platformVersion, int deviceIndex,
                           String name, String type, String version, String driverVersion, long globalMemBytes,
                           long maxAllocBytes, long localMemBytes, int computeUnits, long maxWorkGroupSize,
                           cl_platform_id platformId, cl_device_id deviceId) {

    /** Selection rank: GPU 0, accelerator 1, CPU 2, anything else 3. */
    public int typeRank() {
        switch (type) {
            case "GPU":
                return 0;
            case "ACCELERATOR":
                return 1;
            case "CPU":
                return 2;
            default:
                return 3;
        }
    }

    /** "PoCL: pthread-skylake-avx512-AMD EPYC (CPU, OpenCL 3.0 PoCL ..., driver 3.1)". */
    public String describe() {
        return platformName + ": " + name + " (" + type + ", " + version + ", driver " + driverVersion + ")";
    }
}
