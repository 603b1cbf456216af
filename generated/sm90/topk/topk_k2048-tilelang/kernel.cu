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
  int k_rem[1];
  uint prefix[1];
  uint hi_mask[1];
  int done[1];
  int nb0 = 0;
  uint xb = (uint)0;
  uint key = (uint)0;
  int scan[2];
  uint prefix0 = (uint)0;
  uint mask0 = (uint)0;
  int pos = 0;
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
    k_rem[0] = k;
    prefix[0] = (uint)0;
    hi_mask[0] = (uint)0;
    done[0] = 0;
    nb0 = 0;
    if (((int)threadIdx.x) < 8) {
      ((int*)st)[((int)threadIdx.x)] = 0;
    }
    #pragma unroll
    for (int j = 0; j < 3; ++j) {
      if (((j * 1024) + ((int)threadIdx.x)) <= 2048) {
        ((int*)hist)[((j * 1024) + ((int)threadIdx.x))] = 0;
      }
    }
    __syncthreads();
    for (int it_1 = 0; it_1 < (((end + 1023) - start) >> 10); ++it_1) {
      int c = (((it_1 * 1024) + start) + ((int)threadIdx.x));
      if (c < end) {
        float condval_1;
        if (((c < n) && (0 <= c))) {
          condval_1 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c))];
        } else {
          condval_1 = 0x0p+0f/*0.000000e+00*/;
        }
        float _reinterpret_tmp = condval_1;
        xb = (*(uint *)(&(_reinterpret_tmp)));
      }
      if (c < end) {
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
        key = condval_2;
      }
      if (c < end) {
        AtomicAdd((&(((int*)hist)[((int)((key >> (uint)21) & (uint)2047))])), 1);
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
    prefix[0] = (prefix[0] | (((uint)((int*)st)[3]) << (uint)21));
    hi_mask[0] = (hi_mask[0] | (uint)4292870144);
    if (((int*)st)[5] == k_rem[0]) {
      done[0] = 1;
    }
    nb0 = ((int*)st)[5];
    prefix0 = prefix[0];
    mask0 = hi_mask[0];
    __syncthreads();
    for (int it_2 = 0; it_2 < (((end + 1023) - start) >> 10); ++it_2) {
      int c_1 = (((it_2 * 1024) + start) + ((int)threadIdx.x));
      if (c_1 < end) {
        float condval_9;
        if (((c_1 < n) && (0 <= c_1))) {
          condval_9 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_1))];
        } else {
          condval_9 = 0x0p+0f/*0.000000e+00*/;
        }
        float _reinterpret_tmp_1 = condval_9;
        xb = (*(uint *)(&(_reinterpret_tmp_1)));
      }
      if (c_1 < end) {
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
    bool if_condition = (done[0] == 0);
    if (if_condition) {
      #pragma unroll
      for (int j_4 = 0; j_4 < 3; ++j_4) {
        if (((j_4 * 1024) + ((int)threadIdx.x)) <= 2048) {
          ((int*)hist)[((j_4 * 1024) + ((int)threadIdx.x))] = 0;
        }
      }
      __syncthreads();
      if (nb0 <= 8192) {
        for (int it_3 = 0; it_3 < ((nb0 + 1023) >> 10); ++it_3) {
          if (((it_3 * 1024) + ((int)threadIdx.x)) < nb0) {
            key = ((uint*)s_key)[((((int64_t)it_3) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
          }
          if (((it_3 * 1024) + ((int)threadIdx.x)) < nb0) {
            if ((key & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((key >> (uint)10) & (uint)2047))])), 1);
            }
          }
        }
      } else {
        for (int it_4 = 0; it_4 < (((end + 1023) - start) >> 10); ++it_4) {
          int c_2 = (((it_4 * 1024) + start) + ((int)threadIdx.x));
          if (c_2 < end) {
            float condval_16;
            if (((c_2 < n) && (0 <= c_2))) {
              condval_16 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_2))];
            } else {
              condval_16 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_2 = condval_16;
            xb = (*(uint *)(&(_reinterpret_tmp_2)));
          }
          if (c_2 < end) {
            uint condval_18;
            if ((xb == (uint)2147483648)) {
              condval_18 = (uint)0;
            } else {
              condval_18 = xb;
            }
            uint condval_17;
            if (((uint)2139095040 < (condval_18 & (uint)2147483647))) {
              condval_17 = (uint)0;
            } else {
              uint condval_20;
              if ((xb == (uint)2147483648)) {
                condval_20 = (uint)0;
              } else {
                condval_20 = xb;
              }
              uint condval_19;
              if (((condval_20 & (uint)2147483648) != (uint)0)) {
                uint condval_21;
                if ((xb == (uint)2147483648)) {
                  condval_21 = (uint)0;
                } else {
                  condval_21 = xb;
                }
                condval_19 = (~condval_21);
              } else {
                uint condval_22;
                if ((xb == (uint)2147483648)) {
                  condval_22 = (uint)0;
                } else {
                  condval_22 = xb;
                }
                condval_19 = (condval_22 | (uint)2147483648);
              }
              condval_17 = condval_19;
            }
            key = condval_17;
          }
          if (c_2 < end) {
            if ((key & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((key >> (uint)10) & (uint)2047))])), 1);
            }
          }
        }
      }
      __syncthreads();
      #pragma unroll
      for (int step_1 = 0; step_1 < 11; ++step_1) {
        #pragma unroll
        for (int j_5 = 0; j_5 < 2; ++j_5) {
          int condval_23;
          if (((((((int)threadIdx.x) + (1 << step_1)) >> 10) + j_5) < 2)) {
            condval_23 = ((int*)hist)[(((j_5 * 1024) + ((int)threadIdx.x)) + (1 << step_1))];
          } else {
            condval_23 = 0;
          }
          scan[j_5] = (((int*)hist)[((j_5 * 1024) + ((int)threadIdx.x))] + condval_23);
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
    bool if_condition_1 = (done[0] == 0);
    if (if_condition_1) {
      #pragma unroll
      for (int j_8 = 0; j_8 < 3; ++j_8) {
        if (((j_8 * 1024) + ((int)threadIdx.x)) <= 2048) {
          ((int*)hist)[((j_8 * 1024) + ((int)threadIdx.x))] = 0;
        }
      }
      __syncthreads();
      if (nb0 <= 8192) {
        for (int it_5 = 0; it_5 < ((nb0 + 1023) >> 10); ++it_5) {
          if (((it_5 * 1024) + ((int)threadIdx.x)) < nb0) {
            key = ((uint*)s_key)[((((int64_t)it_5) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
          }
          if (((it_5 * 1024) + ((int)threadIdx.x)) < nb0) {
            if ((key & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((key >> (uint)0) & (uint)1023))])), 1);
            }
          }
        }
      } else {
        for (int it_6 = 0; it_6 < (((end + 1023) - start) >> 10); ++it_6) {
          int c_3 = (((it_6 * 1024) + start) + ((int)threadIdx.x));
          if (c_3 < end) {
            float condval_24;
            if (((c_3 < n) && (0 <= c_3))) {
              condval_24 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_3))];
            } else {
              condval_24 = 0x0p+0f/*0.000000e+00*/;
            }
            float _reinterpret_tmp_3 = condval_24;
            xb = (*(uint *)(&(_reinterpret_tmp_3)));
          }
          if (c_3 < end) {
            uint condval_26;
            if ((xb == (uint)2147483648)) {
              condval_26 = (uint)0;
            } else {
              condval_26 = xb;
            }
            uint condval_25;
            if (((uint)2139095040 < (condval_26 & (uint)2147483647))) {
              condval_25 = (uint)0;
            } else {
              uint condval_28;
              if ((xb == (uint)2147483648)) {
                condval_28 = (uint)0;
              } else {
                condval_28 = xb;
              }
              uint condval_27;
              if (((condval_28 & (uint)2147483648) != (uint)0)) {
                uint condval_29;
                if ((xb == (uint)2147483648)) {
                  condval_29 = (uint)0;
                } else {
                  condval_29 = xb;
                }
                condval_27 = (~condval_29);
              } else {
                uint condval_30;
                if ((xb == (uint)2147483648)) {
                  condval_30 = (uint)0;
                } else {
                  condval_30 = xb;
                }
                condval_27 = (condval_30 | (uint)2147483648);
              }
              condval_25 = condval_27;
            }
            key = condval_25;
          }
          if (c_3 < end) {
            if ((key & hi_mask[0]) == prefix[0]) {
              AtomicAdd((&(((int*)hist)[((int)((key >> (uint)0) & (uint)1023))])), 1);
            }
          }
        }
      }
      __syncthreads();
      #pragma unroll
      for (int step_2 = 0; step_2 < 11; ++step_2) {
        #pragma unroll
        for (int j_9 = 0; j_9 < 2; ++j_9) {
          int condval_31;
          if (((((((int)threadIdx.x) + (1 << step_2)) >> 10) + j_9) < 2)) {
            condval_31 = ((int*)hist)[(((j_9 * 1024) + ((int)threadIdx.x)) + (1 << step_2))];
          } else {
            condval_31 = 0;
          }
          scan[j_9] = (((int*)hist)[((j_9 * 1024) + ((int)threadIdx.x))] + condval_31);
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
    if (nb0 <= 8192) {
      for (int it_7 = 0; it_7 < ((nb0 + 1023) >> 10); ++it_7) {
        if (((it_7 * 1024) + ((int)threadIdx.x)) < nb0) {
          key = ((uint*)s_key)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
        }
        if (((it_7 * 1024) + ((int)threadIdx.x)) < nb0) {
          if (prefix[0] < (key & hi_mask[0])) {
            pos = atomicAdd((&(((int*)st)[0])), 1);
            if (0 <= pos) {
              if (pos < k) {
                Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = ((int*)s_col)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
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
                    Out[((((((int64_t)((int)blockIdx.x)) + (int64_t)1) * ((int64_t)k)) + ((int64_t)pos)) - ((int64_t)k_rem[(int64_t)0]))] = ((int*)s_col)[((((int64_t)it_7) * (int64_t)1024) + ((int64_t)((int)threadIdx.x)))];
                  }
                }
              }
            }
          }
        }
      }
    } else {
      for (int it_8 = 0; it_8 < (((end + 1023) - start) >> 10); ++it_8) {
        int c_4 = (((it_8 * 1024) + start) + ((int)threadIdx.x));
        if (c_4 < end) {
          float condval_32;
          if (((c_4 < n) && (0 <= c_4))) {
            condval_32 = Logits[((((int64_t)((int)blockIdx.x)) * ((int64_t)n)) + ((int64_t)c_4))];
          } else {
            condval_32 = 0x0p+0f/*0.000000e+00*/;
          }
          float _reinterpret_tmp_4 = condval_32;
          xb = (*(uint *)(&(_reinterpret_tmp_4)));
        }
        if (c_4 < end) {
          uint condval_34;
          if ((xb == (uint)2147483648)) {
            condval_34 = (uint)0;
          } else {
            condval_34 = xb;
          }
          uint condval_33;
          if (((uint)2139095040 < (condval_34 & (uint)2147483647))) {
            condval_33 = (uint)0;
          } else {
            uint condval_36;
            if ((xb == (uint)2147483648)) {
              condval_36 = (uint)0;
            } else {
              condval_36 = xb;
            }
            uint condval_35;
            if (((condval_36 & (uint)2147483648) != (uint)0)) {
              uint condval_37;
              if ((xb == (uint)2147483648)) {
                condval_37 = (uint)0;
              } else {
                condval_37 = xb;
              }
              condval_35 = (~condval_37);
            } else {
              uint condval_38;
              if ((xb == (uint)2147483648)) {
                condval_38 = (uint)0;
              } else {
                condval_38 = xb;
              }
              condval_35 = (condval_38 | (uint)2147483648);
            }
            condval_33 = condval_35;
          }
          key = condval_33;
        }
        if (c_4 < end) {
          if ((key & mask0) == prefix0) {
            if (prefix[0] < (key & hi_mask[0])) {
              pos = atomicAdd((&(((int*)st)[0])), 1);
              if (0 <= pos) {
                if (pos < k) {
                  Out[((((int64_t)((int)blockIdx.x)) * ((int64_t)k)) + ((int64_t)pos))] = c_4;
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
                      Out[((((((int64_t)((int)blockIdx.x)) + (int64_t)1) * ((int64_t)k)) + ((int64_t)pos)) - ((int64_t)k_rem[(int64_t)0]))] = c_4;
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

