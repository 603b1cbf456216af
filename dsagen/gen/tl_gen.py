"""TileLang kernels in `tune`: build templates/tilelang/<op>.py ahead of time (sm_90a, sm_100a).

For every operator `tune` covers that has a TileLang template, and only on an arch with a
TileLang target (sm90 -> sm_90a, sm100 -> sm_100a), the spec's buckets are mapped to the template's problem dict
(one kernel per distinct TileLang problem: the templates take the sequence sizes at run time,
so indexer_logits gives one kernel per (heads, head_dim)). Each kernel is compiled with
dsagen.tl_backend.build.compile_kernel in a spawned worker (tilelang is never imported in the
tune process) into generated/.staging-tilelang/<dir>, then renamed into
generated/<arch>/<op>/<op>_<tl problem>-tilelang/ and recorded in the manifest under the same
file lock as the Triton kernels (cache.commit_tree).

Honest status: a TileLang kernel is recorded "compiled" (never run here); dispatch keeps the
Triton kernel until the TileLang entry is "verified-gpu" or "measured" (on a matching GPU,
`tune` verifies it right after the build with the operator's VERIFY through the dispatch
adapter). Re-runs skip a kernel whose build_key (template sha256, TileLang problem, schedule
space, build.py sha256, tilelang and nvcc versions) is unchanged and whose files check out.

Schedules: schedules/<arch>/<op>.tilelang.toml (same format as the Triton spaces, backend =
"tilelang"; constraints may use the template's problem keys, the operator's structural problem
keys and the arch keys). Without a GPU nothing can be timed, so the template's default schedule
is built when it passes the constraints (else the first candidate that does); a candidate that
fails to compile, spills, exceeds the arch's limits or loses its tensor-core MMAs is followed by
the next, MAX_TRIES in all. On a GPU of the arch the first GPU_CANDIDATES are built, each is
verified and timed (time_staged), the fastest is kept (entry["search"] records them all), and
the kept kernel is timed against the tuned Triton kernel of each bucket (time_against_triton).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import multiprocessing
import os
import re
import shutil
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from dsagen.gen import cache
from dsagen.gen.registry import buckets, default_ops, get_op
from dsagen.gen.render import sha256_file
from dsagen.gen.space import load_space, prune, space_path
from dsagen.runtime import paths

BACKEND = "tilelang"
SUFFIX = "-tilelang"
TARGETS = {"sm90": "sm_90a", "sm100": "sm_100a"}  # dsagen arch -> TileLang/nvcc target
MAX_TRIES = 2                       # schedules tried per kernel when the first one is unusable
GPU_CANDIDATES = 4                  # schedules built and timed per kernel on a GPU of the arch
STAGING = ".staging-tilelang"

# The operator's problem dict (registry keys) -> the TileLang template's problem dict, for
# templates that do not define `problem_from_op(problem) -> dict` themselves. Operators in
# neither place get their structural keys (the size keys are run-time sizes in TileLang).
PROBLEM_MAP = {
    "indexer_logits": lambda p: {"h": int(p["heads"]), "d": int(p["head_dim"])},
}


# ---------------------------------------------------------------- discovery
def templates() -> list:
    """Operators with a TileLang template (templates/tilelang/<op>.py)."""
    d = paths.templates_dir() / BACKEND
    return sorted(p.stem for p in d.glob("*.py") if not p.name.startswith("_")) if d.is_dir() else []


def enabled() -> bool:
    """DSAGEN_TILELANG=0 (or off/no/false/never) turns TileLang off: no builds, no dispatch."""
    return os.environ.get("DSAGEN_TILELANG", "auto").strip().lower() not in ("0", "off", "no", "false", "never")


def unavailable() -> str | None:
    """Why TileLang kernels cannot be built here, or None (neither tilelang nor tvm is imported)."""
    if importlib.util.find_spec("tilelang") is None:
        return f"tilelang is not importable by {sys.executable} (pip install tilelang==0.1.15)"
    from dsagen.tl_backend.build import nvcc_path
    if nvcc_path() is None:
        return "nvcc not found (PATH, /usr/local/bin/nvcc, /usr/local/cuda/bin/nvcc or DSAGEN_NVCC)"
    return None


def load_template(op: str):
    """The template module (it imports without tilelang)."""
    from dsagen.tl_backend.build import load_template as _load
    return _load(op)


def problem_for(opdef, mod, problem: dict) -> dict | None:
    """The template's problem for an operator problem: the template's own
    `problem_from_op(problem) -> dict | None` (None: this problem is not covered, e.g. a bf16 cache
    for an fp8-only kernel), else PROBLEM_MAP, else the operator's structural keys."""
    hook = getattr(mod, "problem_from_op", None)
    if callable(hook):
        tp = hook(dict(problem))
        return None if tp is None else dict(tp)
    if opdef.name in PROBLEM_MAP:
        return PROBLEM_MAP[opdef.name](problem)
    return {k: v for k, v in problem.items() if k not in opdef.size_keys}


