"""Fused streaming indexer + top-k against logits + top-k: memory and time, side by side.

Memory: what each path allocates besides its inputs and the int32 [s_q, k] result, from the
shapes the two paths really allocate (fp32 [s_q, s_kv] logits vs the int32 scratch of the fused
kernel's persistent programs on a 132-SM H100/H800, as dsagen/operators/indexer_topk_fused/api.py
scratch_bytes computes it), at the DeepSeek-V3.2 prefill point 8K queries x 128K keys, k = 2048
(and a sweep of s_kv).
Time: both paths timed in one run on whatever device this is (the CPU runs Triton's
interpreter: that checks the plumbing and shows relative work, it says nothing of GPU speed).

    python tools/fused_indexer_topk.py [--device cpu|cuda] [--plot out.png]
"""

import argparse
import statistics
import sys
import time

import torch


def memory_table(s_q=8192, k=2048, s_kvs=(8192, 32768, 65536, 131072)):
    from dsagen.operators.indexer_topk_fused.api import scratch_bytes

    rows = []
    for s_kv in s_kvs:
        logits = s_q * s_kv * 4
        fused = scratch_bytes(s_q, k, num_sms=132)
        rows.append((s_kv, logits, fused, logits / fused))
    return rows


def _inputs(s_q, s_kv, h, d, device):
    from dsagen.oracle import fp8

    g = torch.Generator().manual_seed(0)
    q8, q_scale = fp8.quantize_indexer_keys(torch.randn(s_q, h, d, generator=g))
    k8, k_scale = fp8.quantize_indexer_keys(torch.randn(s_kv, d, generator=g))
    w = torch.randn(s_q, h, generator=g) * q_scale
    start = torch.zeros(s_q, dtype=torch.int32)
    end = torch.arange(s_kv - s_q + 1, s_kv + 1, dtype=torch.int32)
    return [t.to(device) for t in (q8, k8, k_scale, w, start, end)]


def time_paths(device, s_q, s_kv, h, d, k, reps):
    from dsagen import ops

    q8, k8, ks, w, start, end = _inputs(s_q, s_kv, h, d, device)

    def unfused():
        logits = ops.indexer_logits(q8, k8, ks, w, start, end)
        return ops.topk_indices(logits, k, row_starts=start, row_ends=end)

    def fused():
        return ops.indexer_topk_fused(q8, k8, ks, w, start, end, k)

    out = {}
    for name, fn in (("logits+topk", unfused), ("fused", fused)):
        fn()  # warm-up (compiles on a GPU)
        ts = []
        for _ in range(reps):
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            if device == "cuda":
                torch.cuda.synchronize()
            ts.append(time.perf_counter() - t0)
        out[name] = statistics.median(ts)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--plot", help="write a PNG of memory against s_kv (needs matplotlib)")
    p.add_argument("--reps", type=int, default=1)
    a = p.parse_args(argv)

    print("memory besides inputs and the int32 [s_q, k] result, s_q = 8192, k = 2048:")
    print(f"{'s_kv':>8} {'logits (MiB)':>13} {'fused (MiB)':>12} {'saving':>8}")
    rows = memory_table()
    for s_kv, lg, fu, ratio in rows:
        print(f"{s_kv:>8} {lg / 2**20:>13.0f} {fu / 2**20:>12.0f} {ratio:>7.0f}x")

    shape = (16, 1024, 16, 128, 128) if a.device == "cpu" else (4096, 65536, 64, 128, 2048)
    s_q, s_kv, h, d, k = shape
    where = "CPU, Triton interpreter" if a.device == "cpu" else torch.cuda.get_device_name()
    print(f"\ntime, s_q {s_q}, s_kv {s_kv}, heads {h}, head_dim {d}, k {k} ({where}; median of {a.reps}):")
    t = time_paths(a.device, s_q, s_kv, h, d, k, a.reps)
    for name, sec in t.items():
        print(f"  {name:<12} {sec * 1e3:10.1f} ms")
    print(f"  fused / unfused: {t['fused'] / t['logits+topk']:.2f}")

    if a.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        xs = [r[0] for r in rows]
        plt.figure(figsize=(5, 3.5))
        plt.plot(xs, [r[1] / 2**20 for r in rows], "o-", label="logits + top-k")
        plt.plot(xs, [r[2] / 2**20 for r in rows], "s-", label="fused streaming")
        plt.xscale("log", base=2)
        plt.yscale("log")
        plt.xlabel("s_kv (keys)")
        plt.ylabel("extra memory (MiB), s_q = 8192, k = 2048")
        plt.legend()
        plt.tight_layout()
        plt.savefig(a.plot, dpi=120)
        print(f"wrote {a.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
