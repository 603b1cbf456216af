"""End-to-end DSA attention computed densely with an explicit mask, for reading.

indexer scores over every causal position -> a boolean mask of the k best per query ->
dense MLA attention with everything outside the mask set to -inf. No gathers, no indices,
no kernels: this is the definition the three sparse operators must compose into.
"""

import torch


def indexer_scores(q_idx, k_idx, weights):
    """q_idx [S, H, D], k_idx [S_kv, D], weights [S, H] -> float64 [S, S_kv]."""
    dots = torch.einsum("shd,kd->shk", q_idx.double(), k_idx.double())
    return torch.einsum("shk,sh->sk", dots.relu(), weights.double())


def causal_visible(s_q, s_kv, device=None):
    """Query t (the last s_q of s_kv tokens) sees keys 0 .. s_kv - s_q + t."""
    t = torch.arange(s_q, device=device)[:, None]
    s = torch.arange(s_kv, device=device)[None, :]
    return s <= (s_kv - s_q + t)


def topk_mask(scores, visible, k):
    """bool [S, S_kv]: the k highest visible scores of each row (all visible ones if fewer)."""
    masked = scores.masked_fill(~visible, float("-inf"))
    kk = min(k, scores.shape[1])
    top = masked.topk(kk, dim=1).indices
    mask = torch.zeros_like(visible)
    mask.scatter_(1, top, True)
    return mask & visible


def masked_mla(q, kv, mask, sm_scale, d_v=512):
    """q [S, h_q, d_qk], kv [S_kv, d_qk], mask bool [S, S_kv] -> (out, max_logits, lse) float64."""
    p = torch.einsum("shd,kd->shk", q.double(), kv.double()) * sm_scale
    p = p.masked_fill(~mask[:, None, :], float("-inf"))
    lse = torch.logsumexp(p, dim=-1)
    out = torch.einsum("shk,kd->shd", torch.softmax(p, dim=-1), kv[:, :d_v].double())
    return out, p.amax(dim=-1), lse


def dsa_attention(q_idx, k_idx, weights, q, kv, k, sm_scale, d_v=512):
    """The whole DSA layer core on one sequence (queries are its last S tokens)."""
    scores = indexer_scores(q_idx, k_idx, weights)
    mask = topk_mask(scores, causal_visible(q.shape[0], kv.shape[0], q.device), k)
    return masked_mla(q, kv, mask, sm_scale, d_v), mask
