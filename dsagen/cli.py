"""dsagen command line: tune, list, show, verify, clean, export-runtime, specs.

Any DsagenError prints one line on stderr and exits 2 (no traceback). Every input (spec, arch,
ops, schedule files) is checked before generated/ or schedules/ is written.
"""

from __future__ import annotations

import argparse
import json
import sys

from dsagen.errors import DsagenError, UsageError


def _log(msg: str) -> None:
    print(msg, flush=True)


def cmd_tune(a) -> int:
    from dsagen.gen import pipeline
    from dsagen.gen.executor import make_executor
    from dsagen.runtime import manifest
    from dsagen.spec import load_spec
    from dsagen.spec.archs import get_arch

    if not a.arch:
        from dsagen.spec.archs import ARCHS
        raise UsageError(f"--arch: required (one of {', '.join(ARCHS)})")
    arch = get_arch(a.arch)
    spec = load_spec(a.spec)
    ops = [o.strip() for chunk in (a.ops or []) for o in chunk.split(",")]
    if a.ops is not None and (not ops or any(not o for o in ops)):
        raise UsageError("--ops: give operator names (comma or space separated), e.g. --ops topk")
    if a.jobs < 1:
        raise UsageError(f"--jobs: must be at least 1, got {a.jobs}")
    if a.plan:
        units = pipeline.plan(arch, spec, ops or None, log=_log if not a.json else (lambda m: None))
        executor = make_executor(a.executor, a.jobs, a.address) if a.executor == "ray" else None
        gpu = pipeline.device_for(executor, arch) if executor else pipeline.gpu_matches(arch)
        try:
            data = manifest.read_manifest()
        except manifest.CorruptManifest:
            data = manifest.empty()
        recs = pipeline.plan_records(units, gpu, data)
        if a.json:
            print(json.dumps(recs, indent=1, sort_keys=True))
            return 0
        for r in recs:
            if r.get("error"):
                print(f"{r['arch']} {r['op']}: FAILED: {r['error']}")
                continue
            state = "up to date" if r["up_to_date"] else "to build"
            print(f"{r['arch']} {r['op']}/{r['bucket']} [{r['backend']}] {state}: {r['candidates']} candidates")
            for c in r["top"][:3]:
                print(f"    {json.dumps(c['schedule'], sort_keys=True)}  predicted {c['predicted_us']} us")
            print(f"    verify on {r['verify_device']}: {', '.join(r['verify_shapes'])}")
            print(f"    timed at {json.dumps(r['timed_problem'], sort_keys=True)}"
                  + (f" on {r['timed_on']}" if r["timed_on"] else " (NOT timed: no GPU of this arch here)"))
        return 0
    executor = make_executor(a.executor, a.jobs, a.address)
    s = pipeline.tune(a.arch, spec, ops or None, jobs=a.jobs, executor=executor, log=_log)
    _log(f"tune {a.arch} {spec.name}: {len(s['tuned'])} tuned, {s['skipped']} up to date, "
         + (f"{s['no_toolchain']} not buildable here (no TileLang toolchain), " if s["no_toolchain"] else "")
         + f"{len(s['failed'])} failed in {s['seconds']:.0f}s")
    return 1 if s["failed"] else 0


def _entries():
    from dsagen.runtime import manifest
    try:
        data = manifest.read_manifest()
    except manifest.CorruptManifest as e:
        raise UsageError(f"{e}; run `python -m dsagen tune` to rebuild") from None
    return data["kernels"]


def _record(e: dict) -> dict:
    from dsagen.runtime import manifest
    res, ver, tim = e.get("resources") or {}, e.get("verification") or {}, e.get("timing") or {}
    bad = manifest.check_entry(e)
    return {"op": e["op"], "arch": e["arch"], "backend": e["backend"], "name": e["name"],
            "status": "CORRUPT" if bad else e.get("status"), "registers": res.get("registers"),
            "smem_bytes": res.get("smem_bytes"), "spill_bytes": res.get("spill_bytes"),
            "max_error": ver.get("max_error"), "device": ver.get("where"),
            "median_us": tim.get("median_us") if e.get("status") == "measured" else None}


