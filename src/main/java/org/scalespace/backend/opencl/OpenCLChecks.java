package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_SUCCESS;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Status checking and info queries. JOCL's JVM-wide exception flag stays off (DESIGN): every status is checked here,
 * where it is returned, and a failure names the call and the CL_* error.
 */
final class OpenCLChecks {
    private OpenCLChecks() {
    }

    /** Throws {@link OpenCLException} unless status is CL_SUCCESS. */
    static void check(int status, String call) {
        if (status != CL_SUCCESS) {
            throw new OpenCLException(call, status, null);
        }
    }

    /** Throws {@link OpenCLException} unless the out-parameter status is CL_SUCCESS. */
    static void check(int[] status, String call) {
        check(status[0], call);
    }

    /** "CL_OUT_OF_RESOURCES", or "unknown CL error" for codes JOCL does not know. */
    static String errorName(int status) {
        if (status == -1001) {
            return "CL_PLATFORM_NOT_FOUND_KHR";
        }
        try {
            String s = CL.stringFor_errorCode(status);
            return s == null || s.isEmpty() || s.startsWith("INVALID") ? "unknown CL error" : s;
        } catch (LinkageError e) {
            return "CL error";
        }
    }

    static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        check(CL.clGetPlatformInfo(p, param, 0, null, size), "clGetPlatformInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetPlatformInfo(p, param, buf.length, Pointer.to(buf), null), "clGetPlatformInfo");
        return cString(buf);
    }

    static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        check(CL.clGetDeviceInfo(d, param, 0, null, size), "clGetDeviceInfo");
        byte[] buf = new byte[(int) size[0]];
        check(CL.clGetDeviceInfo(d, param, buf.length, Pointer.to(buf), null), "clGetDeviceInfo");
        return cString(buf);
    }

    /** A cl_ulong device property. */
    static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        check(CL.clGetDeviceInfo(d, param, Long.BYTES, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    /** A cl_uint device property. */
    static int deviceInt(cl_device_id d, int param) {
        int[] v = new int[1];
        check(CL.clGetDeviceInfo(d, param, Integer.BYTES, Pointer.to(v), null), "clGetDeviceInfo");
        return v[0];
    }

    /** A size_t device property. */
    static long deviceSize(cl_device_id d, int param) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        check(CL.clGetDeviceInfo(d, param, org.jocl.Sizeof.size_t, Pointer.to(b), null), "clGetDeviceInfo");
        return org.jocl.Sizeof.size_t == 8 ? b.getLong(0) : b.getInt(0) & 0xffffffffL;
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8).trim();
    }
}
