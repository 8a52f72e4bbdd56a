/*
 * CUDA entry points of the depthwise convolutions; the math is in kernels/common/conv.h (shared with
 * kernels/opencl/conv.cl), kernel names as in OpenCL.
 *
 * Specialisation (see fit.cu for the scheme): SS_BORDER, SS_TW and SS_TH are fixed at build time (one
 * PTX file per border mode), SS_R optionally (a variant for r = 3, k = 7); SS_R (otherwise) and SS_TERMS are
 * __constant__s of the module instance, written by the host from ConvDefines. Shared memory is dynamic, sized by
 * ConvDefines.separableLocalBytes() / denseLocalBytes().
 *
 * Separable weights use conv.h's SS_TERM_STRIDE = 4 slots per channel (SeparableBank's packed taps, as OpenCL);
 * the host passes coef = 1 (SeparableBank folds the coefficient into the row taps).
 */
#include "../common/portability.h"

#ifndef SS_TW
#define SS_TW 32
#endif
#ifndef SS_TH
#define SS_TH 8
#endif
#ifndef SS_R
__constant__ int ss_c_r;
#define SS_R ss_c_r
#endif
#ifndef SS_TERMS
__constant__ int ss_c_terms;
#define SS_TERMS ss_c_terms
#endif

#define SS_NO_PLANE 1
#include "../common/conv.h"

/* grid: (tiles_x, tiles_y, N·C), block (SS_TW, SS_TH, 1) */
SS_KERNEL void __launch_bounds__(SS_TW * SS_TH)
ss_conv_separable(const float *__restrict__ x, float *__restrict__ out, const float *__restrict__ coef,
                  const float *__restrict__ colv, const float *__restrict__ rowv, int c_count, int h, int w)
{
    extern __shared__ float ss_smem[];
    float *tile = ss_smem;
    float *tmp = tile + SS_TILE_W * SS_TILE_H;
    ss_conv_separable_tile(x, out, coef, colv, rowv, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID, SS_GROUP_ID_Y,
                           SS_LOCAL_ID, SS_LOCAL_ID_Y, tile, tmp);
}

SS_KERNEL void __launch_bounds__(SS_TW * SS_TH)
ss_conv_dense(const float *__restrict__ x, float *__restrict__ out, const float *__restrict__ a, int c_count, int h,
              int w)
{
    extern __shared__ float ss_smem[];
    float *tile = ss_smem;
    float *filt = tile + SS_TILE_W * SS_TILE_H;
    ss_conv_dense_tile(x, out, a, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID, SS_GROUP_ID_Y, SS_LOCAL_ID,
                       SS_LOCAL_ID_Y, tile, filt);
}

/* Direct variants: grid (ceil(W/SS_TW), ceil(H/SS_TH), N·C), no shared memory. */
SS_KERNEL void __launch_bounds__(SS_TW * SS_TH)
ss_conv_separable_direct_k(const float *__restrict__ x, float *__restrict__ out, const float *__restrict__ coef,
                           const float *__restrict__ colv, const float *__restrict__ rowv, int c_count, int h, int w)
{
    ss_conv_separable_direct(x, out, coef, colv, rowv, c_count, h, w, SS_GROUP_ID_Z,
                             SS_GROUP_ID * SS_TW + SS_LOCAL_ID, SS_GROUP_ID_Y * SS_TH + SS_LOCAL_ID_Y);
}

SS_KERNEL void __launch_bounds__(SS_TW * SS_TH)
ss_conv_dense_direct_k(const float *__restrict__ x, float *__restrict__ out, const float *__restrict__ a,
                       int c_count, int h, int w)
{
    ss_conv_dense_direct(x, out, a, c_count, h, w, SS_GROUP_ID_Z, SS_GROUP_ID * SS_TW + SS_LOCAL_ID,
                         SS_GROUP_ID_Y * SS_TH + SS_LOCAL_ID_Y);
}
