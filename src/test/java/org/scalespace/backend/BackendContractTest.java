package org.scalespace.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.scalespace.backend.scalar.ScalarScorer;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.CoarseScorer;
import org.scalespace.fit.FitOptions;
import org.scalespace.fit.FitResult;
import org.scalespace.fit.Fitter;
import org.scalespace.fit.Frames;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;
import org.scalespace.model.Templates;
import org.scalespace.testing.BackendAssume;
import org.scalespace.testing.TestData;

/**
 * The contract every backend meets (SPEC §9, DESIGN "the scalar backend is the oracle"): one subclass per backend.
 * The coarse arg-min is checked against a brute force written here (templates from {@link Templates}, scores from
 * their definition, double precision); end-to-end fits against the scalar backend and against the independent Python
 * reference of the default fit. A subclass is skipped with the reason when its backend is unavailable, and fails
 * instead when -Dscalespace.requireBackends lists it ({@link BackendAssume}).
 */
abstract class BackendContractTest {

    /** The backend's name for {@link Backends#selectScorer}. */
    abstract String backendName();

    /**
     * Tolerance on coarse scores, relative to the problem's scale (Σh'² + Σm² for l2, Σ|h'| + Σ|m| for l1): the
     * chosen candidate's true score may exceed the true minimum, and the reported score may differ from the chosen
     * candidate's true score, by this much. Double-precision backends: 1e-10; float32 backends: rounding of k²-term
     * sums.
     */
    abstract double scoreTolerance();

    CoarseScorer backend;

    @BeforeEach
    void open() {
        BackendAssume.assumeAvailable(backendName());
        backend = Backends.selectScorer(backendName()).scorer();
        assertEquals(backendName(), backend.name());
    }

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
            backend.close(); // idempotent
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // inputs

    /** Random filters: i.i.d. Gaussian values, some with a large offset (stresses float cancellation). */
    static double[] randomFilters(int k, int count, long seed) {
        Random rnd = new Random(seed);
        double[] d = new double[count * k * k];
        for (int n = 0; n < count; n++) {
            double off = n % 3 == 0 ? 5.0 : 0.0;
            double scale = n % 4 == 1 ? 1e-3 : 1.0;
            for (int e = 0; e < k * k; e++) {
                d[n * k * k + e] = scale * (rnd.nextGaussian() + off);
            }
        }
        return d;
    }

    /** Structured filters: a random family's template at random (σx, σy, α), random gain/offset, 1% noise. */
    static double[] structuredFilters(int k, int count, long seed) {
        Random rnd = new Random(seed);
        Family[] fams = Family.values();
        double[] d = new double[count * k * k];
        for (int n = 0; n < count; n++) {
            Family f = fams[rnd.nextInt(fams.length)];
            double sx = 0.3 + 2.0 * rnd.nextDouble();
            double sy = 0.3 + 2.0 * rnd.nextDouble();
            double[] m = Templates.dense(f, Construction.EXACT, k, sx, sy, 0.2 + 3 * rnd.nextDouble());
            double gain = (rnd.nextBoolean() ? 1 : -1) * (0.2 + 2 * rnd.nextDouble());
            double off = 0.05 * rnd.nextGaussian();
            for (int e = 0; e < k * k; e++) {
                d[n * k * k + e] = gain * m[e] + off + 0.01 * Math.abs(gain) * rnd.nextGaussian();
            }
        }
        return d;
    }

    static FitOptions coarseOptions(Normalisation n, Metric m) {
        // a coarse grid keeps the brute force cheap; every family, so 3-term (dog) and 2-term (lap) candidates occur
        return FitOptions.defaults().withFamilies(List.of(Family.values())).withSigmaRange(0.05, 4.0, 12)
                .withAlpha(20.0, 8).withNormalisation(n).withMetric(m);
    }

