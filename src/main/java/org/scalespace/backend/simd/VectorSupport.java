package org.scalespace.backend.simd;

import java.util.Optional;

/**
 * Whether the Java Vector API can be used. This class references no vector classes, so it can be loaded on any JVM;
 * code that uses {@code jdk.incubator.vector} is loaded only after {@link #unavailableReason()} is empty.
 */
public final class VectorSupport {
    private VectorSupport() {
    }

    /** "512-bit, 16 float lanes (FloatVector.SPECIES_PREFERRED)"; call only when available. */
    public static String describe() {
        return SimdInfo.bits() + "-bit, " + SimdInfo.floatLanes() + " float lanes (FloatVector.SPECIES_PREFERRED)";
    }

    /** Empty when the SIMD backend can run; otherwise why not. */
    public static Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Optional.of("the jdk.incubator.vector module is not loaded; run with "
                    + "--add-modules jdk.incubator.vector (the scalespace launcher does)");
        }
        try {
            int lanes = SimdInfo.floatLanes();
            if (lanes < 4) {
                return Optional.of("the preferred float vector has only " + lanes + " lanes");
            }
        } catch (LinkageError e) {
            return Optional.of("the Vector API failed to load: " + e);
        }
        return Optional.empty();
    }
}
