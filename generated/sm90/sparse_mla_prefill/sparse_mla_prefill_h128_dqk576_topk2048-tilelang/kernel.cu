#if defined(_MSC_VER) && !defined(__clang__) && _MSC_VER < 1940
#define _tl_orig_alignas alignas
#define alignas(N) _tl_orig_alignas((N) <= 64 ? (N) : 64)
#include <cuda.h>
#undef alignas
#define alignas _tl_orig_alignas
#endif
#include <tl_templates/cuda/instruction/wgmma.h>
#include <tl_templates/cuda/intrin.h>
#include <tl_templates/cuda/barrier.h>
#include <tl_templates/cuda/copy.h>
#include <math_constants.h>
#include <tl_templates/cuda/reduce.h>
#include <tl_templates/cuda/scan.h>
#include <tl_templates/cuda/ldsm.h>
#include <tl_templates/cuda/threadblock_swizzle.h>
#include <tl_templates/cuda/debug.h>
#ifdef ENABLE_BF16
#include <tl_templates/cuda/cuda_bf16_fallbacks.cuh>
#endif

extern "C" __global__ void sparse_mla_prefill_kernel(const float* __restrict__ AttnSink, const int* __restrict__ Indices, const bfloat16_t* __restrict__ KV, float* __restrict__ Lse, float* __restrict__ MaxLogits, bfloat16_t* __restrict__ Out, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, int s_kv, int s_q, float sm_scale, int topk);
extern "C" __global__ void __launch_bounds__(384, 1) sparse_mla_prefill_kernel(const float* __restrict__ AttnSink, const int* __restrict__ Indices, const bfloat16_t* __restrict__ KV, float* __restrict__ Lse, float* __restrict__ MaxLogits, bfloat16_t* __restrict__ Out, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, int s_kv, int s_q, float sm_scale, int topk) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* o_l = ((void*)((char*)buf_dyn_shmem + 0));
  void* o_r = ((void*)((char*)buf_dyn_shmem + 32768));
  void* q_t = ((void*)((char*)buf_dyn_shmem + 65536));
  void* kv_l = ((void*)((char*)buf_dyn_shmem + 73728));
  void* kv_l_1 = ((void*)((char*)buf_dyn_shmem + 106496));
  void* kv_r = ((void*)((char*)buf_dyn_shmem + 139264));
  void* kv_r_1 = ((void*)((char*)buf_dyn_shmem + 172032));
  void* kt = ((void*)((char*)buf_dyn_shmem + 204800));
  void* kt_1 = ((void*)((char*)buf_dyn_shmem + 212992));
  void* p_s = ((void*)((char*)buf_dyn_shmem + 221184));
  __shared__ __align__(16) uint64_t bar_q_mem[1];
  auto bar_q = reinterpret_cast<Barrier*>(bar_q_mem);
  __shared__ __align__(16) uint64_t ready0_mem[1];
  auto ready0 = reinterpret_cast<Barrier*>(ready0_mem);
  __shared__ __align__(16) uint64_t ready1_mem[1];
  auto ready1 = reinterpret_cast<Barrier*>(ready1_mem);
  __shared__ __align__(16) uint64_t free0_mem[1];
  auto free0 = reinterpret_cast<Barrier*>(free0_mem);
  __shared__ __align__(16) uint64_t free1_mem[1];
  auto free1 = reinterpret_cast<Barrier*>(free1_mem);
  __shared__ __align__(16) uint64_t p_ready_mem[1];
  auto p_ready = reinterpret_cast<Barrier*>(p_ready_mem);
  __shared__ __align__(16) uint64_t p_free_mem[1];
  auto p_free = reinterpret_cast<Barrier*>(p_free_mem);
  __shared__ __align__(16) uint64_t fin_mem[1];
  auto fin = reinterpret_cast<Barrier*>(fin_mem);
  float l_i[2];
  float m_i[2];
  float acc_l[128];
  __shared__ __align__(16) signed char ok[64];
  float alpha[2];
  __shared__ __align__(16) float alpha_s[64];
  __shared__ __align__(16) signed char ok_1[64];
  __shared__ __align__(16) float inv_s[64];
  float acc_r[128];
  float acc_s[32];
  float m_prev[2];
  float m_i_clear[2];
  float l_blk[2];
  float m_i_clear_1[2];
  __shared__ __align__(16) int src[64];
  __shared__ __align__(16) int src_1[64];
  if (tl::tl_shuffle_elect<0>()) {
    bar_q[0].init(384);
    ready0[0].init(256);
    ready1[0].init(256);
    free0[0].init(256);
    free1[0].init(256);
    p_ready[0].init(256);
    p_free[0].init(256);
    fin[0].init(128);
  }
  tl::fence_barrier_init();
  __syncthreads();
  int n_valid = min(max(TopkLen[(((int64_t)((int)blockIdx.x)) >> (int64_t)1)], 0), topk);
  #pragma unroll
  for (int i = 0; i < 43; ++i) {
    if (((i * 3) + (((int)threadIdx.x) >> 7)) < 128) {
      ((bfloat16_t*)o_l)[(((((((((i * 6) + (((int)threadIdx.x) >> 6)) & 3) * 4096) + ((((i * 3) + (((int)threadIdx.x) >> 7)) >> 1) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 15) >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 3) >> 1)) & 1) * 8)) + (((int)threadIdx.x) & 7))] = Q[(((((int64_t)((int)blockIdx.x)) * (int64_t)36864) + ((((((int64_t)i) * (int64_t)3) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) >> (int64_t)1) * (int64_t)576)) + (((((int64_t)i) * (int64_t)384) + ((int64_t)((int)threadIdx.x))) & (int64_t)255))];
      ((bfloat16_t*)o_r)[(((((((((i * 6) + (((int)threadIdx.x) >> 6)) & 3) * 4096) + ((((i * 3) + (((int)threadIdx.x) >> 7)) >> 1) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 15) >> 3)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 7) >> 2)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + ((((i * 3) + (((int)threadIdx.x) >> 7)) & 3) >> 1)) & 1) * 8)) + (((int)threadIdx.x) & 7))] = Q[((((((int64_t)((int)blockIdx.x)) * (int64_t)36864) + ((((((int64_t)i) * (int64_t)3) + (((int64_t)((int)threadIdx.x)) >> (int64_t)7)) >> (int64_t)1) * (int64_t)576)) + (((((int64_t)i) * (int64_t)384) + ((int64_t)((int)threadIdx.x))) & (int64_t)255)) + (int64_t)256)];
    }
  }
  #pragma unroll
  for (int i_1 = 0; i_1 < 11; ++i_1) {
    if (((i_1 * 3) + (((int)threadIdx.x) >> 7)) < 32) {
      ((bfloat16_t*)q_t)[((((((i_1 * 384) + ((((int)threadIdx.x) >> 6) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((i_1 * 3) + (((int)threadIdx.x) >> 7)) & 3) >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + (((i_1 * 3) + (((int)threadIdx.x) >> 7)) & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 15) >> 3)) & 1) * 8)) + (((int)threadIdx.x) & 7))] = Q[(((((((int64_t)((int)blockIdx.x)) * (int64_t)36864) + (((int64_t)i_1) * (int64_t)3456)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)6) * (int64_t)576)) + (((int64_t)((int)threadIdx.x)) & (int64_t)63)) + (int64_t)512)];
    }
  }
  bar_q[0].arrive();
  __syncthreads();
  if (((int)threadIdx.x) < 128) {
    tl::warpgroup_reg_alloc<248>();
    float broadcast_var = 0x0p+0f/*0.000000e+00*/;
    *(float2*)(l_i + 0) = make_float2(broadcast_var, broadcast_var);
    float broadcast_var_1 = -0x1p+30f/*-1.073742e+09*/;
    *(float2*)(m_i + 0) = make_float2(broadcast_var_1, broadcast_var_1);
    #pragma unroll
    for (int i_2 = 0; i_2 < 32; ++i_2) {
      float broadcast_var_2 = 0x0p+0f/*0.000000e+00*/;
      *(float4*)(acc_l + (i_2 * 4)) = make_float4(broadcast_var_2, broadcast_var_2, broadcast_var_2, broadcast_var_2);
    }
    bar_q[0].wait(0);
    for (int ip = 0; ip < ((n_valid + 127) >> 7); ++ip) {
      ready0[0].wait((ip & 1));
      #pragma unroll
      for (int i_3 = 0; i_3 < 32; ++i_3) {
        float condval;
        if (((bool)ok[((((i_3 >> 2) * 8) + ((((int)threadIdx.x) & 3) * 2)) + (i_3 & 1))])) {
          condval = 0x0p+0f/*0.000000e+00*/;
        } else {
          condval = -CUDART_INF_F;
        }
        acc_s[i_3] = condval;
      }
      {
        tl::GmmaDescriptor desc_a;
        tl::GmmaDescriptor desc_b;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a, (&(((bfloat16_t*)o_l)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b, (&(((bfloat16_t*)kv_l_1)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        tl::fence_proxy_async();
        #pragma unroll
        for (int ki = 0; ki < 16; ++ki) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a + ((((ki >> 2) * 8192) + ((ki & 3) * 32)) >> 4)), uint64_t(desc_b + ((((ki >> 2) * 8192) + ((ki & 3) * 32)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      {
        tl::GmmaDescriptor desc_a_1;
        tl::GmmaDescriptor desc_b_1;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_1, (&(((bfloat16_t*)o_r)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_1, (&(((bfloat16_t*)kv_r_1)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        #pragma unroll
        for (int ki_1 = 0; ki_1 < 16; ++ki_1) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_1 + ((((ki_1 >> 2) * 8192) + ((ki_1 & 3) * 32)) >> 4)), uint64_t(desc_b_1 + ((((ki_1 >> 2) * 8192) + ((ki_1 & 3) * 32)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      {
        tl::GmmaDescriptor desc_a_2;
        tl::GmmaDescriptor desc_b_2;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_2, (&(((bfloat16_t*)q_t)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_2, (&(((bfloat16_t*)kt)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        #pragma unroll
        for (int ki_2 = 0; ki_2 < 4; ++ki_2) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_2 + ((ki_2 * 32) >> 4)), uint64_t(desc_b_2 + ((ki_2 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      tl::wait_wgmma<0>();
      if (0 < ip) {
        p_free[0].arrive();
        p_free[0].wait(1);
      }
      *(float2*)(m_prev + 0) = *(float2*)(m_i + 0);
      #pragma unroll
      for (int i_4 = 0; i_4 < 2; ++i_4) {
        m_i_clear[i_4] = -CUDART_INF_F;
        #pragma unroll
        for (int rv = 0; rv < 16; ++rv) {
          m_i_clear[i_4] = max(m_i_clear[i_4], acc_s[((((rv & 7) * 4) + (i_4 * 2)) + (rv >> 3))]);
        }
        m_i_clear[i_4] = tl::AllReduce<tl::MaxOp, 4, 1, 0, tl::NamedBarrier<128>>::run(m_i_clear[i_4]);
        m_i[i_4] = max(m_i[i_4], m_i_clear[i_4]);
      }
      float2 __1;
        float2 v_ = *(float2*)(m_i + 0);
        float2 v__1 = *(float2*)(m_prev + 0);
        __1.x = max(v_.x, v__1.x);
        __1.y = max(v_.y, v__1.y);
      *(float2*)(m_i + 0) = __1;
      float2 __2;
      float2 __3;
        float2 __4;
          float2 v__2 = *(float2*)(m_prev + 0);
          float2 v__3 = *(float2*)(m_i + 0);
          __4.x = (v__2.x-v__3.x);
          __4.y = (v__2.y-v__3.y);
        float2 v__4 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
        __3.x = (__4.x*v__4.x);
        __3.y = (__4.y*v__4.y);
      __2.x = exp2f(__3.x);
      __2.y = exp2f(__3.y);
      *(float2*)(alpha + 0) = __2;
      #pragma unroll
      for (int i_5 = 0; i_5 < 16; ++i_5) {
        float2 __5;
        float2 __6;
          float2 __7;
            float2 v__5 = *(float2*)(acc_s + (i_5 * 2));
            float2 v__6 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
            __7.x = (v__5.x*v__6.x);
            __7.y = (v__5.y*v__6.y);
          float2 v__7 = make_float2((m_i[(i_5 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)), (m_i[(i_5 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)));
          __6.x = (__7.x-v__7.x);
          __6.y = (__7.y-v__7.y);
        __5.x = exp2f(__6.x);
        __5.y = exp2f(__6.y);
        *(float2*)(acc_s + (i_5 * 2)) = __5;
      }
      #pragma unroll
      for (int i_6 = 0; i_6 < 2; ++i_6) {
        l_blk[i_6] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_1 = 0; rv_1 < 16; ++rv_1) {
          l_blk[i_6] = (l_blk[i_6] + acc_s[((((rv_1 & 7) * 4) + (i_6 * 2)) + (rv_1 >> 3))]);
        }
        l_blk[i_6] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(l_blk[i_6]);
      }
      float2 __8;
        float2 __9;
          float2 v__8 = *(float2*)(l_i + 0);
          float2 v__9 = *(float2*)(alpha + 0);
          __9.x = (v__8.x*v__9.x);
          __9.y = (v__8.y*v__9.y);
        float2 v__10 = *(float2*)(l_blk + 0);
        __8.x = (__9.x+v__10.x);
        __8.y = (__9.y+v__10.y);
      *(float2*)(l_i + 0) = __8;
      #pragma unroll
      for (int i_7 = 0; i_7 < 64; ++i_7) {
        float2 __10;
          float2 v__11 = *(float2*)(acc_l + (i_7 * 2));
          float2 v__12 = make_float2(alpha[(i_7 & 1)], alpha[(i_7 & 1)]);
          __10.x = (v__11.x*v__12.x);
          __10.y = (v__11.y*v__12.y);
        *(float2*)(acc_l + (i_7 * 2)) = __10;
      }
      tl::__sync_thread_partial(3, 128);
      if ((((int)threadIdx.x) % 4) == 0) {
        #pragma unroll
        for (int i_8 = 0; i_8 < 2; ++i_8) {
          alpha_s[((((((int)threadIdx.x) >> 5) * 16) + (i_8 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] = alpha[i_8];
        }
      }
      tl::__sync_thread_partial(3, 128);
      #pragma unroll
      for (int i_9 = 0; i_9 < 4; ++i_9) {
        tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)p_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_9 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_9 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_s[(i_9 * 8)]), ((bfloat16_t)acc_s[((i_9 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_s[((i_9 * 8) + 2)]), ((bfloat16_t)acc_s[((i_9 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_s[((i_9 * 8) + 4)]), ((bfloat16_t)acc_s[((i_9 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_s[((i_9 * 8) + 6)]), ((bfloat16_t)acc_s[((i_9 * 8) + 7)])));
      }
      {
        tl::GmmaDescriptor desc_a_3;
        tl::GmmaDescriptor desc_b_3;
        tl::__sync_thread_partial(3, 128);
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_3, (&(((bfloat16_t*)p_s)[0])));
        tl::initialize_wgmma_descriptor<1, 512, 64>(desc_b_3, (&(((bfloat16_t*)kv_l_1)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_l + 0), 128);
        tl::warpgroup_arrive();
        tl::fence_proxy_async();
        #pragma unroll
        for (int ki_3 = 0; ki_3 < 4; ++ki_3) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 256, 16, false, true, 1, 1>(uint64_t(desc_a_3 + ((ki_3 * 32) >> 4)), uint64_t(desc_b_3 + ((ki_3 * 2048) >> 4)), ((uint32_t*)(acc_l + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_wait<0>();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_l + 0), 128);
      }
      p_ready[0].arrive();
      free0[0].arrive();
      ready1[0].wait((ip & 1));
      #pragma unroll
      for (int i_10 = 0; i_10 < 32; ++i_10) {
        float condval_1;
        if (((bool)ok_1[((((i_10 >> 2) * 8) + ((((int)threadIdx.x) & 3) * 2)) + (i_10 & 1))])) {
          condval_1 = 0x0p+0f/*0.000000e+00*/;
        } else {
          condval_1 = -CUDART_INF_F;
        }
        acc_s[i_10] = condval_1;
      }
      {
        tl::GmmaDescriptor desc_a_4;
        tl::GmmaDescriptor desc_b_4;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_4, (&(((bfloat16_t*)o_l)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_4, (&(((bfloat16_t*)kv_l)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        #pragma unroll
        for (int ki_4 = 0; ki_4 < 16; ++ki_4) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_4 + ((((ki_4 >> 2) * 8192) + ((ki_4 & 3) * 32)) >> 4)), uint64_t(desc_b_4 + ((((ki_4 >> 2) * 8192) + ((ki_4 & 3) * 32)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      {
        tl::GmmaDescriptor desc_a_5;
        tl::GmmaDescriptor desc_b_5;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_5, (&(((bfloat16_t*)o_r)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_5, (&(((bfloat16_t*)kv_r)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        #pragma unroll
        for (int ki_5 = 0; ki_5 < 16; ++ki_5) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_5 + ((((ki_5 >> 2) * 8192) + ((ki_5 & 3) * 32)) >> 4)), uint64_t(desc_b_5 + ((((ki_5 >> 2) * 8192) + ((ki_5 & 3) * 32)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      {
        tl::GmmaDescriptor desc_a_6;
        tl::GmmaDescriptor desc_b_6;
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_6, (&(((bfloat16_t*)q_t)[0])));
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b_6, (&(((bfloat16_t*)kt_1)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
        tl::warpgroup_arrive();
        #pragma unroll
        for (int ki_6 = 0; ki_6 < 4; ++ki_6) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a_6 + ((ki_6 * 32) >> 4)), uint64_t(desc_b_6 + ((ki_6 * 32) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      }
      tl::wait_wgmma<0>();
      p_free[0].arrive();
      p_free[0].wait(0);
      *(float2*)(m_prev + 0) = *(float2*)(m_i + 0);
      #pragma unroll
      for (int i_11 = 0; i_11 < 2; ++i_11) {
        m_i_clear_1[i_11] = -CUDART_INF_F;
        #pragma unroll
        for (int rv_2 = 0; rv_2 < 16; ++rv_2) {
          m_i_clear_1[i_11] = max(m_i_clear_1[i_11], acc_s[((((rv_2 & 7) * 4) + (i_11 * 2)) + (rv_2 >> 3))]);
        }
        m_i_clear_1[i_11] = tl::AllReduce<tl::MaxOp, 4, 1, 0, tl::NamedBarrier<128>>::run(m_i_clear_1[i_11]);
        m_i[i_11] = max(m_i[i_11], m_i_clear_1[i_11]);
      }
      float2 __11;
        float2 v__13 = *(float2*)(m_i + 0);
        float2 v__14 = *(float2*)(m_prev + 0);
        __11.x = max(v__13.x, v__14.x);
        __11.y = max(v__13.y, v__14.y);
      *(float2*)(m_i + 0) = __11;
      float2 __12;
      float2 __13;
        float2 __14;
          float2 v__15 = *(float2*)(m_prev + 0);
          float2 v__16 = *(float2*)(m_i + 0);
          __14.x = (v__15.x-v__16.x);
          __14.y = (v__15.y-v__16.y);
        float2 v__17 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
        __13.x = (__14.x*v__17.x);
        __13.y = (__14.y*v__17.y);
      __12.x = exp2f(__13.x);
      __12.y = exp2f(__13.y);
      *(float2*)(alpha + 0) = __12;
      #pragma unroll
      for (int i_12 = 0; i_12 < 16; ++i_12) {
        float2 __15;
        float2 __16;
          float2 __17;
            float2 v__18 = *(float2*)(acc_s + (i_12 * 2));
            float2 v__19 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
            __17.x = (v__18.x*v__19.x);
            __17.y = (v__18.y*v__19.y);
          float2 v__20 = make_float2((m_i[(i_12 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)), (m_i[(i_12 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)));
          __16.x = (__17.x-v__20.x);
          __16.y = (__17.y-v__20.y);
        __15.x = exp2f(__16.x);
        __15.y = exp2f(__16.y);
        *(float2*)(acc_s + (i_12 * 2)) = __15;
      }
      #pragma unroll
      for (int i_13 = 0; i_13 < 2; ++i_13) {
        l_blk[i_13] = 0x0p+0f/*0.000000e+00*/;
        #pragma unroll
        for (int rv_3 = 0; rv_3 < 16; ++rv_3) {
          l_blk[i_13] = (l_blk[i_13] + acc_s[((((rv_3 & 7) * 4) + (i_13 * 2)) + (rv_3 >> 3))]);
        }
        l_blk[i_13] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<128>>::run(l_blk[i_13]);
      }
      float2 __18;
        float2 __19;
          float2 v__21 = *(float2*)(l_i + 0);
          float2 v__22 = *(float2*)(alpha + 0);
          __19.x = (v__21.x*v__22.x);
          __19.y = (v__21.y*v__22.y);
        float2 v__23 = *(float2*)(l_blk + 0);
        __18.x = (__19.x+v__23.x);
        __18.y = (__19.y+v__23.y);
      *(float2*)(l_i + 0) = __18;
      #pragma unroll
      for (int i_14 = 0; i_14 < 64; ++i_14) {
        float2 __20;
          float2 v__24 = *(float2*)(acc_l + (i_14 * 2));
          float2 v__25 = make_float2(alpha[(i_14 & 1)], alpha[(i_14 & 1)]);
          __20.x = (v__24.x*v__25.x);
          __20.y = (v__24.y*v__25.y);
        *(float2*)(acc_l + (i_14 * 2)) = __20;
      }
      tl::__sync_thread_partial(3, 128);
      if ((((int)threadIdx.x) % 4) == 0) {
        #pragma unroll
        for (int i_15 = 0; i_15 < 2; ++i_15) {
          alpha_s[((((((int)threadIdx.x) >> 5) * 16) + (i_15 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] = alpha[i_15];
        }
      }
      tl::__sync_thread_partial(3, 128);
      #pragma unroll
      for (int i_16 = 0; i_16 < 4; ++i_16) {
        tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)p_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_16 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_16 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_s[(i_16 * 8)]), ((bfloat16_t)acc_s[((i_16 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 2)]), ((bfloat16_t)acc_s[((i_16 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 4)]), ((bfloat16_t)acc_s[((i_16 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 6)]), ((bfloat16_t)acc_s[((i_16 * 8) + 7)])));
      }
      {
        tl::GmmaDescriptor desc_a_7;
        tl::GmmaDescriptor desc_b_7;
        tl::__sync_thread_partial(3, 128);
        tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_7, (&(((bfloat16_t*)p_s)[0])));
        tl::initialize_wgmma_descriptor<1, 512, 64>(desc_b_7, (&(((bfloat16_t*)kv_l)[0])));
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_l + 0), 128);
        tl::warpgroup_arrive();
        tl::fence_proxy_async();
        #pragma unroll
        for (int ki_7 = 0; ki_7 < 4; ++ki_7) {
          tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 256, 16, false, true, 1, 1>(uint64_t(desc_a_7 + ((ki_7 * 32) >> 4)), uint64_t(desc_b_7 + ((ki_7 * 2048) >> 4)), ((uint32_t*)(acc_l + 0)), 1);
        }
        tl::warpgroup_commit_batch();
        tl::warpgroup_wait<0>();
        tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_l + 0), 128);
      }
      p_ready[0].arrive();
      free1[0].arrive();
    }
    #pragma unroll
    for (int i_17 = 0; i_17 < 2; ++i_17) {
      float condval_2;
      if ((l_i[i_17] != 0x0p+0f/*0.000000e+00*/)) {
        condval_2 = (0x1p+0f/*1.000000e+00*/ / (l_i[i_17] * (0x1p+0f/*1.000000e+00*/ + exp2f(((AttnSink[(((((((int)blockIdx.x) & 1) * 64) + ((((int)threadIdx.x) >> 5) * 16)) + (i_17 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/) - (log2f(l_i[i_17]) + (m_i[i_17] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/))))))));
      } else {
        condval_2 = 0x0p+0f/*0.000000e+00*/;
      }
      alpha[i_17] = condval_2;
    }
    if ((((int)threadIdx.x) % 4) == 0) {
      #pragma unroll
      for (int i_18 = 0; i_18 < 2; ++i_18) {
        inv_s[((((((int)threadIdx.x) >> 5) * 16) + (i_18 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] = alpha[i_18];
      }
    }
    fin[0].arrive();
    #pragma unroll
    for (int i_19 = 0; i_19 < 64; ++i_19) {
      float2 __21;
        float2 v__26 = *(float2*)(acc_l + (i_19 * 2));
        float2 v__27 = make_float2(alpha[(i_19 & 1)], alpha[(i_19 & 1)]);
        __21.x = (v__26.x*v__27.x);
        __21.y = (v__26.y*v__27.y);
      *(float2*)(acc_l + (i_19 * 2)) = __21;
    }
    if ((((int)threadIdx.x) % 4) == 0) {
      #pragma unroll
      for (int i_20 = 0; i_20 < 2; ++i_20) {
        float condval_3;
        if ((l_i[i_20] != 0x0p+0f/*0.000000e+00*/)) {
          condval_3 = ((log2f(l_i[i_20]) + (m_i[i_20] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/))) * 0x1.62e42fefa39efp-1f/*6.931472e-01*/);
        } else {
          condval_3 = CUDART_INF_F;
        }
        Lse[((((((int64_t)((int)blockIdx.x)) * (int64_t)64) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_20) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] = condval_3;
        float condval_4;
        if ((l_i[i_20] != 0x0p+0f/*0.000000e+00*/)) {
          condval_4 = (m_i[i_20] * sm_scale);
        } else {
          condval_4 = -CUDART_INF_F;
        }
        MaxLogits[((((((int64_t)((int)blockIdx.x)) * (int64_t)64) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_20) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] = condval_4;
      }
    }
    tl::__sync_thread_partial(3, 128);
    #pragma unroll
    for (int i_21 = 0; i_21 < 16; ++i_21) {
      tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)o_l)[(((((((i_21 >> 2) * 4096) + ((((int)threadIdx.x) >> 5) * 1024)) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_21 & 3) >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_21 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_l[(i_21 * 8)]), ((bfloat16_t)acc_l[((i_21 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_l[((i_21 * 8) + 2)]), ((bfloat16_t)acc_l[((i_21 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_l[((i_21 * 8) + 4)]), ((bfloat16_t)acc_l[((i_21 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_l[((i_21 * 8) + 6)]), ((bfloat16_t)acc_l[((i_21 * 8) + 7)])));
    }
    tl::__sync_thread_partial(3, 128);
    #pragma unroll
    for (int i_22 = 0; i_22 < 16; ++i_22) {
      *(uint4*)(Out + ((((((int64_t)((int)blockIdx.x)) * (int64_t)32768) + (((int64_t)i_22) * (int64_t)2048)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8))) = *(uint4*)(((bfloat16_t*)o_l) + ((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + (i_22 * 256)) + ((((int)threadIdx.x) >> 5) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_22 & 1)) & 1) * 32)) + ((((((int)threadIdx.x) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8)));
    }
  } else {
    if (((int)threadIdx.x) < 256) {
      tl::warpgroup_reg_alloc<168>();
      #pragma unroll
      for (int i_23 = 0; i_23 < 32; ++i_23) {
        float broadcast_var_3 = 0x0p+0f/*0.000000e+00*/;
        *(float4*)(acc_r + (i_23 * 4)) = make_float4(broadcast_var_3, broadcast_var_3, broadcast_var_3, broadcast_var_3);
      }
      tl::fence_proxy_async();
      for (int ip_1 = 0; ip_1 < ((n_valid + 127) >> 7); ++ip_1) {
        p_ready[0].arrive();
        p_ready[0].wait(0);
        tl::fence_proxy_async();
        #pragma unroll
        for (int i_24 = 0; i_24 < 64; ++i_24) {
          float2 __22;
            float2 v__28 = *(float2*)(acc_r + (i_24 * 2));
            float2 v__29 = make_float2(alpha_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_24 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)], alpha_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_24 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]);
            __22.x = (v__28.x*v__29.x);
            __22.y = (v__28.y*v__29.y);
          *(float2*)(acc_r + (i_24 * 2)) = __22;
        }
        {
          tl::GmmaDescriptor desc_a_8;
          tl::GmmaDescriptor desc_b_8;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_8, (&(((bfloat16_t*)p_s)[0])));
          tl::initialize_wgmma_descriptor<1, 512, 64>(desc_b_8, (&(((bfloat16_t*)kv_r_1)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_r + 0), 128);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_8 = 0; ki_8 < 4; ++ki_8) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 256, 16, false, true, 1, 1>(uint64_t(desc_a_8 + ((ki_8 * 32) >> 4)), uint64_t(desc_b_8 + ((ki_8 * 2048) >> 4)), ((uint32_t*)(acc_r + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_r + 0), 128);
        }
        free0[0].arrive();
        p_free[0].arrive();
        p_ready[0].arrive();
        p_ready[0].wait(1);
        tl::fence_proxy_async();
        #pragma unroll
        for (int i_25 = 0; i_25 < 64; ++i_25) {
          float2 __23;
            float2 v__30 = *(float2*)(acc_r + (i_25 * 2));
            float2 v__31 = make_float2(alpha_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_25 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)], alpha_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_25 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]);
            __23.x = (v__30.x*v__31.x);
            __23.y = (v__30.y*v__31.y);
          *(float2*)(acc_r + (i_25 * 2)) = __23;
        }
        {
          tl::GmmaDescriptor desc_a_9;
          tl::GmmaDescriptor desc_b_9;
          tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_9, (&(((bfloat16_t*)p_s)[0])));
          tl::initialize_wgmma_descriptor<1, 512, 64>(desc_b_9, (&(((bfloat16_t*)kv_r)[0])));
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_r + 0), 128);
          tl::warpgroup_arrive();
          #pragma unroll
          for (int ki_9 = 0; ki_9 < 4; ++ki_9) {
            tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 256, 16, false, true, 1, 1>(uint64_t(desc_a_9 + ((ki_9 * 32) >> 4)), uint64_t(desc_b_9 + ((ki_9 * 2048) >> 4)), ((uint32_t*)(acc_r + 0)), 1);
          }
          tl::warpgroup_commit_batch();
          tl::warpgroup_wait<0>();
          tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_r + 0), 128);
        }
        free1[0].arrive();
        if ((ip_1 + 1) < ((n_valid + 127) >> 7)) {
          p_free[0].arrive();
        }
      }
      fin[0].wait(0);
      #pragma unroll
      for (int i_26 = 0; i_26 < 64; ++i_26) {
        float2 __24;
          float2 v__32 = *(float2*)(acc_r + (i_26 * 2));
          float2 v__33 = make_float2(inv_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_26 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)], inv_s[(((((((int)threadIdx.x) >> 5) * 16) + ((i_26 & 1) * 8)) + ((((int)threadIdx.x) & 31) >> 2)) - 64)]);
          __24.x = (v__32.x*v__33.x);
          __24.y = (v__32.y*v__33.y);
        *(float2*)(acc_r + (i_26 * 2)) = __24;
      }
      tl::__sync_thread_partial(4, 128);
      #pragma unroll
      for (int i_27 = 0; i_27 < 16; ++i_27) {
        tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)o_r)[((((((((i_27 >> 2) * 4096) + ((((int)threadIdx.x) >> 5) * 1024)) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + ((i_27 & 3) >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_27 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 4096)])), __pack_half2(((bfloat16_t)acc_r[(i_27 * 8)]), ((bfloat16_t)acc_r[((i_27 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_r[((i_27 * 8) + 2)]), ((bfloat16_t)acc_r[((i_27 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_r[((i_27 * 8) + 4)]), ((bfloat16_t)acc_r[((i_27 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_r[((i_27 * 8) + 6)]), ((bfloat16_t)acc_r[((i_27 * 8) + 7)])));
      }
      tl::__sync_thread_partial(4, 128);
      #pragma unroll
      for (int i_28 = 0; i_28 < 16; ++i_28) {
        *(uint4*)(Out + (((((((int64_t)((int)blockIdx.x)) * (int64_t)32768) + (((int64_t)i_28) * (int64_t)2048)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)5) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8)) - (int64_t)1792)) = *(uint4*)(((bfloat16_t*)o_r) + ((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + ((i_28 >> 1) * 512)) + (((((i_28 * 4) + (((int)threadIdx.x) >> 5)) + 4) & 7) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_28 & 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8)));
      }
    } else {
      tl::warpgroup_reg_dealloc<80>();
      for (int ip_2 = 0; ip_2 < ((n_valid + 127) >> 7); ++ip_2) {
        free0[0].wait(((ip_2 & 1) ^ 1));
        if (((int)threadIdx.x) < 320) {
          int condval_5;
          if ((((ip_2 * 128) + ((int)threadIdx.x)) < (n_valid + 256))) {
            int condval_6;
            if ((1 <= topk)) {
              condval_6 = Indices[(min((((((int64_t)ip_2) * (int64_t)128) + ((int64_t)((int)threadIdx.x))) - (int64_t)256), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * ((int64_t)topk)))];
            } else {
              condval_6 = 0;
            }
            condval_5 = condval_6;
          } else {
            condval_5 = -1;
          }
          int iv = condval_5;
          ok[(((int)threadIdx.x) - 256)] = ((signed char)((0 <= iv) & (iv < s_kv)));
          int condval_7;
          if (((0 <= iv) & (iv < s_kv))) {
            condval_7 = iv;
          } else {
            condval_7 = 0;
          }
          src[(((int)threadIdx.x) - 256)] = condval_7;
        }
        tl::__sync_thread_partial(4, 128);
        #pragma unroll
        for (int i_29 = 0; i_29 < 16; ++i_29) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kv_l_1)[((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + ((i_29 >> 1) * 512)) + ((((i_29 * 4) + (((int)threadIdx.x) >> 5)) & 7) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_29 & 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[((((int64_t)src[(((((int64_t)i_29) * (int64_t)4) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5)) - (int64_t)8)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8))])), ((((bool)ok[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)]) && (src[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)] < s_kv)) && (0 <= src[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)])));
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kv_r_1)[((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + ((i_29 >> 1) * 512)) + ((((i_29 * 4) + (((int)threadIdx.x) >> 5)) & 7) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_29 & 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)src[(((((int64_t)i_29) * (int64_t)4) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5)) - (int64_t)8)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8)) + (int64_t)256)])), ((((bool)ok[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)]) && (src[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)] < s_kv)) && (0 <= src[(((i_29 * 4) + (((int)threadIdx.x) >> 5)) - 8)])));
        }
        #pragma unroll
        for (int i_30 = 0; i_30 < 4; ++i_30) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kt)[((((((i_30 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)src[(((((int64_t)i_30) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)512)])), ((((bool)ok[(((i_30 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (src[(((i_30 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= src[(((i_30 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(ready0[0]);
        ready0[0].arrive();
        free1[0].wait(((ip_2 & 1) ^ 1));
        if (((int)threadIdx.x) < 320) {
          int condval_8;
          if ((((ip_2 * 128) + ((int)threadIdx.x)) < (n_valid + 192))) {
            int condval_9;
            if ((1 <= topk)) {
              condval_9 = Indices[(min((((((int64_t)ip_2) * (int64_t)128) + ((int64_t)((int)threadIdx.x))) - (int64_t)192), (((int64_t)topk) - (int64_t)1)) + ((((int64_t)((int)blockIdx.x)) >> (int64_t)1) * ((int64_t)topk)))];
            } else {
              condval_9 = 0;
            }
            condval_8 = condval_9;
          } else {
            condval_8 = -1;
          }
          int iv_1 = condval_8;
          ok_1[(((int)threadIdx.x) - 256)] = ((signed char)((0 <= iv_1) & (iv_1 < s_kv)));
          int condval_10;
          if (((0 <= iv_1) & (iv_1 < s_kv))) {
            condval_10 = iv_1;
          } else {
            condval_10 = 0;
          }
          src_1[(((int)threadIdx.x) - 256)] = condval_10;
        }
        tl::__sync_thread_partial(4, 128);
        #pragma unroll
        for (int i_31 = 0; i_31 < 16; ++i_31) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kv_l)[((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + ((i_31 >> 1) * 512)) + ((((i_31 * 4) + (((int)threadIdx.x) >> 5)) & 7) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_31 & 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[((((int64_t)src_1[(((((int64_t)i_31) * (int64_t)4) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5)) - (int64_t)8)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8))])), ((((bool)ok_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)]) && (src_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)] < s_kv)) && (0 <= src_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)])));
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kv_r)[((((((((((int)threadIdx.x) & 31) >> 3) * 4096) + ((i_31 >> 1) * 512)) + ((((i_31 * 4) + (((int)threadIdx.x) >> 5)) & 7) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_31 & 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (((int)threadIdx.x) & 1)) & 1) * 8))])), (&(KV[(((((int64_t)src_1[(((((int64_t)i_31) * (int64_t)4) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5)) - (int64_t)8)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)8)) + (int64_t)256)])), ((((bool)ok_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)]) && (src_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)] < s_kv)) && (0 <= src_1[(((i_31 * 4) + (((int)threadIdx.x) >> 5)) - 8)])));
        }
        #pragma unroll
        for (int i_32 = 0; i_32 < 4; ++i_32) {
          tl::cp_async_gs_conditional<16>((&(((bfloat16_t*)kt_1)[((((((i_32 * 1024) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8)) - 2048)])), (&(KV[(((((int64_t)src_1[(((((int64_t)i_32) * (int64_t)16) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) - (int64_t)32)]) * (int64_t)576) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)512)])), ((((bool)ok_1[(((i_32 * 16) + (((int)threadIdx.x) >> 3)) - 32)]) && (src_1[(((i_32 * 16) + (((int)threadIdx.x) >> 3)) - 32)] < s_kv)) && (0 <= src_1[(((i_32 * 16) + (((int)threadIdx.x) >> 3)) - 32)])));
        }
        tl::mbarrier_cp_async_arrive_noinc(ready1[0]);
        ready1[0].arrive();
      }
    }
  }
}

