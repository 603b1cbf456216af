"""Indexer KL losses (DeepSeek-V3.2's indexer training, DSA_FACTS 12), float64, written for reading.

For query t over its key set (dense warm-up: every key s in [key_start[t], key_end[t]); sparse
stage: the selected entries indices[t, :] that are in range):
    I[t, s] = sum_j w[t, j] * ReLU(q_idx[t, j] . k_idx[s])                  the indexer's scores
    A[t, s] = sum_h exp(sm_scale * q[t, h] . kv[s] - attn_lse[t, h])        attention summed over heads
    p[t, s] = A[t, s] / sum_s A[t, s]                                         (detached target)
    loss[t] = KL(p || softmax_s I) = sum_s p * (log p - log_softmax(I)),  terms with p = 0 are 0
A query with an empty key set has loss 0 and no gradient. Only the indexer (q_idx, w, k_idx) is
trained by this loss: q, kv and attn_lse are the main attention's, taken as constants.
The kernels (templates/indexer_kl/) never hold the [s_q, keys] matrices: they stream key tiles.
"""

import torch


def key_sets(n_keys, s_q, key_start=None, key_end=None, indices=None, device="cpu"):
    """(rows long [s_q, K], valid bool [s_q, K]): the key rows each query scores and which count."""
    if indices is not None:
        idx = indices.reshape(s_q, indices.shape[-1]).long()
        return idx.clamp(0, max(n_keys - 1, 0)), (idx >= 0) & (idx < n_keys)
    s = torch.arange(n_keys, device=device)
    rows = s[None, :].expand(s_q, n_keys)
    return rows, (rows >= key_start.long()[:, None]) & (rows < key_end.long()[:, None])


def indexer_kl(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start=None, key_end=None, indices=None,
               dtype=torch.float64):
    """q_idx [s_q, Hi, Di], weights [s_q, Hi], k_idx [s_kv, Di], q [s_q, H, d_qk], kv [s_kv, 1, d_qk]
    (or [s_kv, d_qk]), attn_lse [s_q, H]; key_start / key_end int [s_q] (dense) or indices int
    [s_q, 1, K] (sparse). Returns loss [s_q] in `dtype`, differentiable in q_idx, weights, k_idx."""
    s_q, n_keys = q_idx.shape[0], k_idx.shape[0]
    rows, valid = key_sets(n_keys, s_q, key_start, key_end, indices, q_idx.device)
    kv2 = kv.reshape(n_keys, kv.shape[-1])
    k_sel = torch.where(valid[..., None], k_idx.to(dtype)[rows], 0.0)
    scores = torch.einsum("tjk,tj->tk", torch.relu(torch.einsum("tjd,tkd->tjk", q_idx.to(dtype), k_sel)),
                          weights.to(dtype))
    with torch.no_grad():
        kv_sel = torch.where(valid[..., None], kv2.to(dtype)[rows], 0.0)
        z = torch.einsum("thd,tkd->thk", q.to(dtype), kv_sel) * sm_scale
        a = torch.where(valid[:, None, :], torch.exp(z - attn_lse.to(dtype)[..., None]), 0.0).sum(1)
        total = a.sum(-1, keepdim=True)
        p = torch.where(total > 0, a / torch.where(total > 0, total, 1.0), 0.0)
        logp = torch.log(torch.where(p > 0, p, 1.0))
    any_key = valid.any(-1, keepdim=True)
    masked = torch.where(valid & any_key, scores, torch.where(any_key, float("-inf"), 0.0))
    logq = torch.log_softmax(masked, dim=-1)
    terms = torch.where(p > 0, p * (logp - torch.where(valid, logq, 0.0)), 0.0)
    return terms.sum(-1)
