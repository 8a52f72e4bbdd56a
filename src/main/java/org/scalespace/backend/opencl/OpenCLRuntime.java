package org.scalespace.backend.opencl;

import static org.jocl.CL.CL_DEVICE_GLOBAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_LOCAL_MEM_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_COMPUTE_UNITS;
import static org.jocl.CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE;
import static org.jocl.CL.CL_DEVICE_MAX_WORK_GROUP_SIZE;
import static org.jocl.CL.CL_DEVICE_NAME;
import static org.jocl.CL.CL_DEVICE_NOT_FOUND;
import static org.jocl.CL.CL_DEVICE_TYPE;
import static org.jocl.CL.CL_DEVICE_TYPE_ACCELERATOR;
import static org.jocl.CL.CL_DEVICE_TYPE_ALL;
import static org.jocl.CL.CL_DEVICE_TYPE_CPU;
import static org.jocl.CL.CL_DEVICE_TYPE_GPU;
import static org.jocl.CL.CL_DEVICE_VERSION;
import static org.jocl.CL.CL_DRIVER_VERSION;
import static org.jocl.CL.CL_PLATFORM_NAME;
import static org.jocl.CL.CL_PLATFORM_VERSION;
import static org.jocl.CL.CL_SUCCESS;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Whether OpenCL can be used here, the platforms and devices, and the device choice.
 *
 * <p>Device choice: GPU before accelerator before CPU (then other types), first in listing order within a type.
 * Overrides (system property, else environment variable):
 * <ul>
 *   <li>{@value #PLATFORM_PROPERTY} / {@code SCALESPACE_OPENCL_PLATFORM}: platform index (as listed by
 *       {@code scalespace info}) or a case-insensitive substring of the platform name;</li>
 *   <li>{@value #DEVICE_PROPERTY} / {@code SCALESPACE_OPENCL_DEVICE}: device index within the chosen platform(s), or a
 *       case-insensitive substring of the device name.</li>
 * </ul>
 * An override that matches nothing makes the backend unavailable with a reason naming the override.
 *
 * <p>Nothing here throws for a missing driver: the JOCL native library is loaded on first use and a failure to load
 * it, or libOpenCL.so, becomes a reason string.
 */
public final class OpenCLRuntime {
    public static final String PLATFORM_PROPERTY = "scalespace.opencl.platform";
    public static final String DEVICE_PROPERTY = "scalespace.opencl.device";

    private OpenCLRuntime() {
    }

    /** The device selection overrides in effect: [platform, device], each null when not set. */
    public static String[] overrides() {
        return new String[] {setting(PLATFORM_PROPERTY, "SCALESPACE_OPENCL_PLATFORM"),
            setting(DEVICE_PROPERTY, "SCALESPACE_OPENCL_DEVICE")};
    }

    private static String setting(String prop, String env) {
        String v = System.getProperty(prop);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Loads JOCL and the OpenCL ICD loader; empty when both load, otherwise why not. */
    static Optional<String> loadReason() {
        try {
            CL.class.getName();
            // touching a native method forces the static initialiser (JNI library + dlopen of libOpenCL)
            int[] n = new int[1];
            CL.clGetPlatformIDs(0, null, n);
            return Optional.empty();
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            return Optional.of(describeLinkError(e));
        } catch (RuntimeException e) {
            return Optional.of("JOCL failed to initialise: " + e);
        }
    }

    /** Maps JOCL's loader errors to a precise reason. */
    static String describeLinkError(Throwable e) {
        String m = String.valueOf(e.getMessage());
        Throwable c = e.getCause();
        if (e instanceof ExceptionInInitializerError && c != null) {
            m = String.valueOf(c.getMessage());
        }
        if (m.contains("Could not initialize native OpenCL library")) {
            return "no OpenCL ICD loader (libOpenCL.so) found: install ocl-icd-libopencl1/ocl-icd-opencl-dev "
                    + "(or your vendor's OpenCL runtime)";
        }
        if (e instanceof NoClassDefFoundError) {
            return "JOCL could not be initialised earlier in this JVM (" + m + ")";
        }
        return "the JOCL native library could not be loaded: " + m;
    }

    /** Empty when an OpenCL device can be opened with the current overrides; otherwise the precise reason. */
    public static Optional<String> unavailableReason() {
        Optional<String> r = loadReason();
        if (r.isPresent()) {
            return r;
        }
        try {
            List<OpenCLDevice> all = devicesOrThrow();
            choose(all, overrides()[0], overrides()[1]);
            return Optional.empty();
        } catch (Unavailable u) {
            return Optional.of(u.getMessage());
        } catch (OpenCLException e) {
            return Optional.of("OpenCL query failed: " + e.getMessage());
        }
    }

    /** Thrown with the reason when no device can be chosen. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String m) {
            super(m);
        }
    }

    /** Every device of every platform, in listing order; empty when OpenCL cannot be loaded. */
    public static List<OpenCLDevice> devices() {
        if (loadReason().isPresent()) {
            return List.of();
        }
        try {
            return devicesOrThrow();
        } catch (Unavailable u) {
            return List.of();
        }
    }

    static List<OpenCLDevice> devicesOrThrow() throws Unavailable {
        int[] np = new int[1];
        int st = CL.clGetPlatformIDs(0, null, np);
        if (st == -1001 || (st == CL_SUCCESS && np[0] == 0)) {
            throw new Unavailable("no OpenCL platform: the ICD loader found no installable client driver "
                    + "(install a GPU vendor's OpenCL driver or pocl-opencl-icd; check /etc/OpenCL/vendors"
                    + " and OCL_ICD_VENDORS)");
        }
        OpenCLChecks.check(st, "clGetPlatformIDs");
        cl_platform_id[] ps = new cl_platform_id[np[0]];
        OpenCLChecks.check(CL.clGetPlatformIDs(ps.length, ps, null), "clGetPlatformIDs");
        List<OpenCLDevice> out = new ArrayList<>();
        for (int p = 0; p < ps.length; p++) {
            String pname = OpenCLChecks.platformString(ps[p], CL_PLATFORM_NAME);
            String pver = OpenCLChecks.platformString(ps[p], CL_PLATFORM_VERSION);
            int[] nd = new int[1];
            int s = CL.clGetDeviceIDs(ps[p], CL_DEVICE_TYPE_ALL, 0, null, nd);
            if (s == CL_DEVICE_NOT_FOUND || (s == CL_SUCCESS && nd[0] == 0)) {
                continue;
            }
            OpenCLChecks.check(s, "clGetDeviceIDs");
            cl_device_id[] ds = new cl_device_id[nd[0]];
            OpenCLChecks.check(CL.clGetDeviceIDs(ps[p], CL_DEVICE_TYPE_ALL, ds.length, ds, null), "clGetDeviceIDs");
            for (int d = 0; d < ds.length; d++) {
                long type = OpenCLChecks.deviceLong(ds[d], CL_DEVICE_TYPE);
                String t = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU"
                        : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCELERATOR"
                        : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU" : "OTHER";
                out.add(new OpenCLDevice(p, pname, pver, d, OpenCLChecks.deviceString(ds[d], CL_DEVICE_NAME), t,
                        OpenCLChecks.deviceString(ds[d], CL_DEVICE_VERSION), OpenCLChecks.deviceString(ds[d], CL_DRIVER_VERSION),
                        OpenCLChecks.deviceLong(ds[d], CL_DEVICE_GLOBAL_MEM_SIZE),
                        OpenCLChecks.deviceLong(ds[d], CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                        OpenCLChecks.deviceLong(ds[d], CL_DEVICE_LOCAL_MEM_SIZE),
                        OpenCLChecks.deviceInt(ds[d], CL_DEVICE_MAX_COMPUTE_UNITS),
                        OpenCLChecks.deviceSize(ds[d], CL_DEVICE_MAX_WORK_GROUP_SIZE), ps[p], ds[d]));
            }
        }
        if (out.isEmpty()) {
            throw new Unavailable("no OpenCL device: " + ps.length + " platform" + (ps.length == 1 ? "" : "s")
                    + " but none reports a device");
        }
        return out;
    }

    /**
     * The device to use: filtered by the overrides (index or name substring), then the best type (GPU &gt;
     * accelerator &gt; CPU &gt; other), then listing order.
     */
    static OpenCLDevice choose(List<OpenCLDevice> all, String platform, String device) throws Unavailable {
        List<OpenCLDevice> c = new ArrayList<>(all);
        if (platform != null) {
            List<OpenCLDevice> f = new ArrayList<>();
            Integer idx = index(platform);
            for (OpenCLDevice d : c) {
                if (idx != null ? d.platformIndex() == idx : contains(d.platformName(), platform)) {
                    f.add(d);
                }
            }
            if (f.isEmpty()) {
                throw new Unavailable("no OpenCL platform matches " + PLATFORM_PROPERTY + "=" + platform
                        + " (platforms: " + platformList(all) + ")");
            }
            c = f;
        }
        if (device != null) {
            List<OpenCLDevice> f = new ArrayList<>();
            Integer idx = index(device);
            for (OpenCLDevice d : c) {
                if (idx != null ? d.deviceIndex() == idx : contains(d.name(), device)) {
                    f.add(d);
                }
            }
            if (f.isEmpty()) {
                throw new Unavailable("no OpenCL device matches " + DEVICE_PROPERTY + "=" + device
                        + (platform != null ? " on platform " + platform : "") + " (devices: " + deviceList(c)
                        + ")");
            }
            c = f;
        }
        OpenCLDevice best = null;
        for (OpenCLDevice d : c) {
            if (best == null || d.typeRank() < best.typeRank()) {
                best = d;
            }
        }
        return best;
    }

    /** The device the backend would open now. */
    static OpenCLDevice chosen() throws Unavailable {
        Optional<String> r = loadReason();
        if (r.isPresent()) {
            throw new Unavailable(r.get());
        }
        String[] o = overrides();
        return choose(devicesOrThrow(), o[0], o[1]);
    }

    /** The device the backend would open now; IllegalStateException with the reason when there is none. */
    public static OpenCLDevice chosenDevice() {
        try {
            return chosen();
        } catch (Unavailable u) {
            throw new IllegalStateException(u.getMessage());
        }
    }

    private static Integer index(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean contains(String name, String part) {
        return name.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
    }

    private static String platformList(List<OpenCLDevice> all) {
        StringBuilder sb = new StringBuilder();
        int last = -1;
        for (OpenCLDevice d : all) {
            if (d.platformIndex() != last) {
                sb.append(sb.length() == 0 ? "" : ", ").append(d.platformIndex()).append(" '")
                        .append(d.platformName()).append('\'');
                last = d.platformIndex();
            }
        }
        return sb.toString();
    }

    private static String deviceList(List<OpenCLDevice> ds) {
        StringBuilder sb = new StringBuilder();
        for (OpenCLDevice d : ds) {
            sb.append(sb.length() == 0 ? "" : ", ").append(d.platformIndex()).append('.').append(d.deviceIndex())
                    .append(" '").append(d.name()).append('\'');
        }
        return sb.toString();
    }
}
