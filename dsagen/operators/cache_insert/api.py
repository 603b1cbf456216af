"""Writing new tokens into the two paged caches DSA decode reads.

- The indexer cache in DeepGEMM's layout: uint8 [num_blocks, block_kv, 1, D + 4]; inside a
  block all block_kv * D fp8 key bytes come first, then block_kv fp32 scales.
- The MLA cache in FlashMLA's layout: the 656-byte FP8 rows (512 e4m3 latent values, 4 fp32
  scales, 64 bf16 RoPE values) or plain bf16 [num_blocks, page, 1, 576] rows.

A slot is block * rows_per_block + offset (what block_table and slot_mapping hold in vLLM and
SGLang); a negative slot (a padded token of a CUDA graph batch) writes nothing. Quantisation
and packing are torch ops; the scatter is one small Triton kernel, so nothing here synchronises
with the host.
"""

import torch

from dsagen.oracle import fp8


def _check_slots(slot_mapping, n, name="slot_mapping"):
    if slot_mapping.dtype not in (torch.int32, torch.int64) or slot_mapping.shape != (n,):
        raise ValueError(f"{name} must be int32/int64 [{n}], got {slot_mapping.dtype} {tuple(slot_mapping.shape)}")


def indexer_cache_insert(kv_cache: torch.Tensor, k_fp8: torch.Tensor, k_scale: torch.Tensor,
                         slot_mapping: torch.Tensor) -> None:
    """Write e4m3 keys [T, D] and fp32 scales [T] into a DeepGEMM indexer cache, in place."""
    from dsagen.operators.cache_insert.scatter_kernel import scatter_rows

    if kv_cache.dtype != torch.uint8 or kv_cache.dim() != 4 or kv_cache.shape[2] != 1 or not kv_cache.is_contiguous():
        raise ValueError(f"kv_cache must be contiguous uint8 [num_blocks, block_kv, 1, D+4], got {kv_cache.dtype} {tuple(kv_cache.shape)}")
    nb, bkv, _, dp4 = kv_cache.shape
    d = dp4 - 4
    if k_fp8.dtype != fp8.E4M3 or k_fp8.dim() != 2 or k_fp8.shape[1] != d:
        raise ValueError(f"k_fp8 must be float8_e4m3fn [T, {d}], got {k_fp8.dtype} {tuple(k_fp8.shape)}")
    t = k_fp8.shape[0]
    if k_scale.dtype != torch.float32 or k_scale.shape != (t,):
        raise ValueError(f"k_scale must be float32 [{t}], got {k_scale.dtype} {tuple(k_scale.shape)}")
    _check_slots(slot_mapping, t)
    block_bytes = bkv * dp4
    scatter_rows(kv_cache, k_fp8.contiguous().view(torch.uint8), slot_mapping, bkv, block_bytes, d, 0)
    scatter_rows(kv_cache, k_scale.contiguous().view(torch.uint8).reshape(t, 4), slot_mapping, bkv, block_bytes, 4, bkv * d)


def mla_cache_insert(k_cache: torch.Tensor, kv: torch.Tensor, slot_mapping: torch.Tensor,
                     scale_format: str = "ue8m0") -> None:
    """Write latent+rope rows kv [T, 576] into a paged MLA cache (656-byte FP8 or bf16), in place."""
    from dsagen.operators.cache_insert.scatter_kernel import scatter_rows

    if k_cache.dim() != 4 or k_cache.shape[2] != 1 or not k_cache.is_contiguous():
        raise ValueError(f"k_cache must be contiguous [num_blocks, page, 1, 656 or 576], got {tuple(k_cache.shape)}")
    if kv.dim() != 2 or kv.shape[1] != fp8.MLA_LATENT + fp8.MLA_ROPE:
        raise ValueError(f"kv must be [T, 576], got {tuple(kv.shape)}")
    t = kv.shape[0]
    _check_slots(slot_mapping, t)
    page = k_cache.shape[1]
    if k_cache.dtype == torch.uint8 and k_cache.shape[3] == fp8.MLA_FP8_BYTES:
        rows = fp8.pack_mla_fp8_cache(kv, scale_format)
    elif k_cache.dtype == torch.bfloat16 and k_cache.shape[3] == kv.shape[1]:
        rows = kv.to(torch.bfloat16).contiguous().view(torch.uint8)
    else:
        raise ValueError(f"k_cache must be uint8 [..., 656] (FP8) or bfloat16 [..., 576], got {k_cache.dtype} {tuple(k_cache.shape)}")
    row_bytes = rows.shape[1]
    scatter_rows(k_cache.view(torch.uint8), rows.contiguous(), slot_mapping, page, page * row_bytes, row_bytes, 0)
