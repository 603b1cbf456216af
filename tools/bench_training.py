"""Training kernels side by side with their baselines, in one run.

memory  The dense warm-up loss (dsagen.ops.indexer_kl over all causal keys) against the same loss
        written with materialised [s_q, s_kv] scores (the readable float32 torch form every public
        recipe uses): the peak of live tensor bytes during forward + backward, measured by a
        dispatch-mode tracker that sees every tensor torch allocates (on a GPU also
        torch.cuda.max_memory_allocated). The streamed kernels allocate only their O(s_q + s_kv)
        outputs and gradients. On the CPU dsagen's kernels run in Triton's interpreter, so they are
        measured at small sizes only (--tokens); the materialised form runs at any size that fits.
time    (GPU only) sparse MLA forward + backward at DeepSeek-V3.2's training shape, TFLOPS with the
        backward FLOP count 2 * s_q * h * topk * (3 * d_qk + 2 * d_v) (cuDNN's), beside TileLang's
        published sparse_mla_bwd (~100 TFLOPS on H800, ~115 on H200; DSA_FACTS 12) and a torch
        gather + SDPA-style baseline timed in the same run.

    python tools/bench_training.py memory [--tokens 64 128 256] [--heads 4] [--plot out.png]
    python tools/bench_training.py time [--s-q 4096 --s-kv 32768 --topk 2048 --heads 128]
"""

import argparse
import sys
import time
import weakref

import torch
from torch.utils._python_dispatch import TorchDispatchMode


class LiveBytes(TorchDispatchMode):
    """Peak of live tensor storage bytes created inside the mode (freed when torch frees them)."""

    def __init__(self):
        super().__init__()
        self.live = 0
        self.peak = 0
        self._seen = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor):
                st = t.untyped_storage()
                key = st.data_ptr()
                if key and key not in self._seen:
                    n = st.nbytes()
                    self._seen[key] = n
                    self.live += n
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(st, self._free, key)
        return out

    def _free(self, key):
        self.live -= self._seen.pop(key, 0)


def _dense_inputs(tokens, heads, index_heads, index_dim, device):
    from dsagen.operators.indexer_kl.problem import instance

    t = instance(index_heads, index_dim, heads, 512, 0, tokens, tokens, seed=0)
    t = {k: (v.nan_to_num().to(device) if v is not None else None) for k, v in t.items()}
    t["key_start"] = torch.zeros(tokens, dtype=torch.int32, device=device)
    t["key_end"] = torch.arange(1, tokens + 1, dtype=torch.int32, device=device)
    return t


def materialised_loss(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end):
    """The dense KL with [s_q, s_kv] scores and attention, float32 (what a recipe without a fused loss does)."""
    s = torch.arange(k_idx.shape[0], device=q.device)
    mask = (s[None, :] >= key_start[:, None]) & (s[None, :] < key_end[:, None])
    scores = torch.einsum("tjs,tj->ts", torch.relu(torch.einsum("tjd,sd->tjs", q_idx.float(), k_idx.float())),
                          weights)
    with torch.no_grad():
        z = torch.einsum("thd,sd->ths", q.float(), kv[:, 0].float()) * q.shape[-1] ** -0.5
        p = torch.exp(z - attn_lse[..., None]).masked_fill(~mask[:, None, :], 0.0).sum(1)
        p = p / p.sum(-1, keepdim=True).clamp_min(1e-30)
    logq = torch.log_softmax(scores.masked_fill(~mask, float("-inf")), -1)
    return torch.where(p > 0, p * (torch.log(p.clamp_min(1e-30)) - logq.masked_fill(~mask, 0.0)), 0.0).sum(-1)


def dsagen_loss(q_idx, weights, k_idx, q, kv, attn_lse, key_start, key_end):
    from dsagen import ops

    return ops.indexer_kl(q_idx, weights, k_idx, q, kv, attn_lse, None, key_start, key_end)


def peak_bytes(fn, t):
    leaves = [t[k].clone().requires_grad_() for k in ("q_idx", "weights", "k_idx")]
    if t["q"].is_cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    with LiveBytes() as m:
        loss = fn(*leaves, t["q"], t["kv"], t["attn_lse"], t["key_start"], t["key_end"])
        loss.sum().backward()
    cuda_peak = torch.cuda.max_memory_allocated() - base if t["q"].is_cuda else None
    return m.peak, cuda_peak


