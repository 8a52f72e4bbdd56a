/*
 * Coarse-grid fit scoring (CoarseProblem), fused per-family arg-min: one work-group per filter (GPUs), or SS_WG filters
 * in the vector lanes of one work-item (SS_CPU=1, CPU drivers).
 * Shared by the OpenCL entry point (kernels/opencl/fit.cl) and the CUDA one (same kernel name, ss_fit_coarse).
 *
 * Specialisation (-D, built by org.scalespace.backend.device.FitDefines):
 *   SS_K            filter size k (odd)
 *   SS_BLOCKS       number of family blocks
 *   SS_MODE         0 l2 gain-offset, 1 l2 gain, 2 l2 none/paper (frame offset/scale), 3 l1 (dense templates)
 *   SS_WG           work-group size (power of two); with SS_CPU=1 the filters per work-item
 *   SS_NUMCOL       column vectors used by the candidates (compacted on the host)
 *   SS_NUMROW       row vectors used by the candidates (compacted on the host)
 *   SS_MAX_TERMS    largest number of separable terms of a candidate (1..3)
 *   SS_LOCAL_TABLES 1: W = H·col and the row table live in local memory; 0: W in global scratch, rows in global
 *   SS_CPU          0 (default): one filter per work-group of SS_WG work-items, for GPUs; 1: the CPU-driver
 *                   schedule (OpenCL only, ss_fit_coarse_lanes below): one work-item per work-group holding SS_WG
 *                   filters (2, 4, 8 or 16) in the lanes of floatN vectors
 *
 * Data (host-built, float32 from the double-precision tables):
 *   cand_idx[8c + t]     column vector of term t (t < 3), cand_idx[8c + 3 + t] its row vector, cand_idx[8c + 6] the
 *                        number of leading terms to evaluate
 *   cand_f[8c + t]       coefficient of term t; then the per-candidate constants of every mode:
 *                        cand_f[8c + 3] = Σm/k², [8c + 4] = 1/Σ(m − mean m)² (0 for a constant template),
 *                        [8c + 5] = 1/Σm², [8c + 6] = Σm, [8c + 7] = Σm²; the mode reads its A and B:
 *                        mode 0: A = Σm/k², B = 1/Σ(m − mean m)²   part = −(D − A·Σh)²·B
 *                        mode 1: B = 1/Σm²                        part = −D²·B
 *                        mode 2: A = Σm, B = Σm²                  part = −2(D − off·A)·inv + B
 *   The score of a candidate is part + base(h); the arg-min runs on part (base does not depend on the candidate).
 *   Ties keep the lowest candidate index, as in the scalar and SIMD backends.
 */
#ifndef SS_FIT_H
#define SS_FIT_H

#include "portability.h"

#ifndef SS_CPU
#define SS_CPU 0
#endif

#define SS_KK (SS_K * SS_K)

#if SS_MODE == 0
#define SS_A_SLOT 3
#define SS_B_SLOT 4
#elif SS_MODE == 1
#define SS_A_SLOT 3
#define SS_B_SLOT 5
#else
#define SS_A_SLOT 6
#define SS_B_SLOT 7
#endif

#if SS_LOCAL_TABLES
#define SS_WSPACE SS_LOCAL
#define SS_RSPACE SS_LOCAL
#else
#define SS_WSPACE SS_GLOBAL
#define SS_RSPACE SS_GLOBAL const
#endif

/* The candidate-dependent part of the squared residual, from D = <h, m>. */
SS_DEVICE float ss_fit_part(float d, float sum_h, float off, float inv, float a, float b)
{
#if SS_MODE == 0
    float num = d - sum_h * a;
    return -(num * num) * b;
#elif SS_MODE == 1
    return -(d * d) * b;
#else
    return (d - off * a) * inv * -2.0f + b;
#endif
}

/* The candidate-independent part: ||h − mean h||² (gain-offset), ||h||² (gain), ||(h − off)·inv||² (none/paper). */
SS_DEVICE float ss_fit_base(float sum_h, float sq_h, float off, float inv)
{
#if SS_MODE == 0
    return sq_h - sum_h * sum_h * (1.0f / SS_KK);
#elif SS_MODE == 1
    return sq_h;
#elif SS_MODE == 2
    return (sq_h - off * sum_h * 2.0f + off * off * (float) SS_KK) * inv * inv;
#else
    return 0.0f;
#endif
}

