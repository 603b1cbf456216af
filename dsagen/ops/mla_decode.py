"""Sparse MLA decode over a paged latent cache, bf16 or FlashMLA's 656-byte FP8 layout
(templates/triton/sparse_mla_decode.py; oracle: dsagen.oracle.sparse_mla.sparse_mla_decode).
"""


import torch

from dsagen import tolerances
from dsagen.oracle import fp8 as fp8_layout
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

OP = "sparse_mla_decode"
D_QK = 576
D_V = 512


def _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8):
    if q.dim() != 4 or q.shape[-1] != D_QK or q.dtype not in (torch.bfloat16, torch.float16):
        raise ValueError(f"q must be bfloat16 [batch, s_q, h_q, {D_QK}], got {q.dtype} {tuple(q.shape)}")
    if q.stride(-1) != 1:
        raise ValueError("q must have unit stride in its last dim")
    b, s_q, h_q, _ = q.shape
    if h_q < 1 or h_q > 128:
        raise ValueError(f"q: h_q must be in 1..128, got {h_q}")
    if d_v != D_V:
        raise ValueError(f"d_v must be {D_V} (the MLA latent), got {d_v}")
    if k_cache.dim() != 4 or k_cache.shape[2] != 1:
        raise ValueError(f"k_cache must be [num_blocks, page_block_size, 1, row], got {tuple(k_cache.shape)}")
    if is_fp8:
        if k_cache.dtype != torch.uint8 or k_cache.shape[-1] != fp8_layout.MLA_FP8_BYTES:
            raise ValueError(f"k_cache: an FP8 cache must be uint8 [num_blocks, page, 1, {fp8_layout.MLA_FP8_BYTES}], "
                             f"got {k_cache.dtype} {tuple(k_cache.shape)}")
        if any(s % 4 for s in (k_cache.stride(0), k_cache.stride(1))) or k_cache.data_ptr() % 4:
            raise ValueError("k_cache: FP8 rows must start on 4-byte boundaries (block and token strides multiples of 4)")
    elif k_cache.dtype != torch.bfloat16 or k_cache.shape[-1] != D_QK:
        raise ValueError(f"k_cache: a bf16 cache must be bfloat16 [num_blocks, page, 1, {D_QK}], "
                         f"got {k_cache.dtype} {tuple(k_cache.shape)}")
    if k_cache.stride(-1) != 1:
        raise ValueError("k_cache must have unit stride in its last dim")
    if k_cache.shape[0] * k_cache.shape[1] >= 2**31:
        raise ValueError("k_cache holds 2^31 slots or more: slot indices are int32")
    if indices.dtype != torch.int32 or indices.dim() != 3 or indices.shape[:2] != (b, s_q) or indices.shape[2] < 1:
        raise ValueError(f"indices must be int32 [{b}, {s_q}, topk], got {indices.dtype} {tuple(indices.shape)}")
    if indices.stride(-1) != 1:
        raise ValueError("indices must have unit stride in its last dim")
    if attn_sink is not None and (attn_sink.dtype != torch.float32 or attn_sink.shape != (h_q,)
                                  or not attn_sink.is_contiguous()):
        raise ValueError(f"attn_sink must be contiguous float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    if topk_length is not None and (topk_length.dtype != torch.int32 or topk_length.shape != (b,)
                                    or not topk_length.is_contiguous()):
        raise ValueError(f"topk_length must be contiguous int32 [{b}], got {topk_length.dtype} {tuple(topk_length.shape)}")


