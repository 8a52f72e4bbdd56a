/*
 * Depthwise convolution (SPEC §8): cross-correlation, stride 1, same-size output, one filter per channel.
 * Shared by kernels/opencl/conv.cl and the future CUDA entry points (same kernel names: ss_conv_separable,
 * ss_conv_dense).
 *
 * Specialisation (-D, built by org.scalespace.backend.opencl.ConvDefines):
 *   SS_R        filter radius r (k = 2r + 1)
 *   SS_TERMS    separable terms per channel (1..4; unused terms have coefficient 0)
 *   SS_BORDER   0 zero, 1 reflect (mirror without repeating the edge, as PyTorch), 2 replicate
 *   SS_TW, SS_TH  output tile per work-group (= work-group size, x and y)
 *
 * Layout: x and out are N·C planes of H×W floats (NCHW); work-group (tx, ty, plane) computes the tile's outputs.
 * Separable weights per channel c (4 term slots, as SeparableBank's packed taps): coef[4c + t],
 * col[(4c + t)·k + j] (along x, array column j), row[(4c + t)·k + i] (along y, array row i):
 * A[i][j] = Σ_t coef_t · row_t[i] · col_t[j].
 * Dense weights: a[c·k² + i·k + j].
 */
#ifndef SS_CONV_H
#define SS_CONV_H

#include "portability.h"

#define SS_K (2 * SS_R + 1)
/* term slots per channel in the weight arrays (org.scalespace.conv.SeparableBank.MAX_TERMS) */
#define SS_TERM_STRIDE 4
#define SS_TILE_W (SS_TW + 2 * SS_R)
#define SS_TILE_H (SS_TH + 2 * SS_R)

/* Border indexing: the source index for p in a dimension of n samples, or −1 for a zero sample. */
SS_DEVICE int ss_border_index(int p, int n)
{
#if SS_BORDER == 0
    return (p < 0 || p >= n) ? -1 : p;
#elif SS_BORDER == 1
    if (n == 1) {
        return 0;
    }
    int period = 2 * (n - 1);
    int q = p % period;
    if (q < 0) {
        q += period;
    }
    return q < n ? q : period - q;
#else
    return p < 0 ? 0 : (p >= n ? n - 1 : p);
#endif
}

/* Loads the tile with its halo into local memory, borders applied. All work-items call it. */
SS_DEVICE void ss_conv_load_tile(const SS_GLOBAL float *SS_RESTRICT plane, int h, int w, int x0, int y0,
                                 SS_LOCAL float *tile, int lid, int nthreads)
{
    for (int e = lid; e < SS_TILE_W * SS_TILE_H; e += nthreads) {
        int ty = e / SS_TILE_W;
        int tx = e - ty * SS_TILE_W;
        int sy = ss_border_index(y0 + ty - SS_R, h);
        int sx = ss_border_index(x0 + tx - SS_R, w);
        tile[e] = (sy < 0 || sx < 0) ? 0.0f : plane[(long) sy * w + sx];
    }
}

/*
 * Fused separable convolution of one tile: row pass (along x, with the column-indexed vectors) of all tile rows
 * into local memory, then the column pass (along y) out to global memory. tmp holds SS_TERMS × SS_TILE_H × SS_TW.
 */