def kernel_name(opdef, problem: dict, tl_problem: dict, taken: set) -> str:
    """<op>_<structural name parts>-tilelang (e.g. indexer_logits_h64_d128-tilelang), made unique
    with a short hash of the TileLang problem when two kernels would share a name."""
    parts = [opdef.name] + [re.sub(r"[^A-Za-z0-9]", "", f"{prefix}{problem[k]}") for k, prefix in opdef.name_parts
                            if k in problem and k not in opdef.size_keys]
    name = "_".join(parts)
    if name + SUFFIX in taken:
        name += "_" + hashlib.sha256(json.dumps(tl_problem, sort_keys=True).encode()).hexdigest()[:8]
    return name + SUFFIX


# ---------------------------------------------------------------- plans
@dataclass
class TLPlan:
    op: object                      # OpDef
    name: str
    tl_problem: dict
    problem: dict                   # representative operator problem (largest sizes of its buckets)
    bucket: dict
    template: Path
    space: object
    kept: list
    dropped: dict
    tried: list = field(default_factory=list)   # (schedule, result)
    error: str | None = None                     # the template cannot be planned (does not load, ...)

    @property
    def key(self):
        return f"{self.op.name}/{self.name}"


def make_plans(arch, spec, ops=None, log=print) -> list:
    """TileLang plans for the operators `tune` covers (empty on an arch without a target).

    An operator is built with TileLang on `arch` when templates/tilelang/<op>.py exists AND
    schedules/<arch>/<op>.tilelang.toml does (the per-arch opt-in: a template still being written
    does not break `tune`); DSAGEN_TILELANG=0 turns the stage off.
    """
    if arch.name not in TARGETS or not enabled():
        return []
    names = list(ops) if ops else default_ops()
    have = set(templates())
    plans, taken = [], set()
    for name in names:
        if name not in have:
            continue
        if not space_path(arch.name, name, BACKEND).exists():
            log(f"TileLang: templates/tilelang/{name}.py not built for {arch.name}: no "
                f"schedules/{arch.name}/{name}.{BACKEND}.toml (add it to opt in)")
            continue
        op = get_op(name)
        tpl = paths.template_path(BACKEND, name)
        space = load_space(arch.name, name, tpl, backend=BACKEND)  # a bad schedule file is an input error
        groups: dict = {}
        try:  # a template that does not load (work in progress) fails its own kernels only
            mod = load_template(name)
            for b in buckets(op, spec):
                tp = problem_for(op, mod, b.problem)
                if tp is None:  # the template's problem_from_op says it does not cover this bucket
                    continue
                groups.setdefault(json.dumps(tp, sort_keys=True), (tp, []))[1].append(b)
        except Exception as e:  # noqa: BLE001
            from dsagen.gen.aot import one_line
            plans.append(TLPlan(op, name + SUFFIX, {}, {}, {}, tpl, space, [], {},
                                error=f"template {tpl.name}: {one_line(e)}"))
            continue
        for _, (tp, bs) in sorted(groups.items()):
            rep = dict(max(bs, key=lambda b: (b.hi, b.name)).problem)
            for k in op.size_keys:
                rep[k] = max(b.problem[k] for b in bs)
            struct = {k: v for k, v in rep.items() if k not in op.size_keys}
            env = {**struct, **tp}
            kept, dropped = prune(space, env, arch.keys())
            default = {k: v[0] for k, v in space.values.items()}
            default.update({k: v for k, v in mod.SCHEDULE.items() if k in space.values})
            kept.sort(key=lambda c: c != default)  # the template default first (stable otherwise)
            bucket = {"key": op.primary, "lo": min(b.lo for b in bs), "hi": max(b.hi for b in bs)}
            kname = kernel_name(op, rep, tp, taken)
            taken.add(kname)
            plans.append(TLPlan(op, kname, tp, rep, bucket, tpl, space, kept, dropped))
    return plans


