/* CUDA harness, fit part: kernels/cuda/fit.cu (mode 0, shared-memory tables, runtime k) against reference.h. */
#define SS_MODE 0
#define SS_LOCAL_TABLES 1
#include "../kernels/cuda/fit.cu"
#include <cuda_runtime.h>
extern "C" {
#include "reference.h"
}

#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) { \
    printf("FAIL: %s: %s (%s) at %s:%d\n", #call, cudaGetErrorName(e_), cudaGetErrorString(e_), __FILE__, __LINE__); \
    exit(1); } } while (0)

template <typename T> static T *up(const T *h, size_t n)
{
    T *d;
    CK(cudaMalloc(&d, n * sizeof(T) + 4));
    if (h) CK(cudaMemcpy(d, h, n * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

int cuda_fit_test(void)
{
    enum { K = 7, NC = 11, NR = 9, CANDS = 157, BLOCKS = 3, N = 53 };
    static int idx[8 * CANDS], best[N * BLOCKS];
    static float cf[8 * CANDS], colv[NC * K], rowv[NR * K], filters[N * K * K], off[N * BLOCKS], inv[N * BLOCKS];
    int block_start[BLOCKS + 1] = {0, 50, 101, CANDS};
    ref_fit_tables(K, NC, NR, CANDS, idx, cf, colv, rowv);
    for (int i = 0; i < N * K * K; i++) filters[i] = ref_rand();
    for (int i = 0; i < N * BLOCKS; i++) { off[i] = 0; inv[i] = 1; }
    int k = K, blocks = BLOCKS, nc = NC, nr = NR, mt = 3;
    CK(cudaMemcpyToSymbol(ss_c_k, &k, 4));
    CK(cudaMemcpyToSymbol(ss_c_blocks, &blocks, 4));
    CK(cudaMemcpyToSymbol(ss_c_numcol, &nc, 4));
    CK(cudaMemcpyToSymbol(ss_c_numrow, &nr, 4));
    CK(cudaMemcpyToSymbol(ss_c_max_terms, &mt, 4));
    int *d_best = up<int>(NULL, N * BLOCKS);
    float *d_score = up<float>(NULL, N * BLOCKS);
    size_t shared = 4 * (K * K + 2 * SS_WG + K * (NC + NR));
    ss_fit_coarse<<<N, SS_WG, shared>>>(up(filters, N * K * K), up(off, N * BLOCKS), up(inv, N * BLOCKS),
                                        up(colv, NC * K), up(rowv, NR * K), up(idx, 8 * CANDS), up(cf, 8 * CANDS),
                                        up(block_start, BLOCKS + 1), up<float>(NULL, 1), up<float>(NULL, 1), d_best,
                                        d_score);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    CK(cudaMemcpy(best, d_best, sizeof best, cudaMemcpyDeviceToHost));
    int bad = ref_fit_check(N, K, BLOCKS, block_start, filters, idx, cf, colv, rowv, best, 1e-4);
    printf("  fit (k=%d, %d filters, %d candidates, %d blocks): %d choices worse than the reference\n", K, N, CANDS,
           BLOCKS, bad);
    return bad != 0; /* device memory is released at exit (a harness, not a library) */
}
