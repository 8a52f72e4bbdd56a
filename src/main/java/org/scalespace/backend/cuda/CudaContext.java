package org.scalespace.backend.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * The device's primary context (shared with other CUDA users in the process, e.g. cuDNN, as the runtime API does)
 * and one stream. The stream is a blocking stream (flags 0), so the synchronous copies used here, which run on the
 * legacy default stream, are ordered after the kernels queued on it; reads therefore see finished results.
 * {@link #close()} destroys the stream and releases the primary context, in that order; idempotent.
 */
public final class CudaContext implements AutoCloseable {
    final CudaDevice device;
    private final CUdevice dev = new CUdevice();
    private final CUcontext ctx = new CUcontext();
    private final CUstream stream = new CUstream();
    private boolean retained;
    private boolean hasStream;
    private boolean closed;

    public CudaContext(CudaDevice device) {
        this.device = device;
        try {
            CudaChecks.check(cuDeviceGet(dev, device.index()), "cuDeviceGet(" + device.index() + ")");
            CudaChecks.check(cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain(device " + device.index() + ")");
            retained = true;
            makeCurrent();
            CudaChecks.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT), "cuStreamCreate(device "
                    + device.index() + ")");
            hasStream = true;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Binds the context to the calling thread (every entry point calls this; cheap when already current). */
    void makeCurrent() {
        CudaChecks.check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent(device " + device.index() + ")");
    }

    CUstream stream() {
        return stream;
    }

    CudaBuffer buffer(long bytes, String what) {
        return new CudaBuffer(this, bytes, what);
    }

    void write(CudaBuffer b, float[] src, int off, int len) {
        b.checkCapacity(4L * len);
        makeCurrent();
        CudaChecks.check(cuMemcpyHtoD(b.ptr, Pointer.to(src).withByteOffset(4L * off), 4L * len),
                "cuMemcpyHtoD(" + b.what + ", " + 4L * len + " bytes)");
    }

    void write(CudaBuffer b, float[] src) {
        write(b, src, 0, src.length);
    }

    void write(CudaBuffer b, int[] src, int off, int len) {
        b.checkCapacity((long) Sizeof.INT * len);
        makeCurrent();
        CudaChecks.check(cuMemcpyHtoD(b.ptr, Pointer.to(src).withByteOffset(4L * off), 4L * len),
                "cuMemcpyHtoD(" + b.what + ", " + 4L * len + " bytes)");
    }

    void read(CudaBuffer b, float[] dst, int off, int len) {
        b.checkCapacity(4L * len);
        makeCurrent();
        CudaChecks.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * off), b.ptr, 4L * len),
                "cuMemcpyDtoH(" + b.what + ", " + 4L * len + " bytes)");
    }

    void read(CudaBuffer b, int[] dst, int off, int len) {
        b.checkCapacity(4L * len);
        makeCurrent();
        CudaChecks.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * off), b.ptr, 4L * len),
                "cuMemcpyDtoH(" + b.what + ", " + 4L * len + " bytes)");
    }

    void copy(CudaBuffer src, CudaBuffer dst, long bytes) {
        src.checkCapacity(bytes);
        dst.checkCapacity(bytes);
        makeCurrent();
        CudaChecks.check(cuMemcpyDtoD(dst.ptr, src.ptr, bytes), "cuMemcpyDtoD(" + src.what + " → " + dst.what + ")");
    }

    /** Waits for the work queued on the stream. */
    void synchronize() {
        makeCurrent();
        CudaChecks.check(cuStreamSynchronize(stream), "cuStreamSynchronize(device " + device.index() + ")");
    }

    public CudaDevice device() {
        return device;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        if (hasStream) {
            try {
                makeCurrent();
                CudaChecks.check(cuStreamSynchronize(stream), "cuStreamSynchronize(device " + device.index() + ")");
            } catch (RuntimeException e) {
                first = e;
            }
            int s = cuStreamDestroy(stream);
            if (first == null && s != 0) {
                first = new CudaException("cuStreamDestroy failed: " + CudaChecks.name(s), s);
            }
        }
        if (retained) {
            int s = cuDevicePrimaryCtxRelease(dev);
            if (first == null && s != 0) {
                first = new CudaException("cuDevicePrimaryCtxRelease(device " + device.index() + ") failed: "
                        + CudaChecks.name(s), s);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