def memory(args):
    device = torch.device(args.device)
    rows = []
    for n in args.tokens:
        t = _dense_inputs(n, args.heads, args.index_heads, args.index_dim, device)
        t0 = time.time()
        ours = peak_bytes(dsagen_loss, t)
        t1 = time.time()
        base = peak_bytes(materialised_loss, t)
        rows.append((n, ours, base))
        print(f"s_q = s_kv = {n:6d}: dsagen streamed {ours[0] / 2**20:10.3f} MiB   materialised {base[0] / 2**20:10.3f} "
              f"MiB   ratio {base[0] / max(ours[0], 1):7.1f}x   (dsagen {t1 - t0:.1f} s)"
              + (f"   cuda peaks {ours[1] / 2**20:.1f} / {base[1] / 2**20:.1f} MiB" if ours[1] is not None else ""),
              flush=True)
    for n in args.materialised_only:
        t = _dense_inputs(n, args.heads, args.index_heads, args.index_dim, device)
        base = peak_bytes(materialised_loss, t)
        print(f"s_q = s_kv = {n:6d}: materialised {base[0] / 2**20:10.1f} MiB (dsagen not run at this size here)",
              flush=True)
    if args.plot:
        import matplotlib.pyplot as plt

        xs = [r[0] for r in rows]
        plt.loglog(xs, [r[1][0] for r in rows], "o-", label="dsagen indexer_kl (streamed)")
        plt.loglog(xs, [r[2][0] for r in rows], "s-", label="materialised [s_q, s_kv]")
        plt.xlabel("tokens (s_q = s_kv)")
        plt.ylabel("peak live bytes, forward + backward")
        plt.legend()
        plt.savefig(args.plot)
    return rows


def timing(args):
    if not torch.cuda.is_available():
        sys.exit("time: needs a CUDA or ROCm GPU (on the CPU the kernels run in Triton's interpreter)")
    import triton.testing

    from dsagen import ops
    from dsagen.operators.sparse_mla_prefill.problem import random_instance

    q, kv, idx = random_instance(args.heads, 576, args.topk, args.s_q, args.s_kv, "cuda", nan_unused=False)
    q.requires_grad_()
    kv.requires_grad_()
    dout = torch.randn(args.s_q, args.heads, 512, device="cuda", dtype=torch.bfloat16)
    flops_bwd = 2 * args.s_q * args.heads * args.topk * (3 * 576 + 2 * 512)
    flops_fwd = 2 * args.s_q * args.heads * args.topk * (576 + 512)

    def ours(det):
        def run():
            out, _, _ = ops.sparse_mla_prefill(q, kv, idx, 576 ** -0.5)
            torch.autograd.backward(out, dout)
        torch.use_deterministic_algorithms(det)
        try:
            return triton.testing.do_bench(run)
        finally:
            torch.use_deterministic_algorithms(False)

    def torch_baseline():
        def run():
            k = kv[idx[:, 0].long().clamp(min=0), 0]                      # [s_q, topk, 576] gathered
            s = torch.einsum("thd,tkd->thk", q, k).float() * 576 ** -0.5
            out = torch.einsum("thk,tkd->thd", torch.softmax(s, -1).to(q.dtype), k[..., :512])
            torch.autograd.backward(out, dout)
        return triton.testing.do_bench(run)

    print(f"sparse MLA fwd + bwd, s_q {args.s_q}, s_kv {args.s_kv}, topk {args.topk}, h {args.heads}, "
          f"{torch.cuda.get_device_name()}")
    for name, ms in (("dsagen (atomic dkv)", ours(False)), ("dsagen (deterministic)", ours(True)),
                     ("torch gather + einsum", torch_baseline())):
        print(f"  {name:24s} {ms:9.3f} ms   {(flops_fwd + flops_bwd) / ms / 1e9:8.1f} TFLOPS (fwd + bwd)")
    print("  TileLang sparse_mla_bwd, published: ~100 TFLOPS (H800), ~115 (H200), backward alone")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    m = sub.add_parser("memory")
    m.add_argument("--tokens", type=int, nargs="+", default=[32, 64, 128])
    m.add_argument("--materialised-only", type=int, nargs="*", default=[])
    m.add_argument("--heads", type=int, default=4)
    m.add_argument("--index-heads", type=int, default=16)
    m.add_argument("--index-dim", type=int, default=64)
    m.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    m.add_argument("--plot")
    t = sub.add_parser("time")
    t.add_argument("--s-q", type=int, default=4096)
    t.add_argument("--s-kv", type=int, default=32768)
    t.add_argument("--topk", type=int, default=2048)
    t.add_argument("--heads", type=int, default=128)
    a = ap.parse_args()
    memory(a) if a.what == "memory" else timing(a)


if __name__ == "__main__":
    main()
