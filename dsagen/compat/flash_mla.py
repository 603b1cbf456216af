"""Drop-in replacement for FlashMLA's Python interface (flash_mla/flash_mla_interface.py, current main).

    from dsagen.compat import flash_mla
    sched, _ = flash_mla.get_mla_metadata()
    out, lse = flash_mla.flash_mla_with_kvcache(q, k_cache, None, None, 512, sched,
                                                is_fp8_kvcache=True, indices=indices)
    out, max_logits, lse = flash_mla.flash_mla_sparse_fwd(q, kv, indices, sm_scale)

Supported: sparse decode over a bf16 cache (is_fp8_kvcache=False) or the 656-byte FP8 cache
(is_fp8_kvcache=True; FlashMLA itself requires FP8 for sparse decode), with attn_sink,
topk_length and a second cache in the same softmax (extra_k_cache, extra_indices_in_kvcache,
extra_topk_length: V4's MODEL1 window + compressed caches); sparse prefill. Not supported yet
(ValueError): dense decode (indices=None) and indexer_topk > 0 in flash_mla_sparse_fwd.
"""

import dataclasses
from typing import Optional, Tuple

import torch

from dsagen.oracle.fp8 import E4M3


@dataclasses.dataclass
class FlashMLASchedMeta:
    """FlashMLA's scheduling object: empty from get_mla_metadata, filled on first use.

    dsagen needs no precomputed tile schedule; the object records the call's configuration on
    first use and later calls must match it (FlashMLA's rule for reusing the metadata)."""

    @dataclasses.dataclass
    class Config:
        b: int
        s_q: int
        h_q: int
        page_block_size: int
        h_k: int
        causal: bool
        is_fp8_kvcache: bool
        topk: Optional[int]
        extra_page_block_size: Optional[int]
        extra_topk: Optional[int]

    have_initialized: bool = False
    config: Optional[Config] = None
    tile_scheduler_metadata: Optional[torch.Tensor] = None
    num_splits: Optional[torch.Tensor] = None


def get_mla_metadata(*args, **kwargs) -> Tuple[FlashMLASchedMeta, None]:
    """An empty FlashMLASchedMeta (filled on the first flash_mla_with_kvcache call) and None.

    The arguments of older releases (cache_seqlens, num_q_tokens_per_head_k, ...) are accepted
    and ignored, as FlashMLA's current main does."""
    return FlashMLASchedMeta(), None


def _unsupported(name: str, why: str):
    raise ValueError(f"{name}: {why} is not supported by dsagen's flash_mla yet")


