package org.scalespace.backend.simd;

import org.scalespace.fit.CandidateSet;

/** Float copies of a candidate set's tables and per-candidate score constants, built once per set. */
final class SimdFitTables {
    final float[] col;
    final float[] row;
    final float[] rowPad; // row vectors padded to stride 8 with zeros (for k ≤ 7)
    final float[] colPad; // column vectors padded to stride 8 with zeros (for k ≤ 7)
    // per candidate, in candidate order (k ≤ 7): coef_0 · row vector of term 0, padded to stride 8. The single-term
    // loop reads it sequentially (no index indirection, bounds checks hoisted) and needs no multiply by coef
    final float[] rowByCand;
    // runs of consecutive candidates with the same term-0 column vector (k ≤ 7): runEnd[c] is the end of the run
    // that starts at c (unused elsewhere), runKind[c] 1 when all its rowByCand vectors are exactly symmetric,
    // 2 antisymmetric, 0 otherwise. Runs are cut at block starts, so a block is a sequence of whole runs.
    final int[] runEnd;
    final byte[] runKind;
    final float[] coef;
    final int[] colIdx;
    final int[] rowIdx;
    final int[] terms; // per candidate: number of leading non-zero terms to evaluate (1..3)
    final int[] usedCols; // the column vectors some candidate uses (W is formed for these only)
    final float[] mu;  // Σm / k²
    final float[] iqc; // 1 / Σ(m − mean m)², 0 when the template is constant
    final float[] iq;  // 1 / Σm²
    final float[] sm;  // Σm
    final float[] qm;  // Σm²
    final float[] negMu; // −Σm / k²
    final float[] negIqc; // −1 / Σ(m − mean m)²
    final float[] negIq; // −1 / Σm²
    final float[] negSm; // −Σm
    float[] dense;     // for l1
    // dog (k ≤ 7): dogRunEnd[c] is the end of the run of candidates from c that share their Laplacian terms (one σ)
    final int[] dogRunEnd;
    // the packed tables of the mask-free run methods (see packed()), per score mode 0 and 1, built on first use;
    // packOff[c] is the offset of run start c's record in them
    private volatile float[] packed0; // score mode 0
    private volatile float[] packed1; // score mode 1
    private final int[] packOff;
    private final int packedSize;
    // per family block: what its packed records are (PACK_NONE, PACK_ONE_TERM, PACK_DOG), and where it starts.
    // Copies, not the CandidateSet itself: the backend keeps SimdFitTables in a WeakHashMap keyed by the set, and a value
    // that referenced its key would keep both alive for ever
    private final byte[] packKind;
    private final int[] blockStart;
    private final int k;

