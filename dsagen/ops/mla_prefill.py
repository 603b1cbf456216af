"""Sparse MLA prefill over a bf16 latent KV (FlashMLA's flash_mla_sparse_fwd semantics)
(templates/triton/sparse_mla_prefill.py; oracle: dsagen.oracle.sparse_mla.sparse_mla_prefill).
"""


import torch

from dsagen import tolerances
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

OP = "sparse_mla_prefill"
D_V = 512
D_QK_CHOICES = (576, 512)


def _check(q, kv, indices, d_v, attn_sink, topk_length):
    if q.dim() != 3 or q.shape[-1] not in D_QK_CHOICES or q.dtype != torch.bfloat16:
        raise ValueError(f"q must be bfloat16 [s_q, h_q, 576 or 512], got {q.dtype} {tuple(q.shape)}")
    if q.stride(-1) != 1:
        raise ValueError("q must have unit stride in its last dim")
    s_q, h_q, d_qk = q.shape
    if h_q < 1 or h_q > 128:
        raise ValueError(f"q: h_q must be in 1..128, got {h_q}")
    if d_v != D_V:
        raise ValueError(f"d_v must be {D_V} (the MLA latent), got {d_v}")
    if kv.dim() != 3 or kv.shape[1] != 1 or kv.shape[2] != d_qk or kv.dtype != q.dtype:
        raise ValueError(f"kv must be bfloat16 [s_kv, 1, {d_qk}], got {kv.dtype} {tuple(kv.shape)}")
    if kv.stride(-1) != 1:
        raise ValueError("kv must have unit stride in its last dim")
    if kv.shape[0] >= 2**31:
        raise ValueError("kv: s_kv must be below 2^31 (indices are int32)")
    if (indices.dtype != torch.int32 or indices.dim() != 3 or indices.shape[0] != s_q or indices.shape[1] != 1
            or indices.shape[2] < 1):
        raise ValueError(f"indices must be int32 [{s_q}, 1, topk], got {indices.dtype} {tuple(indices.shape)}")
    if indices.stride(-1) != 1:
        raise ValueError("indices must have unit stride in its last dim")
    if attn_sink is not None and (attn_sink.dtype != torch.float32 or attn_sink.shape != (h_q,)
                                  or not attn_sink.is_contiguous()):
        raise ValueError(f"attn_sink must be contiguous float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    if topk_length is not None and (topk_length.dtype != torch.int32 or topk_length.shape != (s_q,)
                                    or not topk_length.is_contiguous()):
        raise ValueError(f"topk_length must be contiguous int32 [{s_q}], got {topk_length.dtype} "
                         f"{tuple(topk_length.shape)}")


def _check_out(name, t, shape, dtype):
    if t.shape != shape or t.dtype != dtype:
        raise ValueError(f"{name} must be {dtype} {list(shape)}, got {t.dtype} {tuple(t.shape)}")
    if name == "out" and t.stride(-1) != 1:
        raise ValueError("out must have unit stride in its last dim")


def sparse_mla_prefill(q, kv, indices, sm_scale=None, d_v=512, attn_sink=None, topk_length=None, *,
                       out=None, max_logits=None, lse=None):
    """Sparse MLA prefill (FlashMLA's `flash_mla_sparse_fwd`).

    q:           bf16 [s_q, h_q, d_qk], d_qk 576 (latent 512 + RoPE 64) or 512; h_q 1..128.
    kv:          bf16 [s_kv, 1, d_qk]: one latent row per token, shared by all heads.
    indices:     int32 [s_q, 1, topk]: the kv rows each query attends to; < 0 or >= s_kv is skipped;
                 a repeated index counts once per occurrence.
    sm_scale:    softmax scale; default d_qk ** -0.5.
    d_v:         512 (the value is the first 512 columns of the row).
    attn_sink:   fp32 [h_q] or None: out *= exp(lse) / (exp(lse) + exp(sink)); lse unchanged.
    topk_length: int32 [s_q] or None: only the first topk_length[t] indices of query t count.
    out, max_logits, lse: optional preallocated outputs.
    Returns (out bf16 [s_q, h_q, 512], max_logits fp32 [s_q, h_q], lse fp32 [s_q, h_q]
    (natural log)); a query with no valid index gets out = 0, lse = +inf, max_logits = -inf.
    """
    _check(q, kv, indices, d_v, attn_sink, topk_length)
    device = check_device(q=q, kv=kv, indices=indices, attn_sink=attn_sink, topk_length=topk_length,
                          out=out, max_logits=max_logits, lse=lse)
    s_q, h_q, d_qk = q.shape
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    if out is None:
        out = torch.empty((s_q, h_q, d_v), dtype=q.dtype, device=device)
    else:
        _check_out("out", out, (s_q, h_q, d_v), q.dtype)
    if max_logits is None:
        max_logits = torch.empty((s_q, h_q), dtype=torch.float32, device=device)
    else:
        _check_out("max_logits", max_logits, (s_q, h_q), torch.float32)
    if lse is None:
        lse = torch.empty((s_q, h_q), dtype=torch.float32, device=device)
    else:
        _check_out("lse", lse, (s_q, h_q), torch.float32)
    problem = {"h_q": h_q, "d_qk": d_qk, "d_v": d_v, "topk": indices.shape[-1], "s_q": s_q, "s_kv": kv.shape[0]}
    mod = kernel_module(OP, device, problem)
    mod.launch(q, kv, indices, topk_length, attn_sink, out, max_logits, lse, sm_scale=float(sm_scale))
    return out, max_logits, lse


