package org.scalespace.backend;

/** The contract on the scalar oracle (double precision throughout). */
class ScalarBackendContractTest extends BackendContractTest {
    @Override
    String backendName() {
        return "scalar";
    }

    @Override
    double scoreTolerance() {
        return 1e-10;
    }
}
