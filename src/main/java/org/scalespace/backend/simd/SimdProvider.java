package org.scalespace.backend.simd;

import java.util.Optional;
import org.scalespace.backend.spi.BackendProvider;
import org.scalespace.conv.ConvEngine;
import org.scalespace.fit.CoarseScorer;

/**
 * The simd backend: the Java Vector API on all cores. Available when the {@code jdk.incubator.vector} module is
 * loaded ({@link VectorSupport}); no vector class is loaded before that is known.
 */
public final class SimdProvider implements BackendProvider {

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public Optional<String> unavailableReason() {
        return VectorSupport.unavailableReason();
    }

    @Override
    public CoarseScorer openScorer() {
        return new SimdScorer();
    }

    @Override
    public ConvEngine openConvEngine(int threads) {
        return new SimdConvEngine(threads);
    }
}
