package org.scalespace.backend.scalar;

import java.util.Optional;
import org.scalespace.backend.spi.BackendProvider;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/** The scalar backend: plain Java, double precision, one thread; always available (the oracle). */
public final class ScalarProvider implements BackendProvider {

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public CoarseScorer openScorer() {
        return new ScalarScorer();
    }

    /** {@code threads} is ignored: the oracle runs on the calling thread. */
    @Override
    public ConvEngine openConvEngine(int threads) {
        return new ScalarConvEngine();
    }
}
