"""indexer_logits_paged: problem keys, buckets, sizes and the inputs it is checked and timed on."""

import torch

from dsagen.operators.base import Case, Operator
from dsagen.operators.indexer_logits.problem import compare_logits
from dsagen.oracle import fp8


def _problems(spec):
    """Per layer kind with an indexer: dsa over the raw tokens' cache (or their pooled keys'), csa over
    the compressed one; a pooled cache keeps mla.page_block_size entries per page."""
    ix, d = spec.indexer, spec.decode
    return [{"heads": ix.heads, "head_dim": ix.head_dim, "batch": b, "next_n": n, "context_len": spec.indexed(lk, c),
             "block_kv": lk.compressed_page_block_size or spec.mla.page_block_size}
            for lk in spec.attention.kinds("dsa", "csa") for b in d.batch for n in d.next_n for c in d.context_len]


def _sizes():
    import sympy as sp
    heads, head_dim, batch, next_n, context_len, block_kv, q_bytes = sp.symbols(
        "heads head_dim batch next_n context_len block_kv q_bytes")
    flops = 2 * batch * next_n * context_len * heads * head_dim
    nbytes = (batch * next_n * heads * (head_dim * q_bytes + 4)                     # q, weights
              + batch * context_len * (head_dim * q_bytes + 4)                      # paged k + scales
              + batch * 4 + batch * sp.ceiling(context_len / block_kv) * 4          # context_lens, block table
              + batch * next_n * context_len * 4)                                   # logits
    return flops, nbytes


def random_paged(bsz, next_n, h, d, context_lens, block_kv=64, *, seed=0, device="cpu", extra_blocks=2):
    """Random paged inputs: a shuffled block_table, unused blocks and slots past each context
    filled with NaN bytes (0xFF is e4m3 NaN; its scale bytes read as fp32 NaN).
    Returns (q, kv_cache, weights, context_lens, block_table, max_context_len)."""
    g = torch.Generator().manual_seed(seed)
    ctx = torch.tensor(context_lens, dtype=torch.int32)
    max_ctx = int(ctx.max()) if bsz else 0
    per_seq = max(-(-max_ctx // block_kv), 1)
    nb = bsz * per_seq + extra_blocks
    kf = torch.randn(nb, block_kv, d, generator=g)
    k8, ks = fp8.quantize_indexer_keys(kf)
    cache = fp8.pack_indexer_cache(k8, ks)
    perm = torch.randperm(nb, generator=g).to(torch.int32)
    table = perm[: bsz * per_seq].reshape(bsz, per_seq).contiguous()
    used = torch.zeros(nb, block_kv, dtype=torch.bool)
    for b in range(bsz):
        n = int(ctx[b])
        blocks = table[b, : -(-n // block_kv)].long()
        used[blocks] = True
        if n % block_kv:
            used[int(table[b, n // block_kv]), n % block_kv:] = False
    k8v, ksv = fp8.unpack_indexer_cache(cache)
    k8v = k8v.view(torch.uint8).clone()
    ksv = ksv.clone()
    k8v[~used] = 0xFF
    ksv[~used] = float("nan")
    cache = fp8.pack_indexer_cache(k8v.view(fp8.E4M3), ksv)
    # table entries past each context point at garbage (out-of-range) block ids
    for b in range(bsz):
        first_unused = -(-int(ctx[b]) // block_kv)
        table[b, first_unused:] = 2**30
    q, qs = fp8.quantize_indexer_keys(torch.randn(bsz, next_n, h, d, generator=g))
    w = torch.randn(bsz * next_n, h, generator=g) * qs.reshape(bsz * next_n, h)
    dev = torch.device(device)
    return q.to(dev), cache.to(dev), w.to(dev), ctx.to(dev), table.to(dev), max_ctx


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: 2 sequences of a short context (150 tokens on the CPU, 3000 on a GPU) with NaN in
    every unused cache slot, garbage block ids past each context and one bad block id inside
    each context (negative for the first sequence, past num_blocks for the second: never read,
    not visible); full: the problem's batch of context_len-token sequences."""
    from dsagen.operators.indexer_logits_paged.naive import indexer_logits_paged as oracle

    h, d, n = int(problem["heads"]), int(problem["head_dim"]), int(problem["next_n"])
    bkv = int(problem.get("block_kv", 64))
    if size == "full":
        bsz, ctx = int(problem["batch"]), [int(problem["context_len"])] * int(problem["batch"])
    else:
        small = torch.device(device).type == "cpu"
        bsz = min(int(problem["batch"]), 2)
        cap = min(int(problem["context_len"]), 150 if small else 3000)
        ctx = [max(cap - 37 * b, n) for b in range(bsz)]
    q, cache, w, cl, bt, max_ctx = random_paged(bsz, n, h, d, ctx, bkv, seed=11, device=device)
    if size != "full":
        for b in range(bsz):
            if int(cl[b]) > bkv:   # a block inside the context, not the last one
                bt[b, 0] = -3 if b == 0 else cache.shape[0] + 5
    out = torch.full((bsz * n, max_ctx), float("nan"), device=device)

    def run(m):
        m.launch(q, cache, w, cl, bt, out, max_context_len=max_ctx, clean=True)

    def check():
        return compare_logits(out, oracle(q.cpu(), cache.cpu(), w.cpu(), cl.cpu(), bt.cpu(), max_ctx))

    return [Case(f"h{h}_d{d}_b{bsz}_n{n}_ctx{max_ctx}", run, check)]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """A program owns BLOCK_Q of a sequence's next_n rows over BLOCK_N * TILES_N positions: the
    sequence's paged keys are read once per q block, and its q rows and weights once per chunk
    of positions (from L2 after the first: at TILES_N 1 and BLOCK_N 64 the 16 KB q block is
    reloaded for every 8 KB of keys); MMA tile (BLOCK_Q * heads) x BLOCK_N; the head-sum epilogue
    on the CUDA cores."""
    from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency

    b, n, ctx, h, d = (int(problem[k]) for k in ("batch", "next_n", "context_len", "heads", "head_dim"))
    bq = min(int(schedule.get("BLOCK_Q", 1)), 1 << max(n - 1, 0).bit_length())
    bn = int(schedule.get("BLOCK_N", 64))
    chunks = -(-ctx // (bn * int(schedule.get("TILES_N", 1))))
    qblocks = -(-n // bq)
    reread = b * ctx * (d + 4) * (qblocks - 1) + b * n * h * (d + 4) * (chunks - 1)
    return {"extra_bytes": reread * L2_REREAD,
            "mma_eff": mma_shape_efficiency(arch, bq * h, bn), "cuda_flops": 3.0 * b * n * ctx * h}


OP = Operator(
    "indexer_logits_paged",
    {"heads": int, "head_dim": int, "batch": int, "next_n": int, "context_len": int, "block_kv": int},
    ("batch", "next_n", "context_len"), "batch",
    (("heads", "h"), ("head_dim", "d"), ("context_len", "ctx"), ("batch", "b")), _problems, cases, _sizes,
    flop_dtype="q", parallel_tiles=(("BLOCK_N*TILES_N", "context_len"), ("BLOCK_Q", "next_n")),
    dot_tiles=("BLOCK_N",), base_ctas=lambda p: p["batch"],
    traffic=_traffic,
    example={"heads": 64, "head_dim": 128, "batch": 8, "next_n": 2, "context_len": 8192, "block_kv": 64},
    doc="indexer logits of next_n draft rows per sequence over its paged FP8 keys",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
