/*
 * OpenCL harness: builds kernels/opencl/{conv,fit}.cl (with kernels/common) as the Java backend does (-D defines),
 * runs ss_conv_separable / ss_conv_dense (every border) and ss_fit_coarse on the first OpenCL device, compares with
 * reference.h, prints PASS or FAIL; SKIP (exit 0) when there is no OpenCL platform or device.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <string.h>
#include "reference.h"

#ifndef SS_KERNELS_DIR
#error "define SS_KERNELS_DIR (CMake does)"
#endif

static const char *cl_name(cl_int e)
{
    switch (e) {
    case CL_BUILD_PROGRAM_FAILURE: return "CL_BUILD_PROGRAM_FAILURE";
    case CL_INVALID_KERNEL_ARGS: return "CL_INVALID_KERNEL_ARGS";
    case CL_INVALID_WORK_GROUP_SIZE: return "CL_INVALID_WORK_GROUP_SIZE";
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    default: return "CL error";
    }
}
#define CHECK(call) do { cl_int e_ = (call); if (e_ != CL_SUCCESS) { \
    printf("FAIL: %s returned %d (%s) at line %d\n", #call, e_, cl_name(e_), __LINE__); exit(1); } } while (0)

static cl_context ctx;
static cl_device_id dev;
static cl_command_queue q;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { printf("FAIL: cannot read %s\n", path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc(n + 1);
    if (fread(s, 1, n, f) != (size_t) n) { printf("FAIL: short read %s\n", path); exit(1); }
    s[n] = 0;
    fclose(f);
    return s;
}

static cl_program build(const char *file, const char *defines)
{
    char path[4096], opts[4096];
    snprintf(path, sizeof path, "%s/opencl/%s", SS_KERNELS_DIR, file);
    snprintf(opts, sizeof opts, "-cl-std=CL1.2 -I %s/opencl %s", SS_KERNELS_DIR, defines);
    const char *src = read_file(path);
    cl_int e;
    cl_program p = clCreateProgramWithSource(ctx, 1, &src, NULL, &e);
    CHECK(e);
    e = clBuildProgram(p, 1, &dev, opts, NULL, NULL);
    if (e != CL_SUCCESS) {
        char log[16384] = {0};
        clGetProgramBuildInfo(p, dev, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        printf("FAIL: building %s with %s:\n%s\n", file, opts, log);
        exit(1);
    }
    return p;
}

static cl_mem buf(size_t bytes, const void *host)
{
    cl_int e;
    cl_mem m = clCreateBuffer(ctx, CL_MEM_READ_WRITE | (host ? CL_MEM_COPY_HOST_PTR : 0), bytes, (void *) host, &e);
    CHECK(e);
    return m;
}

static int test_conv(int border)
{
    const int n = 2, c = 3, h = 37, w = 45, r = 3, k = 2 * r + 1, terms = 3, tw = 16, th = 8;
    long total = (long) n * c * h * w;
    float *x = malloc(4 * total), *out = malloc(4 * total), *want = malloc(4 * total);
    float coef[12] = {0}, colv[12 * 7] = {0}, rowv[12 * 7] = {0}, a[3 * 49]; /* 4 term slots per channel */
    for (long i = 0; i < total; i++) x[i] = ref_rand();
    for (int ch = 0; ch < c; ch++)
        for (int t = 0; t < terms; t++) {
            coef[4 * ch + t] = ref_rand();
            for (int i = 0; i < k; i++) { colv[(4 * ch + t) * k + i] = ref_rand(); rowv[(4 * ch + t) * k + i] = ref_rand(); }
        }
    char defs[256];
    snprintf(defs, sizeof defs, "-D SS_R=%d -D SS_TERMS=%d -D SS_BORDER=%d -D SS_TW=%d -D SS_TH=%d", r, terms, border,
             tw, th);
    cl_program p = build("conv.cl", defs);
    cl_int e;
    cl_mem bx = buf(4 * total, x), bo = buf(4 * total, NULL), bc = buf(sizeof coef, coef), bcol = buf(sizeof colv, colv),
           brow = buf(sizeof rowv, rowv), ba;
    size_t global[3] = {(size_t) ((w + tw - 1) / tw * tw), (size_t) ((h + th - 1) / th * th), (size_t) (n * c)};
    size_t local[3] = {(size_t) tw, (size_t) th, 1};
    int fails = 0;
    /* separable */
    cl_kernel ks = clCreateKernel(p, "ss_conv_separable", &e);
    CHECK(e);
    CHECK(clSetKernelArg(ks, 0, sizeof bx, &bx));
    CHECK(clSetKernelArg(ks, 1, sizeof bo, &bo));
    CHECK(clSetKernelArg(ks, 2, sizeof bc, &bc));
    CHECK(clSetKernelArg(ks, 3, sizeof bcol, &bcol));
    CHECK(clSetKernelArg(ks, 4, sizeof brow, &brow));
    CHECK(clSetKernelArg(ks, 5, sizeof c, &c));
    CHECK(clSetKernelArg(ks, 6, sizeof h, &h));
    CHECK(clSetKernelArg(ks, 7, sizeof w, &w));
    CHECK(clEnqueueNDRangeKernel(q, ks, 3, NULL, global, local, 0, NULL, NULL));
    CHECK(clEnqueueReadBuffer(q, bo, CL_TRUE, 0, 4 * total, out, 0, NULL, NULL));
    ref_sep_to_dense(coef, colv, rowv, c, terms, 4, r, a);
    ref_dense(x, want, a, n * c, c, h, w, r, border);
    double rel = ref_rel_l2(want, out, total);
    printf("  conv separable border %d: rel l2 %.2e\n", border, rel);
    fails += !(rel <= 1e-5);
    /* dense */
    for (int i = 0; i < c * k * k; i++) a[i] = ref_rand();
    ba = buf(sizeof(float) * c * k * k, a);
    cl_kernel kd = clCreateKernel(p, "ss_conv_dense", &e);
    CHECK(e);
    CHECK(clSetKernelArg(kd, 0, sizeof bx, &bx));
    CHECK(clSetKernelArg(kd, 1, sizeof bo, &bo));
    CHECK(clSetKernelArg(kd, 2, sizeof ba, &ba));
    CHECK(clSetKernelArg(kd, 3, sizeof c, &c));
    CHECK(clSetKernelArg(kd, 4, sizeof h, &h));
    CHECK(clSetKernelArg(kd, 5, sizeof w, &w));
    CHECK(clEnqueueNDRangeKernel(q, kd, 3, NULL, global, local, 0, NULL, NULL));
    CHECK(clEnqueueReadBuffer(q, bo, CL_TRUE, 0, 4 * total, out, 0, NULL, NULL));
    ref_dense(x, want, a, n * c, c, h, w, r, border);
    rel = ref_rel_l2(want, out, total);
    printf("  conv dense border %d: rel l2 %.2e\n", border, rel);
    fails += !(rel <= 1e-5);
    clReleaseKernel(ks);
    clReleaseKernel(kd);
    clReleaseMemObject(bx); clReleaseMemObject(bo); clReleaseMemObject(bc); clReleaseMemObject(bcol);
    clReleaseMemObject(brow); clReleaseMemObject(ba);
    clReleaseProgram(p);
    free(x); free(out); free(want);
    return fails;
}

