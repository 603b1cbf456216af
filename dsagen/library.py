"""dsagen's operators as torch custom ops: `torch.ops.dsagen.<name>`.

Each op has a fake (meta) implementation, so torch.compile(fullgraph=True) traces through it
and CUDA-graph capture sees static shapes; the real implementation calls the native API in
`dsagen.ops`, which launches the Triton kernel (on CPU tensors through the interpreter).
The two cache inserts mutate their cache argument in place and return nothing, and so does
kv_compress its `out` (entries it skips keep what they held).

Registering the ops imports no triton and compiles nothing: `import dsagen.library` is cheap.
Where dispatcher overhead matters (a decode step of a small batch) call `dsagen.ops` directly:
it is the same code path minus the dispatcher (tools/bench_dispatch_overhead.py measures it).
"""

from typing import Optional

import torch
from torch import Tensor

_NS = "dsagen"


# ---- indexer ---------------------------------------------------------------------------

@torch.library.custom_op(f"{_NS}::indexer_logits", mutates_args=())
def indexer_logits(q: Tensor, k: Tensor, k_scale: Tensor, weights: Tensor,
                   row_start: Tensor, row_end: Tensor, clean: bool = True) -> Tensor:
    """Ragged lightning-indexer logits fp32 [s_q, s_kv] (see dsagen.ops.indexer_logits)."""
    from dsagen import ops

    return ops.indexer_logits(q, k, k_scale, weights, row_start, row_end, clean=clean)


@indexer_logits.register_fake
def _(q, k, k_scale, weights, row_start, row_end, clean=True):
    return q.new_empty((q.shape[0], k.shape[0]), dtype=torch.float32)


@torch.library.custom_op(f"{_NS}::indexer_logits_paged", mutates_args=())
def indexer_logits_paged(q: Tensor, kv_cache: Tensor, weights: Tensor, context_lens: Tensor,
                         block_table: Tensor, max_context_len: int, clean: bool = True) -> Tensor:
    """Paged lightning-indexer logits fp32 [batch * next_n, max_context_len]."""
    from dsagen import ops

    return ops.indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len, clean=clean)


@indexer_logits_paged.register_fake
def _(q, kv_cache, weights, context_lens, block_table, max_context_len, clean=True):
    return q.new_empty((q.shape[0] * q.shape[1], max_context_len), dtype=torch.float32)


# ---- top-k -----------------------------------------------------------------------------

@torch.library.custom_op(f"{_NS}::topk_indices", mutates_args=())
def topk_indices(logits: Tensor, k: int, row_starts: Optional[Tensor] = None,
                 row_ends: Optional[Tensor] = None) -> Tensor:
    """int32 [rows, k]: columns of the k largest logits in [row_start, row_end), -1 padded."""
    from dsagen import ops

    return ops.topk_indices(logits, k, row_starts=row_starts, row_ends=row_ends)


@topk_indices.register_fake
def _(logits, k, row_starts=None, row_ends=None):
    return logits.new_empty((logits.shape[0], k), dtype=torch.int32)


# ---- sparse MLA ------------------------------------------------------------------------

@torch.library.custom_op(f"{_NS}::sparse_mla_prefill", mutates_args=())
def sparse_mla_prefill(q: Tensor, kv: Tensor, indices: Tensor, sm_scale: float, d_v: int = 512,
                       attn_sink: Optional[Tensor] = None,
                       topk_length: Optional[Tensor] = None) -> tuple[Tensor, Tensor, Tensor]:
    """(out bf16 [s_q, h_q, d_v], max_logits fp32 [s_q, h_q], lse fp32 [s_q, h_q])."""
    from dsagen import ops

    with torch.no_grad():   # autograd is registered below; the native call must not record its own
        return ops.sparse_mla_prefill(q, kv, indices, sm_scale, d_v, attn_sink, topk_length)


@sparse_mla_prefill.register_fake
def _(q, kv, indices, sm_scale, d_v=512, attn_sink=None, topk_length=None):
    s_q, h_q = q.shape[0], q.shape[1]
    return (q.new_empty((s_q, h_q, d_v), dtype=torch.bfloat16),
            q.new_empty((s_q, h_q), dtype=torch.float32),
            q.new_empty((s_q, h_q), dtype=torch.float32))


