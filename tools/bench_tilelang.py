"""TileLang against Triton on a Hopper GPU: every committed TileLang kernel, side by side.

For each TileLang entry of the arch in generated/manifest.json (any status: a "compiled" build
has never run, so each is first checked with its operator's VERIFY and timed only if that
passes), and for each DeepSeek-V3.2 case shape of its operator: build full-size inputs once on
the GPU, time the TileLang kernel and the Triton kernel dispatch would otherwise run (the tuned
one of the problem's bucket, else the template) on the SAME inputs through the same `launch`
call, with dsagen.gen.timing.time_fn (CUDA events, L2 flushed before each rep, median).
Prints times, speedup (Triton / TileLang), achieved TFLOP/s or GB/s (whichever bounds the op)
and fraction of the roofline, max(FLOPs / peak, min bytes / bandwidth), from dsagen.spec.sizes
and dsagen.spec.archs. The indexer's FLOPs count only the visible (causal) pairs, as DeepGEMM
does; its bytes count the full logits matrix, which clean=True writes.

    python tools/bench_tilelang.py [--arch sm90] [--ops OP ...] [--quick] [--json OUT.json]
                                   [--plot OUT.png] [--dry-run] [--mem-bw GB/s]

--dry-run lists the cases (works without a GPU); otherwise a CUDA GPU of --arch is needed.
One failing case (or entry) prints its error and the run goes on.
"""

import argparse
import datetime
import json
import sys
import traceback

import dsagen  # noqa: F401 - first: it decides the Triton interpreter before triton is imported
import torch

OPS = ("indexer_logits", "indexer_logits_paged", "topk", "sparse_mla_prefill", "sparse_mla_decode",
       "sparse_mla_bwd")
# Verification on a GPU compares with the CPU oracle; at decode batch 128 that alone takes long
# on the device session's clock, and batch adds nothing to what is checked (splits 1 and 3 are).
VERIFY_CAPS = {"sparse_mla_decode": {"batch": 8}}


def sizes_for(op: str, quick: bool) -> list:
    """The size keys of each case (DeepSeek-V3.2 shapes); structural keys come from the entry."""
    if op == "indexer_logits":
        return [{"s_q": 1024, "s_kv": 8192}] if quick else [{"s_q": 4096, "s_kv": n} for n in (8192, 32768, 131072)]
    if op == "indexer_logits_paged":  # decode with MTP (next_n 2), 64K contexts
        return [{"batch": b, "next_n": 2, "context_len": 8192 if quick else 65536}
                for b in ((1, 32) if quick else (1, 32, 128))]
    if op == "topk":
        return [{"rows": r, "row_len": n} for r in ((64,) if quick else (64, 4096)) for n in (32768, 131072)]
    if op in ("sparse_mla_prefill", "sparse_mla_bwd"):  # the backward of the same prefill shapes
        return [{"s_q": 512 if quick else 4096, "s_kv": n} for n in ((32768,) if quick else (32768, 131072))]
    if op == "sparse_mla_decode":
        return [{"batch": b, "s_q": 1} for b in ((1, 32) if quick else (1, 32, 128))]
    raise ValueError(f"no cases for {op!r}")


def cases(entry: dict, quick: bool) -> list:
    """Problem dicts with the operator's keys: the entry's structural keys + each case's sizes."""
    from dsagen.operators import get_op

    opdef = get_op(entry["op"])
    struct = {k: v for k, v in entry["problem"].items() if k not in opdef.size_keys}
    return [{**struct, **s} for s in sizes_for(entry["op"], quick)]


def tilelang_entries(arch: str, ops) -> list:
    from dsagen.runtime import manifest

    kernels = manifest.read_manifest()["kernels"]
    return [e for _, e in sorted(kernels.items()) if e["backend"] == "tilelang"
            and e["arch"] == arch and e["op"] in ops]


def triton_name(op: str, arch: str, problem: dict) -> str:
    """Which Triton kernel triton_module would load (the manifest lookup works without a GPU)."""
    from dsagen.operators import get_op
    from dsagen.runtime import manifest

    found = manifest.find_entry(get_op(op), arch, "triton", problem)
    return found[1].name if found is not None else "template (no tuned kernel)"


def visible_fraction(op: str, p: dict) -> float:
    """Share of the (s_q, s_kv) pairs the causal-like indexer ranges below let a row see."""
    if op != "indexer_logits":
        return 1.0
    s_q, s_kv = p["s_q"], p["s_kv"]
    return (s_q * (s_kv - s_q) + s_q * (s_q + 1) / 2) / (s_q * s_kv)


def roofline(op: str, p: dict, arch, mem_bw: float) -> dict:
    from dsagen.operators import get_op
    from dsagen.spec import sizes

    flops, nbytes = sizes.op_sizes(get_op(op), p)
    flops *= visible_fraction(op, p)
    fdt = get_op(op).flop_dtype
    fdt = "e4m3" if fdt == "q" else fdt  # the indexer is e4m3 here (the TileLang kernel is e4m3 only)
    t_f = flops / arch.peak(fdt) if fdt else 0.0
    t_b = nbytes / mem_bw
    return {"flops": flops, "bytes": nbytes, "roofline_us": max(t_f, t_b) * 1e6,
            "bound": "compute" if t_f >= t_b else "memory"}


