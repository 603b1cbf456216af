"""sparse_mla_bwd: problem keys (those of the forward), buckets, sizes, the gradient check and the
inputs it is checked and timed on."""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator
from dsagen.operators.sparse_mla_prefill.problem import _problems as _forward_problems
from dsagen.operators.sparse_mla_prefill.problem import random_instance


def _sizes():
    import sympy as sp
    h_q, d_qk, d_v, topk, s_q, s_kv = sp.symbols("h_q d_qk d_v topk s_q s_kv")
    # cuDNN's count (DSA_FACTS 12): QK^T recomputed, dO V^T, dQ, dK (d_qk each) and dV (d_v)
    flops = 2 * s_q * h_q * topk * (3 * d_qk + 2 * d_v)
    touched = sp.Min(s_kv, s_q * topk)
    nbytes = (s_q * h_q * (2 * d_qk * 2 + 2 * d_v * 2) + s_q * h_q * 4 + s_q * topk * 4   # q, dq, out, dO, lse, idx
              + touched * d_qk * 2                                                      # each touched KV row once
              + s_kv * d_qk * (4 + 4 + 2))                                              # fp32 dkv zeroed, cast, bf16 dkv
    return flops, nbytes


def dsink_scale(out, dout, lse, attn_sink):
    """sum_t P_sink * sum_i |dO_i out_i| per head: the size of the products d(attn_sink) sums. Delta =
    dO . out is taken from the forward's bf16 out (as in every FlashAttention-style backward), whose
    rounding moves Delta by up to 2^-9 of that sum; the bound's 2 bf16 ulps (2^-6) are measured on it."""
    delta = (out.double() * dout.double()).abs().sum(-1)
    p_sink = 1.0 - torch.sigmoid(lse.double() - attn_sink.double()[None, :])
    return (delta * p_sink).abs().sum(0)


def mismatch(dq, dkv, dsink, ref_dq, ref_dkv, ref_dsink, dsink_terms=None) -> str:
    """'' when the gradients meet the backward's bound (dsagen.tolerances.MLA_BWD_GRAD) against the
    oracle's; dsink's relative error is taken against dsink_terms (dsink_scale) when given."""
    pairs = [("dq", dq, ref_dq, None), ("dkv", dkv, ref_dkv, None)]
    if ref_dsink is not None:
        pairs.append(("dsink", dsink, ref_dsink, dsink_terms))
    for name, ans, ref, scale in pairs:
        if ans is None:
            return f"{name}: missing"
        why = tolerances.peer_mismatch(ans.float().cpu(), ref, tolerances.MLA_BWD_GRAD, scale=scale)
        if why:
            return f"{name}: {why}"
    return ""


