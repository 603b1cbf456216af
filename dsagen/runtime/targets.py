"""What a kernel needs to know about the device it runs on: its arch name and how it reads FP8.

Arch names are dsagen's (dsagen/spec/archs.py): `sm90` for an H100, `gfx942` for an MI300X,
`cpu` for the Triton interpreter. ROCm builds of torch report AMD GPUs as device type "cuda"
with a made-up compute capability (gfx942 reads as 9.4), so the name comes from the device's
`gcnArchName` there, never from the capability.

The DSA caches and the indexer's q hold OCP e4m3fn bytes (FlashMLA, DeepGEMM). A target reads
them one of three ways (`fp8_mode`):
  native  e4m3fn is a hardware type (sm89+, gfx950, and the interpreter's fp32 upcast).
  soft    no FP8 type (sm80, other gfx): integer ops decode the bytes to fp16 exactly.
  fnuz    the hardware FP8 is e4m3fnuz (gfx942: MI300X/MI325X, bias 8, one NaN at 0x80, no -0):
          the bytes are remapped (-0 -> +0, NaN -> the fnuz NaN) and read as fnuz, which is
          the e4m3fn value / 2 for every other byte (dsagen/runtime/triton_casts.py).

`emulating(arch)` makes kernels launched on the CPU take `arch`'s FP8 path in the interpreter:
the generator verifies a gfx942 or sm80 kernel through the code it runs on that GPU (the one
step the interpreter cannot run, the final bitcast to the fnuz type, is replaced there by the
integer decode of the same fnuz bits).
"""

from __future__ import annotations

import contextlib
import threading

import torch

FP8_NATIVE, FP8_SOFT, FP8_FNUZ = "native", "soft", "fnuz"
# the constexpr the templates take for each mode, and the factor that undoes the mode's operand
# scaling (soft: the fp16 holds value / 256; fnuz: the fnuz byte means value / 2)
FP8_CODE = {FP8_NATIVE: 0, FP8_SOFT: 1, FP8_FNUZ: 2}
FP8_UNIT = {FP8_NATIVE: 1.0, FP8_SOFT: 256.0, FP8_FNUZ: 2.0}

_FNUZ_ARCHS = ("gfx940", "gfx941", "gfx942")   # CDNA3: e4m3fnuz tensor cores
_OCP_FP8_GFX = ("gfx950",)                      # CDNA4: OCP e4m3fn tensor cores

_arch_of: dict = {}
_state = threading.local()


def device_arch(device) -> str:
    """dsagen's arch name of a torch device: `sm90`, `gfx942`, ... or `cpu`."""
    device = torch.device(device)
    if device.type != "cuda":
        return "cpu"
    index = device.index if device.index is not None else torch.cuda.current_device()
    arch = _arch_of.get(index)
    if arch is None:
        if getattr(torch.version, "hip", None):
            arch = str(torch.cuda.get_device_properties(index).gcnArchName).split(":")[0]
        else:
            major, minor = torch.cuda.get_device_capability(index)
            arch = f"sm{major}{minor}"
        _arch_of[index] = arch
    return arch


def is_amd(arch: str | None) -> bool:
    return bool(arch) and str(arch).startswith("gfx")


def cc(arch: str | None) -> int | None:
    """The CUDA compute capability of an `smXY` arch name (90 for sm90), else None."""
    a = str(arch or "")
    return int(a[2:]) if a.startswith("sm") and a[2:].isdigit() else None


def tmem_relay(arch: str | None) -> bool:
    """Whether Triton kernels for `arch` pass values reduced from an MMA accumulator through memory
    before reducing them again (dsagen.runtime.triton_layout.relay): tcgen05 targets, sm100 on."""
    return (cc(arch) or 0) >= 100


def fp8_mode(arch: str | None) -> str:
    """How kernels for `arch` read e4m3fn bytes (see the module docstring)."""
    if arch in (None, "cpu"):
        return FP8_NATIVE
    if is_amd(arch):
        if arch in _FNUZ_ARCHS:
            return FP8_FNUZ
        return FP8_NATIVE if arch in _OCP_FP8_GFX else FP8_SOFT
    c = cc(arch)
    return FP8_SOFT if c is not None and c < 89 else FP8_NATIVE


@contextlib.contextmanager
def emulating(arch: str | None):
    """Within the block, kernels launched on the CPU take `arch`'s code paths (None: the CPU's own)."""
    old = getattr(_state, "arch", None)
    _state.arch = arch
    try:
        yield
    finally:
        _state.arch = old


def code_arch(device) -> str:
    """The arch whose code paths a launch on `device` takes: the device's own, or on the CPU the
    arch being emulated (`emulating`)."""
    arch = device_arch(device)
    if arch == "cpu":
        return getattr(_state, "arch", None) or "cpu"
    return arch


def fp8_mode_for(device) -> str:
    return fp8_mode(code_arch(device))


_SMS: dict = {}


def sm_count(device) -> int:
    """Streaming multiprocessors (CUs on ROCm) of a CUDA device, read once per device; 4 on the CPU,
    where the interpreter runs few programs, so small test inputs reach the persistent kernels'
    multi-row and the split paths."""
    device = torch.device(device)
    if device.type != "cuda":
        return 4
    idx = torch.cuda.current_device() if device.index is None else device.index
    if idx not in _SMS:
        _SMS[idx] = torch.cuda.get_device_properties(idx).multi_processor_count
    return _SMS[idx]
