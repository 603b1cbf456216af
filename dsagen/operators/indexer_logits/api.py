"""Ragged lightning-indexer logits (prefill): DeepGEMM fp8_mqa_logits semantics, any head count.

Template: templates/indexer_logits/triton.py (and tilelang.py); oracle: naive.py beside this file.
"""

import torch

from dsagen.operators.argcheck import desc, float_out, int_vector
from dsagen.operators.indexer_logits.problem import HEAD_DIMS, OP
from dsagen.oracle import fp8
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


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
        raise ValueError(f"q must be float8_e4m3fn or bfloat16 [s_q, heads, head_dim], got {desc(q)}")
    s_q, h, d = q.shape
    if h < 1:
        raise ValueError(f"q: heads must be >= 1, got {h}")
    if d not in HEAD_DIMS or q.stride(2) != 1:
        raise ValueError(f"q: head_dim must be one of {HEAD_DIMS} with unit stride, got {d}")
    if not isinstance(k, torch.Tensor) or k.dtype != q.dtype or k.dim() != 2 or k.shape[1] != d \
            or (k.shape[0] > 0 and k.stride(1) != 1):
        raise ValueError(f"k must be {q.dtype} [s_kv, {d}] with unit last stride, got {desc(k)}")
    s_kv = k.shape[0]
    if q.dtype == fp8.E4M3:
        if not isinstance(k_scale, torch.Tensor) or k_scale.dtype != torch.float32 or k_scale.shape != (s_kv,):
            raise ValueError(f"k_scale must be float32 [{s_kv}] for fp8 keys, got {desc(k_scale)}")
        k_scale = k_scale.contiguous()
    elif k_scale is not None:
        raise ValueError(f"k_scale must be None for bf16 keys, got {desc(k_scale)}")
    if not isinstance(weights, torch.Tensor) or weights.dtype != torch.float32 or weights.shape != (s_q, h):
        raise ValueError(f"weights must be float32 [{s_q}, {h}], got {desc(weights)}")
    weights = weights if weights.stride(1) == 1 else weights.contiguous()
    s_kv = k.shape[0]
    row_start = int_vector("row_start", row_start, s_q, 0, s_kv)
    row_end = int_vector("row_end", row_end, s_q, 0, s_kv)
    device = check_device(q=q, k=k, k_scale=k_scale, weights=weights, row_start=row_start, row_end=row_end,
                          out=out)
    if max(s_q, s_kv) >= 2**31:
        raise ValueError(f"q/k: s_q {s_q} and s_kv {s_kv} must be below 2^31")
    out = float_out(out, (s_q, s_kv), device)
    if s_q == 0 or s_kv == 0:
        return out
    mod = kernel_module(OP, device, {"heads": h, "head_dim": d, "s_q": s_q, "s_kv": s_kv})
    mod.launch(q, k, k_scale, weights, row_start, row_end, out, clean=clean)
    return out