# ---- full-size inputs: the operator's own builder (dsagen/operators/<op>/problem.py), as tune times them
def make_call(op: str, p: dict, dev):
    """(inputs, call): call(mod) runs mod.launch on the operator's full-size case for p."""
    from dsagen.operators import get_op

    case = get_op(op).cases(dict(p), str(dev), "full")[0]
    return case, case.run


def shape_of(op: str, p: dict) -> str:
    from dsagen.operators import get_op

    return " ".join(f"{k}={p[k]}" for k in get_op(op).size_keys)


def achieved(r: dict, us: float) -> tuple:
    """(text, fraction of roofline) for one time."""
    if not us:
        return "-", None
    s = us * 1e-6
    text = f"{r['flops'] / s / 1e12:.1f} TF/s" if r["bound"] == "compute" else f"{r['bytes'] / s / 1e9:.0f} GB/s"
    return text, r["roofline_us"] / us


HEAD = (f"{'op':<19}{'shape':<26}{'TileLang us':>12}{'Triton us':>12}{'speedup':>9}"
        f"{'TL achieved':>14}{'TL roof':>8}{'Tri achieved':>14}{'Tri roof':>9}")


def fmt_row(row: dict) -> str:
    r = row["roofline"]
    tl_t, tl_f = achieved(r, row.get("tilelang_us"))
    tr_t, tr_f = achieved(r, row.get("triton_us"))
    pct = lambda f: "-" if f is None else f"{f:.0%}"  # noqa: E731
    return (f"{row['op']:<19}{row['shape']:<26}{row['tilelang_us']:>12.1f}{row['triton_us']:>12.1f}"
            f"{row['speedup']:>8.2f}x{tl_t:>14}{pct(tl_f):>8}{tr_t:>14}{pct(tr_f):>9}")


def dry_run(entries, a, arch, mem_bw) -> int:
    from dsagen.runtime.manifest import check_entry

    print(f"TileLang entries for {a.arch}: {len(entries)} ({'--quick' if a.quick else 'full'} cases); "
          f"roofline from {arch.gpu} figures, {mem_bw / 1e9:.0f} GB/s")
    for e in entries:
        bad = check_entry(e)
        print(f"\n{e['op']}  {e['name']}  [status {e.get('status')}, files {'ok' if not bad else bad}]")
        for p in cases(e, a.quick):
            r = roofline(e["op"], p, arch, mem_bw)
            print(f"  {json.dumps(p)}  vs Triton {triton_name(e['op'], a.arch, p)}  "
                  f"(roofline {r['roofline_us']:.1f} us, {r['bound']})")
    return 0


def run(entries, a, arch, mem_bw) -> tuple:
    from dsagen.gen.timing import time_fn
    from dsagen.operators import get_op
    from dsagen.operators.base import verify
    from dsagen.runtime.dispatch import tilelang_entry_module, triton_module

    dev = torch.device("cuda")
    rows, report = [], {"verification": {}}

    def record(row):
        rows.append(row)
        if a.json:  # after every case: a session cut short still leaves what was measured
            write_json(a, report, rows, mem_bw)

    for e in entries:
        op, name = e["op"], e["name"]
        print(f"\n== {op} {name} (status {e.get('status')})", flush=True)
        try:
            tl = tilelang_entry_module(get_op(op), e, strict=True)
            vprob = {**e["problem"], **{k: min(v, e["problem"][k]) for k, v in VERIFY_CAPS.get(op, {}).items()}}
            ver = verify(get_op(op), tl, vprob, "cuda")
            ver = {"passed": bool(ver["passed"]), "max_error": float(ver["max_error"]), "shapes": str(ver["shapes"])}
        except Exception as ex:  # noqa: BLE001 - report and go on to the next entry
            ver = {"passed": False, "error": f"{type(ex).__name__}: {ex}"[:500]}
            traceback.print_exc(limit=3)
        report["verification"][name] = ver
        if not ver["passed"]:
            why = ver.get("error") or f"max_error {ver['max_error']:.3g} on {ver['shapes']}"
            print(f"  VERIFY FAILED {name}: {why}; its cases are not timed", flush=True)
            for p in cases(e, a.quick):
                record({"op": op, "tilelang": name, "problem": p, "shape": shape_of(op, p), "error": "verify failed"})
            continue
        print(f"  verified: max_error {ver['max_error']:.3g} on {ver['shapes']}", flush=True)
        print(HEAD, flush=True)
        for p in cases(e, a.quick):
            row = {"op": op, "tilelang": name, "problem": p, "shape": shape_of(op, p),
                   "triton": triton_name(op, a.arch, p), "roofline": roofline(op, p, arch, mem_bw)}
            inputs = None
            try:
                tr = triton_module(get_op(op), a.arch, p)
                inputs, call = make_call(op, p, dev)
                row["tilelang_us"] = time_fn(lambda: call(tl), "cuda", reps=a.reps)["median_us"]
                row["triton_us"] = time_fn(lambda: call(tr), "cuda", reps=a.reps)["median_us"]
                row["speedup"] = row["triton_us"] / row["tilelang_us"]
                print(fmt_row(row), flush=True)
            except Exception as ex:  # noqa: BLE001 - one case failing must not stop the run
                row["error"] = f"{type(ex).__name__}: {ex}"[:500]
                print(f"{op:<19}{row['shape']:<26}ERROR {row['error']}", flush=True)
            del inputs
            torch.cuda.empty_cache()
            record(row)
    return rows, report


