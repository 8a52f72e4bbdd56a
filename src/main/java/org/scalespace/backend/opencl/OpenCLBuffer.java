package org.scalespace.backend.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_mem;

/** One device buffer; {@link #close()} releases it once. */
final class OpenCLBuffer implements AutoCloseable {
    private cl_mem mem;
    final long bytes;
    final String what;

    OpenCLBuffer(cl_mem mem, long bytes, String what) {
        this.mem = mem;
        this.bytes = bytes;
        this.what = what;
    }

    cl_mem mem() {
        if (mem == null) {
            throw new IllegalStateException("OpenCL buffer " + what + " is closed");
        }
        return mem;
    }

    /** Kernel-argument pointer to this buffer. */
    Pointer arg() {
        return Pointer.to(mem());
    }

    static long argSize() {
        return Sizeof.cl_mem;
    }

    void checkCapacity(long need) {
        if (need > bytes) {
            throw new IllegalStateException("OpenCL buffer " + what + " holds " + bytes + " bytes, " + need
                    + " needed");
        }
    }

    @Override
    public void close() {
        if (mem != null) {
            int st = CL.clReleaseMemObject(mem);
            mem = null;
            OpenCLChecks.check(st, "clReleaseMemObject(" + what + ")");
        }
    }
}