def cmd_list(a) -> int:
    recs = [_record(e) for e in _entries().values()]
    if a.json:
        print(json.dumps(recs, indent=1))
        return 0
    if not recs:
        print("no generated kernels (run `python -m dsagen tune --arch ARCH`)")
        return 0
    cols = ["arch", "op", "name", "status", "registers", "smem_bytes", "spill_bytes", "max_error", "device", "median_us"]
    rows = [[("-" if r[c] is None else str(r[c])) for c in cols] for r in recs]
    w = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(cols)))
    for r in rows:
        print("  ".join(x.ljust(w[i]) for i, x in enumerate(r)))
    return 0


def cmd_show(a) -> int:
    from dsagen.runtime import manifest
    hits = [e for k, e in _entries().items() if e["name"] == a.name or k == a.name]
    if not hits:
        raise UsageError(f"NAME: no generated kernel named {a.name!r} (see `python -m dsagen list`)")
    for e in hits:
        bad = manifest.check_entry(e)
        print(json.dumps(dict(e, integrity=bad or "ok", file=str(manifest.gen_dir() / e["path"])), indent=1,
                         sort_keys=True))
    return 0


def cmd_verify(a) -> int:
    """Re-run every emitted kernel's check where this host can: the interpreter for Triton
    kernels, a GPU of the kernel's arch for any; each result applies only to its own kernel."""
    from dsagen.gen import pipeline, records
    from dsagen.gen.backends import BACKENDS
    from dsagen.gen.executor import LocalExecutor
    from dsagen.operators import registry
    from dsagen.runtime import manifest
    from dsagen.runtime.dispatch import backend_enabled
    from dsagen.spec.archs import ARCHS

    if a.arch and a.arch not in ARCHS:
        raise UsageError(f"--arch: unknown arch {a.arch!r} (expected one of {', '.join(ARCHS)})")
    ops = registry()
    entries = [e for e in _entries().values() if (not a.arch or e["arch"] == a.arch)
               and (not a.backend or e["backend"] == a.backend)]
    if not entries:
        print("nothing to verify")
        return 0
    failed, tasks, owners = 0, {}, {}
    for e in entries:
        bad = manifest.check_entry(e)
        if bad:
            print(f"FAIL {e['arch']}/{e['name']}: {bad}")
            failed += 1
            continue
        if e["op"] not in ops or e["arch"] not in ARCHS:
            print(f"SKIP {e['arch']}/{e['name']}: operator {e['op']} unknown here")
            continue
        if e["backend"] != "triton" and not backend_enabled(e["backend"]):
            print(f"SKIP {e['arch']}/{e['name']}: DSAGEN_{e['backend'].upper()} turns {e['backend']} kernels off")
            continue
        gpu = pipeline.gpu_matches(ARCHS[e["arch"]])
        if not BACKENDS[e["backend"]].interpreted and not gpu:
            print(f"SKIP {e['arch']}/{e['name']}: {e['backend']} kernel, needs a {e['arch']} GPU to run "
                  f"(status stays {e['status']})")
            continue
        kd = manifest.gen_dir() / __import__("pathlib").Path(e["path"]).parent
        payload = {"backend": e["backend"], "files": BACKENDS[e["backend"]].run_files(kd), "entry": e}
        task = {"op": e["op"], "problem": e["problem"], "kernels": [payload], "device": "cuda" if gpu else "cpu",
                "time": False, "arch": e["arch"]}
        tasks.setdefault(bool(gpu), []).append(task)
        owners.setdefault(bool(gpu), []).append(e)
    for on_gpu, ts in tasks.items():
        env = pipeline.COMPILER_ENV if on_gpu else pipeline.INTERPRETER_ENV
        results = LocalExecutor(a.jobs).map(pipeline.run_task, ts, env=env)
        for e, r in zip(owners[on_gpu], results):
            r = r or {"passed": False, "error": "no result"}
            ok = r.get("passed") is True
            failed += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {e['arch']}/{e['name']}: max_error {r.get('max_error')} "
                  f"{r.get('shapes', r.get('error', ''))} on {r.get('where')}")
            records.record_result(e["arch"], e["op"], e["name"], e["key"], r)
    return 1 if failed else 0


def cmd_clean(a) -> int:
    from dsagen.gen import records
    n = records.clean()
    print(f"removed {n} generated kernel(s) from {records.gen_dir()}")
    return 0


