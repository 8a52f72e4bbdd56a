package org.scalespace.fit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.LongConsumer;
import org.scalespace.model.Family;
import org.scalespace.model.FilterBank;
import org.scalespace.model.Templates;

/**
 * Fits model families to learned filters in bulk (SPEC §7).
 *
 * <p>Per filter: the backend finds the best coarse-grid candidate of every family; the host re-evaluates those in
 * double precision, refines every family whose coarse relative l2 is within {@value #REFINE_FACTOR}× (+
 * {@value #REFINE_SLACK}) of the best family's, and selects the family with the smallest relative l2 (ties: the
 * earlier family of SPEC §4). Work is split into chunks of filters run on {@code threads} threads (one thread for a
 * backend that is not thread-safe, fewer while the backend asks for fewer: {@link CoarseScorer#threadsFor}). Results come
 * back in input order and do not depend on the number of threads.
 *
 * <p>Degenerate filters (all k² values exactly equal, e.g. all zero: SPEC §7) are set apart before anything is
 * scored, so no backend ever sees one: by default each gets the row of {@link FitResult#ofConstant} in its place
 * ({@link #degenerate(DegenerateMode)}: or no row, or an error). The other filters' results are exactly those of
 * fitting them alone; in {@code joint} scale mode degenerate filters take no part in the layer's σ.
 */
public final class Fitter {
    /**
     * Families whose coarse relative l2 is at most REFINE_FACTOR × best + REFINE_SLACK are refined. Measured on 1500
     * varied 7×7 filters (master key filters with gain/noise, and pure noise) with every family refined: the final
     * winner's coarse relative l2 was never more than 1.0011× the best coarse one, so this margin is ~45× that.
     */
    public static final double REFINE_FACTOR = 1.05;
    public static final double REFINE_SLACK = 0.002;
    private static final int CHUNK = 256;

    private final CoarseScorer backend;
    private final FitOptions opt;
    private final int threads;
    private final Refiner refiner;
    private final java.util.Map<String, CandidateSet> sets = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean keepModels = true;
    private volatile boolean screenScores = true;
    private volatile DegenerateMode degenerate = DegenerateMode.REPORT;
    private final AtomicInteger threadsUsed = new AtomicInteger();

    public Fitter(CoarseScorer backend, FitOptions opt, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.backend = backend;
        this.opt = opt;
        this.threads = backend.threadSafe() ? threads : 1;
        this.refiner = new Refiner(opt);
    }

    public FitOptions options() {
        return opt;
    }

    /**
     * Whether results carry the fitted model array ({@link FitResult#model()}; default true). Without it a result
     * is ~400 bytes smaller per 7×7 filter and its model is null: for callers that only need the parameters and
     * measures (the CLI does this unless it writes templates).
     */
    public Fitter keepModels(boolean keep) {
        this.keepModels = keep;
        return this;
    }

