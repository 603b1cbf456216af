"""TileLang template: sparse MLA prefill (FlashMLA's flash_mla_sparse_fwd), bf16 latent KV, sm_90a.

Per query token t and head h, over the selected entries j of indices[t, :]:
    P[h, j] = q[t, h] . kv[idx[t, j]] * sm_scale       (d_qk 576 = latent 512 + RoPE 64, or 512)
    max_logits[t, h] = max_j P,  lse[t, h] = natural-log logsumexp_j P,
    out[t, h] = softmax_j(P) @ kv[idx[t, j], :512].
An index < 0 or >= s_kv, or at a position >= topk_length[t], is invalid and never read.  A query
with no valid index gets out = 0, lse = +inf, max_logits = -inf.  Repeated indices count once
per occurrence.  attn_sink[h] scales out by exp(lse) / (exp(lse) + exp(attn_sink[h])) (lse
itself unchanged), FlashMLA's convention; the host passes topk and -inf for "none".

Tensors (parameter order): Q bf16 [S, HQ, DQK], KV bf16 [S_KV, DQK] (the [s_kv, 1, d_qk] tensor
viewed 2-D), Indices int32 [S, TOPK] (the [s_q, 1, topk] tensor viewed 2-D), TopkLen int32 [S],
AttnSink fp32 [HQ], Out bf16 [S, HQ, 512], MaxLogits fp32 [S, HQ], Lse fp32 [S, HQ], sm_scale
fp32 scalar (natural units).
S, S_KV and TOPK are dynamic; HQ and DQK are compile-time.

Hopper design (warp-specialised, 3 warpgroups = 384 threads, one CTA per (token, 64 heads)):
  * producer warpgroup (tx >= 256, setmaxnreg 80): per step reads block_I indices into shared
    memory (validity mask + clamped row), then gathers the selected d_qk-wide rows with 16-byte
    cp.async (T.Parallel lowered with "parallel_prefer_async"); an invalid index is a zero-filled
    row (cp.async src-size 0: no global read, so NaN in unselected kv rows never leaks).  Two
    buffers; per buffer a "ready" mbarrier (count 256 = 128 threads x (cp.async.mbarrier.arrive
    .noinc + a plain release arrive that publishes the mask)) and a "free" mbarrier (both consumers).
  * consumer 0 (tx < 128): S = Q K^T (wgmma, three K-major gemms: latent halves + RoPE tail),
    online softmax in base 2 with a finite floor for the running max, P (bf16) to shared memory,
    O_left += P V[:, :256] (wgmma).
  * consumer 1 (128 <= tx < 256): waits for P and the rescale factors, O_right += P V[:, 256:].
  d_v is split between the two consumers (each holds a 64 x 256 fp32 accumulator, 128 regs/thread).
  HQ < 64 is padded to 64 rows inside the CTA (zero q rows, stores guarded); HQ > 64 uses
  ceil(HQ / 64) CTAs per token (each gathers the same rows: the price of 64-row wgmma tiles).

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"block_I": 64, "block_H": 64, "threads": 384, "num_stages": 2}
# </dsagen:schedule>

OP = "sparse_mla_prefill"
D_V = 512
_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
# T.Parallel annotations: lower the gather to cp.async, without the implicit commit + wait
# (completion is tracked by cp.async.mbarrier.arrive.noinc on the buffer's "ready" barrier)
_ASYNC = {"parallel_prefer_async": True, "parallel_async_without_async_commit_wait": True}


def _check(problem, schedule):
    h_q = problem.get("h_q")
    d_qk = problem.get("d_qk", 576)
    d_v = problem.get("d_v", D_V)
    if not isinstance(h_q, int) or h_q <= 0:
        raise ValueError(f"problem['h_q'] must be a positive int, got {h_q!r}")
    if h_q > 64 and h_q % 64:
        raise ValueError(f"problem['h_q'] above 64 must be a multiple of 64, got {h_q}")
    if d_qk not in (576, 512):
        raise ValueError(f"problem['d_qk'] must be 576 or 512, got {d_qk!r}")
    if d_v != D_V:
        raise ValueError(f"problem['d_v'] must be {D_V}, got {d_v!r}")
    if schedule["block_I"] != 64:
        raise ValueError(f"schedule['block_I'] must be 64 (two gathered buffers fill shared memory), "
                         f"got {schedule['block_I']}")
    if schedule["block_H"] != 64:
        raise ValueError(f"schedule['block_H'] must be 64 (one wgmma M tile per consumer), "
                         f"got {schedule['block_H']}")
    if schedule["threads"] != 384:
        raise ValueError(f"schedule['threads'] must be 384 (producer + 2 consumer warpgroups), "
                         f"got {schedule['threads']}")
    if schedule["num_stages"] != 2:
        raise ValueError(f"schedule['num_stages'] must be 2 (double-buffered gather), "
                         f"got {schedule['num_stages']}")
    return h_q, d_qk


SM100_WHY = ("it issues T.wgmma_gemm explicitly (asynchronous QK/PV overlap) and sizes setmaxnreg for Hopper; TileLang 0.1.15 refuses to lower that for sm_100a, and a tcgen05 port needs its accumulators in tensor memory (64x64 S plus 64x512 O per head block is more than the 512 TMEM columns). Triton serves sm100")


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func for problem {"h_q": H, "d_qk": 576 | 512, ...}."""
    if arch == "sm_100a":
        raise ValueError("arch sm_100a: no TileLang sparse_mla_prefill kernel for Blackwell yet: " + SM100_WHY)
    if arch not in ("sm_90a", "sm_90"):
        raise ValueError(f"arch must be sm_90a (wgmma + setmaxnreg template), got {arch!r}")
    schedule = {**SCHEDULE, **(schedule or {})}
    h_q, d_qk = _check(problem, schedule)
    import tilelang.language as T

    BI = schedule["block_I"]
    BH = schedule["block_H"]
    threads = schedule["threads"]
    DV = D_V
    DH = DV // 2                  # d_v half owned by each consumer warpgroup
    DT = d_qk - DV                # RoPE tail (64) or 0
    REP = (h_q + BH - 1) // BH    # CTAs per token
    bf16 = "bfloat16"
    f32 = "float32"
    i32 = "int32"
    S = T.dynamic("s_q")
    SKV = T.dynamic("s_kv")
    TOPK = T.dynamic("topk")

    @T.prim_func
    def sparse_mla_prefill(
        Q: T.Tensor([S, h_q, d_qk], bf16),
        KV: T.Tensor([SKV, d_qk], bf16),
        Indices: T.Tensor([S, TOPK], i32),
        TopkLen: T.Tensor([S], i32),
        AttnSink: T.Tensor([h_q], f32),
        Out: T.Tensor([S, h_q, DV], bf16),
        MaxLogits: T.Tensor([S, h_q], f32),
        Lse: T.Tensor([S, h_q], f32),
        sm_scale: T.float32,
    ):
        with T.Kernel(S * REP, threads=threads) as bx:
            q_l = T.alloc_shared([BH, DH], bf16)
            q_r = T.alloc_shared([BH, DH], bf16)
            kv_l0 = T.alloc_shared([BI, DH], bf16)
            kv_r0 = T.alloc_shared([BI, DH], bf16)
            kv_l1 = T.alloc_shared([BI, DH], bf16)
            kv_r1 = T.alloc_shared([BI, DH], bf16)
            q_t = T.alloc_shared([BH, DT], bf16) if DT > 0 else None
            kt0 = T.alloc_shared([BI, DT], bf16) if DT > 0 else None
            kt1 = T.alloc_shared([BI, DT], bf16) if DT > 0 else None
            p_s = T.alloc_shared([BH, BI], bf16)
            ok0 = T.alloc_shared([BI], "bool", scope="shared")
            ok1 = T.alloc_shared([BI], "bool", scope="shared")
            idx_s = (T.alloc_shared([BI], i32, scope="shared"), T.alloc_shared([BI], i32, scope="shared"))
            zero = T.cast(0, bf16)
            bufs = ((kv_l0, kv_r0, kt0, ok0), (kv_l1, kv_r1, kt1, ok1))
            alpha_s = T.alloc_shared([BH], f32, scope="shared")
            inv_s = T.alloc_shared([BH], f32, scope="shared")
            o_l = q_l  # q is dead once the last QK^T gemm has finished
            o_r = q_r

            acc_l = T.alloc_fragment([BH, DH], f32)
            acc_r = T.alloc_fragment([BH, DH], f32)
            acc_s = T.alloc_fragment([BH, BI], f32)
            m_i = T.alloc_fragment([BH], f32)
            m_prev = T.alloc_fragment([BH], f32)
            l_i = T.alloc_fragment([BH], f32)
            l_blk = T.alloc_fragment([BH], f32)
            alpha = T.alloc_fragment([BH], f32)

            bar_q = T.alloc_barrier(arrive_count=threads)
            ready0 = T.alloc_barrier(arrive_count=256)  # 128 producer threads x (noinc + plain)
            ready1 = T.alloc_barrier(arrive_count=256)
            free0 = T.alloc_barrier(arrive_count=256)
            free1 = T.alloc_barrier(arrive_count=256)
            p_ready = T.alloc_barrier(arrive_count=256)
            p_free = T.alloc_barrier(arrive_count=256)
            fin = T.alloc_barrier(arrive_count=128)
            ready = (ready0, ready1)
            free = (free0, free1)

            t = bx // REP
            h0 = (bx % REP) * BH
            tx = T.get_thread_binding()
            scale2 = sm_scale * _LOG2E
            # entries at positions >= topk_length[t] are invalid: the pairs past it are skipped
            # (every warpgroup reads the same bound, so their loops stay in step)
            n_valid = T.min(T.max(TopkLen[t], 0), TOPK)
            n_pairs = T.ceildiv(n_valid, 2 * BI)

            # q rows [h0, h0 + BH): rows >= h_q read as zero (padding for h_q < 64)
            for hh, dd in T.Parallel(BH, DH):
                q_l[hh, dd] = T.if_then_else(h0 + hh < h_q, Q[t, h0 + hh, dd], T.cast(0, bf16))
                q_r[hh, dd] = T.if_then_else(h0 + hh < h_q, Q[t, h0 + hh, DH + dd], T.cast(0, bf16))
            if DT > 0:
                for hh, dd in T.Parallel(BH, DT):
                    q_t[hh, dd] = T.if_then_else(h0 + hh < h_q, Q[t, h0 + hh, DV + dd], T.cast(0, bf16))
            T.barrier_arrive(bar_q)

            if tx < 128:
                # ---- consumer 0: QK^T, online softmax, left half of PV ----
                # 248 + 168 + 80 registers x 128 threads fit the 64K file; 240 spilled 16 bytes at
                # h_q 64 once the attn_sink epilogue was added
                T.set_max_nreg(248, 1)
                T.fill(l_i, 0)
                T.fill(m_i, -(2.0**30))  # finite floor: no (-inf) - (-inf)
                T.fill(acc_l, 0)
                T.barrier_wait(bar_q, 0)
                for ip in T.serial(n_pairs):
                    for b in (0, 1):  # Python-level unroll over the two buffers
                        kv_l, kv_r, ok = bufs[b][0], bufs[b][1], bufs[b][3]
                        T.barrier_wait(ready[b], ip & 1)
                        for hh, j in T.Parallel(BH, BI):
                            acc_s[hh, j] = T.if_then_else(ok[j], 0, -T.infinity(f32))
                        T.wgmma_gemm(q_l, kv_l, acc_s, transpose_B=True)
                        T.wgmma_gemm(q_r, kv_r, acc_s, transpose_B=True)
                        if DT > 0:
                            T.wgmma_gemm(q_t, bufs[b][2], acc_s, transpose_B=True)
                        T.wait_wgmma(0)
                        # consumer 1 must be done with p_s / alpha_s of the previous step
                        if b == 1:
                            T.barrier_arrive(p_free)
                            T.barrier_wait(p_free, 0)
                        else:
                            if ip > 0:
                                T.barrier_arrive(p_free)
                                T.barrier_wait(p_free, 1)
                        T.copy(m_i, m_prev)
                        T.reduce_max(acc_s, m_i, dim=1, clear=False)
                        for hh in T.Parallel(BH):
                            m_i[hh] = T.max(m_i[hh], m_prev[hh])
                        for hh in T.Parallel(BH):
                            alpha[hh] = T.exp2((m_prev[hh] - m_i[hh]) * scale2)
                        for hh, j in T.Parallel(BH, BI):
                            acc_s[hh, j] = T.exp2(acc_s[hh, j] * scale2 - m_i[hh] * scale2)
                        T.reduce_sum(acc_s, l_blk, dim=1)
                        for hh in T.Parallel(BH):
                            l_i[hh] = l_i[hh] * alpha[hh] + l_blk[hh]
                        for hh, dd in T.Parallel(BH, DH):
                            acc_l[hh, dd] *= alpha[hh]
                        T.copy(alpha, alpha_s)
                        T.copy(acc_s, p_s)
                        T.gemm(p_s, kv_l, acc_l)
                        T.barrier_arrive(p_ready)
                        T.barrier_arrive(free[b])
                # epilogue: out scale 1 / (l * (1 + exp(sink - lse))) (FlashMLA's attn_sink; the
                # host passes -inf for none; 0 for a query with no valid index), lse, max_logits.
                # l != 0 (not l > 0): a NaN logit leaves l NaN, and NaN must reach out, lse and
                # max_logits as in the oracle (the GPU's max ignores NaN, so m_i alone would not).
                for hh in T.Parallel(BH):
                    alpha[hh] = T.if_then_else(
                        l_i[hh] != 0,
                        1.0 / (l_i[hh] * (1.0 + T.exp2(
                            T.if_then_else(h0 + hh < h_q, AttnSink[T.min(h0 + hh, h_q - 1)], -T.infinity(f32))
                            * _LOG2E - (T.log2(l_i[hh]) + m_i[hh] * scale2)))),
                        0.0)
                T.copy(alpha, inv_s)
                T.barrier_arrive(fin)
                for hh, dd in T.Parallel(BH, DH):
                    acc_l[hh, dd] *= alpha[hh]
                for hh in T.Parallel(BH):
                    if h0 + hh < h_q:
                        Lse[t, h0 + hh] = T.if_then_else(
                            l_i[hh] != 0, (T.log2(l_i[hh]) + m_i[hh] * scale2) * _LN2, T.infinity(f32))
                        MaxLogits[t, h0 + hh] = T.if_then_else(
                            l_i[hh] != 0, T.if_then_else(l_i[hh] == l_i[hh], m_i[hh] * sm_scale, l_i[hh]),
                            -T.infinity(f32))
                T.copy(acc_l, o_l)
                for hh, dd in T.Parallel(BH, DH):
                    if h0 + hh < h_q:
                        Out[t, h0 + hh, dd] = o_l[hh, dd]
            elif tx < 256:
                # ---- consumer 1: right half of PV ----
                T.set_max_nreg(168, 1)
                T.fill(acc_r, 0)
                for ip in T.serial(n_pairs):
                    for b in (0, 1):
                        T.barrier_arrive(p_ready)
                        T.barrier_wait(p_ready, b)  # completion number 2 * ip + b
                        T.fence_proxy_async()
                        for hh, dd in T.Parallel(BH, DH):
                            acc_r[hh, dd] *= alpha_s[hh]
                        T.gemm(p_s, bufs[b][1], acc_r)
                        T.barrier_arrive(free[b])
                        if b == 0:
                            T.barrier_arrive(p_free)
                        else:
                            if ip < n_pairs - 1:
                                T.barrier_arrive(p_free)
                T.barrier_wait(fin, 0)
                for hh, dd in T.Parallel(BH, DH):
                    acc_r[hh, dd] *= inv_s[hh]
                T.copy(acc_r, o_r)
                for hh, dd in T.Parallel(BH, DH):
                    if h0 + hh < h_q:
                        Out[t, h0 + hh, DH + dd] = o_r[hh, dd]
            else:
                # ---- producer: gather the selected rows with cp.async ----
                T.set_max_nreg(80, 0)
                for ip in T.serial(n_pairs):
                    for b in (0, 1):
                        kv_l, kv_r, kt, ok = bufs[b]
                        src = idx_s[b]
                        T.barrier_wait(free[b], (ip & 1) ^ 1)
                        for j in T.Parallel(BI):
                            pos = (ip * 2 + b) * BI + j
                            iv = T.if_then_else(pos < n_valid, Indices[t, T.min(pos, TOPK - 1)], -1)
                            ok[j] = (iv >= 0) & (iv < SKV)
                            src[j] = T.if_then_else((iv >= 0) & (iv < SKV), iv, 0)
                        # invalid rows: cp.async with src-size 0 writes zeros (no global read)
                        for j, c in T.Parallel(BI, DH, annotations=_ASYNC):
                            kv_l[j, c] = T.if_then_else(ok[j], KV[src[j], c], zero)
                            kv_r[j, c] = T.if_then_else(ok[j], KV[src[j], DH + c], zero)
                        if DT > 0:
                            for j, c in T.Parallel(BI, DT, annotations=_ASYNC):
                                kt[j, c] = T.if_then_else(ok[j], KV[src[j], DV + c], zero)
                        # completes when every producer thread's cp.asyncs have landed (noinc) and
                        # every producer thread has arrived (release: publishes ok[] / src[])
                        T.cp_async_barrier_noinc(ready[b])
                        T.barrier_arrive(ready[b])

    return sparse_mla_prefill


