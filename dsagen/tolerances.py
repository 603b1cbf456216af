"""Every numeric tolerance dsagen uses to compare a kernel with its oracle, in one place.

Tests and the tuner's verifier import these; nobody writes a tolerance inline. Loosening one
to get a test green is a defect: find the bug instead.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tol:
    atol: float
    rtol: float


# Indexer logits are fp32 sums of fp8 products (exact in fp32 up to accumulation order).
INDEXER_LOGITS = Tol(atol=1e-4, rtol=1e-4)
# DeepGEMM's own check: cosine-style diff of the finite part.
INDEXER_COSINE_DIFF = 1e-3

@dataclass(frozen=True)
class PeerCheck:
    """A peer's acceptance rule as its own tests apply it (FlashMLA's check_is_allclose): +inf, -inf
    and NaN sit at the same positions in ans and ref; every other element is within atol, or within
    rtol of |ref| + 1e-6; and, when cos is set, cosine_diff(ans, ref) <= cos. `source` names the test."""
    atol: float
    rtol: float
    cos: float | None
    source: str


# Sparse MLA: FlashMLA's own bounds. Decode compares the bf16 output with the fp32 reference cast to
# bf16 (round to nearest even); prefill compares the output as fp32 with the fp32 reference.
MLA_DECODE_OUT = PeerCheck(1e-3, 2.01 / 128, 5e-6, "FlashMLA tests/test_flash_mla_sparse_decoding.py, out")
MLA_DECODE_LSE = PeerCheck(1e-6, 8.01 / 65536, None, "FlashMLA tests/test_flash_mla_sparse_decoding.py, lse")
MLA_PREFILL_OUT = PeerCheck(8e-4, 3.01 / 128, 7e-6, "FlashMLA tests/test_flash_mla_prefill.py, out")
MLA_PREFILL_LSE = PeerCheck(1e-6, 2.01 / 65536, None, "FlashMLA tests/test_flash_mla_prefill.py, max_logits and lse")

# Top-k compares selected *values*, which are copied, not computed: exact.
TOPK_VALUE = Tol(atol=0.0, rtol=0.0)

# FP8 round trips (quantise -> pack -> unpack -> dequantise) are bit exact.
FP8_LAYOUT = Tol(atol=0.0, rtol=0.0)


def cosine_diff(a, b) -> float:
    """DeepGEMM/FlashMLA's similarity measure: 1 - 2<a,b>/(|a|^2+|b|^2), in float64."""
    a = a.double().flatten()
    b = b.double().flatten()
    denom = (a * a + b * b).sum()
    if denom == 0:
        return 0.0
    return float(1 - 2 * (a * b).sum() / denom)


