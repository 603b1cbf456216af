"""DeepSeek-V4's KV compressor: gated pooling of groups of projected rows, then RMSNorm.

One program per entry of the entry table (dsagen/operators/kv_compress/naive.py states the
math). The program holds all D channels of the entry (BLOCK_D = next power of two) and walks
the entry's slots BLOCK_S rows at a time with an online softmax **per channel** (running max m,
sum run_sum and weighted kv sum acc, each [BLOCK_D]): first the previous group's rows (overlap only,
channels 0..D-1, skipped when prev_rows[e] < 0), then the entry's own rows (channels
c D - D .. c D - 1). pooled = acc / run_sum, then (NORM: DeepSeek-V4's compressors; not GLM-5.3-Flash's
key pooling, whose keys are normalised before) RMSNorm over the D channels in fp32, one store.
An entry with group_rows[e] < 0 (a decode step where no group completed: the launch size stays
fixed under CUDA-graph replay) is skipped and its output row is not touched; prev_rows[e] < 0
means no previous group (a sequence's first). A group that would run past the last row
(g > N - r, for either group) is never read: the entry is written as NaN.

Nothing here is a dot: the op reads c * D values of kv and of score per token once per window
it sits in (twice with overlap), so it is memory bound; loads are whole rows (coalesced).
NaN in a slot that is read makes the entry NaN (as the oracle); rows no entry names are never
read. On the CPU (Triton interpreter) UPCAST rounds the bf16 store to nearest even on the bits,
as the GPU's cvt.rn does; 3.6's interpreter truncates in .to().
"""

import triton
import triton.language as tl

from dsagen.runtime.triton_casts import to_out as _to_out  # fp32 -> bf16 rounding to nearest even, also on CPU

# <dsagen:schedule>
SCHEDULE = {"BLOCK_S": 4, "num_warps": 4, "num_stages": 2}
# </dsagen:schedule>


@triton.jit
def _absorb(kv_ptr, s_ptr, ape_ptr, row0, col0, stride_kv, stride_s, stride_ape, m, run_sum, acc, cols, cmask,
            R: tl.constexpr, BLOCK_S: tl.constexpr):
    """Fold the R rows starting at row0 (channels col0 + cols) into the running per-channel softmax."""
    for s0 in range(0, R, BLOCK_S):
        j = s0 + tl.arange(0, BLOCK_S)
        mk = (j < R)[:, None] & cmask[None, :]
        rows = (row0 + j).to(tl.int64)
        kv = tl.load(kv_ptr + rows[:, None] * stride_kv + col0 + cols[None, :], mask=mk, other=0.0).to(tl.float32)
        sc = tl.load(s_ptr + rows[:, None] * stride_s + col0 + cols[None, :], mask=mk, other=0.0).to(tl.float32)
        ap = tl.load(ape_ptr + j[:, None] * stride_ape + col0 + cols[None, :], mask=mk, other=0.0).to(tl.float32)
        sc = tl.where(mk, sc + ap, float("-inf"))
        m_new = tl.maximum(m, tl.max(sc, axis=0))
        m_use = tl.where(m_new == float("-inf"), 0.0, m_new)   # nothing seen yet: keep exp finite
        alpha = tl.exp(m - m_use)
        p = tl.exp(sc - m_use[None, :])
        run_sum = run_sum * alpha + tl.sum(p, axis=0)
        acc = acc * alpha + tl.sum(p * kv, axis=0)
        m = m_new
    return m, run_sum, acc


