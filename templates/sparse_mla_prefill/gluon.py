"""Sparse MLA prefill for sm90 in Gluon: FlashMLA's warp-specialised split (issue 14).

Same semantics and launch signature as templates/sparse_mla_prefill/triton.py (oracle: naive.py in
dsagen/operators/sparse_mla_prefill). The Triton kernel cannot reach wgmma N >= 64 without spills
(tests/test_compiled_record.py GAPS: with 8 warps and 64 heads tl.dot splits every accumulator's N
over the two warpgroups). Gluon (`triton.experimental.gluon`, shipped with Triton 3.6) gives each
warp partition its own layouts and register budget, so one CTA per (query token, 64 heads) runs:

    partition 0 (default, warpgroup 0): S = q K^T (64 heads x BLOCK_N keys, K = 512 latent + 64
        RoPE), mask, online softmax in base 2, P (bf16) and the rescale factor alpha to shared
        memory, O[:, :256] = alpha O + P V[:, :256]; the epilogue (lse, max_logits, sink, NaN rules)
        and 1/l for partition 1.
    partition 1 (warpgroup 1):          O[:, 256:] = alpha O + P V[:, 256:] from the same P and tile.
    partition 2 (loader warps):         q once, then each tile's BLOCK_N latent rows gathered by index
        with 16-byte cp.async into KV_STAGES shared buffers (invalid entries zero-filled).

Protocol (mbarriers; a phase's parity is (use // buffers) & 1):
    q_ready            loader -> partition 0, once
    kv_ready[s]        loader -> partitions 0 and 1: tile in buffer s is in shared memory
    kv_empty[s]        partitions 0 and 1 -> loader (count 2): both finished reading buffer s
    p_ready / p_empty  partition 0 <-> partition 1: P and alpha of the tile are written / consumed
    fin                partition 0 -> partition 1: 1/l (with the sink and NaN rules) is written
Writers fence the generic -> async proxy (fence.proxy.async) before signalling data the wgmma reads.

Status: compiles for sm_90a to HGMMA 64x64x16 (S) and 64x256x16 (PV), no mma.sync, no spills
(tests/test_gluon_sparse_mla_prefill.py). Gluon has no interpreter path in Triton 3.6, so this
kernel is checked against the oracle only on a Hopper GPU (the same test file; tools/gpu_check.sh);
dispatch does not use it until that has passed.
"""

from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon.language.nvidia.ampere import async_copy
from triton.experimental.gluon.language.nvidia.hopper import fence_async_shared, mbarrier, warpgroup_mma

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 64, "KV_STAGES": 2, "LOADER_WARPS": 4, "LOADER_REGS": 40}
# </dsagen:schedule>

_BLOCK_H = 64
BLOCK_H = gl.constexpr(_BLOCK_H)  # one warpgroup's wgmma M: the heads a CTA serves (rows past h_q are zero)
D_LATENT = gl.constexpr(512)
D_HALF = gl.constexpr(256)    # the latent / value columns each compute warpgroup accumulates
MAX_REGS = 512        # registers a lane across the three partitions: 3 x 4 warps x 128 x 32 lanes = 64K
DEFAULT_REGS = 256    # partition 0 holds S, P and its half of O: it gets the most
_LOG2E = 1.4426950408889634
LN2_C = gl.constexpr(0.6931471805599453)


@gluon.jit
def _row_end(topk_len_ptr, t, topk, HAS_TOPK_LEN: gl.constexpr):
    end = topk
    if HAS_TOPK_LEN:
        end = gl.minimum(end, gl.maximum(gl.load(topk_len_ptr + t), 0))
    return end


