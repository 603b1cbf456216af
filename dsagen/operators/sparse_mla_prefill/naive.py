"""Sparse MLA reference (FlashMLA conventions), float32, written for reading.

P[t, h, j] = q[t, h] . kv[idx[t, j]] * sm_scale over the valid selected entries j;
max_logits = max_j P; lse = natural-log logsumexp_j P; out = softmax_j(P) @ kv[idx, :d_v].
An index < 0 or >= s_kv (or past topk_length) is invalid. A query with no valid index gets
out = 0, lse = +inf, max_logits = -inf. With attn_sink [h_q] the output is scaled by
exp(lse) / (exp(lse) + exp(sink)) (lse itself is unchanged).
"""

import torch


def sparse_attention_rows(q, kv_sel, valid, sm_scale, d_v, attn_sink=None, dtype=torch.float32):
    """Core: q [T, H, Dqk], kv_sel [T, K, Dqk] (gathered rows), valid bool [T, K].

    Returns out [T, H, d_v], max_logits [T, H], lse [T, H], all in `dtype` (float32; the
    backward oracle runs float64 autograd through this, so no masked branch may hold a NaN).
    """
    qf = q.to(dtype)
    kf = torch.where(valid[..., None], kv_sel.to(dtype), 0.0)  # NaN in unused slots must not leak
    p = torch.einsum("thd,tkd->thk", qf, kf) * sm_scale
    p = p.masked_fill(~valid[:, None, :], float("-inf"))
    rows = valid.any(dim=-1)[:, None].expand(p.shape[:2])     # [T, H]: the query attends something
    p = torch.where(rows[..., None], p, 0.0)                  # an empty row: finite, fully masked below
    max_logits = p.amax(dim=-1)
    lse = torch.logsumexp(p, dim=-1)
    probs = torch.where(valid[:, None, :], torch.exp(p - lse[..., None]), 0.0)
    out = torch.einsum("thk,tkd->thd", probs, kf[..., :d_v])
    if attn_sink is not None:
        # exp(lse) / (exp(lse) + exp(sink)) = sigmoid(lse - sink); only where something was attended
        # (out is 0 elsewhere)
        scale = torch.sigmoid(lse - attn_sink.to(dtype)[None, :])
        out = out * torch.where(rows, scale, 0.0)[..., None]
    lse = torch.where(rows, lse, float("inf"))
    max_logits = torch.where(rows, max_logits, float("-inf"))
    return out, max_logits, lse


def valid_mask(indices, s_kv, topk_length=None):
    """indices int [T, K] -> bool [T, K]: in range and within topk_length[t]."""
    valid = (indices >= 0) & (indices < s_kv)
    if topk_length is not None:
        pos = torch.arange(indices.shape[-1], device=indices.device)
        valid &= pos[None, :] < topk_length[:, None].to(indices.device)
    return valid


def sparse_mla_prefill(q, kv, indices, sm_scale, d_v=512, attn_sink=None, topk_length=None, dtype=torch.float32):
    """q [s_q, h_q, d_qk], kv [s_kv, 1, d_qk] (or [s_kv, d_qk]), indices int [s_q, 1, topk] (or [s_q, topk]).

    Returns (out [s_q, h_q, d_v], max_logits [s_q, h_q], lse [s_q, h_q]) in `dtype` (float32).
    """
    kv2 = kv.reshape(kv.shape[0], kv.shape[-1])
    idx = indices.reshape(indices.shape[0], indices.shape[-1]).long()
    valid = valid_mask(idx, kv2.shape[0], topk_length)
    kv_sel = kv2[idx.clamp(0, kv2.shape[0] - 1)]
    return sparse_attention_rows(q, kv_sel, valid, sm_scale, d_v, attn_sink, dtype)
