"""Lightning-indexer logits, ragged (prefill) and paged (decode).

Templates: templates/triton/indexer_logits.py and indexer_logits_paged.py; oracle:
dsagen.oracle.indexer. Any head count H >= 1, head_dim D in {32, 64, 128, 256}, next_n >= 1.
"""

import torch

from dsagen import tolerances
from dsagen.oracle import fp8
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

OP_RAGGED = "indexer_logits"
OP_PAGED = "indexer_logits_paged"
HEAD_DIMS = (32, 64, 128, 256)


def _desc(t):
    return f"{getattr(t, 'dtype', type(t).__name__)} {tuple(getattr(t, 'shape', ()))}"


def _check_out(out, shape, device):
    if out is None:
        return torch.empty(shape, dtype=torch.float32, device=device)
    if (not isinstance(out, torch.Tensor) or out.dtype != torch.float32 or tuple(out.shape) != tuple(shape)
            or (shape[1] > 1 and out.stride(1) != 1)):
        raise ValueError(f"out must be float32 {list(shape)} with unit column stride, got {_desc(out)}")
    return out


def _check_int_vec(name, t, n):
    if not isinstance(t, torch.Tensor) or t.dtype not in (torch.int32, torch.int64) or t.dim() != 1 \
            or t.shape[0] != n:
        raise ValueError(f"{name} must be an int32 tensor [{n}], got {_desc(t)}")
    return t.to(torch.int32).contiguous()


def indexer_logits(q, k, k_scale, weights, row_start, row_end, *, clean=True, out=None):
    """Ragged indexer logits (DeepGEMM fp8_mqa_logits semantics, any head count).

    q:         float8_e4m3fn [s_q, H, D] (q scale folded into weights), or bfloat16 [s_q, H, D].
    k:         same dtype as q, [s_kv, D] with unit last stride.
    k_scale:   float32 [s_kv] for fp8 keys; None for bf16 keys (no scale).
    weights:   float32 [s_q, H].
    row_start, row_end: int32 [s_q]; row i sees columns [row_start[i], row_end[i]) (clamped to
               [0, s_kv]; start >= end is empty).
    clean:     True: -inf outside each row's range. False: only in-range columns are written (the
               rest of `out` keeps its contents; uninitialised when out is None).
    out:       optional float32 [s_q, s_kv], unit column stride.

    Returns float32 [s_q, s_kv]: out[i, j] = sum_h relu(q[i,h] . k[j]) * weights[i,h] * k_scale[j].
    """
    if not isinstance(q, torch.Tensor) or q.dtype not in (fp8.E4M3, torch.bfloat16) or q.dim() != 3:
        raise ValueError(f"q must be float8_e4m3fn or bfloat16 [s_q, heads, head_dim], got {_desc(q)}")
    s_q, h, d = q.shape
    if h < 1:
        raise ValueError(f"q: heads must be >= 1, got {h}")
    if d not in HEAD_DIMS or q.stride(2) != 1:
        raise ValueError(f"q: head_dim must be one of {HEAD_DIMS} with unit stride, got {d}")
    if not isinstance(k, torch.Tensor) or k.dtype != q.dtype or k.dim() != 2 or k.shape[1] != d \
            or (k.shape[0] > 0 and k.stride(1) != 1):
        raise ValueError(f"k must be {q.dtype} [s_kv, {d}] with unit last stride, got {_desc(k)}")
    s_kv = k.shape[0]
    if q.dtype == fp8.E4M3:
        if not isinstance(k_scale, torch.Tensor) or k_scale.dtype != torch.float32 or k_scale.shape != (s_kv,):
            raise ValueError(f"k_scale must be float32 [{s_kv}] for fp8 keys, got {_desc(k_scale)}")
        k_scale = k_scale.contiguous()
    elif k_scale is not None:
        raise ValueError(f"k_scale must be None for bf16 keys, got {_desc(k_scale)}")
    if not isinstance(weights, torch.Tensor) or weights.dtype != torch.float32 or weights.shape != (s_q, h):
        raise ValueError(f"weights must be float32 [{s_q}, {h}], got {_desc(weights)}")
    weights = weights if weights.stride(1) == 1 else weights.contiguous()
    row_start = _check_int_vec("row_start", row_start, s_q)
    row_end = _check_int_vec("row_end", row_end, s_q)
    device = check_device(q=q, k=k, k_scale=k_scale, weights=weights, row_start=row_start, row_end=row_end,
                          out=out)
    if max(s_q, s_kv) >= 2**31:
        raise ValueError(f"q/k: s_q {s_q} and s_kv {s_kv} must be below 2^31")
    out = _check_out(out, (s_q, s_kv), device)
    if s_q == 0 or s_kv == 0:
        return out
    mod = kernel_module(OP_RAGGED, device, {"heads": h, "head_dim": d, "s_q": s_q, "s_kv": s_kv})
    mod.launch(q, k, k_scale, weights, row_start, row_end, out, clean=clean)
    return out


def indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len, *, clean=True,
                         out=None):
    """Paged indexer logits (DeepGEMM fp8_paged_mqa_logits semantics, any H and next_n).

    q:            float8_e4m3fn [B, next_n, H, D].
    kv_cache:     uint8 [num_blocks, block_kv, 1, D+4], contiguous: per block the block_kv * D
                  fp8 bytes (token-major) then block_kv fp32 scales (dsagen.oracle.fp8.pack_indexer_cache).
    weights:      float32 [B * next_n, H].
    context_lens: int32 [B], including the next_n new tokens.
    block_table:  int32 [B, max_blocks]; entries for blocks past a context are never read.
    max_context_len: Python int, the output width.
    clean:        True: -inf where not visible; False: only visible positions are written.
    out:          optional float32 [B * next_n, max_context_len], unit column stride.

    Row b * next_n + i sees positions pos <= context_lens[b] - next_n + i.
    """
    if not isinstance(q, torch.Tensor) or q.dtype != fp8.E4M3 or q.dim() != 4:
        raise ValueError(f"q must be float8_e4m3fn [batch, next_n, heads, head_dim], got {_desc(q)}")
    bsz, next_n, h, d = q.shape
    if next_n < 1 or h < 1:
        raise ValueError(f"q: next_n and heads must be >= 1, got {tuple(q.shape)}")
    if d not in HEAD_DIMS or q.stride(3) != 1:
        raise ValueError(f"q: head_dim must be one of {HEAD_DIMS} with unit stride, got {d}")
    if (not isinstance(kv_cache, torch.Tensor) or kv_cache.dtype != torch.uint8 or kv_cache.dim() != 4
            or kv_cache.shape[2] != 1 or kv_cache.shape[3] != d + 4 or not kv_cache.is_contiguous()):
        raise ValueError(f"kv_cache must be contiguous uint8 [num_blocks, block_kv, 1, {d + 4}], got {_desc(kv_cache)}")
    block_kv = kv_cache.shape[1]
    if block_kv < 1:
        raise ValueError(f"kv_cache: block_kv must be >= 1, got {block_kv}")
    if not isinstance(weights, torch.Tensor) or weights.dtype != torch.float32 or weights.shape != (bsz * next_n, h):
        raise ValueError(f"weights must be float32 [{bsz * next_n}, {h}], got {_desc(weights)}")
    weights = weights if weights.stride(1) == 1 else weights.contiguous()
    context_lens = _check_int_vec("context_lens", context_lens, bsz)
    if not isinstance(block_table, torch.Tensor) or block_table.dtype != torch.int32 or block_table.dim() != 2 \
            or block_table.shape[0] != bsz:
        raise ValueError(f"block_table must be int32 [{bsz}, max_blocks], got {_desc(block_table)}")
    block_table = block_table if block_table.stride(1) == 1 else block_table.contiguous()
    if isinstance(max_context_len, torch.Tensor) or isinstance(max_context_len, bool) \
            or not isinstance(max_context_len, int) or max_context_len < 0:
        raise ValueError(f"max_context_len must be a non-negative Python int, got {max_context_len!r}")
    if block_table.shape[1] * block_kv < max_context_len:
        raise ValueError(f"block_table: {block_table.shape[1]} blocks of {block_kv} cannot cover "
                         f"max_context_len {max_context_len}")
    device = check_device(q=q, kv_cache=kv_cache, weights=weights, context_lens=context_lens,
                          block_table=block_table, out=out)
    out = _check_out(out, (bsz * next_n, max_context_len), device)
    if bsz == 0 or max_context_len == 0:
        return out
    problem = {"heads": h, "head_dim": d, "batch": bsz, "next_n": next_n, "context_len": max_context_len,
               "block_kv": block_kv}
    mod = kernel_module(OP_PAGED, device, problem)
    mod.launch(q, kv_cache, weights, context_lens, block_table, out, max_context_len=max_context_len, clean=clean)
    return out


