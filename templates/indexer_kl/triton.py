"""Indexer KL losses, streamed over key tiles (dsagen/operators/indexer_kl/naive.py has the formulas).

Per query t over its key set (dense: [key_start, key_end); sparse: the in-range indices):
    I = sum_j w_j ReLU(q_idx_j . k_idx_s),  A = sum_h exp(sm_scale * q_h . kv_s - attn_lse_h),
    p = A / sum A,  loss = sum_s p (log p - I + LSE(I)).
Work split: one program per query token; nothing of size [s_q, keys] is ever stored.
  forward  pass 1 over the key tiles: the online log-sum-exp of I and the sum of A;
           pass 2: the KL terms. Writes loss [s_q] and the two row statistics [s_q, 2].
  backward the statistics known, two kernels that each recompute a tile's I and A:
           dI = dloss * (softmax(I) - p) per key and g = [x_js > 0] w_j dI_s, split bf16 hi + lo
           (split_bf16: g rounded once left ~90 of 262,144 dk_idx elements outside the element bound
           at the GPU verify size, CPU emulation of the roundings, 2026-12-08); the query side
           accumulates dq_idx_j = sum_s g_sj k_s; the key side adds
           dk_idx[s] += sum_j g_sj q_idx_j with fp32 atomics (keys are shared by many queries, as
           dkv is in the sparse MLA backward) and accumulates dw_j = sum_s ReLU(x_js) dI_s. One
           kernel holding all three spilled 64 B on sm90 (AOT, Triton 3.6, 2026-12-08).
Every tile is keys x something (keys are the MMA's M): the attention logits z^T [BLOCK_N, BLOCK_H]
= kv q^T, the index logits x^T [BLOCK_N, HI] = k_idx q_idx^T, dk_idx [BLOCK_N, DI / 2] = g q_idx, so
on 8 warps with BLOCK_N 128 each warpgroup owns 64 keys and every wgmma is 64 x 64 (heads or
index heads as N); the heads-as-M forms split N over the two warpgroups (HGMMA 64x16) and the
key gradient had M = BLOCK_N 32 (mma.sync). The attention logits run per head block of BLOCK_H,
the d_qk = 576 row in 64-wide column chunks plus the 64-wide RoPE part (128-wide chunks spilled
16-24 B in the backward); each head block reloads its q rows (L2).
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584).

Where it compiles (AOT, Triton 3.6, V3.2 sizes: 64 x 128 indexer, 128 heads, d_qk 576, with the
launch's divisibility hints): see the `resources` of the indexer_kl entries in generated/manifest.json;
`tune` keeps spill-free schedules on every arch and drops the rest. On sm100 the reduced index logits
and attention mass are relayed through memory before they are reduced again (RELAYOUT,
dsagen/runtime/triton_layout.py): without it Triton crashed in TritonNvidiaGPUOptimizeTMemLayoutsPass.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import code_arch, tmem_relay
from dsagen.runtime.triton_casts import split_bf16
from dsagen.runtime.triton_layout import relay

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 32, "BLOCK_H": 16, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>

D_LATENT = 512
D_LATENT_C = tl.constexpr(D_LATENT)
_LOG2E = 1.4426950408889634


@triton.jit
def _keys(t64, n0, lo, hi, idx_ptr, stride_it, n_kv, GATHER: tl.constexpr, BLOCK_N: tl.constexpr):
    """The key rows of tile n0 and which of them count."""
    pos = n0 + tl.arange(0, BLOCK_N)
    if GATHER:
        rows = tl.load(idx_ptr + t64 * stride_it + pos, mask=pos < hi, other=-1)
    else:
        rows = pos
    valid = (pos >= lo) & (pos < hi) & (rows >= 0) & (rows < n_kv)
    return tl.where(valid, rows, 0).to(tl.int64), valid


@triton.jit
def _attention_mass(t64, r64, valid, q_ptr, kv_ptr, lse_ptr, h_q, qk_scale,
                    stride_qt, stride_qh, stride_kv, stride_lt, relay_row,
                    D_ROPE: tl.constexpr, KDT: tl.constexpr, BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr,
                    RELAYOUT: tl.constexpr):
    """A[s] = sum_h exp2(qk_scale * q_h . kv_s - lse_h * log2 e) over the tile's keys (0 where invalid),
    from z^T [BLOCK_N, BLOCK_H] = kv q^T (keys as M). Each head block loads the KV tile again (L1 hits
    after the first): holding the [BLOCK_N, d_qk] tile across the head loop beside the backward's
    accumulators spilled on sm90; the column chunks are a runtime loop (unrolled, their loads were all
    in flight at once and spilled; AOT, 2026-12)."""
    c64 = tl.arange(0, 64)
    cr = tl.arange(0, D_ROPE if D_ROPE > 0 else 16)
    krow = kv_ptr + r64 * stride_kv
    mass = tl.zeros([BLOCK_N], tl.float32)
    for h0 in range(0, h_q, BLOCK_H):
        heads = h0 + tl.arange(0, BLOCK_H)
        hok = heads < h_q
        qrow = q_ptr + t64 * stride_qt + heads[:, None].to(tl.int64) * stride_qh
        zt = tl.zeros([BLOCK_N, BLOCK_H], tl.float32)
        for c in range(0, D_LATENT_C, 64):
            kc = tl.load(krow[:, None] + c + c64[None, :], mask=valid[:, None], other=0.0).to(KDT)
            qc = tl.load(qrow + c + c64[None, :], mask=hok[:, None], other=0.0).to(KDT)
            zt = tl.dot(kc, tl.trans(qc), zt)
        if D_ROPE > 0:
            kr = tl.load(krow[:, None] + D_LATENT_C + cr[None, :], mask=valid[:, None], other=0.0).to(KDT)
            qr = tl.load(qrow + D_LATENT_C + cr[None, :], mask=hok[:, None], other=0.0).to(KDT)
            zt = tl.dot(kr, tl.trans(qr), zt)
        lse = tl.load(lse_ptr + t64 * stride_lt + heads, mask=hok, other=float("inf"))
        e = tl.exp2(zt * qk_scale - lse[None, :] * 1.4426950408889634)
        mass += tl.sum(tl.where(hok[None, :], e, 0.0), axis=1)
    mass = tl.where(valid, mass, 0.0)
    if RELAYOUT:  # sm100: reduced again by the callers (dsagen/runtime/triton_layout.py)
        mass = relay(mass, relay_row + BLOCK_N, BLOCK_N)
    return mass


@triton.jit
def _index_logits(qi, ki_ptr, r64, valid, stride_ki, DI: tl.constexpr, KDT: tl.constexpr):
    """x^T [BLOCK_N, HI] = k_idx q_idx^T for the tile's keys (keys as M), and the gathered k_idx tile."""
    cd = tl.arange(0, DI)
    k = tl.load(ki_ptr + r64[:, None] * stride_ki + cd[None, :], mask=valid[:, None], other=0.0).to(KDT)
    return tl.dot(k, tl.trans(qi)), k