    /**
     * What {@link #fit} does with degenerate filters (default {@link DegenerateMode#REPORT}: a {@code none} row each;
     * {@link DegenerateMode#SKIP}: no row, so the list is shorter than the bank; {@link DegenerateMode#ERROR}: the
     * error of {@link #validate(FilterBank, int)}).
     */
    public Fitter degenerate(DegenerateMode mode) {
        this.degenerate = java.util.Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** This fitter's {@link DegenerateMode}. */
    public DegenerateMode degenerateMode() {
        return degenerate;
    }

    /**
     * Whether {@link #fitOne} skips the exact objective of families that the coarse scores already place outside the
     * refinement band (default true; the results are the same either way, which the tests check with this off).
     */
    Fitter screenScores(boolean screen) {
        this.screenScores = screen;
        return this;
    }

    /** Threads this fitter runs batches on (one for a backend that is not thread-safe). */
    public int threads() {
        return threads;
    }

    /**
     * The most threads a batch of this fitter has actually run on so far: fewer than {@link #threads()} when every
     * batch was fitted while the backend asked for fewer ({@link CoarseScorer#threadsFor}, e.g. a few filters in a fresh
     * JVM on the simd backend); 0 before the first batch.
     */
    public int threadsUsed() {
        return threadsUsed.get();
    }

    /** The coarse grid for filters of size k (cached). */
    public CandidateSet candidates(int k, boolean sameScale) {
        return sets.computeIfAbsent(k + (sameScale ? "s" : "x"), key -> {
            CandidateSet.checkFits(opt, k, sameScale);
            return new CandidateSet(opt, k, sameScale);
        });
    }

    /**
     * Fits every filter of the bank; {@code progress} receives the number of filters finished, per chunk. One result
     * per filter, in order, except that with {@link DegenerateMode#SKIP} degenerate filters have none.
     */
    public List<FitResult> fit(FilterBank bank, LongConsumer progress) {
        return fit(bank, 0, progress);
    }

    /**
     * Fits every filter of a bank that holds filters {@code firstChannel ..} of its layer (a slice of a layer read a
     * chunk at a time): results and error messages number the filters from {@code firstChannel}. In {@code joint}
     * scale mode the shared σ is that of this bank, so pass the whole layer there.
     */
    public List<FitResult> fit(FilterBank bank, int firstChannel, LongConsumer progress) {
        if (firstChannel < 0) {
            throw new IllegalArgumentException("firstChannel must be >= 0, got " + firstChannel);
        }
        DegenerateMode mode = degenerate;
        validate(bank, firstChannel, mode);
        int n = bank.count();
        int kk = bank.k() * bank.k();
        int[] live = new int[n]; // indices of the filters that are fitted
        int nLive = 0;
        for (int i = 0; i < n; i++) {
            if (!isConstant(bank.data(), i * kk, kk)) {
                live[nLive++] = i;
            }
        }
        if (nLive == n) {
            return fitLive(bank, i -> firstChannel + i, progress);
        }
        List<FitResult> fitted = List.of();
        if (nLive > 0) {
            double[] d = new double[nLive * kk];
            for (int i = 0; i < nLive; i++) {
                System.arraycopy(bank.data(), live[i] * kk, d, i * kk, kk);
            }
            int[] map = java.util.Arrays.copyOf(live, nLive);
            fitted = fitLive(new FilterBank(bank.source(), bank.layer(), bank.k(), nLive, d),
                    i -> firstChannel + map[i], progress);
        }
        progress.accept(n - nLive);
        if (mode == DegenerateMode.SKIP) {
            return fitted;
        }
        FitResult[] out = new FitResult[n];
        for (int i = 0; i < nLive; i++) {
            out[live[i]] = fitted.get(i);
        }
        for (int i = 0; i < n; i++) {
            if (out[i] == null) {
                out[i] = FitResult.ofConstant(bank.source(), bank.layer(), firstChannel + i, bank.k(),
                        bank.data()[i * kk], keepModels);
            }
        }
        return List.of(out);
    }

    /** Fits a bank without degenerate filters; filter i of it is filter {@code channel(i)} of its layer. */
    private List<FitResult> fitLive(FilterBank bank, IntUnaryOperator channel, LongConsumer progress) {
        if (opt.scaleMode() == ScaleMode.JOINT) {
            return fitJoint(bank, channel, progress);
        }
        return fitIndependent(bank, channel, opt.scaleMode() == ScaleMode.SAME, progress);
    }

    /** Whether the {@code kk} values {@code d[off ..]} are all equal (the degenerate filters of SPEC §7). */
    static boolean isConstant(double[] d, int off, int kk) {
        double v0 = d[off];
        for (int e = 1; e < kk; e++) {
            if (d[off + e] != v0) {
                return false;
            }
        }
        return true;
    }

    /** Whether a filter is degenerate: all its values are exactly equal (as doubles), e.g. all zero. */
    public static boolean isDegenerate(double[] h) {
        return h.length > 0 && isConstant(h, 0, h.length);
    }

    /**
     * Runs this fitter's code paths once on a small synthetic problem ({@code filters} filters made from those of
     * {@code sample} with deterministic gain and noise; the bundled 7×7 master key filters,
     * {@code FilterReaders.bundled()}, are a good sample), so that the JIT has compiled more of them before real work
     * arrives. On JDK 17 the Vector API runs ~100× slower until C2 has compiled a kernel, about 2 s per process on two
     * cores. This pays only where a core would otherwise be idle, e.g. while the caller prepares its input: measured
     * synchronously on two cores, 64 filters took 0.6 s and shortened a cold 100,000-filter fit by 0–0.3 s (the CLI
     * does not call it). The results are discarded. Safe to call concurrently with {@link #fit} (the fitter holds no
     * per-call state).
     */
    public void warmUp(FilterBank sample, int filters) {
        FilterBank mk = sample;
        int kk = mk.k() * mk.k();
        double[] d = new double[filters * kk];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int n = 0; n < filters; n++) {
            int src = n % mk.count();
            for (int e = 0; e < kk; e++) {
                d[n * kk + e] = mk.data()[src * kk + e] * (0.5 + rnd.nextDouble()) + 0.02 * rnd.nextGaussian();
            }
        }
        fit(new FilterBank("warm-up", "warm-up", mk.k(), filters, d), x -> { });
    }

