"""Sparse MLA decode over FlashMLA's 656-byte FP8 cache, for sm90 in Gluon (issue 14).

Same semantics and launch signature as templates/sparse_mla_decode/triton.py (oracle: naive.py in
dsagen/operators/sparse_mla_decode), for the V3.2 layout: q [b, s_q, h_q, 576] bf16, a paged cache
of 656-byte records (512 e4m3 latent values, 4 fp32 scales one per 128, 64 bf16 RoPE values). The
Triton kernel keeps the dequantised tile in registers beside the 64 x 512 accumulator, so it cannot
reach wgmma N >= 64 without spills (tests/test_compiled_record.py GAPS). Here one CTA serves (query
token, top-k split, 64 heads), head block fastest in the grid, in three warp partitions:

    partition 0 (default, warpgroup 0): S = q K^T (64 heads x BLOCK_N slots, latent 512 + RoPE 64),
        mask, online softmax in base 2, P (bf16) and alpha to shared memory, O[:, :256]; the
        epilogue (final: out, lse, sink, NaN rules; split: the normalised fp32 partial and its
        base-2 lse) and 1/l for partition 1.
    partition 1 (warpgroup 1):          O[:, 256:] from the same P and tile.
    partition 2 (loader warps):         q once (cp.async); per tile the BLOCK_N selected slots'
        records: the e4m3 latent read, dequantised (x its group's scale) and stored as the bf16
        tile both compute warpgroups read, the RoPE part cp.async'd; invalid slots are zeros,
        so the NaN bytes of unused slots never reach the MMAs. The MMA warps never dequantise.

Protocol as in templates/sparse_mla_prefill/gluon.py (q_ready, kv_ready[s], kv_empty[s] count 2,
p_ready / p_empty, fin), with the loader's generic-proxy stores fenced before kv_ready. With more
than one split a Gluon combine kernel merges the partials in fp32 (sink, NaN rules) as the Triton
template's does. Other calls (bf16 or MODEL1 caches, an extra cache, non-native FP8 modes,
unaligned rows, another GPU) are `unsupported`: dispatch gives them to the Triton kernel.

Status: compiles for sm_90a (tests/test_gluon_sparse_mla_decode.py); checked against the oracle by
the CPU emulation of its source (tests/fixtures/gluon_emu.py); never run on a GPU.
"""

from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy
from triton.experimental.gluon.language.nvidia.hopper import fence_async_shared, mbarrier, warpgroup_mma

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 64, "KV_STAGES": 2, "NUM_SPLITS": 32, "LOADER_WARPS": 4, "LOADER_REGS": 80}
# </dsagen:schedule>

