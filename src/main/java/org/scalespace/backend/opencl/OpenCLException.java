package org.scalespace.backend.opencl;

/** An OpenCL call failed: names the call and the CL_* status. */
public final class OpenCLException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public OpenCLException(String call, int status, String detail) {
        super(call + " failed with " + OpenCLChecks.errorName(status) + " (" + status + ")"
                + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.status = status;
    }

    /** The CL status code (negative). */
    public int status() {
        return status;
    }
}
