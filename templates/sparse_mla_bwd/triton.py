"""Sparse MLA backward (the gradient of flash_mla_sparse_fwd), bf16 latent KV.

Formulas (dsagen/operators/sparse_mla_bwd/naive.py): per query token t and head h, over the
valid selected entries j, with the forward's lse (natural log) and, with a sink,
g = exp(lse) / (exp(lse) + exp(sink)):
    P~ = exp(sm_scale * q . k_j - lse) * g,   Delta = dO . out,   dL = P~ * (dO . v_j - Delta)
    dq = sm_scale * sum_j dL k_j,   dkv[idx_j] += sm_scale * sum_h dL q_h + sum_h P~ dO_h (v = k[:512])
    dsink[h] = -sum_t Delta * (1 - g)
Delta is computed here from the forward's bf16 out (as FlashAttention's preprocess does), and g is
folded into the exponent: P~ = exp2(log2e * (sm_scale s - lse - log(1 + exp(sink - lse)))).

Work split. The query kernel runs one program per (query token, block of BLOCK_H heads) and walks
the token's top-k in tiles of BLOCK_N keys; nothing of size d_qk is carried across tiles:
    S^T, dP^T [BLOCK_N, BLOCK_H] = K q^T, V dO^T      keys as M; 64-wide column chunks of K, q, dO
    dKV^T [64, BLOCK_N]          = q^T dS + dO^T P~   columns as M; fp32 atomics into dkv
    dQ [BLOCK_H, 128]            = dS K               128 columns of K gathered again (L2); fp32
                                                      atomics into a zeroed workspace, rounded to
                                                      bf16 by the host at the end
so on sm90 every wgmma is 64 x 64 or wider: 64 heads and 128 keys on 8 warps (Triton splits an M of
128 over the two warpgroups) or 64 keys on 4 warps. The earlier form (heads as M; q, dO and the fp32
dq of BLOCK_H heads in registers) was M = BLOCK_H 32 (mma.sync) on sm90: 64 heads spilled 104 B and
needed 290 KiB of shared memory. FlashAttention-3 accumulates dQ through atomics as well.
With d_qk = 576 the last dQ chunk is [448, 576) and keeps only its RoPE columns (a 64-column chunk
would put N 32 on each warpgroup).
dS and P~ enter dKV and dQ as bf16 hi + lo (split_bf16), each product run twice: rounded once to
bf16, as FlashAttention-style kernels do, they put dkv (26 of 27,648 elements at 128 heads, top-k 24)
and dq (7 of 368,640 in the DSA layer's training test) outside the element bound of
dsagen.tolerances.MLA_BWD_GRAD (CPU emulation of the GPU roundings and the interpreter, 2026-12-08):
an element sums many products of mixed sign (dS sums to ~0 over a row), so one rounding of each
term can exceed 2 bf16 ulps of the sum.
dQ stays deterministic: one program owns a (token, head) row and each element is added by the same
thread in tile order. The dKV adds of different queries meet in any order, so that result may differ
in the last bits between runs; deterministic mode (ATOMIC_DKV off) leaves dKV to the KV kernel: one
program per KV row walks the (token, slot) pairs that selected it in a fixed order (a CSR built on the
host by a stable sort), recomputes P~ and dL for every head and sums them in registers; no atomics,
the same bits every run, at the cost of computing the logits a second time (FMA work).
Offsets are int32 where they fit (I64 otherwise): a prototype of this kernel with 64-bit pointer
tiles spilled 184 B on sm90, with int32 offsets 16 B, and none once the sink was folded into lse
(AOT, Triton 3.6, 2026-12-08).
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584); the hi parts
of dS and P~ are bf16 values there too, so the interpreter sees the split.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.triton_casts import split_bf16, to_out

# <dsagen:schedule>
SCHEDULE = {"BLOCK_H": 16, "BLOCK_N": 64, "DET_BLOCK_H": 16, "DET_WARPS": 8, "num_warps": 4, "num_stages": 1}
# </dsagen:schedule>

D_LATENT = 512
D_LATENT_C = tl.constexpr(D_LATENT)
# Tile offsets are int32 while every KV (and fp32 dkv) row offset stays below this, else int64 (I64).
I32_OFFSETS_BELOW = 2**31
_LOG2E = 1.4426950408889634


@triton.jit
def _rows_t(base, off_t, c0, COLS: tl.constexpr, KDT: tl.constexpr):
    """Columns [c0, c0 + COLS) of the block's q or dO rows, transposed: [COLS, BLOCK_H]."""
    return tl.load(base + (off_t + (tl.arange(0, COLS) + c0)[:, None])).to(KDT)


