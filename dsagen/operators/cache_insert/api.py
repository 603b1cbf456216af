"""Writing new tokens into the two paged caches DSA decode reads.

- The indexer cache in DeepGEMM's layout: uint8 [num_blocks, block_kv, 1, D + 4]; inside a
  block all block_kv * D fp8 key bytes come first, then block_kv fp32 scales.
- The MLA cache in FlashMLA's layouts: the 656-byte FP8 rows (512 e4m3 latent values, 4 fp32
  scales, 64 bf16 RoPE values), the 584-byte MODEL1 records (DeepSeek-V4, segmented per block),
  or plain bf16 [num_blocks, page, 1, 576 or 512] rows.

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
    """Write MLA rows into a paged cache, in place:
    - kv [T, 576] (latent 512 + RoPE 64) into a 656-byte FP8 cache or a bf16 [..., 576] cache;
    - kv [T, 512] (DeepSeek-V4: 448 NoPE + 64 RoPE) into a MODEL1 cache (uint8 or float8_e4m3fn
      [num_blocks, page, 1, 584], segmented per block: data at 576 * t, scales at 576 * page + 8 * t,
      the block stride k_cache.stride(0)) or a bf16 [..., 512] cache.
    The MODEL1 scales are FlashMLA's (amax / 448 floored at 1e-4, rounded up to a power of two)."""
    from dsagen.operators.cache_insert.scatter_kernel import scatter_rows

    if not isinstance(k_cache, torch.Tensor) or k_cache.dim() != 4 or k_cache.shape[2] != 1:
        raise ValueError(f"k_cache must be [num_blocks, page, 1, 656, 584, 576 or 512], got "
                         f"{tuple(getattr(k_cache, 'shape', ()))}")
    if k_cache.dtype == fp8.E4M3:
        k_cache = k_cache.view(torch.uint8)
    if not isinstance(kv, torch.Tensor) or kv.dim() != 2 or kv.shape[1] not in (fp8.MLA_LATENT + fp8.MLA_ROPE, fp8.MODEL1_D):
        raise ValueError(f"kv must be [T, 576] or [T, 512], got {tuple(getattr(kv, 'shape', ()))}")
    t = kv.shape[0]
    _check_slots(slot_mapping, t)
    page = k_cache.shape[1]
    row = k_cache.shape[3]
    if k_cache.dtype == torch.uint8 and row == fp8.MODEL1_TOKEN_BYTES:
        if kv.shape[1] != fp8.MODEL1_D:
            raise ValueError(f"kv: a MODEL1 cache takes rows of {fp8.MODEL1_D} (448 NoPE + 64 RoPE), got {kv.shape[1]}")
        fp8.model1_block_view(k_cache)   # rows of 584 bytes inside a block, blocks no smaller
        data, scales = fp8.pack_model1_rows(kv)
        sb = k_cache.stride(0)
        scatter_rows(k_cache, data.contiguous(), slot_mapping, page, sb, fp8.MODEL1_DATA_BYTES, 0)
        scatter_rows(k_cache, scales.contiguous(), slot_mapping, page, sb, fp8.MODEL1_SCALE_BYTES,
                     page * fp8.MODEL1_DATA_BYTES)
        return
    if not k_cache.is_contiguous():
        raise ValueError(f"k_cache must be contiguous [num_blocks, page, 1, {row}], got strides {k_cache.stride()}")
    if k_cache.dtype == torch.uint8 and row == fp8.MLA_FP8_BYTES and kv.shape[1] == fp8.MLA_LATENT + fp8.MLA_ROPE:
        rows = fp8.pack_mla_fp8_cache(kv, scale_format)
    elif k_cache.dtype == torch.bfloat16 and row == kv.shape[1]:
        rows = kv.to(torch.bfloat16).contiguous().view(torch.uint8)
    else:
        raise ValueError(f"k_cache must be uint8 [..., 656] (FP8, kv [T, 576]), uint8 [..., 584] (MODEL1, kv "
                         f"[T, 512]) or bfloat16 [..., {kv.shape[1]}], got {k_cache.dtype} {tuple(k_cache.shape)}")
    row_bytes = rows.shape[1]
    scatter_rows(k_cache.view(torch.uint8), rows.contiguous(), slot_mapping, page, page * row_bytes, row_bytes, 0)
