package org.scalespace.fit;

import java.util.ArrayList;
import java.util.List;
import org.scalespace.model.Family;
import org.scalespace.model.Profile;
import org.scalespace.model.Templates;

/**
 * The coarse search grid as data every backend can consume: candidate templates that are sums of at most three
 * separable terms, each term a coefficient times the outer product of a row vector and a column vector drawn from
 * two tables of 1-D profiles (computed once, on the host, in double precision).
 *
 * <p>Candidate c, term t: coefficient {@code coef[3c+t]}, column vector {@code colVecs[colIdx[3c+t]*k ..]} (indexed by
 * array column), row vector {@code rowVecs[rowIdx[3c+t]*k ..]} (indexed by array row); unused terms have coefficient
 * 0 and index 0. Candidates are grouped in one contiguous block per family, in family order: block b is
 * {@code [blockStart[b], blockStart[b+1])}. Per candidate the set also holds Σm ({@link #sumM}) and Σm²
 * ({@link #sqM}) and its parameters: (σx, σy) or, for {@code dog}, (σ, α), with their grid indices.
 *
 * <p>The dot product ⟨h, m_c⟩ = Σ_t coef_t · rowᵀ (H col) is all an l2 score needs; with W_u = H·col_u precomputed
 * for every column vector u, a candidate costs about k multiply-adds per term instead of k².
 */
public final class CandidateSet {
    public final int k;
    public final int kk;
    public final List<Family> families;
    public final boolean sameScale;
    public final double[] sigmaGrid;
    public final double[] alphaGrid;
    public final int numCol;
    public final double[] colVecs;
    public final int numRow;
    public final double[] rowVecs;
    public final int[] blockStart;
    public final int size;
    public final double[] coef;
    public final int[] colIdx;
    public final int[] rowIdx;
    public final double[] sumM;
    public final double[] sqM;
    public final double[] p1;
    public final double[] p2;
    public final int[] g1;
    public final int[] g2;
    private volatile double[] dense;

    /** Profile tables: one slot per (profile, zero-boundary-δ²) pair and grid σ. */
    private static final int SLOTS = 7; // SMOOTH D1 D1P D1M D2 D2(zero) IMPULSE

    private static int slot(Profile p, boolean zeroSecond) {
        switch (p) {
            case SMOOTH:
                return 0;
            case D1:
                return 1;
            case D1P:
                return 2;
            case D1M:
                return 3;
            case D2:
                return zeroSecond ? 5 : 4;
            case IMPULSE:
                return 6;
            default:
                throw new AssertionError(p);
        }
    }

    /**
     * Heap bytes per candidate while a set is built and scored, measured (heap used after GC, and the heap pools'
     * peak, with one 3×3, 7×7 or 31×31 filter fitted through a {@link CandidateSet} of 32k, 131k and 524k candidates):
     * building a set peaks at about 370..550 bytes per candidate on the scalar backend (the boxed lists of the
     * construction beside the final arrays, ~100 bytes per candidate of which stay), and the simd backend's tables add
     * about 150..250 bytes (256..330 retained). 700 covers both.
     */
    static final long BYTES_PER_CANDIDATE = 700;
    /**
     * Extra bytes per candidate and template value with metric l1: the dense templates (size × k² doubles) and the
     * simd backend's float copy of them; measured 11.8 kB per candidate at k = 31 (961 × 12 = 11.5 kB).
     */
    static final long L1_BYTES_PER_VALUE = 12;

    /** Number of candidates the options give for one filter size (independent of k). */
    public static long candidateCount(FitOptions opt) {
        return candidateCount(opt, opt.scaleMode() != ScaleMode.SEP);
    }

    /** As {@link #candidateCount(FitOptions)} for a set with σx = σy ({@code same}) or not. */
    static long candidateCount(FitOptions opt, boolean same) {
        long g = opt.sigmaSteps();
        long a = opt.alphaSteps();
        long n = 0;
        for (Family f : opt.families()) {
            n += f == Family.DOG ? g * a : same ? g : g * g;
        }
        return n;
    }

    /** Estimated heap bytes a candidate set for filters of size k and the backends' tables for it need. */
    public static long estimateBytes(FitOptions opt, int k) {
        return estimateBytes(opt, k, opt.scaleMode() != ScaleMode.SEP);
    }

    static long estimateBytes(FitOptions opt, int k, boolean same) {
        long per = BYTES_PER_CANDIDATE + (opt.metric() == Metric.L1 ? L1_BYTES_PER_VALUE * k * k : 0);
        return candidateCount(opt, same) * per;
    }

    /**
     * Refuses options whose candidate set for filters of size k would not fit in the heap that is left, before any
     * work: building it would otherwise end in an OutOfMemoryError (or minutes of garbage collection) later.
     */
    public static void checkFits(FitOptions opt, int k) {
        checkFits(opt, k, opt.scaleMode() != ScaleMode.SEP);
    }

