"""sparse_mla_prefill: problem keys, buckets, sizes, the output check and the inputs it is
checked and timed on."""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator

D_V = 512
D_QK_CHOICES = (576, 512)


def attended(lk, spec, n_kv: int) -> int:
    """Entries a query of a `lk` layer attends over n_kv raw tokens (DeepSeek-V4 prefill gathers the
    window and the compressed entries into one workspace, then runs this op once)."""
    w, k, raw = spec.attention.window, spec.topk.k, spec.raw_attended()
    return {"dsa": raw, "dsa-shared": raw, "window": w, "csa": w + k, "hca": w + lk.compressed(n_kv)}[lk.kind]


def _problems(spec):
    m = spec.mla
    return [{"h_q": h, "d_qk": m.d_qk, "d_v": m.d_v, "topk": attended(lk, spec, skv), "s_q": sq, "s_kv": skv}
            for lk in spec.attention.layers for h in m.heads_per_rank()
            for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]


def _sizes():
    import sympy as sp
    h_q, d_qk, d_v, topk, s_q, s_kv = sp.symbols("h_q d_qk d_v topk s_q s_kv")
    flops = 2 * s_q * topk * h_q * (d_qk + d_v)
    nbytes = (s_q * h_q * d_qk * 2 + s_q * topk * 4                # q, indices
              + sp.Min(s_kv, s_q * topk) * d_qk * 2                # each touched KV row once
              + s_q * h_q * d_v * 2 + 2 * s_q * h_q * 4)           # out, max_logits, lse
    return flops, nbytes


# FlashMLA's test inputs are randn / 10 (tests/test_flash_mla_prefill.py), and its bounds
# (tolerances.MLA_PREFILL_OUT) are set for them: a GPU kernel rounds P to bf16 before P V, as FlashMLA
# does, and at randn scale the sharper softmax puts a few outputs that cancel to ~0.01 past atol 8e-4
# (the Gluon kernel's CPU emulation, which rounds P as the GPU does: 2-92 elements of 16K-64K).
FLASHMLA_INPUT_SCALE = 0.1


def random_instance(h_q, d_qk, topk, s_q, s_kv, device="cpu", *, seed=0, nan_unused=True, scale=1.0):
    """Random q, kv (randn * scale, bf16), indices (in range). kv rows no query selects are NaN when
    nan_unused. scale 1 gives the sharper logits the CPU tests want (the interpreter keeps P in
    fp32); FLASHMLA_INPUT_SCALE gives the peer's distribution, which its bounds assume."""
    g = torch.Generator().manual_seed(seed)
    q = (torch.randn(s_q, h_q, d_qk, generator=g) * scale).to(torch.bfloat16)
    kv = (torch.randn(s_kv, 1, d_qk, generator=g) * scale).to(torch.bfloat16)
    indices = torch.randint(0, s_kv, (s_q, 1, topk), generator=g, dtype=torch.int32)
    if nan_unused:
        used = torch.zeros(s_kv, dtype=torch.bool)
        used[indices.flatten().long()] = True
        kv[~used] = float("nan")
    return q.to(device), kv.to(device), indices.to(device)


def mismatch(out, max_logits, lse, ref_out, ref_max, ref_lse) -> str:
    """'' when the kernel's outputs meet FlashMLA's prefill bounds against the oracle's, else why not."""
    for name, ans, ref, chk in (("out", out.float(), ref_out, tolerances.MLA_PREFILL_OUT),
                                ("max_logits", max_logits, ref_max, tolerances.MLA_PREFILL_LSE),
                                ("lse", lse, ref_lse, tolerances.MLA_PREFILL_LSE)):
        why = tolerances.peer_mismatch(ans.cpu(), ref, chk)
        if why:
            return f"{name}: {why}"
    return ""


