"""Sparse MLA prefill over a bf16 latent KV (FlashMLA's flash_mla_sparse_fwd semantics)
(templates/sparse_mla_prefill/triton.py and tilelang.py; oracle: naive.py beside this file).
"""

import torch

from dsagen.operators.sparse_mla_prefill.problem import D_QK_CHOICES, D_V, OP
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


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