_BLOCK_H = 64
BLOCK_H = gl.constexpr(_BLOCK_H)  # one warpgroup's wgmma M: the heads a CTA serves (rows past h_q are zero)
D_LATENT = gl.constexpr(512)
D_ROPE = gl.constexpr(64)
D_HALF = gl.constexpr(256)        # the latent / value columns each compute warpgroup accumulates
GROUP = gl.constexpr(128)         # latent values per fp32 scale in a 656-byte record
ROW_BYTES = 656
SCALE_OFF = gl.constexpr(512 // 4)         # the scales' offset in a record, in fp32 elements
ROPE_OFF = gl.constexpr((512 + 16) // 2)   # the RoPE part's offset, in bf16 elements
MAX_REGS = 512                    # registers a lane across the three partitions (3 warpgroups: 64K)
DEFAULT_REGS = 256
COMBINE_BLOCK_H = 16
_LOG2E = 1.4426950408889634
LN2_C = gl.constexpr(0.6931471805599453)


@gluon.jit
def _tile_range(topk_len_ptr, bi, split, chunk, end_max, HAS_TOPK_LEN: gl.constexpr):
    """[start, hi) of the selected slots this CTA's split walks, and its number of BN tiles."""
    end = end_max
    if HAS_TOPK_LEN:
        end = gl.minimum(end, gl.maximum(gl.load(topk_len_ptr + bi), 0))
    start = split * chunk
    hi = gl.minimum(end, start + chunk)
    return start, hi


@gluon.jit
def _loader(q_ptr, lat_ptr, scale_ptr, rope_ptr, idx_ptr, topk_len_ptr,
            q_smem, qr_smem, kv_smem, kr_smem, q_ready, kv_ready, kv_empty,
            bi, si, hb, split, h_q, chunk, end_max, num_slots, page,
            stride_qb, stride_qs, stride_qh, stride_lb, stride_lt, stride_sb, stride_st, stride_rb16, stride_rt16,
            stride_ib, stride_is,
            HAS_TOPK_LEN: gl.constexpr, BN: gl.constexpr, NS: gl.constexpr, LW: gl.constexpr):
    ld: gl.constexpr = gl.BlockedLayout([1, 8], [4, 8], [LW, 1], [1, 0])    # 8 bf16 = one 16-byte cp.async a lane
    fl: gl.constexpr = gl.BlockedLayout([1, 16], [8, 4], [LW, 1], [1, 0])   # 16 e4m3 bytes a lane
    c = gl.arange(0, D_LATENT, layout=gl.SliceLayout(0, ld))
    cr = gl.arange(0, D_ROPE, layout=gl.SliceLayout(0, ld))
    heads = hb * BLOCK_H + gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, ld))
    qrow = (q_ptr + bi.to(gl.int64) * stride_qb + si.to(gl.int64) * stride_qs
            + heads.to(gl.int64)[:, None] * stride_qh)
    hmask = (heads < h_q)[:, None]
    async_copy.async_copy_global_to_shared(q_smem, qrow + c[None, :], mask=hmask)
    async_copy.async_copy_global_to_shared(qr_smem, qrow + D_LATENT + cr[None, :], mask=hmask)
    async_copy.commit_group()
    async_copy.wait_group(0)
    fence_async_shared()
    mbarrier.arrive(q_ready, count=1)

    start, hi = _tile_range(topk_len_ptr, bi, split, chunk, end_max, HAS_TOPK_LEN)
    irow = idx_ptr + bi.to(gl.int64) * stride_ib + si.to(gl.int64) * stride_is
    cg = gl.arange(0, GROUP, layout=gl.SliceLayout(0, fl))
    for i in range(gl.cdiv(gl.maximum(hi - start, 0), BN)):
        s = i % NS
        mbarrier.wait(kv_empty.index(s), ((i // NS) & 1) ^ 1)  # a fresh barrier passes parity 1
        pos = start + i * BN + gl.arange(0, BN, layout=gl.SliceLayout(1, fl))
        idx = gl.load(irow + pos, mask=pos < hi, other=-1)
        valid = (idx >= 0) & (idx < num_slots)
        slot = gl.where(valid, idx, 0)
        blk = (slot // page).to(gl.int64)
        off = (slot % page).to(gl.int64)
        # the RoPE part is bf16 already: 16-byte copies straight into the tile (zeros when invalid)
        blk_r = gl.convert_layout(blk, gl.SliceLayout(1, ld))
        off_r = gl.convert_layout(off, gl.SliceLayout(1, ld))
        valid_r = gl.convert_layout(valid, gl.SliceLayout(1, ld))
        # the strides in 16-byte units (x 8 bf16): the compiler then knows each row is 16-byte aligned
        rrow = rope_ptr + (blk_r * stride_rb16 + off_r * stride_rt16) * 8 + ROPE_OFF
        async_copy.async_copy_global_to_shared(kr_smem.index(s), rrow[:, None] + cr[None, :], mask=valid_r[:, None])
        async_copy.commit_group()
        lrow = lat_ptr + blk * stride_lb + off * stride_lt
        srow = scale_ptr + blk * stride_sb + off * stride_st + SCALE_OFF
        for g in gl.static_range(4):
            raw = gl.load(lrow[:, None] + g * GROUP + cg[None, :], mask=valid[:, None], other=0.0)
            sc = gl.load(srow + g, mask=valid, other=0.0)
            x = raw.to(gl.float32) * sc[:, None]
            kv_smem.index(s).slice(g * GROUP, GROUP, dim=1).store(x.to(gl.bfloat16))
        async_copy.wait_group(0)
        fence_async_shared()   # the generic-proxy stores above, before the wgmma (async proxy) reads them
        mbarrier.arrive(kv_ready.index(s), count=1)


@gluon.jit
def _store_half(acc, inv, cols0, out_ptr, po_ptr, bi, si, t, split, hb, h_q,
                stride_ob, stride_os, stride_oh, stride_pot, stride_pos, stride_poh,
                layout: gl.constexpr, FINAL: gl.constexpr):
    """Columns [cols0, cols0 + 256) of the CTA's heads: out (bf16) when FINAL, else the split's
    normalised fp32 partial."""
    heads = hb * BLOCK_H + gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, layout))
    cols = cols0 + gl.arange(0, D_HALF, layout=gl.SliceLayout(0, layout))
    hmask = (heads < h_q)[:, None]
    o = acc * inv[:, None]
    if FINAL:
        orow = (out_ptr + bi.to(gl.int64) * stride_ob + si.to(gl.int64) * stride_os
                + heads.to(gl.int64)[:, None] * stride_oh)
        gl.store(orow + cols[None, :], o.to(out_ptr.dtype.element_ty), mask=hmask)
    else:
        prow = po_ptr + t.to(gl.int64) * stride_pot + split * stride_pos + heads.to(gl.int64)[:, None] * stride_poh
        gl.store(prow + cols[None, :], o, mask=hmask)


@gluon.jit
def _pv_high(out_ptr, po_ptr, topk_len_ptr, kv_smem, p_smem, alpha_smem, inv_smem,
             kv_ready, kv_empty, p_ready, p_empty, fin,
             bi, si, t, split, hb, h_q, chunk, end_max,
             stride_ob, stride_os, stride_oh, stride_pot, stride_pos, stride_poh,
             HAS_TOPK_LEN: gl.constexpr, FINAL: gl.constexpr, BN: gl.constexpr, NS: gl.constexpr):
    o_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, D_HALF, 16])
    acc = gl.zeros([BLOCK_H, D_HALF], gl.float32, o_l)
    start, hi = _tile_range(topk_len_ptr, bi, split, chunk, end_max, HAS_TOPK_LEN)
    for i in range(gl.cdiv(gl.maximum(hi - start, 0), BN)):
        s = i % NS
        mbarrier.wait(kv_ready.index(s), (i // NS) & 1)
        mbarrier.wait(p_ready, i & 1)
        alpha = alpha_smem.load(gl.SliceLayout(1, o_l))
        acc = warpgroup_mma(p_smem, kv_smem.index(s).slice(D_HALF, D_HALF, dim=1), acc * alpha[:, None])
        mbarrier.arrive(p_empty, count=1)
        mbarrier.arrive(kv_empty.index(s), count=1)
    mbarrier.wait(fin, 0)
    inv = inv_smem.load(gl.SliceLayout(1, o_l))
    _store_half(acc, inv, D_HALF, out_ptr, po_ptr, bi, si, t, split, hb, h_q,
                stride_ob, stride_os, stride_oh, stride_pot, stride_pos, stride_poh, o_l, FINAL)


@gluon.jit
def _logits_softmax_pv_low(idx_ptr, topk_len_ptr, sink_ptr, out_ptr, lse_ptr, po_ptr, plse_ptr,
                           q_smem, qr_smem, kv_smem, kr_smem, p_smem, alpha_smem, inv_smem,
                           q_ready, kv_ready, kv_empty, p_ready, p_empty, fin,
                           bi, si, t, split, hb, h_q, chunk, end_max, num_slots, qk_scale, stride_ib, stride_is,
                           stride_ob, stride_os, stride_oh, stride_lse_b, stride_lse_h, stride_lse_s,
                           stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
                           HAS_TOPK_LEN: gl.constexpr, HAS_SINK: gl.constexpr, FINAL: gl.constexpr,
                           BN: gl.constexpr, NS: gl.constexpr):
    s_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 16])
    o_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, D_HALF, 16])
    m_i = gl.full([BLOCK_H], -1.0e30, gl.float32, gl.SliceLayout(1, s_l))  # base-2 running max, finite floor
    l_i = gl.zeros([BLOCK_H], gl.float32, gl.SliceLayout(1, s_l))
    acc = gl.zeros([BLOCK_H, D_HALF], gl.float32, o_l)
    start, hi = _tile_range(topk_len_ptr, bi, split, chunk, end_max, HAS_TOPK_LEN)
    irow = idx_ptr + bi.to(gl.int64) * stride_ib + si.to(gl.int64) * stride_is
    mbarrier.wait(q_ready, 0)
    for i in range(gl.cdiv(gl.maximum(hi - start, 0), BN)):
        s = i % NS
        pos = start + i * BN + gl.arange(0, BN, layout=gl.SliceLayout(0, s_l))
        idx = gl.load(irow + pos, mask=pos < hi, other=-1)
        valid = (idx >= 0) & (idx < num_slots)
        mbarrier.wait(kv_ready.index(s), (i // NS) & 1)
        kv = kv_smem.index(s)
        qk = warpgroup_mma(q_smem, kv.permute((1, 0)), gl.zeros([BLOCK_H, BN], gl.float32, s_l), use_acc=False)
        qk = warpgroup_mma(qr_smem, kr_smem.index(s).permute((1, 0)), qk)
        qk = gl.where(valid[None, :], qk * qk_scale, float("-inf"))  # base-2 logits
        m_new = gl.maximum(m_i, gl.max(qk, axis=1))
        alpha = gl.exp2(m_i - m_new)
        p = gl.exp2(qk - m_new[:, None])
        l_i = l_i * alpha + gl.sum(p, axis=1)
        m_i = m_new
        mbarrier.wait(p_empty, (i & 1) ^ 1)  # partition 1 is done with the previous P and alpha
        p_smem.store(p.to(gl.bfloat16))
        alpha_smem.store(alpha)
        fence_async_shared()
        mbarrier.arrive(p_ready, count=1)
        a = gl.convert_layout(alpha, gl.SliceLayout(1, o_l))
        acc = warpgroup_mma(p_smem, kv.slice(0, D_HALF, dim=1), acc * a[:, None])
        mbarrier.arrive(kv_empty.index(s), count=1)

    heads = hb * BLOCK_H + gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, s_l))
    hmask = heads < h_q
    has = l_i > 0.0
    # A NaN logit leaves l_i NaN whichever way max treats NaN: that head's out and lse are NaN, as in
    # the oracle, and a split's NaN base-2 lse tells the combine (the Triton template's rules).
    nan_row = l_i != l_i
    l_safe = gl.where(has, l_i, 1.0)
    inv = 1.0 / l_safe
    lse2 = gl.where(nan_row, float("nan"), gl.where(has, m_i + gl.log2(l_safe), float("-inf")))
    if FINAL:
        lse = gl.where(has, lse2 * LN2_C, float("inf"))
        if HAS_SINK:
            sink = gl.load(sink_ptr + heads, mask=hmask, other=0.0)
            inv = gl.where(has, inv / (1.0 + gl.exp(sink - lse)), 0.0)
        inv = gl.where(nan_row, float("nan"), inv)
        lse = gl.where(nan_row, float("nan"), lse)
        gl.store(lse_ptr + bi * stride_lse_b + heads * stride_lse_h + si * stride_lse_s, lse, mask=hmask)
    else:
        gl.store(plse_ptr + t.to(gl.int64) * stride_plt + split * stride_pls + heads, lse2, mask=hmask)
    inv_smem.store(inv)
    mbarrier.arrive(fin, count=1)
    _store_half(acc, gl.convert_layout(inv, gl.SliceLayout(1, o_l)), 0, out_ptr, po_ptr, bi, si, t, split, hb, h_q,
                stride_ob, stride_os, stride_oh, stride_pot, stride_pos, stride_poh, o_l, FINAL)


