package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;

/**
 * {@link Fitter#keepModels}: without models the results are the same but for the model array; {@link Fitter#warmUp}
 * leaves no trace in later results; {@link Fitter#fit(FilterBank, int, java.util.function.LongConsumer)} numbers a
 * slice's filters from its first channel.
 */
class KeepModelsTest {
    @Test
    void resultsWithoutModelsAreOtherwiseTheSame() {
        FilterBank bank = FilterReaders.bundled();
        try (ScalarScorer be = new ScalarScorer()) {
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

    @Test
    void warmUpLeavesLaterResultsUnchanged() {
        FilterBank bank = FilterReaders.bundled();
        try (ScalarScorer be = new ScalarScorer()) {
            // without model arrays, so that record equality compares every field by value
            List<FitResult> cold = new Fitter(be, FitOptions.defaults(), 1).keepModels(false).fit(bank, x -> { });
            Fitter warm = new Fitter(be, FitOptions.defaults(), 1).keepModels(false);
            warm.warmUp(FilterReaders.bundled(), 3);
            assertEquals(cold, warm.fit(bank, x -> { }));
        }
    }

    @Test
    void sliceResultsAreNumberedFromTheirFirstChannel() {
        FilterBank bank = FilterReaders.bundled();
        FilterBank tail = new FilterBank(bank.source(), bank.layer(), 7, 3,
                java.util.Arrays.copyOfRange(bank.data(), 5 * 49, 8 * 49));
        try (ScalarScorer be = new ScalarScorer()) {
            Fitter f = new Fitter(be, FitOptions.defaults(), 1).keepModels(false);
            List<FitResult> all = f.fit(bank, x -> { });
            List<FitResult> part = f.fit(tail, 5, x -> { });
            assertEquals(all.subList(5, 8), part);
            double[] bad = tail.data().clone();
            bad[49 + 3] = Double.NaN;
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> f.fit(new FilterBank("s", "l", 7, 3, bad), 5, x -> { }));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("filter 6"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> f.fit(tail, -1, x -> { }));
        }
    }
}
