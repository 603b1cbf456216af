#if defined(_MSC_VER) && !defined(__clang__) && _MSC_VER < 1940
#define _tl_orig_alignas alignas
#define alignas(N) _tl_orig_alignas((N) <= 64 ? (N) : 64)
#include <cuda.h>
#undef alignas
#define alignas _tl_orig_alignas
#endif
#include <tl_templates/cuda/instruction/wgmma.h>
#include <tl_templates/cuda/intrin.h>
#include <tl_templates/cuda/atomic.h>
#include <tl_templates/cuda/barrier.h>
#include <tl_templates/cuda/copy.h>
#include <tl_templates/cuda/reduce.h>
#include <tl_templates/cuda/scan.h>
#include <tl_templates/cuda/ldsm.h>
#include <tl_templates/cuda/threadblock_swizzle.h>
#include <tl_templates/cuda/debug.h>
#ifdef ENABLE_BF16
#include <tl_templates/cuda/cuda_bf16_fallbacks.cuh>
#endif

extern "C" __global__ void sparse_mla_bwd_kernel(const float* __restrict__ AttnSink, float* __restrict__ Delta, const int* __restrict__ Indices, const bfloat16_t* __restrict__ KV, const float* __restrict__ Lse, const bfloat16_t* __restrict__ Out, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, float* __restrict__ dKV, const bfloat16_t* __restrict__ dO, bfloat16_t* __restrict__ dQ, int s_kv, int s_q, float sm_scale, int topk);
extern "C" __global__ void __launch_bounds__(384, 1) sparse_mla_bwd_kernel(const float* __restrict__ AttnSink, float* __restrict__ Delta, const int* __restrict__ Indices, const bfloat16_t* __restrict__ KV, const float* __restrict__ Lse, const bfloat16_t* __restrict__ Out, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, float* __restrict__ dKV, const bfloat16_t* __restrict__ dO, bfloat16_t* __restrict__ dQ, int s_kv, int s_q, float sm_scale, int topk) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* v = ((void*)((char*)buf_dyn_shmem + 0));
  void* v_1 = ((void*)((char*)buf_dyn_shmem + 8192));
  void* v_2 = ((void*)((char*)buf_dyn_shmem + 16384));
  void* v_3 = ((void*)((char*)buf_dyn_shmem + 24576));
  void* v_4 = ((void*)((char*)buf_dyn_shmem + 32768));
  void* v_5 = ((void*)((char*)buf_dyn_shmem + 40960));
  void* v_6 = ((void*)((char*)buf_dyn_shmem + 49152));
  void* v_7 = ((void*)((char*)buf_dyn_shmem + 57344));
  void* v_8 = ((void*)((char*)buf_dyn_shmem + 65536));
  void* v_9 = ((void*)((char*)buf_dyn_shmem + 73728));
  void* v_10 = ((void*)((char*)buf_dyn_shmem + 81920));
  void* v_11 = ((void*)((char*)buf_dyn_shmem + 90112));
  void* v_12 = ((void*)((char*)buf_dyn_shmem + 98304));
  void* v_13 = ((void*)((char*)buf_dyn_shmem + 106496));
  void* v_14 = ((void*)((char*)buf_dyn_shmem + 114688));
  void* v_15 = ((void*)((char*)buf_dyn_shmem + 122880));
  void* v_16 = ((void*)((char*)buf_dyn_shmem + 131072));
  void* v_17 = ((void*)((char*)buf_dyn_shmem + 139264));
  void* v_18 = ((void*)((char*)buf_dyn_shmem + 147456));
  void* v_19 = ((void*)((char*)buf_dyn_shmem + 155648));
  void* v_20 = ((void*)((char*)buf_dyn_shmem + 163840));
  void* v_21 = ((void*)((char*)buf_dyn_shmem + 172032));
  void* v_22 = ((void*)((char*)buf_dyn_shmem + 180224));
  void* v_23 = ((void*)((char*)buf_dyn_shmem + 188416));
  void* v_24 = ((void*)((char*)buf_dyn_shmem + 196608));
  void* v_25 = ((void*)((char*)buf_dyn_shmem + 204800));
  void* ds_s = ((void*)((char*)buf_dyn_shmem + 212992));
  void* p_s = ((void*)((char*)buf_dyn_shmem + 221184));
  __shared__ __align__(16) uint64_t bar_q_mem[1];
  auto bar_q = reinterpret_cast<Barrier*>(bar_q_mem);
  __shared__ __align__(16) uint64_t gathered_mem[1];
  auto gathered = reinterpret_cast<Barrier*>(gathered_mem);
  __shared__ __align__(16) uint64_t pready_mem[1];
  auto pready = reinterpret_cast<Barrier*>(pready_mem);
  __shared__ __align__(16) uint64_t pfree_mem[1];
  auto pfree = reinterpret_cast<Barrier*>(pfree_mem);
  float v_26[32];
  float lse2[2];
  float gsc[2];
  float acc_s[32];
  float delta[2];
  __shared__ __align__(16) signed char v_27[64];
  __shared__ __align__(16) int v_28[64];
  float acc_dp[32];
  float v_29[32];
  float v_30[32];
  float v_31[32];
  __shared__ __align__(16) signed char v_32[64];
  __shared__ __align__(16) int v_33[64];
  float v_34[32];
  float v_35[32];
  float v_36[32];
  __shared__ __align__(16) signed char v_37[64];
  __shared__ __align__(16) int v_38[64];
  float v_39[32];
  float delta_clear[2];
  float delta_clear_1[2];
  float delta_clear_2[2];
  float delta_clear_3[2];
  float delta_clear_4[2];
  float delta_clear_5[2];
  float delta_clear_6[2];
  float v_40[32];
  float v_41[32];
  float v_42[32];
  float v_43[32];
  float delta_clear_7[2];
  float delta_clear_8[2];
  float delta_clear_9[2];
  float delta_clear_10[2];
  float delta_clear_11[2];
  float delta_clear_12[2];
  float delta_clear_13[2];
  if (tl::tl_shuffle_elect<0>()) {
    bar_q[0].init(768);
    gathered[0].init(768);
    pready[0].init(128);
    pfree[0].init(384);
  }
  tl::fence_barrier_init();
  __syncthreads();
  int n_valid = min(max(TopkLen[(((int64_t)((int)blockIdx.x)) >> (int64_t)2)], 0), topk);
  if ((((int)blockIdx.x) % 2) == 0) {
    if (((int)threadIdx.x) < 128) {
      tl::warpgroup_reg_alloc<184>();
      #pragma unroll
      for (int i = 0; i < 4; ++i) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_6)[(((((i * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])));
      }
      #pragma unroll
      for (int i_1 = 0; i_1 < 4; ++i_1) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_12)[(((((i_1 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_1) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])));
      }
      #pragma unroll
      for (int i_2 = 0; i_2 < 4; ++i_2) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_16)[(((((i_2 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_2) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])));
      }
      #pragma unroll
      for (int i_3 = 0; i_3 < 4; ++i_3) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_17)[(((((i_3 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_3) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])));
      }
      #pragma unroll
      for (int i_4 = 0; i_4 < 4; ++i_4) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_10)[(((((i_4 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_4) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])));
      }
      #pragma unroll
      for (int i_5 = 0; i_5 < 4; ++i_5) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_8)[(((((i_5 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_5) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])));
      }
      tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
      bar_q[0].arrive();
      #pragma unroll
      for (int i_6 = 0; i_6 < 8; ++i_6) {
        float broadcast_var = 0x0p+0f/*0.000000e+00*/;
        *(float4*)(v_26 + (i_6 * 4)) = make_float4(broadcast_var, broadcast_var, broadcast_var, broadcast_var);
      }
      #pragma unroll
      for (int i_7 = 0; i_7 < 2; ++i_7) {
        lse2[i_7] = (Lse[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)64) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_7) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/);
      }
      #pragma unroll
      for (int i_8 = 0; i_8 < 2; ++i_8) {
        gsc[i_8] = (0x1p+0f/*1.000000e+00*/ / (0x1p+0f/*1.000000e+00*/ + exp2f(((AttnSink[((((((((int)blockIdx.x) & 3) >> 1) * 64) + ((((int)threadIdx.x) >> 5) * 16)) + (i_8 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/) - lse2[i_8]))));
      }
      bar_q[0].wait(0);
      tl::__sync_thread_partial(3, 128);
      #pragma unroll
      for (int i_9 = 0; i_9 < 16; ++i_9) {
        bfloat16_t _local_cast[2];
        bfloat16_t Out_local_cast_1[2];
        *(uint1*)(_local_cast + 0) = *(uint1*)(((bfloat16_t*)v_12) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_9 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_9 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_9 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_9 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_1 + 0) = *(uint1*)(Out + (((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_9) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_9) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)));
        float2 __1;
          float2 __2;
          uint1 v_ = *(uint1*)(_local_cast + 0);
          ((float2*)(&__2))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v_))[0]);
          float2 __3;
          uint1 v__1 = *(uint1*)(Out_local_cast_1 + 0);
          ((float2*)(&__3))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__1))[0]);
          __1.x = (__2.x*__3.x);
          __1.y = (__2.y*__3.y);
        *(float2*)(acc_s + (i_9 * 2)) = __1;
      }
      #pragma unroll
      for (int i_10 = 0; i_10 < 2; ++i_10) {
        delta[i_10] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv = 0; rv < 16; ++rv) {
          delta[i_10] = (delta[i_10] + acc_s[((((rv & 7) * 4) + (i_10 * 2)) + (rv >> 3))]);
        }
        delta[i_10] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta[i_10]);
      }
      #pragma unroll
      for (int i_11 = 0; i_11 < 16; ++i_11) {
        bfloat16_t _local_cast_2[2];
        bfloat16_t Out_local_cast_3[2];
        *(uint1*)(_local_cast_2 + 0) = *(uint1*)(((bfloat16_t*)v_17) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_11 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_11 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_11 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_11 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_3 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_11) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_11) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)64));
        float2 __4;
          float2 __5;
          uint1 v__2 = *(uint1*)(_local_cast_2 + 0);
          ((float2*)(&__5))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__2))[0]);
          float2 __6;
          uint1 v__3 = *(uint1*)(Out_local_cast_3 + 0);
          ((float2*)(&__6))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__3))[0]);
          __4.x = (__5.x*__6.x);
          __4.y = (__5.y*__6.y);
        *(float2*)(acc_s + (i_11 * 2)) = __4;
      }
      #pragma unroll
      for (int i_12 = 0; i_12 < 2; ++i_12) {
        delta_clear[i_12] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_1 = 0; rv_1 < 16; ++rv_1) {
          delta_clear[i_12] = (delta_clear[i_12] + acc_s[((((rv_1 & 7) * 4) + (i_12 * 2)) + (rv_1 >> 3))]);
        }
        delta_clear[i_12] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear[i_12]);
        delta[i_12] = (delta[i_12] + delta_clear[i_12]);
      }
      #pragma unroll
      for (int i_13 = 0; i_13 < 16; ++i_13) {
        bfloat16_t _local_cast_4[2];
        bfloat16_t Out_local_cast_5[2];
        *(uint1*)(_local_cast_4 + 0) = *(uint1*)(((bfloat16_t*)v_8) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_13 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_13 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_13 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_13 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_5 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_13) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_13) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)128));
        float2 __7;
          float2 __8;
          uint1 v__4 = *(uint1*)(_local_cast_4 + 0);
          ((float2*)(&__8))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__4))[0]);
          float2 __9;
          uint1 v__5 = *(uint1*)(Out_local_cast_5 + 0);
          ((float2*)(&__9))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__5))[0]);
          __7.x = (__8.x*__9.x);
          __7.y = (__8.y*__9.y);
        *(float2*)(acc_s + (i_13 * 2)) = __7;
      }
      #pragma unroll
      for (int i_14 = 0; i_14 < 2; ++i_14) {
        delta_clear_1[i_14] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_2 = 0; rv_2 < 16; ++rv_2) {
          delta_clear_1[i_14] = (delta_clear_1[i_14] + acc_s[((((rv_2 & 7) * 4) + (i_14 * 2)) + (rv_2 >> 3))]);
        }
        delta_clear_1[i_14] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_1[i_14]);
        delta[i_14] = (delta[i_14] + delta_clear_1[i_14]);
      }
      #pragma unroll
      for (int i_15 = 0; i_15 < 16; ++i_15) {
        bfloat16_t _local_cast_6[2];
        bfloat16_t Out_local_cast_7[2];
        *(uint1*)(_local_cast_6 + 0) = *(uint1*)(((bfloat16_t*)v_11) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_15 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_15 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_15 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_15 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_7 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_15) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_15) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)192));
        float2 __10;
          float2 __11;
          uint1 v__6 = *(uint1*)(_local_cast_6 + 0);
          ((float2*)(&__11))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__6))[0]);
          float2 __12;
          uint1 v__7 = *(uint1*)(Out_local_cast_7 + 0);
          ((float2*)(&__12))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__7))[0]);
          __10.x = (__11.x*__12.x);
          __10.y = (__11.y*__12.y);
        *(float2*)(acc_s + (i_15 * 2)) = __10;
      }
      #pragma unroll
      for (int i_16 = 0; i_16 < 2; ++i_16) {
        delta_clear_2[i_16] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_3 = 0; rv_3 < 16; ++rv_3) {
          delta_clear_2[i_16] = (delta_clear_2[i_16] + acc_s[((((rv_3 & 7) * 4) + (i_16 * 2)) + (rv_3 >> 3))]);
        }
        delta_clear_2[i_16] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_2[i_16]);
        delta[i_16] = (delta[i_16] + delta_clear_2[i_16]);
      }
      #pragma unroll
      for (int i_17 = 0; i_17 < 16; ++i_17) {
        bfloat16_t _local_cast_8[2];
        bfloat16_t Out_local_cast_9[2];
        *(uint1*)(_local_cast_8 + 0) = *(uint1*)(((bfloat16_t*)v_15) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_17 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_17 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_17 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_17 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_9 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_17) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_17) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)256));
        float2 __13;
          float2 __14;
          uint1 v__8 = *(uint1*)(_local_cast_8 + 0);
          ((float2*)(&__14))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__8))[0]);
          float2 __15;
          uint1 v__9 = *(uint1*)(Out_local_cast_9 + 0);
          ((float2*)(&__15))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__9))[0]);
          __13.x = (__14.x*__15.x);
          __13.y = (__14.y*__15.y);
        *(float2*)(acc_s + (i_17 * 2)) = __13;
      }
      #pragma unroll
      for (int i_18 = 0; i_18 < 2; ++i_18) {
        delta_clear_3[i_18] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_4 = 0; rv_4 < 16; ++rv_4) {
          delta_clear_3[i_18] = (delta_clear_3[i_18] + acc_s[((((rv_4 & 7) * 4) + (i_18 * 2)) + (rv_4 >> 3))]);
        }
        delta_clear_3[i_18] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_3[i_18]);
        delta[i_18] = (delta[i_18] + delta_clear_3[i_18]);
      }
      #pragma unroll
      for (int i_19 = 0; i_19 < 16; ++i_19) {
        bfloat16_t _local_cast_10[2];
        bfloat16_t Out_local_cast_11[2];
        *(uint1*)(_local_cast_10 + 0) = *(uint1*)(((bfloat16_t*)v_4) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_19 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_19 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_19 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_19 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_11 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_19) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_19) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)320));
        float2 __16;
          float2 __17;
          uint1 v__10 = *(uint1*)(_local_cast_10 + 0);
          ((float2*)(&__17))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__10))[0]);
          float2 __18;
          uint1 v__11 = *(uint1*)(Out_local_cast_11 + 0);
          ((float2*)(&__18))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__11))[0]);
          __16.x = (__17.x*__18.x);
          __16.y = (__17.y*__18.y);
        *(float2*)(acc_s + (i_19 * 2)) = __16;
      }
      #pragma unroll
      for (int i_20 = 0; i_20 < 2; ++i_20) {
        delta_clear_4[i_20] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_5 = 0; rv_5 < 16; ++rv_5) {
          delta_clear_4[i_20] = (delta_clear_4[i_20] + acc_s[((((rv_5 & 7) * 4) + (i_20 * 2)) + (rv_5 >> 3))]);
        }
        delta_clear_4[i_20] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_4[i_20]);
        delta[i_20] = (delta[i_20] + delta_clear_4[i_20]);
      }
      #pragma unroll
      for (int i_21 = 0; i_21 < 16; ++i_21) {
        bfloat16_t _local_cast_12[2];
        bfloat16_t Out_local_cast_13[2];
        *(uint1*)(_local_cast_12 + 0) = *(uint1*)(((bfloat16_t*)v_5) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_21 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_21 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_21 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_21 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_13 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_21) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_21) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)384));
        float2 __19;
          float2 __20;
          uint1 v__12 = *(uint1*)(_local_cast_12 + 0);
          ((float2*)(&__20))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__12))[0]);
          float2 __21;
          uint1 v__13 = *(uint1*)(Out_local_cast_13 + 0);
          ((float2*)(&__21))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__13))[0]);
          __19.x = (__20.x*__21.x);
          __19.y = (__20.y*__21.y);
        *(float2*)(acc_s + (i_21 * 2)) = __19;
      }
      #pragma unroll
      for (int i_22 = 0; i_22 < 2; ++i_22) {
        delta_clear_5[i_22] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_6 = 0; rv_6 < 16; ++rv_6) {
          delta_clear_5[i_22] = (delta_clear_5[i_22] + acc_s[((((rv_6 & 7) * 4) + (i_22 * 2)) + (rv_6 >> 3))]);
        }
        delta_clear_5[i_22] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_5[i_22]);
        delta[i_22] = (delta[i_22] + delta_clear_5[i_22]);
      }
      #pragma unroll
      for (int i_23 = 0; i_23 < 16; ++i_23) {
        bfloat16_t _local_cast_14[2];
        bfloat16_t Out_local_cast_15[2];
        *(uint1*)(_local_cast_14 + 0) = *(uint1*)(((bfloat16_t*)v_3) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_23 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_23 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_23 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_23 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_15 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_23) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_23) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)448));
        float2 __22;
          float2 __23;
          uint1 v__14 = *(uint1*)(_local_cast_14 + 0);
          ((float2*)(&__23))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__14))[0]);
          float2 __24;
          uint1 v__15 = *(uint1*)(Out_local_cast_15 + 0);
          ((float2*)(&__24))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__15))[0]);
          __22.x = (__23.x*__24.x);
          __22.y = (__23.y*__24.y);
        *(float2*)(acc_s + (i_23 * 2)) = __22;
      }
      #pragma unroll
      for (int i_24 = 0; i_24 < 2; ++i_24) {
        delta_clear_6[i_24] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_7 = 0; rv_7 < 16; ++rv_7) {
          delta_clear_6[i_24] = (delta_clear_6[i_24] + acc_s[((((rv_7 & 7) * 4) + (i_24 * 2)) + (rv_7 >> 3))]);
        }
        delta_clear_6[i_24] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_6[i_24]);
        delta[i_24] = (delta[i_24] + delta_clear_6[i_24]);
      }
      if ((((int)threadIdx.x) % 4) == 0) {
        #pragma unroll
        for (int i_25 = 0; i_25 < 2; ++i_25) {
          Delta[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)64) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_25) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] = delta[i_25];
        }
      }
      for (int it = 0; it < ((n_valid + 63) >> 6); ++it) {
        pfree[0].wait(((it & 1) ^ 1));
        tl::__sync_thread_partial(3, 128);
        if (((int)threadIdx.x) < 64) {
          int condval;
          if ((((it * 64) + ((int)threadIdx.x)) < n_valid)) {
            int condval_1;
            if ((1 <= topk)) {
              condval_1 = Indices[(min(((((int64_t)it) * (int64_t)64) + ((int64_t)((int)threadIdx.x))), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
            } else {
              condval_1 = 0;
            }
            condval = condval_1;
          } else {
            condval = -1;
          }
          int iv = condval;
          v_27[((int)threadIdx.x)] = ((signed char)((0 <= iv) & (iv < s_kv)));
          int condval_2;
          if (((0 <= iv) & (iv < s_kv))) {
            condval_2 = iv;
          } else {
            condval_2 = 0;
          }
          v_28[((int)threadIdx.x)] = condval_2;
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_26 = 0; i_26 < 4; ++i_26) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_25)[(((((i_26 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[((((int64_t)v_28[((((int64_t)i_26) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])), ((((bool)v_27[((i_26 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_26 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_26 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        #pragma unroll
        for (int i_27 = 0; i_27 < 4; ++i_27) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_18)[(((((i_27 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)v_28[((((int64_t)i_27) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])), ((((bool)v_27[((i_27 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_27 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_27 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        #pragma unroll
        for (int i_28 = 0; i_28 < 4; ++i_28) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_2)[(((((i_28 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)v_28[((((int64_t)i_28) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])), ((((bool)v_27[((i_28 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_28 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_28 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
        gathered[0].arrive();
        gathered[0].wait((it & 1));
        tl::fence_proxy_async();
        {
          tl::GmmaDescriptor desc_a;
          tl::GmmaDescriptor desc_b;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a, (&(((bfloat16_t*)v_6)[0])));
          tl::__sync_thread_partial(3, 128);
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b, (&(((bfloat16_t*)v_25)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki = 0; ki < 4; ++ki) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a + ((ki * 32) >> 4)), uint64_t(desc_b + ((ki * 32) >> 4)), ((uint32_t*)(acc_s + 0)), ((0 < ki) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_1;
          tl::GmmaDescriptor desc_b_1;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_1, (&(((bfloat16_t*)v_16)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_1, (&(((bfloat16_t*)v_18)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_1 = 0; ki_1 < 4; ++ki_1) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_1 + ((ki_1 * 32) >> 4)), uint64_t(desc_b_1 + ((ki_1 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_2;
          tl::GmmaDescriptor desc_b_2;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_2, (&(((bfloat16_t*)v_10)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_2, (&(((bfloat16_t*)v_2)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_2 = 0; ki_2 < 4; ++ki_2) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_2 + ((ki_2 * 32) >> 4)), uint64_t(desc_b_2 + ((ki_2 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_3;
          tl::GmmaDescriptor desc_b_3;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_3, (&(((bfloat16_t*)v_22)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_3, (&(((bfloat16_t*)v_19)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_3 = 0; ki_3 < 4; ++ki_3) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_3 + ((ki_3 * 32) >> 4)), uint64_t(desc_b_3 + ((ki_3 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_4;
          tl::GmmaDescriptor desc_b_4;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_4, (&(((bfloat16_t*)v_23)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_4, (&(((bfloat16_t*)v_20)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_4 = 0; ki_4 < 4; ++ki_4) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_4 + ((ki_4 * 32) >> 4)), uint64_t(desc_b_4 + ((ki_4 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_5;
          tl::GmmaDescriptor desc_b_5;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_5, (&(((bfloat16_t*)v_24)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_5, (&(((bfloat16_t*)v_7)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_5 = 0; ki_5 < 4; ++ki_5) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_5 + ((ki_5 * 32) >> 4)), uint64_t(desc_b_5 + ((ki_5 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_6;
          tl::GmmaDescriptor desc_b_6;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_6, (&(((bfloat16_t*)v)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_6, (&(((bfloat16_t*)v_21)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_6 = 0; ki_6 < 4; ++ki_6) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_6 + ((ki_6 * 32) >> 4)), uint64_t(desc_b_6 + ((ki_6 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_7;
          tl::GmmaDescriptor desc_b_7;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_7, (&(((bfloat16_t*)v_13)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_7, (&(((bfloat16_t*)v_9)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_7 = 0; ki_7 < 4; ++ki_7) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_7 + ((ki_7 * 32) >> 4)), uint64_t(desc_b_7 + ((ki_7 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_8;
          tl::GmmaDescriptor desc_b_8;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_8, (&(((bfloat16_t*)v_1)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_8, (&(((bfloat16_t*)v_14)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_8 = 0; ki_8 < 4; ++ki_8) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_8 + ((ki_8 * 32) >> 4)), uint64_t(desc_b_8 + ((ki_8 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_9;
          tl::GmmaDescriptor desc_b_9;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_9, (&(((bfloat16_t*)v_12)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_9, (&(((bfloat16_t*)v_25)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_9 = 0; ki_9 < 4; ++ki_9) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_9 + ((ki_9 * 32) >> 4)), uint64_t(desc_b_9 + ((ki_9 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), ((0 < ki_9) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_10;
          tl::GmmaDescriptor desc_b_10;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_10, (&(((bfloat16_t*)v_17)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_10, (&(((bfloat16_t*)v_18)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_10 = 0; ki_10 < 4; ++ki_10) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_10 + ((ki_10 * 32) >> 4)), uint64_t(desc_b_10 + ((ki_10 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_11;
          tl::GmmaDescriptor desc_b_11;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_11, (&(((bfloat16_t*)v_8)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_11, (&(((bfloat16_t*)v_2)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_11 = 0; ki_11 < 4; ++ki_11) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_11 + ((ki_11 * 32) >> 4)), uint64_t(desc_b_11 + ((ki_11 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_12;
          tl::GmmaDescriptor desc_b_12;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_12, (&(((bfloat16_t*)v_11)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_12, (&(((bfloat16_t*)v_19)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_12 = 0; ki_12 < 4; ++ki_12) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_12 + ((ki_12 * 32) >> 4)), uint64_t(desc_b_12 + ((ki_12 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_13;
          tl::GmmaDescriptor desc_b_13;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_13, (&(((bfloat16_t*)v_15)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_13, (&(((bfloat16_t*)v_20)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_13 = 0; ki_13 < 4; ++ki_13) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_13 + ((ki_13 * 32) >> 4)), uint64_t(desc_b_13 + ((ki_13 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_14;
          tl::GmmaDescriptor desc_b_14;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_14, (&(((bfloat16_t*)v_4)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_14, (&(((bfloat16_t*)v_7)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_14 = 0; ki_14 < 4; ++ki_14) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_14 + ((ki_14 * 32) >> 4)), uint64_t(desc_b_14 + ((ki_14 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_15;
          tl::GmmaDescriptor desc_b_15;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_15, (&(((bfloat16_t*)v_5)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_15, (&(((bfloat16_t*)v_21)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_15 = 0; ki_15 < 4; ++ki_15) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_15 + ((ki_15 * 32) >> 4)), uint64_t(desc_b_15 + ((ki_15 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_16;
          tl::GmmaDescriptor desc_b_16;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_16, (&(((bfloat16_t*)v_3)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_16, (&(((bfloat16_t*)v_9)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_16 = 0; ki_16 < 4; ++ki_16) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_16 + ((ki_16 * 32) >> 4)), uint64_t(desc_b_16 + ((ki_16 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        #pragma unroll
        for (int i_29 = 0; i_29 < 32; ++i_29) {
          float condval_3;
          if (((bool)v_27[((((i_29 >> 2) * 8) + ((((int)threadIdx.x) & 3) * 2)) + (i_29 & 1))])) {
            condval_3 = (exp2f(((acc_s[i_29] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)) - lse2[((i_29 & 3) >> 1)])) * gsc[((i_29 & 3) >> 1)]);
          } else {
            condval_3 = 0x0p+0f/*0.000000e+00*/;
          }
          acc_s[i_29] = condval_3;
        }
        #pragma unroll
        for (int i_30 = 0; i_30 < 16; ++i_30) {
          float2 __25;
            float2 __26;
              float2 v__16 = *(float2*)(acc_s + (i_30 * 2));
              float2 __27;
                float2 v__17 = *(float2*)(acc_dp + (i_30 * 2));
                float2 v__18 = make_float2(delta[(i_30 & 1)], delta[(i_30 & 1)]);
                __27.x = (v__17.x-v__18.x);
                __27.y = (v__17.y-v__18.y);
              __26.x = (v__16.x*__27.x);
              __26.y = (v__16.y*__27.y);
            float2 v__19 = make_float2(sm_scale, sm_scale);
            __25.x = (__26.x*v__19.x);
            __25.y = (__26.y*v__19.y);
          *(float2*)(acc_dp + (i_30 * 2)) = __25;
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_31 = 0; i_31 < 4; ++i_31) {
          tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)p_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_31 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_31 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_s[(i_31 * 8)]), ((bfloat16_t)acc_s[((i_31 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_s[((i_31 * 8) + 2)]), ((bfloat16_t)acc_s[((i_31 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_s[((i_31 * 8) + 4)]), ((bfloat16_t)acc_s[((i_31 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_s[((i_31 * 8) + 6)]), ((bfloat16_t)acc_s[((i_31 * 8) + 7)])));
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_32 = 0; i_32 < 4; ++i_32) {
          tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)ds_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_32 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_32 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_dp[(i_32 * 8)]), ((bfloat16_t)acc_dp[((i_32 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_dp[((i_32 * 8) + 2)]), ((bfloat16_t)acc_dp[((i_32 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_dp[((i_32 * 8) + 4)]), ((bfloat16_t)acc_dp[((i_32 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_dp[((i_32 * 8) + 6)]), ((bfloat16_t)acc_dp[((i_32 * 8) + 7)])));
        }
        tl::fence_proxy_async();
        pready[0].arrive();
        {
          tl::GmmaDescriptor desc_a_17;
          tl::GmmaDescriptor desc_b_17;
          tl::__sync_thread_partial(3, 128);
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_17, (&(((bfloat16_t*)ds_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_17, (&(((bfloat16_t*)v_25)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_26 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_17 = 0; ki_17 < 4; ++ki_17) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_17 + ((ki_17 * 32) >> 4)), uint64_t(desc_b_17 + ((ki_17 * 2048) >> 4)), ((uint32_t*)(v_26 + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_26 + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_18;
          tl::GmmaDescriptor desc_b_18;
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_18, (&(((bfloat16_t*)ds_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_18, (&(((bfloat16_t*)v_6)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_18 = 0; ki_18 < 4; ++ki_18) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_18 + ((ki_18 * 2048) >> 4)), uint64_t(desc_b_18 + ((ki_18 * 2048) >> 4)), ((uint32_t*)(v_29 + 0)), ((0 < ki_18) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_19;
          tl::GmmaDescriptor desc_b_19;
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_19, (&(((bfloat16_t*)p_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_19, (&(((bfloat16_t*)v_12)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_19 = 0; ki_19 < 4; ++ki_19) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_19 + ((ki_19 * 2048) >> 4)), uint64_t(desc_b_19 + ((ki_19 * 2048) >> 4)), ((uint32_t*)(v_29 + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
        }
        #pragma unroll
        for (int i_33 = 0; i_33 < 16; ++i_33) {
          if ((bool)v_27[((((((int)threadIdx.x) >> 5) * 16) + ((i_33 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))]) {
            if (0 <= v_28[((((((int)threadIdx.x) >> 5) * 16) + ((i_33 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))]) {
              if (v_28[((((((int)threadIdx.x) >> 5) * 16) + ((i_33 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))] < s_kv) {
                AtomicAddx2((&(dKV[(((((int64_t)v_28[((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_33) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))]) * (int64_t)576) + ((((int64_t)i_33) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2))])), *(float2*)(v_29 + (i_33 * 2)));
              }
            }
          }
        }
        pfree[0].arrive();
      }
      #pragma unroll
      for (int i_34 = 0; i_34 < 16; ++i_34) {
        bfloat16_t dQ_local_cast_16[2];
        uint1 __28;
        float2 v__20 = *(float2*)(v_26 + (i_34 * 2));
        (reinterpret_cast<__nv_bfloat162*>(&__28))[0] = __float22bfloat162_rn(((float2*)(&v__20))[0]);
        *(uint1*)(dQ_local_cast_16 + 0) = __28;
        *(uint1*)(dQ + (((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_34) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_34) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2))) = *(uint1*)(dQ_local_cast_16 + 0);
      }
    } else {
      if (((int)threadIdx.x) < 256) {
        tl::warpgroup_reg_dealloc<160>();
        #pragma unroll
        for (int i_35 = 0; i_35 < 4; ++i_35) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_22)[((((((i_35 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_35) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)9024)])));
        }
        #pragma unroll
        for (int i_36 = 0; i_36 < 4; ++i_36) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_11)[((((((i_36 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_36) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8000)])));
        }
        #pragma unroll
        for (int i_37 = 0; i_37 < 4; ++i_37) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_23)[((((((i_37 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_37) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8960)])));
        }
        #pragma unroll
        for (int i_38 = 0; i_38 < 4; ++i_38) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_15)[((((((i_38 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_38) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)7936)])));
        }
        #pragma unroll
        for (int i_39 = 0; i_39 < 4; ++i_39) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_24)[((((((i_39 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_39) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8896)])));
        }
        #pragma unroll
        for (int i_40 = 0; i_40 < 4; ++i_40) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_4)[((((((i_40 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_40) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)7872)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
        bar_q[0].arrive();
        #pragma unroll
        for (int i_41 = 0; i_41 < 8; ++i_41) {
          float broadcast_var_1 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_30 + (i_41 * 4)) = make_float4(broadcast_var_1, broadcast_var_1, broadcast_var_1, broadcast_var_1);
        }
        #pragma unroll
        for (int i_42 = 0; i_42 < 8; ++i_42) {
          float broadcast_var_2 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_31 + (i_42 * 4)) = make_float4(broadcast_var_2, broadcast_var_2, broadcast_var_2, broadcast_var_2);
        }
        bar_q[0].wait(0);
        for (int it_1 = 0; it_1 < ((n_valid + 63) >> 6); ++it_1) {
          pfree[0].wait(((it_1 & 1) ^ 1));
          tl::__sync_thread_partial(4, 128);
          if (((int)threadIdx.x) < 192) {
            int condval_4;
            if ((((it_1 * 64) + ((int)threadIdx.x)) < (n_valid + 128))) {
              int condval_5;
              if ((1 <= topk)) {
                condval_5 = Indices[(min((((((int64_t)it_1) * (int64_t)64) + ((int64_t)((int)threadIdx.x))) - (int64_t)128), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
              } else {
                condval_5 = 0;
              }
              condval_4 = condval_5;
            } else {
              condval_4 = -1;
            }
            int iv_1 = condval_4;
            v_32[(((int)threadIdx.x) - 128)] = ((signed char)((0 <= iv_1) & (iv_1 < s_kv)));
            int condval_6;
            if (((0 <= iv_1) & (iv_1 < s_kv))) {
              condval_6 = iv_1;
            } else {
              condval_6 = 0;
            }
            v_33[(((int)threadIdx.x) - 128)] = condval_6;
          }
          tl::__sync_thread_partial(4, 128);
          #pragma unroll
          for (int i_43 = 0; i_43 < 4; ++i_43) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_19)[((((((i_43 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_43) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)192)])), ((((bool)v_32[(((i_43 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_43 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_43 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          #pragma unroll
          for (int i_44 = 0; i_44 < 4; ++i_44) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_20)[((((((i_44 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_44) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)256)])), ((((bool)v_32[(((i_44 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_44 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_44 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          #pragma unroll
          for (int i_45 = 0; i_45 < 4; ++i_45) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_7)[((((((i_45 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_45) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)320)])), ((((bool)v_32[(((i_45 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_45 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_45 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
          gathered[0].arrive();
          pready[0].wait((it_1 & 1));
          tl::fence_proxy_async();
          {
            tl::GmmaDescriptor desc_a_20;
            tl::GmmaDescriptor desc_b_20;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_20, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_20, (&(((bfloat16_t*)v_18)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_30 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_20 = 0; ki_20 < 4; ++ki_20) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_20 + ((ki_20 * 32) >> 4)), uint64_t(desc_b_20 + ((ki_20 * 2048) >> 4)), ((uint32_t*)(v_30 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_30 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_21;
            tl::GmmaDescriptor desc_b_21;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_21, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_21, (&(((bfloat16_t*)v_2)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_31 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_21 = 0; ki_21 < 4; ++ki_21) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_21 + ((ki_21 * 32) >> 4)), uint64_t(desc_b_21 + ((ki_21 * 2048) >> 4)), ((uint32_t*)(v_31 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_31 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_22;
            tl::GmmaDescriptor desc_b_22;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_22, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_22, (&(((bfloat16_t*)v_16)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_22 = 0; ki_22 < 4; ++ki_22) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_22 + ((ki_22 * 2048) >> 4)), uint64_t(desc_b_22 + ((ki_22 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), ((0 < ki_22) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_23;
            tl::GmmaDescriptor desc_b_23;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_23, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_23, (&(((bfloat16_t*)v_17)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_23 = 0; ki_23 < 4; ++ki_23) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_23 + ((ki_23 * 2048) >> 4)), uint64_t(desc_b_23 + ((ki_23 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          #pragma unroll
          for (int i_46 = 0; i_46 < 16; ++i_46) {
            if ((bool)v_32[(((((((int)threadIdx.x) >> 5) * 16) + ((i_46 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
              if (0 <= v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_46 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
                if (v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_46 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_33[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_46) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)64)]) * (int64_t)576) + ((((int64_t)i_46) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)64)])), *(float2*)(v_34 + (i_46 * 2)));
                }
              }
            }
          }
          {
            tl::GmmaDescriptor desc_a_24;
            tl::GmmaDescriptor desc_b_24;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_24, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_24, (&(((bfloat16_t*)v_10)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_24 = 0; ki_24 < 4; ++ki_24) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_24 + ((ki_24 * 2048) >> 4)), uint64_t(desc_b_24 + ((ki_24 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), ((0 < ki_24) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_25;
            tl::GmmaDescriptor desc_b_25;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_25, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_25, (&(((bfloat16_t*)v_8)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_25 = 0; ki_25 < 4; ++ki_25) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_25 + ((ki_25 * 2048) >> 4)), uint64_t(desc_b_25 + ((ki_25 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          #pragma unroll
          for (int i_47 = 0; i_47 < 16; ++i_47) {
            if ((bool)v_32[(((((((int)threadIdx.x) >> 5) * 16) + ((i_47 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
              if (0 <= v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_47 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
                if (v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_47 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_33[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_47) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)64)]) * (int64_t)576) + ((((int64_t)i_47) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)128)])), *(float2*)(v_34 + (i_47 * 2)));
                }
              }
            }
          }
          pfree[0].arrive();
        }
        #pragma unroll
        for (int i_48 = 0; i_48 < 16; ++i_48) {
          bfloat16_t dQ_local_cast_17[2];
          uint1 __29;
          float2 v__21 = *(float2*)(v_30 + (i_48 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__29))[0] = __float22bfloat162_rn(((float2*)(&v__21))[0]);
          *(uint1*)(dQ_local_cast_17 + 0) = __29;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_48) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_48) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)36800)) = *(uint1*)(dQ_local_cast_17 + 0);
        }
        #pragma unroll
        for (int i_49 = 0; i_49 < 16; ++i_49) {
          bfloat16_t dQ_local_cast_18[2];
          uint1 __30;
          float2 v__22 = *(float2*)(v_31 + (i_49 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__30))[0] = __float22bfloat162_rn(((float2*)(&v__22))[0]);
          *(uint1*)(dQ_local_cast_18 + 0) = __30;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_49) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_49) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)36736)) = *(uint1*)(dQ_local_cast_18 + 0);
        }
      } else {
        tl::warpgroup_reg_dealloc<160>();
        #pragma unroll
        for (int i_50 = 0; i_50 < 4; ++i_50) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v)[((((((i_50 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_50) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)18048)])));
        }
        #pragma unroll
        for (int i_51 = 0; i_51 < 4; ++i_51) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_5)[((((((i_51 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_51) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)16000)])));
        }
        #pragma unroll
        for (int i_52 = 0; i_52 < 4; ++i_52) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_13)[((((((i_52 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_52) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)17984)])));
        }
        #pragma unroll
        for (int i_53 = 0; i_53 < 4; ++i_53) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_3)[((((((i_53 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_53) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)15936)])));
        }
        #pragma unroll
        for (int i_54 = 0; i_54 < 4; ++i_54) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_1)[((((((i_54 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_54) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)17920)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
        bar_q[0].arrive();
        #pragma unroll
        for (int i_55 = 0; i_55 < 8; ++i_55) {
          float broadcast_var_3 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_35 + (i_55 * 4)) = make_float4(broadcast_var_3, broadcast_var_3, broadcast_var_3, broadcast_var_3);
        }
        #pragma unroll
        for (int i_56 = 0; i_56 < 8; ++i_56) {
          float broadcast_var_4 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_36 + (i_56 * 4)) = make_float4(broadcast_var_4, broadcast_var_4, broadcast_var_4, broadcast_var_4);
        }
        bar_q[0].wait(0);
        for (int it_2 = 0; it_2 < ((n_valid + 63) >> 6); ++it_2) {
          pfree[0].wait(((it_2 & 1) ^ 1));
          tl::__sync_thread_partial(5, 128);
          if (((int)threadIdx.x) < 320) {
            int condval_7;
            if ((((it_2 * 64) + ((int)threadIdx.x)) < (n_valid + 256))) {
              int condval_8;
              if ((1 <= topk)) {
                condval_8 = Indices[(min((((((int64_t)it_2) * (int64_t)64) + ((int64_t)((int)threadIdx.x))) - (int64_t)256), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
              } else {
                condval_8 = 0;
              }
              condval_7 = condval_8;
            } else {
              condval_7 = -1;
            }
            int iv_2 = condval_7;
            v_37[(((int)threadIdx.x) - 256)] = ((signed char)((0 <= iv_2) & (iv_2 < s_kv)));
            int condval_9;
            if (((0 <= iv_2) & (iv_2 < s_kv))) {
              condval_9 = iv_2;
            } else {
              condval_9 = 0;
            }
            v_38[(((int)threadIdx.x) - 256)] = condval_9;
          }
          tl::__sync_thread_partial(5, 128);
          #pragma unroll
          for (int i_57 = 0; i_57 < 4; ++i_57) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_21)[((((((i_57 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_57) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)384)])), ((((bool)v_37[(((i_57 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_57 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_57 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          #pragma unroll
          for (int i_58 = 0; i_58 < 4; ++i_58) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_9)[((((((i_58 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_58) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)448)])), ((((bool)v_37[(((i_58 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_58 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_58 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          #pragma unroll
          for (int i_59 = 0; i_59 < 4; ++i_59) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_14)[((((((i_59 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_59) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)512)])), ((((bool)v_37[(((i_59 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_59 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_59 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
          gathered[0].arrive();
          pready[0].wait((it_2 & 1));
          tl::fence_proxy_async();
          {
            tl::GmmaDescriptor desc_a_26;
            tl::GmmaDescriptor desc_b_26;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_26, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_26, (&(((bfloat16_t*)v_19)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_35 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_26 = 0; ki_26 < 4; ++ki_26) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_26 + ((ki_26 * 32) >> 4)), uint64_t(desc_b_26 + ((ki_26 * 2048) >> 4)), ((uint32_t*)(v_35 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_35 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_27;
            tl::GmmaDescriptor desc_b_27;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_27, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_27, (&(((bfloat16_t*)v_20)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_36 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_27 = 0; ki_27 < 4; ++ki_27) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_27 + ((ki_27 * 32) >> 4)), uint64_t(desc_b_27 + ((ki_27 * 2048) >> 4)), ((uint32_t*)(v_36 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_36 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_28;
            tl::GmmaDescriptor desc_b_28;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_28, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_28, (&(((bfloat16_t*)v_22)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_28 = 0; ki_28 < 4; ++ki_28) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_28 + ((ki_28 * 2048) >> 4)), uint64_t(desc_b_28 + ((ki_28 * 2048) >> 4)), ((uint32_t*)(v_39 + 0)), ((0 < ki_28) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_29;
            tl::GmmaDescriptor desc_b_29;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_29, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_29, (&(((bfloat16_t*)v_11)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_29 = 0; ki_29 < 4; ++ki_29) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_29 + ((ki_29 * 2048) >> 4)), uint64_t(desc_b_29 + ((ki_29 * 2048) >> 4)), ((uint32_t*)(v_39 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
          }
          #pragma unroll
          for (int i_60 = 0; i_60 < 16; ++i_60) {
            if ((bool)v_37[(((((((int)threadIdx.x) >> 5) * 16) + ((i_60 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
              if (0 <= v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_60 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
                if (v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_60 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_38[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_60) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)128)]) * (int64_t)576) + ((((int64_t)i_60) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)192)])), *(float2*)(v_39 + (i_60 * 2)));
                }
              }
            }
          }
          {
            tl::GmmaDescriptor desc_a_30;
            tl::GmmaDescriptor desc_b_30;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_30, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_30, (&(((bfloat16_t*)v_23)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_30 = 0; ki_30 < 4; ++ki_30) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_30 + ((ki_30 * 2048) >> 4)), uint64_t(desc_b_30 + ((ki_30 * 2048) >> 4)), ((uint32_t*)(v_39 + 0)), ((0 < ki_30) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_31;
            tl::GmmaDescriptor desc_b_31;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_31, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_31, (&(((bfloat16_t*)v_15)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_31 = 0; ki_31 < 4; ++ki_31) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_31 + ((ki_31 * 2048) >> 4)), uint64_t(desc_b_31 + ((ki_31 * 2048) >> 4)), ((uint32_t*)(v_39 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
          }
          #pragma unroll
          for (int i_61 = 0; i_61 < 16; ++i_61) {
            if ((bool)v_37[(((((((int)threadIdx.x) >> 5) * 16) + ((i_61 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
              if (0 <= v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_61 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
                if (v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_61 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_38[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_61) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)128)]) * (int64_t)576) + ((((int64_t)i_61) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)256)])), *(float2*)(v_39 + (i_61 * 2)));
                }
              }
            }
          }
          pfree[0].arrive();
        }
        #pragma unroll
        for (int i_62 = 0; i_62 < 16; ++i_62) {
          bfloat16_t dQ_local_cast_19[2];
          uint1 __31;
          float2 v__23 = *(float2*)(v_35 + (i_62 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__31))[0] = __float22bfloat162_rn(((float2*)(&v__23))[0]);
          *(uint1*)(dQ_local_cast_19 + 0) = __31;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_62) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_62) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)73536)) = *(uint1*)(dQ_local_cast_19 + 0);
        }
        #pragma unroll
        for (int i_63 = 0; i_63 < 16; ++i_63) {
          bfloat16_t dQ_local_cast_20[2];
          uint1 __32;
          float2 v__24 = *(float2*)(v_36 + (i_63 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__32))[0] = __float22bfloat162_rn(((float2*)(&v__24))[0]);
          *(uint1*)(dQ_local_cast_20 + 0) = __32;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_63) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_63) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)73472)) = *(uint1*)(dQ_local_cast_20 + 0);
        }
      }
    }
  }
  if ((((int)blockIdx.x) & 1) == 1) {
    if (((int)threadIdx.x) < 128) {
      tl::warpgroup_reg_alloc<184>();
      #pragma unroll
      for (int i_64 = 0; i_64 < 4; ++i_64) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_6)[(((((i_64 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_64) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])));
      }
      #pragma unroll
      for (int i_65 = 0; i_65 < 4; ++i_65) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_12)[(((((i_65 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_65) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])));
      }
      #pragma unroll
      for (int i_66 = 0; i_66 < 4; ++i_66) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_16)[(((((i_66 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_66) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])));
      }
      #pragma unroll
      for (int i_67 = 0; i_67 < 4; ++i_67) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_17)[(((((i_67 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_67) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])));
      }
      #pragma unroll
      for (int i_68 = 0; i_68 < 4; ++i_68) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_10)[(((((i_68 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_68) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])));
      }
      #pragma unroll
      for (int i_69 = 0; i_69 < 4; ++i_69) {
        tl::cp_async_gs<16>((&(((bfloat16_t*)v_8)[(((((i_69 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_69) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])));
      }
      tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
      bar_q[0].arrive();
      #pragma unroll
      for (int i_70 = 0; i_70 < 8; ++i_70) {
        float broadcast_var_5 = 0x0p+0f/*0.000000e+00*/;
        *(float4*)(v_40 + (i_70 * 4)) = make_float4(broadcast_var_5, broadcast_var_5, broadcast_var_5, broadcast_var_5);
      }
      #pragma unroll
      for (int i_71 = 0; i_71 < 2; ++i_71) {
        lse2[i_71] = (Lse[(((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)64) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_71) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/);
      }
      #pragma unroll
      for (int i_72 = 0; i_72 < 2; ++i_72) {
        gsc[i_72] = (0x1p+0f/*1.000000e+00*/ / (0x1p+0f/*1.000000e+00*/ + exp2f(((AttnSink[((((((((int)blockIdx.x) & 3) >> 1) * 64) + ((((int)threadIdx.x) >> 5) * 16)) + (i_72 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/) - lse2[i_72]))));
      }
      bar_q[0].wait(0);
      tl::__sync_thread_partial(3, 128);
      #pragma unroll
      for (int i_73 = 0; i_73 < 16; ++i_73) {
        bfloat16_t _local_cast_21[2];
        bfloat16_t Out_local_cast_22[2];
        *(uint1*)(_local_cast_21 + 0) = *(uint1*)(((bfloat16_t*)v_12) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_73 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_73 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_73 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_73 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_22 + 0) = *(uint1*)(Out + (((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_73) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_73) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)));
        float2 __33;
          float2 __34;
          uint1 v__25 = *(uint1*)(_local_cast_21 + 0);
          ((float2*)(&__34))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__25))[0]);
          float2 __35;
          uint1 v__26 = *(uint1*)(Out_local_cast_22 + 0);
          ((float2*)(&__35))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__26))[0]);
          __33.x = (__34.x*__35.x);
          __33.y = (__34.y*__35.y);
        *(float2*)(acc_s + (i_73 * 2)) = __33;
      }
      #pragma unroll
      for (int i_74 = 0; i_74 < 2; ++i_74) {
        delta[i_74] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_8 = 0; rv_8 < 16; ++rv_8) {
          delta[i_74] = (delta[i_74] + acc_s[((((rv_8 & 7) * 4) + (i_74 * 2)) + (rv_8 >> 3))]);
        }
        delta[i_74] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta[i_74]);
      }
      #pragma unroll
      for (int i_75 = 0; i_75 < 16; ++i_75) {
        bfloat16_t _local_cast_23[2];
        bfloat16_t Out_local_cast_24[2];
        *(uint1*)(_local_cast_23 + 0) = *(uint1*)(((bfloat16_t*)v_17) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_75 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_75 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_75 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_75 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_24 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_75) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_75) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)64));
        float2 __36;
          float2 __37;
          uint1 v__27 = *(uint1*)(_local_cast_23 + 0);
          ((float2*)(&__37))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__27))[0]);
          float2 __38;
          uint1 v__28 = *(uint1*)(Out_local_cast_24 + 0);
          ((float2*)(&__38))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__28))[0]);
          __36.x = (__37.x*__38.x);
          __36.y = (__37.y*__38.y);
        *(float2*)(acc_s + (i_75 * 2)) = __36;
      }
      #pragma unroll
      for (int i_76 = 0; i_76 < 2; ++i_76) {
        delta_clear_7[i_76] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_9 = 0; rv_9 < 16; ++rv_9) {
          delta_clear_7[i_76] = (delta_clear_7[i_76] + acc_s[((((rv_9 & 7) * 4) + (i_76 * 2)) + (rv_9 >> 3))]);
        }
        delta_clear_7[i_76] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_7[i_76]);
        delta[i_76] = (delta[i_76] + delta_clear_7[i_76]);
      }
      #pragma unroll
      for (int i_77 = 0; i_77 < 16; ++i_77) {
        bfloat16_t _local_cast_25[2];
        bfloat16_t Out_local_cast_26[2];
        *(uint1*)(_local_cast_25 + 0) = *(uint1*)(((bfloat16_t*)v_8) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_77 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_77 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_77 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_77 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_26 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_77) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_77) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)128));
        float2 __39;
          float2 __40;
          uint1 v__29 = *(uint1*)(_local_cast_25 + 0);
          ((float2*)(&__40))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__29))[0]);
          float2 __41;
          uint1 v__30 = *(uint1*)(Out_local_cast_26 + 0);
          ((float2*)(&__41))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__30))[0]);
          __39.x = (__40.x*__41.x);
          __39.y = (__40.y*__41.y);
        *(float2*)(acc_s + (i_77 * 2)) = __39;
      }
      #pragma unroll
      for (int i_78 = 0; i_78 < 2; ++i_78) {
        delta_clear_8[i_78] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_10 = 0; rv_10 < 16; ++rv_10) {
          delta_clear_8[i_78] = (delta_clear_8[i_78] + acc_s[((((rv_10 & 7) * 4) + (i_78 * 2)) + (rv_10 >> 3))]);
        }
        delta_clear_8[i_78] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_8[i_78]);
        delta[i_78] = (delta[i_78] + delta_clear_8[i_78]);
      }
      #pragma unroll
      for (int i_79 = 0; i_79 < 16; ++i_79) {
        bfloat16_t _local_cast_27[2];
        bfloat16_t Out_local_cast_28[2];
        *(uint1*)(_local_cast_27 + 0) = *(uint1*)(((bfloat16_t*)v_11) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_79 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_79 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_79 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_79 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_28 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_79) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_79) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)192));
        float2 __42;
          float2 __43;
          uint1 v__31 = *(uint1*)(_local_cast_27 + 0);
          ((float2*)(&__43))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__31))[0]);
          float2 __44;
          uint1 v__32 = *(uint1*)(Out_local_cast_28 + 0);
          ((float2*)(&__44))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__32))[0]);
          __42.x = (__43.x*__44.x);
          __42.y = (__43.y*__44.y);
        *(float2*)(acc_s + (i_79 * 2)) = __42;
      }
      #pragma unroll
      for (int i_80 = 0; i_80 < 2; ++i_80) {
        delta_clear_9[i_80] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_11 = 0; rv_11 < 16; ++rv_11) {
          delta_clear_9[i_80] = (delta_clear_9[i_80] + acc_s[((((rv_11 & 7) * 4) + (i_80 * 2)) + (rv_11 >> 3))]);
        }
        delta_clear_9[i_80] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_9[i_80]);
        delta[i_80] = (delta[i_80] + delta_clear_9[i_80]);
      }
      #pragma unroll
      for (int i_81 = 0; i_81 < 16; ++i_81) {
        bfloat16_t _local_cast_29[2];
        bfloat16_t Out_local_cast_30[2];
        *(uint1*)(_local_cast_29 + 0) = *(uint1*)(((bfloat16_t*)v_15) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_81 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_81 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_81 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_81 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_30 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_81) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_81) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)256));
        float2 __45;
          float2 __46;
          uint1 v__33 = *(uint1*)(_local_cast_29 + 0);
          ((float2*)(&__46))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__33))[0]);
          float2 __47;
          uint1 v__34 = *(uint1*)(Out_local_cast_30 + 0);
          ((float2*)(&__47))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__34))[0]);
          __45.x = (__46.x*__47.x);
          __45.y = (__46.y*__47.y);
        *(float2*)(acc_s + (i_81 * 2)) = __45;
      }
      #pragma unroll
      for (int i_82 = 0; i_82 < 2; ++i_82) {
        delta_clear_10[i_82] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_12 = 0; rv_12 < 16; ++rv_12) {
          delta_clear_10[i_82] = (delta_clear_10[i_82] + acc_s[((((rv_12 & 7) * 4) + (i_82 * 2)) + (rv_12 >> 3))]);
        }
        delta_clear_10[i_82] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_10[i_82]);
        delta[i_82] = (delta[i_82] + delta_clear_10[i_82]);
      }
      #pragma unroll
      for (int i_83 = 0; i_83 < 16; ++i_83) {
        bfloat16_t _local_cast_31[2];
        bfloat16_t Out_local_cast_32[2];
        *(uint1*)(_local_cast_31 + 0) = *(uint1*)(((bfloat16_t*)v_4) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_83 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_83 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_83 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_83 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_32 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_83) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_83) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)320));
        float2 __48;
          float2 __49;
          uint1 v__35 = *(uint1*)(_local_cast_31 + 0);
          ((float2*)(&__49))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__35))[0]);
          float2 __50;
          uint1 v__36 = *(uint1*)(Out_local_cast_32 + 0);
          ((float2*)(&__50))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__36))[0]);
          __48.x = (__49.x*__50.x);
          __48.y = (__49.y*__50.y);
        *(float2*)(acc_s + (i_83 * 2)) = __48;
      }
      #pragma unroll
      for (int i_84 = 0; i_84 < 2; ++i_84) {
        delta_clear_11[i_84] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_13 = 0; rv_13 < 16; ++rv_13) {
          delta_clear_11[i_84] = (delta_clear_11[i_84] + acc_s[((((rv_13 & 7) * 4) + (i_84 * 2)) + (rv_13 >> 3))]);
        }
        delta_clear_11[i_84] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_11[i_84]);
        delta[i_84] = (delta[i_84] + delta_clear_11[i_84]);
      }
      #pragma unroll
      for (int i_85 = 0; i_85 < 16; ++i_85) {
        bfloat16_t _local_cast_33[2];
        bfloat16_t Out_local_cast_34[2];
        *(uint1*)(_local_cast_33 + 0) = *(uint1*)(((bfloat16_t*)v_5) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_85 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_85 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_85 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_85 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_34 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_85) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_85) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)384));
        float2 __51;
          float2 __52;
          uint1 v__37 = *(uint1*)(_local_cast_33 + 0);
          ((float2*)(&__52))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__37))[0]);
          float2 __53;
          uint1 v__38 = *(uint1*)(Out_local_cast_34 + 0);
          ((float2*)(&__53))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__38))[0]);
          __51.x = (__52.x*__53.x);
          __51.y = (__52.y*__53.y);
        *(float2*)(acc_s + (i_85 * 2)) = __51;
      }
      #pragma unroll
      for (int i_86 = 0; i_86 < 2; ++i_86) {
        delta_clear_12[i_86] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_14 = 0; rv_14 < 16; ++rv_14) {
          delta_clear_12[i_86] = (delta_clear_12[i_86] + acc_s[((((rv_14 & 7) * 4) + (i_86 * 2)) + (rv_14 >> 3))]);
        }
        delta_clear_12[i_86] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_12[i_86]);
        delta[i_86] = (delta[i_86] + delta_clear_12[i_86]);
      }
      #pragma unroll
      for (int i_87 = 0; i_87 < 16; ++i_87) {
        bfloat16_t _local_cast_35[2];
        bfloat16_t Out_local_cast_36[2];
        *(uint1*)(_local_cast_35 + 0) = *(uint1*)(((bfloat16_t*)v_3) + ((((((((((int)threadIdx.x) >> 5) * 1024) + ((i_87 & 1) * 512)) + (((((int)threadIdx.x) & 31) >> 2) * 64)) + (((((((int)threadIdx.x) & 31) >> 4) + (i_87 >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 15) >> 3) + ((i_87 & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_87 & 3) >> 1)) & 1) * 8)) + ((((int)threadIdx.x) & 3) * 2)));
        *(uint1*)(Out_local_cast_36 + 0) = *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_87) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)i_87) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)448));
        float2 __54;
          float2 __55;
          uint1 v__39 = *(uint1*)(_local_cast_35 + 0);
          ((float2*)(&__55))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__39))[0]);
          float2 __56;
          uint1 v__40 = *(uint1*)(Out_local_cast_36 + 0);
          ((float2*)(&__56))[0] = __bfloat1622float2((reinterpret_cast<__nv_bfloat162*>(&v__40))[0]);
          __54.x = (__55.x*__56.x);
          __54.y = (__55.y*__56.y);
        *(float2*)(acc_s + (i_87 * 2)) = __54;
      }
      #pragma unroll
      for (int i_88 = 0; i_88 < 2; ++i_88) {
        delta_clear_13[i_88] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_15 = 0; rv_15 < 16; ++rv_15) {
          delta_clear_13[i_88] = (delta_clear_13[i_88] + acc_s[((((rv_15 & 7) * 4) + (i_88 * 2)) + (rv_15 >> 3))]);
        }
        delta_clear_13[i_88] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(delta_clear_13[i_88]);
        delta[i_88] = (delta[i_88] + delta_clear_13[i_88]);
      }
      for (int it_3 = 0; it_3 < ((n_valid + 63) >> 6); ++it_3) {
        pfree[0].wait(((it_3 & 1) ^ 1));
        tl::__sync_thread_partial(3, 128);
        if (((int)threadIdx.x) < 64) {
          int condval_10;
          if ((((it_3 * 64) + ((int)threadIdx.x)) < n_valid)) {
            int condval_11;
            if ((1 <= topk)) {
              condval_11 = Indices[(min(((((int64_t)it_3) * (int64_t)64) + ((int64_t)((int)threadIdx.x))), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
            } else {
              condval_11 = 0;
            }
            condval_10 = condval_11;
          } else {
            condval_10 = -1;
          }
          int iv_3 = condval_10;
          v_27[((int)threadIdx.x)] = ((signed char)((0 <= iv_3) & (iv_3 < s_kv)));
          int condval_12;
          if (((0 <= iv_3) & (iv_3 < s_kv))) {
            condval_12 = iv_3;
          } else {
            condval_12 = 0;
          }
          v_28[((int)threadIdx.x)] = condval_12;
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_89 = 0; i_89 < 4; ++i_89) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_25)[(((((i_89 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[((((int64_t)v_28[((((int64_t)i_89) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8))])), ((((bool)v_27[((i_89 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_89 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_89 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        #pragma unroll
        for (int i_90 = 0; i_90 < 4; ++i_90) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_18)[(((((i_90 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)v_28[((((int64_t)i_90) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)64)])), ((((bool)v_27[((i_90 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_90 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_90 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        #pragma unroll
        for (int i_91 = 0; i_91 < 4; ++i_91) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_2)[(((((i_91 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)v_28[((((int64_t)i_91) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)128)])), ((((bool)v_27[((i_91 * 16) + (((int)threadIdx.x) >> 3))]) && (v_28[((i_91 * 16) + (((int)threadIdx.x) >> 3))] < s_kv)) && (0 <= v_28[((i_91 * 16) + (((int)threadIdx.x) >> 3))])));
        }
        tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
        gathered[0].arrive();
        gathered[0].wait((it_3 & 1));
        tl::fence_proxy_async();
        {
          tl::GmmaDescriptor desc_a_32;
          tl::GmmaDescriptor desc_b_32;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_32, (&(((bfloat16_t*)v_6)[0])));
          tl::__sync_thread_partial(3, 128);
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_32, (&(((bfloat16_t*)v_25)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_32 = 0; ki_32 < 4; ++ki_32) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_32 + ((ki_32 * 32) >> 4)), uint64_t(desc_b_32 + ((ki_32 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), ((0 < ki_32) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_33;
          tl::GmmaDescriptor desc_b_33;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_33, (&(((bfloat16_t*)v_16)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_33, (&(((bfloat16_t*)v_18)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_33 = 0; ki_33 < 4; ++ki_33) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_33 + ((ki_33 * 32) >> 4)), uint64_t(desc_b_33 + ((ki_33 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_34;
          tl::GmmaDescriptor desc_b_34;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_34, (&(((bfloat16_t*)v_10)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_34, (&(((bfloat16_t*)v_2)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_34 = 0; ki_34 < 4; ++ki_34) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_34 + ((ki_34 * 32) >> 4)), uint64_t(desc_b_34 + ((ki_34 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_35;
          tl::GmmaDescriptor desc_b_35;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_35, (&(((bfloat16_t*)v_22)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_35, (&(((bfloat16_t*)v_19)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_35 = 0; ki_35 < 4; ++ki_35) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_35 + ((ki_35 * 32) >> 4)), uint64_t(desc_b_35 + ((ki_35 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_36;
          tl::GmmaDescriptor desc_b_36;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_36, (&(((bfloat16_t*)v_23)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_36, (&(((bfloat16_t*)v_20)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_36 = 0; ki_36 < 4; ++ki_36) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_36 + ((ki_36 * 32) >> 4)), uint64_t(desc_b_36 + ((ki_36 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_37;
          tl::GmmaDescriptor desc_b_37;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_37, (&(((bfloat16_t*)v_24)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_37, (&(((bfloat16_t*)v_7)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_37 = 0; ki_37 < 4; ++ki_37) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_37 + ((ki_37 * 32) >> 4)), uint64_t(desc_b_37 + ((ki_37 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_38;
          tl::GmmaDescriptor desc_b_38;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_38, (&(((bfloat16_t*)v)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_38, (&(((bfloat16_t*)v_21)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_38 = 0; ki_38 < 4; ++ki_38) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_38 + ((ki_38 * 32) >> 4)), uint64_t(desc_b_38 + ((ki_38 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_39;
          tl::GmmaDescriptor desc_b_39;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_39, (&(((bfloat16_t*)v_13)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_39, (&(((bfloat16_t*)v_9)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_39 = 0; ki_39 < 4; ++ki_39) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_39 + ((ki_39 * 32) >> 4)), uint64_t(desc_b_39 + ((ki_39 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_40;
          tl::GmmaDescriptor desc_b_40;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_40, (&(((bfloat16_t*)v_1)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_40, (&(((bfloat16_t*)v_14)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_40 = 0; ki_40 < 4; ++ki_40) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_40 + ((ki_40 * 32) >> 4)), uint64_t(desc_b_40 + ((ki_40 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_41;
          tl::GmmaDescriptor desc_b_41;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_41, (&(((bfloat16_t*)v_12)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_41, (&(((bfloat16_t*)v_25)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_41 = 0; ki_41 < 4; ++ki_41) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_41 + ((ki_41 * 32) >> 4)), uint64_t(desc_b_41 + ((ki_41 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), ((0 < ki_41) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_42;
          tl::GmmaDescriptor desc_b_42;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_42, (&(((bfloat16_t*)v_17)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_42, (&(((bfloat16_t*)v_18)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_42 = 0; ki_42 < 4; ++ki_42) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_42 + ((ki_42 * 32) >> 4)), uint64_t(desc_b_42 + ((ki_42 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_43;
          tl::GmmaDescriptor desc_b_43;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_43, (&(((bfloat16_t*)v_8)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_43, (&(((bfloat16_t*)v_2)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_43 = 0; ki_43 < 4; ++ki_43) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_43 + ((ki_43 * 32) >> 4)), uint64_t(desc_b_43 + ((ki_43 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_44;
          tl::GmmaDescriptor desc_b_44;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_44, (&(((bfloat16_t*)v_11)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_44, (&(((bfloat16_t*)v_19)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_44 = 0; ki_44 < 4; ++ki_44) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_44 + ((ki_44 * 32) >> 4)), uint64_t(desc_b_44 + ((ki_44 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_45;
          tl::GmmaDescriptor desc_b_45;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_45, (&(((bfloat16_t*)v_15)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_45, (&(((bfloat16_t*)v_20)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_45 = 0; ki_45 < 4; ++ki_45) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_45 + ((ki_45 * 32) >> 4)), uint64_t(desc_b_45 + ((ki_45 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_46;
          tl::GmmaDescriptor desc_b_46;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_46, (&(((bfloat16_t*)v_4)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_46, (&(((bfloat16_t*)v_7)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_46 = 0; ki_46 < 4; ++ki_46) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_46 + ((ki_46 * 32) >> 4)), uint64_t(desc_b_46 + ((ki_46 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_47;
          tl::GmmaDescriptor desc_b_47;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_47, (&(((bfloat16_t*)v_5)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_47, (&(((bfloat16_t*)v_21)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_47 = 0; ki_47 < 4; ++ki_47) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_47 + ((ki_47 * 32) >> 4)), uint64_t(desc_b_47 + ((ki_47 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_48;
          tl::GmmaDescriptor desc_b_48;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_48, (&(((bfloat16_t*)v_3)[0])));
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_48, (&(((bfloat16_t*)v_9)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_48 = 0; ki_48 < 4; ++ki_48) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_48 + ((ki_48 * 32) >> 4)), uint64_t(desc_b_48 + ((ki_48 * 32) >> 4)), ((uint32_t*)(acc_dp + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_dp + 0), 32);
        }
        #pragma unroll
        for (int i_92 = 0; i_92 < 32; ++i_92) {
          float condval_13;
          if (((bool)v_27[((((i_92 >> 2) * 8) + ((((int)threadIdx.x) & 3) * 2)) + (i_92 & 1))])) {
            condval_13 = (exp2f(((acc_s[i_92] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)) - lse2[((i_92 & 3) >> 1)])) * gsc[((i_92 & 3) >> 1)]);
          } else {
            condval_13 = 0x0p+0f/*0.000000e+00*/;
          }
          acc_s[i_92] = condval_13;
        }
        #pragma unroll
        for (int i_93 = 0; i_93 < 16; ++i_93) {
          float2 __57;
            float2 __58;
              float2 v__41 = *(float2*)(acc_s + (i_93 * 2));
              float2 __59;
                float2 v__42 = *(float2*)(acc_dp + (i_93 * 2));
                float2 v__43 = make_float2(delta[(i_93 & 1)], delta[(i_93 & 1)]);
                __59.x = (v__42.x-v__43.x);
                __59.y = (v__42.y-v__43.y);
              __58.x = (v__41.x*__59.x);
              __58.y = (v__41.y*__59.y);
            float2 v__44 = make_float2(sm_scale, sm_scale);
            __57.x = (__58.x*v__44.x);
            __57.y = (__58.y*v__44.y);
          *(float2*)(acc_dp + (i_93 * 2)) = __57;
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_94 = 0; i_94 < 4; ++i_94) {
          tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)p_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_94 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_94 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_s[(i_94 * 8)]), ((bfloat16_t)acc_s[((i_94 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_s[((i_94 * 8) + 2)]), ((bfloat16_t)acc_s[((i_94 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_s[((i_94 * 8) + 4)]), ((bfloat16_t)acc_s[((i_94 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_s[((i_94 * 8) + 6)]), ((bfloat16_t)acc_s[((i_94 * 8) + 7)])));
        }
        tl::__sync_thread_partial(3, 128);
        #pragma unroll
        for (int i_95 = 0; i_95 < 4; ++i_95) {
          tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)ds_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_95 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_95 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_dp[(i_95 * 8)]), ((bfloat16_t)acc_dp[((i_95 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_dp[((i_95 * 8) + 2)]), ((bfloat16_t)acc_dp[((i_95 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_dp[((i_95 * 8) + 4)]), ((bfloat16_t)acc_dp[((i_95 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_dp[((i_95 * 8) + 6)]), ((bfloat16_t)acc_dp[((i_95 * 8) + 7)])));
        }
        tl::fence_proxy_async();
        pready[0].arrive();
        {
          tl::GmmaDescriptor desc_a_49;
          tl::GmmaDescriptor desc_b_49;
          tl::__sync_thread_partial(3, 128);
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_49, (&(((bfloat16_t*)ds_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_49, (&(((bfloat16_t*)v_7)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_40 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_49 = 0; ki_49 < 4; ++ki_49) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_49 + ((ki_49 * 32) >> 4)), uint64_t(desc_b_49 + ((ki_49 * 2048) >> 4)), ((uint32_t*)(v_40 + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_40 + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_50;
          tl::GmmaDescriptor desc_b_50;
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_50, (&(((bfloat16_t*)ds_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_50, (&(((bfloat16_t*)v_24)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_50 = 0; ki_50 < 4; ++ki_50) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_50 + ((ki_50 * 2048) >> 4)), uint64_t(desc_b_50 + ((ki_50 * 2048) >> 4)), ((uint32_t*)(v_29 + 0)), ((0 < ki_50) ? 1 : 0));
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
        }
        {
          tl::GmmaDescriptor desc_a_51;
          tl::GmmaDescriptor desc_b_51;
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_51, (&(((bfloat16_t*)p_s)[0])));
          tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_51, (&(((bfloat16_t*)v_4)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_51 = 0; ki_51 < 4; ++ki_51) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_51 + ((ki_51 * 2048) >> 4)), uint64_t(desc_b_51 + ((ki_51 * 2048) >> 4)), ((uint32_t*)(v_29 + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_29 + 0), 32);
        }
        #pragma unroll
        for (int i_96 = 0; i_96 < 16; ++i_96) {
          if ((bool)v_27[((((((int)threadIdx.x) >> 5) * 16) + ((i_96 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))]) {
            if (0 <= v_28[((((((int)threadIdx.x) >> 5) * 16) + ((i_96 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))]) {
              if (v_28[((((((int)threadIdx.x) >> 5) * 16) + ((i_96 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2))] < s_kv) {
                AtomicAddx2((&(dKV[((((((int64_t)v_28[((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_96) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))]) * (int64_t)576) + ((((int64_t)i_96) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)320)])), *(float2*)(v_29 + (i_96 * 2)));
              }
            }
          }
        }
        pfree[0].arrive();
      }
      #pragma unroll
      for (int i_97 = 0; i_97 < 16; ++i_97) {
        bfloat16_t dQ_local_cast_37[2];
        uint1 __60;
        float2 v__45 = *(float2*)(v_40 + (i_97 * 2));
        (reinterpret_cast<__nv_bfloat162*>(&__60))[0] = __float22bfloat162_rn(((float2*)(&v__45))[0]);
        *(uint1*)(dQ_local_cast_37 + 0) = __60;
        *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_97) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_97) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)320)) = *(uint1*)(dQ_local_cast_37 + 0);
      }
    } else {
      if (((int)threadIdx.x) < 256) {
        tl::warpgroup_reg_dealloc<160>();
        #pragma unroll
        for (int i_98 = 0; i_98 < 4; ++i_98) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_22)[((((((i_98 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_98) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)9024)])));
        }
        #pragma unroll
        for (int i_99 = 0; i_99 < 4; ++i_99) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_11)[((((((i_99 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_99) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8000)])));
        }
        #pragma unroll
        for (int i_100 = 0; i_100 < 4; ++i_100) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_23)[((((((i_100 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_100) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8960)])));
        }
        #pragma unroll
        for (int i_101 = 0; i_101 < 4; ++i_101) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_15)[((((((i_101 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_101) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)7936)])));
        }
        #pragma unroll
        for (int i_102 = 0; i_102 < 4; ++i_102) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_24)[((((((i_102 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_102) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)8896)])));
        }
        #pragma unroll
        for (int i_103 = 0; i_103 < 4; ++i_103) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_4)[((((((i_103 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_103) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)7872)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
        bar_q[0].arrive();
        #pragma unroll
        for (int i_104 = 0; i_104 < 8; ++i_104) {
          float broadcast_var_6 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_41 + (i_104 * 4)) = make_float4(broadcast_var_6, broadcast_var_6, broadcast_var_6, broadcast_var_6);
        }
        #pragma unroll
        for (int i_105 = 0; i_105 < 8; ++i_105) {
          float broadcast_var_7 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_42 + (i_105 * 4)) = make_float4(broadcast_var_7, broadcast_var_7, broadcast_var_7, broadcast_var_7);
        }
        bar_q[0].wait(0);
        for (int it_4 = 0; it_4 < ((n_valid + 63) >> 6); ++it_4) {
          pfree[0].wait(((it_4 & 1) ^ 1));
          tl::__sync_thread_partial(4, 128);
          if (((int)threadIdx.x) < 192) {
            int condval_14;
            if ((((it_4 * 64) + ((int)threadIdx.x)) < (n_valid + 128))) {
              int condval_15;
              if ((1 <= topk)) {
                condval_15 = Indices[(min((((((int64_t)it_4) * (int64_t)64) + ((int64_t)((int)threadIdx.x))) - (int64_t)128), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
              } else {
                condval_15 = 0;
              }
              condval_14 = condval_15;
            } else {
              condval_14 = -1;
            }
            int iv_4 = condval_14;
            v_32[(((int)threadIdx.x) - 128)] = ((signed char)((0 <= iv_4) & (iv_4 < s_kv)));
            int condval_16;
            if (((0 <= iv_4) & (iv_4 < s_kv))) {
              condval_16 = iv_4;
            } else {
              condval_16 = 0;
            }
            v_33[(((int)threadIdx.x) - 128)] = condval_16;
          }
          tl::__sync_thread_partial(4, 128);
          #pragma unroll
          for (int i_106 = 0; i_106 < 4; ++i_106) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_19)[((((((i_106 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_106) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)192)])), ((((bool)v_32[(((i_106 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_106 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_106 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          #pragma unroll
          for (int i_107 = 0; i_107 < 4; ++i_107) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_20)[((((((i_107 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_107) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)256)])), ((((bool)v_32[(((i_107 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_107 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_107 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          #pragma unroll
          for (int i_108 = 0; i_108 < 4; ++i_108) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_7)[((((((i_108 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 1024)])), (&(KV[(((((int64_t)v_33[(((((int64_t)i_108) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)16)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)320)])), ((((bool)v_32[(((i_108 * 16) + (((int)threadIdx.x) >> 3)) - 16)]) && (v_33[(((i_108 * 16) + (((int)threadIdx.x) >> 3)) - 16)] < s_kv)) && (0 <= v_33[(((i_108 * 16) + (((int)threadIdx.x) >> 3)) - 16)])));
          }
          tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
          gathered[0].arrive();
          pready[0].wait((it_4 & 1));
          tl::fence_proxy_async();
          {
            tl::GmmaDescriptor desc_a_52;
            tl::GmmaDescriptor desc_b_52;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_52, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_52, (&(((bfloat16_t*)v_21)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_41 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_52 = 0; ki_52 < 4; ++ki_52) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_52 + ((ki_52 * 32) >> 4)), uint64_t(desc_b_52 + ((ki_52 * 2048) >> 4)), ((uint32_t*)(v_41 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_41 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_53;
            tl::GmmaDescriptor desc_b_53;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_53, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_53, (&(((bfloat16_t*)v_9)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_42 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_53 = 0; ki_53 < 4; ++ki_53) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_53 + ((ki_53 * 32) >> 4)), uint64_t(desc_b_53 + ((ki_53 * 2048) >> 4)), ((uint32_t*)(v_42 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_42 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_54;
            tl::GmmaDescriptor desc_b_54;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_54, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_54, (&(((bfloat16_t*)v)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_54 = 0; ki_54 < 4; ++ki_54) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_54 + ((ki_54 * 2048) >> 4)), uint64_t(desc_b_54 + ((ki_54 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), ((0 < ki_54) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_55;
            tl::GmmaDescriptor desc_b_55;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_55, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_55, (&(((bfloat16_t*)v_5)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_55 = 0; ki_55 < 4; ++ki_55) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_55 + ((ki_55 * 2048) >> 4)), uint64_t(desc_b_55 + ((ki_55 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          #pragma unroll
          for (int i_109 = 0; i_109 < 16; ++i_109) {
            if ((bool)v_32[(((((((int)threadIdx.x) >> 5) * 16) + ((i_109 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
              if (0 <= v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_109 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
                if (v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_109 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_33[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_109) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)64)]) * (int64_t)576) + ((((int64_t)i_109) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)384)])), *(float2*)(v_34 + (i_109 * 2)));
                }
              }
            }
          }
          {
            tl::GmmaDescriptor desc_a_56;
            tl::GmmaDescriptor desc_b_56;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_56, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_56, (&(((bfloat16_t*)v_13)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_56 = 0; ki_56 < 4; ++ki_56) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_56 + ((ki_56 * 2048) >> 4)), uint64_t(desc_b_56 + ((ki_56 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), ((0 < ki_56) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_57;
            tl::GmmaDescriptor desc_b_57;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_57, (&(((bfloat16_t*)p_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_57, (&(((bfloat16_t*)v_3)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_57 = 0; ki_57 < 4; ++ki_57) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_57 + ((ki_57 * 2048) >> 4)), uint64_t(desc_b_57 + ((ki_57 * 2048) >> 4)), ((uint32_t*)(v_34 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_34 + 0), 32);
          }
          #pragma unroll
          for (int i_110 = 0; i_110 < 16; ++i_110) {
            if ((bool)v_32[(((((((int)threadIdx.x) >> 5) * 16) + ((i_110 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
              if (0 <= v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_110 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]) {
                if (v_33[(((((((int)threadIdx.x) >> 5) * 16) + ((i_110 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_33[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_110) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)64)]) * (int64_t)576) + ((((int64_t)i_110) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)448)])), *(float2*)(v_34 + (i_110 * 2)));
                }
              }
            }
          }
          pfree[0].arrive();
        }
        #pragma unroll
        for (int i_111 = 0; i_111 < 16; ++i_111) {
          bfloat16_t dQ_local_cast_38[2];
          uint1 __61;
          float2 v__46 = *(float2*)(v_41 + (i_111 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__61))[0] = __float22bfloat162_rn(((float2*)(&v__46))[0]);
          *(uint1*)(dQ_local_cast_38 + 0) = __61;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_111) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_111) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)36480)) = *(uint1*)(dQ_local_cast_38 + 0);
        }
        #pragma unroll
        for (int i_112 = 0; i_112 < 16; ++i_112) {
          bfloat16_t dQ_local_cast_39[2];
          uint1 __62;
          float2 v__47 = *(float2*)(v_42 + (i_112 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__62))[0] = __float22bfloat162_rn(((float2*)(&v__47))[0]);
          *(uint1*)(dQ_local_cast_39 + 0) = __62;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_112) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_112) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)36416)) = *(uint1*)(dQ_local_cast_39 + 0);
        }
      } else {
        tl::warpgroup_reg_dealloc<160>();
        #pragma unroll
        for (int i_113 = 0; i_113 < 4; ++i_113) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v)[((((((i_113 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_113) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)18048)])));
        }
        #pragma unroll
        for (int i_114 = 0; i_114 < 4; ++i_114) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_5)[((((((i_114 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_114) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)16000)])));
        }
        #pragma unroll
        for (int i_115 = 0; i_115 < 4; ++i_115) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_13)[((((((i_115 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_115) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)17984)])));
        }
        #pragma unroll
        for (int i_116 = 0; i_116 < 4; ++i_116) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_3)[((((((i_116 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(dO[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)32768) + (((int64_t)i_116) * (int64_t)8192)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)15936)])));
        }
        #pragma unroll
        for (int i_117 = 0; i_117 < 4; ++i_117) {
          tl::cp_async_gs<16>((&(((bfloat16_t*)v_1)[((((((i_117 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(Q[((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + (((int64_t)i_117) * (int64_t)9216)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) - (int64_t)17920)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(bar_q[0]);
        bar_q[0].arrive();
        #pragma unroll
        for (int i_118 = 0; i_118 < 8; ++i_118) {
          float broadcast_var_8 = 0x0p+0f/*0.000000e+00*/;
          *(float4*)(v_43 + (i_118 * 4)) = make_float4(broadcast_var_8, broadcast_var_8, broadcast_var_8, broadcast_var_8);
        }
        bar_q[0].wait(0);
        for (int it_5 = 0; it_5 < ((n_valid + 63) >> 6); ++it_5) {
          pfree[0].wait(((it_5 & 1) ^ 1));
          tl::__sync_thread_partial(5, 128);
          if (((int)threadIdx.x) < 320) {
            int condval_17;
            if ((((it_5 * 64) + ((int)threadIdx.x)) < (n_valid + 256))) {
              int condval_18;
              if ((1 <= topk)) {
                condval_18 = Indices[(min((((((int64_t)it_5) * (int64_t)64) + ((int64_t)((int)threadIdx.x))) - (int64_t)256), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)2) * ((int64_t)topk)))];
              } else {
                condval_18 = 0;
              }
              condval_17 = condval_18;
            } else {
              condval_17 = -1;
            }
            int iv_5 = condval_17;
            v_37[(((int)threadIdx.x) - 256)] = ((signed char)((0 <= iv_5) & (iv_5 < s_kv)));
            int condval_19;
            if (((0 <= iv_5) & (iv_5 < s_kv))) {
              condval_19 = iv_5;
            } else {
              condval_19 = 0;
            }
            v_38[(((int)threadIdx.x) - 256)] = condval_19;
          }
          tl::__sync_thread_partial(5, 128);
          #pragma unroll
          for (int i_119 = 0; i_119 < 4; ++i_119) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_21)[((((((i_119 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_119) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)384)])), ((((bool)v_37[(((i_119 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_119 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_119 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          #pragma unroll
          for (int i_120 = 0; i_120 < 4; ++i_120) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_9)[((((((i_120 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_120) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)448)])), ((((bool)v_37[(((i_120 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_120 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_120 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          #pragma unroll
          for (int i_121 = 0; i_121 < 4; ++i_121) {
            tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)v_14)[((((((i_121 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)v_38[(((((int64_t)i_121) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)512)])), ((((bool)v_37[(((i_121 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (v_38[(((i_121 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= v_38[(((i_121 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
          }
          tl::mbarrier_cp_async_arrive_noinc(gathered[0]);
          gathered[0].arrive();
          pready[0].wait((it_5 & 1));
          tl::fence_proxy_async();
          {
            tl::GmmaDescriptor desc_a_58;
            tl::GmmaDescriptor desc_b_58;
            tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_58, (&(((bfloat16_t*)ds_s)[0])));
            tl::__sync_thread_partial(4, 128);
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_58, (&(((bfloat16_t*)v_14)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_43 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_58 = 0; ki_58 < 4; ++ki_58) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_58 + ((ki_58 * 32) >> 4)), uint64_t(desc_b_58 + ((ki_58 * 2048) >> 4)), ((uint32_t*)(v_43 + 0)), 1);
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_43 + 0), 32);
          }
          {
            tl::GmmaDescriptor desc_a_59;
            tl::GmmaDescriptor desc_b_59;
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_a_59, (&(((bfloat16_t*)ds_s)[0])));
            tl::initialize_wgmma_descriptor<1, 0, 64>(desc_b_59, (&(((bfloat16_t*)v_1)[0])));
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
            tl::warpgroup_arrive();
            #pragma unroll
            for (int ki_59 = 0; ki_59 < 4; ++ki_59) {
              tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, true, true, 1, 1>(uint64_t(desc_a_59 + ((ki_59 * 2048) >> 4)), uint64_t(desc_b_59 + ((ki_59 * 2048) >> 4)), ((uint32_t*)(v_39 + 0)), ((0 < ki_59) ? 1 : 0));
            }
            tl::warpgroup_commit_batch();
            tl::warpgroup_wait<0>();
            tl::warpgroup_fence_operand(reinterpret_cast<float*>(v_39 + 0), 32);
          }
          #pragma unroll
          for (int i_122 = 0; i_122 < 16; ++i_122) {
            if ((bool)v_37[(((((((int)threadIdx.x) >> 5) * 16) + ((i_122 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
              if (0 <= v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_122 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)]) {
                if (v_38[(((((((int)threadIdx.x) >> 5) * 16) + ((i_122 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 128)] < s_kv) {
                  AtomicAddx2((&(dKV[((((((int64_t)v_38[(((((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16) + ((((int64_t)i_122) & (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) - (int64_t)128)]) * (int64_t)576) + ((((int64_t)i_122) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) + (int64_t)512)])), *(float2*)(v_39 + (i_122 * 2)));
                }
              }
            }
          }
          pfree[0].arrive();
        }
        #pragma unroll
        for (int i_123 = 0; i_123 < 16; ++i_123) {
          bfloat16_t dQ_local_cast_40[2];
          uint1 __63;
          float2 v__48 = *(float2*)(v_43 + (i_123 * 2));
          (reinterpret_cast<__nv_bfloat162*>(&__63))[0] = __float22bfloat162_rn(((float2*)(&v__48))[0]);
          *(uint1*)(dQ_local_cast_40 + 0) = __63;
          *(uint1*)(dQ + ((((((((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * (int64_t)36864) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)9216)) + ((((int64_t)i_123) & (int64_t)1) * (int64_t)4608)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)576)) + ((((int64_t)i_123) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2)) - (int64_t)73216)) = *(uint1*)(dQ_local_cast_40 + 0);
        }
      }
    }
  }
}