@gluon.jit
def _loader(q_ptr, kv_ptr, idx_ptr, topk_len_ptr, q_smem, qr_smem, kv_smem, kr_smem, q_ready, kv_ready, kv_empty,
            t, hb, h_q, s_kv, topk, stride_qt, stride_qh, stride_kv, stride_it,
            D_ROPE: gl.constexpr, HAS_TOPK_LEN: gl.constexpr, BN: gl.constexpr, NS: gl.constexpr,
            LW: gl.constexpr):
    ld: gl.constexpr = gl.BlockedLayout([1, 8], [4, 8], [LW, 1], [1, 0])  # 8 bf16 = one 16-byte cp.async a lane
    c = gl.arange(0, D_LATENT, layout=gl.SliceLayout(0, ld))
    rows = gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, ld))
    heads = hb * BLOCK_H + rows
    qrow = q_ptr + t.to(gl.int64) * stride_qt + heads.to(gl.int64)[:, None] * stride_qh
    hmask = (heads < h_q)[:, None]
    async_copy.async_copy_global_to_shared(q_smem, qrow + c[None, :], mask=hmask)
    if D_ROPE > 0:
        cr = gl.arange(0, D_ROPE, layout=gl.SliceLayout(0, ld))
        async_copy.async_copy_global_to_shared(qr_smem, qrow + D_LATENT + cr[None, :], mask=hmask)
    async_copy.commit_group()
    async_copy.wait_group(0)
    fence_async_shared()
    mbarrier.arrive(q_ready, count=1)

    end = _row_end(topk_len_ptr, t, topk, HAS_TOPK_LEN)
    irow = idx_ptr + t.to(gl.int64) * stride_it
    for i in range(gl.cdiv(end, BN)):
        s = i % NS
        mbarrier.wait(kv_empty.index(s), ((i // NS) & 1) ^ 1)  # a fresh barrier passes parity 1
        pos = i * BN + gl.arange(0, BN, layout=gl.SliceLayout(1, ld))
        idx = gl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < s_kv)
        krow = kv_ptr + gl.where(valid, idx, 0).to(gl.int64)[:, None] * stride_kv
        # masked lanes are zero-filled: NaN in an unused or invalid cache row never reaches the MMAs
        async_copy.async_copy_global_to_shared(kv_smem.index(s), krow + c[None, :], mask=valid[:, None])
        if D_ROPE > 0:
            async_copy.async_copy_global_to_shared(kr_smem.index(s), krow + D_LATENT + cr[None, :],
                                                   mask=valid[:, None])
        async_copy.commit_group()
        async_copy.wait_group(0)
        fence_async_shared()
        mbarrier.arrive(kv_ready.index(s), count=1)


@gluon.jit
def _pv_high(out_ptr, topk_len_ptr, kv_smem, p_smem, alpha_smem, inv_smem, kv_ready, kv_empty, p_ready, p_empty, fin,
             t, hb, h_q, topk, stride_ot, stride_oh,
             HAS_TOPK_LEN: gl.constexpr, BN: gl.constexpr, NS: gl.constexpr):
    o_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, D_HALF, 16])
    acc = gl.zeros([BLOCK_H, D_HALF], gl.float32, o_l)
    end = _row_end(topk_len_ptr, t, topk, HAS_TOPK_LEN)
    for i in range(gl.cdiv(end, BN)):
        s = i % NS
        mbarrier.wait(kv_ready.index(s), (i // NS) & 1)
        mbarrier.wait(p_ready, i & 1)
        alpha = alpha_smem.load(gl.SliceLayout(1, o_l))
        acc = warpgroup_mma(p_smem, kv_smem.index(s).slice(D_HALF, D_HALF, dim=1), acc * alpha[:, None])
        mbarrier.arrive(p_empty, count=1)
        mbarrier.arrive(kv_empty.index(s), count=1)
    mbarrier.wait(fin, 0)
    inv = inv_smem.load(gl.SliceLayout(1, o_l))
    heads = hb * BLOCK_H + gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, o_l))
    cols = D_HALF + gl.arange(0, D_HALF, layout=gl.SliceLayout(0, o_l))
    orow = out_ptr + t.to(gl.int64) * stride_ot + heads.to(gl.int64)[:, None] * stride_oh
    gl.store(orow + cols[None, :], (acc * inv[:, None]).to(out_ptr.dtype.element_ty), mask=(heads < h_q)[:, None])


