"""Triton helpers of the exact top-k selection, shared by the top-k template (templates/topk/triton.py)
and the fused indexer + top-k (templates/indexer_topk_fused/triton.py), and by the kernels generated
from them (this module imports triton, so it is loaded only with a kernel).

Keys: an fp32 value maps to an order-preserving uint32 key (order_key). Selection: radix digits,
most significant first, each pass a histogram and a suffix scan (pick_digit). The filter scheme
(DeepSelect's): a row's keys at or above a running threshold are appended to a bounded scratch of
int32 keys and columns (filter_append); when it fills, buf_cut keeps exactly the k best in place
and raises the threshold, so a row is read once; a last buf_cut writes the k winners' columns.
"""

from dsagen.runtime.triton_env import import_triton

triton = import_triton()
import triton.language as tl  # noqa: E402


@triton.jit
def order_key(x):
    """fp32 (or bf16/fp16, widened exactly) -> order-preserving uint32 key; -0.0 == +0.0; NaN -> 0
    (below -inf)."""
    x = x.to(tl.float32)
    x = tl.where(x == 0.0, 0.0, x)  # -0.0 -> +0.0
    b = x.to(tl.uint32, bitcast=True)
    neg = (b & 0x80000000) != 0
    k = tl.where(neg, b ^ 0xFFFFFFFF, b | 0x80000000)
    return tl.where(x != x, tl.zeros_like(k), k)


@triton.jit
def pick_digit(hist, k_rem, prefix, hi_mask, SHIFT, NB: tl.constexpr):
    """From one pass's histogram: the digit holding the k_rem-th largest matching key."""
    bins = tl.arange(0, NB)
    # suffix_ge[b] = number of matching keys with digit >= b
    suffix_ge = tl.sum(hist, axis=0) - tl.cumsum(hist, axis=0) + hist
    b = tl.max(tl.where(suffix_ge >= k_rem, bins, -1), axis=0)
    k_rem -= tl.sum(tl.where(bins > b, hist, 0), axis=0)
    prefix = prefix | (b.to(tl.uint32) << SHIFT)
    hi_mask = hi_mask | (tl.full((), NB - 1, tl.uint32) << SHIFT)
    return k_rem, prefix, hi_mask


@triton.jit
def range_shift(r_max, RADIX_BITS: tl.constexpr):
    """The least shift s with r_max >> s < 2^RADIX_BITS (a uint32 scalar): the bit length from the
    float exponent of r_max, which rounding can overstate by one, then corrected."""
    e = ((r_max.to(tl.float32).to(tl.uint32, bitcast=True) >> 23) & 0xFF).to(tl.int32) - 126
    s = tl.maximum(e - RADIX_BITS, 0)
    s_lo = tl.maximum(s - 1, 0)
    s = tl.where((s > 0) & ((r_max >> s_lo.to(tl.uint32)) < (1 << RADIX_BITS)), s_lo, s)
    return s.to(tl.uint32)


@triton.jit
def write_all(orow, start, n, k_sel, offs, BLOCK_N: tl.constexpr):
    """A range no longer than k: every column, then -1."""
    for c0 in range(0, n, BLOCK_N):
        c = c0 + offs
        tl.store(orow + c, start + c, mask=c < n)
    for c0 in range(n, k_sel, BLOCK_N):
        c = c0 + offs
        tl.store(orow + c, tl.full((BLOCK_N,), -1, tl.int32), mask=c < k_sel)


