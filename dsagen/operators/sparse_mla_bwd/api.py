"""Sparse MLA backward: dq, dkv and d(attn_sink) of sparse_mla_prefill's out
(templates/sparse_mla_bwd/triton.py; oracle: naive.py beside this file)."""

import torch

from dsagen.operators.sparse_mla_bwd.problem import OP
from dsagen.operators.sparse_mla_prefill.args import check_inputs, softmax_scale
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


def _check(q, out, dout, lse, d_v):
    s_q, h_q = q.shape[0], q.shape[1]
    for name, t in (("out", out), ("dout", dout)):
        if t.dtype != torch.bfloat16 or tuple(t.shape) != (s_q, h_q, d_v) or t.stride(-1) != 1:
            raise ValueError(f"{name} must be bfloat16 [{s_q}, {h_q}, {d_v}] with unit stride in its last dim, "
                             f"got {t.dtype} {tuple(t.shape)}")
    if lse.dtype != torch.float32 or tuple(lse.shape) != (s_q, h_q) or lse.stride(-1) != 1:
        raise ValueError(f"lse must be float32 [{s_q}, {h_q}] (the forward's), got {lse.dtype} {tuple(lse.shape)}")


def sparse_mla_bwd(q, kv, indices, out, dout, lse, sm_scale=None, d_v=512, attn_sink=None, topk_length=None, *,
                   deterministic=None):
    """Gradients of sparse_mla_prefill's `out` (FlashMLA's flash_mla_sparse_fwd semantics).

    q, kv, indices, sm_scale, d_v, attn_sink, topk_length: as given to the forward.
    out:   bf16 [s_q, h_q, 512], the forward's output; lse: fp32 [s_q, h_q], the forward's lse.
    dout:  bf16 [s_q, h_q, 512], the gradient of out.
    deterministic: True sums each KV row's gradient in a fixed order (no atomics; the same bits on
    every run, the logits computed twice); False adds with fp32 atomics; None (default) follows
    torch.are_deterministic_algorithms_enabled().
    Returns (dq bf16 [s_q, h_q, d_qk], dkv bf16 [s_kv, 1, d_qk], dsink fp32 [h_q] or None).
    Invalid indices (< 0, >= s_kv, past topk_length) contribute nothing; a repeated index adds once
    per occurrence; KV rows nobody selects get 0. lse and max_logits are taken as constants (the
    gradient flows through out only).
    """
    check_inputs(q, kv, indices, d_v, attn_sink, topk_length)
    _check(q, out, dout, lse, d_v)
    device = check_device(q=q, kv=kv, indices=indices, out=out, dout=dout, lse=lse, attn_sink=attn_sink,
                          topk_length=topk_length)
    if deterministic is None:
        deterministic = torch.are_deterministic_algorithms_enabled()
    s_q, h_q, d_qk = q.shape
    s_kv = kv.shape[0]
    sm_scale = softmax_scale(q, sm_scale)
    dq = torch.empty_like(q)
    delta = torch.empty((s_q, h_q), dtype=torch.float32, device=device)
    dkv = (torch.empty((s_kv, 1, d_qk), dtype=kv.dtype, device=device) if deterministic
           else torch.zeros((s_kv, 1, d_qk), dtype=torch.float32, device=device))
    problem = {"h_q": h_q, "d_qk": d_qk, "d_v": d_v, "topk": indices.shape[-1], "s_q": s_q, "s_kv": s_kv}
    dsink = torch.empty((h_q,), dtype=torch.float32, device=device) if attn_sink is not None else None
    mod = kernel_module(OP, device, problem)
    mod.launch(q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, sm_scale=float(sm_scale),
               deterministic=bool(deterministic), dsink=dsink)
    if not deterministic:
        dkv = dkv.to(kv.dtype)
    return dq, dkv, dsink
