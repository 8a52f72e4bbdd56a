package org.scalespace.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;

/** The pieces of {@code bench fit}: the head for the check, the family comparison, the best-of-N runs. */
class FitBenchTest {

    @Test
    void headComparisonAndRuns() throws Exception {
        FilterBank all = FilterReaders.bundled();
        FilterBank head = FitBench.head(all, 3);
        assertEquals(3, head.count());
        assertEquals(all.k(), head.k());
        assertEquals(all.count(), FitBench.head(all, 100).count());
        try (ScalarScorer be = new ScalarScorer()) {
            Fitter fitter = new Fitter(be, FitOptions.defaults().withRefine(false), 1).keepModels(false);
            List<FitResult> a = fitter.fit(head, n -> { });
            assertEquals(-1, FitBench.firstFamilyMismatch(a, fitter.fit(head, n -> { })));
            List<FitResult> b = new ArrayList<>(a);
            FitResult r = b.get(1);
            b.set(1, new FitResult(r.source(), r.layer(), r.channel(),
                    r.family() == Family.GAUSS ? Family.DX : Family.GAUSS, r.sigmaX(), r.sigmaY(), r.alpha(),
                    r.gain(), r.offset(), r.l2(), r.l1(), r.relL2(), r.cosine(), r.meanX(), r.meanY(), r.varXX(),
                    r.varXY(), r.varYY(), r.edge(), r.k(), r.model()));
            assertEquals(1, FitBench.firstFamilyMismatch(a, b));
            List<Integer> runs = new ArrayList<>();
            double best = FitBench.bestOf(fitter, List.of(head), 2, (run, s) -> runs.add(run));
            assertEquals(List.of(1, 2), runs);
            assertEquals(true, best > 0 && Double.isFinite(best));
        }
    }
}
