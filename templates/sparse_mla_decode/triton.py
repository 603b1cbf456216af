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
heads (MLA: one latent row serves every head), so the cache is read once per head block.
The latent is handled as four 128-wide groups (the FP8 scale groups): four QK partial dots plus
one for RoPE, and four [BLOCK_H, 128] fp32 accumulators. FP8 rows are read as bytes
(656 per token: e4m3 latent, 4 fp32 scales, bf16 RoPE), converted and multiplied by their
group's scale in fp32, then fed to bf16 dots (as FlashMLA does); the same dequantised tile serves
QK and PV. Targets without e4m3 (before sm89) decode the bytes with integer ops (SOFT_FP8).
With more than one split each program writes a normalised fp32 partial output and its base-2
lse; a combine kernel merges them in fp32, applies the sink and writes out and lse. With one
split the main kernel writes the final result itself.
On the CPU (Triton interpreter) UPCAST feeds tl.dot fp32 operands (triton issue 11584) and rounds
the bf16 output to nearest even on the bits (the interpreter's own cast truncates).
"""


import torch
import triton
import triton.language as tl

# <dsagen:schedule>
SCHEDULE = {"BLOCK_H": 64, "BLOCK_N": 16, "NUM_SPLITS": 16, "num_warps": 8, "num_stages": 2}
# </dsagen:schedule>

D_LATENT = 512
D_ROPE = 64
FP8_ROW_BYTES = 656
_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
_COMBINE_BLOCK_H = 16
D_ROPE_C = tl.constexpr(D_ROPE)
LN2_C = tl.constexpr(_LN2)


@triton.jit
def _e4m3_bits_to_f32(b):
    """e4m3fn bit patterns (uint8) -> fp32 with integer ops (sm80 has no e4m3 conversions).

    Moving the 7 exponent+mantissa bits into an fp16 (exponent bias 15 instead of 7) and
    multiplying by 2^8 is exact for normal and subnormal values alike. The NaN pattern (0x7F)
    decodes as 480: a FlashMLA cache never holds it (quantisation clamps to 448)."""
    x = b.to(tl.uint16)
    h = ((x & 0x7F) << 7) | ((x & 0x80) << 8)
    return h.to(tl.float16, bitcast=True).to(tl.float32) * 256.0


@triton.jit
def _load_latent(row_ptr, scale, cols, valid, KDT: tl.constexpr, IS_FP8: tl.constexpr, SOFT_FP8: tl.constexpr):
    """[BLOCK_N, 128] latent group of the gathered rows, dequantised (FP8) and cast to KDT."""
    k = tl.load(row_ptr[:, None] + cols[None, :], mask=valid[:, None], other=0.0)
    if IS_FP8:
        if SOFT_FP8:
            k = _e4m3_bits_to_f32(k)
        k = k.to(tl.float32) * scale[:, None]
    return k.to(KDT)


@triton.jit
def _to_out(x, DT: tl.constexpr, BITS_RNE: tl.constexpr):
    """Cast fp32 to the output dtype rounding to nearest even, as the GPU's cvt.rn does. Triton
    3.6's interpreter truncates fp32 -> bf16 in .to(), so on the CPU path (BITS_RNE) the rounding
    is done on the bits: add 0x7FFF plus the kept lsb, keep the high half; NaN stays a quiet NaN."""
    if BITS_RNE and DT == tl.bfloat16:
        b = x.to(tl.uint32, bitcast=True)
        r = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
        r = tl.where(x != x, 0x7FC0, r)
        y = r.to(tl.uint16).to(tl.bfloat16, bitcast=True)
    else:
        y = x.to(DT)
    return y


@triton.jit
def sparse_mla_decode_kernel(
    q_ptr, lat_ptr, rope_ptr, scale_ptr, idx_ptr, topk_len_ptr, sink_ptr,
    out_ptr, lse_ptr, po_ptr, plse_ptr,
    h_q, s_q, num_slots, page, chunk, end_max, qk_scale,
    stride_qb, stride_qs, stride_qh,
    stride_lb, stride_lt, stride_rb, stride_rt, rope_off, stride_sb, stride_st, scale_off,
    stride_ib, stride_is,
    stride_ob, stride_os, stride_oh,
    stride_lse_b, stride_lse_h, stride_lse_s,
    stride_pot, stride_pos, stride_poh, stride_plt, stride_pls,
    IS_FP8: tl.constexpr, SOFT_FP8: tl.constexpr, UPCAST: tl.constexpr,
    HAS_TOPK_LEN: tl.constexpr, HAS_SINK: tl.constexpr, FINAL: tl.constexpr,
    BLOCK_H: tl.constexpr, BLOCK_N: tl.constexpr,
):
    t = tl.program_id(0)
    split = tl.program_id(1)
    hb = tl.program_id(2)
    bi = t // s_q
    si = t % s_q
    KDT: tl.constexpr = tl.float32 if UPCAST else tl.bfloat16

    heads = hb * BLOCK_H + tl.arange(0, BLOCK_H)
    hmask = heads < h_q
    c128 = tl.arange(0, 128)
    c64 = tl.arange(0, D_ROPE_C)
    qrow = q_ptr + bi.to(tl.int64) * stride_qb + si.to(tl.int64) * stride_qs + heads[:, None].to(tl.int64) * stride_qh
    q0 = tl.load(qrow + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q1 = tl.load(qrow + 128 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q2 = tl.load(qrow + 256 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    q3 = tl.load(qrow + 384 + c128[None, :], mask=hmask[:, None], other=0.0).to(KDT)
    qr = tl.load(qrow + 512 + c64[None, :], mask=hmask[:, None], other=0.0).to(KDT)

    end = end_max
    if HAS_TOPK_LEN:
        end = tl.minimum(end, tl.maximum(tl.load(topk_len_ptr + bi), 0))
    start = split * chunk
    end = tl.minimum(end, start + chunk)

    m_i = tl.full([BLOCK_H], -1.0e30, tl.float32)  # finite floor: no -inf - -inf below
    l_i = tl.zeros([BLOCK_H], tl.float32)
    acc0 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc1 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc2 = tl.zeros([BLOCK_H, 128], tl.float32)
    acc3 = tl.zeros([BLOCK_H, 128], tl.float32)
    irow = idx_ptr + bi.to(tl.int64) * stride_ib + si.to(tl.int64) * stride_is
    for n0 in range(start, end, BLOCK_N):
        pos = n0 + tl.arange(0, BLOCK_N)
        idx = tl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < num_slots)
        idx = tl.where(valid, idx, 0)
        blk = (idx // page).to(tl.int64)
        off = (idx % page).to(tl.int64)
        lrow = lat_ptr + blk * stride_lb + off * stride_lt
        if IS_FP8:
            srow = scale_ptr + blk * stride_sb + off * stride_st + scale_off
            s0 = tl.load(srow, mask=valid, other=0.0)
            s1 = tl.load(srow + 1, mask=valid, other=0.0)
            s2 = tl.load(srow + 2, mask=valid, other=0.0)
            s3 = tl.load(srow + 3, mask=valid, other=0.0)
        else:
            s0 = 1.0
            s1 = 1.0
            s2 = 1.0
            s3 = 1.0
        k0 = _load_latent(lrow, s0, c128, valid, KDT, IS_FP8, SOFT_FP8)
        k1 = _load_latent(lrow + 128, s1, c128, valid, KDT, IS_FP8, SOFT_FP8)
        k2 = _load_latent(lrow + 256, s2, c128, valid, KDT, IS_FP8, SOFT_FP8)
        k3 = _load_latent(lrow + 384, s3, c128, valid, KDT, IS_FP8, SOFT_FP8)
        rrow = rope_ptr + blk * stride_rb + off * stride_rt + rope_off
        kr = tl.load(rrow[:, None] + c64[None, :], mask=valid[:, None], other=0.0).to(KDT)
        qk = tl.dot(q0, tl.trans(k0))
        qk = tl.dot(q1, tl.trans(k1), qk)
        qk = tl.dot(q2, tl.trans(k2), qk)
        qk = tl.dot(q3, tl.trans(k3), qk)
        qk = tl.dot(qr, tl.trans(kr), qk)
        qk = tl.where(valid[None, :], qk * qk_scale, float("-inf"))  # base-2 logits
        m_new = tl.maximum(m_i, tl.max(qk, axis=1))
        alpha = tl.exp2(m_i - m_new)
        p = tl.exp2(qk - m_new[:, None])
        l_i = l_i * alpha + tl.sum(p, axis=1)
        m_i = m_new
        pk = p.to(KDT)
        acc0 = tl.dot(pk, k0, acc0 * alpha[:, None])
        acc1 = tl.dot(pk, k1, acc1 * alpha[:, None])
        acc2 = tl.dot(pk, k2, acc2 * alpha[:, None])
        acc3 = tl.dot(pk, k3, acc3 * alpha[:, None])

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

def _soft_fp8(device) -> bool:
    """Targets without e4m3 types (before sm89) decode the fp8 bytes in software."""
    return device.type == "cuda" and torch.cuda.get_device_capability(device) < (8, 9)


def _cc(device):
    if device.type != "cuda":
        return None
    major, minor = torch.cuda.get_device_capability(device)
    return major * 10 + minor


def _block_h(h_q: int, sch, cc=None) -> int:
    """Heads per program: the schedule's BLOCK_H, no more than h_q needs (>= 16 for tl.dot), and
    at most 32 where 64 does not fit: before sm90 (mma.sync keeps q and the 64 x 512 fp32
    accumulator in registers and spills) and on sm100 (tcgen05 puts the accumulator in tensor
    memory, whose 512 columns it fills with nothing left for the logits: Triton 3.6 emits a trap)."""
    bh = max(16, min(sch["BLOCK_H"], triton.next_power_of_2(h_q)))
    if cc is not None and (cc < 90 or cc >= 100):
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
    base = batch * s_q * triton.cdiv(h_q, _block_h(h_q, sch, _cc(torch.device(device))))
    want = triton.cdiv(2 * _num_sms(device), max(base, 1))
    most = max(1, triton.cdiv(topk, 2 * sch["BLOCK_N"]))
    return max(1, min(want, sch["NUM_SPLITS"], most))


def launch(q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8,
           num_splits=None, schedule=None, soft_fp8=None):
    """q [b, s_q, h_q, 576]; k_cache bf16 [num_blocks, page, 1, 576] or uint8 [num_blocks, page, 1, 656]
    (last dim contiguous); indices int32 [b, s_q, topk] (last dim contiguous); topk_length int32 [b]
    or None; attn_sink fp32 [h_q] or None; out [b, s_q, h_q, 512] (last dim contiguous);
    lse fp32 [b, h_q, s_q]. num_splits: None picks one (choose_splits). soft_fp8: decode e4m3 in
    software (default: only where the GPU lacks e4m3, before sm89)."""
    sch = schedule or SCHEDULE
    b, s_q, h_q, _ = q.shape
    nb, page = k_cache.shape[0], k_cache.shape[1]
    topk = indices.shape[-1]
    if b * s_q == 0 or h_q == 0:
        return
    device = q.device
    block_h = _block_h(h_q, sch, _cc(device))
    block_n = sch["BLOCK_N"]
    splits = num_splits if num_splits is not None else choose_splits(b, s_q, h_q, topk, device, sch)
    splits = max(1, min(splits, max(1, triton.cdiv(topk, block_n))))
    chunk = triton.cdiv(triton.cdiv(max(topk, 1), splits), block_n) * block_n
    splits = max(1, triton.cdiv(topk, chunk))
    soft = _soft_fp8(device) if soft_fp8 is None else soft_fp8
    upcast = device.type == "cpu"
    if is_fp8:
        u8 = k_cache.view(torch.uint8)
        lat = u8 if soft else u8.view(torch.float8_e4m3fn)
        rope = u8.view(torch.bfloat16)
        scale = u8.view(torch.float32)
        strides = (lat.stride(0), lat.stride(1), rope.stride(0), rope.stride(1), (D_LATENT + 16) // 2,
                   scale.stride(0), scale.stride(1), D_LATENT // 4)
    else:
        lat = rope = scale = k_cache
        strides = (k_cache.stride(0), k_cache.stride(1), k_cache.stride(0), k_cache.stride(1), D_LATENT,
                   k_cache.stride(0), k_cache.stride(1), 0)
    final = splits == 1
    if final:
        po = out
        plse = lse
        pstr = (0, 0, 0, 0, 0)
    else:
        po = torch.empty((b * s_q, splits, h_q, D_LATENT), dtype=torch.float32, device=device)
        plse = torch.empty((b * s_q, splits, h_q), dtype=torch.float32, device=device)
        pstr = (po.stride(0), po.stride(1), po.stride(2), plse.stride(0), plse.stride(1))
    dummy = lse
    grid = (b * s_q, splits, triton.cdiv(h_q, block_h))
    sparse_mla_decode_kernel[grid](
        q, lat, rope, scale, indices,
        topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy,
        out, lse, po, plse,
        h_q, s_q, nb * page, page, chunk, topk, sm_scale * _LOG2E,
        q.stride(0), q.stride(1), q.stride(2),
        *strides,
        indices.stride(0), indices.stride(1),
        out.stride(0), out.stride(1), out.stride(2),
        lse.stride(0), lse.stride(1), lse.stride(2),
        *pstr,
        IS_FP8=bool(is_fp8), SOFT_FP8=bool(is_fp8 and soft), UPCAST=upcast,
        HAS_TOPK_LEN=topk_length is not None, HAS_SINK=attn_sink is not None, FINAL=final,
        BLOCK_H=block_h, BLOCK_N=block_n,
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
    """problem: h_q, d_qk, d_v, topk, batch, s_q, kv_format, page_block_size, and optionally cc
    (compute capability; 90 when absent). Both kernels: the main one (with splits) and the combine."""
    h_q = problem["h_q"]
    fp8 = problem.get("kv_format", "bf16") == "fp8"
    soft = fp8 and problem.get("cc", 90) < 89
    block_h = _block_h(h_q, schedule, problem.get("cc", 90))
    lat_t = ("*u8" if soft else "*fp8e4nv") if fp8 else "*bf16"
    sig = {
        "q_ptr": "*bf16", "lat_ptr": lat_t, "rope_ptr": "*bf16", "scale_ptr": "*fp32" if fp8 else "*bf16",
        "idx_ptr": "*i32", "topk_len_ptr": "*i32", "sink_ptr": "*fp32",
        "out_ptr": "*bf16", "lse_ptr": "*fp32", "po_ptr": "*fp32", "plse_ptr": "*fp32",
    }
    for name in ("h_q", "s_q", "num_slots", "page", "chunk", "end_max"):
        sig[name] = "i32"
    sig["qk_scale"] = "fp32"
    for name in ("stride_qb", "stride_qs", "stride_qh", "stride_lb", "stride_lt", "stride_rb", "stride_rt",
                 "rope_off", "stride_sb", "stride_st", "scale_off", "stride_ib", "stride_is",
                 "stride_ob", "stride_os", "stride_oh", "stride_lse_b", "stride_lse_h", "stride_lse_s",
                 "stride_pot", "stride_pos", "stride_poh", "stride_plt", "stride_pls"):
        sig[name] = "i32"
    consts = {"IS_FP8": fp8, "SOFT_FP8": soft, "UPCAST": False, "HAS_TOPK_LEN": True, "HAS_SINK": True,
              "FINAL": False, "BLOCK_H": block_h, "BLOCK_N": schedule["BLOCK_N"]}
    for name in consts:
        sig[name] = "constexpr"
    csig = {"po_ptr": "*fp32", "plse_ptr": "*fp32", "sink_ptr": "*fp32", "out_ptr": "*bf16", "lse_ptr": "*fp32"}
    for name in ("h_q", "s_q", "num_splits", "stride_pot", "stride_pos", "stride_poh", "stride_plt", "stride_pls",
                 "stride_ob", "stride_os", "stride_oh", "stride_lse_b", "stride_lse_h", "stride_lse_s"):
        csig[name] = "i32"
    cconsts = {"HAS_SINK": True, "UPCAST": False, "BLOCK_H": _COMBINE_BLOCK_H, "DV": D_LATENT}
    for name in cconsts:
        csig[name] = "constexpr"
    return [
        {"name": "sparse_mla_decode_kernel", "fn": sparse_mla_decode_kernel, "signature": sig,
         "constexprs": consts, "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]},
        {"name": "sparse_mla_decode_combine_kernel", "fn": sparse_mla_decode_combine_kernel, "signature": csig,
         "constexprs": cconsts, "num_warps": 4, "num_stages": 1},
    ]
