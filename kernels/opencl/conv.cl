/* OpenCL entry points of the depthwise convolutions; the math is in kernels/common/conv.h (shared with CUDA). */
#include "../common/portability.h"
#include "../common/conv.h"

/* grid: (tiles_x·SS_TW, tiles_y·SS_TH, N·C), work-group (SS_TW, SS_TH, 1) */
__kernel __attribute__((reqd_work_group_size(SS_TW, SS_TH, 1)))
void ss_conv_separable(const __global float *restrict x, __global float *restrict out,
                       const __global float *restrict coef, const __global float *restrict colv,
                       const __global float *restrict rowv, int c_count, int h, int w)
{
    __local float tile[SS_TILE_W * SS_TILE_H];
    __local float tmp[SS_TERMS * SS_TILE_H * SS_TW];
    ss_conv_separable_tile(x, out, coef, colv, rowv, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID, SS_GROUP_ID_Y,
                           SS_LOCAL_ID, SS_LOCAL_ID_Y, tile, tmp);
}

__kernel __attribute__((reqd_work_group_size(SS_TW, SS_TH, 1)))
void ss_conv_dense(const __global float *restrict x, __global float *restrict out, const __global float *restrict a,
                   int c_count, int h, int w)
{
    __local float tile[SS_TILE_W * SS_TILE_H];
    __local float filt[SS_K * SS_K];
    ss_conv_dense_tile(x, out, a, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID, SS_GROUP_ID_Y, SS_LOCAL_ID,
                       SS_LOCAL_ID_Y, tile, filt);
}

/* Direct variants (CPU drivers): grid (ceil(W/SS_TW)·SS_TW, ceil(H/SS_TH)·SS_TH, N·C). */
__kernel __attribute__((reqd_work_group_size(SS_TW, SS_TH, 1)))
void ss_conv_separable_direct_k(const __global float *restrict x, __global float *restrict out,
                                const __global float *restrict coef, const __global float *restrict colv,
                                const __global float *restrict rowv, int c_count, int h, int w)
{
    ss_conv_separable_direct(x, out, coef, colv, rowv, c_count, h, w, SS_GROUP_ID_Z,
                             SS_GROUP_ID * SS_TW + SS_LOCAL_ID, SS_GROUP_ID_Y * SS_TH + SS_LOCAL_ID_Y);
}

__kernel __attribute__((reqd_work_group_size(SS_TW, SS_TH, 1)))
void ss_conv_dense_direct_k(const __global float *restrict x, __global float *restrict out,
                            const __global float *restrict a, int c_count, int h, int w)
{
    ss_conv_dense_direct(x, out, a, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID * SS_TW + SS_LOCAL_ID,
                         SS_GROUP_ID_Y * SS_TH + SS_LOCAL_ID_Y);
}

/* Plane variants (CPU drivers): grid (N·C), work-group 1; scratch: per plane SS_SEP_SCRATCH(w) (separable) or
 * SS_DENSE_SCRATCH(w) (dense) floats (conv.h; OpenCLConvDevice allocates them). */
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void ss_conv_separable_plane_k(const __global float *restrict x, __global float *restrict out,
                               const __global float *restrict coef, const __global float *restrict colv,
                               const __global float *restrict rowv, int c_count, int h, int w,
                               __global float *restrict scratch)
{
    ss_conv_separable_plane(x, out, scratch, coef, colv, rowv, c_count, h, w, SS_GROUP_ID);
}

__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void ss_conv_dense_plane_k(const __global float *restrict x, __global float *restrict out,
                           const __global float *restrict a, int c_count, int h, int w,
                           __global float *restrict scratch)
{
    ss_conv_dense_plane(x, out, a, scratch, c_count, h, w, SS_GROUP_ID);
}
