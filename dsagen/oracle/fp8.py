"""FP8 (e4m3) helpers and the two packed caches DSA serving uses, written for reading.

- Block quantisation: one scale per `block` consecutive values of the last dim,
  scale = amax / 448, optionally rounded up to a power of two (ue8m0, as DeepSeek's code does).
- DeepGEMM's paged indexer cache: uint8 [num_blocks, block_kv, 1, D + 4]. Inside one block the
  block_kv * D fp8 bytes come first (token-major), then block_kv fp32 scales: the per-token
  132 bytes (D = 128) are *not* interleaved.
- FlashMLA's FP8 MLA cache, 656 bytes per token, uint8 [num_blocks, page, 1, 656]: 512 e4m3
  latent values, 4 fp32 scales (one per 128 latent values), 64 bf16 RoPE values.
- FlashMLA's MODEL1 FP8 cache (DeepSeek-V4, d_qk 512), 584 bytes per token but laid out per
  page block: first page x 576 bytes (each token's 448 e4m3 NoPE values, then its 64 bf16 RoPE
  values), then page x 8 bytes (each token's 7 ue8m0 scales, one per 64 NoPE values, and a pad
  byte); each block padded to a multiple of 576 bytes. The tensor is a [num_blocks, page, 1, 584]
  view with stride(0) = the padded block size, so [b, t] does *not* address token t's bytes.
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


# ---- FlashMLA MODEL1 FP8 cache (DeepSeek-V4) --------------------------------------------------

MODEL1_NOPE = 448
MODEL1_ROPE = 64
MODEL1_TILE = 64                                   # NoPE values per ue8m0 scale
MODEL1_TILES = MODEL1_NOPE // MODEL1_TILE          # 7
MODEL1_DATA_BYTES = MODEL1_NOPE + 2 * MODEL1_ROPE  # 576 per token, in the block's first part
MODEL1_SCALE_BYTES = MODEL1_TILES + 1              # 8 per token (7 scales and a pad byte)
MODEL1_TOKEN_BYTES = MODEL1_DATA_BYTES + MODEL1_SCALE_BYTES  # 584
MODEL1_D = MODEL1_NOPE + MODEL1_ROPE               # 512: key = value = the whole latent
_MODEL1_ALIGN = 576
_UE8M0_BIAS = 127


def model1_block_bytes(page: int) -> int:
    """Bytes of one page block: page * 584 rounded up to a multiple of 576."""
    return -(-page * MODEL1_TOKEN_BYTES // _MODEL1_ALIGN) * _MODEL1_ALIGN


def model1_scales(nope: torch.Tensor) -> torch.Tensor:
    """NoPE values [..., 448] -> power-of-two scales [..., 7]: amax / 448 floored at 1e-4 (as
    FlashMLA's quantiser does), rounded up to a power of two."""
    amax = nope.float().unflatten(-1, (MODEL1_TILES, MODEL1_TILE)).abs().amax(dim=-1)
    return ue8m0_round((amax / E4M3_MAX).clamp_min(_AMAX_FLOOR))


def pack_model1_rows(kv: torch.Tensor):
    """kv [T, 512] (448 NoPE + 64 RoPE) -> (data uint8 [T, 576], scales uint8 [T, 8]): what one
    token stores in each part of its block. A ue8m0 byte holds log2(scale) + 127."""
    if kv.dim() != 2 or kv.shape[1] != MODEL1_D:
        raise ValueError(f"kv must be [tokens, {MODEL1_D}] (448 NoPE + 64 RoPE), got {tuple(kv.shape)}")
    nope, rope = kv[:, :MODEL1_NOPE].float(), kv[:, MODEL1_NOPE:]
    scale = model1_scales(nope)                                                     # [T, 7]
    q = (nope.unflatten(-1, (MODEL1_TILES, MODEL1_TILE)) / scale[..., None]).clamp(-E4M3_MAX, E4M3_MAX)
    data = torch.cat([q.flatten(-2).to(E4M3).view(torch.uint8),
                      rope.to(torch.bfloat16).contiguous().view(torch.uint8)], dim=1)  # [T, 576]
    exp = (torch.log2(scale).round().to(torch.int32) + _UE8M0_BIAS).to(torch.uint8)   # [T, 7]
    scales = torch.cat([exp, torch.zeros(kv.shape[0], 1, dtype=torch.uint8, device=kv.device)], dim=1)
    return data, scales


def model1_cache_empty(num_blocks: int, page: int, device="cpu", fill: int | None = None) -> torch.Tensor:
    """An uninitialised (or `fill`-byte) MODEL1 cache: uint8 [num_blocks, page, 1, 584] viewing
    blocks of model1_block_bytes(page) bytes, as FlashMLA allocates it."""
    block = model1_block_bytes(page)
    raw = torch.empty((num_blocks, block), dtype=torch.uint8, device=device)
    if fill is not None:
        raw.fill_(fill)
    return raw[:, : page * MODEL1_TOKEN_BYTES].view(num_blocks, page, 1, MODEL1_TOKEN_BYTES)


def model1_block_view(cache: torch.Tensor) -> torch.Tensor:
    """The bytes of each page block, uint8 [num_blocks, page * 584], from the cache's own strides."""
    if cache.dtype not in (torch.uint8, E4M3) or cache.dim() != 4 or cache.shape[2] != 1 \
            or cache.shape[3] != MODEL1_TOKEN_BYTES or cache.stride(3) != 1 or cache.stride(1) != MODEL1_TOKEN_BYTES:
        raise ValueError(f"MODEL1 cache must be uint8 or float8_e4m3fn [num_blocks, page, 1, {MODEL1_TOKEN_BYTES}] "
                         f"with rows of {MODEL1_TOKEN_BYTES} bytes inside a block, got {cache.dtype} "
                         f"{tuple(cache.shape)} strides {cache.stride()}")
    nb, page = cache.shape[0], cache.shape[1]
    if nb > 1 and cache.stride(0) < page * MODEL1_TOKEN_BYTES:
        raise ValueError(f"MODEL1 cache: block stride {cache.stride(0)} is smaller than a block "
                         f"({page * MODEL1_TOKEN_BYTES} bytes)")
    u8 = cache.view(torch.uint8)
    return torch.as_strided(u8, (nb, page * MODEL1_TOKEN_BYTES), (u8.stride(0), 1), u8.storage_offset())


def pack_model1_cache(kv: torch.Tensor) -> torch.Tensor:
    """kv [num_blocks, page, 1, 512] (any float dtype) -> a MODEL1 cache (model1_cache_empty's
    layout, padding bytes zero)."""
    if kv.dim() != 4 or kv.shape[2] != 1 or kv.shape[3] != MODEL1_D:
        raise ValueError(f"kv must be [num_blocks, page, 1, {MODEL1_D}], got {tuple(kv.shape)}")
    nb, page = kv.shape[0], kv.shape[1]
    cache = model1_cache_empty(nb, page, kv.device, fill=0)
    data, scales = pack_model1_rows(kv.reshape(nb * page, MODEL1_D))
    blocks = model1_block_view(cache)
    blocks[:, : page * MODEL1_DATA_BYTES] = data.reshape(nb, page * MODEL1_DATA_BYTES)
    blocks[:, page * MODEL1_DATA_BYTES:] = scales.reshape(nb, page * MODEL1_SCALE_BYTES)
    return cache


def unpack_model1_cache(cache: torch.Tensor) -> torch.Tensor:
    """A MODEL1 cache -> dequantised float32 [num_blocks, page, 1, 512] (key = value = all 512):
    NoPE value = e4m3 * 2^(byte - 127) of its 64-value tile, RoPE as stored."""
    blocks = model1_block_view(cache)
    nb, page = cache.shape[0], cache.shape[1]
    data = blocks[:, : page * MODEL1_DATA_BYTES].reshape(nb, page, MODEL1_DATA_BYTES)
    exp = blocks[:, page * MODEL1_DATA_BYTES:].reshape(nb, page, MODEL1_SCALE_BYTES)[..., :MODEL1_TILES]
    scale = torch.exp2(exp.to(torch.float32) - _UE8M0_BIAS)                          # [nb, page, 7]
    nope = data[..., :MODEL1_NOPE].contiguous().view(E4M3).float().unflatten(-1, (MODEL1_TILES, MODEL1_TILE))
    rope = data[..., MODEL1_NOPE:].contiguous().view(torch.bfloat16).float()
    out = torch.cat([(nope * scale[..., None]).flatten(-2), rope], dim=-1)
    return out.reshape(nb, page, 1, MODEL1_D)