@triton.jit
def _rows(base, off, c0, COLS: tl.constexpr, KDT: tl.constexpr):
    """Columns [c0, c0 + COLS) of the block's q or dO rows: [BLOCK_H, COLS]."""
    return tl.load(base + (off + (tl.arange(0, COLS) + c0)[None, :])).to(KDT)


@triton.jit
def _gather(kv_ptr, koff, valid, c0, COLS: tl.constexpr, KDT: tl.constexpr):
    """Columns [c0, c0 + COLS) of the tile's KV rows (0 for invalid entries): [BLOCK_N, COLS]."""
    return tl.load(kv_ptr + (koff[:, None] + (tl.arange(0, COLS) + c0)[None, :]), mask=valid[:, None],
                   other=0.0).to(KDT)


@triton.jit
def sparse_mla_bwd_kernel(
    q_ptr, kv_ptr, idx_ptr, topk_len_ptr, sink_ptr, out_ptr, dout_ptr, lse_ptr,
    dq_ptr, dkv_ptr, delta_ptr,
    h_q, s_kv, topk, qk_scale, sm_scale,
    stride_qt, stride_qh, stride_kv, stride_it, stride_ot, stride_oh, stride_dot, stride_doh,
    stride_lt, stride_dqt, stride_dqh, stride_dkv,
    D_ROPE: tl.constexpr, UPCAST: tl.constexpr, HAS_TOPK_LEN: tl.constexpr, HAS_SINK: tl.constexpr,
    ATOMIC_DKV: tl.constexpr, I64: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr,
):
    t = tl.program_id(0)
    hb = tl.program_id(1)
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    D_QK: tl.constexpr = D_LATENT_C + D_ROPE
    t64 = t.to(tl.int64)
    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hok = heads < h_q
    hcl = tl.where(hok, heads, 0)                   # padded heads read head 0; their P~ is 0 (lse = +inf)
    qbase = q_ptr + t64 * stride_qt
    dobase = dout_ptr + t64 * stride_dot
    obase = out_ptr + t64 * stride_ot

    delta = tl.zeros([BLOCK_H], tl.float32)
    for c in range(0, D_LATENT_C, 64):
        delta += tl.sum(_rows(dobase, hcl[:, None] * stride_doh, c, 64, tl.float32)
                        * _rows(obase, hcl[:, None] * stride_oh, c, 64, tl.float32), axis=1)
    tl.store(delta_ptr + t64 * stride_lt + heads, delta, mask=hok)
    # lse = +inf (no valid entry; also the padded heads) makes every P~ 0.
    lse = tl.load(lse_ptr + t64 * stride_lt + heads, mask=hok, other=float("inf"))
    if HAS_SINK:
        sink = tl.load(sink_ptr + heads, mask=hok, other=0.0)
        x = sink - lse                              # lse + softplus(x), without overflow for a large sink
        lse = lse + tl.maximum(x, 0.0) + tl.log(1.0 + tl.exp(-tl.abs(x)))
    lse2 = lse * 1.4426950408889634

    end = topk
    if HAS_TOPK_LEN:
        end = tl.minimum(end, tl.maximum(tl.load(topk_len_ptr + t), 0))
    irow = idx_ptr + t64 * stride_it
    c128 = tl.arange(0, 128)
    dqbase = dq_ptr + t64 * stride_dqt
    for n0 in range(0, end, BLOCK_N):
        pos = n0 + tl.arange(0, BLOCK_N)
        idx = tl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < s_kv)
        rows = tl.where(valid, idx, 0)
        if I64:
            rows = rows.to(tl.int64)
        koff = rows * stride_kv
        st = tl.zeros([BLOCK_N, BLOCK_H], tl.float32)
        dpt = tl.zeros([BLOCK_N, BLOCK_H], tl.float32)
        for c in range(0, D_LATENT_C, 64):
            kc = _gather(kv_ptr, koff, valid, c, 64, KDT)
            st = tl.dot(kc, _rows_t(qbase, hcl[None, :] * stride_qh, c, 64, KDT), st)
            dpt = tl.dot(kc, _rows_t(dobase, hcl[None, :] * stride_doh, c, 64, KDT), dpt)
        if D_ROPE > 0:
            kr = _gather(kv_ptr, koff, valid, D_LATENT_C, D_ROPE, KDT)
            st = tl.dot(kr, _rows_t(qbase, hcl[None, :] * stride_qh, D_LATENT_C, D_ROPE, KDT), st)
        pt = tl.where(valid[:, None], tl.exp2(st * qk_scale - lse2[None, :]), 0.0)
        dst_hi, dst_lo = split_bf16(pt * (dpt - delta[None, :]) * sm_scale, KDT)   # dS^T
        ds_hi, ds_lo = tl.trans(dst_hi), tl.trans(dst_lo)                          # dS [BLOCK_H, BLOCK_N]
        if ATOMIC_DKV:
            pt_hi, pt_lo = split_bf16(pt, KDT)
            p_hi, p_lo = tl.trans(pt_hi), tl.trans(pt_lo)
            doff = rows * stride_dkv
            for c in range(0, D_LATENT_C, 64):     # dKV^T [64, BLOCK_N] = q^T dS + dO^T P~ (columns as M)
                qc = _rows_t(qbase, hcl[None, :] * stride_qh, c, 64, KDT)
                doc = _rows_t(dobase, hcl[None, :] * stride_doh, c, 64, KDT)
                acc = tl.dot(qc, ds_lo, tl.dot(qc, ds_hi))
                acc = tl.dot(doc, p_lo, tl.dot(doc, p_hi, acc))
                tl.atomic_add(dkv_ptr + (doff[None, :] + (tl.arange(0, 64) + c)[:, None]), acc,
                              mask=valid[None, :], sem="relaxed")
            if D_ROPE > 0:
                qr = _rows_t(qbase, hcl[None, :] * stride_qh, D_LATENT_C, D_ROPE, KDT)
                acc = tl.dot(qr, ds_lo, tl.dot(qr, ds_hi))
                tl.atomic_add(dkv_ptr + (doff[None, :] + (tl.arange(0, D_ROPE) + D_LATENT_C)[:, None]), acc,
                              mask=valid[None, :], sem="relaxed")
        for c in range(0, D_QK, 128):               # dQ [BLOCK_H, 128] = dS K (heads as M, 128 columns as N)
            c0 = tl.minimum(c, D_QK - 128)          # the last chunk ends at d_qk; columns before c are done
            kc = _gather(kv_ptr, koff, valid, c0, 128, KDT)
            keep = hok[:, None] & ((c0 + c128) >= c)[None, :]
            tl.atomic_add(dqbase + (hcl[:, None] * stride_dqh + (c0 + c128)[None, :]),
                          tl.dot(ds_lo, kc, tl.dot(ds_hi, kc)), mask=keep, sem="relaxed")


