"""Sparse MLA decode over paged latent caches: bf16, FlashMLA's 656-byte V3.2 FP8 record or its
584-byte MODEL1 record (DeepSeek-V4, d_qk 512), optionally over a second cache in the same
softmax (V4: window + compressed entries) (templates/sparse_mla_decode/triton.py and tilelang.py;
oracle: naive.py beside this file).
"""

import torch

from dsagen.operators.sparse_mla_decode.problem import D_V, OP
from dsagen.oracle import fp8 as fp8_layout
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

D_QK_CHOICES = (576, 512)
_FP8_ROW = {576: fp8_layout.MLA_FP8_BYTES, 512: fp8_layout.MODEL1_TOKEN_BYTES}


def _normalise_cache(name, k_cache):
    """A cache typed as float8_e4m3fn (as FlashMLA's tests make it) is read as its bytes."""
    if not isinstance(k_cache, torch.Tensor):
        raise ValueError(f"{name} must be a tensor, got {type(k_cache).__name__}")
    return k_cache.view(torch.uint8) if k_cache.dtype == fp8_layout.E4M3 else k_cache


def _check_cache(name, k_cache, d_qk, is_fp8):
    if k_cache.dim() != 4 or k_cache.shape[2] != 1:
        raise ValueError(f"{name} must be [num_blocks, page_block_size, 1, row], got {tuple(k_cache.shape)}")
    if is_fp8:
        row = _FP8_ROW[d_qk]
        if k_cache.dtype != torch.uint8 or k_cache.shape[-1] != row:
            raise ValueError(f"{name}: with d_qk {d_qk} an FP8 cache is uint8 [num_blocks, page, 1, {row}] "
                             f"({'656-byte V3.2' if d_qk == 576 else '584-byte MODEL1'} record), "
                             f"got {k_cache.dtype} {tuple(k_cache.shape)}")
        if d_qk == 576 and (any(s % 4 for s in (k_cache.stride(0), k_cache.stride(1))) or k_cache.data_ptr() % 4):
            raise ValueError(f"{name}: FP8 rows must start on 4-byte boundaries (block and token strides multiples of 4)")
        if d_qk == 512:
            fp8_layout.model1_block_view(k_cache)   # rows of 584 bytes inside a block, blocks no smaller
            if k_cache.stride(0) % 2 or k_cache.data_ptr() % 2:
                raise ValueError(f"{name}: MODEL1 blocks must start on 2-byte boundaries (bf16 RoPE)")
    elif k_cache.dtype != torch.bfloat16 or k_cache.shape[-1] != d_qk:
        raise ValueError(f"{name}: a bf16 cache must be bfloat16 [num_blocks, page, 1, {d_qk}], "
                         f"got {k_cache.dtype} {tuple(k_cache.shape)}")
    if k_cache.stride(-1) != 1:
        raise ValueError(f"{name} must have unit stride in its last dim")
    if k_cache.shape[0] * k_cache.shape[1] >= 2**31:
        raise ValueError(f"{name} holds 2^31 slots or more: slot indices are int32")


def _check_indices(name, indices, b, s_q):
    if not isinstance(indices, torch.Tensor) or indices.dtype != torch.int32 or indices.dim() != 3 \
            or indices.shape[:2] != (b, s_q) or indices.shape[2] < 1:
        raise ValueError(f"{name} must be int32 [{b}, {s_q}, topk], got "
                         f"{getattr(indices, 'dtype', type(indices).__name__)} {tuple(getattr(indices, 'shape', ()))}")
    if indices.stride(-1) != 1:
        raise ValueError(f"{name} must have unit stride in its last dim")


def _check_lengths(name, lengths, b):
    if lengths is not None and (not isinstance(lengths, torch.Tensor) or lengths.dtype != torch.int32
                                or lengths.shape != (b,) or not lengths.is_contiguous()):
        raise ValueError(f"{name} must be contiguous int32 [{b}], got "
                         f"{getattr(lengths, 'dtype', type(lengths).__name__)} {tuple(getattr(lengths, 'shape', ()))}")


def _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8, extra_k_cache, extra_indices,
           extra_topk_length):
    if not isinstance(q, torch.Tensor) or q.dim() != 4 or q.shape[-1] not in D_QK_CHOICES \
            or q.dtype not in (torch.bfloat16, torch.float16):
        raise ValueError(f"q must be bfloat16 [batch, s_q, h_q, 576 or 512], got "
                         f"{getattr(q, 'dtype', None)} {tuple(getattr(q, 'shape', ()))}")
    if q.stride(-1) != 1:
        raise ValueError("q must have unit stride in its last dim")
    b, s_q, h_q, d_qk = q.shape
    if h_q < 1 or h_q > 128:
        raise ValueError(f"q: h_q must be in 1..128, got {h_q}")
    if d_v != D_V:
        raise ValueError(f"d_v must be {D_V} (the MLA latent), got {d_v}")
    _check_cache("k_cache", k_cache, d_qk, is_fp8)
    _check_indices("indices", indices, b, s_q)
    _check_lengths("topk_length", topk_length, b)
    if extra_k_cache is None:
        for name, v in (("extra_indices", extra_indices), ("extra_topk_length", extra_topk_length)):
            if v is not None:
                raise ValueError(f"{name} is given without extra_k_cache")
    else:
        if extra_k_cache.dtype != k_cache.dtype or extra_k_cache.shape[-1] != k_cache.shape[-1]:
            raise ValueError(f"extra_k_cache must have k_cache's format ({k_cache.dtype}, rows of "
                             f"{k_cache.shape[-1]}), got {extra_k_cache.dtype} rows of {extra_k_cache.shape[-1]}")
        _check_cache("extra_k_cache", extra_k_cache, d_qk, is_fp8)
        if extra_indices is None:
            raise ValueError("extra_indices: required with extra_k_cache")
        _check_indices("extra_indices", extra_indices, b, s_q)
        _check_lengths("extra_topk_length", extra_topk_length, b)
    if attn_sink is not None and (not isinstance(attn_sink, torch.Tensor) or attn_sink.dtype != torch.float32
                                  or attn_sink.shape != (h_q,) or not attn_sink.is_contiguous()):
        raise ValueError(f"attn_sink must be contiguous float32 [{h_q}], got "
                         f"{getattr(attn_sink, 'dtype', None)} {tuple(getattr(attn_sink, 'shape', ()))}")


