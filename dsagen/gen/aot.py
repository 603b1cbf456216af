"""Ahead-of-time compiles: triton.compile for a target arch without a GPU.

compile_task runs in an executor worker (dsagen.gen.executor) whose environment has
TRITON_INTERPRET removed before triton is imported (one process cannot mix interpreted and
compiled kernels). Each task loads the template by path,
asks its `aot_kernels(problem, schedule)` what to compile, and reads registers, spills and
shared memory per @triton.jit kernel.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback


def _load_template(path: str):
    name = f"dsagen_aot_{abs(hash(path)) & 0xFFFFFFFF:08x}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def compile_task(task: dict) -> dict:
    """Compile one candidate; returns {"kernels": [...], "error": str|None, "seconds": float}."""
    t0 = time.time()
    try:
        os.environ.pop("TRITON_INTERPRET", None)
        import triton
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource

        mod = _load_template(task["template"])
        problem = dict(task["problem"])
        problem.setdefault("cc", int(task["cc"]))  # templates may pick a software-FP8 path before sm89
        specs = mod.aot_kernels(problem, dict(task["schedule"]))
        kernels = []
        for s in specs:
            src = ASTSource(fn=s["fn"], signature=dict(s["signature"]), constexprs=dict(s.get("constexprs", {})))
            k = triton.compile(src, target=GPUTarget("cuda", int(task["cc"]), 32),
                               options={"num_warps": int(s["num_warps"]), "num_stages": int(s["num_stages"])})
            regs, spill = resource_usage(k, triton)
            kernels.append({"name": s["name"], "registers": regs, "spill_bytes": spill,
                            "smem_bytes": int(k.metadata.shared), "num_warps": int(s["num_warps"]),
                            "num_stages": int(s["num_stages"])})
        return {"kernels": kernels, "error": None, "seconds": time.time() - t0}
    except Exception as e:  # noqa: BLE001 - a failed candidate is data, not a crash
        return {"kernels": [], "error": one_line(e), "seconds": time.time() - t0}


def one_line(e: BaseException) -> str:
    """The gist of an exception in one line (Triton compile errors carry source excerpts)."""
    text = "".join(traceback.format_exception_only(type(e), e)).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("^")]
    gist = lines[-1] if lines else type(e).__name__
    if not gist.startswith(type(e).__name__):
        gist = f"{type(e).__name__}: {gist}"
    return gist[:300]


_RES = re.compile(r"Function ([^:\s]+):\s*\n\s*REG:(\d+) STACK:(\d+) SHARED:(\d+) LOCAL:(\d+)")


def resource_usage(k, triton) -> tuple:
    """(registers per thread, spill bytes per thread) of a compiled kernel.

    On a GPU host CompiledKernel loads the cubin and knows n_regs / n_spills (spill count in
    32-bit words). Without a driver we read the cubin's resource table with the cuobjdump that
    ships in Triton's NVIDIA backend: REG, and LOCAL (local memory per thread, which in a
    Triton kernel is register spill space).
    """
    try:
        return int(k.n_regs), int(k.n_spills) * 4
    except Exception:  # noqa: BLE001 - no CUDA driver here
        pass
    exe = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")
    with tempfile.NamedTemporaryFile(suffix=".cubin", delete=False) as f:
        f.write(k.asm["cubin"])
    try:
        r = subprocess.run([exe, "-res-usage", f.name], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(f.name)
    m = _RES.search(r.stdout)
    if not m:
        raise RuntimeError(f"cannot read registers from cuobjdump: {(r.stderr or r.stdout).strip()[:200]}")
    return int(m.group(2)), int(m.group(3)) + int(m.group(5))


def summarize(result: dict) -> dict:
    """Totals the tuner ranks on: max registers, sum of spills, max shared memory."""
    ks = result["kernels"]
    return {"registers": max((k["registers"] for k in ks), default=0),
            "spill_bytes": sum(k["spill_bytes"] for k in ks),
            "smem_bytes": max((k["smem_bytes"] for k in ks), default=0),
            "kernels": ks}