@triton.jit
def _head_rows(base, heads_ok, cols, KDT: tl.constexpr):
    return tl.load(base + cols[None, :], mask=heads_ok[:, None], other=0.0).to(KDT)


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
            q0 = _head_rows(qrow, hok, c128, tl.float32)
            q1 = _head_rows(qrow + 128, hok, c128, tl.float32)
            q2 = _head_rows(qrow + 256, hok, c128, tl.float32)
            q3 = _head_rows(qrow + 384, hok, c128, tl.float32)
            s = tl.sum(q0 * k0[None, :], 1) + tl.sum(q1 * k1[None, :], 1)
            s += tl.sum(q2 * k2[None, :], 1) + tl.sum(q3 * k3[None, :], 1)
            if D_ROPE > 0:
                qr = _head_rows(qrow + 512, hok, cr, tl.float32)
                s += tl.sum(qr * kr[None, :], 1)
            lse = tl.load(lse_ptr + t64 * stride_lt + heads, mask=hok, other=float("inf"))
            delta = tl.load(delta_ptr + t64 * stride_lt + heads, mask=hok, other=0.0)
            p = tl.exp2(s * qk_scale - lse * 1.4426950408889634)
            if HAS_SINK:
                sink = tl.load(sink_ptr + heads, mask=hok, other=0.0)
                p = p / (1.0 + tl.exp(sink - lse))
            p = tl.where(hok, p, 0.0)
            do0 = _head_rows(dorow, hok, c128, tl.float32)
            do1 = _head_rows(dorow + 128, hok, c128, tl.float32)
            do2 = _head_rows(dorow + 256, hok, c128, tl.float32)
            do3 = _head_rows(dorow + 384, hok, c128, tl.float32)
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
    tl.store(drow + c128, to_out(a0, odt, UPCAST))
    tl.store(drow + 128 + c128, to_out(a1, odt, UPCAST))
    tl.store(drow + 256 + c128, to_out(a2, odt, UPCAST))
    tl.store(drow + 384 + c128, to_out(a3, odt, UPCAST))
    if D_ROPE > 0:
        tl.store(drow + 512 + cr, to_out(ar, odt, UPCAST))


