package org.scalespace.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.Construction;

/** The idealized bank of a fit is the fit's model: channel c's dense filter equals result c's model array. */
class IdealizedBanksTest {

    @Test
    void theBankOfAFitIsItsModels() throws Exception {
        for (Construction c : Construction.values()) {
            FitOptions opt = FitOptions.defaults().withConstruction(c);
            List<FitResult> fits;
            try (ScalarScorer be = new ScalarScorer()) {
                fits = new Fitter(be, opt, 1).fit(FilterReaders.bundled(), n -> { });
            }
            SeparableBank bank = IdealizedBanks.of(fits, c, 7);
            assertEquals(fits.size(), bank.channels());
            assertEquals(7, bank.k());
            for (int ch = 0; ch < fits.size(); ch++) {
                FitResult f = fits.get(ch);
                assertArrayEquals(f.model(), bank.dense(ch), 1e-9, c + " " + f.family().id());
                assertEquals(IdealizedBanks.terms(f, c, 7).size(), bank.terms(ch).size());
            }
        }
    }
}
