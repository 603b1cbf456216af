"""Fused streaming lightning indexer + top-k (prefill): the [s_q, s_kv] logits never exist.

Persistent programs take query rows in turn. For a row a program walks its key range
[row_start, row_end) in tiles of BLOCK_N keys, computes the tile's logits (FP8 dot over the
indexer heads, ReLU, head weights, key scale) and hands them to the top-k selector's filter
scheme (dsagen/runtime/triton_select.py, the same code as the top-k template's filter variant):
keys at or above the running threshold are appended to the program's int32 scratch (keys and
columns), a radix cut keeps exactly the k best whenever it holds 2 * KP (KP = next power of two
>= k and >= BLOCK_N) and raises the threshold, and a last cut writes the k columns. A range no
longer than k writes all its columns, then -1.

Result: the columns of the k largest logits of the range (order: those above the last cut's
threshold digit, then that digit's winners; among equal logits the lowest columns win), -1
padded. NaN ranks below -inf, -0.0 counts as +0.0. Memory: filter_scratch(KP) int32 words per
program (50 KB at k 2048), whatever s_q is.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import FP8_CODE, FP8_NATIVE, code_arch, fp8_mode, fp8_mode_for, sm_count, tmem_relay
from dsagen.runtime.triton_casts import fp8_dot_unscale, fp8_operand  # e4m3fn bytes on every target
from dsagen.runtime.triton_layout import relay
from dsagen.runtime.triton_select import buf_cut, filter_append, filter_areas, filter_kp, filter_scratch, order_key, write_all

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 128, "RADIX_BITS": 8, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>
# The template's default; `tune` picks per arch and bucket (schedules/indexer_topk_fused/triton.toml).
# AOT, Triton 3.6, 64 heads x 128, k 2048, no spills: sm90 156 registers, QGMMA 64x64x32; sm80 170,
# sm89 171; sm100 164 (tcgen05); gfx942 228 VGPRs, gfx950 115.

PROGRAMS_PER_SM = 2  # persistent programs: each holds a q block, a key tile and its logits


@triton.jit
def indexer_topk_kernel(
    q_ptr, k_ptr, k_scale_ptr, w_ptr, start_ptr, end_ptr, scratch_ptr, out_ptr,
    rows, k_sel,
    stride_qs, stride_qh, stride_ks, stride_ws, stride_os,
    H: tl.constexpr, HP: tl.constexpr, D: tl.constexpr,
    BLOCK_N: tl.constexpr, KP: tl.constexpr, RADIX_BITS: tl.constexpr, UPCAST: tl.constexpr, FP8: tl.constexpr,
    RELAYOUT: tl.constexpr,
):
    pid = tl.program_id(0)
    buf_k, buf_c, side_k, side_c = filter_areas(scratch_ptr, pid, BLOCK_N, KP)
    hs = tl.arange(0, HP)
    ds = tl.arange(0, D)
    offs = tl.arange(0, BLOCK_N)
    one64 = tl.full((), 1, tl.int64)
    for row in range(pid, rows, tl.num_programs(0)):
        row64 = row * one64  # the loop variable is a plain int in the interpreter
        start = tl.load(start_ptr + row64)
        end = tl.load(end_ptr + row64)
        orow = out_ptr + row64 * stride_os
        n = tl.maximum(end - start, 0)
        if n <= k_sel:
            write_all(orow, start, n, k_sel, offs, BLOCK_N)
        else:
            q = tl.load(q_ptr + row64 * stride_qs + hs[:, None] * stride_qh + ds[None, :], mask=hs[:, None] < H,
                        other=0.0)
            w = tl.load(w_ptr + row64 * stride_ws + hs, mask=hs < H, other=0.0)
            q = fp8_operand(q, FP8, UPCAST)
            count = 0
            lo = tl.zeros((), tl.uint32)
            for n0 in range(start, end, BLOCK_N):
                cols = n0 + offs
                m = cols < end
                kt = tl.load(k_ptr + cols[:, None].to(tl.int64) * stride_ks + ds[None, :], mask=m[:, None], other=0.0)
                kt = fp8_operand(kt, FP8, UPCAST)
                # keys as the M side (BLOCK_N >= 64 feeds wgmma), heads as N; both operands K-major
                s = fp8_dot_unscale(tl.dot(kt, tl.trans(q)), FP8)  # [BLOCK_N, HP], fp32 accumulation
                s = tl.maximum(s, 0.0) * w[None, :]
                logit = tl.sum(s, axis=1) * tl.load(k_scale_ptr + cols, mask=m, other=0.0)
                if RELAYOUT:  # sm100 (dsagen/runtime/triton_layout.py); the side area is free between cuts
                    logit = relay(logit, side_k, BLOCK_N)
                count, lo = filter_append(order_key(logit), cols, m, buf_k, buf_c, side_k, side_c, count, lo, k_sel,
                                          orow, BLOCK_N, KP, RADIX_BITS)
            tl.debug_barrier()
            # count >= k: every key is appended until the first cut, which leaves exactly k
            buf_cut(buf_k, buf_c, side_k, side_c, count, k_sel, orow, True, BLOCK_N, RADIX_BITS, KP)
            tl.debug_barrier()  # done with the scratch before the next row refills it


def _hp(h: int) -> int:
    return max(16, triton.next_power_of_2(h))


def programs(s_q: int, device) -> int:
    return max(1, min(s_q, PROGRAMS_PER_SM * sm_count(device)))


def scratch_words(topk: int, schedule=None) -> int:
    """int32 scratch words per persistent program."""
    block_n = (schedule or SCHEDULE)["BLOCK_N"]
    return filter_scratch(filter_kp(topk, block_n), block_n)


def launch(q, k, k_scale, weights, row_start, row_end, out, *, topk, schedule=None, fp8_mode=None):
    """q e4m3 [s_q, H, D], k e4m3 [s_kv, D], k_scale fp32 [s_kv], weights fp32 [s_q, H],
    row_start/row_end int32 [s_q] (0 <= start, end <= s_kv), out int32 [s_q, topk].
    fp8_mode: how the e4m3 bytes are read (dsagen.runtime.targets; default: the device's own).
    Allocates the programs' int32 scratch (programs(s_q) x scratch_words(topk))."""
    sch = dict(SCHEDULE, **(schedule or {}))
    s_q, h, d = q.shape
    if s_q == 0:
        return
    mode = fp8_mode or fp8_mode_for(q.device)
    if mode != FP8_NATIVE:  # soft and fnuz decode the bytes themselves
        q, k = q.view(torch.uint8), k.view(torch.uint8)
    grid = programs(s_q, q.device)
    scratch = torch.empty(grid, scratch_words(topk, sch), dtype=torch.int32, device=q.device)
    indexer_topk_kernel[(grid,)](
        q, k, k_scale, weights, row_start, row_end, scratch, out,
        s_q, topk,
        q.stride(0), q.stride(1), k.stride(0), weights.stride(0), out.stride(0),
        H=h, HP=_hp(h), D=d, BLOCK_N=sch["BLOCK_N"], KP=filter_kp(topk, sch["BLOCK_N"]), RADIX_BITS=sch["RADIX_BITS"],
        UPCAST=q.device.type == "cpu", FP8=FP8_CODE[mode], RELAYOUT=tmem_relay(code_arch(q.device)),
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: heads, head_dim, k, and optionally arch (sm90 when absent)."""
    sch = dict(SCHEDULE, **(schedule or {}))
    h, d, k = problem["heads"], problem["head_dim"], problem["k"]
    mode = fp8_mode(problem.get("arch", "sm90"))
    fp8_ptr = "*fp8e4nv" if mode == FP8_NATIVE else "*u8"
    sig = {
        "q_ptr": fp8_ptr, "k_ptr": fp8_ptr, "k_scale_ptr": "*fp32", "w_ptr": "*fp32",
        "start_ptr": "*i32", "end_ptr": "*i32", "scratch_ptr": "*i32", "out_ptr": "*i32",
        "rows": "i32", "k_sel": "i32", "stride_qs": "i32", "stride_qh": "i32", "stride_ks": "i32", "stride_ws": "i32",
        "stride_os": "i32",
        "H": "constexpr", "HP": "constexpr", "D": "constexpr", "BLOCK_N": "constexpr", "KP": "constexpr",
        "RADIX_BITS": "constexpr", "UPCAST": "constexpr", "FP8": "constexpr", "RELAYOUT": "constexpr",
    }
    # what the JIT specializes at a launch: 16-aligned pointers, ints that are multiples of 16
    # (contiguous q [s_q, H, D], k [s_kv, D], weights [s_q, H], out [s_q, k])
    ints = {"k_sel": k, "stride_qs": h * d, "stride_qh": d, "stride_ks": d, "stride_ws": h, "stride_os": k}
    consts = {"H": h, "HP": _hp(h), "D": d, "BLOCK_N": sch["BLOCK_N"], "KP": filter_kp(k, sch["BLOCK_N"]),
              "RADIX_BITS": sch["RADIX_BITS"], "UPCAST": False, "FP8": FP8_CODE[mode],
              "RELAYOUT": tmem_relay(problem.get("arch", "sm90"))}
    return [{"name": "indexer_topk_kernel", "fn": indexer_topk_kernel, "signature": sig, "constexprs": consts,
             "ints": ints, "num_warps": sch["num_warps"], "num_stages": sch["num_stages"]}]
