package org.scalespace.backend.cuda;

import java.util.Locale;

/**
 * One CUDA device as reported by the driver.
 *
 * @param index              ordinal for cuDeviceGet (as listed by {@code scalespace info} and nvidia-smi, subject to
 *                           CUDA_VISIBLE_DEVICES)
 * @param maxSharedPerBlock  shared memory a block may use without opt-in (bytes)
 * @param maxSharedOptin     shared memory a block may use with cuFuncSetAttribute opt-in (bytes)
 */
public record CudaDevice(int index, String name, long totalMemBytes, int ccMajor, int ccMinor, int multiprocessors,
                         int maxSharedPerBlock, int maxSharedOptin, int maxThreadsPerBlock) {

    public String describe() {
        return String.format(Locale.ROOT, "%d: %s (compute capability %d.%d, %d SMs, %.1f GiB, %d KiB shared/block)",
                index, name, ccMajor, ccMinor, multiprocessors, totalMemBytes / (1024.0 * 1024 * 1024),
                maxSharedOptin / 1024);
    }
}
