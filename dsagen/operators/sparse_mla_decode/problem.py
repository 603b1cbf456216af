"""sparse_mla_decode: problem keys, buckets, sizes and the inputs it is checked and timed on."""

import torch

from dsagen import tolerances
from dsagen.operators.base import Case, Operator
from dsagen.oracle import fp8 as fp8_layout

D_QK = 576
D_V = 512
FLASHMLA_KV_SCALE = 0.1   # FlashMLA's decode tests draw the cache rows as randn / 10 (and q clamped to [-1, 1])


def _caches(lk, spec, context: int) -> tuple:
    """(top-k over the raw-token cache, top-k over the compressed cache or 0, its page size or 0)
    of a decode query in a `lk` layer with `context` tokens."""
    w, k = spec.attention.window, spec.topk.k
    if lk.kind in ("dsa", "dsa-shared"):
        return spec.raw_attended(), 0, 0
    if lk.kind == "window":
        return w, 0, 0
    extra = k if lk.kind == "csa" else lk.compressed(context)   # hca attends every compressed entry
    return w, extra, lk.compressed_page_block_size


def _problems(spec):
    m = spec.mla
    out = []
    for lk in spec.attention.layers:
        for c in spec.decode.context_len:
            topk, extra, xpage = _caches(lk, spec, c)
            out += [{"h_q": h, "d_qk": m.d_qk, "d_v": m.d_v, "topk": topk, "batch": b, "s_q": n,
                     "kv_format": m.kv_format, "page_block_size": m.page_block_size,
                     "extra_topk": extra, "extra_page_block_size": xpage}
                    for h in m.heads_per_rank() for b in spec.decode.batch for n in spec.decode.next_n]
    return out


def _sizes():
    import sympy as sp
    h_q, d_qk, d_v, topk, extra_topk, batch, s_q, kv_token_bytes = sp.symbols(
        "h_q d_qk d_v topk extra_topk batch s_q kv_token_bytes")
    n = topk + extra_topk                                              # slots attended over both caches
    flops = 2 * batch * s_q * h_q * n * (d_qk + d_v)
    nbytes = (batch * s_q * h_q * d_qk * 2 + batch * s_q * n * 4       # q, indices
              + batch * n * kv_token_bytes                             # >= n distinct tokens per sequence
              + batch * s_q * h_q * d_v * 2 + batch * s_q * h_q * 4)   # out, lse
    return flops, nbytes


def random_cache(nb, page, d_qk, fp8, used, g, nan_fill=True, scale=1.0):
    """(cache, the bf16 rows it was written from, randn x scale): V3.2 656-byte records (d_qk 576),
    MODEL1 584-byte records (d_qk 512) or bf16 rows; slots not `used` hold NaN bytes when nan_fill
    (0xFF: e4m3, fp32, bf16 and ue8m0 NaN), and so does MODEL1's block padding."""
    kv = (torch.randn(nb, page, 1, d_qk, generator=g) * scale).to(torch.bfloat16)
    if not fp8:
        cache = torch.where(used.view(nb, page, 1, 1), kv, torch.full_like(kv, float("nan"))) if nan_fill else kv.clone()
        return cache, kv
    if d_qk == 576:
        cache = fp8_layout.pack_mla_fp8_cache(kv)
        if nan_fill:
            cache = torch.where(used.view(nb, page, 1, 1), cache, torch.full_like(cache, 0xFF))
        return cache, kv
    cache = fp8_layout.pack_model1_cache(kv)
    if nan_fill:
        blocks = fp8_layout.model1_block_view(cache)
        raw = torch.as_strided(cache, (nb, fp8_layout.model1_block_bytes(page)), (cache.stride(0), 1))
        raw[:, page * fp8_layout.MODEL1_TOKEN_BYTES:] = 0xFF
        free = ~used.view(nb, page)
        data = blocks[:, : page * 576].view(nb, page, 576)
        scales = blocks[:, page * 576:].view(nb, page, 8)
        data[free] = 0xFF
        scales[free] = 0xFF
    return cache, kv


