"""Fused streaming lightning indexer + top-k (prefill): the [s_q, s_kv] logits never exist.

One program per query row. It walks the row's key range [row_start, row_end) in tiles of
BLOCK_N keys, computes the tile's logits (FP8 dot over the indexer heads, ReLU, head weights,
key scale), and keeps only the tile's candidates: entries strictly above the running k-th best.
Candidates are appended to a per-row scratch buffer of 2 * KP entries (KP = next power of two
>= k, and >= BLOCK_N); when a tile would overflow it, the buffer is sorted and cut back to its best KP, which
also raises the threshold. At the end the buffer is sorted once more and its first k indices are
written, best first, -1 padded when the range holds fewer than k keys.

Each entry is one int64: an order-preserving signed key of the fp32 logit in the high 32 bits
and the column in the low 32 bits, so a single sort orders by value and carries the index
(ties break towards the larger column; any tie choice is a correct top-k). NaN ranks below
-inf, -0.0 counts as +0.0. Memory: 2 * KP * 8 bytes of scratch per row instead of s_kv * 4.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import FP8_CODE, FP8_NATIVE, fp8_mode, fp8_mode_for
from dsagen.runtime.triton_casts import fp8_dot_unscale, fp8_operand  # e4m3fn bytes on every target

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 64, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>

_EMPTY = -(2**63)  # below every real entry (real keys are >= -2^31 + 1 in the high word)


@triton.jit
def _compact(buf, count, k_sel, KP: tl.constexpr):
    """Sort the row's buffer, keep its best KP entries; return (new count, threshold)."""
    tl.debug_barrier()  # the appends of every thread must be visible before the reload
    offs = tl.arange(0, 2 * KP)
    v = tl.load(buf + offs, mask=offs < count, other=-(2**63))
    v = tl.sort(v, descending=True)
    top, _ = tl.split(tl.permute(tl.reshape(v, (2, KP)), (1, 0)))
    tl.debug_barrier()
    tl.store(buf + tl.arange(0, KP), top)
    tl.debug_barrier()
    kth = tl.sum(tl.where(tl.arange(0, KP) == k_sel - 1, top, 0), axis=0)
    thr = tl.where(count >= k_sel, kth, -(2**63))
    return tl.minimum(count, KP), thr, top


@triton.jit
def indexer_topk_kernel(
    q_ptr, k_ptr, k_scale_ptr, w_ptr, start_ptr, end_ptr, buf_ptr, out_ptr,
    k_sel,
    stride_qs, stride_qh, stride_ks, stride_ws, stride_bs, stride_os,
    H: tl.constexpr, HP: tl.constexpr, D: tl.constexpr,
    BLOCK_N: tl.constexpr, KP: tl.constexpr, UPCAST: tl.constexpr, FP8: tl.constexpr,
):
    row = tl.program_id(0).to(tl.int64)
    start = tl.load(start_ptr + row)
    end = tl.load(end_ptr + row)
    hs = tl.arange(0, HP)
    ds = tl.arange(0, D)
    q = tl.load(q_ptr + row * stride_qs + hs[:, None] * stride_qh + ds[None, :], mask=hs[:, None] < H, other=0.0)
    w = tl.load(w_ptr + row * stride_ws + hs, mask=hs < H, other=0.0)
    q = fp8_operand(q, FP8, UPCAST)
    buf = buf_ptr + row * stride_bs
    count = 0
    thr = tl.full((), -(2**63), tl.int64)
    for n0 in range(start, end, BLOCK_N):
        cols = n0 + tl.arange(0, BLOCK_N)
        m = cols < end
        kt = tl.load(k_ptr + cols[:, None].to(tl.int64) * stride_ks + ds[None, :], mask=m[:, None], other=0.0)
        kt = fp8_operand(kt, FP8, UPCAST)
        # keys as the M side (BLOCK_N >= 64 feeds wgmma), heads as N; both operands K-major
        s = fp8_dot_unscale(tl.dot(kt, tl.trans(q)), FP8)  # [BLOCK_N, HP], fp32 accumulation
        s = tl.maximum(s, 0.0) * w[None, :]
        logit = tl.sum(s, axis=1) * tl.load(k_scale_ptr + cols, mask=m, other=0.0) + 0.0
        bits = logit.to(tl.int32, bitcast=True)
        skey = tl.where(bits >= 0, bits, bits ^ 0x7FFFFFFF)
        skey = tl.where(logit != logit, -2147483647, skey)
        entry = (skey.to(tl.int64) << 32) | cols.to(tl.int64)
        cand = m & (entry > thr)
        n = tl.sum(cand.to(tl.int32), axis=0)
        if count + n > 2 * KP:
            count, thr, _ = _compact(buf, count, k_sel, KP)
            cand = m & (entry > thr)
            n = tl.sum(cand.to(tl.int32), axis=0)
        pos = count + tl.cumsum(cand.to(tl.int32), axis=0) - 1
        tl.store(buf + pos, entry, mask=cand)
        count += n
    count, thr, top = _compact(buf, count, k_sel, KP)
    j = tl.arange(0, KP)
    idx = tl.where(j < count, (top & 0xFFFFFFFF).to(tl.int32), -1)
    tl.store(out_ptr + row * stride_os + j, idx, mask=j < k_sel)


