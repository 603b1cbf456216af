#if defined(_MSC_VER) && !defined(__clang__) && _MSC_VER < 1940
#define _tl_orig_alignas alignas
#define alignas(N) _tl_orig_alignas((N) <= 64 ? (N) : 64)
#include <cuda.h>
#undef alignas
#define alignas _tl_orig_alignas
#endif
#include <tl_templates/cuda/atomic.h>
#include <tl_templates/cuda/reduce.h>
#include <tl_templates/cuda/scan.h>
#include <tl_templates/cuda/ldsm.h>
#include <tl_templates/cuda/threadblock_swizzle.h>
#include <tl_templates/cuda/debug.h>
#ifdef ENABLE_BF16
#include <tl_templates/cuda/cuda_bf16_fallbacks.cuh>
#endif

extern "C" __global__ void topk_kernel(const int* __restrict__ Ends, const float* __restrict__ Logits, int* __restrict__ Out, const int* __restrict__ Starts, int k, int n, int rows);
extern "C" __global__ void __launch_bounds__(1024, 1) topk_kernel(const int* __restrict__ Ends, const float* __restrict__ Logits, int* __restrict__ Out, const int* __restrict__ Starts, int k, int n, int rows) {
  extern __shared__ __align__(1024) uchar buf_dyn_shmem[];
  void* s_col = ((void*)((char*)buf_dyn_shmem + 0));
  void* s_key = ((void*)((char*)buf_dyn_shmem + 32768));
  void* hist = ((void*)((char*)buf_dyn_shmem + 65536));
  void* st = ((void*)((char*)buf_dyn_shmem + 73744));
  int start = 0;
  int end = 0;
  int seeded = 0;
  int nb0 = 0;
  uint xb = (uint)0;
  uint prefix[1];
  uint hi_mask[1];
  int done[1];
  int k_rem[1];
  int scan[2];
  uint seed = (uint)0;
  uint key = (uint)0;
  int pos = 0;
  uint prefix0 = (uint)0;
  uint mask0 = (uint)0;
  uint kb[1];
  start = min(max(Starts[((int64_t)((int)blockIdx.x))], 0), n);
  end = min(max(Ends[((int64_t)((int)blockIdx.x))], start), n);
  if ((end - start) <= k) {
    for (int it = 0; it < ((k + 1023) >> 10); ++it) {
      if (((it * 1024) + ((int)threadIdx.x)) < k) {
        int condval;
        if ((((it * 1024) + ((int)threadIdx.x)) < (end - start))) {
          condval = (((it * 1024) + start) + ((int)threadIdx.x));
        } else {
          condval = -1;
        }
        Out[(((((int64_t)it) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)k))) + ((int64_t)((int)threadIdx.x)))] = condval;
      }
    }
  } else {
    seeded = 0;
    nb0 = 0;
    int64_t rmod = (((((((int64_t)end) * (int64_t)96) + (((int64_t)k) * (int64_t)12)) - (((int64_t)start) * (int64_t)96)) - (int64_t)1) % (((int64_t)k) * (int64_t)12));
    int64_t rdiv = (((((((int64_t)end) * (int64_t)96) + (((int64_t)k) * (int64_t)12)) - (((int64_t)start) * (int64_t)96)) - (int64_t)1) / (((int64_t)k) * (int64_t)12));
    int runs = min(min(((int)(((((int64_t)0 <= ((int64_t)k)) && ((int64_t)0 <= rmod)) || ((((int64_t)k) < (int64_t)0) && (rmod <= (int64_t)0))) ? rdiv : (rdiv - (int64_t)1))), ((end - start) >> 6)), 1024);
    int64_t rmod_1 = ((((((((int64_t)k) * ((int64_t)runs)) * (int64_t)24) + (((int64_t)end) * (int64_t)2)) - (((int64_t)start) * (int64_t)2)) - (int64_t)1) % ((((int64_t)end) * (int64_t)2) - (((int64_t)start) * (int64_t)2)));
    int64_t rdiv_1 = ((((((((int64_t)k) * ((int64_t)runs)) * (int64_t)24) + (((int64_t)end) * (int64_t)2)) - (((int64_t)start) * (int64_t)2)) - (int64_t)1) / ((((int64_t)end) * (int64_t)2) - (((int64_t)start) * (int64_t)2)));
    int r = min(k, max(((int)(((((int64_t)0 <= (((int64_t)end) - ((int64_t)start))) && ((int64_t)0 <= rmod_1)) || (((((int64_t)end) - ((int64_t)start)) < (int64_t)0) && (rmod_1 <= (int64_t)0))) ? rdiv_1 : (rdiv_1 - (int64_t)1))), 64));
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      for (int it_1 = 0; it_1 < ((runs + 127) >> 7); ++it_1) {
        if (((it_1 * 1024) + ((int)threadIdx.x)) < (runs * 8)) {
          int rmod_2 = ((end - start) % runs);
          int rdiv_2 = ((end - start) / runs);
          int rmod_3 = ((end - start) % runs);
          int rdiv_3 = ((end - start) / runs);
          float condval_1;
          if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_2)) || ((runs < 0) && (rmod_2 <= 0))) ? rdiv_2 : (rdiv_2 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_3)) || ((runs < 0) && (rmod_3 <= 0))) ? rdiv_3 : (rdiv_3 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
            int64_t rmod_4 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
            int64_t rdiv_4 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
            int64_t rmod_5 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
            int64_t rdiv_5 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
            condval_1 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_5)) || ((((int64_t)runs) < (int64_t)0) && (rmod_5 <= (int64_t)0))) ? rdiv_5 : (rdiv_5 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
          } else {
            condval_1 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp = condval_1;
          xb = (*(uint *)(&(_reinterpret_tmp)));
          uint condval_3;
          if ((xb == (uint)2147483648)) {
            condval_3 = (uint)0;
          } else {
            condval_3 = xb;
          }
          uint condval_2;
          if (((uint)2139095040 < (condval_3 & (uint)2147483647))) {
            condval_2 = (uint)0;
          } else {
            uint condval_5;
            if ((xb == (uint)2147483648)) {
              condval_5 = (uint)0;
            } else {
              condval_5 = xb;
            }
            uint condval_4;
            if (((condval_5 & (uint)2147483648) != (uint)0)) {
              uint condval_6;
              if ((xb == (uint)2147483648)) {
                condval_6 = (uint)0;
              } else {
                condval_6 = xb;
              }
              condval_4 = (~condval_6);
            } else {
              uint condval_7;
              if ((xb == (uint)2147483648)) {
                condval_7 = (uint)0;
              } else {
                condval_7 = xb;
              }
              condval_4 = (condval_7 | (uint)2147483648);
            }
            condval_2 = condval_4;
          }
          ((uint*)s_key)[((((int64_t)it_1) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] = condval_2;
        }
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      __syncthreads();
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      prefix[0] = (uint)0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      hi_mask[0] = (uint)0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      done[0] = 0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      if (((int)threadIdx.x) < 8) {
        ((int*)st)[((int)threadIdx.x)] = 0;
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      __syncthreads();
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      k_rem[0] = r;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      for (int p = 0; p < 3; ++p) {
        bool if_condition = (done[0] == 0);
        if (if_condition) {
          #pragma unroll
          for (int j = 0; j < 3; ++j) {
            if (((j * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_2 = 0; it_2 < ((runs + 127) >> 7); ++it_2) {
            if (((it_2 * 1024) + ((int)threadIdx.x)) < (runs * 8)) {
              if ((((uint*)s_key)[((((int64_t)it_2) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
                AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_2) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> ((uint)max((21 - (p * 11)), 0))) & (((uint)1 << ((uint)(min(-21, (p * -11)) + 32))) - (uint)1)))])), 1);
              }
            }
          }
          __syncthreads();
          #pragma unroll
          for (int step = 0; step < 11; ++step) {
            #pragma unroll
            for (int j_1 = 0; j_1 < 2; ++j_1) {
              int condval_8;
              if (((((((int)threadIdx.x) + (1 << step)) >> 10) + j_1) < 2)) {
                condval_8 = ((int*)hist)[(((j_1 * 1024) + ((int)threadIdx.x)) + (1 << step))];
              } else {
                condval_8 = 0;
              }
              scan[j_1] = (((int*)hist)[((j_1 * 1024) + ((int)threadIdx.x))] + condval_8);
            }
            __syncthreads();
            #pragma unroll
            for (int j_2 = 0; j_2 < 2; ++j_2) {
              ((int*)hist)[((j_2 * 1024) + ((int)threadIdx.x))] = scan[j_2];
            }
            __syncthreads();
          }
          #pragma unroll
          for (int j_3 = 0; j_3 < 2; ++j_3) {
            if ((k_rem[0] <= ((int*)hist)[((j_3 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_3 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[3] = ((j_3 * 1024) + ((int)threadIdx.x));
            }
            if ((k_rem[0] <= ((int*)hist)[((j_3 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_3 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_3 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
            if ((k_rem[0] <= ((int*)hist)[((j_3 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_3 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[5] = (((int*)hist)[((j_3 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_3 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
          }
          __syncthreads();
          k_rem[0] = ((int*)st)[4];
          prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << ((uint)max((21 - (p * 11)), 0))));
          hi_mask[0] = (hi_mask[0] | ((((uint)1 << ((uint)(min(-21, (p * -11)) + 32))) - (uint)1) << ((uint)max((21 - (p * 11)), 0))));
          if (((int*)st)[5] == k_rem[0]) {
            done[0] = 1;
          }
        }
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      seed = prefix[0];
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      __syncthreads();
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      prefix[0] = (uint)0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      hi_mask[0] = (uint)0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      done[0] = 0;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      if (((int)threadIdx.x) < 8) {
        ((int*)st)[((int)threadIdx.x)] = 0;
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      __syncthreads();
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      k_rem[0] = k;
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      for (int it_3 = 0; it_3 < (((end + 1023) - start) >> 10); ++it_3) {
        int c = (((it_3 * 1024) + start) + ((int)threadIdx.x));
        if (c < end) {
          float condval_9;
          if (((c < n) && (0 <= c))) {
            condval_9 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c))];
          } else {
            condval_9 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_1 = condval_9;
          xb = (*(uint *)(&(_reinterpret_tmp_1)));
        }
        if (c < end) {
          uint condval_11;
          if ((xb == (uint)2147483648)) {
            condval_11 = (uint)0;
          } else {
            condval_11 = xb;
          }
          uint condval_10;
          if (((uint)2139095040 < (condval_11 & (uint)2147483647))) {
            condval_10 = (uint)0;
          } else {
            uint condval_13;
            if ((xb == (uint)2147483648)) {
              condval_13 = (uint)0;
            } else {
              condval_13 = xb;
            }
            uint condval_12;
            if (((condval_13 & (uint)2147483648) != (uint)0)) {
              uint condval_14;
              if ((xb == (uint)2147483648)) {
                condval_14 = (uint)0;
              } else {
                condval_14 = xb;
              }
              condval_12 = (~condval_14);
            } else {
              uint condval_15;
              if ((xb == (uint)2147483648)) {
                condval_15 = (uint)0;
              } else {
                condval_15 = xb;
              }
              condval_12 = (condval_15 | (uint)2147483648);
            }
            condval_10 = condval_12;
          }
          key = condval_10;
        }
        if (c < end) {
          if (seed <= key) {
            pos = atomicAdd((&(((int*)st)[1])), 1);
          }
        }
        if (c < end) {
          if (seed <= key) {
            if (pos < 8192) {
              ((uint*)s_key)[pos] = key;
            }
          }
        }
        if (c < end) {
          if (seed <= key) {
            if (pos < 8192) {
              ((int*)s_col)[pos] = c;
            }
          }
        }
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      __syncthreads();
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      if ((k <= ((int*)st)[1]) && (((int*)st)[1] <= 8192)) {
        seeded = 1;
      }
    }
    if (((k <= 4096) && ((max(((int64_t)k), (int64_t)1024) * (int64_t)8) <= (((int64_t)end) - ((int64_t)start)))) && ((((((int64_t)end) * (int64_t)3) - (((int64_t)start) * (int64_t)3)) * ((int64_t)r)) <= (((int64_t)runs) * (int64_t)131072))) {
      if ((k <= ((int*)st)[1]) && (((int*)st)[1] <= 8192)) {
        nb0 = ((int*)st)[1];
      }
    }
    if (seeded == 1) {
      __syncthreads();
      prefix[0] = (uint)0;
      hi_mask[0] = (uint)0;
      done[0] = 0;
      if (((int)threadIdx.x) < 8) {
        ((int*)st)[((int)threadIdx.x)] = 0;
      }
      __syncthreads();
      k_rem[0] = k;
      prefix0 = (uint)0;
      mask0 = (uint)0;
      int count = nb0;
      for (int p_1 = 0; p_1 < 3; ++p_1) {
        bool if_condition_1 = (done[0] == 0);
        if (if_condition_1) {
          #pragma unroll
          for (int j_4 = 0; j_4 < 3; ++j_4) {
            if (((j_4 * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j_4 * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_4 = 0; it_4 < ((count + 1023) >> 10); ++it_4) {
            if (((it_4 * 1024) + ((int)threadIdx.x)) < count) {
              if ((((uint*)s_key)[((((int64_t)it_4) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
                AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_4) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> ((uint)max((21 - (p_1 * 11)), 0))) & (((uint)1 << ((uint)(min(-21, (p_1 * -11)) + 32))) - (uint)1)))])), 1);
              }
            }
          }
          __syncthreads();
          #pragma unroll
          for (int step_1 = 0; step_1 < 11; ++step_1) {
            #pragma unroll
            for (int j_5 = 0; j_5 < 2; ++j_5) {
              int condval_16;
              if (((((((int)threadIdx.x) + (1 << step_1)) >> 10) + j_5) < 2)) {
                condval_16 = ((int*)hist)[(((j_5 * 1024) + ((int)threadIdx.x)) + (1 << step_1))];
              } else {
                condval_16 = 0;
              }
              scan[j_5] = (((int*)hist)[((j_5 * 1024) + ((int)threadIdx.x))] + condval_16);
            }
            __syncthreads();
            #pragma unroll
            for (int j_6 = 0; j_6 < 2; ++j_6) {
              ((int*)hist)[((j_6 * 1024) + ((int)threadIdx.x))] = scan[j_6];
            }
            __syncthreads();
          }
          #pragma unroll
          for (int j_7 = 0; j_7 < 2; ++j_7) {
            if ((k_rem[0] <= ((int*)hist)[((j_7 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_7 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[3] = ((j_7 * 1024) + ((int)threadIdx.x));
            }
            if ((k_rem[0] <= ((int*)hist)[((j_7 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_7 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_7 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
            if ((k_rem[0] <= ((int*)hist)[((j_7 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_7 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[5] = (((int*)hist)[((j_7 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_7 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
          }
          __syncthreads();
          k_rem[0] = ((int*)st)[4];
          prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << ((uint)max((21 - (p_1 * 11)), 0))));
          hi_mask[0] = (hi_mask[0] | ((((uint)1 << ((uint)(min(-21, (p_1 * -11)) + 32))) - (uint)1) << ((uint)max((21 - (p_1 * 11)), 0))));
          if (((int*)st)[5] == k_rem[0]) {
            done[0] = 1;
          }
        }
      }
    } else {
      __syncthreads();
      prefix[0] = (uint)0;
      hi_mask[0] = (uint)0;
      done[0] = 0;
      if (((int)threadIdx.x) < 8) {
        ((int*)st)[((int)threadIdx.x)] = 0;
      }
      __syncthreads();
      k_rem[0] = k;
      int start_1 = start;
      int end_1 = end;
      #pragma unroll
      for (int j_8 = 0; j_8 < 3; ++j_8) {
        if (((j_8 * 1024) + ((int)threadIdx.x)) <= 2048) {
          ((int*)hist)[((j_8 * 1024) + ((int)threadIdx.x))] = 0;
        }
      }
      __syncthreads();
      for (int it_5 = 0; it_5 < (((end_1 + 1023) - start_1) >> 10); ++it_5) {
        if ((((it_5 * 1024) + start_1) + ((int)threadIdx.x)) < end_1) {
          float condval_17;
          if ((((((it_5 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_5 * 1024) + start_1) + ((int)threadIdx.x))))) {
            condval_17 = Logits[((((((int64_t)it_5) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
          } else {
            condval_17 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_2 = condval_17;
          kb[0] = (*(uint *)(&(_reinterpret_tmp_2)));
          uint condval_19;
          if ((kb[0] == (uint)2147483648)) {
            condval_19 = (uint)0;
          } else {
            condval_19 = kb[0];
          }
          uint condval_18;
          if (((uint)2139095040 < (condval_19 & (uint)2147483647))) {
            condval_18 = (uint)0;
          } else {
            uint condval_21;
            if ((kb[0] == (uint)2147483648)) {
              condval_21 = (uint)0;
            } else {
              condval_21 = kb[0];
            }
            uint condval_20;
            if (((condval_21 & (uint)2147483648) != (uint)0)) {
              uint condval_22;
              if ((kb[0] == (uint)2147483648)) {
                condval_22 = (uint)0;
              } else {
                condval_22 = kb[0];
              }
              condval_20 = (~condval_22);
            } else {
              uint condval_23;
              if ((kb[0] == (uint)2147483648)) {
                condval_23 = (uint)0;
              } else {
                condval_23 = kb[0];
              }
              condval_20 = (condval_23 | (uint)2147483648);
            }
            condval_18 = condval_20;
          }
          kb[0] = condval_18;
          if ((kb[0] & hi_mask[0]) == prefix[0]) {
            AtomicAdd((&(((int*)hist)[((int)((kb[0] >> (uint)21) & (((uint)1 << (uint)11) - (uint)1)))])), 1);
          }
        }
      }
      __syncthreads();
      #pragma unroll
      for (int step_2 = 0; step_2 < 11; ++step_2) {
        #pragma unroll
        for (int j_9 = 0; j_9 < 2; ++j_9) {
          int condval_24;
          if (((((((int)threadIdx.x) + (1 << step_2)) >> 10) + j_9) < 2)) {
            condval_24 = ((int*)hist)[(((j_9 * 1024) + ((int)threadIdx.x)) + (1 << step_2))];
          } else {
            condval_24 = 0;
          }
          scan[j_9] = (((int*)hist)[((j_9 * 1024) + ((int)threadIdx.x))] + condval_24);
        }
        __syncthreads();
        #pragma unroll
        for (int j_10 = 0; j_10 < 2; ++j_10) {
          ((int*)hist)[((j_10 * 1024) + ((int)threadIdx.x))] = scan[j_10];
        }
        __syncthreads();
      }
      #pragma unroll
      for (int j_11 = 0; j_11 < 2; ++j_11) {
        if ((k_rem[0] <= ((int*)hist)[((j_11 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_11 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[3] = ((j_11 * 1024) + ((int)threadIdx.x));
        }
        if ((k_rem[0] <= ((int*)hist)[((j_11 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_11 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_11 * 1024) + ((int)threadIdx.x)) + 1)]);
        }
        if ((k_rem[0] <= ((int*)hist)[((j_11 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_11 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[5] = (((int*)hist)[((j_11 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_11 * 1024) + ((int)threadIdx.x)) + 1)]);
        }
      }
      __syncthreads();
      k_rem[0] = ((int*)st)[4];
      prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)21));
      hi_mask[0] = (hi_mask[0] | ((((uint)1 << (uint)11) - (uint)1) << (uint)21));
      if (((int*)st)[5] == k_rem[0]) {
        done[0] = 1;
      }
      nb0 = ((int*)st)[5];
      prefix0 = prefix[0];
      mask0 = hi_mask[0];
      __syncthreads();
      for (int it_6 = 0; it_6 < (((end + 1023) - start) >> 10); ++it_6) {
        int c_1 = (((it_6 * 1024) + start) + ((int)threadIdx.x));
        if (c_1 < end) {
          float condval_25;
          if (((c_1 < n) && (0 <= c_1))) {
            condval_25 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_1))];
          } else {
            condval_25 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_3 = condval_25;
          xb = (*(uint *)(&(_reinterpret_tmp_3)));
        }
        if (c_1 < end) {
          uint condval_27;
          if ((xb == (uint)2147483648)) {
            condval_27 = (uint)0;
          } else {
            condval_27 = xb;
          }
          uint condval_26;
          if (((uint)2139095040 < (condval_27 & (uint)2147483647))) {
            condval_26 = (uint)0;
          } else {
            uint condval_29;
            if ((xb == (uint)2147483648)) {
              condval_29 = (uint)0;
            } else {
              condval_29 = xb;
            }
            uint condval_28;
            if (((condval_29 & (uint)2147483648) != (uint)0)) {
              uint condval_30;
              if ((xb == (uint)2147483648)) {
                condval_30 = (uint)0;
              } else {
                condval_30 = xb;
              }
              condval_28 = (~condval_30);
            } else {
              uint condval_31;
              if ((xb == (uint)2147483648)) {
                condval_31 = (uint)0;
              } else {
                condval_31 = xb;
              }
              condval_28 = (condval_31 | (uint)2147483648);
            }
            condval_26 = condval_28;
          }
          key = condval_26;
        }
        if (c_1 < end) {
          if (prefix0 < (key & mask0)) {
            pos = atomicAdd((&(((int*)st)[0])), 1);
            if (0 <= pos) {
              if (pos < k) {
                Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = c_1;
              }
            }
          } else {
            if (((key & mask0) == prefix0) && (nb0 <= 8192)) {
              pos = atomicAdd((&(((int*)st)[1])), 1);
            }
            if (((key & mask0) == prefix0) && (nb0 <= 8192)) {
              ((uint*)s_key)[pos] = key;
            }
            if (((key & mask0) == prefix0) && (nb0 <= 8192)) {
              ((int*)s_col)[pos] = c_1;
            }
          }
        }
      }
      __syncthreads();
      for (int p_2 = 1; p_2 < 3; ++p_2) {
        bool if_condition_2 = (done[0] == 0);
        if (if_condition_2) {
          if (nb0 <= 8192) {
            int count_1 = nb0;
            #pragma unroll
            for (int j_12 = 0; j_12 < 3; ++j_12) {
              if (((j_12 * 1024) + ((int)threadIdx.x)) <= 2048) {
                ((int*)hist)[((j_12 * 1024) + ((int)threadIdx.x))] = 0;
              }
            }
            __syncthreads();
            for (int it_7 = 0; it_7 < ((count_1 + 1023) >> 10); ++it_7) {
              if (((it_7 * 1024) + ((int)threadIdx.x)) < count_1) {
                if ((((uint*)s_key)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
                  AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> ((uint)max((21 - (p_2 * 11)), 0))) & (((uint)1 << ((uint)(min(-21, (p_2 * -11)) + 32))) - (uint)1)))])), 1);
                }
              }
            }
          } else {
            int start_2 = start;
            int end_2 = end;
            #pragma unroll
            for (int j_13 = 0; j_13 < 3; ++j_13) {
              if (((j_13 * 1024) + ((int)threadIdx.x)) <= 2048) {
                ((int*)hist)[((j_13 * 1024) + ((int)threadIdx.x))] = 0;
              }
            }
            __syncthreads();
            for (int it_8 = 0; it_8 < (((end_2 + 1023) - start_2) >> 10); ++it_8) {
              if ((((it_8 * 1024) + start_2) + ((int)threadIdx.x)) < end_2) {
                float condval_32;
                if ((((((it_8 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_8 * 1024) + start_2) + ((int)threadIdx.x))))) {
                  condval_32 = Logits[((((((int64_t)it_8) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_32 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_4 = condval_32;
                kb[0] = (*(uint *)(&(_reinterpret_tmp_4)));
                uint condval_34;
                if ((kb[0] == (uint)2147483648)) {
                  condval_34 = (uint)0;
                } else {
                  condval_34 = kb[0];
                }
                uint condval_33;
                if (((uint)2139095040 < (condval_34 & (uint)2147483647))) {
                  condval_33 = (uint)0;
                } else {
                  uint condval_36;
                  if ((kb[0] == (uint)2147483648)) {
                    condval_36 = (uint)0;
                  } else {
                    condval_36 = kb[0];
                  }
                  uint condval_35;
                  if (((condval_36 & (uint)2147483648) != (uint)0)) {
                    uint condval_37;
                    if ((kb[0] == (uint)2147483648)) {
                      condval_37 = (uint)0;
                    } else {
                      condval_37 = kb[0];
                    }
                    condval_35 = (~condval_37);
                  } else {
                    uint condval_38;
                    if ((kb[0] == (uint)2147483648)) {
                      condval_38 = (uint)0;
                    } else {
                      condval_38 = kb[0];
                    }
                    condval_35 = (condval_38 | (uint)2147483648);
                  }
                  condval_33 = condval_35;
                }
                kb[0] = condval_33;
                if ((kb[0] & hi_mask[0]) == prefix[0]) {
                  AtomicAdd((&(((int*)hist)[((int)((kb[0] >> ((uint)max((21 - (p_2 * 11)), 0))) & (((uint)1 << ((uint)(min(-21, (p_2 * -11)) + 32))) - (uint)1)))])), 1);
                }
              }
            }
          }
          __syncthreads();
          #pragma unroll
          for (int step_3 = 0; step_3 < 11; ++step_3) {
            #pragma unroll
            for (int j_14 = 0; j_14 < 2; ++j_14) {
              int condval_39;
              if (((((((int)threadIdx.x) + (1 << step_3)) >> 10) + j_14) < 2)) {
                condval_39 = ((int*)hist)[(((j_14 * 1024) + ((int)threadIdx.x)) + (1 << step_3))];
              } else {
                condval_39 = 0;
              }
              scan[j_14] = (((int*)hist)[((j_14 * 1024) + ((int)threadIdx.x))] + condval_39);
            }
            __syncthreads();
            #pragma unroll
            for (int j_15 = 0; j_15 < 2; ++j_15) {
              ((int*)hist)[((j_15 * 1024) + ((int)threadIdx.x))] = scan[j_15];
            }
            __syncthreads();
          }
          #pragma unroll
          for (int j_16 = 0; j_16 < 2; ++j_16) {
            if ((k_rem[0] <= ((int*)hist)[((j_16 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_16 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[3] = ((j_16 * 1024) + ((int)threadIdx.x));
            }
            if ((k_rem[0] <= ((int*)hist)[((j_16 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_16 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_16 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
            if ((k_rem[0] <= ((int*)hist)[((j_16 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_16 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
              ((int*)st)[5] = (((int*)hist)[((j_16 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_16 * 1024) + ((int)threadIdx.x)) + 1)]);
            }
          }
          __syncthreads();
          k_rem[0] = ((int*)st)[4];
          prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << ((uint)max((21 - (p_2 * 11)), 0))));
          hi_mask[0] = (hi_mask[0] | ((((uint)1 << ((uint)(min(-21, (p_2 * -11)) + 32))) - (uint)1) << ((uint)max((21 - (p_2 * 11)), 0))));
          if (((int*)st)[5] == k_rem[0]) {
            done[0] = 1;
          }
        }
      }
    }
    if (nb0 <= 8192) {
      for (int it_9 = 0; it_9 < ((nb0 + 1023) >> 10); ++it_9) {
        if (((it_9 * 1024) + ((int)threadIdx.x)) < nb0) {
          key = ((uint*)s_key)[((((int64_t)it_9) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
        }
        if (((it_9 * 1024) + ((int)threadIdx.x)) < nb0) {
          if (prefix[0] < (key & hi_mask[0])) {
            pos = atomicAdd((&(((int*)st)[0])), 1);
            if (0 <= pos) {
              if (pos < k) {
                Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = ((int*)s_col)[((((int64_t)it_9) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
              }
            }
          } else {
            if ((key & hi_mask[0]) == prefix[0]) {
              pos = atomicAdd((&(((int*)st)[2])), 1);
            }
            if ((key & hi_mask[0]) == prefix[0]) {
              if (pos < k_rem[0]) {
                if (0 <= ((k + pos) - k_rem[0])) {
                  if (((k + pos) - k_rem[0]) < k) {
                    Out[((((((int64_t)((int)blockIdx.x)) + (int64_t)1) * ((int64_t)k)) + ((int64_t)pos)) - ((int64_t)k_rem[(int64_t)0]))] = ((int*)s_col)[((((int64_t)it_9) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
                  }
                }
              }
            }
          }
        }
      }
    } else {
      for (int it_10 = 0; it_10 < (((end + 1023) - start) >> 10); ++it_10) {
        int c_2 = (((it_10 * 1024) + start) + ((int)threadIdx.x));
        if (c_2 < end) {
          float condval_40;
          if (((c_2 < n) && (0 <= c_2))) {
            condval_40 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_2))];
          } else {
            condval_40 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_5 = condval_40;
          xb = (*(uint *)(&(_reinterpret_tmp_5)));
        }
        if (c_2 < end) {
          uint condval_42;
          if ((xb == (uint)2147483648)) {
            condval_42 = (uint)0;
          } else {
            condval_42 = xb;
          }
          uint condval_41;
          if (((uint)2139095040 < (condval_42 & (uint)2147483647))) {
            condval_41 = (uint)0;
          } else {
            uint condval_44;
            if ((xb == (uint)2147483648)) {
              condval_44 = (uint)0;
            } else {
              condval_44 = xb;
            }
            uint condval_43;
            if (((condval_44 & (uint)2147483648) != (uint)0)) {
              uint condval_45;
              if ((xb == (uint)2147483648)) {
                condval_45 = (uint)0;
              } else {
                condval_45 = xb;
              }
              condval_43 = (~condval_45);
            } else {
              uint condval_46;
              if ((xb == (uint)2147483648)) {
                condval_46 = (uint)0;
              } else {
                condval_46 = xb;
              }
              condval_43 = (condval_46 | (uint)2147483648);
            }
            condval_41 = condval_43;
          }
          key = condval_41;
        }
        if (c_2 < end) {
          if ((key & mask0) == prefix0) {
            if (prefix[0] < (key & hi_mask[0])) {
              pos = atomicAdd((&(((int*)st)[0])), 1);
              if (0 <= pos) {
                if (pos < k) {
                  Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = c_2;
                }
              }
            } else {
              if ((key & hi_mask[0]) == prefix[0]) {
                pos = atomicAdd((&(((int*)st)[2])), 1);
              }
              if ((key & hi_mask[0]) == prefix[0]) {
                if (pos < k_rem[0]) {
                  if (0 <= ((k + pos) - k_rem[0])) {
                    if (((k + pos) - k_rem[0]) < k) {
                      Out[((((((int64_t)((int)blockIdx.x)) + (int64_t)1) * ((int64_t)k)) + ((int64_t)pos)) - ((int64_t)k_rem[(int64_t)0]))] = c_2;
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