/* cpu = 0: the GPU schedule (one filter per work-group of WG work-items); 1: the CPU-driver schedule (SS_CPU=1: one
 * work-item per group holding 16 filters in its vector lanes, count as argument 12). */
static int test_fit(int cpu)
{
    enum { K = 7, NC = 11, NR = 9, CANDS = 157, BLOCKS = 3, N = 53 };
    const int WG = cpu ? 16 : 32;
    static int idx[8 * CANDS], best[N * BLOCKS];
    static float cf[8 * CANDS], colv[NC * K], rowv[NR * K], filters[N * K * K], off[N * BLOCKS], inv[N * BLOCKS],
        score[N * BLOCKS];
    int block_start[BLOCKS + 1] = {0, 50, 101, CANDS};
    ref_fit_tables(K, NC, NR, CANDS, idx, cf, colv, rowv);
    for (int i = 0; i < N * K * K; i++) filters[i] = ref_rand();
    for (int i = 0; i < N * BLOCKS; i++) { off[i] = 0; inv[i] = 1; }
    char defs[256];
    snprintf(defs, sizeof defs, "-D SS_K=%d -D SS_BLOCKS=%d -D SS_MODE=0 -D SS_WG=%d -D SS_NUMCOL=%d -D SS_NUMROW=%d "
             "-D SS_MAX_TERMS=3 -D SS_LOCAL_TABLES=1 -D SS_CPU=%d", K, BLOCKS, WG, NC, NR, cpu);
    cl_program p = build("fit.cl", defs);
    cl_int e;
    cl_kernel kf = clCreateKernel(p, "ss_fit_coarse", &e);
    CHECK(e);
    cl_mem m[12] = {buf(sizeof filters, filters), buf(sizeof off, off), buf(sizeof inv, inv), buf(sizeof colv, colv),
                    buf(sizeof rowv, rowv), buf(sizeof idx, idx), buf(sizeof cf, cf), buf(sizeof block_start, block_start),
                    buf(4, NULL), buf(4, NULL), buf(sizeof best, NULL), buf(sizeof score, NULL)};
    for (int i = 0; i < 12; i++) CHECK(clSetKernelArg(kf, i, sizeof(cl_mem), &m[i]));
    int count = N;
    if (cpu) CHECK(clSetKernelArg(kf, 12, sizeof(int), &count));
    size_t global = cpu ? (size_t) (N + WG - 1) / WG : (size_t) N * WG, local = cpu ? 1 : WG;
    CHECK(clEnqueueNDRangeKernel(q, kf, 1, NULL, &global, &local, 0, NULL, NULL));
    CHECK(clEnqueueReadBuffer(q, m[10], CL_TRUE, 0, sizeof best, best, 0, NULL, NULL));
    int bad = ref_fit_check(N, K, BLOCKS, block_start, filters, idx, cf, colv, rowv, best, 1e-4);
    printf("  fit, %s schedule (k=%d, %d filters, %d candidates, %d blocks): %d choices worse than the reference\n",
           cpu ? "cpu" : "gpu", K, N, CANDS, BLOCKS, bad);
    for (int i = 0; i < 12; i++) clReleaseMemObject(m[i]);
    clReleaseKernel(kf);
    clReleaseProgram(p);
    return bad != 0;
}

int main(void)
{
    cl_uint np = 0;
    cl_platform_id plats[8];
    if (clGetPlatformIDs(8, plats, &np) != CL_SUCCESS || np == 0) {
        printf("SKIP: no OpenCL platform\n");
        return 0;
    }
    cl_uint nd = 0;
    cl_uint pi;
    for (pi = 0; pi < np; pi++) {
        if (clGetDeviceIDs(plats[pi], CL_DEVICE_TYPE_ALL, 1, &dev, &nd) == CL_SUCCESS && nd > 0) break;
    }
    if (nd == 0) {
        printf("SKIP: no OpenCL device\n");
        return 0;
    }
    char name[256] = {0};
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
    printf("OpenCL device: %s\n", name);
    cl_int e;
    ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &e);
    CHECK(e);
    q = clCreateCommandQueue(ctx, dev, 0, &e);
    CHECK(e);
    int fails = 0;
    for (int b = 0; b < 3; b++) fails += test_conv(b);
    fails += test_fit(0);
    fails += test_fit(1);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    printf(fails ? "FAIL\n" : "PASS\n");
    return fails ? 1 : 0;
}
