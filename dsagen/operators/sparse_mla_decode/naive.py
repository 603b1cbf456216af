"""Sparse MLA decode over a paged cache (bf16 or FlashMLA's 656-byte FP8 layout): the readable
float32 reference, on the same core as sparse_mla_prefill's (dsagen/operators/sparse_mla_prefill/naive.py).
"""

import torch

from dsagen.operators.sparse_mla_prefill.naive import sparse_attention_rows, valid_mask


def sparse_mla_decode(q, k_cache, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None):
    """Sparse decode over a paged cache (FlashMLA's sparse flash_mla_with_kvcache), float32.

    q [b, s_q, h_q, 576]; k_cache bf16/float [num_blocks, page, 1, 576] or uint8 FP8
    [num_blocks, page, 1, 656] (dequantised with fp8.unpack_mla_fp8_cache); indices int
    [b, s_q, topk] holding block * page + offset (a flat slot), < 0 or >= num_blocks * page
    invalid; topk_length int [b] (only the first topk_length[b] indices of batch b count);
    attn_sink [h_q]; sm_scale defaults to q.shape[-1] ** -0.5.
    Returns (out float32 [b, s_q, h_q, d_v], lse float32 [b, h_q, s_q]); a query with no valid
    index gets out = 0 and lse = +inf.
    """
    from dsagen.oracle.fp8 import unpack_mla_fp8_cache

    b, s_q, h_q, d_qk = q.shape
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    if k_cache.dtype == torch.uint8:
        kv = unpack_mla_fp8_cache(k_cache)
    else:
        kv = k_cache.float()
    kv = kv.reshape(-1, kv.shape[-1])  # [num_slots, 576]
    topk = indices.shape[-1]
    idx = indices.reshape(b * s_q, topk).long()
    per_query_len = None
    if topk_length is not None:
        per_query_len = topk_length.reshape(b, 1).expand(b, s_q).reshape(b * s_q)
    valid = valid_mask(idx, kv.shape[0], per_query_len)
    kv_sel = kv[idx.clamp(0, kv.shape[0] - 1)]
    out, _, lse = sparse_attention_rows(q.reshape(b * s_q, h_q, d_qk), kv_sel, valid, sm_scale, d_v, attn_sink)
    return out.reshape(b, s_q, h_q, d_v), lse.reshape(b, s_q, h_q).transpose(1, 2)
