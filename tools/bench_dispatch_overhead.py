"""Host-side cost of a decode call: torch.ops.dsagen.* (dispatcher) against dsagen.ops.* (direct).

In a decode step at batch 1 the kernels take microseconds, so what Python and the torch
dispatcher add per call matters. This isolates it: the kernel module's `launch` is replaced by a
no-op, so the timing is argument checks + output allocation + (for the custom op) the
dispatcher, with no kernel (and without the choice of kernel module, which dsagen.runtime.dispatch
memoises per problem: about 10 us per call on the first-level cache hit, measured on the CPU
with the sm90 path forced). Runs anywhere (CPU tensors; on a GPU host pass --device cuda to
include CUDA tensor allocation). Prints per-call medians and the dispatcher's extra cost.

    python tools/bench_dispatch_overhead.py [--device cpu|cuda] [--calls 2000]
"""

import argparse
import statistics
import sys
import time

import torch


class _NoKernel:
    """Stands in for a kernel module: accepts the launch, does nothing."""

    SCHEDULE = {}

    @staticmethod
    def launch(*args, **kwargs):
        return None

    @staticmethod
    def choose_splits(*args, **kwargs):
        return 1


def _inputs(device):
    from dsagen.oracle import fp8

    g = torch.Generator().manual_seed(0)
    q = torch.randn(1, 1, 128, 576, generator=g).bfloat16().to(device)
    cache = fp8.pack_mla_fp8_cache(torch.randn(4, 64, 1, 576, generator=g)).to(device)
    idx = torch.randint(0, 256, (1, 1, 2048), generator=g, dtype=torch.int32).to(device)
    logits = torch.randn(1, 8192, generator=g).to(device)
    return q, cache, idx, logits


def _median_us(fn, calls):
    for _ in range(50):
        fn()
    ts = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts) * 1e6


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--calls", type=int, default=2000)
    a = p.parse_args(argv)

    import dsagen.library  # noqa: F401
    from dsagen import ops
    from dsagen.operators.sparse_mla_decode import api as mla_decode
    from dsagen.operators.topk import api as topk

    # no kernels: only host-side work is timed
    for mod in (mla_decode, topk):
        mod.kernel_module = lambda *args, **kwargs: _NoKernel

    q, cache, idx, logits = _inputs(a.device)
    scale = 576 ** -0.5
    rows = [
        ("sparse_mla_decode", lambda: ops.sparse_mla_decode(q, cache, idx, scale),
         lambda: torch.ops.dsagen.sparse_mla_decode(q, cache, idx, scale, 512, None, None)),
        ("topk_indices", lambda: ops.topk_indices(logits, 2048),
         lambda: torch.ops.dsagen.topk_indices(logits, 2048, None, None)),
    ]
    print(f"host time per call, no kernel launched ({a.device}, median of {a.calls}):")
    print(f"{'op':<20} {'direct (us)':>12} {'torch.ops (us)':>15} {'dispatcher adds':>16}")
    for name, direct, via_op in rows:
        d, o = _median_us(direct, a.calls), _median_us(via_op, a.calls)
        print(f"{name:<20} {d:>12.1f} {o:>15.1f} {o - d:>13.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
