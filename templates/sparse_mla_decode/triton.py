"""Sparse MLA decode over a paged latent cache (FlashMLA's sparse decode), bf16 or 656-byte FP8.

Per query token t = (batch b, step s) and head h:
    P[h, j] = q[t, h] . key(idx[t, j]) * sm_scale   over the valid selected slots j,
    out[t, h] = softmax_j(P) @ value(idx[t, j]),     lse[b, h, s] = natural-log logsumexp_j P.
key = the slot's 576 values (latent 512 + RoPE 64), value = its first 512 (the latent).
A slot index is block * page_block_size + offset; < 0, >= num_blocks * page or past
topk_length[b] is invalid. A query with no valid slot gets out = 0 and lse = +inf; a NaN logit makes its head's out and lse NaN
(as the oracle's softmax does). attn_sink [h_q]
scales out by exp(lse) / (exp(lse) + exp(sink)) and leaves lse alone.

Work split (split-K "flash decoding"): one program per (query token, top-k split, head block).
Every program gathers BLOCK_N selected cache rows per step and shares them across its BLOCK_H
heads (MLA: one latent row serves every head), so the cache is read once per head block; the
head block varies fastest in the grid, so a token's blocks run together and share those reads in L2.
The latent is handled as four 128-wide groups (the FP8 scale groups): four QK partial dots plus
one for RoPE, and four [BLOCK_H, 128] fp32 accumulators. FP8 rows are read as bytes
(656 per token: e4m3 latent, 4 fp32 scales, bf16 RoPE), converted and multiplied by their
group's scale in fp32, then fed to bf16 dots (as FlashMLA does); the same dequantised tile serves
QK and PV. FP8 says how the bytes are read (dsagen.runtime.targets): as e4m3fn, with integer ops
(sm80: no e4m3 type), or remapped to e4m3fnuz (gfx942) - dsagen.runtime.triton_casts.fp8_to_f32.
With more than one split each program writes a normalised fp32 partial output and its base-2
lse; a combine kernel merges them in fp32, applies the sink and writes out and lse. With one
split the main kernel writes the final result itself.
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584) and rounds
the bf16 output to nearest even on the bits (the interpreter's own cast truncates).
"""


import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import FP8_CODE, FP8_NATIVE, cc, code_arch, fp8_mode, fp8_mode_for
from dsagen.runtime.triton_casts import fp8_to_f32  # e4m3fn bytes -> fp32 on every target
from dsagen.runtime.triton_casts import to_out as _to_out  # fp32 -> bf16 rounding to nearest even, also on CPU

# <dsagen:schedule>
SCHEDULE = {"BLOCK_H": 64, "BLOCK_N": 16, "NUM_SPLITS": 16, "num_warps": 8, "num_stages": 2}
# </dsagen:schedule>

D_LATENT = 512
D_ROPE = 64
FP8_ROW_BYTES = 656
_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
_COMBINE_BLOCK_H = 16
# Gather offsets are int32 while a cache spans fewer bytes than this, else int64 (I64).
I32_OFFSETS_BELOW = 2**31
D_ROPE_C = tl.constexpr(D_ROPE)
LN2_C = tl.constexpr(_LN2)


@triton.jit
def _ue8m0(b):
    """ue8m0 bytes (uint8) -> fp32 2^(b - 127): the byte is the fp32 exponent field."""
    return (b.to(tl.int32) << 23).to(tl.float32, bitcast=True)


