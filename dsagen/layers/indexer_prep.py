"""What the lightning indexer does to its projections before the FP8 kernels see them.

DeepSeek-V3.2's indexer (reference model.py, after the 2025-11-17 fix): RoPE on the first
`rope_dim` dims of q and k, **non-interleaved (NeoX style: the two halves rotate together)**,
unlike MLA's interleaved RoPE; then a Hadamard transform scaled by dim^-0.5 on q and k (it
spreads outliers before the FP8 cast); then e4m3 quantisation with one scale per 128 values,
which for head_dim 128 is one scale per token and head. All plain torch ops with static shapes:
no host synchronisation, so they can sit inside a CUDA graph or a torch.compile'd forward.
"""

import math
from dataclasses import dataclass

import torch

from dsagen.oracle import fp8


def _compute(x: torch.Tensor) -> torch.Tensor:
    """At least float32 (bf16 inputs are upcast; float64 stays float64)."""
    return x.to(torch.promote_types(x.dtype, torch.float32))


@dataclass(frozen=True)
class Yarn:
    """YaRN frequency scaling (DeepSeek's reference `precompute_freqs_cis`): DeepSeek-V4 uses it for the
    compressed layers' RoPE (compress_rope_theta 160000, factor 16, original length 65536, betas 32 /
    1); its window layers use the plain base. The softmax-scale correction some YaRN models apply is
    the attention's sm_scale, not part of the table."""
    factor: float
    original_len: int
    beta_fast: float = 32.0
    beta_slow: float = 1.0


def rope_inv_freq(rope_dim: int, base: float, yarn: Yarn | None = None, device=None) -> torch.Tensor:
    """float64 [rope_dim // 2]: base^(-2i / rope_dim), with YaRN's blend of interpolated (/ factor) and
    original frequencies over the dims between the correction range when `yarn` is given."""
    inv = base ** (-torch.arange(0, rope_dim, 2, device=device, dtype=torch.float64) / rope_dim)
    if yarn is None:
        return inv

    def corr_dim(rotations):
        return rope_dim * math.log(yarn.original_len / (rotations * 2 * math.pi)) / (2 * math.log(base))

    low = max(math.floor(corr_dim(yarn.beta_fast)), 0)
    high = min(math.ceil(corr_dim(yarn.beta_slow)), rope_dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(rope_dim // 2, device=device, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
    smooth = 1 - ramp
    return inv / yarn.factor * (1 - smooth) + inv * smooth


def rope_cos_sin(positions: torch.Tensor, rope_dim: int, base: float = 10000.0, yarn: Yarn | None = None):
    """positions int [T] -> (cos, sin) float32 [T, rope_dim // 2]."""
    if rope_dim % 2:
        raise ValueError(f"rope_dim must be even, got {rope_dim}")
    # float64 angles: in float32, position * frequency is off by ~position * 2^-24 radians
    inv_freq = rope_inv_freq(rope_dim, base, yarn, positions.device)
    angles = positions.double()[:, None] * inv_freq[None, :]
    return angles.cos().float(), angles.sin().float()


def rope_neox(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Non-interleaved RoPE: x [T, ..., r]; pair i is (x[i], x[i + r/2]). cos/sin [T, r/2]."""
    half = x.shape[-1] // 2
    shape = (cos.shape[0],) + (1,) * (x.dim() - 2) + (half,)
    c, s = cos.reshape(shape), sin.reshape(shape)
    x1, x2 = _compute(x[..., :half]), _compute(x[..., half:])
    return torch.cat([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1).to(x.dtype)


def rope_interleaved(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Interleaved (GPT-J) RoPE: pair i is (x[2i], x[2i+1]). MLA's; also GLM-5's and V4's indexer's."""
    shape = (cos.shape[0],) + (1,) * (x.dim() - 2) + (x.shape[-1] // 2,)
    c, s = cos.reshape(shape), sin.reshape(shape)
    pairs = _compute(x).unflatten(-1, (-1, 2))
    x1, x2 = pairs[..., 0], pairs[..., 1]
    return torch.stack([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1).flatten(-2).to(x.dtype)


def hadamard(x: torch.Tensor) -> torch.Tensor:
    """Sylvester Hadamard transform over the last dim (a power of two), scaled by dim^-0.5."""
    d = x.shape[-1]
    if d & (d - 1):
        raise ValueError(f"Hadamard transform needs a power-of-two dim, got {d}")
    y = _compute(x)
    h = 1
    while h < d:
        # butterflies of width h: (a, b) -> (a + b, a - b)
        y = y.unflatten(-1, (d // (2 * h), 2, h))
        a, b = y[..., 0, :], y[..., 1, :]
        y = torch.stack([a + b, a - b], dim=-2).flatten(-3)
        h *= 2
    return (y * (1.0 / math.sqrt(d))).to(x.dtype)


ROPE_STYLES = ("neox", "interleaved")
ROPE_POSITIONS = ("first", "last")


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rope_dim: int,
               style: str = "neox", position: str = "first") -> torch.Tensor:
    """RoPE on rope_dim dims of the last axis, the rest untouched.

    style: "neox" (DeepSeek-V3.2's indexer) or "interleaved" (MLA; GLM-5's indexer_rope_interleave;
    DeepSeek-V4 everywhere); position: the RoPE dims are the "first" (V3.2) or "last" (V4) rope_dim."""
    if style not in ROPE_STYLES or position not in ROPE_POSITIONS:
        raise ValueError(f"rope style {style!r} / position {position!r}: expected one of {ROPE_STYLES} / {ROPE_POSITIONS}")
    rope = rope_neox if style == "neox" else rope_interleaved
    if rope_dim == 0:
        return x
    if position == "first":
        return torch.cat([rope(x[..., :rope_dim], cos, sin), x[..., rope_dim:]], dim=-1)
    return torch.cat([x[..., :-rope_dim], rope(x[..., -rope_dim:], cos, sin)], dim=-1)


def rope_then_hadamard(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, rope_dim: int,
                       style: str = "neox", position: str = "first") -> torch.Tensor:
    """The indexer's q or k path: RoPE on rope_dim dims of the head (apply_rope), then the Hadamard
    transform."""
    return hadamard(apply_rope(x, cos, sin, rope_dim, style, position))


def quantize_per_token(x: torch.Tensor, scale_format: str = "ue8m0"):
    """x [..., D] -> (e4m3 [..., D], fp32 scale [...]): one scale per row of D values."""
    return fp8.quantize_indexer_keys(x, scale_format=scale_format)
