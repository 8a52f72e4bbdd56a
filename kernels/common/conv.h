/*
 * Depthwise convolution (SPEC §8): cross-correlation, stride 1, same-size output, one filter per channel.
 * Shared by kernels/opencl/conv.cl and kernels/cuda/conv.cu (same kernel names: ss_conv_separable,
 * ss_conv_dense).
 *
 * Specialisation (-D, built by org.scalespace.backend.device.ConvDefines):
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
 * Plane schedule for CPU drivers: one work-item per plane (work-group size 1, so the driver adds no work-item loop
 * and no barrier splits the code), rows in order. Each input row is copied once into a padded row of
 * SS_PAD_W(w) = w + 2r floats with the border applied (the only place where borders are handled), so every tap loop
 * is a branch-free unit-stride loop over x that the compiler vectorises (LLVM: 16 floats per AVX-512 register),
 * with the taps unrolled inside it. Per-plane scratch (global, from the host: SS_PLANE_SCRATCH(w) floats per plane)
 * holds a ring of k rows, indexed by input row mod k, so each input row is read from memory once.
 *   dense:     ring of k padded input rows; output row y = Σ_i Σ_j a[i][j]·pad_{y+i−r}[x + j]
 *   separable: one padded row, then per term its row pass (along x) into a ring of k rows per term; output row y =
 *              Σ_t Σ_i coef_t·row_t[i]·hpass_t,{y+i−r}[x] (the column pass).
 */
#define SS_PAD_W(w) ((w) + 2 * SS_R)
#define SS_DENSE_SCRATCH(w) ((long) SS_K * SS_PAD_W(w))
#define SS_SEP_SCRATCH(w) ((long) SS_PAD_W(w) + (long) SS_TERMS * SS_K * (w))

/* pad ← input row q of the plane with the border applied in x, or zeros when q maps outside (zero border). */
SS_DEVICE void ss_pad_row(const SS_GLOBAL float *SS_RESTRICT plane, SS_GLOBAL float *SS_RESTRICT pad, int q,
                          int h, int w)
{
    int sy = ss_border_index(q, h);
    if (sy < 0) {
        for (int x = 0; x < SS_PAD_W(w); x++) {
            pad[x] = 0.0f;
        }
        return;
    }
    const SS_GLOBAL float *src = plane + (long) sy * w;
    for (int x = 0; x < w; x++) {
        pad[SS_R + x] = src[x];
    }
    for (int e = 0; e < SS_R; e++) {
        int sl = ss_border_index(e - SS_R, w);
        int sr = ss_border_index(w + e, w);
        pad[e] = sl < 0 ? 0.0f : src[sl];
        pad[SS_R + w + e] = sr < 0 ? 0.0f : src[sr];
    }
}

/* ring slot of input row q (q ≥ −r) */
#define SS_SLOT(q) (((q) + SS_K) % SS_K)

/*
 * The x loops use explicit floatN vectors (N = SS_VW, 16: one AVX-512 register) rather than relying on the driver's
 * loop vectoriser (PoCL 3.1 left the 49-tap dense loop scalar). Rows of w ≥ SS_VW: vectors at x = 0, N, 2N, ... and
 * a last one ending at w (overlapping the previous one and writing the same values again), so there is no scalar
 * tail; w < SS_VW: scalar loops.
 */
#ifndef SS_VW
#define SS_VW 16
#endif
#define SS_CCAT_(a, b) a##b
#define SS_CCAT(a, b) SS_CCAT_(a, b)
#define SS_VF SS_CCAT(float, SS_VW)
#define SS_VLOAD SS_CCAT(vload, SS_VW)
/* unaligned whole-vector store: PoCL 3.1's vstore16 writes four 16-byte pieces, this is one 64-byte store */
typedef SS_VF ss_vf_unaligned __attribute__((aligned(4)));
#define SS_VSTORE(v, o, p) (*(SS_GLOBAL ss_vf_unaligned *) (p) = (v))

/* the start of the vector after x0 in a row of w ≥ SS_VW floats: the last one ends at w */
SS_DEVICE int ss_next_x(int x0, int w)
{
    int nx = x0 + SS_VW;
    return nx < w && nx + SS_VW > w ? w - SS_VW : nx;
}

