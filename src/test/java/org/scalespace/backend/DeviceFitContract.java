package org.scalespace.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
import org.scalespace.fit.ScaleMode;
import org.scalespace.io.FilterReaders;
import org.scalespace.model.Construction;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;
import org.scalespace.model.Templates;
import org.scalespace.testing.BackendAssume;

/**
 * The coarse fit of a device backend (OpenCL, CUDA) against the scalar oracle. One subclass per backend; without the
 * backend every test is skipped with the reason, or fails when -Dscalespace.requireBackends lists it
 * ({@link BackendAssume}).
 *
 * @param <B> the backend under test
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class DeviceFitContract<B extends CoarseScorer> {
    protected static final LongConsumer NO_PROGRESS = n -> { };

    /** The backend under test (local tables). */
    protected B backend;
    /** The same device with the candidate tables in global memory. */
    protected B globalTables;

    /** The name {@link BackendAssume} and -Dscalespace.requireBackends know the backend by. */
    protected abstract String backendName();

    /** Opens the backend on its default device(s). */
    protected abstract B openBackend();

    /** Opens a second backend on {@code backend}'s device(s) with the candidate tables in global memory. */
    protected abstract B openGlobalTables(B backend);

    /** Per test (not in @BeforeAll, whose skip or failure surefire does not report): skip or fail, then open once. */
    @BeforeEach
    void open() {
        BackendAssume.assumeAvailable(backendName());
        if (backend == null) {
            backend = openBackend();
            globalTables = openGlobalTables(backend);
        }
    }

    @AfterAll
    void close() {
        if (backend != null) {
            backend.close();
        }
        if (globalTables != null) {
            globalTables.close();
        }
        backend = null;
        globalTables = null;
    }

    protected static FitOptions options(Normalisation n, Metric m, List<Family> fams, int sigmaSteps, ScaleMode sm) {
        FitOptions d = FitOptions.defaults();
        return new FitOptions(fams, n, m, sm, d.sigmaMin(), d.sigmaMax(), sigmaSteps, d.alphaMax(), 12,
                d.construction(), true, d.tolerance());
    }

    /**
     * Coarse arg-min: every (filter, family) choice's double-precision objective is within float tolerance of the
     * oracle's minimum, and the returned score matches it.
     */
    @ParameterizedTest(name = "{0} {1} k={2} {3} {4}")
    @CsvSource({
        "GAIN_OFFSET, L2, 7, paper8, local",
        "GAIN_OFFSET, L2, 3, all, local",
        "GAIN_OFFSET, L2, 9, all, local",
        "GAIN, L2, 7, all, local",
        "NONE, L2, 7, all, local",
        "PAPER, L2, 7, paper8, local",
        "NONE, L1, 5, all, local",
        "PAPER, L1, 7, paper8, local",
        "GAIN_OFFSET, L2, 7, all, global",
        "PAPER, L2, 5, paper8, global",
        "GAIN_OFFSET, L2, 31, paper8, local",
        "NONE, L1, 31, paper8, local",
    })
    void coarseArgminMatchesScalarOracle(Normalisation norm, Metric metric, int k, String famSet, String tables) {
        B be = tables.equals("global") ? globalTables : backend;
        List<Family> fams = famSet.equals("all") ? List.of(Family.values()) : Family.PAPER_EIGHT;
        FitOptions opt = options(norm, metric, fams, 20, ScaleMode.SEP);
        CandidateSet cs = new CandidateSet(opt, k, false);
        int n = 37; // not a multiple of anything
        double[] filters = structured(k, n, 11L * k + norm.ordinal(), 0.05);
        int blocks = cs.blocks();
        double[] fo = null;
        double[] fs = null;
        if (norm == Normalisation.PAPER) {
            fo = new double[n * blocks];
            fs = new double[n * blocks];
            for (int i = 0; i < n; i++) {
                double[] h = java.util.Arrays.copyOfRange(filters, i * cs.kk, (i + 1) * cs.kk);
                for (int b = 0; b < blocks; b++) {
                    Frames.Frame f = Frames.frame(h, k, fams.get(b), norm);
                    fo[i * blocks + b] = f.offset();
                    fs[i * blocks + b] = f.scale();
                }
            }
        }
        CoarseProblem p = new CoarseProblem(cs, filters, 0, n, norm, metric, fo, fs);
        int[] bestRef = new int[n * blocks];
        double[] scoreRef = new double[n * blocks];
        new ScalarScorer().coarseArgmin(p, bestRef, scoreRef);
        int[] best = new int[n * blocks];
        double[] score = new double[n * blocks];
        be.coarseArgmin(p, best, score);
        double[] dense = cs.dense();
        int same = 0;
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < blocks; b++) {
                int idx = i * blocks + b;
                double off = p.offset(i, b);
                double sc = p.scale(i, b);
                double[] h = new double[cs.kk];
                double qh = 0;
                for (int e = 0; e < cs.kk; e++) {
                    h[e] = (filters[i * cs.kk + e] - off) / sc;
                    double raw = Math.abs(filters[i * cs.kk + e]) + Math.abs(off);
                    // magnitudes before cancellation: the kernel forms ||h'||² from raw sums and the frame
                    qh += metric == Metric.L1 ? Math.abs(h[e]) : raw * raw / (sc * sc);
                }
                int c = best[idx];
                assertTrue(c >= cs.blockStart[b] && c < cs.blockStart[b + 1], "candidate in its block");
                double mine;
                double mm = 0;
                if (metric == Metric.L2) {
                    mine = cs.l2Value(c, h, norm);
                    mm = cs.sqM[c];
                } else {
                    mine = 0;
                    for (int e = 0; e < cs.kk; e++) {
                        mine += Math.abs(h[e] - dense[c * cs.kk + e]);
                        mm += Math.abs(dense[c * cs.kk + e]);
                    }
                }
                double tol = 2e-5 * (qh + (norm.freeAmplitude() ? 0 : mm)) + 1e-12;
                assertTrue(mine <= scoreRef[idx] + tol, "filter " + i + " block " + fams.get(b) + ": candidate "
                        + c + " scores " + mine + ", oracle's " + bestRef[idx] + " scores " + scoreRef[idx]
                        + " (tol " + tol + ")");
                assertEquals(scoreRef[idx], score[idx], tol + 1e-5 * Math.abs(scoreRef[idx]),
                        "returned score, filter " + i + " block " + fams.get(b));
                if (metric == Metric.L2 && norm != Normalisation.PAPER) {
                    BackendContractTest.assertWithinScreeningSlack(score[idx], mine, h,
                            "filter " + i + " block " + fams.get(b));
                }
                if (c == bestRef[idx]) {
                    same++;
                }
            }
        }
        // informational: choices differ only where candidates score equal within float32 rounding
        System.out.println(norm + " " + metric + " k=" + k + ": " + same + " of " + n * blocks
                + " choices identical to the oracle's");
    }

    /**
     * Same family; scales within 2e-4. One exception, for l1 only: where the l1 objective is flat to float32
     * rounding along σ (measured: the bundled gauss filter under normalisation none, where σ = 0.05 and σ = 0.286
     * give l1 = 2.07813558 and 2.07813555), different scales are accepted when the minimised l1 agrees to 1e-7
     * relative and the device one is not worse than that.
     */
    private static void assertSameFits(List<FitResult> ref, List<FitResult> got, Metric metric) {
        assertEquals(ref.size(), got.size());
        for (int i = 0; i < ref.size(); i++) {
            FitResult a = ref.get(i);
            FitResult b = got.get(i);
            assertEquals(a.family(), b.family(), "family of filter " + i);
            if (metric == Metric.L1 && Math.abs(a.l1() - b.l1()) <= 1e-7 * a.l1()
                    && (Math.abs(a.sigmaX() - b.sigmaX()) > 2e-4 || Math.abs(a.sigmaY() - b.sigmaY()) > 2e-4)) {
                System.out.println("flat l1 objective, filter " + i + ": oracle σ " + a.sigmaX() + "," + a.sigmaY()
                        + " l1 " + a.l1() + "; opencl σ " + b.sigmaX() + "," + b.sigmaY() + " l1 " + b.l1());
                continue;
            }
            String ctx = " of filter " + i + " (" + a.family() + "; oracle l1 " + a.l1() + " l2 " + a.l2()
                    + ", opencl l1 " + b.l1() + " l2 " + b.l2() + ")";
            assertEquals(a.sigmaX(), b.sigmaX(), 2e-4, "sigma_x" + ctx);
            assertEquals(a.sigmaY(), b.sigmaY(), 2e-4, "sigma_y of filter " + i + " (" + a.family() + ")");
            assertEquals(a.alpha(), b.alpha(), 2e-4 * Math.max(1, Math.abs(a.alpha())), "alpha of filter " + i);
            assertEquals(a.relL2(), b.relL2(), 1e-6, "rel_l2 of filter " + i);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GAIN_OFFSET, L2", "GAIN, L2", "NONE, L2", "PAPER, L2", "PAPER, L1", "NONE, L1"})
    void bundledFiltersFitLikeTheOracle(Normalisation norm, Metric metric) {
        FilterBank bank = FilterReaders.bundled();
        FitOptions d = FitOptions.defaults();
        FitOptions opt = new FitOptions(d.families(), norm, metric, d.scaleMode(), d.sigmaMin(), d.sigmaMax(),
                d.sigmaSteps(), d.alphaMax(), d.alphaSteps(), d.construction(), true, d.tolerance());
        List<FitResult> ref = new Fitter(new ScalarScorer(), opt, 1).fit(bank, NO_PROGRESS);
        List<FitResult> got = new Fitter(backend, opt, 2).fit(bank, NO_PROGRESS);
        assertSameFits(ref, got, metric);
        if (norm == Normalisation.GAIN_OFFSET && metric == Metric.L2) {
            StringBuilder fams = new StringBuilder();
            for (FitResult r : got) {
                fams.append(fams.length() == 0 ? "" : " ").append(r.family().id());
            }
            assertEquals("dyp dxm dym dxp dx dy dog gauss", fams.toString());
        }
    }

    /** Dead and constant channels among normal ones: the normal ones' rows as if fitted alone, plus none rows. */
    @Test
    void degenerateFiltersAreSetApartBeforeScoring() {
        org.scalespace.testing.DegenerateBanks.check(backend, 1);
    }

    @Test
    void structuredFiltersFitLikeTheOracle() {
        int k = 7;
        int n = 48;
        double[] data = structured(k, n, 4242L, 0.1);
        FilterBank bank = new FilterBank("test", "structured", k, n, data);
        FitOptions opt = FitOptions.defaults();
        List<FitResult> ref = new Fitter(new ScalarScorer(), opt, 1).fit(bank, NO_PROGRESS);
        List<FitResult> got = new Fitter(backend, opt, 2).fit(bank, NO_PROGRESS);
        assertSameFits(ref, got, opt.metric());
    }

    @Test
    void chunkedLaunchesMatchOneLaunch() {
        // more filters than one Fitter chunk, called directly: one problem of 700 filters, then in pieces
        FitOptions opt = options(Normalisation.GAIN_OFFSET, Metric.L2, Family.PAPER_EIGHT, 12, ScaleMode.SEP);
        CandidateSet cs = new CandidateSet(opt, 5, false);
        int n = 700;
        double[] filters = structured(5, n, 99L, 0.2);
        int blocks = cs.blocks();
        int[] all = new int[n * blocks];
        double[] sAll = new double[n * blocks];
        backend.coarseArgmin(new CoarseProblem(cs, filters, 0, n, opt.normalisation(), opt.metric(), null, null),
                all, sAll);
        for (int first = 0; first < n; first += 97) {
            int cnt = Math.min(97, n - first);
            int[] part = new int[cnt * blocks];
            double[] sPart = new double[cnt * blocks];
            backend.coarseArgmin(new CoarseProblem(cs, filters, first, cnt, opt.normalisation(), opt.metric(),
                    null, null), part, sPart);
            for (int i = 0; i < cnt * blocks; i++) {
                assertEquals(all[first * blocks + i], part[i], "deterministic choice");
                assertEquals(sAll[first * blocks + i], sPart[i], 0.0, "deterministic score");
            }
        }
    }

    /**
     * Structured filters: a random family's template at random scales (and α for dog), random gain, offset and
     * sign, plus Gaussian noise of the given relative level; every fourth one pure noise. Fixed seed.
     */
    public static double[] structured(int k, int n, long seed, double noise) {
        java.util.Random r = new java.util.Random(seed);
        int kk = k * k;
        double[] out = new double[n * kk];
        Family[] fams = Family.values();
        for (int i = 0; i < n; i++) {
            double[] t;
            if (i % 4 == 3) {
                t = new double[kk];
                for (int e = 0; e < kk; e++) {
                    t[e] = r.nextGaussian();
                }
            } else {
                Family f = fams[r.nextInt(fams.length)];
                double sx = Math.exp(Math.log(0.3) + r.nextDouble() * Math.log(3.0 / 0.3));
                t = Templates.dense(f, Construction.EXACT, k, sx, Math.min(3.5, sx * (0.5 + r.nextDouble())), f == Family.DOG ? r.nextDouble() * 10 : 0);
                double norm = 0;
                for (double v : t) {
                    norm += v * v;
                }
                norm = Math.sqrt(norm / kk);
                double gain = (r.nextBoolean() ? 1 : -1) * (0.2 + r.nextDouble() * 3);
                double off = r.nextGaussian() * 0.1;
                for (int e = 0; e < kk; e++) {
                    t[e] = gain * t[e] + off + noise * norm * Math.abs(gain) * r.nextGaussian();
                }
            }
            System.arraycopy(t, 0, out, i * kk, kk);
        }
        return out;
    }
}