    static FitOptions coarsePaperOptions(Metric m) {
        return FitOptions.defaults().withSigmaRange(0.05, 4.0, 12).withAlpha(20.0, 8)
                .withNormalisation(Normalisation.PAPER).withMetric(m);
    }

    static Stream<Arguments> coarseCases() {
        List<Arguments> out = new ArrayList<>();
        for (int k : new int[] {3, 5, 7}) {
            for (String input : new String[] {"random", "structured"}) {
                out.add(Arguments.of(k, input, Normalisation.GAIN_OFFSET, Metric.L2));
                out.add(Arguments.of(k, input, Normalisation.GAIN, Metric.L2));
                out.add(Arguments.of(k, input, Normalisation.NONE, Metric.L2));
                out.add(Arguments.of(k, input, Normalisation.PAPER, Metric.L2));
                out.add(Arguments.of(k, input, Normalisation.NONE, Metric.L1));
                out.add(Arguments.of(k, input, Normalisation.PAPER, Metric.L1));
            }
        }
        return out.stream();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // brute force

    /** Dense template of candidate c, built from its parameters with {@link Templates}. */
    static double[] candidateTemplate(CandidateSet cs, int c, Construction construction) {
        Family f = cs.families.get(cs.blockOf(c));
        boolean dog = f == Family.DOG;
        return Templates.dense(f, construction, cs.k, cs.p1[c], dog ? cs.p1[c] : cs.p2[c], dog ? cs.p2[c] : 0.0);
    }

    /** The score by its definition (SPEC §6–§7), written independently of the code under test. */
    static double score(double[] h, double[] m, Normalisation norm, Metric metric) {
        return TestData.residual(h, m, norm, metric);
    }

    static double scale(double[] h, double[] m, Metric metric) {
        double s = 0;
        for (int i = 0; i < h.length; i++) {
            s += metric == Metric.L1 ? Math.abs(h[i]) + Math.abs(m[i]) : h[i] * h[i] + m[i] * m[i];
        }
        return s;
    }

    /** Runs the backend on filters [first, first+count) and checks every (filter, family) against the brute force. */
    void checkCoarse(double[] filters, int k, int first, int count, FitOptions opt, String what) {
        CandidateSet cs = new CandidateSet(opt, k, false);
        int blocks = cs.blocks();
        double[] off = null;
        double[] sc = null;
        if (opt.normalisation() == Normalisation.PAPER) {
            off = new double[count * blocks];
            sc = new double[count * blocks];
            for (int n = 0; n < count; n++) {
                double[] h = new double[k * k];
                System.arraycopy(filters, (first + n) * k * k, h, 0, k * k);
                for (int b = 0; b < blocks; b++) {
                    Frames.Frame fr = Frames.frame(h, k, cs.families.get(b), Normalisation.PAPER);
                    off[n * blocks + b] = fr.offset();
                    sc[n * blocks + b] = fr.scale();
                }
            }
        }
        int[] best = new int[count * blocks];
        double[] score = new double[count * blocks];
        java.util.Arrays.fill(best, -1);
        backend.coarseArgmin(new CoarseProblem(cs, filters, first, count, opt.normalisation(), opt.metric(), off, sc),
                best, score);
        double[][] templates = new double[cs.size][];
        for (int c = 0; c < cs.size; c++) {
            templates[c] = candidateTemplate(cs, c, opt.construction());
        }
        int differ = 0;
        double worst = 0;
        for (int n = 0; n < count; n++) {
            for (int b = 0; b < blocks; b++) {
                double o = off == null ? 0 : off[n * blocks + b];
                double s = sc == null ? 1 : sc[n * blocks + b];
                double[] h = new double[k * k];
                for (int e = 0; e < k * k; e++) {
                    h[e] = (filters[(first + n) * k * k + e] - o) / s;
                }
                double min = Double.POSITIVE_INFINITY;
                int arg = -1;
                for (int c = cs.blockStart[b]; c < cs.blockStart[b + 1]; c++) {
                    double v = score(h, templates[c], opt.normalisation(), opt.metric());
                    if (v < min) {
                        min = v;
                        arg = c;
                    }
                }
                int got = best[n * blocks + b];
                String at = what + ", filter " + (first + n) + ", family " + cs.families.get(b).id();
                assertTrue(got >= cs.blockStart[b] && got < cs.blockStart[b + 1], at + ": index " + got
                        + " outside the family's block");
                double chosen = score(h, templates[got], opt.normalisation(), opt.metric());
                double tol = scoreTolerance() * scale(h, templates[arg], opt.metric());
                assertTrue(chosen <= min + tol, at + ": chosen candidate " + got + " scores " + chosen
                        + ", the best (" + arg + ") " + min + " (tolerance " + tol + ")");
                assertEquals(chosen, score[n * blocks + b], tol, at + ": reported score of candidate " + got);
                if (opt.metric() == Metric.L2 && opt.normalisation() != Normalisation.PAPER) {
                    assertWithinScreeningSlack(score[n * blocks + b], chosen, h, at);
                }
                if (got != arg) {
                    differ++;
                }
                worst = Math.max(worst, (chosen - min) / scale(h, templates[arg], opt.metric()));
            }
        }
        System.out.printf("%s %s: %d of %d choices differ from the brute-force arg-min (near-ties), worst excess %.2e%n",
                backendName(), what, differ, count * blocks, worst);
    }

    /**
     * The bound the fitter's screen relies on (Fitter.SCORE_SLACK): with l2 and no frame, a reported score is within
     * SCORE_SLACK·(Σh² + score) of the exact objective of its candidate.
     */
    static void assertWithinScreeningSlack(double reported, double exact, double[] h, String what) {
        double qh = 0;
        for (double v : h) {
            qh += v * v;
        }
        assertTrue(Math.abs(reported - exact) <= Fitter.SCORE_SLACK * (qh + reported), what + ": reported score "
                + reported + " vs " + exact + " is outside the fitter's screening slack");
    }

    // ---------------------------------------------------------------------------------------------------------------
    // tests

    @ParameterizedTest(name = "k={0} {1} {2} {3}")
    @MethodSource("coarseCases")
    void coarseArgminMatchesBruteForce(int k, String input, Normalisation norm, Metric metric) {
        int total = 23; // not a multiple of any vector width; first > 0 exercises the offset
        double[] filters = input.equals("random") ? randomFilters(k, total, 100 + k) : structuredFilters(k, total, 200 + k);
        FitOptions opt = norm == Normalisation.PAPER ? coarsePaperOptions(metric) : coarseOptions(norm, metric);
        checkCoarse(filters, k, 2, 19, opt, "k=" + k + " " + input + " " + norm.id() + "/" + metric.id());
    }

    /**
     * The default grid (48 σ steps, 32 α steps): its runs of 48 and 32 candidates are the longest the SIMD backend's
     * mask-free arg-min sees in practice (the candidate's index in the score's low 6 bits), and runs of 300 σ steps
     * take its accumulator path (more than 2^8 candidates).
     */
    @Test
    void coarseArgminOnTheDefaultGridAndALongOne() {
        double[] filters = structuredFilters(7, 21, 500);
        for (Normalisation n : new Normalisation[] {Normalisation.GAIN_OFFSET, Normalisation.GAIN}) {
            checkCoarse(filters, 7, 1, 20, FitOptions.defaults().withNormalisation(n), "k=7 structured " + n.id()
                    + "/l2, default grid");
        }
        checkCoarse(filters, 7, 0, 5, FitOptions.defaults().withFamilies(List.of(Family.GAUSS, Family.DY))
                .withSigmaRange(0.05, 4.0, 300), "k=7 structured gain-offset/l2, 300 σ steps");
    }

    @Test
    void coarseArgminWithPaperConstruction() {
        double[] filters = structuredFilters(7, 9, 300);
        checkCoarse(filters, 7, 0, 9, coarseOptions(Normalisation.GAIN_OFFSET, Metric.L2)
                .withConstruction(Construction.PAPER), "k=7 structured gain-offset/l2 paper construction");
    }

    /**
     * Exact ties go to the lowest candidate index: dog with α = 0 is the impulse at every σ. The grid keeps every α > 0
     * candidate clearly worse for an impulse (σ ≥ 0.3, α ∈ {0, 0.02, 20}), so the tie is exact in float too.
     */
    @Test
    void exactTiesGoToTheLowestIndex() {
        int k = 5;
        double[] filters = new double[2 * k * k];
        filters[k * k / 2] = 1.0;
        filters[k * k + k * k / 2] = -2.0;
        for (Metric metric : Metric.values()) {
            FitOptions opt = FitOptions.defaults().withFamilies(List.of(Family.DOG)).withSigmaRange(0.3, 1.0, 5)
                    .withAlpha(20, 3).withNormalisation(Normalisation.NONE).withMetric(metric);
            CandidateSet cs = new CandidateSet(opt, k, false);
            assertEquals(0.0, cs.p2[0], 0.0);
            assertTrue(cs.p2[3] == 0.0 && cs.p1[3] > cs.p1[0], "candidate order: α fastest, so candidate 3 is the "
                    + "next σ at α = 0 and ties with candidate 0");
            int[] best = new int[2];
            double[] score = new double[2];
            backend.coarseArgmin(new CoarseProblem(cs, filters, 0, 2, opt.normalisation(), metric, null, null),
                    best, score);
            assertEquals(0, best[0], metric + ": the first α = 0 candidate");
            assertEquals(0.0, score[0], 0.0, metric + ": the impulse is represented exactly");
            assertEquals(0, best[1], metric + ": −2·impulse: still the impulse candidates are best, the first of them");
        }
    }

    /**
     * End-to-end fits agree with the scalar oracle: same families, scales within 2e-4, on random and structured
     * filters. Float32 coarse scores may pick a different grid point on a near-tie; refinement then normally reaches the
     * same minimum (when this was written, 400 random filters at k = 5, 7 all agreed). A legitimate exception would be
     * two basins of equal depth on a random filter; should that ever occur, restrict this test to structured filters.
     */
    @Test
    void endToEndFitsAgreeWithTheScalarOracle() {
        Assumptions.assumeFalse(backendName().equals("scalar"), "the scalar backend is the oracle itself");
        for (int k : new int[] {5, 7}) {
            int count = 80;
            double[] data = new double[count * k * k];
            System.arraycopy(structuredFilters(k, count / 2, 400 + k), 0, data, 0, count / 2 * k * k);
            System.arraycopy(randomFilters(k, count / 2, 450 + k), 0, data, count / 2 * k * k, count / 2 * k * k);
            FilterBank bank = new FilterBank("mixed", "k" + k, k, count, data);
            FitOptions all = FitOptions.defaults().withFamilies(List.of(Family.values())).withSigmaRange(0.05, 4, 24)
                    .withAlpha(20, 16);
            // l1 with the paper normalisation (the published method's metric): its refinement evaluates dense
            // templates, so fewer filters (both kinds) keep the run short
            FitOptions l1 = FitOptions.defaults().withSigmaRange(0.05, 4, 24).withAlpha(20, 16)
                    .withNormalisation(Normalisation.PAPER).withMetric(Metric.L1);
            FilterBank few = new FilterBank("mixed", "k" + k, k, 12,
                    java.util.Arrays.copyOfRange(data, (count / 2 - 6) * k * k, (count / 2 + 6) * k * k));
            for (FitOptions opt : List.of(all, l1)) {
                FilterBank b = opt == l1 ? few : bank;
                List<FitResult> oracle;
                try (CoarseScorer s = new ScalarScorer()) {
                    oracle = new Fitter(s, opt, 1).fit(b, x -> { });
                }
                List<FitResult> got = new Fitter(backend, opt, 2).fit(b, x -> { });
                String where = "k=" + k + " " + opt.normalisation().id() + "/" + opt.metric().id();
                if (opt == l1) {
                    assertAgreeL1(oracle, got, where);
                } else {
                    assertAgree(oracle, got, where);
                }
            }
        }
    }

    /**
     * l1 fits: the l1 objective can be exactly flat over a region (seen: a structured k = 5 filter under the paper
     * normalisation fitting dx with relative l2 0.97, where both backends reached l1 = 0.9663180527281289 to every
     * digit at σx 1.66 and 1.19). Parameters are then not unique, so they are compared only where the optimum is
     * well posed; everywhere the family and the minimised l1 value must agree.
     */
    static void assertAgreeL1(List<FitResult> oracle, List<FitResult> got, String where) {
        assertEquals(oracle.size(), got.size());
        for (int n = 0; n < oracle.size(); n++) {
            FitResult a = oracle.get(n);
            FitResult b = got.get(n);
            String what = where + " filter " + n;
            if (a.relL2() >= 0.5 && a.family() != b.family()) {
                // not a fit (the model explains less than a quarter of the energy): with a flat l1 minimum the two
                // backends may stop at different points of it, whose relative l2 — the family selection criterion —
                // differs, so a near-tie between two families can go either way (seen on the filter above after a
                // last-bit change in T: dx at relative l2 0.9787 against dxp at 0.9795, each family's l1 identical
                // on both backends). Then only a near-tie is accepted.
                assertEquals(a.relL2(), b.relL2(), 0.01, what + ": families " + a.family() + " and " + b.family()
                        + " are not a near-tie");
                continue;
            }
            assertEquals(a.family(), b.family(), what);
            assertEquals(a.l1(), b.l1(), 1e-7 * Math.max(1, a.l1()), what + " l1");
            if (a.relL2() < 0.5) { // a real fit: the minimum is isolated
                assertEquals(a.sigmaX(), b.sigmaX(), 2e-4, what + " σx");
                assertEquals(a.sigmaY(), b.sigmaY(), 2e-4, what + " σy");
                assertEquals(a.alpha(), b.alpha(), 2e-4 * Math.max(1, a.alpha()), what + " α");
            }
        }
    }

    static void assertAgree(List<FitResult> oracle, List<FitResult> got, String where) {
        assertEquals(oracle.size(), got.size());
        for (int n = 0; n < oracle.size(); n++) {
            FitResult a = oracle.get(n);
            FitResult b = got.get(n);
            String what = where + " filter " + n;
            assertEquals(a.family(), b.family(), what);
            assertEquals(a.sigmaX(), b.sigmaX(), 2e-4, what + " σx");
            assertEquals(a.sigmaY(), b.sigmaY(), 2e-4, what + " σy");
            assertEquals(a.alpha(), b.alpha(), 2e-4 * Math.max(1, a.alpha()), what + " α");
            assertEquals(a.relL2(), b.relL2(), 1e-6 * Math.max(1, a.relL2()), what + " relL2");
            assertEquals(a.edge(), b.edge(), what + " edge");
        }
    }

    /**
     * The paper's families: the default fit of the 8 bundled master key filters picks dyp dxm dym dxp dx dy dog gauss
     * and agrees with the independent Python fit (tools/paper_reference.py → vectors/default_fit_reference.json).
     */
    @Test
    @SuppressWarnings("unchecked")
    void defaultFitOfTheBundledFiltersMatchesTheIndependentReference() {
        Map<String, Object> ref = (Map<String, Object>) TestData.json("/vectors/default_fit_reference.json");
        List<FitResult> res = new Fitter(backend, FitOptions.defaults(), 2).fit(FilterReaders.bundled(), x -> { });
        List<String> families = new ArrayList<>();
        for (FitResult r : res) {
            families.add(r.family().id());
        }
        assertEquals(List.of("dyp", "dxm", "dym", "dxp", "dx", "dy", "dog", "gauss"), families);
        for (int n = 0; n < 8; n++) {
            Map<String, Object> e = (Map<String, Object>) ref.get(Integer.toString(n + 1));
            FitResult r = res.get(n);
            String what = "master key filter " + (n + 1);
            assertEquals(e.get("family"), r.family().id(), what);
            assertEquals((Double) e.get("sigma_x"), r.sigmaX(), 1e-3, what + " σx");
            assertEquals((Double) e.get("sigma_y"), r.sigmaY(), 1e-3, what + " σy");
            assertEquals((Double) e.get("alpha"), r.alpha(), 1e-2, what + " α");
            assertEquals((Double) e.get("rel_l2"), r.relL2(), 1e-5, what + " relative l2");
            assertEquals((Double) e.get("gain"), r.gain(), 1e-3 * Math.abs((Double) e.get("gain")), what + " gain");
            assertEquals((Double) e.get("offset"), r.offset(), 1e-4, what + " offset");
            assertEquals(Boolean.FALSE, e.get("edge"));
            assertEquals("none", r.edge(), what);
        }
    }

    /** Same input, same result: repeated runs, and (for thread-safe backends) 1 vs 2 threads, bit for bit. */
    @Test
    void deterministicAcrossRunsAndThreadCounts() {
        int k = 7;
        int count = 600; // more than two chunks of 256, so two threads really split the work
        double[] data = new double[count * k * k];
        double[] r = randomFilters(k, count / 2, 500);
        double[] s = structuredFilters(k, count / 2, 501);
        System.arraycopy(r, 0, data, 0, r.length);
        System.arraycopy(s, 0, data, r.length, s.length);
        FilterBank bank = new FilterBank("mixed", "layer", k, count, data);
        FitOptions opt = FitOptions.defaults().withSigmaRange(0.05, 4, 16).withAlpha(20, 12);
        List<FitResult> a = new Fitter(backend, opt, 1).fit(bank, x -> { });
        List<FitResult> b = new Fitter(backend, opt, 1).fit(bank, x -> { });
        assertSameResults(a, b, "two runs");
        if (backend.threadSafe()) {
            Fitter two = new Fitter(backend, opt, 2);
            assertEquals(2, two.threads());
            assertSameResults(a, two.fit(bank, x -> { }), "1 vs 2 threads");
        } else {
            assertEquals(1, new Fitter(backend, opt, 2).threads(), "a backend that is not thread-safe runs on one thread");
        }
    }

    /** Dead and constant channels among normal ones: the normal ones' rows as if fitted alone, plus none rows. */
    @Test
    void degenerateFiltersAreSetApartBeforeScoring() {
        org.scalespace.testing.DegenerateBanks.check(backend, backend.threadSafe() ? 2 : 1);
    }

    static void assertSameResults(List<FitResult> a, List<FitResult> b, String what) {
        assertEquals(a.size(), b.size());
        for (int n = 0; n < a.size(); n++) {
            FitResult x = a.get(n);
            FitResult y = b.get(n);
            String at = what + ", filter " + n;
            assertEquals(x.family(), y.family(), at);
            assertEquals(x.channel(), y.channel(), at);
            assertEquals(x.sigmaX(), y.sigmaX(), 0.0, at);
            assertEquals(x.sigmaY(), y.sigmaY(), 0.0, at);
            assertEquals(x.alpha(), y.alpha(), 0.0, at);
            assertEquals(x.gain(), y.gain(), 0.0, at);
            assertEquals(x.offset(), y.offset(), 0.0, at);
            assertEquals(x.l2(), y.l2(), 0.0, at);
            assertEquals(x.edge(), y.edge(), at);
            assertArrayEquals(x.model(), y.model(), 0.0, at);
        }
    }
}
