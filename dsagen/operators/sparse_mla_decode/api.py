"""Sparse MLA decode over a paged latent cache, bf16 or FlashMLA's 656-byte FP8 layout
(templates/sparse_mla_decode/triton.py and tilelang.py; oracle: naive.py beside this file).
"""

import torch

from dsagen.operators.sparse_mla_decode.problem import D_QK, D_V, OP
from dsagen.oracle import fp8 as fp8_layout
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


def _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8):
    if q.dim() != 4 or q.shape[-1] != D_QK or q.dtype not in (torch.bfloat16, torch.float16):
        raise ValueError(f"q must be bfloat16 [batch, s_q, h_q, {D_QK}], got {q.dtype} {tuple(q.shape)}")
    if q.stride(-1) != 1:
        raise ValueError("q must have unit stride in its last dim")
    b, s_q, h_q, _ = q.shape
    if h_q < 1 or h_q > 128:
        raise ValueError(f"q: h_q must be in 1..128, got {h_q}")
    if d_v != D_V:
        raise ValueError(f"d_v must be {D_V} (the MLA latent), got {d_v}")
    if k_cache.dim() != 4 or k_cache.shape[2] != 1:
        raise ValueError(f"k_cache must be [num_blocks, page_block_size, 1, row], got {tuple(k_cache.shape)}")
    if is_fp8:
        if k_cache.dtype != torch.uint8 or k_cache.shape[-1] != fp8_layout.MLA_FP8_BYTES:
            raise ValueError(f"k_cache: an FP8 cache must be uint8 [num_blocks, page, 1, {fp8_layout.MLA_FP8_BYTES}], "
                             f"got {k_cache.dtype} {tuple(k_cache.shape)}")
        if any(s % 4 for s in (k_cache.stride(0), k_cache.stride(1))) or k_cache.data_ptr() % 4:
            raise ValueError("k_cache: FP8 rows must start on 4-byte boundaries (block and token strides multiples of 4)")
    elif k_cache.dtype != torch.bfloat16 or k_cache.shape[-1] != D_QK:
        raise ValueError(f"k_cache: a bf16 cache must be bfloat16 [num_blocks, page, 1, {D_QK}], "
                         f"got {k_cache.dtype} {tuple(k_cache.shape)}")
    if k_cache.stride(-1) != 1:
        raise ValueError("k_cache must have unit stride in its last dim")
    if k_cache.shape[0] * k_cache.shape[1] >= 2**31:
        raise ValueError("k_cache holds 2^31 slots or more: slot indices are int32")
    if indices.dtype != torch.int32 or indices.dim() != 3 or indices.shape[:2] != (b, s_q) or indices.shape[2] < 1:
        raise ValueError(f"indices must be int32 [{b}, {s_q}, topk], got {indices.dtype} {tuple(indices.shape)}")
    if indices.stride(-1) != 1:
        raise ValueError("indices must have unit stride in its last dim")
    if attn_sink is not None and (attn_sink.dtype != torch.float32 or attn_sink.shape != (h_q,)
                                  or not attn_sink.is_contiguous()):
        raise ValueError(f"attn_sink must be contiguous float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    if topk_length is not None and (topk_length.dtype != torch.int32 or topk_length.shape != (b,)
                                    or not topk_length.is_contiguous()):
        raise ValueError(f"topk_length must be contiguous int32 [{b}], got {topk_length.dtype} {tuple(topk_length.shape)}")


def sparse_mla_decode(q, k_cache, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None, *,
                      is_fp8=None, num_splits=None, out=None, lse=None):
    """Sparse MLA decode (FlashMLA's sparse `flash_mla_with_kvcache`).

    q:           bf16 [batch, s_q, h_q, 576] (absorbed MLA queries: latent 512 + RoPE 64), h_q 1..128.
    k_cache:     bf16 [num_blocks, page_block_size, 1, 576], or uint8 [num_blocks, page, 1, 656] for
                 FlashMLA's FP8 layout (512 e4m3 + 4 fp32 scales per 128 + 64 bf16 RoPE).
    indices:     int32 [batch, s_q, topk]: flat slots block * page_block_size + offset (block_table
                 already applied); < 0 or >= num_blocks * page_block_size is skipped.
    sm_scale:    softmax scale; default 576 ** -0.5 (1 / sqrt(head_dim of q)).
    d_v:         512 (the value is the latent part of the row).
    attn_sink:   fp32 [h_q] or None: out *= exp(lse) / (exp(lse) + exp(sink)); lse unchanged.
    topk_length: int32 [batch] or None: only the first topk_length[b] indices of batch b count.
    is_fp8:      None infers it from k_cache's dtype (uint8, or float8_e4m3fn with 656-byte rows = FP8).
    num_splits:  splits of the top-k across programs (None: chosen from batch * s_q and the GPU).
    out, lse:    optional preallocated outputs.
    Returns (out [batch, s_q, h_q, 512] in q's dtype, lse fp32 [batch, h_q, s_q]); a query with no
    valid index gets out = 0 and lse = +inf.
    """
    if k_cache.dtype == fp8_layout.E4M3 and k_cache.shape[-1] == fp8_layout.MLA_FP8_BYTES:
        k_cache = k_cache.view(torch.uint8)  # the 656-byte rows typed as e4m3 (as FlashMLA's tests do)
    if is_fp8 is None:
        is_fp8 = k_cache.dtype == torch.uint8
    _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8)
    device = check_device(q=q, k_cache=k_cache, indices=indices, attn_sink=attn_sink, topk_length=topk_length,
                          out=out, lse=lse)
    if num_splits is not None and (not isinstance(num_splits, int) or num_splits < 1):
        raise ValueError(f"num_splits must be a positive int or None, got {num_splits!r}")
    b, s_q, h_q, _ = q.shape
    if sm_scale is None:
        sm_scale = D_QK ** -0.5
    if out is None:
        out = torch.empty((b, s_q, h_q, d_v), dtype=q.dtype, device=device)
    elif out.shape != (b, s_q, h_q, d_v) or out.dtype != q.dtype or out.stride(-1) != 1:
        raise ValueError(f"out must be {q.dtype} [{b}, {s_q}, {h_q}, {d_v}] with unit last stride, "
                         f"got {out.dtype} {tuple(out.shape)}")
    if lse is None:
        lse = torch.empty((b, h_q, s_q), dtype=torch.float32, device=device)
    elif lse.shape != (b, h_q, s_q) or lse.dtype != torch.float32:
        raise ValueError(f"lse must be float32 [{b}, {h_q}, {s_q}], got {lse.dtype} {tuple(lse.shape)}")
    problem = {"h_q": h_q, "d_qk": D_QK, "d_v": d_v, "topk": indices.shape[-1], "batch": b, "s_q": s_q,
               "kv_format": "fp8" if is_fp8 else "bf16", "page_block_size": k_cache.shape[1]}
    mod = kernel_module(OP, device, problem)
    mod.launch(q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=float(sm_scale), is_fp8=bool(is_fp8),
               num_splits=num_splits)
    return out, lse
