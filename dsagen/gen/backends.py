"""The code generators behind one interface: what a backend plans, builds and publishes.

A backend turns an operator's buckets into `Unit`s (one kernel each: Triton and Gluon one per
bucket; TileLang one per distinct compile-time problem, since its templates take the sizes at run
time), gives each unit the candidates to build, builds one candidate in a worker (`build_task` ->
`build`), says why a build is unusable, and stages the files of the kept build for publishing.
The pipeline (dsagen.gen.pipeline) does the rest the same way for all of them.

`interpreted`: whether the backend's kernels run in the Triton interpreter (Triton only). TileLang
and Gluon kernels run only on a GPU of their arch: without one they stay "compiled", and dispatch
(dsagen.runtime.dispatch) uses them only once verified there.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from dsagen.gen import cost, isa, records
from dsagen.gen.render import render, sha256_file, sha256_text
from dsagen.gen.space import load_space, prune
from dsagen.runtime.dispatch import template_file, template_module

TOP_N = 4           # Triton candidates compiled per unit and round
MAX_ROUNDS = 6      # when every compiled candidate spills or fails, compile the next TOP_N
TL_TRIES = 2        # TileLang schedules tried per unit without a GPU (the default first)
GPU_CANDIDATES = 4  # schedules built, verified and timed per unit on a GPU of the arch


@dataclass
class Unit:
    """One kernel to produce: (arch, op, backend, name) and everything that decides it."""

    op: object                 # Operator
    arch: object               # Arch
    backend: str
    name: str
    problem: dict              # the full-size problem it is timed at (largest of its buckets)
    bucket: dict               # {"key", "lo", "hi"}: the primary size range it serves
    buckets: list              # Bucket objects it serves
    template: Path
    space: object
    kept: list
    dropped: dict
    ranked: list               # [(estimate, schedule)] fastest first (Triton) / default first (TileLang)
    build_problem: dict        # what the template compiles for
    target: str
    key: str = ""
    built: list = field(default_factory=list)   # [(schedule, build result)]
    error: str | None = None                     # the unit cannot be planned (its template does not load)

    @property
    def label(self) -> str:
        return f"{self.op.name}/{self.name}"


def over_limits(arch, registers: int, spill_bytes: int, smem_bytes: int) -> str | None:
    """Why a build's resources rule it out on `arch` (spills, shared memory, registers), or None."""
    if spill_bytes > 0:
        return f"spills {spill_bytes} bytes"
    if smem_bytes > arch.smem_per_block:
        return f"shared memory {smem_bytes} > {arch.smem_per_block}"
    if registers > arch.max_regs:
        return f"{registers} registers"
    return None


# ---------------------------------------------------------------- Triton
def aot_py() -> Path:
    """dsagen/gen/aot.py without importing it here (it is imported in build workers)."""
    return Path(__file__).with_name("aot.py")