def write_json(a, report, rows, mem_bw):
    import triton

    doc = {"device": torch.cuda.get_device_name(), "date": datetime.date.today().isoformat(), "arch": a.arch,
           "torch": torch.__version__, "triton": triton.__version__, "mem_bw": mem_bw, "quick": a.quick,
           "verification": report["verification"], "rows": rows}
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)


def plot(rows, path, series=(("tilelang_us", "TileLang"), ("triton_us", "Triton")), title="TileLang vs Triton",
         label=lambda r: f"{r['op']}\n{r['shape']}"):
    """A bar chart of each timed row's two times (`series`: (row key, legend) pairs), log scale."""
    try:
        import matplotlib
    except ImportError:
        print("--plot: matplotlib is not installed; no plot written")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in rows if "speedup" in r]
    if not done:
        print("--plot: no timed case; no plot written")
        return
    xs = range(len(done))
    plt.figure(figsize=(max(6, 0.8 * len(done)), 4))
    for (key, legend), dx in zip(series, (-0.2, 0.2)):
        plt.bar([x + dx for x in xs], [r[key] for r in done], 0.4, label=legend)
    plt.xticks(list(xs), [label(r) for r in done], rotation=60, ha="right", fontsize=7)
    plt.yscale("log")  # cases span microseconds (decode) to milliseconds (indexer)
    plt.ylabel("median time (us)")
    plt.title(f"{title}, {torch.cuda.get_device_name()}, {datetime.date.today()}")
    plt.legend()
    plt.tight_layout()
    plt.savefig(path, dpi=120)
    print(f"wrote {path}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", default="sm90")
    p.add_argument("--ops", nargs="+", choices=OPS, default=list(OPS))
    p.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    p.add_argument("--json", help="write all rows, device, date and versions here")
    p.add_argument("--plot", help="write a PNG bar chart of the two times per case (needs matplotlib)")
    p.add_argument("--dry-run", action="store_true", help="list the cases and exit (no GPU needed)")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--mem-bw", type=float, help="HBM GB/s for the roofline (default: the arch table's; "
                                                "an H200 has about 4800)")
    a = p.parse_args(argv)

    from dsagen.runtime.dispatch import device_arch
    from dsagen.runtime.triton_env import interpreter_on
    from dsagen.spec.archs import get_arch

    arch = get_arch(a.arch)
    mem_bw = a.mem_bw * 1e9 if a.mem_bw else arch.mem_bw
    entries = tilelang_entries(a.arch, a.ops)
    if a.dry_run:
        return dry_run(entries, a, arch, mem_bw)
    have = device_arch(torch.device("cuda")) if torch.cuda.is_available() else None
    if have != a.arch or interpreter_on():
        found = "no CUDA GPU" if have is None else ("TRITON_INTERPRET on" if have == a.arch else have)
        print(f"bench_tilelang: needs a CUDA GPU of arch {a.arch} ({arch.gpu} class) with the Triton compiler, "
              f"found {found} (--dry-run lists the cases without one)", file=sys.stderr)
        return 2
    if not entries:
        print(f"no TileLang entries for {a.arch} among {', '.join(a.ops)} in generated/manifest.json")
        return 1
    if not a.mem_bw and "H200" in torch.cuda.get_device_name():
        mem_bw = 4.8e12  # H200 HBM3e (NVIDIA datasheet), the arch table's sm90 row is the H100 SXM5
    print(f"{torch.cuda.get_device_name()}  {datetime.date.today()}  torch {torch.__version__}  "
          f"roofline: {arch.peak_fp8 / 1e12:.0f} TF/s fp8, {arch.peak_bf16 / 1e12:.0f} TF/s bf16, "
          f"{mem_bw / 1e9:.0f} GB/s ({'--mem-bw' if a.mem_bw else ('H200' if mem_bw == 4.8e12 else arch.gpu)})")
    rows, report = run(entries, a, arch, mem_bw)
    if a.json:
        write_json(a, report, rows, mem_bw)
        print(f"wrote {a.json}")
    if a.plot:
        plot(rows, a.plot)
    bad = [r for r in rows if "error" in r]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} cases timed" + (f"; {len(bad)} failed (see above)" if bad else ""))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
