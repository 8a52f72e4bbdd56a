package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_CONTEXT_PLATFORM;
import static org.jocl.CL.CL_MEM_READ_WRITE;
import static org.jocl.CL.CL_TRUE;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_mem;

/**
 * An OpenCL context with one in-order command queue on one device. Owns both; {@link #close()} releases the queue,
 * then the context, and is idempotent. Not thread-safe: the owner serialises use of the queue.
 */
final class OpenCLContext implements AutoCloseable {
    final OpenCLDevice device;
    private cl_context context;
    private cl_command_queue queue;

    OpenCLContext(OpenCLDevice device) {
        this.device = device;
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platformId());
        int[] st = new int[1];
        context = CL.clCreateContext(props, 1, new org.jocl.cl_device_id[] {device.deviceId()}, null, null, st);
        OpenCLChecks.check(st, "clCreateContext");
        try {
            queue = createQueue(context, device, st);
            OpenCLChecks.check(st, "clCreateCommandQueue");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context ctx, OpenCLDevice d, int[] st) {
        // the OpenCL 1.2 call: accepted by 1.2 and later drivers (2.x+ keep it as deprecated)
        return CL.clCreateCommandQueue(ctx, d.deviceId(), 0, st);
    }

    cl_context context() {
        ensureOpen();
        return context;
    }

    cl_command_queue queue() {
        ensureOpen();
        return queue;
    }

    private void ensureOpen() {
        if (context == null) {
            throw new IllegalStateException("OpenCL context is closed");
        }
    }

    /** A read-write device buffer of the given size in bytes (checked against the device's max allocation). */
    OpenCLBuffer buffer(long bytes, String what) {
        if (bytes <= 0) {
            bytes = 4;
        }
        if (bytes > device.maxAllocBytes()) {
            throw new IllegalArgumentException(what + ": " + bytes + " bytes exceed the device's max allocation of "
                    + device.maxAllocBytes() + " bytes (" + device.name() + ")");
        }
        int[] st = new int[1];
        cl_mem m = CL.clCreateBuffer(context(), CL_MEM_READ_WRITE, bytes, null, st);
        OpenCLChecks.check(st[0], "clCreateBuffer(" + what + ", " + bytes + " bytes)");
        return new OpenCLBuffer(m, bytes, what);
    }

    void write(OpenCLBuffer b, float[] data, int count) {
        write(b, data, 0, count);
    }

    /** Blocking write of data[from, from + count) to the start of the buffer (capacity checked). */
    void write(OpenCLBuffer b, float[] data, int from, int count) {
        transfer(b, Pointer.to(data), data.length, from, count, true);
    }

    void write(OpenCLBuffer b, int[] data, int count) {
        write(b, data, 0, count);
    }

    /** Blocking write of data[from, from + count) to the start of the buffer (capacity checked). */
    void write(OpenCLBuffer b, int[] data, int from, int count) {
        transfer(b, Pointer.to(data), data.length, from, count, true);
    }

    void read(OpenCLBuffer b, float[] data, int count) {
        read(b, data, 0, count);
    }

    /** Blocking read from the start of the buffer into data[from, from + count) (capacity checked). */
    void read(OpenCLBuffer b, float[] data, int from, int count) {
        transfer(b, Pointer.to(data), data.length, from, count, false);
    }

    void read(OpenCLBuffer b, int[] data, int count) {
        read(b, data, 0, count);
    }

    /** Blocking read from the start of the buffer into data[from, from + count) (capacity checked). */
    void read(OpenCLBuffer b, int[] data, int from, int count) {
        transfer(b, Pointer.to(data), data.length, from, count, false);
    }

    /** One blocking transfer of count 4-byte elements between host[from, from + count) and the buffer's start. */
    private void transfer(OpenCLBuffer b, Pointer host, int length, int from, int count, boolean write) {
        b.checkCapacity(4L * count);
        if (from < 0 || count < 0 || from + count > length) {
            throw new IllegalArgumentException("host range [" + from + ", " + (from + count) + ") outside an array of "
                    + length + " for " + b.what);
        }
        if (count == 0) {
            return;
        }
        Pointer p = host.withByteOffset(4L * from);
        if (write) {
            OpenCLChecks.check(CL.clEnqueueWriteBuffer(queue(), b.mem(), CL_TRUE, 0, 4L * count, p, 0, null, null),
                    "clEnqueueWriteBuffer(" + b.what + ")");
        } else {
            OpenCLChecks.check(CL.clEnqueueReadBuffer(queue(), b.mem(), CL_TRUE, 0, 4L * count, p, 0, null, null),
                    "clEnqueueReadBuffer(" + b.what + ")");
        }
    }

    void finish() {
        OpenCLChecks.check(CL.clFinish(queue()), "clFinish");
    }

    @Override
    public void close() {
        RuntimeException first = null;
        if (queue != null) {
            int st = CL.clReleaseCommandQueue(queue);
            queue = null;
            if (st != CL.CL_SUCCESS) {
                first = new OpenCLException("clReleaseCommandQueue", st, null);
            }
        }
        if (context != null) {
            int st = CL.clReleaseContext(context);
            context = null;
            if (st != CL.CL_SUCCESS && first == null) {
                first = new OpenCLException("clReleaseContext", st, null);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
