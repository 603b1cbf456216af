"""DeepSeek-V4's KV compressor (templates/kv_compress/triton.py; oracle: naive.py)."""

import torch

from dsagen.operators.kv_compress.problem import OP
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

FLOATS = (torch.bfloat16, torch.float16, torch.float32)


def _float(name, t, shape=None, dim=None):
    if not isinstance(t, torch.Tensor) or t.dtype not in FLOATS:
        raise ValueError(f"{name} must be a bfloat16, float16 or float32 tensor, got "
                         f"{getattr(t, 'dtype', type(t).__name__)}")
    if dim is not None and t.dim() != dim:
        raise ValueError(f"{name} must be {dim}-D, got {t.dim()}-D {tuple(t.shape)}")
    if shape is not None and tuple(t.shape) != tuple(shape):
        raise ValueError(f"{name} must be {list(shape)}, got {list(t.shape)}")
    if t.numel() and t.stride(-1) != 1:
        raise ValueError(f"{name} must have unit stride in its last dim, got strides {t.stride()}")
    return t


def _rows(name, t, e):
    if not isinstance(t, torch.Tensor) or t.dtype not in (torch.int32, torch.int64) or t.dim() != 1:
        raise ValueError(f"{name} must be an int32 or int64 tensor [E], got "
                         f"{getattr(t, 'dtype', type(t).__name__)} {tuple(getattr(t, 'shape', ()))}")
    if e is not None and t.shape[0] != e:
        raise ValueError(f"{name} must be [{e}] (one per entry, like group_rows), got {tuple(t.shape)}")
    return t.to(torch.int32).contiguous()


def kv_compress(kv, score, ape, weight, group_rows, prev_rows=None, *, ratio, eps=1e-6, out=None):
    """Compressed KV entries of DeepSeek-V4's CSA / HCA layers (and GLM-5.3-Flash's pooled indexer
    keys): per-channel softmax-gated pooling of groups of `ratio` projected token rows (plus the
    learned position embedding), then RMSNorm.

    kv, score:  [N, c * D] projected rows (kv = x W_kv, score = x W_gate; bf16, fp16 or fp32). With
                prev_rows (CSA's overlapping compressor) c = 2: entry g pools the previous group's
                first-half channels and its own second-half channels; without, c = 1 (HCA).
    ape:        [ratio, c * D] the position embedding added to score by position inside the group.
    weight:     [D] the RMSNorm weight, or None: no norm (GLM-5.3-Flash's key pooling).
    group_rows: int [E]: row of entry e's first token; its group is rows g .. g + ratio - 1. A
                negative row skips the entry (its out row is left as it was): a decode step keeps
                one entry per sequence and marks those where no group completed.
    prev_rows:  int [E] or None: row of the previous group's first token (overlap); negative:
                none (a sequence's first group: those slots weigh 0).
    ratio:      tokens per group (4 for CSA, 128 for HCA). eps: RMSNorm epsilon (rms_norm_eps).
    out:        optional [E, D] (bf16, fp16 or fp32, unit column stride), written in place.

    A group that would run past row N - 1 is never read; its entry is NaN. RoPE (the entry's last
    64 channels, at position g * ratio) and the FP8 cache format are applied after this, by
    dsagen.layers.compressor with the functions that rotate q. Returns out (default kv.dtype).
    """
    _float("kv", kv, dim=2)
    overlap = prev_rows is not None
    if overlap and kv.shape[1] % 2:
        raise ValueError(f"kv must be [N, 2 D] with prev_rows (overlapping groups), got {list(kv.shape)}")
    d = kv.shape[1] // (2 if overlap else 1)
    if weight is not None:
        _float("weight", weight, shape=(d,))
    _float("score", score, shape=kv.shape)
    if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 1:
        raise ValueError(f"ratio must be a positive int, got {ratio!r}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(f"eps must be a positive float, got {eps!r}")
    _float("ape", ape, shape=(ratio, kv.shape[1]))
    g_rows = _rows("group_rows", group_rows, None)
    e = g_rows.shape[0]
    p_rows = _rows("prev_rows", prev_rows, e) if overlap else None
    if kv.shape[0] >= 2**31:
        raise ValueError(f"kv: {kv.shape[0]} rows (rows index with int32)")
    device = check_device(kv=kv, score=score, ape=ape, weight=weight, group_rows=group_rows,
                          prev_rows=prev_rows, out=out)
    if out is None:
        out = torch.empty(e, d, dtype=kv.dtype, device=device)
    else:
        _float("out", out, shape=(e, d))
    if e == 0:
        return out
    problem = {"d": d, "ratio": ratio, "overlap": int(overlap), "norm": int(weight is not None), "entries": e}
    mod = kernel_module(OP, device, problem)
    mod.launch(kv, score, ape.contiguous(), None if weight is None else weight.contiguous(), g_rows, p_rows, out,
               ratio=ratio, eps=float(eps))
    return out
