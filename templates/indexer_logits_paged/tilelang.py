"""TileLang template: paged lightning-indexer logits over DeepGEMM's packed FP8 cache (sm_90a, sm_100a).

q e4m3 [B, next_n, H, D] (viewed [B*next_n*H, D]); kv_cache uint8 [num_blocks, block_kv, 1, D+4]
where each block holds its block_kv * D fp8 bytes (token-major) and then block_kv fp32 scales;
block_table int32 [B, max_blocks]; context_lens int32 [B]; weights fp32 [B*next_n, H]. Row
(b, i) (output row b * next_n + i) sees logical positions pos <= context_lens[b] - next_n + i:

    out[b * next_n + i, pos] = sum_h relu(q[b, i, h] . k[pos]) * weights[b * next_n + i, h] * scale[pos]
    out[b * next_n + i, pos] = -inf                    for the other pos < max_context_len

The kernel takes the cache as two strided views of the same bytes (the host makes them, see
dsagen.runtime.tilelang.indexer_logits_paged): the fp8 part [num_blocks, block_kv, D] with block
stride block_kv * (D + 4), and the scales [num_blocks, block_kv] fp32. One CTA per (sequence,
block_Q draft rows, `pages` consecutive pages); each page's key tile is one TMA load at the
block-table coordinate, then an FP8 wgmma with both operands K-major (key tile as the M side),
ReLU, weights, head sum and the scale in registers. Pages past the context are never loaded
(their table entries may hold anything); a table entry outside [0, num_blocks) inside a context
is never read (block 0 is loaded in its place) and its positions are -inf, as in the oracle; B, next_n, num_blocks, max_blocks and max_context_len
are run-time, H, D and block_kv compile-time.

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"block_Q": 2, "pages": 4, "threads": 256, "num_stages": 2}
# </dsagen:schedule>

OP = "indexer_logits_paged"
# sm_90a: FP8 wgmma, accumulator in registers.  sm_100a: FP8 tcgen05.mma with the accumulator in
# tensor memory (block_kv lanes x block_Q*H columns), copied to registers for the epilogue.
ARCHES = ("sm_90a", "sm_100a")


def problem_from_op(problem: dict) -> dict:
    """The operator's problem (heads, head_dim, block_kv, batch, next_n, context_len) -> the
    kernel's compile-time keys; batch, next_n and context_len are run-time sizes."""
    return {"h": int(problem["heads"]), "d": int(problem["head_dim"]), "block_kv": int(problem.get("block_kv", 64))}


