"""Sparse MLA backward (the gradient of flash_mla_sparse_fwd), bf16 latent KV.

Formulas (dsagen/operators/sparse_mla_bwd/naive.py): per query token t and head h, over the
valid selected entries j, with the forward's lse (natural log) and, with a sink,
g = exp(lse) / (exp(lse) + exp(sink)):
    P~ = exp(sm_scale * q . k_j - lse) * g,   Delta = dO . out,   dL = P~ * (dO . v_j - Delta)
    dq = sm_scale * sum_j dL k_j,   dkv[idx_j] += sm_scale * sum_h dL q_h + sum_h P~ dO_h (v = k[:512])
    dsink[h] = -sum_t Delta * (1 - g)
Delta is computed here from the forward's bf16 out (as FlashAttention's preprocess does).

Work split. The query kernel runs one program per (query token, block of BLOCK_H heads): q and
dO stay resident; the token's top-k is walked in BLOCK_N steps, each gathering BLOCK_N latent rows
once for all BLOCK_H heads (the forward's gather), recomputing P~ from lse, and accumulating dq in
fp32 (five [BLOCK_H, 128 | 64] accumulators: four latent column groups and the RoPE part).
The dkv contribution of a step, [BLOCK_N, d_qk] = dL^T q + P~^T dO, is added to an fp32 dkv with
atomics (ATOMIC_DKV): many queries share a KV row, and fp32 atomic adds are exact per add but their
order is not fixed, so the result may differ in the last bits between runs.
Deterministic mode (ATOMIC_DKV off) leaves dkv to the KV kernel: one program per KV row walks the
(token, slot) pairs that selected it in a fixed order (a CSR built on the host by a stable sort),
recomputes P~ and dL for every head and sums them in registers; no atomics, the same bits every
run, at the cost of computing the logits a second time (FMA work, not tensor cores).
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584).
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import cc, code_arch
from dsagen.runtime.triton_casts import (
    to_out as _to_out,  # fp32 -> bf16 rounding to nearest even, also on CPU
)

# <dsagen:schedule>
SCHEDULE = {"BLOCK_H": 16, "BLOCK_N": 16, "DET_BLOCK_H": 16, "DET_WARPS": 8, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>

D_LATENT = 512
_LOG2E = 1.4426950408889634


@triton.jit
def _gather(krow, cols, valid, KDT: tl.constexpr):
    return tl.load(krow[:, None] + cols[None, :], mask=valid[:, None], other=0.0).to(KDT)


@triton.jit
def _rows(base, heads_ok, cols, KDT: tl.constexpr):
    return tl.load(base + cols[None, :], mask=heads_ok[:, None], other=0.0).to(KDT)


@triton.jit
def _dkv_add(ptr, vals, valid, cols):
    tl.atomic_add(ptr[:, None] + cols[None, :], vals, mask=valid[:, None], sem="relaxed")


@triton.jit
def sparse_mla_bwd_kernel(
    q_ptr, kv_ptr, idx_ptr, topk_len_ptr, sink_ptr, out_ptr, dout_ptr, lse_ptr,
    dq_ptr, dkv_ptr, delta_ptr,
    h_q, s_kv, topk, qk_scale, sm_scale,
    stride_qt, stride_qh, stride_kv, stride_it, stride_ot, stride_oh, stride_dot, stride_doh,
    stride_lt, stride_dqt, stride_dqh, stride_dkv,
    D_ROPE: tl.constexpr, UPCAST: tl.constexpr, HAS_TOPK_LEN: tl.constexpr, HAS_SINK: tl.constexpr,
    ATOMIC_DKV: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr,
):
    t = tl.program_id(0)
    hb = tl.program_id(1)
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    t64 = t.to(tl.int64)

    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hok = heads < h_q
    c128 = tl.arange(0, 128)
    cr = tl.arange(0, D_ROPE if D_ROPE > 0 else 16)
    qrow = q_ptr + t64 * stride_qt + heads[:, None].to(tl.int64) * stride_qh
    q0 = _rows(qrow, hok, c128, KDT)
    q1 = _rows(qrow + 128, hok, c128, KDT)
    q2 = _rows(qrow + 256, hok, c128, KDT)
    q3 = _rows(qrow + 384, hok, c128, KDT)
    dorow = dout_ptr + t64 * stride_dot + heads[:, None].to(tl.int64) * stride_doh
    orow = out_ptr + t64 * stride_ot + heads[:, None].to(tl.int64) * stride_oh
    do0 = _rows(dorow, hok, c128, tl.float32)
    do1 = _rows(dorow + 128, hok, c128, tl.float32)
    do2 = _rows(dorow + 256, hok, c128, tl.float32)
    do3 = _rows(dorow + 384, hok, c128, tl.float32)
    delta = tl.sum(do0 * _rows(orow, hok, c128, tl.float32), axis=1)
    delta += tl.sum(do1 * _rows(orow + 128, hok, c128, tl.float32), axis=1)
    delta += tl.sum(do2 * _rows(orow + 256, hok, c128, tl.float32), axis=1)
    delta += tl.sum(do3 * _rows(orow + 384, hok, c128, tl.float32), axis=1)
    tl.store(delta_ptr + t64 * stride_lt + heads, delta, mask=hok)
    do0 = do0.to(KDT)
    do1 = do1.to(KDT)
    do2 = do2.to(KDT)
    do3 = do3.to(KDT)

    # lse = +inf (no valid entry; also the padded heads) makes every P~ 0.
    lse = tl.load(lse_ptr + t64 * stride_lt + heads, mask=hok, other=float("inf"))
    g = tl.full([BLOCK_H], 1.0, tl.float32)
    if HAS_SINK:
        sink = tl.load(sink_ptr + heads, mask=hok, other=0.0)
        g = 1.0 / (1.0 + tl.exp(sink - lse))
    lse2 = lse * 1.4426950408889634

    end = topk
    if HAS_TOPK_LEN:
        end = tl.minimum(end, tl.maximum(tl.load(topk_len_ptr + t), 0))

    dq0 = tl.zeros([BLOCK_H, 128], tl.float32)
    dq1 = tl.zeros([BLOCK_H, 128], tl.float32)
    dq2 = tl.zeros([BLOCK_H, 128], tl.float32)
    dq3 = tl.zeros([BLOCK_H, 128], tl.float32)
    dqr = tl.zeros([BLOCK_H, D_ROPE if D_ROPE > 0 else 16], tl.float32)
    if D_ROPE > 0:
        qr = _rows(qrow + 512, hok, cr, KDT)
    irow = idx_ptr + t64 * stride_it
    for n0 in range(0, end, BLOCK_N):
        pos = n0 + tl.arange(0, BLOCK_N)
        idx = tl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < s_kv)
        r64 = tl.where(valid, idx, 0).to(tl.int64)
        krow = kv_ptr + r64 * stride_kv
        k0 = _gather(krow, c128, valid, KDT)
        k1 = _gather(krow + 128, c128, valid, KDT)
        k2 = _gather(krow + 256, c128, valid, KDT)
        k3 = _gather(krow + 384, c128, valid, KDT)
        s = tl.dot(q0, tl.trans(k0))
        s = tl.dot(q1, tl.trans(k1), s)
        s = tl.dot(q2, tl.trans(k2), s)
        s = tl.dot(q3, tl.trans(k3), s)
        if D_ROPE > 0:
            kr = _gather(krow + 512, cr, valid, KDT)
            s = tl.dot(qr, tl.trans(kr), s)
        p = tl.exp2(s * qk_scale - lse2[:, None]) * g[:, None]
        p = tl.where(valid[None, :], p, 0.0)
        dp = tl.dot(do0, tl.trans(k0))
        dp = tl.dot(do1, tl.trans(k1), dp)
        dp = tl.dot(do2, tl.trans(k2), dp)
        dp = tl.dot(do3, tl.trans(k3), dp)
        ds = (p * (dp - delta[:, None]) * sm_scale).to(KDT)
        dq0 = tl.dot(ds, k0, dq0)
        dq1 = tl.dot(ds, k1, dq1)
        dq2 = tl.dot(ds, k2, dq2)
        dq3 = tl.dot(ds, k3, dq3)
        if D_ROPE > 0:
            dqr = tl.dot(ds, kr, dqr)
        if ATOMIC_DKV:
            dst = tl.trans(ds)
            pt = tl.trans(p.to(KDT))
            drow = dkv_ptr + r64 * stride_dkv
            _dkv_add(drow, tl.dot(pt, do0, tl.dot(dst, q0)), valid, c128)
            _dkv_add(drow + 128, tl.dot(pt, do1, tl.dot(dst, q1)), valid, c128)
            _dkv_add(drow + 256, tl.dot(pt, do2, tl.dot(dst, q2)), valid, c128)
            _dkv_add(drow + 384, tl.dot(pt, do3, tl.dot(dst, q3)), valid, c128)
            if D_ROPE > 0:
                _dkv_add(drow + 512, tl.dot(dst, qr), valid, cr)

    dqrow = dq_ptr + t64 * stride_dqt + heads[:, None].to(tl.int64) * stride_dqh
    odt = dq_ptr.dtype.element_ty
    tl.store(dqrow + c128[None, :], _to_out(dq0, odt, UPCAST), mask=hok[:, None])
    tl.store(dqrow + 128 + c128[None, :], _to_out(dq1, odt, UPCAST), mask=hok[:, None])
    tl.store(dqrow + 256 + c128[None, :], _to_out(dq2, odt, UPCAST), mask=hok[:, None])
    tl.store(dqrow + 384 + c128[None, :], _to_out(dq3, odt, UPCAST), mask=hok[:, None])
    if D_ROPE > 0:
        tl.store(dqrow + 512 + cr[None, :], _to_out(dqr, odt, UPCAST), mask=hok[:, None])


@triton.jit
def sparse_mla_bwd_dkv_kernel(
    q_ptr, kv_ptr, dout_ptr, lse_ptr, delta_ptr, sink_ptr, rowptr_ptr, occ_ptr, dkv_ptr,
    h_q, qk_scale, sm_scale,
    stride_qt, stride_qh, stride_kv, stride_dot, stride_doh, stride_lt, stride_dkv,
    D_ROPE: tl.constexpr, UPCAST: tl.constexpr, HAS_SINK: tl.constexpr, BLOCK_H: tl.constexpr,
):
    r = tl.program_id(0)
    r64 = r.to(tl.int64)
    c128 = tl.arange(0, 128)
    cr = tl.arange(0, D_ROPE if D_ROPE > 0 else 16)
    krow = kv_ptr + r64 * stride_kv
    k0 = tl.load(krow + c128).to(tl.float32)
    k1 = tl.load(krow + 128 + c128).to(tl.float32)
    k2 = tl.load(krow + 256 + c128).to(tl.float32)
    k3 = tl.load(krow + 384 + c128).to(tl.float32)
    kr = tl.zeros([D_ROPE if D_ROPE > 0 else 16], tl.float32)
    if D_ROPE > 0:
        kr = tl.load(krow + 512 + cr).to(tl.float32)
    a0 = tl.zeros([128], tl.float32)
    a1 = tl.zeros([128], tl.float32)
    a2 = tl.zeros([128], tl.float32)
    a3 = tl.zeros([128], tl.float32)
    ar = tl.zeros([D_ROPE if D_ROPE > 0 else 16], tl.float32)
    start = tl.load(rowptr_ptr + r)
    stop = tl.load(rowptr_ptr + r + 1)
    for o in range(start, stop):            # the pairs that selected row r, in (token, slot) order
        t64 = tl.load(occ_ptr + o).to(tl.int64)
        for h0 in range(0, h_q, BLOCK_H):
            heads = h0 + tl.arange(0, BLOCK_H)
            hok = heads < h_q
            qrow = q_ptr + t64 * stride_qt + heads[:, None].to(tl.int64) * stride_qh
            dorow = dout_ptr + t64 * stride_dot + heads[:, None].to(tl.int64) * stride_doh
            q0 = _rows(qrow, hok, c128, tl.float32)
            q1 = _rows(qrow + 128, hok, c128, tl.float32)
            q2 = _rows(qrow + 256, hok, c128, tl.float32)
            q3 = _rows(qrow + 384, hok, c128, tl.float32)
            s = tl.sum(q0 * k0[None, :], 1) + tl.sum(q1 * k1[None, :], 1)
            s += tl.sum(q2 * k2[None, :], 1) + tl.sum(q3 * k3[None, :], 1)
            if D_ROPE > 0:
                qr = _rows(qrow + 512, hok, cr, tl.float32)
                s += tl.sum(qr * kr[None, :], 1)
            lse = tl.load(lse_ptr + t64 * stride_lt + heads, mask=hok, other=float("inf"))
            delta = tl.load(delta_ptr + t64 * stride_lt + heads, mask=hok, other=0.0)
            p = tl.exp2(s * qk_scale - lse * 1.4426950408889634)
            if HAS_SINK:
                sink = tl.load(sink_ptr + heads, mask=hok, other=0.0)
                p = p / (1.0 + tl.exp(sink - lse))
            p = tl.where(hok, p, 0.0)
            do0 = _rows(dorow, hok, c128, tl.float32)
            do1 = _rows(dorow + 128, hok, c128, tl.float32)
            do2 = _rows(dorow + 256, hok, c128, tl.float32)
            do3 = _rows(dorow + 384, hok, c128, tl.float32)
            dp = tl.sum(do0 * k0[None, :], 1) + tl.sum(do1 * k1[None, :], 1)
            dp += tl.sum(do2 * k2[None, :], 1) + tl.sum(do3 * k3[None, :], 1)
            ds = p * (dp - delta) * sm_scale
            a0 += tl.sum(ds[:, None] * q0 + p[:, None] * do0, 0)
            a1 += tl.sum(ds[:, None] * q1 + p[:, None] * do1, 0)
            a2 += tl.sum(ds[:, None] * q2 + p[:, None] * do2, 0)
            a3 += tl.sum(ds[:, None] * q3 + p[:, None] * do3, 0)
            if D_ROPE > 0:
                ar += tl.sum(ds[:, None] * qr, 0)
    drow = dkv_ptr + r64 * stride_dkv
    odt = dkv_ptr.dtype.element_ty
    tl.store(drow + c128, _to_out(a0, odt, UPCAST))
    tl.store(drow + 128 + c128, _to_out(a1, odt, UPCAST))
    tl.store(drow + 256 + c128, _to_out(a2, odt, UPCAST))
    tl.store(drow + 384 + c128, _to_out(a3, odt, UPCAST))
    if D_ROPE > 0:
        tl.store(drow + 512 + cr, _to_out(ar, odt, UPCAST))


# ---- host side -----------------------------------------------------------------------------

def block_h_for(h_q: int, sch, arch=None) -> int:
    """Heads per program: the schedule's BLOCK_H, no wider than h_q needs (>= 16 for tl.dot), and
    at most 32 before sm90 and on sm100 (as the forward: the fp32 dq accumulators sit in registers)."""
    bh = max(16, min(sch["BLOCK_H"], triton.next_power_of_2(h_q)))
    c = cc(arch)
    if c is not None and (c < 90 or c >= 100):
        bh = min(bh, 32)
    return bh


def selections(indices, topk_length, s_kv):
    """The CSR of who selected each KV row: (rowptr int32 [s_kv + 1], token int32 [pairs]), pairs in
    (row, token, slot) order; invalid entries and slots past topk_length are left out."""
    s_q, topk = indices.shape[0], indices.shape[-1]
    idx = indices.reshape(s_q, topk).long()
    valid = (idx >= 0) & (idx < s_kv)
    if topk_length is not None:
        valid &= torch.arange(topk, device=idx.device)[None, :] < topk_length.long()[:, None]
    flat = torch.nonzero(valid.flatten()).flatten()          # (token, slot) order
    rows = idx.flatten()[flat]
    order = torch.sort(rows, stable=True).indices             # by row, ties kept in (token, slot) order
    tokens = (flat[order] // topk).to(torch.int32)
    counts = torch.bincount(rows, minlength=s_kv)
    rowptr = torch.zeros(s_kv + 1, dtype=torch.int32, device=idx.device)
    rowptr[1:] = torch.cumsum(counts, 0).to(torch.int32)
    return rowptr, tokens


def launch(q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, *, sm_scale,
           deterministic=False, dsink=None, schedule=None):
    """q [s_q, h_q, d_qk], kv [s_kv, 1, d_qk], indices int32 [s_q, 1, topk], topk_length int32 [s_q]
    or None, attn_sink fp32 [h_q] or None, out / dout [s_q, h_q, 512] (last dims contiguous), lse fp32
    [s_q, h_q] (the forward's); writes dq [s_q, h_q, d_qk], dkv [s_kv, 1, d_qk] (fp32 and zeroed by
    the caller unless deterministic), delta fp32 [s_q, h_q] and, given a sink, dsink fp32 [h_q]."""
    _kernels(q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, sm_scale, deterministic,
             schedule or SCHEDULE)
    if attn_sink is not None and dsink is not None:
        # d out / d sink = -out * P_sink; against dout: -Delta * P_sink, P_sink = 1 - sigmoid(lse - sink)
        # (0 for a query with no valid entry: lse = +inf)
        dsink.copy_(-(delta * (1.0 - torch.sigmoid(lse - attn_sink[None, :]))).sum(0))


def _kernels(q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, sm_scale, deterministic, sch):
    s_q, h_q, d_qk = q.shape
    s_kv = kv.shape[0]
    if s_q == 0 or h_q == 0:
        if deterministic:
            dkv.zero_()
        return
    device = q.device
    block_h = block_h_for(h_q, sch, code_arch(device))
    dummy = lse
    upcast = device.type == "cpu"
    d_rope = d_qk - D_LATENT
    qk_scale = float(sm_scale) * _LOG2E
    grid = (s_q, triton.cdiv(h_q, block_h))
    sparse_mla_bwd_kernel[grid](
        q, kv, indices, topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy, out, dout, lse, dq, dkv, delta,
        h_q, s_kv, indices.shape[-1], qk_scale, float(sm_scale),
        q.stride(0), q.stride(1), kv.stride(0), indices.stride(0), out.stride(0), out.stride(1),
        dout.stride(0), dout.stride(1), lse.stride(0), dq.stride(0), dq.stride(1), dkv.stride(0),
        D_ROPE=d_rope, UPCAST=upcast, HAS_TOPK_LEN=topk_length is not None, HAS_SINK=attn_sink is not None,
        ATOMIC_DKV=not deterministic, BLOCK_H=block_h, BLOCK_N=sch["BLOCK_N"],
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )
    if deterministic and s_kv > 0:
        rowptr, tokens = selections(indices, topk_length, s_kv)
        sparse_mla_bwd_dkv_kernel[(s_kv,)](
            q, kv, dout, lse, delta, attn_sink if attn_sink is not None else dummy, rowptr,
            tokens if tokens.numel() else rowptr, dkv,
            h_q, qk_scale, float(sm_scale),
            q.stride(0), q.stride(1), kv.stride(0), dout.stride(0), dout.stride(1), lse.stride(0), dkv.stride(0),
            D_ROPE=d_rope, UPCAST=upcast, HAS_SINK=attn_sink is not None,
            BLOCK_H=max(16, min(sch["DET_BLOCK_H"], triton.next_power_of_2(h_q))),
            num_warps=sch["DET_WARPS"],
        )


def aot_kernels(problem, schedule):
    """problem: h_q, d_qk, d_v, topk, s_q, s_kv, and optionally arch (sm90 when absent): the query
    kernel with atomic dkv (what training runs by default) and the deterministic KV kernel."""
    block_h = block_h_for(problem["h_q"], schedule, problem.get("arch", "sm90"))
    d_rope = problem["d_qk"] - D_LATENT
    sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "idx_ptr": "*i32", "topk_len_ptr": "*i32", "sink_ptr": "*fp32",
           "out_ptr": "*bf16", "dout_ptr": "*bf16", "lse_ptr": "*fp32", "dq_ptr": "*bf16", "dkv_ptr": "*fp32",
           "delta_ptr": "*fp32", "h_q": "i32", "s_kv": "i32", "topk": "i32", "qk_scale": "fp32",
           "sm_scale": "fp32"}
    for name in ("stride_qt", "stride_qh", "stride_kv", "stride_it", "stride_ot", "stride_oh", "stride_dot",
                 "stride_doh", "stride_lt", "stride_dqt", "stride_dqh", "stride_dkv"):
        sig[name] = "i32"
    consts = {"D_ROPE": d_rope, "UPCAST": False, "HAS_TOPK_LEN": True, "HAS_SINK": True, "ATOMIC_DKV": True,
              "BLOCK_H": block_h, "BLOCK_N": schedule["BLOCK_N"]}
    for name in consts:
        sig[name] = "constexpr"
    det_sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "dout_ptr": "*bf16", "lse_ptr": "*fp32", "delta_ptr": "*fp32",
               "sink_ptr": "*fp32", "rowptr_ptr": "*i32", "occ_ptr": "*i32", "dkv_ptr": "*bf16",
               "h_q": "i32", "qk_scale": "fp32", "sm_scale": "fp32"}
    for name in ("stride_qt", "stride_qh", "stride_kv", "stride_dot", "stride_doh", "stride_lt", "stride_dkv"):
        det_sig[name] = "i32"
    det_consts = {"D_ROPE": d_rope, "UPCAST": False, "HAS_SINK": True,
                  "BLOCK_H": max(16, min(schedule["DET_BLOCK_H"], triton.next_power_of_2(problem["h_q"])))}
    for name in det_consts:
        det_sig[name] = "constexpr"
    # What the JIT specializes at launch (16-aligned tensors, ints that are multiples of 16), for the
    # contiguous layouts launch documents, so the AOT compile is the launched one.
    h, dq_, dv = problem["h_q"], problem["d_qk"], problem["d_v"]
    ints = {"h_q": h, "s_kv": problem["s_kv"], "topk": problem["topk"], "stride_qt": h * dq_, "stride_qh": dq_,
            "stride_kv": dq_, "stride_it": problem["topk"], "stride_ot": h * dv, "stride_oh": dv,
            "stride_dot": h * dv, "stride_doh": dv, "stride_lt": h, "stride_dqt": h * dq_, "stride_dqh": dq_,
            "stride_dkv": dq_}

    return [{"name": "sparse_mla_bwd_kernel", "fn": sparse_mla_bwd_kernel, "signature": sig,
             "constexprs": consts, "ints": ints,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]},
            {"name": "sparse_mla_bwd_dkv_kernel", "fn": sparse_mla_bwd_dkv_kernel, "signature": det_sig,
             "constexprs": det_consts, "ints": ints, "num_warps": schedule["DET_WARPS"], "num_stages": 1}]
