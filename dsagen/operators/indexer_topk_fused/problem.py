"""indexer_topk_fused: problem keys, buckets, sizes and the inputs it is checked and timed on.

Its oracle is the composition of the two it fuses: indexer_logits/naive.py, then the k largest
of each row's range. The kernel's own fp32 logits may order near-equal candidates differently
from the float64 oracle, so the check compares the selected *values* within INDEXER_LOGITS.
"""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator


def _problems(spec):
    return [{"heads": spec.indexer.heads, "head_dim": spec.indexer.head_dim, "k": spec.selected(lk), "s_q": sq,
             "s_kv": spec.indexed(lk, skv)}
            for lk in spec.attention.kinds("dsa", "csa") for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]


def _sizes():
    import sympy as sp
    heads, head_dim, k, s_q, s_kv, q_bytes = sp.symbols("heads head_dim k s_q s_kv q_bytes")
    flops = 2 * s_q * s_kv * heads * head_dim
    nbytes = (s_q * heads * (head_dim * q_bytes + 4) + s_kv * (head_dim * q_bytes + 4)
              + 2 * s_q * 4 + s_q * k * 4)      # no logits matrix: top-k indices only
    return flops, nbytes


def check_selection(out, logits, start, end, k) -> tuple[bool, str]:
    """out int32 [s_q, k] against float64 oracle logits [s_q, s_kv] (-inf outside the ranges)."""
    tol = tolerances.INDEXER_LOGITS
    out, logits = out.cpu(), logits.cpu().double()
    s_kv = logits.shape[1]
    for r in range(out.shape[0]):
        a, b = max(int(start[r]), 0), min(int(end[r]), s_kv)
        want = min(k, max(b - a, 0))
        row = out[r]
        if not bool((row[:want] >= 0).all()) or not bool((row[want:] == -1).all()):
            return False, f"row {r}: expected {want} columns then -1, got {row.tolist()[:16]}..."
        sel = row[:want].long()
        if len(set(sel.tolist())) != want:
            return False, f"row {r}: a column was selected twice"
        if not bool(((sel >= a) & (sel < b)).all()):
            return False, f"row {r}: a column outside [{a}, {b})"
        if want:
            got = logits[r, sel].sort(descending=True).values
            top = logits[r, a:b].topk(want).values
            if not bool(torch.isclose(got, top, atol=tol.atol, rtol=tol.rtol).all()):
                return False, f"row {r}: selected logits differ from the oracle's top {want}"
    return True, ""


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: a few rows over a short key range (k capped at 64 on the CPU), one full range, one
    empty; full: the problem's s_q x s_kv."""
    from dsagen.operators.indexer_logits.naive import indexer_logits as logits_oracle
    from dsagen.operators.indexer_logits.problem import random_ragged

    h, d, k = int(problem["heads"]), int(problem["head_dim"]), int(problem["k"])
    if size == "full":
        s_q, s_kv = int(problem["s_q"]), int(problem["s_kv"])
    else:
        small = torch.device(device).type == "cpu"
        k = min(k, 64) if small else k
        s_q = min(int(problem["s_q"]), 4)
        s_kv = min(int(problem["s_kv"]), 3 * k + 41 if small else 4 * k + 1000)
    q, kk, ks, w, start, end = random_ragged(s_q, s_kv, h, d, seed=5, device=device)
    end = torch.maximum(end, start)
    holder = {}

    def run(m):
        out = torch.full((s_q, k), -7, dtype=torch.int32, device=q.device)
        m.launch(q, kk, ks, w, start, end, out, topk=k)
        holder["out"] = out

    def check():
        logits = logits_oracle(q.cpu(), kk.cpu(), ks.cpu(), w.cpu(), start.cpu(), end.cpu(), dtype=torch.float64)
        ok, why = check_selection(holder["out"], logits, start.cpu(), end.cpu(), k)
        return (0.0 if ok else float("inf")), ok, why

    return [Case(f"h{h}_d{d}_k{k}_sq{s_q}_skv{s_kv}", run, check)]


OP = Operator(
    "indexer_topk_fused", {"heads": int, "head_dim": int, "k": int, "s_q": int, "s_kv": int}, ("s_q", "s_kv"),
    "s_kv", (("heads", "h"), ("head_dim", "d"), ("k", "k"), ("s_kv", "skv")), _problems, cases, _sizes,
    flop_dtype="q", serial_tiles=(("BLOCK_N", "s_kv"),), base_ctas=lambda p: p["s_q"],
    example={"heads": 64, "head_dim": 128, "k": 2048, "s_q": 4096, "s_kv": 32768},
    doc="columns of the k largest indexer logits of each query's range, without the logits matrix",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
