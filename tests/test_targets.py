"""dsagen.runtime.targets (arch names, FP8 modes, emulation) and the FP8 helpers every template
shares (dsagen.runtime.triton_casts), checked byte by byte in the interpreter."""

import pytest
import torch

from dsagen.runtime import targets
from dsagen.runtime.triton_env import import_triton

triton = import_triton()
import triton.language as tl  # noqa: E402

from dsagen.runtime.triton_casts import _fn_bits_to_fnuz_bits, fp8_operand, fp8_to_f32  # noqa: E402

ALL_BYTES = torch.arange(256, dtype=torch.uint8)
E4M3FN = ALL_BYTES.view(torch.float8_e4m3fn).float()
FINITE = ~torch.isnan(E4M3FN)


@triton.jit
def _bytes_kernel(x_ptr, remap_ptr, operand_ptr, value_ptr, FP8: tl.constexpr, N: tl.constexpr):
    i = tl.arange(0, N)
    b = tl.load(x_ptr + i)
    if FP8 != 0:  # bytes (the native mode gets e4m3fn values)
        tl.store(remap_ptr + i, _fn_bits_to_fnuz_bits(b))
    tl.store(operand_ptr + i, fp8_operand(b, FP8, True).to(tl.float32))
    tl.store(value_ptr + i, fp8_to_f32(b, FP8, True))


def _run(mode: str):
    remap = torch.empty(256, dtype=torch.uint8)
    operand, value = torch.empty(256), torch.empty(256)
    _bytes_kernel[(1,)](ALL_BYTES, remap, operand, value, targets.FP8_CODE[mode], 256)
    return remap, operand, value


def test_fnuz_remap_is_value_over_two_for_every_byte():
    """The bytes gfx942's MFMA reads, checked against torch's own e4m3fnuz (not our decode): each
    finite e4m3fn byte becomes the fnuz byte of exactly half its value; -0 becomes +0 (0x80 is
    fnuz's NaN) and both e4m3fn NaNs become the fnuz NaN."""
    remap, _, _ = _run("fnuz")
    fnuz = remap.view(torch.float8_e4m3fnuz).float()
    assert torch.equal(fnuz[FINITE] * 2, E4M3FN[FINITE])
    assert torch.isnan(fnuz[~FINITE]).all() and (~FINITE).sum() == 2
    assert remap[0x80] == 0 and not torch.signbit(fnuz[0x80])


@pytest.mark.parametrize("mode", ["native", "soft", "fnuz"])
def test_fp8_operand_and_value_for_every_byte(mode):
    """fp8_operand holds value / FP8_UNIT[mode] and fp8_to_f32 the exact value, for all 256 bytes
    (the interpreter path: fnuz bits decoded with integer ops where the GPU bitcasts)."""
    x = ALL_BYTES if mode != "native" else ALL_BYTES.view(torch.float8_e4m3fn)
    remap = torch.empty(256, dtype=torch.uint8)
    operand, value = torch.empty(256), torch.empty(256)
    _bytes_kernel[(1,)](x, remap, operand, value, targets.FP8_CODE[mode], 256)
    unit = targets.FP8_UNIT[mode]
    assert torch.equal(operand[FINITE] * unit, E4M3FN[FINITE])
    assert torch.equal(value[FINITE], E4M3FN[FINITE])
    if mode != "fnuz":  # the integer decode, and the interpreter's own e4m3fn cast (a GPU's cvt gives
        # NaN), read the NaN bytes as +-480: kernels never load them (quantisation clamps to 448)
        assert value[~FINITE].abs().tolist() == [480.0, 480.0]
    else:
        assert torch.isnan(value[~FINITE]).all()


def test_fp8_modes_by_arch():
    assert [targets.fp8_mode(a) for a in ("sm80", "sm89", "sm90", "sm100", "sm120")] == \
        ["soft", "native", "native", "native", "native"]
    assert [targets.fp8_mode(a) for a in ("gfx942", "gfx950", "gfx90a", "cpu", None)] == \
        ["fnuz", "native", "soft", "native", "native"]
    assert targets.cc("sm90") == 90 and targets.cc("gfx942") is None and targets.cc("cpu") is None


def test_tmem_relay_only_on_tcgen05_archs_and_sm_count_on_cpu():
    assert [targets.tmem_relay(a) for a in ("sm80", "sm89", "sm90", "sm100", "sm120", "gfx942", "gfx950", "cpu", None)] \
        == [False, False, False, True, True, False, False, False, False]
    assert targets.sm_count(torch.device("cpu")) == 4  # the interpreter: few programs, multi-row paths reached


def test_emulating_routes_cpu_launches_through_the_arch():
    cpu = torch.device("cpu")
    assert targets.fp8_mode_for(cpu) == "native" and targets.code_arch(cpu) == "cpu"
    with targets.emulating("gfx942"):
        assert targets.fp8_mode_for(cpu) == "fnuz" and targets.code_arch(cpu) == "gfx942"
        with targets.emulating("sm80"):
            assert targets.fp8_mode_for(cpu) == "soft"
        assert targets.code_arch(cpu) == "gfx942"
    assert targets.code_arch(cpu) == "cpu"


def test_rocm_devices_are_named_by_gcn_arch(monkeypatch):
    """ROCm torch reports an MI300X as device type cuda with capability 9.4: the name must come
    from gcnArchName, or gfx942 would be taken for an sm94 NVIDIA part."""
    class Props:
        gcnArchName = "gfx942:sramecc+:xnack-"

    monkeypatch.setattr(targets, "_arch_of", {})
    monkeypatch.setattr(torch.version, "hip", "6.4.0", raising=False)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda i: Props())
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda i: (9, 4))
    assert targets.device_arch(torch.device("cuda", 0)) == "gfx942"
