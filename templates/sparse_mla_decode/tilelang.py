"""TileLang template: sparse MLA decode over FlashMLA's 656-byte FP8 cache (Hopper wgmma).

Semantics (dsagen.ops.sparse_mla_decode / dsagen/operators/sparse_mla_decode/naive.py, FlashMLA's sparse
flash_mla_with_kvcache): per query token (b, s) and head h
    P[h, j] = q[b, s, h] . key(idx[b, s, j]) * sm_scale          over the valid slots j
    out[b, s, h] = softmax_j(P) @ value(idx[b, s, j]),   lse[b, h, s] = ln sum_j exp(P)
key = dequantised latent (512) ++ RoPE (64), value = dequantised latent.  A slot is
block * page + offset (the cache viewed as [num_blocks * page, 656] rows); < 0 or >= number of
slots is invalid, and so is a position >= topk_length[b].  A query with no valid slot: out = 0,
lse = +inf.  attn_sink[h] scales out by exp(lse) / (exp(lse) + exp(attn_sink[h])) (lse
unchanged).  The wrapper passes TOPK and -inf where the caller gives none.

Kernel parameters (the wrapper dsagen.runtime.tilelang.sparse_mla_decode makes the views):
  Q bf16 [B, SQ, h_q, 576]
  KLat  e4m3 [NS, 656]  the cache's bytes viewed as e4m3  (latent = columns 0..511)
  KScale fp32 [NS, 164] the same bytes viewed as fp32     (scales = columns 128..131)
  KRope bf16 [NS, 328]  the same bytes viewed as bf16     (RoPE = columns 264..327)
  Indices int32 [B, SQ, TOPK], TopkLen int32 [B], AttnSink fp32 [h_q]
  Out bf16 [B, SQ, h_q, 512], Lse fp32 [B, h_q, SQ]
  PO fp32 [NP, h_q, 512], PLse fp32 [NP, h_q]: per-split partials, row (b*SQ + s)*splits + split
  (NP = B*SQ*num_splits; a [1, h_q, ...] dummy when num_splits == 1)
  num_splits int32, sm_scale fp32 (runtime scalars)
B, SQ, TOPK, NS, NP are dynamic; h_q is compile-time.

Main kernel ("part": "main"): grid (ceil(h_q/64) head blocks, num_splits, B*SQ), 256 threads.
Each CTA keeps its 64 heads of q in shared memory, walks its split's share of the top-k in
tiles of block_I slots: gathers the tile's 656-byte rows, dequantises the latent in shared
memory (e4m3 -> fp32 * group scale -> bf16; zeros for invalid slots so NaN-poisoned slots never
leak), copies RoPE, then QK^T = q[64,512] x kv^T + q_rope[64,64] x rope^T and PV = p[64,block_I]
x kv[block_I,512] on wgmma (bf16, fp32 accumulators), with an online base-2 softmax.  With one
split it writes out/lse itself; otherwise normalised fp32 partials + base-2 lse, merged by the
combine kernel ("part": "combine": grid (ceil(h_q/8), B*SQ), 128 threads).
h_q not a multiple of 64 (16, 24, ...) runs padded: masked q rows are zero, their outputs unwritten.

Schedule: block_I (top-k slots per tile: 32/64/128), threads (128/256), prefetch (1: the raw
e4m3 bytes, scales and RoPE of the next tile's first 64 slots are loaded into registers before
this tile's GEMMs, so that part of the gather overlaps the tensor-core work; the loads block only
where the registers are consumed, at the next tile's dequantisation; slots 64..127 of a 128-slot
tile are gathered at its dequantisation), num_stages (only with prefetch 0: T.Pipelined stages of
the plain gather-dequantise-attend loop).  One CTA per SM (156 KB of shared memory at block_I 64,
221 KB at 128).
The two warpgroups split each GEMM along N (GemmWarpPolicy.FullRow: 64 heads are one warpgroup's
M): QK^T is 64 x block_I/2 per warpgroup, PV 64 x 256. block_I 128 gives QK^T wgmma N = 64
(block_I 64: N = 32); its shared memory fits only because the RoPE tile is stored transposed
([64 dims, 128 slots], the rope gemm's B operand MN-major), the shape of P, and P reuses it.
(PV cannot take P from registers: each warpgroup holds half of P's columns and needs all of them.)
Not done: sharing one dequantised tile between the two head blocks of h_q = 128 (FlashMLA uses a
2-CTA cluster for that); a warp-specialised producer (a second kv buffer, bf16 or raw e4m3, does
not fit beside the 221 KB of block_I 128).

Layout "model1" (problem_from_op for d_qk 512: DeepSeek-V4, FlashMLA's 584-byte MODEL1 record,
segmented per page block): _build_main_model1. key = value = the dequantised 512 (448 e4m3 NoPE x
2^(ue8m0 byte - 127) per 64 values, then 64 bf16 RoPE), one QK^T and one PV gemm per tile; the
window cache and (extra_page_block_size > 0) the compressed extra cache, each with its own indices
and topk_length, in one online softmax, each split taking its share of both; the same combine
kernel. Block strides and page sizes are compile-time (FlashMLA's allocation; other strides fall
back to Triton); the plain gather loop (no register prefetch).

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"block_I": 128, "threads": 256, "num_stages": 1, "prefetch": 1}
# </dsagen:schedule>

OP = "sparse_mla_decode"
D_LATENT = 512
D_ROPE = 64
D_QK = D_LATENT + D_ROPE
ROW_BYTES = 656
SCALE_COL = D_LATENT // 4          # fp32 column of the first scale in a row viewed as fp32
ROPE_COL = (D_LATENT + 16) // 2    # bf16 column of the first RoPE value in a row viewed as bf16
BLOCK_H = 64                       # heads per CTA (one wgmma M=64 row block)
COMBINE_BLOCK_H = 8                # heads per combine CTA (32 fp32 accumulators per thread)
PARTS = ("main", "combine")
# FlashMLA's MODEL1 record (DeepSeek-V4, d_qk = d_v = 512): per page block, page x 576 data bytes
# (448 e4m3 NoPE, then 64 bf16 RoPE), then page x 8 scale bytes (7 ue8m0, one per 64 NoPE values);
# blocks are k_cache.stride(0) bytes apart.
M1_D = 512
M1_NOPE = 448
M1_DATA = 576
M1_SCALES = 8
M1_TILES = 7
_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453


def problem_from_op(problem: dict):
    """The operator's problem -> the kernel's compile-time keys, or None where no kernel here serves
    it: the 656-byte V3.2 FP8 cache (d_qk 576, one cache) or FlashMLA's MODEL1 FP8 cache (d_qk 512,
    DeepSeek-V4: the window cache, optionally with the compressed extra cache; layout "model1",
    both page sizes compile-time). bf16 caches are Triton's."""
    if problem.get("kv_format") != "fp8":
        return None
    if problem.get("d_qk", D_QK) == M1_D:
        return {"h_q": problem["h_q"], "d_qk": M1_D, "d_v": M1_D, "kv_format": "fp8", "layout": "model1",
                "page_block_size": problem["page_block_size"],
                "extra_page_block_size": problem.get("extra_page_block_size", 0) if problem.get("extra_topk", 0)
                else 0}
    if problem.get("d_qk", D_QK) != D_QK or problem.get("extra_topk", 0):
        return None
    return {k: problem[k] for k in ("h_q", "d_qk", "d_v", "topk", "kv_format", "page_block_size") if k in problem}


