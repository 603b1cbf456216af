"""Lightning-indexer logits, ragged (prefill).

    out[i, j] = sum_h relu(q[i, h] . k[j]) * weights[i, h] * k_scale[j]   for start[i] <= j < end[i]

Grid: (query blocks of BLOCK_Q rows, column chunks of BLOCK_N * TILES_N). A program loads its
rows' q once as one [BLOCK_Q * HP, D] operand (HP = next power of two >= H; padded heads have
zero q and zero weight) and walks its chunk in [D, BLOCK_N] key tiles: one tl.dot per tile with
fp32 accumulation, then ReLU, head weights, a reduction over the heads and the key scale, all
in fp32. Only the key tiles that meet the union of its rows' [start, end) are loaded and
multiplied (causal prefill skips about half of the work); the other columns of the chunk get
-inf with CLEAN and are left untouched without it. Keys outside every range are never read.

Dtypes: e4m3 q and k with fp32 k_scale (DeepGEMM's fp8_mqa_logits), or bf16 q and k with no
scale (HAS_SCALE=False). FP8 says how the e4m3fn bytes are read (dsagen.runtime.targets): as
e4m3fn, decoded exactly to fp16 with integer ops (sm80: no e4m3 type), or remapped to e4m3fnuz
(gfx942, whose MFMA reads fnuz) - dsagen.runtime.triton_casts.fp8_operand. On the CPU (Triton interpreter) operands are
upcast to fp32 (UPCAST; triton issue 11584: bf16 dots are wrong in the interpreter).
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import FP8_CODE, FP8_NATIVE, fp8_mode, fp8_mode_for
from dsagen.runtime.triton_casts import fp8_dot_unscale, fp8_operand  # e4m3fn bytes on every target

# <dsagen:schedule>
SCHEDULE = {"BLOCK_Q": 2, "BLOCK_N": 64, "TILES_N": 4, "num_warps": 8, "num_stages": 2}
# </dsagen:schedule>


@triton.jit
def _store_neg_inf(out_ptr, rows, row_ok, stride_os, c_from, c_to, BLOCK_Q: tl.constexpr, BLOCK_N: tl.constexpr):
    for n0 in range(c_from, c_to, BLOCK_N):
        cols = n0 + tl.arange(0, BLOCK_N)
        tl.store(out_ptr + rows[:, None].to(tl.int64) * stride_os + cols[None, :],
                 tl.full((BLOCK_Q, BLOCK_N), float("-inf"), tl.float32),
                 mask=row_ok[:, None] & (cols < c_to)[None, :])


@triton.jit
def indexer_logits_kernel(
    q_ptr, k_ptr, k_scale_ptr, w_ptr, start_ptr, end_ptr, out_ptr,
    s_q, s_kv,
    stride_qs, stride_qh, stride_ks, stride_ws, stride_os,
    H: tl.constexpr, HP: tl.constexpr, D: tl.constexpr,
    BLOCK_Q: tl.constexpr, BLOCK_N: tl.constexpr, TILES_N: tl.constexpr,
    HAS_SCALE: tl.constexpr, CLEAN: tl.constexpr, UPCAST: tl.constexpr, FP8: tl.constexpr,
):
    pid_q = tl.program_id(0)
    pid_n = tl.program_id(1)
    rows = pid_q * BLOCK_Q + tl.arange(0, BLOCK_Q)
    row_ok = rows < s_q
    start = tl.load(start_ptr + rows, mask=row_ok, other=0)
    end = tl.load(end_ptr + rows, mask=row_ok, other=0)
    start = tl.minimum(tl.maximum(start, 0), s_kv)
    end = tl.minimum(tl.maximum(end, 0), s_kv)
    nonempty = row_ok & (end > start)
    end = tl.where(nonempty, end, 0)
    start = tl.where(nonempty, start, s_kv)
    lo = tl.min(start, axis=0)
    hi = tl.max(end, axis=0)
    # this program's columns [c0, c1); keys needed by its rows: [a, b) inside them
    c0 = pid_n * (BLOCK_N * TILES_N)
    c1 = tl.minimum(c0 + BLOCK_N * TILES_N, s_kv)
    a = tl.minimum(tl.maximum(lo, c0), c1)
    b = tl.minimum(tl.maximum(hi, a), c1)
    if b > a:
        M: tl.constexpr = BLOCK_Q * HP
        m = tl.arange(0, M)
        r = pid_q * BLOCK_Q + m // HP
        hh = m % HP
        m_ok = (r < s_q) & (hh < H)
        ds = tl.arange(0, D)
        q = tl.load(q_ptr + r[:, None].to(tl.int64) * stride_qs + hh[:, None] * stride_qh + ds[None, :],
                    mask=m_ok[:, None], other=0.0)
        w = tl.load(w_ptr + r.to(tl.int64) * stride_ws + hh, mask=m_ok, other=0.0)
        if HAS_SCALE:
            q = fp8_operand(q, FP8, UPCAST)
        elif UPCAST:
            q = q.to(tl.float32)
        for n0 in range(a, b, BLOCK_N):
            cols = n0 + tl.arange(0, BLOCK_N)
            k_ok = cols < b
            kc = tl.minimum(cols, b - 1)  # in-range keys only: never a masked-off NaN
            kt = tl.load(k_ptr + kc[:, None].to(tl.int64) * stride_ks + ds[None, :])
            if HAS_SCALE:
                kt = fp8_operand(kt, FP8, UPCAST)
            elif UPCAST:
                kt = kt.to(tl.float32)
            s = tl.dot(q, tl.trans(kt))  # [BLOCK_Q * HP, BLOCK_N], fp32 accumulation
            if HAS_SCALE:
                s = fp8_dot_unscale(s, FP8)  # undo the decode's power-of-two operand scaling
            s = tl.maximum(s, 0.0) * w[:, None]
            logit = tl.sum(tl.reshape(s, (BLOCK_Q, HP, BLOCK_N)), axis=1)
            if HAS_SCALE:
                logit = logit * tl.load(k_scale_ptr + kc)[None, :]
            visible = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
            o_ptrs = out_ptr + rows[:, None].to(tl.int64) * stride_os + cols[None, :]
            o_mask = row_ok[:, None] & (cols < c1)[None, :]
            if CLEAN:
                tl.store(o_ptrs, tl.where(visible, logit, float("-inf")), mask=o_mask)
            else:
                tl.store(o_ptrs, logit, mask=o_mask & visible & k_ok[None, :])
    if CLEAN:
        e = a + tl.cdiv(b - a, BLOCK_N) * BLOCK_N  # first column the compute loop did not write
        _store_neg_inf(out_ptr, rows, row_ok, stride_os, c0, a, BLOCK_Q, BLOCK_N)
        _store_neg_inf(out_ptr, rows, row_ok, stride_os, tl.minimum(e, c1), c1, BLOCK_Q, BLOCK_N)


def _hp(h: int) -> int:
    return triton.next_power_of_2(h)


def _block_q(schedule, s_q: int, h: int) -> int:
    """The schedule's BLOCK_Q, raised so the dot has at least 16 rows."""
    return max(schedule["BLOCK_Q"], 16 // min(_hp(h), 16))


def launch(q, k, k_scale, weights, row_start, row_end, out, *, clean=True, schedule=None, fp8_mode=None):
    """q [s_q, H, D] and k [s_kv, D] both e4m3 (k_scale fp32 [s_kv]) or both bf16 (k_scale None),
    weights fp32 [s_q, H], row_start / row_end int32 [s_q], out fp32 [s_q, s_kv] (unit column stride).
    fp8_mode: how the e4m3 bytes are read (dsagen.runtime.targets; default: the device's own)."""
    sch = schedule or SCHEDULE
    s_q, h, d = q.shape
    s_kv = k.shape[0]
    if s_q == 0 or s_kv == 0:
        return
    is_fp8 = q.dtype == torch.float8_e4m3fn
    mode = (fp8_mode or fp8_mode_for(q.device)) if is_fp8 else FP8_NATIVE
    if mode != FP8_NATIVE:  # soft and fnuz decode the bytes themselves
        q, k = q.view(torch.uint8), k.view(torch.uint8)
    bq = _block_q(sch, s_q, h)
    bn = sch["BLOCK_N"]
    tiles = sch.get("TILES_N", 1)
    grid = (triton.cdiv(s_q, bq), triton.cdiv(s_kv, bn * tiles))
    indexer_logits_kernel[grid](
        q, k, k_scale if k_scale is not None else weights, weights, row_start, row_end, out,
        s_q, s_kv,
        q.stride(0), q.stride(1), k.stride(0), weights.stride(0), out.stride(0),
        H=h, HP=_hp(h), D=d, BLOCK_Q=bq, BLOCK_N=bn, TILES_N=tiles,
        HAS_SCALE=k_scale is not None, CLEAN=bool(clean),
        UPCAST=q.device.type == "cpu", FP8=FP8_CODE[mode],
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: heads, head_dim (s_q, s_kv unused), optional arch (sm90 when absent) and dtype
    ("fp8" default, or "bf16")."""
    h, d = problem["heads"], problem["head_dim"]
    bf16 = problem.get("dtype", "fp8") == "bf16"
    mode = FP8_NATIVE if bf16 else fp8_mode(problem.get("arch", "sm90"))
    elt = "*bf16" if bf16 else ("*fp8e4nv" if mode == FP8_NATIVE else "*u8")
    sig = {
        "q_ptr": elt, "k_ptr": elt, "k_scale_ptr": "*fp32", "w_ptr": "*fp32",
        "start_ptr": "*i32", "end_ptr": "*i32", "out_ptr": "*fp32",
        "s_q": "i32", "s_kv": "i32",
        "stride_qs": "i32", "stride_qh": "i32", "stride_ks": "i32", "stride_ws": "i32", "stride_os": "i32",
        "H": "constexpr", "HP": "constexpr", "D": "constexpr", "BLOCK_Q": "constexpr", "BLOCK_N": "constexpr", "TILES_N": "constexpr",
        "HAS_SCALE": "constexpr", "CLEAN": "constexpr", "UPCAST": "constexpr", "FP8": "constexpr",
    }
    consts = {"H": h, "HP": _hp(h), "D": d, "BLOCK_Q": _block_q(schedule, problem.get("s_q", 1), h),
              "BLOCK_N": schedule["BLOCK_N"], "TILES_N": schedule.get("TILES_N", 1), "HAS_SCALE": not bf16, "CLEAN": True, "UPCAST": False,
              "FP8": FP8_CODE[mode]}
    # What the JIT specializes at a launch of this problem (16-aligned pointers, ints that are
    # multiples of 16), so the AOT compile and its census are the launched kernel's
    # (dsagen.gen.aot.divisibility_attrs); s_q and s_kv are the bucket's, out is [s_q, s_kv].
    s_kv = problem.get("s_kv", 1)
    ints = {"s_q": problem.get("s_q", 1), "s_kv": s_kv, "stride_qs": h * d, "stride_qh": d, "stride_ks": d,
            "stride_ws": h, "stride_os": s_kv}
    return [{"name": "indexer_logits_kernel", "fn": indexer_logits_kernel, "signature": sig,
             "constexprs": consts, "ints": ints,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]}]
