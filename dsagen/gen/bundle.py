"""Remote measurement: build a self-contained bundle, run it on a GPU host, ingest the results.

`tune --build-only DIR` writes DIR/bundle.json, the candidate kernels, a vendored copy of the
dsagen package (ops modules + oracles for verify) and run_bundle.py, which needs only torch
and triton: `python DIR/run_bundle.py --out RESULTS` (or `python -m dsagen measure DIR`).
Results say which device ran them; on a CPU (Triton interpreter) the device is "cpu" and the
timings are interpreter timings, never a GPU measurement. `tune --ingest RESULTS` finishes.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dsagen.errors import UsageError

BUNDLE_FORMAT = 1

RUNNER = '''\
"""Measure the dsagen candidate kernels of this bundle. Needs only torch and triton.

usage: python run_bundle.py [--out RESULTS.json]
On a machine without CUDA the kernels run in the Triton interpreter and the device is "cpu".
"""
import os, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vendor"))
from dsagen.gen.bundle import run_bundle  # the vendored copy beside this script

if __name__ == "__main__":
    out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(HERE, "results.json")
    run_bundle(HERE, out)
    print("results written to", out)
'''


def _vendor(dst: Path, ops_modules: set) -> None:
    from dsagen.runtime import paths
    root = paths._PACKAGE_ROOT
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(root / "dsagen", dst / "dsagen", ignore=ignore)
    for mod in sorted(ops_modules):
        if mod.split(".")[0] == "dsagen":
            continue
        src = Path(importlib.import_module(mod).__file__)
        parts = mod.split(".")
        d = dst
        for pkg in parts[:-1]:
            d = d / pkg
            d.mkdir(exist_ok=True)
            (d / "__init__.py").touch()
        shutil.copy2(src, d / (parts[-1] + ".py"))


def build_bundle(out_dir: Path, plans, arch, spec, log=print) -> Path:
    from dsagen.gen.render import sha256_text
    from dsagen.gen.tuner import choose, render_candidate

    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise UsageError(f"--build-only: {out_dir} exists and is not empty")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=out_dir.name + ".", dir=out_dir.parent))
    try:
        cands, mods = [], set()
        for p in plans:
            ok, reasons = choose(p, arch, spec)
            for r in reasons:
                log(f"  drop {p.key} {r}")
            for rank, (_, _, sched, res, est) in enumerate(ok):
                cid = f"{p.bucket.name}__c{rank}"
                src = render_candidate(p, arch, spec, sched)
                rel = f"kernels/{p.op.name}/{cid}/kernel.py"
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / rel).write_text(src)
                mods.add(p.op.ops_module)
                cands.append({"id": cid, "op": p.op.name, "ops_module": p.op.ops_module, "name": p.bucket.name,
                              "bucket": p.bucket.record(), "problem": p.bucket.problem, "schedule": sched,
                              "kernel": rel, "source_sha256": sha256_text(src), "resources": res,
                              "cost_model": est, "cost_rank": rank, "space_hash": p.space.hash,
                              "template": str(p.template)})
        _vendor(stage / "vendor", mods)
        (stage / "run_bundle.py").write_text(RUNNER)
        meta = {"format": BUNDLE_FORMAT, "arch": arch.name, "cc": arch.cc,
                "spec": {"name": spec.name, "hash": spec.hash}, "candidates": cands}
        (stage / "bundle.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(stage, out_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    log(f"bundle: {len(cands)} candidate kernels for {arch.name} in {out_dir}; run "
        f"`python {out_dir}/run_bundle.py --out RESULTS` on the GPU host, then `tune --ingest RESULTS`")
    return out_dir


# ---------------------------------------------------------------- measuring (runs on the GPU host)
def time_fn(fn, device: str, reps: int = 20, warmup: int = 3) -> dict:
    """Median time of fn(): CUDA events with an L2 flush before each rep on a GPU."""
    import torch
    if device == "cuda":
        flush = torch.empty(256 * 1024 * 1024, dtype=torch.int8, device="cuda")  # > L2 on every target
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(reps):
            flush.zero_()
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            torch.cuda.synchronize()
            times.append(a.elapsed_time(b) * 1e3)
        return {"median_us": statistics.median(times), "reps": reps}
    t0 = time.perf_counter()
    fn()
    return {"median_us": (time.perf_counter() - t0) * 1e6, "reps": 1}


def measure_candidate(module, ops_mod, op: str, problem: dict, device: str) -> dict:
    """{"verification": ..., "timing": ...} for one loaded kernel module.

    Timing uses the ops module's `bench(module, problem, device) -> callable` when it has one
    (full-size inputs). Otherwise it replays the last `launch` call that verify made (the
    verify-sized inputs), so only the kernel is timed, never the oracle.
    """
    calls = []
    real_launch = module.launch

    def recording_launch(*args, **kwargs):
        calls.append((args, kwargs))
        return real_launch(*args, **kwargs)

    module.launch = recording_launch
    try:
        r = ops_mod.VERIFY[op](module, dict(problem), device)
    finally:
        module.launch = real_launch
    ver = {"max_error": float(r["max_error"]), "passed": bool(r["passed"]), "shapes": str(r["shapes"])}
    timing = None
    if ver["passed"]:
        bench = getattr(ops_mod, "bench", None)
        if bench is not None and device == "cuda":
            timing = dict(time_fn(bench(module, dict(problem), device), device), kind="launch-full-size")
        elif calls:
            args, kwargs = calls[-1]
            timing = dict(time_fn(lambda: real_launch(*args, **kwargs), device),
                          kind="launch-verify-inputs", shapes=ver["shapes"])
    return {"verification": ver, "timing": timing}


def _device():
    import torch

    from dsagen.runtime.triton_env import import_triton, interpreter_on
    import_triton()
    if torch.cuda.is_available() and not interpreter_on():
        major, minor = torch.cuda.get_device_capability()
        return "cuda", torch.cuda.get_device_name(), f"sm{major}{minor}"
    return "cpu", "cpu", "cpu"


def run_bundle(bundle_dir, out_path) -> dict:
    import torch
    import triton

    from dsagen.runtime.dispatch import load_module_from_file

    bundle_dir = Path(bundle_dir)
    meta = json.loads((bundle_dir / "bundle.json").read_text())
    device, label, dev_arch = _device()
    results = []
    for c in meta["candidates"]:
        rec = {"id": c["id"]}
        try:
            mod = load_module_from_file(bundle_dir / c["kernel"], f"bundle_{c['op']}")
            ops_mod = importlib.import_module(c["ops_module"])
            rec.update(measure_candidate(mod, ops_mod, c["op"], c["problem"], device))
        except Exception as e:  # noqa: BLE001
            rec["error"] = f"{type(e).__name__}: {e}"[:500]
            rec["verification"] = {"passed": False}
        rec["verification"]["where"] = label if device == "cuda" else "cpu-interpreter"
        results.append(rec)
    out = {"format": BUNDLE_FORMAT, "device": label, "device_arch": dev_arch, "torch": torch.__version__,
           "triton": triton.__version__, "bundle": meta, "results": results}
    Path(out_path).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    return out


def measure_cli(bundle_dir, out_path=None, log=print) -> Path:
    """`python -m dsagen measure BUNDLE`: run the bundle's own runner in a fresh process."""
    bundle_dir = Path(bundle_dir)
    if not (bundle_dir / "bundle.json").exists() or not (bundle_dir / "run_bundle.py").exists():
        raise UsageError(f"BUNDLE: {bundle_dir} is not a dsagen bundle (no bundle.json / run_bundle.py)")
    out = Path(out_path) if out_path else bundle_dir / "results.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    r = subprocess.run([sys.executable, str(bundle_dir / "run_bundle.py"), "--out", str(out.resolve())],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        raise UsageError(f"BUNDLE: runner failed: {tail[0]}")
    data = json.loads(out.read_text())
    n_ok = sum(1 for x in data["results"] if x["verification"].get("passed"))
    log(f"measured {len(data['results'])} candidates on device {data['device']} ({n_ok} passed verify); "
        f"results in {out}")
    if data["device"] == "cpu":
        log("device is cpu (Triton interpreter): timings are NOT GPU measurements")
    return out


