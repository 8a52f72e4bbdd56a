package org.scalespace.backend.cuda;

/** A failed CUDA driver call: the call, its CUresult name and what was being done. */
public final class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public CudaException(String message, int status) {
        super(message);
        this.status = status;
    }

    /** The CUresult code. */
    public int status() {
        return status;
    }
}