    SimdFitTables(CandidateSet cs) {
        col = toFloat(cs.colVecs);
        row = toFloat(cs.rowVecs);
        colPad = new float[cs.numCol * 8];
        if (cs.k <= 7) {
            for (int u = 0; u < cs.numCol; u++) {
                for (int j = 0; j < cs.k; j++) {
                    colPad[u * 8 + j] = col[u * cs.k + j];
                }
            }
        }
        rowPad = new float[cs.numRow * 8];
        if (cs.k <= 7) {
            for (int v = 0; v < cs.numRow; v++) {
                for (int i = 0; i < cs.k; i++) {
                    rowPad[v * 8 + i] = row[v * cs.k + i];
                }
            }
        }
        coef = toFloat(cs.coef);
        rowByCand = new float[cs.k <= 7 ? cs.size * 8 : 0];
        if (cs.k <= 7) {
            for (int c = 0; c < cs.size; c++) {
                int v = cs.rowIdx[3 * c];
                for (int i = 0; i < cs.k; i++) {
                    rowByCand[c * 8 + i] = (float) (cs.coef[3 * c] * cs.rowVecs[v * cs.k + i]);
                }
            }
        }
        runEnd = new int[cs.k <= 7 ? cs.size : 0];
        runKind = new byte[cs.k <= 7 ? cs.size : 0];
        if (cs.k <= 7) {
            byte[] sym = new byte[cs.size];
            for (int c = 0; c < cs.size; c++) {
                boolean sy = true;
                boolean an = true;
                for (int i = 0; i < cs.k; i++) {
                    float v = rowByCand[c * 8 + i];
                    float m = rowByCand[c * 8 + cs.k - 1 - i];
                    sy &= v == m;
                    an &= v == -m;
                }
                sym[c] = (byte) (sy ? 1 : an ? 2 : 0);
            }
            for (int b = 0; b < cs.blocks(); b++) {
                int c1 = cs.blockStart[b + 1];
                for (int c = cs.blockStart[b]; c < c1; ) {
                    int u = cs.colIdx[3 * c];
                    int end = c;
                    byte kind = sym[c];
                    while (end < c1 && cs.colIdx[3 * end] == u) {
                        kind = sym[end] == kind ? kind : 0;
                        end++;
                    }
                    runEnd[c] = end;
                    runKind[c] = kind;
                    c = end;
                }
            }
        }
        colIdx = cs.colIdx;
        rowIdx = cs.rowIdx;
        int n = cs.size;
        boolean[] used = new boolean[cs.numCol];
        for (int i = 0; i < 3 * n; i++) {
            if (cs.coef[i] != 0.0 || i % 3 == 0) {
                used[cs.colIdx[i]] = true;
            }
        }
        // dog's α = 0 candidates have zero Laplacian coefficients but share their columns with the others
        int nu = 0;
        for (boolean b : used) {
            nu += b ? 1 : 0;
        }
        usedCols = new int[nu];
        for (int u = 0, j = 0; u < cs.numCol; u++) {
            if (used[u]) {
                usedCols[j++] = u;
            }
        }
        terms = new int[n];
        mu = new float[n];
        iqc = new float[n];
        iq = new float[n];
        sm = new float[n];
        qm = new float[n];
        negMu = new float[n];
        negIqc = new float[n];
        negIq = new float[n];
        negSm = new float[n];
        for (int c = 0; c < n; c++) {
            int t = 3;
            while (t > 1 && cs.coef[3 * c + t - 1] == 0.0) {
                t--;
            }
            terms[c] = t;
            double s = cs.sumM[c];
            double q = cs.sqM[c];
            double qc = q - s * s / cs.kk;
            mu[c] = (float) (s / cs.kk);
            iqc[c] = qc > 1e-30 * Math.max(q, 1e-300) && qc > 0 ? (float) (1.0 / qc) : 0f;
            iq[c] = q > 0 ? (float) (1.0 / q) : 0f;
            sm[c] = (float) s;
            qm[c] = (float) q;
            negMu[c] = -mu[c];
            negIqc[c] = -iqc[c];
            negIq[c] = -iq[c];
            negSm[c] = -sm[c];
        }
        k = cs.k;
        blockStart = cs.blockStart.clone();
        packKind = new byte[cs.blocks()];
        dogRunEnd = new int[cs.k <= 7 ? n : 0];
        packOff = new int[cs.k <= 7 ? n : 0];
        int off = 0;
        for (int b = 0; b < cs.blocks() && cs.k <= 7; b++) {
            int c1 = cs.blockStart[b + 1];
            boolean oneTerm = true;
            for (int c = cs.blockStart[b]; c < c1; c++) {
                oneTerm &= terms[c] == 1;
            }
            if (cs.families.get(b) == org.scalespace.model.Family.DOG) {
                packKind[b] = PACK_DOG;
                for (int c = cs.blockStart[b]; c < c1; c = dogRunEnd[c]) {
                    int end = c;
                    while (end < c1 && cs.colIdx[3 * end + 1] == cs.colIdx[3 * c + 1]
                            && cs.rowIdx[3 * end + 1] == cs.rowIdx[3 * c + 1]
                            && cs.colIdx[3 * end + 2] == cs.colIdx[3 * c + 2]
                            && cs.rowIdx[3 * end + 2] == cs.rowIdx[3 * c + 2]) {
                        end++;
                    }
                    dogRunEnd[c] = end;
                    packOff[c] = off;
                    off += SimdFitKernel.DOG_STRIDE * (end - c);
                }
            } else if (oneTerm) {
                packKind[b] = PACK_ONE_TERM;
                for (int c = cs.blockStart[b]; c < c1; c = runEnd[c]) {
                    packOff[c] = off;
                    off += stride(runKind[c]) * (runEnd[c] - c);
                }
            }
        }
        packedSize = off;
    }