@gluon.jit
def _logits_softmax_pv_low(idx_ptr, topk_len_ptr, sink_ptr, out_ptr, maxl_ptr, lse_ptr,
                           q_smem, qr_smem, kv_smem, kr_smem, p_smem, alpha_smem, inv_smem,
                           q_ready, kv_ready, kv_empty, p_ready, p_empty, fin,
                           t, hb, h_q, s_kv, topk, qk_scale, stride_it, stride_ot, stride_oh,
                           stride_mt, stride_mh, stride_lt, stride_lh,
                           D_ROPE: gl.constexpr, HAS_TOPK_LEN: gl.constexpr, HAS_SINK: gl.constexpr,
                           BN: gl.constexpr, NS: gl.constexpr):
    s_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 16])
    o_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, D_HALF, 16])
    m_i = gl.full([BLOCK_H], -1.0e30, gl.float32, gl.SliceLayout(1, s_l))  # base-2 running max, finite floor
    l_i = gl.zeros([BLOCK_H], gl.float32, gl.SliceLayout(1, s_l))
    acc = gl.zeros([BLOCK_H, D_HALF], gl.float32, o_l)
    end = _row_end(topk_len_ptr, t, topk, HAS_TOPK_LEN)
    irow = idx_ptr + t.to(gl.int64) * stride_it
    mbarrier.wait(q_ready, 0)
    for i in range(gl.cdiv(end, BN)):
        s = i % NS
        pos = i * BN + gl.arange(0, BN, layout=gl.SliceLayout(0, s_l))
        idx = gl.load(irow + pos, mask=pos < end, other=-1)
        valid = (idx >= 0) & (idx < s_kv)
        mbarrier.wait(kv_ready.index(s), (i // NS) & 1)
        kv = kv_smem.index(s)
        qk = warpgroup_mma(q_smem, kv.permute((1, 0)), gl.zeros([BLOCK_H, BN], gl.float32, s_l), use_acc=False)
        if D_ROPE > 0:
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
    # A NaN logit leaves l_i NaN whichever way max treats NaN: that head's out, lse and max_logits
    # are NaN, as in the oracle (the rules of the Triton template, line for line).
    nan_row = l_i != l_i
    l_safe = gl.where(has, l_i, 1.0)
    inv = 1.0 / l_safe
    lse = gl.where(has, (m_i + gl.log2(l_safe)) * LN2_C, float("inf"))
    maxl = gl.where(has, m_i * LN2_C, float("-inf"))
    if HAS_SINK:
        sink = gl.load(sink_ptr + heads, mask=hmask, other=0.0)
        inv = gl.where(has, inv / (1.0 + gl.exp(sink - lse)), 0.0)
    inv = gl.where(nan_row, float("nan"), gl.where(has, inv, 0.0))
    lse = gl.where(nan_row, float("nan"), lse)
    maxl = gl.where(nan_row, float("nan"), maxl)
    inv_smem.store(inv)
    mbarrier.arrive(fin, count=1)
    gl.store(lse_ptr + t.to(gl.int64) * stride_lt + heads * stride_lh, lse, mask=hmask)
    gl.store(maxl_ptr + t.to(gl.int64) * stride_mt + heads * stride_mh, maxl, mask=hmask)
    inv_o = gl.convert_layout(inv, gl.SliceLayout(1, o_l))
    oh = hb * BLOCK_H + gl.arange(0, BLOCK_H, layout=gl.SliceLayout(1, o_l))
    cols = gl.arange(0, D_HALF, layout=gl.SliceLayout(0, o_l))
    orow = out_ptr + t.to(gl.int64) * stride_ot + oh.to(gl.int64)[:, None] * stride_oh
    gl.store(orow + cols[None, :], (acc * inv_o[:, None]).to(out_ptr.dtype.element_ty), mask=(oh < h_q)[:, None])


@gluon.jit
def sparse_mla_prefill_ws_kernel(
    q_ptr, kv_ptr, idx_ptr, topk_len_ptr, sink_ptr,
    out_ptr, maxl_ptr, lse_ptr,
    h_q, s_kv, topk, qk_scale,
    stride_qt, stride_qh, stride_kv, stride_it,
    stride_ot, stride_oh, stride_mt, stride_mh, stride_lt, stride_lh,
    D_ROPE: gl.constexpr, HAS_TOPK_LEN: gl.constexpr, HAS_SINK: gl.constexpr,
    BLOCK_N: gl.constexpr, KV_STAGES: gl.constexpr, N_HB: gl.constexpr,
    LOADER_WARPS: gl.constexpr, LOADER_REGS: gl.constexpr, PV_REGS: gl.constexpr,
):
    # 1-D grid, head block fastest: a token's head blocks run together and share its rows in L2
    pid = gl.program_id(0)
    t = pid // N_HB
    hb = pid % N_HB
    DR: gl.constexpr = D_ROPE if D_ROPE > 0 else 16  # placeholder buffers when there is no RoPE part
    q_smem = gl.allocate_shared_memory(gl.bfloat16, [BLOCK_H, D_LATENT],
                                       gl.NVMMASharedLayout.get_default_for([BLOCK_H, D_LATENT], gl.bfloat16))
    qr_smem = gl.allocate_shared_memory(gl.bfloat16, [BLOCK_H, DR],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_H, DR], gl.bfloat16))
    kv_smem = gl.allocate_shared_memory(gl.bfloat16, [KV_STAGES, BLOCK_N, D_LATENT],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_N, D_LATENT], gl.bfloat16))
    kr_smem = gl.allocate_shared_memory(gl.bfloat16, [KV_STAGES, BLOCK_N, DR],
                                        gl.NVMMASharedLayout.get_default_for([BLOCK_N, DR], gl.bfloat16))
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
        (_logits_softmax_pv_low, (idx_ptr, topk_len_ptr, sink_ptr, out_ptr, maxl_ptr, lse_ptr,
                                  q_smem, qr_smem, kv_smem, kr_smem, p_smem, alpha_smem, inv_smem,
                                  q_ready, kv_ready, kv_empty, p_ready, p_empty, fin,
                                  t, hb, h_q, s_kv, topk, qk_scale, stride_it, stride_ot, stride_oh,
                                  stride_mt, stride_mh, stride_lt, stride_lh,
                                  D_ROPE, HAS_TOPK_LEN, HAS_SINK, BLOCK_N, KV_STAGES)),
        (_pv_high, (out_ptr, topk_len_ptr, kv_smem, p_smem, alpha_smem, inv_smem, kv_ready, kv_empty, p_ready,
                    p_empty, fin, t, hb, h_q, topk, stride_ot, stride_oh, HAS_TOPK_LEN, BLOCK_N, KV_STAGES)),
        (_loader, (q_ptr, kv_ptr, idx_ptr, topk_len_ptr, q_smem, qr_smem, kv_smem, kr_smem, q_ready, kv_ready,
                   kv_empty, t, hb, h_q, s_kv, topk, stride_qt, stride_qh, stride_kv, stride_it,
                   D_ROPE, HAS_TOPK_LEN, BLOCK_N, KV_STAGES, LOADER_WARPS)),
    ], [4, LOADER_WARPS], [PV_REGS, LOADER_REGS])