/* Dense k×k on one plane; scratch: SS_DENSE_SCRATCH(w) floats of this plane. */
SS_DEVICE void ss_conv_dense_plane(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                   const SS_GLOBAL float *SS_RESTRICT a, SS_GLOBAL float *SS_RESTRICT scratch,
                                   int c_count, int h, int w, int plane_idx)
{
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    SS_GLOBAL float *oplane = out + (long) plane_idx * h * w;
    SS_GLOBAL float *ring = scratch + (long) plane_idx * SS_DENSE_SCRATCH(w);
    const SS_GLOBAL float *f = a + (long) c * SS_K * SS_K;
    int pw = SS_PAD_W(w);
    for (int q = -SS_R; q < SS_R; q++) {
        ss_pad_row(plane, ring + (long) SS_SLOT(q) * pw, q, h, w);
    }
    for (int y = 0; y < h; y++) {
        ss_pad_row(plane, ring + (long) SS_SLOT(y + SS_R) * pw, y + SS_R, h, w);
        const SS_GLOBAL float *rows[SS_K];
        for (int i = 0; i < SS_K; i++) {
            rows[i] = ring + (long) SS_SLOT(y - SS_R + i) * pw;
        }
        SS_GLOBAL float *orow = oplane + (long) y * w;
        if (w < SS_VW) {
            for (int xx = 0; xx < w; xx++) {
                float acc = 0.0f;
                for (int i = 0; i < SS_K; i++) {
                    for (int j = 0; j < SS_K; j++) {
                        acc = SS_FMA(f[i * SS_K + j], rows[i][xx + j], acc);
                    }
                }
                orow[xx] = acc;
            }
            continue;
        }
        for (int xx = 0; xx < w; xx = ss_next_x(xx, w)) {
            SS_VF acc = (SS_VF) (0.0f);
#if SS_K <= 9
#pragma unroll
#endif
            for (int i = 0; i < SS_K; i++) {
                const SS_GLOBAL float *p = rows[i] + xx;
#pragma unroll
                for (int j = 0; j < SS_K; j++) {
                    acc = SS_FMA((SS_VF) (f[i * SS_K + j]), SS_VLOAD(0, p + j), acc);
                }
            }
            SS_VSTORE(acc, 0, orow + xx);
        }
    }
}

/* Separable on one plane; scratch: SS_SEP_SCRATCH(w) floats of this plane (padded row, then the row-pass rings). */
SS_DEVICE void ss_conv_separable_plane(const SS_GLOBAL float *SS_RESTRICT x, SS_GLOBAL float *SS_RESTRICT out,
                                       SS_GLOBAL float *SS_RESTRICT scratch,
                                       const SS_GLOBAL float *SS_RESTRICT coef,
                                       const SS_GLOBAL float *SS_RESTRICT colv,
                                       const SS_GLOBAL float *SS_RESTRICT rowv,
                                       int c_count, int h, int w, int plane_idx)
{
    int c = plane_idx % c_count;
    const SS_GLOBAL float *plane = x + (long) plane_idx * h * w;
    SS_GLOBAL float *oplane = out + (long) plane_idx * h * w;
    SS_GLOBAL float *pad = scratch + (long) plane_idx * SS_SEP_SCRATCH(w);
    SS_GLOBAL float *ring = pad + SS_PAD_W(w);
    float fu[SS_TERMS][SS_K];
    float fv[SS_TERMS][SS_K];
    for (int t = 0; t < SS_TERMS; t++) {
        float ct = coef[SS_TERM_STRIDE * c + t];
        for (int j = 0; j < SS_K; j++) {
            fu[t][j] = colv[(long) (SS_TERM_STRIDE * c + t) * SS_K + j];
            fv[t][j] = ct * rowv[(long) (SS_TERM_STRIDE * c + t) * SS_K + j];
        }
    }
    for (int q = -SS_R; q < h + SS_R; q++) {
        /* row pass of input row q (every term) into its ring slot */
        ss_pad_row(plane, pad, q, h, w);
        for (int t = 0; t < SS_TERMS; t++) {
            SS_GLOBAL float *hrow = ring + ((long) t * SS_K + SS_SLOT(q)) * w;
            if (w < SS_VW) {
                for (int xx = 0; xx < w; xx++) {
                    float acc = 0.0f;
                    for (int j = 0; j < SS_K; j++) {
                        acc = SS_FMA(fu[t][j], pad[xx + j], acc);
                    }
                    hrow[xx] = acc;
                }
                continue;
            }
            for (int xx = 0; xx < w; xx = ss_next_x(xx, w)) {
                SS_VF acc = (SS_VF) (0.0f);
#pragma unroll
                for (int j = 0; j < SS_K; j++) {
                    acc = SS_FMA((SS_VF) (fu[t][j]), SS_VLOAD(0, pad + xx + j), acc);
                }
                SS_VSTORE(acc, 0, hrow + xx);
            }
        }
        /* column pass, every term at once: output row y = q − r once its k row passes exist */
        int y = q - SS_R;
        if (y < 0) {
            continue;
        }
        SS_GLOBAL float *orow = oplane + (long) y * w;
        const SS_GLOBAL float *rows[SS_TERMS * SS_K];
        for (int t = 0; t < SS_TERMS; t++) {
            for (int i = 0; i < SS_K; i++) {
                rows[t * SS_K + i] = ring + ((long) t * SS_K + SS_SLOT(y - SS_R + i)) * w;
            }
        }
        if (w < SS_VW) {
            for (int xx = 0; xx < w; xx++) {
                float acc = 0.0f;
                for (int t = 0; t < SS_TERMS; t++) {
                    for (int i = 0; i < SS_K; i++) {
                        acc = SS_FMA(fv[t][i], rows[t * SS_K + i][xx], acc);
                    }
                }
                orow[xx] = acc;
            }
            continue;
        }
        for (int xx = 0; xx < w; xx = ss_next_x(xx, w)) {
            SS_VF acc = (SS_VF) (0.0f);
#pragma unroll
            for (int t = 0; t < SS_TERMS; t++) {
#pragma unroll
                for (int i = 0; i < SS_K; i++) {
                    acc = SS_FMA((SS_VF) (fv[t][i]), SS_VLOAD(0, rows[t * SS_K + i] + xx), acc);
                }
            }
            SS_VSTORE(acc, 0, orow + xx);
        }
    }
}

#undef SS_SLOT
#endif /* SS_NO_PLANE */

#endif
