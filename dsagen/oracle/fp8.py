"""FP8 (e4m3) helpers and the two packed caches DSA serving uses, written for reading.

- Block quantisation: one scale per `block` consecutive values of the last dim,
  scale = amax / 448, optionally rounded up to a power of two (ue8m0, as DeepSeek's code does).
- DeepGEMM's paged indexer cache: uint8 [num_blocks, block_kv, 1, D + 4]. Inside one block the
  block_kv * D fp8 bytes come first (token-major), then block_kv fp32 scales: the per-token
  132 bytes (D = 128) are *not* interleaved.
- FlashMLA's FP8 MLA cache, 656 bytes per token, uint8 [num_blocks, page, 1, 656]: 512 e4m3
  latent values, 4 fp32 scales (one per 128 latent values), 64 bf16 RoPE values.
"""

import torch

E4M3 = torch.float8_e4m3fn
E4M3_MAX = 448.0
# A block of zeros would give scale 0 and 0/0 on dequantisation; floor the amax like
# DeepSeek's reference code does.
_AMAX_FLOOR = 1e-4

MLA_LATENT = 512
MLA_ROPE = 64
MLA_GROUP = 128
MLA_FP8_BYTES = MLA_LATENT + 4 * (MLA_LATENT // MLA_GROUP) + 2 * MLA_ROPE  # 656


def ue8m0_round(scale: torch.Tensor) -> torch.Tensor:
    """Round positive scales up to the next power of two (what an unsigned 8-bit exponent holds)."""
    return torch.exp2(torch.ceil(torch.log2(scale.float())))


def _check_scale_format(scale_format: str) -> None:
    if scale_format not in ("fp32", "ue8m0"):
        raise ValueError(f"scale_format must be 'fp32' or 'ue8m0', got {scale_format!r}")


def quantize_blockwise(x: torch.Tensor, block: int = 128, scale_format: str = "fp32"):
    """x [..., D] -> (e4m3 [..., D], fp32 scales [..., D // block]); x ~= fp8 * scale."""
    _check_scale_format(scale_format)
    if x.shape[-1] % block:
        raise ValueError(f"last dim {x.shape[-1]} is not a multiple of the block {block}")
    xf = x.float()
    groups = xf.unflatten(-1, (x.shape[-1] // block, block))
    amax = groups.abs().amax(dim=-1).clamp_min(_AMAX_FLOOR)
    scale = amax / E4M3_MAX
    if scale_format == "ue8m0":
        scale = ue8m0_round(scale)
    q = (groups / scale.unsqueeze(-1)).clamp(-E4M3_MAX, E4M3_MAX).to(E4M3)
    return q.flatten(-2), scale


def dequantize_blockwise(q: torch.Tensor, scale: torch.Tensor, block: int = 128) -> torch.Tensor:
    """Inverse of quantize_blockwise, in float32."""
    groups = q.float().unflatten(-1, (q.shape[-1] // block, block))
    return (groups * scale.float().unsqueeze(-1)).flatten(-2)


def quantize_indexer_keys(k: torch.Tensor, scale_format: str = "fp32"):
    """Indexer keys [..., D] -> (e4m3 [..., D], fp32 scale [...]): one scale per token."""
    q, s = quantize_blockwise(k, block=k.shape[-1], scale_format=scale_format)
    return q, s.squeeze(-1)


# ---- DeepGEMM paged indexer cache -------------------------------------------------------

def pack_indexer_cache(k_fp8: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """(e4m3 [num_blocks, block_kv, D], fp32 [num_blocks, block_kv]) -> uint8 [nb, block_kv, 1, D+4]."""
    nb, bkv, d = k_fp8.shape
    if scale.shape != (nb, bkv):
        raise ValueError(f"scale shape {tuple(scale.shape)} does not match keys {tuple(k_fp8.shape)}")
    data = k_fp8.contiguous().view(torch.uint8).reshape(nb, bkv * d)
    scales = scale.float().contiguous().view(torch.uint8).reshape(nb, bkv * 4)
    return torch.cat([data, scales], dim=1).reshape(nb, bkv, 1, d + 4)


def unpack_indexer_cache(cache: torch.Tensor):
    """uint8 [nb, block_kv, 1, D+4] -> (e4m3 [nb, block_kv, D], fp32 [nb, block_kv])."""
    if cache.dtype != torch.uint8 or cache.dim() != 4 or cache.shape[2] != 1:
        raise ValueError(f"indexer cache must be uint8 [num_blocks, block_kv, 1, D+4], got {cache.dtype} {tuple(cache.shape)}")
    nb, bkv, _, dp4 = cache.shape
    d = dp4 - 4
    flat = cache.reshape(nb, bkv * dp4)
    k = flat[:, : bkv * d].contiguous().view(E4M3).reshape(nb, bkv, d)
    s = flat[:, bkv * d :].contiguous().view(torch.float32).reshape(nb, bkv)
    return k, s


# ---- FlashMLA 656-byte FP8 MLA cache ------------------------------------------------------

def pack_mla_fp8_cache(kv: torch.Tensor, scale_format: str = "ue8m0") -> torch.Tensor:
    """kv [..., 576] (latent 512 + rope 64, any float dtype) -> uint8 [..., 656].

    For a paged cache pass kv [num_blocks, page, 1, 576] and get [num_blocks, page, 1, 656].
    """
    if kv.shape[-1] != MLA_LATENT + MLA_ROPE:
        raise ValueError(f"kv last dim must be {MLA_LATENT + MLA_ROPE}, got {kv.shape[-1]}")
    lead = kv.shape[:-1]
    latent_q, scale = quantize_blockwise(kv[..., :MLA_LATENT], MLA_GROUP, scale_format)
    rope = kv[..., MLA_LATENT:].to(torch.bfloat16).contiguous()
    parts = [
        latent_q.contiguous().view(torch.uint8),
        scale.float().contiguous().view(torch.uint8),
        rope.view(torch.uint8),
    ]
    out = torch.cat([p.reshape(*lead, -1) for p in parts], dim=-1)
    assert out.shape[-1] == MLA_FP8_BYTES
    return out


def unpack_mla_fp8_cache(cache: torch.Tensor) -> torch.Tensor:
    """uint8 [..., 656] -> dequantised float32 [..., 576] (key = all 576, value = first 512)."""
    if cache.dtype != torch.uint8 or cache.shape[-1] != MLA_FP8_BYTES:
        raise ValueError(f"FP8 MLA cache must be uint8 [..., {MLA_FP8_BYTES}], got {cache.dtype} {tuple(cache.shape)}")
    lead = cache.shape[:-1]
    flat = cache.reshape(-1, MLA_FP8_BYTES)
    n_scales = MLA_LATENT // MLA_GROUP
    latent = flat[:, :MLA_LATENT].contiguous().view(E4M3)
    scale = flat[:, MLA_LATENT : MLA_LATENT + 4 * n_scales].contiguous().view(torch.float32)
    rope = flat[:, MLA_LATENT + 4 * n_scales :].contiguous().view(torch.bfloat16)
    latent_f = dequantize_blockwise(latent, scale, MLA_GROUP)
    return torch.cat([latent_f, rope.float()], dim=-1).reshape(*lead, MLA_LATENT + MLA_ROPE)
