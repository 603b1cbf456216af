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

# Sparse MLA output is bf16 (one rounding of a value of magnitude ~1): FlashMLA's tolerance.
MLA_OUT = Tol(atol=1e-3, rtol=2.01 / 128)
MLA_OUT_COSINE_DIFF = 7e-6
# lse / max_logits are fp32; accumulation order differs from the oracle's.
MLA_LSE = Tol(atol=1e-5, rtol=1e-5)

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

# The generator tests' fake operator (tests/fixtures: out = x * w, one fp32 multiply): exact.
GEN_FAKE_SCALE = Tol(atol=0.0, rtol=0.0)
