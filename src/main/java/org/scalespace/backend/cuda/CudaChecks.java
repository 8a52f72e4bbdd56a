package org.scalespace.backend.cuda;

import jcuda.driver.CUresult;

/**
 * Status checks for the CUDA driver API. JCuda's JVM-wide exception flag ({@code setExceptionsEnabled}) is never
 * turned on: every call's CUresult is checked here, where it is returned, and reported with its name and the call.
 */
final class CudaChecks {
    private CudaChecks() {
    }

    /** Throws {@link CudaException} naming the call and the CUresult unless status is CUDA_SUCCESS. */
    static void check(int status, String call) {
        if (status != CUresult.CUDA_SUCCESS) {
            throw new CudaException(call + " failed: " + name(status) + " (" + status + ")", status);
        }
    }

    /** CUresult name, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
    static String name(int status) {
        try {
            return CUresult.stringFor(status);
        } catch (RuntimeException e) {
            return "CUresult " + status;
        }
    }
}