    private static final byte PACK_NONE = 0;
    private static final byte PACK_ONE_TERM = 1;
    private static final byte PACK_DOG = 2;

    /** Floats per candidate in the packed table of a single-term run of the given kind (see {@link #packed}). */
    static int stride(byte kind) {
        return kind == 1 ? 5 : kind == 2 ? 4 : 8;
    }

    /**
     * The packed table of the mask-free run methods for score mode 0 (gain-offset) or 1 (gain), k ≤ 7: per
     * candidate of a single-term run, its coefficient-scaled row values and its score offset, all multiplied by
     * s_c = √(−q_c) (q_c = −1/Σ(m − mean m)² or −1/Σm²), so that n' = s_c·(D + x·a_c) and the explained energy
     * n'² = −q_c·(D + x·a_c)² needs no per-candidate scale: symmetric runs [row_0..row_2, row_r, a] (5 floats),
     * antisymmetric [row_0..row_2, a] (4), others [row_0..row_6, a] (8); per dog candidate [coef_1, a, 1]·s_c (3).
     * One sequential stream per run instead of three tables (rows padded to 8, a, q): the coarse kernel reads
     * about half the bytes per filter group, and one multiply per candidate goes.
     */
    float[] packed(int mode) {
        float[] pk = mode == 0 ? packed0 : packed1; // built once: no lock on the per-block path
        return pk != null ? pk : buildPacked(mode);
    }

    private synchronized float[] buildPacked(int mode) {
        float[] pk = mode == 0 ? packed0 : packed1;
        if (pk != null) {
            return pk;
        }
        pk = new float[packedSize];
        float[] q = scoreScales(mode);
        float[] a = scoreOffsets(mode);
        int r = k / 2;
        for (int b = 0; b < packKind.length; b++) {
            if (packKind[b] == PACK_NONE) {
                continue;
            }
            boolean dog = packKind[b] == PACK_DOG;
            int c1 = blockStart[b + 1];
            for (int c0 = blockStart[b]; c0 < c1; c0 = dog ? dogRunEnd[c0] : runEnd[c0]) {
                int end = dog ? dogRunEnd[c0] : runEnd[c0];
                byte kind = dog ? 0 : runKind[c0];
                int st = dog ? SimdFitKernel.DOG_STRIDE : stride(kind);
                for (int c = c0; c < end; c++) {
                    float sc = (float) Math.sqrt(-(double) q[c]);
                    int o = packOff[c0] + st * (c - c0);
                    int rb = c * 8;
                    if (dog) {
                        pk[o] = coef[3 * c + 1] * sc;
                        pk[o + 1] = a[c] * sc;
                        pk[o + 2] = sc;
                        continue;
                    }
                    if (kind == 1) {
                        pk[o] = rowByCand[rb] * sc;
                        pk[o + 1] = rowByCand[rb + 1] * sc;
                        pk[o + 2] = rowByCand[rb + 2] * sc;
                        pk[o + 3] = rowByCand[rb + r] * sc;
                    } else if (kind == 2) {
                        pk[o] = rowByCand[rb] * sc;
                        pk[o + 1] = rowByCand[rb + 1] * sc;
                        pk[o + 2] = rowByCand[rb + 2] * sc;
                    } else {
                        for (int i = 0; i < 7; i++) {
                            pk[o + i] = rowByCand[rb + i] * sc;
                        }
                    }
                    pk[o + st - 1] = a[c] * sc;
                }
            }
        }
        if (mode == 0) {
            packed0 = pk;
        } else {
            packed1 = pk;
        }
        return pk;
    }

    /** Offset of run start c's record in the packed tables. */
    int packOff(int c) {
        return packOff[c];
    }

    /** The candidate constant a of num = D + x·a: −Σm/k² (gain-offset, gain: x = 0 there), −Σm (none/paper). */
    float[] scoreOffsets(int mode) {
        return mode == 2 ? negSm : negMu;
    }

    /** The candidate constant q of part = num²·q: −1/Σ(m − mean m)² (gain-offset), −1/Σm² (gain). */
    float[] scoreScales(int mode) {
        return mode == 0 ? negIqc : negIq;
    }

    synchronized float[] dense(CandidateSet cs) {
        if (dense == null) {
            dense = toFloat(cs.dense());
        }
        return dense;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
