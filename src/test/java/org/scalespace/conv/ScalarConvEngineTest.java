package org.scalespace.conv;

/** The contract on the scalar oracle engine. */
class ScalarConvEngineTest extends ConvEngineContract {
    @Override
    protected String backendName() {
        return "scalar";
    }

    @Override
    protected String unavailableReason() {
        return null;
    }

    @Override
    protected ConvEngine createEngine() {
        return new ScalarConvEngine();
    }
}
