"""Paged lightning-indexer logits (decode): DeepGEMM fp8_paged_mqa_logits semantics, any H and next_n.

Template: templates/indexer_logits_paged/triton.py (and tilelang.py); oracle: naive.py beside this file.
"""

import torch

from dsagen.operators.argcheck import desc, float_out, int_vector
from dsagen.operators.indexer_logits.problem import HEAD_DIMS
from dsagen.operators.indexer_logits_paged.problem import OP
from dsagen.oracle import fp8
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


def indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len, *, clean=True,
                         out=None):
    """Paged indexer logits (DeepGEMM fp8_paged_mqa_logits semantics, any H and next_n).

    q:            float8_e4m3fn [B, next_n, H, D].
    kv_cache:     uint8 [num_blocks, block_kv, 1, D+4], contiguous: per block the block_kv * D
                  fp8 bytes (token-major) then block_kv fp32 scales (dsagen.oracle.fp8.pack_indexer_cache).
    weights:      float32 [B * next_n, H].
    context_lens: int32 [B], including the next_n new tokens (row b * next_n + i sees positions
                  pos <= context_lens[b] - next_n + i), or int32 [B, next_n] (DeepGEMM main: row
                  b * next_n + i sees pos < context_lens[b, i]; any lengths, 0 included).
    block_table:  int32 [B, max_blocks]; entries for blocks past a context are never read; an entry
                  outside [0, num_blocks) inside a context is never read and its positions are not
                  visible.
    max_context_len: Python int, the output width.
    clean:        True: -inf where not visible; False: only visible positions are written.
    out:          optional float32 [B * next_n, max_context_len], unit column stride.

    """
    if not isinstance(q, torch.Tensor) or q.dtype != fp8.E4M3 or q.dim() != 4:
        raise ValueError(f"q must be float8_e4m3fn [batch, next_n, heads, head_dim], got {desc(q)}")
    bsz, next_n, h, d = q.shape
    if next_n < 1 or h < 1:
        raise ValueError(f"q: next_n and heads must be >= 1, got {tuple(q.shape)}")
    if d not in HEAD_DIMS or q.stride(3) != 1:
        raise ValueError(f"q: head_dim must be one of {HEAD_DIMS} with unit stride, got {d}")
    if (not isinstance(kv_cache, torch.Tensor) or kv_cache.dtype != torch.uint8 or kv_cache.dim() != 4
            or kv_cache.shape[2] != 1 or kv_cache.shape[3] != d + 4 or not kv_cache.is_contiguous()):
        raise ValueError(f"kv_cache must be contiguous uint8 [num_blocks, block_kv, 1, {d + 4}], got {desc(kv_cache)}")
    block_kv = kv_cache.shape[1]
    if block_kv < 1:
        raise ValueError(f"kv_cache: block_kv must be >= 1, got {block_kv}")
    if not isinstance(weights, torch.Tensor) or weights.dtype != torch.float32 or weights.shape != (bsz * next_n, h):
        raise ValueError(f"weights must be float32 [{bsz * next_n}, {h}], got {desc(weights)}")
    weights = weights if weights.stride(1) == 1 else weights.contiguous()
    if not isinstance(block_table, torch.Tensor) or block_table.dtype != torch.int32 or block_table.dim() != 2 \
            or block_table.shape[0] != bsz:
        raise ValueError(f"block_table must be int32 [{bsz}, max_blocks], got {desc(block_table)}")
    block_table = block_table if block_table.stride(1) == 1 else block_table.contiguous()
    if isinstance(max_context_len, torch.Tensor) or isinstance(max_context_len, bool) \
            or not isinstance(max_context_len, int) or max_context_len < 0:
        raise ValueError(f"max_context_len must be a non-negative Python int, got {max_context_len!r}")
    # A context longer than the output sees all of it; a negative one sees nothing (as in the oracle).
    if isinstance(context_lens, torch.Tensor) and context_lens.dim() == 2:
        if context_lens.dtype not in (torch.int32, torch.int64) or context_lens.shape != (bsz, next_n):
            raise ValueError(f"context_lens must be int32 [{bsz}] or [{bsz}, {next_n}], got {desc(context_lens)}")
        context_lens = context_lens.clamp(0, max_context_len).to(torch.int32).contiguous()
    else:
        context_lens = int_vector("context_lens", context_lens, bsz, 0, max_context_len + next_n)
    if block_table.shape[1] * block_kv < max_context_len:
        raise ValueError(f"block_table: {block_table.shape[1]} blocks of {block_kv} cannot cover "
                         f"max_context_len {max_context_len}")
    device = check_device(q=q, kv_cache=kv_cache, weights=weights, context_lens=context_lens,
                          block_table=block_table, out=out)
    out = float_out(out, (bsz * next_n, max_context_len), device)
    if bsz == 0 or max_context_len == 0:
        return out
    problem = {"heads": h, "head_dim": d, "batch": bsz, "next_n": next_n, "context_len": max_context_len,
               "block_kv": block_kv}
    mod = kernel_module(OP, device, problem)
    mod.launch(q, kv_cache, weights, context_lens, block_table, out, max_context_len=max_context_len, clean=clean)
    return out
