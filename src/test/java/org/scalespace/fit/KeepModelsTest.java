package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.scalar.ScalarBackend;
import org.scalespace.io.FilterBank;
import org.scalespace.io.FilterReaders;

/** {@link Fitter#keepModels}: without models the results are the same but for the model array. */
class KeepModelsTest {
    @Test
    void resultsWithoutModelsAreOtherwiseTheSame() {
        FilterBank bank = FilterReaders.bundled();
        try (ScalarBackend be = new ScalarBackend()) {
            List<FitResult> with = new Fitter(be, FitOptions.defaults(), 1).fit(bank, x -> { });
            List<FitResult> without = new Fitter(be, FitOptions.defaults(), 1).keepModels(false).fit(bank, x -> { });
            assertEquals(with.size(), without.size());
            for (int i = 0; i < with.size(); i++) {
                FitResult a = with.get(i);
                FitResult b = without.get(i);
                assertNotNull(a.model());
                assertNull(b.model());
                assertEquals(new FitResult(a.source(), a.layer(), a.channel(), a.family(), a.sigmaX(), a.sigmaY(),
                        a.alpha(), a.gain(), a.offset(), a.l2(), a.l1(), a.relL2(), a.cosine(), a.meanX(), a.meanY(),
                        a.varXX(), a.varXY(), a.varYY(), a.edge(), a.k(), null), b, "filter " + i);
            }
        }
    }
}
