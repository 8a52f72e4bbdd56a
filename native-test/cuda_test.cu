/*
 * CUDA harness: kernels/cuda/conv.cu (reflect border, runtime radius and terms, as the Java backend sets them) and
 * kernels/cuda/fit.cu (cuda_fit.cu) against reference.h; prints PASS or FAIL, or SKIP (exit 0) without a CUDA
 * device. Run under compute-sanitizer on a GPU machine (README, GPU runbook).
 */
#define SS_BORDER 1
#include "../kernels/cuda/conv.cu"
#include <cuda_runtime.h>
extern "C" {
#include "reference.h"
}

#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \
    printf("FAIL: %s: %s (%s) at %s:%d\n", #call, cudaGetErrorName(e_), cudaGetErrorString(e_), __FILE__, __LINE__); \
    exit(1); } } while (0)

int cuda_fit_test(void);

static int conv_test(int r, int terms)
{
    const int n = 2, c = 3, h = 37, w = 45, k = 2 * r + 1, stride = SS_TERM_STRIDE;
    long total = (long) n * c * h * w;
    float *x = (float *) malloc(4 * total), *out = (float *) malloc(4 * total), *want = (float *) malloc(4 * total);
    float *coef = (float *) calloc(stride * c, 4), *colv = (float *) calloc(stride * c * k, 4),
          *rowv = (float *) calloc(stride * c * k, 4), *a = (float *) malloc(4 * c * k * k);
    for (long i = 0; i < total; i++) x[i] = ref_rand();
    for (int ch = 0; ch < c; ch++)
        for (int t = 0; t < terms; t++) {
            coef[stride * ch + t] = ref_rand();
            for (int i = 0; i < k; i++) {
                colv[(stride * ch + t) * k + i] = ref_rand();
                rowv[(stride * ch + t) * k + i] = ref_rand();
            }
        }
    CK(cudaMemcpyToSymbol(ss_c_r, &r, 4));
    CK(cudaMemcpyToSymbol(ss_c_terms, &terms, 4));
    float *dx, *dout, *dcoef, *dcol, *drow, *da;
    CK(cudaMalloc(&dx, 4 * total));
    CK(cudaMalloc(&dout, 4 * total));
    CK(cudaMalloc(&dcoef, 4 * stride * c));
    CK(cudaMalloc(&dcol, 4 * stride * c * k));
    CK(cudaMalloc(&drow, 4 * stride * c * k));
    CK(cudaMalloc(&da, 4 * c * k * k));
    CK(cudaMemcpy(dx, x, 4 * total, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dcoef, coef, 4 * stride * c, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dcol, colv, 4 * stride * c * k, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(drow, rowv, 4 * stride * c * k, cudaMemcpyHostToDevice));
    dim3 grid((w + SS_TW - 1) / SS_TW, (h + SS_TH - 1) / SS_TH, n * c), block(SS_TW, SS_TH, 1);
    size_t tile = (size_t) (SS_TW + 2 * r) * (SS_TH + 2 * r);
    ss_conv_separable<<<grid, block, 4 * (tile + (size_t) terms * (SS_TH + 2 * r) * SS_TW)>>>(dx, dout, dcoef, dcol,
                                                                                              drow, c, h, w);
    CK(cudaGetLastError());
    CK(cudaMemcpy(out, dout, 4 * total, cudaMemcpyDeviceToHost));
    ref_sep_to_dense(coef, colv, rowv, c, terms, stride, r, a);
    ref_dense(x, want, a, n * c, c, h, w, r, SS_BORDER);
    double rel = ref_rel_l2(want, out, total);
    printf("  conv separable r=%d terms=%d reflect: rel l2 %.2e\n", r, terms, rel);
    int fails = !(rel <= 1e-5);
    for (int i = 0; i < c * k * k; i++) a[i] = ref_rand();
    CK(cudaMemcpy(da, a, 4 * c * k * k, cudaMemcpyHostToDevice));
    ss_conv_dense<<<grid, block, 4 * (tile + (size_t) k * k)>>>(dx, dout, da, c, h, w);
    CK(cudaGetLastError());
    CK(cudaMemcpy(out, dout, 4 * total, cudaMemcpyDeviceToHost));
    ref_dense(x, want, a, n * c, c, h, w, r, SS_BORDER);
    rel = ref_rel_l2(want, out, total);
    printf("  conv dense r=%d reflect: rel l2 %.2e\n", r, rel);
    fails += !(rel <= 1e-5);
    cudaFree(dx); cudaFree(dout); cudaFree(dcoef); cudaFree(dcol); cudaFree(drow); cudaFree(da);
    free(x); free(out); free(want); free(coef); free(colv); free(rowv); free(a);
    return fails;
}

int main(void)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        printf("SKIP: no CUDA device (%s)\n", e != cudaSuccess ? cudaGetErrorString(e) : "device count 0");
        return 0;
    }
    cudaDeviceProp p;
    CK(cudaGetDeviceProperties(&p, 0));
    printf("CUDA device 0: %s (compute capability %d.%d)\n", p.name, p.major, p.minor);
    int fails = conv_test(3, 3) + conv_test(1, 4) + conv_test(15, 1);
    fails += cuda_fit_test();
    printf(fails ? "FAIL\n" : "PASS\n");
    return fails ? 1 : 0;
}
