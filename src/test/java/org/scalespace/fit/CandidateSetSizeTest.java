package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The candidate count and heap estimate of a grid, checked before any set is built. */
class CandidateSetSizeTest {

    /** Never called: the set is refused before any scoring. */
    private static final CoarseScorer NO_SCORER = new CoarseScorer() {
        public String name() {
            return "none";
        }

        public String description() {
            return "none";
        }

        public boolean threadSafe() {
            return true;
        }

        public void coarseArgmin(CoarseProblem problem, int[] best, double[] score) {
            throw new AssertionError();
        }

        public void close() {
        }
    };

    @Test
    void countMatchesTheBuiltSet() {
        for (ScaleMode m : ScaleMode.values()) {
            FitOptions o = FitOptions.defaults().withSigmaRange(0.05, 4, 9).withAlpha(20, 5).withScaleMode(m);
            assertEquals(new CandidateSet(o, 3, m != ScaleMode.SEP).size, CandidateSet.candidateCount(o), m.id());
        }
    }

    @Test
    void hugeGridIsRefusedWithWhatItNeeds() {
        FitOptions o = FitOptions.defaults().withSigmaRange(0.05, 4, 1024).withAlpha(20, 1024);
        long n = CandidateSet.candidateCount(o);
        assertEquals(7L * 1024 * 1024 + 1024L * 1024, n);
        assertTrue(CandidateSet.estimateBytes(o, 3) > n * 100);
        if (CandidateSet.estimateBytes(o, 3) < Runtime.getRuntime().maxMemory()) {
            return; // a heap this large builds it
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CandidateSet.checkFits(o, 3));
        String m = e.getMessage();
        assertTrue(m.contains(n + " candidates") && m.contains("MiB of heap") && m.contains("lower --sigma-steps")
                && m.contains("SCALESPACE_JAVA_OPTS=-Xmx"), m);
        assertThrows(IllegalArgumentException.class, () -> new Fitter(NO_SCORER, o, 1)
                .candidates(3, false));
    }

    @Test
    void defaultGridFits() {
        CandidateSet.checkFits(FitOptions.defaults(), 31);
        CandidateSet.checkFits(FitOptions.defaults().withNormalisation(Normalisation.NONE).withMetric(Metric.L1), 31);
    }
}