def sparse_mla_decode(q, k_cache, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None, *,
                      extra_k_cache=None, extra_indices=None, extra_topk_length=None,
                      is_fp8=None, num_splits=None, out=None, lse=None):
    """Sparse MLA decode (FlashMLA's sparse `flash_mla_with_kvcache`).

    q:           bf16 [batch, s_q, h_q, d_qk], h_q 1..128 (any count: no padding to 64).
                 d_qk 576 (V3.2, GLM-5: latent 512 + RoPE 64; value = the latent) or 512
                 (DeepSeek-V4: key = value = the whole 512).
    k_cache:     [num_blocks, page_block_size, 1, row]: bf16 rows of d_qk values; with d_qk 576 FlashMLA's
                 656-byte FP8 record (uint8 or float8_e4m3fn: 512 e4m3 + 4 fp32 scales per 128 + 64 bf16
                 RoPE); with d_qk 512 FlashMLA's MODEL1 record (584 bytes, segmented per block:
                 dsagen.oracle.fp8.pack_model1_cache; the block stride is k_cache.stride(0)).
    indices:     int32 [batch, s_q, topk]: flat slots block * page_block_size + offset (block_table
                 already applied); < 0 or >= num_blocks * page_block_size is skipped.
    sm_scale:    softmax scale; default d_qk ** -0.5.
    d_v:         512.
    attn_sink:   fp32 [h_q] or None: out *= exp(lse) / (exp(lse) + exp(sink)); lse unchanged (over
                 both caches).
    topk_length: int32 [batch] or None: only the first topk_length[b] indices of batch b count.
    extra_k_cache, extra_indices, extra_topk_length: a second cache of k_cache's format (its own
                 page size) and its slots, attended in the same softmax (V4: the compressed entries
                 beside the sliding window), or None.
    is_fp8:      None infers it from k_cache's dtype (uint8 / float8_e4m3fn = FP8).
    num_splits:  splits of the (concatenated) top-k across programs (None: chosen from the GPU).
    out, lse:    optional preallocated outputs.
    Returns (out [batch, s_q, h_q, 512] in q's dtype, lse fp32 [batch, h_q, s_q]); a query with no
    valid index in either cache gets out = 0 and lse = +inf.
    """
    k_cache = _normalise_cache("k_cache", k_cache)
    if extra_k_cache is not None:
        extra_k_cache = _normalise_cache("extra_k_cache", extra_k_cache)
    if is_fp8 is None:
        is_fp8 = k_cache.dtype == torch.uint8
    _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8, extra_k_cache, extra_indices,
           extra_topk_length)
    device = check_device(q=q, k_cache=k_cache, indices=indices, attn_sink=attn_sink, topk_length=topk_length,
                          extra_k_cache=extra_k_cache, extra_indices=extra_indices,
                          extra_topk_length=extra_topk_length, out=out, lse=lse)
    if num_splits is not None and (isinstance(num_splits, bool) or not isinstance(num_splits, int) or num_splits < 1):
        raise ValueError(f"num_splits must be a positive int or None, got {num_splits!r}")
    b, s_q, h_q, d_qk = q.shape
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    if out is None:
        out = torch.empty((b, s_q, h_q, d_v), dtype=q.dtype, device=device)
    elif out.shape != (b, s_q, h_q, d_v) or out.dtype != q.dtype or out.stride(-1) != 1:
        raise ValueError(f"out must be {q.dtype} [{b}, {s_q}, {h_q}, {d_v}] with unit last stride, "
                         f"got {out.dtype} {tuple(out.shape)}")
    if lse is None:
        lse = torch.empty((b, h_q, s_q), dtype=torch.float32, device=device)
    elif lse.shape != (b, h_q, s_q) or lse.dtype != torch.float32:
        raise ValueError(f"lse must be float32 [{b}, {h_q}, {s_q}], got {lse.dtype} {tuple(lse.shape)}")
    problem = {"h_q": h_q, "d_qk": d_qk, "d_v": d_v, "topk": indices.shape[-1], "batch": b, "s_q": s_q,
               "kv_format": "fp8" if is_fp8 else "bf16", "page_block_size": k_cache.shape[1],
               "extra_topk": extra_indices.shape[-1] if extra_k_cache is not None else 0,
               "extra_page_block_size": extra_k_cache.shape[1] if extra_k_cache is not None else 0}
    mod = kernel_module(OP, device, problem)
    extra = {}
    if extra_k_cache is not None:   # only then: a generated module of an older template takes no extra_*
        extra = dict(extra_k_cache=extra_k_cache, extra_indices=extra_indices, extra_topk_length=extra_topk_length)
    mod.launch(q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=float(sm_scale), is_fp8=bool(is_fp8),
               num_splits=num_splits, **extra)
    return out, lse
