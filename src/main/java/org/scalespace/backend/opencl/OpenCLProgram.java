package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_PROGRAM_BUILD_LOG;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

/**
 * A built program and its kernels. A build failure throws {@link OpenCLException} carrying the compiler log and the
 * options. {@link #close()} releases the kernels, then the program; idempotent.
 */
final class OpenCLProgram implements AutoCloseable {
    private cl_program program;
    private final Map<String, cl_kernel> kernels = new LinkedHashMap<>();
    final String options;

    OpenCLProgram(OpenCLContext ctx, String source, String options, String... kernelNames) {
        this.options = options;
        int[] st = new int[1];
        program = CL.clCreateProgramWithSource(ctx.context(), 1, new String[] {source}, null, st);
        OpenCLChecks.check(st, "clCreateProgramWithSource");
        try {
            int b = CL.clBuildProgram(program, 1, new org.jocl.cl_device_id[] {ctx.device.deviceId()}, options,
                    null, null);
            if (b != CL.CL_SUCCESS) {
                throw new OpenCLException("clBuildProgram", b, "options '" + options + "' on " + ctx.device.name()
                        + "; build log:\n" + buildLog(ctx));
            }
            for (String k : kernelNames) {
                cl_kernel kern = CL.clCreateKernel(program, k, st);
                OpenCLChecks.check(st, "clCreateKernel(" + k + ")");
                kernels.put(k, kern);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private String buildLog(OpenCLContext ctx) {
        long[] size = new long[1];
        int st = CL.clGetProgramBuildInfo(program, ctx.device.deviceId(), CL_PROGRAM_BUILD_LOG, 0, null, size);
        if (st != CL.CL_SUCCESS) {
            return "(no log: clGetProgramBuildInfo failed with " + OpenCLChecks.errorName(st) + ")";
        }
        byte[] buf = new byte[(int) size[0]];
        st = CL.clGetProgramBuildInfo(program, ctx.device.deviceId(), CL_PROGRAM_BUILD_LOG, buf.length,
                Pointer.to(buf), null);
        if (st != CL.CL_SUCCESS) {
            return "(no log: clGetProgramBuildInfo failed with " + OpenCLChecks.errorName(st) + ")";
        }
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    cl_kernel kernel(String name) {
        cl_kernel k = kernels.get(name);
        if (k == null) {
            throw new IllegalArgumentException("program has no kernel " + name + " (has " + kernels.keySet() + ")");
        }
        return k;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        java.util.List<String> names = new java.util.ArrayList<>(kernels.keySet());
        java.util.Collections.reverse(names);
        for (String n : names) {
            int st = CL.clReleaseKernel(kernels.remove(n));
            if (st != CL.CL_SUCCESS && first == null) {
                first = new OpenCLException("clReleaseKernel(" + n + ")", st, null);
            }
        }
        if (program != null) {
            int st = CL.clReleaseProgram(program);
            program = null;
            if (st != CL.CL_SUCCESS && first == null) {
                first = new OpenCLException("clReleaseProgram", st, null);
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
