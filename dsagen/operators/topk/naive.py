"""Readable reference for the top-k selector over row ranges (no triton).

For each row i of fp32 logits [rows, n], the candidates are the columns of
[row_starts[i], row_ends[i]) (defaults 0 and n; start >= end is an empty range). Every column
in range is a candidate whatever its value, -inf included: the caller's range decides.

Ranking rule (shared with templates/topk/triton.py): values compare as numbers, -0.0 == +0.0,
and NaN ranks below -inf (a NaN is selected only when the range has fewer than k non-NaN
values). Ties are broken towards the lower column here; any column whose value equals the
k-th largest is a correct choice, so tests compare the selected *values*.

Output int32 [rows, k]: here best first (descending value, ties by ascending column), then -1
for the slots beyond the range's length. The kernel's order differs (see its docstring): the
contract is the set, not the order.
"""

import torch


def order_keys(x: torch.Tensor) -> torch.Tensor:
    """Order-preserving int64 keys of fp32 values: NaN lowest, -0.0 equal to +0.0.

    key(a) > key(b) exactly when a > b as numbers, for non-NaN a, b; every NaN gets the same
    key, below -inf.
    """
    x = x.to(torch.float32)
    x = torch.where(x == 0, torch.zeros_like(x), x)  # -0.0 -> +0.0
    bits = x.view(torch.int32).to(torch.int64) & 0xFFFFFFFF  # raw bits as unsigned
    key = torch.where(bits >= 0x80000000, 0xFFFFFFFF - bits, bits | 0x80000000)
    return torch.where(torch.isnan(x), torch.zeros_like(key), key)


def topk_indices(logits: torch.Tensor, k: int, row_starts=None, row_ends=None) -> torch.Tensor:
    """int32 [rows, k]: columns of the k largest logits of each row range, best first, -1 padded."""
    rows, n = logits.shape
    starts = [0] * rows if row_starts is None else [int(v) for v in row_starts.cpu()]
    ends = [n] * rows if row_ends is None else [int(v) for v in row_ends.cpu()]
    keys = order_keys(logits.detach().cpu())
    out = torch.full((rows, k), -1, dtype=torch.int32)
    for i in range(rows):
        s, e = max(starts[i], 0), min(ends[i], n)
        if e <= s:
            continue
        # stable descending sort: among equal keys the lower column comes first
        order = torch.sort(keys[i, s:e], descending=True, stable=True).indices[:k]
        out[i, : order.numel()] = (order + s).to(torch.int32)
    return out.to(logits.device)
