"""TileLang template: top-k selector over row ranges (radix select, one CTA per row; sm_90a and sm_100a).

Semantics (dsagen.ops.topk_indices, oracle dsagen/operators/topk/naive.py): for row i the candidates
are the columns of [starts[i], ends[i]) of fp32 logits [R, N] (clamped to [0, N]; start >= end
is empty); Out int32 [R, k] gets the absolute columns of the k largest values, -1 padded when
the range holds fewer than k columns.  NaN ranks below -inf, -0.0 == +0.0, ties: any.
k is a RUNTIME value: it is the second extent of Out (T.dynamic "k"), one kernel serves every k.
R and N are dynamic too; nothing about the problem is a compile-time constant.

Keys: fp32 -> order-preserving uint32 (positive: sign bit set; negative: all bits flipped),
-0.0 canonicalised to +0.0, every NaN -> 0 (below -inf = 0x007FFFFF).

Select (one CTA of `threads` threads per row, all state in shared memory):
  pass 0   histogram (2^RADIX_BITS bins, shared atomics) of the top digit over the whole row;
           a suffix scan picks the digit d0 holding the k-th largest key; k_rem = how many keys
           still to take inside d0's bucket, nb0 = the bucket's size.
  collect  second read of the row: keys whose top digit is above d0 go straight to Out (slots
           from a shared counter); the bucket's (key, column) pairs are appended to a shared
           buffer of CAP entries ONLY IF nb0 <= CAP (decided before the read, so the buffer is
           never overrun).
  pass p   (p = 1 .. passes-1) histogram of the next digit over the keys matching the prefix
           fixed so far, read from the shared buffer when the bucket fits, else by RE-READING
           the row from global memory (exact for any bucket size: a bucket of a million equal
           keys is only a count).  Stops early once the chosen bucket is taken whole.
  final    keys of the bucket above the threshold prefix -> Out, then the first k_rem keys equal
           to it (shared atomic counter) -> Out[k - k_rem ..]; exactly k slots written.
A range no longer than k skips the select: its columns in order, then -1.
Global reads of the row: 2 when the first bucket fits CAP, else up to 2 + passes.
Output order: unspecified (shared atomics); which ties are taken: unspecified.

SEED 1 (the Triton filter variant's sampled threshold, templates/topk/triton.py): a row of at
least SEED_MIN_KP * max(k, 1024) columns with 2 k <= CAP, whose expected passing keys fit 2/3 of
the buffer (seed_applies: at CAP 8192 and k 2048, rows of 16K to ~700K), is read once instead,
unless the sample misjudged it:
  sample   seed_sample keys (runs of 8, one 32-byte sector each, spread evenly over the range:
           64 n / k keys, at most CAP and n / 8) into the shared buffer; the digit passes
           over them find their r-th largest key, r = seed_rank (96 unless the sample is capped):
           about 1.5 k of the row's keys are at or above it, and at least r are.
  read     the row once: every key at or above the seed goes to the shared buffer (slots from a
           shared counter; none stored past CAP, all counted).
  select   when k <= count <= CAP the buffer holds the row's k best (every key >= the seed, so
           every tie at the k-th value too): the digit passes from the first one over the buffer
           and the final step from it, as above; the row is not read again.
  else     (fewer than k passed, or more than CAP) the radix select above from the start: exact
           either way.
Limits: N < 2^31 (int32 columns); element offsets are int64 in the generated code.

tilelang is imported only inside build(), so this module imports without it.
"""

# <dsagen:schedule>
SCHEDULE = {"threads": 1024, "RADIX_BITS": 11, "CAP": 8192, "SEED": 1}
# </dsagen:schedule>
# 11-bit digits (11, 11, 10) and an 8192-entry buffer (64 KB + an 8 KB histogram): the first digit's
# bucket is then about row_len / 32 entries (logits cluster in few fp32 exponents; the cost model's
# estimate, dsagen/operators/topk/problem.py), 4096 at 128K, so it fits and the row is read twice.
# With 8 bits and 4096 entries it was about row_len / 4 (32K at 128K): every pass re-read the row.