@triton.jit
def kv_compress_kernel(
    kv_ptr, s_ptr, ape_ptr, w_ptr, grow_ptr, prow_ptr, out_ptr,
    n_rows, stride_kv, stride_s, stride_ape, stride_o, eps,
    D: tl.constexpr, R: tl.constexpr, OVERLAP: tl.constexpr, NORM: tl.constexpr, UPCAST: tl.constexpr,
    BLOCK_D: tl.constexpr, BLOCK_S: tl.constexpr,
):
    e = tl.program_id(0)
    g0 = tl.load(grow_ptr + e)
    cols = tl.arange(0, BLOCK_D)
    cmask = cols < D
    orow = out_ptr + e.to(tl.int64) * stride_o + cols
    if g0 >= 0:
        p0 = tl.load(prow_ptr + e) if OVERLAP else -1
        if (g0 > n_rows - R) | (p0 > n_rows - R):   # a group past the last row: never read, NaN
            tl.store(orow, tl.full([BLOCK_D], float("nan"), tl.float32).to(out_ptr.dtype.element_ty), mask=cmask)
        else:
            m = tl.full([BLOCK_D], float("-inf"), tl.float32)
            run_sum = tl.zeros([BLOCK_D], tl.float32)
            acc = tl.zeros([BLOCK_D], tl.float32)
            if p0 >= 0:   # overlap: the previous group's rows, first-half channels
                m, run_sum, acc = _absorb(kv_ptr, s_ptr, ape_ptr, p0, 0, stride_kv, stride_s, stride_ape,
                                          m, run_sum, acc, cols, cmask, R, BLOCK_S)
            own = D if OVERLAP else 0   # the entry's own rows: second-half channels with overlap
            m, run_sum, acc = _absorb(kv_ptr, s_ptr, ape_ptr, g0, own, stride_kv, stride_s, stride_ape,
                                      m, run_sum, acc, cols, cmask, R, BLOCK_S)
            y = tl.where(cmask, acc / run_sum, 0.0)
            if NORM:
                ms = tl.sum(y * y, axis=0) / D
                w = tl.load(w_ptr + cols, mask=cmask, other=0.0).to(tl.float32)
                y = y * (1.0 / tl.sqrt(ms + eps)) * w
            tl.store(orow, _to_out(y, out_ptr.dtype.element_ty, UPCAST), mask=cmask)


def launch(kv, score, ape, weight, group_rows, prev_rows, out, *, ratio, eps, schedule=None):
    """kv, score [N, c * D]; ape [ratio, c * D]; weight [D] or None (no RMSNorm); group_rows int32 [E];
    prev_rows int32 [E] (overlap, c = 2) or None (c = 1); out [E, D] (bf16, fp16 or fp32), written in
    place for the entries with group_rows >= 0."""
    from dsagen.runtime.triton_env import interpreter_on

    s = dict(SCHEDULE)
    if schedule:
        s.update(schedule)
    overlap = prev_rows is not None
    d = kv.shape[1] // (2 if overlap else 1)
    e = group_rows.numel()
    if e == 0:
        return out
    kv_compress_kernel[(e,)](
        kv, score, ape, out if weight is None else weight, group_rows, group_rows if prev_rows is None else prev_rows,
        out,
        kv.shape[0], kv.stride(0), score.stride(0), ape.stride(0), out.stride(0), float(eps),
        D=d, R=int(ratio), OVERLAP=overlap, NORM=weight is not None, UPCAST=interpreter_on(),
        BLOCK_D=triton.next_power_of_2(d), BLOCK_S=min(s["BLOCK_S"], triton.next_power_of_2(int(ratio))),
        num_warps=s["num_warps"], num_stages=s["num_stages"],
    )
    return out


def aot_kernels(problem: dict, schedule: dict) -> list:
    s = dict(SCHEDULE)
    if schedule:
        s.update(schedule)
    d, r = int(problem["d"]), int(problem["ratio"])
    consts = {"D": d, "R": r, "OVERLAP": bool(problem["overlap"]), "NORM": bool(problem["norm"]), "UPCAST": False,
              "BLOCK_D": triton.next_power_of_2(d), "BLOCK_S": min(s["BLOCK_S"], triton.next_power_of_2(r))}
    sig = {"kv_ptr": "*bf16", "s_ptr": "*bf16", "ape_ptr": "*fp32", "w_ptr": "*fp32", "grow_ptr": "*i32",
           "prow_ptr": "*i32", "out_ptr": "*bf16", "n_rows": "i32", "stride_kv": "i32", "stride_s": "i32",
           "stride_ape": "i32", "stride_o": "i32", "eps": "fp32", **{k: "constexpr" for k in consts}}
    # the int args at this problem's launch (contiguous kv, score [N, c * D], ape [ratio, c * D],
    # out [E, D]; N unknown here, so n_rows stays unhinted): dsagen.gen.aot marks multiples of 16
    c = 2 if problem["overlap"] else 1
    ints = {"stride_kv": c * d, "stride_s": c * d, "stride_ape": c * d, "stride_o": d}
    return [{"name": "kv_compress_kernel", "fn": kv_compress_kernel, "signature": sig, "constexprs": consts,
             "ints": ints, "num_warps": s["num_warps"], "num_stages": s["num_stages"]}]

