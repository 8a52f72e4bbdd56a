/* Small C reference (double accumulation) and test data shared by the OpenCL and CUDA harnesses. */
#ifndef SS_NATIVE_REFERENCE_H
#define SS_NATIVE_REFERENCE_H
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long ref_seed = 12345;
static float ref_rand(void) /* uniform in [-1, 1) */
{
    ref_seed = ref_seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float) ((ref_seed >> 40) / (double) (1ULL << 24) * 2.0 - 1.0);
}

static int ref_border(int p, int n, int border)
{
    if (p >= 0 && p < n) return p;
    if (border == 0) return -1;
    if (border == 2) return p < 0 ? 0 : n - 1;
    if (n == 1) return 0;
    int period = 2 * (n - 1), q = p % period;
    if (q < 0) q += period;
    return q < n ? q : period - q;
}

/* dense k×k cross-correlation of planes (N·C of H×W), filter a[c·k² + i·k + j] */
static void ref_dense(const float *x, float *out, const float *a, int planes, int c_count, int h, int w, int r,
                      int border)
{
    int k = 2 * r + 1;
    for (int p = 0; p < planes; p++) {
        const float *f = a + (long) (p % c_count) * k * k;
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                double acc = 0;
                for (int i = 0; i < k; i++) {
                    int sy = ref_border(y + i - r, h, border);
                    for (int j = 0; j < k; j++) {
                        int sx = ref_border(xx + j - r, w, border);
                        if (sy >= 0 && sx >= 0) acc += (double) f[i * k + j] * x[(long) p * h * w + sy * w + sx];
                    }
                }
                out[(long) p * h * w + y * w + xx] = (float) acc;
            }
        }
    }
}

/* separable weights (stride slots per channel) → dense filters */
static void ref_sep_to_dense(const float *coef, const float *colv, const float *rowv, int c_count, int terms,
                             int stride, int r, float *a)
{
    int k = 2 * r + 1;
    for (int c = 0; c < c_count; c++)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int t = 0; t < terms; t++)
                    s += (double) coef[stride * c + t] * rowv[(stride * c + t) * k + i] * colv[(stride * c + t) * k + j];
                a[(long) c * k * k + i * k + j] = (float) s;
            }
}

static double ref_rel_l2(const float *want, const float *got, long n)
{
    double num = 0, den = 0;
    for (long i = 0; i < n; i++) {
        double d = (double) want[i] - got[i];
        num += d * d;
        den += (double) want[i] * want[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/*
 * Fit test problem (mode 0, gain-offset l2): NC column and NR row vectors of length k, candidates of 1..3 terms in
 * `blocks` blocks, cand_idx/cand_f in the layout of kernels/common/fit.h. The reference returns, per filter and
 * block, the double-precision best candidate's score; the device's choice must score within tol of it.
 */
static double ref_fit_part(const float *h, int k, const int *idx, const float *cf, const float *colv,
                           const float *rowv, int c)
{
    int kk = k * k;
    double d = 0, sum_h = 0;
    for (int e = 0; e < kk; e++) sum_h += h[e];
    for (int t = 0; t < idx[8 * c + 6]; t++) {
        const float *u = colv + idx[8 * c + t] * k, *v = rowv + idx[8 * c + 3 + t] * k;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) d += (double) cf[8 * c + t] * v[i] * u[j] * h[i * k + j];
    }
    double num = d - sum_h * cf[8 * c + 3];
    return -(num * num) * cf[8 * c + 4];
}

static void ref_fit_tables(int k, int nc, int nr, int cands, int *idx, float *cf, float *colv, float *rowv)
{
    int kk = k * k;
    for (int i = 0; i < nc * k; i++) colv[i] = ref_rand();
    for (int i = 0; i < nr * k; i++) rowv[i] = ref_rand();
    for (int c = 0; c < cands; c++) {
        int nt = 1 + c % 3;
        double m[31 * 31] = {0};
        for (int t = 0; t < 3; t++) {
            idx[8 * c + t] = (c * 7 + t * 3) % nc;
            idx[8 * c + 3 + t] = (c * 5 + t) % nr;
            cf[8 * c + t] = t < nt ? ref_rand() : 0.0f;
        }
        idx[8 * c + 6] = nt;
        idx[8 * c + 7] = 0;
        for (int t = 0; t < nt; t++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    m[i * k + j] += (double) cf[8 * c + t] * rowv[idx[8 * c + 3 + t] * k + i] * colv[idx[8 * c + t] * k + j];
        double s = 0, q = 0;
        for (int e = 0; e < kk; e++) { s += m[e]; q += m[e] * m[e]; }
        double qc = q - s * s / kk;
        cf[8 * c + 3] = (float) (s / kk);
        cf[8 * c + 4] = qc > 0 ? (float) (1.0 / qc) : 0.0f;
        cf[8 * c + 5] = q > 0 ? (float) (1.0 / q) : 0.0f;
        cf[8 * c + 6] = (float) s;
        cf[8 * c + 7] = (float) q;
    }
}

/* checks the device's choices: returns the number of (filter, block) pairs whose choice is worse than tol */
static int ref_fit_check(int n, int k, int blocks, const int *block_start, const float *filters, const int *idx,
                         const float *cf, const float *colv, const float *rowv, const int *best, double tol)
{
    int bad = 0, kk = k * k;
    for (int f = 0; f < n; f++) {
        const float *h = filters + (long) f * kk;
        double sq = 0;
        for (int e = 0; e < kk; e++) sq += (double) h[e] * h[e];
        for (int b = 0; b < blocks; b++) {
            double ref = INFINITY;
            for (int c = block_start[b]; c < block_start[b + 1]; c++) {
                double p = ref_fit_part(h, k, idx, cf, colv, rowv, c);
                if (p < ref) ref = p;
            }
            int got = best[f * blocks + b];
            if (got < block_start[b] || got >= block_start[b + 1]) { bad++; continue; }
            double pg = ref_fit_part(h, k, idx, cf, colv, rowv, got);
            if (pg > ref + tol * (sq + 1e-30)) {
                if (bad < 5) fprintf(stderr, "fit: filter %d block %d: candidate %d scores %g, best %g\n", f, b, got, pg, ref);
                bad++;
            }
        }
    }
    return bad;
}
#endif