def compare(out, max_logits, lse, ref_out, ref_max, ref_lse) -> tuple[float, bool]:
    """(max abs error over the finite part, within FlashMLA's bounds) of kernel outputs against the oracle's."""
    o, m, l = out.float().cpu(), max_logits.cpu(), lse.cpu()
    ok = not mismatch(o, m, l, ref_out, ref_max, ref_lse)
    err = float((o - ref_out).abs().max())
    fin = torch.isfinite(ref_lse)
    if fin.any():
        err = max(err, float((l - ref_lse)[fin].abs().max()), float((m - ref_max)[fin].abs().max()))
    return err, ok


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: the problem's heads and dims, 2 tokens and a 40-entry top-k over 200 KV rows on the
    CPU (64 tokens, the full top-k on a GPU), NaN in every KV row nobody selects, one invalid
    index per query, a NaN in one head of the first query; full: the problem's s_q x topk over s_kv
    rows. q and kv follow FlashMLA's test distribution (FLASHMLA_INPUT_SCALE), as its bounds assume."""
    from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as oracle

    dev = torch.device(device)
    h_q, d_qk, d_v = problem["h_q"], problem["d_qk"], problem["d_v"]
    if size == "full":
        topk, s_q, s_kv = problem["topk"], problem["s_q"], problem["s_kv"]
    else:
        small = dev.type == "cpu"
        topk = min(problem["topk"], 40 if small else problem["topk"])
        s_q = min(problem["s_q"], 2 if small else 64)
        s_kv = min(problem["s_kv"], 200 if small else problem["s_kv"])
    q, kv, idx = random_instance(h_q, d_qk, topk, s_q, s_kv, dev, nan_unused=size != "full",
                                 scale=FLASHMLA_INPUT_SCALE)
    idx[:, 0, -1] = -1  # one invalid index per query
    if size != "full":
        q[0, 0, 3] = float("nan")  # one head of one query: its out, lse and max_logits are NaN
    out = torch.full((s_q, h_q, d_v), float("nan"), dtype=q.dtype, device=dev)
    ml = torch.full((s_q, h_q), float("nan"), dtype=torch.float32, device=dev)
    lse = torch.full((s_q, h_q), float("nan"), dtype=torch.float32, device=dev)
    sm_scale = d_qk ** -0.5

    def check():
        ref = oracle(q.cpu(), kv.cpu(), idx.cpu(), sm_scale, d_v)
        err, _ = compare(out, ml, lse, *ref)
        why = mismatch(out, ml, lse, *ref)
        return err, not why, why

    return [Case(f"h{h_q}_d{d_qk}_sq{s_q}_skv{s_kv}_topk{topk}",
                 lambda m: m.launch(q, kv, idx, None, None, out, ml, lse, sm_scale=sm_scale), check)]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """Each head block of a token gathers its top-k KV rows again; the head block is the fast grid
    axis (a token's blocks are adjacent programs running together), so the later blocks read the
    rows from L2 whatever s_kv is. The MMA tiles are BLOCK_H x BLOCK_N for QK^T and BLOCK_H x d_v
    (K = BLOCK_N steps) for PV."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    h_q, bh = int(problem["h_q"]), int(schedule.get("BLOCK_H", 64))
    bh = min(bh, 1 << max(h_q - 1, 0).bit_length())   # launch clamps it to next_pow2(h_q)
    bn = int(schedule.get("BLOCK_N", 64))
    blocks = -(-h_q // bh)
    kv = int(problem["s_q"]) * int(problem["topk"]) * int(problem["d_qk"]) * 2
    # wgmma: the warpgroups beyond BLOCK_H / 64 split QK^T along N (8 warps, BLOCK_H 64: N = BLOCK_N / 2)
    split = max(1, int(schedule.get("num_warps", 4)) // 4 // max(1, bh // 64)) if arch.has_wgmma else 1
    e_qk = mma_shape_efficiency(arch, bh, bn // split)
    e_pv = mma_shape_efficiency(arch, bh, int(problem["d_v"])) * min(1.0, bn / 32) ** 0.5
    return {"extra_bytes": kv * (blocks - 1) * L2_REREAD, "mma_eff": 2 / (1 / e_qk + 1 / e_pv)}


OP = Operator(
    "sparse_mla_prefill", {"h_q": int, "d_qk": int, "d_v": int, "topk": int, "s_q": int, "s_kv": int},
    ("s_q", "s_kv"), "s_kv", (("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("s_kv", "skv")),
    _problems, cases, _sizes, flop_dtype="bf16",
    parallel_tiles=(("BLOCK_H", "h_q"),), serial_tiles=(("BLOCK_N", "topk"),), dot_tiles=("BLOCK_H",),
    base_ctas=lambda p: p["s_q"],
    traffic=_traffic,
    example={"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 8192},
    doc="attention of every query head over its token's top-k latent KV rows (bf16)",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