SS_DEVICE void ss_conv_separable_tile(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                      const SS_GLOBAL float *SS_RESTRICT coef,
                                      const SS_GLOBAL float *SS_RESTRICT colv,
                                      const SS_GLOBAL float *SS_RESTRICT rowv,
                                      int c_count, int h, int w, int plane_idx, int tile_x, int tile_y,
                                      int lx, int ly, SS_LOCAL float *tile, SS_LOCAL float *tmp)
{
    int c = plane_idx % c_count;
    long base = (long) plane_idx * h * w;
    int x0 = tile_x * SS_TW;
    int y0 = tile_y * SS_TH;
    int lid = ly * SS_TW + lx;
    ss_conv_load_tile(x + base, h, w, x0, y0, tile, lid, SS_TW * SS_TH);
    SS_BARRIER();
    /* row pass: every (term, tile row, output column) */
    for (int e = lid; e < SS_TERMS * SS_TILE_H * SS_TW; e += SS_TW * SS_TH) {
        int t = e / (SS_TILE_H * SS_TW);
        int rem = e - t * (SS_TILE_H * SS_TW);
        int ry = rem / SS_TW;
        int rx = rem - ry * SS_TW;
        const SS_GLOBAL float *u = colv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
        float acc = 0.0f;
        for (int j = 0; j < SS_K; j++) {
            acc = SS_FMA(u[j], tile[ry * SS_TILE_W + rx + j], acc);
        }
        tmp[e] = acc;
    }
    SS_BARRIER();
    int ox = x0 + lx;
    int oy = y0 + ly;
    if (ox < w && oy < h) {
        float sum = 0.0f;
        for (int t = 0; t < SS_TERMS; t++) {
            const SS_GLOBAL float *v = rowv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
            SS_LOCAL const float *col = tmp + t * SS_TILE_H * SS_TW + lx;
            float acc = 0.0f;
            for (int i = 0; i < SS_K; i++) {
                acc = SS_FMA(v[i], col[(ly + i) * SS_TW], acc);
            }
            sum = SS_FMA(coef[SS_TERM_STRIDE * c + t], acc, sum);
        }
        out[base + (long) oy * w + ox] = sum;
    }
}

/* Dense k×k depthwise convolution of one tile; the channel's filter is staged in local memory. */
SS_DEVICE void ss_conv_dense_tile(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                  const SS_GLOBAL float *SS_RESTRICT a, int c_count, int h, int w, int plane_idx,
                                  int tile_x, int tile_y, int lx, int ly, SS_LOCAL float *tile,
                                  SS_LOCAL float *filt)
{
    int c = plane_idx % c_count;
    long base = (long) plane_idx * h * w;
    int x0 = tile_x * SS_TW;
    int y0 = tile_y * SS_TH;
    int lid = ly * SS_TW + lx;
    ss_conv_load_tile(x + base, h, w, x0, y0, tile, lid, SS_TW * SS_TH);
    for (int e = lid; e < SS_K * SS_K; e += SS_TW * SS_TH) {
        filt[e] = a[(long) c * SS_K * SS_K + e];
    }
    SS_BARRIER();
    int ox = x0 + lx;
    int oy = y0 + ly;
    if (ox < w && oy < h) {
        float acc = 0.0f;
        for (int i = 0; i < SS_K; i++) {
            for (int j = 0; j < SS_K; j++) {
                acc = SS_FMA(filt[i * SS_K + j], tile[(ly + i) * SS_TILE_W + lx + j], acc);
            }
        }
        out[base + (long) oy * w + ox] = acc;
    }
}

/*
 * Direct variants (no local memory, no barriers): one output per work-item, reading global memory through the
 * border indexing; the interior (no border within r) takes a branch-free path. Faster on CPU drivers, where
 * local memory is ordinary memory and barriers split the work-item loops.
 */
SS_DEVICE void ss_conv_dense_direct(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                    const SS_GLOBAL float *SS_RESTRICT a, int c_count, int h, int w, int plane_idx,
                                    int ox, int oy)
{
    if (ox >= w || oy >= h) {
        return;
    }
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    const SS_GLOBAL float *f = a + (long) c * SS_K * SS_K;
    float acc = 0.0f;
    if (ox >= SS_R && ox + SS_R < w && oy >= SS_R && oy + SS_R < h) {
        const SS_GLOBAL float *p = plane + (long) (oy - SS_R) * w + (ox - SS_R);
        for (int i = 0; i < SS_K; i++) {
            for (int j = 0; j < SS_K; j++) {
                acc = SS_FMA(f[i * SS_K + j], p[(long) i * w + j], acc);
            }
        }
    } else {
        for (int i = 0; i < SS_K; i++) {
            int sy = ss_border_index(oy + i - SS_R, h);
            for (int j = 0; j < SS_K; j++) {
                int sx = ss_border_index(ox + j - SS_R, w);
                float v = (sy < 0 || sx < 0) ? 0.0f : plane[(long) sy * w + sx];
                acc = SS_FMA(f[i * SS_K + j], v, acc);
            }
        }
    }
    out[(long) plane_idx * h * w + (long) oy * w + ox] = acc;
}

