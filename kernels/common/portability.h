/*
 * Portability header: the only place where OpenCL C and CUDA differ for the shared kernel math in kernels/common.
 *
 *   SS_KERNEL            entry-point qualifier (OpenCL: __kernel; CUDA: extern "C" __global__)
 *   SS_DEVICE            helper-function qualifier (OpenCL: inline; CUDA: __device__ __forceinline__)
 *   SS_GLOBAL            pointer-to-global qualifier (OpenCL: __global; CUDA: empty)
 *   SS_LOCAL             pointer-to-local/shared qualifier for function parameters (OpenCL: __local; CUDA: empty)
 *   SS_LOCAL_ARRAY(t,n,s)  declares a work-group shared array n of s elements of type t inside a kernel body
 *   SS_RESTRICT          restrict qualifier
 *   SS_LOCAL_ID / SS_GROUP_ID / SS_LOCAL_SIZE / SS_NUM_GROUPS   dimension 0 (x) indices
 *   SS_BARRIER()         work-group barrier on local/shared memory
 *   SS_FMA(a,b,c)        fused multiply-add
 *   SS_INF               +infinity (float)
 */
#ifndef SS_PORTABILITY_H
#define SS_PORTABILITY_H

#if defined(__OPENCL_VERSION__)
#define SS_KERNEL __kernel
#define SS_DEVICE inline
#define SS_GLOBAL __global
#define SS_LOCAL __local
#define SS_LOCAL_ARRAY(type, name, size) __local type name[size]
#define SS_RESTRICT restrict
#define SS_LOCAL_ID ((int) get_local_id(0))
#define SS_LOCAL_ID_Y ((int) get_local_id(1))
#define SS_GROUP_ID ((int) get_group_id(0))
#define SS_GROUP_ID_Y ((int) get_group_id(1))
#define SS_GROUP_ID_Z ((int) get_group_id(2))
#define SS_LOCAL_SIZE ((int) get_local_size(0))
#define SS_LOCAL_SIZE_Y ((int) get_local_size(1))
#define SS_NUM_GROUPS ((int) get_num_groups(0))
#define SS_BARRIER() barrier(CLK_LOCAL_MEM_FENCE)
#define SS_FMA(a, b, c) fma((a), (b), (c))
#define SS_INF INFINITY
#define SS_INT_MAX INT_MAX
#elif defined(__CUDACC__)
#define SS_KERNEL extern "C" __global__
#define SS_DEVICE __device__ __forceinline__
#define SS_GLOBAL
#define SS_LOCAL
#define SS_LOCAL_ARRAY(type, name, size) __shared__ type name[size]
#define SS_RESTRICT __restrict__
#define SS_LOCAL_ID ((int) threadIdx.x)
#define SS_LOCAL_ID_Y ((int) threadIdx.y)
#define SS_GROUP_ID ((int) blockIdx.x)
#define SS_GROUP_ID_Y ((int) blockIdx.y)
#define SS_GROUP_ID_Z ((int) blockIdx.z)
#define SS_LOCAL_SIZE ((int) blockDim.x)
#define SS_LOCAL_SIZE_Y ((int) blockDim.y)
#define SS_NUM_GROUPS ((int) gridDim.x)
#define SS_BARRIER() __syncthreads()
#define SS_FMA(a, b, c) fmaf((a), (b), (c))
#define SS_INF (__int_as_float(0x7f800000))
#define SS_INT_MAX 2147483647
#else
#error "kernels/common: compile as OpenCL C or CUDA"
#endif

#endif