@gluon.jit
def sparse_mla_decode_ws_kernel(
    q_ptr, lat_ptr, scale_ptr, rope_ptr, idx_ptr, topk_len_ptr, sink_ptr,
    out_ptr, lse_ptr, po_ptr, plse_ptr,
    h_q, s_q, num_splits, chunk, end_max, num_slots, page, qk_scale,
    stride_qb, stride_qs, stride_qh, stride_lb, stride_lt, stride_sb, stride_st, stride_rb16, stride_rt16,
    stride_ib, stride_is, stride_ob, stride_os, stride_oh, stride_lse_b, stride_lse_h, stride_lse_s,
    stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
    HAS_TOPK_LEN: gl.constexpr, HAS_SINK: gl.constexpr, FINAL: gl.constexpr,
    BLOCK_N: gl.constexpr, KV_STAGES: gl.constexpr, N_HB: gl.constexpr,
    LOADER_WARPS: gl.constexpr, LOADER_REGS: gl.constexpr, PV_REGS: gl.constexpr,
):
    # 1-D grid: program = (token * num_splits + split) * N_HB + head block; the head blocks of one
    # (token, split) are adjacent, gather the same records at the same time and share them in L2
    pid = gl.program_id(0)
    hb = pid % N_HB
    rest = pid // N_HB
    split = rest % num_splits
    t = rest // num_splits
    bi = t // s_q
    si = t % s_q
    q_smem = gl.allocate_shared_memory(gl.bfloat16, [BLOCK_H, D_LATENT],
                                       gl.NVMMASharedLayout.get_default_for([BLOCK_H, D_LATENT], gl.bfloat16))
    qr_smem = gl.allocate_shared_memory(gl.bfloat16, [BLOCK_H, D_ROPE],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_H, D_ROPE], gl.bfloat16))
    kv_smem = gl.allocate_shared_memory(gl.bfloat16, [KV_STAGES, BLOCK_N, D_LATENT],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_N, D_LATENT], gl.bfloat16))
    kr_smem = gl.allocate_shared_memory(gl.bfloat16, [KV_STAGES, BLOCK_N, D_ROPE],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_N, D_ROPE], gl.bfloat16))
    p_smem = gl.allocate_shared_memory(gl.bfloat16, [BLOCK_H, BLOCK_N],
                                       gl.NVMMASharedLayout.get_default_for([BLOCK_H, BLOCK_N], gl.bfloat16))
    vec: gl.constexpr = gl.SwizzledSharedLayout(1, 1, 1, [0])
    alpha_smem = gl.allocate_shared_memory(gl.float32, [BLOCK_H], vec)
    inv_smem = gl.allocate_shared_memory(gl.float32, [BLOCK_H], vec)
    bar: gl.constexpr = mbarrier.MBarrierLayout()
    q_ready = gl.allocate_shared_memory(gl.int64, [1], bar)
    kv_ready = gl.allocate_shared_memory(gl.int64, [KV_STAGES, 1], bar)
    kv_empty = gl.allocate_shared_memory(gl.int64, [KV_STAGES, 1], bar)
    p_ready = gl.allocate_shared_memory(gl.int64, [1], bar)
    p_empty = gl.allocate_shared_memory(gl.int64, [1], bar)
    fin = gl.allocate_shared_memory(gl.int64, [1], bar)
    mbarrier.init(q_ready, count=1)
    mbarrier.init(p_ready, count=1)
    mbarrier.init(p_empty, count=1)
    mbarrier.init(fin, count=1)
    for s in gl.static_range(KV_STAGES):
        mbarrier.init(kv_ready.index(s), count=1)
        mbarrier.init(kv_empty.index(s), count=2)  # both compute warpgroups read every tile

    gl.warp_specialize([
        (_logits_softmax_pv_low, (idx_ptr, topk_len_ptr, sink_ptr, out_ptr, lse_ptr, po_ptr, plse_ptr,
                                  q_smem, qr_smem, kv_smem, kr_smem, p_smem, alpha_smem, inv_smem,
                                  q_ready, kv_ready, kv_empty, p_ready, p_empty, fin,
                                  bi, si, t, split, hb, h_q, chunk, end_max, num_slots, qk_scale, stride_ib,
                                  stride_is, stride_ob, stride_os, stride_oh, stride_lse_b, stride_lse_h,
                                  stride_lse_s, stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
                                  HAS_TOPK_LEN, HAS_SINK, FINAL, BLOCK_N, KV_STAGES)),
        (_pv_high, (out_ptr, po_ptr, topk_len_ptr, kv_smem, p_smem, alpha_smem, inv_smem,
                    kv_ready, kv_empty, p_ready, p_empty, fin, bi, si, t, split, hb, h_q, chunk, end_max,
                    stride_ob, stride_os, stride_oh, stride_pot, stride_pos, stride_poh,
                    HAS_TOPK_LEN, FINAL, BLOCK_N, KV_STAGES)),
        (_loader, (q_ptr, lat_ptr, scale_ptr, rope_ptr, idx_ptr, topk_len_ptr,
                   q_smem, qr_smem, kv_smem, kr_smem, q_ready, kv_ready, kv_empty,
                   bi, si, hb, split, h_q, chunk, end_max, num_slots, page,
                   stride_qb, stride_qs, stride_qh, stride_lb, stride_lt, stride_sb, stride_st, stride_rb16, stride_rt16,
                   stride_ib, stride_is, HAS_TOPK_LEN, BLOCK_N, KV_STAGES, LOADER_WARPS)),
    ], [4, LOADER_WARPS], [PV_REGS, LOADER_REGS])


