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
    if arch not in ("sm_90a", "sm_90"):
        raise ValueError(f"arch must be sm_90a (FP8 wgmma template), got {arch!r}")
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
            scale_f = T.alloc_fragment([block_N], f32)
            w_f = T.alloc_fragment([block_Q, h], f32)
            acc = T.alloc_fragment([block_N, rows], f32)
            acc3 = T.reshape(acc, (block_N, block_Q, h))
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
            t0 = kmin[0] // block_N
            t1 = T.max(T.ceildiv(kmax[0], block_N), t0)

            T.copy(Q[q0 * h, 0], q_s)
            T.copy(Weights[q0, 0], w_f)
            for nb in T.Pipelined(t1 - t0, num_stages=num_stages):
                T.copy(K[(t0 + nb) * block_N, 0], k_s)
                T.copy(KScale[(t0 + nb) * block_N], scale_f)
                T.gemm(k_s, q_s, acc, transpose_B=True, clear_accum=True,
                       policy=T.GemmWarpPolicy.FullCol)
                for n, qi, hh in T.Parallel(block_N, block_Q, h):
                    acc3[n, qi, hh] = T.max(acc3[n, qi, hh], 0) * w_f[qi, hh] * scale_f[n]
                T.reduce_sum(acc3, logit, dim=-1, clear=True)
                for qi, n in T.Parallel(block_Q, block_N):
                    row = q0 + qi
                    col = (t0 + nb) * block_N + n
                    if row < S and col < SKV:
                        Out[row, col] = T.if_then_else(
                            (col >= KS[row]) & (col < KE[row]), logit[n, qi], -T.infinity(f32))
            # columns outside [t0, t1) tiles: -inf, coalesced row-wise stores
            for nb in T.serial(T.ceildiv(SKV, block_N)):
                if nb < t0 or nb >= t1:
                    for qi, n in T.Parallel(block_Q, block_N):
                        if q0 + qi < S and nb * block_N + n < SKV:
                            Out[q0 + qi, nb * block_N + n] = -T.infinity(f32)

    return indexer_logits


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one sm_90a TileLang kernel per head count."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "arch": "sm_90a", "backend": "tilelang"}]
