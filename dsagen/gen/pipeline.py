"""`tune`: one pipeline for every backend: plan -> build -> run -> record.

plan    for each operator, bucket and backend a Unit (dsagen.gen.backends): its full-size problem,
        the candidates left by the schedule space's constraints, ranked by the cost model, and
        its cache key (everything that determines the kernel). A unit whose key matches the
        manifest entry, with intact files and a passed check, is up to date: nothing is redone.
build   compile candidates anywhere (no GPU needed) in executor workers; a build that fails,
        spills, exceeds the arch's limits or loses its tensor-core MMAs is dropped.
run     on a device of the arch: verify every usable candidate against the oracle, then time it
        at the bucket's full-size problem (op.cases(problem, "cuda", "full")); the fastest that
        passes is kept. Without one: the cost model's pick is verified in the Triton interpreter
        (TileLang and Gluon kernels cannot run there and stay "compiled").
record  publish the kept kernel and its manifest entry atomically (dsagen.gen.records).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from dsagen.errors import UsageError
from dsagen.gen import cost, records
from dsagen.gen.backends import BACKENDS, build, discard
from dsagen.gen.executor import LocalExecutor
from dsagen.gen.progress import Progress
from dsagen.gen.render import sha256_file
from dsagen.operators import default_ops, get_op
from dsagen.operators.base import verify as verify_op
from dsagen.runtime import manifest
from dsagen.runtime.dispatch import backend_enabled  # DSAGEN_TILELANG=0 / DSAGEN_GLUON=0: no builds, no dispatch
from dsagen.spec.archs import get_arch

INTERPRETER_ENV = {"TRITON_INTERPRET": "1"}
COMPILER_ENV = {"TRITON_INTERPRET": None}


def gpu_matches(arch) -> str | None:
    """The GPU name when this process can run and time kernels for `arch`."""
    try:
        import torch

        from dsagen.runtime.targets import device_arch
        if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET", "0") in ("0", ""):
            if device_arch(torch.device("cuda")) == arch.name:
                return torch.cuda.get_device_name()
    except Exception:  # noqa: BLE001
        pass
    return None


def device_for(executor, arch) -> str | None:
    """Where runs of `arch` kernels go: a GPU name (local) or "ray:arch_<name>", else None."""
    if getattr(executor, "name", "local") == "ray":
        res = executor.ray.cluster_resources()
        return f"ray:arch_{arch.name}" if res.get(f"arch_{arch.name}", 0) > 0 else None
    return gpu_matches(arch)


# ---------------------------------------------------------------- plan
def plan(arch, spec, ops=None, log=print) -> list:
    """Every unit `tune` would produce for `arch` (checks every input; writes nothing)."""
    names = list(ops) if ops else default_ops()
    explicit = bool(ops)
    units = []
    for name in names:
        op = get_op(name)
        if not op.tunable:
            raise UsageError(f"--ops: {name} has no kernels of its own to tune")
        found = False
        for backend in BACKENDS.values():
            if backend.name != "triton" and not backend_enabled(backend.name):
                continue
            if not backend.applies(op, arch):
                continue
            found = True
            units += backend.units(op, arch, spec)
        if not found:
            if explicit:
                raise UsageError(f"--ops: {name}: no template under templates/{name}/ for {arch.name}")
            log(f"skip {name}: no template for {arch.name}")
    return units


def _verify_shapes(u, device: str) -> list:
    try:
        return [c.shapes for c in u.op.cases(dict(u.problem), device, "verify")]
    except Exception as e:  # noqa: BLE001 - the plan still shows the rest
        return [f"(cannot build verify inputs: {e})"]


def plan_records(units: list, gpu: str | None, data: dict) -> list:
    """What `tune --plan` shows: per unit the candidates with predicted times and the exact
    shapes verify and timing will use (timing at the bucket's full-size problem)."""
    out = []
    for u in units:
        if u.error:
            out.append({"op": u.op.name, "bucket": u.name, "backend": u.backend, "arch": u.arch.name,
                        "error": u.error})
            continue
        e = data["kernels"].get(manifest.entry_key(u.arch.name, u.op.name, u.name))
        up = bool(e and e.get("key") == u.key and _settled(e, u, gpu))
        top = [{"schedule": s, "predicted_us": None if est is None else round(est["time_s"] * 1e6, 3)}
               for est, s in u.ranked[:8]]
        out.append({
            "op": u.op.name, "bucket": u.name, "backend": u.backend, "arch": u.arch.name, "key": u.key,
            "up_to_date": up, "problem": dict(u.problem), "bucket_range": u.bucket,
            "candidates": len(u.kept), "dropped": u.dropped, "top": top,
            "verify_shapes": _verify_shapes(u, "cuda" if gpu else "cpu"),
            "verify_device": gpu or ("cpu-interpreter" if BACKENDS[u.backend].interpreted
                                     else f"none: {u.backend} kernels run only on a GPU"),
            "timed_problem": dict(u.problem), "timed_on": gpu,
        })
    return out


def _settled(e: dict, u, gpu) -> bool:
    """An entry with the unit's key whose check is done as far as this host can do it."""
    if manifest.check_entry(e) is not None:
        return False
    v = e.get("verification") or {}
    if gpu:
        return e["status"] in ("measured",) or (e["status"] == "verified-gpu" and not BACKENDS[u.backend].interpreted)
    if not BACKENDS[u.backend].interpreted:
        return True  # cannot run here: compiled is as far as it goes
    return v.get("passed") is True


# ---------------------------------------------------------------- run (worker side)
def run_task(task: dict) -> dict:
    """Verify (and time) one kernel whose files come with the task (runs in a worker, possibly on
    another host): {"passed", "max_error", "shapes", "where", "device_arch", "timing"}."""
    import torch

    import dsagen  # noqa: F401 - decides the interpreter before triton is imported
    from dsagen.operators import registry
    from dsagen.runtime import dispatch, targets
    from dsagen.runtime.triton_env import interpreter_on

    device = "cuda" if task["device"] == "cuda" else "cpu"
    if device == "cuda" and (interpreter_on() or not torch.cuda.is_available()):
        return {"passed": False, "error": "no CUDA device on this worker", "where": "none", "device_arch": "cpu"}
    if device == "cpu":
        where, dev_arch = "cpu-interpreter", "cpu"
    else:
        where, dev_arch = torch.cuda.get_device_name(), dispatch.device_arch(torch.device("cuda"))
    tmp = Path(tempfile.mkdtemp(prefix="dsagen-run-"))
    try:
        op = registry()[task["op"]]
        mods = []
        for i, kernel in enumerate(task["kernels"]):
            d = tmp / f"k{i}"
            for rel, blob in kernel["files"].items():
                (d / rel).parent.mkdir(parents=True, exist_ok=True)
                (d / rel).write_bytes(blob)
            if kernel["backend"] == "triton":
                mods.append(dispatch.load_module_from_file(d / "kernel.py", f"run_{op.name}"))
            elif kernel["backend"] == "gluon":
                mods.append(dispatch.gluon_entry_module(op, kernel["entry"], d / "kernel.py"))
            else:
                first = d / (kernel["entry"]["kernels"][0]["label"] if len(kernel["entry"]["kernels"]) > 1 else "")
                mods.append(dispatch.tilelang_entry_module(op, kernel["entry"], strict=True, kernel_dir=first))
        rec = {"where": where, "device_arch": dev_arch}
        if device == "cpu" and task.get("arch"):
            rec["code_path"] = task["arch"]  # the arch whose FP8 / tile paths the interpreter ran
        try:
            # in the interpreter, through the code paths of the kernel's own arch (e.g. gfx942's
            # fnuz FP8, sm80's integer FP8 decode); on a GPU its own
            with targets.emulating(task.get("arch") if device == "cpu" else None):
                r = verify_op(op, mods[0], dict(task["problem"]), device)
            rec.update(passed=bool(r["passed"]), max_error=float(r["max_error"]), shapes=str(r["shapes"]))
        except Exception as e:  # noqa: BLE001 - a kernel that crashes fails its own check only
            from dsagen.gen.aot import one_line
            rec.update(passed=False, error=one_line(e))
            return rec
        if rec["passed"] and device == "cuda" and task.get("time"):
            import datetime

            from dsagen.gen.timing import time_fn
            case = op.cases(dict(task["problem"]), "cuda", "full")[0]
            rec["timing"] = dict(time_fn(lambda: case.run(mods[0]), "cuda"), kind="full-size", device=where,
                                 date=datetime.date.today().isoformat(), shapes=case.shapes)
            if len(mods) > 1:  # the tuned Triton kernel of the same bucket, same inputs
                rec["baseline_us"] = time_fn(lambda: case.run(mods[1]), "cuda")["median_us"]
        return rec
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- tune
def tune(arch_name: str, spec, ops=None, jobs: int = 2, executor=None, log=print) -> dict:
    arch = get_arch(arch_name)
    executor = executor or LocalExecutor(jobs)
    t0 = time.time()
    units = plan(arch, spec, ops, log)  # every input checked before anything is written
    gpu = device_for(executor, arch)
    records.check_writable()  # a read-only cache fails here, before any compiling
    try:
        data = manifest.read_manifest()
    except manifest.CorruptManifest:
        data = manifest.empty()
    todo, rerun, summary = [], [], {"tuned": [], "failed": [], "skipped": 0, "no_toolchain": 0}
    for u in [u for u in units if u.error]:
        log(f"FAILED {u.label}: {u.error}")
        summary["failed"].append(u.label)
    units = [u for u in units if not u.error]
    for u in units:
        e = data["kernels"].get(manifest.entry_key(arch.name, u.op.name, u.name))
        if e and e.get("key") == u.key and manifest.check_entry(e) is None:
            if _settled(e, u, gpu):
                log(f"up to date: {u.label} ({u.backend}, {e['status']})")
                summary["skipped"] += 1
                if e.get("spec", {}).get("hash") != spec.hash:
                    records.update_fields(arch.name, u.op.name, u.name, u.key, {"spec": _spec_record(spec)})
                continue
            if e.get("verification") is None or gpu:
                log(f"resuming {u.label}: built earlier, its check still to do")
                rerun.append((u, e))
                continue
        todo.append(u)
    for u in todo:
        drop = ", ".join(f"{n} x {why}" for why, n in u.dropped.items())
        log(f"{u.label} [{u.backend}]: {len(u.space.candidates())} candidates, {len(u.kept)} after constraints"
            + (f" (dropped {drop})" if drop else ""))
    usable, skipped = _build(todo, arch, executor, gpu, log)
    picks = []
    for u in todo:
        cands = usable.get(u.label) or []
        if not cands and u.label in skipped:
            summary["no_toolchain"] += 1  # no TileLang toolchain here: said once, not a failure
            continue
        if not cands:
            why = ("no candidate passes the schedule constraints" if not u.kept
                   else f"none of the {len(u.built)} built candidates is usable")
            log(f"FAILED {u.label}: {why} on {arch.name}")
            summary["failed"].append(u.label)
            continue
        picks.append((u, cands))
    try:
        results = _run(picks, rerun, arch, executor, gpu, log)
        for (u, cands), res in zip(picks, results["new"]):
            _record_new(u, cands, res, arch, spec, gpu, summary, log)
        for (u, e), res in zip(rerun, results["rerun"]):
            got = records.record_result(arch.name, u.op.name, u.name, u.key, res)
            ok = bool(got) and res.get("passed") is True
            log(f"{u.label}: " + (f"verified on {res.get('where')}" if ok else
                                   f"VERIFY FAILED on {res.get('where')} ({res.get('error') or res.get('shapes')})"))
            (summary["tuned"] if ok else summary["failed"]).append(u.label)
    finally:  # builds not published (all of them when a write to the cache failed) leave no staging
        for u, cands in picks:
            for sched, r, task, staged in cands:
                discard(task)
                if staged is not None and Path(staged).exists():
                    shutil.rmtree(staged, ignore_errors=True)
        records.clean_own_staging()  # whatever path a build took, none of this run's staging outlives it
    if gpu:
        _compare_with_triton([u for u in units if not BACKENDS[u.backend].interpreted], arch, executor, gpu, log)
    if not gpu and picks:
        log(f"NOTE: nothing was timed: no {arch.name} GPU here. Picks come from the cost model (NOT measured); "
            f"run `tune` on a host with a GPU of this arch ({arch.gpu}), or `tune --executor ray` on a cluster with one.")
    summary["seconds"] = time.time() - t0
    return summary


def _spec_record(spec) -> dict:
    return {"name": spec.name, "hash": spec.hash}


def _build(units, arch, executor, gpu, log) -> tuple:
    """({unit label: [(schedule, result, task, staged)] usable builds, in the backend's order},
    {labels of units this host cannot build: no TileLang toolchain})."""
    usable: dict = {}
    skipped: set = set()
    pending = list(units)
    for rnd in range(max([BACKENDS[u.backend].rounds(bool(gpu)) for u in units], default=0)):
        tasks, owners = [], []
        for u in pending:
            b = BACKENDS[u.backend]
            if rnd >= b.rounds(bool(gpu)):
                continue
            for s in b.candidates(u, rnd, bool(gpu)):
                tasks.append(b.build_task(u, s))
                owners.append((u, s))
        if not tasks:
            break
        if any(t["backend"] == "tilelang" for t in tasks):
            from dsagen.gen.tilelang_build import unavailable
            why = unavailable()
            if why:
                skip = {u.label for u, _ in owners if u.backend == "tilelang"}
                skipped |= skip
                log(f"TileLang: skipped ({why}); nothing recorded for {', '.join(sorted(skip))}")
                for t in tasks:
                    if t["backend"] == "tilelang":
                        discard(t)
                keep = [i for i, t in enumerate(tasks) if t["backend"] != "tilelang"]
                tasks, owners = [tasks[i] for i in keep], [owners[i] for i in keep]
                pending = [u for u in pending if u.backend != "tilelang"]
                if not tasks:
                    break
        log(f"building {len(tasks)} candidate(s) for {arch.name} with {executor.name} workers")
        bar = Progress(len(tasks), "build")
        results = executor.map(build, tasks, env=COMPILER_ENV, progress=bar.step)
        for (u, s), t, r in zip(owners, tasks, results):
            u.built.append((s, r))
            why = BACKENDS[u.backend].why_unusable(u, r or {"error": "no result"})
            if why:
                log(f"  drop {u.label} {json.dumps(s, sort_keys=True)}: {why}")
                discard(t)
                continue
            usable.setdefault(u.label, []).append((s, r, t, None))
        pending = [u for u in pending if not usable.get(u.label)]
        if not pending:
            break
    for u in units:  # Triton: order the usable builds by the cost model with their real resources
        if u.backend == "triton" and usable.get(u.label):
            b = BACKENDS["triton"]
            scored = []
            for s, r, t, st in usable[u.label]:
                est = cost.estimate(u.op, u.problem, s, arch, None, b.resources(r))
                scored.append((est["time_s"], sum(1 for k, v in u.space.default.items() if s.get(k, v) != v),
                               json.dumps(s, sort_keys=True), (s, r, t, st)))
            for x in scored:  # over a per-SM limit with its real resources: not usable
                if x[0] == float("inf"):
                    discard(x[-1][2])
            scored = [x for x in scored if x[0] < float("inf")]
            usable[u.label] = [x[-1] for x in sorted(scored, key=lambda x: x[:3])]
    return usable, skipped


def _stage(u, sched, r, task) -> Path:
    b = BACKENDS[u.backend]
    staged = Path(task["staged"]) if task.get("staged") else records.staging_dir(label=u.name)
    task["_files"] = b.stage(u, sched, r, staged)
    return staged


def _kernel_payload(u, staged: Path, files: dict) -> dict:
    return {"backend": u.backend, "files": BACKENDS[u.backend].run_files(staged),
            "entry": {"name": u.name, "arch": u.arch.name, "op": u.op.name, **files}}


def _run(picks, rerun, arch, executor, gpu, log) -> dict:
    tasks, slots = [], []
    for i, (u, cands) in enumerate(picks):
        chosen = cands if gpu else cands[:1]
        if not BACKENDS[u.backend].interpreted and not gpu:
            chosen = []  # no interpreter for TileLang or Gluon: it stays compiled
        for j, (sched, r, task, _) in enumerate(cands):
            staged = _stage(u, sched, r, task)
            cands[j] = (sched, r, task, staged)
        for j in range(len(chosen)):
            sched, r, task, staged = cands[j]
            tasks.append(_run_task_for(u, _kernel_payload(u, staged, task["_files"]), gpu))
            slots.append(("new", i, j))
    for i, (u, e) in enumerate(rerun):
        kd = manifest.gen_dir() / Path(e["path"]).parent
        files = {k: e[k] for k in ("path", "lib", "source_sha256", "lib_sha256", "function", "kernels") if k in e}
        if not BACKENDS[u.backend].interpreted and not gpu:
            tasks.append(None)
        else:
            tasks.append(_run_task_for(u, _kernel_payload(u, kd, files), gpu))
        slots.append(("rerun", i, 0))
    real = [t for t in tasks if t is not None]
    if real:
        where = gpu or "the Triton interpreter (CPU)"
        log(f"verifying {len(real)} kernel(s) on {where}" + (" and timing them at full size" if gpu else ""))
        bar = Progress(len(real), "run")
        got = iter(executor.map(run_task, real, env=COMPILER_ENV if gpu else INTERPRETER_ENV, progress=bar.step))
    out = {"new": [[] for _ in picks], "rerun": [{} for _ in rerun]}
    for t, (kind, i, j) in zip(tasks, slots):
        r = next(got) if t is not None else {"passed": None, "where": "not-run", "device_arch": "none"}
        r = r or {"passed": False, "error": "no result"}
        if kind == "new":
            out["new"][i].append(r)
        else:
            out["rerun"][i] = r
    return out


def _run_task_for(u, payload: dict, gpu) -> dict:
    return {"op": u.op.name, "problem": dict(u.problem), "kernels": [payload], "device": "cuda" if gpu else "cpu",
            "time": bool(gpu), "needs_arch": u.arch.name if gpu else None, "arch": u.arch.name}


def _record_new(u, cands, runs, arch, spec, gpu, summary, log) -> None:
    b = BACKENDS[u.backend]
    idx = 0
    if gpu and runs:
        timed = [(r["timing"]["median_us"], j) for j, r in enumerate(runs)
                 if r.get("passed") is True and r.get("timing")]
        if not timed:
            log(f"FAILED {u.label}: no candidate passed verification on {gpu} "
                f"({runs[0].get('error') or runs[0].get('shapes')})")
            summary["failed"].append(u.label)
            return
        idx = min(timed)[1]
    sched, r, task, staged = cands[idx]
    res = runs[idx] if runs else {"passed": None, "where": "not-run", "device_arch": "none"}
    resources = b.resources(r)
    est = cost.estimate(u.op, u.problem, sched, arch, spec, resources if u.backend == "triton" else None)
    if gpu:
        note = f"fastest of {len(runs)} verified and timed on {gpu}"
    elif u.backend == "tilelang":
        note = (f"TileLang {u.target} build, NOT run here (registers/shared/spills from ptxas); dispatch keeps "
                "the Triton kernel until this one is verified on a GPU")
    elif u.backend == "gluon":
        note = (f"Gluon {u.target} build (the space's first usable schedule), NOT run here: Gluon has no "
                "interpreter; dispatch keeps the Triton kernel until this one is verified on a GPU")
    else:
        note = (f"chosen by cost model among {len(cands)} usable compiled candidates; NOT measured "
                f"(no {arch.name} GPU here)")
    entry = {
        "name": u.name, "op": u.op.name, "arch": arch.name, "backend": u.backend, "key": u.key,
        "spec": _spec_record(spec), "bucket": u.bucket, "problem": dict(u.problem), "schedule": sched,
        **task["_files"], "template_sha256": sha256_file(u.template),
        "toolchain": records.toolchain(), "resources": resources, "cost_model": est,
        "candidates": [{"schedule": s, "timing_us": (rr.get("timing") or {}).get("median_us"),
                        "passed": rr.get("passed")} for (s, *_), rr in zip(cands, runs)] if gpu else None,
        "verification": None, "timing": None, "timings": None, "status": "compiled", "note": note,
    }
    records.commit(entry, staged, log=log)
    if res.get("passed") is not None:
        entry = records.record_result(arch.name, u.op.name, u.name, u.key, res) or entry
    v = entry.get("verification") or {}
    if not b.interpreted and not gpu:
        verdict = "compiled, NOT run; Triton stays the dispatched kernel"
    elif v.get("passed") is True:
        verdict = f"verified on {v.get('where')}" if v.get("where") != "cpu-interpreter" else "verified in the interpreter"
    else:
        verdict = f"VERIFY FAILED ({v.get('error') or v.get('shapes')})"
    log(f"{u.label}: {json.dumps(sched, sort_keys=True)} regs {resources.get('registers')} "
        f"smem {resources.get('smem_bytes')} - {verdict}; {note}")
    ok = v.get("passed") is True or (not b.interpreted and not gpu)
    (summary["tuned"] if ok else summary["failed"]).append(u.label)
    cands[idx] = (sched, r, {}, None)  # published: nothing left to discard




def _compare_with_triton(units, arch, executor, gpu, log) -> None:
    """On a GPU of the arch: each TileLang or Gluon kernel against the tuned Triton kernel of every
    bucket it serves, on the same full-size inputs; dispatch runs it only where it was faster."""
    import datetime

    data = manifest.read_manifest()
    jobs = []
    for u in units:
        alt = data["kernels"].get(manifest.entry_key(arch.name, u.op.name, u.name))
        if not alt or alt.get("key") != u.key or alt["status"] not in ("verified-gpu", "measured"):
            continue
        struct = {k: v for k, v in u.problem.items() if k not in u.op.size_keys}
        tri = [e for e in data["kernels"].values() if e["op"] == u.op.name and e["arch"] == arch.name
               and e["backend"] == "triton" and all(e["problem"].get(k) == v for k, v in struct.items())]
        alt_payload = _kernel_payload(u, manifest.gen_dir() / Path(alt["path"]).parent,
                                      {k: alt[k] for k in ("path", "lib", "source_sha256", "lib_sha256", "function",
                                                          "kernels") if k in alt})
        for te in sorted(tri, key=lambda e: e["bucket"]["lo"]):
            tri_payload = {"backend": "triton", "files": {"kernel.py": (manifest.gen_dir() / te["path"]).read_bytes()},
                           "entry": te}
            jobs.append((u, alt, te, {"op": u.op.name, "problem": dict(te["problem"]), "device": "cuda", "time": True,
                                     "kernels": [alt_payload, tri_payload], "needs_arch": arch.name}))
    if not jobs:
        return
    log(f"timing {len(jobs)} TileLang / Gluon kernel(s) against the tuned Triton kernels on {gpu}")
    results = executor.map(run_task, [j[3] for j in jobs], env=COMPILER_ENV)
    rows: dict = {}
    for (u, alt, te, _), r in zip(jobs, results):
        if not (r and r.get("timing") and r.get("baseline_us")):
            log(f"  {u.op.name} {te['name']}: not timed ({(r or {}).get('error') or (r or {}).get('shapes')})")
            continue
        mine = f"{u.backend}_us"  # tilelang_us / gluon_us: what dispatch.faster_than_triton reads
        row = {"name": te["name"], "bucket": te["bucket"], "problem": te["problem"],
               mine: round(r["timing"]["median_us"], 3), "triton_us": round(r["baseline_us"], 3),
               "device": r["where"], "date": datetime.date.today().isoformat()}
        rows.setdefault(u.label, (u, []))[1].append(row)
        faster = u.backend if row[mine] < row["triton_us"] else "triton"
        log(f"  {u.op.name} {te['name']}: {u.backend} {row[mine]:.1f} us, Triton {row['triton_us']:.1f} us "
            f"-> {faster}")
    for u, rs in rows.values():
        records.update_fields(arch.name, u.op.name, u.name, u.key, {"timings": rs})
