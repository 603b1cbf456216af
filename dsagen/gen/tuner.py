"""`tune`: prune, rank, compile ahead of time, pick, emit, verify; resumable per (op, bucket).

Without a GPU of the target arch the pick is the cost model's, among candidates that compiled
without spills within the arch's limits; the chosen kernel is verified in the Triton
interpreter and recorded as NOT measured. With one (torch.cuda capability matches) the
candidates are timed with CUDA events and the fastest that passes verify is kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filelock import FileLock

from dsagen.errors import UsageError
from dsagen.gen import aot, cache, cost, tl_gen
from dsagen.gen.progress import Progress
from dsagen.gen.registry import buckets, default_ops, get_op
from dsagen.gen.render import render, sha256_file, sha256_text
from dsagen.gen.space import load_space, prune
from dsagen.runtime import paths
from dsagen.spec.archs import get_arch

TOP_N = 4        # candidates compiled per (op, bucket) and round
MAX_ROUNDS = 3   # when every compiled candidate spills or fails, compile the next TOP_N
TUNED = "tuned.json"
VERIFY_TIMEOUT_S = 1800


# ---------------------------------------------------------------- tuned.json (progress + results)
def tuned_path(arch: str) -> Path:
    return paths.schedules_dir() / arch / TUNED


def read_tuned(arch: str) -> dict:
    p = tuned_path(arch)
    try:
        data = json.loads(p.read_text())
        if isinstance(data, dict) and isinstance(data.get("entries"), dict):
            return data
    except (OSError, json.JSONDecodeError):
        pass
    return {"format": 1, "arch": arch, "entries": {}}


def save_tuned_entry(arch: str, key: str, entry: dict) -> None:
    p = tuned_path(arch)
    p.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(p.parent / ".tuned.lock"), timeout=600):
        data = read_tuned(arch)
        data["entries"][key] = entry
        data["entries"] = {k: data["entries"][k] for k in sorted(data["entries"])}
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tuned.")
        with os.fdopen(fd, "w") as f:
            f.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, p)


# ---------------------------------------------------------------- planning
class Plan:
    def __init__(self, op, bucket, space, template, kept, dropped, ranked):
        self.op, self.bucket, self.space, self.template = op, bucket, space, template
        self.kept, self.dropped, self.ranked = kept, dropped, ranked
        self.top = []
        self.results = []

    def next_batch(self) -> list:
        """The next TOP_N candidates by cost model not yet compiled."""
        start = len(self.top)
        batch = [c for _, c in self.ranked[start:start + TOP_N]]
        self.top.extend(batch)
        return batch

    @property
    def key(self):
        return f"{self.op.name}/{self.bucket.name}"


def gpu_matches(arch) -> str | None:
    """The GPU name when this process can time kernels for `arch`."""
    try:
        import torch
        if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET", "0") in ("0", ""):
            if tuple(torch.cuda.get_device_capability()) == (arch.cc // 10, arch.cc % 10):
                return torch.cuda.get_device_name()
    except Exception:  # noqa: BLE001
        pass
    return None


def make_plans(arch, spec, ops, log) -> list:
    names = list(ops) if ops else default_ops()
    explicit = bool(ops)
    plans = []
    for name in names:
        op = get_op(name)
        tpl = op.template_path()
        if not tpl.exists():
            if explicit:
                raise UsageError(f"--ops: {name}: template {tpl} does not exist")
            log(f"skip {name}: no template at {tpl}")
            continue
        space = load_space(arch.name, name, tpl)
        for b in buckets(op, spec):
            kept, dropped = prune(space, b.problem, arch.keys())
            ranked = cost.rank(op, b.problem, kept, arch, spec)
            plans.append(Plan(op, b, space, tpl, kept, dropped, ranked))
    return plans


def _resume_state(plan, arch, tuned):
    """"done" (nothing to do), "verify" (emitted, verification interrupted) or None (tune it)."""
    t = tuned["entries"].get(plan.key)
    if not t or t.get("status") not in cache.STATUSES:
        return None
    if (t.get("template_sha256") != sha256_file(plan.template) or t.get("space_hash") != plan.space.hash
            or t.get("toolchain", {}).get("triton") != cache.toolchain()["triton"]):
        return None
    try:
        data = cache.read_manifest()
    except cache.CorruptManifest:
        return None
    e = data["kernels"].get(cache.entry_key(arch.name, plan.op.name, plan.bucket.name))
    if not e or e.get("schedule") != t.get("schedule") or cache.check_entry(e) is not None:
        return None
    v = t.get("verification")
    if not v:
        return "verify"
    return "done" if v.get("passed") else None


def _save_progress(arch, p, e) -> None:
    save_tuned_entry(arch.name, p.key, {
        "op": p.op.name, "bucket": e["bucket"], "name": e["name"], "schedule": e["schedule"],
        "status": e["status"], "spec": e["spec"], "template_sha256": e["template_sha256"],
        "space_hash": p.space.hash, "toolchain": e["toolchain"], "resources": {
            k: e["resources"][k] for k in ("registers", "smem_bytes", "spill_bytes")},
        "cost_model_us": round(e["cost_model"]["time_s"] * 1e6, 3), "measured": e["status"] == "measured",
        "verification": e["verification"], "timings": e["timings"]})


def render_candidate(plan, arch, spec, schedule) -> str:
    return render(plan.template, op=plan.op.name, arch=arch.name, spec_name=spec.name, spec_hash=spec.hash,
                  bucket=plan.bucket.record(), problem=plan.bucket.problem, schedule=schedule, name=plan.bucket.name)


def usable(arch, res: dict) -> str | None:
    """Why a compiled candidate is dropped, or None."""
    if res.get("error"):
        return f"compile failed: {res['error']}"
    s = aot.summarize(res)
    if s["spill_bytes"] > 0:
        return f"spills {s['spill_bytes']} bytes"
    if s["smem_bytes"] > arch.smem_per_block:
        return f"shared memory {s['smem_bytes']} > {arch.smem_per_block}"
    if s["registers"] > 255:
        return f"{s['registers']} registers"
    return None


def compile_plans(plans, arch, jobs, log) -> None:
    tasks, owners = [], []
    for p in plans:
        for c in p.next_batch():
            tasks.append({"template": str(p.template), "problem": p.bucket.problem, "schedule": c, "cc": arch.cc})
            owners.append(p)
    if not tasks:
        return
    log(f"compiling {len(tasks)} candidates for {arch.name} (cc {arch.cc}) with {jobs} workers")
    bar = Progress(len(tasks), "compile")
    results = aot.compile_all(tasks, jobs, bar)
    for t, p, r in zip(tasks, owners, results):
        p.results.append((t["schedule"], r))


def choose(plan, arch, spec):
    """(schedule, resources, estimate, dropped reasons) of the best usable candidate."""
    reasons, ok = [], []
    for sched, res in plan.results:
        why = usable(arch, res)
        if why:
            reasons.append(f"{json.dumps(sched, sort_keys=True)}: {why}")
            continue
        s = aot.summarize(res)
        est = cost.estimate(plan.op, plan.bucket.problem, sched, arch, spec, s)
        if est["occupancy"] == 0:
            reasons.append(f"{json.dumps(sched, sort_keys=True)}: does not fit on an SM")
            continue
        ok.append((est["time_s"], json.dumps(sched, sort_keys=True), sched, s, est))
    ok.sort(key=lambda t: (t[0], t[1]))
    return ok, reasons


def run_verify(items: list, log) -> list:
    """Verify emitted kernels in a TRITON_INTERPRET=1 subprocess; one record per item."""
    if not items:
        return []
    with tempfile.TemporaryDirectory(prefix="dsagen-verify-") as d:
        src, dst = Path(d) / "in.json", Path(d) / "out.json"
        src.write_text(json.dumps(items))
        env = dict(os.environ, TRITON_INTERPRET="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(paths._PACKAGE_ROOT), env.get("PYTHONPATH")]))
        log(f"verifying {len(items)} kernel(s) in the Triton interpreter (CPU)")
        try:
            r = subprocess.run([sys.executable, "-m", "dsagen.gen.verify_worker", str(src), str(dst)], env=env,
                               capture_output=True, text=True, timeout=VERIFY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return [{"passed": False, "error": f"verify worker timed out after {VERIFY_TIMEOUT_S}s",
                     "where": "cpu-interpreter"} for _ in items]
        if r.returncode != 0 or not dst.exists():
            tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
            return [{"passed": False, "error": f"verify worker failed: {tail[0]}", "where": "cpu-interpreter"}
                    for _ in items]
        return json.loads(dst.read_text())


def entry_for(plan, arch, spec, schedule, source, resources, est, status, verification=None, timings=None,
              note="") -> dict:
    return {
        "name": plan.bucket.name, "op": plan.op.name, "arch": arch.name, "backend": plan.op.backend,
        "spec": {"name": spec.name, "hash": spec.hash}, "bucket": plan.bucket.record(),
        "problem": plan.bucket.problem, "schedule": schedule,
        "path": cache.kernel_relpath(arch.name, plan.op.name, plan.bucket.name),
        "source_sha256": sha256_text(source), "template_sha256": sha256_file(plan.template),
        "toolchain": cache.toolchain(), "resources": resources, "cost_model": est,
        "verification": verification, "timings": timings, "status": status, "note": note,
    }


def tune(arch_name: str, spec, ops=None, jobs: int = 2, build_only=None, log=print) -> dict:
    arch = get_arch(arch_name)
    if jobs < 1:
        raise UsageError(f"--jobs: must be at least 1, got {jobs}")
    t0 = time.time()
    plans = make_plans(arch, spec, ops, log)  # every input checked before anything is written
    tl_plans = tl_gen.make_plans(arch, spec, ops, log) if build_only is None else []
    tuned = read_tuned(arch.name)
    todo, reverify = [], []
    if build_only is None:
        for p in plans:
            state = _resume_state(p, arch, tuned)
            if state == "done":
                log(f"up to date: {p.key} (schedules/{arch.name}/{TUNED})")
            elif state == "verify":
                log(f"resuming {p.key}: emitted earlier, verification still to do")
                reverify.append(p)
            else:
                todo.append(p)
    else:
        todo = plans
    for p in todo:
        drop = ", ".join(f"{n} x {why}" for why, n in p.dropped.items())
        log(f"{p.key}: {len(p.space.candidates())} candidates, {len(p.kept)} after constraints"
            + (f" (dropped {drop})" if drop else "") + f"; compiling the top {min(TOP_N, len(p.kept))} by cost model")
    compile_plans(todo, arch, jobs, log)
    for rnd in range(1, MAX_ROUNDS):
        retry = [p for p in todo if not choose(p, arch, spec)[0] and len(p.top) < len(p.ranked)]
        if not retry:
            break
        log(f"round {rnd + 1}: no clean candidate yet for {', '.join(p.key for p in retry)}; compiling the next {TOP_N}")
        compile_plans(retry, arch, jobs, log)
    if build_only is not None:
        from dsagen.gen.bundle import build_bundle
        out = build_bundle(Path(build_only), todo, arch, spec, log)
        return {"bundle": str(out), "plans": len(todo), "seconds": time.time() - t0}
    gpu = gpu_matches(arch)
    summary = {"tuned": [], "failed": [], "skipped": len(plans) - len(todo) - len(reverify)}
    chosen = []
    for p in reverify:
        e = dict(cache.read_manifest()["kernels"][cache.entry_key(arch.name, p.op.name, p.bucket.name)])
        if e["status"] == "verified-cpu":
            e["status"] = "compiled"
        e["verification"] = None
        chosen.append((p, e))
    for p in todo:
        ok, reasons = choose(p, arch, spec)
        for r in reasons:
            log(f"  drop {p.key} {r}")
        if not ok:
            why = ("no candidate passes the schedule constraints" if not p.kept
                   else f"none of the {len(p.top)} compiled candidates is free of spills and within limits")
            log(f"FAILED {p.key}: {why} on {arch.name}")
            summary["failed"].append(p.key)
            continue
        if gpu:
            from dsagen.gen.bundle import measure_plan
            pick = measure_plan(p, arch, spec, ok, log)
            if pick is None:
                summary["failed"].append(p.key)
                continue
            sched, res, est, verification, timings = pick
            status, note = "measured", f"fastest of {len(ok)} measured on {gpu}"
        else:
            _, _, sched, res, est = ok[0]
            verification, timings = None, None
            status = "compiled"
            note = (f"chosen by cost model among {len(ok)} compiled candidates; NOT measured "
                    f"(no {arch.name} GPU here)")
        source = render_candidate(p, arch, spec, sched)
        entry = entry_for(p, arch, spec, sched, source, res, est, status, verification, timings, note)
        cache.commit_kernel(entry, source)
        _save_progress(arch, p, entry)  # progress per (op, bucket): an interrupted tune resumes here
        chosen.append((p, entry))
    to_verify = [(p, e) for p, e in chosen if not e.get("verification")]
    if to_verify:
        items = [{"op": p.op.name, "path": str(cache.gen_dir() / e["path"]), "problem": e["problem"],
                  "ops_module": p.op.ops_module} for p, e in to_verify]
        for (p, e), v in zip(to_verify, run_verify(items, log)):
            e["verification"] = v
            if v.get("passed") and e["status"] == "compiled":
                e["status"] = "verified-cpu"
            cache.update_entry(arch.name, p.op.name, e["name"], {"verification": v, "status": e["status"]})
            _save_progress(arch, p, e)
    for p, e in chosen:
        v = e["verification"] or {}
        verdict = ("verified in the interpreter" if v.get("passed") and v.get("where") == "cpu-interpreter"
                   else f"verified on {v.get('where')}" if v.get("passed")
                   else f"VERIFY FAILED ({v.get('error') or v.get('shapes')})")
        log(f"{p.key}: {json.dumps(e['schedule'], sort_keys=True)} regs {e['resources']['registers']} "
            f"smem {e['resources']['smem_bytes']} - {verdict}; {e['note']}")
        (summary["tuned"] if v.get("passed") else summary["failed"]).append(p.key)
    tl = tl_gen.run(tl_plans, arch, spec, jobs, log, gpu)  # TileLang builds (sm90), after the Triton picks
    summary["tilelang"] = tl
    summary["failed"] += tl["failed"]
    if tl["compiled"] or tl["up_to_date"]:
        log(f"TileLang {arch.name}: {len(tl['compiled'])} built, {len(tl['up_to_date'])} up to date, "
            f"{len(tl['failed'])} failed (dispatch uses a TileLang kernel only once it is verified on a GPU)")
    if not gpu and chosen:
        log(f"NOTE: nothing was timed: no {arch.name} GPU here. Picks come from the cost model; "
            f"run `tune --build-only DIR` and `python -m dsagen measure DIR` on an {arch.gpu} to measure.")
    summary["seconds"] = time.time() - t0
    return summary
