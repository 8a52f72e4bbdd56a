package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;

/** Vector facts; loaded only when the vector module is present. */
final class SimdInfo {
    private SimdInfo() {
    }

    static int floatLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    static int bits() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
