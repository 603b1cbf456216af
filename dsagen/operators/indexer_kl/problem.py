"""indexer_kl: problem keys, buckets, sizes, the loss and gradient check and the inputs it is
checked and timed on (topk 0 is the dense warm-up, topk > 0 the sparse stage)."""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator


def _problems(spec):
    """The indexer of every dsa / csa layer over the spec's prefill shapes: dense (all causal keys)
    and sparse (the top-k), for the largest head count per rank."""
    ix, m = spec.indexer, spec.mla
    h_q = max(m.heads_per_rank())
    out = []
    for lk in spec.attention.kinds("dsa", "csa"):
        for sq in spec.prefill.s_q:
            for skv in spec.prefill.s_kv:
                n = spec.indexed(lk, skv)
                for topk in (0, spec.topk.k):
                    out.append({"index_heads": ix.heads, "index_dim": ix.head_dim, "h_q": h_q, "d_qk": m.d_qk,
                                "topk": topk, "s_q": sq, "s_kv": n})
    return out


def _sizes():
    import sympy as sp
    hi, di, h_q, d_qk, topk, s_q, s_kv = sp.symbols("index_heads index_dim h_q d_qk topk s_q s_kv")
    keys = sp.Piecewise((topk, topk > 0), (s_kv / 2, True))       # dense: causal, half the keys on average
    # forward (2 passes) + backward (2 kernels: query side, key side): the attention logits 4 times,
    # the indexer logits 4 times, and the indexer's dq product once and dk twice (g split hi + lo)
    flops = 2 * s_q * keys * (4 * h_q * d_qk + 4 * hi * di + 3 * hi * di)
    nbytes = (s_q * (h_q * d_qk * 2 + hi * di * 2 * 2 + hi * 4 * 2 + h_q * 4 + 16)
              + s_kv * (d_qk * 2 + di * 2 + di * 4))
    return flops, nbytes


def mismatch(loss, grads, ref_loss, ref_grads) -> str:
    why = tolerances.peer_mismatch(loss.float().cpu(), ref_loss, tolerances.INDEXER_KL_LOSS)
    if why:
        return f"loss: {why}"
    for name, a, r in zip(("dq_idx", "dweights", "dk_idx"), grads, ref_grads):
        why = tolerances.peer_mismatch(a.float().cpu(), r, tolerances.INDEXER_KL_GRAD)
        if why:
            return f"{name}: {why}"
    return ""


