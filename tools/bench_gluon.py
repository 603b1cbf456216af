"""The Gluon sm90 sparse MLA kernels against the Triton ones dispatch runs, side by side on one GPU.

For each operator (prefill: templates/sparse_mla_prefill/gluon.py; decode over the 656-byte FP8
cache: templates/sparse_mla_decode/gluon.py) first checks the Gluon kernel against the oracle on the
operator's verify cases; only if that passes, times it and the Triton kernel dispatch would run
(the tuned one of the problem's bucket in generated/, else the template) on the SAME full-size
inputs through the same `launch` call (dsagen.gen.timing.time_fn: CUDA events, L2 flushed, median),
for DeepSeek-V3.2 shapes (prefill: h_q 128 and 64 heads a GPU, top-k 2048; decode: 128 heads, FP8,
batch 1 / 32 / 128). Prints times, the speedup (Triton / Gluon), TFLOP/s and the fraction of the
roofline (tools/bench_tilelang.py's).

    python tools/bench_gluon.py [--op OP] [--quick] [--json OUT.json] [--plot OUT.png] [--reps N] [--dry-run]

--dry-run lists the cases without a GPU; otherwise an sm90 GPU is needed (Gluon's warp
specialisation and wgmma are Hopper's).
"""

import argparse
import datetime
import json
import sys
from pathlib import Path

import dsagen  # noqa: F401 - first: it decides the Triton interpreter before triton is imported
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_tilelang as bt  # noqa: E402 - its roofline, full-size inputs and formatting

OPS = ("sparse_mla_prefill", "sparse_mla_decode")
# the problems each operator's verify runs on the GPU before any timing
VERIFY = {"sparse_mla_prefill": {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 64, "s_kv": 8192},
          "sparse_mla_decode": {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 8, "s_q": 1,
                                "kv_format": "fp8", "page_block_size": 64}}


def cases(op: str, quick: bool) -> list:
    if op == "sparse_mla_decode":
        base = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "kv_format": "fp8", "page_block_size": 64}
        return [{**base, **s} for s in bt.sizes_for(op, quick)]
    base = {"d_qk": 576, "d_v": 512, "topk": 2048}
    return [{**base, "h_q": h, **s} for h in (128, 64) for s in bt.sizes_for(op, quick)]


HEAD = (f"{'shape':<34}{'Gluon us':>10}{'Triton us':>11}{'speedup':>9}{'Gluon':>12}{'roof':>6}"
        f"{'Triton':>12}{'roof':>6}")


def fmt_row(row: dict) -> str:
    r = row["roofline"]
    (gt, gf), (tt, tf) = bt.achieved(r, row["gluon_us"]), bt.achieved(r, row["triton_us"])
    return (f"{row['shape']:<34}{row['gluon_us']:>10.1f}{row['triton_us']:>11.1f}{row['speedup']:>8.2f}x"
            f"{gt:>12}{gf:>6.0%}{tt:>12}{tf:>6.0%}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--op", choices=OPS, help="one operator (default: both)")
    ap.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    ap.add_argument("--json", help="write the rows, device, date and versions here")
    ap.add_argument("--plot", help="write a PNG bar chart of the two times per case (needs matplotlib)")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--dry-run", action="store_true", help="list the cases and exit (no GPU needed)")
    a = ap.parse_args(argv)

    from dsagen.operators import get_op
    from dsagen.spec.archs import get_arch

    arch = get_arch("sm90")
    mem_bw = arch.mem_bw
    ops = [a.op] if a.op else list(OPS)
    if a.dry_run:
        for op in ops:
            for p in cases(op, a.quick):
                r = bt.roofline(op, p, arch, mem_bw)
                print(f"{op} {json.dumps(p)}  vs Triton {bt.triton_name(op, 'sm90', p)}  "
                      f"(roofline {r['roofline_us']:.1f} us, {r['bound']})")
        return 0
    from dsagen.runtime.dispatch import device_arch, template_module, triton_module
    from dsagen.runtime.triton_env import interpreter_on

    have = device_arch(torch.device("cuda")) if torch.cuda.is_available() else None
    if have != "sm90" or interpreter_on():
        print(f"bench_gluon: needs an sm90 GPU with the Triton compiler, found {have or 'no CUDA GPU'}"
              " (--dry-run lists the cases without one)", file=sys.stderr)
        return 2
    if "H200" in torch.cuda.get_device_name():
        mem_bw = 4.8e12  # H200 HBM3e (NVIDIA datasheet); the arch table's sm90 row is the H100 SXM5
    from dsagen.gen.timing import time_fn
    from dsagen.operators.base import verify

    print(f"{torch.cuda.get_device_name()}  {datetime.date.today()}  torch {torch.__version__}", flush=True)
    rows, verified = [], {}
    for name in ops:
        op = get_op(name)
        gl_mod = template_module(op, "gluon")
        ver = verified[name] = verify(op, gl_mod, VERIFY[name], "cuda")
        print(f"{name}: Gluon verify {'passed' if ver['passed'] else 'FAILED'} (max error {ver['max_error']:.3g}, "
              f"{ver['shapes']})", flush=True)
        if not ver["passed"]:
            continue
        print(HEAD, flush=True)
        for p in cases(name, a.quick):
            row = {"op": name, "problem": p, "shape": f"{name[11:]} h{p['h_q']} " + bt.shape_of(name, p),
                   "triton": bt.triton_name(name, "sm90", p), "roofline": bt.roofline(name, p, arch, mem_bw)}
            try:
                tr = triton_module(op, "sm90", p)
                _, call = bt.make_call(name, p, torch.device("cuda"))
                row["gluon_us"] = time_fn(lambda: call(gl_mod), "cuda", reps=a.reps)["median_us"]
                row["triton_us"] = time_fn(lambda: call(tr), "cuda", reps=a.reps)["median_us"]
                row["speedup"] = row["triton_us"] / row["gluon_us"]
                print(fmt_row(row), flush=True)
            except Exception as ex:  # noqa: BLE001 - one case failing must not stop the run
                row["error"] = f"{type(ex).__name__}: {ex}"[:500]
                print(f"{row['shape']:<34}ERROR {row['error']}", flush=True)
            rows.append(row)
            torch.cuda.empty_cache()
    if a.json:
        import triton
        doc = {"device": torch.cuda.get_device_name(), "date": datetime.date.today().isoformat(), "arch": "sm90",
               "torch": torch.__version__, "triton": triton.__version__, "mem_bw": mem_bw, "quick": a.quick,
               "gluon_verify": verified, "rows": rows}
        Path(a.json).write_text(json.dumps(doc, indent=1))
    if a.plot:
        bt.plot(rows, a.plot, series=(("gluon_us", "Gluon (warp-specialised)"), ("triton_us", "Triton (dispatched)")),
                title="sparse MLA, Gluon vs Triton", label=lambda r: r["shape"])
    ok = all(v["passed"] for v in verified.values())
    return 0 if ok and rows and all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
