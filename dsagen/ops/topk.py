"""Top-k selector over row ranges (templates/triton/topk.py; oracle: dsagen.oracle.topk)."""

import torch

from dsagen.runtime.dispatch import kernel_module
from dsagen.runtime.triton_env import check_device

OP = "topk"


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

    logits:     float32 [rows, n] (unit column stride not required: copied if needed).
    k:          positive int (runtime; 2048 in DeepSeek-V3.2).
    row_starts: int32/int64 [rows] or None (0): first column of each row's range.
    row_ends:   int32/int64 [rows] or None (n): one past the last column. Ranges are clamped
                to [0, n]; start >= end is an empty range.
    out:        optional int32 [rows, k] with unit column stride, written in place.

    Every column in range is a candidate whatever its value (-inf included). NaN ranks below
    -inf; -0.0 equals +0.0. Returns int32 [rows, k]: the min(k, range length) selected
    absolute columns first, no repeats, in an unspecified order (see templates/triton/topk.py:
    many rows take the lowest columns among ties at the k-th value and write them last; few
    long rows run a split variant whose order depends on timing), then -1. Ties at the k-th
    value: any of them is a correct choice, so compare selections by value.
    """
    if not isinstance(logits, torch.Tensor) or logits.dtype != torch.float32:
        raise ValueError(f"logits must be a float32 tensor, got {getattr(logits, 'dtype', type(logits).__name__)}")
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


def example_problem(op: str = OP) -> dict:
    """DeepSeek-V3.2 prefill top-2048 over 8K query rows of a 32K context."""
    if op != OP:
        raise ValueError(f"op must be {OP!r}, got {op!r}")
    return {"k": 2048, "rows": 8192, "row_len": 32768}


def same_selection(logits, got, ref, k, row_starts=None, row_ends=None) -> tuple[bool, str]:
    """Compare a kernel's selection with the oracle's by value (any tie choice is correct).

    Checks per row: the -1 count, -1s only after the selected, columns unique and inside the
    row's range, and the multiset of selected values (as order keys: NaN-safe, exact) equal to
    the oracle's. Returns (ok, first problem found).
    """
    from dsagen.oracle.topk import order_keys

    logits, got, ref = logits.cpu(), got.cpu().long(), ref.cpu().long()
    rows, n = logits.shape
    starts = torch.zeros(rows, dtype=torch.long) if row_starts is None else row_starts.cpu().long().clamp(0, n)
    ends = torch.full((rows,), n, dtype=torch.long) if row_ends is None else row_ends.cpu().long().clamp(0, n)
    keys = order_keys(logits)
    for i in range(rows):
        g, r = got[i], ref[i]
        m = int((r >= 0).sum())
        want = min(k, max(int(ends[i] - starts[i]), 0))
        if m != want:
            return False, f"row {i}: oracle selected {m}, expected {want}"
        if not bool((g[:m] >= 0).all()) or not bool((g[m:] == -1).all()):
            return False, f"row {i}: expected {m} columns then {k - m} x -1, got {g.tolist()[:16]}..."
        sel = g[:m]
        if not bool(((sel >= starts[i]) & (sel < ends[i])).all()):
            return False, f"row {i}: column outside [{int(starts[i])}, {int(ends[i])})"
        if torch.unique(sel).numel() != m:
            return False, f"row {i}: repeated columns"
        gk = torch.sort(keys[i, sel]).values
        rk = torch.sort(keys[i, r[:m]]).values
        if not torch.equal(gk, rk):
            return False, f"row {i}: selected values differ from the oracle's"
    return True, ""


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on small random rows shaped like `problem` (same k where the
    interpreter allows, rows a few, ties and -inf mixed in) and compare with the oracle by value."""
    from dsagen.oracle.topk import topk_indices as oracle

    dev = torch.device(device)
    small = device == "cpu"
    k = int(problem["k"])
    k_run = min(k, 64) if small else k
    row_len = int(problem["row_len"])
    n = min(row_len, 4 * k_run + 37) if small else row_len
    rows = min(int(problem["rows"]), 4)
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(rows, n, generator=g)
    x[:, ::5] = x[:, 3:4]  # many ties
    x[0, : n // 3] = float("-inf")
    starts = torch.randint(0, max(n // 4, 1), (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(n // 2, n + 1, (rows,), generator=g, dtype=torch.int32)
    ends[-1] = starts[-1]  # one empty range
    x, starts, ends = x.to(dev), starts.to(dev), ends.to(dev)
    out = torch.full((rows, k_run), -7, dtype=torch.int32, device=dev)
    module.launch(x, starts, ends, out, k=k_run)
    ref = oracle(x.cpu(), k_run, starts.cpu(), ends.cpu())
    ok, why = same_selection(x, out, ref, k_run, starts, ends)
    return {"max_error": 0.0 if ok else float("inf"), "passed": ok,
            "shapes": f"k{k_run}_rows{rows}_n{n}" + ("" if ok else f" ({why})")}


VERIFY = {OP: verify}