def flash_mla_with_kvcache(
    q: torch.Tensor,
    k_cache: torch.Tensor,
    block_table: Optional[torch.Tensor],
    cache_seqlens: Optional[torch.Tensor],
    head_dim_v: int,
    tile_scheduler_metadata: FlashMLASchedMeta,
    num_splits: None = None,
    softmax_scale: Optional[float] = None,
    causal: bool = False,
    is_fp8_kvcache: bool = False,
    indices: Optional[torch.Tensor] = None,
    attn_sink: Optional[torch.Tensor] = None,
    extra_k_cache: Optional[torch.Tensor] = None,
    extra_indices_in_kvcache: Optional[torch.Tensor] = None,
    topk_length: Optional[torch.Tensor] = None,
    extra_topk_length: Optional[torch.Tensor] = None,
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Sparse MLA decode with FlashMLA's signature.

    q bf16 [b, s_q, h_q, d_qk], any h_q in 1..128; d_qk 576 (V3.2) or 512 (MODEL1, DeepSeek-V4).
    k_cache [num_blocks, page_block_size, 1, row]: bf16 rows of d_qk values (is_fp8_kvcache=False),
    or FP8 bytes as uint8/float8_e4m3fn (is_fp8_kvcache=True): the 656-byte V3.2 record with
    d_qk 576, the 584-byte MODEL1 record (segmented per block, block stride = stride(0)) with
    d_qk 512. indices int32 [b, s_q, topk] of slots block * page + offset (-1 or >= num_blocks *
    page skipped; block_table and cache_seqlens are not needed and ignored). extra_k_cache
    (k_cache's format, its own page size), extra_indices_in_kvcache int32 [b, s_q, extra_topk]
    and extra_topk_length int32 [b]: a second cache attended in the same softmax (V4: the
    compressed entries beside the window). head_dim_v 512; tile_scheduler_metadata from
    get_mla_metadata(); num_splits must be None; softmax_scale defaults to q.shape[-1] ** -0.5;
    attn_sink fp32 [h_q] (over both caches); topk_length int32 [b].
    Returns (out [b, s_q, h_q, 512] in q's dtype, lse fp32 [b, h_q, s_q]).
    """
    if not isinstance(tile_scheduler_metadata, FlashMLASchedMeta):
        raise ValueError("tile_scheduler_metadata must be the FlashMLASchedMeta returned by get_mla_metadata()")
    if num_splits is not None:
        raise ValueError("num_splits must be None (get_mla_metadata() returns None in its place)")
    if indices is None:
        _unsupported("indices", "dense decode (indices=None)")
    if extra_k_cache is None:
        for name, val in (("extra_indices_in_kvcache", extra_indices_in_kvcache),
                          ("extra_topk_length", extra_topk_length)):
            if val is not None:
                raise ValueError(f"{name} is given without extra_k_cache")
    elif extra_indices_in_kvcache is None:
        raise ValueError("extra_indices_in_kvcache: required with extra_k_cache")
    if causal:
        raise ValueError("causal must be False when indices is given (sparse attention)")
    if head_dim_v != 512:
        raise ValueError(f"head_dim_v must be 512, got {head_dim_v}")
    if q.dim() != 4 or k_cache.dim() != 4 or indices.dim() != 3:
        raise ValueError(f"q [b, s_q, h_q, d], k_cache [num_blocks, page, 1, row] and indices [b, s_q, topk] "
                         f"expected, got q {tuple(q.shape)}, k_cache {tuple(k_cache.shape)}, indices {tuple(indices.shape)}")
    if k_cache.shape[2] != 1:
        raise ValueError(f"k_cache: num_heads_k must be 1, got {k_cache.shape[2]}")
    extra = extra_k_cache is not None
    if extra and (not isinstance(extra_k_cache, torch.Tensor) or extra_k_cache.dim() != 4
                  or not isinstance(extra_indices_in_kvcache, torch.Tensor) or extra_indices_in_kvcache.dim() != 3):
        raise ValueError("extra_k_cache [num_blocks, page, 1, row] and extra_indices_in_kvcache [b, s_q, topk] expected")
    _check_meta(tile_scheduler_metadata, q, k_cache, causal, is_fp8_kvcache, indices.shape[-1],
                extra_k_cache.shape[1] if extra else None, extra_indices_in_kvcache.shape[-1] if extra else None)
    caches = [("k_cache", k_cache)] + ([("extra_k_cache", extra_k_cache)] if extra else [])
    for name, c in caches:
        if is_fp8_kvcache:
            if c.dtype not in (torch.uint8, E4M3):
                raise ValueError(f"{name}: is_fp8_kvcache=True needs the FP8 record as uint8 or float8_e4m3fn, "
                                 f"got {c.dtype}")
        elif c.dtype != torch.bfloat16:
            raise ValueError(f"{name}: is_fp8_kvcache=False needs a bfloat16 cache, got {c.dtype}")
    if softmax_scale is None:
        softmax_scale = q.shape[-1] ** -0.5
    from dsagen.operators.sparse_mla_decode.api import sparse_mla_decode

    return sparse_mla_decode(q, k_cache, indices, softmax_scale, head_dim_v, attn_sink, topk_length,
                             extra_k_cache=extra_k_cache, extra_indices=extra_indices_in_kvcache,
                             extra_topk_length=extra_topk_length, is_fp8=bool(is_fp8_kvcache))


def _check_meta(meta: FlashMLASchedMeta, q, k_cache, causal, is_fp8_kvcache, topk, extra_page=None,
                extra_topk=None):
    cfg = FlashMLASchedMeta.Config(q.shape[0], q.shape[1], q.shape[2], k_cache.shape[1], k_cache.shape[2],
                                   bool(causal), bool(is_fp8_kvcache), topk, extra_page, extra_topk)
    if not meta.have_initialized:
        meta.have_initialized = True
        meta.config = cfg
        return
    if meta.config != cfg:
        diff = [f.name for f in dataclasses.fields(cfg) if getattr(cfg, f.name) != getattr(meta.config, f.name)]
        raise ValueError(f"tile_scheduler_metadata was filled by a call with other {', '.join(diff)}; "
                         "reuse it only for calls of the same shapes (get a new one from get_mla_metadata())")


def flash_mla_sparse_fwd(
    q: torch.Tensor,
    kv: torch.Tensor,
    indices: torch.Tensor,
    sm_scale: float,
    d_v: int = 512,
    attn_sink: Optional[torch.Tensor] = None,
    topk_length: Optional[torch.Tensor] = None,
    indexer_topk: int = 0,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sparse MLA prefill with FlashMLA's signature (dsagen.operators.sparse_mla_prefill).

    q bf16 [s_q, h_q, d_qk]; kv bf16 [s_kv, 1, d_qk]; indices int32 [s_q, 1, topk] (< 0 or >= s_kv
    invalid); attn_sink fp32 [h_q]; topk_length int32 [s_q]. Returns (out bf16 [s_q, h_q, d_v],
    max_logits fp32 [s_q, h_q], lse fp32 [s_q, h_q], natural log). indexer_topk > 0 (lse over the
    indexer part, FlashMLA's fourth output) is not supported yet.
    """
    if indexer_topk:
        _unsupported("indexer_topk", "indexer_topk > 0 (lse_indexer)")
    from dsagen.operators.sparse_mla_prefill.api import sparse_mla_prefill

    return sparse_mla_prefill(q, kv, indices, sm_scale, d_v, attn_sink, topk_length)