@gluon.jit
def sparse_mla_decode_combine_kernel(
    po_ptr, plse_ptr, sink_ptr, out_ptr, lse_ptr,
    h_q, s_q, num_splits,
    stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
    stride_ob, stride_os, stride_oh, stride_lse_b, stride_lse_h, stride_lse_s,
    HAS_SINK: gl.constexpr, BH: gl.constexpr, N_HB: gl.constexpr,
):
    """Merge the splits' normalised partial outputs by their base-2 lse, in fp32 (1-D grid:
    program = token * N_HB + block of BH heads)."""
    cl: gl.constexpr = gl.BlockedLayout([1, 4], [1, 32], [4, 1], [1, 0])
    pid = gl.program_id(0)
    t = pid // N_HB
    hb = pid % N_HB
    bi = t // s_q
    si = t % s_q
    heads = hb * BH + gl.arange(0, BH, layout=gl.SliceLayout(1, cl))
    hmask = heads < h_q
    cols = gl.arange(0, D_LATENT, layout=gl.SliceLayout(0, cl))
    lrow = plse_ptr + t.to(gl.int64) * stride_plt + heads
    m = gl.full([BH], float("-inf"), gl.float32, gl.SliceLayout(1, cl))
    nan_i = gl.zeros([BH], gl.int32, gl.SliceLayout(1, cl))   # a split with a NaN logit (its lse2 is NaN)
    for s in range(num_splits):
        ls = gl.load(lrow + s * stride_pls, mask=hmask, other=float("-inf"))
        nan_i = gl.maximum(nan_i, (ls != ls).to(gl.int32))
        m = gl.maximum(m, gl.where(ls != ls, float("-inf"), ls))
    nan_row = nan_i > 0
    m_use = gl.where(m == float("-inf"), 0.0, m)
    tot = gl.zeros([BH], gl.float32, gl.SliceLayout(1, cl))
    acc = gl.zeros([BH, D_LATENT], gl.float32, cl)
    prow = po_ptr + t.to(gl.int64) * stride_pot + heads.to(gl.int64)[:, None] * stride_poh + cols[None, :]
    for s in range(num_splits):
        w = gl.exp2(gl.load(lrow + s * stride_pls, mask=hmask, other=float("-inf")) - m_use)
        tot += w
        part = gl.load(prow + s * stride_pos, mask=hmask[:, None] & (w[:, None] > 0.0), other=0.0)
        acc += w[:, None] * part
    has = tot > 0.0
    inv = 1.0 / gl.where(has, tot, 1.0)
    lse = gl.where(has, (m_use + gl.log2(gl.where(has, tot, 1.0))) * LN2_C, float("inf"))
    if HAS_SINK:
        sink = gl.load(sink_ptr + heads, mask=hmask, other=0.0)
        inv = gl.where(has, inv / (1.0 + gl.exp(sink - lse)), 0.0)
    inv = gl.where(nan_row, float("nan"), inv)
    lse = gl.where(nan_row, float("nan"), lse)
    orow = (out_ptr + bi.to(gl.int64) * stride_ob + si.to(gl.int64) * stride_os
            + heads.to(gl.int64)[:, None] * stride_oh)
    gl.store(orow + cols[None, :], (acc * inv[:, None]).to(out_ptr.dtype.element_ty), mask=hmask[:, None])
    gl.store(lse_ptr + bi * stride_lse_b + heads * stride_lse_h + si * stride_lse_s, lse, mask=hmask)


