package org.scalespace.backend.scalar;

import org.scalespace.conv.ConvEngine;
import org.scalespace.conv.ConvEngineContract;

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