def instance(index_heads, index_dim, h_q, d_qk, topk, s_q, s_kv, *, seed=0):
    """Random indexer and attention inputs with the attention's true lse over each query's keys.
    Dense: causal key ranges of a two-sequence ragged batch plus an empty range; sparse: random
    indices with a -1, an index past s_kv and a query with no valid index. NaN sits in the KV and
    indexer-key rows no query reads."""
    from dsagen.operators.indexer_kl.naive import key_sets

    g = torch.Generator().manual_seed(seed)
    q_idx = torch.randn(s_q, index_heads, index_dim, generator=g).to(torch.bfloat16)
    weights = torch.randn(s_q, index_heads, generator=g) * index_heads ** -0.5
    k_idx = torch.randn(s_kv, index_dim, generator=g).to(torch.bfloat16)
    q = torch.randn(s_q, h_q, d_qk, generator=g).to(torch.bfloat16)
    kv = torch.randn(s_kv, 1, d_qk, generator=g).to(torch.bfloat16)
    key_start = key_end = indices = None
    if topk == 0:
        half = s_q // 2                       # two sequences, causal; the last 3 keys nobody reads
        base = s_kv - s_q - 3
        pos = torch.arange(s_q)
        key_start = torch.where(pos < half, 0, base // 2).to(torch.int32)
        key_end = (base + pos + 1).clamp(min=0, max=s_kv).to(torch.int32)
        key_end[min(1, s_q - 1)] = key_start[min(1, s_q - 1)]      # an empty key range
    else:
        indices = torch.randint(0, s_kv, (s_q, 1, topk), generator=g, dtype=torch.int32)
        indices[0, 0, -1] = -1
        if s_q > 1:
            indices[1, 0, 0] = s_kv + 2
        if s_q > 2:
            indices[2] = -1
    rows, valid = key_sets(s_kv, s_q, key_start, key_end, indices)
    z = torch.einsum("thd,tkd->thk", q.double(), kv[:, 0].double()[rows]) * d_qk ** -0.5
    lse = torch.where(valid[:, None, :], z, float("-inf")).logsumexp(-1)
    attn_lse = torch.where(torch.isfinite(lse), lse, float("inf")).float()
    read = torch.zeros(s_kv, dtype=torch.bool)
    read[rows[valid]] = True
    kv[~read] = float("nan")
    k_idx[~read] = float("nan")
    return {"q_idx": q_idx, "weights": weights, "k_idx": k_idx, "q": q, "kv": kv, "attn_lse": attn_lse,
            "key_start": key_start, "key_end": key_end, "indices": indices}


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: the problem's heads and dims, 6 queries over 96 keys (dense) or a 40-entry top-k (sparse)
    on the CPU (64 over 2048 on a GPU); forward and backward through the module; full: the problem's sizes."""
    from dsagen.operators.indexer_kl.naive import indexer_kl as oracle

    dev = torch.device(device)
    p = problem
    if size == "full":
        s_q, s_kv, topk = p["s_q"], p["s_kv"], p["topk"]
    else:
        small = dev.type == "cpu"
        s_q, s_kv = (6, 96) if small else (64, 2048)
        topk = min(p["topk"], 40 if small else p["topk"])
    t = instance(p["index_heads"], p["index_dim"], p["h_q"], p["d_qk"], topk, s_q, s_kv, seed=s_q + topk)
    t = {k: (v.to(dev) if v is not None else None) for k, v in t.items()}
    sm_scale = p["d_qk"] ** -0.5
    args = (t["q_idx"], t["weights"], t["k_idx"], t["q"], t["kv"], t["attn_lse"], t["key_start"], t["key_end"],
            t["indices"])
    loss = torch.full((s_q,), float("nan"), device=dev)
    stats = torch.full((s_q, 2), float("nan"), device=dev)
    dloss = torch.rand(s_q, generator=torch.Generator().manual_seed(1)).to(dev)
    dq_idx = torch.full_like(t["q_idx"], float("nan"))
    dweights = torch.full_like(t["weights"], float("nan"))
    dk_idx = torch.zeros(t["k_idx"].shape, dtype=torch.float32, device=dev)

    def run(m):
        m.launch_forward(*args, loss, stats, sm_scale=sm_scale)
        m.launch_backward(*args, stats, dloss, dq_idx, dweights, dk_idx, sm_scale=sm_scale)

    def check():
        cpu = {k: (v.cpu() if v is not None else None) for k, v in t.items()}
        leaves = [cpu[k].double().requires_grad_() for k in ("q_idx", "weights", "k_idx")]
        ref = oracle(*leaves, cpu["q"], cpu["kv"], cpu["attn_lse"], sm_scale, cpu["key_start"], cpu["key_end"],
                     cpu["indices"])
        ref_grads = torch.autograd.grad(ref, leaves, dloss.cpu().double())
        why = mismatch(loss, (dq_idx, dweights, dk_idx), ref.detach(), ref_grads)
        err = float((loss.double().cpu() - ref.detach()).abs().max())
        return err, not why, why

    mode = f"topk{topk}" if topk else "dense"
    return [Case(f"ih{p['index_heads']}_id{p['index_dim']}_h{p['h_q']}_d{p['d_qk']}_sq{s_q}_skv{s_kv}_{mode}", run,
                 check)]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """Each head block of the attention reloads its q rows per key tile (L2), 4 times (2 forward passes,
    2 backward kernels), and the backward adds dk_idx with fp32 atomics per (query, key); the attention
    logits run on BLOCK_N x BLOCK_H tiles (keys as M): 8 warps split M over the two warpgroups when
    BLOCK_N >= 128, else they split N (a warpgroup then gets BLOCK_H / 2 columns)."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    bn, bh = int(schedule.get("BLOCK_N", 32)), int(schedule.get("BLOCK_H", 16))
    groups = max(1, int(schedule.get("num_warps", 4)) // 4)
    m_groups = max(1, min(groups, bn // 64))
    keys = problem["topk"] or problem["s_kv"] // 2
    tiles = int(problem["s_q"]) * -(-keys // bn)
    q_reload = tiles * 4 * int(problem["h_q"]) * int(problem["d_qk"]) * 2
    atomics = int(problem["s_q"]) * keys * int(problem["index_dim"]) * 4 * 2
    return {"extra_bytes": (q_reload + atomics) * L2_REREAD,
            "mma_eff": mma_shape_efficiency(arch, bn, bh // (groups // m_groups))}


OP = Operator(
    "indexer_kl",
    {"index_heads": int, "index_dim": int, "h_q": int, "d_qk": int, "topk": int, "s_q": int, "s_kv": int},
    ("s_q", "s_kv"), "s_kv",
    (("index_heads", "ih"), ("index_dim", "id"), ("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("s_kv", "skv")),
    _problems, cases, _sizes, flop_dtype="bf16",
    serial_tiles=(("BLOCK_N", "s_kv"),),
    base_ctas=lambda p: p["s_q"],
    traffic=_traffic,
    example={"index_heads": 64, "index_dim": 128, "h_q": 128, "d_qk": 576, "topk": 0, "s_q": 4096, "s_kv": 8192},
    doc="the indexer's training loss KL(attention || indexer) and its gradients, streamed (dense or top-k keys)",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """The verify cases through `module` against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