/* (score, index) lexicographic "better": smaller score, ties to the lower index. */
SS_DEVICE int ss_better(float s, int i, float s2, int i2)
{
    return s < s2 || (s == s2 && i < i2);
}

/* Tree reduction of (red_s, red_i)[0..SS_WG) into slot 0. All work-items must call it. */
SS_DEVICE void ss_argmin_reduce(SS_LOCAL float *red_s, SS_LOCAL int *red_i, int lid)
{
    for (int step = SS_WG / 2; step > 0; step >>= 1) {
        if (lid < step) {
            float s2 = red_s[lid + step];
            int i2 = red_i[lid + step];
            if (ss_better(s2, i2, red_s[lid], red_i[lid])) {
                red_s[lid] = s2;
                red_i[lid] = i2;
            }
        }
        SS_BARRIER();
    }
}

/*
 * The whole per-filter computation for filter n (relative to the launch), executed by one work-group of SS_WG
 * work-items. h: local k² floats; w: W table (NUMCOL·k, local or global scratch for this group); r: row table
 * (NUMROW·k, local copy or the global table); red_s/red_i: local SS_WG each.
 */
SS_DEVICE void ss_fit_coarse_group(int n, int lid,
                                   const SS_GLOBAL float *SS_RESTRICT filters,
                                   const SS_GLOBAL float *SS_RESTRICT frame_off,
                                   const SS_GLOBAL float *SS_RESTRICT frame_inv,
                                   const SS_GLOBAL float *SS_RESTRICT col_vecs,
                                   const SS_GLOBAL float *SS_RESTRICT row_vecs,
                                   const SS_GLOBAL int *SS_RESTRICT cand_idx,
                                   const SS_GLOBAL float *SS_RESTRICT cand_f,
                                   const SS_GLOBAL int *SS_RESTRICT block_start,
                                   const SS_GLOBAL float *SS_RESTRICT dense,
                                   SS_GLOBAL int *SS_RESTRICT out_best,
                                   SS_GLOBAL float *SS_RESTRICT out_score,
                                   SS_LOCAL float *h,
                                   SS_WSPACE float *w,
                                   SS_RSPACE float *r,
                                   SS_LOCAL float *red_s,
                                   SS_LOCAL int *red_i)
{
    for (int e = lid; e < SS_KK; e += SS_WG) {
        h[e] = filters[(long) n * SS_KK + e];
    }
#if SS_LOCAL_TABLES && SS_MODE != 3
    for (int e = lid; e < SS_NUMROW * SS_K; e += SS_WG) {
        r[e] = row_vecs[e];
    }
#endif
    SS_BARRIER();
    /* every work-item forms the same sums in the same order (no reduction needed, identical values) */
    float sum_h = 0.0f;
    float sq_h = 0.0f;
    for (int e = 0; e < SS_KK; e++) {
        float v = h[e];
        sum_h += v;
        sq_h = SS_FMA(v, v, sq_h);
    }
#if SS_MODE != 3
    /* W[u][i] = Σ_j H[i][j]·col_u[j] for every used column vector u */
    for (int e = lid; e < SS_NUMCOL * SS_K; e += SS_WG) {
        int u = e / SS_K;
        int i = e - u * SS_K;
        float acc = 0.0f;
        for (int j = 0; j < SS_K; j++) {
            acc = SS_FMA(h[i * SS_K + j], col_vecs[u * SS_K + j], acc);
        }
        w[e] = acc;
    }
    SS_BARRIER();
#endif
    for (int b = 0; b < SS_BLOCKS; b++) {
        int c0 = block_start[b];
        int c1 = block_start[b + 1];
        float off = frame_off[n * SS_BLOCKS + b];
        float inv = frame_inv[n * SS_BLOCKS + b];
        float best = SS_INF;
        int best_i = SS_INT_MAX;
        for (int c = c0 + lid; c < c1; c += SS_WG) {
#if SS_MODE == 3
            const SS_GLOBAL float *m = dense + (long) c * SS_KK;
            float acc = 0.0f;
            for (int e = 0; e < SS_KK; e++) {
                acc += fabs((h[e] - off) * inv - m[e]);
            }
            float part = acc;
#else
            int nt = cand_idx[8 * c + 6];
            float d = 0.0f;
            for (int t = 0; t < SS_MAX_TERMS; t++) {
                if (t < nt) {
                    SS_WSPACE const float *wv = w + cand_idx[8 * c + t] * SS_K;
                    SS_RSPACE const float *rv = r + cand_idx[8 * c + 3 + t] * SS_K;
                    float acc = 0.0f;
                    for (int i = 0; i < SS_K; i++) {
                        acc = SS_FMA(rv[i], wv[i], acc);
                    }
                    d = SS_FMA(cand_f[8 * c + t], acc, d);
                }
            }
            float part = ss_fit_part(d, sum_h, off, inv, cand_f[8 * c + SS_A_SLOT], cand_f[8 * c + SS_B_SLOT]);
#endif
            if (part < best) {
                best = part;
                best_i = c;
            }
        }
        red_s[lid] = best;
        red_i[lid] = best_i;
        SS_BARRIER();
        ss_argmin_reduce(red_s, red_i, lid);
        if (lid == 0) {
            int bi = red_i[0];
            /* no candidate compared below +inf (NaN scores): report the block's first, as the SIMD backend does */
            out_best[n * SS_BLOCKS + b] = bi == SS_INT_MAX ? c0 : bi;
            out_score[n * SS_BLOCKS + b] = red_s[0] + ss_fit_base(sum_h, sq_h, off, inv);
        }
        SS_BARRIER();
    }
}

