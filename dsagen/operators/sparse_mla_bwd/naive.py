"""Sparse MLA backward reference: float64 autograd through the forward oracle, written for reading.

With P~[t, h, j] = exp(L[t, h, j]) / (exp(lse[t, h]) + exp(sink[h])) (the sink term only with a
sink; L = sm_scale * q . kv[idx] over the valid entries), out = sum_j P~ v_j, and
Delta[t, h] = dO[t, h] . out[t, h]:
    dL[t, h, j] = P~ * (dO[t, h] . v_j - Delta[t, h])
    dq[t, h]    = sm_scale * sum_j dL[t, h, j] * kv[idx[t, j]]
    dkv[r]     += sm_scale * sum_h dL[t, h, j] * q[t, h]  +  sum_h P~ * dO[t, h] (first d_v columns)
                  for every (t, j) with idx[t, j] = r (a repeated index adds once per occurrence)
    dsink[h]    = -sum_t Delta[t, h] * exp(sink[h]) / (exp(lse[t, h]) + exp(sink[h]))
Invalid entries (< 0, >= s_kv, past topk_length) and queries with no valid entry give nothing;
KV rows nobody selects get 0 (NaN stored in them must not leak). The kernels in
templates/sparse_mla_bwd/ compute exactly these formulas; this file gets them from autograd so the
two derivations check each other.
"""

import torch

from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as forward


def sparse_mla_bwd(q, kv, indices, dout, sm_scale, d_v=512, attn_sink=None, topk_length=None):
    """q [s_q, h_q, d_qk], kv [s_kv, 1, d_qk], indices int [s_q, 1, topk], dout [s_q, h_q, d_v].

    Returns (dq [s_q, h_q, d_qk], dkv [s_kv, 1, d_qk], dsink [h_q] or None), float64.
    """
    qd = q.detach().double().requires_grad_()
    kvd = kv.detach().double().requires_grad_()
    leaves = [qd, kvd]
    sink = None
    if attn_sink is not None:
        sink = attn_sink.detach().double().requires_grad_()
        leaves.append(sink)
    out, _, _ = forward(qd, kvd, indices, sm_scale, d_v, sink, topk_length, dtype=torch.float64)
    grads = torch.autograd.grad(out, leaves, dout.detach().double(), allow_unused=True)
    dq, dkv = (torch.zeros_like(x) if g is None else g for x, g in zip(leaves[:2], grads[:2]))
    dsink = None
    if sink is not None:
        dsink = grads[2] if grads[2] is not None else torch.zeros_like(sink)
    return dq, dkv, dsink
