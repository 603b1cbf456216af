"""Triton helpers the kernel templates share (imported by templates/*/triton.py and the kernels
generated from them; this module imports triton, so it is loaded only with a kernel)."""

from dsagen.runtime.triton_env import import_triton

triton = import_triton()
import triton.language as tl  # noqa: E402


@triton.jit
def to_out(x, DT: tl.constexpr, BITS_RNE: tl.constexpr):
    """Cast fp32 to the output dtype rounding to nearest even, as the GPU's cvt.rn does. Triton
    3.6's interpreter truncates fp32 -> bf16 in .to(), so on the CPU path (BITS_RNE) the rounding
    is done on the bits: add 0x7FFF plus the kept lsb, keep the high half; NaN stays a quiet NaN."""
    if BITS_RNE and DT == tl.bfloat16:
        b = x.to(tl.uint32, bitcast=True)
        r = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
        r = tl.where(x != x, 0x7FC0, r)
        y = r.to(tl.uint16).to(tl.bfloat16, bitcast=True)
    else:
        y = x.to(DT)
    return y
