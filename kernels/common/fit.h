/*
 * Coarse-grid fit scoring (CoarseProblem): one work-group per filter, fused per-family arg-min.
 * Shared by the OpenCL entry point (kernels/opencl/fit.cl) and the CUDA one (same kernel name, ss_fit_coarse).
 *
 * Specialisation (-D, built by org.scalespace.backend.opencl.FitDefines):
 *   SS_K            filter size k (odd)
 *   SS_BLOCKS       number of family blocks
 *   SS_MODE         0 l2 gain-offset, 1 l2 gain, 2 l2 none/paper (frame offset/scale), 3 l1 (dense templates)
 *   SS_WG           work-group size (power of two)
 *   SS_NUMCOL       column vectors used by the candidates (compacted on the host)
 *   SS_NUMROW       row vectors used by the candidates (compacted on the host)
 *   SS_MAX_TERMS    largest number of separable terms of a candidate (1..3)
 *   SS_LOCAL_TABLES 1: W = H·col and the row table live in local memory; 0: W in global scratch, rows in global
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

#endif
