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
  uint prefix[1];
  uint hi_mask[1];
  int done[1];
  int k_rem[1];
  int scan[2];
  uint seed = (uint)0;
  uint xb = (uint)0;
  uint key = (uint)0;
  int pos = 0;
  uint prefix0 = (uint)0;
  uint mask0 = (uint)0;
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
          float condval_3;
          if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_2)) || ((runs < 0) && (rmod_2 <= 0))) ? rdiv_2 : (rdiv_2 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_3)) || ((runs < 0) && (rmod_3 <= 0))) ? rdiv_3 : (rdiv_3 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
            int64_t rmod_4 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
            int64_t rdiv_4 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
            int64_t rmod_5 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
            int64_t rdiv_5 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
            condval_3 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_5)) || ((((int64_t)runs) < (int64_t)0) && (rmod_5 <= (int64_t)0))) ? rdiv_5 : (rdiv_5 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
          } else {
            condval_3 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp = condval_3;
          uint condval_2;
          if (((*(uint *)(&(_reinterpret_tmp))) == (uint)2147483648)) {
            condval_2 = (uint)0;
          } else {
            int rmod_6 = ((end - start) % runs);
            int rdiv_6 = ((end - start) / runs);
            int rmod_7 = ((end - start) % runs);
            int rdiv_7 = ((end - start) / runs);
            float condval_4;
            if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_6)) || ((runs < 0) && (rmod_6 <= 0))) ? rdiv_6 : (rdiv_6 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_7)) || ((runs < 0) && (rmod_7 <= 0))) ? rdiv_7 : (rdiv_7 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
              int64_t rmod_8 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
              int64_t rdiv_8 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
              int64_t rmod_9 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
              int64_t rdiv_9 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
              condval_4 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_9)) || ((((int64_t)runs) < (int64_t)0) && (rmod_9 <= (int64_t)0))) ? rdiv_9 : (rdiv_9 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
            } else {
              condval_4 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_1 = condval_4;
            condval_2 = (*(uint *)(&(_reinterpret_tmp_1)));
          }
          uint condval_1;
          if (((uint)2139095040 < (condval_2 & (uint)2147483647))) {
            condval_1 = (uint)0;
          } else {
            int rmod_10 = ((end - start) % runs);
            int rdiv_10 = ((end - start) / runs);
            int rmod_11 = ((end - start) % runs);
            int rdiv_11 = ((end - start) / runs);
            float condval_7;
            if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_10)) || ((runs < 0) && (rmod_10 <= 0))) ? rdiv_10 : (rdiv_10 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_11)) || ((runs < 0) && (rmod_11 <= 0))) ? rdiv_11 : (rdiv_11 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
              int64_t rmod_12 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
              int64_t rdiv_12 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
              int64_t rmod_13 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
              int64_t rdiv_13 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
              condval_7 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_13)) || ((((int64_t)runs) < (int64_t)0) && (rmod_13 <= (int64_t)0))) ? rdiv_13 : (rdiv_13 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
            } else {
              condval_7 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_2 = condval_7;
            uint condval_6;
            if (((*(uint *)(&(_reinterpret_tmp_2))) == (uint)2147483648)) {
              condval_6 = (uint)0;
            } else {
              int rmod_14 = ((end - start) % runs);
              int rdiv_14 = ((end - start) / runs);
              int rmod_15 = ((end - start) % runs);
              int rdiv_15 = ((end - start) / runs);
              float condval_8;
              if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_14)) || ((runs < 0) && (rmod_14 <= 0))) ? rdiv_14 : (rdiv_14 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_15)) || ((runs < 0) && (rmod_15 <= 0))) ? rdiv_15 : (rdiv_15 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
                int64_t rmod_16 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_16 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                int64_t rmod_17 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_17 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                condval_8 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_17)) || ((((int64_t)runs) < (int64_t)0) && (rmod_17 <= (int64_t)0))) ? rdiv_17 : (rdiv_17 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
              } else {
                condval_8 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_3 = condval_8;
              condval_6 = (*(uint *)(&(_reinterpret_tmp_3)));
            }
            uint condval_5;
            if (((condval_6 & (uint)2147483648) != (uint)0)) {
              int rmod_18 = ((end - start) % runs);
              int rdiv_18 = ((end - start) / runs);
              int rmod_19 = ((end - start) % runs);
              int rdiv_19 = ((end - start) / runs);
              float condval_10;
              if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_18)) || ((runs < 0) && (rmod_18 <= 0))) ? rdiv_18 : (rdiv_18 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_19)) || ((runs < 0) && (rmod_19 <= 0))) ? rdiv_19 : (rdiv_19 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
                int64_t rmod_20 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_20 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                int64_t rmod_21 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_21 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                condval_10 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_21)) || ((((int64_t)runs) < (int64_t)0) && (rmod_21 <= (int64_t)0))) ? rdiv_21 : (rdiv_21 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
              } else {
                condval_10 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_4 = condval_10;
              uint condval_9;
              if (((*(uint *)(&(_reinterpret_tmp_4))) == (uint)2147483648)) {
                condval_9 = (uint)0;
              } else {
                int rmod_22 = ((end - start) % runs);
                int rdiv_22 = ((end - start) / runs);
                int rmod_23 = ((end - start) % runs);
                int rdiv_23 = ((end - start) / runs);
                float condval_11;
                if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_22)) || ((runs < 0) && (rmod_22 <= 0))) ? rdiv_22 : (rdiv_22 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_23)) || ((runs < 0) && (rmod_23 <= 0))) ? rdiv_23 : (rdiv_23 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
                  int64_t rmod_24 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                  int64_t rdiv_24 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                  int64_t rmod_25 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                  int64_t rdiv_25 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                  condval_11 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_25)) || ((((int64_t)runs) < (int64_t)0) && (rmod_25 <= (int64_t)0))) ? rdiv_25 : (rdiv_25 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
                } else {
                  condval_11 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_5 = condval_11;
                condval_9 = (*(uint *)(&(_reinterpret_tmp_5)));
              }
              condval_5 = (~condval_9);
            } else {
              int rmod_26 = ((end - start) % runs);
              int rdiv_26 = ((end - start) / runs);
              int rmod_27 = ((end - start) % runs);
              int rdiv_27 = ((end - start) / runs);
              float condval_13;
              if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_26)) || ((runs < 0) && (rmod_26 <= 0))) ? rdiv_26 : (rdiv_26 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_27)) || ((runs < 0) && (rmod_27 <= 0))) ? rdiv_27 : (rdiv_27 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
                int64_t rmod_28 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_28 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                int64_t rmod_29 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                int64_t rdiv_29 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                condval_13 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_29)) || ((((int64_t)runs) < (int64_t)0) && (rmod_29 <= (int64_t)0))) ? rdiv_29 : (rdiv_29 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
              } else {
                condval_13 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_6 = condval_13;
              uint condval_12;
              if (((*(uint *)(&(_reinterpret_tmp_6))) == (uint)2147483648)) {
                condval_12 = (uint)0;
              } else {
                int rmod_30 = ((end - start) % runs);
                int rdiv_30 = ((end - start) / runs);
                int rmod_31 = ((end - start) % runs);
                int rdiv_31 = ((end - start) / runs);
                float condval_14;
                if (((0 <= ((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_30)) || ((runs < 0) && (rmod_30 <= 0))) ? rdiv_30 : (rdiv_30 - 1)))) + (((int)threadIdx.x) & 7))) && (((start + (((it_1 * 128) + (((int)threadIdx.x) >> 3)) * ((((0 <= runs) && (0 <= rmod_31)) || ((runs < 0) && (rmod_31 <= 0))) ? rdiv_31 : (rdiv_31 - 1)))) + (((int)threadIdx.x) & 7)) < n))) {
                  int64_t rmod_32 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                  int64_t rdiv_32 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                  int64_t rmod_33 = ((((int64_t)end) - ((int64_t)start)) % ((int64_t)runs));
                  int64_t rdiv_33 = ((((int64_t)end) - ((int64_t)start)) / ((int64_t)runs));
                  condval_14 = Logits[((((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)start)) + (((((int64_t)it_1) * (int64_t)128) + (((int64_t)((int)threadIdx.x)) >> (int64_t)3)) * (((((int64_t)0 <= ((int64_t)runs)) && ((int64_t)0 <= rmod_33)) || ((((int64_t)runs) < (int64_t)0) && (rmod_33 <= (int64_t)0))) ? rdiv_33 : (rdiv_33 - (int64_t)1)))) + (((int64_t)((int)threadIdx.x)) & (int64_t)7))];
                } else {
                  condval_14 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_7 = condval_14;
                condval_12 = (*(uint *)(&(_reinterpret_tmp_7)));
              }
              condval_5 = (condval_12 | (uint)2147483648);
            }
            condval_1 = condval_5;
          }
          ((uint*)s_key)[((((int64_t)it_1) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] = condval_1;
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
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_2) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)21) & (uint)2047))])), 1);
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step = 0; step < 11; ++step) {
          #pragma unroll
          for (int j_1 = 0; j_1 < 2; ++j_1) {
            int condval_15;
            if (((((((int)threadIdx.x) + (1 << step)) >> 10) + j_1) < 2)) {
              condval_15 = ((int*)hist)[(((j_1 * 1024) + ((int)threadIdx.x)) + (1 << step))];
            } else {
              condval_15 = 0;
            }
            scan[j_1] = (((int*)hist)[((j_1 * 1024) + ((int)threadIdx.x))] + condval_15);
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
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)21));
        hi_mask[0] = (hi_mask[0] | (uint)4292870144);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      bool if_condition_1 = (done[0] == 0);
      if (if_condition_1) {
        #pragma unroll
        for (int j_4 = 0; j_4 < 3; ++j_4) {
          if (((j_4 * 1024) + ((int)threadIdx.x)) <= 2048) {
            ((int*)hist)[((j_4 * 1024) + ((int)threadIdx.x))] = 0;
          }
        }
        __syncthreads();
        for (int it_3 = 0; it_3 < ((runs + 127) >> 7); ++it_3) {
          if (((it_3 * 1024) + ((int)threadIdx.x)) < (runs * 8)) {
            if ((((uint*)s_key)[((((int64_t)it_3) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_3) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)10) & (uint)2047))])), 1);
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
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)10));
        hi_mask[0] = (hi_mask[0] | (uint)2096128);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      bool if_condition_2 = (done[0] == 0);
      if (if_condition_2) {
        #pragma unroll
        for (int j_8 = 0; j_8 < 3; ++j_8) {
          if (((j_8 * 1024) + ((int)threadIdx.x)) <= 2048) {
            ((int*)hist)[((j_8 * 1024) + ((int)threadIdx.x))] = 0;
          }
        }
        __syncthreads();
        for (int it_4 = 0; it_4 < ((runs + 127) >> 7); ++it_4) {
          if (((it_4 * 1024) + ((int)threadIdx.x)) < (runs * 8)) {
            if ((((uint*)s_key)[((((int64_t)it_4) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_4) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)0) & (uint)1023))])), 1);
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_2 = 0; step_2 < 11; ++step_2) {
          #pragma unroll
          for (int j_9 = 0; j_9 < 2; ++j_9) {
            int condval_17;
            if (((((((int)threadIdx.x) + (1 << step_2)) >> 10) + j_9) < 2)) {
              condval_17 = ((int*)hist)[(((j_9 * 1024) + ((int)threadIdx.x)) + (1 << step_2))];
            } else {
              condval_17 = 0;
            }
            scan[j_9] = (((int*)hist)[((j_9 * 1024) + ((int)threadIdx.x))] + condval_17);
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
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)0));
        hi_mask[0] = (hi_mask[0] | (uint)1023);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      seed = prefix[0];
      __syncthreads();
      prefix[0] = (uint)0;
      hi_mask[0] = (uint)0;
      done[0] = 0;
      if (((int)threadIdx.x) < 8) {
        ((int*)st)[((int)threadIdx.x)] = 0;
      }
      __syncthreads();
      k_rem[0] = k;
      for (int it_5 = 0; it_5 < (((end + 1023) - start) >> 10); ++it_5) {
        int c = (((it_5 * 1024) + start) + ((int)threadIdx.x));
        if (c < end) {
          float condval_18;
          if (((c < n) && (0 <= c))) {
            condval_18 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c))];
          } else {
            condval_18 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_8 = condval_18;
          xb = (*(uint *)(&(_reinterpret_tmp_8)));
        }
        if (c < end) {
          uint condval_20;
          if ((xb == (uint)2147483648)) {
            condval_20 = (uint)0;
          } else {
            condval_20 = xb;
          }
          uint condval_19;
          if (((uint)2139095040 < (condval_20 & (uint)2147483647))) {
            condval_19 = (uint)0;
          } else {
            uint condval_22;
            if ((xb == (uint)2147483648)) {
              condval_22 = (uint)0;
            } else {
              condval_22 = xb;
            }
            uint condval_21;
            if (((condval_22 & (uint)2147483648) != (uint)0)) {
              uint condval_23;
              if ((xb == (uint)2147483648)) {
                condval_23 = (uint)0;
              } else {
                condval_23 = xb;
              }
              condval_21 = (~condval_23);
            } else {
              uint condval_24;
              if ((xb == (uint)2147483648)) {
                condval_24 = (uint)0;
              } else {
                condval_24 = xb;
              }
              condval_21 = (condval_24 | (uint)2147483648);
            }
            condval_19 = condval_21;
          }
          key = condval_19;
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
      __syncthreads();
      if ((k <= ((int*)st)[1]) && (((int*)st)[1] <= 8192)) {
        seeded = 1;
      }
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
      bool if_condition_3 = (done[0] == 0);
      if (if_condition_3) {
        #pragma unroll
        for (int j_12 = 0; j_12 < 3; ++j_12) {
          if (((j_12 * 1024) + ((int)threadIdx.x)) <= 2048) {
            ((int*)hist)[((j_12 * 1024) + ((int)threadIdx.x))] = 0;
          }
        }
        __syncthreads();
        for (int it_6 = 0; it_6 < ((nb0 + 1023) >> 10); ++it_6) {
          if (((it_6 * 1024) + ((int)threadIdx.x)) < nb0) {
            if ((((uint*)s_key)[((((int64_t)it_6) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_6) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)21) & (uint)2047))])), 1);
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_3 = 0; step_3 < 11; ++step_3) {
          #pragma unroll
          for (int j_13 = 0; j_13 < 2; ++j_13) {
            int condval_25;
            if (((((((int)threadIdx.x) + (1 << step_3)) >> 10) + j_13) < 2)) {
              condval_25 = ((int*)hist)[(((j_13 * 1024) + ((int)threadIdx.x)) + (1 << step_3))];
            } else {
              condval_25 = 0;
            }
            scan[j_13] = (((int*)hist)[((j_13 * 1024) + ((int)threadIdx.x))] + condval_25);
          }
          __syncthreads();
          #pragma unroll
          for (int j_14 = 0; j_14 < 2; ++j_14) {
            ((int*)hist)[((j_14 * 1024) + ((int)threadIdx.x))] = scan[j_14];
          }
          __syncthreads();
        }
        #pragma unroll
        for (int j_15 = 0; j_15 < 2; ++j_15) {
          if ((k_rem[0] <= ((int*)hist)[((j_15 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_15 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[3] = ((j_15 * 1024) + ((int)threadIdx.x));
          }
          if ((k_rem[0] <= ((int*)hist)[((j_15 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_15 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_15 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
          if ((k_rem[0] <= ((int*)hist)[((j_15 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_15 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[5] = (((int*)hist)[((j_15 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_15 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
        }
        __syncthreads();
        k_rem[0] = ((int*)st)[4];
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)21));
        hi_mask[0] = (hi_mask[0] | (uint)4292870144);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      bool if_condition_4 = (done[0] == 0);
      if (if_condition_4) {
        #pragma unroll
        for (int j_16 = 0; j_16 < 3; ++j_16) {
          if (((j_16 * 1024) + ((int)threadIdx.x)) <= 2048) {
            ((int*)hist)[((j_16 * 1024) + ((int)threadIdx.x))] = 0;
          }
        }
        __syncthreads();
        for (int it_7 = 0; it_7 < ((nb0 + 1023) >> 10); ++it_7) {
          if (((it_7 * 1024) + ((int)threadIdx.x)) < nb0) {
            if ((((uint*)s_key)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)10) & (uint)2047))])), 1);
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_4 = 0; step_4 < 11; ++step_4) {
          #pragma unroll
          for (int j_17 = 0; j_17 < 2; ++j_17) {
            int condval_26;
            if (((((((int)threadIdx.x) + (1 << step_4)) >> 10) + j_17) < 2)) {
              condval_26 = ((int*)hist)[(((j_17 * 1024) + ((int)threadIdx.x)) + (1 << step_4))];
            } else {
              condval_26 = 0;
            }
            scan[j_17] = (((int*)hist)[((j_17 * 1024) + ((int)threadIdx.x))] + condval_26);
          }
          __syncthreads();
          #pragma unroll
          for (int j_18 = 0; j_18 < 2; ++j_18) {
            ((int*)hist)[((j_18 * 1024) + ((int)threadIdx.x))] = scan[j_18];
          }
          __syncthreads();
        }
        #pragma unroll
        for (int j_19 = 0; j_19 < 2; ++j_19) {
          if ((k_rem[0] <= ((int*)hist)[((j_19 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_19 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[3] = ((j_19 * 1024) + ((int)threadIdx.x));
          }
          if ((k_rem[0] <= ((int*)hist)[((j_19 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_19 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_19 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
          if ((k_rem[0] <= ((int*)hist)[((j_19 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_19 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[5] = (((int*)hist)[((j_19 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_19 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
        }
        __syncthreads();
        k_rem[0] = ((int*)st)[4];
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)10));
        hi_mask[0] = (hi_mask[0] | (uint)2096128);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      bool if_condition_5 = (done[0] == 0);
      if (if_condition_5) {
        #pragma unroll
        for (int j_20 = 0; j_20 < 3; ++j_20) {
          if (((j_20 * 1024) + ((int)threadIdx.x)) <= 2048) {
            ((int*)hist)[((j_20 * 1024) + ((int)threadIdx.x))] = 0;
          }
        }
        __syncthreads();
        for (int it_8 = 0; it_8 < ((nb0 + 1023) >> 10); ++it_8) {
          if (((it_8 * 1024) + ((int)threadIdx.x)) < nb0) {
            if ((((uint*)s_key)[((((int64_t)it_8) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_8) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)0) & (uint)1023))])), 1);
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_5 = 0; step_5 < 11; ++step_5) {
          #pragma unroll
          for (int j_21 = 0; j_21 < 2; ++j_21) {
            int condval_27;
            if (((((((int)threadIdx.x) + (1 << step_5)) >> 10) + j_21) < 2)) {
              condval_27 = ((int*)hist)[(((j_21 * 1024) + ((int)threadIdx.x)) + (1 << step_5))];
            } else {
              condval_27 = 0;
            }
            scan[j_21] = (((int*)hist)[((j_21 * 1024) + ((int)threadIdx.x))] + condval_27);
          }
          __syncthreads();
          #pragma unroll
          for (int j_22 = 0; j_22 < 2; ++j_22) {
            ((int*)hist)[((j_22 * 1024) + ((int)threadIdx.x))] = scan[j_22];
          }
          __syncthreads();
        }
        #pragma unroll
        for (int j_23 = 0; j_23 < 2; ++j_23) {
          if ((k_rem[0] <= ((int*)hist)[((j_23 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_23 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[3] = ((j_23 * 1024) + ((int)threadIdx.x));
          }
          if ((k_rem[0] <= ((int*)hist)[((j_23 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_23 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_23 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
          if ((k_rem[0] <= ((int*)hist)[((j_23 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_23 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[5] = (((int*)hist)[((j_23 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_23 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
        }
        __syncthreads();
        k_rem[0] = ((int*)st)[4];
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)0));
        hi_mask[0] = (hi_mask[0] | (uint)1023);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
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
      for (int j_24 = 0; j_24 < 3; ++j_24) {
        if (((j_24 * 1024) + ((int)threadIdx.x)) <= 2048) {
          ((int*)hist)[((j_24 * 1024) + ((int)threadIdx.x))] = 0;
        }
      }
      __syncthreads();
      for (int it_9 = 0; it_9 < (((end_1 + 1023) - start_1) >> 10); ++it_9) {
        if ((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < end_1) {
          float condval_30;
          if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
            condval_30 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
          } else {
            condval_30 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_9 = condval_30;
          uint condval_29;
          if (((*(uint *)(&(_reinterpret_tmp_9))) == (uint)2147483648)) {
            condval_29 = (uint)0;
          } else {
            float condval_31;
            if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
              condval_31 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
            } else {
              condval_31 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_10 = condval_31;
            condval_29 = (*(uint *)(&(_reinterpret_tmp_10)));
          }
          uint condval_28;
          if (((uint)2139095040 < (condval_29 & (uint)2147483647))) {
            condval_28 = (uint)0;
          } else {
            float condval_34;
            if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
              condval_34 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
            } else {
              condval_34 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_11 = condval_34;
            uint condval_33;
            if (((*(uint *)(&(_reinterpret_tmp_11))) == (uint)2147483648)) {
              condval_33 = (uint)0;
            } else {
              float condval_35;
              if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
                condval_35 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
              } else {
                condval_35 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_12 = condval_35;
              condval_33 = (*(uint *)(&(_reinterpret_tmp_12)));
            }
            uint condval_32;
            if (((condval_33 & (uint)2147483648) != (uint)0)) {
              float condval_37;
              if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
                condval_37 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
              } else {
                condval_37 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_13 = condval_37;
              uint condval_36;
              if (((*(uint *)(&(_reinterpret_tmp_13))) == (uint)2147483648)) {
                condval_36 = (uint)0;
              } else {
                float condval_38;
                if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
                  condval_38 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_38 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_14 = condval_38;
                condval_36 = (*(uint *)(&(_reinterpret_tmp_14)));
              }
              condval_32 = (~condval_36);
            } else {
              float condval_40;
              if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
                condval_40 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
              } else {
                condval_40 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_15 = condval_40;
              uint condval_39;
              if (((*(uint *)(&(_reinterpret_tmp_15))) == (uint)2147483648)) {
                condval_39 = (uint)0;
              } else {
                float condval_41;
                if ((((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) && (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))))) {
                  condval_41 = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_41 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_16 = condval_41;
                condval_39 = (*(uint *)(&(_reinterpret_tmp_16)));
              }
              condval_32 = (condval_39 | (uint)2147483648);
            }
            condval_28 = condval_32;
          }
          if ((condval_28 & hi_mask[0]) == prefix[0]) {
            if (0 <= (((it_9 * 1024) + start_1) + ((int)threadIdx.x))) {
              if ((((it_9 * 1024) + start_1) + ((int)threadIdx.x)) < n) {
                float v_ = Logits[((((((int64_t)it_9) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_1)) + ((int64_t)((int)threadIdx.x)))];
                uint condval_43;
                if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                  condval_43 = (uint)0;
                } else {
                  condval_43 = (*(uint *)(&(v_)));
                }
                uint condval_42;
                if (((uint)2139095040 < (condval_43 & (uint)2147483647))) {
                  condval_42 = (uint)0;
                } else {
                  uint condval_45;
                  if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                    condval_45 = (uint)0;
                  } else {
                    condval_45 = (*(uint *)(&(v_)));
                  }
                  uint condval_44;
                  if (((condval_45 & (uint)2147483648) != (uint)0)) {
                    uint condval_46;
                    if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                      condval_46 = (uint)0;
                    } else {
                      condval_46 = (*(uint *)(&(v_)));
                    }
                    condval_44 = (~condval_46);
                  } else {
                    uint condval_47;
                    if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                      condval_47 = (uint)0;
                    } else {
                      condval_47 = (*(uint *)(&(v_)));
                    }
                    condval_44 = (condval_47 | (uint)2147483648);
                  }
                  condval_42 = condval_44;
                }
                uint condval_49;
                if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                  condval_49 = (uint)0;
                } else {
                  condval_49 = (*(uint *)(&(v_)));
                }
                uint condval_48;
                if (((uint)2139095040 < (condval_49 & (uint)2147483647))) {
                  condval_48 = (uint)0;
                } else {
                  uint condval_51;
                  if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                    condval_51 = (uint)0;
                  } else {
                    condval_51 = (*(uint *)(&(v_)));
                  }
                  uint condval_50;
                  if (((condval_51 & (uint)2147483648) != (uint)0)) {
                    uint condval_52;
                    if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                      condval_52 = (uint)0;
                    } else {
                      condval_52 = (*(uint *)(&(v_)));
                    }
                    condval_50 = (~condval_52);
                  } else {
                    uint condval_53;
                    if (((*(uint *)(&(v_))) == (uint)2147483648)) {
                      condval_53 = (uint)0;
                    } else {
                      condval_53 = (*(uint *)(&(v_)));
                    }
                    condval_50 = (condval_53 | (uint)2147483648);
                  }
                  condval_48 = condval_50;
                }
                AtomicAdd((&(((int*)hist)[((int)((condval_48 >> (uint)21) & (uint)2047))])), 1);
              }
            }
          }
        }
      }
      __syncthreads();
      #pragma unroll
      for (int step_6 = 0; step_6 < 11; ++step_6) {
        #pragma unroll
        for (int j_25 = 0; j_25 < 2; ++j_25) {
          int condval_54;
          if (((((((int)threadIdx.x) + (1 << step_6)) >> 10) + j_25) < 2)) {
            condval_54 = ((int*)hist)[(((j_25 * 1024) + ((int)threadIdx.x)) + (1 << step_6))];
          } else {
            condval_54 = 0;
          }
          scan[j_25] = (((int*)hist)[((j_25 * 1024) + ((int)threadIdx.x))] + condval_54);
        }
        __syncthreads();
        #pragma unroll
        for (int j_26 = 0; j_26 < 2; ++j_26) {
          ((int*)hist)[((j_26 * 1024) + ((int)threadIdx.x))] = scan[j_26];
        }
        __syncthreads();
      }
      #pragma unroll
      for (int j_27 = 0; j_27 < 2; ++j_27) {
        if ((k_rem[0] <= ((int*)hist)[((j_27 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_27 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[3] = ((j_27 * 1024) + ((int)threadIdx.x));
        }
        if ((k_rem[0] <= ((int*)hist)[((j_27 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_27 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_27 * 1024) + ((int)threadIdx.x)) + 1)]);
        }
        if ((k_rem[0] <= ((int*)hist)[((j_27 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_27 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
          ((int*)st)[5] = (((int*)hist)[((j_27 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_27 * 1024) + ((int)threadIdx.x)) + 1)]);
        }
      }
      __syncthreads();
      k_rem[0] = ((int*)st)[4];
      prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)21));
      hi_mask[0] = (hi_mask[0] | (uint)4292870144);
      if (((int*)st)[5] == k_rem[0]) {
        done[0] = 1;
      }
      nb0 = ((int*)st)[5];
      prefix0 = prefix[0];
      mask0 = hi_mask[0];
      __syncthreads();
      for (int it_10 = 0; it_10 < (((end + 1023) - start) >> 10); ++it_10) {
        int c_1 = (((it_10 * 1024) + start) + ((int)threadIdx.x));
        if (c_1 < end) {
          float condval_55;
          if (((c_1 < n) && (0 <= c_1))) {
            condval_55 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_1))];
          } else {
            condval_55 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_17 = condval_55;
          xb = (*(uint *)(&(_reinterpret_tmp_17)));
        }
        if (c_1 < end) {
          uint condval_57;
          if ((xb == (uint)2147483648)) {
            condval_57 = (uint)0;
          } else {
            condval_57 = xb;
          }
          uint condval_56;
          if (((uint)2139095040 < (condval_57 & (uint)2147483647))) {
            condval_56 = (uint)0;
          } else {
            uint condval_59;
            if ((xb == (uint)2147483648)) {
              condval_59 = (uint)0;
            } else {
              condval_59 = xb;
            }
            uint condval_58;
            if (((condval_59 & (uint)2147483648) != (uint)0)) {
              uint condval_60;
              if ((xb == (uint)2147483648)) {
                condval_60 = (uint)0;
              } else {
                condval_60 = xb;
              }
              condval_58 = (~condval_60);
            } else {
              uint condval_61;
              if ((xb == (uint)2147483648)) {
                condval_61 = (uint)0;
              } else {
                condval_61 = xb;
              }
              condval_58 = (condval_61 | (uint)2147483648);
            }
            condval_56 = condval_58;
          }
          key = condval_56;
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
      bool if_condition_6 = (done[0] == 0);
      if (if_condition_6) {
        if (nb0 <= 8192) {
          int count = nb0;
          #pragma unroll
          for (int j_28 = 0; j_28 < 3; ++j_28) {
            if (((j_28 * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j_28 * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_11 = 0; it_11 < ((count + 1023) >> 10); ++it_11) {
            if (((it_11 * 1024) + ((int)threadIdx.x)) < count) {
              if ((((uint*)s_key)[((((int64_t)it_11) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
                AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_11) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)10) & (uint)2047))])), 1);
              }
            }
          }
        } else {
          int start_2 = start;
          int end_2 = end;
          #pragma unroll
          for (int j_29 = 0; j_29 < 3; ++j_29) {
            if (((j_29 * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j_29 * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_12 = 0; it_12 < (((end_2 + 1023) - start_2) >> 10); ++it_12) {
            if ((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < end_2) {
              float condval_64;
              if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                condval_64 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
              } else {
                condval_64 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_18 = condval_64;
              uint condval_63;
              if (((*(uint *)(&(_reinterpret_tmp_18))) == (uint)2147483648)) {
                condval_63 = (uint)0;
              } else {
                float condval_65;
                if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                  condval_65 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_65 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_19 = condval_65;
                condval_63 = (*(uint *)(&(_reinterpret_tmp_19)));
              }
              uint condval_62;
              if (((uint)2139095040 < (condval_63 & (uint)2147483647))) {
                condval_62 = (uint)0;
              } else {
                float condval_68;
                if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                  condval_68 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_68 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_20 = condval_68;
                uint condval_67;
                if (((*(uint *)(&(_reinterpret_tmp_20))) == (uint)2147483648)) {
                  condval_67 = (uint)0;
                } else {
                  float condval_69;
                  if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                    condval_69 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_69 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_21 = condval_69;
                  condval_67 = (*(uint *)(&(_reinterpret_tmp_21)));
                }
                uint condval_66;
                if (((condval_67 & (uint)2147483648) != (uint)0)) {
                  float condval_71;
                  if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                    condval_71 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_71 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_22 = condval_71;
                  uint condval_70;
                  if (((*(uint *)(&(_reinterpret_tmp_22))) == (uint)2147483648)) {
                    condval_70 = (uint)0;
                  } else {
                    float condval_72;
                    if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                      condval_72 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                    } else {
                      condval_72 = 0x0p+0f/*0.000000e+00*/;
                    }
                    float _reinterpret_tmp_23 = condval_72;
                    condval_70 = (*(uint *)(&(_reinterpret_tmp_23)));
                  }
                  condval_66 = (~condval_70);
                } else {
                  float condval_74;
                  if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                    condval_74 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_74 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_24 = condval_74;
                  uint condval_73;
                  if (((*(uint *)(&(_reinterpret_tmp_24))) == (uint)2147483648)) {
                    condval_73 = (uint)0;
                  } else {
                    float condval_75;
                    if ((((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) && (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))))) {
                      condval_75 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                    } else {
                      condval_75 = 0x0p+0f/*0.000000e+00*/;
                    }
                    float _reinterpret_tmp_25 = condval_75;
                    condval_73 = (*(uint *)(&(_reinterpret_tmp_25)));
                  }
                  condval_66 = (condval_73 | (uint)2147483648);
                }
                condval_62 = condval_66;
              }
              if ((condval_62 & hi_mask[0]) == prefix[0]) {
                if (0 <= (((it_12 * 1024) + start_2) + ((int)threadIdx.x))) {
                  if ((((it_12 * 1024) + start_2) + ((int)threadIdx.x)) < n) {
                    float v__1 = Logits[((((((int64_t)it_12) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_2)) + ((int64_t)((int)threadIdx.x)))];
                    uint condval_77;
                    if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                      condval_77 = (uint)0;
                    } else {
                      condval_77 = (*(uint *)(&(v__1)));
                    }
                    uint condval_76;
                    if (((uint)2139095040 < (condval_77 & (uint)2147483647))) {
                      condval_76 = (uint)0;
                    } else {
                      uint condval_79;
                      if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                        condval_79 = (uint)0;
                      } else {
                        condval_79 = (*(uint *)(&(v__1)));
                      }
                      uint condval_78;
                      if (((condval_79 & (uint)2147483648) != (uint)0)) {
                        uint condval_80;
                        if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                          condval_80 = (uint)0;
                        } else {
                          condval_80 = (*(uint *)(&(v__1)));
                        }
                        condval_78 = (~condval_80);
                      } else {
                        uint condval_81;
                        if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                          condval_81 = (uint)0;
                        } else {
                          condval_81 = (*(uint *)(&(v__1)));
                        }
                        condval_78 = (condval_81 | (uint)2147483648);
                      }
                      condval_76 = condval_78;
                    }
                    uint condval_83;
                    if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                      condval_83 = (uint)0;
                    } else {
                      condval_83 = (*(uint *)(&(v__1)));
                    }
                    uint condval_82;
                    if (((uint)2139095040 < (condval_83 & (uint)2147483647))) {
                      condval_82 = (uint)0;
                    } else {
                      uint condval_85;
                      if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                        condval_85 = (uint)0;
                      } else {
                        condval_85 = (*(uint *)(&(v__1)));
                      }
                      uint condval_84;
                      if (((condval_85 & (uint)2147483648) != (uint)0)) {
                        uint condval_86;
                        if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                          condval_86 = (uint)0;
                        } else {
                          condval_86 = (*(uint *)(&(v__1)));
                        }
                        condval_84 = (~condval_86);
                      } else {
                        uint condval_87;
                        if (((*(uint *)(&(v__1))) == (uint)2147483648)) {
                          condval_87 = (uint)0;
                        } else {
                          condval_87 = (*(uint *)(&(v__1)));
                        }
                        condval_84 = (condval_87 | (uint)2147483648);
                      }
                      condval_82 = condval_84;
                    }
                    AtomicAdd((&(((int*)hist)[((int)((condval_82 >> (uint)10) & (uint)2047))])), 1);
                  }
                }
              }
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_7 = 0; step_7 < 11; ++step_7) {
          #pragma unroll
          for (int j_30 = 0; j_30 < 2; ++j_30) {
            int condval_88;
            if (((((((int)threadIdx.x) + (1 << step_7)) >> 10) + j_30) < 2)) {
              condval_88 = ((int*)hist)[(((j_30 * 1024) + ((int)threadIdx.x)) + (1 << step_7))];
            } else {
              condval_88 = 0;
            }
            scan[j_30] = (((int*)hist)[((j_30 * 1024) + ((int)threadIdx.x))] + condval_88);
          }
          __syncthreads();
          #pragma unroll
          for (int j_31 = 0; j_31 < 2; ++j_31) {
            ((int*)hist)[((j_31 * 1024) + ((int)threadIdx.x))] = scan[j_31];
          }
          __syncthreads();
        }
        #pragma unroll
        for (int j_32 = 0; j_32 < 2; ++j_32) {
          if ((k_rem[0] <= ((int*)hist)[((j_32 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_32 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[3] = ((j_32 * 1024) + ((int)threadIdx.x));
          }
          if ((k_rem[0] <= ((int*)hist)[((j_32 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_32 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_32 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
          if ((k_rem[0] <= ((int*)hist)[((j_32 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_32 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[5] = (((int*)hist)[((j_32 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_32 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
        }
        __syncthreads();
        k_rem[0] = ((int*)st)[4];
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)10));
        hi_mask[0] = (hi_mask[0] | (uint)2096128);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
      bool if_condition_7 = (done[0] == 0);
      if (if_condition_7) {
        if (nb0 <= 8192) {
          int count_1 = nb0;
          #pragma unroll
          for (int j_33 = 0; j_33 < 3; ++j_33) {
            if (((j_33 * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j_33 * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_13 = 0; it_13 < ((count_1 + 1023) >> 10); ++it_13) {
            if (((it_13 * 1024) + ((int)threadIdx.x)) < count_1) {
              if ((((uint*)s_key)[((((int64_t)it_13) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] & hi_mask[0]) == prefix[0]) {
                AtomicAdd((&(((int*)hist)[((int)((((uint*)s_key)[((((int64_t)it_13) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))] >> (uint)0) & (uint)1023))])), 1);
              }
            }
          }
        } else {
          int start_3 = start;
          int end_3 = end;
          #pragma unroll
          for (int j_34 = 0; j_34 < 3; ++j_34) {
            if (((j_34 * 1024) + ((int)threadIdx.x)) <= 2048) {
              ((int*)hist)[((j_34 * 1024) + ((int)threadIdx.x))] = 0;
            }
          }
          __syncthreads();
          for (int it_14 = 0; it_14 < (((end_3 + 1023) - start_3) >> 10); ++it_14) {
            if ((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < end_3) {
              float condval_91;
              if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                condval_91 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
              } else {
                condval_91 = 0x0p+0f/*0.000000e+00*/;
              }
              float _reinterpret_tmp_26 = condval_91;
              uint condval_90;
              if (((*(uint *)(&(_reinterpret_tmp_26))) == (uint)2147483648)) {
                condval_90 = (uint)0;
              } else {
                float condval_92;
                if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                  condval_92 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_92 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_27 = condval_92;
                condval_90 = (*(uint *)(&(_reinterpret_tmp_27)));
              }
              uint condval_89;
              if (((uint)2139095040 < (condval_90 & (uint)2147483647))) {
                condval_89 = (uint)0;
              } else {
                float condval_95;
                if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                  condval_95 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                } else {
                  condval_95 = 0x0p+0f/*0.000000e+00*/;
                }
                float _reinterpret_tmp_28 = condval_95;
                uint condval_94;
                if (((*(uint *)(&(_reinterpret_tmp_28))) == (uint)2147483648)) {
                  condval_94 = (uint)0;
                } else {
                  float condval_96;
                  if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                    condval_96 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_96 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_29 = condval_96;
                  condval_94 = (*(uint *)(&(_reinterpret_tmp_29)));
                }
                uint condval_93;
                if (((condval_94 & (uint)2147483648) != (uint)0)) {
                  float condval_98;
                  if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                    condval_98 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_98 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_30 = condval_98;
                  uint condval_97;
                  if (((*(uint *)(&(_reinterpret_tmp_30))) == (uint)2147483648)) {
                    condval_97 = (uint)0;
                  } else {
                    float condval_99;
                    if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                      condval_99 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                    } else {
                      condval_99 = 0x0p+0f/*0.000000e+00*/;
                    }
                    float _reinterpret_tmp_31 = condval_99;
                    condval_97 = (*(uint *)(&(_reinterpret_tmp_31)));
                  }
                  condval_93 = (~condval_97);
                } else {
                  float condval_101;
                  if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                    condval_101 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                  } else {
                    condval_101 = 0x0p+0f/*0.000000e+00*/;
                  }
                  float _reinterpret_tmp_32 = condval_101;
                  uint condval_100;
                  if (((*(uint *)(&(_reinterpret_tmp_32))) == (uint)2147483648)) {
                    condval_100 = (uint)0;
                  } else {
                    float condval_102;
                    if ((((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) && (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))))) {
                      condval_102 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                    } else {
                      condval_102 = 0x0p+0f/*0.000000e+00*/;
                    }
                    float _reinterpret_tmp_33 = condval_102;
                    condval_100 = (*(uint *)(&(_reinterpret_tmp_33)));
                  }
                  condval_93 = (condval_100 | (uint)2147483648);
                }
                condval_89 = condval_93;
              }
              if ((condval_89 & hi_mask[0]) == prefix[0]) {
                if (0 <= (((it_14 * 1024) + start_3) + ((int)threadIdx.x))) {
                  if ((((it_14 * 1024) + start_3) + ((int)threadIdx.x)) < n) {
                    float v__2 = Logits[((((((int64_t)it_14) * (int64_t)1024) + (((int64_t)((int)blockIdx.x)) * ((int64_t)n))) + ((int64_t)start_3)) + ((int64_t)((int)threadIdx.x)))];
                    uint condval_104;
                    if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                      condval_104 = (uint)0;
                    } else {
                      condval_104 = (*(uint *)(&(v__2)));
                    }
                    uint condval_103;
                    if (((uint)2139095040 < (condval_104 & (uint)2147483647))) {
                      condval_103 = (uint)0;
                    } else {
                      uint condval_106;
                      if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                        condval_106 = (uint)0;
                      } else {
                        condval_106 = (*(uint *)(&(v__2)));
                      }
                      uint condval_105;
                      if (((condval_106 & (uint)2147483648) != (uint)0)) {
                        uint condval_107;
                        if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                          condval_107 = (uint)0;
                        } else {
                          condval_107 = (*(uint *)(&(v__2)));
                        }
                        condval_105 = (~condval_107);
                      } else {
                        uint condval_108;
                        if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                          condval_108 = (uint)0;
                        } else {
                          condval_108 = (*(uint *)(&(v__2)));
                        }
                        condval_105 = (condval_108 | (uint)2147483648);
                      }
                      condval_103 = condval_105;
                    }
                    uint condval_110;
                    if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                      condval_110 = (uint)0;
                    } else {
                      condval_110 = (*(uint *)(&(v__2)));
                    }
                    uint condval_109;
                    if (((uint)2139095040 < (condval_110 & (uint)2147483647))) {
                      condval_109 = (uint)0;
                    } else {
                      uint condval_112;
                      if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                        condval_112 = (uint)0;
                      } else {
                        condval_112 = (*(uint *)(&(v__2)));
                      }
                      uint condval_111;
                      if (((condval_112 & (uint)2147483648) != (uint)0)) {
                        uint condval_113;
                        if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                          condval_113 = (uint)0;
                        } else {
                          condval_113 = (*(uint *)(&(v__2)));
                        }
                        condval_111 = (~condval_113);
                      } else {
                        uint condval_114;
                        if (((*(uint *)(&(v__2))) == (uint)2147483648)) {
                          condval_114 = (uint)0;
                        } else {
                          condval_114 = (*(uint *)(&(v__2)));
                        }
                        condval_111 = (condval_114 | (uint)2147483648);
                      }
                      condval_109 = condval_111;
                    }
                    AtomicAdd((&(((int*)hist)[((int)((condval_109 >> (uint)0) & (uint)1023))])), 1);
                  }
                }
              }
            }
          }
        }
        __syncthreads();
        #pragma unroll
        for (int step_8 = 0; step_8 < 11; ++step_8) {
          #pragma unroll
          for (int j_35 = 0; j_35 < 2; ++j_35) {
            int condval_115;
            if (((((((int)threadIdx.x) + (1 << step_8)) >> 10) + j_35) < 2)) {
              condval_115 = ((int*)hist)[(((j_35 * 1024) + ((int)threadIdx.x)) + (1 << step_8))];
            } else {
              condval_115 = 0;
            }
            scan[j_35] = (((int*)hist)[((j_35 * 1024) + ((int)threadIdx.x))] + condval_115);
          }
          __syncthreads();
          #pragma unroll
          for (int j_36 = 0; j_36 < 2; ++j_36) {
            ((int*)hist)[((j_36 * 1024) + ((int)threadIdx.x))] = scan[j_36];
          }
          __syncthreads();
        }
        #pragma unroll
        for (int j_37 = 0; j_37 < 2; ++j_37) {
          if ((k_rem[0] <= ((int*)hist)[((j_37 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_37 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[3] = ((j_37 * 1024) + ((int)threadIdx.x));
          }
          if ((k_rem[0] <= ((int*)hist)[((j_37 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_37 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[4] = (k_rem[0] - ((int*)hist)[(((j_37 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
          if ((k_rem[0] <= ((int*)hist)[((j_37 * 1024) + ((int)threadIdx.x))]) && (((int*)hist)[(((j_37 * 1024) + ((int)threadIdx.x)) + 1)] < k_rem[0])) {
            ((int*)st)[5] = (((int*)hist)[((j_37 * 1024) + ((int)threadIdx.x))] - ((int*)hist)[(((j_37 * 1024) + ((int)threadIdx.x)) + 1)]);
          }
        }
        __syncthreads();
        k_rem[0] = ((int*)st)[4];
        prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)0));
        hi_mask[0] = (hi_mask[0] | (uint)1023);
        if (((int*)st)[5] == k_rem[0]) {
          done[0] = 1;
        }
      }
    }
    if (nb0 <= 8192) {
      for (int it_15 = 0; it_15 < ((nb0 + 1023) >> 10); ++it_15) {
        if (((it_15 * 1024) + ((int)threadIdx.x)) < nb0) {
          key = ((uint*)s_key)[((((int64_t)it_15) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
        }
        if (((it_15 * 1024) + ((int)threadIdx.x)) < nb0) {
          if (prefix[0] < (key & hi_mask[0])) {
            pos = atomicAdd((&(((int*)st)[0])), 1);
            if (0 <= pos) {
              if (pos < k) {
                Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = ((int*)s_col)[((((int64_t)it_15) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
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
                    Out[((((((int64_t)((int)blockIdx.x)) + (int64_t)1) * ((int64_t)k)) + ((int64_t)pos)) - ((int64_t)k_rem[(int64_t)0]))] = ((int*)s_col)[((((int64_t)it_15) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
                  }
                }
              }
            }
          }
        }
      }
    } else {
      for (int it_16 = 0; it_16 < (((end + 1023) - start) >> 10); ++it_16) {
        int c_2 = (((it_16 * 1024) + start) + ((int)threadIdx.x));
        if (c_2 < end) {
          float condval_116;
          if (((c_2 < n) && (0 <= c_2))) {
            condval_116 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_2))];
          } else {
            condval_116 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_34 = condval_116;
          xb = (*(uint *)(&(_reinterpret_tmp_34)));
        }
        if (c_2 < end) {
          uint condval_118;
          if ((xb == (uint)2147483648)) {
            condval_118 = (uint)0;
          } else {
            condval_118 = xb;
          }
          uint condval_117;
          if (((uint)2139095040 < (condval_118 & (uint)2147483647))) {
            condval_117 = (uint)0;
          } else {
            uint condval_120;
            if ((xb == (uint)2147483648)) {
              condval_120 = (uint)0;
            } else {
              condval_120 = xb;
            }
            uint condval_119;
            if (((condval_120 & (uint)2147483648) != (uint)0)) {
              uint condval_121;
              if ((xb == (uint)2147483648)) {
                condval_121 = (uint)0;
              } else {
                condval_121 = xb;
              }
              condval_119 = (~condval_121);
            } else {
              uint condval_122;
              if ((xb == (uint)2147483648)) {
                condval_122 = (uint)0;
              } else {
                condval_122 = xb;
              }
              condval_119 = (condval_122 | (uint)2147483648);
            }
            condval_117 = condval_119;
          }
          key = condval_117;
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