# ---- host side -----------------------------------------------------------------------------

def _constexprs(d_qk: int, h_q: int, has_topk_len: bool, has_sink: bool, sch: dict) -> dict:
    return {"D_ROPE": d_qk - D_LATENT, "HAS_TOPK_LEN": has_topk_len, "HAS_SINK": has_sink,
            "BLOCK_N": sch["BLOCK_N"], "KV_STAGES": sch["KV_STAGES"], "N_HB": -(-h_q // _BLOCK_H),
            "LOADER_WARPS": sch["LOADER_WARPS"], "LOADER_REGS": sch["LOADER_REGS"],
            "PV_REGS": MAX_REGS - DEFAULT_REGS - sch["LOADER_REGS"]}


def unsupported(q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale, schedule=None):
    """Why this kernel cannot serve the call (dispatch then runs the Triton kernel), or None."""
    import torch

    if q.dtype != torch.bfloat16 or kv.dtype != torch.bfloat16:
        return f"q and kv must be bf16 (got {q.dtype}, {kv.dtype})"
    if q.shape[-1] not in (512, 576) or out.shape[-1] != 512:
        return f"d_qk must be 512 or 576 and d_v 512 (got {q.shape[-1]}, {out.shape[-1]})"
    for name, t, strides in (("q", q, (0, 1)), ("kv", kv, (0,))):
        # the gathers are 16-byte cp.async copies: rows must start on 16 bytes (cp.async has no 2-byte form)
        if t.data_ptr() % 16 or any(t.stride(d) % 8 for d in strides):
            return (f"{name}'s rows must be 16-byte aligned (data_ptr % 16 == 0, row strides multiples of 8 "
                    f"elements); got strides {t.stride()}")
    if q.device.type != "cuda" or torch.version.hip or torch.cuda.get_device_capability(q.device)[0] != 9:
        return "Gluon's warp specialisation and wgmma need an sm90 (Hopper) GPU"
    return None


def launch(q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale, schedule=None, checked=False):
    """The Triton template's launch (q [s_q, h_q, 576 or 512] bf16, kv [s_kv, 1, d_qk] bf16, indices
    int32 [s_q, 1, topk], ...) on an sm90 GPU only; a call `unsupported` names raises ValueError.
    checked: the caller (dispatch's GluonModule) has asked `unsupported` already."""
    s_q, h_q, d_qk = q.shape
    if s_q == 0 or h_q == 0:
        return
    why = None if checked else unsupported(q, kv, indices, topk_length, attn_sink, out, max_logits, lse,
                                           sm_scale=sm_scale)
    if why:
        raise ValueError(f"the Gluon sparse MLA prefill kernel cannot run this call: {why}")
    run(sparse_mla_prefill_ws_kernel, q, kv, indices, topk_length, attn_sink, out, max_logits, lse,
        sm_scale=sm_scale, schedule=schedule)


def run(kernel, q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale, schedule=None):
    """`kernel[grid](...)` with launch's arguments: the compiled kernel on a GPU, or the CPU emulation
    of its source in the tests (tests/fixtures/gluon_emu.py)."""
    s_q, h_q, d_qk = q.shape
    sch = schedule or SCHEDULE
    dummy = lse
    c = _constexprs(d_qk, h_q, topk_length is not None, attn_sink is not None, sch)
    kernel[(s_q * c["N_HB"],)](
        q, kv, indices,
        topk_length if topk_length is not None else dummy,
        attn_sink if attn_sink is not None else dummy,
        out, max_logits, lse,
        h_q, kv.shape[0], indices.shape[-1], float(sm_scale) * _LOG2E,
        q.stride(0), q.stride(1), kv.stride(0), indices.stride(0),
        out.stride(0), out.stride(1), max_logits.stride(0), max_logits.stride(1), lse.stride(0), lse.stride(1),
        num_warps=4, **c)


def aot_kernels(problem, schedule):
    """As the Triton template's: what to compile for `problem` (h_q, d_qk, d_v, topk, s_q, s_kv) at
    `schedule`, with the ints' launch values for the JIT's divisibility specialisation."""
    h, dq, dv = problem["h_q"], problem["d_qk"], problem["d_v"]
    sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "idx_ptr": "*i32", "topk_len_ptr": "*i32", "sink_ptr": "*fp32",
           "out_ptr": "*bf16", "maxl_ptr": "*fp32", "lse_ptr": "*fp32",
           "h_q": "i32", "s_kv": "i32", "topk": "i32", "qk_scale": "fp32"}
    ints = {"h_q": h, "s_kv": problem["s_kv"], "topk": problem["topk"],
            "stride_qt": h * dq, "stride_qh": dq, "stride_kv": dq, "stride_it": problem["topk"],
            "stride_ot": h * dv, "stride_oh": dv, "stride_mt": h, "stride_mh": 1, "stride_lt": h, "stride_lh": 1}
    for name in ("stride_qt", "stride_qh", "stride_kv", "stride_it", "stride_ot", "stride_oh",
                 "stride_mt", "stride_mh", "stride_lt", "stride_lh"):
        sig[name] = "i32"
    consts = _constexprs(dq, h, True, True, schedule)
    for name in consts:
        sig[name] = "constexpr"
    return [{"name": "sparse_mla_prefill_ws_kernel", "fn": sparse_mla_prefill_ws_kernel, "signature": sig,
             "constexprs": consts, "ints": ints, "num_warps": 4, "num_stages": 1}]