# ---------------------------------------------------------------- GPU path inside `tune`
def measure_plan(plan, arch, spec, ok, log):
    """Time the compiled candidates of one plan on this GPU; the fastest that verifies."""
    from dsagen.gen.tuner import render_candidate
    from dsagen.runtime.dispatch import load_module_from_file

    ops_mod = importlib.import_module(plan.op.ops_module)
    import torch
    best = None
    with tempfile.TemporaryDirectory(prefix="dsagen-measure-") as d:
        for i, (_, _, sched, res, est) in enumerate(ok):
            path = Path(d) / f"c{i}.py"
            path.write_text(render_candidate(plan, arch, spec, sched))
            r = measure_candidate(load_module_from_file(path, f"measure_{plan.op.name}"), ops_mod, plan.op.name,
                                  plan.bucket.problem, "cuda")
            r["verification"]["where"] = torch.cuda.get_device_name()
            log(f"  {plan.key} {json.dumps(sched, sort_keys=True)}: {r['timing']}")
            if r["verification"]["passed"] and r["timing"] and (
                    best is None or r["timing"]["median_us"] < best[4]["median_us"]):
                best = (sched, res, est, r["verification"], dict(r["timing"], device=torch.cuda.get_device_name()))
    return best


# ---------------------------------------------------------------- ingest
class _P:  # the slice of tuner.Plan that entry_for / render_candidate use
    def __init__(self, op, bucket_name, bucket, problem, template, space_hash):
        from dsagen.gen.registry import Bucket
        self.op, self.template = op, Path(template)
        self.bucket = Bucket(op.name, bucket_name, problem, bucket["key"], bucket["lo"], bucket["hi"])
        self.key = f"{op.name}/{bucket_name}"
        self.space_hash = space_hash


