"""Compile a TileLang template for sm_90a (or sm_100a), export it, and report its resources.

Needs tilelang (0.1.15 tested) and nvcc (13.0 tested).  Writes into out_dir:
  kernel.cu      the generated CUDA device source
  kernel.so      the tvm-ffi exported host+device library (load with dsagen.runtime.tilelang)
  kernel.ptx     PTX of kernel.cu (nvcc), used for the tensor-core checks
  kernel.cubin   ptxas output; its SASS shows which tensor-core MMAs survived
  ptxas.txt      ptxas -v output of kernel.cu (registers / spills / static smem)
  meta.json      the dict returned by compile_kernel
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from dsagen.gen import isa
from dsagen.runtime import paths

_ARCHES = ("sm_90a", "sm_100a")


def unavailable() -> str | None:
    """Why TileLang kernels cannot be built here, or None (neither tilelang nor tvm is imported)."""
    if importlib.util.find_spec("tilelang") is None:
        return f"tilelang is not importable by {sys.executable} (pip install tilelang==0.1.15)"
    if nvcc_path() is None:
        return "nvcc not found (PATH, /usr/local/bin/nvcc, /usr/local/cuda/bin/nvcc or DSAGEN_NVCC)"
    return None


def nvcc_path() -> str | None:
    for cand in (os.environ.get("DSAGEN_NVCC"), shutil.which("nvcc"), "/usr/local/bin/nvcc",
                 "/usr/local/cuda/bin/nvcc"):
        if cand and os.path.exists(cand):
            return cand
    return None


def nvcc_version(nvcc: str | None = None) -> str | None:
    nvcc = nvcc or nvcc_path()
    if nvcc is None:
        return None
    out = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"release ([0-9.]+), V([0-9.]+)", out)
    return m.group(2) if m else out.strip().splitlines()[-1]


def load_template_file(path) -> object:
    """Import a TileLang template by path (it imports without tilelang: tilelang only in build())."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"template: no TileLang template at {path}")
    spec = importlib.util.spec_from_file_location(f"dsagen_tl_{path.parent.name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_template(template: str):
    """A TileLang template by operator name (templates/<op>/tilelang.py) or by path."""
    p = Path(template)
    return load_template_file(p if p.suffix == ".py" else paths.template_path("tilelang", template))


@contextlib.contextmanager
def output_to(path: Path):
    """Send this process's stdout and stderr (file descriptors 1 and 2) to `path` meanwhile
    (tilelang's INFO lines and lowering dumps stay out of tune's log)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(path, "ab") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _include_flags():
    import tilelang

    root = Path(tilelang.__file__).resolve().parent
    return [f"-I{root / 'src'}", f"-I{root / '3rdparty' / 'cutlass' / 'include'}"]


_KERNEL_CALL = re.compile(r"TVMFFIFunctionCall\((\w+)_packed, \(TVMFFIAny\*\) stack_ffi_any, (\d+),")


def _dynamic_smem(host_source: str, device_source: str) -> int:
    """Dynamic shared memory the host stub passes to the launch (tvm-ffi host code).

    A kernel launch packs its arguments, then its grid and block sizes, and last the dynamic
    shared memory size when the kernel has any (`extern __shared__`): for a call with N stack
    slots the size is the int64 stored in slot N-1.
    """
    if "extern __shared__" not in device_source:
        return 0
    best = 0
    for m in _KERNEL_CALL.finditer(host_source):
        if m.group(1).startswith("__tvm"):
            continue
        n = int(m.group(2))
        stores = re.findall(rf"\[{n - 1}\]\.v_int64\) = \(\(int64_t\)(\d+)\)", host_source[: m.start()])
        if stores:
            best = max(best, int(stores[-1]))
    return best


def cuobjdump_path() -> str | None:
    """cuobjdump from the CUDA toolkit beside nvcc, else the copy Triton ships."""
    nvcc = nvcc_path()
    cands = [os.path.join(os.path.dirname(os.path.realpath(nvcc)), "cuobjdump")] if nvcc else []
    cands.append(shutil.which("cuobjdump"))
    spec = importlib.util.find_spec("triton")  # locate, do not import
    if spec and spec.origin:
        cands.append(os.path.join(os.path.dirname(spec.origin), "backends", "nvidia", "bin", "cuobjdump"))
    return next((c for c in cands if c and os.path.exists(c)), None)


def sass_tensor_cores(cubin: Path) -> dict:
    """The instruction census of the cubin's SASS (dsagen.gen.isa) and the count of tensor-core
    MMAs ptxas actually kept.

    The PTX can hold wgmma instructions whose results are never used (for instance an
    accumulator scaled by an uninitialised register); ptxas then deletes them and the kernel
    computes nothing, with a register count far below what the accumulators need. Comparing
    the SASS count with the PTX count catches that without a GPU.
    """
    exe = cuobjdump_path()
    if exe is None:
        return {"gmma_in_sass": None, "gmma_shapes": {}, "mma_shapes": {}, "fma": None}
    census = isa.sass_census(isa.cubin_sass(cubin, exe))
    return {"gmma_in_sass": sum(census["gmma_shapes"].values()), **census}


def ptxas_report(cu_path: Path, arch: str, out_dir: Path) -> dict:
    nvcc = nvcc_path()
    if nvcc is None:
        raise RuntimeError("nvcc not found (set DSAGEN_NVCC)")
    base = [nvcc, "-std=c++20", "-O3", f"-arch={arch}", *_include_flags(), "-diag-suppress=1444,20012"]
    ptx = out_dir / "kernel.ptx"
    r = subprocess.run(base + ["-ptx", "-o", str(ptx), str(cu_path)], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"nvcc -ptx failed:\n{r.stderr[-4000:]}")
    r = subprocess.run(base + ["-cubin", "-Xptxas", "-v", "-o", str(out_dir / "kernel.cubin"), str(cu_path)],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"nvcc -cubin failed:\n{r.stderr[-4000:]}")
    (out_dir / "ptxas.txt").write_text(r.stderr)
    regs = re.findall(r"Used (\d+) registers", r.stderr)
    spill_st = re.findall(r"(\d+) bytes spill stores", r.stderr)
    spill_ld = re.findall(r"(\d+) bytes spill loads", r.stderr)
    smem = re.findall(r"(\d+) bytes smem", r.stderr)
    ptx_text = ptx.read_text()
    sass = sass_tensor_cores(out_dir / "kernel.cubin")
    return {
        **sass,
        "registers": max(map(int, regs)) if regs else None,
        "spill_bytes": sum(map(int, spill_st)) + sum(map(int, spill_ld)),
        "static_smem_bytes": max(map(int, smem)) if smem else 0,
        "wgmma_in_ptx": len(re.findall(r"^\s*wgmma\.mma_async", ptx_text, re.M)),
        "tcgen05_in_ptx": len(re.findall(r"^\s*(?:@\S+\s+)?tcgen05\.mma", ptx_text, re.M)),
        "mma_sync_in_ptx": ptx_text.count("mma.sync"),
    }


def compile_kernel(template_name: str, problem: dict, schedule: dict | None = None,
                   arch: str = "sm_90a", out_dir: str | os.PathLike | None = None) -> dict:
    if arch not in _ARCHES:
        raise ValueError(f"arch must be one of {_ARCHES}, got {arch!r}")
    if out_dir is None:
        raise ValueError("out_dir is required")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    mod = load_template(template_name)
    if str(template_name).endswith(".py"):  # templates/<op>/tilelang.py -> "<op>" (no paths in meta.json)
        template_name = Path(template_name).parent.name
    sched = {**mod.SCHEDULE, **(schedule or {})}
    func = mod.build(dict(problem), sched, arch=arch)

    import tilelang
    from tilelang import tvm

    kernel = tilelang.compile(func, out_idx=None, execution_backend="tvm_ffi",
                              target=tvm.target.Target({"kind": "cuda", "arch": arch}))
    src = kernel.get_kernel_source()
    cu = out_dir / "kernel.cu"
    cu.write_text(src)
    lib = out_dir / "kernel.so"
    kernel.export_library(str(lib))
    res = ptxas_report(cu, arch, out_dir)
    dyn = _dynamic_smem(kernel.get_host_source(), src)
    params = [p.name for p in func.params]
    meta = {
        "template": template_name,
        "problem": dict(problem),
        "schedule": sched,
        "arch": arch,
        "registers": res["registers"],
        "spill_bytes": res["spill_bytes"],
        "shared_bytes": dyn + res["static_smem_bytes"],
        "dynamic_smem_bytes": dyn,
        "static_smem_bytes": res["static_smem_bytes"],
        "wgmma": src.count("wgmma") > 0 and res["wgmma_in_ptx"] > 0,
        "wgmma_in_ptx": res["wgmma_in_ptx"],
        "mma_sync_in_ptx": res["mma_sync_in_ptx"],
        "tcgen05_in_ptx": res["tcgen05_in_ptx"],
        "gmma_in_sass": res["gmma_in_sass"],
        "gmma_shapes": res["gmma_shapes"],
        "mma_shapes": res["mma_shapes"],
        "fma": res["fma"],
        # the tensor-core MMAs of the PTX survived ptxas (None: no cuobjdump to tell). sm_90a:
        # one HGMMA/QGMMA per wgmma; sm_100a: ptxas may duplicate tcgen05 MMAs across code paths.
        "tensor_cores_kept": None if res["gmma_in_sass"] is None
        else res["gmma_in_sass"] >= res["wgmma_in_ptx"] + res["tcgen05_in_ptx"],
        "source_sha256": hashlib.sha256(src.encode()).hexdigest(),
        "lib_path": str(lib),
        "params": params,
        "tilelang_version": tilelang.__version__,
        "nvcc_version": nvcc_version(),
        "function": str(func.attrs["global_symbol"]) if func.attrs and "global_symbol" in func.attrs
        else getattr(mod, "OP", template_name),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
    return meta
