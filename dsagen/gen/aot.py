"""Ahead-of-time compiles: triton.compile for a target arch (NVIDIA or AMD) without a GPU.

compile_task runs in an executor worker (dsagen.gen.executor) whose environment has
TRITON_INTERPRET removed before triton is imported (one process cannot mix interpreted and
compiled kernels). Each task loads the template by path,
asks its `aot_kernels(problem, schedule)` what to compile, and reads registers, spills, shared
memory and the instruction census (dsagen.gen.isa) per @triton.jit (or @gluon.jit) kernel. A spec's optional
`ints` gives the int args' values at that problem's launch, for the JIT's divisibility specialization.
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

from dsagen.gen import isa


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
    """Compile one candidate; returns {"kernels": [...], "error": str|None, "seconds": float}.

    task["target"] is Triton's GPUTarget arguments (dsagen.spec.archs.Arch.target): ["cuda", 90,
    32] or ["hip", "gfx942", 64]. Each kernel's record holds its resources and its instruction
    census (dsagen.gen.isa)."""
    t0 = time.time()
    try:
        os.environ.pop("TRITON_INTERPRET", None)
        import triton
        from triton.backends.compiler import GPUTarget
        from triton.compiler import ASTSource
        from triton.experimental.gluon._runtime import GluonASTSource

        mod = _load_template(task["template"])
        target = GPUTarget(*task["target"])
        specs = mod.aot_kernels(dict(task["problem"]), dict(task["schedule"]))
        kernels = []
        for s in specs:
            # a Gluon template's kernels (task backend "gluon") need Gluon's front end
            source = GluonASTSource if task.get("backend") == "gluon" else ASTSource
            src = source(fn=s["fn"], signature=dict(s["signature"]), constexprs=dict(s.get("constexprs", {})),
                         attrs=divisibility_attrs(s))
            k = triton.compile(src, target=target,
                               options={"num_warps": int(s["num_warps"]), "num_stages": int(s["num_stages"])})
            rec = {"name": s["name"], "smem_bytes": int(k.metadata.shared), "num_warps": int(s["num_warps"]),
                   "num_stages": int(s["num_stages"])}
            if target.backend == "hip":
                asm = k.asm["amdgcn"]
                res = isa.amdgcn_resources(asm)
                # registers: VGPRs + AGPRs per lane; spill_bytes: VGPR spills to scratch per lane
                # (SGPR spills go to VGPR lanes, recorded apart)
                rec.update(registers=res["vgpr_count"], spill_bytes=4 * (res["vgpr_spill_count"] or 0),
                           sgprs=res["sgpr_count"], agprs=res["agpr_count"], sgpr_spills=res["sgpr_spill_count"],
                           scratch_bytes=res["scratch_bytes"], waves_per_simd=res["waves_per_simd"],
                           **isa.amdgcn_census(asm))
            else:
                regs, spill = resource_usage(k, triton)
                rec.update(registers=regs, spill_bytes=spill, **sass_census(k, triton))
            kernels.append(rec)
        return {"kernels": kernels, "error": None, "seconds": time.time() - t0}
    except Exception as e:  # noqa: BLE001 - a failed candidate is data, not a crash
        return {"kernels": [], "error": one_line(e), "seconds": time.time() - t0}


def divisibility_attrs(spec: dict) -> dict:
    """tt.divisibility 16 where Triton's JIT gives it at a launch: every pointer (a tensor's base:
    torch allocations are 256-byte aligned) and every int of the spec's `ints` (its value at the
    problem's launch, contiguous layouts) that is a multiple of 16. Without it an AOT compile sees
    strides of unknown alignment: a gather through `idx * stride` then has 2-byte vectors, which the
    software pipeliner will not turn into cp.async (sparse MLA's KV tiles went through registers in
    the AOT census while the launched kernel copied them asynchronously)."""
    fn, sig, ints = spec["fn"], spec["signature"], spec.get("ints", {})
    names = [n for n, t in sig.items() if t.startswith("*")] + [n for n, v in ints.items() if n in sig and v % 16 == 0]
    return {(fn.arg_names.index(name),): [["tt.divisibility", 16]] for name in names}


def _cuobjdump(triton) -> str:
    return os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")


def sass_census(k, triton) -> dict:
    """The instruction census of a compiled NVIDIA kernel's SASS (cuobjdump ships with Triton)."""
    return isa.sass_census(isa.cubin_sass(k.asm["cubin"], _cuobjdump(triton)))


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
    exe = _cuobjdump(triton)
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