@triton.jit
def _query(t64, qi_ptr, w_ptr, ks_ptr, ke_ptr, h_idx, n_kv, topk, stride_qit, stride_qih, stride_wt,
           HI: tl.constexpr, DI: tl.constexpr, GATHER: tl.constexpr, KDT: tl.constexpr):
    """Query t's indexer rows q_idx [HI, DI] and weights [HI] (padded heads 0), and its key positions [lo, hi)."""
    hj = tl.arange(0, HI)
    jok = hj < h_idx
    cd = tl.arange(0, DI)
    qi = tl.load(qi_ptr + t64 * stride_qit + hj[:, None] * stride_qih + cd[None, :], mask=jok[:, None],
                 other=0.0).to(KDT)
    w = tl.load(w_ptr + t64 * stride_wt + hj, mask=jok, other=0.0)
    if GATHER:
        lo = 0
        hi = topk
    else:
        lo = tl.load(ks_ptr + t64)
        hi = tl.minimum(tl.load(ke_ptr + t64), n_kv)
    return qi, w, lo, hi


@triton.jit
def indexer_kl_fwd_kernel(
    qi_ptr, w_ptr, ki_ptr, q_ptr, kv_ptr, lse_ptr, ks_ptr, ke_ptr, idx_ptr, loss_ptr, stats_ptr, relay_ptr,
    h_idx, h_q, n_kv, topk, qk_scale,
    stride_qit, stride_qih, stride_wt, stride_ki, stride_qt, stride_qh, stride_kv, stride_lt, stride_it,
    HI: tl.constexpr, DI: tl.constexpr, D_ROPE: tl.constexpr, GATHER: tl.constexpr, UPCAST: tl.constexpr,
    BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, RELAYOUT: tl.constexpr,
):
    t = tl.program_id(0)
    t64 = t.to(tl.int64)
    relay_row = relay_ptr + t64 * (2 * BLOCK_N)  # RELAYOUT: this program's 2 x BLOCK_N words
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    qi, w, lo, hi = _query(t64, qi_ptr, w_ptr, ks_ptr, ke_ptr, h_idx, n_kv, topk, stride_qit, stride_qih,
                           stride_wt, HI, DI, GATHER, KDT)
    start = (lo // BLOCK_N) * BLOCK_N

    m = -1.0e30       # running max of I (base e), finite floor
    l = 0.0
    za = 0.0
    for n0 in range(start, hi, BLOCK_N):
        r64, valid = _keys(t64, n0, lo, hi, idx_ptr, stride_it, n_kv, GATHER, BLOCK_N)
        x, _k = _index_logits(qi, ki_ptr, r64, valid, stride_ki, DI, KDT)
        s = tl.sum(w[None, :] * tl.maximum(x, 0.0), axis=1)
        if RELAYOUT:
            s = relay(s, relay_row, BLOCK_N)
        s = tl.where(valid, s, -1.0e30)
        m_new = tl.maximum(m, tl.max(s, axis=0))
        l = l * tl.exp(m - m_new) + tl.sum(tl.where(valid, tl.exp(s - m_new), 0.0), axis=0)
        m = m_new
        za += tl.sum(_attention_mass(t64, r64, valid, q_ptr, kv_ptr, lse_ptr, h_q, qk_scale, stride_qt,
                                     stride_qh, stride_kv, stride_lt, relay_row, D_ROPE, KDT, BLOCK_H, BLOCK_N, RELAYOUT), axis=0)
    lse_i = m + tl.log(tl.maximum(l, 1.0e-30))
    inv_za = 1.0 / tl.maximum(za, 1.0e-30)
    kl = 0.0
    for n0 in range(start, hi, BLOCK_N):
        r64, valid = _keys(t64, n0, lo, hi, idx_ptr, stride_it, n_kv, GATHER, BLOCK_N)
        x, _k = _index_logits(qi, ki_ptr, r64, valid, stride_ki, DI, KDT)
        s = tl.sum(w[None, :] * tl.maximum(x, 0.0), axis=1)
        if RELAYOUT:
            s = relay(s, relay_row, BLOCK_N)
        p = _attention_mass(t64, r64, valid, q_ptr, kv_ptr, lse_ptr, h_q, qk_scale, stride_qt, stride_qh,
                            stride_kv, stride_lt, relay_row, D_ROPE, KDT, BLOCK_H, BLOCK_N, RELAYOUT) * inv_za
        pos = p > 0.0
        kl += tl.sum(tl.where(pos, p * (tl.log(tl.where(pos, p, 1.0)) - s + lse_i), 0.0), axis=0)
    tl.store(loss_ptr + t, tl.where(za > 0.0, kl, 0.0))
    tl.store(stats_ptr + 2 * t, lse_i)
    tl.store(stats_ptr + 2 * t + 1, za)


@triton.jit
def _bwd_tile(t64, n0, lo, hi, qi, w, lse_i, inv_za, dloss, q_ptr, kv_ptr, ki_ptr, lse_ptr, idx_ptr, relay_row,
              h_q, n_kv, qk_scale, stride_ki, stride_qt, stride_qh, stride_kv, stride_lt, stride_it,
              DI: tl.constexpr, D_ROPE: tl.constexpr, GATHER: tl.constexpr, KDT: tl.constexpr,
              BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, RELAYOUT: tl.constexpr):
    """One key tile of the backward: its rows, the index logits x^T, dI = dloss (softmax(I) - p) per key
    and the gathered k_idx tile."""
    r64, valid = _keys(t64, n0, lo, hi, idx_ptr, stride_it, n_kv, GATHER, BLOCK_N)
    # the attention mass first: its KV tile dies before the indexer's tiles are loaded (registers)
    p = _attention_mass(t64, r64, valid, q_ptr, kv_ptr, lse_ptr, h_q, qk_scale, stride_qt, stride_qh,
                        stride_kv, stride_lt, relay_row, D_ROPE, KDT, BLOCK_H, BLOCK_N, RELAYOUT) * inv_za
    x, k = _index_logits(qi, ki_ptr, r64, valid, stride_ki, DI, KDT)
    s = tl.sum(w[None, :] * tl.maximum(x, 0.0), axis=1)
    if RELAYOUT:
        s = relay(s, relay_row, BLOCK_N)
    d_s = tl.where(valid, (tl.exp(tl.where(valid, s - lse_i, -1.0e30)) - p) * dloss, 0.0)   # [BLOCK_N]
    return r64, valid, x, k, d_s


@triton.jit
def _bwd_query(t, qi_ptr, w_ptr, ks_ptr, ke_ptr, stats_ptr, dloss_ptr, h_idx, n_kv, topk, stride_qit, stride_qih,
               stride_wt, HI: tl.constexpr, DI: tl.constexpr, GATHER: tl.constexpr, KDT: tl.constexpr,
               BLOCK_N: tl.constexpr):
    """_query's values and the forward's row statistics; an empty key set (za = 0) has no gradient."""
    qi, w, lo, hi = _query(t.to(tl.int64), qi_ptr, w_ptr, ks_ptr, ke_ptr, h_idx, n_kv, topk, stride_qit,
                           stride_qih, stride_wt, HI, DI, GATHER, KDT)
    za = tl.load(stats_ptr + 2 * t + 1)
    dloss = tl.where(za > 0.0, tl.load(dloss_ptr + t), 0.0)
    return qi, w, lo, hi, (lo // BLOCK_N) * BLOCK_N, tl.load(stats_ptr + 2 * t), 1.0 / tl.maximum(za, 1.0e-30), dloss


@triton.jit
def indexer_kl_bwd_kernel(
    qi_ptr, w_ptr, ki_ptr, q_ptr, kv_ptr, lse_ptr, ks_ptr, ke_ptr, idx_ptr, stats_ptr, dloss_ptr,
    dqi_ptr, relay_ptr,
    h_idx, h_q, n_kv, topk, qk_scale,
    stride_qit, stride_qih, stride_wt, stride_ki, stride_qt, stride_qh, stride_kv, stride_lt, stride_it,
    stride_dqit, stride_dqih,
    HI: tl.constexpr, DI: tl.constexpr, D_ROPE: tl.constexpr, GATHER: tl.constexpr, UPCAST: tl.constexpr,
    BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, RELAYOUT: tl.constexpr,
):
    """The query side: dq_idx_j = sum_s g_sj k_s (g = [x_js > 0] w_j dI_s, split hi + lo)."""
    t = tl.program_id(0)
    t64 = t.to(tl.int64)
    relay_row = relay_ptr + t64 * (2 * BLOCK_N)  # RELAYOUT: this program's 2 x BLOCK_N words
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    qi, w, lo, hi, start, lse_i, inv_za, dloss = _bwd_query(
        t, qi_ptr, w_ptr, ks_ptr, ke_ptr, stats_ptr, dloss_ptr, h_idx, n_kv, topk, stride_qit, stride_qih, stride_wt,
        HI, DI, GATHER, KDT, BLOCK_N)
    dqi = tl.zeros([HI, DI], tl.float32)
    for n0 in range(start, hi, BLOCK_N):
        r64, valid, x, k, d_s = _bwd_tile(t64, n0, lo, hi, qi, w, lse_i, inv_za, dloss, q_ptr, kv_ptr, ki_ptr,
                                          lse_ptr, idx_ptr, relay_row, h_q, n_kv, qk_scale, stride_ki, stride_qt,
                                          stride_qh, stride_kv, stride_lt, stride_it, DI, D_ROPE, GATHER, KDT,
                                          BLOCK_N, BLOCK_H, RELAYOUT)
        g_hi, g_lo = split_bf16(tl.where(x > 0.0, w[None, :] * d_s[:, None], 0.0), KDT)  # [BLOCK_N, HI]
        dqi = tl.dot(tl.trans(g_lo), k, tl.dot(tl.trans(g_hi), k, dqi))
    hj = tl.arange(0, HI)
    jok = hj < h_idx
    cd = tl.arange(0, DI)
    tl.store(dqi_ptr + t64 * stride_dqit + hj[:, None] * stride_dqih + cd[None, :],
             dqi.to(dqi_ptr.dtype.element_ty), mask=jok[:, None])


@triton.jit
def indexer_kl_bwd_dk_kernel(
    qi_ptr, w_ptr, ki_ptr, q_ptr, kv_ptr, lse_ptr, ks_ptr, ke_ptr, idx_ptr, stats_ptr, dloss_ptr,
    dki_ptr, dw_ptr, relay_ptr,
    h_idx, h_q, n_kv, topk, qk_scale,
    stride_qit, stride_qih, stride_wt, stride_ki, stride_qt, stride_qh, stride_kv, stride_lt, stride_it,
    stride_dki, stride_dwt,
    HI: tl.constexpr, DI: tl.constexpr, D_ROPE: tl.constexpr, GATHER: tl.constexpr, UPCAST: tl.constexpr,
    BLOCK_N: tl.constexpr, BLOCK_H: tl.constexpr, RELAYOUT: tl.constexpr,
):
    """The key side: dk_idx[s] += sum_j g_sj q_idx_j (g split hi + lo), fp32 atomics (keys are shared
    by many queries), and dw_j = sum_s ReLU(x_js) dI_s. A kernel of its own: beside the query side's
    dq_idx accumulator the atomics' [BLOCK_N, DI / 2] tiles spilled 64 B on sm90, and dw beside the
    split dq_idx 16 B (AOT, Triton 3.6, 2026-12-08)."""
    t = tl.program_id(0)
    t64 = t.to(tl.int64)
    relay_row = relay_ptr + t64 * (2 * BLOCK_N)  # RELAYOUT: this program's 2 x BLOCK_N words
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    qi, w, lo, hi, start, lse_i, inv_za, dloss = _bwd_query(
        t, qi_ptr, w_ptr, ks_ptr, ke_ptr, stats_ptr, dloss_ptr, h_idx, n_kv, topk, stride_qit, stride_qih, stride_wt,
        HI, DI, GATHER, KDT, BLOCK_N)
    # q_idx in two DI / 2 halves: the [BLOCK_N, DI] fp32 tile and its atomic addresses at once spilled
    ch = tl.arange(0, DI // 2)
    hj = tl.arange(0, HI)
    qib = qi_ptr + t64 * stride_qit + hj[:, None] * stride_qih + ch[None, :]
    qa = tl.load(qib, mask=(hj < h_idx)[:, None], other=0.0).to(KDT)
    qb = tl.load(qib + DI // 2, mask=(hj < h_idx)[:, None], other=0.0).to(KDT)
    dw = tl.zeros([HI], tl.float32)
    for n0 in range(start, hi, BLOCK_N):
        r64, valid, x, k, d_s = _bwd_tile(t64, n0, lo, hi, qi, w, lse_i, inv_za, dloss, q_ptr, kv_ptr, ki_ptr,
                                          lse_ptr, idx_ptr, relay_row, h_q, n_kv, qk_scale, stride_ki, stride_qt,
                                          stride_qh, stride_kv, stride_lt, stride_it, DI, D_ROPE, GATHER, KDT,
                                          BLOCK_N, BLOCK_H, RELAYOUT)
        dw += tl.sum(tl.maximum(x, 0.0) * d_s[:, None], axis=0)
        g_hi, g_lo = split_bf16(tl.where(x > 0.0, w[None, :] * d_s[:, None], 0.0), KDT)  # [BLOCK_N, HI]
        dkp = dki_ptr + r64[:, None] * stride_dki + ch[None, :]
        tl.atomic_add(dkp, tl.dot(g_lo, qa, tl.dot(g_hi, qa)), mask=valid[:, None], sem="relaxed")
        tl.atomic_add(dkp + DI // 2, tl.dot(g_lo, qb, tl.dot(g_hi, qb)), mask=valid[:, None], sem="relaxed")
    tl.store(dw_ptr + t64 * stride_dwt + hj, dw, mask=hj < h_idx)


# ---- host side -----------------------------------------------------------------------------

def _common(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices):
    gather = indices is not None
    dummy = attn_lse
    ptrs = (q_idx, weights, k_idx, q, kv, attn_lse,
            key_start if not gather else dummy, key_end if not gather else dummy, indices if gather else dummy)
    scal = (q_idx.shape[1], q.shape[1], k_idx.shape[0], indices.shape[-1] if gather else 0)
    strides = (q_idx.stride(0), q_idx.stride(1), weights.stride(0), k_idx.stride(0), q.stride(0), q.stride(1),
               kv.stride(0), attn_lse.stride(0), indices.stride(0) if gather else 0)
    return gather, ptrs, scal, strides


def _consts(q_idx, q, gather, device, sch):
    return {"HI": max(16, triton.next_power_of_2(q_idx.shape[1])), "DI": q_idx.shape[2],
            "D_ROPE": q.shape[2] - D_LATENT, "GATHER": gather, "UPCAST": device.type == "cpu",
            "BLOCK_N": sch["BLOCK_N"], "BLOCK_H": sch["BLOCK_H"], "RELAYOUT": tmem_relay(code_arch(device))}


def _relay_buffer(consts, s_q, device, dummy):
    """The programs' 2 x BLOCK_N fp32 words for RELAYOUT (sm100), else an untouched stand-in."""
    if not consts["RELAYOUT"]:
        return dummy
    return torch.empty(s_q, 2 * consts["BLOCK_N"], dtype=torch.float32, device=device)


def launch_forward(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, loss, stats, *,
                   sm_scale, schedule=None):
    """Writes loss fp32 [s_q] and stats fp32 [s_q, 2] (log-sum-exp of I, sum of A) for the backward."""
    sch = schedule or SCHEDULE
    s_q = q_idx.shape[0]
    if s_q == 0:
        return
    gather, ptrs, scal, strides = _common(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices)
    consts = _consts(q_idx, q, gather, q_idx.device, sch)
    indexer_kl_fwd_kernel[(s_q,)](*ptrs, loss, stats, _relay_buffer(consts, s_q, q_idx.device, stats), *scal,
                                  float(sm_scale) * _LOG2E, *strides, **consts,
                                  num_warps=sch["num_warps"], num_stages=sch["num_stages"])


def launch_backward(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, stats, dloss,
                    dq_idx, dweights, dk_idx, *, sm_scale, schedule=None):
    """Writes dq_idx [s_q, Hi, Di], dweights fp32 [s_q, Hi]; adds into dk_idx fp32 [s_kv, Di] (zeroed by the caller)."""
    sch = schedule or SCHEDULE
    s_q = q_idx.shape[0]
    if s_q == 0:
        return
    gather, ptrs, scal, strides = _common(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices)
    consts = _consts(q_idx, q, gather, q_idx.device, sch)
    relay_buf = _relay_buffer(consts, s_q, q_idx.device, stats)
    scale = float(sm_scale) * _LOG2E
    run = {**consts, "num_warps": sch["num_warps"], "num_stages": sch["num_stages"]}
    indexer_kl_bwd_kernel[(s_q,)](*ptrs, stats, dloss, dq_idx, relay_buf, *scal, scale, *strides,
                                  dq_idx.stride(0), dq_idx.stride(1), **run)
    indexer_kl_bwd_dk_kernel[(s_q,)](*ptrs, stats, dloss, dk_idx, dweights, relay_buf, *scal, scale, *strides,
                                     dk_idx.stride(0), dweights.stride(0), **run)


def launch(*args, **kwargs):
    """The template contract's `launch`: the forward (launch_forward's arguments). The verify and
    timing cases (dsagen/operators/indexer_kl/problem.py) call launch_forward and launch_backward."""
    launch_forward(*args, **kwargs)


def aot_kernels(problem, schedule):
    """problem: index_heads, index_dim, h_q, d_qk, topk (0: dense), s_q, s_kv; optionally arch."""
    base = {"qi_ptr": "*bf16", "w_ptr": "*fp32", "ki_ptr": "*bf16", "q_ptr": "*bf16", "kv_ptr": "*bf16",
            "lse_ptr": "*fp32", "ks_ptr": "*i32", "ke_ptr": "*i32", "idx_ptr": "*i32"}
    scal = {"h_idx": "i32", "h_q": "i32", "n_kv": "i32", "topk": "i32", "qk_scale": "fp32"}
    strides = {n: "i32" for n in ("stride_qit", "stride_qih", "stride_wt", "stride_ki", "stride_qt", "stride_qh",
                                  "stride_kv", "stride_lt", "stride_it")}
    consts = {"HI": max(16, triton.next_power_of_2(problem["index_heads"])), "DI": problem["index_dim"],
              "D_ROPE": problem["d_qk"] - D_LATENT, "GATHER": problem["topk"] > 0, "UPCAST": False,
              "BLOCK_N": schedule["BLOCK_N"], "BLOCK_H": schedule["BLOCK_H"],
              "RELAYOUT": tmem_relay(problem.get("arch", "sm90"))}
    fwd = {**base, "loss_ptr": "*fp32", "stats_ptr": "*fp32", "relay_ptr": "*fp32", **scal, **strides, **dict.fromkeys(consts, "constexpr")}
    bwd = {**base, "stats_ptr": "*fp32", "dloss_ptr": "*fp32", "dqi_ptr": "*bf16", "relay_ptr": "*fp32", **scal,
           **strides, "stride_dqit": "i32", "stride_dqih": "i32", **dict.fromkeys(consts, "constexpr")}
    bwd_dk = {**base, "stats_ptr": "*fp32", "dloss_ptr": "*fp32", "dki_ptr": "*fp32", "dw_ptr": "*fp32",
              "relay_ptr": "*fp32", **scal, **strides, "stride_dki": "i32", "stride_dwt": "i32",
              **dict.fromkeys(consts, "constexpr")}
    # the int args at this problem's launch (contiguous q_idx [s_q, h_idx, DI], weights [s_q, h_idx],
    # k_idx [s_kv, DI], q [s_q, h_q, d_qk], kv [s_kv, d_qk], lse [s_q, h_q], indices [s_q, topk]):
    # dsagen.gen.aot marks the multiples of 16 divisible
    hi, di, h, dq = problem["index_heads"], problem["index_dim"], problem["h_q"], problem["d_qk"]
    ints = {"h_idx": hi, "h_q": h, "n_kv": problem["s_kv"], "topk": problem["topk"], "stride_qit": hi * di,
            "stride_qih": di, "stride_wt": hi, "stride_ki": di, "stride_qt": h * dq, "stride_qh": dq, "stride_kv": dq,
            "stride_lt": h, "stride_it": problem["topk"], "stride_dqit": hi * di, "stride_dqih": di, "stride_dwt": hi,
            "stride_dki": di}
    run = {"num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"], "ints": ints}
    return [{"name": "indexer_kl_fwd_kernel", "fn": indexer_kl_fwd_kernel, "signature": fwd, "constexprs": consts,
             **run},
            {"name": "indexer_kl_bwd_kernel", "fn": indexer_kl_bwd_kernel, "signature": bwd, "constexprs": consts,
             **run},
            {"name": "indexer_kl_bwd_dk_kernel", "fn": indexer_kl_bwd_dk_kernel, "signature": bwd_dk,
             "constexprs": consts, **run}]
