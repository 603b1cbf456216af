"""indexer_logits: problem keys, buckets, sizes and the inputs it is checked and timed on."""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator
from dsagen.oracle import fp8

HEAD_DIMS = (32, 64, 128, 256)


def _problems(spec):
    """Per layer kind with an indexer: dsa over the raw tokens (or their pooled keys), csa over the
    compressed entries (spec.indexed)."""
    ix = spec.indexer
    return [{"heads": ix.heads, "head_dim": ix.head_dim, "s_q": sq, "s_kv": spec.indexed(lk, skv)}
            for lk in spec.attention.kinds("dsa", "csa") for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]


def _sizes():
    import sympy as sp
    heads, head_dim, s_q, s_kv, q_bytes = sp.symbols("heads head_dim s_q s_kv q_bytes")
    flops = 2 * s_q * s_kv * heads * head_dim     # every key visible to every query (a cached prefix)
    nbytes = (s_q * heads * head_dim * q_bytes + s_q * heads * 4      # q, weights
              + s_kv * (head_dim * q_bytes + 4)                      # k, per-token scale
              + 2 * s_q * 4                                          # ks, ke
              + s_q * s_kv * 4)                                      # logits
    return flops, nbytes


def max_error_ratio(got, ref):
    """Largest |got - ref| / (atol + rtol |ref|) over finite refs (< 1 passes); inf on a mask mismatch."""
    got, ref = got.cpu().double(), ref.cpu().double()
    fin = torch.isfinite(ref)
    if not torch.equal(fin, torch.isfinite(got)) or not torch.equal(got[~fin], ref[~fin]):
        return float("inf")
    if not fin.any():
        return 0.0
    tol = tolerances.INDEXER_LOGITS
    err = (got[fin] - ref[fin]).abs() / (tol.atol + tol.rtol * ref[fin].abs())
    return float(err.max())


def abs_error(got, ref):
    """Largest |got - ref| over the oracle's finite entries (what the manifest records)."""
    got, ref = got.cpu().double(), ref.cpu().double()
    fin = torch.isfinite(ref)
    return float((got[fin] - ref[fin]).abs().max()) if fin.any() else 0.0


def compare_logits(out, ref):
    """(max abs error, passed, note) of kernel logits against the oracle's (masks must match)."""
    ratio = max_error_ratio(out, ref)
    if ratio == float("inf"):
        return ratio, False, "-inf masks or non-finite values differ from the oracle"
    return abs_error(out, ref), ratio <= 1.0, "" if ratio <= 1.0 else f"error {ratio:.3g}x the tolerance"


def random_ragged(s_q, s_kv, h, d, *, dtype="fp8", seed=0, device="cpu"):
    """Random DeepSeek-like inputs: fp8 (or bf16) q/k, weights with q scale folded in, ranges with
    ks > 0, one empty row, causal-ish ends. Returns (q, k, k_scale, weights, row_start, row_end)."""
    g = torch.Generator().manual_seed(seed)
    qf = torch.randn(s_q, h, d, generator=g)
    kf = torch.randn(s_kv, d, generator=g)
    w = torch.randn(s_q, h, generator=g)
    if dtype == "fp8":
        q, qs = fp8.quantize_indexer_keys(qf)
        k, ks = fp8.quantize_indexer_keys(kf)
        w = w * qs
    else:
        q, k, ks = qf.bfloat16(), kf.bfloat16(), None
    start = torch.randint(0, max(s_kv // 3, 1), (s_q,), generator=g, dtype=torch.int32)
    end = torch.randint(0, s_kv + 1, (s_q,), generator=g, dtype=torch.int32).maximum(start)
    if s_q > 1:
        end[1] = start[1]  # an empty range
    if s_q > 2:
        start[2], end[2] = 0, s_kv
    dev = torch.device(device)
    return (q.to(dev), k.to(dev), None if ks is None else ks.to(dev), w.to(dev), start.to(dev), end.to(dev))


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: a few rows over a short key range on the CPU (a 1000-key range on a GPU), one empty
    range, one full range; full: the problem's s_q x s_kv."""
    from dsagen.operators.indexer_logits.naive import indexer_logits as oracle

    h, d = int(problem["heads"]), int(problem["head_dim"])
    if size == "full":
        s_q, s_kv = int(problem["s_q"]), int(problem["s_kv"])
    else:
        small = torch.device(device).type == "cpu"
        s_q = min(int(problem["s_q"]), 5 if small else 64)
        s_kv = min(int(problem["s_kv"]), 131 if small else 1000)
    args = random_ragged(s_q, s_kv, h, d, seed=7, device=device)
    out = torch.full((s_q, s_kv), float("nan"), device=device)

    def check():
        return compare_logits(out, oracle(*[a.cpu() for a in args]))

    return [Case(f"h{h}_d{d}_sq{s_q}_skv{s_kv}", lambda m: m.launch(*args, out, clean=True), check)]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """A program keeps BLOCK_Q rows of q (x all heads) resident over BLOCK_N * TILES_N keys: q is
    reloaded per column chunk and the keys per query block (mostly from L2); the MMA tile is
    (BLOCK_Q * heads) x BLOCK_N; the ReLU x weight head-sum epilogue runs on the CUDA cores."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    s_q, s_kv, h, d = (int(problem[k]) for k in ("s_q", "s_kv", "heads", "head_dim"))
    bq, bn, tiles = (int(schedule.get(k, 1)) for k in ("BLOCK_Q", "BLOCK_N", "TILES_N"))
    chunks, qblocks = -(-s_kv // (bn * tiles)), -(-s_q // bq)
    extra = s_q * h * d * (chunks - 1) + s_kv * (d + 4) * (qblocks - 1)
    return {"extra_bytes": extra * L2_REREAD, "mma_eff": mma_shape_efficiency(arch, bq * h, bn),
            "cuda_flops": 3.0 * s_q * s_kv * h}


OP = Operator(
    "indexer_logits", {"heads": int, "head_dim": int, "s_q": int, "s_kv": int}, ("s_q", "s_kv"), "s_kv",
    (("heads", "h"), ("head_dim", "d"), ("s_kv", "skv")), _problems, cases, _sizes, flop_dtype="q",
    parallel_tiles=(("BLOCK_Q", "s_q"), ("BLOCK_N*TILES_N", "s_kv")), dot_tiles=("BLOCK_N",),
    traffic=_traffic,
    example={"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 8192},
    doc="sum_h relu(q . k) * w over each row's key range, -inf outside",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
