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

extern "C" __global__ void indexer_logits_paged_kernel(const int* __restrict__ BlockTable, const int* __restrict__ ContextLens, const float* __restrict__ KVScale, __grid_constant__ const CUtensorMap KV_desc, float* __restrict__ Out, __grid_constant__ const CUtensorMap Q_desc, const float* __restrict__ Weights, int NN, int batch, int max_blocks, int max_context_len, int num_blocks, int rows);
extern "C" __global__ void __launch_bounds__(384, 1) indexer_logits_paged_kernel(const int* __restrict__ BlockTable, const int* __restrict__ ContextLens, const float* __restrict__ KVScale, __grid_constant__ const CUtensorMap KV_desc, float* __restrict__ Out, __grid_constant__ const CUtensorMap Q_desc, const float* __restrict__ Weights, int NN, int batch, int max_blocks, int max_context_len, int num_blocks, int rows) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* q_s = ((void*)((char*)buf_dyn_shmem + 0));
  void* k_s = ((void*)((char*)buf_dyn_shmem + 16384));
  void* workspace = ((void*)((char*)buf_dyn_shmem + 32768));
  __shared__ __align__(16) uint64_t mma_done_mem[2];
  auto mma_done = reinterpret_cast<Barrier*>(mma_done_mem);
  __shared__ __align__(16) uint64_t mbarrier_mem[5];
  auto mbarrier = reinterpret_cast<Barrier*>(mbarrier_mem);
  __shared__ __align__(16) uint acc_tmem[1];
  float w_f[32];
  float acc3[32];
  float2 logit_pack[1];
  float logit[1];
  if (tl::tl_shuffle_elect<0>()) {
    tl::prefetch_tma_descriptor(Q_desc);
    tl::prefetch_tma_descriptor(KV_desc);
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
    tl::tmem_allocate((&(acc_tmem[0])), 64);
  }
  tl::tcgen05_before_thread_sync();
  __syncthreads();
  tl::tcgen05_after_thread_sync();
  int ctx = ContextLens[((int64_t)((int)blockIdx.z))];
  if (tl::tl_shuffle_elect<384>()) {
    mbarrier[4].arrive_and_expect_tx(16384);
    tl::tma_load(Q_desc, mbarrier[4], (&(((fp8_e4_t*)q_s)[0])), 0, ((((int)blockIdx.y) * 128) + ((((int)blockIdx.z) * NN) * 64)));
  }
  if (((int)threadIdx.x) < 128) {
    tl::warpgroup_reg_dealloc<24>();
    for (int j = 0; j < min(max((((min(ctx, max_context_len) + 63) >> 6) - (((int)blockIdx.x) * 4)), 1), 4); ++j) {
      int condval;
      if ((1 <= max_blocks)) {
        condval = BlockTable[(min(((((int64_t)((int)blockIdx.x)) * (int64_t)4) + ((int64_t)j)), (((int64_t)max_blocks) - (int64_t)1)) + (((int64_t)((int)blockIdx.z)) * ((int64_t)max_blocks)))];
      } else {
        condval = 0;
      }
      int blk = condval;
      mbarrier[((j & 1) + 2)].wait(((j >> 1) ^ 1));
      if (tl::tl_shuffle_elect<128>()) {
        mbarrier[(j & 1)].arrive_and_expect_tx(8192);
        tl::tma_load(KV_desc, mbarrier[(j & 1)], (&(((fp8_e4_t*)k_s)[((j & 1) * 8192)])), 0, 0, min(max(blk, 0), (num_blocks - 1)));
      }
    }
  } else {
    tl::warpgroup_reg_alloc<240>();
    #pragma unroll
    for (int i = 0; i < 4; ++i) {
      float broadcast_var = 0x0p+0f/*0.000000e+00*/;
      ulonglong4 condval_1;
      if ((((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN)) < rows) && (0 <= (((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN))))) {
        condval_1 = tl::load_global_256(&(*(ulonglong4*)(Weights + ((((((((int64_t)((int)blockIdx.y)) * (int64_t)128) + (((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)6) * (int64_t)64)) + ((((int64_t)((int)blockIdx.z)) * ((int64_t)NN)) * (int64_t)64)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)7) * (int64_t)32)) + (((int64_t)i) * (int64_t)8)) - (int64_t)32))));
      } else {
        condval_1 = make_ulonglong4(*(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var), *(unsigned long long*)&make_float2(broadcast_var, broadcast_var));
      }
      *(ulonglong4*)(w_f + (i * 8)) = condval_1;
    }
    for (int j_1 = 0; j_1 < min(max((((min(ctx, max_context_len) + 63) >> 6) - (((int)blockIdx.x) * 4)), 1), 4); ++j_1) {
      int condval_2;
      if ((1 <= max_blocks)) {
        condval_2 = BlockTable[(min(((((int64_t)((int)blockIdx.x)) * (int64_t)4) + ((int64_t)j_1)), (((int64_t)max_blocks) - (int64_t)1)) + (((int64_t)((int)blockIdx.z)) * ((int64_t)max_blocks)))];
      } else {
        condval_2 = 0;
      }
      int blk_1 = condval_2;
      if (j_1 == 0) {
        mbarrier[4].wait(0);
      }
      mbarrier[(j_1 & 1)].wait((j_1 >> 1));
      tl::tcgen05_after_thread_sync();
      {
        tl::Tcgen05SMemDescriptor desc_a;
        tl::Tcgen05SMemDescriptor desc_b;
        tl::tcgen05_before_thread_sync();
        tl::__sync_thread_partial(3, 256);
        tl::tcgen05_after_thread_sync();
        if ((((int)threadIdx.x) >> 5) == 4) {
          tl::initialize_tcgen05_descriptor(desc_a, (&(((fp8_e4_t*)k_s)[0])), 1, 64, 0, 0, 2);
          tl::increase_descriptor_offset<int>(desc_a, ((j_1 & 1) * 8192));
          tl::initialize_tcgen05_descriptor(desc_b, (&(((fp8_e4_t*)q_s)[0])), 1, 64, 0, 0, 2);
          tl::fence_proxy_async();
          #pragma unroll
          for (int ki = 0; ki < 4; ++ki) {
            tl::tcgen05mma_ws_ss<tl::DataType::kFloat8_e4m3>(uint64_t(desc_a + (ki * 32)), uint64_t(desc_b + (ki * 32)), (*reinterpret_cast<uint32_t*>(acc_tmem)) + 0, ((0 < ki) ? 1 : 0), static_cast<uint32_t>(69206032), 0, 0, 0, 0);
          }
          tl::tcgen05_mma_arrive((&(mma_done[(j_1 & 1)])));
        }
        mma_done[(j_1 & 1)].wait((j_1 >> 1));
      }
      tl::tcgen05_before_thread_sync();
      mbarrier[((j_1 & 1) + 2)].arrive();
      tl::tcgen05_ld_32dp32bNx<32, false>(acc_tmem[0], (((((int)threadIdx.x) >> 7) * 32) - 32), (&(acc3[0])));
      #pragma unroll
      for (int i_1 = 0; i_1 < 8; ++i_1) {
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
      for (int rv = 0; rv < 16; ++rv) {
        logit_pack[0] = tl::add2(logit_pack[0], *(float2*)(acc3 + (rv * 2)));
      }
      logit[0] = ((logit_pack[0]).x + (logit_pack[0]).y);
      tl::tcgen05_before_thread_sync();
      tl::__sync_thread_partial(3, 256);
      tl::tcgen05_after_thread_sync();
      logit[0] = tl::AllReduce<tl::SumOp, 256, 128, 128, tl::NamedBarrier<256>>::run(logit[0], (&(((float*)workspace)[0])));
      if ((((int)threadIdx.x) >> 7) == 1) {
        if ((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) < NN) && ((((((int)blockIdx.x) * 256) + (j_1 * 64)) + (((int)threadIdx.x) & 63)) < max_context_len)) {
          if (0 <= (((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN))) {
            if ((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN)) < rows) {
              float condval_3;
              if ((((((((((int)blockIdx.x) * 256) + (j_1 * 64)) + (((int)threadIdx.x) & 63)) <= ((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + ctx) - NN)) & (((((int)blockIdx.x) * 4) + j_1) < max_blocks)) & (0 <= blk_1)) & (blk_1 < num_blocks))) {
                float condval_4;
                if ((1 <= num_blocks)) {
                  condval_4 = KVScale[((min(max(((int64_t)blk_1), (int64_t)0), (((int64_t)num_blocks) - (int64_t)1)) * (int64_t)2112) + (((int64_t)((int)threadIdx.x)) & (int64_t)63))];
                } else {
                  condval_4 = 0x0p+0f/*0.000000e+00*/;
                }
                condval_3 = (logit[0] * condval_4);
              } else {
                condval_3 = -CUDART_INF_F;
              }
              Out[((((((int64_t)((int)blockIdx.x)) * (int64_t)256) + (((int64_t)j_1) * (int64_t)64)) + ((((((int64_t)((int)blockIdx.y)) * (int64_t)2) + ((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)6)) + (((int64_t)((int)blockIdx.z)) * ((int64_t)NN))) * ((int64_t)max_context_len))) + (((int64_t)((int)threadIdx.x)) & (int64_t)63))] = condval_3;
            }
          }
        }
      }
    }
    if (((int)threadIdx.x) < 256) {
      for (int j_2 = 0; j_2 < 4; ++j_2) {
        if (((((min(ctx, max_context_len) + 63) >> 6) - (((int)blockIdx.x) * 4)) <= j_2) && (1 <= j_2)) {
          if ((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) < NN) && ((((((int)blockIdx.x) * 256) + (j_2 * 64)) + (((int)threadIdx.x) & 63)) < max_context_len)) {
            if (0 <= (((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN))) {
              if ((((((int)blockIdx.y) * 2) + ((((int)threadIdx.x) & 127) >> 6)) + (((int)blockIdx.z) * NN)) < rows) {
                Out[((((((int64_t)((int)blockIdx.x)) * (int64_t)256) + (((int64_t)j_2) * (int64_t)64)) + ((((((int64_t)((int)blockIdx.y)) * (int64_t)2) + ((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)6)) + (((int64_t)((int)blockIdx.z)) * ((int64_t)NN))) * ((int64_t)max_context_len))) + (((int64_t)((int)threadIdx.x)) & (int64_t)63))] = -CUDART_INF_F;
              }
            }
          }
        }
      }
    }
  }
  if ((((int)threadIdx.x) >> 5) == 0) {
    tl::tmem_deallocate((&(acc_tmem[0])), 64);
  }
}