#if SS_CPU
/*
 * CPU-driver schedule (OpenCL only; PoCL and the like). The SIMD backend's algebra with the same data layout: one
 * work-item per work-group, holding SS_WG filters in the lanes of floatN vectors (N = SS_WG: 16 = one AVX-512
 * register), so every multiply-add is full width whatever k is and the code does not depend on the driver
 * vectorising across work-items (PoCL 3.1 does not, for this kernel: its work-item loop stays outside the candidate
 * loop). Per group of SS_WG filters:
 *   1. h transposed to element-major (h[e] = lanes), Σh and Σh² per lane;
 *   2. W_u = H·col_u for every used column vector u (k² multiply-adds per u, col broadcast);
 *   3. per family block, per candidate D = Σ_t coef_t·row_tᵀW_{u_t} (k multiply-adds per term, row broadcast), the
 *      score part and a per-lane running arg-min (strict <: ties keep the lower index). Two kinds of runs of
 *      consecutive candidates are exploited, with the same arithmetic as the plain loop (so the same floats):
 *      single-term candidates sharing their column vector keep W_u in registers (σx outer, σy inner), and candidates
 *      whose terms share every column and row vector (dog: σ outer, α inner) form row_tᵀW_{u_t} once and then cost
 *      one multiply-add per term.
 * n0: the group's first filter; count: filters in the launch (missing lanes repeat filter count − 1 and write
 * nothing). h: SS_KK vectors, w: SS_NUMCOL·SS_K vectors (local memory of the group, or its global scratch).
 */
#define SS_CAT_(a, b) a##b
#define SS_CAT(a, b) SS_CAT_(a, b)
#define SS_FV SS_CAT(float, SS_WG)
#define SS_IV SS_CAT(int, SS_WG)
#if SS_LOCAL_TABLES
#define SS_VSPACE SS_LOCAL
#else
#define SS_VSPACE SS_GLOBAL
#endif

/* The candidate-dependent part of the score, lanes = filters (ss_fit_part's formulas). */
SS_DEVICE SS_FV ss_fit_part_v(SS_FV d, SS_FV sum_h, SS_FV off, SS_FV inv, float a, float b)
{
#if SS_MODE == 0
    SS_FV num = d - sum_h * a;
    return -(num * num) * b;
#elif SS_MODE == 1
    return -(d * d) * b;
#else
    return (d - off * a) * inv * -2.0f + b;
#endif
}

