"""Sparse MLA prefill over a bf16 latent KV (FlashMLA's flash_mla_sparse_fwd semantics)
(templates/sparse_mla_prefill/triton.py and tilelang.py; oracle: naive.py beside this file).

When q, kv or attn_sink requires grad the call goes through `SparseMLAPrefill` (autograd): the
forward kernel, then dsagen.operators.sparse_mla_bwd's kernels in backward. dsagen.compat's
flash_mla_sparse_fwd calls this function, so it is differentiable too; torch.ops.dsagen registers
the same backward with torch.library (dsagen/library.py).
"""

import torch

from dsagen.operators.sparse_mla_prefill.args import check_inputs, softmax_scale
from dsagen.operators.sparse_mla_prefill.problem import OP
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


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
    out, max_logits, lse: optional preallocated outputs (not with gradients).
    When q, kv or attn_sink requires grad (and grad mode is on), the call is recorded for autograd:
    backward runs dsagen.ops.sparse_mla_bwd (dq, dkv, d(attn_sink); out only: lse and max_logits
    are non-differentiable).
    Returns (out bf16 [s_q, h_q, 512], max_logits fp32 [s_q, h_q], lse fp32 [s_q, h_q]
    (natural log)); a query with no valid index gets out = 0, lse = +inf, max_logits = -inf.
    """
    check_inputs(q, kv, indices, d_v, attn_sink, topk_length)
    if _needs_grad(q, kv, attn_sink):
        if out is not None or max_logits is not None or lse is not None:
            raise ValueError("out, max_logits and lse cannot be preallocated when q, kv or attn_sink requires grad")
        return SparseMLAPrefill.apply(q, kv, indices, softmax_scale(q, sm_scale), d_v, attn_sink, topk_length)
    device = check_device(q=q, kv=kv, indices=indices, attn_sink=attn_sink, topk_length=topk_length,
                          out=out, max_logits=max_logits, lse=lse)
    s_q, h_q, d_qk = q.shape
    sm_scale = softmax_scale(q, sm_scale)
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


def _needs_grad(*tensors) -> bool:
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


class SparseMLAPrefill(torch.autograd.Function):
    """out differentiable in q, kv and attn_sink; max_logits and lse are marked non-differentiable."""

    @staticmethod
    def forward(ctx, q, kv, indices, sm_scale, d_v, attn_sink, topk_length):
        with torch.no_grad():
            out, max_logits, lse = sparse_mla_prefill(q, kv, indices, sm_scale, d_v, attn_sink, topk_length)
        ctx.save_for_backward(q, kv, indices, attn_sink, topk_length, out, lse)
        ctx.sm_scale, ctx.d_v = sm_scale, d_v
        ctx.mark_non_differentiable(max_logits, lse)
        return out, max_logits, lse

    @staticmethod
    def backward(ctx, dout, _dmax_logits, _dlse):
        from dsagen.operators.sparse_mla_bwd.api import sparse_mla_bwd

        q, kv, indices, attn_sink, topk_length, out, lse = ctx.saved_tensors
        dq, dkv, dsink = sparse_mla_bwd(q, kv, indices, out, dout.to(out.dtype).contiguous(), lse, ctx.sm_scale,
                                        ctx.d_v, attn_sink, topk_length)
        return dq, dkv, None, None, None, dsink, None
