"""Sparse MLA decode over paged caches (FlashMLA's sparse flash_mla_with_kvcache): the readable
float32 reference, on the same core as sparse_mla_prefill's (dsagen/operators/sparse_mla_prefill/naive.py).

Cache formats (by row size): bf16 rows of 576 values (V3.2: latent 512 + RoPE 64; value = the
first 512) or 512 values (V4: key = value = all 512); uint8 656-byte V3.2 records
(fp8.unpack_mla_fp8_cache) or 584-byte MODEL1 records (fp8.unpack_model1_cache, d_qk 512).
With an extra cache (V4: the window in k_cache, the compressed entries in extra_k_cache) the
query attends both in one softmax: the selected slots of both caches are one list.
"""

import torch

from dsagen.operators.sparse_mla_prefill.naive import sparse_attention_rows, valid_mask


def dequantize_cache(k_cache) -> torch.Tensor:
    """A paged cache -> float32 [num_blocks * page, d_qk], one row per flat slot."""
    from dsagen.oracle import fp8

    if k_cache.dtype in (torch.uint8, fp8.E4M3) and k_cache.shape[-1] == fp8.MODEL1_TOKEN_BYTES:
        kv = fp8.unpack_model1_cache(k_cache)
    elif k_cache.dtype in (torch.uint8, fp8.E4M3):
        kv = fp8.unpack_mla_fp8_cache(k_cache.view(torch.uint8))
    else:
        kv = k_cache.float()
    return kv.reshape(-1, kv.shape[-1])


def _selected(kv, indices, topk_length, b, s_q):
    """(gathered rows [b * s_q, topk, d], valid [b * s_q, topk]) of one cache."""
    topk = indices.shape[-1]
    idx = indices.reshape(b * s_q, topk).long()
    per_query_len = None
    if topk_length is not None:
        per_query_len = topk_length.reshape(b, 1).expand(b, s_q).reshape(b * s_q)
    valid = valid_mask(idx, kv.shape[0], per_query_len)
    return kv[idx.clamp(0, max(kv.shape[0] - 1, 0))], valid


def sparse_mla_decode(q, k_cache, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None,
                      extra_k_cache=None, extra_indices=None, extra_topk_length=None):
    """Sparse decode, float32.

    q [b, s_q, h_q, d_qk] (576, or 512 for V4); k_cache [num_blocks, page, 1, row] (see the module
    docstring); indices int [b, s_q, topk] holding block * page + offset (a flat slot), < 0 or
    >= num_blocks * page invalid; topk_length int [b] (only the first topk_length[b] indices of
    batch b count); extra_*: the same for a second cache of the same format and its own page
    size; attn_sink [h_q], over both; sm_scale defaults to q.shape[-1] ** -0.5.
    Returns (out float32 [b, s_q, h_q, d_v], lse float32 [b, h_q, s_q]); a query with no valid
    index in either cache gets out = 0 and lse = +inf.
    """
    b, s_q, h_q, d_qk = q.shape
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    kv_sel, valid = _selected(dequantize_cache(k_cache), indices, topk_length, b, s_q)
    if extra_k_cache is not None:
        x_sel, x_valid = _selected(dequantize_cache(extra_k_cache), extra_indices, extra_topk_length, b, s_q)
        kv_sel, valid = torch.cat([kv_sel, x_sel], dim=1), torch.cat([valid, x_valid], dim=1)
    out, _, lse = sparse_attention_rows(q.reshape(b * s_q, h_q, d_qk), kv_sel, valid, sm_scale, d_v, attn_sink)
    return out.reshape(b, s_q, h_q, d_v), lse.reshape(b, s_q, h_q).transpose(1, 2)