def dynamic_smem_bytes(problem: dict, schedule: dict | None = None) -> int:
    """Dynamic shared memory of the kernel: q (BH x d_qk), two gathered KV buffers (BI x d_qk), P
    (BH x BI), all bf16; o reuses q's space.  (Barriers, masks and row scalars are static, ~2 KB.)"""
    schedule = {**SCHEDULE, **(schedule or {})}
    d_qk = problem.get("d_qk", 576)
    bh, bi = schedule["block_H"], schedule["block_I"]
    return 2 * (bh * d_qk + 2 * bi * d_qk + bh * bi)


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one sm_90a TileLang kernel per (h_q, d_qk)."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "backend": "tilelang"}]


# ---------------------------------------------------------------- dispatch
# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale,
                           schedule=None):
    """templates/sparse_mla_prefill/triton.py launch signature -> the TileLang prefill kernel."""
    import torch

    tp = m.entry.get("tl_problem") or {}
    why = None
    if schedule is not None:
        why = "an explicit Triton schedule"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dtype != torch.bfloat16 or kv.dtype != torch.bfloat16 or out.dtype != torch.bfloat16:
        why = f"{q.dtype} q / {kv.dtype} kv / {out.dtype} out (the kernel is bf16 only)"
    elif q.dim() != 3 or q.shape[1] != tp.get("h_q") or q.shape[2] != tp.get("d_qk", 576):
        why = f"built for h_q {tp.get('h_q')} d_qk {tp.get('d_qk', 576)}, got q {tuple(q.shape)}"
    elif q.shape[0] == 0 or indices.shape[-1] == 0:
        why = "empty s_q or top-k"
    if why:
        return m.fall_back(why, q, kv, indices, topk_length, attn_sink, out, max_logits, lse,
                           sm_scale=sm_scale, schedule=schedule)
    from dsagen.runtime.tilelang import sparse_mla_prefill
    sparse_mla_prefill(m.kernel, q, kv, indices, sm_scale=float(sm_scale), out=out, max_logits=max_logits, lse=lse,
                       topk_length=topk_length, attn_sink=attn_sink)
    return None