#define SS_ARGMIN_UPDATE(part, c)                                                                                    \
    do {                                                                                                             \
        SS_IV lt_ = isless((part), best);                                                                            \
        best = select(best, (part), lt_);                                                                            \
        best_i = select(best_i, (SS_IV) (c), lt_);                                                                   \
    } while (0)

SS_DEVICE void ss_fit_coarse_lanes(int n0, int count,
                                   const SS_GLOBAL float *SS_RESTRICT filters,
                                   const SS_GLOBAL float *SS_RESTRICT frame_off,
                                   const SS_GLOBAL float *SS_RESTRICT frame_inv,
                                   const SS_GLOBAL float *SS_RESTRICT col_vecs,
                                   const SS_GLOBAL float *SS_RESTRICT row_vecs,
                                   const SS_GLOBAL int *SS_RESTRICT cand_idx,
                                   const SS_GLOBAL float *SS_RESTRICT cand_f,
                                   const SS_GLOBAL int *SS_RESTRICT block_start,
                                   const SS_GLOBAL float *SS_RESTRICT dense,
                                   SS_GLOBAL int *SS_RESTRICT out_best,
                                   SS_GLOBAL float *SS_RESTRICT out_score,
                                   SS_LOCAL SS_FV *h,
                                   SS_VSPACE SS_FV *w)
{
    int lanes = count - n0 < SS_WG ? count - n0 : SS_WG;
    SS_LOCAL float *hs = (SS_LOCAL float *) h;
    for (int l = 0; l < SS_WG; l++) {
        long src = (long) (n0 + (l < lanes ? l : lanes - 1)) * SS_KK;
        for (int e = 0; e < SS_KK; e++) {
            hs[e * SS_WG + l] = filters[src + e];
        }
    }
    SS_FV sum_h = (SS_FV) (0.0f);
    SS_FV sq_h = (SS_FV) (0.0f);
    for (int e = 0; e < SS_KK; e++) {
        SS_FV v = h[e];
        sum_h += v;
        sq_h = SS_FMA(v, v, sq_h);
    }
#if SS_MODE != 3
    /* W[u][i] = Σ_j H[i][j]·col_u[j] */
    for (int u = 0; u < SS_NUMCOL; u++) {
        const SS_GLOBAL float *cv = col_vecs + u * SS_K;
        for (int i = 0; i < SS_K; i++) {
            SS_FV acc = (SS_FV) (0.0f);
#pragma unroll
            for (int j = 0; j < SS_K; j++) {
                acc = SS_FMA(h[i * SS_K + j], (SS_FV) (cv[j]), acc);
            }
            w[u * SS_K + i] = acc;
        }
    }
#endif
    for (int b = 0; b < SS_BLOCKS; b++) {
        int c0 = block_start[b];
        int c1 = block_start[b + 1];
        float fo[SS_WG];
        float fi[SS_WG];
        for (int l = 0; l < SS_WG; l++) {
            int n = n0 + (l < lanes ? l : lanes - 1);
            fo[l] = frame_off[n * SS_BLOCKS + b];
            fi[l] = frame_inv[n * SS_BLOCKS + b];
        }
        SS_FV off = SS_CAT(vload, SS_WG)(0, fo);
        SS_FV inv = SS_CAT(vload, SS_WG)(0, fi);
        SS_FV best = (SS_FV) (SS_INF);
        SS_IV best_i = (SS_IV) (SS_INT_MAX);
#if SS_MODE == 3
        SS_FV hp[SS_KK];
        for (int e = 0; e < SS_KK; e++) {
            hp[e] = (h[e] - off) * inv;
        }
        for (int c = c0; c < c1; c++) {
            const SS_GLOBAL float *m = dense + (long) c * SS_KK;
            SS_FV acc = (SS_FV) (0.0f);
            for (int e = 0; e < SS_KK; e++) {
                acc += fabs(hp[e] - m[e]);
            }
            SS_ARGMIN_UPDATE(acc, c);
        }
#else
        int c = c0;
        while (c < c1) {
            const SS_GLOBAL int *ci = cand_idx + 8 * c;
            int nt = ci[6];
            int end = c + 1;
            if (nt == 1) {
                /* run of single-term candidates on one column vector: W_u in registers */
                while (end < c1 && cand_idx[8 * end + 6] == 1 && cand_idx[8 * end] == ci[0]) {
                    end++;
                }
                SS_FV wu[SS_K];
#pragma unroll
                for (int i = 0; i < SS_K; i++) {
                    wu[i] = w[ci[0] * SS_K + i];
                }
                for (; c < end; c++) {
                    const SS_GLOBAL float *rv = row_vecs + cand_idx[8 * c + 3] * SS_K;
                    SS_FV acc = (SS_FV) (0.0f);
#pragma unroll
                    for (int i = 0; i < SS_K; i++) {
                        acc = SS_FMA((SS_FV) (rv[i]), wu[i], acc);
                    }
                    SS_FV d = SS_FMA((SS_FV) (cand_f[8 * c]), acc, (SS_FV) (0.0f));
                    SS_FV part = ss_fit_part_v(d, sum_h, off, inv, cand_f[8 * c + SS_A_SLOT],
                                               cand_f[8 * c + SS_B_SLOT]);
                    SS_ARGMIN_UPDATE(part, c);
                }
                continue;
            }
            /* run of candidates with the same vectors in every term (they differ in the coefficients only) */
            while (end < c1 && cand_idx[8 * end + 6] == nt && cand_idx[8 * end] == ci[0]
                   && cand_idx[8 * end + 1] == ci[1] && cand_idx[8 * end + 2] == ci[2]
                   && cand_idx[8 * end + 3] == ci[3] && cand_idx[8 * end + 4] == ci[4]
                   && cand_idx[8 * end + 5] == ci[5]) {
                end++;
            }
            SS_FV tv[SS_MAX_TERMS];
#pragma unroll
            for (int t = 0; t < SS_MAX_TERMS; t++) {
                tv[t] = (SS_FV) (0.0f);
                if (t < nt) {
                    SS_VSPACE const SS_FV *wv = w + ci[t] * SS_K;
                    const SS_GLOBAL float *rv = row_vecs + ci[3 + t] * SS_K;
                    SS_FV acc = (SS_FV) (0.0f);
                    for (int i = 0; i < SS_K; i++) {
                        acc = SS_FMA((SS_FV) (rv[i]), wv[i], acc);
                    }
                    tv[t] = acc;
                }
            }
            for (; c < end; c++) {
                SS_FV d = (SS_FV) (0.0f);
#pragma unroll
                for (int t = 0; t < SS_MAX_TERMS; t++) {
                    if (t < nt) {
                        d = SS_FMA((SS_FV) (cand_f[8 * c + t]), tv[t], d);
                    }
                }
                SS_FV part = ss_fit_part_v(d, sum_h, off, inv, cand_f[8 * c + SS_A_SLOT], cand_f[8 * c + SS_B_SLOT]);
                SS_ARGMIN_UPDATE(part, c);
            }
        }
#endif
        /* per lane: the arg-min and its score with the candidate-independent base added (ss_fit_base) */
        float bs[SS_WG];
        int bi[SS_WG];
        float ls[SS_WG];
        float lq[SS_WG];
        SS_CAT(vstore, SS_WG)(best, 0, bs);
        SS_CAT(vstore, SS_WG)(best_i, 0, bi);
        SS_CAT(vstore, SS_WG)(sum_h, 0, ls);
        SS_CAT(vstore, SS_WG)(sq_h, 0, lq);
        for (int l = 0; l < lanes; l++) {
            int n = n0 + l;
            /* no candidate compared below +inf (NaN scores): report the block's first, as the SIMD backend does */
            out_best[n * SS_BLOCKS + b] = bi[l] == SS_INT_MAX ? c0 : bi[l];
            out_score[n * SS_BLOCKS + b] = bs[l] + ss_fit_base(ls[l], lq[l], fo[l], fi[l]);
        }
    }
}

#undef SS_ARGMIN_UPDATE
#endif /* SS_CPU */

#endif
