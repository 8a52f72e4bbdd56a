package org.scalespace.fit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scalespace.backend.Backends;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.FilterBank;
import org.scalespace.testing.BackendAssume;

/**
 * The fitter's screen ({@link Fitter#screen}): families whose coarse score puts them clearly outside the refinement
 * band are not re-evaluated exactly. Results with and without it must be identical, on filters chosen to make the
 * screen matter (several families close to each other) and to stress the float scores (large means, tiny and huge
 * magnitudes, near-exact templates, pure noise).
 */
class ScoreScreenTest {

    /**
     * Master key filters with random gain/offset/noise, the hard cases for float scores, and (every seventh filter)
     * an exact template of a random family with its scales halfway between grid points and little noise: there the
     * family's own coarse score is often not the best one, and only its refinement makes it win, so a screen that
     * cut into the refinement band would change the results.
     */
    static FilterBank varied(int count, long seed) {
        FilterBank mk = FilterReaders.bundled();
        int kk = 49;
        Random rnd = new Random(seed);
        double[] d = new double[count * kk];
        FitOptions def = FitOptions.defaults();
        double lnLo = Math.log(def.sigmaMin());
        double step = (Math.log(def.sigmaMax()) - lnLo) / (def.sigmaSteps() - 1);
        List<org.scalespace.model.Family> fams = org.scalespace.model.Family.PAPER_EIGHT;
        for (int n = 0; n < count; n++) {
            if (n % 7 == 6) {
                double sx = Math.exp(lnLo + (8 + rnd.nextInt(30) + 0.5) * step);
                double sy = Math.exp(lnLo + (8 + rnd.nextInt(30) + 0.5) * step);
                org.scalespace.model.Family f = fams.get(rnd.nextInt(fams.size()));
                double[] m = org.scalespace.model.Templates.dense(f, org.scalespace.model.Construction.EXACT, 7, sx,
                        f == org.scalespace.model.Family.DOG ? sx : sy, 0.5 + 3 * rnd.nextDouble());
                for (int e = 0; e < kk; e++) {
                    d[n * kk + e] = m[e] + 1e-4 * rnd.nextGaussian();
                }
                continue;
            }
            int kind = n % 6;
            double[] src = new double[kk];
            System.arraycopy(mk.data(), (n % mk.count()) * kk, src, 0, kk);
            double gain = (rnd.nextBoolean() ? 1 : -1) * Math.exp(rnd.nextGaussian());
            double noise = kind == 0 ? 1e-7 : kind == 1 ? 0.3 : 0.02 * rnd.nextDouble();
            double offset = kind == 2 ? 1e3 : 0.05 * rnd.nextGaussian();
            double scale = kind == 3 ? 1e-6 : kind == 4 ? 1e6 : 1.0;
            for (int e = 0; e < kk; e++) {
                double v = kind == 5 && n % 12 == 5 ? rnd.nextGaussian() // pure noise
                        : gain * src[e] + offset + noise * rnd.nextGaussian();
                d[n * kk + e] = scale * v;
            }
        }
        return new FilterBank("varied", "layer0", 7, count, d);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"scalar", "simd"})
    void screenedFitsEqualUnscreenedFits(String backendName) {
        BackendAssume.assumeAvailable(backendName);
        // the scalar backend's double brute force is ~20× slower: fewer filters there
        FilterBank bank = varied(backendName.equals("scalar") ? 120 : 600, 7);
        try (CoarseScorer be = Backends.selectScorer(backendName).scorer()) {
            for (Normalisation norm : new Normalisation[] {Normalisation.GAIN_OFFSET, Normalisation.GAIN,
                Normalisation.NONE}) {
                FitOptions opt = FitOptions.defaults().withNormalisation(norm);
                List<FitResult> on = new Fitter(be, opt, 2).keepModels(false).fit(bank, x -> { });
                List<FitResult> off = new Fitter(be, opt, 2).keepModels(false).screenScores(false)
                        .fit(bank, x -> { });
                assertEquals(off, on, backendName + " " + norm.id());
                List<FitResult> coarseOn = new Fitter(be, opt.withRefine(false), 2).keepModels(false)
                        .fit(bank, x -> { });
                List<FitResult> coarseOff = new Fitter(be, opt.withRefine(false), 2).keepModels(false)
                        .screenScores(false).fit(bank, x -> { });
                assertEquals(coarseOff, coarseOn, backendName + " " + norm.id() + ", no refinement");
            }
        }
    }

    /**
     * Filters whose winner after refinement is not the family with the best coarse score: the case the refinement
     * band exists for, and the one a screen that cut into the band would get wrong. Found among exact templates with
     * scales halfway between grid points; there must be some, or this test could not fail.
     */
    @Test
    void screenKeepsFamiliesThatWinOnlyAfterRefinement() {
        BackendAssume.assumeAvailable("simd");
        FilterBank bank = varied(4200, 13);
        int kk = 49;
        try (CoarseScorer be = Backends.selectScorer("simd").scorer()) {
            FitOptions opt = FitOptions.defaults();
            List<FitResult> coarse = new Fitter(be, opt.withRefine(false), 2).keepModels(false).fit(bank, x -> { });
            List<FitResult> refined = new Fitter(be, opt, 2).keepModels(false).screenScores(false).fit(bank, x -> { });
            List<double[]> late = new ArrayList<>();
            for (int n = 0; n < bank.count(); n++) {
                if (coarse.get(n).family() != refined.get(n).family()) {
                    late.add(bank.filter(n).clone());
                }
            }
            assertTrue(late.size() >= 3, "only " + late.size() + " filters change family on refinement");
            FilterBank lateBank = FitTestSupport.bank(7, late);
            assertEquals(new Fitter(be, opt, 2).keepModels(false).screenScores(false).fit(lateBank, x -> { }),
                    new Fitter(be, opt, 2).keepModels(false).fit(lateBank, x -> { }));
        }
    }

    /** The screen leaves most families out on ordinary filters (else it would not be worth having or testing). */
    @Test
    void screenLeavesOutMostFamiliesOfOrdinaryFilters() {
        BackendAssume.assumeAvailable("simd");
        FilterBank bank = varied(120, 11);
        FitOptions opt = FitOptions.defaults();
        CandidateSet cs = new CandidateSet(opt, 7, false);
        int blocks = cs.blocks();
        int[] best = new int[bank.count() * blocks];
        double[] score = new double[best.length];
        try (CoarseScorer be = Backends.selectScorer("simd").scorer()) {
            be.coarseArgmin(new CoarseProblem(cs, bank.data(), 0, bank.count(), opt.normalisation(), opt.metric(),
                    null, null), best, score);
        }
        Frames.Frame[] frames = new Frames.Frame[blocks];
        java.util.Arrays.fill(frames, Frames.Frame.IDENTITY);
        int kept = 0;
        for (int n = 0; n < bank.count(); n++) {
            boolean[] exact = screen(true, bank.filter(n), frames, 0, score, n * blocks, blocks);
            for (boolean x : exact) {
                kept += x ? 1 : 0;
            }
        }
        assertTrue(kept < bank.count() * blocks / 2, "kept " + kept + " of " + bank.count() * blocks);
    }

    @Test
    void screenKeepsTheBandAndFallsBackWithoutUsableScores() {
        double[] h = new double[49];
        Random rnd = new Random(3);
        for (int i = 0; i < h.length; i++) {
            h[i] = rnd.nextGaussian();
        }
        double sh = 0;
        double qh = 0;
        for (double v : h) {
            sh += v;
            qh += v * v;
        }
        double dev = qh - sh * sh / 49;
        Frames.Frame[] id = new Frames.Frame[4];
        java.util.Arrays.fill(id, Frames.Frame.IDENTITY);
        // relative l2 of 0.30 (best), 0.315 (inside 1.05·best + 0.002 = 0.317), 0.33 and 0.9 (outside)
        double[] rel = {0.315, 0.30, 0.33, 0.9};
        double[] score = new double[4];
        for (int b = 0; b < 4; b++) {
            score[b] = rel[b] * rel[b] * dev;
        }
        assertArrayEquals(new boolean[] {true, true, false, false}, screen(true, h, id, 0, score, 0, 4));
        // l1, a frame other than the identity, a NaN or negative score: everything exact
        assertArrayEquals(new boolean[] {true, true, true, true}, screen(false, h, id, 0, score, 0, 4));
        Frames.Frame[] paper = id.clone();
        paper[2] = new Frames.Frame(0.0, 2.0);
        assertArrayEquals(new boolean[] {true, true, true, true}, screen(true, h, paper, 0, score, 0, 4));
        double[] nan = score.clone();
        nan[3] = Double.NaN;
        assertArrayEquals(new boolean[] {true, true, true, true}, screen(true, h, id, 0, nan, 0, 4));
        double[] neg = score.clone();
        neg[3] = -1;
        assertArrayEquals(new boolean[] {true, true, true, true}, screen(true, h, id, 0, neg, 0, 4));
        // the slack: a score just outside the band taken at face value (by 1e-4 relative, far less than
        // SCORE_SLACK·(Σh² + score)) is kept, one outside it by more than the slack is not
        double edge = 1.05 * 0.30 + 0.002;
        double best = 0.30 * 0.30 * dev;
        double[] near = {best, edge * edge * dev * (1 + 1e-4), edge * edge * dev + 4 * Fitter.SCORE_SLACK * qh, best};
        assertArrayEquals(new boolean[] {true, true, false, true}, screen(true, h, id, 0, near, 0, 4));
    }

    /** {@link Fitter#screen} for filter h (its sums computed here). */
    private static boolean[] screen(boolean l2, double[] h, Frames.Frame[] frames, int fOff, double[] score, int bOff,
                                    int blocks) {
        double sh = 0;
        double qh = 0;
        for (double v : h) {
            sh += v;
            qh += v * v;
        }
        return Fitter.screen(l2, sh, qh, h.length, frames, fOff, score, bOff, blocks);
    }
}
