"""Top-k variants side by side: the two-read radix select, the one-read filter, the filter with
its sampled threshold (SEED 1), what dispatch runs, and torch.topk, on the same logits.

The cost model ranks the radix select and the seeded filter within 1-3% of each other at 32K rows
on sm89/sm100/gfx942/gfx950 (README, Status); this settles it by measurement. Each case is a
logits matrix [rows, row_len] (k = 2048) with full rows (decode: the whole context) or causal
ranges (prefill: row i ends at row_len - rows + i + 1). Every variant runs through the template's
`launch` with a schedule that differs from the others only where the variant does (dispatch: the
tuned kernel of the bucket, through dsagen.ops); torch.topk sees the out-of-range logits as -inf.
Each variant's selection is checked against the oracle on a few rows before it is timed
(dsagen.gen.timing.time_fn: CUDA events, L2 flushed, median). Prints times, each variant's ratio to
the seeded filter, GB/s and the fraction of the roofline: one read of the in-range logits plus the
int32 result at the arch's memory bandwidth (dsagen.spec.archs).

    python tools/bench_topk.py [--arch sm90] [--quick] [--json OUT.json] [--plot OUT.png] [--dry-run]
    python tools/bench_topk.py --device cpu   # plumbing only: tiny shapes in Triton's interpreter

--dry-run lists the cases (works anywhere); timing needs a CUDA GPU.
"""

import argparse
import datetime
import json
import sys

import dsagen  # noqa: F401 - first: it decides the Triton interpreter before triton is imported
import torch

K = 2048
_FILTER = {"FILTER": 1, "CAP": 0, "RADIX_BITS": 11, "BLOCK_N": 1024, "num_warps": 16, "MAX_SPLITS": 1}
VARIANTS = {  # name -> template schedule (None: not the template's launch)
    "radix": {"FILTER": 0, "SEED": 0, "CAP": 4096, "RADIX_BITS": 11, "BLOCK_N": 1024, "num_warps": 8,
              "MAX_SPLITS": 1},
    "filter": dict(_FILTER, SEED=0),
    "seeded": dict(_FILTER, SEED=1),
    "dispatch": None,
    "torch.topk": None,
}
BASE = "seeded"


def cases(quick: bool, device: str) -> list:
    """(rows, row_len, k, pattern) of each case."""
    if device == "cpu":  # the interpreter: long enough rows for the seed (8 KP = 8192 at BLOCK_N 1024)
        return [(2, 8192, 64, "full"), (2, 8192, 64, "causal")]
    rows = (64,) if quick else (64, 4096)
    return [(r, n, K, pat) for r in rows for n in (32768, 131072) for pat in ("full", "causal")]


def make_inputs(rows, n, pattern, device):
    g = torch.Generator().manual_seed(rows * 7 + n)
    x = torch.randn(rows, n, generator=g)
    starts = torch.zeros(rows, dtype=torch.int32)
    if pattern == "full":
        ends = torch.full((rows,), n, dtype=torch.int32)
    else:
        ends = torch.arange(n - rows + 1, n + 1, dtype=torch.int32)
    return x.to(device), starts.to(device), ends.to(device)


def make_call(name, x, starts, ends, k):
    from dsagen import ops
    from dsagen.runtime.dispatch import template_module

    out = torch.full((x.shape[0], k), -7, dtype=torch.int32, device=x.device)
    if name == "dispatch":
        return out, lambda: ops.topk_indices(x, k, row_starts=starts, row_ends=ends, out=out)
    if name == "torch.topk":
        cols = torch.arange(x.shape[1], device=x.device)
        inside = (cols[None, :] >= starts[:, None].long()) & (cols[None, :] < ends[:, None].long())

        def run():
            out.copy_(torch.topk(torch.where(inside, x, float("-inf")), k, dim=1).indices.to(torch.int32))
        return out, run
    tpl = template_module("topk")
    return out, lambda: tpl.launch(x, starts, ends, out, k=k, schedule=VARIANTS[name], splits=1)


def check(x, out, k, starts, ends, rows=4) -> tuple:
    """The variant's selection against the oracle on the first rows (CPU)."""
    from dsagen.operators.topk.naive import topk_indices as oracle
    from dsagen.operators.topk.problem import same_selection

    xs, o, s, e = x[:rows].cpu(), out[:rows].cpu(), starts[:rows].cpu(), ends[:rows].cpu()
    return same_selection(xs, o, oracle(xs, k, s, e), k, s, e)


