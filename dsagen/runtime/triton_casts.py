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


@triton.jit
def split_bf16(x, KDT: tl.constexpr):
    """fp32 x as hi + lo, two bf16 values (hi rounded to nearest even, also on the CPU), for two MMAs
    that carry x to ~2^-17 where one bf16 rounding of an operand costs a gradient its element bound
    (sums of many products with mixed signs: the indexer KL's g, the sparse MLA backward's dS and P~
    in dKV). KDT: the MMA operand type (fp32 on the CPU path, where lo is then exact)."""
    hi = to_out(x, tl.bfloat16, KDT == tl.float32).to(KDT)
    return hi, (x - hi.to(tl.float32)).to(KDT)


# ---- e4m3fn bytes (the DSA caches' and the indexer's FP8) on every target ---------------------
# FP8 is the template constexpr of dsagen.runtime.targets.FP8_CODE: 0 native e4m3fn, 1 soft
# (integer decode), 2 fnuz (gfx942). Kernels on modes 1 and 2 receive the bytes as uint8.

@triton.jit
def _e4m3_bits_to_f16(b):
    """FP8 bits (uint8) -> the fp16 with the same sign, exponent field and mantissa.

    fp16's exponent bias is 8 more than e4m3fn's and 7 more than e4m3fnuz's, and all three are
    subnormal at exponent field 0, so the fp16 is exactly the e4m3fn value * 2^-8, or the
    e4m3fnuz value * 2^-7, for every byte but the NaNs (fn 0x7F/0xFF, fnuz 0x80)."""
    x = b.to(tl.uint16)
    x = ((x & 0x80) << 8) | ((x & 0x7F) << 7)
    return x.to(tl.float16, bitcast=True)


@triton.jit
def _fn_bits_to_fnuz_bits(b):
    """e4m3fn bytes -> the e4m3fnuz bytes of value / 2: the same byte, except -0 (0x80, fnuz's
    NaN) becomes +0 and the fn NaNs (0x7F/0xFF, finite in fnuz) become fnuz's NaN 0x80."""
    b = tl.where(b == 0x80, 0, b)
    return tl.where((b & 0x7F) == 0x7F, 0x80, b).to(tl.uint8)


@triton.jit
def fp8_operand(b, FP8: tl.constexpr, UPCAST: tl.constexpr):
    """e4m3fn data as a tensor-core operand holding value / FP8_UNIT[mode]: native e4m3fn (fp32
    in the interpreter), fp16 value / 256 (soft), or e4m3fnuz value / 2 (fnuz: the gfx942 MFMA
    reads it natively). In the interpreter, which has no fnuz type, the fnuz bits are decoded to
    fp32 with integer ops instead of the final bitcast; the byte remapping is the same code."""
    if FP8 == 1:
        y = _e4m3_bits_to_f16(b)
    elif FP8 == 2:
        f = _fn_bits_to_fnuz_bits(b)
        if UPCAST:
            y = tl.where(f == 0x80, float("nan"), _e4m3_bits_to_f16(f).to(tl.float32) * 128.0)
        else:
            y = f.to(tl.float8e4b8, bitcast=True)
    elif UPCAST:
        y = b.to(tl.float32)
    else:
        y = b
    return y


@triton.jit
def fp8_to_f32(b, FP8: tl.constexpr, UPCAST: tl.constexpr):
    """e4m3fn data (bytes on modes 1 and 2) -> its exact value in fp32."""
    if FP8 == 1:
        y = _e4m3_bits_to_f16(b).to(tl.float32) * 256.0
    elif FP8 == 2:
        y = fp8_operand(b, FP8, UPCAST).to(tl.float32) * 2.0
    else:
        y = b.to(tl.float32)
    return y


@triton.jit
def fp8_dot_unscale(s, FP8: tl.constexpr):
    """Undo the operand scaling of fp8_operand on a dot of two such operands (exact: a power of 2)."""
    if FP8 == 1:
        s = s * 65536.0
    elif FP8 == 2:
        s = s * 4.0
    return s
