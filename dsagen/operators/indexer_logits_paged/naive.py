"""Paged lightning-indexer logits: the readable float64 reference.

q [B, next_n, H, D] against DeepGEMM's packed cache uint8 [num_blocks, block_kv, 1, D+4] through
block_table; row (b, i) sees logical positions pos <= context_lens[b] - next_n + i (context_lens
[B], the 2025 rule) or pos < context_lens[b, i] (context_lens [B, next_n], DeepGEMM main) whose
block_table entry is a block of the cache (0 <= id < num_blocks); output [B * next_n,
max_context_len], -inf where not visible.
"""

import torch

from dsagen.operators.indexer_logits.naive import scores
from dsagen.oracle.fp8 import unpack_indexer_cache


def row_lengths(context_lens, next_n):
    """int64 [B, next_n]: how many leading positions row (b, i) sees (may be <= 0)."""
    ctx = context_lens.cpu().long()
    if ctx.dim() == 2:
        return ctx
    return ctx[:, None] - next_n + 1 + torch.arange(next_n)[None, :]


def paged_visible(context_lens, next_n, max_context_len):
    """bool [B * next_n, max_context_len]: row (b, i) sees pos < row_lengths[b, i]."""
    last = row_lengths(context_lens, next_n) - 1  # [B, next_n]
    pos = torch.arange(max_context_len)
    return (pos[None, None, :] <= last[:, :, None]).reshape(-1, max_context_len)


def indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len,
                         dtype=torch.float32):
    """q [B, next_n, H, D] e4m3, kv_cache uint8 [nb, block_kv, 1, D+4] (DeepGEMM layout),
    weights [B * next_n, H], context_lens int [B] or [B, next_n], block_table int [B, max_blocks].
    Returns [B * next_n, max_context_len]."""
    b, next_n, h, d = q.shape
    k8, scale = unpack_indexer_cache(kv_cache.cpu())
    bkv = k8.shape[1]
    table = block_table.cpu().long()
    visible = paged_visible(context_lens, next_n, max_context_len)
    out = torch.full((b * next_n, max_context_len), float("-inf"), dtype=torch.float64)
    pos = torch.arange(max_context_len)
    lens = row_lengths(context_lens, next_n)
    for bi in range(b):
        n_ctx = min(int(lens[bi].max()), max_context_len)
        if n_ctx <= 0:
            continue
        p = pos[:n_ctx]
        blocks = table[bi, p // bkv]
        ok = (blocks >= 0) & (blocks < k8.shape[0])
        blocks = torch.where(ok, blocks, 0)
        keys = k8[blocks, p % bkv].double() * scale[blocks, p % bkv].double()[:, None]  # [n_ctx, D]
        keys = torch.where(ok[:, None], keys, 0.0)
        rows = slice(bi * next_n, (bi + 1) * next_n)
        s = scores(q[bi].cpu(), keys, weights[rows].cpu())
        vis = visible[rows, :n_ctx] & ok[None, :]
        out[rows, :n_ctx] = torch.where(vis, s, torch.full_like(s, float("-inf")))
    return out.to(dtype)
