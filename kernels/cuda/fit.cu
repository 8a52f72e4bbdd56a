/*
 * CUDA entry point of the coarse fit; the math is in kernels/common/fit.h (shared with kernels/opencl/fit.cl).
 *
 * Specialisation. OpenCL compiles fit.h at run time with every value of FitDefines as a -D define. CUDA PTX is
 * built once, by nvcc during the Maven build, so this file splits FitDefines in two:
 *   - build time (-D, one PTX file per combination, see pom.xml profile "cuda" / native-test): SS_MODE,
 *     SS_LOCAL_TABLES and SS_WG (they select code paths and reduction shapes); SS_K optionally (a variant
 *     specialised for k = 7, the common case, with fully unrolled tap loops);
 *   - load time: every other value (SS_K when not built in, SS_BLOCKS, SS_NUMCOL, SS_NUMROW, SS_MAX_TERMS) is a
 *     __constant__ of the module, written by the host once per loaded module instance (the module cache is keyed
 *     by the whole FitDefines record, so one instance never serves two specialisations).
 * Shared memory is dynamic (extern __shared__), sized by the host from FitDefines.localBytes().
 */
#include "../common/portability.h"

#ifndef SS_WG
#define SS_WG 64
#endif
#ifndef SS_K
__constant__ int ss_c_k;
#define SS_K ss_c_k
#endif
#ifndef SS_BLOCKS
__constant__ int ss_c_blocks;
#define SS_BLOCKS ss_c_blocks
#endif
#ifndef SS_NUMCOL
__constant__ int ss_c_numcol;
#define SS_NUMCOL ss_c_numcol
#endif
#ifndef SS_NUMROW
__constant__ int ss_c_numrow;
#define SS_NUMROW ss_c_numrow
#endif
#ifndef SS_MAX_TERMS
__constant__ int ss_c_max_terms;
#define SS_MAX_TERMS ss_c_max_terms
#endif

#include "../common/fit.h"

#define SS_MAX1(x) ((x) > 0 ? (x) : 1)

SS_KERNEL void __launch_bounds__(SS_WG)
ss_fit_coarse(const float *__restrict__ filters,
              const float *__restrict__ frame_off,
              const float *__restrict__ frame_inv,
              const float *__restrict__ col_vecs,
              const float *__restrict__ row_vecs,
              const int *__restrict__ cand_idx,
              const float *__restrict__ cand_f,
              const int *__restrict__ block_start,
              const float *__restrict__ dense,
              float *__restrict__ w_scratch,
              int *__restrict__ out_best,
              float *__restrict__ out_score)
{
    /* layout (FitDefines.localBytes()): h[k²], red_s[WG], red_i[WG], then with local tables w[NUMCOL·k], r[NUMROW·k] */
    extern __shared__ float ss_smem[];
    float *h = ss_smem;
    float *red_s = h + SS_KK;
    int *red_i = (int *) (red_s + SS_WG);
    int n = SS_GROUP_ID;
    int lid = SS_LOCAL_ID;
#if SS_LOCAL_TABLES
    float *w = (float *) (red_i + SS_WG);
    float *r = w + SS_MAX1(SS_NUMCOL * SS_K);
    ss_fit_coarse_group(n, lid, filters, frame_off, frame_inv, col_vecs, row_vecs, cand_idx, cand_f, block_start,
                        dense, out_best, out_score, h, w, r, red_s, red_i);
#else
    ss_fit_coarse_group(n, lid, filters, frame_off, frame_inv, col_vecs, row_vecs, cand_idx, cand_f, block_start,
                        dense, out_best, out_score, h, w_scratch + (long) n * SS_NUMCOL * SS_K, row_vecs, red_s,
                        red_i);
#endif
}
