#if defined(_MSC_VER) && !defined(__clang__) && _MSC_VER < 1940
#define _tl_orig_alignas alignas
#define alignas(N) _tl_orig_alignas((N) <= 64 ? (N) : 64)
#include <cuda.h>
#undef alignas
#define alignas _tl_orig_alignas
#endif
#include <math_constants.h>
#include <tl_templates/cuda/reduce.h>
#include <tl_templates/cuda/scan.h>
#include <tl_templates/cuda/ldsm.h>
#include <tl_templates/cuda/threadblock_swizzle.h>
#include <tl_templates/cuda/debug.h>
#ifdef ENABLE_BF16
#include <tl_templates/cuda/cuda_bf16_fallbacks.cuh>
#endif

extern "C" __global__ void sparse_mla_decode_combine_kernel(const float* __restrict__ AttnSink, float* __restrict__ Lse, bfloat16_t* __restrict__ Out, const float* __restrict__ PLse, const float* __restrict__ PO, int batch, int num_partials, int num_splits, int s_q);
extern "C" __global__ void __launch_bounds__(128, 1) sparse_mla_decode_combine_kernel(const float* __restrict__ AttnSink, float* __restrict__ Lse, bfloat16_t* __restrict__ Out, const float* __restrict__ PLse, const float* __restrict__ PO, int batch, int num_partials, int num_splits, int s_q) {
  float m[4];
  float tot[4];
  float acc[32];
  float w[4];
  float broadcast_var = -CUDART_INF_F;
  *(float4*)(m + 0) = make_float4(broadcast_var, broadcast_var, broadcast_var, broadcast_var);
  float broadcast_var_1 = 0x0p+0f/*0.000000e+00*/;
  *(float4*)(tot + 0) = make_float4(broadcast_var_1, broadcast_var_1, broadcast_var_1, broadcast_var_1);
  #pragma unroll
  for (int i = 0; i < 8; ++i) {
    float broadcast_var_2 = 0x0p+0f/*0.000000e+00*/;
    *(float4*)(acc + (i * 4)) = make_float4(broadcast_var_2, broadcast_var_2, broadcast_var_2, broadcast_var_2);
  }
  for (int s = 0; s < num_splits; ++s) {
    #pragma unroll
    for (int i_1 = 0; i_1 < 4; ++i_1) {
      float condval;
      if ((((((int)blockIdx.y) * num_splits) + s) < num_partials)) {
        condval = PLse[((((((((int64_t)((int)blockIdx.y)) * ((int64_t)num_splits)) * (int64_t)128) + (((int64_t)s) * (int64_t)128)) + (((int64_t)((int)blockIdx.x)) * (int64_t)8)) + (((int64_t)i_1) * (int64_t)2)) + (((int64_t)((int)threadIdx.x)) >> (int64_t)6))];
      } else {
        condval = 0x0p+0f/*0.000000e+00*/;
      }
      m[i_1] = max(m[i_1], condval);
    }
  }
  #pragma unroll
  for (int i_2 = 0; i_2 < 4; ++i_2) {
    float condval_1;
    if ((m[i_2] == -CUDART_INF_F)) {
      condval_1 = 0x0p+0f/*0.000000e+00*/;
    } else {
      condval_1 = m[i_2];
    }
    m[i_2] = condval_1;
  }
  for (int s_1 = 0; s_1 < num_splits; ++s_1) {
    #pragma unroll
    for (int i_3 = 0; i_3 < 4; ++i_3) {
      float condval_2;
      if ((((((int)blockIdx.y) * num_splits) + s_1) < num_partials)) {
        condval_2 = PLse[((((((((int64_t)((int)blockIdx.y)) * ((int64_t)num_splits)) * (int64_t)128) + (((int64_t)s_1) * (int64_t)128)) + (((int64_t)((int)blockIdx.x)) * (int64_t)8)) + (((int64_t)i_3) * (int64_t)2)) + (((int64_t)((int)threadIdx.x)) >> (int64_t)6))];
      } else {
        condval_2 = 0x0p+0f/*0.000000e+00*/;
      }
      w[i_3] = exp2f((condval_2 - m[i_3]));
      tot[i_3] = (tot[i_3] + w[i_3]);
    }
    #pragma unroll
    for (int i_4 = 0; i_4 < 8; ++i_4) {
      float broadcast_var_3 = 0x0p+0f/*0.000000e+00*/;
      float broadcast_var_4 = 0x0p+0f/*0.000000e+00*/;
      float4 __1;
        float4 v_ = *(float4*)(acc + (i_4 * 4));
        float4 condval_3;
        if ((0x0p+0f/*0.000000e+00*/ < w[(i_4 >> 1)])) {
          float4 __2;
            float4 v__1 = make_float4(w[(i_4 >> 1)], w[(i_4 >> 1)], w[(i_4 >> 1)], w[(i_4 >> 1)]);
            float4 condval_4;
            if ((((((int)blockIdx.y) * num_splits) + s_1) < num_partials)) {
              condval_4 = *(float4*)(PO + (((((((((int64_t)((int)blockIdx.y)) * ((int64_t)num_splits)) * (int64_t)65536) + (((int64_t)s_1) * (int64_t)65536)) + (((int64_t)((int)blockIdx.x)) * (int64_t)4096)) + ((((int64_t)i_4) >> (int64_t)1) * (int64_t)1024)) + (((int64_t)((int)threadIdx.x)) * (int64_t)8)) + ((((int64_t)i_4) & (int64_t)1) * (int64_t)4)));
            } else {
              condval_4 = make_float4(broadcast_var_3, broadcast_var_3, broadcast_var_3, broadcast_var_3);
            }
            __2.x = (v__1.x*condval_4.x);
            __2.y = (v__1.y*condval_4.y);
            __2.z = (v__1.z*condval_4.z);
            __2.w = (v__1.w*condval_4.w);
          condval_3 = __2;
        } else {
          condval_3 = make_float4(broadcast_var_4, broadcast_var_4, broadcast_var_4, broadcast_var_4);
        }
        __1.x = (v_.x+condval_3.x);
        __1.y = (v_.y+condval_3.y);
        __1.z = (v_.z+condval_3.z);
        __1.w = (v_.w+condval_3.w);
      *(float4*)(acc + (i_4 * 4)) = __1;
    }
  }
  #pragma unroll
  for (int i_5 = 0; i_5 < 4; ++i_5) {
    float condval_5;
    if ((tot[i_5] != 0x0p+0f/*0.000000e+00*/)) {
      condval_5 = (0x1p+0f/*1.000000e+00*/ / (tot[i_5] * (0x1p+0f/*1.000000e+00*/ + exp2f(((AttnSink[(((((int)blockIdx.x) * 8) + (i_5 * 2)) + (((int)threadIdx.x) >> 6))] * 0x1.71547652b82fep+0f/*1.442695e+00*/) - (m[i_5] + log2f(tot[i_5])))))));
    } else {
      condval_5 = 0x0p+0f/*0.000000e+00*/;
    }
    w[i_5] = condval_5;
  }
  #pragma unroll
  for (int i_6 = 0; i_6 < 4; ++i_6) {
    bfloat16_t Out_local_cast[8];
    for (int vec = 0; vec < 2; ++vec) {
      uint2 __3;
      float4 __4;
        float4 v__2 = *(float4*)(acc + ((i_6 * 8) + (vec * 4)));
        float4 v__3 = make_float4(w[i_6], w[i_6], w[i_6], w[i_6]);
        __4.x = (v__2.x*v__3.x);
        __4.y = (v__2.y*v__3.y);
        __4.z = (v__2.z*v__3.z);
        __4.w = (v__2.w*v__3.w);
      (reinterpret_cast<__nv_bfloat162*>(&__3))[0] = __float22bfloat162_rn(((float2*)(&__4))[0]);
      (reinterpret_cast<__nv_bfloat162*>(&__3))[1] = __float22bfloat162_rn(((float2*)(&__4))[1]);
      *(uint2*)(Out_local_cast + (vec * 4)) = __3;
    }
    *(uint4*)(Out + ((((((int64_t)((int)blockIdx.y)) * (int64_t)65536) + (((int64_t)((int)blockIdx.x)) * (int64_t)4096)) + (((int64_t)i_6) * (int64_t)1024)) + (((int64_t)((int)threadIdx.x)) * (int64_t)8))) = *(uint4*)(Out_local_cast + 0);
  }
  if ((((int)threadIdx.x) % 64) == 0) {
    #pragma unroll
    for (int i_7 = 0; i_7 < 4; ++i_7) {
      float condval_6;
      if ((tot[i_7] != 0x0p+0f/*0.000000e+00*/)) {
        condval_6 = ((m[i_7] + log2f(tot[i_7])) * 0x1.62e42fefa39efp-1f/*6.931472e-01*/);
      } else {
        condval_6 = CUDART_INF_F;
      }
      int64_t rmod = (((int64_t)((int)blockIdx.y)) % ((int64_t)s_q));
      int64_t rdiv = (((int64_t)((int)blockIdx.y)) / ((int64_t)s_q));
      int64_t rmod_1 = (((int64_t)((int)blockIdx.y)) % ((int64_t)s_q));
      int64_t rmod_2 = (((int64_t)((int)blockIdx.y)) % ((int64_t)s_q));
      int64_t rdiv_1 = (((int64_t)((int)blockIdx.y)) / ((int64_t)s_q));
      int64_t rmod_3 = (((int64_t)((int)blockIdx.y)) % ((int64_t)s_q));
      Lse[(((((((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_2)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_2 <= (int64_t)0))) ? rdiv_1 : (rdiv_1 - (int64_t)1)) * ((int64_t)s_q)) * (int64_t)128) + ((((((int64_t)((int)blockIdx.x)) * (int64_t)8) + (((int64_t)i_7) * (int64_t)2)) + (((int64_t)((int)threadIdx.x)) >> (int64_t)6)) * ((int64_t)s_q))) + (((((int64_t)0 <= ((int64_t)s_q)) && ((int64_t)0 <= rmod_3)) || ((((int64_t)s_q) < (int64_t)0) && (rmod_3 <= (int64_t)0))) ? rmod_3 : (rmod_3 + ((int64_t)s_q))))] = condval_6;
    }
  }
}