def _check(problem, schedule):
    h_q = problem.get("h_q")
    if not isinstance(h_q, int) or not 1 <= h_q <= 128:
        raise ValueError(f"problem['h_q'] must be an int in 1..128, got {h_q!r}")
    model1 = problem.get("layout") == "model1"
    want = (M1_D, M1_D) if model1 else (D_QK, D_LATENT)
    if (problem.get("d_qk", want[0]), problem.get("d_v", want[1])) != want:
        raise ValueError(f"problem['d_qk'] / ['d_v'] must be {want[0]} / {want[1]}"
                         + (" (layout model1)" if model1 else " (or layout model1 with 512 / 512)"))
    if model1 and not (isinstance(problem.get("page_block_size"), int) and problem["page_block_size"] > 0):
        raise ValueError(f"problem['page_block_size'] must be a positive int for layout model1, got "
                         f"{problem.get('page_block_size')!r}")
    if problem.get("kv_format", "fp8") != "fp8":
        raise ValueError(f"problem['kv_format'] must be 'fp8' (656-byte cache), got {problem['kv_format']!r}")
    part = problem.get("part", "main")
    if part not in PARTS:
        raise ValueError(f"problem['part'] must be one of {PARTS}, got {part!r}")
    bi, th = schedule["block_I"], schedule["threads"]
    if bi not in (32, 64, 128):
        raise ValueError(f"schedule['block_I'] must be 32, 64 or 128, got {bi}")
    if th not in (128, 256):
        raise ValueError(f"schedule['threads'] must be 128 or 256, got {th}")
    if schedule["num_stages"] not in (0, 1, 2):
        raise ValueError(f"schedule['num_stages'] must be 0, 1 or 2, got {schedule['num_stages']}")
    return h_q, part