def roofline_us(starts, ends, k, mem_bw) -> float:
    """One read of the in-range fp32 logits plus the int32 [rows, k] result, at mem_bw."""
    n = int((ends.long() - starts.long()).clamp(min=0).sum())
    return (4 * n + 4 * k * starts.numel()) / mem_bw * 1e6


def run(a, arch, device) -> list:
    from dsagen.gen.timing import time_fn

    rows_out = []
    if device == "cpu":
        print("cpu: Triton's interpreter - the times below check the plumbing, they say nothing of GPU speed")
    for rows, n, k, pat in cases(a.quick, device):
        x, starts, ends = make_inputs(rows, n, pat, device)
        roof = roofline_us(starts, ends, k, arch.mem_bw)
        res = {}
        for name in VARIANTS:
            out, fn = make_call(name, x, starts, ends, k)
            try:
                fn()
                ok, why = check(x, out, k, starts, ends)
                res[name] = {"ok": ok, "why": why}
                if ok:
                    res[name]["us"] = time_fn(fn, device, reps=a.reps)["median_us"]
            except Exception as exc:  # one failing variant prints its error and the run goes on
                res[name] = {"ok": False, "why": f"{type(exc).__name__}: {exc}"}
        base = res.get(BASE, {}).get("us")
        for name, r in res.items():
            if "us" in r:
                r["vs_seeded"] = r["us"] / base if base else None
                r["roofline_frac"] = roof / r["us"]
        row = {"rows": rows, "row_len": n, "k": k, "pattern": pat, "roofline_us": roof, "variants": res}
        rows_out.append(row)
        print(f"rows {rows} x {n} ({pat}), k {k}: roofline {roof:.1f} us")
        for name, r in res.items():
            if "us" in r:
                print(f"  {name:11s} {r['us']:10.1f} us  x{r['vs_seeded']:.2f} of seeded  "
                      f"{100 * r['roofline_frac']:5.1f}% of roofline")
            else:
                print(f"  {name:11s} FAILED: {r['why']}")
        if a.json:  # after every case: a session cut short still leaves what was measured
            write_json(a, rows_out, device)
    return rows_out


def write_json(a, rows, device):
    import triton
    doc = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "device": torch.cuda.get_device_name() if device == "cuda" else "cpu (Triton interpreter: not a timing)",
           "arch": a.arch, "torch": torch.__version__, "triton": triton.__version__, "cases": rows}
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=1)


def plot(rows, path):
    try:
        import matplotlib
    except ImportError:
        print("--plot: matplotlib is not installed; no plot written")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(VARIANTS)
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(rows)), 4))
    w = 0.8 / len(names)
    for i, name in enumerate(names):
        ys = [r["variants"][name].get("roofline_frac", 0.0) for r in rows]
        ax.bar([j + i * w for j in range(len(rows))], ys, w, label=name)
    ax.set_xticks([j + 0.4 - w / 2 for j in range(len(rows))])
    ax.set_xticklabels([f"{r['rows']}x{r['row_len'] // 1024}K\n{r['pattern']}" for r in rows])
    ax.set_ylabel("fraction of roofline (one read)")
    ax.set_title(f"top-k, k = {rows[0]['k']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path}")


def main(argv=None):
    from dsagen.spec.archs import ARCHS, get_arch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", default="sm90", choices=sorted(ARCHS), help="arch whose bandwidth is the roofline")
    p.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    p.add_argument("--quick", action="store_true", help="64-row cases only")
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--json", help="write every case, device, date and versions here")
    p.add_argument("--plot", help="write a PNG of each variant's fraction of the roofline (needs matplotlib)")
    p.add_argument("--dry-run", action="store_true", help="list the cases and variants; run nothing")
    a = p.parse_args(argv)
    arch = get_arch(a.arch)
    if a.dry_run:
        for rows, n, k, pat in cases(a.quick, a.device):
            print(f"rows {rows} x {n} ({pat}), k {k}: {', '.join(VARIANTS)}")
        return 0
    if a.device == "cuda" and not torch.cuda.is_available():
        print("bench_topk: timing needs a CUDA GPU (none here); --dry-run lists the cases, "
              "--device cpu runs the plumbing in the interpreter", file=sys.stderr)
        return 2
    rows = run(a, arch, a.device)
    if a.plot and rows:
        plot(rows, a.plot)
    return 0 if all(r["ok"] for c in rows for r in c["variants"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
