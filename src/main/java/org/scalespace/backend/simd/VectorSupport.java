package org.scalespace.backend.simd;

/**
 * Whether the Java Vector API can be used. This class references no {@code jdk.incubator.vector} type, so it can be
 * loaded anywhere; load {@link SimdConvEngine} only after {@link #isAvailable()} returned true.
 */
public final class VectorSupport {
    private VectorSupport() {
    }

    /** True when the {@code jdk.incubator.vector} module is in the boot layer ({@code --add-modules} given). */
    public static boolean isAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Why the Vector API is not available, or null when it is. */
    public static String unavailableReason() {
        return isAvailable() ? null
                : "module jdk.incubator.vector is not in the boot layer; run java with --add-modules jdk.incubator.vector";
    }
}