# ---- host side -----------------------------------------------------------------------------

def block_h_for(h_q: int, sch) -> int:
    """Heads per program (the MMAs' N): the schedule's BLOCK_H, no wider than h_q needs and >= 16
    (tl.dot's smallest N)."""
    return max(16, min(sch["BLOCK_H"], triton.next_power_of_2(h_q)))


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
    block_h = block_h_for(h_q, sch)
    dq32 = torch.zeros(dq.shape, dtype=torch.float32, device=device)
    i64 = s_kv * max(kv.stride(0), dkv.stride(0)) >= I32_OFFSETS_BELOW
    dummy = lse
    upcast = device.type == "cpu"
    d_rope = d_qk - D_LATENT
    qk_scale = float(sm_scale) * _LOG2E
    grid = (s_q, triton.cdiv(h_q, block_h))
    sparse_mla_bwd_kernel[grid](
        q, kv, indices, topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy, out, dout, lse, dq32, dkv, delta,
        h_q, s_kv, indices.shape[-1], qk_scale, float(sm_scale),
        q.stride(0), q.stride(1), kv.stride(0), indices.stride(0), out.stride(0), out.stride(1),
        dout.stride(0), dout.stride(1), lse.stride(0), dq32.stride(0), dq32.stride(1), dkv.stride(0),
        D_ROPE=d_rope, UPCAST=upcast, HAS_TOPK_LEN=topk_length is not None, HAS_SINK=attn_sink is not None,
        ATOMIC_DKV=not deterministic, I64=i64, BLOCK_H=block_h, BLOCK_N=sch["BLOCK_N"],
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )
    dq.copy_(dq32)                       # round to nearest even, as the kernels' stores do
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
    block_h = block_h_for(problem["h_q"], schedule)
    d_rope = problem["d_qk"] - D_LATENT
    sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "idx_ptr": "*i32", "topk_len_ptr": "*i32", "sink_ptr": "*fp32",
           "out_ptr": "*bf16", "dout_ptr": "*bf16", "lse_ptr": "*fp32", "dq_ptr": "*fp32", "dkv_ptr": "*fp32",
           "delta_ptr": "*fp32", "h_q": "i32", "s_kv": "i32", "topk": "i32", "qk_scale": "fp32",
           "sm_scale": "fp32"}
    for name in ("stride_qt", "stride_qh", "stride_kv", "stride_it", "stride_ot", "stride_oh", "stride_dot",
                 "stride_doh", "stride_lt", "stride_dqt", "stride_dqh", "stride_dkv"):
        sig[name] = "i32"
    consts = {"D_ROPE": d_rope, "UPCAST": False, "HAS_TOPK_LEN": True, "HAS_SINK": True, "ATOMIC_DKV": True,
              "I64": False, "BLOCK_H": block_h, "BLOCK_N": schedule["BLOCK_N"]}
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
