"""dsagen command line: tune, list, show, verify, clean, measure, specs.

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
    from dsagen.gen import tuner
    from dsagen.spec import load_spec
    from dsagen.spec.archs import get_arch

    if a.ingest:
        if a.build_only:
            raise UsageError("--ingest: cannot be combined with --build-only")
        from dsagen.gen.bundle import ingest
        ingest(a.ingest, _log)
        return 0
    if not a.arch:
        raise UsageError("--arch: required (one of sm80, sm89, sm90, sm100)")
    get_arch(a.arch)
    spec = load_spec(a.spec)
    ops = [o for chunk in (a.ops or []) for o in chunk.split(",") if o]
    s = tuner.tune(a.arch, spec, ops or None, jobs=a.jobs, build_only=a.build_only, log=_log)
    if a.build_only:
        return 0
    _log(f"tune {a.arch} {spec.name}: {len(s['tuned'])} tuned, {s['skipped']} up to date, "
         f"{len(s['failed'])} failed in {s['seconds']:.0f}s")
    return 1 if s["failed"] else 0


def _entries():
    from dsagen.gen import cache
    try:
        data = cache.read_manifest()
    except cache.CorruptManifest as e:
        raise UsageError(f"{e}; run `python -m dsagen tune` to rebuild") from None
    return data["kernels"]


def _record(e: dict) -> dict:
    from dsagen.gen import cache
    res, ver, tim = e.get("resources") or {}, e.get("verification") or {}, e.get("timings") or {}
    bad = cache.check_entry(e)
    return {"op": e["op"], "arch": e["arch"], "backend": e.get("backend", "triton"), "name": e["name"],
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
    from dsagen.gen import cache
    hits = [e for k, e in _entries().items() if e["name"] == a.name or k == a.name]
    if not hits:
        raise UsageError(f"NAME: no generated kernel named {a.name!r} (see `python -m dsagen list`)")
    for e in hits:
        bad = cache.check_entry(e)
        print(json.dumps(dict(e, integrity=bad or "ok", file=str(cache.gen_dir() / e["path"])), indent=1, sort_keys=True))
    return 0


def cmd_verify(a) -> int:
    from dsagen.gen import cache, tuner
    from dsagen.gen.registry import registry
    ops = registry()
    entries = [e for e in _entries().values() if not a.arch or e["arch"] == a.arch]
    if not entries:
        print("nothing to verify")
        return 0
    good, failed = [], 0
    for e in entries:
        bad = cache.check_entry(e)
        if bad:
            print(f"FAIL {e['arch']}/{e['name']}: {bad}")
            failed += 1
        elif e["op"] not in ops:
            print(f"SKIP {e['arch']}/{e['name']}: operator {e['op']} unknown here")
        else:
            good.append(e)
    from dsagen.spec.archs import get_arch
    on_gpu = [e for e in good if tuner.gpu_matches(get_arch(e["arch"]))]
    good = [e for e in good if e not in on_gpu]
    # TileLang kernels run only on a GPU of their arch (no interpreter exists for them)
    for e in [e for e in good if e.get("backend") == "tilelang"]:
        print(f"SKIP {e['arch']}/{e['name']}: TileLang kernel, needs a {e['arch']} GPU to run (status stays {e.get('status')})")
    good = [e for e in good if e.get("backend") != "tilelang"]
    for e in [e for e in on_gpu if e.get("backend") == "tilelang"]:
        import torch

        from dsagen.gen.tl_gen import time_against_triton, verify_on_gpu
        v = verify_on_gpu(e, torch.cuda.get_device_name(), log=print)
        failed += not v["passed"]
        if v["passed"]:  # dispatch runs it only where it beats the tuned Triton kernel: time both
            e = cache.read_manifest()["kernels"][cache.entry_key(e["arch"], e["op"], e["name"])]
            time_against_triton(e, torch.cuda.get_device_name(), log=print)
    on_gpu = [e for e in on_gpu if e.get("backend") != "tilelang"]
    for e in on_gpu:  # a GPU of the kernel's arch is here: verify on it
        import importlib

        import torch

        from dsagen.runtime.dispatch import load_module_from_file
        mod = load_module_from_file(cache.gen_dir() / e["path"], f"verify_{e['op']}")
        r = importlib.import_module(ops[e["op"]].ops_module).VERIFY[e["op"]](mod, dict(e["problem"]), "cuda")
        v = {"max_error": float(r["max_error"]), "passed": bool(r["passed"]), "shapes": str(r["shapes"]),
             "where": torch.cuda.get_device_name()}
        failed += not v["passed"]
        print(f"{'ok  ' if v['passed'] else 'FAIL'} {e['arch']}/{e['name']}: max_error {v['max_error']} on {v['where']}")
        changes = {"verification": v}
        if e.get("status") in ("compiled", "verified-cpu", "verified-gpu"):
            changes["status"] = "verified-gpu" if v["passed"] else "compiled"
        cache.update_entry(e["arch"], e["op"], e["name"], changes)
    items = [{"op": e["op"], "path": str(cache.gen_dir() / e["path"]), "problem": e["problem"],
              "ops_module": ops[e["op"]].ops_module} for e in good]
    for e, v in zip(good, tuner.run_verify(items, _log)):
        ok = v.get("passed")
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {e['arch']}/{e['name']}: max_error {v.get('max_error')} "
              f"{v.get('shapes', v.get('error', ''))} on {v.get('where')}")
        changes = {"verification": v}
        if e.get("status") in ("compiled", "verified-cpu"):
            changes["status"] = "verified-cpu" if ok else "compiled"
        cache.update_entry(e["arch"], e["op"], e["name"], changes)
    return 1 if failed else 0


def cmd_clean(a) -> int:
    from dsagen.gen import cache
    n = cache.clean()
    print(f"removed {n} generated kernel(s) from {cache.gen_dir()}")
    return 0


def cmd_measure(a) -> int:
    from dsagen.gen.bundle import measure_cli
    measure_cli(a.bundle, a.out, _log)
    return 0


def cmd_export_runtime(a) -> int:
    from dsagen.tl_backend.load import RUNTIME_LIBS, TVM_FFI_REQUIREMENT, export_runtime
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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dsagen", description="Generate, tune and cache DSA GPU kernels.")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tune", help="tune every operator of a spec for one arch and emit kernels",
                       description="Prune each operator's schedule space, rank by the cost model, compile the "
                                   "top candidates ahead of time, pick (measuring on a matching GPU, else by "
                                   "cost model), emit into generated/ and verify in the interpreter.")
    t.add_argument("--arch", help="target arch: sm80, sm89, sm90 or sm100")
    t.add_argument("--spec", help="built-in spec name or spec TOML file (default deepseek-v3.2)")
    t.add_argument("--ops", nargs="+", help="operators to tune (default: all five)")
    t.add_argument("--jobs", type=int, default=2, help="parallel AOT compile workers (default 2)")
    t.add_argument("--build-only", metavar="DIR", help="write a measurement bundle to DIR instead of emitting")
    t.add_argument("--ingest", metavar="RESULTS", help="finish tuning from a bundle's results file")
    t.set_defaults(fn=cmd_tune)
    ls = sub.add_parser("list", help="list emitted kernels", description="One record per emitted kernel.")
    ls.add_argument("--json", action="store_true", help="JSON output")
    ls.set_defaults(fn=cmd_list)
    sh = sub.add_parser("show", help="show one emitted kernel's manifest entry", description="Show a kernel's entry.")
    sh.add_argument("name")
    sh.set_defaults(fn=cmd_show)
    v = sub.add_parser("verify", help="re-check emitted kernels against the oracle here",
                       description="Re-run each emitted kernel's verify (Triton interpreter on a CPU host). On a "
                                   "GPU of a kernel's arch it runs there; a TileLang kernel that passes is then "
                                   "timed against the tuned Triton kernels of its buckets (status measured).")
    v.add_argument("--arch", help="only this arch")
    v.set_defaults(fn=cmd_verify)
    c = sub.add_parser("clean", help="remove generated kernels and the manifest", description="Empty generated/.")
    c.set_defaults(fn=cmd_clean)
    m = sub.add_parser("measure", help="run a measurement bundle here",
                       description="Run BUNDLE/run_bundle.py (GPU if present, else the interpreter: device 'cpu').")
    m.add_argument("bundle")
    m.add_argument("--out", help="results file (default BUNDLE/results.json)")
    m.set_defaults(fn=cmd_measure)
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
