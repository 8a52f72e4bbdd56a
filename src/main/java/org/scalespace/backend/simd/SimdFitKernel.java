package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.scalespace.fit.CandidateSet;
import org.scalespace.fit.CoarseProblem;
import org.scalespace.fit.Metric;
import org.scalespace.fit.Normalisation;

/**
 * Coarse-grid scoring with the Java Vector API, float32. Vector lanes hold different filters (16 with AVX-512), so
 * every multiply-add is full width whatever k is:
 * <ol>
 *   <li>transpose a group of L filters to element-major layout (h[e][lane]);</li>
 *   <li>W_u = H·col_u for every column vector u of the candidate tables (k² multiply-adds per u);</li>
 *   <li>per candidate, D = Σ_t coef_t · row_tᵀ W_{u_t} (k multiply-adds per term), the score from D and the
 *       candidate's precomputed constants, and a running per-lane arg-min (strict &lt;, so ties keep the lower
 *       index).</li>
 * </ol>
 * l1 scores (normalisations paper/none) use the dense templates: k² absolute differences per candidate.
 * For k ≤ 7 with the gain-offset and gain scores (the defaults) step 3 reads one packed record per candidate
 * ({@link SimdFitTables#packed}) and serves two groups of L filters per pass over the records ({@code run*Max2}): with
 * 17,664 candidates the kernel is bound by streaming its tables from L2, not by arithmetic.
 * Stateless apart from the tables built once per candidate set; each call allocates its own scratch, so concurrent
 * calls are safe. The inner loops over runs of candidates ({@code run*}) are generated: {@link FitRuns}.
 */