SM100_WHY = ("its register accumulators lower to mma.sync on sm_100a (TileLang 0.1.15 emits tcgen05 only for tensor-memory accumulators); a tcgen05 port is not written. Triton serves sm100")


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func for problem {"h_q": H, "part": "main" | "combine"}."""
    if arch == "sm_100a":
        raise ValueError("arch sm_100a: no TileLang sparse_mla_decode kernel for Blackwell yet: " + SM100_WHY)
    if arch not in ("sm_90a", "sm_90"):
        raise ValueError(f"arch must be sm_90a (wgmma template), got {arch!r}")
    schedule = {**SCHEDULE, **(schedule or {})}
    h_q, part = _check(problem, schedule)
    if part == "combine":
        return _build_combine(h_q)
    if problem.get("layout") == "model1":
        return _build_main_model1(h_q, int(problem["page_block_size"]), int(problem.get("extra_page_block_size", 0)),
                                  schedule)
    return _build_main(h_q, schedule)


def _softmax_pv(T, BI):
    """One tile's online softmax after its QK^T (acc_s: the logits, -inf at invalid slots), then
    out += P V (V = the tile's 512 value columns in v_s), in base 2 with running max m and sum l."""
    BH, D = BLOCK_H, D_LATENT

    @T.macro
    def softmax_pv(v_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2):
        T.copy(m_i, m_prev)
        T.reduce_max(acc_s, m_i, dim=1, clear=False)
        for h in T.Parallel(BH):
            m_i[h] = T.max(m_i[h], m_prev[h])
            alpha[h] = T.exp2((m_prev[h] - m_i[h]) * scale2)
        for h, n in T.Parallel(BH, BI):
            acc_s[h, n] = T.exp2(acc_s[h, n] * scale2 - m_i[h] * scale2)
        T.reduce_sum(acc_s, l_new, dim=1)
        for h in T.Parallel(BH):
            l_i[h] = l_i[h] * alpha[h] + l_new[h]
        for h, d in T.Parallel(BH, D):
            acc_o[h, d] = acc_o[h, d] * alpha[h]
        T.copy(acc_s, p_s)
        T.gemm(p_s, v_s, acc_o, policy=T.GemmWarpPolicy.FullRow)

    return softmax_pv


def _epilogue(T, h_q):
    """The main kernels' end (both layouts, 512 output values per head): normalise by l, then with one
    split the attn_sink factor, out and lse; with several, the fp32 partial and its base-2 lse for
    the combine kernel."""
    BH, D, f32, bf16 = BLOCK_H, D_LATENT, "float32", "bfloat16"

    @T.macro
    def epilogue(acc_o, m_i, m_prev, alpha, l_i, AttnSink, Out, Lse, PO, PLse, scale2, b_i, s_i, h0, bz, by,
                 num_splits):
        # normalise: l_i == 0 means no valid slot (out 0; lse +inf final, -inf partial). The
        # tests are l != 0, not l > 0: a NaN logit leaves l NaN, and NaN must reach out and lse
        # (and a partial's lse, for the combine) as in the oracle.
        for h, d in T.Parallel(BH, D):
            acc_o[h, d] = T.if_then_else(l_i[h] != 0, acc_o[h, d] / l_i[h], 0)
        for h in T.Parallel(BH):
            m_prev[h] = T.if_then_else(l_i[h] != 0, T.log2(l_i[h]) + m_i[h] * scale2, -T.infinity(f32))
        if num_splits == 1:
            # attn_sink: out *= exp(lse) / (exp(lse) + exp(sink)) (the host passes -inf for none)
            # (l_i == 0: no valid slot, out stays 0; the guard keeps -inf - -inf out)
            for h in T.Parallel(BH):
                alpha[h] = T.if_then_else(
                    l_i[h] != 0,
                    1.0 / (1.0 + T.exp2(T.if_then_else(h0 + h < h_q, AttnSink[T.min(h0 + h, h_q - 1)],
                                                       -T.infinity(f32)) * _LOG2E - m_prev[h])),
                    0)
            for h, d in T.Parallel(BH, D):
                if h0 + h < h_q:
                    Out[b_i, s_i, h0 + h, d] = T.cast(acc_o[h, d] * alpha[h], bf16)
            for h in T.Parallel(BH):
                if h0 + h < h_q:
                    Lse[b_i, h0 + h, s_i] = T.if_then_else(l_i[h] != 0, m_prev[h] * _LN2, T.infinity(f32))
        else:
            for h, d in T.Parallel(BH, D):
                if h0 + h < h_q:
                    PO[bz * num_splits + by, h0 + h, d] = acc_o[h, d]
            for h in T.Parallel(BH):
                if h0 + h < h_q:
                    PLse[bz * num_splits + by, h0 + h] = m_prev[h]

    return epilogue


def _build_main(h_q, schedule):
    import tilelang.language as T

    epilogue = _epilogue(T, h_q)
    softmax_pv = _softmax_pv(T, schedule["block_I"])
    BI = schedule["block_I"]
    threads = schedule["threads"]
    num_stages = schedule["num_stages"]
    prefetch = bool(schedule["prefetch"])
    BH = BLOCK_H
    n_hb = -(-h_q // BH)
    DL, DR = D_LATENT, D_ROPE
    # block_I 128 (QK^T N = 64 per warpgroup): q, kv, RoPE and P would need 240 KB of shared
    # memory, so the RoPE tile is stored transposed, kr_s [64 dims, block_I slots] (the rope gemm's
    # B operand MN-major), the same shape as P [64 heads, block_I slots], and P reuses its buffer.
    # RoPE is dead once both warpgroups' QK^T wgmma have completed, which the softmax's
    # cross-warpgroup reductions (barriers) guarantee before P is written; the next tile rewrites
    # the RoPE only after the PV gemm, as it rewrites kv.
    rope_t = BI >= 128
    # prefetch: the next tile's first PF slots are held in registers (all of a 64-slot tile; half
    # of a 128-slot one, whose full prefetch spills 244 bytes beside the 128 accumulator
    # registers); the rest of the tile is gathered when it is dequantised
    PF = min(BI, 64)
    bf16, f32, i32, fp8 = "bfloat16", "float32", "int32", "float8_e4m3fn"
    B = T.dynamic("batch")
    SQ = T.dynamic("s_q")
    TOPK = T.dynamic("topk")
    NS = T.dynamic("num_slots")
    NP = T.dynamic("num_partials")
    LOG2E = _LOG2E

    @T.macro
    def fetch_idx(Indices, idx_f, b_i, s_i, start, stop, tile):
        """Raw indices of top-k tile `tile` -> registers (-1 past the split's end)."""
        for n in T.Parallel(BI):
            pos = start + tile * BI + n
            idx_f[n] = T.if_then_else(pos < stop, Indices[b_i, s_i, pos], -1)

    @T.macro
    def fetch(Indices, KLat, KScale, KRope, slot_s, idx_f, raw_f, sc_f, rope_f, b_i, s_i, start, stop, tile, buf):
        """Slots of top-k tile `tile` (its indices already in idx_f) -> slot_s[buf]; the indices of
        tile + 1 -> idx_f; the raw e4m3 latent, scales and RoPE of the tile's first PF slots ->
        registers (zeros for invalid slots: zero scale times zero byte, never a NaN read)."""
        for n in T.Parallel(BI):
            slot_s[buf, n] = T.if_then_else((idx_f[n] >= 0) & (idx_f[n] < NS), idx_f[n], -1)
        fetch_idx(Indices, idx_f, b_i, s_i, start, stop, tile + 1)
        for n, d in T.Parallel(PF, DL):
            raw_f[n, d] = T.if_then_else(slot_s[buf, n] >= 0, KLat[slot_s[buf, n], d], T.cast(0, fp8))
        for n, g in T.Parallel(PF, 4):
            sc_f[n, g] = T.if_then_else(slot_s[buf, n] >= 0, KScale[slot_s[buf, n], SCALE_COL + g], 0)
        for n, d in T.Parallel(PF, DR):
            rope_f[n, d] = T.if_then_else(slot_s[buf, n] >= 0, KRope[slot_s[buf, n], ROPE_COL + d],
                                          T.cast(0, bf16))

    @T.macro
    def attend(q_s, qr_s, kv_s, kr_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2):
        """One tile of online softmax: acc_s holds the tile's mask (0 / -inf) on entry; kv_s, kr_s
        its dequantised rows."""
        T.gemm(q_s, kv_s, acc_s, transpose_B=True, policy=T.GemmWarpPolicy.FullRow)
        T.gemm(qr_s, kr_s, acc_s, transpose_B=not rope_t, policy=T.GemmWarpPolicy.FullRow)
        softmax_pv(kv_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2)

    @T.prim_func
    def sparse_mla_decode(
        Q: T.Tensor([B, SQ, h_q, D_QK], bf16),
        KLat: T.Tensor([NS, ROW_BYTES], fp8),
        KScale: T.Tensor([NS, ROW_BYTES // 4], f32),
        KRope: T.Tensor([NS, ROW_BYTES // 2], bf16),
        Indices: T.Tensor([B, SQ, TOPK], i32),
        TopkLen: T.Tensor([B], i32),
        AttnSink: T.Tensor([h_q], f32),
        Out: T.Tensor([B, SQ, h_q, DL], bf16),
        Lse: T.Tensor([B, h_q, SQ], f32),
        PO: T.Tensor([NP, h_q, DL], f32),
        PLse: T.Tensor([NP, h_q], f32),
        num_splits: T.int32,
        sm_scale: T.float32,
    ):
        with T.Kernel(n_hb, num_splits, B * SQ, threads=threads) as (bx, by, bz):
            q_s = T.alloc_shared([BH, DL], bf16)
            qr_s = T.alloc_shared([BH, DR], bf16)
            kv_s = T.alloc_shared([BI, DL], bf16)
            kr_s = T.alloc_shared([DR, BI] if rope_t else [BI, DR], bf16)
            p_s = kr_s if rope_t else T.alloc_shared([BH, BI], bf16)
            slot_s = T.alloc_shared([2, BI], i32)
            sc_s = T.alloc_shared([BI, 4], f32)
            raw_f = T.alloc_fragment([PF, DL], fp8)
            sc_f = T.alloc_fragment([PF, 4], f32)
            idx_f = T.alloc_fragment([BI], i32)
            rope_f = T.alloc_fragment([PF, DR], bf16)
            acc_o = T.alloc_fragment([BH, DL], f32)
            acc_s = T.alloc_fragment([BH, BI], f32)
            m_i = T.alloc_fragment([BH], f32)
            m_prev = T.alloc_fragment([BH], f32)
            alpha = T.alloc_fragment([BH], f32)
            l_i = T.alloc_fragment([BH], f32)
            l_new = T.alloc_fragment([BH], f32)

            b_i = bz // SQ
            s_i = bz % SQ
            h0 = bx * BH
            scale2 = sm_scale * LOG2E

            for h, d in T.Parallel(BH, DL):
                q_s[h, d] = T.if_then_else(h0 + h < h_q, Q[b_i, s_i, h0 + h, d], T.cast(0, bf16))
            for h, d in T.Parallel(BH, DR):
                qr_s[h, d] = T.if_then_else(h0 + h < h_q, Q[b_i, s_i, h0 + h, DL + d], T.cast(0, bf16))
            T.fill(acc_o, 0)
            T.fill(l_i, 0)
            T.fill(m_i, -(2.0**30))  # finite floor: no (-inf) - (-inf)

            chunk = T.ceildiv(T.ceildiv(TOPK, num_splits), BI) * BI
            start = by * chunk
            # only the first topk_length[b] indices of batch b count (the host passes TOPK for none)
            stop = T.min(T.min(T.max(TopkLen[b_i], 0), TOPK), start + chunk)
            n_tiles = T.ceildiv(T.max(stop - start, 0), BI)

            if prefetch:
                # the next tile's raw bytes are loaded into registers before this tile's GEMMs, so the
                # gather overlaps the tensor-core work (loads block only where the registers are used)
                fetch_idx(Indices, idx_f, b_i, s_i, start, stop, 0)
                fetch(Indices, KLat, KScale, KRope, slot_s, idx_f, raw_f, sc_f, rope_f, b_i, s_i, start, stop, 0, 0)
                for t in T.serial(n_tiles):
                    cur = t % 2
                    for n, g in T.Parallel(PF, 4):
                        sc_s[n, g] = sc_f[n, g]
                    if PF < BI:   # slots PF.. of the tile: gathered now
                        for n, g in T.Parallel(BI - PF, 4):
                            sc_s[PF + n, g] = T.if_then_else(slot_s[cur, PF + n] >= 0,
                                                             KScale[slot_s[cur, PF + n], SCALE_COL + g], 0)
                    if rope_t:
                        for n, d in T.Parallel(PF, DR):
                            kr_s[d, n] = rope_f[n, d]
                        if PF < BI:
                            for n, d in T.Parallel(BI - PF, DR):
                                kr_s[d, PF + n] = T.if_then_else(slot_s[cur, PF + n] >= 0,
                                                                 KRope[slot_s[cur, PF + n], ROPE_COL + d], T.cast(0, bf16))
                    else:
                        for n, d in T.Parallel(BI, DR):
                            kr_s[n, d] = rope_f[n, d]
                    for n, d in T.Parallel(PF, DL):
                        kv_s[n, d] = T.cast(T.cast(raw_f[n, d], f32) * sc_s[n, d // 128], bf16)
                    if PF < BI:
                        for n, d in T.Parallel(BI - PF, DL):
                            kv_s[PF + n, d] = T.if_then_else(
                                slot_s[cur, PF + n] >= 0,
                                T.cast(T.cast(KLat[slot_s[cur, PF + n], d], f32) * sc_s[PF + n, d // 128], bf16),
                                T.cast(0, bf16))
                    for h, n in T.Parallel(BH, BI):
                        acc_s[h, n] = T.if_then_else(slot_s[cur, n] >= 0, 0, -T.infinity(f32))
                    if t + 1 < n_tiles:
                        fetch(Indices, KLat, KScale, KRope, slot_s, idx_f, raw_f, sc_f, rope_f, b_i, s_i, start, stop,
                              t + 1, 1 - cur)
                    attend(q_s, qr_s, kv_s, kr_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2)
            else:
                for t in T.Pipelined(n_tiles, num_stages=num_stages):
                    for n in T.Parallel(BI):
                        pos = start + t * BI + n
                        raw = T.if_then_else(pos < stop, Indices[b_i, s_i, pos], -1)
                        slot_s[0, n] = T.if_then_else((raw >= 0) & (raw < NS), raw, -1)
                    for n, d in T.Parallel(BI, DL):
                        kv_s[n, d] = T.if_then_else(
                            slot_s[0, n] >= 0,
                            T.cast(T.cast(KLat[slot_s[0, n], d], f32) * KScale[slot_s[0, n], SCALE_COL + d // 128],
                                   bf16),
                            T.cast(0, bf16))
                    if rope_t:
                        for n, d in T.Parallel(BI, DR):
                            kr_s[d, n] = T.if_then_else(slot_s[0, n] >= 0, KRope[slot_s[0, n], ROPE_COL + d],
                                                        T.cast(0, bf16))
                    else:
                        for n, d in T.Parallel(BI, DR):
                            kr_s[n, d] = T.if_then_else(slot_s[0, n] >= 0, KRope[slot_s[0, n], ROPE_COL + d],
                                                        T.cast(0, bf16))
                    for h, n in T.Parallel(BH, BI):
                        acc_s[h, n] = T.if_then_else(slot_s[0, n] >= 0, 0, -T.infinity(f32))
                    attend(q_s, qr_s, kv_s, kr_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2)

            epilogue(acc_o, m_i, m_prev, alpha, l_i, AttnSink, Out, Lse, PO, PLse, scale2, b_i, s_i, h0, bz, by,
                     num_splits)

    return sparse_mla_decode


def _m1_block_bytes(page: int) -> int:
    """Bytes of one MODEL1 page block (dsagen.oracle.fp8.model1_block_bytes: page x 584 rounded up to 576)."""
    return -(-page * (M1_DATA + M1_SCALES) // M1_DATA) * M1_DATA


def _build_main_model1(h_q, page, xpage, schedule):
    """MODEL1 decode (DeepSeek-V4): key = value = the dequantised 512 (448 NoPE e4m3 x 2^(byte - 127)
    per 64, then the 64 bf16 RoPE values), so one QK^T and one PV gemm per tile. With xpage > 0 a
    second (compressed) cache with its own indices / topk_length is attended in the same softmax:
    each split takes its share of the window cache's top-k, then its share of the extra one."""
    import tilelang.language as T

    epilogue = _epilogue(T, h_q)
    softmax_pv = _softmax_pv(T, schedule["block_I"])
    BI = schedule["block_I"]
    threads = schedule["threads"]
    num_stages = max(int(schedule["num_stages"]), 1)
    BH = BLOCK_H
    n_hb = -(-h_q // BH)
    D, DN = M1_D, M1_NOPE
    has_x = xpage > 0
    bf16, f32, i32, fp8, u8 = "bfloat16", "float32", "int32", "float8_e4m3fn", "uint8"
    B = T.dynamic("batch")
    SQ = T.dynamic("s_q")
    TOPK = T.dynamic("topk")
    XTOPK = T.dynamic("extra_topk")
    NB = T.dynamic("num_blocks")
    # block strides are compile-time (FlashMLA's allocation: page x 584 rounded up to 576; the
    # adapter gives other strides to Triton): constant row strides keep the gather's address math small
    SB = _m1_block_bytes(page)
    XNB = T.dynamic("extra_num_blocks")
    XSB = _m1_block_bytes(max(xpage, 1))
    NP = T.dynamic("num_partials")
    LOG2E = _LOG2E

    @T.macro
    def tiles(Idx, K8, K16, KU, nb, pg, topk_len, n_tot, kv_s, sc_s, blk_s, off_s, q_s, p_s, acc_s, acc_o, m_i,
              m_prev, alpha, l_i, l_new, scale2, b_i, s_i, by, num_splits):
        """This split's share of one cache's top-k, tile by tile (online softmax into acc_o)."""
        chunk = T.ceildiv(T.ceildiv(n_tot, num_splits), BI) * BI
        start = by * chunk
        stop = T.min(T.min(T.max(topk_len, 0), n_tot), start + chunk)
        for t in T.Pipelined(T.ceildiv(T.max(stop - start, 0), BI), num_stages=num_stages):
            for n in T.Parallel(BI):
                pos = start + t * BI + n
                raw = T.if_then_else(pos < stop, Idx[b_i, s_i, pos], -1)
                ok = (raw >= 0) & (raw < nb * pg)
                blk_s[n] = T.if_then_else(ok, raw // pg, -1)
                off_s[n] = T.if_then_else(ok, raw % pg, 0)
            for n, g in T.Parallel(BI, M1_TILES):
                sc_s[n, g] = T.if_then_else(
                    blk_s[n] >= 0,
                    T.exp2(T.cast(KU[T.max(blk_s[n], 0), pg * M1_DATA + off_s[n] * M1_SCALES + g], f32) - 127.0), 0)
            for n, d in T.Parallel(BI, D):   # NoPE: e4m3 x its tile's scale; RoPE: the bf16 as stored
                kv_s[n, d] = T.if_then_else(
                    blk_s[n] < 0, T.cast(0, bf16),
                    T.if_then_else(
                        d < DN,
                        T.cast(T.cast(K8[T.max(blk_s[n], 0), off_s[n] * M1_DATA + T.min(d, DN - 1)], f32)
                               * sc_s[n, T.min(d, DN - 1) // 64], bf16),
                        K16[T.max(blk_s[n], 0), off_s[n] * (M1_DATA // 2) + DN // 2 + T.max(d - DN, 0)]))
            for h, n in T.Parallel(BH, BI):
                acc_s[h, n] = T.if_then_else(blk_s[n] >= 0, 0, -T.infinity(f32))
            T.gemm(q_s, kv_s, acc_s, transpose_B=True, policy=T.GemmWarpPolicy.FullRow)
            softmax_pv(kv_s, p_s, acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2)

    @T.prim_func
    def sparse_mla_decode_model1(
        Q: T.Tensor([B, SQ, h_q, D], bf16),
        K8: T.Tensor([NB, SB], fp8),
        K16: T.Tensor([NB, SB // 2], bf16),
        KU: T.Tensor([NB, SB], u8),
        Indices: T.Tensor([B, SQ, TOPK], i32),
        TopkLen: T.Tensor([B], i32),
        X8: T.Tensor([XNB, XSB], fp8),
        X16: T.Tensor([XNB, XSB // 2], bf16),
        XU: T.Tensor([XNB, XSB], u8),
        XIndices: T.Tensor([B, SQ, XTOPK], i32),
        XTopkLen: T.Tensor([B], i32),
        AttnSink: T.Tensor([h_q], f32),
        Out: T.Tensor([B, SQ, h_q, D], bf16),
        Lse: T.Tensor([B, h_q, SQ], f32),
        PO: T.Tensor([NP, h_q, D], f32),
        PLse: T.Tensor([NP, h_q], f32),
        num_splits: T.int32,
        sm_scale: T.float32,
    ):
        with T.Kernel(n_hb, num_splits, B * SQ, threads=threads) as (bx, by, bz):
            q_s = T.alloc_shared([BH, D], bf16)
            kv_s = T.alloc_shared([BI, D], bf16)
            p_s = T.alloc_shared([BH, BI], bf16)
            sc_s = T.alloc_shared([BI, M1_SCALES], f32)
            blk_s = T.alloc_shared([BI], i32)
            off_s = T.alloc_shared([BI], i32)
            acc_o = T.alloc_fragment([BH, D], f32)
            acc_s = T.alloc_fragment([BH, BI], f32)
            m_i = T.alloc_fragment([BH], f32)
            m_prev = T.alloc_fragment([BH], f32)
            alpha = T.alloc_fragment([BH], f32)
            l_i = T.alloc_fragment([BH], f32)
            l_new = T.alloc_fragment([BH], f32)

            b_i = bz // SQ
            s_i = bz % SQ
            h0 = bx * BH
            scale2 = sm_scale * LOG2E
            for h, d in T.Parallel(BH, D):
                q_s[h, d] = T.if_then_else(h0 + h < h_q, Q[b_i, s_i, h0 + h, d], T.cast(0, bf16))
            T.fill(acc_o, 0)
            T.fill(l_i, 0)
            T.fill(m_i, -(2.0**30))  # finite floor: no (-inf) - (-inf)
            tiles(Indices, K8, K16, KU, NB, page, TopkLen[b_i], TOPK, kv_s, sc_s, blk_s, off_s, q_s, p_s, acc_s,
                  acc_o, m_i, m_prev, alpha, l_i, l_new, scale2, b_i, s_i, by, num_splits)
            if has_x:
                tiles(XIndices, X8, X16, XU, XNB, xpage, XTopkLen[b_i], XTOPK, kv_s, sc_s, blk_s, off_s, q_s, p_s,
                      acc_s, acc_o, m_i, m_prev, alpha, l_i, l_new, scale2, b_i, s_i, by, num_splits)

            epilogue(acc_o, m_i, m_prev, alpha, l_i, AttnSink, Out, Lse, PO, PLse, scale2, b_i, s_i, h0, bz, by,
                     num_splits)

    return sparse_mla_decode_model1


def _build_combine(h_q):
    import tilelang.language as T

    CH = COMBINE_BLOCK_H
    DL = D_LATENT
    bf16, f32 = "bfloat16", "float32"
    B = T.dynamic("batch")
    SQ = T.dynamic("s_q")
    NP = T.dynamic("num_partials")
    LN2 = _LN2

    @T.prim_func
    def sparse_mla_decode_combine(
        PO: T.Tensor([NP, h_q, DL], f32),
        PLse: T.Tensor([NP, h_q], f32),
        AttnSink: T.Tensor([h_q], f32),
        Out: T.Tensor([B, SQ, h_q, DL], bf16),
        Lse: T.Tensor([B, h_q, SQ], f32),
        num_splits: T.int32,
    ):
        with T.Kernel(T.ceildiv(h_q, CH), B * SQ, threads=128) as (bx, by):
            m = T.alloc_fragment([CH], f32)
            w = T.alloc_fragment([CH], f32)
            tot = T.alloc_fragment([CH], f32)
            acc = T.alloc_fragment([CH, DL], f32)
            b_i = by // SQ
            s_i = by % SQ
            h0 = bx * CH
            row0 = by * num_splits
            T.fill(m, -T.infinity(f32))
            T.fill(tot, 0)
            T.fill(acc, 0)
            for s in T.serial(num_splits):
                for h in T.Parallel(CH):
                    m[h] = T.max(m[h], T.if_then_else(h0 + h < h_q, PLse[row0 + s, h0 + h], -T.infinity(f32)))
            for h in T.Parallel(CH):
                m[h] = T.if_then_else(m[h] == -T.infinity(f32), 0, m[h])
            for s in T.serial(num_splits):
                for h in T.Parallel(CH):
                    w[h] = T.if_then_else(h0 + h < h_q, T.exp2(PLse[row0 + s, h0 + h] - m[h]), 0)
                    tot[h] = tot[h] + w[h]
                for h, d in T.Parallel(CH, DL):
                    acc[h, d] = acc[h, d] + T.if_then_else(w[h] > 0, w[h] * PO[row0 + s, h0 + h, d], 0)
            # 1 / (total weight * (1 + exp(sink - lse))): normalisation and FlashMLA's attn_sink
            # (tot != 0: a partial with a NaN lse makes tot NaN, and out and lse NaN)
            for h in T.Parallel(CH):
                w[h] = T.if_then_else(
                    tot[h] != 0,
                    1.0 / (tot[h] * (1.0 + T.exp2(
                        T.if_then_else(h0 + h < h_q, AttnSink[T.min(h0 + h, h_q - 1)], -T.infinity(f32)) * _LOG2E
                        - (m[h] + T.log2(tot[h]))))),
                    0)
            for h, d in T.Parallel(CH, DL):
                if h0 + h < h_q:
                    Out[b_i, s_i, h0 + h, d] = T.cast(acc[h, d] * w[h], bf16)
            for h in T.Parallel(CH):
                if h0 + h < h_q:
                    Lse[b_i, h0 + h, s_i] = T.if_then_else(tot[h] != 0, (m[h] + T.log2(tot[h])) * LN2,
                                                          T.infinity(f32))

    return sparse_mla_decode_combine


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: the main kernel and the split combine, sm_90a."""
    sched = {**SCHEDULE, **(schedule or {})}
    return [{"template": OP, "problem": {**dict(problem), "part": part}, "schedule": sched,
             "backend": "tilelang"} for part in PARTS]


# ---------------------------------------------------------------- dispatch
# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8,
                          num_splits=None, schedule=None, fp8_mode=None, extra_k_cache=None, extra_indices=None,
                          extra_topk_length=None):
    """templates/sparse_mla_decode/triton.py launch signature -> the TileLang decode kernels
    (main, plus combine when the top-k is split)."""
    import torch

    tp = m.entry.get("tl_problem") or {}
    parts = m.kernel if isinstance(m.kernel, dict) else {"main": m.kernel}
    model1 = tp.get("layout") == "model1"
    xpage = int(tp.get("extra_page_block_size", 0)) if model1 else 0
    why = None
    if not is_fp8 or k_cache.shape[-1] != (584 if model1 else 656):
        why = (f"a bf16 cache or rows of {k_cache.shape[-1]} bytes (the kernel reads the "
               f"{'584-byte MODEL1' if model1 else '656-byte V3.2'} FP8 layout)")
    elif (extra_k_cache is not None) != (xpage > 0):
        why = f"{'an' if extra_k_cache is not None else 'no'} extra cache (the kernel was built for the other)"
    elif model1 and (k_cache.shape[1] != tp.get("page_block_size") or (xpage and extra_k_cache.shape[1] != xpage)):
        xp = extra_k_cache.shape[1] if extra_k_cache is not None else 0
        why = f"pages {k_cache.shape[1]} / {xp} (built for {tp.get('page_block_size')} / {xpage})"
    elif model1 and any(c is not None and c.shape[0] > 1 and c.stride(0) != _m1_block_bytes(c.shape[1])
                        for c in (k_cache, extra_k_cache)):
        why = "a MODEL1 block stride other than FlashMLA's allocation"
    elif schedule is not None or fp8_mode not in (None, "native"):
        why = "an explicit Triton schedule or a non-native fp8_mode"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dtype != torch.bfloat16 or out.dtype != torch.bfloat16 or q.dim() != 4 or q.shape[2] != tp.get("h_q"):
        why = f"built for bf16 q with h_q {tp.get('h_q')}, got {q.dtype} {tuple(q.shape)}"
    elif (not model1 and not k_cache.is_contiguous()) or not out.is_contiguous() or not lse.is_contiguous():
        why = "a non-contiguous cache, out or lse"
    elif q.shape[0] * q.shape[1] == 0 or indices.shape[-1] == 0:
        why = "empty batch or top-k"
    elif num_splits not in (None, 1) and "combine" not in parts:
        why = "a split top-k without the combine kernel"
    if why:
        return m.fall_back(why, q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=sm_scale,
                           is_fp8=is_fp8, num_splits=num_splits, schedule=schedule, fp8_mode=fp8_mode,
                           extra_k_cache=extra_k_cache, extra_indices=extra_indices,
                           extra_topk_length=extra_topk_length)
    if model1:
        from dsagen.runtime.tilelang import sparse_mla_decode_model1
        sparse_mla_decode_model1(parts["main"], q, k_cache, indices, float(sm_scale), out=out, lse=lse,
                                 combine=parts.get("combine"), num_splits=num_splits, topk_length=topk_length,
                                 attn_sink=attn_sink, extra_k_cache=extra_k_cache, extra_indices=extra_indices,
                                 extra_topk_length=extra_topk_length)
        return None
    from dsagen.runtime.tilelang import sparse_mla_decode
    sparse_mla_decode(parts["main"], q, k_cache, indices, float(sm_scale), out=out, lse=lse,
                      combine=parts.get("combine"), num_splits=num_splits, topk_length=topk_length,
                      attn_sink=attn_sink)
    return None