def cmd_export_runtime(a) -> int:
    from dsagen.runtime.tilelang import RUNTIME_LIBS, TVM_FFI_REQUIREMENT, export_runtime
    try:
        lib = export_runtime(a.dir)
    except (RuntimeError, OSError) as e:  # no tilelang here, or DIR cannot be written
        raise DsagenError(f"export-runtime: {e}") from None
    print(f"copied {', '.join(RUNTIME_LIBS)} to {lib.parent}")
    print(f"a serving host needs: torch, {TVM_FFI_REQUIREMENT!r}, that folder and DSAGEN_TVM_RUNTIME={lib}")
    return 0


def cmd_specs(a) -> int:
    from dsagen.spec import builtin_names, load_spec
    for n in builtin_names():
        s = load_spec(n)
        print(f"{n:20s} {s.short_hash}  {s.description}")
    return 0


def _arch_names() -> list:
    from dsagen.spec.archs import ARCHS

    return list(ARCHS)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dsagen", description="Generate, tune and cache DSA GPU kernels.")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tune", help="tune every operator of a spec for one arch and emit kernels",
                       description="Prune each operator's schedule space, rank by the cost model, compile the "
                                   "top candidates ahead of time, pick (measuring on a matching GPU, else by "
                                   "cost model), emit into generated/ and verify in the interpreter.")
    t.add_argument("--arch", help=f"target arch: {', '.join(_arch_names())}")
    t.add_argument("--spec", help="built-in spec name or spec TOML file (default deepseek-v3.2)")
    t.add_argument("--ops", nargs="+", help="operators to tune (default: every built-in one, dsagen.operators.BUILTIN)")
    t.add_argument("--jobs", type=int, default=2, help="parallel build workers (default 2)")
    t.add_argument("--plan", action="store_true",
                   help="print what would be built, verified and timed (candidates, predicted times, the exact "
                        "shapes verify and timing use) and build nothing")
    t.add_argument("--json", action="store_true", help="with --plan: a JSON list of records")
    t.add_argument("--executor", default="local", choices=["local", "ray"],
                   help="where builds and runs execute: local worker processes (default) or a Ray cluster "
                        "(pip install 'dsagen[ray]'); runs are placed on nodes with the resource arch_<arch>")
    t.add_argument("--address", help="with --executor ray: the cluster address (default: start a local one)")
    t.set_defaults(fn=cmd_tune)
    ls = sub.add_parser("list", help="list emitted kernels", description="One record per emitted kernel.")
    ls.add_argument("--json", action="store_true", help="JSON output")
    ls.set_defaults(fn=cmd_list)
    sh = sub.add_parser("show", help="show one emitted kernel's manifest entry", description="Show a kernel's entry.")
    sh.add_argument("name")
    sh.set_defaults(fn=cmd_show)
    v = sub.add_parser("verify", help="re-check emitted kernels against the oracle here",
                       description="Re-run each emitted kernel's verify (Triton interpreter on a CPU host). On a "
                                   "GPU of a kernel's arch it runs there (a pass sets status verified-gpu); "
                                   "TileLang and Gluon kernels run only there. `tune` on that GPU times them.")
    v.add_argument("--arch", help="only this arch")
    v.add_argument("--backend", choices=["triton", "tilelang", "gluon"], help="only this backend's kernels")
    v.add_argument("--jobs", type=int, default=1, help="parallel verify workers (default 1)")
    v.set_defaults(fn=cmd_verify)
    c = sub.add_parser("clean", help="remove generated kernels and the manifest", description="Empty generated/.")
    c.set_defaults(fn=cmd_clean)
    x = sub.add_parser("export-runtime", help="copy the TVM runtime libraries TileLang kernels need into DIR",
                       description="For a serving image without tilelang: copy tilelang's TVM runtime and the "
                                   "stubs it links into DIR; set DSAGEN_TVM_RUNTIME to DIR/libtvm_runtime.so there.")
    x.add_argument("dir")
    x.set_defaults(fn=cmd_export_runtime)
    s = sub.add_parser("specs", help="list built-in specs", description="List the built-in DSA specs.")
    s.set_defaults(fn=cmd_specs)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except DsagenError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"dsagen: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dsagen: interrupted", file=sys.stderr)
        return 130
