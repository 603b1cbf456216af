"""The indexer's KL losses for training (templates/indexer_kl/triton.py; oracle: naive.py beside this file)."""

import torch

from dsagen.operators.indexer_kl.problem import OP
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


def _check(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices):
    if q_idx.dim() != 3 or q_idx.dtype != torch.bfloat16 or q_idx.shape[-1] not in (32, 64, 128) or q_idx.stride(-1) != 1:
        raise ValueError(f"q_idx must be bfloat16 [s_q, index_heads, 32 | 64 | 128] with unit stride in its last dim, "
                         f"got {q_idx.dtype} {tuple(q_idx.shape)}")
    s_q, h_idx, d_idx = q_idx.shape
    if weights.dtype != torch.float32 or tuple(weights.shape) != (s_q, h_idx) or weights.stride(-1) != 1:
        raise ValueError(f"weights must be float32 [{s_q}, {h_idx}], got {weights.dtype} {tuple(weights.shape)}")
    if k_idx.dim() != 2 or k_idx.dtype != torch.bfloat16 or k_idx.shape[1] != d_idx or k_idx.stride(-1) != 1:
        raise ValueError(f"k_idx must be bfloat16 [s_kv, {d_idx}], got {k_idx.dtype} {tuple(k_idx.shape)}")
    s_kv = k_idx.shape[0]
    if q.dim() != 3 or q.shape[0] != s_q or q.shape[-1] not in (576, 512) or q.dtype != torch.bfloat16 \
            or q.stride(-1) != 1:
        raise ValueError(f"q must be bfloat16 [{s_q}, h_q, 576 or 512], got {q.dtype} {tuple(q.shape)}")
    if tuple(kv.shape) != (s_kv, 1, q.shape[-1]) or kv.dtype != torch.bfloat16 or kv.stride(-1) != 1:
        raise ValueError(f"kv must be bfloat16 [{s_kv}, 1, {q.shape[-1]}], got {kv.dtype} {tuple(kv.shape)}")
    if attn_lse.dtype != torch.float32 or tuple(attn_lse.shape) != (s_q, q.shape[1]) or attn_lse.stride(-1) != 1:
        raise ValueError(f"attn_lse must be float32 [{s_q}, {q.shape[1]}] (the attention's natural-log lse), "
                         f"got {attn_lse.dtype} {tuple(attn_lse.shape)}")
    if (indices is None) == (key_start is None or key_end is None):
        raise ValueError("give either key_start and key_end (the dense warm-up) or indices (the sparse stage)")
    if indices is not None:
        if indices.dtype != torch.int32 or indices.dim() != 3 or indices.shape[:2] != (s_q, 1) or indices.stride(-1) != 1:
            raise ValueError(f"indices must be int32 [{s_q}, 1, topk], got {indices.dtype} {tuple(indices.shape)}")
    else:
        for name, t in (("key_start", key_start), ("key_end", key_end)):
            if t.dtype != torch.int32 or tuple(t.shape) != (s_q,) or not t.is_contiguous():
                raise ValueError(f"{name} must be contiguous int32 [{s_q}], got {t.dtype} {tuple(t.shape)}")


def _problem(q_idx, k_idx, q, indices):
    return {"index_heads": q_idx.shape[1], "index_dim": q_idx.shape[2], "h_q": q.shape[1], "d_qk": q.shape[2],
            "topk": indices.shape[-1] if indices is not None else 0, "s_q": q_idx.shape[0], "s_kv": k_idx.shape[0]}


def indexer_kl_forward(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start=None, key_end=None,
                       indices=None):
    """The forward kernel alone (no autograd, arguments checked): (loss fp32 [s_q], stats fp32 [s_q, 2],
    the row statistics indexer_kl_backward reads: log-sum-exp of I and the attention mass)."""
    _check(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices)
    device = check_device(q_idx=q_idx, weights=weights, k_idx=k_idx, q=q, kv=kv, attn_lse=attn_lse,
                          key_start=key_start, key_end=key_end, indices=indices)
    loss = torch.empty(q_idx.shape[0], dtype=torch.float32, device=device)
    stats = torch.empty((q_idx.shape[0], 2), dtype=torch.float32, device=device)
    kernel_module(OP, device, _problem(q_idx, k_idx, q, indices)).launch_forward(
        q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, loss, stats, sm_scale=float(sm_scale))
    return loss, stats


def indexer_kl_backward(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end, indices, stats,
                        dloss):
    """(dq_idx bf16, dweights fp32, dk_idx bf16) of sum(loss * dloss); stats from indexer_kl_forward."""
    device = q_idx.device
    dq_idx = torch.empty_like(q_idx)
    dweights = torch.empty_like(weights)
    dk_idx = torch.zeros(k_idx.shape, dtype=torch.float32, device=device)
    kernel_module(OP, device, _problem(q_idx, k_idx, q, indices)).launch_backward(
        q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, stats, dloss.float().contiguous(),
        dq_idx, dweights, dk_idx, sm_scale=float(sm_scale))
    return dq_idx, dweights, dk_idx.to(k_idx.dtype)


class _IndexerKL(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end, indices):
        loss, stats = indexer_kl_forward(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end,
                                         indices)
        ctx.save_for_backward(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, stats)
        ctx.sm_scale = sm_scale
        return loss

    @staticmethod
    def backward(ctx, dloss):
        *inputs, stats = ctx.saved_tensors
        q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices = inputs
        grads = indexer_kl_backward(q_idx, weights, k_idx, q, kv, attn_lse, ctx.sm_scale, key_start, key_end,
                                    indices, stats, dloss)
        return (*grads, None, None, None, None, None, None, None)


def indexer_kl(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale=None, key_start=None, key_end=None, indices=None):
    """Per-query KL(attention || indexer) for training the lightning indexer (DSA_FACTS 12).

    q_idx:   bf16 [s_q, index_heads, index_dim] (index_dim 32, 64 or 128); weights fp32 [s_q, index_heads];
    k_idx:   bf16 [s_kv, index_dim]: the indexer's scores are I = sum_j w_j ReLU(q_idx_j . k_idx).
    q, kv:   the main attention's bf16 [s_q, h_q, d_qk] and [s_kv, 1, d_qk] (d_qk 576 or 512), with
    attn_lse fp32 [s_q, h_q], its natural-log log-sum-exp over the same keys (the forward's lse).
    Dense warm-up: key_start, key_end int32 [s_q], each query's keys [key_start, key_end) (causal,
    ragged batches). Sparse stage: indices int32 [s_q, 1, topk], the selected keys (< 0 or >= s_kv
    skipped). The target is the head-summed attention renormalised over the key set (detached).
    Returns loss fp32 [s_q] (0 for an empty key set), differentiable in q_idx, weights and k_idx;
    no [s_q, keys] tensor is formed (the kernels stream key tiles).
    """
    sm_scale = float(q.shape[-1] ** -0.5 if sm_scale is None else sm_scale)
    return _IndexerKL.apply(q_idx, weights, k_idx, q.detach(), kv.detach(), attn_lse.detach(), sm_scale,
                            key_start, key_end, indices)
