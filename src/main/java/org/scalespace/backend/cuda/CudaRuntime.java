package org.scalespace.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Availability and device discovery for the CUDA backend. Every step that can fail on a machine without CUDA is
 * caught and turned into a reason (never a crash), in this order: PTX bundled in the jar (a build without nvcc has
 * none), JCuda classes and their JNI library, libcuda.so.1 (the NVIDIA driver), cuInit, driver version, device
 * count, the chosen device(s), their compute capability. The result is computed once per JVM.
 *
 * <p>Device choice: {@value #DEVICE_PROPERTY} (or the environment variable {@code SCALESPACE_CUDA_DEVICE}) is a
 * device index ({@code 0}, the default), a comma-separated list ({@code 0,1}) or {@code all}; with several devices
 * the fit is split across them (see {@link CudaScorer}). Indices are the driver's ordinals, subject to
 * CUDA_VISIBLE_DEVICES, as listed by {@code scalespace info}.
 */
public final class CudaRuntime {
    public static final String DEVICE_PROPERTY = "scalespace.cuda.device";
    /** PTX ISA 8.0 is CUDA 12.0: the oldest driver that can JIT the bundled PTX. */
    public static final int MIN_DRIVER_VERSION = 12000;

    private static volatile Probe probe;

    private record Probe(Optional<String> reason, List<CudaDevice> devices, List<CudaDevice> chosen,
                         int driverVersion) {
    }

    /** A backend that cannot be opened, with the reason. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String m) {
            super(m);
        }
    }

    private CudaRuntime() {
    }

    /** The device setting, or null (default device 0). */
    public static String override() {
        String v = System.getProperty(DEVICE_PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv("SCALESPACE_CUDA_DEVICE");
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Why the CUDA backend cannot be used here, or empty. Never throws. */
    public static Optional<String> unavailableReason() {
        return probe().reason();
    }

    /** Every device the driver lists (empty without a driver). */
    public static List<CudaDevice> devices() {
        return probe().devices();
    }

    /** The devices the backend uses (per {@value #DEVICE_PROPERTY}). */
    public static List<CudaDevice> chosen() throws Unavailable {
        Probe p = probe();
        if (p.reason().isPresent()) {
            throw new Unavailable(p.reason().get());
        }
        return p.chosen();
    }

    /** Driver version as CUDA reports it (e.g. 12040), or 0 when unknown. */
    public static int driverVersion() {
        return probe().driverVersion();
    }

    private static Probe probe() {
        Probe p = probe;
        if (p == null) {
            synchronized (CudaRuntime.class) {
                p = probe;
                if (p == null) {
                    try {
                        p = runProbe();
                    } catch (LinkageError | RuntimeException e) {
                        p = new Probe(Optional.of("CUDA probe failed: " + e), List.of(), List.of(), 0);
                    }
                    probe = p;
                }
            }
        }
        return p;
    }

    private static Probe fail(String why, List<CudaDevice> ds, int drv) {
        return new Probe(Optional.of(why), ds, List.of(), drv);
    }

    private static Probe runProbe() {
        Optional<String> ptx = CudaPtx.unavailableReason();
        if (ptx.isPresent()) {
            return fail(ptx.get(), List.of(), 0);
        }
        try {
            Class.forName("jcuda.driver.CUresult");
        } catch (ClassNotFoundException | LinkageError e) {
            return fail("JCuda classes are not on the class path (" + e + ")", List.of(), 0);
        }
        // Loading JCudaDriver loads its JNI library, which links libcuda.so.1 (the NVIDIA driver).
        try {
            return DriverCalls.probe();
        } catch (UnsatisfiedLinkError e) {
            String all = fullMessage(e);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("libcuda\\.so[^:]*: [^\\n)]*").matcher(all);
            if (m.find()) {
                return fail("no NVIDIA driver (" + m.group().trim() + "; JCuda's driver library links "
                        + "libcuda.so.1, which the NVIDIA driver installs)", List.of(), 0);
            }
            java.util.regex.Matcher u = java.util.regex.Pattern.compile("undefined symbol: \\S+").matcher(all);
            if (u.find()) {
                return fail("the NVIDIA driver is too old for JCuda " + jcudaVersion() + " (" + u.group()
                        + "); update the driver", List.of(), 0);
            }
            return fail("the JCuda driver library could not be loaded: " + rootMessage(e), List.of(), 0);
        } catch (NoClassDefFoundError e) {
            return fail("no NVIDIA driver: JCuda's driver class could not be initialised (" + rootMessage(e)
                    + ")", List.of(), 0);
        }
    }

    private static String jcudaVersion() {
        Package p = jcuda.Pointer.class.getPackage();
        return p != null && p.getImplementationVersion() != null ? p.getImplementationVersion() : "12.x";
    }

    /** Every message in the cause chain, plus the suppressed ones (JCuda nests its attempts there). */
    static String fullMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        java.util.ArrayDeque<Throwable> q = new java.util.ArrayDeque<>();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        q.add(e);
        while (!q.isEmpty()) {
            Throwable t = q.poll();
            if (!seen.add(t)) {
                continue;
            }
            sb.append(t.getMessage()).append('\n');
            if (t.getCause() != null) {
                q.add(t.getCause());
            }
            q.addAll(java.util.List.of(t.getSuppressed()));
        }
        return sb.toString();
    }

    static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m.replace('\n', ' ').trim());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String s = sb.length() == 0 ? e.toString() : sb.toString();
        return s.length() > 400 ? s.substring(0, 400) + "…" : s;
    }

    /** Calls into JCudaDriver, isolated so that a missing native library surfaces as a LinkageError above. */
    private static final class DriverCalls {
        static Probe probe() {
            int s = jcuda.driver.JCudaDriver.cuInit(0);
            if (s != 0) {
                return fail("cuInit failed: " + CudaChecks.name(s) + (s == jcuda.driver.CUresult.CUDA_ERROR_NO_DEVICE
                        ? " (the driver sees no CUDA device; check CUDA_VISIBLE_DEVICES)" : ""), List.of(), 0);
            }
            int[] v = new int[1];
            s = jcuda.driver.JCudaDriver.cuDriverGetVersion(v);
            if (s != 0) {
                return fail("cuDriverGetVersion failed: " + CudaChecks.name(s), List.of(), 0);
            }
            int drv = v[0];
            if (drv < MIN_DRIVER_VERSION) {
                return fail(String.format(Locale.ROOT, "NVIDIA driver supports CUDA %d.%d; the bundled PTX "
                        + "(ISA 8.0) needs CUDA 12.0 or newer (driver 525+)", drv / 1000, (drv % 1000) / 10),
                        List.of(), drv);
            }
            int[] count = new int[1];
            s = jcuda.driver.JCudaDriver.cuDeviceGetCount(count);
            if (s != 0) {
                return fail("cuDeviceGetCount failed: " + CudaChecks.name(s), List.of(), drv);
            }
            if (count[0] == 0) {
                return fail("the NVIDIA driver reports no CUDA device", List.of(), drv);
            }
            List<CudaDevice> ds = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                ds.add(describe(i));
            }
            String ov = override();
            List<CudaDevice> chosen = new ArrayList<>();
            if (ov == null) {
                chosen.add(ds.get(0));
            } else if (ov.equalsIgnoreCase("all")) {
                chosen.addAll(ds);
            } else {
                for (String part : ov.split(",")) {
                    int idx;
                    try {
                        idx = Integer.parseInt(part.trim());
                    } catch (NumberFormatException e) {
                        return fail(DEVICE_PROPERTY + "=" + ov + " is not a device index, a comma-separated list "
                                + "of indices or 'all'", ds, drv);
                    }
                    if (idx < 0 || idx >= ds.size()) {
                        return fail("no CUDA device matches " + DEVICE_PROPERTY + "=" + ov + " (" + ds.size()
                                + " device(s): 0.." + (ds.size() - 1) + ")", ds, drv);
                    }
                    if (chosen.contains(ds.get(idx))) {
                        return fail(DEVICE_PROPERTY + "=" + ov + " names device " + idx + " twice", ds, drv);
                    }
                    chosen.add(ds.get(idx));
                }
            }
            for (CudaDevice d : chosen) {
                if (d.ccMajor() * 10 + d.ccMinor() < CudaPtx.MIN_CC) {
                    return fail("device " + d.index() + " (" + d.name() + ") has compute capability " + d.ccMajor()
                            + "." + d.ccMinor() + "; the bundled PTX targets compute_75 (7.5) and newer", ds, drv);
                }
            }
            return new Probe(Optional.empty(), List.copyOf(ds), List.copyOf(chosen), drv);
        }

        private static CudaDevice describe(int i) {
            jcuda.driver.CUdevice dev = new jcuda.driver.CUdevice();
            CudaChecks.check(jcuda.driver.JCudaDriver.cuDeviceGet(dev, i), "cuDeviceGet(" + i + ")");
            byte[] name = new byte[256];
            CudaChecks.check(jcuda.driver.JCudaDriver.cuDeviceGetName(name, name.length, dev), "cuDeviceGetName(" + i + ")");
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            long[] mem = new long[1];
            CudaChecks.check(jcuda.driver.JCudaDriver.cuDeviceTotalMem(mem, dev), "cuDeviceTotalMem(" + i + ")");
            return new CudaDevice(i, new String(name, 0, len, java.nio.charset.StandardCharsets.US_ASCII), mem[0],
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, i),
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, i),
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, i),
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, i),
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, i),
                    attr(dev, jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, i));
        }

        private static int attr(jcuda.driver.CUdevice dev, int a, int i) {
            int[] v = new int[1];
            CudaChecks.check(jcuda.driver.JCudaDriver.cuDeviceGetAttribute(v, a, dev), "cuDeviceGetAttribute(" + a + ", "
                    + "device " + i + ")");
            return v[0];
        }
    }
}