# ---- tuner hooks ----------------------------------------------------------------------------

def example_problem(op: str = OP) -> dict:
    """DeepSeek-V3.2 prefill at TP 1: 128 heads, top-2048, d_qk 576."""
    if op != OP:
        raise ValueError(f"op must be {OP!r}, got {op!r}")
    return {"h_q": 128, "d_qk": 576, "d_v": D_V, "topk": 2048, "s_q": 4096, "s_kv": 8192}


def random_instance(h_q, d_qk, topk, s_q, s_kv, device="cpu", *, seed=0, nan_unused=True):
    """Random q, kv, indices (in range). kv rows no query selects are NaN when nan_unused."""
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(s_q, h_q, d_qk, generator=g).to(torch.bfloat16)
    kv = torch.randn(s_kv, 1, d_qk, generator=g).to(torch.bfloat16)
    indices = torch.randint(0, s_kv, (s_q, 1, topk), generator=g, dtype=torch.int32)
    if nan_unused:
        used = torch.zeros(s_kv, dtype=torch.bool)
        used[indices.flatten().long()] = True
        kv[~used] = float("nan")
    return q.to(device), kv.to(device), indices.to(device)


def compare(out, max_logits, lse, ref_out, ref_max, ref_lse) -> tuple[float, bool]:
    """(max abs error, within tolerances) of kernel outputs against the oracle's (inf must match)."""
    o, m, l = out.float().cpu(), max_logits.cpu(), lse.cpu()
    ok = bool(torch.isclose(o, ref_out, atol=tolerances.MLA_OUT.atol, rtol=tolerances.MLA_OUT.rtol).all())
    ok &= tolerances.cosine_diff(o, ref_out) <= tolerances.MLA_OUT_COSINE_DIFF
    ok &= bool(torch.isclose(l, ref_lse, atol=tolerances.MLA_LSE.atol, rtol=tolerances.MLA_LSE.rtol).all())
    ok &= bool(torch.isclose(m, ref_max, atol=tolerances.MLA_LSE.atol, rtol=tolerances.MLA_LSE.rtol).all())
    err = float((o - ref_out).abs().max())
    fin = torch.isfinite(ref_lse)
    if fin.any():
        err = max(err, float((l - ref_lse)[fin].abs().max()), float((m - ref_max)[fin].abs().max()))
    return err, ok


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on a small random instance shaped like `problem` (same heads and dims,
    few tokens and a short top-k on the CPU) and compare with the oracle."""
    from dsagen.oracle.sparse_mla import sparse_mla_prefill as oracle

    dev = torch.device(device)
    small = dev.type == "cpu"
    h_q, d_qk, d_v = problem["h_q"], problem["d_qk"], problem["d_v"]
    topk = min(problem["topk"], 40 if small else problem["topk"])
    s_q = min(problem["s_q"], 2 if small else 64)
    s_kv = min(problem["s_kv"], 200 if small else problem["s_kv"])
    q, kv, idx = random_instance(h_q, d_qk, topk, s_q, s_kv, dev)
    idx[:, 0, -1] = -1  # one invalid index per query
    out = torch.full((s_q, h_q, d_v), float("nan"), dtype=q.dtype, device=dev)
    ml = torch.full((s_q, h_q), float("nan"), dtype=torch.float32, device=dev)
    lse = torch.full((s_q, h_q), float("nan"), dtype=torch.float32, device=dev)
    sm_scale = d_qk ** -0.5
    module.launch(q, kv, idx, None, None, out, ml, lse, sm_scale=sm_scale)
    ref = oracle(q.cpu(), kv.cpu(), idx.cpu(), sm_scale, d_v)
    err, ok = compare(out, ml, lse, *ref)
    return {"max_error": err, "passed": ok, "shapes": f"h{h_q}_d{d_qk}_sq{s_q}_skv{s_kv}_topk{topk}"}


VERIFY = {OP: verify}

