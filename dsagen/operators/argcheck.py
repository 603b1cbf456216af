"""Argument checks the operators' APIs share: one ValueError naming the argument."""

import torch


def desc(t) -> str:
    return f"{getattr(t, 'dtype', type(t).__name__)} {tuple(getattr(t, 'shape', ()))}"


def float_out(out, shape, device):
    """A float32 output of `shape` with unit column stride: `out` checked, or a new one."""
    if out is None:
        return torch.empty(shape, dtype=torch.float32, device=device)
    if (not isinstance(out, torch.Tensor) or out.dtype != torch.float32 or tuple(out.shape) != tuple(shape)
            or (shape[1] > 1 and out.stride(1) != 1)):
        raise ValueError(f"out must be float32 {list(shape)} with unit column stride, got {desc(out)}")
    return out


def int_vector(name, t, n, lo, hi):
    """An int32/int64 [n] tensor as contiguous int32, clamped to [lo, hi] first: every value outside
    means the same as the bound (a range end past the row, a context longer than the output), and
    an int64 beyond int32 must not wrap around."""
    if not isinstance(t, torch.Tensor) or t.dtype not in (torch.int32, torch.int64) or t.dim() != 1 \
            or t.shape[0] != n:
        raise ValueError(f"{name} must be an int32 tensor [{n}], got {desc(t)}")
    return t.clamp(lo, hi).to(torch.int32).contiguous()
