"""Sparse MLA prefill (FlashMLA's flash_mla_sparse_fwd semantics), bf16 latent KV.

Per query token t and head h, over the selected entries j of indices[t, 0, :]:
    P[h, j] = q[t, h] . kv[idx[t, j]] * sm_scale          (d_qk = 576: latent 512 + RoPE 64, or 512)
    max_logits[t, h] = max_j P,  lse[t, h] = natural-log logsumexp_j P,
    out[t, h] = softmax_j(P) @ kv[idx[t, j], :512].
An index < 0, >= s_kv or at a position >= topk_length[t] is invalid (never read). A query with no
valid index gets out = 0, lse = +inf, max_logits = -inf; a NaN logit makes its head's out, lse and
max_logits NaN (as the oracle's softmax does). attn_sink [h_q] scales out by
exp(lse) / (exp(lse) + exp(sink)) and leaves lse alone. Repeated indices count once per occurrence.

Work split: one program per (query token, block of BLOCK_H heads), the head block varying fastest
in the 1-D grid (a token's head blocks share its gathered KV rows in L2). The program walks the
token's top-k in BLOCK_N steps; each step gathers BLOCK_N latent rows once (masked loads, int64 row
offsets) and shares them across all BLOCK_H heads (the point of MLA: one latent row serves every
head). The 512-wide latent is handled as four 128-wide column groups: QK^T is four tl.dot partial
products plus one for the 64-wide RoPE part; PV updates four [BLOCK_H, 128] fp32 accumulators with
the same gathered tiles (the value is the latent). Online softmax runs in base 2 in fp32 with a
finite floor for the running max (no -inf - -inf); lse and max_logits are written in natural log.
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584) and rounds
the bf16 output to nearest even on the bits (the interpreter's own cast truncates).
"""

import triton
import triton.language as tl

from dsagen.runtime.targets import cc, code_arch
from dsagen.runtime.triton_casts import to_out as _to_out  # fp32 -> bf16 rounding to nearest even, also on CPU

# <dsagen:schedule>
SCHEDULE = {"BLOCK_H": 64, "BLOCK_N": 64, "num_warps": 8, "num_stages": 3}
# </dsagen:schedule>

# A launch with no tuned schedule off sm90 (a problem generated/ has no kernel for) takes this one:
# the default above is sm90's pick (two 64-row KV buffers), which needs 115 KB of shared memory
# even at BLOCK_H 32, over the L40S's 99 KB per block. AOT (Triton 3.6, h_q 128, d_qk 576), no
# spills: sm89 195 registers / 57 KB, gfx942 240 VGPRs, gfx950 234 (the old 64/16/8/3 spilled
# 52 / 8 B on gfx942 / gfx950).
PORTABLE_SCHEDULE = {"BLOCK_H": 32, "BLOCK_N": 16, "num_warps": 8, "num_stages": 1}

D_LATENT = 512
_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
LN2_C = tl.constexpr(_LN2)


