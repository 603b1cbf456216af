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

import functools

import torch
import triton
import triton.language as tl

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 64, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>

_EMPTY = -(2**63)  # below every real entry (real keys are >= -2^31 + 1 in the high word)


@triton.jit
def _e4m3_bits_to_f32(b):
    """e4m3fn bits (uint8) -> fp32, exactly: for targets without fp8 types (sm80)."""
    b = b.to(tl.int32)
    e = (b >> 3) & 0xF
    man = (b & 7).to(tl.float32)
    mag = tl.where(e == 0, man * 0.001953125, (1.0 + man * 0.125) * tl.exp2((e - 7).to(tl.float32)))
    mag = tl.where((e == 15) & ((b & 7) == 7), float("nan"), mag)
    return tl.where((b & 0x80) != 0, -mag, mag)


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
    BLOCK_N: tl.constexpr, KP: tl.constexpr, UPCAST: tl.constexpr, SOFT_FP8: tl.constexpr,
):
    row = tl.program_id(0).to(tl.int64)
    start = tl.load(start_ptr + row)
    end = tl.load(end_ptr + row)
    hs = tl.arange(0, HP)
    ds = tl.arange(0, D)
    q = tl.load(q_ptr + row * stride_qs + hs[:, None] * stride_qh + ds[None, :], mask=hs[:, None] < H, other=0.0)
    w = tl.load(w_ptr + row * stride_ws + hs, mask=hs < H, other=0.0)
    if SOFT_FP8:
        q = _e4m3_bits_to_f32(q)
    elif UPCAST:
        q = q.to(tl.float32)
    buf = buf_ptr + row * stride_bs
    count = 0
    thr = tl.full((), -(2**63), tl.int64)
    for n0 in range(start, end, BLOCK_N):
        cols = n0 + tl.arange(0, BLOCK_N)
        m = cols < end
        kt = tl.load(k_ptr + cols[:, None].to(tl.int64) * stride_ks + ds[None, :], mask=m[:, None], other=0.0)
        if SOFT_FP8:
            kt = _e4m3_bits_to_f32(kt)
        elif UPCAST:
            kt = kt.to(tl.float32)
        # keys as the M side (BLOCK_N >= 64 feeds wgmma), heads as N; both operands K-major
        s = tl.dot(kt, tl.trans(q))  # [BLOCK_N, HP], fp32 accumulation
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


def _soft_fp8(device) -> bool:
    """Targets without e4m3 types (before sm89) read the fp8 bytes and decode them in software."""
    return device.type == "cuda" and _capability(device.index) < (8, 9)


@functools.lru_cache(maxsize=None)
def _capability(index):
    return torch.cuda.get_device_capability(index)


def launch(q, k, k_scale, weights, row_start, row_end, scratch, out, *, topk, schedule=None, soft_fp8=None):
    """q e4m3 [s_q, H, D], k e4m3 [s_kv, D], k_scale fp32 [s_kv], weights fp32 [s_q, H],
    row_start/row_end int32 [s_q], scratch int64 [s_q, scratch_entries(topk)], out int32 [s_q, topk].
    soft_fp8: decode the fp8 bytes in software (default: only where the GPU lacks e4m3, < sm89)."""
    sch = schedule or SCHEDULE
    s_q, h, d = q.shape
    assert scratch.shape[1] >= scratch_entries(topk, sch), "scratch too small for this schedule"
    if s_q == 0:
        return
    soft = _soft_fp8(q.device) if soft_fp8 is None else soft_fp8
    if soft:
        q, k = q.view(torch.uint8), k.view(torch.uint8)
    indexer_topk_kernel[(s_q,)](
        q, k, k_scale, weights, row_start, row_end, scratch, out,
        topk,
        q.stride(0), q.stride(1), k.stride(0), weights.stride(0), scratch.stride(0), out.stride(0),
        H=h, HP=_hp(h), D=d, BLOCK_N=sch["BLOCK_N"], KP=_kp(topk, sch["BLOCK_N"]),
        UPCAST=q.device.type == "cpu" and not soft, SOFT_FP8=soft,
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: heads, head_dim, k, and optionally cc (compute capability; 90 when absent)."""
    h, d, k = problem["heads"], problem["head_dim"], problem["k"]
    soft = problem.get("cc", 90) < 89
    fp8_ptr = "*u8" if soft else "*fp8e4nv"
    sig = {
        "q_ptr": fp8_ptr, "k_ptr": fp8_ptr, "k_scale_ptr": "*fp32", "w_ptr": "*fp32",
        "start_ptr": "*i32", "end_ptr": "*i32", "buf_ptr": "*i64", "out_ptr": "*i32",
        "k_sel": "i32", "stride_qs": "i32", "stride_qh": "i32", "stride_ks": "i32", "stride_ws": "i32",
        "stride_bs": "i32", "stride_os": "i32",
        "H": "constexpr", "HP": "constexpr", "D": "constexpr", "BLOCK_N": "constexpr", "KP": "constexpr",
        "UPCAST": "constexpr", "SOFT_FP8": "constexpr",
    }
    consts = {"H": h, "HP": _hp(h), "D": d, "BLOCK_N": schedule["BLOCK_N"], "KP": _kp(k, schedule["BLOCK_N"]),
              "UPCAST": False, "SOFT_FP8": soft}
    return [{"name": "indexer_topk_kernel", "fn": indexer_topk_kernel, "signature": sig, "constexprs": consts,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]}]