# ---- tuner support -----------------------------------------------------------------------

def example_problem(op: str = OP_RAGGED) -> dict:
    """A small problem dict with DESIGN.md's keys for `op`."""
    if op == OP_RAGGED:
        return {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 8192}
    if op == OP_PAGED:
        return {"heads": 64, "head_dim": 128, "batch": 8, "next_n": 2, "context_len": 8192, "block_kv": 64}
    raise ValueError(f"op must be {OP_RAGGED!r} or {OP_PAGED!r}, got {op!r}")


def _max_error(got, ref):
    """Largest |got - ref| / (atol + rtol |ref|) over finite refs (< 1 passes); inf on a mask mismatch."""
    got, ref = got.cpu().double(), ref.cpu().double()
    fin = torch.isfinite(ref)
    if not torch.equal(fin, torch.isfinite(got)) or not torch.equal(got[~fin], ref[~fin]):
        return float("inf")
    if not fin.any():
        return 0.0
    tol = tolerances.INDEXER_LOGITS
    err = (got[fin] - ref[fin]).abs() / (tol.atol + tol.rtol * ref[fin].abs())
    return float(err.max())


def _abs_error(got, ref):
    """Largest |got - ref| over the oracle's finite entries (what the manifest records)."""
    got, ref = got.cpu().double(), ref.cpu().double()
    fin = torch.isfinite(ref)
    return float((got[fin] - ref[fin]).abs().max()) if fin.any() else 0.0


