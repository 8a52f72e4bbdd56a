package org.scalespace.backend.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleGetGlobal;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.JITOptions;

/**
 * One loaded instance of a PTX variant, with its load-time specialisation written into the module's
 * {@code __constant__} values (see kernels/cuda/fit.cu). Instances are cached per context and full specialisation
 * by the backend, so one instance never serves two specialisations. A JIT failure carries the driver's error log.
 */
final class CudaModule implements AutoCloseable {
    final String variant;
    private final CudaContext ctx;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, Integer> sharedOptin = new HashMap<>();
    private boolean loaded;

    /** Loads {@code cuda/<variant>.ptx} and sets the named int constants that the module declares. */
    CudaModule(CudaContext ctx, String variant, Map<String, Integer> constants) {
        this.ctx = ctx;
        this.variant = variant;
        byte[] ptx = CudaPtx.load(variant);
        ctx.makeCurrent();
        JITOptions jit = new JITOptions();
        // size and buffer both given (whether JCuda allocates the log buffer itself is not verified on a GPU)
        jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, 16384);
        jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[16384]);
        int s = cuModuleLoadDataJIT(module, Pointer.to(ptx), jit);
        if (s != CUresult.CUDA_SUCCESS) {
            String log;
            try {
                log = jit.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
            } catch (RuntimeException e) {
                log = null;
            }
            throw new CudaException("cuModuleLoadDataJIT(cuda/" + variant + ".ptx) on device "
                    + ctx.device.index() + " failed: " + CudaChecks.name(s) + (log == null || log.isBlank() ? ""
                    : "; JIT log:\n" + log.trim()), s);
        }
        loaded = true;
        try {
            for (Map.Entry<String, Integer> e : constants.entrySet()) {
                CUdeviceptr p = new CUdeviceptr();
                long[] size = new long[1];
                int g = cuModuleGetGlobal(p, size, module, e.getKey());
                if (g == CUresult.CUDA_ERROR_NOT_FOUND) {
                    continue; // fixed at build time in this variant
                }
                CudaChecks.check(g, "cuModuleGetGlobal(" + variant + ", " + e.getKey() + ")");
                if (size[0] != 4) {
                    throw new IllegalStateException(variant + ": constant " + e.getKey() + " has " + size[0]
                            + " bytes, expected 4");
                }
                CudaChecks.check(cuMemcpyHtoD(p, Pointer.to(new int[] {e.getValue()}), 4),
                        "cuMemcpyHtoD(" + variant + " constant " + e.getKey() + " = " + e.getValue() + ")");
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            ctx.makeCurrent();
            CudaChecks.check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction(" + variant + ", " + name + ")");
            functions.put(name, f);
        }
        return f;
    }

    /** Allows {@code bytes} of dynamic shared memory for the function (opt-in above 48 KiB). */
    void allowShared(String name, int bytes) {
        if (bytes <= 48 * 1024 || sharedOptin.getOrDefault(name, 0) >= bytes) {
            return;
        }
        CudaChecks.check(cuFuncSetAttribute(function(name), CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                bytes), "cuFuncSetAttribute(" + name + ", MAX_DYNAMIC_SHARED_SIZE_BYTES, " + bytes + ")");
        sharedOptin.put(name, bytes);
    }

    @Override
    public void close() {
        if (!loaded) {
            return;
        }
        loaded = false;
        functions.clear();
        ctx.makeCurrent();
        CudaChecks.check(cuModuleUnload(module), "cuModuleUnload(" + variant + ")");
    }
}