def random_instance(problem: dict, device="cpu", *, seed=0, topk=None, batch=None, s_q=None, num_blocks=None,
                    nan_fill=True, extra_topk=None, flashmla_inputs=False):
    """A random cache (only the selected slots written, the rest NaN bytes) with indices into it,
    and with extra_topk > 0 a second (compressed) cache with its own indices (page size
    extra_page_block_size). q and the cache rows are randn; flashmla_inputs: FlashMLA's decode
    test distribution instead (tests/lib.py generate_testcase_for_decode: q randn clamped to
    [-1, 1], the cache rows randn / 10), which its bounds assume once P is rounded to bf16 before
    P V, as the GPU kernels do.

    Returns dict(q, k_cache, indices, kv, and extra_k_cache, extra_indices when there is one);
    kv is the bf16 data the cache was written from (FP8: before quantisation)."""
    g = torch.Generator().manual_seed(seed)
    h_q, d_qk = problem["h_q"], problem.get("d_qk", D_QK)
    page = problem.get("page_block_size", 64)
    b = batch if batch is not None else problem["batch"]
    sq = s_q if s_q is not None else problem["s_q"]
    k = topk if topk is not None else problem["topk"]
    nb = num_blocks if num_blocks is not None else max(2, -(-2 * k // page))
    fp8 = problem.get("kv_format", "bf16") == "fp8"
    q = torch.randn(b, sq, h_q, d_qk, generator=g)
    q = (q.clamp(-1.0, 1.0) if flashmla_inputs else q).to(torch.bfloat16)
    out = {"q": q.to(device)}
    xk = problem.get("extra_topk", 0) if extra_topk is None else extra_topk
    for prefix, n, pg, nblk in (("", k, page, nb),
                                ("extra_", xk, problem.get("extra_page_block_size") or 1,
                                 max(2, -(-2 * xk // (problem.get("extra_page_block_size") or 1))))):
        if prefix and n == 0:
            continue
        idx = torch.randint(0, nblk * pg, (b, sq, n), generator=g, dtype=torch.int32)
        used = torch.zeros(nblk * pg, dtype=torch.bool)
        used[idx.flatten().long()] = True
        cache, kv = random_cache(nblk, pg, d_qk, fp8, used, g, nan_fill, FLASHMLA_KV_SCALE if flashmla_inputs else 1.0)
        out.update({f"{prefix}k_cache": cache.to(device), f"{prefix}indices": idx.to(device)})
        if not prefix:
            out["kv"] = kv
    return out


def mismatch(out, lse, ref_out, ref_lse) -> str:
    """'' when the kernel's outputs meet FlashMLA's decode bounds, else why not: out (bf16) against
    the oracle's fp32 output rounded to the output dtype, lse (fp32) against the oracle's."""
    why = tolerances.peer_mismatch(out.cpu(), ref_out.to(out.dtype), tolerances.MLA_DECODE_OUT)
    if why:
        return f"out: {why}"
    why = tolerances.peer_mismatch(lse.cpu(), ref_lse, tolerances.MLA_DECODE_LSE)
    return f"lse: {why}" if why else ""


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """On FlashMLA's input distribution (random_instance(flashmla_inputs=True): its bounds assume it).
    verify: the problem's heads, dims and cache format, 2 sequences and a 64-entry top-k on
    the CPU (the problem's batch and top-k on a GPU), NaN bytes in every unselected slot, one
    invalid slot per query, a NaN in one head of the first query, once unsplit and once with 3
    splits; full: the problem's batch x s_q x topk over a cache of 2 * topk slots per sequence,
    the launch's own split count."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    dev = torch.device(device)
    fp8 = problem.get("kv_format", "bf16") == "fp8"
    sm_scale = problem.get("d_qk", D_QK) ** -0.5
    xk = problem.get("extra_topk", 0)
    if size == "full":
        b, page = problem["batch"], problem.get("page_block_size", 64)
        inst = random_instance(problem, dev, num_blocks=max(2, -(-2 * problem["topk"] * b // page)),
                               nan_fill=False, flashmla_inputs=True)
        splits_list = (None,)
    else:
        small = dev.type == "cpu"
        inst = random_instance(problem, dev, topk=min(problem["topk"], 64 if small else problem["topk"]),
                               batch=min(problem["batch"], 2 if small else problem["batch"]),
                               s_q=min(problem["s_q"], 2), extra_topk=min(xk, 48 if small else xk),
                               flashmla_inputs=True)
        splits_list = (1, 3)
    q, cache, idx = inst["q"], inst["k_cache"], inst["indices"]
    extra = {}
    if "extra_k_cache" in inst:
        extra = {"extra_k_cache": inst["extra_k_cache"], "extra_indices": inst["extra_indices"]}
        inst["extra_indices"][..., 0] = -1  # one invalid compressed slot per query
    idx[..., -1] = -1  # one invalid slot per query
    if size != "full":
        q[0, 0, 0, 3] = float("nan")  # one head of one query: its out and lse are NaN
    b, s_q, h_q, _ = q.shape
    out = torch.full((b, s_q, h_q, D_V), float("nan"), dtype=q.dtype, device=dev)
    lse = torch.full((b, h_q, s_q), float("nan"), dtype=torch.float32, device=dev)
    ref = []

    def expected():
        if not ref:
            cpu = {k: v.cpu() for k, v in extra.items()}
            ref.extend(oracle(q.cpu(), cache.cpu(), idx.cpu(), sm_scale, **cpu))
        return ref

    def make(splits):
        def run(m):
            out.fill_(float("nan"))
            lse.fill_(float("nan"))
            m.launch(q, cache, idx, None, None, out, lse, sm_scale=sm_scale, is_fp8=fp8, num_splits=splits, **extra)

        def check():
            ref_out, ref_lse = expected()
            o, l = out.cpu(), lse.cpu()
            fin = torch.isfinite(ref_lse)
            err = float((o.float() - ref_out).abs().max())
            if fin.any():
                err = max(err, float((l - ref_lse)[fin].abs().max()))
            why = mismatch(o, l, ref_out, ref_lse)
            return err, not why, f"num_splits {splits}: {why}" if why else ""

        x = f"_x{extra['extra_indices'].shape[-1]}" if extra else ""
        return Case(f"b{b}_sq{s_q}_h{h_q}_dqk{q.shape[-1]}_topk{idx.shape[-1]}{x}_{problem.get('kv_format', 'bf16')}",
                    run, check)

    return [make(s) for s in splits_list]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """Every head block gathers (and, for the FP8 cache, dequantises) each selected token again;
    the MMA tiles are BLOCK_H x BLOCK_N (QK^T) and BLOCK_H x 512 (PV); split-KV partials are
    counted for the split count the launch picks (templates/sparse_mla_decode/triton.py
    choose_splits: enough programs to fill the GPU twice, at most NUM_SPLITS, two tiles each)."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    b, s_q, h_q = int(problem["batch"]), int(problem["s_q"]), int(problem["h_q"])
    topk = int(problem["topk"]) + int(problem.get("extra_topk", 0))   # slots over both caches
    bh = min(int(schedule.get("BLOCK_H", 64)), 1 << max(h_q - 1, 0).bit_length())
    bn = int(schedule.get("BLOCK_N", 64))
    blocks = -(-h_q // bh)
    base = b * s_q * blocks
    splits = max(1, min(-(-2 * arch.sms // max(base, 1)), int(schedule.get("NUM_SPLITS", 1)),
                        -(-topk // (2 * bn))))
    fp8 = problem.get("kv_format") == "fp8"
    row = (656 if int(problem["d_qk"]) == 576 else 584) if fp8 else 2 * int(problem["d_qk"])
    gathers = b * topk * (s_q * blocks - 1)
    e_qk = mma_shape_efficiency(arch, bh, bn)
    e_pv = mma_shape_efficiency(arch, bh, int(problem["d_v"])) * min(1.0, bn / 32) ** 0.5
    return {"extra_bytes": gathers * row * L2_REREAD, "splits": splits, "mma_eff": 2 / (1 / e_qk + 1 / e_pv),
            # FP8: each gathered row's 512 latent values dequantised (convert + scale) per head block
            "cuda_flops": (b * s_q * blocks * topk * 512 * 4.0) if fp8 else 0.0}


OP = Operator(
    "sparse_mla_decode",
    {"h_q": int, "d_qk": int, "d_v": int, "topk": int, "batch": int, "s_q": int, "kv_format": str,
     "page_block_size": int, "extra_topk": int, "extra_page_block_size": int},
    ("batch", "s_q"), "batch", (("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("extra_topk", "x"),
                                ("extra_page_block_size", "xp"), ("kv_format", ""), ("batch", "b")),
    _problems, cases, _sizes, flop_dtype="bf16",
    parallel_tiles=(("BLOCK_H", "h_q"),), serial_tiles=(("BLOCK_N", "topk"),), dot_tiles=("BLOCK_H",),
    base_ctas=lambda p: p["batch"] * p["s_q"], split_key="NUM_SPLITS",
    split_bytes=lambda p, n: 0 if n <= 1 else 2 * n * p["batch"] * p["s_q"] * p["h_q"] * (p["d_v"] + 1) * 4,
    traffic=_traffic,
    example={"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 64, "s_q": 2, "kv_format": "fp8",
             "page_block_size": 64, "extra_topk": 0, "extra_page_block_size": 0},
    doc="sparse attention of each decode query over its top-k slots of a paged latent cache",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