@torch.library.custom_op(f"{_NS}::sparse_mla_bwd", mutates_args=())
def sparse_mla_bwd(q: Tensor, kv: Tensor, indices: Tensor, out: Tensor, dout: Tensor, lse: Tensor, sm_scale: float,
                   d_v: int = 512, attn_sink: Optional[Tensor] = None, topk_length: Optional[Tensor] = None,
                   deterministic: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """(dq bf16 [s_q, h_q, d_qk], dkv bf16 [s_kv, 1, d_qk], dsink fp32 [h_q], zeros without a sink)."""
    from dsagen import ops

    dq, dkv, dsink = ops.sparse_mla_bwd(q, kv, indices, out, dout, lse, sm_scale, d_v, attn_sink, topk_length,
                                        deterministic=deterministic)
    return dq, dkv, dsink if dsink is not None else q.new_zeros((q.shape[1],), dtype=torch.float32)


@sparse_mla_bwd.register_fake
def _(q, kv, indices, out, dout, lse, sm_scale, d_v=512, attn_sink=None, topk_length=None, deterministic=False):
    return torch.empty_like(q), torch.empty_like(kv), q.new_empty((q.shape[1],), dtype=torch.float32)


def _prefill_setup_context(ctx, inputs, output):
    q, kv, indices, sm_scale, d_v, attn_sink, topk_length = inputs
    out, _, lse = output
    ctx.save_for_backward(q, kv, indices, out, lse, attn_sink, topk_length)
    ctx.sm_scale, ctx.d_v = sm_scale, d_v
    ctx.mark_non_differentiable(output[1], output[2])


def _prefill_backward(ctx, dout, _dmax_logits, _dlse):
    q, kv, indices, out, lse, attn_sink, topk_length = ctx.saved_tensors
    dq, dkv, dsink = torch.ops.dsagen.sparse_mla_bwd(
        q, kv, indices, out, dout.to(out.dtype).contiguous(), lse, ctx.sm_scale, ctx.d_v, attn_sink, topk_length,
        torch.are_deterministic_algorithms_enabled())
    return dq, dkv, None, None, None, dsink if attn_sink is not None else None, None


torch.library.register_autograd(f"{_NS}::sparse_mla_prefill", _prefill_backward, setup_context=_prefill_setup_context)


# ---- indexer training loss -----------------------------------------------------------------

@torch.library.custom_op(f"{_NS}::indexer_kl", mutates_args=())
def indexer_kl(q_idx: Tensor, weights: Tensor, k_idx: Tensor, q: Tensor, kv: Tensor, attn_lse: Tensor,
               sm_scale: float, key_start: Optional[Tensor] = None, key_end: Optional[Tensor] = None,
               indices: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """(loss fp32 [s_q], stats fp32 [s_q, 2]): KL(attention || indexer) per query (see dsagen.ops.indexer_kl);
    differentiable in q_idx, weights and k_idx; stats are the row statistics the backward reads."""
    from dsagen.operators.indexer_kl.api import indexer_kl_forward

    return indexer_kl_forward(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end, indices)


@indexer_kl.register_fake
def _(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start=None, key_end=None, indices=None):
    return (q_idx.new_empty((q_idx.shape[0],), dtype=torch.float32),
            q_idx.new_empty((q_idx.shape[0], 2), dtype=torch.float32))


@torch.library.custom_op(f"{_NS}::indexer_kl_bwd", mutates_args=())
def indexer_kl_bwd(q_idx: Tensor, weights: Tensor, k_idx: Tensor, q: Tensor, kv: Tensor, attn_lse: Tensor,
                   sm_scale: float, key_start: Optional[Tensor], key_end: Optional[Tensor], indices: Optional[Tensor],
                   stats: Tensor, dloss: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(dq_idx, dweights, dk_idx) of indexer_kl."""
    from dsagen.operators.indexer_kl.api import indexer_kl_backward

    return indexer_kl_backward(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end, indices,
                               stats, dloss)


@indexer_kl_bwd.register_fake
def _(q_idx, weights, k_idx, q, kv, attn_lse, sm_scale, key_start, key_end, indices, stats, dloss):
    return torch.empty_like(q_idx), torch.empty_like(weights), torch.empty_like(k_idx)


def _kl_setup_context(ctx, inputs, output):
    ctx.save_for_backward(*(inputs[:6] + inputs[7:]), output[1])
    ctx.sm_scale = inputs[6]
    ctx.mark_non_differentiable(output[1])


def _kl_backward(ctx, dloss, _dstats):
    q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end, indices, stats = ctx.saved_tensors
    dq_idx, dweights, dk_idx = torch.ops.dsagen.indexer_kl_bwd(q_idx, weights, k_idx, q, kv, attn_lse, ctx.sm_scale,
                                                               key_start, key_end, indices, stats, dloss)
    return dq_idx, dweights, dk_idx, None, None, None, None, None, None, None


torch.library.register_autograd(f"{_NS}::indexer_kl", _kl_backward, setup_context=_kl_setup_context)


@torch.library.custom_op(f"{_NS}::sparse_mla_decode", mutates_args=())
def sparse_mla_decode(q: Tensor, k_cache: Tensor, indices: Tensor, sm_scale: float, d_v: int = 512,
                      attn_sink: Optional[Tensor] = None, topk_length: Optional[Tensor] = None,
                      extra_k_cache: Optional[Tensor] = None, extra_indices: Optional[Tensor] = None,
                      extra_topk_length: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
    """(out bf16 [b, s_q, h_q, d_v], lse fp32 [b, h_q, s_q]) over a paged bf16, 656-byte FP8 or MODEL1
    cache, and optionally a second (compressed) cache in the same softmax."""
    from dsagen import ops

    return ops.sparse_mla_decode(q, k_cache, indices, sm_scale, d_v, attn_sink, topk_length,
                                 extra_k_cache=extra_k_cache, extra_indices=extra_indices,
                                 extra_topk_length=extra_topk_length)


@sparse_mla_decode.register_fake
def _(q, k_cache, indices, sm_scale, d_v=512, attn_sink=None, topk_length=None, extra_k_cache=None,
      extra_indices=None, extra_topk_length=None):
    b, s_q, h_q = q.shape[0], q.shape[1], q.shape[2]
    return (q.new_empty((b, s_q, h_q, d_v), dtype=torch.bfloat16),
            q.new_empty((b, h_q, s_q), dtype=torch.float32))


# ---- KV compressor (DeepSeek-V4 CSA / HCA, GLM-5.3-Flash key pooling) ----------------------

@torch.library.custom_op(f"{_NS}::kv_compress", mutates_args=("out",))
def kv_compress(kv: Tensor, score: Tensor, ape: Tensor, weight: Optional[Tensor], group_rows: Tensor,
                prev_rows: Optional[Tensor], out: Tensor, ratio: int, eps: float = 1e-6) -> None:
    """Write the compressed entries [E, D] into out, in place; entries with group_rows < 0 are left
    as they were (see dsagen.ops.kv_compress)."""
    from dsagen import ops

    ops.kv_compress(kv, score, ape, weight, group_rows, prev_rows, ratio=ratio, eps=eps, out=out)


@kv_compress.register_fake
def _(kv, score, ape, weight, group_rows, prev_rows, out, ratio, eps=1e-6):
    return None


# ---- cache inserts (in place) ------------------------------------------------------------

@torch.library.custom_op(f"{_NS}::indexer_cache_insert", mutates_args=("kv_cache",))
def indexer_cache_insert(kv_cache: Tensor, k_fp8: Tensor, k_scale: Tensor, slot_mapping: Tensor) -> None:
    """Write e4m3 keys and their scales into DeepGEMM's paged indexer cache; slot < 0 skipped."""
    from dsagen.operators.cache_insert.api import indexer_cache_insert as impl

    impl(kv_cache, k_fp8, k_scale, slot_mapping)


@indexer_cache_insert.register_fake
def _(kv_cache, k_fp8, k_scale, slot_mapping):
    return None


@torch.library.custom_op(f"{_NS}::mla_cache_insert", mutates_args=("k_cache",))
def mla_cache_insert(k_cache: Tensor, kv: Tensor, slot_mapping: Tensor, scale_format: str = "ue8m0") -> None:
    """Write latent+rope rows into FlashMLA's 656-byte FP8 (or bf16) paged cache; slot < 0 skipped."""
    from dsagen.operators.cache_insert.api import mla_cache_insert as impl

    impl(k_cache, kv, slot_mapping, scale_format)


@mla_cache_insert.register_fake
def _(k_cache, kv, slot_mapping, scale_format="ue8m0"):
    return None


OPS = {
    "indexer_logits": indexer_logits,
    "indexer_logits_paged": indexer_logits_paged,
    "topk_indices": topk_indices,
    "sparse_mla_prefill": sparse_mla_prefill,
    "sparse_mla_bwd": sparse_mla_bwd,
    "indexer_kl": indexer_kl,
    "indexer_kl_bwd": indexer_kl_bwd,
    "sparse_mla_decode": sparse_mla_decode,
    "kv_compress": kv_compress,
    "indexer_cache_insert": indexer_cache_insert,
    "mla_cache_insert": mla_cache_insert,
}


@torch.library.custom_op(f"{_NS}::indexer_topk_fused", mutates_args=())
def indexer_topk_fused(q: Tensor, k: Tensor, k_scale: Tensor, weights: Tensor, row_start: Tensor,
                       row_end: Tensor, topk: int) -> Tensor:
    """int32 [s_q, topk]: the indexer's top-k per query without materialising the logits."""
    from dsagen import ops

    return ops.indexer_topk_fused(q, k, k_scale, weights, row_start, row_end, topk)


@indexer_topk_fused.register_fake
def _(q, k, k_scale, weights, row_start, row_end, topk):
    return q.new_empty((q.shape[0], topk), dtype=torch.int32)


OPS["indexer_topk_fused"] = indexer_topk_fused