    /**
     * Rejects what no fit accepts, naming the layer and channel: an unsupported k or a value that is not finite, and
     * a degenerate (constant) filter, as {@link DegenerateMode#ERROR} does.
     */
    public static void validate(FilterBank bank) {
        validate(bank, 0);
    }

    /** {@link #validate(FilterBank)} for a bank whose filter 0 is filter {@code firstChannel} of its layer. */
    public static void validate(FilterBank bank, int firstChannel) {
        validate(bank, firstChannel, DegenerateMode.ERROR);
    }

    /**
     * Rejects what a fit in the given mode does not accept: an unsupported k or a value that is not finite, and with
     * {@link DegenerateMode#ERROR} also a degenerate (constant) filter; naming the layer and channel, whose filter 0
     * is filter {@code firstChannel} of its layer.
     */
    public static void validate(FilterBank bank, int firstChannel, DegenerateMode mode) {
        int k = bank.k();
        try {
            Templates.checkK(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(bank.source() + ": layer " + bank.layer() + ": " + e.getMessage());
        }
        int kk = k * k;
        for (int n = 0; n < bank.count(); n++) {
            double mn = Double.POSITIVE_INFINITY;
            double mx = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < kk; e++) {
                double v = bank.data()[n * kk + e];
                if (!Double.isFinite(v)) {
                    throw new IllegalArgumentException(bank.source() + ": layer " + bank.layer() + ", filter "
                            + (firstChannel + n) + ": value " + v + " at row " + (e / k) + ", col " + (e % k)
                            + "; filters must be finite");
                }
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            if (mn == mx && mode == DegenerateMode.ERROR) {
                throw new IllegalArgumentException(bank.source() + ": layer " + bank.layer() + ", filter "
                        + (firstChannel + n) + " is constant (" + (mn == 0 ? "all zero" : "all " + mn)
                        + "); a constant filter has no shape to fit");
            }
        }
    }

    private List<FitResult> fitIndependent(FilterBank bank, IntUnaryOperator first, boolean same,
                                           LongConsumer progress) {
        int k = bank.k();
        CandidateSet cs = candidates(k, same);
        int n = bank.count();
        FitResult[] out = new FitResult[n];
        List<int[]> chunks = new ArrayList<>();
        // chunks of at most CHUNK filters, but at least 4 per thread when there are few filters
        int chunk = Math.max(16, Math.min(CHUNK, (n + 4 * threads - 1) / (4 * threads)));
        for (int s = 0; s < n; s += chunk) {
            chunks.add(new int[] {s, Math.min(n, s + chunk)});
        }
        // The scorer may want fewer workers while the JIT is cold (CoarseScorer#threadsFor): it is asked about at most
        // COLD_PIECE filters at a time, and a piece it wants fewer workers for is run on its own, so that one large
        // batch is not run on fewer threads as a whole.
        for (int ci = 0; ci < chunks.size(); ) {
            int from = chunks.get(ci)[0];
            int ask = Math.min(n - from, COLD_PIECE);
            int t = Math.max(1, Math.min(threads, backend.threadsFor(ask, threads)));
            int end = ci + 1;
            while (end < chunks.size() && (t == threads || chunks.get(end)[1] - from <= ask)) {
                end++;
            }
            runChunks(chunks.subList(ci, end), t, bank, first, cs, same, out, progress);
            ci = end;
        }
        return List.of(out);
    }

    /**
     * Filters per question to {@link CoarseScorer#threadsFor}: a piece small enough that, while a cold JVM's first
     * filters are to run on fewer workers, only those pieces do, and a large first batch is not run on fewer threads
     * as a whole; large enough that the questions cost nothing beside the fit. Its own bound: that the streaming
     * reader's slice and the simd scorer's cold-start budget are also 16,384 filters ties none of them to it.
     */
    private static final int COLD_PIECE = 16384;

    /** Fits the given chunks on up to {@code threads} threads. */
    private void runChunks(List<int[]> chunks, int threads, FilterBank bank, IntUnaryOperator first, CandidateSet cs,
                           boolean same, FitResult[] out, LongConsumer progress) {
        threadsUsed.accumulateAndGet(Math.min(threads, chunks.size()), Math::max);
        if (threads == 1 || chunks.size() == 1) {
            for (int[] c : chunks) {
                fitChunk(bank, first, cs, same, c[0], c[1], out);
                progress.accept(c[1] - c[0]);
            }
            return;
        }
        ExecutorService ex = Executors.newFixedThreadPool(Math.min(threads, chunks.size()), r -> {
            Thread t = new Thread(r, "scalespace-fit");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int[] c : chunks) {
                fs.add(ex.submit(() -> {
                    fitChunk(bank, first, cs, same, c[0], c[1], out);
                    progress.accept(c[1] - c[0]);
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fit interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            if (c instanceof Error) {
                throw (Error) c;
            }
            throw new IllegalStateException(c);
        } finally {
            ex.shutdownNow();
        }
    }

    private void fitChunk(FilterBank bank, IntUnaryOperator first, CandidateSet cs, boolean same, int from, int to,
                          FitResult[] out) {
        int k = bank.k();
        int kk = k * k;
        int count = to - from;
        int blocks = cs.blocks();
        Frames.Frame[] frames = new Frames.Frame[count * blocks];
        String[] undefined = new String[count * blocks];
        double[] fo = null;
        double[] fsc = null;
        if (opt.normalisation() == Normalisation.PAPER) {
            fo = new double[count * blocks];
            fsc = new double[count * blocks];
        }
        for (int i = 0; i < count; i++) {
            double[] h = bank.filter(from + i);
            for (int b = 0; b < blocks; b++) {
                Frames.Frame fr;
                try {
                    fr = Frames.frame(h, k, cs.families.get(b), opt.normalisation());
                } catch (IllegalArgumentException e) {
                    // the normalisation is undefined for this family and filter (zero ramp or DC response): the
                    // family cannot be selected for it; the backend scores it in the identity frame, ignored below
                    undefined[i * blocks + b] = e.getMessage();
                    fr = null;
                }
                frames[i * blocks + b] = fr;
                if (fo != null) {
                    fo[i * blocks + b] = fr == null ? 0.0 : fr.offset();
                    fsc[i * blocks + b] = fr == null ? 1.0 : fr.scale();
                }
            }
        }
        int[] best = new int[count * blocks];
        double[] score = new double[count * blocks];
        backend.coarseArgmin(new CoarseProblem(cs, bank.data(), from, count, opt.normalisation(), opt.metric(),
                fo, fsc), best, score);
        Objective[] objs = new Objective[blocks];
        for (int b = 0; b < blocks; b++) {
            objs[b] = new Objective(k, cs.families.get(b), opt.construction(), opt.normalisation(), opt.metric());
        }
        for (int i = 0; i < count; i++) {
            double[] h = bank.filter(from + i);
            out[from + i] = fitOne(bank, first.applyAsInt(from + i), h, cs, same, objs, frames, undefined,
                    i * blocks, best, score, i * blocks);
        }
    }

    private FitResult fitOne(FilterBank bank, int channel, double[] h, CandidateSet cs, boolean same,
                             Objective[] objs, Frames.Frame[] frames, String[] undefined, int fOff, int[] best,
                             double[] score, int bOff) {
        int blocks = cs.blocks();
        int k = bank.k();
        boolean l2 = opt.metric() == Metric.L2;
        double[][] hp = new double[blocks][];
        double[] rel = new double[blocks];
        double[] p1 = new double[blocks];
        double[] p2 = new double[blocks];
        String[] edge = new String[blocks];
        Objective.Eval[] evs = new Objective.Eval[blocks];
        double bestRel = Double.POSITIVE_INFINITY;
        // Σh', Σh'² of the comparison frame in sumsOf (all families share h' except with paper): h's, for a start
        double[] sumsOf = h;
        double sh = 0;
        double qh = 0;
        for (double v : h) {
            sh += v;
            qh += v * v;
        }
        // Which families need the exact (double) objective: with identity frames and l2 the backend's coarse scores
        // (float on simd/OpenCL/CUDA) are within SCORE_SLACK·(Σh² + score) of it, so a family whose score is
        // clearly out of the refinement band can neither be refined nor win, and its exact value is not computed.
        boolean[] exact = screen(l2 && screenScores, sh, qh, h.length, frames, fOff, score, bOff, blocks);
        for (int b = 0; b < blocks; b++) {
            Frames.Frame fr = frames[fOff + b];
            if (fr == null || !exact[b]) { // undefined (paper normalisation) or screened out
                rel[b] = Double.POSITIVE_INFINITY;
                continue;
            }
            hp[b] = fr == Frames.Frame.IDENTITY ? h : fr.apply(h);
            int c = best[bOff + b];
            p1[b] = cs.p1[c];
            p2[b] = cs.p2[c];
            if (l2) {
                if (hp[b] != sumsOf) { // another comparison frame (paper normalisation)
                    sumsOf = hp[b];
                    sh = 0;
                    qh = 0;
                    for (double v : sumsOf) {
                        sh += v;
                        qh += v * v;
                    }
                }
                double dev = qh - sh * sh / hp[b].length;
                double v = cs.l2Value(c, hp[b], opt.normalisation(), sh, qh);
                rel[b] = dev > 0 ? Math.sqrt(v / dev) : (v == 0 ? 0.0 : Double.POSITIVE_INFINITY);
            } else {
                objs[b].setFilter(hp[b]);
                evs[b] = objs[b].evaluate(p1[b], p2[b]);
                rel[b] = evs[b].relL2;
            }
            bestRel = Math.min(bestRel, rel[b]);
        }
        if (opt.refine()) {
            for (int b = 0; b < blocks; b++) {
                if (frames[fOff + b] == null || !(rel[b] <= REFINE_FACTOR * bestRel + REFINE_SLACK)) {
                    continue;
                }
                objs[b].setFilter(hp[b]);
                Refiner.Point pt = refiner.refine(objs[b], cs.families.get(b), same, p1[b], p2[b]);
                p1[b] = pt.p1();
                p2[b] = pt.p2();
                edge[b] = pt.edge();
                if (l2) {
                    rel[b] = objs[b].relL2FromValue(pt.value());
                } else {
                    evs[b] = objs[b].evaluate(p1[b], p2[b]);
                    rel[b] = evs[b].relL2;
                }
            }
        }
        // the smallest relative l2 wins; ties go to the earlier family
        int win = -1;
        for (int b = 0; b < blocks; b++) {
            if (frames[fOff + b] != null && (win < 0 || rel[b] < rel[win])) {
                win = b;
            }
        }
        if (win < 0) {
            throw new IllegalArgumentException(bank.source() + ": layer " + bank.layer() + ", filter " + channel
                    + ": no family can be fitted: " + undefined[fOff]);
        }
        if (edge[win] == null) { // not refined: the grid point's edge flags (only the winner's are needed)
            int c = best[bOff + win];
            edge[win] = refiner.gridEdge(cs.families.get(win), same, cs.g1[c], cs.g2[c]);
        }
        objs[win].setFilter(hp[win]);
        Objective.Eval ev = objs[win].evaluate(p1[win], p2[win], keepModels);
        return result(bank, channel, h, k, cs.families.get(win), p1[win], p2[win], ev, frames[fOff + win],
                edge[win]);
    }

    /**
     * Slack of the pre-screen in {@link #fitOne}, relative to Σh² + score: with the l2 metric and an identity frame a
     * backend's reported score must be within this of the exact objective of its candidate (part of the backend
     * contract, checked for every backend by BackendContractTest). The largest difference between the simd backend's
     * float score and the double objective measured on 50,000 varied filters was 7.6e-6 of the filter's centred
     * energy (the arg-min's 2⁻¹⁸ truncation and float rounding), a margin of more than 10×; the bound scales with the
     * raw energy Σh², which also covers float cancellation for filters with a large mean.
     */
    public static final double SCORE_SLACK = 1e-4;

    /**
     * Per family block, whether fitOne needs the exact objective, for a filter with Σh = sh, Σh² = qh and kk values.
     * With the l2 metric and identity frames (every
     * normalisation but paper) a block is left out when even the most favourable reading of the coarse scores within
     * {@link #SCORE_SLACK} puts it outside the refinement band of the best block: rel_b ≥ √((s_b − τ)/dev) &gt;
     * REFINE_FACTOR·√((s_best + τ)/dev) + REFINE_SLACK. Such a block is neither refined nor the winner (the band
     * includes the best block itself), so the results are those of computing every block exactly.
     */
    static boolean[] screen(boolean l2, double sh, double qh, int kk, Frames.Frame[] frames, int fOff, double[] score,
                            int bOff, int blocks) {
        boolean[] exact = new boolean[blocks];
        java.util.Arrays.fill(exact, true);
        if (!l2) {
            return exact;
        }
        for (int b = 0; b < blocks; b++) {
            if (frames[fOff + b] != Frames.Frame.IDENTITY) {
                return exact;
            }
        }
        double dev = qh - sh * sh / kk;
        if (!(dev > 0)) {
            return exact;
        }
        double bestHi = Double.POSITIVE_INFINITY; // an upper bound of the best block's exact objective
        for (int b = 0; b < blocks; b++) {
            double s = score[bOff + b];
            if (!(s >= 0) || Double.isInfinite(s)) {
                return exact; // a backend without usable scores: no screen
            }
            bestHi = Math.min(bestHi, s + SCORE_SLACK * (qh + s));
        }
        double band = REFINE_FACTOR * Math.sqrt(bestHi / dev) + REFINE_SLACK;
        for (int b = 0; b < blocks; b++) {
            double s = score[bOff + b];
            double lo = Math.max(0.0, s - SCORE_SLACK * (qh + s));
            exact[b] = !(Math.sqrt(lo / dev) > band);
        }
        return exact;
    }

    static FitResult result(FilterBank bank, int channel, double[] h, int k, Family fam, double p1, double p2,
                            Objective.Eval ev, Frames.Frame fr, String edge) {
        boolean dog = fam == Family.DOG;
        double sx = p1;
        double sy = dog ? p1 : p2;
        double alpha = dog ? p2 : 0.0;
        SpreadMeasures.Moments mo = SpreadMeasures.ofAbs(h, k);
        double[] model = ev.model; // the Eval's own array (kept for this result only): scaled in place
        for (int i = 0; model != null && i < h.length; i++) {
            model[i] = fr.scale() * model[i] + fr.offset();
        }
        double gain = fr.scale() * ev.gain;
        double offset = fr.scale() * ev.offset + fr.offset();
        return new FitResult(bank.source(), bank.layer(), channel, fam, sx, sy, alpha, gain, offset,
                ev.l2, ev.l1, ev.relL2, ev.cosine, mo.meanX(), mo.meanY(), mo.varXX(), mo.varXY(), mo.varYY(),
                edge, k, model);
    }

    /**
     * Joint mode: families from a {@code same}-scale fit, then one σ per layer for all non-{@code dog} filters,
     * minimising the summed objective (sum of squared l2, or of l1).
     */
    private List<FitResult> fitJoint(FilterBank bank, IntUnaryOperator channel, LongConsumer progress) {
        List<FitResult> first = fitIndependent(bank, channel, true, x -> { });
        int k = bank.k();
        List<Integer> members = new ArrayList<>();
        for (int n = 0; n < first.size(); n++) {
            if (first.get(n).family() != Family.DOG) {
                members.add(n);
            }
        }
        List<FitResult> out = new ArrayList<>(first);
        if (!members.isEmpty()) {
            Objective[] objs = new Objective[members.size()];
            Frames.Frame[] frs = new Frames.Frame[members.size()];
            for (int i = 0; i < members.size(); i++) {
                int n = members.get(i);
                Family fam = first.get(n).family();
                double[] h = bank.filter(n);
                frs[i] = Frames.frame(h, k, fam, opt.normalisation());
                objs[i] = new Objective(k, fam, opt.construction(), opt.normalisation(), opt.metric());
                objs[i].setFilter(frs[i].apply(h));
            }
            JointScale js = jointScale(objs, opt);
            for (int i = 0; i < members.size(); i++) {
                int n = members.get(i);
                Objective.Eval ev = objs[i].evaluate(js.sigma, js.sigma);
                out.set(n, result(bank, channel.applyAsInt(n), bank.filter(n), k, objs[i].family(), js.sigma,
                        js.sigma, ev, frs[i], js.edge));
            }
        }
        progress.accept(bank.count());
        return out;
    }

    /** A shared σ and its edge flag. */
    public record JointScale(double sigma, double value, String edge) {
    }

    /** Minimises Σ_i objective_i(σ, σ) over the σ range: coarse grid, then Brent in ln σ. */
    public static JointScale jointScale(Objective[] objs, FitOptions opt) {
        double[] grid = opt.sigmaGrid();
        java.util.function.DoubleUnaryOperator f = x -> {
            double s = Math.exp(x);
            double t = 0;
            for (Objective o : objs) {
                t += o.value(s, s);
            }
            return t;
        };
        int bi = 0;
        double bv = Double.POSITIVE_INFINITY;
        for (int i = 0; i < grid.length; i++) {
            double v = f.applyAsDouble(Math.log(grid[i]));
            if (v < bv) {
                bv = v;
                bi = i;
            }
        }
        double lo = Math.log(opt.sigmaMin());
        double hi = Math.log(opt.sigmaMax());
        double x = Math.log(grid[bi]);
        double step = (hi - lo) / (grid.length - 1);
        String edge;
        if (opt.refine()) {
            double[] r = Refiner.lineMin(f, x, step, lo, hi, 0.25 * opt.tolerance() / grid[bi]);
            x = r[0];
            bv = r[1];
            double e = 0.5 * opt.tolerance() / Math.exp(x) + 1e-12;
            edge = x <= lo + e ? "sigma_min" : x >= hi - e ? "sigma_max" : "none";
        } else {
            edge = bi == 0 ? "sigma_min" : bi == grid.length - 1 ? "sigma_max" : "none";
        }
        return new JointScale(Math.exp(x), bv, edge);
    }
}