# ---- host side -----------------------------------------------------------------------------

def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def covers(problem: dict) -> bool:
    """Whether the generator emits this kernel for an operator bucket: V3.2's FP8 cache, no extra cache."""
    return (problem.get("kv_format") == "fp8" and problem.get("d_qk") == 576 and problem.get("d_v") == 512
            and not problem.get("extra_topk"))


def unsupported(q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8, num_splits=None,
                schedule=None, fp8_mode=None, extra_k_cache=None, extra_indices=None, extra_topk_length=None):
    """Why this kernel cannot serve the call (dispatch then runs the Triton kernel), or None."""
    import torch

    if extra_k_cache is not None:
        return "a second (extra) cache is the Triton kernel's"
    if k_cache.dtype not in (torch.uint8, torch.float8_e4m3fn) or k_cache.shape[-1] != ROW_BYTES:
        return f"only FlashMLA's {ROW_BYTES}-byte FP8 records (got {k_cache.dtype} rows of {k_cache.shape[-1]})"
    if fp8_mode not in (None, "native"):
        return f"reads e4m3fn natively (fp8_mode {fp8_mode!r} asked)"
    if q.dtype != torch.bfloat16 or q.shape[-1] != 576 or out.shape[-1] != 512:
        return f"q must be bf16 with d_qk 576 and d_v 512 (got {q.dtype}, {q.shape[-1]}, {out.shape[-1]})"
    if q.data_ptr() % 16 or any(q.stride(d) % 8 for d in (0, 1, 2)) or q.stride(3) != 1:
        return f"q's rows must be 16-byte aligned (16-byte cp.async); got strides {q.stride()}"
    if k_cache.data_ptr() % 16 or k_cache.stride(0) % 16 or k_cache.stride(1) % 16 or k_cache.stride(-1) != 1:
        return f"k_cache's records must be 16-byte aligned; got strides {k_cache.stride()}"
    if indices.stride(-1) != 1:
        return "indices' last dim must be contiguous"
    if q.device.type != "cuda" or torch.version.hip or torch.cuda.get_device_capability(q.device)[0] != 9:
        return "Gluon's warp specialisation and wgmma need an sm90 (Hopper) GPU"
    return None


