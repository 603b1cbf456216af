import math
"""topk: problem keys, buckets, sizes, the selection check and the inputs it is checked and timed on."""

import torch

from dsagen.operators.base import Case, Operator


def _problems(spec):
    """Per layer kind with an indexer (dsa: raw tokens, or k / key_pool of their pooled keys; csa:
    compressed entries, where a row no longer than k selects all of them)."""
    out = []
    for lk in spec.attention.kinds("dsa", "csa"):
        k = spec.selected(lk)
        out += [{"k": k, "rows": sq, "row_len": spec.indexed(lk, skv)} for sq in spec.prefill.s_q
                for skv in spec.prefill.s_kv]
        out += [{"k": k, "rows": b * n, "row_len": spec.indexed(lk, c)} for b in spec.decode.batch
                for n in spec.decode.next_n for c in spec.decode.context_len]
    return out


def _sizes():
    import sympy as sp
    k, rows, row_len = sp.symbols("k rows row_len")
    return rows * row_len, rows * row_len * 4 + 2 * rows * 4 + rows * k * 4  # one compare per element


def same_selection(logits, got, ref, k, row_starts=None, row_ends=None) -> tuple[bool, str]:
    """Compare a kernel's selection with the oracle's by value (any tie choice is correct).

    Checks per row: the -1 count, -1s only after the selected, columns unique and inside the
    row's range, and the multiset of selected values (as order keys: NaN-safe, exact) equal to
    the oracle's. Returns (ok, first problem found).
    """
    from dsagen.operators.topk.naive import order_keys

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


def cases(problem: dict, device: str = "cpu", size: str = "verify") -> list:
    """verify: a few rows (k capped at 64 on the CPU) with many ties, -inf runs and one empty
    range; full: the problem's rows x row_len with random ranges."""
    from dsagen.operators.topk.naive import topk_indices as oracle

    dev = torch.device(device)
    k, row_len = int(problem["k"]), int(problem["row_len"])
    if size == "full":
        k_run, n, rows = k, row_len, int(problem["rows"])
    else:
        small = dev.type == "cpu"
        k_run = min(k, 64) if small else k
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

    def check():
        ok, why = same_selection(x, out, oracle(x.cpu(), k_run, starts.cpu(), ends.cpu()), k_run, starts, ends)
        return (0.0 if ok else float("inf")), ok, why

    return [Case(f"k{k_run}_rows{rows}_n{n}", lambda m: m.launch(x, starts, ends, out, k=k_run), check)]


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """Passes over each row (templates/topk/triton.py): RADIX_BITS 8 -> 4 digit passes, 11 -> 3.
    The first digit's threshold bucket is refined from the CAP-entry scratch when it fits (the row
    is read twice), else every pass re-reads the row. Logits cluster in few fp32 exponents, so the
    bucket holds about row_len / 2^(RADIX_BITS - 6) entries (an estimate). Few rows (< 2 per SM)
    split across up to MAX_SPLITS programs with global histograms: one read per pass, plus the collect."""
    from dsagen.spec.archs import L2_REREAD

    rows, n = int(problem["rows"]), int(problem["row_len"])
    bits = int(schedule.get("RADIX_BITS", 8))
    passes = -(-32 // bits)
    splits = 1
    if rows < 2 * arch.sms and int(schedule.get("MAX_SPLITS", 1)) > 1:
        splits = max(1, min(int(schedule["MAX_SPLITS"]), n // max(int(schedule.get("MIN_SPLIT_COLS", n)), 1)))
    cuda = 16.0 * rows * n
    if splits > 1:
        reads = passes + 1
    elif int(schedule.get("FILTER", 0)) and int(problem["k"]) <= 8192:
        # one read; for a row in random order about k (1 + ln(n / k)) entries pass the running
        # threshold, into a scratch of 2 KP, cut back by a bitonic sort of 2 KP entries each time
        # it fills (log2(2 KP) (log2(2 KP) + 1) / 2 compare-exchange stages, ~4 ops per entry)
        k = int(problem["k"])
        kp = max(16, int(schedule.get("BLOCK_N", 1024)), 1 << max(k - 1, 1).bit_length())
        passed = min(n, k * (1.0 + math.log(max(n / k, 1.0))))
        sorts = 1 + passed / kp
        lg = math.log2(2 * kp)
        cuda += rows * sorts * 2 * kp * lg * (lg + 1) / 2 * 4
        return {"extra_bytes": rows * (passed + sorts * 2 * kp) * 8 * L2_REREAD, "cuda_flops": cuda,
                "splits": 1, "mma_eff": 1.0}
    else:
        bucket = n / 2 ** max(bits - 6, 0)
        reads = 2 if 0 < int(schedule.get("CAP", 0)) and bucket <= int(schedule["CAP"]) else passes
    row_bytes = rows * n * 4
    # a histogram update per element and read (ballots + shared atomics): ~16 CUDA-core ops
    return {"extra_bytes": row_bytes * (reads - 1) * (1.0 if n * 4 > 2**20 else L2_REREAD),
            "cuda_flops": cuda * reads, "splits": splits, "mma_eff": 1.0}


OP = Operator(
    "topk", {"k": int, "rows": int, "row_len": int}, ("rows", "row_len"), "row_len",
    (("k", "k"), ("row_len", "len")), _problems, cases, _sizes, flop_dtype=None,
    serial_tiles=(("BLOCK_N", "row_len"),), base_ctas=lambda p: p["rows"],
    traffic=_traffic,
    example={"k": 2048, "rows": 8192, "row_len": 32768},
    doc="columns of the k largest logits of each row range, -1 padded",
)


def verify(module, problem: dict, device: str = "cpu") -> dict:
    """`module.launch` on this operator's verify cases against the oracle (dsagen.operators.base.verify)."""
    from dsagen.operators.base import verify as run
    return run(OP, module, problem, device)
