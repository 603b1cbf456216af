"""Lightning-indexer logits, ragged (prefill) and paged (decode): readable float64 references.

    out[i, j] = sum_h relu(q[i, h] . (k[j] * k_scale[j])) * weights[i, h]

Ragged: row i sees columns row_start[i] <= j < row_end[i] (clamped to [0, s_kv]); -inf elsewhere.
Paged: q [B, next_n, H, D] against DeepGEMM's packed cache uint8 [num_blocks, block_kv, 1, D+4]
through block_table; row (b, i) sees logical positions pos <= context_lens[b] - next_n + i;
output [B * next_n, max_context_len], -inf where not visible.
No triton here; everything is computed in float64 and returned as float32 (or `dtype`).
"""

import torch

from dsagen.oracle.fp8 import unpack_indexer_cache


def _scores(q, k, weights):
    """q [R, H, D], k [N, D] (already scaled), weights [R, H] -> float64 [R, N]."""
    dots = torch.einsum("rhd,nd->rhn", q.double(), k.double())
    return (dots.clamp_min(0) * weights.double()[:, :, None]).sum(dim=1)


def indexer_logits(q, k, k_scale, weights, row_start, row_end, dtype=torch.float32):
    """q [s_q, H, D] (e4m3, bf16 or float), k [s_kv, D], k_scale [s_kv] or None (bf16 variant:
    no scale), weights [s_q, H], row_start / row_end int [s_q]. Returns [s_q, s_kv]."""
    s_kv = k.shape[0]
    kf = k.double()
    if k_scale is not None:
        kf = kf * k_scale.double()[:, None]
    out = _scores(q.cpu(), kf.cpu(), weights.cpu())
    j = torch.arange(s_kv)[None, :]
    start = row_start.cpu().long().clamp(0, s_kv)[:, None]
    end = row_end.cpu().long().clamp(0, s_kv)[:, None]
    visible = (j >= start) & (j < end)
    return torch.where(visible, out, torch.full_like(out, float("-inf"))).to(dtype)


def paged_visible(context_lens, next_n, max_context_len):
    """bool [B * next_n, max_context_len]: row (b, i) sees pos <= context_lens[b] - next_n + i."""
    ctx = context_lens.cpu().long()
    i = torch.arange(next_n)
    last = ctx[:, None] - next_n + i[None, :]  # [B, next_n]
    pos = torch.arange(max_context_len)
    return (pos[None, None, :] <= last[:, :, None]).reshape(-1, max_context_len)


def indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len,
                         dtype=torch.float32):
    """q [B, next_n, H, D] e4m3, kv_cache uint8 [nb, block_kv, 1, D+4] (DeepGEMM layout),
    weights [B * next_n, H], context_lens int [B], block_table int [B, max_blocks].
    Returns [B * next_n, max_context_len]."""
    b, next_n, h, d = q.shape
    k8, scale = unpack_indexer_cache(kv_cache.cpu())
    bkv = k8.shape[1]
    table = block_table.cpu().long()
    visible = paged_visible(context_lens, next_n, max_context_len)
    out = torch.full((b * next_n, max_context_len), float("-inf"), dtype=torch.float64)
    pos = torch.arange(max_context_len)
    for bi in range(b):
        n_ctx = min(int(context_lens[bi]), max_context_len)
        if n_ctx <= 0:
            continue
        p = pos[:n_ctx]
        blocks = table[bi, p // bkv]
        keys = k8[blocks, p % bkv].double() * scale[blocks, p % bkv].double()[:, None]  # [n_ctx, D]
        rows = slice(bi * next_n, (bi + 1) * next_n)
        s = _scores(q[bi].cpu(), keys, weights[rows].cpu())
        vis = visible[rows, :n_ctx]
        out[rows, :n_ctx] = torch.where(vis, s, torch.full_like(s, float("-inf")))
    return out.to(dtype)