def jit_helpers(template: Path) -> dict:
    """{module: sha256} of the dsagen.runtime.triton_* modules a Triton template imports (the
    @triton.jit helpers its kernels call, e.g. triton_casts, triton_select). A generated kernel
    imports them at run time, so they are part of what decides it: a change re-keys (and re-tunes)
    every kernel that calls them. triton_env only finds triton."""
    import ast

    import dsagen.runtime as runtime

    names = set()
    for node in ast.walk(ast.parse(Path(template).read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dsagen.runtime.triton_"):
            names.add(node.module.rsplit(".", 1)[1])
    names.discard("triton_env")
    root = Path(runtime.__file__).parent
    return {n: sha256_file(root / f"{n}.py") for n in sorted(names)}


def op_model(op) -> dict:
    """{file: sha256} of the module that defines Operator `op` (its problem.py: buckets, sizes and
    the cost model's traffic terms, which pick the kernel when no GPU times it) and of the other
    operators' problem modules it imports (the fused indexer + top-k takes top-k's filter terms):
    a change there re-ranks, so it re-keys that operator's Triton kernels."""
    import ast
    import importlib
    import inspect

    try:
        own = Path(inspect.getfile(op.problems))
    except TypeError:  # not a plain function (a plugin's partial or builtin): nothing to read
        return {}
    files = {own}
    for node in ast.walk(ast.parse(own.read_text())):
        mod = node.module if isinstance(node, ast.ImportFrom) else None
        if mod and mod.startswith("dsagen.operators.") and mod.endswith(".problem"):
            files.add(Path(importlib.import_module(mod).__file__))
    return {f"{f.parent.name}/{f.name}": sha256_file(f) for f in sorted(files)}


class TritonBackend:
    name = "triton"
    interpreted = True

    def applies(self, op, arch) -> bool:
        return template_file(op, "triton").exists()

    def units(self, op, arch, spec) -> list:
        tpl = template_file(op, "triton")
        space = load_space(op.name, "triton", tpl)
        out = []
        tc = records.toolchain()
        helpers, model = jit_helpers(tpl), op_model(op)  # per operator, not per bucket
        for b in op.buckets(spec):
            kept, dropped = prune(space, b.problem, arch)
            ranked = cost.rank(op, b.problem, kept, arch, spec, default=space.default)
            u = Unit(op, arch, "triton", b.name, dict(b.problem), b.record(), [b], tpl, space, kept, dropped, ranked,
                     dict(b.problem, arch=arch.name), "{}:{}".format(*arch.target[:2]))
            u.key = records.cache_key(backend="triton", op=op.name, arch=arch.name, name=b.name,
                                      template=sha256_file(tpl), helpers=helpers, problem=b.problem,
                                      bucket=b.record(), space=space.hash(arch.name), triton=tc["triton"],
                                      # the pick without a GPU is the cost model's: a new model re-picks
                                      cost_model=sha256_file(cost.__file__), op_model=model,
                                      census=sha256_file(isa.__file__),  # a new census re-records
                                      aot=sha256_file(aot_py()))  # so do new divisibility hints
            out.append(u)
        return out

    def candidates(self, unit, round_: int, gpu: bool) -> list:
        return [s for _, s in unit.ranked[round_ * TOP_N:(round_ + 1) * TOP_N]]

    def rounds(self, gpu: bool) -> int:
        return MAX_ROUNDS

    def build_task(self, unit, schedule: dict) -> dict:
        return {"backend": "triton", "template": str(unit.template), "problem": unit.build_problem,
                "schedule": schedule, "target": list(unit.arch.target)}

    def why_unusable(self, unit, result: dict) -> str | None:
        if result.get("error"):
            return f"compile failed: {result['error']}"
        from dsagen.gen.aot import summarize
        s = summarize(result)
        return over_limits(unit.arch, s["registers"], s["spill_bytes"], s["smem_bytes"])

    def resources(self, result: dict) -> dict:
        from dsagen.gen.aot import summarize
        return summarize(result)

    def stage(self, unit, schedule: dict, result: dict, staged: Path) -> dict:
        """Write the kernel's files into `staged`; the entry's file fields."""
        src = render(unit.template, op=unit.op.name, arch=unit.arch.name, bucket=unit.bucket, problem=unit.problem,
                     schedule=schedule, name=unit.name)
        (staged / "kernel.py").write_text(src)
        rel = records.kernel_dir(unit.arch.name, unit.op.name, unit.name)
        return {"path": f"{rel}/kernel.py", "source_sha256": sha256_text(src)}

    def run_files(self, staged: Path) -> dict:
        return {"kernel.py": (staged / "kernel.py").read_bytes()}


# ---------------------------------------------------------------- TileLang
class TileLangBackend:
    name = "tilelang"
    interpreted = False
    SUFFIX = "-tilelang"

    def applies(self, op, arch) -> bool:
        from dsagen.gen.space import load_space as _ls
        tpl = template_file(op, "tilelang")
        if not tpl.exists():
            return False
        return arch.name in _ls(op.name, "tilelang", tpl).targets

    def _template(self, op):
        from dsagen.gen.tilelang_build import load_template_file
        return load_template_file(template_file(op, "tilelang"))

    def units(self, op, arch, spec) -> list:
        tpl = template_file(op, "tilelang")
        space = load_space(op.name, "tilelang", tpl)
        target = space.targets[arch.name]
        groups: dict = {}
        try:  # a template that does not load (work in progress) fails its own kernels only
            mod = self._template(op)
            for b in op.buckets(spec):
                hook = getattr(mod, "problem_from_op", None)
                tp = hook(dict(b.problem)) if callable(hook) else {k: v for k, v in b.problem.items()
                                                                   if k not in op.size_keys}
                if tp is None:  # the template does not cover this bucket (e.g. a bf16 cache)
                    continue
                groups.setdefault(json.dumps(tp, sort_keys=True), (dict(tp), []))[1].append(b)
        except Exception as e:  # noqa: BLE001
            from dsagen.gen.aot import one_line
            return [Unit(op, arch, "tilelang", op.name + self.SUFFIX, {}, {}, [], tpl, space, [], {}, [], {}, target,
                         error=f"template {tpl.parent.name}/{tpl.name}: {one_line(e)}")]
        out, taken = [], set()
        tc = records.toolchain()
        for _, (tp, bs) in sorted(groups.items()):
            rep = dict(max(bs, key=lambda b: (b.hi, b.name)).problem)
            for k in op.size_keys:
                rep[k] = max(b.problem[k] for b in bs)
            kept, dropped = prune(space, {**rep, **tp}, arch)
            default = {k: space.default.get(k, v[0]) for k, v in space.values.items()}
            kept.sort(key=lambda c: c != default)  # the template default first (stable otherwise)
            name = self._name(op, rep, tp, taken)
            taken.add(name)
            bucket = {"key": op.primary, "lo": min(b.lo for b in bs), "hi": max(b.hi for b in bs)}
            u = Unit(op, arch, "tilelang", name, rep, bucket, bs, tpl, space, kept, dropped,
                     [(None, c) for c in kept], tp, target)
            from dsagen.gen import tilelang_build
            u.key = records.cache_key(backend="tilelang", op=op.name, arch=arch.name, name=name, target=target,
                                      template=sha256_file(tpl), build_problem=tp, problem=rep, bucket=bucket,
                                      space=space.hash(arch.name), build_py=sha256_file(tilelang_build.__file__),
                                      tilelang=tc["tilelang"], nvcc=tc["nvcc"], census=sha256_file(isa.__file__))
            out.append(u)
        return out

    def _name(self, op, problem, tp, taken) -> str:
        import hashlib
        structural = {k: v for k, v in problem.items() if k not in op.size_keys}
        name = re.sub(r"[^A-Za-z0-9_]", "", op.kernel_name(structural))
        if name + self.SUFFIX in taken:
            name += "_" + hashlib.sha256(json.dumps(tp, sort_keys=True).encode()).hexdigest()[:8]
        return name + self.SUFFIX

    def candidates(self, unit, round_: int, gpu: bool) -> list:
        if gpu:
            return unit.kept[:GPU_CANDIDATES] if round_ == 0 else []
        return unit.kept[round_:round_ + 1]

    def rounds(self, gpu: bool) -> int:
        return 1 if gpu else TL_TRIES

    def build_task(self, unit, schedule: dict) -> dict:
        specs = self._template(unit.op).aot_kernels(dict(unit.build_problem), dict(schedule))
        kernels = []
        for i, k in enumerate(specs):
            label = str(k.get("problem", {}).get("part") or k.get("name") or f"k{i}")
            label = re.sub(r"[^A-Za-z0-9_]", "", label) or f"k{i}"
            kernels.append({"template": str(unit.template), "problem": k.get("problem", unit.build_problem),
                            "schedule": k.get("schedule", schedule), "target": k.get("arch", unit.target),
                            "label": label, "subdir": "" if len(specs) == 1 else label})
        return {"backend": "tilelang", "schedule": schedule, "kernels": kernels,
                "staged": str(records.staging_dir(label=unit.name))}

    def why_unusable(self, unit, result: dict) -> str | None:
        if result.get("error"):
            return f"build failed: {result['error']}"
        metas = result.get("metas") or []
        arch = unit.arch
        for meta in metas:
            where = f"{meta.get('label')}: " if len(metas) > 1 else ""
            if meta.get("registers") is None:
                return f"{where}no register count from ptxas"
            why = over_limits(arch, meta["registers"], meta["spill_bytes"], meta["shared_bytes"])
            if why:
                return where + why
            if meta.get("tensor_cores_kept") is False:
                n = (meta.get("wgmma_in_ptx") or 0) + (meta.get("tcgen05_in_ptx") or 0)
                return (f"{where}ptxas kept {meta['gmma_in_sass']} of the {n} tensor-core MMAs in the PTX "
                        "(their results are dead: the kernel would compute nothing)")
        return None if metas else "nothing was built"

    def resources(self, result: dict) -> dict:
        ks = result["metas"]
        return {"registers": max(k["registers"] for k in ks), "smem_bytes": max(k["shared_bytes"] for k in ks),
                "spill_bytes": sum(k["spill_bytes"] for k in ks),
                "wgmma_in_ptx": sum(k.get("wgmma_in_ptx") or 0 for k in ks),
                "mma_sync_in_ptx": sum(k.get("mma_sync_in_ptx") or 0 for k in ks),
                "tcgen05_in_ptx": sum(k.get("tcgen05_in_ptx") or 0 for k in ks),
                "gmma_in_sass": None if any(k.get("gmma_in_sass") is None for k in ks)
                else sum(k["gmma_in_sass"] for k in ks)}

    def stage(self, unit, schedule: dict, result: dict, staged: Path) -> dict:
        rel = records.kernel_dir(unit.arch.name, unit.op.name, unit.name)
        kernels = []
        for m in result["metas"]:
            kd = staged / m["subdir"] if m["subdir"] else staged
            meta = {k: v for k, v in m.items() if k not in ("label", "subdir")}
            (kd / "meta.json").write_text(json.dumps(dict(meta, lib_path="kernel.so"), indent=1, default=str))
            d = f"{rel}/{m['subdir']}" if m["subdir"] else rel
            kernels.append({
                "label": m["label"], "path": f"{d}/kernel.cu", "lib": f"{d}/kernel.so",
                "source_sha256": m["source_sha256"], "lib_sha256": sha256_file(kd / "kernel.so"),
                "function": m.get("function"), "params": m.get("params"), "problem": m.get("problem"),
                "registers": m["registers"], "smem_bytes": m["shared_bytes"], "spill_bytes": m["spill_bytes"],
                "dynamic_smem_bytes": m.get("dynamic_smem_bytes"), "static_smem_bytes": m.get("static_smem_bytes"),
                "wgmma_in_ptx": m.get("wgmma_in_ptx"), "mma_sync_in_ptx": m.get("mma_sync_in_ptx"),
                "tcgen05_in_ptx": m.get("tcgen05_in_ptx"), "gmma_in_sass": m.get("gmma_in_sass"),
                "gmma_shapes": m.get("gmma_shapes"), "mma_shapes": m.get("mma_shapes"), "fma": m.get("fma")})
        first = kernels[0]
        return {"path": first["path"], "lib": first["lib"], "source_sha256": first["source_sha256"],
                "lib_sha256": first["lib_sha256"], "function": first["function"], "kernels": kernels,
                "tl_problem": unit.build_problem, "target": unit.target}

    def run_files(self, staged: Path) -> dict:
        return {str(p.relative_to(staged)): p.read_bytes() for p in sorted(staged.rglob("*"))
                if p.is_file() and p.name in ("kernel.so", "meta.json", "kernel.cu")}


# ---------------------------------------------------------------- Gluon
class GluonBackend(TritonBackend):
    """templates/<op>/gluon.py: Triton's Gluon dialect (warp specialisation, wgmma, mbarriers) for
    the archs its space file lists under [targets]. Rendered, compiled and recorded like a Triton
    kernel (one per bucket, `<bucket>-gluon`), but Gluon has no interpreter: candidates come in the
    space's order (the template default first, no cost-model ranking), and a build that lost its
    wgmma is unusable (the kernel exists to have them). A template's optional `covers(problem)`
    says which buckets it serves (e.g. decode: the 656-byte FP8 cache only); the others get no unit."""

    name = "gluon"
    interpreted = False
    SUFFIX = "-gluon"

    def applies(self, op, arch) -> bool:
        tpl = template_file(op, "gluon")
        return tpl.exists() and arch.name in load_space(op.name, "gluon", tpl).targets

    def units(self, op, arch, spec) -> list:
        tpl = template_file(op, "gluon")
        space = load_space(op.name, "gluon", tpl)
        tc = records.toolchain()
        default = {k: space.default.get(k, v[0]) for k, v in space.values.items()}
        covers = getattr(template_module(op, "gluon"), "covers", None)
        out = []
        for b in op.buckets(spec):
            if covers is not None and not covers(dict(b.problem)):
                continue
            kept, dropped = prune(space, b.problem, arch)
            kept.sort(key=lambda c: c != default)  # the template default first (stable otherwise)
            name = b.name + self.SUFFIX
            u = Unit(op, arch, "gluon", name, dict(b.problem), b.record(), [b], tpl, space, kept, dropped,
                     [(None, c) for c in kept], dict(b.problem, arch=arch.name), space.targets[arch.name])
            u.key = records.cache_key(backend="gluon", op=op.name, arch=arch.name, name=name,
                                      target=list(arch.target), template=sha256_file(tpl), problem=b.problem,
                                      bucket=b.record(), space=space.hash(arch.name), triton=tc["triton"],
                                      census=sha256_file(isa.__file__), aot=sha256_file(aot_py()))
            out.append(u)
        return out

    # no interpreter, so TileLang's policy: the space's order, several candidates only on a GPU
    candidates = TileLangBackend.candidates
    rounds = TileLangBackend.rounds

    def build_task(self, unit, schedule: dict) -> dict:
        return dict(super().build_task(unit, schedule), backend="gluon")

    def why_unusable(self, unit, result: dict) -> str | None:
        why = super().why_unusable(unit, result)
        if why:
            return why
        ks = result.get("kernels") or []
        for k in ks:
            if sum((k.get("mma_shapes") or {}).values()):
                return f"{k['name']}: mma.sync in the SASS (a Gluon kernel is kept only with wgmma)"
        if not any(sum((k.get("gmma_shapes") or {}).values()) for k in ks):  # a combine kernel needs none
            return "no wgmma in the SASS of any of its kernels (a Gluon kernel is kept only with its wgmma)"
        return None


BACKENDS = {"triton": TritonBackend(), "tilelang": TileLangBackend(), "gluon": GluonBackend()}


# ---------------------------------------------------------------- worker side
def build(task: dict) -> dict:
    """Build one candidate (runs in a worker process)."""
    if task["backend"] in ("triton", "gluon"):
        from dsagen.gen.aot import compile_task
        return compile_task(task)
    return build_tilelang(task)


def build_tilelang(task: dict) -> dict:
    """One TileLang candidate's kernels (e.g. a main and a combine kernel), tilelang's output in build.log."""
    t0 = time.time()
    metas = []
    staged = Path(task["staged"])
    staged.mkdir(parents=True, exist_ok=True)
    from dsagen.gen.tilelang_build import compile_kernel, output_to
    with output_to(staged / "build.log"):
        try:
            for k in task["kernels"]:
                out_dir = staged / k["subdir"] if k["subdir"] else staged
                meta = compile_kernel(k["template"], k["problem"], k["schedule"], arch=k["target"], out_dir=out_dir)
                metas.append(dict(meta, label=k["label"], subdir=k["subdir"]))
            return {"metas": metas, "error": None, "seconds": time.time() - t0}
        except Exception as e:  # noqa: BLE001 - a failed build is data, not a crash
            import traceback

            from dsagen.gen.aot import one_line
            traceback.print_exc()
            return {"metas": metas, "error": one_line(e), "seconds": time.time() - t0}


def discard(task: dict) -> None:
    if task.get("staged"):
        shutil.rmtree(task["staged"], ignore_errors=True)
