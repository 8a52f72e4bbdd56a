/* OpenCL entry point of the coarse fit; the math is in kernels/common/fit.h (shared with CUDA). */
#include "../common/portability.h"
#include "../common/fit.h"

#define SS_MAX1(x) ((x) > 0 ? (x) : 1)

#if SS_CPU
/* CPU drivers: one work-item per group, SS_WG filters in its vector lanes (fit.h, ss_fit_coarse_lanes); grid: one
 * group per SS_WG filters; count = filters in the launch. */
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void ss_fit_coarse(const __global float *restrict filters,
                   const __global float *restrict frame_off,
                   const __global float *restrict frame_inv,
                   const __global float *restrict col_vecs,
                   const __global float *restrict row_vecs,
                   const __global int *restrict cand_idx,
                   const __global float *restrict cand_f,
                   const __global int *restrict block_start,
                   const __global float *restrict dense,
                   __global float *restrict w_scratch,
                   __global int *restrict out_best,
                   __global float *restrict out_score,
                   int count)
{
    __local SS_FV h[SS_KK];
    int g = SS_GROUP_ID;
#if SS_LOCAL_TABLES
    __local SS_FV w[SS_MAX1(SS_NUMCOL * SS_K)];
#else
    __global SS_FV *w = (__global SS_FV *) w_scratch + (long) g * SS_NUMCOL * SS_K;
#endif
    ss_fit_coarse_lanes(g * SS_WG, count, filters, frame_off, frame_inv, col_vecs, row_vecs, cand_idx, cand_f,
                        block_start, dense, out_best, out_score, h, w);
}
#else
__kernel __attribute__((reqd_work_group_size(SS_WG, 1, 1)))
void ss_fit_coarse(const __global float *restrict filters,
                   const __global float *restrict frame_off,
                   const __global float *restrict frame_inv,
                   const __global float *restrict col_vecs,
                   const __global float *restrict row_vecs,
                   const __global int *restrict cand_idx,
                   const __global float *restrict cand_f,
                   const __global int *restrict block_start,
                   const __global float *restrict dense,
                   __global float *restrict w_scratch,
                   __global int *restrict out_best,
                   __global float *restrict out_score)
{
    __local float h[SS_KK];
    __local float red_s[SS_WG];
    __local int red_i[SS_WG];
    int n = SS_GROUP_ID;
    int lid = SS_LOCAL_ID;
#if SS_LOCAL_TABLES
    __local float w[SS_MAX1(SS_NUMCOL * SS_K)];
    __local float r[SS_MAX1(SS_NUMROW * SS_K)];
    ss_fit_coarse_group(n, lid, filters, frame_off, frame_inv, col_vecs, row_vecs, cand_idx, cand_f, block_start,
                        dense, out_best, out_score, h, w, r, red_s, red_i);
#else
    ss_fit_coarse_group(n, lid, filters, frame_off, frame_inv, col_vecs, row_vecs, cand_idx, cand_f, block_start,
                        dense, out_best, out_score, h, w_scratch + (long) n * SS_NUMCOL * SS_K, row_vecs, red_s,
                        red_i);
#endif
}
#endif