def choose_splits(batch: int, s_q: int, h_q: int, topk: int, sms: int, schedule=None) -> int:
    """Splits of the top-k: enough CTAs to fill the GPU about twice, at most NUM_SPLITS, and at
    least two BLOCK_N tiles per split (each split loads q again: 72 KB for 64 heads)."""
    sch = schedule or SCHEDULE
    base = batch * s_q * _cdiv(h_q, _BLOCK_H)
    want = _cdiv(2 * sms, max(base, 1))
    most = max(1, _cdiv(topk, 2 * sch["BLOCK_N"]))
    return max(1, min(want, sch["NUM_SPLITS"], most))


def _constexprs(h_q: int, has_topk_len: bool, has_sink: bool, final: bool, sch: dict) -> dict:
    return {"HAS_TOPK_LEN": has_topk_len, "HAS_SINK": has_sink, "FINAL": final,
            "BLOCK_N": sch["BLOCK_N"], "KV_STAGES": sch["KV_STAGES"], "N_HB": _cdiv(h_q, _BLOCK_H),
            "LOADER_WARPS": sch["LOADER_WARPS"], "LOADER_REGS": sch["LOADER_REGS"],
            "PV_REGS": MAX_REGS - DEFAULT_REGS - sch["LOADER_REGS"]}