def sparse_mla_decode(q, k_cache, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None, *,
                      is_fp8=None, num_splits=None, out=None, lse=None):
    """Sparse MLA decode (FlashMLA's sparse `flash_mla_with_kvcache`).

    q:           bf16 [batch, s_q, h_q, 576] (absorbed MLA queries: latent 512 + RoPE 64), h_q 1..128.
    k_cache:     bf16 [num_blocks, page_block_size, 1, 576], or uint8 [num_blocks, page, 1, 656] for
                 FlashMLA's FP8 layout (512 e4m3 + 4 fp32 scales per 128 + 64 bf16 RoPE).
    indices:     int32 [batch, s_q, topk]: flat slots block * page_block_size + offset (block_table
                 already applied); < 0 or >= num_blocks * page_block_size is skipped.
    sm_scale:    softmax scale; default 576 ** -0.5 (1 / sqrt(head_dim of q)).
    d_v:         512 (the value is the latent part of the row).
    attn_sink:   fp32 [h_q] or None: out *= exp(lse) / (exp(lse) + exp(sink)); lse unchanged.
    topk_length: int32 [batch] or None: only the first topk_length[b] indices of batch b count.
    is_fp8:      None infers it from k_cache's dtype (uint8, or float8_e4m3fn with 656-byte rows = FP8).
    num_splits:  splits of the top-k across programs (None: chosen from batch * s_q and the GPU).
    out, lse:    optional preallocated outputs.
    Returns (out [batch, s_q, h_q, 512] in q's dtype, lse fp32 [batch, h_q, s_q]); a query with no
    valid index gets out = 0 and lse = +inf.
    """
    if k_cache.dtype == fp8_layout.E4M3 and k_cache.shape[-1] == fp8_layout.MLA_FP8_BYTES:
        k_cache = k_cache.view(torch.uint8)  # the 656-byte rows typed as e4m3 (as FlashMLA's tests do)
    if is_fp8 is None:
        is_fp8 = k_cache.dtype == torch.uint8
    _check(q, k_cache, indices, d_v, attn_sink, topk_length, is_fp8)
    device = check_device(q=q, k_cache=k_cache, indices=indices, attn_sink=attn_sink, topk_length=topk_length,
                          out=out, lse=lse)
    if num_splits is not None and (not isinstance(num_splits, int) or num_splits < 1):
        raise ValueError(f"num_splits must be a positive int or None, got {num_splits!r}")
    b, s_q, h_q, _ = q.shape
    if sm_scale is None:
        sm_scale = D_QK ** -0.5
    if out is None:
        out = torch.empty((b, s_q, h_q, d_v), dtype=q.dtype, device=device)
    elif out.shape != (b, s_q, h_q, d_v) or out.dtype != q.dtype or out.stride(-1) != 1:
        raise ValueError(f"out must be {q.dtype} [{b}, {s_q}, {h_q}, {d_v}] with unit last stride, "
                         f"got {out.dtype} {tuple(out.shape)}")
    if lse is None:
        lse = torch.empty((b, h_q, s_q), dtype=torch.float32, device=device)
    elif lse.shape != (b, h_q, s_q) or lse.dtype != torch.float32:
        raise ValueError(f"lse must be float32 [{b}, {h_q}, {s_q}], got {lse.dtype} {tuple(lse.shape)}")
    problem = {"h_q": h_q, "d_qk": D_QK, "d_v": d_v, "topk": indices.shape[-1], "batch": b, "s_q": s_q,
               "kv_format": "fp8" if is_fp8 else "bf16", "page_block_size": k_cache.shape[1]}
    mod = kernel_module(OP, device, problem)
    mod.launch(q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=float(sm_scale), is_fp8=bool(is_fp8),
               num_splits=num_splits)
    return out, lse


# ---- tuner hooks ----------------------------------------------------------------------------

def example_problem(op: str = OP) -> dict:
    """DeepSeek-V3.2 decode at TP 1: 128 heads, top-2048, FP8 cache, next_n 2."""
    if op != OP:
        raise ValueError(f"op must be {OP!r}, got {op!r}")
    return {"h_q": 128, "d_qk": D_QK, "d_v": D_V, "topk": 2048, "batch": 64, "s_q": 2, "kv_format": "fp8",
            "page_block_size": 64}


