"""GPU architectures dsagen generates for: the numbers the pruner and the cost model use.

Figures are public datasheet / CUDA programming guide values for one representative part per
compute capability (dense tensor-core peaks, no structured sparsity):
- sm80  A100 SXM4 80GB: NVIDIA A100 datasheet (312 TFLOPS bf16 dense, 2,039 GB/s HBM2e, 108 SMs);
  CUDA guide, compute capability 8.0: 164 KB shared memory per SM, 163 KB per block, 2048 threads/SM.
- sm89  L40S: NVIDIA L40S datasheet (362.05 TFLOPS bf16 dense, 733 TFLOPS fp8 dense, 864 GB/s
  GDDR6, 142 SMs); CUDA guide, cc 8.9: 100 KB shared per SM, 99 KB per block, 1536 threads/SM.
- sm90  H100 SXM5 80GB: NVIDIA H100 datasheet (989 TFLOPS bf16 dense, 1,979 TFLOPS fp8 dense,
  3.35 TB/s HBM3, 132 SMs); CUDA guide, cc 9.0: 228 KB shared per SM, 227 KB per block.
- sm100 B200: NVIDIA DGX B200 / Blackwell datasheet (2.25 PFLOPS bf16 dense, 4.5 PFLOPS fp8
  dense per GPU, 8 TB/s HBM3e, 148 SMs); CUDA guide, cc 10.0: 228 KB shared per SM, 227 KB per block.
Every NVIDIA arch has 64K 32-bit registers per SM, at most 255 per thread and 1024 threads per block.
L2 (l2_bytes): A100 40 MB, L40S 96 MB, H100 SXM5 50 MB (datasheets); B200 126 MB (Chips and
Cheese's measurement, two dies); MI300X / MI355X 256 MB Infinity Cache (datasheets).

AMD Instinct (Triton targets `hip`, wavefronts of 64 lanes; "SM" below means a compute unit):
- gfx942 MI300X: AMD Instinct MI300X datasheet (1,307.4 TFLOPS bf16 dense, 2,614.9 TFLOPS fp8
  dense - e4m3fnuz -, 5.3 TB/s HBM3, 304 CUs); CDNA 3 ISA guide: 64 KB LDS per CU (the most one
  workgroup gets), 512 VGPRs per lane per SIMD (256 arch + 256 acc, unified), 4 SIMDs, 8 waves
  per SIMD (2,048 threads per CU), 1,024 threads per workgroup.
- gfx950 MI355X: AMD Instinct MI355X datasheet (2.5 PFLOPS bf16 dense, 5.0 PFLOPS fp8 dense -
  OCP e4m3fn -, 8 TB/s HBM3E, 256 CUs); CDNA 4: 160 KB LDS per CU, register file as CDNA 3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dsagen.errors import UsageError


@dataclass(frozen=True)
class Arch:
    name: str
    gpu: str
    cc: int
    sms: int
    smem_per_block: int      # bytes, opt-in maximum dynamic shared memory per block
    smem_per_sm: int         # bytes
    max_threads: int         # per block
    max_threads_per_sm: int
    regs_per_sm: int         # 32-bit registers
    has_fp8: bool            # native e4m3 tensor-core MMA
    has_wgmma: bool
    mem_bw: float            # bytes/s
    peak_bf16: float         # FLOP/s, dense tensor core
    peak_fp8: float          # FLOP/s, dense tensor core (0: no native fp8)
    vendor: str = "nvidia"   # "nvidia" (Triton target cuda) or "amd" (hip)
    warp_size: int = 32      # lanes per warp / wavefront
    max_regs: int = 255      # 32-bit registers one thread may hold (AMD: VGPRs + AGPRs)
    l2_bytes: float = 0.0    # last-level cache before HBM (AMD: the Infinity Cache; its L2 is 4 MB per XCD)

    @property
    def target(self) -> tuple:
        """Triton's GPUTarget arguments: ("cuda", 90, 32) or ("hip", "gfx942", 64)."""
        if self.vendor == "amd":
            return ("hip", self.name, self.warp_size)
        return ("cuda", self.cc, self.warp_size)

    def keys(self) -> dict:
        """The arch keys schedule constraints may use (DESIGN.md)."""
        return {"cc": self.cc, "sms": self.sms, "smem_per_block": self.smem_per_block,
                "max_threads": self.max_threads, "has_fp8": int(self.has_fp8),
                "has_wgmma": int(self.has_wgmma), "regs_per_sm": self.regs_per_sm,
                "smem_per_sm": self.smem_per_sm, "warp_size": self.warp_size, "max_regs": self.max_regs,
                "amd": int(self.vendor == "amd")}

    def peak(self, dtype: str) -> float:
        if dtype in ("e4m3", "fp8") and self.has_fp8:
            return self.peak_fp8
        return self.peak_bf16  # no native fp8: software decode, then bf16/fp16 MMA