def ingest(results_path, log=print) -> dict:
    from dsagen.gen import cache
    from dsagen.gen.registry import get_op
    from dsagen.gen.render import render, sha256_text
    from dsagen.gen.tuner import entry_for, save_tuned_entry
    from dsagen.spec.archs import get_arch

    try:
        data = json.loads(Path(results_path).read_text())
        meta, results = data["bundle"], data["results"]
        device, dev_arch = data["device"], data["device_arch"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as e:
        raise UsageError(f"--ingest: {results_path}: not a dsagen results file ({e})") from None
    arch = get_arch(meta["arch"])
    on_target = device != "cpu" and dev_arch == arch.name
    byid = {r["id"]: r for r in results}
    groups: dict = {}
    for c in meta["candidates"]:
        groups.setdefault((c["op"], c["name"]), []).append(c)

    class S:  # spec identity recorded in the bundle
        name, hash = meta["spec"]["name"], meta["spec"]["hash"]

    # Check everything before writing anything.
    plan_rows = []
    for (op_name, name), cs in sorted(groups.items()):
        op = get_op(op_name)
        passing = [c for c in cs if byid.get(c["id"], {}).get("verification", {}).get("passed")]
        if not passing:
            log(f"FAILED {op_name}/{name}: no candidate passed verify on {device}")
            continue
        if on_target:
            pick = min(passing, key=lambda c: ((byid[c["id"]].get("timing") or {}).get("median_us", float("inf")),
                                               c["cost_rank"]))
        else:
            pick = min(passing, key=lambda c: c["cost_rank"])
        p = _P(op, name, pick["bucket"], pick["problem"], op.template_path(), pick["space_hash"])
        src = render(p.template, op=op_name, arch=arch.name, spec_name=S.name, spec_hash=S.hash,
                     bucket=pick["bucket"], problem=pick["problem"], schedule=pick["schedule"], name=name)
        if sha256_text(src) != pick["source_sha256"]:
            raise UsageError(f"--ingest: {op_name}/{name}: the template changed since the bundle was built; rebuild it")
        plan_rows.append((p, pick, src, len(passing)))
    out = {"tuned": [], "device": device}
    for p, pick, src, n in plan_rows:
        r = byid[pick["id"]]
        timing = dict(r["timing"] or {}, device=device)
        if on_target:
            status, note = "measured", f"fastest of {n} verified candidates measured on {device}"
        elif device != "cpu":
            status = "verified-gpu"
            note = (f"chosen by cost model among {n} candidates verified on {device} ({dev_arch}); NOT measured on "
                    f"a {arch.name} GPU")
        else:
            status = "verified-cpu"
            note = (f"chosen by cost model among {n} candidates verified on {device}; NOT measured on a GPU "
                    f"(results came from device {device!r})")
        entry = entry_for(p, arch, S, pick["schedule"], src, pick["resources"], pick["cost_model"], status,
                          r["verification"], timing, note)
        cache.commit_kernel(entry, src)
        save_tuned_entry(arch.name, p.key, {
            "op": p.op.name, "bucket": entry["bucket"], "name": entry["name"], "schedule": entry["schedule"],
            "status": status, "spec": entry["spec"], "template_sha256": entry["template_sha256"],
            "space_hash": p.space_hash, "toolchain": entry["toolchain"],
            "resources": {k: entry["resources"][k] for k in ("registers", "smem_bytes", "spill_bytes")},
            "cost_model_us": round(entry["cost_model"]["time_s"] * 1e6, 3), "measured": on_target,
            "verification": entry["verification"], "timings": timing})
        log(f"{p.key}: {json.dumps(pick['schedule'], sort_keys=True)} -> {status}; {note}")
        out["tuned"].append(p.key)
    return out
