"""The indexer's top-k selection from FP8 queries and keys (serving's prefill and decode, and the training
form's "fp8" selector)."""

import torch

import dsagen.library  # noqa: F401  (registers torch.ops.dsagen.*)


FUSED_TOPK_MAX = 8192   # dsagen.operators.indexer_topk_fused: its candidate scratch is sized by next_pow2(k)


def indexer_topk(q8, k8, k_scale, weights, row_start, row_end, topk: int):
    """The indexer's top-k key columns per query in [row_start, row_end): the fused indexer + top-k
    (the [s_q, s_kv] fp32 logits are never written) where it applies (k <= 8192, head_dim a power
    of two from 32 to 256), else the logits and a top-k over them. In no particular order, -1 padded."""
    if topk <= FUSED_TOPK_MAX and q8.shape[-1] in (32, 64, 128, 256):
        return torch.ops.dsagen.indexer_topk_fused(q8, k8, k_scale, weights, row_start, row_end, topk)
    logits = torch.ops.dsagen.indexer_logits(q8, k8, k_scale, weights, row_start, row_end, True)
    return torch.ops.dsagen.topk_indices(logits, topk, row_start, row_end)
