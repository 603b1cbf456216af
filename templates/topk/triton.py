"""Top-k selector over row ranges: exact multi-pass radix select.

For row i the candidates are the columns of [row_start[i], row_end[i]) of an fp32 logits
matrix; the kernels write the absolute columns of the k largest, -1 padded when the range holds
fewer than k columns. k is a runtime argument.

Keys. Each fp32 value maps to an order-preserving uint32 key: positive floats get the sign bit
set, negative floats get all bits flipped. -0.0 is canonicalised to +0.0 (they compare equal)
and every NaN maps to key 0, below -inf (key 0x007FFFFF), so NaN ranks below every number; a
NaN is still a candidate and is selected only when the range has fewer than k non-NaN values.

Select. The k-th largest key T is found digit by digit, most significant first, RADIX_BITS bits
per pass (8 -> 4 passes, 11 -> 3 passes): a pass builds a 2^RADIX_BITS-bin histogram
(tl.histogram) of the digit of the keys matching the prefix fixed so far; a suffix scan picks
the digit holding the k_rem-th largest and subtracts the count of larger digits from k_rem.
After the last pass T is exact and k_rem is how many keys equal to T to take. Nothing relies
on a bucket fitting a buffer: a threshold bucket of a million equal keys is just a count.

topk_kernel (many rows): persistent programs (PROGRAMS_PER_SM per SM) take rows in turn.
Pass 0 reads the row; a second read writes the columns above the threshold bucket to out and
appends the bucket's (key << 32 | column) to the program's scratch of CAP entries. When the
bucket fits (typical: a few thousand entries), passes 1.. and the tie selection read only the
scratch: 2 reads of the row in all. When it does not fit, they re-read the row (RADIX_BITS/8 + 2
reads), still exact.

Split variant (few long rows, rows < 2 * SMs): up to MAX_SPLITS programs per row, one launch
per pass; each program adds its chunk's histogram to the row's global histogram with int32
atomics and replays the digit choices of the earlier passes from those histograms; the
collection takes output slots from per-row atomic counters, one atomic per tile.

Filter variant (FILTER 1, k <= 8192; DeepSelect's scheme): one read of the row. Each tile's
keys at or above the running threshold lo are appended (key and column, int32 each) to the
program's scratch of 2 * KP + BLOCK_N entries (KP = next power of two >= k and >= BLOCK_N). When
it holds 2 * KP, a radix cut keeps exactly its k best and lo becomes the k-th key + 1 (a later
key equal to it has a higher column than every tie kept, so it never wins). The cut reads only
the scratch (cache-resident, ~40 KB at k 2048): a min/max pass, a histogram of the first digit of
key - min (so the digits split the scratch's own range, not the whole fp32 range), a pass that
moves the keys above the threshold digit to the front and the digit's bucket to a side area of
KP entries, then the remaining digits and the tie choice over that bucket only (on randn rows at
k 2048 at most ~1.5K of the ~4.1K entries with 8-bit digits, ~170 with 11-bit; a bucket over KP -
heavy ties - is refined over the whole scratch instead). At the end one more cut writes the k
columns. For a row in random order about 2 KP + k log2(n / 2 KP) keys are appended and a cut
comes every 2 KP - k appends: 3 + 1 cuts at n 32K, k 2048; 5 + 1 at 128K (filter_work in
dsagen/operators/topk/problem.py models this for the cost model). SEED 1 starts a row of at least
8 KP columns from a sampled threshold instead (64 n / k keys, at most 2 KP, in 32-byte runs spread
over the row, their 96th largest by digit histograms; seed_sample, seed_rank): about 1.5 k keys
pass it, so one cut at the end (~3.1K appends at k 2048 from 16K to 128K); a row the sample
misjudged (fewer than k keys passed) is read once more from 0. The keys, the cut and the append step live in
dsagen/runtime/triton_select.py, shared with the fused indexer + top-k.

Output order: in topk_kernel, the columns above the k-th value (those above the threshold
bucket in ascending order, then the rest of the bucket's in ascending order), then the ties at
the k-th value, lowest columns first, then -1. The filter variant writes the columns above its
last cut's threshold digit, then that digit's winners (each group in scratch order); among equal
values it keeps the lowest columns. The split variant's order (and which ties it
takes) depends on program timing. Either way exactly min(k, range length) columns, no repeats.
A range no longer than k skips the select and copies its columns.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import sm_count
from dsagen.runtime.triton_select import (buf_cut, filter_append, filter_areas, filter_kp, filter_scratch, order_key,
                                          pick_digit, write_all)

# <dsagen:schedule>
SCHEDULE = {"BLOCK_N": 1024, "RADIX_BITS": 8, "CAP": 4096, "FILTER": 0, "SEED": 0, "MAX_SPLITS": 16,
            "MIN_SPLIT_COLS": 16384, "num_warps": 8, "num_stages": 1}
# </dsagen:schedule>

FILTER_MAX_K = 8192  # the filter variant's scratch: filter_scratch(next_pow2(k)) int32 words per program
# The filter variant's sampled threshold (SEED 1): rows of at least SEED_MIN_KP * KP columns (below
# that the unseeded filter needs at most ~2.5 cuts, hardly more than the sample's passes). The sample
# is sized for its SEED_RANK-th key to sit where about 1.5 k of the row's keys are at or above it
# (64 n / k keys for rank 96: 1024 at 32K columns, k 2048), at most 2 KP keys (the scratch's room):
# the sample's error is about 1/sqrt(rank), ~10% at 96, so fewer than k keys pass (a second read)
# only ~3 sigma out for independent keys. Keys correlated over a few runs miss more: on a
# 32-column moving average of randn, 7 of 200 rows of 32K and 4 of 200 of 128K read twice (2 KP
# samples at 32K: none) and 12% / 8% cut once more (simulated, 2026-12-07). A capped sample (rows
# over KP k / 32 columns: 128K at k 2048) takes the rank that keeps 1.5 k, but at least
# SEED_MIN_RANK (64).
SEED_MIN_KP = 8
SEED_RANK = 96
SEED_MIN_RANK = 64
SEED_MIN_KP_C = tl.constexpr(SEED_MIN_KP)
SEED_RANK_C = tl.constexpr(SEED_RANK)
SEED_MIN_RANK_C = tl.constexpr(SEED_MIN_RANK)


def seed_sample(k: int, kp: int, n: int) -> int:
    """Keys the sampled threshold reads (as topk_filter_kernel computes it): runs of 8, enough that
    rank SEED_RANK among them leaves about 1.5 k of the row's n keys at or above it, at most 2 KP."""
    return 8 * min(2 * kp // 8, -(-SEED_RANK * n // (12 * k)))


def seed_rank(k: int, kp: int, n: int) -> int:
    """The sampled threshold's rank among the seed_sample keys (as topk_filter_kernel computes it):
    about 1.5 k of the row's n keys are at or above it; at least SEED_MIN_RANK, at most k."""
    return min(k, max(-(-3 * k * seed_sample(k, kp, n) // (2 * n)), SEED_MIN_RANK))


@triton.jit
def _shift(p, RADIX_BITS: tl.constexpr):
    return tl.maximum(32 - (p + 1) * RADIX_BITS, 0).to(tl.uint32)  # folded by the compiler


@triton.jit
def _store_tile(orow, c, gt, eq, cnt_gt, cnt_eq, base_eq, k_rem):
    """Write a tile's selected columns: keys above the threshold at cnt_gt.., the first k_rem
    ties (in column order) at base_eq.. (in-tile prefix sums, no atomics)."""
    gt_i = gt.to(tl.int32)
    eq_i = eq.to(tl.int32)
    tl.store(orow + cnt_gt + tl.cumsum(gt_i, axis=0) - 1, c, mask=gt)
    rank_eq = cnt_eq + tl.cumsum(eq_i, axis=0) - 1
    tl.store(orow + base_eq + rank_eq, c, mask=eq & (rank_eq < k_rem))
    return cnt_gt + tl.sum(gt_i, axis=0), cnt_eq + tl.sum(eq_i, axis=0)


@triton.jit
def topk_kernel(
    x_ptr, start_ptr, end_ptr, out_ptr, scratch_ptr,
    rows, k_sel, stride_xr, stride_or, cap,
    BLOCK_N: tl.constexpr, RADIX_BITS: tl.constexpr,
):
    """Persistent programs, one row at a time: all radix passes and the collection in one launch.

    Pass 0 reads the row and fixes the top digit; a second read writes every column whose top
    digit is above it straight to out and appends (key << 32 | column) of the threshold bucket
    to this program's scratch (cap entries). If the bucket fits, the remaining passes and the
    tie selection read only the scratch; if not, they re-read the row (exact either way).
    """
    NB: tl.constexpr = 1 << RADIX_BITS
    NPASS: tl.constexpr = (32 + RADIX_BITS - 1) // RADIX_BITS
    pid = tl.program_id(0)
    scr = scratch_ptr + pid.to(tl.int64) * cap
    offs = tl.arange(0, BLOCK_N)
    bins = tl.arange(0, NB)
    one64 = tl.full((), 1, tl.int64)
    for row in range(pid, rows, tl.num_programs(0)):
        row64 = row * one64  # the loop variable is a plain int in the interpreter
        start = tl.load(start_ptr + row64)
        end = tl.load(end_ptr + row64)
        xrow = x_ptr + row64 * stride_xr
        orow = out_ptr + row64 * stride_or
        n = tl.maximum(end - start, 0)
        if n <= k_sel:
            write_all(orow, start, n, k_sel, offs, BLOCK_N)
        else:
            # pass 0: top digit over the whole row
            shift0 = _shift(0, RADIX_BITS)
            hist = tl.zeros((NB,), tl.int32)
            for c0 in range(start, end, BLOCK_N):
                c = c0 + offs
                m = c < end
                key = order_key(tl.load(xrow + c, mask=m, other=0.0))
                hist += tl.histogram(((key >> shift0) & (NB - 1)).to(tl.int32), NB, mask=m)
            zero = tl.zeros((), tl.uint32)
            k_rem, prefix, hi_mask = pick_digit(hist, k_sel, zero, zero, shift0, NB)
            n_cand = tl.sum(tl.where(bins == (prefix >> shift0).to(tl.int32), hist, 0), axis=0)
            use_scr = n_cand <= cap
            prefix0 = prefix
            mask0 = hi_mask
            # second read: columns above the threshold bucket -> out; the bucket -> scratch
            cnt_gt = 0
            cnt_c = 0
            for c0 in range(start, end, BLOCK_N):
                c = c0 + offs
                m = c < end
                key = order_key(tl.load(xrow + c, mask=m, other=0.0))
                hi = key & mask0
                gt = m & (hi > prefix0)
                # `!= 0`: a tensor & scalar mask is int32 in the interpreter, which Triton 3.9 refuses
                cand = (m & (hi == prefix0) & use_scr) != 0
                cand_i = cand.to(tl.int32)
                ent = (key.to(tl.int64) << 32) | c.to(tl.int64)
                pos_c = cnt_c + tl.cumsum(cand_i, axis=0) - 1
                tl.store(scr + pos_c, ent, mask=cand & (pos_c < cap))  # never past the scratch
                cnt_c += tl.sum(cand_i, axis=0)
                gt_i = gt.to(tl.int32)
                tl.store(orow + cnt_gt + tl.cumsum(gt_i, axis=0) - 1, c, mask=gt)
                cnt_gt += tl.sum(gt_i, axis=0)
            tl.debug_barrier()  # scratch appends of every thread visible before the reloads
            cnt_eq = 0
            if use_scr:
                for p in tl.static_range(1, NPASS):
                    shift = _shift(p, RADIX_BITS)
                    hist = tl.zeros((NB,), tl.int32)
                    for e0 in range(0, n_cand, BLOCK_N):
                        e = e0 + offs
                        m = e < n_cand
                        key = (tl.load(scr + e, mask=m, other=0) >> 32).to(tl.uint32)
                        m = m & ((key & hi_mask) == prefix)
                        hist += tl.histogram(((key >> shift) & (NB - 1)).to(tl.int32), NB, mask=m)
                    k_rem, prefix, hi_mask = pick_digit(hist, k_rem, prefix, hi_mask, shift, NB)
                base_eq = k_sel - k_rem
                for e0 in range(0, n_cand, BLOCK_N):
                    e = e0 + offs
                    m = e < n_cand
                    ent = tl.load(scr + e, mask=m, other=0)
                    key = (ent >> 32).to(tl.uint32)
                    c = (ent & 0xFFFFFFFF).to(tl.int32)
                    cnt_gt, cnt_eq = _store_tile(orow, c, m & (key > prefix), m & (key == prefix),
                                                 cnt_gt, cnt_eq, base_eq, k_rem)
                tl.debug_barrier()  # done reading the scratch before the next row refills it
            else:
                for p in tl.static_range(1, NPASS):
                    shift = _shift(p, RADIX_BITS)
                    hist = tl.zeros((NB,), tl.int32)
                    for c0 in range(start, end, BLOCK_N):
                        c = c0 + offs
                        m = c < end
                        key = order_key(tl.load(xrow + c, mask=m, other=0.0))
                        m = m & ((key & hi_mask) == prefix)
                        hist += tl.histogram(((key >> shift) & (NB - 1)).to(tl.int32), NB, mask=m)
                    k_rem, prefix, hi_mask = pick_digit(hist, k_rem, prefix, hi_mask, shift, NB)
                base_eq = k_sel - k_rem
                for c0 in range(start, end, BLOCK_N):
                    c = c0 + offs
                    m = c < end
                    key = order_key(tl.load(xrow + c, mask=m, other=0.0))
                    inb = m & ((key & mask0) == prefix0)  # columns above the bucket are written
                    cnt_gt, cnt_eq = _store_tile(orow, c, inb & (key > prefix), inb & (key == prefix),
                                                 cnt_gt, cnt_eq, base_eq, k_rem)


@triton.jit
def _kth_key(buf_k, count, r, BLOCK_N: tl.constexpr, RADIX_BITS: tl.constexpr):
    """The r-th largest of the scratch's first `count` keys: one digit histogram pass each, nothing
    moved (a third inlined buf_cut made ptxas spill 152-176 B on sm80/sm90/sm100, AOT 2026-12-07)."""
    NB: tl.constexpr = 1 << RADIX_BITS
    NPASS: tl.constexpr = (32 + RADIX_BITS - 1) // RADIX_BITS
    offs = tl.arange(0, BLOCK_N)
    prefix = tl.zeros((), tl.uint32)
    hi_mask = tl.zeros((), tl.uint32)
    k_rem = r
    for p in tl.static_range(NPASS):
        shift = _shift(p, RADIX_BITS)
        hist = tl.zeros((NB,), tl.int32)
        for e0 in range(0, count, BLOCK_N):
            e = e0 + offs
            m = e < count
            key = tl.load(buf_k + e, mask=m, other=0).to(tl.uint32, bitcast=True)
            m = m & ((key & hi_mask) == prefix)
            hist += tl.histogram(((key >> shift) & (NB - 1)).to(tl.int32), NB, mask=m)
        k_rem, prefix, hi_mask = pick_digit(hist, k_rem, prefix, hi_mask, shift, NB)
    return prefix


@triton.jit
def topk_filter_kernel(
    x_ptr, start_ptr, end_ptr, out_ptr, scratch_ptr,
    rows, k_sel, stride_xr, stride_or,
    BLOCK_N: tl.constexpr, KP: tl.constexpr, RADIX_BITS: tl.constexpr, SEED: tl.constexpr,
):
    """Persistent programs, one row at a time, each row read once (the filter variant).

    A tile's keys >= lo (0 before the first cut: every key) are appended to the scratch (keys and
    columns, int32). Once it holds 2 * KP entries, buf_cut keeps exactly k of them in place (those
    above the k-th key T, then the lowest-column ties at T) and lo becomes T + 1: a later key equal
    to T has a higher column than every kept tie, so it can never win. At the end one more cut
    writes the k winners' columns to the output row.

    SEED 1, rows of at least SEED_MIN_KP * KP columns: lo starts at a sampled threshold instead of
    0. seed_sample(k, KP, n) keys (64 n / k, at most 2 KP) in runs of 8 (one 32-byte sector each)
    spread evenly over the row fill the scratch; digit histograms over it (_kth_key) find their r-th
    largest key, r = seed_rank(k, KP, n) (96 unless the sample was capped): about 1.5 k keys of
    a random-order row are at or above it, so usually no cut comes before the last. The r sampled
    keys are row keys at or above the seed, so at least r keys pass (with r = k never too few).
    When fewer than k passed (the sample misjudged the row), the row is read again from lo 0:
    exact either way."""
    pid = tl.program_id(0)
    buf_k, buf_c, side_k, side_c = filter_areas(scratch_ptr, pid, BLOCK_N, KP)
    offs = tl.arange(0, BLOCK_N)
    one64 = tl.full((), 1, tl.int64)
    for row in range(pid, rows, tl.num_programs(0)):
        row64 = row * one64
        start = tl.load(start_ptr + row64)
        end = tl.load(end_ptr + row64)
        xrow = x_ptr + row64 * stride_xr
        orow = out_ptr + row64 * stride_or
        n = tl.maximum(end - start, 0)
        if n <= k_sel:
            write_all(orow, start, n, k_sel, offs, BLOCK_N)
        else:
            count = tl.zeros((), tl.int32)
            lo = tl.zeros((), tl.uint32)
            if SEED:
                if n >= SEED_MIN_KP_C * KP:
                    # seed_sample: runs of 8 keys, enough for rank SEED_RANK, at most 2 KP / 8; in
                    # int32: n clamped to 2^24 (SEED_RANK * 2^24 < 2^31) still asks for more than
                    # 2 KP / 8 runs, k <= 8192
                    runs = tl.minimum((tl.minimum(n, 1 << 24) * SEED_RANK_C + 12 * k_sel - 1) // (12 * k_sel),
                                      2 * KP // 8)
                    gap = n // runs  # >= 4 * SEED_MIN_KP: the runs never overlap or pass the end
                    n_s = 8 * runs
                    for e0 in range(0, n_s, BLOCK_N):
                        j = e0 + offs
                        ms = j < n_s
                        c = start + (j // 8) * gap + j % 8
                        key = order_key(tl.load(xrow + c, mask=ms, other=0.0))
                        tl.store(buf_k + j, key.to(tl.int32, bitcast=True), mask=ms)  # keys only: nothing moved
                    tl.debug_barrier()  # the sample complete before _kth_key reads it
                    r = tl.minimum(k_sel, tl.maximum((3 * k_sel * n_s + 2 * n - 1) // (2 * n), SEED_MIN_RANK_C))
                    lo = _kth_key(buf_k, n_s, r, BLOCK_N, RADIX_BITS)
                    tl.debug_barrier()  # done with the sample before the row's keys overwrite it
            # one read from the seed; when fewer than k keys passed it (the sample misjudged the
            # row), one more from 0, which every key passes until a cut: then count >= k
            again = True
            while again:
                count = tl.zeros((), tl.int32)
                for c0 in range(start, end, BLOCK_N):
                    c = c0 + offs
                    m = c < end
                    key = order_key(tl.load(xrow + c, mask=m, other=0.0))
                    count, lo = filter_append(key, c, m, buf_k, buf_c, side_k, side_c, count, lo, k_sel, orow,
                                              BLOCK_N, KP, RADIX_BITS)
                again = count < k_sel
                lo = tl.zeros((), tl.uint32)  # the second read's start (unused after the last)
                tl.debug_barrier()
            # count >= k: a cut leaves exactly k; without one every key of the row passed
            buf_cut(buf_k, buf_c, side_k, side_c, count, k_sel, orow, True, BLOCK_N, RADIX_BITS, KP)
            tl.debug_barrier()  # done with the scratch before the next row refills it


@triton.jit
def _replay(hist_row, k_sel, NPASS_DONE: tl.constexpr, RADIX_BITS: tl.constexpr):
    """Row state after NPASS_DONE passes, from the global histograms (same in every program)."""
    NB: tl.constexpr = 1 << RADIX_BITS
    prefix = tl.zeros((), tl.uint32)
    hi_mask = tl.zeros((), tl.uint32)
    k_rem = k_sel
    for p in tl.static_range(NPASS_DONE):
        hist = tl.load(hist_row + p * NB + tl.arange(0, NB))
        k_rem, prefix, hi_mask = pick_digit(hist, k_rem, prefix, hi_mask, _shift(p, RADIX_BITS), NB)
    return k_rem, prefix, hi_mask


@triton.jit
def topk_split_hist_kernel(
    x_ptr, start_ptr, end_ptr, hist_ptr,
    k_sel, stride_xr, chunk,
    PASS: tl.constexpr, BLOCK_N: tl.constexpr, RADIX_BITS: tl.constexpr,
):
    """Split variant, pass PASS: program (row, s) adds its chunk's digit histogram to the row's
    global histogram hist[row, PASS, :] (int32 atomics; zeroed by launch)."""
    NB: tl.constexpr = 1 << RADIX_BITS
    NPASS: tl.constexpr = (32 + RADIX_BITS - 1) // RADIX_BITS
    row = tl.program_id(0).to(tl.int64)
    split = tl.program_id(1)
    start = tl.load(start_ptr + row)
    end = tl.load(end_ptr + row)
    if end - start > k_sel:
        hist_row = hist_ptr + row * (NPASS * NB)
        k_rem, prefix, hi_mask = _replay(hist_row, k_sel, PASS, RADIX_BITS)
        shift = _shift(PASS, RADIX_BITS)
        xrow = x_ptr + row * stride_xr
        offs = tl.arange(0, BLOCK_N)
        c_lo = start + split * chunk
        c_hi = tl.minimum(c_lo + chunk, end)
        hist = tl.zeros((NB,), tl.int32)
        for c0 in range(c_lo, c_hi, BLOCK_N):
            c = c0 + offs
            m = c < c_hi
            key = order_key(tl.load(xrow + c, mask=m, other=0.0))
            m = m & ((key & hi_mask) == prefix)
            digit = ((key >> shift) & (NB - 1)).to(tl.int32)
            hist += tl.histogram(digit, NB, mask=m)
        if c_lo < c_hi:
            tl.atomic_add(hist_row + PASS * NB + tl.arange(0, NB), hist, sem="relaxed")


@triton.jit
def topk_split_collect_kernel(
    x_ptr, start_ptr, end_ptr, hist_ptr, cnt_ptr, out_ptr,
    k_sel, stride_xr, stride_or, chunk,
    BLOCK_N: tl.constexpr, RADIX_BITS: tl.constexpr,
):
    """Split variant, collection: slots come from per-row atomic counters (cnt[row, 0] for keys
    above the threshold, cnt[row, 1] for ties), one atomic per tile; exactly k written."""
    NB: tl.constexpr = 1 << RADIX_BITS
    NPASS: tl.constexpr = (32 + RADIX_BITS - 1) // RADIX_BITS
    row = tl.program_id(0).to(tl.int64)
    split = tl.program_id(1)
    start = tl.load(start_ptr + row)
    end = tl.load(end_ptr + row)
    orow = out_ptr + row * stride_or
    offs = tl.arange(0, BLOCK_N)
    n = tl.maximum(end - start, 0)
    if n <= k_sel:
        if split == 0:
            write_all(orow, start, n, k_sel, offs, BLOCK_N)
    else:
        k_rem, thr, hi_mask = _replay(hist_ptr + row * (NPASS * NB), k_sel, NPASS, RADIX_BITS)
        base_eq = k_sel - k_rem
        xrow = x_ptr + row * stride_xr
        c_lo = start + split * chunk
        c_hi = tl.minimum(c_lo + chunk, end)
        for c0 in range(c_lo, c_hi, BLOCK_N):
            c = c0 + offs
            m = c < c_hi
            key = order_key(tl.load(xrow + c, mask=m, other=0.0))
            gt = m & (key > thr)
            eq = m & (key == thr)
            gt_i = gt.to(tl.int32)
            eq_i = eq.to(tl.int32)
            n_gt = tl.sum(gt_i, axis=0)
            n_eq = tl.sum(eq_i, axis=0)
            if n_gt > 0:
                b_gt = tl.atomic_add(cnt_ptr + row * 2, n_gt, sem="relaxed")
                tl.store(orow + b_gt + tl.cumsum(gt_i, axis=0) - 1, c, mask=gt)
            if n_eq > 0:
                b_eq = tl.atomic_add(cnt_ptr + row * 2 + 1, n_eq, sem="relaxed")
                rank_eq = b_eq + tl.cumsum(eq_i, axis=0) - 1
                tl.store(orow + base_eq + rank_eq, c, mask=eq & (rank_eq < k_rem))


PROGRAMS_PER_SM = 4  # persistent programs of the one-launch kernel: 2-3 fit an SM at 8 warps


def num_splits(rows: int, row_len: int, schedule: dict, device) -> int:
    """Programs per row: 1 (the one-launch kernel) unless too few rows fill the GPU and the rows
    are long enough to give each program at least MIN_SPLIT_COLS columns."""
    s = dict(SCHEDULE)
    if schedule:
        s.update(schedule)
    target = 2 * sm_count(device)
    if s["MAX_SPLITS"] <= 1 or rows >= target:
        return 1
    by_len = row_len // s["MIN_SPLIT_COLS"]
    return max(1, min(s["MAX_SPLITS"], -(-target // rows), by_len))


def launch(logits, row_starts, row_ends, out, *, k, schedule=None, splits=None):
    """Write int32 out[rows, k] (columns of the k largest logits per row range, -1 padded).

    logits fp32 [rows, n] with unit column stride; row_starts/row_ends int32 [rows] with
    0 <= start and end <= n (start >= end is an empty range); out int32 [rows, >= k], unit
    column stride. Checks are the ops layer's job. splits: programs per row (None: chosen by
    num_splits; > 1 runs the split variant, which allocates small int32 scratch).
    """
    s = dict(SCHEDULE)
    if schedule:
        s.update(schedule)
    rows, n = logits.shape
    if rows == 0:
        return None
    if splits is None:
        splits = num_splits(rows, n, s, logits.device)
    meta = dict(BLOCK_N=s["BLOCK_N"], RADIX_BITS=s["RADIX_BITS"], num_warps=s["num_warps"], num_stages=s["num_stages"])
    if s.get("FILTER") and k <= FILTER_MAX_K and (splits <= 1 or n == 0):
        programs = min(rows, PROGRAMS_PER_SM * sm_count(logits.device))
        kp = filter_kp(k, s["BLOCK_N"])
        scratch = torch.empty(programs, filter_scratch(kp, s["BLOCK_N"]), dtype=torch.int32, device=logits.device)
        topk_filter_kernel[(programs,)](logits, row_starts, row_ends, out, scratch, rows, k, logits.stride(0),
                                        out.stride(0), KP=kp, SEED=int(s.get("SEED", 0)), **meta)
        return None
    if splits <= 1 or n == 0:
        programs = min(rows, PROGRAMS_PER_SM * sm_count(logits.device))
        cap = max(int(s["CAP"]), 0)
        scratch = torch.empty(programs, max(cap, 1), dtype=torch.int64, device=logits.device)
        topk_kernel[(programs,)](logits, row_starts, row_ends, out, scratch, rows, k, logits.stride(0),
                                 out.stride(0), cap, **meta)
        return None
    nb = 1 << s["RADIX_BITS"]
    npass = -(-32 // s["RADIX_BITS"])
    state = torch.zeros(rows * (npass * nb + 2), dtype=torch.int32, device=logits.device)  # one memset
    hist = state[: rows * npass * nb]
    cnt = state[rows * npass * nb:]
    chunk = -(-(-(-n // splits)) // s["BLOCK_N"]) * s["BLOCK_N"]
    grid = (rows, -(-n // chunk))
    for p in range(npass):
        topk_split_hist_kernel[grid](logits, row_starts, row_ends, hist, k, logits.stride(0), chunk, PASS=p, **meta)
    topk_split_collect_kernel[grid](logits, row_starts, row_ends, hist, cnt, out, k, logits.stride(0),
                                    out.stride(0), chunk, **meta)
    return None


def aot_kernels(problem: dict, schedule: dict) -> list:
    s = dict(SCHEDULE)
    if schedule:
        s.update(schedule)
    consts = {"BLOCK_N": s["BLOCK_N"], "RADIX_BITS": s["RADIX_BITS"]}
    common = {"x_ptr": "*fp32", "start_ptr": "*i32", "end_ptr": "*i32"}
    rows, row_len, k = problem.get("rows", 1), problem.get("row_len", 1 << 17), problem.get("k", 2048)
    # the int args at this problem's launch (logits [rows, row_len], out [rows, k], contiguous;
    # a split chunk is a multiple of BLOCK_N): dsagen.gen.aot marks the multiples of 16 divisible
    ints = {"rows": rows, "k_sel": k, "stride_xr": row_len, "stride_or": k, "cap": s["CAP"], "chunk": s["BLOCK_N"]}
    opts = {"num_warps": s["num_warps"], "num_stages": s["num_stages"], "ints": ints}
    kernels = [{
        "name": "topk_kernel", "fn": topk_kernel,
        "signature": {**common, "out_ptr": "*i32", "scratch_ptr": "*i64", "rows": "i32", "k_sel": "i32",
                      "stride_xr": "i32", "stride_or": "i32", "cap": "i32",
                      "BLOCK_N": "constexpr", "RADIX_BITS": "constexpr"},
        "constexprs": dict(consts), **opts,
    }]
    if s.get("FILTER") and k <= FILTER_MAX_K:
        kernels[0] = {
            "name": "topk_filter_kernel", "fn": topk_filter_kernel,
            "signature": {**common, "out_ptr": "*i32", "scratch_ptr": "*i32", "rows": "i32", "k_sel": "i32",
                          "stride_xr": "i32", "stride_or": "i32", "BLOCK_N": "constexpr", "KP": "constexpr",
                          "RADIX_BITS": "constexpr", "SEED": "constexpr"},
            "constexprs": {**consts, "KP": filter_kp(k, s["BLOCK_N"]), "SEED": int(s.get("SEED", 0))}, **opts,
        }
    if s["MAX_SPLITS"] > 1 and rows < 2 * 132 and row_len >= 2 * s["MIN_SPLIT_COLS"]:
        npass = -(-32 // s["RADIX_BITS"])
        for p in range(npass):
            kernels.append({
                "name": f"topk_split_hist_kernel_pass{p}", "fn": topk_split_hist_kernel,
                "signature": {**common, "hist_ptr": "*i32", "k_sel": "i32", "stride_xr": "i32", "chunk": "i32",
                              "PASS": "constexpr", "BLOCK_N": "constexpr", "RADIX_BITS": "constexpr"},
                "constexprs": {"PASS": p, **consts}, **opts,
            })
        kernels.append({
            "name": "topk_split_collect_kernel", "fn": topk_split_collect_kernel,
            "signature": {**common, "hist_ptr": "*i32", "cnt_ptr": "*i32", "out_ptr": "*i32", "k_sel": "i32",
                          "stride_xr": "i32", "stride_or": "i32", "chunk": "i32",
                          "BLOCK_N": "constexpr", "RADIX_BITS": "constexpr"},
            "constexprs": dict(consts), **opts,
        })
    return kernels