def random_ragged(s_q, s_kv, h, d, *, dtype="fp8", seed=0, device="cpu"):
    """Random DeepSeek-like inputs: fp8 (or bf16) q/k, weights with q scale folded in, ranges with
    ks > 0, one empty row, causal-ish ends. Returns (q, k, k_scale, weights, row_start, row_end)."""
    g = torch.Generator().manual_seed(seed)
    qf = torch.randn(s_q, h, d, generator=g)
    kf = torch.randn(s_kv, d, generator=g)
    w = torch.randn(s_q, h, generator=g)
    if dtype == "fp8":
        q, qs = fp8.quantize_indexer_keys(qf)
        k, ks = fp8.quantize_indexer_keys(kf)
        w = w * qs
    else:
        q, k, ks = qf.bfloat16(), kf.bfloat16(), None
    start = torch.randint(0, max(s_kv // 3, 1), (s_q,), generator=g, dtype=torch.int32)
    end = torch.randint(0, s_kv + 1, (s_q,), generator=g, dtype=torch.int32).maximum(start)
    if s_q > 1:
        end[1] = start[1]  # an empty range
    if s_q > 2:
        start[2], end[2] = 0, s_kv
    dev = torch.device(device)
    return (q.to(dev), k.to(dev), None if ks is None else ks.to(dev), w.to(dev), start.to(dev), end.to(dev))


def random_paged(bsz, next_n, h, d, context_lens, block_kv=64, *, seed=0, device="cpu", extra_blocks=2):
    """Random paged inputs: a shuffled block_table, unused blocks and slots past each context
    filled with NaN bytes (0xFF is e4m3 NaN; its scale bytes read as fp32 NaN).
    Returns (q, kv_cache, weights, context_lens, block_table, max_context_len)."""
    g = torch.Generator().manual_seed(seed)
    ctx = torch.tensor(context_lens, dtype=torch.int32)
    max_ctx = int(ctx.max()) if bsz else 0
    per_seq = max(-(-max_ctx // block_kv), 1)
    nb = bsz * per_seq + extra_blocks
    kf = torch.randn(nb, block_kv, d, generator=g)
    k8, ks = fp8.quantize_indexer_keys(kf)
    cache = fp8.pack_indexer_cache(k8, ks)
    perm = torch.randperm(nb, generator=g).to(torch.int32)
    table = perm[: bsz * per_seq].reshape(bsz, per_seq).contiguous()
    used = torch.zeros(nb, block_kv, dtype=torch.bool)
    for b in range(bsz):
        for p in range(int(ctx[b])):
            used[int(table[b, p // block_kv]), p % block_kv] = True
    k8v, ksv = fp8.unpack_indexer_cache(cache)
    k8v = k8v.view(torch.uint8).clone()
    ksv = ksv.clone()
    k8v[~used] = 0xFF
    ksv[~used] = float("nan")
    cache = fp8.pack_indexer_cache(k8v.view(fp8.E4M3), ksv)
    # table entries past each context point at garbage (out-of-range) block ids
    for b in range(bsz):
        first_unused = -(-int(ctx[b]) // block_kv)
        table[b, first_unused:] = 2**30
    q, qs = fp8.quantize_indexer_keys(torch.randn(bsz, next_n, h, d, generator=g))
    w = torch.randn(bsz * next_n, h, generator=g) * qs.reshape(bsz * next_n, h)
    dev = torch.device(device)
    return q.to(dev), cache.to(dev), w.to(dev), ctx.to(dev), table.to(dev), max_ctx


def verify_ragged(module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on a small random instance with problem's heads/head_dim."""
    from dsagen.oracle.indexer import indexer_logits as oracle

    h, d = int(problem["heads"]), int(problem["head_dim"])
    small = device == "cpu"
    s_q = min(int(problem["s_q"]), 5 if small else 64)
    s_kv = min(int(problem["s_kv"]), 131 if small else 1000)
    args = random_ragged(s_q, s_kv, h, d, seed=7, device=device)
    out = torch.full((s_q, s_kv), float("nan"), device=device)
    module.launch(*args, out, clean=True)
    ref = oracle(*[a.cpu() for a in args])
    ratio = _max_error(out, ref)
    return {"max_error": _abs_error(out, ref) if ratio < float("inf") else ratio, "passed": ratio <= 1.0,
            "shapes": f"h{h}_d{d}_sq{s_q}_skv{s_kv}"}


def verify_paged(module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on a small random paged instance with problem's heads/head_dim/next_n."""
    from dsagen.oracle.indexer import indexer_logits_paged as oracle

    h, d, n = int(problem["heads"]), int(problem["head_dim"]), int(problem["next_n"])
    bkv = int(problem.get("block_kv", 64))
    small = device == "cpu"
    bsz = min(int(problem["batch"]), 2)
    cap = min(int(problem["context_len"]), 150 if small else 3000)
    ctx = [max(cap - 37 * b, n) for b in range(bsz)]
    q, cache, w, cl, bt, max_ctx = random_paged(bsz, n, h, d, ctx, bkv, seed=11, device=device)
    out = torch.full((bsz * n, max_ctx), float("nan"), device=device)
    module.launch(q, cache, w, cl, bt, out, max_context_len=max_ctx, clean=True)
    ref = oracle(q.cpu(), cache.cpu(), w.cpu(), cl.cpu(), bt.cpu(), max_ctx)
    ratio = _max_error(out, ref)
    return {"max_error": _abs_error(out, ref) if ratio < float("inf") else ratio, "passed": ratio <= 1.0,
            "shapes": f"h{h}_d{d}_b{bsz}_n{n}_ctx{max_ctx}"}


VERIFY = {OP_RAGGED: verify_ragged, OP_PAGED: verify_paged}