def random_instance(problem: dict, device="cpu", *, seed=0, topk=None, batch=None, s_q=None, num_blocks=None,
                    nan_fill=True):
    """A random cache (only the selected slots written, the rest NaN bytes) with indices into it.

    Returns dict(q, k_cache, indices, kv) where kv is the bf16 [num_blocks, page, 1, 576] data the
    cache was written from (FP8: before quantisation)."""
    g = torch.Generator().manual_seed(seed)
    h_q = problem["h_q"]
    page = problem.get("page_block_size", 64)
    b = batch if batch is not None else problem["batch"]
    sq = s_q if s_q is not None else problem["s_q"]
    k = topk if topk is not None else problem["topk"]
    nb = num_blocks if num_blocks is not None else max(2, -(-2 * k // page))
    fp8 = problem.get("kv_format", "bf16") == "fp8"
    slots = nb * page
    q = torch.randn(b, sq, h_q, D_QK, generator=g).to(torch.bfloat16)
    indices = torch.randint(0, slots, (b, sq, k), generator=g, dtype=torch.int32)
    used = torch.zeros(slots, dtype=torch.bool)
    used[indices.flatten().long()] = True
    kv = torch.randn(nb, page, 1, D_QK, generator=g).to(torch.bfloat16)
    if fp8:
        cache = fp8_layout.pack_mla_fp8_cache(kv)
        fill = torch.full_like(cache, 0xFF)  # e4m3 NaN, fp32 NaN scales, bf16 NaN rope
    else:
        cache = kv.clone()
        fill = torch.full_like(cache, float("nan"))
    if nan_fill:
        cache = torch.where(used.view(nb, page, 1, 1), cache, fill)
    return {"q": q.to(device), "k_cache": cache.to(device), "indices": indices.to(device), "kv": kv}


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on a small random instance shaped like `problem` (same heads, dims and
    cache format, short top-k) and compare with the oracle."""
    from dsagen.oracle.sparse_mla import sparse_mla_decode as oracle

    dev = torch.device(device)
    small = device == "cpu"
    inst = random_instance(problem, dev, topk=min(problem["topk"], 64 if small else problem["topk"]),
                           batch=min(problem["batch"], 2 if small else problem["batch"]),
                           s_q=min(problem["s_q"], 2))
    q, cache, idx = inst["q"], inst["k_cache"], inst["indices"]
    idx[..., -1] = -1  # one invalid slot per query
    b, s_q, h_q, _ = q.shape
    fp8 = problem.get("kv_format", "bf16") == "fp8"
    out = torch.full((b, s_q, h_q, D_V), float("nan"), dtype=q.dtype, device=dev)
    lse = torch.full((b, h_q, s_q), float("nan"), dtype=torch.float32, device=dev)
    sm_scale = D_QK ** -0.5
    max_err = 0.0
    passed = True
    for splits in (1, 3):
        out.fill_(float("nan"))
        lse.fill_(float("nan"))
        module.launch(q, cache, idx, None, None, out, lse, sm_scale=sm_scale, is_fp8=fp8, num_splits=splits)
        ref_out, ref_lse = oracle(q.cpu(), cache.cpu(), idx.cpu(), sm_scale)
        o, l = out.float().cpu(), lse.cpu()
        max_err = max(max_err, float((o - ref_out).abs().max()), float((l - ref_lse).abs().max()))
        passed &= bool(torch.isclose(o, ref_out, atol=tolerances.MLA_OUT.atol, rtol=tolerances.MLA_OUT.rtol).all())
        passed &= bool(torch.isclose(l, ref_lse, atol=tolerances.MLA_LSE.atol, rtol=tolerances.MLA_LSE.rtol).all())
        passed &= tolerances.cosine_diff(o, ref_out) <= tolerances.MLA_OUT_COSINE_DIFF
    return {"max_error": max_err, "passed": passed,
            "shapes": f"b{b}_sq{s_q}_h{h_q}_topk{idx.shape[-1]}_{problem.get('kv_format', 'bf16')}"}


VERIFY = {OP: verify}