def launch(q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8, num_splits=None,
           schedule=None, fp8_mode=None, extra_k_cache=None, extra_indices=None, extra_topk_length=None,
           checked=False):
    """The Triton template's launch for a 656-byte FP8 cache on an sm90 GPU; a call `unsupported`
    names raises ValueError. checked: the caller (dispatch's GluonModule) has asked `unsupported`."""
    import torch

    b, s_q, h_q, _ = q.shape
    if b * s_q == 0 or h_q == 0:
        return
    why = None if checked else unsupported(q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=sm_scale,
                                           is_fp8=is_fp8, fp8_mode=fp8_mode, extra_k_cache=extra_k_cache)
    if why:
        raise ValueError(f"the Gluon sparse MLA decode kernel cannot run this call: {why}")
    sms = torch.cuda.get_device_properties(q.device).multi_processor_count
    run(sparse_mla_decode_ws_kernel, sparse_mla_decode_combine_kernel, q, k_cache, indices, topk_length, attn_sink,
        out, lse, sm_scale=sm_scale, num_splits=num_splits, sms=sms, schedule=schedule)


def run(kernel, combine, q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, num_splits, sms,
        schedule=None):
    """`kernel[grid](...)` and `combine[grid](...)` with launch's arguments: the compiled kernels on a
    GPU, or the CPU emulation of their source in the tests (tests/fixtures/gluon_emu.py)."""
    import torch

    sch = schedule or SCHEDULE
    b, s_q, h_q, _ = q.shape
    topk = indices.shape[-1]
    bn = sch["BLOCK_N"]
    splits = num_splits if num_splits is not None else choose_splits(b, s_q, h_q, topk, sms, sch)
    splits = max(1, min(splits, max(1, _cdiv(topk, bn))))
    chunk = _cdiv(_cdiv(max(topk, 1), splits), bn) * bn
    splits = max(1, _cdiv(topk, chunk))
    final = splits == 1
    u8 = k_cache.view(torch.uint8)
    lat, scale, rope = u8.view(torch.float8_e4m3fn), u8.view(torch.float32), u8.view(torch.bfloat16)
    if final:
        po, plse, pstr = out, lse, (0, 0, 0, 0, 0)
    else:
        po = torch.empty((b * s_q, splits, h_q, 512), dtype=torch.float32, device=q.device)
        plse = torch.empty((b * s_q, splits, h_q), dtype=torch.float32, device=q.device)
        pstr = (po.stride(0), po.stride(1), po.stride(2), plse.stride(0), plse.stride(1))
    dummy = lse
    c = _constexprs(h_q, topk_length is not None, attn_sink is not None, final, sch)
    kernel[(b * s_q * splits * c["N_HB"],)](
        q, lat, scale, rope, indices, topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy, out, lse, po, plse,
        h_q, s_q, splits, chunk, topk, k_cache.shape[0] * k_cache.shape[1], k_cache.shape[1],
        float(sm_scale) * _LOG2E,
        q.stride(0), q.stride(1), q.stride(2), lat.stride(0), lat.stride(1), scale.stride(0), scale.stride(1),
        rope.stride(0) // 8, rope.stride(1) // 8, indices.stride(0), indices.stride(1),
        out.stride(0), out.stride(1), out.stride(2), lse.stride(0), lse.stride(1), lse.stride(2), *pstr,
        num_warps=4, **c)
    if not final:
        n_hb = _cdiv(h_q, COMBINE_BLOCK_H)
        combine[(b * s_q * n_hb,)](
            po, plse, attn_sink if attn_sink is not None else dummy, out, lse, h_q, s_q, splits, *pstr,
            out.stride(0), out.stride(1), out.stride(2), lse.stride(0), lse.stride(1), lse.stride(2),
            num_warps=4, HAS_SINK=attn_sink is not None, BH=COMBINE_BLOCK_H, N_HB=n_hb)


