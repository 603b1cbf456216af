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
    range, and one whole row of 16K columns on the CPU (the filter variant's sampled threshold
    needs 8 KP, KP up to 2048 in the search space); full: the problem's rows x row_len with random
    ranges."""
    from dsagen.operators.topk.naive import topk_indices as oracle

    dev = torch.device(device)
    k, row_len = int(problem["k"]), int(problem["row_len"])
    if size == "full":
        k_run, n, rows = k, row_len, int(problem["rows"])
    else:
        small = dev.type == "cpu"
        k_run = min(k, 64) if small else k
        n = min(row_len, 8 * 2048 + 37) if small else row_len
        rows = min(int(problem["rows"]), 4)
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(rows, n, generator=g)
    x[:, ::5] = x[:, 3:4]  # many ties
    x[0, : n // 3] = float("-inf")
    starts = torch.randint(0, max(n // 4, 1), (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(n // 2, n + 1, (rows,), generator=g, dtype=torch.int32)
    ends[-1] = starts[-1]  # one empty range
    if rows > 2:
        starts[1], ends[1] = 0, n  # the whole row
    x, starts, ends = x.to(dev), starts.to(dev), ends.to(dev)
    out = torch.full((rows, k_run), -7, dtype=torch.int32, device=dev)

    def check():
        ok, why = same_selection(x, out, oracle(x.cpu(), k_run, starts.cpu(), ends.cpu()), k_run, starts, ends)
        return (0.0 if ok else float("inf")), ok, why

    return [Case(f"k{k_run}_rows{rows}_n{n}", lambda m: m.launch(x, starts, ends, out, k=k_run), check)]


_PROGRAMS_PER_SM = 4  # templates/topk/triton.py PROGRAMS_PER_SM: persistent programs of the one-launch kernels
_OPS = 16  # CUDA-core ops per element and pass: key, compare, a histogram update or a scan step + store


def _reread_weight(rows: int, n: int, arch) -> float:
    """HBM-equivalent cost of re-reading a row once. Between a program's two reads of its row every
    other persistent program streams its own row, so the re-read hits L2 (L2_REREAD) only for the
    share of those rows L2 holds: min(1, L2 / (programs x row bytes))."""
    from dsagen.spec.archs import L2_REREAD

    programs = min(rows, _PROGRAMS_PER_SM * arch.sms)
    hit = min(1.0, arch.l2_bytes / max(programs * n * 4, 1))  # the arch table's L2 (dsagen/spec/archs.py)
    return hit * L2_REREAD + (1.0 - hit)


# The filter variant's sampled threshold, as templates/topk/triton.py has it (SEED_MIN_KP, SEED_RANK,
# SEED_MIN_RANK, seed_sample, seed_rank; tests/test_topk.py checks that the two agree).
SEED_MIN_KP = 8
SEED_RANK = 96
SEED_MIN_RANK = 64


def filter_work(n: int, k: int, block_n: int, radix_bits: int, seed: bool = False) -> dict:
    """What the filter variant (templates/topk/triton.py topk_filter_kernel) does for one row of n
    random-order scores beside its one read: `appended` keys pass the running threshold into the
    scratch (2 KP before the first cut, then about k per doubling of the row: the threshold after a
    cut is the k-th of all keys seen, so a key passes with probability k / position, and a cut
    comes every 2 KP - k appends); `cuts` radix cuts, each over `cut_entries` scratch entries (a
    min/max pass, a histogram pass, a pass moving the keys above the threshold digit and the
    digit's bucket), the bucket (`bucket` entries: digits of key - min, so about
    cut_entries / 2^(RADIX_BITS - 6), as topk_kernel's) refined by the other digit passes, and one
    last cut at the end (counted in cuts). A simulation of the kernel's schedule on randn rows (k
    2048, BLOCK_N 1024; tests/test_topk.py) gives 10.2K appends and 3 + 1 cuts at 32K, 14.3K and
    5 + 1 at 128K; this estimate 10.2K / 4.5 and 14.3K / 6.5.

    seed (SEED 1, rows of at least SEED_MIN_KP * KP): `sampled` = seed_sample keys (64 n / k, at
    most 2 KP) read first (in 32-byte runs spread over the row) into the scratch, and
    `sample_passes` digit histograms over them find their r-th largest (r = seed_rank: 96 unless
    the sample is capped); the keys at or above it pass, about n r / sampled (~1.5 k), so usually
    only the last cut follows, over those keys. The simulation (the mean of 8 randn rows) gives
    3.07K appends and 1 cut at 16K, 32K and 128K (this estimate: 3.07K / 1) and 7.9K / 2 + 1 at 1M
    (capped: r 64 > 1.5 k: this estimate 8.2K / 3.5)."""
    kp = max(16, block_n, 1 << max(k - 1, 1).bit_length())
    room = 2 * kp
    none = {"appended": 0.0, "cuts": 0.0, "cut_entries": 0.0, "bucket": 0.0, "kp": kp, "sampled": 0.0,
            "sample_passes": 0}
    if n <= k:
        return none
    sampled = 0.0
    if seed and n >= SEED_MIN_KP * kp:
        # keys at or above the seed pass at rate r / sampled until the scratch first fills (at
        # column p1); from there the running threshold takes over, as without a seed
        sampled = float(seed_sample(k, kp, n))
        rate = seed_rank(k, kp, n) / sampled
        p1 = room / rate
        appended = n * rate if n <= p1 else room + k * math.log2(n / p1)
    else:
        appended = min(float(n), room + k * math.log2(max(n / room, 1.0)))
    # a cut at `room` appends, then one per room - k more (0.5: the mean of the rounding)
    cuts = (0.5 + (appended - room) / (room - k) if appended >= room else 0.0) + 1.0
    cut_entries = min(float(room + block_n // 2), appended)
    return dict(none, appended=appended, cuts=cuts, cut_entries=cut_entries,
                bucket=cut_entries / 2 ** max(radix_bits - 6, 0), sampled=sampled,
                sample_passes=-(-32 // radix_bits) if sampled else 0)


def seed_sample(k: int, kp: int, n: int) -> int:
    """Keys the sampled threshold reads: runs of 8, enough that rank SEED_RANK among them leaves about
    1.5 k of the row's n keys at or above it (the sample's error is about 1/sqrt(rank)); at most
    2 KP (the scratch's room)."""
    return 8 * min(2 * kp // 8, -(-SEED_RANK * n // (12 * k)))


def seed_rank(k: int, kp: int, n: int) -> int:
    """The sampled threshold's rank among the seed_sample keys: about 1.5 k of the row's n keys are
    at or above it; at least SEED_MIN_RANK (a capped sample), at most k (then at least k keys pass:
    the sampled ones)."""
    return min(k, max(-(-3 * k * seed_sample(k, kp, n) // (2 * n)), SEED_MIN_RANK))


def _traffic(problem: dict, schedule: dict, arch) -> dict:
    """Passes over each row (templates/topk/triton.py) and the work beside them.

    FILTER 0 (topk_kernel): RADIX_BITS 8 -> 4 digit passes, 11 -> 3. The first digit's threshold
    bucket is refined from the CAP-entry scratch when it fits (the row is read twice), else every
    pass re-reads the row. Logits cluster in few fp32 exponents, so the bucket holds about
    row_len / 2^(RADIX_BITS - 6) entries (an estimate). A re-read costs what _reread_weight says
    (L2 only for the rows L2 holds). FILTER 1 (topk_filter_kernel, k <= 8192): one read; the
    scratch work of filter_work, at the L2 re-read rate (it is cache-resident: about 40 KB per
    program at k 2048; on NVIDIA mostly L1, so this overstates it). Few rows (< 2 per SM) split
    across up to MAX_SPLITS programs with global histograms: one read per pass, plus the collect."""
    from dsagen.spec.archs import L2_REREAD

    rows, n = int(problem["rows"]), int(problem["row_len"])
    bits = int(schedule.get("RADIX_BITS", 8))
    passes = -(-32 // bits)
    splits = 1
    if rows < 2 * arch.sms and int(schedule.get("MAX_SPLITS", 1)) > 1:
        splits = max(1, min(int(schedule["MAX_SPLITS"]), n // max(int(schedule.get("MIN_SPLIT_COLS", n)), 1)))
    cuda = float(_OPS) * rows * n
    if splits > 1:
        reads = passes + 1
    elif (int(schedule.get("FILTER", 0)) or int(schedule.get("SEED", 0))) and int(problem["k"]) <= 8192:
        # (Triton's space allows SEED only with FILTER; the TileLang selector's SEED 1 is its one
        # read: the same sample up to its buffer, the select over the buffer as the last cut)
        w = filter_work(n, int(problem["k"]), int(schedule.get("BLOCK_N", 1024)), bits,
                        seed=bool(int(schedule.get("SEED", 0))))
        # per cut: min/max (4 B, ~4 ops), histogram (4 B, _OPS) and moving pass (8 B read, _OPS)
        # per entry, the moving pass writing the keys above the threshold digit (< k) and the
        # bucket (8 B each); the bucket's other digit passes (4 B) and its keep pass (8 B read, at
        # most 8 B written)
        per_cut_bytes = w["cut_entries"] * 16 + int(problem["k"]) * 8 + w["bucket"] * (4 * (passes - 1) + 24)
        per_cut_ops = w["cut_entries"] * (4 + 2 * _OPS) + w["bucket"] * _OPS * passes
        # the seed's sample: its 32-byte runs read (4 B a key; the row's own read then finds those
        # sectors in L2), the keys stored to the scratch, and one histogram pass over them per digit
        sample_bytes = w["sampled"] * (4 + 4 + 4 * w["sample_passes"])
        scratch_bytes = sample_bytes + w["appended"] * 8 + w["cuts"] * per_cut_bytes
        sample_ops = w["sampled"] * _OPS * w["sample_passes"]
        return {"extra_bytes": rows * scratch_bytes * L2_REREAD,
                "cuda_flops": cuda + rows * (w["cuts"] * per_cut_ops + sample_ops), "splits": 1, "mma_eff": 1.0}
    else:
        bucket = n / 2 ** max(bits - 6, 0)
        reads = 2 if 0 < int(schedule.get("CAP", 0)) and bucket <= int(schedule["CAP"]) else passes
    row_bytes = rows * n * 4
    weight = L2_REREAD if splits > 1 else _reread_weight(rows, n, arch)
    return {"extra_bytes": row_bytes * (reads - 1) * weight, "cuda_flops": cuda * reads, "splits": splits,
            "mma_eff": 1.0}


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