OP = "topk"
# The sampled threshold's constants, the Triton template's (templates/topk/triton.py SEED_RANK,
# SEED_MIN_RANK; tests/test_tilelang_topk.py checks they agree). Here the sample is bounded by the
# shared buffer (CAP) and by an eighth of the row (runs at least 64 columns apart), not by a scratch.
SEED_MIN_KP = 8           # rows of at least 8 max(k, 1024) columns: shorter ones re-read from L2
SEED_KP_FLOOR = 1024
SEED_RANK = 96
SEED_MIN_RANK = 64


def seed_sample(k: int, n: int, cap: int) -> int:
    """Keys the kernel samples from n columns: runs of 8, enough that rank SEED_RANK leaves about
    1.5 k of the n keys at or above it; at most CAP (the buffer) and n / 8."""
    return 8 * min(-(-SEED_RANK * n // (12 * k)), cap // 8, n // 64)


def seed_rank(k: int, n: int, cap: int) -> int:
    """The sampled threshold's rank among the seed_sample keys: about 1.5 k of the row's keys at or
    above it; at least SEED_MIN_RANK (a capped sample), at most k."""
    return min(k, max(-(-3 * k * seed_sample(k, n, cap) // (2 * n)), SEED_MIN_RANK))


def seed_applies(k: int, n: int, cap: int) -> bool:
    """Whether the kernel starts a range of n columns from a sampled threshold: long enough, 2 k
    within the buffer, and the keys expected to pass it (n r / sample) within 2/3 of the buffer."""
    if 2 * k > cap or n < SEED_MIN_KP * max(k, SEED_KP_FLOOR):
        return False
    return 3 * n * seed_rank(k, n, cap) <= 2 * seed_sample(k, n, cap) * cap


def pass_shift(p, bits: int, maximum=max):
    """Radix pass p's shift, most significant digit first; p and maximum may be TIR (the kernel's
    run-time pass loops: one copy of the histogram and pick code per loop, not one per pass)."""
    return maximum(32 - (p + 1) * bits, 0)


def pass_width(p, bits: int, maximum=max):
    return 32 - p * bits - pass_shift(p, bits, maximum)


def _passes(bits: int):
    """(shift, width) of each radix pass, most significant digit first."""
    return [(pass_shift(p, bits), pass_width(p, bits)) for p in range(-(-32 // bits))]


# No tensor cores: the same code serves Hopper and Blackwell.
ARCHES = ("sm_90a", "sm_100a")


def _check(problem, schedule):
    k = problem.get("k")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k <= 0):
        raise ValueError(f"problem['k'] must be a positive int (it is only a hint: k is runtime), got {k!r}")
    th, bits, cap = schedule["threads"], schedule["RADIX_BITS"], schedule["CAP"]
    if schedule.get("SEED", 0) not in (0, 1):
        raise ValueError(f"schedule['SEED'] must be 0 or 1, got {schedule.get('SEED')!r}")
    if th not in (128, 256, 512, 1024):
        raise ValueError(f"schedule['threads'] must be 128, 256, 512 or 1024, got {th!r}")
    if bits not in (8, 11):
        raise ValueError(f"schedule['RADIX_BITS'] must be 8 or 11, got {bits!r}")
    if not isinstance(cap, int) or cap < 0 or cap * 8 + ((1 << bits) + 16) * 4 > 200 * 1024:
        raise ValueError(f"schedule['CAP'] must be an int >= 0 with 8 * CAP bytes fitting shared memory, got {cap!r}")
    return th, bits, cap


def build(problem: dict, schedule: dict | None = None, arch: str = "sm_90a"):
    """Return the TileLang prim_func (problem may hold k/rows/row_len: hints only, all runtime)."""
    if arch not in ARCHES:
        raise ValueError(f"arch must be one of {ARCHES}, got {arch!r}")
    schedule = {**SCHEDULE, **(schedule or {})}
    threads, bits, cap = _check(problem, schedule)
    import tilelang.language as T

    NB = 1 << bits
    BPT = -(-NB // threads)         # histogram bins per thread
    LOG_NB = bits                   # suffix-scan steps
    passes = _passes(bits)
    NPASS = len(passes)
    CAPB = max(cap, 1)
    f32, i32, u32 = "float32", "int32", "uint32"
    R = T.dynamic("rows")
    N = T.dynamic("n")
    K = T.dynamic("k")
    # shared state slots
    S_GT, S_CAND, S_EQ, S_DIGIT, S_KREM, S_BUCKET = 0, 1, 2, 3, 4, 5

    # slot counters: plain atomicAdd on a shared address -> atom.shared.add (TileLang's
    # AtomicAddRet goes through cuda::atomic_ref: a generic-address atom.add.relaxed.gpu)
    def key_of(b0):
        """fp32 bits -> order key; integer-only (immune to fast-math and flush-to-zero)."""
        b = T.if_then_else(b0 == T.uint32(0x80000000), T.uint32(0), b0)        # -0.0 -> +0.0
        kk = T.if_then_else((b & T.uint32(0x80000000)) != T.uint32(0), ~b, b | T.uint32(0x80000000))
        return T.if_then_else((b & T.uint32(0x7FFFFFFF)) > T.uint32(0x7F800000), T.uint32(0), kk)  # NaN

    def digit_mask(width):
        """(1 << width) - 1 as uint32, width a constant or a run-time pass's."""
        return (T.uint32(1) << T.Cast(u32, width)) - T.uint32(1)

    def shift_at(p):
        return pass_shift(p, bits, T.max)

    def width_at(p):
        return pass_width(p, bits, T.max)

    @T.macro
    def clear_hist(hist, tx):
        for j in T.unroll(BPT + 1):
            if j * threads + tx <= NB:
                hist[j * threads + tx] = 0
        T.sync_threads()

    @T.macro
    def pick(hist, st, scan, tx, k_rem, prefix, hi_mask, done, shift, width):
        """hist holds digit counts: make it suffix sums, choose the digit holding the k_rem-th."""
        T.sync_threads()
        for step in T.unroll(LOG_NB):
            for j in T.unroll(BPT):
                if j * threads + tx < NB:
                    scan[j] = hist[j * threads + tx] + T.if_then_else(
                        j * threads + tx + (1 << step) < NB, hist[T.min(j * threads + tx + (1 << step), NB)], 0)
            T.sync_threads()
            for j in T.unroll(BPT):
                if j * threads + tx < NB:
                    hist[j * threads + tx] = scan[j]
            T.sync_threads()
        for j in T.unroll(BPT):
            if j * threads + tx < NB:
                if hist[j * threads + tx] >= k_rem[0] and hist[j * threads + tx + 1] < k_rem[0]:
                    st[S_DIGIT] = j * threads + tx
                    st[S_KREM] = k_rem[0] - hist[j * threads + tx + 1]
                    st[S_BUCKET] = hist[j * threads + tx] - hist[j * threads + tx + 1]
        T.sync_threads()
        k_rem[0] = st[S_KREM]
        prefix[0] = prefix[0] | (T.Cast(u32, st[S_DIGIT]) << T.Cast(u32, shift))
        hi_mask[0] = hi_mask[0] | (digit_mask(width) << T.Cast(u32, shift))
        if st[S_BUCKET] == k_rem[0]:
            done[0] = 1  # the chosen bucket is taken whole: no finer digit needed

    seed_on = bool(schedule.get("SEED", 0)) and cap >= 2

    @T.macro
    def buf_hist(hist, s_key, count, tx, prefix, hi_mask, shift, width):
        """Digit histogram of the buffer's first `count` keys that match the prefix so far."""
        clear_hist(hist, tx)
        for it in T.serial(T.ceildiv(count, threads)):
            e = it * threads + tx
            if e < count:
                if (s_key[e] & hi_mask[0]) == prefix[0]:
                    T.atomic_add(hist[T.Cast(i32, (s_key[e] >> T.Cast(u32, shift)) & digit_mask(width))], 1)

    @T.macro
    def row_hist(hist, Logits, bx, start, end, tx, prefix, hi_mask, shift, width, kb):
        """Digit histogram of the row's keys that match the prefix so far (the whole row at pass 0:
        prefix and mask 0), read from global memory. kb: a one-entry local array for the raw bits,
        then the key (key_of of a load expression would repeat the load in every branch)."""
        clear_hist(hist, tx)
        for it in T.serial(T.ceildiv(end - start, threads)):
            c = start + it * threads + tx
            if c < end:
                kb[0] = T.reinterpret(Logits[bx, c], u32)
                kb[0] = key_of(kb[0])
                if (kb[0] & hi_mask[0]) == prefix[0]:
                    T.atomic_add(hist[T.Cast(i32, (kb[0] >> T.Cast(u32, shift)) & digit_mask(width))], 1)

    @T.macro
    def buf_select(hist, st, scan, s_key, count, tx, k_rem, prefix, hi_mask, done):
        """Every digit pass over the buffer's first `count` keys (run-time passes) for the
        k_rem[0]-th largest, stopping once a bucket is taken whole."""
        for p in T.serial(NPASS):
            if done[0] == 0:
                buf_hist(hist, s_key, count, tx, prefix, hi_mask, shift_at(p), width_at(p))
                pick(hist, st, scan, tx, k_rem, prefix, hi_mask, done, shift_at(p), width_at(p))

    @T.macro
    def restart(st, tx, prefix, hi_mask, done):
        """A select from scratch (the caller sets k_rem): the state and the counters cleared (barriers
        on both sides: every thread has read st before it is cleared, and sees it cleared). K is
        not passed in: a macro argument that is a bare kernel parameter renames it (k -> the
        argument's name) in the generated signature."""
        T.sync_threads()
        prefix[0] = T.uint32(0)
        hi_mask[0] = T.uint32(0)
        done[0] = 0
        if tx < 8:
            st[tx] = 0
        T.sync_threads()

    @T.prim_func
    def topk(
        Logits: T.Tensor([R, N], f32),
        Starts: T.Tensor([R], i32),
        Ends: T.Tensor([R], i32),
        Out: T.Tensor([R, K], i32),
    ):
        with T.Kernel(R, threads=threads) as bx:
            tx = T.get_thread_binding()
            hist = T.alloc_shared([NB + 1], i32)       # hist[NB] = 0: suffix-scan sentinel
            st = T.alloc_shared([8], i32)
            s_key = T.alloc_shared([CAPB], u32)
            s_col = T.alloc_shared([CAPB], i32)
            scan = T.alloc_local([BPT], i32)

            start = T.alloc_var(i32)
            end = T.alloc_var(i32)
            k_rem = T.alloc_local([1], i32)
            nb0 = T.alloc_var(i32)
            done = T.alloc_local([1], i32)
            prefix = T.alloc_local([1], u32)
            hi_mask = T.alloc_local([1], u32)
            prefix0 = T.alloc_var(u32)
            mask0 = T.alloc_var(u32)
            key = T.alloc_var(u32)
            xb = T.alloc_var(u32)
            pos = T.alloc_var(i32)
            kb = T.alloc_local([1], u32)               # row_hist's key
            seeded = T.alloc_var(i32)                  # 1: the seeded read left every candidate in the buffer
            seed = T.alloc_var(u32)

            start = T.min(T.max(Starts[bx], 0), N)
            end = T.min(T.max(Ends[bx], start), N)
            if end - start <= K:
                # the whole range is the answer: columns in order, then -1
                for it in T.serial(T.ceildiv(K, threads)):
                    j = it * threads + tx
                    if j < K:
                        Out[bx, j] = T.if_then_else(j < end - start, start + j, -1)
            else:
                seeded = 0
                nb0 = 0
                if seed_on:
                    # seed_sample's runs, seed_rank's r, seed_applies (int64: no overflow for any k, n)
                    runs = T.min(T.min(T.Cast(i32, T.ceildiv(T.Cast("int64", end - start) * SEED_RANK,
                                                              T.Cast("int64", 12) * K)), cap // 8),
                                 (end - start) // 64)
                    r = T.min(K, T.max(T.Cast(i32, T.ceildiv(T.Cast("int64", 24) * K * runs,
                                                             T.Cast("int64", 2) * (end - start))), SEED_MIN_RANK))
                    if (2 * T.Cast("int64", K) <= cap
                            and T.Cast("int64", end - start) >= SEED_MIN_KP * T.max(T.Cast("int64", K), SEED_KP_FLOOR)
                            and T.Cast("int64", 3) * (end - start) * r <= T.Cast("int64", 16) * runs * cap):
                        # ---- sample (seed_sample): runs of 8 keys spread evenly over the range
                        gap = (end - start) // runs            # >= 64: the runs never overlap or pass the end
                        for it in T.serial(T.ceildiv(8 * runs, threads)):
                            e = it * threads + tx
                            if e < 8 * runs:
                                xb = T.reinterpret(Logits[bx, start + (e // 8) * gap + e % 8], u32)
                                s_key[e] = key_of(xb)
                        # its r-th largest key (seed_rank), by the digit passes over the buffer; a pass
                        # that takes its bucket whole leaves lower digits 0: a seed at or below it
                        restart(st, tx, prefix, hi_mask, done)
                        k_rem[0] = r
                        buf_select(hist, st, scan, s_key, 8 * runs, tx, k_rem, prefix, hi_mask, done)
                        seed = prefix[0]
                        restart(st, tx, prefix, hi_mask, done)
                        k_rem[0] = K
                        # ---- the one read: every key at or above the seed into the buffer (all counted)
                        for it in T.serial(T.ceildiv(end - start, threads)):
                            c = start + it * threads + tx
                            if c < end:
                                xb = T.reinterpret(Logits[bx, c], u32)
                                key = key_of(xb)
                                if key >= seed:
                                    pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_CAND]), 1)
                                    if pos < cap:
                                        s_key[pos] = key
                                        s_col[pos] = c
                        T.sync_threads()
                        # k <= count <= CAP: the buffer holds every key >= the seed, so the row's k best
                        # and every tie at the k-th value; else the radix select below from the start
                        if st[S_CAND] >= K and st[S_CAND] <= cap:
                            seeded = 1
                            nb0 = st[S_CAND]

                if seeded == 1:
                    # ---- select from the buffer: every digit pass over it, the first one too
                    restart(st, tx, prefix, hi_mask, done)
                    k_rem[0] = K
                    prefix0 = T.uint32(0)
                    mask0 = T.uint32(0)
                    buf_select(hist, st, scan, s_key, nb0, tx, k_rem, prefix, hi_mask, done)
                else:
                    restart(st, tx, prefix, hi_mask, done)
                    k_rem[0] = K

                    # ---- pass 0: top digit over the row
                    shift0, width0 = passes[0]
                    row_hist(hist, Logits, bx, start, end, tx, prefix, hi_mask, shift0, width0, kb)
                    pick(hist, st, scan, tx, k_rem, prefix, hi_mask, done, shift0, width0)
                    nb0 = st[S_BUCKET]
                    prefix0 = prefix[0]
                    mask0 = hi_mask[0]
                    T.sync_threads()

                    # ---- collect: above the bucket -> Out; the bucket -> shared buffer if it fits
                    for it in T.serial(T.ceildiv(end - start, threads)):
                        c = start + it * threads + tx
                        if c < end:
                            xb = T.reinterpret(Logits[bx, c], u32)
                            key = key_of(xb)
                            if (key & mask0) > prefix0:
                                pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_GT]), 1)
                                Out[bx, pos] = c
                            elif (key & mask0) == prefix0 and nb0 <= cap:
                                pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_CAND]), 1)
                                s_key[pos] = key
                                s_col[pos] = c
                    T.sync_threads()

                    # ---- finer digits: from the shared buffer, or re-read the row
                    for p in T.serial(1, NPASS):
                        if done[0] == 0:
                            if nb0 <= cap:
                                buf_hist(hist, s_key, nb0, tx, prefix, hi_mask, shift_at(p), width_at(p))
                            else:
                                row_hist(hist, Logits, bx, start, end, tx, prefix, hi_mask, shift_at(p),
                                         width_at(p), kb)
                            pick(hist, st, scan, tx, k_rem, prefix, hi_mask, done, shift_at(p), width_at(p))

                # ---- final: rest of the bucket above the threshold, then k_rem[0] ties
                if nb0 <= cap:
                    for it in T.serial(T.ceildiv(nb0, threads)):
                        e = it * threads + tx
                        if e < nb0:
                            key = s_key[e]
                            if (key & hi_mask[0]) > prefix[0]:
                                pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_GT]), 1)
                                Out[bx, pos] = s_col[e]
                            elif (key & hi_mask[0]) == prefix[0]:
                                pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_EQ]), 1)
                                if pos < k_rem[0]:
                                    Out[bx, K - k_rem[0] + pos] = s_col[e]
                else:
                    for it in T.serial(T.ceildiv(end - start, threads)):
                        c = start + it * threads + tx
                        if c < end:
                            xb = T.reinterpret(Logits[bx, c], u32)
                            key = key_of(xb)
                            if (key & mask0) == prefix0:
                                if (key & hi_mask[0]) > prefix[0]:
                                    pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_GT]), 1)
                                    Out[bx, pos] = c
                                elif (key & hi_mask[0]) == prefix[0]:
                                    pos = T.call_extern(i32, "atomicAdd", T.address_of(st[S_EQ]), 1)
                                    if pos < k_rem[0]:
                                        Out[bx, K - k_rem[0] + pos] = c

    return topk.with_attr("tilelang_pass_configs", {"tl.disable_thread_storage_sync": True})