def peer_mismatch(ans, ref, check: PeerCheck, rope_pairs: int = 0, scale=None) -> str:
    """'' when ans meets `check` against ref, else one line saying how it fails (compared in float64).

    rope_pairs > 0: the last rope_pairs channels of ans are interleaved pairs rotated after the
    kernel's bf16 rounding (DeepSeek-V4's inverse RoPE on the attention output). A rotation moves a
    pair's rounding error between its two elements, so there an element's relative error is taken
    against its pair's magnitude sqrt(x0^2 + x1^2), not its own (a small x0 made of two large
    rotated values otherwise shows one input ulp as a 4% error; measured on the csa layer test).
    scale (a tensor like ref): the magnitude each element's relative error is taken against, for an
    output that is a sum of terms larger than itself (d(attn_sink): the sum over tokens of
    Delta * P_sink, Delta from the forward's bf16 out); None: |ref|.
    """
    import torch

    if ans.shape != ref.shape:
        return f"shape {tuple(ans.shape)} != {tuple(ref.shape)}"
    a = ans.detach().double().cpu().clone()
    r = ref.detach().double().cpu().clone()
    for name, a_at, r_at in (("+inf", a == float("inf"), r == float("inf")),
                             ("-inf", a == float("-inf"), r == float("-inf")),
                             ("NaN", torch.isnan(a), torch.isnan(r))):
        if not torch.equal(a_at, r_at):
            return f"{name} at {int(a_at.sum())} places, the reference has {int(r_at.sum())} ({check.source})"
        a[a_at] = 0.0
        r[r_at] = 0.0
    err = (a - r).abs()
    scale = r.abs() if scale is None else scale.detach().double().cpu()
    if rope_pairs:
        pairs = r[..., -rope_pairs:].unflatten(-1, (rope_pairs // 2, 2))
        scale = scale.clone()
        scale[..., -rope_pairs:] = pairs.norm(dim=-1, keepdim=True).expand_as(pairs).flatten(-2)
    bad = (err >= check.atol) & (err / (scale + 1e-6) >= check.rtol)
    if bad.any():
        i = int(torch.argmax(torch.where(bad, err, torch.zeros_like(err))))
        return (f"{int(bad.sum())} of {bad.numel()} beyond atol {check.atol:g} and rtol {check.rtol:g}; worst "
                f"{a.flatten()[i].item():.6g} vs {r.flatten()[i].item():.6g} ({check.source})")
    if check.cos is not None:
        cd = cosine_diff(a, r)
        if abs(cd) > check.cos:
            return f"cosine diff {cd:.3g} > {check.cos:g} ({check.source})"
    return ""


def assert_peer_close(ans, ref, check: PeerCheck, what: str = "", rope_pairs: int = 0) -> None:
    why = peer_mismatch(ans, ref, check, rope_pairs)
    assert not why, f"{what}: {why}" if what else why

# The generator tests' fake operator (tests/fixtures: out = x * w, one fp32 multiply): exact.
GEN_FAKE_SCALE = Tol(atol=0.0, rtol=0.0)

# DeepSeek-V4's KV compressor writes bf16 entries (RMSNorm'd, magnitudes ~1): FlashMLA decode's rule
# for a bf16 output against the float64 oracle rounded to bf16 (no peer ships this operator).
KV_COMPRESS_OUT = PeerCheck(1e-3, 2.01 / 128, 5e-6, "FlashMLA's bf16 rule applied to the KV compressor")

# The lightning indexer's bf16 training inputs (LightningIndexer.train_inputs: projections, LayerNorm and RoPE
# in fp32, one rounding to bf16) against the float64 reference rounded to bf16: FlashMLA's bf16 output rule
# (as KV_COMPRESS_OUT); weights are fp32 and meet it with room to spare.
INDEXER_TRAIN_INPUTS = PeerCheck(1e-3, 2.01 / 128, 5e-6,
                                 "FlashMLA's bf16 rule applied to the indexer's training inputs")

# Sparse MLA backward (bf16 dq and dkv, fp32 dsink) against float64 autograd through the forward
# oracle. The peer's rule is TileLang's (examples/deepseek_v32/sparse_mla_bwd.py: 1 - similarity
# <= 1e-4 on dq and dkv); a cosine alone would pass a kernel wrong in a few rows, so every element
# must also sit within 2 bf16 ulps (rtol 2.01/128, FlashMLA's bf16 rule) or an atol of 1e-2 (the
# gradients of the verify inputs are O(1): Delta comes from the forward's bf16 out, as in every
# FlashAttention-style backward, and dq / dkv are sums of O(topk) such terms).
MLA_BWD_GRAD = PeerCheck(1e-2, 2.01 / 128, 1e-4, "TileLang examples/deepseek_v32/sparse_mla_bwd.py (cosine), "
                                                 "dsagen's element bound")

# The indexer KL losses (dsagen/operators/indexer_kl): no peer ships them. The loss is an fp32 sum of
# per-key terms computed from the same bf16 inputs as the float64 oracle; the gradients meet the
# sparse MLA backward's rule (TileLang's cosine 1e-4 plus 2 bf16 ulps), with an atol for the
# indexer's smaller gradients (|dq_idx| ~ 0.1-1 on the verify inputs).
INDEXER_KL_LOSS = PeerCheck(1e-5, 1e-4, None, "dsagen's own (no peer ships this loss)")
INDEXER_KL_GRAD = PeerCheck(1e-3, 2.01 / 128, 1e-4, "TileLang examples/deepseek_v32/sparse_mla_bwd.py (cosine), "
                                                    "dsagen's element bound")