/* Separable, direct: the row pass is recomputed per output row of the column pass (k·(k+1) multiply-adds per term). */
SS_DEVICE void ss_conv_separable_direct(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                        const SS_GLOBAL float *SS_RESTRICT coef,
                                        const SS_GLOBAL float *SS_RESTRICT colv,
                                        const SS_GLOBAL float *SS_RESTRICT rowv,
                                        int c_count, int h, int w, int plane_idx, int ox, int oy)
{
    if (ox >= w || oy >= h) {
        return;
    }
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    int interior = ox >= SS_R && ox + SS_R < w && oy >= SS_R && oy + SS_R < h;
    float sum = 0.0f;
    for (int t = 0; t < SS_TERMS; t++) {
        const SS_GLOBAL float *u = colv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
        const SS_GLOBAL float *v = rowv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
        float acc = 0.0f;
        for (int i = 0; i < SS_K; i++) {
            float racc = 0.0f;
            if (interior) {
                const SS_GLOBAL float *p = plane + (long) (oy + i - SS_R) * w + (ox - SS_R);
                for (int j = 0; j < SS_K; j++) {
                    racc = SS_FMA(u[j], p[j], racc);
                }
            } else {
                int sy = ss_border_index(oy + i - SS_R, h);
                for (int j = 0; j < SS_K; j++) {
                    int sx = ss_border_index(ox + j - SS_R, w);
                    float val = (sy < 0 || sx < 0) ? 0.0f : plane[(long) sy * w + sx];
                    racc = SS_FMA(u[j], val, racc);
                }
            }
            acc = SS_FMA(v[i], racc, acc);
        }
        sum = SS_FMA(coef[SS_TERM_STRIDE * c + t], acc, sum);
    }
    out[(long) plane_idx * h * w + (long) oy * w + ox] = sum;
}

#ifndef SS_NO_PLANE /* the plane schedule (CPU OpenCL drivers) needs a compile-time SS_R for its private tap arrays; the CUDA entry points leave it out */
/*
 * Plane schedule for CPU drivers: one work-item per plane (work-group size 1, so the driver adds no work-item
 * loop), rows processed in order; the interior of each row is a unit-stride loop over x that the compiler
 * vectorises, the r columns at each edge go through the border indexing.
 */

/* dst[x] (+)= Σ_j u[j]·src_row(x + j − r) for x in [0, w), border in x; accumulate selects = or +=. */
SS_DEVICE void ss_row_pass(const SS_GLOBAL float *SS_RESTRICT src, SS_GLOBAL float *SS_RESTRICT dst,
                           const SS_GLOBAL float *SS_RESTRICT u, float scale, int w, int accumulate)
{
    int x0 = SS_R < w ? SS_R : w;
    int x1 = w - SS_R > x0 ? w - SS_R : x0;
    for (int x = 0; x < w; x++) {
        if (x == x0) {
            x = x1; /* skip the interior, done below */
            if (x >= w) {
                break;
            }
        }
        float acc = 0.0f;
        for (int j = 0; j < SS_K; j++) {
            int sx = ss_border_index(x + j - SS_R, w);
            acc = SS_FMA(u[j], sx < 0 ? 0.0f : src[sx], acc);
        }
        dst[x] = accumulate ? SS_FMA(scale, acc, dst[x]) : scale * acc;
    }
    /* interior: one pass, the k taps unrolled inside the unit-stride x loop */
    float f[SS_K];
    for (int j = 0; j < SS_K; j++) {
        f[j] = scale * u[j];
    }
    const SS_GLOBAL float *s = src - SS_R;
    for (int x = x0; x < x1; x++) {
        float acc = accumulate ? dst[x] : 0.0f;
#pragma unroll
        for (int j = 0; j < SS_K; j++) {
            acc = SS_FMA(f[j], s[x + j], acc);
        }
        dst[x] = acc;
    }
}

