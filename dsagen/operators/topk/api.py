"""Top-k selector over row ranges (templates/topk/triton.py and tilelang.py; oracle: naive.py)."""

import torch

from dsagen.operators.topk.problem import OP
from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

# fp32 is DeepSeek's indexer output; bf16 is what DeepSelect and vLLM's top-k tests feed.
LOGITS_DTYPES = (torch.float32, torch.bfloat16, torch.float16)


def _range_arg(name, t, rows, n, device):
    if t is None:
        return None
    if not isinstance(t, torch.Tensor) or t.dtype not in (torch.int32, torch.int64):
        raise ValueError(f"{name} must be an int32 or int64 tensor [{rows}], got "
                         f"{getattr(t, 'dtype', type(t).__name__)}")
    if t.dim() != 1 or t.shape[0] != rows:
        raise ValueError(f"{name} must be [{rows}] (one entry per row of logits), got {tuple(t.shape)}")
    if t.device != device:
        raise ValueError(f"{name} is on {t.device} but logits is on {device}")
    return t


def topk_indices(logits, k, row_starts=None, row_ends=None, *, out=None):
    """Columns of the k largest logits of each row range.

    logits:     float32, bfloat16 or float16 [rows, n] (unit column stride not required: copied
                if needed). bf16/fp16 values are widened to fp32 exactly inside the kernel.
    k:          positive int (runtime; 2048 in DeepSeek-V3.2).
    row_starts: int32/int64 [rows] or None (0): first column of each row's range.
    row_ends:   int32/int64 [rows] or None (n): one past the last column. Ranges are clamped
                to [0, n]; start >= end is an empty range.
    out:        optional int32 [rows, k] with unit column stride, written in place.

    Every column in range is a candidate whatever its value (-inf included). NaN ranks below
    -inf; -0.0 equals +0.0. Returns int32 [rows, k]: the min(k, range length) selected
    absolute columns first, no repeats, in an unspecified order (see templates/topk/triton.py:
    many rows take the lowest columns among ties at the k-th value and write them last; few
    long rows run a split variant whose order depends on timing), then -1. Ties at the k-th
    value: any of them is a correct choice, so compare selections by value.
    """
    if not isinstance(logits, torch.Tensor) or logits.dtype not in LOGITS_DTYPES:
        raise ValueError(f"logits must be a float32, bfloat16 or float16 tensor, got "
                         f"{getattr(logits, 'dtype', type(logits).__name__)}")
    if logits.dim() != 2:
        raise ValueError(f"logits must be 2-D [rows, n], got {logits.dim()}-D {tuple(logits.shape)}")
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    rows, n = logits.shape
    if n >= 2**31 - 1 or k >= 2**31 - 1:
        raise ValueError(f"logits: row length {n} and k {k} must be below 2^31 - 1 (int32 columns)")
    device = check_device(logits=logits, out=out)
    starts = _range_arg("row_starts", row_starts, rows, n, device)
    ends = _range_arg("row_ends", row_ends, rows, n, device)
    if out is None:
        out = torch.empty(rows, k, dtype=torch.int32, device=device)
    elif (not isinstance(out, torch.Tensor) or out.dtype != torch.int32 or tuple(out.shape) != (rows, k)
          or (rows > 0 and k > 1 and out.stride(1) != 1)):
        raise ValueError(f"out must be int32 [{rows}, {k}] with unit column stride, got "
                         f"{getattr(out, 'dtype', None)} {tuple(getattr(out, 'shape', ()))}")
    if rows == 0:
        return out
    starts = (torch.zeros(rows, dtype=torch.int32, device=device) if starts is None
              else starts.clamp(0, n).to(torch.int32).contiguous())
    ends = (torch.full((rows,), n, dtype=torch.int32, device=device) if ends is None
            else ends.clamp(0, n).to(torch.int32).contiguous())
    x = logits if (n <= 1 or logits.stride(1) == 1) else logits.contiguous()
    mod = kernel_module(OP, device, {"k": k, "rows": rows, "row_len": n})
    mod.launch(x, starts, ends, out, k=k)
    return out