@triton.jit
def buf_cut(buf_k, buf_c, side_k, side_c, count, k_sel, orow,
             TO_OUT: tl.constexpr, BLOCK_N: tl.constexpr, RADIX_BITS: tl.constexpr, SIDE: tl.constexpr):
    """Keep the k_sel best of the scratch's `count` entries (exact; ties: the first in scratch
    order, which among equal keys is column order): back into the scratch's front (TO_OUT False,
    the compaction) or their columns into the output row (TO_OUT True). Returns the k-th key T.

    Digits are taken of key - min over the scratch, from the highest bit where its keys differ
    (a min/max pass), so the first RADIX_BITS-bit histogram already splits the scratch's own
    range finely. A second pass moves the keys above the threshold digit to the front (or out)
    and the threshold digit's bucket to the side area (SIDE entries); the remaining digits and
    the tie selection read only that bucket, typically a few dozen entries. A bucket over SIDE
    (heavy ties: ReLU zeros) is refined over the whole scratch instead: exact either way."""
    NB: tl.constexpr = 1 << RADIX_BITS
    NPASS: tl.constexpr = (32 + RADIX_BITS - 1) // RADIX_BITS
    offs = tl.arange(0, BLOCK_N)
    bins = tl.arange(0, NB)
    ones = tl.full((BLOCK_N,), 0xFFFFFFFF, tl.uint32)
    mn = tl.full((), 0xFFFFFFFF, tl.uint32)
    mx = tl.zeros((), tl.uint32)
    for e0 in range(0, count, BLOCK_N):
        e = e0 + offs
        m = e < count
        key = tl.load(buf_k + e, mask=m, other=0).to(tl.uint32, bitcast=True)
        mn = tl.minimum(mn, tl.min(tl.where(m, key, ones), axis=0))
        mx = tl.maximum(mx, tl.max(tl.where(m, key, 0 * ones), axis=0))
    s = range_shift(mx - mn, RADIX_BITS)
    hist = tl.zeros((NB,), tl.int32)
    for e0 in range(0, count, BLOCK_N):
        e = e0 + offs
        m = e < count
        r = tl.load(buf_k + e, mask=m, other=0).to(tl.uint32, bitcast=True) - mn
        # r >> s < NB in range by the choice of s; the & keeps masked lanes' digits in range too
        hist += tl.histogram(((r >> s) & (NB - 1)).to(tl.int32), NB, mask=m)
    zero = tl.zeros((), tl.uint32)
    k_rem, prefix, hi_mask = pick_digit(hist, k_sel, zero, zero, s, NB)
    n_b = tl.sum(tl.where(bins == (prefix >> s).to(tl.int32), hist, 0), axis=0)
    if n_b <= SIDE:
        # keys above the threshold digit -> the front (in place, order kept) or out; its bucket -> side
        n_up = 0
        n_in = 0
        for e0 in range(0, count, BLOCK_N):
            e = e0 + offs
            m = e < count
            key_i = tl.load(buf_k + e, mask=m, other=0)
            col = tl.load(buf_c + e, mask=m, other=0)
            hi = (key_i.to(tl.uint32, bitcast=True) - mn) & hi_mask
            up = m & (hi > prefix)
            inb = m & (hi == prefix)
            up_i = up.to(tl.int32)
            in_i = inb.to(tl.int32)
            pos_b = n_in + tl.cumsum(in_i, axis=0) - 1
            tl.store(side_k + pos_b, key_i, mask=inb)
            tl.store(side_c + pos_b, col, mask=inb)
            pos_u = n_up + tl.cumsum(up_i, axis=0) - 1
            if TO_OUT:
                tl.store(orow + pos_u, col, mask=up)
            else:
                tl.debug_barrier()  # every warp has read this tile before any slot of it is overwritten
                tl.store(buf_k + pos_u, key_i, mask=up)  # pos_u <= e: never past an unread tile
                tl.store(buf_c + pos_u, col, mask=up)
            n_up += tl.sum(up_i, axis=0)
            n_in += tl.sum(in_i, axis=0)
        tl.debug_barrier()  # the bucket complete before the passes below read it
        src_k = side_k
        src_c = side_c
        n_src = n_b
        base = k_sel - k_rem  # == n_up
    else:
        src_k = buf_k
        src_c = buf_c
        n_src = count
        base = 0
    s_prev = s
    for p in tl.static_range(1, NPASS):
        if s_prev > 0:
            s2 = tl.maximum(s_prev.to(tl.int32) - RADIX_BITS, 0).to(tl.uint32)
            dmask = (tl.full((), 1, tl.uint32) << (s_prev - s2)) - 1
            hist = tl.zeros((NB,), tl.int32)
            for e0 in range(0, n_src, BLOCK_N):
                e = e0 + offs
                m = e < n_src
                r = tl.load(src_k + e, mask=m, other=0).to(tl.uint32, bitcast=True) - mn
                m = m & ((r & hi_mask) == prefix)
                hist += tl.histogram(((r >> s2) & dmask).to(tl.int32), NB, mask=m)
            k_rem, prefix, hi_mask = pick_digit(hist, k_rem, prefix, hi_mask, s2, NB)
            s_prev = s2
    thr = prefix + mn
    kept = 0
    ties = 0
    for e0 in range(0, n_src, BLOCK_N):
        e = e0 + offs
        m = e < n_src
        key_i = tl.load(src_k + e, mask=m, other=0)
        col = tl.load(src_c + e, mask=m, other=0)
        key = key_i.to(tl.uint32, bitcast=True)
        eq = m & (key == thr)
        eq_i = eq.to(tl.int32)
        keep = (m & (key > thr)) | (eq & (ties + tl.cumsum(eq_i, axis=0) - 1 < k_rem))
        keep_i = keep.to(tl.int32)
        pos = base + kept + tl.cumsum(keep_i, axis=0) - 1
        if TO_OUT:
            tl.store(orow + pos, col, mask=keep)
        else:
            tl.debug_barrier()  # in place when the bucket is the whole scratch
            tl.store(buf_k + pos, key_i, mask=keep)
            tl.store(buf_c + pos, col, mask=keep)
        kept += tl.sum(keep_i, axis=0)
        ties += tl.sum(eq_i, axis=0)
    return thr


