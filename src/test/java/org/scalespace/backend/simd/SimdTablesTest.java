package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.FitOptions;
import org.scalespace.testing.BackendAssume;

/**
 * The SIMD backend caches its float tables per candidate set in a WeakHashMap keyed by the set; a table that
 * referenced its set would keep the entry (and megabytes of tables) alive for the backend's lifetime.
 */
class SimdTablesTest {

    @Test
    void tablesDoNotReferenceTheirCandidateSet() {
        for (Field f : SimdFitTables.class.getDeclaredFields()) {
            assertFalse(CandidateSet.class.isAssignableFrom(f.getType()), "Tables." + f.getName());
        }
    }

    @Test
    void aCandidateSetNoLongerUsedIsCollected() throws InterruptedException {
        BackendAssume.assumeAvailable("simd");
        try (SimdScorer be = new SimdScorer()) {
            WeakReference<CandidateSet> ref = score(be);
            for (int i = 0; i < 50 && ref.get() != null; i++) {
                System.gc();
                Thread.sleep(20);
            }
            assertNull(ref.get(), "the candidate set is still reachable after scoring with it");
        }
    }

    private static WeakReference<CandidateSet> score(SimdScorer be) {
        FitOptions opt = FitOptions.defaults();
        CandidateSet cs = new CandidateSet(opt, 7, false);
        double[] filters = new double[40 * 49];
        for (int i = 0; i < filters.length; i++) {
            filters[i] = Math.sin(i);
        }
        be.coarseArgmin(new CoarseProblem(cs, filters, 0, 40, opt.normalisation(), opt.metric(), null, null),
                new int[40 * cs.blocks()], new double[40 * cs.blocks()]);
        return new WeakReference<>(cs);
    }
}