KB = 1024
ARCHS = {
    "sm80": Arch("sm80", "A100 SXM4 80GB", 80, 108, 163 * KB, 164 * KB, 1024, 2048, 65536,
                 False, False, 2039e9, 312e12, 0.0, l2_bytes=40e6),
    "sm89": Arch("sm89", "L40S", 89, 142, 99 * KB, 100 * KB, 1024, 1536, 65536,
                 True, False, 864e9, 362.05e12, 733e12, l2_bytes=96e6),
    "sm90": Arch("sm90", "H100 SXM5 80GB", 90, 132, 227 * KB, 228 * KB, 1024, 2048, 65536,
                 True, True, 3.35e12, 989e12, 1979e12, l2_bytes=50e6),
    "sm100": Arch("sm100", "B200", 100, 148, 227 * KB, 228 * KB, 1024, 2048, 65536,
                  True, False, 8.0e12, 2250e12, 4500e12, l2_bytes=126e6),
    # cc 0: not a CUDA part (schedule constraints on cc see 0)
    "gfx942": Arch("gfx942", "MI300X", 0, 304, 64 * KB, 64 * KB, 1024, 2048, 4 * 512 * 64,
                   True, False, 5.3e12, 1307.4e12, 2614.9e12, vendor="amd", warp_size=64, max_regs=512,
                   l2_bytes=256e6),
    "gfx950": Arch("gfx950", "MI355X", 0, 256, 160 * KB, 160 * KB, 1024, 2048, 4 * 512 * 64,
                   True, False, 8.0e12, 2500e12, 5000e12, vendor="amd", warp_size=64, max_regs=512,
                   l2_bytes=256e6),
}


def get_arch(name: str) -> Arch:
    a = ARCHS.get(str(name).lower())
    if a is None:
        raise UsageError(f"--arch: unknown arch {name!r} (expected one of {', '.join(ARCHS)})")
    return a


NVIDIA_ARCHS = tuple(a for a, v in ARCHS.items() if v.vendor == "nvidia")
AMD_ARCHS = tuple(a for a, v in ARCHS.items() if v.vendor == "amd")


# Re-reads of data another CTA just read mostly hit L2, which serves about three times the HBM
# bandwidth on these parts: the cost model's traffic terms weigh such bytes by this factor.
L2_REREAD = 1 / 3


def mma_shape_efficiency(arch, m: int, n: int) -> float:
    """Tensor-core efficiency of an M x N accumulator tile: sm90 wgmma wants M a multiple of 64
    rows per warpgroup and N >= 64 (N = 8 or 16 is shared-memory bound); mma.sync (before sm90, and
    Triton on sm100 here) is 16 x 8 and saturates from 64 x 64 tiles on."""
    m, n = max(int(m), 1), max(int(n), 1)
    if arch.has_wgmma:
        m_eff = m / (64 * math.ceil(m / 64))
        n_eff = min(1.0, n / 64) ** 0.75
        return m_eff * n_eff
    return min(1.0, m / 64) ** 0.5 * min(1.0, n / 64) ** 0.5

