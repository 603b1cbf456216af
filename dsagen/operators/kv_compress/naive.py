"""Readable reference for DeepSeek-V4's KV compressor (CSA and HCA layers), in float64 (no triton).

What it computes (the math of transformers' models/deepseek_v4 `DeepseekV4CSACompressor`,
`DeepseekV4HCACompressor` and the indexer's own compressor, restated; docs/V4_COMPRESSOR.md):
a sequence's projected rows kv = x W_kv and score = x W_gate, [T, c * D] (c = 2 with overlap,
CSA's ratio-4 compressor; c = 1 without, HCA's ratio-128 one), are cut into groups of r
consecutive tokens. Compressed entry g pools, **per channel**, the slots of its window:

- its own r tokens: kv[g r + j, c D - D : c D], score[g r + j, c D - D : c D] + ape[j, c D - D :];
- with overlap, also the previous group's r tokens: kv[(g-1) r + j, :D], score[...] + ape[j, :D]
  (for g = 0 these r slots are empty: kv 0, score -inf, weight 0);

w = softmax over the slots of (score + ape), pooled = sum over the slots of w * kv  -> [D];
then RMSNorm over the D channels: pooled * rsqrt(mean(pooled^2) + eps) * weight (V4's
compressors; weight None: none, GLM-5.3-Flash's indexer key pooling, `index_kpool`, whose keys
are LayerNorm'd before pooling: the same pooling without overlap or norm).

RoPE on the entry (its last 64 channels, interleaved, at position g r) and the FP8 cast of the
cache follow in dsagen.layers, with the same functions that rotate q and the raw keys.

Two forms: `compress_sequence` is the model's whole-sequence view (the dense oracle the layer
tests use); `kv_compress` is the operator's contract, one entry per row of an entry table,
which is what prefill (all complete groups of a packed batch) and decode (a group completed
in a per-sequence ring of projected rows) both reduce to.
"""

import torch


def _rms(pooled: torch.Tensor, weight, eps: float) -> torch.Tensor:
    if weight is None:
        return pooled
    return pooled * torch.rsqrt(pooled.square().mean(-1, keepdim=True) + eps) * weight.double().cpu()


def compress_sequence(kv: torch.Tensor, score: torch.Tensor, ape: torch.Tensor, weight, ratio: int, eps: float,
                      overlap: bool) -> torch.Tensor:
    """One sequence's complete groups: kv, score [T, c * D], ape [ratio, c * D], weight [D] or None
    -> float64 [T // ratio, D]; c = 2 with overlap, else 1."""
    c = 2 if overlap else 1
    d = kv.shape[1] // c
    kv, score, ape = kv.cpu(), score.cpu(), ape.cpu()
    g = kv.shape[0] // ratio
    kv = kv[: g * ratio].double().view(g, ratio, c * d)
    s = score[: g * ratio].double().view(g, ratio, c * d) + ape.double()
    own_kv, own_s = kv[..., (c - 1) * d:], s[..., (c - 1) * d:]
    if c == 2:
        prev_kv = torch.zeros_like(own_kv)
        prev_s = torch.full_like(own_s, float("-inf"))
        prev_kv[1:], prev_s[1:] = kv[:-1, :, :d], s[:-1, :, :d]
        own_kv, own_s = torch.cat([prev_kv, own_kv], 1), torch.cat([prev_s, own_s], 1)
    w = torch.softmax(own_s, dim=1)            # per channel, over the slots
    return _rms((w * own_kv).sum(1), weight, eps)


def kv_compress(kv: torch.Tensor, score: torch.Tensor, ape: torch.Tensor, weight, group_rows: torch.Tensor,
                prev_rows: torch.Tensor | None, ratio: int, eps: float) -> torch.Tensor:
    """The entry-table form: entry e pools rows group_rows[e] .. + ratio - 1 of kv / score (its own
    group) and, with overlap (prev_rows given, rows of 2 D), rows prev_rows[e] .. + ratio - 1 (the
    previous group; -1: none, the first group of a sequence). group_rows[e] < 0: the entry is not
    computed (NaN here, untouched by the kernel). A group past the last row (row > N - ratio, own
    or previous) is never read: the entry is NaN. -> float64 [E, D]."""
    c = 1 if prev_rows is None else 2
    d = kv.shape[1] // c
    e_n = group_rows.numel()
    out = torch.full((e_n, d), float("nan"), dtype=torch.float64)
    kv64, s64, ape64 = kv.double().cpu(), score.double().cpu(), ape.double().cpu()
    for e in range(e_n):
        g0 = int(group_rows[e])
        p0 = int(prev_rows[e]) if c == 2 else -1
        if g0 < 0:
            continue
        if g0 > kv.shape[0] - ratio or p0 > kv.shape[0] - ratio:
            continue   # NaN
        slots_kv = [kv64[g0:g0 + ratio, (c - 1) * d:]]
        slots_s = [s64[g0:g0 + ratio, (c - 1) * d:] + ape64[:, (c - 1) * d:]]
        if p0 >= 0:
            slots_kv.insert(0, kv64[p0:p0 + ratio, :d])
            slots_s.insert(0, s64[p0:p0 + ratio, :d] + ape64[:, :d])
        w = torch.softmax(torch.cat(slots_s), dim=0)
        out[e] = _rms((w * torch.cat(slots_kv)).sum(0), weight, eps)
    return out
