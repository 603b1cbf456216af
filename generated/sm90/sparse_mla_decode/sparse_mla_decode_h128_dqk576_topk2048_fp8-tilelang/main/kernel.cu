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

extern "C" __global__ void sparse_mla_decode_kernel(const float* __restrict__ AttnSink, const int* __restrict__ Indices, const fp8_e4_t* __restrict__ KLat, const bfloat16_t* __restrict__ KRope, const float* __restrict__ KScale, float* __restrict__ Lse, bfloat16_t* __restrict__ Out, float* __restrict__ PLse, float* __restrict__ PO, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, int batch, int num_partials, int num_slots, int num_splits, int s_q, float sm_scale, int topk);
extern "C" __global__ void __launch_bounds__(256, 1) sparse_mla_decode_kernel(const float* __restrict__ AttnSink, const int* __restrict__ Indices, const fp8_e4_t* __restrict__ KLat, const bfloat16_t* __restrict__ KRope, const float* __restrict__ KScale, float* __restrict__ Lse, bfloat16_t* __restrict__ Out, float* __restrict__ PLse, float* __restrict__ PO, const bfloat16_t* __restrict__ Q, const int* __restrict__ TopkLen, int batch, int num_partials, int num_slots, int num_splits, int s_q, float sm_scale, int topk) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* q_s = ((void*)((char*)buf_dyn_shmem + 0));
  void* qr_s = ((void*)((char*)buf_dyn_shmem + 65536));
  void* slot_s = ((void*)((char*)buf_dyn_shmem + 73728));
  void* kv_s = ((void*)((char*)buf_dyn_shmem + 74752));
  void* p_s = ((void*)((char*)buf_dyn_shmem + 205824));
  void* sc_s = ((void*)((char*)buf_dyn_shmem + 222208));
  void* workspace = ((void*)((char*)buf_dyn_shmem + 224256));
  void* workspace_1 = ((void*)((char*)buf_dyn_shmem + 225280));
  float acc_o[128];
  float l_i[2];
  float m_i[2];
  int idx_f[1];
  fp8_e4_t raw_f[128];
  float sc_f[1];
  bfloat16_t rope_f[16];
  float m_prev[2];
  float alpha[2];
  float acc_s[32];
  float m_i_clear[2];
  float l_new[2];
  #pragma unroll
  for (int i = 0; i < 16; ++i) {
    bfloat16_t broadcast_var = bfloat16_t(0x0p+0f/*0.000000e+00*/);
    int rmod = (((int)blockIdx.z) % s_q);
    int rmod_1 = (((int)blockIdx.z) % s_q);
    int rdiv = (((int)blockIdx.z) / s_q);
    uint4 condval;
    if (((((((0 <= s_q) && (0 <= rmod)) || ((s_q < 0) && (rmod <= 0))) ? rmod : (rmod + s_q)) < s_q) && (((((0 <= s_q) && (0 <= rmod_1)) || ((s_q < 0) && (rmod_1 <= 0))) ? rdiv : (rdiv - 1)) < batch))) {
      condval = *(uint4*)(Q + (((((((int64_t)((int)blockIdx.z)) * (int64_t)73728) + (((int64_t)((int)blockIdx.x)) * (int64_t)36864)) + (((int64_t)i) * (int64_t)2304)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)6) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)63) * (int64_t)8)));
    } else {
      condval = make_uint4(__pack_nv_bfloat162(broadcast_var, broadcast_var), __pack_nv_bfloat162(broadcast_var, broadcast_var), __pack_nv_bfloat162(broadcast_var, broadcast_var), __pack_nv_bfloat162(broadcast_var, broadcast_var));
    }
    *(uint4*)(((bfloat16_t*)q_s) + ((((((((((int)threadIdx.x) & 63) >> 3) * 4096) + (i * 256)) + ((((int)threadIdx.x) >> 6) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i & 1)) & 1) * 32)) + ((((((int)threadIdx.x) >> 7) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 127) >> 6) + (((int)threadIdx.x) & 1)) & 1) * 8))) = condval;
  }
  #pragma unroll
  for (int i_1 = 0; i_1 < 2; ++i_1) {
    bfloat16_t broadcast_var_1 = bfloat16_t(0x0p+0f/*0.000000e+00*/);
    int rmod_2 = (((int)blockIdx.z) % s_q);
    int rmod_3 = (((int)blockIdx.z) % s_q);
    int rdiv_1 = (((int)blockIdx.z) / s_q);
    uint4 condval_1;
    if (((((((0 <= s_q) && (0 <= rmod_2)) || ((s_q < 0) && (rmod_2 <= 0))) ? rmod_2 : (rmod_2 + s_q)) < s_q) && (((((0 <= s_q) && (0 <= rmod_3)) || ((s_q < 0) && (rmod_3 <= 0))) ? rdiv_1 : (rdiv_1 - 1)) < batch))) {
      condval_1 = *(uint4*)(Q + ((((((((int64_t)((int)blockIdx.z)) * (int64_t)73728) + (((int64_t)((int)blockIdx.x)) * (int64_t)36864)) + (((int64_t)i_1) * (int64_t)18432)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)3) * (int64_t)576)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)512));
    } else {
      condval_1 = make_uint4(__pack_nv_bfloat162(broadcast_var_1, broadcast_var_1), __pack_nv_bfloat162(broadcast_var_1, broadcast_var_1), __pack_nv_bfloat162(broadcast_var_1, broadcast_var_1), __pack_nv_bfloat162(broadcast_var_1, broadcast_var_1));
    }
    *(uint4*)(((bfloat16_t*)qr_s) + (((((i_1 * 2048) + ((((int)threadIdx.x) >> 3) * 64)) + (((((((int)threadIdx.x) & 63) >> 5) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((((int)threadIdx.x) & 31) >> 4) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 15) >> 3) + (((int)threadIdx.x) & 1)) & 1) * 8))) = condval_1;
  }
  #pragma unroll
  for (int i_2 = 0; i_2 < 32; ++i_2) {
    float broadcast_var_2 = 0x0p+0f/*0.000000e+00*/;
    *(float4*)(acc_o + (i_2 * 4)) = make_float4(broadcast_var_2, broadcast_var_2, broadcast_var_2, broadcast_var_2);
  }
  float broadcast_var_3 = 0x0p+0f/*0.000000e+00*/;
  *(float2*)(l_i + 0) = make_float2(broadcast_var_3, broadcast_var_3);
  float broadcast_var_4 = -0x1p+30f/*-1.073742e+09*/;
  *(float2*)(m_i + 0) = make_float2(broadcast_var_4, broadcast_var_4);
  int rmod_4 = (((int)blockIdx.z) % s_q);
  int rdiv_2 = (((int)blockIdx.z) / s_q);
  int condval_2;
  if ((((((0 <= s_q) && (0 <= rmod_4)) || ((s_q < 0) && (rmod_4 <= 0))) ? rdiv_2 : (rdiv_2 - 1)) < batch)) {
    int64_t rmod_5 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
    int64_t rdiv_3 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
    int64_t rmod_6 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
    int64_t rdiv_4 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
    condval_2 = TopkLen[(((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_6)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_6 <= (int64_t)0))) ? rdiv_4 : (rdiv_4 - (int64_t)1))];
  } else {
    condval_2 = 0;
  }
  int rmod_7 = (((topk + num_splits) - 1) % num_splits);
  int rdiv_5 = (((topk + num_splits) - 1) / num_splits);
  int stop = min(min(max(condval_2, 0), topk), (((((int)blockIdx.y) + 1) * ((((((0 <= num_splits) && (0 <= rmod_7)) || ((num_splits < 0) && (rmod_7 <= 0))) ? rdiv_5 : (rdiv_5 - 1)) + 127) >> 7)) * 128));
  int rmod_8 = (((topk + num_splits) - 1) % num_splits);
  int rdiv_6 = (((topk + num_splits) - 1) / num_splits);
  int condval_3;
  if (((((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_8)) || ((num_splits < 0) && (rmod_8 <= 0))) ? rdiv_6 : (rdiv_6 - 1)) + 127) >> 7)) * 128) + (((int)threadIdx.x) & 127)) < stop)) {
    int rmod_9 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_7 = (((topk + num_splits) - 1) / num_splits);
    int rmod_10 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_8 = (((topk + num_splits) - 1) / num_splits);
    int rmod_11 = (((int)blockIdx.z) % s_q);
    int rmod_12 = (((int)blockIdx.z) % s_q);
    int rdiv_9 = (((int)blockIdx.z) / s_q);
    int condval_4;
    if (((((0 <= (((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_9)) || ((num_splits < 0) && (rmod_9 <= 0))) ? rdiv_7 : (rdiv_7 - 1)) + 127) >> 7))) && ((((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_10)) || ((num_splits < 0) && (rmod_10 <= 0))) ? rdiv_8 : (rdiv_8 - 1)) + 127) >> 7)) * 128) + (((int)threadIdx.x) & 127)) < topk)) && (((((0 <= s_q) && (0 <= rmod_11)) || ((s_q < 0) && (rmod_11 <= 0))) ? rmod_11 : (rmod_11 + s_q)) < s_q)) && (((((0 <= s_q) && (0 <= rmod_12)) || ((s_q < 0) && (rmod_12 <= 0))) ? rdiv_9 : (rdiv_9 - 1)) < batch))) {
      int64_t rmod_13 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
      int64_t rdiv_10 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
      int64_t rmod_14 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rdiv_11 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
      int64_t rmod_15 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rmod_16 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
      int64_t rdiv_12 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
      int64_t rmod_17 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rdiv_13 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
      int64_t rmod_18 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      condval_4 = Indices[(((((((int64_t)((int)blockIdx.y)) * (((((((int64_t)0 <= ((int64_t)num_splits)) && ((int64_t)0 <= rmod_16)) || ((((int64_t)num_splits) < (int64_t)0) && (rmod_16 <= (int64_t)0))) ? rdiv_12 : (rdiv_12 - (int64_t)1)) + (int64_t)127) >> (int64_t)7)) * (int64_t)128) + (((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_17)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_17 <= (int64_t)0))) ? rdiv_13 : (rdiv_13 - (int64_t)1)) * ((int64_t)topk)) * ((int64_t)s_q))) + ((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_18)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_18 <= (int64_t)0))) ? rmod_18 : (rmod_18 + ((int64_t)s_q))) * ((int64_t)topk))) + (((int64_t)((int)threadIdx.x)) & (int64_t)127))];
    } else {
      condval_4 = 0;
    }
    condval_3 = condval_4;
  } else {
    condval_3 = -1;
  }
  idx_f[0] = condval_3;
  if ((((int)threadIdx.x) >> 7) == 0) {
    int condval_5;
    if (((0 <= idx_f[0]) & (idx_f[0] < num_slots))) {
      condval_5 = idx_f[0];
    } else {
      condval_5 = -1;
    }
    ((int*)slot_s)[(((int)threadIdx.x) & 127)] = condval_5;
  }
  int rmod_19 = (((topk + num_splits) - 1) % num_splits);
  int rdiv_14 = (((topk + num_splits) - 1) / num_splits);
  int condval_6;
  if ((((((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_19)) || ((num_splits < 0) && (rmod_19 <= 0))) ? rdiv_14 : (rdiv_14 - 1)) + 127) >> 7)) * 128) + (((int)threadIdx.x) & 127)) + 128) < stop)) {
    int rmod_20 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_15 = (((topk + num_splits) - 1) / num_splits);
    int rmod_21 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_16 = (((topk + num_splits) - 1) / num_splits);
    int rmod_22 = (((int)blockIdx.z) % s_q);
    int rmod_23 = (((int)blockIdx.z) % s_q);
    int rdiv_17 = (((int)blockIdx.z) / s_q);
    int condval_7;
    if (((((-1 <= (((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_20)) || ((num_splits < 0) && (rmod_20 <= 0))) ? rdiv_15 : (rdiv_15 - 1)) + 127) >> 7))) && (((((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_21)) || ((num_splits < 0) && (rmod_21 <= 0))) ? rdiv_16 : (rdiv_16 - 1)) + 127) >> 7)) * 128) + (((int)threadIdx.x) & 127)) + 128) < topk)) && (((((0 <= s_q) && (0 <= rmod_22)) || ((s_q < 0) && (rmod_22 <= 0))) ? rmod_22 : (rmod_22 + s_q)) < s_q)) && (((((0 <= s_q) && (0 <= rmod_23)) || ((s_q < 0) && (rmod_23 <= 0))) ? rdiv_17 : (rdiv_17 - 1)) < batch))) {
      int64_t rmod_24 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
      int64_t rdiv_18 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
      int64_t rmod_25 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rdiv_19 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
      int64_t rmod_26 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rmod_27 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
      int64_t rdiv_20 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
      int64_t rmod_28 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      int64_t rdiv_21 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
      int64_t rmod_29 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
      condval_7 = Indices[((((((((int64_t)((int)blockIdx.y)) * (((((((int64_t)0 <= ((int64_t)num_splits)) && ((int64_t)0 <= rmod_27)) || ((((int64_t)num_splits) < (int64_t)0) && (rmod_27 <= (int64_t)0))) ? rdiv_20 : (rdiv_20 - (int64_t)1)) + (int64_t)127) >> (int64_t)7)) * (int64_t)128) + (((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_28)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_28 <= (int64_t)0))) ? rdiv_21 : (rdiv_21 - (int64_t)1)) * ((int64_t)topk)) * ((int64_t)s_q))) + ((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_29)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_29 <= (int64_t)0))) ? rmod_29 : (rmod_29 + ((int64_t)s_q))) * ((int64_t)topk))) + (((int64_t)((int)threadIdx.x)) & (int64_t)127)) + (int64_t)128)];
    } else {
      condval_7 = 0;
    }
    condval_6 = condval_7;
  } else {
    condval_6 = -1;
  }
  idx_f[0] = condval_6;
  __syncthreads();
  #pragma unroll
  for (int i_3 = 0; i_3 < 8; ++i_3) {
    fp8_e4_t broadcast_var_5 = fp8_e4_t(0x0p+0f/*0.000000e+00*/);
    fp8_e4_16_t condval_8;
    if ((((0 <= ((int*)slot_s)[((i_3 * 8) + (((int)threadIdx.x) >> 5))]) && (0 <= ((int*)slot_s)[((i_3 * 8) + (((int)threadIdx.x) >> 5))])) && (((int*)slot_s)[((i_3 * 8) + (((int)threadIdx.x) >> 5))] < num_slots))) {
      condval_8 = *(fp8_e4_16_t*)(KLat + ((((int64_t)((int*)slot_s)[((((int64_t)i_3) * (int64_t)8) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5))]) * (int64_t)656) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)16)));
    } else {
      condval_8 = tl::broadcast<fp8_e4_16_t>(broadcast_var_5);
    }
    *(fp8_e4_16_t*)(raw_f + (i_3 * 16)) = condval_8;
  }
  float condval_9;
  if ((((0 <= ((int*)slot_s)[(((int)threadIdx.x) >> 2)]) && (0 <= ((int*)slot_s)[(((int)threadIdx.x) >> 2)])) && (((int*)slot_s)[(((int)threadIdx.x) >> 2)] < num_slots))) {
    condval_9 = KScale[(((((int64_t)((int*)slot_s)[(((int64_t)((int)threadIdx.x)) >> (int64_t)2)]) * (int64_t)164) + (((int64_t)((int)threadIdx.x)) & (int64_t)3)) + (int64_t)128)];
  } else {
    condval_9 = 0x0p+0f/*0.000000e+00*/;
  }
  sc_f[0] = condval_9;
  #pragma unroll
  for (int i_4 = 0; i_4 < 2; ++i_4) {
    bfloat16_t broadcast_var_6 = bfloat16_t(0x0p+0f/*0.000000e+00*/);
    uint4 condval_10;
    if ((((0 <= ((int*)slot_s)[((i_4 * 32) + (((int)threadIdx.x) >> 3))]) && (0 <= ((int*)slot_s)[((i_4 * 32) + (((int)threadIdx.x) >> 3))])) && (((int*)slot_s)[((i_4 * 32) + (((int)threadIdx.x) >> 3))] < num_slots))) {
      condval_10 = *(uint4*)(KRope + (((((int64_t)((int*)slot_s)[((((int64_t)i_4) * (int64_t)32) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3))]) * (int64_t)328) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)264));
    } else {
      condval_10 = make_uint4(__pack_nv_bfloat162(broadcast_var_6, broadcast_var_6), __pack_nv_bfloat162(broadcast_var_6, broadcast_var_6), __pack_nv_bfloat162(broadcast_var_6, broadcast_var_6), __pack_nv_bfloat162(broadcast_var_6, broadcast_var_6));
    }
    *(uint4*)(rope_f + (i_4 * 8)) = condval_10;
  }
  int rmod_30 = (((topk + num_splits) - 1) % num_splits);
  int rdiv_22 = (((topk + num_splits) - 1) / num_splits);
  for (int t = 0; t < ((max((stop - ((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_30)) || ((num_splits < 0) && (rmod_30 <= 0))) ? rdiv_22 : (rdiv_22 - 1)) + 127) >> 7)) * 128)), 0) + 127) >> 7); ++t) {
    __syncthreads();
    ((float*)sc_s)[((int)threadIdx.x)] = sc_f[0];
    float condval_11;
    if ((((0 <= ((int*)slot_s)[((((t & 1) * 128) + (((int)threadIdx.x) >> 2)) + 64)]) && (0 <= ((int*)slot_s)[((((t & 1) * 128) + (((int)threadIdx.x) >> 2)) + 64)])) && (((int*)slot_s)[((((t & 1) * 128) + (((int)threadIdx.x) >> 2)) + 64)] < num_slots))) {
      condval_11 = KScale[(((((int64_t)((int*)slot_s)[((((((int64_t)t) & (int64_t)1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)2)) + (int64_t)64)]) * (int64_t)164) + (((int64_t)((int)threadIdx.x)) & (int64_t)3)) + (int64_t)128)];
    } else {
      condval_11 = 0x0p+0f/*0.000000e+00*/;
    }
    ((float*)sc_s)[(((int)threadIdx.x) + 256)] = condval_11;
    #pragma unroll
    for (int i_5 = 0; i_5 < 16; ++i_5) {
      ((bfloat16_t*)p_s)[(((((((((int)threadIdx.x) & 7) * 512) + ((i_5 & 7) * 64)) + ((((i_5 >> 3) + ((i_5 & 7) >> 2)) & 1) * 32)) + ((((((int)threadIdx.x) >> 7) + ((i_5 & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 127) >> 6) + (i_5 & 1)) & 1) * 8)) + ((((int)threadIdx.x) & 63) >> 3))] = rope_f[i_5];
    }
    #pragma unroll
    for (int i_6 = 0; i_6 < 16; ++i_6) {
      bfloat16_t condval_12;
      if ((((0 <= ((int*)slot_s)[(((((t & 1) * 128) + (i_6 * 4)) + (((int)threadIdx.x) >> 6)) + 64)]) && (0 <= ((int*)slot_s)[(((((t & 1) * 128) + (i_6 * 4)) + (((int)threadIdx.x) >> 6)) + 64)])) && (((int*)slot_s)[(((((t & 1) * 128) + (i_6 * 4)) + (((int)threadIdx.x) >> 6)) + 64)] < num_slots))) {
        condval_12 = KRope[(((((int64_t)((int*)slot_s)[(((((((int64_t)t) & (int64_t)1) * (int64_t)128) + (((int64_t)i_6) * (int64_t)4)) + (((int64_t)((int)threadIdx.x)) >> (int64_t)6)) + (int64_t)64)]) * (int64_t)328) + (((int64_t)((int)threadIdx.x)) & (int64_t)63)) + (int64_t)264)];
      } else {
        condval_12 = bfloat16_t(0x0p+0f/*0.000000e+00*/);
      }
      ((bfloat16_t*)p_s)[((((((((((int)threadIdx.x) & 63) * 64) + ((((i_6 >> 3) + ((((int)threadIdx.x) & 7) >> 2)) & 1) * 32)) + (((((i_6 & 7) >> 2) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((i_6 & 3) >> 1) + (((int)threadIdx.x) & 1)) & 1) * 8)) + ((i_6 & 1) * 4)) + (((int)threadIdx.x) >> 6)) + 4096)] = condval_12;
    }
    __syncthreads();
    #pragma unroll
    for (int i_7 = 0; i_7 < 16; ++i_7) {
      float sc_s_local_cast_1[8];
      bfloat16_t kv_s_local_cast[8];
      for (int vec_copy = 0; vec_copy < 2; ++vec_copy) {
        *(float4*)(sc_s_local_cast_1 + (vec_copy * 4)) = make_float4(((float*)sc_s)[(((i_7 >> 1) * 32) + (((int)threadIdx.x) >> 3))], ((float*)sc_s)[(((i_7 >> 1) * 32) + (((int)threadIdx.x) >> 3))], ((float*)sc_s)[(((i_7 >> 1) * 32) + (((int)threadIdx.x) >> 3))], ((float*)sc_s)[(((i_7 >> 1) * 32) + (((int)threadIdx.x) >> 3))]);
      }
      for (int vec = 0; vec < 2; ++vec) {
        uint2 __1;
        float4 __2;
          float4 __3;
          fp8_e4_4_t v_ = *(fp8_e4_4_t*)(raw_f + ((i_7 * 8) + (vec * 4)));
          ((float2*)(&__3))[0] = __tl_cvt_fp8x2_to_float2((reinterpret_cast<__nv_fp8x2_storage_t*>(&v_))[0], __NV_E4M3);
          ((float2*)(&__3))[1] = __tl_cvt_fp8x2_to_float2((reinterpret_cast<__nv_fp8x2_storage_t*>(&v_))[1], __NV_E4M3);
          float4 v__1 = *(float4*)(sc_s_local_cast_1 + (vec * 4));
          __2.x = (__3.x*v__1.x);
          __2.y = (__3.y*v__1.y);
          __2.z = (__3.z*v__1.z);
          __2.w = (__3.w*v__1.w);
        (reinterpret_cast<__nv_bfloat162*>(&__1))[0] = __float22bfloat162_rn(((float2*)(&__2))[0]);
        (reinterpret_cast<__nv_bfloat162*>(&__1))[1] = __float22bfloat162_rn(((float2*)(&__2))[1]);
        *(uint2*)(kv_s_local_cast + (vec * 4)) = __1;
      }
      *(uint4*)(((bfloat16_t*)kv_s) + ((((((((((int)threadIdx.x) & 31) >> 2) * 8192) + ((i_7 >> 1) * 512)) + ((((int)threadIdx.x) >> 5) * 64)) + ((((((int)threadIdx.x) >> 7) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 127) >> 6) + (((int)threadIdx.x) & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 63) >> 5) + (i_7 & 1)) & 1) * 8))) = *(uint4*)(kv_s_local_cast + 0);
    }
    __syncthreads();
    #pragma unroll
    for (int i_8 = 0; i_8 < 16; ++i_8) {
      fp8_e4_t KLat_local_cast_3[8];
      float sc_s_local_cast_4[8];
      bfloat16_t kv_s_local_cast_2[8];
      fp8_e4_t broadcast_var_7 = fp8_e4_t(0x0p+0f/*0.000000e+00*/);
      fp8_e4_8_t condval_13;
      if (((0 <= ((int*)slot_s)[(((((t & 1) * 128) + (i_8 * 4)) + (((int)threadIdx.x) >> 6)) + 64)]) && (((int*)slot_s)[(((((t & 1) * 128) + (i_8 * 4)) + (((int)threadIdx.x) >> 6)) + 64)] < num_slots))) {
        condval_13 = *(fp8_e4_8_t*)(KLat + ((((int64_t)((int*)slot_s)[(((((((int64_t)t) & (int64_t)1) * (int64_t)128) + (((int64_t)i_8) * (int64_t)4)) + (((int64_t)((int)threadIdx.x)) >> (int64_t)6)) + (int64_t)64)]) * (int64_t)656) + ((((int64_t)((int)threadIdx.x)) & (int64_t)63) * (int64_t)8)));
      } else {
        condval_13 = tl::broadcast<fp8_e4_8_t>(broadcast_var_7);
      }
      *(fp8_e4_8_t*)(KLat_local_cast_3 + 0) = condval_13;
      for (int vec_copy_1 = 0; vec_copy_1 < 2; ++vec_copy_1) {
        *(float4*)(sc_s_local_cast_4 + (vec_copy_1 * 4)) = make_float4(((float*)sc_s)[(((i_8 * 16) + (((int)threadIdx.x) >> 4)) + 256)], ((float*)sc_s)[(((i_8 * 16) + (((int)threadIdx.x) >> 4)) + 256)], ((float*)sc_s)[(((i_8 * 16) + (((int)threadIdx.x) >> 4)) + 256)], ((float*)sc_s)[(((i_8 * 16) + (((int)threadIdx.x) >> 4)) + 256)]);
      }
      for (int vec_1 = 0; vec_1 < 2; ++vec_1) {
        bfloat16_t broadcast_var_8 = bfloat16_t(0x0p+0f/*0.000000e+00*/);
        uint2 condval_14;
        if ((0 <= ((int*)slot_s)[(((((t & 1) * 128) + (i_8 * 4)) + (((int)threadIdx.x) >> 6)) + 64)])) {
          uint2 __4;
          float4 __5;
            float4 __6;
            fp8_e4_4_t v__2 = *(fp8_e4_4_t*)(KLat_local_cast_3 + (vec_1 * 4));
            ((float2*)(&__6))[0] = __tl_cvt_fp8x2_to_float2((reinterpret_cast<__nv_fp8x2_storage_t*>(&v__2))[0], __NV_E4M3);
            ((float2*)(&__6))[1] = __tl_cvt_fp8x2_to_float2((reinterpret_cast<__nv_fp8x2_storage_t*>(&v__2))[1], __NV_E4M3);
            float4 v__3 = *(float4*)(sc_s_local_cast_4 + (vec_1 * 4));
            __5.x = (__6.x*v__3.x);
            __5.y = (__6.y*v__3.y);
            __5.z = (__6.z*v__3.z);
            __5.w = (__6.w*v__3.w);
          (reinterpret_cast<__nv_bfloat162*>(&__4))[0] = __float22bfloat162_rn(((float2*)(&__5))[0]);
          (reinterpret_cast<__nv_bfloat162*>(&__4))[1] = __float22bfloat162_rn(((float2*)(&__5))[1]);
          condval_14 = __4;
        } else {
          condval_14 = make_uint2(__pack_nv_bfloat162(broadcast_var_8, broadcast_var_8), __pack_nv_bfloat162(broadcast_var_8, broadcast_var_8));
        }
        *(uint2*)(kv_s_local_cast_2 + (vec_1 * 4)) = condval_14;
      }
      *(uint4*)(((bfloat16_t*)kv_s) + (((((((((((int)threadIdx.x) & 63) >> 3) * 8192) + (i_8 * 256)) + ((((int)threadIdx.x) >> 6) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_8 & 1)) & 1) * 32)) + ((((((int)threadIdx.x) >> 7) + ((((int)threadIdx.x) & 3) >> 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 127) >> 6) + (((int)threadIdx.x) & 1)) & 1) * 8)) + 4096)) = *(uint4*)(kv_s_local_cast_2 + 0);
    }
    #pragma unroll
    for (int i_9 = 0; i_9 < 32; ++i_9) {
      float condval_15;
      if ((0 <= ((int*)slot_s)[((((((t & 1) * 128) + ((((int)threadIdx.x) >> 7) * 64)) + ((i_9 >> 2) * 8)) + ((((int)threadIdx.x) & 3) * 2)) + (i_9 & 1))])) {
        condval_15 = 0x0p+0f/*0.000000e+00*/;
      } else {
        condval_15 = -CUDART_INF_F;
      }
      acc_s[i_9] = condval_15;
    }
    int rmod_31 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_23 = (((topk + num_splits) - 1) / num_splits);
    if ((t + 1) < ((max((stop - ((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_31)) || ((num_splits < 0) && (rmod_31 <= 0))) ? rdiv_23 : (rdiv_23 - 1)) + 127) >> 7)) * 128)), 0) + 127) >> 7)) {
      if ((((int)threadIdx.x) >> 7) == 0) {
        int condval_16;
        if (((0 <= idx_f[0]) & (idx_f[0] < num_slots))) {
          condval_16 = idx_f[0];
        } else {
          condval_16 = -1;
        }
        ((int*)slot_s)[(((((int)threadIdx.x) & 127) + 128) - ((t & 1) * 128))] = condval_16;
      }
      int rmod_32 = (((topk + num_splits) - 1) % num_splits);
      int rdiv_24 = (((topk + num_splits) - 1) / num_splits);
      int condval_17;
      if ((((((t * 128) + ((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_32)) || ((num_splits < 0) && (rmod_32 <= 0))) ? rdiv_24 : (rdiv_24 - 1)) + 127) >> 7)) * 128)) + (((int)threadIdx.x) & 127)) + 256) < stop)) {
        int rmod_33 = (((topk + num_splits) - 1) % num_splits);
        int rdiv_25 = (((topk + num_splits) - 1) / num_splits);
        int rmod_34 = (((topk + num_splits) - 1) % num_splits);
        int rdiv_26 = (((topk + num_splits) - 1) / num_splits);
        int rmod_35 = (((int)blockIdx.z) % s_q);
        int rmod_36 = (((int)blockIdx.z) % s_q);
        int rdiv_27 = (((int)blockIdx.z) / s_q);
        int condval_18;
        if (((((-2 <= (t + (((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_33)) || ((num_splits < 0) && (rmod_33 <= 0))) ? rdiv_25 : (rdiv_25 - 1)) + 127) >> 7)))) && (((((t * 128) + ((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_34)) || ((num_splits < 0) && (rmod_34 <= 0))) ? rdiv_26 : (rdiv_26 - 1)) + 127) >> 7)) * 128)) + (((int)threadIdx.x) & 127)) + 256) < topk)) && (((((0 <= s_q) && (0 <= rmod_35)) || ((s_q < 0) && (rmod_35 <= 0))) ? rmod_35 : (rmod_35 + s_q)) < s_q)) && (((((0 <= s_q) && (0 <= rmod_36)) || ((s_q < 0) && (rmod_36 <= 0))) ? rdiv_27 : (rdiv_27 - 1)) < batch))) {
          int64_t rmod_37 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
          int64_t rdiv_28 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
          int64_t rmod_38 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
          int64_t rdiv_29 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
          int64_t rmod_39 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
          int64_t rmod_40 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) % ((int64_t)num_splits));
          int64_t rdiv_30 = (((((int64_t)topk) + ((int64_t)num_splits)) - (int64_t)1) / ((int64_t)num_splits));
          int64_t rmod_41 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
          int64_t rdiv_31 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
          int64_t rmod_42 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
          condval_18 = Indices[((((((((int64_t)t) * (int64_t)128) + ((((int64_t)((int)blockIdx.y)) * (((((((int64_t)0 <= ((int64_t)num_splits)) && ((int64_t)0 <= rmod_40)) || ((((int64_t)num_splits) < (int64_t)0) && (rmod_40 <= (int64_t)0))) ? rdiv_30 : (rdiv_30 - (int64_t)1)) + (int64_t)127) >> (int64_t)7)) * (int64_t)128)) + (((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_41)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_41 <= (int64_t)0))) ? rdiv_31 : (rdiv_31 - (int64_t)1)) * ((int64_t)topk)) * ((int64_t)s_q))) + ((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_42)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_42 <= (int64_t)0))) ? rmod_42 : (rmod_42 + ((int64_t)s_q))) * ((int64_t)topk))) + (((int64_t)((int)threadIdx.x)) & (int64_t)127)) + (int64_t)256)];
        } else {
          condval_18 = 0;
        }
        condval_17 = condval_18;
      } else {
        condval_17 = -1;
      }
      idx_f[0] = condval_17;
    }
    __syncthreads();
    int rmod_43 = (((topk + num_splits) - 1) % num_splits);
    int rdiv_32 = (((topk + num_splits) - 1) / num_splits);
    if ((t + 1) < ((max((stop - ((((int)blockIdx.y) * ((((((0 <= num_splits) && (0 <= rmod_43)) || ((num_splits < 0) && (rmod_43 <= 0))) ? rdiv_32 : (rdiv_32 - 1)) + 127) >> 7)) * 128)), 0) + 127) >> 7)) {
      #pragma unroll
      for (int i_10 = 0; i_10 < 8; ++i_10) {
        fp8_e4_t broadcast_var_9 = fp8_e4_t(0x0p+0f/*0.000000e+00*/);
        fp8_e4_16_t condval_19;
        if ((((0 <= ((int*)slot_s)[((((i_10 * 8) + (((int)threadIdx.x) >> 5)) + 128) - ((t & 1) * 128))]) && (0 <= ((int*)slot_s)[((((i_10 * 8) + (((int)threadIdx.x) >> 5)) + 128) - ((t & 1) * 128))])) && (((int*)slot_s)[((((i_10 * 8) + (((int)threadIdx.x) >> 5)) + 128) - ((t & 1) * 128))] < num_slots))) {
          condval_19 = *(fp8_e4_16_t*)(KLat + ((((int64_t)((int*)slot_s)[((((((int64_t)i_10) * (int64_t)8) + (((int64_t)((int)threadIdx.x)) >> (int64_t)5)) + (int64_t)128) - ((((int64_t)t) & (int64_t)1) * (int64_t)128))]) * (int64_t)656) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) * (int64_t)16)));
        } else {
          condval_19 = tl::broadcast<fp8_e4_16_t>(broadcast_var_9);
        }
        *(fp8_e4_16_t*)(raw_f + (i_10 * 16)) = condval_19;
      }
      float condval_20;
      if ((((0 <= ((int*)slot_s)[(((((int)threadIdx.x) >> 2) + 128) - ((t & 1) * 128))]) && (0 <= ((int*)slot_s)[(((((int)threadIdx.x) >> 2) + 128) - ((t & 1) * 128))])) && (((int*)slot_s)[(((((int)threadIdx.x) >> 2) + 128) - ((t & 1) * 128))] < num_slots))) {
        condval_20 = KScale[(((((int64_t)((int*)slot_s)[(((((int64_t)((int)threadIdx.x)) >> (int64_t)2) + (int64_t)128) - ((((int64_t)t) & (int64_t)1) * (int64_t)128))]) * (int64_t)164) + (((int64_t)((int)threadIdx.x)) & (int64_t)3)) + (int64_t)128)];
      } else {
        condval_20 = 0x0p+0f/*0.000000e+00*/;
      }
      sc_f[0] = condval_20;
      #pragma unroll
      for (int i_11 = 0; i_11 < 2; ++i_11) {
        bfloat16_t broadcast_var_10 = bfloat16_t(0x0p+0f/*0.000000e+00*/);
        uint4 condval_21;
        if ((((0 <= ((int*)slot_s)[((((i_11 * 32) + (((int)threadIdx.x) >> 3)) + 128) - ((t & 1) * 128))]) && (0 <= ((int*)slot_s)[((((i_11 * 32) + (((int)threadIdx.x) >> 3)) + 128) - ((t & 1) * 128))])) && (((int*)slot_s)[((((i_11 * 32) + (((int)threadIdx.x) >> 3)) + 128) - ((t & 1) * 128))] < num_slots))) {
          condval_21 = *(uint4*)(KRope + (((((int64_t)((int*)slot_s)[((((((int64_t)i_11) * (int64_t)32) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) + (int64_t)128) - ((((int64_t)t) & (int64_t)1) * (int64_t)128))]) * (int64_t)328) + ((((int64_t)((int)threadIdx.x)) & (int64_t)7) * (int64_t)8)) + (int64_t)264));
        } else {
          condval_21 = make_uint4(__pack_nv_bfloat162(broadcast_var_10, broadcast_var_10), __pack_nv_bfloat162(broadcast_var_10, broadcast_var_10), __pack_nv_bfloat162(broadcast_var_10, broadcast_var_10), __pack_nv_bfloat162(broadcast_var_10, broadcast_var_10));
        }
        *(uint4*)(rope_f + (i_11 * 8)) = condval_21;
      }
    }
    {
      tl::GmmaDescriptor desc_a;
      tl::GmmaDescriptor desc_b;
      tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a, (&(((bfloat16_t*)q_s)[0])));
      tl::initialize_wgmma_descriptor<1, 1, 64>(desc_b, (&(((bfloat16_t*)kv_s)[0])));
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      tl::warpgroup_arrive();
      tl::fence_proxy_async();
      #pragma unroll
      for (int ki = 0; ki < 32; ++ki) {
        tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, false, 1, 1>(uint64_t(desc_a + ((((ki >> 2) * 8192) + ((ki & 3) * 32)) >> 4)), uint64_t(desc_b + (((((ki >> 2) * 16384) + ((((int)threadIdx.x) >> 7) * 8192)) + ((ki & 3) * 32)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
      }
      tl::warpgroup_commit_batch();
      tl::warpgroup_wait<0>();
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
    }
    {
      tl::GmmaDescriptor desc_a_1;
      tl::GmmaDescriptor desc_b_1;
      tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_1, (&(((bfloat16_t*)qr_s)[0])));
      tl::initialize_wgmma_descriptor<1, 512, 64>(desc_b_1, (&(((bfloat16_t*)p_s)[0])));
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
      tl::warpgroup_arrive();
      #pragma unroll
      for (int ki_1 = 0; ki_1 < 4; ++ki_1) {
        tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 64, 16, false, true, 1, 1>(uint64_t(desc_a_1 + ((ki_1 * 32) >> 4)), uint64_t(desc_b_1 + ((((((int)threadIdx.x) >> 7) * 8192) + (ki_1 * 2048)) >> 4)), ((uint32_t*)(acc_s + 0)), 1);
      }
      tl::warpgroup_commit_batch();
      tl::warpgroup_wait<0>();
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_s + 0), 32);
    }
    *(float2*)(m_prev + 0) = *(float2*)(m_i + 0);
    #pragma unroll
    for (int i_12 = 0; i_12 < 2; ++i_12) {
      m_i_clear[i_12] = -CUDART_INF_F;
      #pragma unroll
      for (int rv = 0; rv < 16; ++rv) {
        m_i_clear[i_12] = max(m_i_clear[i_12], acc_s[((((rv & 7) * 4) + (i_12 * 2)) + (rv >> 3))]);
      }
      __syncthreads();
      m_i_clear[i_12] = tl::AllReduce<tl::MaxOp, 256, 128, 0, tl::NamedBarrier<256>>::run(m_i_clear[i_12], (&(((float*)workspace_1)[0])));
      m_i_clear[i_12] = tl::AllReduce<tl::MaxOp, 4, 1, 0, tl::NamedBarrier<256>>::run(m_i_clear[i_12]);
      m_i[i_12] = max(m_i[i_12], m_i_clear[i_12]);
    }
    float2 __7;
      float2 v__4 = *(float2*)(m_i + 0);
      float2 v__5 = *(float2*)(m_prev + 0);
      __7.x = max(v__4.x, v__5.x);
      __7.y = max(v__4.y, v__5.y);
    *(float2*)(m_i + 0) = __7;
    float2 __8;
    float2 __9;
      float2 __10;
        float2 v__6 = *(float2*)(m_prev + 0);
        float2 v__7 = *(float2*)(m_i + 0);
        __10.x = (v__6.x-v__7.x);
        __10.y = (v__6.y-v__7.y);
      float2 v__8 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
      __9.x = (__10.x*v__8.x);
      __9.y = (__10.y*v__8.y);
    __8.x = exp2f(__9.x);
    __8.y = exp2f(__9.y);
    *(float2*)(alpha + 0) = __8;
    #pragma unroll
    for (int i_13 = 0; i_13 < 16; ++i_13) {
      float2 __11;
      float2 __12;
        float2 __13;
          float2 v__9 = *(float2*)(acc_s + (i_13 * 2));
          float2 v__10 = make_float2((sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/), (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/));
          __13.x = (v__9.x*v__10.x);
          __13.y = (v__9.y*v__10.y);
        float2 v__11 = make_float2((m_i[(i_13 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)), (m_i[(i_13 & 1)] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)));
        __12.x = (__13.x-v__11.x);
        __12.y = (__13.y-v__11.y);
      __11.x = exp2f(__12.x);
      __11.y = exp2f(__12.y);
      *(float2*)(acc_s + (i_13 * 2)) = __11;
    }
    #pragma unroll
    for (int i_14 = 0; i_14 < 2; ++i_14) {
      l_new[i_14] = 0x0p+0f/*0.000000e+00*/;
      #pragma unroll
      for (int rv_1 = 0; rv_1 < 16; ++rv_1) {
        l_new[i_14] = (l_new[i_14] + acc_s[((((rv_1 & 7) * 4) + (i_14 * 2)) + (rv_1 >> 3))]);
      }
      __syncthreads();
      l_new[i_14] = tl::AllReduce<tl::SumOp, 256, 128, 0, tl::NamedBarrier<256>>::run(l_new[i_14], (&(((float*)workspace)[0])));
      l_new[i_14] = tl::AllReduce<tl::SumOp, 4, 1, 0, tl::NamedBarrier<256>>::run(l_new[i_14]);
    }
    float2 __14;
      float2 __15;
        float2 v__12 = *(float2*)(l_i + 0);
        float2 v__13 = *(float2*)(alpha + 0);
        __15.x = (v__12.x*v__13.x);
        __15.y = (v__12.y*v__13.y);
      float2 v__14 = *(float2*)(l_new + 0);
      __14.x = (__15.x+v__14.x);
      __14.y = (__15.y+v__14.y);
    *(float2*)(l_i + 0) = __14;
    #pragma unroll
    for (int i_15 = 0; i_15 < 64; ++i_15) {
      float2 __16;
        float2 v__15 = *(float2*)(acc_o + (i_15 * 2));
        float2 v__16 = make_float2(alpha[(i_15 & 1)], alpha[(i_15 & 1)]);
        __16.x = (v__15.x*v__16.x);
        __16.y = (v__15.y*v__16.y);
      *(float2*)(acc_o + (i_15 * 2)) = __16;
    }
    __syncthreads();
    #pragma unroll
    for (int i_16 = 0; i_16 < 4; ++i_16) {
      tl::ptx_stmatrix_m8n8_x4((&(((bfloat16_t*)p_s)[((((((((int)threadIdx.x) >> 5) * 1024) + ((((int)threadIdx.x) & 15) * 64)) + (((((((int)threadIdx.x) & 7) >> 2) + (i_16 >> 1)) & 1) * 32)) + (((((((int)threadIdx.x) & 3) >> 1) + (i_16 & 1)) & 1) * 16)) + (((((((int)threadIdx.x) & 31) >> 4) + (((int)threadIdx.x) & 1)) & 1) * 8))])), __pack_half2(((bfloat16_t)acc_s[(i_16 * 8)]), ((bfloat16_t)acc_s[((i_16 * 8) + 1)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 2)]), ((bfloat16_t)acc_s[((i_16 * 8) + 3)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 4)]), ((bfloat16_t)acc_s[((i_16 * 8) + 5)])), __pack_half2(((bfloat16_t)acc_s[((i_16 * 8) + 6)]), ((bfloat16_t)acc_s[((i_16 * 8) + 7)])));
    }
    {
      tl::GmmaDescriptor desc_a_2;
      tl::GmmaDescriptor desc_b_2;
      __syncthreads();
      tl::initialize_wgmma_descriptor<1, 1, 64>(desc_a_2, (&(((bfloat16_t*)p_s)[0])));
      tl::initialize_wgmma_descriptor<1, 1024, 64>(desc_b_2, (&(((bfloat16_t*)kv_s)[0])));
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_o + 0), 128);
      tl::warpgroup_arrive();
      tl::fence_proxy_async();
      #pragma unroll
      for (int ki_2 = 0; ki_2 < 8; ++ki_2) {
        tl::wgmma_ss<tl::DataType::kBFloat16, tl::DataType::kBFloat16, tl::DataType::kFloat32, 64, 256, 16, false, true, 1, 1>(uint64_t(desc_a_2 + ((((ki_2 >> 2) * 8192) + ((ki_2 & 3) * 32)) >> 4)), uint64_t(desc_b_2 + ((((((int)threadIdx.x) >> 7) * 65536) + (ki_2 * 2048)) >> 4)), ((uint32_t*)(acc_o + 0)), 1);
      }
      tl::warpgroup_commit_batch();
      tl::warpgroup_wait<0>();
      tl::warpgroup_fence_operand(reinterpret_cast<float*>(acc_o + 0), 128);
    }
  }
  #pragma unroll
  for (int i_17 = 0; i_17 < 64; ++i_17) {
    float broadcast_var_11 = 0x0p+0f/*0.000000e+00*/;
    float2 condval_22;
    if ((l_i[(i_17 & 1)] != 0x0p+0f/*0.000000e+00*/)) {
      float2 __17;
        float2 v__17 = *(float2*)(acc_o + (i_17 * 2));
        float2 v__18 = make_float2(l_i[(i_17 & 1)], l_i[(i_17 & 1)]);
        __17.x = (v__17.x/v__18.x);
        __17.y = (v__17.y/v__18.y);
      condval_22 = __17;
    } else {
      condval_22 = make_float2(broadcast_var_11, broadcast_var_11);
    }
    *(float2*)(acc_o + (i_17 * 2)) = condval_22;
  }
  #pragma unroll
  for (int i_18 = 0; i_18 < 2; ++i_18) {
    float condval_23;
    if ((l_i[i_18] != 0x0p+0f/*0.000000e+00*/)) {
      condval_23 = (log2f(l_i[i_18]) + (m_i[i_18] * (sm_scale * 0x1.71547652b82fep+0f/*1.442695e+00*/)));
    } else {
      condval_23 = -CUDART_INF_F;
    }
    m_prev[i_18] = condval_23;
  }
  if (num_splits == 1) {
    #pragma unroll
    for (int i_19 = 0; i_19 < 2; ++i_19) {
      float condval_24;
      if ((l_i[i_19] != 0x0p+0f/*0.000000e+00*/)) {
        condval_24 = (0x1p+0f/*1.000000e+00*/ / (0x1p+0f/*1.000000e+00*/ + exp2f(((AttnSink[((((((int)blockIdx.x) * 64) + (((((int)threadIdx.x) & 127) >> 5) * 16)) + (i_19 * 8)) + ((((int)threadIdx.x) & 31) >> 2))] * 0x1.71547652b82fep+0f/*1.442695e+00*/) - m_prev[i_19]))));
      } else {
        condval_24 = 0x0p+0f/*0.000000e+00*/;
      }
      alpha[i_19] = condval_24;
    }
    #pragma unroll
    for (int i_20 = 0; i_20 < 64; ++i_20) {
      bfloat16_t Out_local_cast_5[2];
      uint1 __18;
      float2 __19;
        float2 v__19 = *(float2*)(acc_o + (i_20 * 2));
        float2 v__20 = make_float2(alpha[(i_20 & 1)], alpha[(i_20 & 1)]);
        __19.x = (v__19.x*v__20.x);
        __19.y = (v__19.y*v__20.y);
      (reinterpret_cast<__nv_bfloat162*>(&__18))[0] = __float22bfloat162_rn(((float2*)(&__19))[0]);
      *(uint1*)(Out_local_cast_5 + 0) = __18;
      *(uint1*)(Out + ((((((((((int64_t)((int)blockIdx.z)) * (int64_t)65536) + (((int64_t)((int)blockIdx.x)) * (int64_t)32768)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_20) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)7) * (int64_t)256)) + ((((int64_t)i_20) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2))) = *(uint1*)(Out_local_cast_5 + 0);
    }
    if ((((((int)threadIdx.x) & 3) * 2) + (((int)threadIdx.x) >> 7)) == 0) {
      #pragma unroll
      for (int i_21 = 0; i_21 < 2; ++i_21) {
        float condval_25;
        if ((l_i[i_21] != 0x0p+0f/*0.000000e+00*/)) {
          condval_25 = (m_prev[i_21] * 0x1.62e42fefa39efp-1f/*6.931472e-01*/);
        } else {
          condval_25 = CUDART_INF_F;
        }
        int64_t rmod_44 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
        int64_t rdiv_33 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
        int64_t rmod_45 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
        int64_t rmod_46 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
        int64_t rdiv_34 = (((int64_t)((int)blockIdx.z)) / ((int64_t)s_q));
        int64_t rmod_47 = (((int64_t)((int)blockIdx.z)) % ((int64_t)s_q));
        Lse[(((((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_46)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_46 <= (int64_t)0))) ? rdiv_34 : (rdiv_34 - (int64_t)1)) * ((int64_t)s_q)) * (int64_t)128) + (((((((int64_t)((int)blockIdx.x)) * (int64_t)64) + (((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_21) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2)) * ((int64_t)s_q))) + (((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_47)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_47 <= (int64_t)0))) ? rmod_47 : (rmod_47 + ((int64_t)s_q))))] = condval_25;
      }
    }
  } else {
    if ((((((int)blockIdx.z) * num_splits) + ((int)blockIdx.y)) < num_partials) && (0 <= ((((int)blockIdx.z) * num_splits) + ((int)blockIdx.y)))) {
      #pragma unroll
      for (int i_22 = 0; i_22 < 64; ++i_22) {
        *(float2*)(PO + ((((((((((((int64_t)((int)blockIdx.z)) * ((int64_t)num_splits)) * (int64_t)65536) + (((int64_t)((int)blockIdx.y)) * (int64_t)65536)) + (((int64_t)((int)blockIdx.x)) * (int64_t)32768)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)5) * (int64_t)8192)) + ((((int64_t)i_22) & (int64_t)1) * (int64_t)4096)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2) * (int64_t)512)) + ((((int64_t)((int)threadIdx.x)) >> (int64_t)7) * (int64_t)256)) + ((((int64_t)i_22) >> (int64_t)1) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)3) * (int64_t)2))) = *(float2*)(acc_o + (i_22 * 2));
      }
    }
    if ((((((int)threadIdx.x) & 3) * 2) + (((int)threadIdx.x) >> 7)) == 0) {
      if ((((((int)blockIdx.z) * num_splits) + ((int)blockIdx.y)) < num_partials) && (0 <= ((((int)blockIdx.z) * num_splits) + ((int)blockIdx.y)))) {
        #pragma unroll
        for (int i_23 = 0; i_23 < 2; ++i_23) {
          PLse[(((((((((int64_t)((int)blockIdx.z)) * ((int64_t)num_splits)) * (int64_t)128) + (((int64_t)((int)blockIdx.y)) * (int64_t)128)) + (((int64_t)((int)blockIdx.x)) * (int64_t)64)) + (((((int64_t)((int)threadIdx.x)) & (int64_t)127) >> (int64_t)5) * (int64_t)16)) + (((int64_t)i_23) * (int64_t)8)) + ((((int64_t)((int)threadIdx.x)) & (int64_t)31) >> (int64_t)2))] = m_prev[i_23];
        }
      }
    }
  }
}