    static void checkFits(FitOptions opt, int k, boolean same) {
        if ("off".equals(System.getProperty("scalespace.sizeCheck"))) {
            return; // lets a test reach the out-of-memory path itself
        }
        long need = estimateBytes(opt, k, same);
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        if (need > free && need <= rt.maxMemory()) {
            // what looks used may be garbage of earlier work (a long-lived JVM): collect once before refusing
            System.gc();
            free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        }
        if (need > free) {
            throw new IllegalArgumentException("--sigma-steps " + opt.sigmaSteps() + " and --alpha-steps "
                    + opt.alphaSteps() + " give " + candidateCount(opt, same) + " candidates" + (k > 3 ? " for k = " + k
                    : "") + ", which need about " + mib(need) + " MiB of heap; the Java heap has " + mib(free)
                    + " MiB free (of " + mib(rt.maxMemory()) + "): lower --sigma-steps/--alpha-steps, or give the JVM "
                    + "more with SCALESPACE_JAVA_OPTS=-Xmx" + ((need + rt.maxMemory() - free) / (1L << 30) + 1)
                    + "g");
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1L << 20) - 1) >> 20;
    }

    /**
     * Builds the grid for filters of size k.
     *
     * @param sameScale σx = σy (scale modes {@code same} and {@code joint}); otherwise σx, σy independent
     */
    public CandidateSet(FitOptions opt, int k, boolean sameScale) {
        Templates.checkK(k);
        this.k = k;
        this.kk = k * k;
        this.families = opt.families();
        this.sameScale = sameScale;
        this.sigmaGrid = opt.sigmaGrid();
        this.alphaGrid = opt.alphaGrid();
        int g = sigmaGrid.length;
        int a = alphaGrid.length;
        // profile tables (all slots for simplicity: 7 × g vectors of k values)
        numCol = SLOTS * g;
        numRow = SLOTS * g;
        colVecs = new double[numCol * k];
        rowVecs = new double[numRow * k];
        Profile[] ps = {Profile.SMOOTH, Profile.D1, Profile.D1P, Profile.D1M, Profile.D2, Profile.D2, Profile.IMPULSE};
        for (int s = 0; s < SLOTS; s++) {
            for (int i = 0; i < g; i++) {
                double[] v = ps[s].values(opt.construction(), k, sigmaGrid[i], s == 5);
                System.arraycopy(v, 0, colVecs, (s * g + i) * k, k);
                double[] rv = Profile.toRowOrder(v);
                System.arraycopy(rv, 0, rowVecs, (s * g + i) * k, k);
            }
        }
        // candidates
        List<double[]> cands = new ArrayList<>();
        blockStart = new int[families.size() + 1];
        List<Integer> cIdx = new ArrayList<>();
        List<Integer> rIdx = new ArrayList<>();
        List<Double> cf = new ArrayList<>();
        List<double[]> params = new ArrayList<>();
        for (int b = 0; b < families.size(); b++) {
            blockStart[b] = params.size();
            Family f = families.get(b);
            if (f == Family.DOG) {
                for (int i = 0; i < g; i++) {
                    for (int j = 0; j < a; j++) {
                        double al = alphaGrid[j];
                        int imp = slot(Profile.IMPULSE, true) * g;
                        int sm = slot(Profile.SMOOTH, true) * g + i;
                        int d2 = slot(Profile.D2, true) * g + i;
                        add(cf, cIdx, rIdx, 1.0, imp, imp);
                        add(cf, cIdx, rIdx, -al, d2, sm);
                        add(cf, cIdx, rIdx, -al, sm, d2);
                        params.add(new double[] {sigmaGrid[i], al, i, j});
                    }
                }
                continue;
            }
            for (int i = 0; i < g; i++) {
                for (int j = 0; j < g; j++) {
                    if (sameScale && i != j) {
                        continue;
                    }
                    if (f == Family.LAP) {
                        int smx = slot(Profile.SMOOTH, true) * g + i;
                        int d2x = slot(Profile.D2, true) * g + i;
                        int smy = slot(Profile.SMOOTH, true) * g + j;
                        int d2y = slot(Profile.D2, true) * g + j;
                        add(cf, cIdx, rIdx, 1.0, d2x, smy);
                        add(cf, cIdx, rIdx, 1.0, smx, d2y);
                        add(cf, cIdx, rIdx, 0.0, 0, 0);
                    } else {
                        int cx = slot(Templates.xProfile(f), false) * g + i;
                        int ry = slot(Templates.yProfile(f), false) * g + j;
                        add(cf, cIdx, rIdx, 1.0, cx, ry);
                        add(cf, cIdx, rIdx, 0.0, 0, 0);
                        add(cf, cIdx, rIdx, 0.0, 0, 0);
                    }
                    params.add(new double[] {sigmaGrid[i], sigmaGrid[j], i, j});
                }
            }
        }
        blockStart[families.size()] = params.size();
        size = params.size();
        coef = new double[3 * size];
        colIdx = new int[3 * size];
        rowIdx = new int[3 * size];
        for (int i = 0; i < 3 * size; i++) {
            coef[i] = cf.get(i);
            colIdx[i] = cIdx.get(i);
            rowIdx[i] = rIdx.get(i);
        }
        p1 = new double[size];
        p2 = new double[size];
        g1 = new int[size];
        g2 = new int[size];
        sumM = new double[size];
        sqM = new double[size];
        for (int c = 0; c < size; c++) {
            double[] p = params.get(c);
            p1[c] = p[0];
            p2[c] = p[1];
            g1[c] = (int) p[2];
            g2[c] = (int) p[3];
            double s = 0;
            double q = 0;
            for (int t = 0; t < 3; t++) {
                double ct = coef[3 * c + t];
                if (ct == 0.0) {
                    continue;
                }
                s += ct * sum(colVecs, colIdx[3 * c + t]) * sum(rowVecs, rowIdx[3 * c + t]);
                for (int u = 0; u < 3; u++) {
                    double cu = coef[3 * c + u];
                    if (cu == 0.0) {
                        continue;
                    }
                    q += ct * cu * dot(colVecs, colIdx[3 * c + t], colIdx[3 * c + u])
                            * dot(rowVecs, rowIdx[3 * c + t], rowIdx[3 * c + u]);
                }
            }
            sumM[c] = s;
            sqM[c] = q;
        }
    }

    private static void add(List<Double> cf, List<Integer> ci, List<Integer> ri, double c, int col, int row) {
        cf.add(c);
        ci.add(col);
        ri.add(row);
    }

    private double sum(double[] tab, int v) {
        double s = 0;
        for (int i = 0; i < k; i++) {
            s += tab[v * k + i];
        }
        return s;
    }

    private double dot(double[] tab, int u, int v) {
        double s = 0;
        for (int i = 0; i < k; i++) {
            s += tab[u * k + i] * tab[v * k + i];
        }
        return s;
    }

    /**
     * The l2 objective (squared residual at the normalisation's optimal amplitude) of filter h (in its comparison
     * frame, row-major k×k) against candidate c, in double precision from the profile tables.
     */
    public double l2Value(int c, double[] h, Normalisation norm) {
        double sh = 0;
        double qh = 0;
        for (double v : h) {
            sh += v;
            qh += v * v;
        }
        return l2Value(c, h, norm, sh, qh);
    }

    /** {@link #l2Value(int, double[], Normalisation)} with Σh and Σh² given. */
    public double l2Value(int c, double[] h, Normalisation norm, double sh, double qh) {
        double d = 0;
        for (int t = 0; t < 3; t++) {
            double ct = coef[3 * c + t];
            if (ct == 0.0) {
                continue;
            }
            int cv = colIdx[3 * c + t] * k;
            int rv = rowIdx[3 * c + t] * k;
            double acc = 0;
            for (int i = 0; i < k; i++) {
                double w = 0;
                for (int j = 0; j < k; j++) {
                    w += h[i * k + j] * colVecs[cv + j];
                }
                acc += rowVecs[rv + i] * w;
            }
            d += ct * acc;
        }
        return Objective.l2Squared(norm, d, sumM[c], sqM[c], sh, qh, kk);
    }

    /** Number of family blocks. */
    public int blocks() {
        return families.size();
    }

    /** The block (family index) of candidate c. */
    public int blockOf(int c) {
        for (int b = 0; b < families.size(); b++) {
            if (c < blockStart[b + 1]) {
                return b;
            }
        }
        throw new IndexOutOfBoundsException("candidate " + c);
    }

    /** Dense template of candidate c (row-major k×k) into out. */
    public void denseInto(int c, double[] out, int off) {
        java.util.Arrays.fill(out, off, off + kk, 0.0);
        for (int t = 0; t < 3; t++) {
            double ct = coef[3 * c + t];
            if (ct == 0.0) {
                continue;
            }
            int cv = colIdx[3 * c + t] * k;
            int rv = rowIdx[3 * c + t] * k;
            for (int i = 0; i < k; i++) {
                double ri = ct * rowVecs[rv + i];
                for (int j = 0; j < k; j++) {
                    out[off + i * k + j] += ri * colVecs[cv + j];
                }
            }
        }
    }

    /** All dense templates, size × k², built once on first use (needed by l1 scoring). */
    public double[] dense() {
        double[] d = dense;
        if (d == null) {
            synchronized (this) {
                d = dense;
                if (d == null) {
                    d = new double[size * kk];
                    for (int c = 0; c < size; c++) {
                        denseInto(c, d, c * kk);
                    }
                    dense = d;
                }
            }
        }
        return d;
    }
}
