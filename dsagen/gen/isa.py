"""What the compiler did, read from the machine code: a census of a kernel's math instructions.

Every backend records the same fields per kernel (manifest `kernels[*]` / `resources.kernels[*]`):
  gmma_shapes  warpgroup / tcgen05 tensor-core MMAs by SASS shape (sm90 HGMMA/QGMMA m x n x k,
               sm100 UTC*MMA), A from shared memory or registers, only those with a real
               descriptor (ptxas leaves one placeholder
               `HGMMA.64x8x16.F16 RZ, gdesc[URZ], RZ, !UPT` where it deleted dead wgmma work)
  mma_shapes   the other tensor-core instructions: warp-level HMMA/IMMA/QMMA (mma.sync) on NVIDIA,
               v_mfma* / v_smfmac* on AMD, by instruction name
  fma          scalar/packed FMA instructions (FFMA, HFMA2; v_fma*, v_pk_fma*): CUDA-core math
Counts are static (instructions in the code, not executed ones): a loop body counts once.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

# dst, then the A operand: a shared-memory descriptor, or registers (Triton's P @ V feeds P from
# registers: `HGMMA.64x64x16.F32.BF16 R24, R152, gdesc[UR40].tnspB, R24`), then B's descriptor
_GMMA = re.compile(r"\b([HQIB]GMMA\.\S+|UTC[A-Z]*MMA(?:\.\S+)?)\s+(\S+)\s*,\s*(?:R\d+\s*,\s*)?(?:gdesc|tmem)\[(\S+?)\]")
_WARP_MMA = re.compile(r"\b((?:HMMA|IMMA|QMMA|DMMA|BMMA)\.[A-Z0-9.]+)")
_SASS_FMA = re.compile(r"\b(FFMA|HFMA2|DFMA)(?:\.[A-Z0-9.]+)?\s")
_MFMA = re.compile(r"^\s*(v_(?:mfma|smfmac)_\w+)", re.M)
_AMD_FMA = re.compile(r"^\s*(v_(?:pk_)?fma\w*|v_fmac\w*)\s", re.M)


def _count(names) -> dict:
    out: dict = {}
    for n in names:
        out[n] = out.get(n, 0) + 1
    return dict(sorted(out.items()))


def sass_census(sass: str) -> dict:
    """The census of cuobjdump -sass text."""
    gmma = _count(shape for shape, dst, desc in _GMMA.findall(sass) if not (dst == "RZ" and desc == "URZ"))
    return {"gmma_shapes": gmma, "mma_shapes": _count(_WARP_MMA.findall(sass)),
            "fma": len(_SASS_FMA.findall(sass))}


def amdgcn_census(asm: str) -> dict:
    """The census of AMDGCN assembly text (Triton's `asm["amdgcn"]`)."""
    return {"gmma_shapes": {}, "mma_shapes": _count(_MFMA.findall(asm)), "fma": len(_AMD_FMA.findall(asm))}


def cubin_sass(cubin: bytes | Path, cuobjdump: str) -> str:
    """cuobjdump -sass of a cubin (bytes or a path)."""
    if isinstance(cubin, (bytes, bytearray)):
        with tempfile.NamedTemporaryFile(suffix=".cubin") as f:
            f.write(cubin)
            f.flush()
            return cubin_sass(Path(f.name), cuobjdump)
    r = subprocess.run([cuobjdump, "-sass", str(cubin)], capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise RuntimeError(f"cuobjdump -sass failed: {(r.stderr or r.stdout).strip()[:300]}")
    return r.stdout


_AMD_META = {"vgpr_count": r"\.vgpr_count:\s+(\d+)", "sgpr_count": r"\.sgpr_count:\s+(\d+)",
             "agpr_count": r"\.agpr_count:\s+(\d+)", "vgpr_spill_count": r"\.vgpr_spill_count:\s+(\d+)",
             "sgpr_spill_count": r"\.sgpr_spill_count:\s+(\d+)",
             "scratch_bytes": r"\.private_segment_fixed_size:\s+(\d+)", "waves_per_simd": r";\s*Occupancy:\s+(\d+)"}


def amdgcn_resources(asm: str) -> dict:
    """Registers, spills, scratch and occupancy from the AMDGCN metadata (one kernel per module)."""
    out = {}
    for key, pat in _AMD_META.items():
        m = re.search(pat, asm)
        out[key] = int(m.group(1)) if m else None
    if out["vgpr_count"] is None:
        raise RuntimeError("no .vgpr_count in the AMDGCN metadata")
    return out
