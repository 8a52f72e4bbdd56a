package org.scalespace.backend;

/**
 * The contract on the Java Vector API backend (float32 coarse scoring): scores agree with the double-precision brute
 * force to float rounding of k²-term sums, so its choice may differ from the oracle's only on near-ties.
 */
class SimdBackendContractTest extends BackendContractTest {
    @Override
    String backendName() {
        return "simd";
    }

    @Override
    double scoreTolerance() {
        return 2e-5;
    }
}
