#if defined(_MSC_VER) && !defined(__clang__) && _MSC_VER < 1940
#define _tl_orig_alignas alignas
#define alignas(N) _tl_orig_alignas((N) <= 64 ? (N) : 64)
#include <cuda.h>
#undef alignas
#define alignas _tl_orig_alignas
#endif
#include <tl_templates/cuda/instruction/tcgen05mma.h>
#include <tl_templates/cuda/tcgen_05.h>
#include <tl_templates/cuda/intrin.h>
#include <tl_templates/cuda/barrier.h>
#include <tl_templates/cuda/copy_sm90.h>
#include <tl_templates/cuda/copy_sm100.h>
#include <tl_templates/cuda/cuda_fp8.h>
#include <math_constants.h>
#include <tl_templates/cuda/reduce.h>
#include <tl_templates/cuda/scan.h>
#include <tl_templates/cuda/ldsm.h>
#include <tl_templates/cuda/threadblock_swizzle.h>
#include <tl_templates/cuda/debug.h>
#ifdef ENABLE_BF16
#include <tl_templates/cuda/cuda_bf16_fallbacks.cuh>
#endif

extern "C" __global__ void indexer_logits_kernel(const int* __restrict__ KE, const int* __restrict__ KS, const float* __restrict__ KScale, __grid_constant__ const CUtensorMap K_desc, float* __restrict__ Out, __grid_constant__ const CUtensorMap Q_desc, const float* __restrict__ Weights, int seq_len, int seq_len_kv);
extern "C" __global__ void __launch_bounds__(384, 1) indexer_logits_kernel(const int* __restrict__ KE, const int* __restrict__ KS, const float* __restrict__ KScale, __grid_constant__ const CUtensorMap K_desc, float* __restrict__ Out, __grid_constant__ const CUtensorMap Q_desc, const float* __restrict__ Weights, int seq_len, int seq_len_kv) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* q_s = ((void*)((char*)buf_dyn_shmem + 0));
  void* k_s = ((void*)((char*)buf_dyn_shmem + 16384));
  __shared__ __align__(16) uint64_t mma_done_mem[2];
  auto mma_done = reinterpret_cast<Barrier*>(mma_done_mem);
  __shared__ __align__(16) uint64_t mbarrier_mem[5];
  auto mbarrier = reinterpret_cast<Barrier*>(mbarrier_mem);
  __shared__ __align__(16) uint acc_tmem[1];
  int kmin[1];
  int kmax[1];
  float w_f[64];
  float acc3[64];
  float2 logit_pack[1];
  float logit[1];
  if (tl::tl_shuffle_elect<0>()) {
    tl::prefetch_tma_descriptor(Q_desc);
    tl::prefetch_tma_descriptor(K_desc);
  }
  if (tl::tl_shuffle_elect<0>()) {
    mma_done[0].init(1);
    mma_done[1].init(1);
    mbarrier[0].init(1);
    mbarrier[1].init(1);
    mbarrier[2].init(256);
    mbarrier[3].init(256);
    mbarrier[4].init(1);
  }
  tl::fence_barrier_init();
  tl::tcgen05_before_thread_sync();
  __syncthreads();
  tl::tcgen05_after_thread_sync();
  if ((((int)threadIdx.x) >> 5) == 0) {
    tl::tmem_allocate((&(acc_tmem[0])), 128);
  }
  tl::tcgen05_before_thread_sync();
  __syncthreads();
  tl::tcgen05_after_thread_sync();
  kmin[0] = seq_len_kv;
  kmax[0] = 0;
  for (int qi = 0; qi < 2; ++qi) {
    if (((((int)blockIdx.x) * 2) + qi) < seq_len) {
      kmin[0] = min(kmin[0], max(KS[((((int64_t)((int)blockIdx.x)) * (int64_t)2) + ((int64_t)qi))], 0));
      kmax[0] = max(kmax[0], min(KE[((((int64_t)((int)blockIdx.x)) * (int64_t)2) + ((int64_t)qi))], seq_len_kv));
    }
  }
  int t0 = min((kmin[0] >> 7), max((((seq_len_kv + 127) >> 7) - 1), 0));
  int t1 = min(max(((kmax[0] + 127) >> 7), (t0 + 1)), ((seq_len_kv + 127) >> 7));
  if (tl::tl_shuffle_elect<384>()) {
    mbarrier[4].arrive_and_expect_tx(16384);
    tl::tma_load(Q_desc, mbarrier[4], (&(((fp8_e4_t*)q_s)[0])), 0, (((int)blockIdx.x) * 128));
  }
  tl::tcgen05_before_thread_sync();
  __syncthreads();
  tl::tcgen05_after_thread_sync();
  if (((int)threadIdx.x) < 128) {
    tl::warpgroup_reg_dealloc<24>();
    for (int nb = 0; nb < (t1 - t0); ++nb) {
      mbarrier[((nb & 1) + 2)].wait((((nb & 3) >> 1) ^ 1));
      if (tl::tl_shuffle_elect<128>()) {
        mbarrier[(nb & 1)].arrive_and_expect_tx(16384);
        tl::tma_load(K_desc, mbarrier[(nb & 1)], (&(((fp8_e4_t*)k_s)[((nb & 1) * 16384)])), 0, ((t0 * 128) + (nb * 128)));
      }
    }
  } else {
    tl::warpgroup_reg_alloc<240>();
    #pragma unroll
    for (int i = 0; i < 8; ++i) {
      float broadcast_var = 0x0p+0f/*0.000000e+00*/;
      ulonglong4 condval;
      if ((((((int)blockIdx.x) * 2) + (((int)threadIdx.x) >> 7)) <= seq_len)) {
        condval = tl::load_global_256(&(*(ulonglong4*)(Weights + ((((((int64_t)((int)blockIdx.x)) * (int64_t)128) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)7) * (int64_t)64)) + (((int64_t)i) * (int64_t)8)) - (int64_t)64))));
      } else {
        condval = make_ulonglong4(*(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var));
      }
      *(ulonglong4*)(w_f + (i * 8)) = condval;
    }
    for (int nb_1 = 0; nb_1 < (t1 - t0); ++nb_1) {
      if (nb_1 == 0) {
        mbarrier[4].wait(0);
      }
      mbarrier[(nb_1 & 1)].wait(((nb_1 & 3) >> 1));
      tl::tcgen05_after_thread_sync();
      {
        tl::Tcgen05SMemDescriptor desc_a;
        tl::Tcgen05SMemDescriptor desc_b;
        if ((((int)threadIdx.x) >> 5) == 4) {
          tl::initialize_tcgen05_descriptor(desc_a, (&(((fp8_e4_t*)k_s)[0])), 1, 64, 0, 0, 2);
          tl::increase_descriptor_offset<int>(desc_a, ((nb_1 & 1) * 16384));
          tl::initialize_tcgen05_descriptor(desc_b, (&(((fp8_e4_t*)q_s)[0])), 1, 64, 0, 0, 2);
          tl::fence_proxy_async();
          #pragma unroll
          for (int ki = 0; ki < 4; ++ki) {
            tl::tcgen05mma_ws_ss<tl::DataType::kFloat8_e4m3>(uint64_t(desc_a + (ki * 32)), uint64_t(desc_b + (ki * 32)), (*reinterpret_cast<uint32_t*>(acc_tmem)) + 0, ((0 < ki) ? 1 : 0), static_cast<uint32_t>(136314896), 0, 0, 0, 0);
          }
          tl::tcgen05_mma_arrive((&(mma_done[(nb_1 & 1)])));
        }
        mma_done[(nb_1 & 1)].wait(((nb_1 & 3) >> 1));
      }
      tl::tcgen05_before_thread_sync();
      mbarrier[((nb_1 & 1) + 2)].arrive();
      tl::tcgen05_ld_32dp32bNx<64, false>(acc_tmem[0], (((((int)threadIdx.x) >> 7) * 64) - 64), (&(acc3[0])));
      #pragma unroll
      for (int i_1 = 0; i_1 < 16; ++i_1) {
        float broadcast_var_1 = 0x0p+0f/*0.000000e+00*/;
        float4 __1;
          float4 __2;
            float4 v_ = *(float4*)(acc3 + (i_1 * 4));
            float4 v__1 = make_float4(broadcast_var_1, broadcast_var_1, broadcast_var_1, broadcast_var_1);
            *(float2*)(&(__2.x)) = tl::max2(*(float2*)(&(v_.x)), *(float2*)(&(v__1.x)));
            *(float2*)(&(__2.z)) = tl::max2(*(float2*)(&(v_.z)), *(float2*)(&(v__1.z)));
          float4 v__2 = *(float4*)(w_f + (i_1 * 4));
          *(float2*)(&(__1.x)) = tl::mul2(*(float2*)(&(__2.x)), *(float2*)(&(v__2.x)));
          *(float2*)(&(__1.z)) = tl::mul2(*(float2*)(&(__2.z)), *(float2*)(&(v__2.z)));
        *(float4*)(acc3 + (i_1 * 4)) = __1;
      }
      float broadcast_var_2 = 0x0p+0f/*0.000000e+00*/;
      logit_pack[0] = make_float2(broadcast_var_2, broadcast_var_2);
      #pragma unroll
      for (int rv = 0; rv < 32; ++rv) {
        logit_pack[0] = tl::add2(logit_pack[0], *(float2*)(acc3 + (rv * 2)));
      }
      logit[0] = ((logit_pack[0]).x + (logit_pack[0]).y);
      if ((((((int)blockIdx.x) * 2) + (((int)threadIdx.x) >> 7)) <= seq_len) && ((((t0 * 128) + (nb_1 * 128)) + (((int)threadIdx.x) & 127)) < seq_len_kv)) {
        if (0 <= (t0 + nb_1)) {
          float condval_1;
          if (((KS[(((((int64_t)((int)blockIdx.x)) * (int64_t)2) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) - (int64_t)1)] <= (((t0 * 128) + (nb_1 * 128)) + (((int)threadIdx.x) & 127))) & ((((t0 * 128) + (nb_1 * 128)) + (((int)threadIdx.x) & 127)) < KE[(((((int64_t)((int)blockIdx.x)) * (int64_t)2) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) - (int64_t)1)]))) {
            condval_1 = (logit[0] * KScale[(((((int64_t)t0) * (int64_t)128) + (((int64_t)nb_1) * (int64_t)128)) + (((int64_t)((int)threadIdx.x)) & (int64_t)127))]);
          } else {
            condval_1 = -CUDART_INF_F;
          }
          Out[((((((int64_t)t0) * (int64_t)128) + (((int64_t)nb_1) * (int64_t)128)) + ((((((int64_t)((int)blockIdx.x)) * (int64_t)2) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) - (int64_t)1) * ((int64_t)seq_len_kv))) + (((int64_t)((int)threadIdx.x)) & (int64_t)127))] = condval_1;
        }
      }
    }
    for (int nb_2 = 0; nb_2 < ((seq_len_kv + 127) >> 7); ++nb_2) {
      if ((nb_2 < t0) || (t1 <= nb_2)) {
        if ((((((int)blockIdx.x) * 2) + (((int)threadIdx.x) >> 7)) <= seq_len) && (((nb_2 * 128) + (((int)threadIdx.x) & 127)) < seq_len_kv)) {
          Out[(((((int64_t)nb_2) * (int64_t)128) + ((((((int64_t)((int)blockIdx.x)) * (int64_t)2) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) - (int64_t)1) * ((int64_t)seq_len_kv))) + (((int64_t)((int)threadIdx.x)) & (int64_t)127))] = -CUDART_INF_F;
        }
      }
    }
  }
  if ((((int)threadIdx.x) >> 5) == 0) {
    tl::tmem_deallocate((&(acc_tmem[0])), 128);
  }
}