final class SimdFitKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Floats per dog candidate in the packed tables. */
    static final int DOG_STRIDE = 3;


    private SimdFitKernel() {
    }

    static void run(CoarseProblem p, SimdFitTables t, int[] best, double[] score) {
        CandidateSet cs = p.candidates();
        int k = cs.k;
        int kk = cs.kk;
        int blocks = cs.blocks();
        float[] h = new float[kk * L];
        float[] hp = new float[kk * L];
        float[] w = new float[cs.numCol * k * L];
        float[] sums = new float[2 * L];
        float[] frame = new float[2 * L];
        float[] out = new float[2 * L];
        boolean l1 = p.metric() == Metric.L1;
        int mode = p.normalisation() == Normalisation.GAIN_OFFSET ? 0
                : p.normalisation() == Normalisation.GAIN ? 1 : 2;
        int[] nt = new int[blocks];
        for (int b = 0; b < blocks; b++) {
            for (int c = cs.blockStart[b]; c < cs.blockStart[b + 1]; c++) {
                nt[b] = Math.max(nt[b], t.terms[c]);
            }
        }
        // groups of L filters, two at a time where there are two (the pair shares each pass over the tables)
        float[] hB = new float[kk * L];
        float[] wB = l1 ? null : new float[cs.numCol * k * L];
        float[] sumsB = new float[2 * L];
        float[] frameB = new float[2 * L];
        float[] outB = new float[2 * L];
        for (int g0 = 0; g0 < p.count(); ) {
            int nl = Math.min(L, p.count() - g0);
            int nlB = Math.min(L, p.count() - g0 - nl);
            boolean pair = nlB > 0 && !l1 && k <= 7;
            prepareGroup(p, t, g0, nl, l1, h, w, sums);
            if (pair) {
                prepareGroup(p, t, g0 + L, nlB, false, hB, wB, sumsB);
            }
            for (int b = 0; b < blocks; b++) {
                frameLanes(p, g0, nl, b, frame);
                if (pair) {
                    frameLanes(p, g0 + L, nlB, b, frameB);
                }
                int c0 = cs.blockStart[b];
                int c1 = cs.blockStart[b + 1];
                boolean dog = cs.families.get(b) == org.scalespace.model.Family.DOG && k <= 7;
                if (pair && dog) {
                    blockL2Dog(t, h, hB, w, wB, k, kk, sums, sumsB, frame, frameB, mode, c0, c1, out, outB);
                } else if (pair && nt[b] == 1) {
                    blockL2OneTerm(t, w, wB, k, kk, sums, sumsB, frame, frameB, mode, c0, c1, out, outB);
                } else {
                    block(t, cs, h, hp, w, k, kk, sums, frame, mode, l1, dog, nt[b], c0, c1, out);
                    if (pair) {
                        block(t, cs, hB, hp, wB, k, kk, sumsB, frameB, mode, false, dog, nt[b], c0, c1, outB);
                    }
                }
                for (int l = 0; l < nl; l++) {
                    score[(g0 + l) * blocks + b] = out[l];
                    best[(g0 + l) * blocks + b] = (int) out[L + l];
                }
                for (int l = 0; pair && l < nlB; l++) {
                    score[(g0 + L + l) * blocks + b] = outB[l];
                    best[(g0 + L + l) * blocks + b] = (int) outB[L + l];
                }
            }
            g0 += pair ? 2 * L : L;
        }
    }

    /** Transposes filters g0 .. g0+nl into h (missing lanes: the group's last filter), their sums, and W unless l1. */
    private static void prepareGroup(CoarseProblem p, SimdFitTables t, int g0, int nl, boolean l1, float[] h, float[] w,
                                     float[] sums) {
        CandidateSet cs = p.candidates();
        int k = cs.k;
        int kk = cs.kk;
        for (int l = 0; l < L; l++) {
            int base = (p.first() + g0 + Math.min(l, nl - 1)) * kk;
            for (int e = 0; e < kk; e++) {
                h[e * L + l] = (float) p.filters()[base + e];
            }
        }
        sums(h, kk, sums);
        if (!l1) {
            if (k <= 7) {
                computeW7(h, t.colPad, t.usedCols, k, w);
            } else {
                computeW(h, t.col, t.usedCols, k, w);
            }
        }
    }

    /** The frame of block b per lane of the group at g0: offsets in [0, L), 1/scale in [L, 2L). */
    private static void frameLanes(CoarseProblem p, int g0, int nl, int b, float[] frame) {
        for (int l = 0; l < L; l++) {
            int n = g0 + Math.min(l, nl - 1);
            frame[l] = (float) p.offset(n, b);
            frame[L + l] = (float) (1.0 / p.scale(n, b));
        }
    }

    /** One family block for one group of L filters. */
    private static void block(SimdFitTables t, CandidateSet cs, float[] h, float[] hp, float[] w, int k, int kk,
                              float[] sums, float[] frame, int mode, boolean l1, boolean dog, int nt, int c0, int c1,
                              float[] out) {
        if (l1) {
            blockL1(h, hp, kk, frame, t.dense(cs), c0, c1, out);
        } else if (dog) {
            blockL2Dog(t, h, null, w, null, k, kk, sums, null, frame, null, mode, c0, c1, out, null);
        } else if (nt == 1 && k <= 7) {
            blockL2OneTerm(t, w, null, k, kk, sums, null, frame, null, mode, c0, c1, out, null);
        } else {
            blockL2(t, w, k, kk, sums, frame, mode, nt, c0, c1, out);
        }
    }

    /*
     * The helpers below run once per block or per group of L filters, far too rarely for C2 to compile them early:
     * they are plain scalar loops over the lanes, because Vector API code that runs in the interpreter or C1 takes
     * the allocating Java fallback (microseconds per call).
     */

    /** sums[0..L) = Σh, sums[L..2L) = Σh² per lane. */
    private static void sums(float[] h, int kk, float[] sums) {
        java.util.Arrays.fill(sums, 0f);
        for (int e = 0; e < kk; e++) {
            for (int l = 0; l < L; l++) {
                float v = h[e * L + l];
                sums[l] += v;
                sums[L + l] = Math.fma(v, v, sums[L + l]);
            }
        }
    }

    /**
     * The part of the score that does not depend on the candidate, per lane: ‖h − mean h‖² (gain-offset), ‖h‖²
     * (gain), or ‖h'‖² = (Q − 2cS + c²k²)/d² (none/paper), into base[0..L).
     */
    private static void base(float[] sums, float[] frame, int mode, int kk, float[] base) {
        for (int l = 0; l < L; l++) {
            float sumH = sums[l];
            float sqH = sums[L + l];
            if (mode == 0) {
                base[l] = sqH - sumH * sumH * (1f / kk);
            } else if (mode == 1) {
                base[l] = sqH;
            } else {
                float off = frame[l];
                float inv = frame[L + l];
                base[l] = (sqH - off * sumH * 2f + off * off * kk) * inv * inv;
            }
        }
    }

    /*
     * The candidate-dependent part of a candidate's squared residual, from its dot products D (lanes), is what the
     * arg-min compares:
     *   gain-offset:  −(D − Σh·μ_c)² / Σ(m − mean m)²      num = D + Σh·(−μ_c), part = num·num·(−iqc_c)
     *   gain:         −D² / Σm²                           num = D + 0,         part = num·num·(−iq_c)
     *   none/paper:   −2⟨h',m⟩ + ‖m‖², ⟨h',m⟩ = (D − c·Σm)/d   num = D + c·(−Σm_c), part = num·(−2/d) + Σm²_c
     * It is written out inline in every loop (through the locals x, a, q, lin chosen per block): a FloatVector that
     * crosses a method boundary C2 did not inline loses its exact type, and the Vector API then runs its allocating
     * Java fallback (seen in JFR as ~45% of the fit's samples and ~8 GB of garbage on 500k filters).
     */

    /**
     * The per-lane vectors of the score (see the note above): x (Σh, 0, or the frame offset c) in [0, L), and
     * lin = −2/d in [L, 2L).
     */
    private static float[] scoreLanes(float[] sums, float[] frame, int mode) {
        float[] out = new float[2 * L];
        for (int l = 0; l < L; l++) {
            out[l] = mode == 0 ? sums[l] : mode == 1 ? 0f : frame[l];
            out[L + l] = -2f * frame[L + l];
        }
        return out;
    }

    private static void initBest(float[] best, int c0) {
        java.util.Arrays.fill(best, 0, L, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(best, L, 2 * L, (float) c0);
    }

    /**
     * Runs of at most 2^MAX_INDEX_BITS candidates with scores ≤ 0 (gain-offset, gain) take the mask-free arg-min of
     * the *Max run methods, which keep the candidate's index within the run in the score's low
     * {@link #indexBits}(n) bits (6 for the default 48 σ steps); longer runs keep the accumulators, so at most 8 of
     * the score's 24 significant bits are spent.
     */
    static final int MAX_INDEX_BITS = 8;

    /** Bits that hold an index 0..n−1 (at least 1). */
    static int indexBits(int n) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)));
    }

    /** Independent running arg-min accumulators of {@link #blockL2OneTerm}. */
    private static final int ACC = 4;

    private static void initAcc(float[] best, int c0) {
        for (int j = 0; j < ACC; j++) {
            java.util.Arrays.fill(best, 2 * j * L, (2 * j + 1) * L, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(best, (2 * j + 1) * L, (2 * j + 2) * L, (float) c0);
        }
    }

    /** Merges the accumulators of {@link #initAcc} by (score, index), adds the base, into out[0..2L). */
    private static void finishAcc(float[] best, float[] base, float[] out) {
        for (int l = 0; l < L; l++) {
            float bs = best[l];
            float bc = best[L + l];
            for (int j = 1; j < ACC; j++) {
                float s = best[2 * j * L + l];
                float c = best[(2 * j + 1) * L + l];
                if (s < bs || (s == bs && c < bc)) {
                    bs = s;
                    bc = c;
                }
            }
            out[l] = bs + base[l];
            out[L + l] = bc;
        }
    }

    private static void finish(float[] best, float[] base, float[] out) {
        for (int l = 0; l < L; l++) {
            out[l] = best[l] + base[l];
        }
        System.arraycopy(best, L, out, L, L);
    }

    /** l2 arg-min over candidates [c0, c1) with up to three terms each, any k. */
    private static void blockL2(SimdFitTables t, float[] w, int k, int kk, float[] sums, float[] frame, int mode, int nt,
                                int c0, int c1, float[] out) {
        float[] base = new float[L];
        float[] best = new float[2 * L];
        base(sums, frame, mode, kk, base);
        initBest(best, c0);
        float[] xl = scoreLanes(sums, frame, mode);
        FloatVector x = FloatVector.fromArray(S, xl, 0);
        FloatVector lin = FloatVector.fromArray(S, xl, L);
        float[] a = t.scoreOffsets(mode);
        float[] q = t.scoreScales(mode);
        boolean quad = mode != 2;
        FloatVector bs = FloatVector.fromArray(S, best, 0);
        FloatVector bc = FloatVector.fromArray(S, best, L);
        for (int c = c0; c < c1; c++) {
            // D = Σ_t coef_t Σ_i row_t[i]·W[u_t][i]
            FloatVector d = FloatVector.zero(S);
            for (int tt = 0; tt < nt; tt++) {
                int idx = 3 * c + tt;
                float cf = t.coef[idx];
                int wb = t.colIdx[idx] * k * L;
                int rb = t.rowIdx[idx] * k;
                for (int i = 0; i < k; i++) {
                    d = FloatVector.fromArray(S, w, wb + i * L).fma(FloatVector.broadcast(S, cf * t.row[rb + i]), d);
                }
            }
            FloatVector num = x.fma(FloatVector.broadcast(S, a[c]), d);
            FloatVector part = quad ? num.mul(num).mul(q[c]) : num.fma(lin, FloatVector.broadcast(S, t.qm[c]));
            VectorMask<Float> m = part.compare(VectorOperators.LT, bs);
            bs = bs.blend(part, m);
            bc = bc.blend(FloatVector.broadcast(S, (float) c), m);
        }
        bs.intoArray(best, 0);
        bc.intoArray(best, L);
        finish(best, base, out);
    }

    /**
     * One group's arg-min state in a block: the score's candidate-independent part, the {@value #ACC} accumulators
     * ({@link #initAcc}) and the score lanes ({@link #scoreLanes}).
     */
    private static final class GroupAcc {
        final float[] base = new float[L];
        final float[] best = new float[2 * ACC * L];
        final float[] xl;

        GroupAcc(float[] sums, float[] frame, int mode, int kk, int c0) {
            base(sums, frame, mode, kk, base);
            initAcc(best, c0);
            xl = scoreLanes(sums, frame, mode);
        }

        /** The merged arg-min plus the base into out[0..2L) ({@link #finishAcc}). */
        void finish(float[] out) {
            finishAcc(best, base, out);
        }
    }

    /**
     * {@link #blockL2} for single-term candidates with k ≤ 7: consecutive candidates share their column vector (σx
     * outer, σy inner), so within each run of one column vector its k vectors W_u[0..k) are loop invariants and a
     * candidate costs k broadcast multiply-adds, written as one straight-line expression, with its row vector (scaled
     * by its coefficient) read in candidate order from {@link SimdFitTables#rowByCand}. Runs whose rows are all symmetric
     * (T, for gauss, dx, dxp, dxm) or all antisymmetric (D, for dy) are folded first ({@link FitRuns#runSymmetric},
     * {@link FitRuns#runAntisymmetric}): 4 and 3 multiply-adds per candidate instead of 7 at k = 7.
     *
     * <p>The running arg-min is kept in {@value #ACC} independent (score, index) accumulators, candidate c going to
     * accumulator (c − start of its run) mod {@value #ACC}: on JDK 17 a compare-and-blend goes through a mask held in a
     * vector register (compare, masked load, compare, blend), a ~15-cycle chain that one accumulator would carry from
     * candidate to candidate. {@link #finishAcc} merges them by (score, index), so the result is the sequential one:
     * the lowest index among equal scores.
     *
     * <p>With a second group of L filters (wB, sumsB, frameB, outB not null) the mask-free runs read each candidate's
     * packed record once for both groups ({@code run*Max2}): in the full fit the kernel is bound by streaming the
     * candidate tables (~390 KB per pass) rather than by arithmetic, so a pass over them now serves 2L filters. The
     * results are those of two single-group calls, bit for bit (same operations in the same order per group).
     */
    private static void blockL2OneTerm(SimdFitTables t, float[] w, float[] wB, int k, int kk, float[] sums, float[] sumsB,
                                       float[] frame, float[] frameB, int mode, int c0, int c1, float[] out,
                                       float[] outB) {
        boolean pair = wB != null;
        GroupAcc ga = new GroupAcc(sums, frame, mode, kk, c0);
        GroupAcc gb = pair ? new GroupAcc(sumsB, frameB, mode, kk, c0) : null;
        float[] best = ga.best;
        float[] xl = ga.xl;
        float[] bestB = pair ? gb.best : null;
        float[] xlB = pair ? gb.xl : null;
        float[] a = t.scoreOffsets(mode);
        float[] q = t.scoreScales(mode);
        float[] qm = t.qm;
        boolean quad = mode != 2;
        float[] rc = t.rowByCand;
        float[] pk = quad ? t.packed(mode) : null;
        int[] colIdx = t.colIdx;
        int c = c0;
        while (c < c1) {
            int wb = colIdx[3 * c] * k * L;
            int end = t.runEnd[c]; // runs never cross a block start, so end ≤ c1
            byte kind = t.runKind[c];
            int bits = indexBits(end - c);
            if (pk != null && bits <= MAX_INDEX_BITS) {
                int p0 = t.packOff(c);
                if (pair) { // one pass over the run's records for both groups
                    if (kind == 1) {
                        FitRuns.runSymmetricMax2(pk, p0, w, wB, wb, k, xl, xlB, c, end, best, bestB, bits);
                    } else if (kind == 2) {
                        FitRuns.runAntisymmetricMax2(pk, p0, w, wB, wb, k, xl, xlB, c, end, best, bestB, bits);
                    } else {
                        FitRuns.runGeneralMax2(pk, p0, w, wB, wb, k, xl, xlB, c, end, best, bestB, bits);
                    }
                } else if (kind == 1) {
                    FitRuns.runSymmetricMax(pk, p0, w, wb, k, xl, c, end, best, bits);
                } else if (kind == 2) {
                    FitRuns.runAntisymmetricMax(pk, p0, w, wb, k, xl, c, end, best, bits);
                } else {
                    FitRuns.runGeneralMax(pk, p0, w, wb, k, xl, c, end, best, bits);
                }
            } else {
                for (int g = 0; g < (pair ? 2 : 1); g++) {
                    float[] wg = g == 0 ? w : wB;
                    float[] xg = g == 0 ? xl : xlB;
                    float[] bg = g == 0 ? best : bestB;
                    if (kind == 1) {
                        FitRuns.runSymmetric(rc, wg, wb, k, xg, a, q, qm, quad, c, end, bg);
                    } else if (kind == 2) {
                        FitRuns.runAntisymmetric(rc, wg, wb, k, xg, a, q, qm, quad, c, end, bg);
                    } else {
                        FitRuns.runGeneral(rc, wg, wb, k, xg, a, q, qm, quad, c, end, bg);
                    }
                }
            }
            c = end;
        }
        ga.finish(out);
        if (pair) {
            gb.finish(outB);
        }
    }

    /**
     * {@link #blockL2} for the {@code dog} block with k ≤ 7. Its candidates are δ⊗δ − α·(d2⊗t + t⊗d2) with σ outer
     * and α inner, so ⟨h, m⟩ = h_centre − α·⟨h, L_σ⟩: the Laplacian's dot product is formed once per σ (two
     * straight-line k-term expressions, {@link #rowDotW}) and every α costs one multiply-add
     * ({@link FitRuns#runDog}, with the accumulators of {@link #blockL2OneTerm}). With a second group (hB, wB, … not
     * null) the packed records are read once for both, as in {@link #blockL2OneTerm}.
     */
    private static void blockL2Dog(SimdFitTables t, float[] h, float[] hB, float[] w, float[] wB, int k, int kk,
                                   float[] sums, float[] sumsB, float[] frame, float[] frameB, int mode, int c0,
                                   int c1, float[] out, float[] outB) {
        boolean pair = wB != null;
        GroupAcc ga = new GroupAcc(sums, frame, mode, kk, c0);
        GroupAcc gb = pair ? new GroupAcc(sumsB, frameB, mode, kk, c0) : null;
        float[] best = ga.best;
        float[] xl = ga.xl;
        float[] bestB = pair ? gb.best : null;
        float[] xlB = pair ? gb.xl : null;
        float[] lapArr = new float[L];
        float[] lapB = pair ? new float[L] : null;
        float[] a = t.scoreOffsets(mode);
        float[] q = t.scoreScales(mode);
        boolean quad = mode != 2;
        int r = k / 2;
        int hc = (r * k + r) * L;
        int c = c0;
        float[] pk = quad ? t.packed(mode) : null;
        while (c < c1) {
            int u1 = t.colIdx[3 * c + 1];
            int v1 = t.rowIdx[3 * c + 1];
            int u2 = t.colIdx[3 * c + 2];
            int v2 = t.rowIdx[3 * c + 2];
            int end = t.dogRunEnd[c]; // the candidates that share these Laplacian terms (one σ), within the block
            java.util.Arrays.fill(lapArr, 0f);
            rowDotW(t.rowPad, v1 * 8, w, u1 * k * L, k, lapArr);
            rowDotW(t.rowPad, v2 * 8, w, u2 * k * L, k, lapArr);
            if (pair) {
                java.util.Arrays.fill(lapB, 0f);
                rowDotW(t.rowPad, v1 * 8, wB, u1 * k * L, k, lapB);
                rowDotW(t.rowPad, v2 * 8, wB, u2 * k * L, k, lapB);
            }
            int bits = indexBits(end - c);
            if (pk != null && bits <= MAX_INDEX_BITS) {
                if (pair) {
                    FitRuns.runDogMax2(pk, t.packOff(c), lapArr, lapB, h, hB, hc, xl, xlB, c, end, best, bestB,
                            bits);
                } else {
                    FitRuns.runDogMax(pk, t.packOff(c), lapArr, h, hc, xl, c, end, best, bits);
                }
            } else {
                FitRuns.runDog(lapArr, h, hc, xl, t.coef, a, q, t.qm, quad, c, end, best);
                if (pair) {
                    FitRuns.runDog(lapB, hB, hc, xlB, t.coef, a, q, t.qm, quad, c, end, bestB);
                }
            }
            c = end;
        }
        ga.finish(out);
        if (pair) {
            gb.finish(outB);
        }
    }

    /**
     * acc += Σ_i row[rb + i]·W[wb + i·L] for i < k ≤ 7, as one straight-line expression (row padded with zeros to 8).
     * Works through the array: no vector crosses the call (see the note on the score above).
     */
    private static void rowDotW(float[] rp, int rb, float[] w, int wb, int k, float[] acc) {
        FloatVector v = FloatVector.fromArray(S, w, wb).mul(rp[rb]);
        v = k > 1 ? v.add(FloatVector.fromArray(S, w, wb + L).mul(rp[rb + 1])) : v;
        v = k > 2 ? v.add(FloatVector.fromArray(S, w, wb + 2 * L).mul(rp[rb + 2])) : v;
        v = k > 3 ? v.add(FloatVector.fromArray(S, w, wb + 3 * L).mul(rp[rb + 3])) : v;
        v = k > 4 ? v.add(FloatVector.fromArray(S, w, wb + 4 * L).mul(rp[rb + 4])) : v;
        v = k > 5 ? v.add(FloatVector.fromArray(S, w, wb + 5 * L).mul(rp[rb + 5])) : v;
        v = k > 6 ? v.add(FloatVector.fromArray(S, w, wb + 6 * L).mul(rp[rb + 6])) : v;
        v.add(FloatVector.fromArray(S, acc, 0)).intoArray(acc, 0);
    }

    /** l1 arg-min over candidates [c0, c1) against the dense templates, h' = (h − offset)·inv. */
    private static void blockL1(float[] h, float[] hp, int kk, float[] frame, float[] dense, int c0, int c1,
                                float[] out) {
        FloatVector off = FloatVector.fromArray(S, frame, 0);
        FloatVector inv = FloatVector.fromArray(S, frame, L);
        for (int e = 0; e < kk; e++) {
            FloatVector.fromArray(S, h, e * L).sub(off).mul(inv).intoArray(hp, e * L);
        }
        float[] best = new float[2 * L];
        initBest(best, c0);
        for (int c = c0; c < c1; c++) {
            int mo = c * kk;
            // accumulated in a register (through memory it was a store-to-load round trip per element)
            FloatVector a = FloatVector.zero(S);
            for (int e = 0; e < kk; e++) {
                a = a.add(FloatVector.fromArray(S, hp, e * L).sub(dense[mo + e]).abs());
            }
            FloatVector bs = FloatVector.fromArray(S, best, 0);
            VectorMask<Float> m = a.compare(VectorOperators.LT, bs);
            bs.blend(a, m).intoArray(best, 0);
            FloatVector.fromArray(S, best, L).blend(FloatVector.broadcast(S, (float) c), m).intoArray(best, L);
        }
        System.arraycopy(best, 0, out, 0, 2 * L);
    }

    /**
     * {@link #computeW} for k ≤ 7: per filter row i, its k lane vectors are loaded once and kept in registers, and each
     * used column vector costs k broadcast multiply-adds in one straight-line expression and one store.
     */
    private static void computeW7(float[] h, float[] cp, int[] usedCols, int k, float[] w) {
        FloatVector zero = FloatVector.zero(S);
        for (int i = 0; i < k; i++) {
            int hb = i * k * L;
            FloatVector h0 = FloatVector.fromArray(S, h, hb);
            FloatVector h1 = k > 1 ? FloatVector.fromArray(S, h, hb + L) : zero;
            FloatVector h2 = k > 2 ? FloatVector.fromArray(S, h, hb + 2 * L) : zero;
            FloatVector h3 = k > 3 ? FloatVector.fromArray(S, h, hb + 3 * L) : zero;
            FloatVector h4 = k > 4 ? FloatVector.fromArray(S, h, hb + 4 * L) : zero;
            FloatVector h5 = k > 5 ? FloatVector.fromArray(S, h, hb + 5 * L) : zero;
            FloatVector h6 = k > 6 ? FloatVector.fromArray(S, h, hb + 6 * L) : zero;
            for (int u : usedCols) {
                int cb = u * 8;
                FloatVector a = h2.fma(FloatVector.broadcast(S, cp[cb + 2]),
                        h1.fma(FloatVector.broadcast(S, cp[cb + 1]), h0.mul(cp[cb])));
                FloatVector b = h6.fma(FloatVector.broadcast(S, cp[cb + 6]),
                        h5.fma(FloatVector.broadcast(S, cp[cb + 5]),
                                h4.fma(FloatVector.broadcast(S, cp[cb + 4]), h3.mul(cp[cb + 3]))));
                a.add(b).intoArray(w, (u * k + i) * L);
            }
        }
    }

    /** W[u][i] = Σ_j H[i][j]·col_u[j] for the used column vectors u, lanes = filters (any k). */
    private static void computeW(float[] h, float[] col, int[] usedCols, int k, float[] w) {
        for (int u : usedCols) {
            int cb = u * k;
            for (int i = 0; i < k; i++) {
                int wo = (u * k + i) * L;
                int hb = i * k * L;
                FloatVector acc = FloatVector.fromArray(S, h, hb).mul(col[cb]);
                for (int j = 1; j < k; j++) {
                    acc = FloatVector.fromArray(S, h, hb + j * L).fma(FloatVector.broadcast(S, col[cb + j]), acc);
                }
                acc.intoArray(w, wo);
            }
        }
    }
}