def _check(problem, schedule):
    h, d, bkv = problem.get("h"), problem.get("d", 128), problem.get("block_kv", 64)
    if not isinstance(h, int) or h <= 0 or h % 8:
        raise ValueError(f"problem['h'] must be a positive multiple of 8, got {h!r}")
    if d not in (64, 128):
        raise ValueError(f"problem['d'] must be 64 or 128, got {d!r}")
    if bkv not in (64, 128):
        raise ValueError(f"problem['block_kv'] must be 64 or 128 (the wgmma M side), got {bkv!r}")
    bq, pages, th = schedule["block_Q"], schedule["pages"], schedule["threads"]
    if not isinstance(bq, int) or bq <= 0 or (bq * h) % 16 or bq * h > 256:
        raise ValueError(f"schedule['block_Q'] * h must be a multiple of 16 and at most 256, got {bq} * {h}")
    if not isinstance(pages, int) or pages <= 0:
        raise ValueError(f"schedule['pages'] must be a positive int, got {pages!r}")
    if th not in (128, 256):
        raise ValueError(f"schedule['threads'] must be 128 or 256, got {th!r}")
    return h, d, bkv


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func for problem {"h": H, "d": D, "block_kv": page size}."""
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES} (FP8 wgmma / tcgen05 template), got {arch!r}")
    tcgen05 = arch == "sm_100a"
    schedule = {**SCHEDULE, **(schedule or {})}
    h, d, bkv = _check(problem, schedule)
    import tilelang.language as T

    block_Q = schedule["block_Q"]
    pages = schedule["pages"]
    threads = schedule["threads"]
    num_stages = schedule["num_stages"]
    rows = block_Q * h
    page_bytes = bkv * (d + 4)
    fp8, f32, i32 = "float8_e4m3", "float32", "int32"
    B = T.dynamic("batch")
    R = T.dynamic("rows")        # batch * next_n (next_n itself is a scalar argument: TVM cannot
                                 # bind two shape variables from their product)
    NB = T.dynamic("num_blocks")
    MAXB = T.dynamic("max_blocks")
    MAXCTX = T.dynamic("max_context_len")

    @T.prim_func
    def indexer_logits_paged(
        Q: T.Tensor([R * h, d], fp8),
        KV: T.StridedTensor([NB, bkv, d], [page_bytes, d, 1], fp8),
        KVScale: T.StridedTensor([NB, bkv], [page_bytes // 4, 1], f32),
        Weights: T.Tensor([R, h], f32),
        ContextLens: T.Tensor([B], i32),
        BlockTable: T.Tensor([B, MAXB], i32),
        Out: T.Tensor([R, MAXCTX], f32),
        NN: T.int32,
    ):
        with T.Kernel(T.ceildiv(MAXCTX, bkv * pages), T.ceildiv(NN, block_Q), B, threads=threads) as (bx, by, bz):
            q_s = T.alloc_shared([rows, d], fp8)
            k_s = T.alloc_shared([bkv, d], fp8)
            w_f = T.alloc_fragment([block_Q, h], f32)
            acc = T.alloc_fragment([bkv, rows], f32)
            acc3 = T.reshape(acc, (bkv, block_Q, h))
            if tcgen05:
                acc_tmem = T.alloc_tmem([bkv, rows], f32)
                mma_done = T.alloc_barrier(1)
            logit = T.alloc_fragment([bkv, block_Q], f32)

            b = bz
            i0 = by * block_Q                                # first draft row of this CTA in its sequence
            r0 = b * NN + i0                                 # its output row
            ctx = ContextLens[b]                             # visibility uses it as is
            n_pos = T.min(ctx, MAXCTX)                       # positions that exist in the output
            p0 = bx * pages
            # pages of this chunk holding a visible position for some row (the last row sees
            # pos < ctx); at least one, so the q TMA load below is always waited on, with the
            # table index clamped (its page is then masked to -inf)
            n_vis = T.min(T.max(T.ceildiv(n_pos, bkv) - p0, 1), pages)

            # rows of the next sequence (when block_Q does not divide next_n) load harmlessly
            # and are never stored
            T.copy(Q[r0 * h, 0], q_s)
            T.copy(Weights[r0, 0], w_f)
            for j in T.Pipelined(n_vis, num_stages=num_stages):
                # a table entry outside [0, num_blocks) is never read: the TMA load takes block 0
                # in its place (in bounds) and the store below masks its positions to -inf
                blk = BlockTable[b, T.min(p0 + j, MAXB - 1)]
                blk_in = T.min(T.max(blk, 0), NB - 1)
                T.copy(KV[blk_in, 0, 0], k_s)
                if tcgen05:
                    T.gemm(k_s, q_s, acc_tmem, transpose_B=True, clear_accum=True, mbar=mma_done)
                    T.copy(acc_tmem, acc)
                else:
                    T.gemm(k_s, q_s, acc, transpose_B=True, clear_accum=True, policy=T.GemmWarpPolicy.FullCol)
                # scales are read from global memory at the store: a fragment copy inside the
                # pipelined loop would be moved to the producer warpgroup (see indexer_logits.py)
                for n, qi, hh in T.Parallel(bkv, block_Q, h):
                    acc3[n, qi, hh] = T.max(acc3[n, qi, hh], 0) * w_f[qi, hh]
                T.reduce_sum(acc3, logit, dim=-1, clear=True)
                for qi, n in T.Parallel(block_Q, bkv):
                    pos = (p0 + j) * bkv + n
                    if i0 + qi < NN and pos < MAXCTX:
                        Out[r0 + qi, pos] = T.if_then_else(
                            (pos <= ctx - NN + i0 + qi) & (p0 + j < MAXB) & (blk >= 0) & (blk < NB),
                            logit[n, qi] * KVScale[blk_in, n],
                            -T.infinity(f32))
            # pages of the chunk past the context: -inf only
            for j in T.serial(pages):
                if j >= n_vis:
                    for qi, n in T.Parallel(block_Q, bkv):
                        pos = (p0 + j) * bkv + n
                        if i0 + qi < NN and pos < MAXCTX:
                            Out[r0 + qi, pos] = -T.infinity(f32)

    return indexer_logits_paged


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one kernel per (heads, head_dim, block_kv)."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "backend": "tilelang"}]


# ---------------------------------------------------------------- dispatch
# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, q, kv_cache, weights, context_lens, block_table, out, *, max_context_len,
                             clean=True, schedule=None, soft_fp8=None):
    """templates/indexer_logits_paged/triton.py launch signature -> the TileLang paged kernel."""
    import torch

    tp = m.entry.get("tl_problem") or {}
    why = None
    if not clean:
        why = "clean=False: the TileLang kernel always writes -inf where not visible"
    elif schedule is not None or soft_fp8:
        why = "an explicit Triton schedule or soft_fp8"
    elif q.dtype != torch.float8_e4m3fn:
        why = f"{q.dtype} q (the kernel is e4m3 only)"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dim() != 4 or (q.shape[2], q.shape[3], kv_cache.shape[1]) != (tp.get("h"), tp.get("d"), tp.get("block_kv")):
        why = (f"built for heads {tp.get('h')} head_dim {tp.get('d')} block_kv {tp.get('block_kv')}, "
               f"got q {tuple(q.shape)} and block_kv {kv_cache.shape[1]}")
    elif context_lens.dim() != 1:
        why = "2-D context_lens"
    elif q.shape[0] == 0 or max_context_len == 0 or block_table.shape[1] == 0 or kv_cache.shape[0] == 0:
        why = "empty batch, context, block table or cache"
    elif not out.is_contiguous() or out.shape[1] != max_context_len:
        why = "out is not a contiguous [rows, max_context_len]"
    if why:
        return m.fall_back(why, q, kv_cache, weights, context_lens, block_table, out, max_context_len=max_context_len,
                           clean=clean, schedule=schedule, soft_fp8=soft_fp8)
    from dsagen.runtime.tilelang import indexer_logits_paged
    indexer_logits_paged(m.kernel, q, kv_cache, weights, context_lens, block_table, int(max_context_len), out=out)
    return None