@triton.jit
def _load_group(lat_ptr, lo, rope_ptr, ro, scale_ptr, so, valid, G: tl.constexpr, KDT: tl.constexpr,
                LAYOUT: tl.constexpr, FP8: tl.constexpr, UPCAST: tl.constexpr):
    """Columns [128 G, 128 G + 128) of the gathered rows' key (the value is the same columns),
    dequantised and cast to KDT, [BLOCK_N, 128]. lo / ro / so: the rows' offsets from lat_ptr,
    rope_ptr and scale_ptr (int32, or int64 with I64), added to the base pointer only at the load.

    LAYOUT 0: bf16 rows. 1: FlashMLA's 656-byte V3.2 record (e4m3 latent, one fp32 scale per 128
    read at so + G). 2: MODEL1 (e4m3 NoPE in columns < 448 with one ue8m0 scale byte per
    64 at so + column // 64; columns 448..511 are the bf16 RoPE, read at ro)."""
    c = tl.arange(0, 128)
    if LAYOUT == 0:
        k = tl.load(lat_ptr + (lo[:, None] + (c + G * 128)[None, :]), mask=valid[:, None], other=0.0)
    elif LAYOUT == 1:
        s = tl.load(scale_ptr + (so + G), mask=valid, other=0.0)
        k = tl.load(lat_ptr + (lo[:, None] + (c + G * 128)[None, :]), mask=valid[:, None], other=0.0)
        k = fp8_to_f32(k, FP8, UPCAST) * s[:, None]
    else:
        nope = (G * 128 + c) < 448
        s_lo = _ue8m0(tl.load(scale_ptr + (so + 2 * G), mask=valid, other=127))
        if G < 3:
            s_hi = _ue8m0(tl.load(scale_ptr + (so + 2 * G + 1), mask=valid, other=127))
        else:
            s_hi = s_lo   # columns 448.. are RoPE, not scaled
        k = tl.load(lat_ptr + (lo[:, None] + (c + G * 128)[None, :]), mask=valid[:, None] & nope[None, :],
                    other=0.0)
        k = fp8_to_f32(k, FP8, UPCAST) * tl.where(c[None, :] < 64, s_lo[:, None], s_hi[:, None])
        if G == 3:
            r = tl.load(rope_ptr + (ro[:, None] + (c - 64)[None, :]), mask=valid[:, None] & (c[None, :] >= 64),
                        other=0.0)
            k = tl.where(nope[None, :], k, r.to(tl.float32))
    return k.to(KDT)


@triton.jit
def _attend(q0, q1, q2, q3, qr, m_i, l_i, acc0, acc1, acc2, acc3,
            lat_ptr, rope_ptr, scale_ptr, irow, pos, end, num_slots, page,
            stride_lb, stride_lt, stride_rb, stride_rt, rope_off, stride_sb, stride_st, scale_off, qk_scale,
            KDT: tl.constexpr, LAYOUT: tl.constexpr, FP8: tl.constexpr, UPCAST: tl.constexpr,
            HAS_ROPE: tl.constexpr, I64: tl.constexpr):
    """One BLOCK_N step of the online softmax over the selected slots irow[pos] of one cache.
    The gathers add int32 offsets to the cache's base pointers (int64 with I64, for caches past
    2 GiB): 64-bit pointer tiles kept BLOCK_N 32 from fitting (8 B spill on sm90, AOT 2026-12-08)."""
    idx = tl.load(irow + pos, mask=pos < end, other=-1)
    valid = (idx >= 0) & (idx < num_slots)
    idx = tl.where(valid, idx, 0)
    blk = idx // page
    off = idx % page
    if I64:
        blk = blk.to(tl.int64)
        off = off.to(tl.int64)
    lo = blk * stride_lb + off * stride_lt
    ro = blk * stride_rb + off * stride_rt + rope_off
    so = blk * stride_sb + off * stride_st + scale_off
    k0 = _load_group(lat_ptr, lo, rope_ptr, ro, scale_ptr, so, valid, 0, KDT, LAYOUT, FP8, UPCAST)
    k1 = _load_group(lat_ptr, lo, rope_ptr, ro, scale_ptr, so, valid, 1, KDT, LAYOUT, FP8, UPCAST)
    k2 = _load_group(lat_ptr, lo, rope_ptr, ro, scale_ptr, so, valid, 2, KDT, LAYOUT, FP8, UPCAST)
    k3 = _load_group(lat_ptr, lo, rope_ptr, ro, scale_ptr, so, valid, 3, KDT, LAYOUT, FP8, UPCAST)
    qk = tl.dot(q0, tl.trans(k0))
    qk = tl.dot(q1, tl.trans(k1), qk)
    qk = tl.dot(q2, tl.trans(k2), qk)
    qk = tl.dot(q3, tl.trans(k3), qk)
    if HAS_ROPE:  # d_qk 576: the 64 RoPE dims after the latent (key only)
        c64 = tl.arange(0, D_ROPE_C)
        kr = tl.load(rope_ptr + (ro[:, None] + c64[None, :]), mask=valid[:, None], other=0.0).to(KDT)
        qk = tl.dot(qr, tl.trans(kr), qk)
    qk = tl.where(valid[None, :], qk * qk_scale, float("-inf"))  # base-2 logits
    m_new = tl.maximum(m_i, tl.max(qk, axis=1))
    alpha = tl.exp2(m_i - m_new)
    p = tl.exp2(qk - m_new[:, None])
    l_i = l_i * alpha + tl.sum(p, axis=1)
    pk = p.to(KDT)
    acc0 = tl.dot(pk, k0, acc0 * alpha[:, None])
    acc1 = tl.dot(pk, k1, acc1 * alpha[:, None])
    acc2 = tl.dot(pk, k2, acc2 * alpha[:, None])
    acc3 = tl.dot(pk, k3, acc3 * alpha[:, None])
    return m_new, l_i, acc0, acc1, acc2, acc3