def aot_kernels(problem, schedule):
    """The main and the combine kernel for `problem` (h_q, d_qk 576, topk, batch, s_q, kv_format fp8,
    page_block_size) at `schedule`, with the ints' launch values for the divisibility hints."""
    h, b, s_q, topk = problem["h_q"], problem.get("batch", 1), problem.get("s_q", 1), problem["topk"]
    page = problem.get("page_block_size", 64)
    splits = min(schedule["NUM_SPLITS"], max(1, _cdiv(topk, 2 * schedule["BLOCK_N"])))
    sig = {"q_ptr": "*bf16", "lat_ptr": "*fp8e4nv", "scale_ptr": "*fp32", "rope_ptr": "*bf16", "idx_ptr": "*i32",
           "topk_len_ptr": "*i32", "sink_ptr": "*fp32", "out_ptr": "*bf16", "lse_ptr": "*fp32",
           "po_ptr": "*fp32", "plse_ptr": "*fp32", "h_q": "i32", "s_q": "i32", "num_splits": "i32",
           "chunk": "i32", "end_max": "i32", "num_slots": "i32", "page": "i32", "qk_scale": "fp32"}
    ints = {"h_q": h, "s_q": s_q, "num_splits": splits, "chunk": _cdiv(topk, splits), "end_max": topk,
            "num_slots": 16 * page, "page": page,
            "stride_qb": s_q * h * 576, "stride_qs": h * 576, "stride_qh": 576,
            "stride_lb": page * ROW_BYTES, "stride_lt": ROW_BYTES, "stride_sb": page * ROW_BYTES // 4,
            "stride_st": ROW_BYTES // 4, "stride_rb16": page * ROW_BYTES // 16, "stride_rt16": ROW_BYTES // 16,
            "stride_ib": s_q * topk, "stride_is": topk,
            "stride_ob": s_q * h * 512, "stride_os": h * 512, "stride_oh": 512,
            "stride_lse_b": h * s_q, "stride_lse_h": s_q, "stride_lse_s": 1,
            "stride_pot": splits * h * 512, "stride_pos": h * 512, "stride_poh": 512,
            "stride_plt": splits * h, "stride_pls": h}
    for name in ints:
        if name not in sig:
            sig[name] = "i32"
    consts = _constexprs(h, True, True, False, schedule)
    for name in consts:
        sig[name] = "constexpr"
    csig = {"po_ptr": "*fp32", "plse_ptr": "*fp32", "sink_ptr": "*fp32", "out_ptr": "*bf16", "lse_ptr": "*fp32"}
    cnames = ("h_q", "s_q", "num_splits", "stride_pot", "stride_pos", "stride_poh", "stride_plt", "stride_pls",
              "stride_ob", "stride_os", "stride_oh", "stride_lse_b", "stride_lse_h", "stride_lse_s")
    csig.update({n: "i32" for n in cnames})
    cconsts = {"HAS_SINK": True, "BH": COMBINE_BLOCK_H, "N_HB": _cdiv(h, COMBINE_BLOCK_H)}
    csig.update({n: "constexpr" for n in cconsts})
    sig = {n: sig[n] for n in sparse_mla_decode_ws_kernel.arg_names}          # the kernel's argument order
    csig = {n: csig[n] for n in sparse_mla_decode_combine_kernel.arg_names}
    return [
        {"name": "sparse_mla_decode_ws_kernel", "fn": sparse_mla_decode_ws_kernel, "signature": sig,
         "constexprs": consts, "ints": ints, "num_warps": 4, "num_stages": 1},
        {"name": "sparse_mla_decode_combine_kernel", "fn": sparse_mla_decode_combine_kernel, "signature": csig,
         "constexprs": cconsts, "ints": {n: ints[n] for n in cnames}, "num_warps": 4, "num_stages": 1},
    ]
