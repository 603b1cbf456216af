"""kv_compress: problem keys, buckets, sizes and the inputs it is checked and timed on.

Problem: d (entry width: the MLA latent d_qk for the attention compressor, the indexer's
head_dim for the indexer's), ratio (tokens per group), overlap (1: CSA's two overlapping series,
rows of 2 d; 0: HCA's, rows of d), norm (1: RMSNorm after pooling, DeepSeek-V4; 0: GLM-5.3-Flash's
indexer key pooling), entries (compressed entries per launch: the size key).
"""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator

EPS = 1e-6   # DeepSeek-V4's rms_norm_eps


def _problems(spec):
    """Per compressing layer kind (csa overlaps, hca does not; DeepSeek-V4's CSA ratio 4 and HCA
    ratio 128): the attention compressor (d = mla.d_qk) and, for csa, the indexer's own compressor
    (d = indexer.head_dim). Entries per launch: prefill emits s_q / ratio (whole groups of the
    chunk), a decode step at most ceil(next_n / ratio) per sequence (fixed for graph replay)."""
    def points(d, r, ov, norm):
        key = {"d": d, "ratio": r, "overlap": ov, "norm": norm}
        return ([dict(key, entries=max(sq // r, 1)) for sq in spec.prefill.s_q]
                + [dict(key, entries=b * -(-n // r)) for b in spec.decode.batch for n in spec.decode.next_n])

    out = []
    for lk in spec.attention.kinds("csa", "hca"):
        r, ov = lk.compress_ratio, int(lk.kind == "csa")
        out += points(spec.mla.d_qk, r, ov, 1)
        if lk.kind == "csa":
            out += points(spec.indexer.head_dim, r, ov, 1)
    if spec.indexer.key_pool > 1 and spec.attention.kinds("dsa"):   # GLM-5.3-Flash: keys pooled, no overlap
        out += points(spec.indexer.head_dim, spec.indexer.key_pool, 0, 0)
    return out


def _sizes():
    import sympy as sp
    d, ratio, overlap, entries = sp.symbols("d ratio overlap entries")
    slots = ratio * (1 + overlap)
    flops = 8 * entries * slots * d + 4 * entries * d           # exp, max, two fmas per slot; RMSNorm
    nbytes = (2 * entries * ratio * (1 + overlap) * d * 2         # kv and score rows (bf16), once
              + entries * slots * d * 4 / ratio                   # ape (fp32; reused, a small share)
              + entries * (8 + 2 * d))                            # entry table, bf16 out
    return flops, nbytes


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """With overlap every row's first half is read again by the next group (mostly from L2)."""
    from dsagen.spec.archs import L2_REREAD

    e, r, d, ov = (int(problem[k]) for k in ("entries", "ratio", "d", "overlap"))
    return {"extra_bytes": ov * 2 * e * r * d * 2 * L2_REREAD, "cuda_flops": 8.0 * e * r * (1 + ov) * d,
            "mma_eff": 1.0}


def random_inputs(problem: dict, *, seed: int = 0, device="cpu", layout: str = "prefill", entries=None):
    """Random projected rows and entry tables shaped like `problem`.

    layout "prefill": a packed batch of 3 sequences (lengths not multiples of ratio: their tails are
    NaN rows no entry names), every complete group an entry, the first of each sequence without a
    previous group. layout "ring": decode's per-sequence ring of (1 + overlap) * ratio rows, one
    entry per sequence, every other sequence with no completed group (-1), the ring's unused
    rows NaN. Returns dict(kv, score, ape, weight, group_rows, prev_rows, ratio); weight is None
    without norm, prev_rows None without overlap."""
    d, r, ov = int(problem["d"]), int(problem["ratio"]), int(problem["overlap"])
    c = 1 + ov
    g = torch.Generator().manual_seed(seed)
    n_ent = int(entries or problem["entries"])
    if layout == "prefill":
        groups = [max(n_ent // 3, 1), max(n_ent // 3, 1), max(n_ent - 2 * max(n_ent // 3, 1), 1)]
        lens = [k * r + (i * 3 + 1) % r for i, k in enumerate(groups)]
        rows, grows, prows, at = sum(lens), [], [], 0
        for k, n in zip(groups, lens):
            grows += [at + j * r for j in range(k)]
            prows += [-1] + [at + (j - 1) * r for j in range(1, k)]
            at += n
        used = torch.zeros(rows, dtype=torch.bool)
        for x in grows:
            used[x:x + r] = True
    elif layout == "ring":
        ring = c * r
        rows = n_ent * ring
        grows, prows = [], []
        used = torch.zeros(rows, dtype=torch.bool)
        for b in range(n_ent):
            if b % 2:
                grows.append(-1)
                prows.append(-1)
                continue
            half = (b // 2) % c          # which half of the ring holds the completed group
            grows.append(b * ring + half * r)
            prows.append(b * ring + (1 - half) * r if ov and b % 4 == 0 else -1)
            used[b * ring + half * r: b * ring + half * r + r] = True
            if prows[-1] >= 0:
                used[prows[-1]: prows[-1] + r] = True
    else:
        raise ValueError(f"layout {layout!r}")
    kv = torch.randn(rows, c * d, generator=g)
    score = torch.randn(rows, c * d, generator=g) * 3
    score[::7, ::5] += 40.0                 # a few sharp gates: the softmax must subtract its max
    kv[~used], score[~used] = float("nan"), float("nan")
    ape = torch.randn(r, c * d, generator=g) * 0.5
    weight = 1 + 0.1 * torch.randn(d, generator=g)
    dev = torch.device(device)
    return {"kv": kv.bfloat16().to(dev), "score": score.bfloat16().to(dev), "ape": ape.to(dev),
            "weight": weight.to(dev) if int(problem["norm"]) else None,
            "group_rows": torch.tensor(grows, dtype=torch.int32, device=dev),
            "prev_rows": torch.tensor(prows, dtype=torch.int32, device=dev) if ov else None, "ratio": r}


SKIPPED = -7.0   # what an entry the kernel must not write holds before and after the run


def _case(problem, device, layout, entries, seed, bad_rows=False):
    from dsagen.operators.kv_compress.naive import kv_compress as oracle

    x = random_inputs(problem, seed=seed, device=device, layout=layout, entries=entries)
    if bad_rows:   # one group and one previous group past the end: never read, the entry NaN
        x["group_rows"][0] = x["kv"].shape[0] - x["ratio"] + 1
        if int(problem["overlap"]) and x["group_rows"].numel() > 2:
            x["prev_rows"][2] = x["kv"].shape[0]
    e, d = x["group_rows"].numel(), int(problem["d"])
    out = torch.full((e, d), float("nan"), dtype=torch.bfloat16, device=device)
    skip = x["group_rows"] < 0
    out[skip] = SKIPPED

    def run(m):
        m.launch(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"], x["prev_rows"], out,
                 ratio=x["ratio"], eps=EPS)

    def check():
        ref = oracle(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"].cpu(),
                     None if x["prev_rows"] is None else x["prev_rows"].cpu(), x["ratio"], EPS)
        ref[skip.cpu()] = SKIPPED
        ref = ref.to(torch.bfloat16).double()   # the bf16 output against the oracle rounded to bf16
        why = tolerances.peer_mismatch(out.cpu(), ref, tolerances.KV_COMPRESS_OUT)
        err = (out.cpu().double() - ref).abs().nan_to_num(0.0).max().item() if e else 0.0
        return (err if not why else float("inf")), not why, why

    name = (f"{layout}_d{d}_r{x['ratio']}_ov{problem['overlap']}_norm{problem['norm']}_e{e}"
            + ("_badrows" if bad_rows else ""))
    return Case(name, run, check)


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: a packed prefill batch (incomplete tails, first groups without a previous one, an
    out-of-range group) and a decode ring (entries of sequences with no completed group skipped,
    NaN in every unread row), few entries on the CPU; full: the problem's entries, prefill layout."""
    if size == "full":
        return [_case(problem, device, "prefill", int(problem["entries"]), 0)]
    small = torch.device(device).type == "cpu"
    n = min(int(problem["entries"]), 5 if int(problem["ratio"]) <= 16 else 3) if small else int(problem["entries"])
    n = max(n, 3)
    return [_case(problem, device, "prefill", n, 1, bad_rows=True), _case(problem, device, "ring", n + 1, 2)]


OP = Operator(
    "kv_compress", {"d": int, "ratio": int, "overlap": int, "norm": int, "entries": int}, ("entries",), "entries",
    (("d", "d"), ("ratio", "r"), ("overlap", "ov"), ("norm", "norm"), ("entries", "e")), _problems, cases, _sizes,
    flop_dtype=None,
    serial_tiles=(("BLOCK_S", "ratio"),), base_ctas=lambda p: p["entries"], traffic=_traffic,
    example={"d": 512, "ratio": 4, "overlap": 1, "norm": 1, "entries": 1024},
    doc="DeepSeek-V4's KV compressor (and GLM-5.3-Flash's key pooling): per-channel softmax-gated pooling "
        "of token groups (+ APE), RMSNorm",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