/* Dense k×k on one plane: out rows accumulate k² shifted input rows (interior vectorised, edges bordered). */
SS_DEVICE void ss_conv_dense_plane(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                   const SS_GLOBAL float *SS_RESTRICT a, int c_count, int h, int w, int plane_idx)
{
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    SS_GLOBAL float *oplane = out + (long) plane_idx * h * w;
    const SS_GLOBAL float *f = a + (long) c * SS_K * SS_K;
    for (int y = 0; y < h; y++) {
        SS_GLOBAL float *orow = oplane + (long) y * w;
        int first = 1;
        for (int i = 0; i < SS_K; i++) {
            int sy = ss_border_index(y + i - SS_R, h);
            if (sy < 0) {
                continue;
            }
            ss_row_pass(plane + (long) sy * w, orow, f + i * SS_K, 1.0f, w, !first);
            first = 0;
        }
        if (first) {
            for (int xx = 0; xx < w; xx++) {
                orow[xx] = 0.0f;
            }
        }
    }
}

/*
 * Separable on one plane: per term, the row pass of every input row into tmp (this plane's scratch), then the
 * column pass accumulated into out with the term's coefficient.
 */
SS_DEVICE void ss_conv_separable_plane(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                       SS_GLOBAL float *SS_RESTRICT tmp_all,
                                       const SS_GLOBAL float *SS_RESTRICT coef,
                                       const SS_GLOBAL float *SS_RESTRICT colv,
                                       const SS_GLOBAL float *SS_RESTRICT rowv,
                                       int c_count, int h, int w, int plane_idx)
{
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    SS_GLOBAL float *oplane = out + (long) plane_idx * h * w;
    SS_GLOBAL float *tmp = tmp_all + (long) plane_idx * h * w;
    for (int t = 0; t < SS_TERMS; t++) {
        const SS_GLOBAL float *u = colv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
        const SS_GLOBAL float *v = rowv + (long) (SS_TERM_STRIDE * c + t) * SS_K;
        float ct = coef[SS_TERM_STRIDE * c + t];
        for (int y = 0; y < h; y++) {
            ss_row_pass(plane + (long) y * w, tmp + (long) y * w, u, 1.0f, w, 0);
        }
        float fv[SS_K];
        for (int i = 0; i < SS_K; i++) {
            fv[i] = ct * v[i];
        }
        for (int y = 0; y < h; y++) {
            SS_GLOBAL float *orow = oplane + (long) y * w;
            if (y >= SS_R && y + SS_R < h) {
                /* interior rows: the k taps unrolled inside the unit-stride x loop */
                const SS_GLOBAL float *t0 = tmp + (long) (y - SS_R) * w;
                for (int xx = 0; xx < w; xx++) {
                    float acc = t == 0 ? 0.0f : orow[xx];
#pragma unroll
                    for (int i = 0; i < SS_K; i++) {
                        acc = SS_FMA(fv[i], t0[(long) i * w + xx], acc);
                    }
                    orow[xx] = acc;
                }
                continue;
            }
            if (t == 0) {
                for (int xx = 0; xx < w; xx++) {
                    orow[xx] = 0.0f;
                }
            }
            for (int i = 0; i < SS_K; i++) {
                int sy = ss_border_index(y + i - SS_R, h);
                if (sy < 0) {
                    continue;
                }
                const SS_GLOBAL float *trow = tmp + (long) sy * w;
                for (int xx = 0; xx < w; xx++) {
                    orow[xx] = SS_FMA(fv[i], trow[xx], orow[xx]);
                }
            }
        }
    }
}

#endif /* SS_NO_PLANE */

#endif
