package org.scalespace.backend.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** Device memory owned by one {@link CudaContext}; {@link #close()} frees it (idempotent). */
public final class CudaBuffer implements AutoCloseable {
    final CudaContext ctx;
    final CUdeviceptr ptr = new CUdeviceptr();
    final long bytes;
    final String what;
    private boolean closed;

    CudaBuffer(CudaContext ctx, long bytes, String what) {
        if (bytes <= 0) {
            throw new IllegalArgumentException(what + ": buffer size must be positive, got " + bytes);
        }
        this.ctx = ctx;
        this.bytes = bytes;
        this.what = what;
        ctx.makeCurrent();
        CudaChecks.check(cuMemAlloc(ptr, bytes), "cuMemAlloc(" + bytes + " bytes, " + what + ") on device "
                + ctx.device.index());
    }

    /** Kernel argument: a pointer to the device pointer. */
    Pointer arg() {
        if (closed) {
            throw new IllegalStateException(what + ": buffer is closed");
        }
        return Pointer.to(ptr);
    }

    void checkCapacity(long needed) {
        if (needed > bytes) {
            throw new IllegalStateException(what + ": " + needed + " bytes needed, buffer holds " + bytes);
        }
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ctx.makeCurrent();
        CudaChecks.check(cuMemFree(ptr), "cuMemFree(" + what + ")");
    }
}
