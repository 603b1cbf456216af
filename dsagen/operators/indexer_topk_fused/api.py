"""Fused streaming lightning indexer + top-k for prefill (templates/indexer_topk_fused/triton.py).

Same result as `topk_indices(indexer_logits(...), k, row_start, row_end)`, without the fp32
[s_q, s_kv] logits: persistent programs each keep a bounded candidate scratch (about 50 KB at
k = 2048, the top-k filter scheme's) instead of s_kv * 4 bytes per query row (512 KiB at
s_kv = 128K).
"""

import torch

from dsagen.operators.indexer_topk_fused.problem import OP
from dsagen.oracle import fp8
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device


def _check(q, k, k_scale, weights, row_start, row_end, topk):
    if q.dtype != fp8.E4M3 or q.dim() != 3:
        raise ValueError(f"q must be float8_e4m3fn [s_q, heads, head_dim], got {q.dtype} {tuple(q.shape)}")
    s_q, h, d = q.shape
    if d not in (32, 64, 128, 256) or q.stride(2) != 1:
        raise ValueError(f"q: head_dim must be 32, 64, 128 or 256 with unit stride, got {d}")
    if k.dtype != fp8.E4M3 or k.dim() != 2 or k.shape[1] != d or k.stride(1) != 1:
        raise ValueError(f"k must be float8_e4m3fn [s_kv, {d}] with unit last stride, got {k.dtype} {tuple(k.shape)}")
    if k_scale.dtype != torch.float32 or k_scale.shape != (k.shape[0],) or not k_scale.is_contiguous():
        raise ValueError(f"k_scale must be contiguous float32 [{k.shape[0]}], got {k_scale.dtype} {tuple(k_scale.shape)}")
    if weights.dtype != torch.float32 or weights.shape != (s_q, h) or weights.stride(1) != 1:
        raise ValueError(f"weights must be float32 [{s_q}, {h}], got {weights.dtype} {tuple(weights.shape)}")
    for name, t in (("row_start", row_start), ("row_end", row_end)):
        if t.dtype != torch.int32 or t.shape != (s_q,) or not t.is_contiguous():
            raise ValueError(f"{name} must be contiguous int32 [{s_q}], got {t.dtype} {tuple(t.shape)}")
    if not isinstance(topk, int) or topk <= 0:
        raise ValueError(f"topk must be a positive int, got {topk!r}")
    if topk > 8192:
        raise ValueError(f"topk {topk} > 8192: the candidate scratch would not stay cache-resident; use indexer_logits + topk_indices")


def indexer_topk_fused(q, k, k_scale, weights, row_start, row_end, topk, *, out=None):
    """Columns of the `topk` largest indexer logits in [row_start[i], row_end[i]) of each query.

    q e4m3 [s_q, H, D] (q scale folded into weights), k e4m3 [s_kv, D], k_scale fp32 [s_kv],
    weights fp32 [s_q, H], row_start/row_end int32 [s_q] (clamped to [0, s_kv]).
    Returns int32 [s_q, topk]: the columns in no particular order (as topk_indices), -1 padded where
    the range is shorter than topk; among equal logits the lowest columns win.
    logit[i, j] = sum_h relu(q[i, h] . k[j]) * weights[i, h] * k_scale[j].
    """
    _check(q, k, k_scale, weights, row_start, row_end, topk)
    device = check_device(q=q, k=k, k_scale=k_scale, weights=weights, row_start=row_start, row_end=row_end, out=out)
    s_q, h, d = q.shape
    if out is None:
        out = torch.empty(s_q, topk, dtype=torch.int32, device=device)
    elif out.dtype != torch.int32 or out.shape != (s_q, topk) or out.stride(1) != 1:
        raise ValueError(f"out must be int32 [{s_q}, {topk}], got {out.dtype} {tuple(out.shape)}")
    s_kv = k.shape[0]
    start = row_start.clamp(0, s_kv).contiguous()
    end = torch.maximum(row_end.clamp(0, s_kv), start).contiguous()
    problem = {"heads": h, "head_dim": d, "k": topk, "s_q": s_q, "s_kv": s_kv}
    mod = kernel_module(OP, device, problem)
    mod.launch(q, k, k_scale, weights, start, end, out, topk=topk)
    return out


def scratch_bytes(s_q: int, topk: int, device=torch.device("cpu"), num_sms: int | None = None) -> int:
    """Device memory the fused op needs besides its inputs and its int32 [s_q, topk] output: the
    persistent programs' scratch (num_sms: size it for a GPU with that many SMs instead of device)."""
    device = torch.device(device)
    mod = kernel_module(OP, device, {"k": topk})
    programs = mod.programs(s_q, device) if num_sms is None else max(1, min(s_q, mod.PROGRAMS_PER_SM * num_sms))
    return programs * mod.scratch_words(topk) * 4