# Bumped when the manifest entry gains fields, so re-runs rebuild entries that lack them.
ENTRY_FORMAT = 3


def build_key(plan, arch) -> str:
    from importlib import metadata

    from dsagen.tl_backend import build
    from dsagen.tl_backend.build import nvcc_version

    try:
        tl_ver = metadata.version("tilelang")
    except metadata.PackageNotFoundError:
        tl_ver = None
    text = json.dumps({"template_sha256": sha256_file(plan.template), "tl_problem": plan.tl_problem,
                       "target": TARGETS[arch.name], "space": plan.space.hash, "kept": plan.kept[:MAX_TRIES],
                       "build_py": sha256_file(build.__file__), "tilelang": tl_ver,
                       "nvcc": _cached_nvcc_version(nvcc_version), "entry_format": ENTRY_FORMAT}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


_NVCC: dict = {}


def _cached_nvcc_version(fn):
    if "v" not in _NVCC:
        _NVCC["v"] = fn()
    return _NVCC["v"]


# ---------------------------------------------------------------- compile workers
def compile_task(task: dict) -> dict:
    """One plan's builds in a worker (every kernel the template's aot_kernels lists, e.g. a main
    kernel and a combine kernel): {"metas": [dict], "error": str|None, "seconds": float}."""
    t0 = time.time()
    metas = []
    staged = Path(task["staged"])
    staged.mkdir(parents=True, exist_ok=True)
    with _output_to(staged / "build.log"):  # tilelang's INFO lines and lowering dumps stay out of tune's log
        try:
            from dsagen.tl_backend.build import compile_kernel
            for k in task["kernels"]:
                meta = compile_kernel(k["template"], k["problem"], k["schedule"], arch=k["target"],
                                      out_dir=k["out_dir"])
                metas.append(dict(meta, label=k["label"], subdir=k["subdir"]))
            return {"metas": metas, "error": None, "seconds": time.time() - t0}
        except Exception as e:  # noqa: BLE001 - a failed build is data, not a crash
            import traceback

            from dsagen.gen.aot import one_line
            traceback.print_exc()
            return {"metas": metas, "error": one_line(e), "seconds": time.time() - t0}


@contextlib.contextmanager
def _output_to(path: Path):
    """Send this process's stdout and stderr (file descriptors 1 and 2) to `path` meanwhile."""
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


def kernels_for(plan, schedule: dict, target: str, staged: Path) -> list:
    """The builds of one plan: the template's aot_kernels, each in its own directory when several."""
    specs = load_template(plan.op.name).aot_kernels(dict(plan.tl_problem), dict(schedule))
    out = []
    for i, k in enumerate(specs):
        label = str(k.get("problem", {}).get("part") or k.get("name") or f"k{i}")
        label = re.sub(r"[^A-Za-z0-9_]", "", label) or f"k{i}"
        sub = "" if len(specs) == 1 else label
        out.append({"template": k.get("template", plan.op.name), "problem": k.get("problem", plan.tl_problem),
                    "schedule": k.get("schedule", schedule), "target": k.get("arch", target), "label": label,
                    "subdir": sub, "out_dir": str(staged / sub) if sub else str(staged)})
    return out


def compile_all(tasks: list, jobs: int, progress=None) -> list:
    """Build every task in `jobs` spawned workers (tilelang stays out of this process)."""
    results = [None] * len(tasks)
    if not tasks:
        return results
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=ctx) as pool:
        futs = {pool.submit(compile_task, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futs):
            i = futs[f]
            try:
                results[i] = f.result()
            except Exception as e:  # noqa: BLE001 - a dead worker fails its task only
                results[i] = {"metas": [], "error": f"worker died: {e}", "seconds": 0.0}
            if progress is not None:
                progress.step()
    return results


def usable(arch, metas: list) -> str | None:
    """Why a plan's built TileLang kernels are not recorded, or None."""
    for meta in metas:
        where = f"{meta.get('label')}: " if len(metas) > 1 else ""
        if meta.get("registers") is None:
            return f"{where}no register count from ptxas"
        if meta["spill_bytes"] > 0:
            return f"{where}spills {meta['spill_bytes']} bytes"
        if meta["shared_bytes"] > arch.smem_per_block:
            return f"{where}shared memory {meta['shared_bytes']} > {arch.smem_per_block}"
        if meta["registers"] > 255:
            return f"{where}{meta['registers']} registers"
        if meta.get("tensor_cores_kept") is False:
            n = (meta.get("wgmma_in_ptx") or 0) + (meta.get("tcgen05_in_ptx") or 0)
            return (f"{where}ptxas kept {meta['gmma_in_sass']} of the {n} tensor-core MMAs in the PTX "
                    "(their results are dead: the kernel would compute nothing)")
    return None if metas else "nothing was built"


# ---------------------------------------------------------------- staging
def _staging(root: Path) -> Path:
    d = root / STAGING
    d.mkdir(parents=True, exist_ok=True)
    return d


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_staging(root: Path) -> None:
    """Remove staged builds left by killed tunes (their directory names carry the writer's pid)."""
    d = root / STAGING
    if not d.is_dir():
        return
    for child in d.iterdir():
        m = re.search(r"\.p(\d+)\.", child.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(child, ignore_errors=True)


def entry_for(plan, arch, spec, metas: list, staged: Path, key: str, seconds: float) -> dict:
    """The manifest entry. `path`/`lib` (and source_sha256/lib_sha256) name the first kernel;
    `kernels` lists every kernel of the plan with its own files, hashes and resources."""
    rel = f"{arch.name}/{plan.op.name}/{plan.name}"
    tc = cache.toolchain()
    tc.update(tilelang=metas[0].get("tilelang_version"), nvcc=metas[0].get("nvcc_version"))
    kernels = []
    for m in metas:
        d = f"{rel}/{m['subdir']}" if m["subdir"] else rel
        sd = staged / m["subdir"] if m["subdir"] else staged
        kernels.append({
            "label": m["label"], "path": f"{d}/kernel.cu", "lib": f"{d}/kernel.so",
            "source_sha256": m["source_sha256"], "lib_sha256": sha256_file(sd / "kernel.so"),
            "function": m.get("function"), "params": m.get("params"), "problem": m.get("problem"),
            "registers": m["registers"], "smem_bytes": m["shared_bytes"], "spill_bytes": m["spill_bytes"],
            "dynamic_smem_bytes": m.get("dynamic_smem_bytes"), "static_smem_bytes": m.get("static_smem_bytes"),
            "wgmma_in_ptx": m.get("wgmma_in_ptx"), "mma_sync_in_ptx": m.get("mma_sync_in_ptx"),
            "tcgen05_in_ptx": m.get("tcgen05_in_ptx"), "gmma_in_sass": m.get("gmma_in_sass"),
            "gmma_shapes": m.get("gmma_shapes")})
    first = kernels[0]
    return {
        "name": plan.name, "op": plan.op.name, "arch": arch.name, "backend": BACKEND,
        "target": TARGETS[arch.name], "spec": {"name": spec.name, "hash": spec.hash}, "bucket": plan.bucket,
        "problem": plan.problem, "tl_problem": plan.tl_problem, "schedule": metas[0]["schedule"],
        "dir": rel, "path": first["path"], "lib": first["lib"], "source_sha256": first["source_sha256"],
        "lib_sha256": first["lib_sha256"], "function": first["function"], "kernels": kernels,
        "template_sha256": sha256_file(plan.template), "build_key": key, "toolchain": tc,
        "resources": {"registers": max(k["registers"] for k in kernels),
                      "smem_bytes": max(k["smem_bytes"] for k in kernels),
                      "spill_bytes": sum(k["spill_bytes"] for k in kernels),
                      "wgmma_in_ptx": sum(k["wgmma_in_ptx"] or 0 for k in kernels),
                      "mma_sync_in_ptx": sum(k["mma_sync_in_ptx"] or 0 for k in kernels),
                      "tcgen05_in_ptx": sum(k["tcgen05_in_ptx"] or 0 for k in kernels),
                      "gmma_in_sass": None if any(k["gmma_in_sass"] is None for k in kernels)
                      else sum(k["gmma_in_sass"] for k in kernels)},
        "compile_seconds": round(seconds, 2), "cost_model": None, "verification": None, "timings": None,
        "status": "compiled",
        "note": (f"TileLang {TARGETS[arch.name]} build, NOT run here (registers/shared/spills from ptxas); "
                 "dispatch keeps the Triton kernel until this one is verified on a GPU"),
    }


# ---------------------------------------------------------------- the tune stage
def run(plans: list, arch, spec, jobs: int = 2, log=print, gpu: str | None = None) -> dict:
    """Build the TileLang plans; returns {"compiled", "up_to_date", "failed", "skipped"}."""
    summary = {"compiled": [], "up_to_date": [], "failed": [], "skipped": None}
    if not plans:
        return summary
    why = unavailable()
    if why:
        log(f"TileLang: skipped ({why}); nothing recorded for {', '.join(sorted({p.op.name for p in plans}))}")
        summary["skipped"] = why
        return summary
    root = cache.gen_dir()
    try:
        data = cache.read_manifest(root)
    except cache.CorruptManifest:
        data = {"kernels": {}}
    todo = []
    for p in plans:
        if p.error:
            log(f"FAILED {p.key}: {p.error}")
            summary["failed"].append(p.key)
            continue
        key = build_key(p, arch)
        e = data["kernels"].get(cache.entry_key(arch.name, p.op.name, p.name))
        if e and e.get("build_key") == key and cache.check_entry(e, root) is None:
            log(f"up to date: {p.key} (TileLang, {e.get('status')})")
            summary["up_to_date"].append(p.key)
            if gpu and e.get("status") == "compiled":  # built on a GPU-less host: verify and time it here
                if verify_on_gpu(e, gpu, log)["passed"]:
                    time_against_triton(e, gpu, log)
            continue
        if not p.kept:
            log(f"FAILED {p.key}: no TileLang schedule passes the constraints of {p.space.source}")
            summary["failed"].append(p.key)
            continue
        todo.append((p, key))
    if not todo:
        return summary
    clean_stale_staging(root)
    staging = _staging(root)
    pending = todo
    for rnd in range(1 if gpu else MAX_TRIES):
        # Without a GPU one schedule per round (the template default first, the next one only if
        # it fails); on a GPU the first GPU_CANDIDATES at once, timed, the fastest kept.
        batch = [(p, key) for p, key in pending if rnd < len(p.kept)]
        if not batch:
            break
        tasks, owner = [], []
        for p, key in batch:
            for sched in (p.kept[:GPU_CANDIDATES] if gpu else [p.kept[rnd]]):
                out = staging / f"{p.name}.p{os.getpid()}.{uuid.uuid4().hex[:8]}"
                tasks.append({"staged": str(out), "schedule": sched,
                              "kernels": kernels_for(p, sched, TARGETS[arch.name], out)})
                owner.append((p, key))
        n = sum(len(t["kernels"]) for t in tasks)
        log(f"TileLang: building {n} kernel(s) for {TARGETS[arch.name]} with {min(jobs, len(tasks))} "
            f"worker(s) (~10 s each cold)")
        from dsagen.gen.progress import Progress
        results = compile_all(tasks, jobs, Progress(len(tasks), "tilelang"))
        pending = []
        for p, key in batch:
            good = []
            for (q, _), t, r in zip(owner, tasks, results):
                if q is not p:
                    continue
                staged = Path(t["staged"])
                why = r["error"] or usable(arch, r["metas"])
                if why:
                    kept_log = staging / f"{p.name}.failed.log"  # the build's full output, for the reader
                    if (staged / "build.log").exists():
                        shutil.copyfile(staged / "build.log", kept_log)
                    shutil.rmtree(staged, ignore_errors=True)
                    p.tried.append((t["schedule"], why))
                    log(f"  drop {p.key} {json.dumps(t['schedule'], sort_keys=True)}: {why}"
                        + (f" (log: {kept_log})" if kept_log.exists() else ""))
                    continue
                for m in r["metas"]:  # lib_path relative: the tree may be moved or shipped
                    kd = staged / m["subdir"] if m["subdir"] else staged
                    meta = {k: v for k, v in m.items() if k not in ("label", "subdir")}
                    (kd / "meta.json").write_text(json.dumps(dict(meta, lib_path="kernel.so"), indent=1,
                                                             default=str))
                good.append((t, r))
            if not good:
                pending.append((p, key))
                continue
            search = None
            if gpu and len(good) > 1:
                search = []
                for t, r in good:
                    us = time_staged(p, Path(t["staged"]), r["metas"])
                    search.append({"schedule": t["schedule"], "median_us": us})
                    log(f"  {p.key} {json.dumps(t['schedule'], sort_keys=True)}: "
                        + (f"{us:.1f} us" if us is not None else "failed verification"))
                timed = [(us["median_us"], i) for i, us in enumerate(search) if us["median_us"] is not None]
                best = min(timed)[1] if timed else 0
                for i, (t, _) in enumerate(good):
                    if i != best:
                        shutil.rmtree(t["staged"], ignore_errors=True)
                good = [good[best]]
            t, r = good[0]
            staged = Path(t["staged"])
            e = entry_for(p, arch, spec, r["metas"], staged, key, r["seconds"])
            if search is not None:
                e["search"] = {"device": gpu, "candidates": search}
            cache.commit_tree(e, staged, root)
            res = e["resources"]
            log(f"{p.key}: {json.dumps(e['schedule'], sort_keys=True)} regs {res['registers']} smem "
                f"{res['smem_bytes']} spills {res['spill_bytes']} tensor-core MMAs: PTX "
                f"{res['wgmma_in_ptx'] + res['tcgen05_in_ptx']}, SASS "
                f"{res['gmma_in_sass'] if res['gmma_in_sass'] is not None else '?'} "
                f"({r['seconds']:.0f}s) - compiled" + ("" if gpu else ", NOT run; Triton stays the dispatched kernel"))
            summary["compiled"].append(p.key)
            if gpu and verify_on_gpu(e, gpu, log)["passed"]:
                time_against_triton(e, gpu, log)
    for p, _ in pending:
        log(f"FAILED {p.key}: none of the {len(p.tried)} TileLang schedule(s) tried built cleanly")
        summary["failed"].append(p.key)
    return summary


def verify_on_gpu(entry: dict, gpu: str, log=print) -> dict:
    """On a GPU of the kernel's arch: the operator's VERIFY through the dispatch adapter (TileLang
    only, no Triton fallback); status becomes verified-gpu when it passes."""
    import importlib

    from dsagen.gen.registry import registry
    from dsagen.runtime.dispatch import tilelang_entry_module

    try:
        mod = tilelang_entry_module(entry, strict=True)
        ops = importlib.import_module(registry()[entry["op"]].ops_module)
        r = ops.VERIFY[entry["op"]](mod, dict(entry["problem"]), "cuda")
        v = {"max_error": float(r["max_error"]), "passed": bool(r["passed"]), "shapes": str(r["shapes"]), "where": gpu}
    except Exception as e:  # noqa: BLE001
        from dsagen.gen.aot import one_line
        v = {"passed": False, "error": one_line(e), "where": gpu}
    status = "verified-gpu" if v["passed"] else "compiled"
    cache.update_entry(entry["arch"], entry["op"], entry["name"], {"verification": v, "status": status})
    log(f"{entry['op']}/{entry['name']}: " + (f"verified on {gpu} (max_error {v['max_error']})" if v["passed"]
                                             else f"VERIFY FAILED on {gpu}: {v.get('error') or v.get('shapes')}"))
    return v


def time_staged(plan, staged: Path, metas: list) -> float | None:
    """On a GPU: the operator's VERIFY, then the median time of its launch, for one staged
    (not yet committed) TileLang build; None when it fails verification."""
    import importlib

    from dsagen.gen.bundle import measure_candidate
    from dsagen.runtime import dispatch

    stub = {"name": plan.name, "op": plan.op.name, "tl_problem": plan.tl_problem, "schedule": metas[0]["schedule"],
            "kernels": [{"label": m["label"], "path": (f"{m['subdir']}/" if m["subdir"] else "") + "kernel.cu",
                         "function": m.get("function")} for m in metas]}
    first = staged / metas[0]["subdir"] if metas[0]["subdir"] else staged
    mod = dispatch.TileLangModule(plan.op.name, stub, dispatch._load_tl_kernel(first, stub), strict=True)
    ops = importlib.import_module(plan.op.ops_module)
    try:
        r = measure_candidate(mod, ops, plan.op.name, dict(plan.problem), "cuda")
    except Exception:  # noqa: BLE001 - a candidate that crashes is not picked
        return None
    return r["timing"]["median_us"] if r["verification"]["passed"] and r["timing"] else None


def time_against_triton(entry: dict, gpu: str, log=print) -> list:
    """On a GPU of the kernel's arch, after verify_on_gpu passed: time the TileLang kernel and
    the tuned Triton kernel of every bucket it serves, in one process, on the same inputs
    (each operator's VERIFY then its `bench` at full size, or the verify call replayed).

    Records entry["timings"] = [{name, bucket, problem, tilelang_us, triton_us, device, date}]
    and status "measured"; dispatch then runs the TileLang kernel only for buckets where it was
    faster (dsagen.runtime.dispatch.tilelang_faster).
    """
    import datetime
    import importlib

    from dsagen.gen.bundle import measure_candidate
    from dsagen.gen.registry import registry
    from dsagen.runtime.dispatch import load_module_from_file, tilelang_entry_module

    op = entry["op"]
    opdef = registry()[op]
    ops = importlib.import_module(opdef.ops_module)
    root = cache.gen_dir()
    data = cache.read_manifest(root)
    struct = {k: v for k, v in entry["problem"].items() if k not in opdef.size_keys}
    tri = [e for e in data["kernels"].values() if e["op"] == op and e["arch"] == entry["arch"]
           and cache.backend_of(e) != BACKEND and all(e["problem"].get(k) == v for k, v in struct.items())]
    rows = []
    tl_mod = tilelang_entry_module(entry, strict=True)
    for te in sorted(tri, key=lambda e: e["bucket"]["lo"]):
        problem = dict(te["problem"])
        t_tl = measure_candidate(tl_mod, ops, op, problem, "cuda")
        t_tr = measure_candidate(load_module_from_file(root / te["path"], f"{te['arch']}_{op}"), ops, op, problem,
                                 "cuda")
        if not (t_tl["timing"] and t_tr["timing"]):
            log(f"  {op} {te['name']}: not timed (TileLang {t_tl['verification']}, Triton {t_tr['verification']})")
            continue
        row = {"name": te["name"], "bucket": te["bucket"], "problem": problem,
               "tilelang_us": round(t_tl["timing"]["median_us"], 3), "triton_us": round(t_tr["timing"]["median_us"], 3),
               "kind": t_tl["timing"].get("kind"), "device": gpu, "date": datetime.date.today().isoformat()}
        rows.append(row)
        faster = "TileLang" if row["tilelang_us"] < row["triton_us"] else "Triton"
        log(f"  {op} {te['name']}: TileLang {row['tilelang_us']:.1f} us, Triton {row['triton_us']:.1f} us "
            f"-> {faster} ({row['triton_us'] / max(row['tilelang_us'], 1e-9):.2f}x)")
    if rows:
        cache.update_entry(entry["arch"], op, entry["name"], {"timings": rows, "status": "measured"})
    return rows
