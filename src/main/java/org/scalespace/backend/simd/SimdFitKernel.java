package org.scalespace.backend.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.scalespace.backend.CoarseProblem;
import org.scalespace.fit.CandidateSet;
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
 * Stateless; each call allocates its own scratch, so concurrent calls are safe.
 */
final class SimdFitKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Float copies of a candidate set's tables and per-candidate score constants, built once per set. */
    static final class Tables {
        final float[] col;
        final float[] row;
        final float[] coef;
        final int[] colIdx;
        final int[] rowIdx;
        final int[] terms; // per candidate: number of leading non-zero terms to evaluate (1..3)
        final float[] mu;  // Σm / k²
        final float[] iqc; // 1 / Σ(m − mean m)², 0 when the template is constant
        final float[] iq;  // 1 / Σm²
        final float[] sm;  // Σm
        final float[] qm;  // Σm²
        float[] dense;     // for l1

        Tables(CandidateSet cs) {
            col = toFloat(cs.colVecs);
            row = toFloat(cs.rowVecs);
            coef = toFloat(cs.coef);
            colIdx = cs.colIdx;
            rowIdx = cs.rowIdx;
            int n = cs.size;
            terms = new int[n];
            mu = new float[n];
            iqc = new float[n];
            iq = new float[n];
            sm = new float[n];
            qm = new float[n];
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
            }
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

    private SimdFitKernel() {
    }

    static void run(CoarseProblem p, Tables t, int[] best, double[] score) {
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
        for (int g0 = 0; g0 < p.count(); g0 += L) {
            int nl = Math.min(L, p.count() - g0);
            // transpose; pad missing lanes with the group's last filter
            for (int l = 0; l < L; l++) {
                int base = (p.first() + g0 + Math.min(l, nl - 1)) * kk;
                for (int e = 0; e < kk; e++) {
                    h[e * L + l] = (float) p.filters()[base + e];
                }
            }
            sums(h, kk, sums);
            if (!l1) {
                computeW(h, t.col, cs.numCol, k, w);
            }
            for (int b = 0; b < blocks; b++) {
                for (int l = 0; l < L; l++) {
                    int n = g0 + Math.min(l, nl - 1);
                    frame[l] = (float) p.offset(n, b);
                    frame[L + l] = (float) (1.0 / p.scale(n, b));
                }
                if (l1) {
                    blockL1(h, hp, kk, frame, t.dense(cs), cs.blockStart[b], cs.blockStart[b + 1], out);
                } else {
                    blockL2(t, w, k, kk, sums, frame, mode, nt[b], cs.blockStart[b], cs.blockStart[b + 1], out);
                }
                for (int l = 0; l < nl; l++) {
                    score[(g0 + l) * blocks + b] = out[l];
                    best[(g0 + l) * blocks + b] = (int) out[L + l];
                }
            }
        }
    }

    /** sums[0..L) = Σh, sums[L..2L) = Σh² per lane. */
    private static void sums(float[] h, int kk, float[] sums) {
        FloatVector sumH = FloatVector.zero(S);
        FloatVector sqH = FloatVector.zero(S);
        for (int e = 0; e < kk; e++) {
            FloatVector v = FloatVector.fromArray(S, h, e * L);
            sumH = sumH.add(v);
            sqH = v.fma(v, sqH);
        }
        sumH.intoArray(sums, 0);
        sqH.intoArray(sums, L);
    }

    /**
     * l2 arg-min over candidates [c0, c1): out[0..L) = best score (squared residual), out[L..2L) = its index.
     * The compared quantity is the candidate-dependent part of the residual; the constant part is added at the end.
     */
    private static void blockL2(Tables t, float[] w, int k, int kk, float[] sums, float[] frame, int mode, int nt,
                                int c0, int c1, float[] out) {
        FloatVector sumH = FloatVector.fromArray(S, sums, 0);
        FloatVector sqH = FloatVector.fromArray(S, sums, L);
        FloatVector off = FloatVector.fromArray(S, frame, 0);
        FloatVector inv = FloatVector.fromArray(S, frame, L);
        FloatVector base;
        if (mode == 0) {
            base = sqH.sub(sumH.mul(sumH).mul(1f / kk));
        } else if (mode == 1) {
            base = sqH;
        } else {
            // ‖h'‖² with h' = (h − c)/d: (Q − 2cS + c²k²)/d²
            FloatVector q = sqH.sub(off.mul(sumH).mul(2f)).add(off.mul(off).mul((float) kk));
            base = q.mul(inv).mul(inv);
        }
        FloatVector bestS = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        FloatVector bestC = FloatVector.broadcast(S, (float) c0);
        float[] row = t.row;
        float[] coef = t.coef;
        int[] colIdx = t.colIdx;
        int[] rowIdx = t.rowIdx;
        float[] mu = t.mu;
        float[] iqc = t.iqc;
        float[] iq = t.iq;
        float[] sm = t.sm;
        float[] qm = t.qm;
        for (int c = c0; c < c1; c++) {
            // D = Σ_t coef_t Σ_i row_t[i]·W[u_t][i]
            FloatVector d = FloatVector.zero(S);
            for (int tt = 0; tt < nt; tt++) {
                int idx = 3 * c + tt;
                int wb = colIdx[idx] * k * L;
                int rb = rowIdx[idx] * k;
                FloatVector acc = FloatVector.zero(S);
                for (int i = 0; i < k; i++) {
                    acc = FloatVector.fromArray(S, w, wb + i * L).fma(FloatVector.broadcast(S, row[rb + i]), acc);
                }
                d = acc.fma(FloatVector.broadcast(S, coef[idx]), d);
            }
            FloatVector part;
            if (mode == 0) {
                FloatVector num = d.sub(sumH.mul(mu[c]));
                part = num.mul(num).mul(-iqc[c]);
            } else if (mode == 1) {
                part = d.mul(d).mul(-iq[c]);
            } else {
                // −2⟨h',m⟩ + ‖m‖², ⟨h',m⟩ = (D − c·Σm)/d
                part = d.sub(off.mul(sm[c])).mul(inv).mul(-2f).add(qm[c]);
            }
            VectorMask<Float> m = part.compare(VectorOperators.LT, bestS);
            bestS = bestS.blend(part, m);
            bestC = bestC.blend(FloatVector.broadcast(S, (float) c), m);
        }
        bestS.add(base).intoArray(out, 0);
        bestC.intoArray(out, L);
    }

    /** l1 arg-min over candidates [c0, c1) against the dense templates, h' = (h − offset)·inv. */
    private static void blockL1(float[] h, float[] hp, int kk, float[] frame, float[] dense, int c0, int c1,
                                float[] out) {
        FloatVector off = FloatVector.fromArray(S, frame, 0);
        FloatVector inv = FloatVector.fromArray(S, frame, L);
        for (int e = 0; e < kk; e++) {
            FloatVector.fromArray(S, h, e * L).sub(off).mul(inv).intoArray(hp, e * L);
        }
        FloatVector bestS = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
        FloatVector bestC = FloatVector.broadcast(S, (float) c0);
        for (int c = c0; c < c1; c++) {
            FloatVector acc = FloatVector.zero(S);
            int mo = c * kk;
            for (int e = 0; e < kk; e++) {
                acc = acc.add(FloatVector.fromArray(S, hp, e * L).sub(dense[mo + e]).abs());
            }
            VectorMask<Float> m = acc.compare(VectorOperators.LT, bestS);
            bestS = bestS.blend(acc, m);
            bestC = bestC.blend(FloatVector.broadcast(S, (float) c), m);
        }
        bestS.intoArray(out, 0);
        bestC.intoArray(out, L);
    }

    /** W[u][i] = Σ_j H[i][j]·col_u[j] for every column vector u, lanes = filters. */
    private static void computeW(float[] h, float[] col, int numCol, int k, float[] w) {
        for (int u = 0; u < numCol; u++) {
            int cb = u * k;
            for (int i = 0; i < k; i++) {
                FloatVector acc = FloatVector.zero(S);
                int hb = i * k * L;
                for (int j = 0; j < k; j++) {
                    float cj = col[cb + j];
                    acc = FloatVector.fromArray(S, h, hb + j * L).fma(FloatVector.broadcast(S, cj), acc);
                }
                acc.intoArray(w, (u * k + i) * L);
            }
        }
    }

}