@triton.jit
def sparse_mla_prefill_kernel(
    q_ptr, kv_ptr, idx_ptr, topk_len_ptr, sink_ptr,
    out_ptr, maxl_ptr, lse_ptr,
    h_q, s_kv, topk, qk_scale,
    stride_qt, stride_qh, stride_kv, stride_it,
    stride_ot, stride_oh, stride_mt, stride_mh, stride_lt, stride_lh,
    D_ROPE: tl.constexpr, UPCAST: tl.constexpr, HAS_TOPK_LEN: tl.constexpr, HAS_SINK: tl.constexpr,
    BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr, N_HB: tl.constexpr,
):
    # 1-D grid, head block fastest: a token's head blocks are adjacent programs, so they run at the
    # same time and the later ones gather the token's KV rows from L2 (s_q * N_HB < 2^31 programs).
    # N_HB = cdiv(h_q, BLOCK_H) is a constexpr: a runtime division kept t alive as one more register
    # and BLOCK_N 64 spilled 8-24 B on sm90 (AOT); a constant divisor is a shift (or a multiply-high).
    pid = tl.program_id(0)
    t = pid // N_HB
    hb = pid % N_HB
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16

    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hmask = heads < h_q
    c128 = tl.arange(0, 128)
    qrow = q_ptr + t.to(tl.int64) * stride_qt + heads[:, None].to(tl.int64) * stride_qh
    q0 = tl.load(qrow + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q1 = tl.load(qrow + 128 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q2 = tl.load(qrow + 256 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q3 = tl.load(qrow + 384 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    if D_ROPE > 0:
        cr = tl.arange(0, D_ROPE)
        qr = tl.load(qrow + 512 + cr[None, :], mask=hmask[:, None], other=0.0).to(KDT)

    end = topk
    if HAS_TOPK_LEN:
        end = tl.minimum(end, tl.maximum(tl.load(topk_len_ptr + t), 0))

    m_i = tl.full([BLOCK_H], -1.0e30, tl.float32)  # base-2 running max, finite floor
    l_i = tl.zeros([BLOCK_H], tl.float32)
    acc0 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc1 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc2 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc3 = tl.zeros([BLOCK_H, 128], tl.float32)
    irow = idx_ptr + t.to(tl.int64) * stride_it
    for n0 in range(0, end, BLOCK_N):
        pos = n0 + tl.arange(0, BLOCK_N)
        idx = tl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < s_kv)
        krow = kv_ptr + tl.where(valid, idx, 0).to(tl.int64) * stride_kv
        k0 = tl.load(krow[:, None] + c128[None, :], mask=valid[:, None], other=0.0).to(KDT)
        k1 = tl.load(krow[:, None] + 128 + c128[None, :], mask=valid[:, None], other=0.0).to(KDT)
        k2 = tl.load(krow[:, None] + 256 + c128[None, :], mask=valid[:, None], other=0.0).to(KDT)
        k3 = tl.load(krow[:, None] + 384 + c128[None, :], mask=valid[:, None], other=0.0).to(KDT)
        qk = tl.dot(q0, tl.trans(k0))
        qk = tl.dot(q1, tl.trans(k1), qk)
        qk = tl.dot(q2, tl.trans(k2), qk)
        qk = tl.dot(q3, tl.trans(k3), qk)
        if D_ROPE > 0:
            kr = tl.load(krow[:, None] + 512 + cr[None, :], mask=valid[:, None], other=0.0).to(KDT)
            qk = tl.dot(qr, tl.trans(kr), qk)
        qk = tl.where(valid[None, :], qk * qk_scale, float("-inf"))  # base-2 logits
        m_new = tl.maximum(m_i, tl.max(qk, axis=1))
        alpha = tl.exp2(m_i - m_new)
        p = tl.exp2(qk - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, axis=1)
        m_i = m_new
        pk = p.to(KDT)
        acc0 = tl.dot(pk, k0, acc0 * alpha[:, None])
        acc1 = tl.dot(pk, k1, acc1 * alpha[:, None])
        acc2 = tl.dot(pk, k2, acc2 * alpha[:, None])
        acc3 = tl.dot(pk, k3, acc3 * alpha[:, None])

    has = l_i > 0.0
    # A NaN logit (NaN in q, in a selected KV row, or sm_scale) leaves l_i NaN whichever way the
    # target's max treats NaN: that head's out, lse and max_logits are NaN, as in the oracle.
    nan_row = l_i != l_i
    l_safe = tl.where(has, l_i, 1.0)
    inv = 1.0 / l_safe
    lse = tl.where(has, (m_i + tl.log2(l_safe)) * LN2_C, float("inf"))
    maxl = tl.where(has, m_i * LN2_C, float("-inf"))
    if HAS_SINK:
        sink = tl.load(sink_ptr + heads, mask=hmask, other=0.0)
        inv = tl.where(has, inv / (1.0 + tl.exp(sink - lse)), 0.0)
    inv = tl.where(nan_row, float("nan"), tl.where(has, inv, 0.0))
    lse = tl.where(nan_row, float("nan"), lse)
    maxl = tl.where(nan_row, float("nan"), maxl)
    orow = out_ptr + t.to(tl.int64) * stride_ot + heads[:, None].to(tl.int64) * stride_oh
    odt = out_ptr.dtype.element_ty
    tl.store(orow + c128[None, :], _to_out(acc0 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
    tl.store(orow + 128 + c128[None, :], _to_out(acc1 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
    tl.store(orow + 256 + c128[None, :], _to_out(acc2 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
    tl.store(orow + 384 + c128[None, :], _to_out(acc3 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
    tl.store(lse_ptr + t.to(tl.int64) * stride_lt + heads * stride_lh, lse, mask=hmask)
    tl.store(maxl_ptr + t.to(tl.int64) * stride_mt + heads * stride_mh, maxl, mask=hmask)


# ---- host side -----------------------------------------------------------------------------

def block_h_for(h_q: int, sch, arch=None) -> int:
    """Heads per program: the schedule's BLOCK_H, no wider than h_q needs (>= 16 for tl.dot), and
    at most 32 before sm90 (mma.sync keeps q and the BLOCK_H x 512 fp32 accumulator in registers)
    and on sm100 (tcgen05's tensor memory cannot hold a 64 x 512 accumulator plus the logits)."""
    bh = max(16, min(sch["BLOCK_H"], triton.next_power_of_2(h_q)))
    c = cc(arch)
    if c is not None and (c < 90 or c >= 100):
        bh = min(bh, 32)
    return bh


def launch(q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale, schedule=None):
    """q [s_q, h_q, d_qk] (d_qk 576 or 512, last dim contiguous); kv [s_kv, 1, d_qk] (last dim
    contiguous); indices int32 [s_q, 1, topk] (last dim contiguous); topk_length int32 [s_q] or None;
    attn_sink fp32 [h_q] or None; out [s_q, h_q, 512]; max_logits, lse fp32 [s_q, h_q]."""
    s_q, h_q, d_qk = q.shape
    if s_q == 0 or h_q == 0:
        return
    device = q.device
    arch = code_arch(device)
    sch = schedule or (SCHEDULE if arch == "cpu" or cc(arch) == 90 else PORTABLE_SCHEDULE)
    block_h = block_h_for(h_q, sch, arch)
    dummy = lse
    grid = (s_q * triton.cdiv(h_q, block_h),)  # program = token * n_head_blocks + head block
    sparse_mla_prefill_kernel[grid](
        q, kv, indices,
        topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy,
        out, max_logits, lse,
        h_q, kv.shape[0], indices.shape[-1], float(sm_scale) * _LOG2E,
        q.stride(0), q.stride(1), kv.stride(0), indices.stride(0),
        out.stride(0), out.stride(1), max_logits.stride(0), max_logits.stride(1), lse.stride(0), lse.stride(1),
        D_ROPE=d_qk - D_LATENT, UPCAST=device.type == "cpu",
        HAS_TOPK_LEN=topk_length is not None, HAS_SINK=attn_sink is not None,
        BLOCK_H=block_h, BLOCK_N=sch["BLOCK_N"], N_HB=triton.cdiv(h_q, block_h),
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: h_q, d_qk, d_v, topk, s_q, s_kv, and optionally arch (sm90 when absent)."""
    block_h = block_h_for(problem["h_q"], schedule, problem.get("arch", "sm90"))
    sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "idx_ptr": "*i32", "topk_len_ptr": "*i32", "sink_ptr": "*fp32",
           "out_ptr": "*bf16", "maxl_ptr": "*fp32", "lse_ptr": "*fp32",
           "h_q": "i32", "s_kv": "i32", "topk": "i32", "qk_scale": "fp32"}
    for name in ("stride_qt", "stride_qh", "stride_kv", "stride_it", "stride_ot", "stride_oh",
                 "stride_mt", "stride_mh", "stride_lt", "stride_lh"):
        sig[name] = "i32"
    # The JIT specializes every 16-aligned pointer and every int that is a multiple of 16 at launch;
    # list the same for this problem so the AOT compile is the launched one (with the contiguous
    # layouts launch sees). stride_kv % 16 is what lets the KV gather become cp.async.
    h, dq, dv = problem["h_q"], problem["d_qk"], problem["d_v"]
    ints = {"h_q": h, "s_kv": problem["s_kv"], "topk": problem["topk"],
            "stride_qt": h * dq, "stride_qh": dq, "stride_kv": dq, "stride_it": problem["topk"],
            "stride_ot": h * dv, "stride_oh": dv, "stride_mt": h, "stride_mh": 1, "stride_lt": h, "stride_lh": 1}
    consts = {"D_ROPE": problem["d_qk"] - D_LATENT, "UPCAST": False, "HAS_TOPK_LEN": True, "HAS_SINK": True,
              "BLOCK_H": block_h, "BLOCK_N": schedule["BLOCK_N"], "N_HB": -(-problem["h_q"] // block_h)}
    for name in consts:
        sig[name] = "constexpr"
    return [{"name": "sparse_mla_prefill_kernel", "fn": sparse_mla_prefill_kernel, "signature": sig,
             "constexprs": consts, "ints": ints,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]}]