@triton.jit
def sparse_mla_decode_kernel(
    q_ptr, out_ptr, lse_ptr, po_ptr, plse_ptr, sink_ptr,
    lat_ptr, rope_ptr, scale_ptr, idx_ptr, topk_len_ptr,
    xlat_ptr, xrope_ptr, xscale_ptr, xidx_ptr, xtopk_len_ptr,
    h_q, s_q, chunk, qk_scale,
    num_slots, page, end_max,
    stride_lb, stride_lt, stride_rb, stride_rt, rope_off, stride_sb, stride_st, scale_off,
    stride_ib, stride_is,
    xnum_slots, xpage, xend_max,
    xstride_lb, xstride_lt, xstride_rb, xstride_rt, xrope_off, xstride_sb, xstride_st, xscale_off,
    xstride_ib, xstride_is,
    stride_qb, stride_qs, stride_qh,
    stride_ob, stride_os, stride_oh,
    stride_lse_b, stride_lse_h, stride_lse_s,
    stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
    LAYOUT: tl.constexpr, D_QK: tl.constexpr, FP8: tl.constexpr, UPCAST: tl.constexpr,
    HAS_TOPK_LEN: tl.constexpr, HAS_EXTRA: tl.constexpr, HAS_XTOPK_LEN: tl.constexpr,
    HAS_SINK: tl.constexpr, FINAL: tl.constexpr, I64: tl.constexpr,
    BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr, N_HB: tl.constexpr,
):
    # grid (b * s_q * N_HB, splits), head block fastest: the head blocks of one (token, split)
    # are adjacent programs that gather the same slots at the same time, so all but the first
    # read them from L2 (with the head block on grid z they were b * s_q * splits programs apart).
    # N_HB = cdiv(h_q, BLOCK_H) is a constexpr: dividing by a constant needs no extra live register.
    pid = tl.program_id(0)
    t = pid // N_HB
    hb = pid % N_HB
    split = tl.program_id(1)
    bi = t // s_q
    si = t % s_q
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16
    HAS_ROPE: tl.constexpr = D_QK == 576

    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hmask = heads < h_q
    c128 = tl.arange(0, 128)
    qrow = q_ptr + bi.to(tl.int64) * stride_qb + si.to(tl.int64) * stride_qs + heads[:, None].to(tl.int64) * stride_qh
    q0 = tl.load(qrow + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q1 = tl.load(qrow + 128 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q2 = tl.load(qrow + 256 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q3 = tl.load(qrow + 384 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    if HAS_ROPE:
        qr = tl.load(qrow + 512 + tl.arange(0, D_ROPE_C)[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    else:
        qr = q0   # unused

    m_i = tl.full([BLOCK_H], -1.0e30, tl.float32)  # finite floor: no -inf - -inf below
    l_i = tl.zeros([BLOCK_H], tl.float32)
    acc0 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc1 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc2 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc3 = tl.zeros([BLOCK_H, 128], tl.float32)
    # The splits cut the concatenation [the cache's end_max slots, then the extra cache's
    # xend_max] into chunks; this program walks its chunk's part of each.
    start = split * chunk
    stop = start + chunk
    end = end_max
    if HAS_TOPK_LEN:
        end = tl.minimum(end, tl.maximum(tl.load(topk_len_ptr + bi), 0))
    irow = idx_ptr + bi.to(tl.int64) * stride_ib + si.to(tl.int64) * stride_is
    hi = tl.minimum(end, stop)
    for n0 in range(start, hi, BLOCK_N):
        m_i, l_i, acc0, acc1, acc2, acc3 = _attend(
            q0, q1, q2, q3, qr, m_i, l_i, acc0, acc1, acc2, acc3,
            lat_ptr, rope_ptr, scale_ptr, irow, n0 + tl.arange(0, BLOCK_N), hi, num_slots, page,
            stride_lb, stride_lt, stride_rb, stride_rt, rope_off, stride_sb, stride_st, scale_off, qk_scale,
            KDT, LAYOUT, FP8, UPCAST, HAS_ROPE, I64)
    if HAS_EXTRA:
        xend = xend_max
        if HAS_XTOPK_LEN:
            xend = tl.minimum(xend, tl.maximum(tl.load(xtopk_len_ptr + bi), 0))
        xrow = xidx_ptr + bi.to(tl.int64) * xstride_ib + si.to(tl.int64) * xstride_is
        xlo = tl.maximum(start - end_max, 0)
        xhi = tl.minimum(xend, stop - end_max)
        for n0 in range(xlo, xhi, BLOCK_N):
            m_i, l_i, acc0, acc1, acc2, acc3 = _attend(
                q0, q1, q2, q3, qr, m_i, l_i, acc0, acc1, acc2, acc3,
                xlat_ptr, xrope_ptr, xscale_ptr, xrow, n0 + tl.arange(0, BLOCK_N), xhi, xnum_slots, xpage,
                xstride_lb, xstride_lt, xstride_rb, xstride_rt, xrope_off, xstride_sb, xstride_st, xscale_off,
                qk_scale, KDT, LAYOUT, FP8, UPCAST, HAS_ROPE, I64)

    has = l_i > 0.0
    # A NaN logit (NaN in q, in a selected slot, or sm_scale) leaves l_i NaN whichever way the
    # target's max treats NaN: that head's out and lse are NaN, as in the oracle (and a split's
    # NaN lse2 tells the combine).
    nan_row = l_i != l_i
    inv = 1.0 / tl.where(has, l_i, 1.0)
    lse2 = tl.where(has, m_i + tl.log2(tl.where(has, l_i, 1.0)), float("-inf"))
    lse2 = tl.where(nan_row, float("nan"), lse2)
    if FINAL:
        lse = tl.where(has, lse2 * LN2_C, float("inf"))
        if HAS_SINK:
            sink = tl.load(sink_ptr + heads, mask=hmask, other=0.0)
            inv = tl.where(has, inv / (1.0 + tl.exp(sink - lse)), 0.0)
        inv = tl.where(nan_row, float("nan"), inv)
        lse = tl.where(nan_row, float("nan"), lse)
        orow = out_ptr + bi.to(tl.int64) * stride_ob + si.to(tl.int64) * stride_os + heads[:, None].to(tl.int64) * stride_oh
        odt = out_ptr.dtype.element_ty
        tl.store(orow + c128[None, :], _to_out(acc0 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
        tl.store(orow + 128 + c128[None, :], _to_out(acc1 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
        tl.store(orow + 256 + c128[None, :], _to_out(acc2 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
        tl.store(orow + 384 + c128[None, :], _to_out(acc3 * inv[:, None], odt, UPCAST), mask=hmask[:, None])
        tl.store(lse_ptr + bi * stride_lse_b + heads * stride_lse_h + si * stride_lse_s, lse, mask=hmask)
    else:
        prow = po_ptr + t.to(tl.int64) * stride_pot + split * stride_pos + heads[:, None] * stride_poh
        tl.store(prow + c128[None, :], acc0 * inv[:, None], mask=hmask[:, None])
        tl.store(prow + 128 + c128[None, :], acc1 * inv[:, None], mask=hmask[:, None])
        tl.store(prow + 256 + c128[None, :], acc2 * inv[:, None], mask=hmask[:, None])
        tl.store(prow + 384 + c128[None, :], acc3 * inv[:, None], mask=hmask[:, None])
        tl.store(plse_ptr + t * stride_plt + split * stride_pls + heads, lse2, mask=hmask)


@triton.jit
def sparse_mla_decode_combine_kernel(
    po_ptr, plse_ptr, sink_ptr, out_ptr, lse_ptr,
    h_q, s_q, num_splits,
    stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
    stride_ob, stride_os, stride_oh,
    stride_lse_b, stride_lse_h, stride_lse_s,
    HAS_SINK: tl.constexpr, UPCAST: tl.constexpr, BLOCK_H: tl.constexpr, DV: tl.constexpr,
):
    """Merge the splits' normalised partial outputs by their base-2 lse, in fp32."""
    t = tl.program_id(0)
    hb = tl.program_id(1)
    bi = t // s_q
    si = t % s_q
    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hmask = heads < h_q
    cols = tl.arange(0, DV)
    lrow = plse_ptr + t.to(tl.int64) * stride_plt + heads
    m = tl.full([BLOCK_H], float("-inf"), tl.float32)
    nan_i = tl.zeros([BLOCK_H], tl.int32)   # a split with a NaN logit (its lse2 is NaN)
    for s in range(num_splits):
        ls = tl.load(lrow + s * stride_pls, mask=hmask, other=float("-inf"))
        nan_i = tl.maximum(nan_i, (ls != ls).to(tl.int32))
        m = tl.maximum(m, tl.where(ls != ls, float("-inf"), ls))
    nan_row = nan_i > 0
    m_use = tl.where(m == float("-inf"), 0.0, m)
    tot = tl.zeros([BLOCK_H], tl.float32)
    acc = tl.zeros([BLOCK_H, DV], tl.float32)
    prow = po_ptr + t.to(tl.int64) * stride_pot + heads[:, None] * stride_poh + cols[None, :]
    for s in range(num_splits):
        w = tl.exp2(tl.load(lrow + s * stride_pls, mask=hmask, other=float("-inf")) - m_use)
        tot += w
        part = tl.load(prow + s * stride_pos, mask=hmask[:, None] & (w[:, None] > 0.0), other=0.0)
        acc += w[:, None] * part
    has = tot > 0.0
    inv = 1.0 / tl.where(has, tot, 1.0)
    lse = tl.where(has, (m_use + tl.log2(tl.where(has, tot, 1.0))) * LN2_C, float("inf"))
    if HAS_SINK:
        sink = tl.load(sink_ptr + heads, mask=hmask, other=0.0)
        inv = tl.where(has, inv / (1.0 + tl.exp(sink - lse)), 0.0)
    inv = tl.where(nan_row, float("nan"), inv)
    lse = tl.where(nan_row, float("nan"), lse)
    orow = out_ptr + bi.to(tl.int64) * stride_ob + si.to(tl.int64) * stride_os + heads[:, None].to(tl.int64) * stride_oh
    tl.store(orow + cols[None, :], _to_out(acc * inv[:, None], out_ptr.dtype.element_ty, UPCAST), mask=hmask[:, None])
    tl.store(lse_ptr + bi * stride_lse_b + heads * stride_lse_h + si * stride_lse_s, lse, mask=hmask)


# ---- host side -----------------------------------------------------------------------------

def _block_h(h_q: int, sch, arch=None) -> int:
    """Heads per program: the schedule's BLOCK_H, no more than h_q needs (>= 16 for tl.dot), and
    at most 32 where 64 does not fit: before sm90 (mma.sync keeps q and the 64 x 512 fp32
    accumulator in registers and spills) and on sm100 (tcgen05 puts the accumulator in tensor
    memory, whose 512 columns it fills with nothing left for the logits: Triton 3.6 emits a trap)."""
    bh = max(16, min(sch["BLOCK_H"], triton.next_power_of_2(h_q)))
    c = cc(arch)
    if c is not None and (c < 90 or c >= 100):
        bh = min(bh, 32)
    return bh


def _num_sms(device) -> int:
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).multi_processor_count
    return 4  # interpreter: small, so the tests exercise the split path


def choose_splits(batch: int, s_q: int, h_q: int, topk: int, device, schedule=None) -> int:
    """Splits of the top-k: enough programs to fill the GPU about twice, at most NUM_SPLITS,
    and at least two BLOCK_N tiles per split."""
    sch = schedule or SCHEDULE
    base = batch * s_q * triton.cdiv(h_q, _block_h(h_q, sch, code_arch(device)))
    want = triton.cdiv(2 * _num_sms(device), max(base, 1))
    most = max(1, triton.cdiv(topk, 2 * sch["BLOCK_N"]))
    return max(1, min(want, sch["NUM_SPLITS"], most))


LAYOUTS = {"bf16": 0, "v32-fp8-656": 1, "model1-fp8-584": 2}
FP8_ROW_BYTES_BY_LAYOUT = {656: "v32-fp8-656", 584: "model1-fp8-584"}


def cache_layout(k_cache) -> str:
    """A cache's format from its dtype and row size: bf16 rows (576 or 512 values), FlashMLA's
    656-byte V3.2 record, or the 584-byte MODEL1 record (uint8 or float8_e4m3fn)."""
    if k_cache.dtype == torch.bfloat16:
        return "bf16"
    return FP8_ROW_BYTES_BY_LAYOUT[k_cache.shape[-1]]


def _cache_args(k_cache, bytes_only: bool):
    """(lat, rope, scale views of the cache, and its 8 stride/offset arguments) for the kernel."""
    layout = cache_layout(k_cache)
    if layout == "bf16":
        d = k_cache.shape[-1]
        st = (k_cache.stride(0), k_cache.stride(1))
        return k_cache, k_cache, k_cache, (*st, *st, D_LATENT if d == 576 else 0, *st, 0)
    u8 = k_cache.view(torch.uint8)
    lat = u8 if bytes_only else u8.view(torch.float8_e4m3fn)
    rope = u8.view(torch.bfloat16)
    if layout == "v32-fp8-656":
        scale = u8.view(torch.float32)
        return lat, rope, scale, (lat.stride(0), lat.stride(1), rope.stride(0), rope.stride(1), (D_LATENT + 16) // 2,
                                  scale.stride(0), scale.stride(1), D_LATENT // 4)
    # MODEL1: token t of a block holds bytes [576 t, 576 t + 576) (448 e4m3, 64 bf16) and its
    # scale bytes at 576 * page + 8 t; the block stride is the cache's own stride(0)
    page = k_cache.shape[1]
    sb = u8.stride(0)
    return lat, rope, u8, (sb, 576, sb // 2, 288, 224, sb, 8, 576 * page)


def launch(q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8,
           num_splits=None, schedule=None, fp8_mode=None, extra_k_cache=None, extra_indices=None,
           extra_topk_length=None):
    """q [b, s_q, h_q, d_qk] (576 with a 656-byte or bf16 576 cache; 512 with a MODEL1 or bf16 512
    cache); k_cache [num_blocks, page, 1, row] (row: 576 or 512 bf16 values, or 656 / 584 bytes;
    last dim contiguous); indices int32 [b, s_q, topk] (last dim contiguous); topk_length int32 [b]
    or None; extra_k_cache / extra_indices / extra_topk_length: a second cache of the same format
    (its own page size) attended in the same softmax, or None; attn_sink fp32 [h_q] or None;
    out [b, s_q, h_q, 512] (last dim contiguous); lse fp32 [b, h_q, s_q]. num_splits: None picks
    one (choose_splits). fp8_mode: how the e4m3 bytes are read (dsagen.runtime.targets; default: the
    device's own)."""
    sch = schedule or SCHEDULE
    b, s_q, h_q, d_qk = q.shape
    topk = indices.shape[-1]
    has_extra = extra_k_cache is not None
    xtopk = extra_indices.shape[-1] if has_extra else 0
    total = topk + xtopk
    if b * s_q == 0 or h_q == 0:
        return
    device = q.device
    block_h = _block_h(h_q, sch, code_arch(device))
    block_n = sch["BLOCK_N"]
    splits = num_splits if num_splits is not None else choose_splits(b, s_q, h_q, total, device, sch)
    splits = max(1, min(splits, max(1, triton.cdiv(total, block_n))))
    chunk = triton.cdiv(triton.cdiv(max(total, 1), splits), block_n) * block_n
    splits = max(1, triton.cdiv(total, chunk))
    layout = cache_layout(k_cache)
    mode = (fp8_mode or fp8_mode_for(device)) if layout != "bf16" else FP8_NATIVE
    upcast = device.type == "cpu"
    lat, rope, scale, strides = _cache_args(k_cache, mode != FP8_NATIVE)
    nslots = k_cache.shape[0] * k_cache.shape[1]
    if has_extra:
        xlat, xrope, xscale, xstrides = _cache_args(extra_k_cache, mode != FP8_NATIVE)
        xidx = extra_indices
        xnslots, xpage = extra_k_cache.shape[0] * extra_k_cache.shape[1], extra_k_cache.shape[1]
    else:
        xlat, xrope, xscale, xstrides, xidx, xnslots, xpage = lat, rope, scale, strides, indices, 0, 1
    final = splits == 1
    if final:
        po = out
        plse = lse
        pstr = (0, 0, 0, 0, 0)
    else:
        po = torch.empty((b * s_q, splits, h_q, D_LATENT), dtype=torch.float32, device=device)
        plse = torch.empty((b * s_q, splits, h_q), dtype=torch.float32, device=device)
        pstr = (po.stride(0), po.stride(1), po.stride(2), plse.stride(0), plse.stride(1))
    # int32 gather offsets unless a cache spans I32_OFFSETS_BELOW bytes (its views' element offsets are fewer)
    i64 = any(c is not None and c.shape[0] * c.stride(0) * c.element_size() >= I32_OFFSETS_BELOW
              for c in (k_cache, extra_k_cache))
    dummy = lse
    n_hb = triton.cdiv(h_q, block_h)
    grid = (b * s_q * n_hb, splits)   # program = token * n_hb + head block
    sparse_mla_decode_kernel[grid](
        q, out, lse, po, plse, attn_sink if attn_sink is not None else dummy,
        lat, rope, scale, indices, topk_length if topk_length is not None else dummy,
        xlat, xrope, xscale, xidx, extra_topk_length if extra_topk_length is not None else dummy,
        h_q, s_q, chunk, sm_scale * _LOG2E,
        nslots, k_cache.shape[1], topk, *strides, indices.stride(0), indices.stride(1),
        xnslots, xpage, xtopk, *xstrides, xidx.stride(0), xidx.stride(1),
        q.stride(0), q.stride(1), q.stride(2),
        out.stride(0), out.stride(1), out.stride(2),
        lse.stride(0), lse.stride(1), lse.stride(2),
        *pstr,
        LAYOUT=LAYOUTS[layout], D_QK=d_qk, FP8=FP8_CODE[mode], UPCAST=upcast,
        HAS_TOPK_LEN=topk_length is not None, HAS_EXTRA=has_extra, HAS_XTOPK_LEN=extra_topk_length is not None,
        HAS_SINK=attn_sink is not None, FINAL=final, I64=i64,
        BLOCK_H=block_h, BLOCK_N=block_n, N_HB=n_hb,
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )
    if not final:
        sparse_mla_decode_combine_kernel[(b * s_q, triton.cdiv(h_q, _COMBINE_BLOCK_H))](
            po, plse, attn_sink if attn_sink is not None else dummy, out, lse,
            h_q, s_q, splits,
            *pstr,
            out.stride(0), out.stride(1), out.stride(2),
            lse.stride(0), lse.stride(1), lse.stride(2),
            HAS_SINK=attn_sink is not None, UPCAST=upcast, BLOCK_H=_COMBINE_BLOCK_H, DV=D_LATENT,
            num_warps=4, num_stages=1,
        )


def aot_kernels(problem, schedule):
    """problem: h_q, d_qk, d_v, topk, batch, s_q, kv_format, page_block_size, and optionally
    extra_topk (a second cache) and arch (sm90 when absent). Both kernels: the
    main one (with splits) and the combine."""
    h_q = problem["h_q"]
    d_qk = problem.get("d_qk", 576)
    fmt = problem.get("kv_format", "bf16")
    layout = {"fp8": "v32-fp8-656" if d_qk == 576 else "model1-fp8-584"}.get(fmt, fmt)
    fp8 = layout != "bf16"
    mode = fp8_mode(problem.get("arch", "sm90")) if fp8 else FP8_NATIVE
    block_h = _block_h(h_q, schedule, problem.get("arch", "sm90"))
    lat_t = ("*fp8e4nv" if mode == FP8_NATIVE else "*u8") if fp8 else "*bf16"
    scale_t = {"bf16": "*bf16", "v32-fp8-656": "*fp32", "model1-fp8-584": "*u8"}[layout]
    sig = {"q_ptr": "*bf16", "out_ptr": "*bf16", "lse_ptr": "*fp32", "po_ptr": "*fp32", "plse_ptr": "*fp32",
           "sink_ptr": "*fp32"}
    for x in ("", "x"):
        sig.update({f"{x}lat_ptr": lat_t, f"{x}rope_ptr": "*bf16", f"{x}scale_ptr": scale_t, f"{x}idx_ptr": "*i32",
                    f"{x}topk_len_ptr": "*i32"})
    sig.update({"h_q": "i32", "s_q": "i32", "chunk": "i32", "qk_scale": "fp32"})
    for x in ("", "x"):
        for name in ("num_slots", "page", "end_max", "stride_lb", "stride_lt", "stride_rb", "stride_rt", "rope_off",
                     "stride_sb", "stride_st", "scale_off", "stride_ib", "stride_is"):
            sig[f"{x}{name}"] = "i32"
    for name in ("stride_qb", "stride_qs", "stride_qh", "stride_ob", "stride_os", "stride_oh",
                 "stride_lse_b", "stride_lse_h", "stride_lse_s",
                 "stride_pot", "stride_pos", "stride_poh", "stride_plt", "stride_pls"):
        sig[name] = "i32"
    extra = bool(problem.get("extra_topk"))
    consts = {"LAYOUT": LAYOUTS[layout], "D_QK": d_qk, "FP8": FP8_CODE[mode], "UPCAST": False, "HAS_TOPK_LEN": True,
              "HAS_EXTRA": extra, "HAS_XTOPK_LEN": extra, "HAS_SINK": True,
              "FINAL": False, "I64": False, "BLOCK_H": block_h, "BLOCK_N": schedule["BLOCK_N"], "N_HB": -(-h_q // block_h)}
    for name in consts:
        sig[name] = "constexpr"
    csig = {"po_ptr": "*fp32", "plse_ptr": "*fp32", "sink_ptr": "*fp32", "out_ptr": "*bf16", "lse_ptr": "*fp32"}
    for name in ("h_q", "s_q", "num_splits", "stride_pot", "stride_pos", "stride_poh", "stride_plt", "stride_pls",
                 "stride_ob", "stride_os", "stride_oh", "stride_lse_b", "stride_lse_h", "stride_lse_s"):
        csig[name] = "i32"
    cconsts = {"HAS_SINK": True, "UPCAST": False, "BLOCK_H": _COMBINE_BLOCK_H, "DV": D_LATENT}
    for name in cconsts:
        csig[name] = "constexpr"
    ints, cints = _launch_ints(problem, schedule, layout, mode != FP8_NATIVE)
    return [
        {"name": "sparse_mla_decode_kernel", "fn": sparse_mla_decode_kernel, "signature": sig,
         "constexprs": consts, "ints": ints,
         "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]},
        {"name": "sparse_mla_decode_combine_kernel", "fn": sparse_mla_decode_combine_kernel, "signature": csig,
         "constexprs": cconsts, "ints": cints, "num_warps": 4, "num_stages": 1},
    ]


def _launch_ints(problem, schedule, layout, bytes_only):
    """The int arguments launch passes for this problem (contiguous tensors; the caches' strides
    from _cache_args on meta tensors), for the AOT compile's divisibility hints."""
    b, s_q, h, d = problem.get("batch", 1), problem.get("s_q", 1), problem["h_q"], problem.get("d_qk", 576)
    row = {"bf16": d, "v32-fp8-656": FP8_ROW_BYTES, "model1-fp8-584": 584}[layout]
    dt = torch.bfloat16 if layout == "bf16" else torch.uint8

    def cache(page, topk):
        kc = torch.empty((16, page, 1, row), dtype=dt, device="meta")  # num_blocks: a multiple of 16
        return [kc.shape[0] * page, page, topk, *_cache_args(kc, bytes_only)[3], s_q * topk, topk]

    names = ("num_slots", "page", "end_max", "stride_lb", "stride_lt", "stride_rb", "stride_rt", "rope_off",
             "stride_sb", "stride_st", "scale_off", "stride_ib", "stride_is")
    ints = dict(zip(names, cache(problem.get("page_block_size", 64), problem["topk"])))
    xtopk = problem.get("extra_topk") or 0
    xpage = problem.get("extra_page_block_size") or 1
    ints.update({"x" + k: v for k, v in zip(names, cache(xpage, xtopk))} if xtopk else
                {"x" + k: v for k, v in zip(names, [0, 1, 0] + list(ints.values())[3:])})
    splits = schedule.get("NUM_SPLITS", 16)
    chunk = triton.cdiv(triton.cdiv(problem["topk"] + xtopk, splits), schedule["BLOCK_N"]) * schedule["BLOCK_N"]
    common = {"h_q": h, "s_q": s_q, "stride_ob": s_q * h * D_LATENT, "stride_os": h * D_LATENT, "stride_oh": D_LATENT,
              "stride_lse_b": h * s_q, "stride_lse_h": s_q, "stride_lse_s": 1,
              "stride_pot": splits * h * D_LATENT, "stride_pos": h * D_LATENT, "stride_poh": D_LATENT,
              "stride_plt": splits * h, "stride_pls": h}
    ints.update(common, chunk=chunk, stride_qb=s_q * h * d, stride_qs=h * d, stride_qh=d)
    return ints, dict(common, num_splits=splits)

