"""TileLang template: ragged lightning-indexer logits (FP8, Hopper wgmma).

out[i, j] = sum_h relu(q[i, h] . k[j]) * weights[i, h] * k_scale[j]   for ks[i] <= j < ke[i]
out[i, j] = -inf                                                        elsewhere

Inputs: q e4m3 [S*H, D] (the [S, H, D] tensor viewed 2-D), k e4m3 [S_kv, D],
k_scale fp32 [S_kv], weights fp32 [S, H], ks/ke int32 [S]; output fp32 [S, S_kv].
S and S_kv are dynamic; H, D are compile-time.  Both GEMM operands are K-major (D is the
contiguous axis of q and k, the gemm is A[N_k, D] x B[M_q, D]^T), which is what lets TileLang
emit wgmma on sm_90a instead of mma.sync.

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"block_N": 128, "block_Q": 2, "threads": 256, "num_stages": 2}
# </dsagen:schedule>

OP = "indexer_logits"
# sm_90a: FP8 wgmma, accumulator in registers.  sm_100a: FP8 tcgen05.mma, accumulator in tensor
# memory (TileLang lowers a register accumulator to mma.sync there), copied to registers for
# the epilogue.
ARCHES = ("sm_90a", "sm_100a")


def problem_from_op(problem: dict) -> dict:
    """The operator's problem (heads, head_dim, s_q, s_kv) -> the kernel's compile-time keys;
    s_q and s_kv are run-time sizes."""
    return {"h": int(problem["heads"]), "d": int(problem["head_dim"])}


def _check(problem, schedule):
    h = problem.get("h")
    d = problem.get("d", 128)
    if not isinstance(h, int) or h <= 0 or h % 16:
        raise ValueError(f"problem['h'] must be a positive multiple of 16, got {h!r}")
    if d not in (64, 128):
        raise ValueError(f"problem['d'] must be 64 or 128, got {d!r}")
    bq, bn, th = schedule["block_Q"], schedule["block_N"], schedule["threads"]
    if bq <= 0 or (bq * h) % 16:
        raise ValueError(f"schedule['block_Q'] * h must be a multiple of 16, got {bq} * {h}")
    if bn % 64:
        raise ValueError(f"schedule['block_N'] must be a multiple of 64, got {bn}")
    if th % 128:
        raise ValueError(f"schedule['threads'] must be a multiple of 128, got {th}")
    return h, d


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func for problem {"h": H, "d": D}."""
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES} (FP8 wgmma / tcgen05 template), got {arch!r}")
    tcgen05 = arch == "sm_100a"
    schedule = {**SCHEDULE, **(schedule or {})}
    h, d = _check(problem, schedule)
    import tilelang.language as T

    block_N = schedule["block_N"]
    block_Q = schedule["block_Q"]
    threads = schedule["threads"]
    num_stages = schedule["num_stages"]
    rows = block_Q * h
    fp8 = "float8_e4m3"
    f32 = "float32"
    i32 = "int32"
    S = T.dynamic("seq_len")
    SKV = T.dynamic("seq_len_kv")

    @T.prim_func
    def indexer_logits(
        Q: T.Tensor([S * h, d], fp8),
        K: T.Tensor([SKV, d], fp8),
        KScale: T.Tensor([SKV], f32),
        Weights: T.Tensor([S, h], f32),
        KS: T.Tensor([S], i32),
        KE: T.Tensor([S], i32),
        Out: T.Tensor([S, SKV], f32),
    ):
        with T.Kernel(T.ceildiv(S, block_Q), threads=threads) as bx:
            q_s = T.alloc_shared([rows, d], fp8)
            k_s = T.alloc_shared([block_N, d], fp8)
            w_f = T.alloc_fragment([block_Q, h], f32)
            acc = T.alloc_fragment([block_N, rows], f32)
            acc3 = T.reshape(acc, (block_N, block_Q, h))
            if tcgen05:
                acc_tmem = T.alloc_tmem([block_N, rows], f32)
                mma_done = T.alloc_barrier(1)
            logit = T.alloc_fragment([block_N, block_Q], f32)
            q0 = bx * block_Q

            # key tiles touched by any of this CTA's rows: [t0, t1); the rest is only -inf
            kmin = T.alloc_local([1], i32)
            kmax = T.alloc_local([1], i32)
            kmin[0] = SKV
            kmax[0] = 0
            for qi in T.serial(block_Q):
                if q0 + qi < S:
                    kmin[0] = T.min(kmin[0], T.max(KS[q0 + qi], 0))
                    kmax[0] = T.max(kmax[0], T.min(KE[q0 + qi], SKV))
            # At least one tile whenever S_kv > 0, so the q TMA load above is always waited on
            # (a CTA must not exit with a bulk copy into its shared memory in flight).
            n_tiles = T.ceildiv(SKV, block_N)
            t0 = T.min(kmin[0] // block_N, T.max(n_tiles - 1, 0))
            t1 = T.min(T.max(T.ceildiv(kmax[0], block_N), t0 + 1), n_tiles)

            T.copy(Q[q0 * h, 0], q_s)
            T.copy(Weights[q0, 0], w_f)
            for nb in T.Pipelined(t1 - t0, num_stages=num_stages):
                T.copy(K[(t0 + nb) * block_N, 0], k_s)
                if tcgen05:
                    T.gemm(k_s, q_s, acc_tmem, transpose_B=True, clear_accum=True, mbar=mma_done)
                    T.copy(acc_tmem, acc)
                else:
                    T.gemm(k_s, q_s, acc, transpose_B=True, clear_accum=True,
                           policy=T.GemmWarpPolicy.FullCol)
                # k_scale is applied per key at the store, read from global memory: a fragment
                # copy of it inside the pipelined loop is moved to the producer warpgroup by
                # TileLang 0.1.15's warp specialiser, leaving the consumers' copy uninitialised
                # (ptxas then drops every wgmma; see gmma_in_sass in the build report).
                for n, qi, hh in T.Parallel(block_N, block_Q, h):
                    acc3[n, qi, hh] = T.max(acc3[n, qi, hh], 0) * w_f[qi, hh]
                T.reduce_sum(acc3, logit, dim=-1, clear=True)
                for qi, n in T.Parallel(block_Q, block_N):
                    row = q0 + qi
                    col = (t0 + nb) * block_N + n
                    if row < S and col < SKV:
                        Out[row, col] = T.if_then_else(
                            (col >= KS[row]) & (col < KE[row]), logit[n, qi] * KScale[col], -T.infinity(f32))
            # columns outside [t0, t1) tiles: -inf, coalesced row-wise stores
            for nb in T.serial(n_tiles):
                if nb < t0 or nb >= t1:
                    for qi, n in T.Parallel(block_Q, block_N):
                        if q0 + qi < S and nb * block_N + n < SKV:
                            Out[q0 + qi, nb * block_N + n] = -T.infinity(f32)

    return indexer_logits


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one kernel per head count (for the generator's target arch)."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "backend": "tilelang"}]


# ---------------------------------------------------------------- dispatch
# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, q, k, k_scale, weights, row_start, row_end, out, **kw):
    """templates/indexer_logits/triton.py launch signature -> the TileLang kernel (fp8, clean only)."""
    import torch

    tp = m.entry.get("tl_problem") or {}
    why = None
    if not kw.get("clean", True):
        why = "clean=False: the TileLang kernel always writes -inf outside the ranges"
    elif kw.get("schedule") is not None or kw.get("soft_fp8"):
        why = "an explicit Triton schedule or soft_fp8"
    elif q.dtype != torch.float8_e4m3fn or k_scale is None:
        why = f"{q.dtype} inputs (the kernel is e4m3 only)"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dim() != 3 or (q.shape[1], q.shape[2]) != (tp.get("h"), tp.get("d")):
        why = f"built for heads {tp.get('h')} head_dim {tp.get('d')}, got q {tuple(q.shape)}"
    elif q.shape[0] == 0 or k.shape[0] == 0:
        why = "empty s_q or s_kv"
    elif not out.is_contiguous():
        why = "out is not contiguous"
    if why:
        return m.fall_back(why, q, k, k_scale, weights, row_start, row_end, out, **kw)
    from dsagen.runtime.tilelang import indexer_logits
    indexer_logits(m.kernel, q, k, k_scale, weights, row_start.to(torch.int32), row_end.to(torch.int32), out=out)
    return None
