"""Ragged lightning-indexer logits: the readable float64 reference.

    out[i, j] = sum_h relu(q[i, h] . (k[j] * k_scale[j])) * weights[i, h]

Row i sees columns row_start[i] <= j < row_end[i] (clamped to [0, s_kv]); -inf elsewhere.
No triton here; everything is computed in float64 and returned as float32 (or `dtype`).
"""

import torch


def scores(q, k, weights):
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
    out = scores(q.cpu(), kf.cpu(), weights.cpu())
    j = torch.arange(s_kv)[None, :]
    start = row_start.cpu().long().clamp(0, s_kv)[:, None]
    end = row_end.cpu().long().clamp(0, s_kv)[:, None]
    visible = (j >= start) & (j < end)
    return torch.where(visible, out, torch.full_like(out, float("-inf"))).to(dtype)