def _kp(k: int, block_n: int) -> int:
    # The buffer holds 2 * KP entries and must take KP survivors plus a whole tile.
    return max(16, block_n, triton.next_power_of_2(k))


def _hp(h: int) -> int:
    return max(16, triton.next_power_of_2(h))


def scratch_entries(k: int, schedule=None) -> int:
    """int64 scratch entries per query row."""
    return 2 * _kp(k, (schedule or SCHEDULE)["BLOCK_N"])


def launch(q, k, k_scale, weights, row_start, row_end, scratch, out, *, topk, schedule=None, fp8_mode=None):
    """q e4m3 [s_q, H, D], k e4m3 [s_kv, D], k_scale fp32 [s_kv], weights fp32 [s_q, H],
    row_start/row_end int32 [s_q], scratch int64 [s_q, scratch_entries(topk)], out int32 [s_q, topk].
    fp8_mode: how the e4m3 bytes are read (dsagen.runtime.targets; default: the device's own)."""
    sch = schedule or SCHEDULE
    s_q, h, d = q.shape
    assert scratch.shape[1] >= scratch_entries(topk, sch), "scratch too small for this schedule"
    if s_q == 0:
        return
    mode = fp8_mode or fp8_mode_for(q.device)
    if mode != FP8_NATIVE:  # soft and fnuz decode the bytes themselves
        q, k = q.view(torch.uint8), k.view(torch.uint8)
    indexer_topk_kernel[(s_q,)](
        q, k, k_scale, weights, row_start, row_end, scratch, out,
        topk,
        q.stride(0), q.stride(1), k.stride(0), weights.stride(0), scratch.stride(0), out.stride(0),
        H=h, HP=_hp(h), D=d, BLOCK_N=sch["BLOCK_N"], KP=_kp(topk, sch["BLOCK_N"]),
        UPCAST=q.device.type == "cpu", FP8=FP8_CODE[mode],
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: heads, head_dim, k, and optionally arch (sm90 when absent)."""
    h, d, k = problem["heads"], problem["head_dim"], problem["k"]
    mode = fp8_mode(problem.get("arch", "sm90"))
    fp8_ptr = "*fp8e4nv" if mode == FP8_NATIVE else "*u8"
    sig = {
        "q_ptr": fp8_ptr, "k_ptr": fp8_ptr, "k_scale_ptr": "*fp32", "w_ptr": "*fp32",
        "start_ptr": "*i32", "end_ptr": "*i32", "buf_ptr": "*i64", "out_ptr": "*i32",
        "k_sel": "i32", "stride_qs": "i32", "stride_qh": "i32", "stride_ks": "i32", "stride_ws": "i32",
        "stride_bs": "i32", "stride_os": "i32",
        "H": "constexpr", "HP": "constexpr", "D": "constexpr", "BLOCK_N": "constexpr", "KP": "constexpr",
        "UPCAST": "constexpr", "FP8": "constexpr",
    }
    consts = {"H": h, "HP": _hp(h), "D": d, "BLOCK_N": schedule["BLOCK_N"], "KP": _kp(k, schedule["BLOCK_N"]),
              "UPCAST": False, "FP8": FP8_CODE[mode]}
    return [{"name": "indexer_topk_kernel", "fn": indexer_topk_kernel, "signature": sig, "constexprs": consts,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]}]