def aot_kernels(problem: dict, schedule: dict | None = None) -> list[dict]:
    """What the generator compiles: one kernel (k, rows and row length are run-time)."""
    return [{"template": OP, "problem": dict(problem), "schedule": {**SCHEDULE, **(schedule or {})},
             "backend": "tilelang"}]


# ---------------------------------------------------------------- dispatch
# Decode-time selects (a row per query token: a handful of rows, each up to the context length)
# go to Triton when there are fewer rows than SMs: this kernel runs one CTA per row.
FEW_ROWS_MIN_COLS = 16384

# The runtime (dsagen.runtime.dispatch.TileLangModule) calls this with the Triton template's
# launch arguments; a call the kernel cannot serve goes to m.fall_back (the Triton kernel).
def launch_adapter(m, logits, row_starts, row_ends, out, *, k, schedule=None, splits=None):
    """templates/topk/triton.py launch signature -> the TileLang selector (one CTA per row)."""
    import torch

    from dsagen.runtime.targets import sm_count

    why = None
    if schedule is not None or splits is not None:
        why = "an explicit Triton schedule or split count"
    elif logits.device.type != m.device_type:
        why = f"tensors on {logits.device.type}"
    elif logits.dtype != torch.float32:
        why = f"{logits.dtype} logits"
    elif logits.shape[0] == 0:
        why = "no rows"
    elif logits.shape[0] < sm_count(logits.device) and logits.shape[1] >= FEW_ROWS_MIN_COLS:
        why = (f"{logits.shape[0]} rows of {logits.shape[1]} columns: one CTA per row would leave most of the "
               f"{sm_count(logits.device)} SMs idle (the Triton select splits a row across programs)")
    if why:
        return m.fall_back(why, logits, row_starts, row_ends, out, k=k, schedule=schedule, splits=splits)
    from dsagen.runtime.tilelang import topk
    # The Triton contract lets out be wider than k; the TileLang kernel reads k from out's shape.
    topk(m.kernel, logits, int(k), row_starts, row_ends, out=out if out.shape[1] == k else out[:, :k])
    return None