def instance(h_q, d_qk, topk, s_q, s_kv, device="cpu", *, seed=0, sink=True):
    """A backward instance: the forward's random q / kv / indices (NaN in unselected KV rows) with
    edge cases mixed in (a query with no valid index, an index past s_kv, a -1, a repeated index, a
    topk_length cutting one query short), the forward's out (the float32 oracle's, rounded to bf16,
    as the kernel would have written it) and lse, a random dout and sink."""
    from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as forward

    q, kv, idx = random_instance(h_q, d_qk, topk, s_q, s_kv, seed=seed)
    g = torch.Generator().manual_seed(seed + 1)
    idx[0, 0, -1] = -1
    if topk > 2:
        idx[0, 0, 1] = idx[0, 0, 0]              # a repeated index adds twice
    if s_q > 1:
        idx[1, 0, -1] = s_kv + 3                 # out of range
    if s_q > 2:
        idx[2, 0, :] = -1                        # no valid entry
    topk_length = torch.full((s_q,), topk, dtype=torch.int32)
    if s_q > 3:
        topk_length[3] = max(topk // 3, 1)
    attn_sink = torch.randn(h_q, generator=g) if sink else None
    dout = torch.randn(s_q, h_q, 512, generator=g).to(torch.bfloat16)
    sm_scale = d_qk ** -0.5
    out, _, lse = forward(q, kv, idx, sm_scale, 512, attn_sink, topk_length)
    t = {"q": q, "kv": kv, "indices": idx, "out": out.to(torch.bfloat16), "dout": dout, "lse": lse.float(),
         "attn_sink": attn_sink, "topk_length": topk_length}
    return {k: (v.to(device) if v is not None else None) for k, v in t.items()}, sm_scale


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: the problem's heads and dims, 4 tokens and a 40-entry top-k over 64 KV rows on the CPU
    (64 tokens over 4096 rows on a GPU) with the edge cases of `instance`, once with atomic dkv and
    once deterministic; full: the problem's s_q x topk over s_kv rows, atomic."""
    from dsagen.operators.sparse_mla_bwd.naive import sparse_mla_bwd as oracle

    dev = torch.device(device)
    h_q, d_qk, d_v = problem["h_q"], problem["d_qk"], problem["d_v"]
    if size == "full":
        topk, s_q, s_kv = problem["topk"], problem["s_q"], problem["s_kv"]
    else:
        small = dev.type == "cpu"
        topk = min(problem["topk"], 40 if small else problem["topk"])
        s_q = min(problem["s_q"], 4 if small else 64)
        s_kv = min(problem["s_kv"], 64 if small else 4096)
    out = []
    for det in ((False, True) if size != "full" else (False,)):
        k_case = topk
        t, sm_scale = instance(h_q, d_qk, k_case, s_q, s_kv, dev, seed=h_q + topk + det)
        dq = torch.full_like(t["q"], float("nan"))
        delta = torch.full((s_q, h_q), float("nan"), device=dev)
        dkv = (torch.full_like(t["kv"], float("nan")) if det
               else torch.zeros(t["kv"].shape, dtype=torch.float32, device=dev))

        dsink = torch.full((h_q,), float("nan"), device=dev)

        def run(m, t=t, dq=dq, dkv=dkv, delta=delta, dsink=dsink, det=det, sm_scale=sm_scale):
            m.launch(t["q"], t["kv"], t["indices"], t["topk_length"], t["attn_sink"], t["out"], t["dout"], t["lse"],
                     dq, dkv, delta, sm_scale=sm_scale, deterministic=det, dsink=dsink)

        def check(t=t, dq=dq, dkv=dkv, dsink=dsink, sm_scale=sm_scale):
            cpu = {k: (v.cpu() if v is not None else None) for k, v in t.items()}
            ref = oracle(cpu["q"], cpu["kv"], cpu["indices"], cpu["dout"], sm_scale, d_v, cpu["attn_sink"],
                         cpu["topk_length"])
            why = mismatch(dq, dkv, dsink, *ref,
                           dsink_scale(cpu["out"], cpu["dout"], cpu["lse"], cpu["attn_sink"]))
            err = max(float((dq.double().cpu() - ref[0]).abs().max()), float((dkv.double().cpu() - ref[1]).abs().max()))
            return err, not why, why

        mode = "det" if det else "atomic"
        out.append(Case(f"h{h_q}_d{d_qk}_sq{s_q}_skv{s_kv}_topk{k_case}_{mode}", run, check))
    return out


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """What the query kernel (templates/sparse_mla_bwd/triton.py) moves and how its MMAs are shaped.

    Bytes: each head block gathers its token's top-k rows twice (64-column chunks for S^T / dP^T, then
    128-column chunks for dQ; the second from L2) and reads its q / dO column chunks twice per key
    tile (L2); dKV (per head block) and dQ (per key tile) leave through fp32 atomics (read-modify-
    write in L2); the fp32 dQ workspace is zeroed and read back once (HBM).
    MMAs: S^T, dP^T are BLOCK_N x BLOCK_H (keys as M), dKV^T 64 x BLOCK_N (columns as M), dQ
    BLOCK_H x 128; on 8 warps Triton splits M over the two warpgroups when M >= 128, else N. dS and
    P~ enter dKV and dQ as bf16 hi + lo, so those products run twice; mma_eff is the useful work
    (cuDNN's count, _sizes) over the executed work, each product at its tile's efficiency."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    h_q, d_qk, d_v = int(problem["h_q"]), int(problem["d_qk"]), int(problem["d_v"])
    s_q, topk = int(problem["s_q"]), int(problem["topk"])
    bh = min(int(schedule.get("BLOCK_H", 64)), 1 << max(h_q - 1, 0).bit_length())
    bh = max(bh, 16)
    bn = int(schedule.get("BLOCK_N", 64))
    groups = max(1, int(schedule.get("num_warps", 4)) // 4)

    def eff(m, n):
        m_groups = max(1, min(groups, m // 64))
        return mma_shape_efficiency(arch, m, max(1, n // (groups // m_groups)))

    dq_cols = 128 * -(-d_qk // 128)
    useful = 3 * d_qk + 2 * d_v
    executed = ((d_qk + d_v) / eff(bn, bh) + 2 * (d_qk + d_v) / eff(64, bn) + 2 * dq_cols / eff(bh, 128))
    blocks = -(-h_q // bh)
    tiles = s_q * blocks * -(-topk // bn)
    pairs = s_q * topk
    gather = pairs * d_qk * 2
    far = int(problem["s_kv"]) * d_qk * 2 > 50 * 2**20
    regather = gather * (blocks - 1) * (1.0 if far else L2_REREAD) + gather * blocks * L2_REREAD
    rows = tiles * 2 * bh * (d_qk + d_v) * 2
    atomics = (pairs * d_qk * blocks + tiles * bh * d_qk) * 4 * 2
    workspace = s_q * h_q * d_qk * 4 * 2
    return {"extra_bytes": regather + (rows + atomics) * L2_REREAD + workspace, "mma_eff": useful / executed}

OP = Operator(
    "sparse_mla_bwd", {"h_q": int, "d_qk": int, "d_v": int, "topk": int, "s_q": int, "s_kv": int},
    ("s_q", "s_kv"), "s_kv", (("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("s_kv", "skv")),
    _forward_problems, cases, _sizes, flop_dtype="bf16",
    parallel_tiles=(("BLOCK_H", "h_q"),), serial_tiles=(("BLOCK_N", "topk"),),
    base_ctas=lambda p: p["s_q"],
    traffic=_traffic,
    example={"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 8192},
    doc="gradients dq, dkv, d(sink) of sparse MLA prefill (training)",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