@triton.jit
def filter_append(key, col, m, buf_k, buf_c, side_k, side_c, count, lo, k_sel, orow,
                  BLOCK_N: tl.constexpr, KP: tl.constexpr, RADIX_BITS: tl.constexpr):
    """One tile of the filter scheme: append the tile's keys >= lo (masked by m) and their
    columns at the scratch's `count`; once it holds 2 * KP entries, cut it back to the k_sel best
    (buf_cut, in place) and raise lo to the k-th key + 1 (a later key equal to it has a higher
    column than every tie kept, so it can never win). Returns (count, lo).

    The scratch holds 2 * KP + BLOCK_N entries (count < 2 * KP before a tile); KP >= k_sel and
    >= BLOCK_N; side_k / side_c hold KP entries (buf_cut's threshold bucket)."""
    cand = m & (key >= lo)
    nc = tl.sum(cand.to(tl.int32), axis=0)
    if nc > 0:
        pos = count + tl.cumsum(cand.to(tl.int32), axis=0) - 1
        tl.store(buf_k + pos, key.to(tl.int32, bitcast=True), mask=cand)
        tl.store(buf_c + pos, col, mask=cand)
        count += nc
    # compact after the append (nothing of the tile lives across it)
    if count >= 2 * KP:
        tl.debug_barrier()  # every thread's appends visible before the select reads them
        thr = buf_cut(buf_k, buf_c, side_k, side_c, count, k_sel, orow, False, BLOCK_N, RADIX_BITS, KP)
        tl.debug_barrier()  # the compacted scratch complete before appends land after it
        count = k_sel
        lo = thr + 1  # thr <= order_key(+inf) = 0xFF800000: no wrap
    return count, lo


def filter_kp(k: int, block_n: int) -> int:
    """The filter scheme's KP: the scratch (2 * KP entries) holds KP survivors plus a whole tile."""
    return max(16, block_n, triton.next_power_of_2(k))


def filter_scratch(kp: int, block_n: int) -> int:
    """int32 words of the filter scheme's scratch per program: 2 * KP + BLOCK_N keys and columns,
    then KP side keys and columns."""
    return 2 * (2 * kp + block_n) + 2 * kp


@triton.jit
def filter_areas(scratch_ptr, pid, BLOCK_N: tl.constexpr, KP: tl.constexpr):
    """A program's scratch areas (filter_scratch words): keys, columns, side keys, side columns."""
    ROOM: tl.constexpr = 2 * KP + BLOCK_N
    buf_k = scratch_ptr + pid.to(tl.int64) * (2 * ROOM + 2 * KP)
    buf_c = buf_k + ROOM
    side_k = buf_c + ROOM
    side_c = side_k + KP
    return buf_k, buf_c, side_k, side_c
