"""TileLang template: sparse MLA backward (the gradient of flash_mla_sparse_fwd), bf16 latent KV, sm_90a.

Formulas (as templates/sparse_mla_bwd/triton.py and dsagen/operators/sparse_mla_bwd/naive.py): per
query token t and head h, over the valid selected entries j (k_j = kv[idx[t, j]], v_j = k_j[:512]),
with the forward's natural-log lse and g = 1 / (1 + exp(sink - lse)) (g = 1 without a sink):
    P~ = exp(sm_scale * q . k_j - lse) * g,   Delta = dO . out (from the forward's bf16 out)
    dS = sm_scale * P~ * (dO . v_j - Delta)
    dq = sum_j dS k_j,   dkv[idx_j] += sum_h dS q_h + sum_h P~ dO_h (first 512 columns)
An index < 0 or >= s_kv, or at a position >= topk_length[t], contributes nothing (its row is never
read); a repeated index adds once per occurrence.  dkv is fp32, zeroed by the caller, and summed
with fp32 atomics (red.global.add), so its last bits may differ between runs; the deterministic
mode stays with the Triton template (the adapter falls back).  d(attn_sink) is computed on the host
from Delta, as the Triton template does.

Tensors (parameter order): Q bf16 [S, HQ, DQK], KV bf16 [S_KV, DQK] (the [s_kv, 1, d_qk] tensor
viewed 2-D), Indices int32 [S, TOPK], TopkLen int32 [S], AttnSink fp32 [HQ] (-inf: none), Out bf16
[S, HQ, 512], dO bf16 [S, HQ, 512], Lse fp32 [S, HQ], dQ bf16 [S, HQ, DQK], dKV fp32 [S_KV, DQK],
Delta fp32 [S, HQ], sm_scale fp32 scalar.  S, S_KV and TOPK are dynamic; HQ and DQK compile-time.

Hopper design (3 warpgroups = 384 threads, no producer warpgroup; every gemm a 64-row wgmma with
N = 64; col_split CTAs per (token, 64 heads)):
  * d_qk is cut into 64-column chunks (9 for 576, 8 for 512); q, dO (8 chunks) and one gathered KV
    tile (block_I = 64 rows) sit in shared memory as [64, 64] bf16 buffers (128-byte rows), with
    P~ and dS (bf16 [64, 64]): 224 KiB at d_qk 576.  Warpgroup w loads q / dO chunks 3w .. 3w + 2
    once and gathers the same KV chunks of every tile (16-byte cp.async; an invalid slot is a
    zero-filled row: src-size 0, no global read, so NaN in unselected rows never leaks).
  * warpgroup 0 computes, per tile, S = Q K^T (9 gemms) and dP = dO V^T (8 gemms) into two
    [64, 64] fp32 fragments, then P~ (base 2, masked by slot validity) and dS, stored as bf16.
  * each warpgroup owns some chunks of dq and dkv: dq_c += dS K_c stays in registers (one
    [64, 64] fp32 fragment per chunk) across all tiles; the tile's dkv chunk dS^T Q_c + P~^T dO_c
    (A transposed from shared memory, M = block_I rows) is added to dKV[idx] with fp32 atomics
    (red.global.add.v2.f32) for the valid rows only.  col_split 1: one CTA, three chunks per
    warpgroup (96 + 32 registers of accumulators: ptxas spills ~2 KB at every setmaxnreg split);
    col_split 2 (default): two CTAs per head block, each owning half of the chunks (warpgroup 0,
    busy with S and dP, owns one), both computing S and dP: no spills.
  * mbarriers: `bar_q` (q / dO landed: cp.async.mbarrier.arrive.noinc + a plain arrive from all
    384 threads), `gathered` (the tile landed, same protocol; the plain arrive also publishes the
    row mask), `pready` (warpgroup 0 stored P~ / dS), `pfree` (every warpgroup is done with the
    tile: its KV rows, P~ / dS and its atomics' row indices; the next gather waits for it).
  h_q < 64 is padded to 64 rows (zero q / dO rows with lse = +inf give P~ = dS = 0; stores
  guarded); h_q > 64 uses h_q / 64 head blocks per token.  The gather is not overlapped with the
  gemms (one KV buffer fills shared memory) and warpgroups 1 and 2 wait while warpgroup 0
  computes S and dP: a first kernel, correct by construction, not a tuned one.

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"block_I": 64, "block_H": 64, "threads": 384, "col_split": 2}
# </dsagen:schedule>

OP = "sparse_mla_bwd"
D_V = 512
CH = 64                        # columns per shared chunk / per wgmma N
_LOG2E = 1.4426950408889634
# T.Parallel annotations: lower the gather to cp.async, without the implicit commit + wait
# (completion is tracked by cp.async.mbarrier.arrive.noinc on the `gathered` barrier)
_ASYNC = {"parallel_prefer_async": True, "parallel_async_without_async_commit_wait": True}
# setmaxnreg per warpgroup and col_split (sum <= 504: 504 x 128 <= 168 x 384 registers)
NREG = {1: (200, 152, 152), 2: (184, 160, 160)}


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
        raise ValueError(f"schedule['block_I'] must be 64 (the dkv wgmma's M; one tile fills shared memory), "
                         f"got {schedule['block_I']}")
    if schedule["block_H"] != 64:
        raise ValueError(f"schedule['block_H'] must be 64 (one wgmma M tile per warpgroup), "
                         f"got {schedule['block_H']}")
    if schedule["col_split"] not in (1, 2):
        raise ValueError(f"schedule['col_split'] must be 1 or 2 (CTAs sharing a head block's dq / dkv columns), "
                         f"got {schedule['col_split']}")
    if schedule["threads"] != 384:
        raise ValueError(f"schedule['threads'] must be 384 (three warpgroups, three column chunks each), "
                         f"got {schedule['threads']}")
    return h_q, d_qk


SM100_WHY = ("it is built on Hopper wgmma with register-resident dq (3 warpgroups x 3 [64, 64] fp32 "
             "fragments) and setmaxnreg; a tcgen05 port would keep dq in tensor memory (64 x 576 fp32 "
             "plus S and dP exceed the 512 TMEM columns without splitting dq). Triton serves sm100")


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func for problem {"h_q": H, "d_qk": 576 | 512, ...}."""
    if arch == "sm_100a":
        raise ValueError("arch sm_100a: no TileLang sparse_mla_bwd kernel for Blackwell yet: " + SM100_WHY)
    if arch not in ("sm_90a", "sm_90"):
        raise ValueError(f"arch must be sm_90a (wgmma + setmaxnreg template), got {arch!r}")
    schedule = {**SCHEDULE, **(schedule or {})}
    h_q, d_qk = _check(problem, schedule)
    import tilelang.language as T

    BI = schedule["block_I"]
    BH = schedule["block_H"]
    threads = schedule["threads"]
    DV = D_V
    NQ = d_qk // CH               # q / kv chunks: 9 or 8
    NV = DV // CH                 # dO / v chunks: 8
    CS = schedule["col_split"]
    # gathers: warpgroup w loads KV chunks 3w .. 3w + 2 (all of them are needed for S and dP)
    GAT = [tuple(range(3 * w, min(3 * w + 3, NQ))) for w in range(3)]
    # dq / dkv columns: split s of the CTAs of a head block owns chunks SPL[s]; warpgroup 0 (busy with
    # S and dP) takes the fewest of them
    if CS == 1:
        OWN = [GAT]
    else:
        half = (NQ + 1) // 2
        OWN = []
        for lo, hi in ((0, half), (half, NQ)):
            rest = list(range(lo + 1, hi))
            mid = (len(rest) + 1) // 2
            OWN.append([(lo,), tuple(rest[:mid]), tuple(rest[mid:])])
    QCH = tuple(range(NQ))
    VCH = tuple(range(NV))
    REP = (h_q + BH - 1) // BH    # head blocks per token
    SPLITS = tuple(range(CS))
    bf16 = "bfloat16"
    f32 = "float32"
    i32 = "int32"
    PAD = h_q % BH != 0           # h_q < 64: rows past h_q are padding (guarded, zero-filled)

    def head_row(buf, t, h0, hh, col):
        """buf[t, h0 + hh, col] as bf16; 0 for a padded head row (h_q multiple of 64: no guard)."""
        if PAD:
            return T.if_then_else(h0 + hh < h_q, buf[t, T.min(h0 + hh, h_q - 1), col], T.cast(0, bf16))
        return buf[t, h0 + hh, col]

    S = T.dynamic("s_q")
    SKV = T.dynamic("s_kv")
    TOPK = T.dynamic("topk")

    @T.macro
    def warpgroup(w, own, first, nreg, Q, dO, Indices, KV, Lse, AttnSink, Out, Delta, dQ, dKV, qs, dos, ks, p_s, ds_s,
                  ok, src, acc, dqf, acc_s, acc_dp, delta, lse2, gsc, bar_q, gathered, pready, pfree, t, h0,
                  n_valid, n_tiles, scale2, sm_scale):
        # w: role (0: also S, dP, P~, dS); own: the chunks of dq / dkv it accumulates and adds;
        # first: the CTA that writes Delta (col_split CTAs compute the same Delta)
        if w == 0:
            T.set_max_nreg(nreg, 1)
        else:
            T.set_max_nreg(nreg, 0)
        # q and dO rows [h0, h0 + BH): each warpgroup loads the chunks it gathers, with 16-byte
        # cp.async (a [64, 64] chunk is 4 per thread of a warpgroup; 384 threads would not divide it
        # and fell back to scalar loads that spilled); padded head rows are zero-filled
        for c in GAT[w]:
            for hh, dd in T.Parallel(BH, CH, annotations=_ASYNC):
                qs[c][hh, dd] = head_row(Q, t, h0, hh, c * CH + dd)
            if c < NV:
                for hh, dd in T.Parallel(BH, CH, annotations=_ASYNC):
                    dos[c][hh, dd] = head_row(dO, t, h0, hh, c * CH + dd)
        T.cp_async_barrier_noinc(bar_q)
        T.barrier_arrive(bar_q)
        for c in own:
            T.fill(dqf[c], 0)
        if w == 0:
            # Delta = rowsum(dO * out) (bf16 operands, fp32 sum); lse2 = lse * log2(e)
            # (+inf for padded rows: P~ = 0); g = 1 / (1 + exp(sink - lse)) (sink -inf: 1)
            for hh in T.Parallel(BH):
                lse2[hh] = T.if_then_else(h0 + hh < h_q, Lse[t, T.min(h0 + hh, h_q - 1)],
                                          T.infinity(f32)) * _LOG2E
            for hh in T.Parallel(BH):
                gsc[hh] = 1.0 / (1.0 + T.exp2(
                    T.if_then_else(h0 + hh < h_q, AttnSink[T.min(h0 + hh, h_q - 1)], -T.infinity(f32))
                    * _LOG2E - lse2[hh]))
            T.barrier_wait(bar_q, 0)
            for c in VCH:
                for hh, j in T.Parallel(BH, CH):
                    acc_s[hh, j] = T.cast(dos[c][hh, j], f32) * T.cast(head_row(Out, t, h0, hh, c * CH + j), f32)
                T.reduce_sum(acc_s, delta, dim=1, clear=(c == 0))
            if first:
                for hh in T.Parallel(BH):
                    if h0 + hh < h_q:
                        Delta[t, h0 + hh] = delta[hh]
        else:
            T.barrier_wait(bar_q, 0)
        for it in T.serial(n_tiles):
            # every warpgroup is done with the previous tile: its KV rows (S, dP, dq gemms), P~ / dS
            # and the row indices of its dkv atomics
            T.barrier_wait(pfree, (it & 1) ^ 1)
            for j in T.Parallel(BI):
                pos = it * BI + j
                iv = T.if_then_else(pos < n_valid, Indices[t, T.min(pos, TOPK - 1)], -1)
                ok[j] = (iv >= 0) & (iv < SKV)
                src[j] = T.if_then_else((iv >= 0) & (iv < SKV), iv, 0)
            # invalid rows: cp.async with src-size 0 writes zeros (no global read)
            for c in GAT[w]:
                for j, dd in T.Parallel(BI, CH, annotations=_ASYNC):
                    ks[c][j, dd] = T.if_then_else(ok[j], KV[src[j], c * CH + dd], T.cast(0, bf16))
            # completes when every thread's cp.asyncs have landed (noinc) and every thread has
            # arrived (release: publishes ok[] / src[])
            T.cp_async_barrier_noinc(gathered)
            T.barrier_arrive(gathered)
            if w == 0:
                T.barrier_wait(gathered, it & 1)
                T.fence_proxy_async()
                for c in QCH:
                    T.gemm(qs[c], ks[c], acc_s, transpose_B=True, clear_accum=(c == 0))
                for c in VCH:
                    T.gemm(dos[c], ks[c], acc_dp, transpose_B=True, clear_accum=(c == 0))
                for hh, j in T.Parallel(BH, BI):
                    acc_s[hh, j] = T.if_then_else(
                        ok[j], T.exp2(acc_s[hh, j] * scale2 - lse2[hh]) * gsc[hh], 0.0)
                for hh, j in T.Parallel(BH, BI):
                    acc_dp[hh, j] = acc_s[hh, j] * (acc_dp[hh, j] - delta[hh]) * sm_scale
                T.copy(acc_s, p_s)
                T.copy(acc_dp, ds_s)
                T.fence_proxy_async()
                T.barrier_arrive(pready)
            else:
                # pready follows gathered (warpgroup 0 waited for it): the whole tile has landed
                T.barrier_wait(pready, it & 1)
                T.fence_proxy_async()
            for c in own:
                T.gemm(ds_s, ks[c], dqf[c])
            for c in own:
                T.gemm(ds_s, qs[c], acc, transpose_A=True, clear_accum=True)
                if c < NV:
                    T.gemm(p_s, dos[c], acc, transpose_A=True)
                # the row indices of warpgroup w's own gather: the same rows for every warpgroup
                for j, dd in T.Parallel(BI, CH):
                    if ok[j]:
                        T.atomic_add(dKV[src[j], c * CH + dd], acc[j, dd])
            T.barrier_arrive(pfree)
        for c in own:
            for hh, dd in T.Parallel(BH, CH):
                if h0 + hh < h_q:
                    dQ[t, h0 + hh, c * CH + dd] = T.cast(dqf[c][hh, dd], bf16)

    @T.prim_func
    def sparse_mla_bwd(
        Q: T.Tensor([S, h_q, d_qk], bf16),
        KV: T.Tensor([SKV, d_qk], bf16),
        Indices: T.Tensor([S, TOPK], i32),
        TopkLen: T.Tensor([S], i32),
        AttnSink: T.Tensor([h_q], f32),
        Out: T.Tensor([S, h_q, DV], bf16),
        dO: T.Tensor([S, h_q, DV], bf16),
        Lse: T.Tensor([S, h_q], f32),
        dQ: T.Tensor([S, h_q, d_qk], bf16),
        dKV: T.Tensor([SKV, d_qk], f32),
        Delta: T.Tensor([S, h_q], f32),
        sm_scale: T.float32,
    ):
        with T.Kernel(S * REP * CS, threads=threads) as bx:
            qs = [T.alloc_shared([BH, CH], bf16) for _ in range(NQ)]
            dos = [T.alloc_shared([BH, CH], bf16) for _ in range(NV)]
            ks = [T.alloc_shared([BI, CH], bf16) for _ in range(NQ)]
            p_s = T.alloc_shared([BH, BI], bf16)
            ds_s = T.alloc_shared([BH, BI], bf16)
            oks = [T.alloc_shared([BI], "bool", scope="shared") for _ in range(3)]
            srcs = [T.alloc_shared([BI], i32, scope="shared") for _ in range(3)]

            dqf = [T.alloc_fragment([BH, CH], f32) for _ in range(NQ)]
            acc_kv = [T.alloc_fragment([BI, CH], f32) for _ in range(3)]
            acc_s = T.alloc_fragment([BH, BI], f32)
            acc_dp = T.alloc_fragment([BH, BI], f32)
            delta = T.alloc_fragment([BH], f32)
            lse2 = T.alloc_fragment([BH], f32)
            gsc = T.alloc_fragment([BH], f32)

            bar_q = T.alloc_barrier(arrive_count=2 * threads)  # every thread: noinc + plain
            gathered = T.alloc_barrier(arrive_count=2 * threads)  # every thread: noinc + plain
            pready = T.alloc_barrier(arrive_count=128)
            pfree = T.alloc_barrier(arrive_count=threads)

            t = bx // (REP * CS)
            h0 = ((bx // CS) % REP) * BH
            split = bx % CS
            tx = T.get_thread_binding()
            scale2 = sm_scale * _LOG2E
            # entries at positions >= topk_length[t] are invalid: the tiles past it are skipped
            # (every warpgroup reads the same bound, so their loops stay in step)
            n_valid = T.min(T.max(TopkLen[t], 0), TOPK)
            n_tiles = T.ceildiv(n_valid, BI)


            for sp in SPLITS:
                if split == sp:
                    if tx < 128:
                        warpgroup(0, OWN[sp][0], sp == 0, NREG[CS][0], Q, dO, Indices, KV, Lse, AttnSink, Out, Delta, dQ,
                                  dKV, qs, dos, ks, p_s, ds_s, oks[0], srcs[0], acc_kv[0], dqf, acc_s, acc_dp,
                                  delta, lse2, gsc, bar_q, gathered, pready, pfree, t, h0, n_valid, n_tiles,
                                  scale2, sm_scale)
                    elif tx < 256:
                        warpgroup(1, OWN[sp][1], sp == 0, NREG[CS][1], Q, dO, Indices, KV, Lse, AttnSink, Out, Delta, dQ,
                                  dKV, qs, dos, ks, p_s, ds_s, oks[1], srcs[1], acc_kv[1], dqf, acc_s, acc_dp,
                                  delta, lse2, gsc, bar_q, gathered, pready, pfree, t, h0, n_valid, n_tiles,
                                  scale2, sm_scale)
                    else:
                        warpgroup(2, OWN[sp][2], sp == 0, NREG[CS][2], Q, dO, Indices, KV, Lse, AttnSink, Out, Delta, dQ,
                                  dKV, qs, dos, ks, p_s, ds_s, oks[2], srcs[2], acc_kv[2], dqf, acc_s, acc_dp,
                                  delta, lse2, gsc, bar_q, gathered, pready, pfree, t, h0, n_valid, n_tiles,
                                  scale2, sm_scale)

    return sparse_mla_bwd


def dynamic_smem_bytes(problem: dict, schedule: dict | None = None) -> int:
    """Dynamic shared memory of the kernel: q (BH x d_qk), dO (BH x 512), one gathered KV tile
    (BI x d_qk), P~ and dS (BH x BI), all bf16.  (Barriers, masks and row indices are static.)"""
    schedule = {**SCHEDULE, **(schedule or {})}
    d_qk = problem.get("d_qk", 576)
    bh, bi = schedule["block_H"], schedule["block_I"]
    return 2 * (bh * d_qk + bh * D_V + bi * d_qk + 2 * bh * bi)


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one sm_90a TileLang kernel per (h_q, d_qk)."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "backend": "tilelang"}]


# ---------------------------------------------------------------- dispatch
# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, *, sm_scale,
                   deterministic=False, dsink=None, schedule=None):
    """templates/sparse_mla_bwd/triton.py launch signature -> the TileLang backward kernel."""
    import torch

    tp = m.entry.get("tl_problem") or {}
    why = None
    if schedule is not None:
        why = "an explicit Triton schedule"
    elif deterministic:
        why = "deterministic dkv (the Triton KV kernel sums each row in a fixed order)"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dtype != torch.bfloat16 or kv.dtype != torch.bfloat16 or dq.dtype != torch.bfloat16:
        why = f"{q.dtype} q / {kv.dtype} kv / {dq.dtype} dq (the kernel is bf16 only)"
    elif indices.dtype != torch.int32:
        why = f"{indices.dtype} indices (the kernel reads int32)"
    elif dkv.dtype != torch.float32:
        why = f"{dkv.dtype} dkv (the kernel adds into a zeroed fp32 dkv)"
    elif q.dim() != 3 or q.shape[1] != tp.get("h_q") or q.shape[2] != tp.get("d_qk", 576):
        why = f"built for h_q {tp.get('h_q')} d_qk {tp.get('d_qk', 576)}, got q {tuple(q.shape)}"
    elif q.shape[0] == 0 or kv.shape[0] == 0 or indices.shape[-1] == 0:
        why = "empty s_q, s_kv or top-k"
    if why:
        return m.fall_back(why, q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta,
                           sm_scale=sm_scale, deterministic=deterministic, dsink=dsink, schedule=schedule)
    from dsagen.runtime.tilelang import sparse_mla_bwd
    sparse_mla_bwd(m.kernel, q, kv, indices, out, dout, lse, sm_scale=float(sm_scale), dq=dq, dkv=dkv,
                   delta=delta, topk_length=topk_length, attn_sink=attn_sink, dsink=dsink)
    return None
