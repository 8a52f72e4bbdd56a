package org.scalespace.backend.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;
import org.scalespace.fit.ScaleMode;
import org.scalespace.model.Family;
import org.scalespace.testing.BackendAssume;

/**
 * The SIMD coarse kernel scores two groups of L filters per pass over the candidate tables where it can (the
 * run*Max2 methods); that must give exactly what scoring each group on its own gives. Every filter count here is
 * scored once as a whole (pairs, a partial second group, a lone last group) and once a group at a time (no pairs),
 * and the chosen candidates and scores must be identical: every score mode, the dog and multi-term blocks, k with
 * and without the k ≤ 7 kernels, runs longer than the mask-free arg-min takes, l1.
 */
class SimdFitPairingTest {

    @ParameterizedTest(name = "{0} {1} k={2} n={3} σ steps {4}")
    @CsvSource({
        "GAIN_OFFSET, L2, 7, 20, 48",
        "GAIN_OFFSET, L2, 7, 33, 48",
        "GAIN_OFFSET, L2, 7, 64, 48",
        "GAIN_OFFSET, L2, 7, 47, 300",
        "GAIN, L2, 7, 47, 48",
        "NONE, L2, 7, 40, 48",
        "PAPER, L2, 7, 40, 24",
        "NONE, L1, 7, 33, 12",
        "GAIN_OFFSET, L2, 3, 40, 48",
        "GAIN_OFFSET, L2, 5, 40, 48",
        "GAIN_OFFSET, L2, 9, 40, 24",
    })
    void pairedGroupsScoreAsSingleGroups(Normalisation norm, Metric metric, int k, int n, int steps) {
        BackendAssume.assumeAvailable("simd");
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        // every family (dog and the two-term lap included), but paper is defined for the paper's eight only
        List<Family> fams = norm == Normalisation.PAPER ? Family.PAPER_EIGHT : List.of(Family.values());
        FitOptions opt = FitOptions.defaults().withFamilies(fams).withNormalisation(norm).withMetric(metric)
                .withSigmaRange(0.05, 4.0, steps).withScaleMode(ScaleMode.SEP);
        CandidateSet cs = new CandidateSet(opt, k, false);
        int blocks = cs.blocks();
        int first = 3; // an offset into the array
        double[] filters = new double[(first + n) * k * k];
        Random rnd = new Random(17L * k + n);
        for (int i = 0; i < filters.length; i++) {
            filters[i] = rnd.nextGaussian() + (i / (k * k) % 5 == 0 ? 4.0 : 0.0);
        }
        double[] fo = null;
        double[] fs = null;
        if (norm == Normalisation.PAPER) { // any frames will do: the kernel applies what it is given
            fo = new double[n * blocks];
            fs = new double[n * blocks];
            for (int i = 0; i < fo.length; i++) {
                fo[i] = 0.1 * rnd.nextGaussian();
                fs[i] = 0.5 + rnd.nextDouble();
            }
        }
        try (SimdScorer be = new SimdScorer()) {
            int[] best = new int[n * blocks];
            double[] score = new double[n * blocks];
            be.coarseArgmin(new CoarseProblem(cs, filters, first, n, norm, metric, fo, fs), best, score);
            int[] best1 = new int[n * blocks];
            double[] score1 = new double[n * blocks];
            for (int g = 0; g < n; g += lanes) {
                int m = Math.min(lanes, n - g);
                double[] gfo = fo == null ? null : java.util.Arrays.copyOfRange(fo, g * blocks, (g + m) * blocks);
                double[] gfs = fs == null ? null : java.util.Arrays.copyOfRange(fs, g * blocks, (g + m) * blocks);
                int[] b = new int[m * blocks];
                double[] s = new double[m * blocks];
                be.coarseArgmin(new CoarseProblem(cs, filters, first + g, m, norm, metric, gfo, gfs), b, s);
                System.arraycopy(b, 0, best1, g * blocks, m * blocks);
                System.arraycopy(s, 0, score1, g * blocks, m * blocks);
            }
            assertArrayEquals(best1, best, "chosen candidates");
            assertArrayEquals(score1, score, 0.0, "scores");
        }
    }
}
