"""Top-k selector over row ranges: Triton radix select (interpreter on CPU) vs the oracle.

Selections are compared by value (dsagen.operators.topk.problem.same_selection: -1 count and placement,
columns unique and in range, multiset of selected values equal to the oracle's as exact order
keys, so NaN and ties are handled and TOPK_VALUE's exactness holds). Outputs are poisoned with
-7 before every run.
"""

import json
import math
import os
import subprocess
import sys
import tomllib

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsagen import tolerances
from dsagen.operators.topk.api import topk_indices
from dsagen.operators.topk.problem import OP, same_selection, verify
from dsagen.operators.topk.naive import order_keys
from dsagen.operators.topk.naive import topk_indices as oracle
from dsagen.runtime import paths
from dsagen.runtime.dispatch import template_module

POISON = -7
ARCHS = ("sm80", "sm89", "sm90", "sm100")


def _poisoned(rows, k):
    return torch.full((rows, k), POISON, dtype=torch.int32)


def _run_and_check(x, k, starts=None, ends=None, schedule=None, splits=None):
    rows = x.shape[0]
    wide = _poisoned(rows, k + 3)  # 3 guard columns per row catch writes past slot k - 1
    out = wide[:, :k]
    if schedule is None and splits is None:
        got = topk_indices(x, k, starts, ends, out=out)
        assert got is out
    else:  # the template directly, with a test schedule (bigger tiles: fewer interpreter steps)
        n = x.shape[1]
        s = torch.zeros(rows, dtype=torch.int32) if starts is None else starts.to(torch.int32)
        e = torch.full((rows,), n, dtype=torch.int32) if ends is None else ends.to(torch.int32)
        template_module("topk").launch(x, s, e, out, k=k, schedule=schedule, splits=splits)
    assert not bool((out == POISON).any()), "some output slots were never written"
    assert bool((wide[:, k:] == POISON).all()), "a write landed past slot k - 1"
    ref = oracle(x, k, starts, ends)
    ok, why = same_selection(x, out, ref, k, starts, ends)
    assert ok, why
    return out


def _gen(seed):
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------- random rows, several k
CASES = [  # rows, n, k
    (3, 100, 1),
    (3, 100, 7),
    (4, 300, 64),
    (2, 1000, 64),
    (2, 5000, 2048),
    (3, 40, 64),      # rows shorter than k
    (1, 2048, 2048),  # row exactly k long
    (1, 2049, 2048),  # one more than k
]


@pytest.mark.parametrize("rows,n,k", CASES, ids=[f"rows{r}_n{n}_k{k}" for r, n, k in CASES])
def test_random_rows(rows, n, k):
    x = torch.randn(rows, n, generator=_gen(rows * 7919 + n + k))
    _run_and_check(x, k)


RANGES = [  # n, k
    (500, 7),
    (700, 64),
    (3000, 2048),
]


@pytest.mark.parametrize("n,k", RANGES, ids=[f"ranges_n{n}_k{k}" for n, k in RANGES])
def test_row_ranges(n, k):
    """Ragged ranges: start > 0, empty (start == end), start > end, longer and shorter than k."""
    g = _gen(n + k)
    rows = 8
    x = torch.randn(rows, n, generator=g)
    starts = torch.randint(1, n // 3, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(n // 2, n + 1, (rows,), generator=g, dtype=torch.int32)
    starts[1], ends[1] = 5, 5  # empty
    starts[2], ends[2] = 9, 3  # start > end: empty
    starts[3], ends[3] = n - k // 2 - 1, n  # shorter than k (or k = 1: 4 columns)
    ends[4] = n
    starts[5] = 0
    _run_and_check(x, k, starts, ends)


def test_row_ranges_int64_and_defaults():
    g = _gen(3)
    x = torch.randn(4, 400, generator=g)
    starts = torch.tensor([0, 10, 399, 200], dtype=torch.int64)
    _run_and_check(x, 33, starts, None)
    ends = torch.tensor([400, 10, 150, 1], dtype=torch.int64)
    _run_and_check(x, 33, None, ends)


# ---------------------------------------------------------------- ties and near-equal values
@pytest.mark.parametrize("k", [1, 7, 64, 2048], ids=lambda k: f"allequal_n3000_k{k}")
def test_all_equal_row(k):
    x = torch.full((2, 3000), 0.25)
    x[1] = -1.5
    out = _run_and_check(x, k)
    # the kernel breaks ties towards the lowest columns
    assert torch.equal(out[0].sort().values, torch.arange(k, dtype=torch.int32))


@pytest.mark.parametrize("k", [7, 64, 2048], ids=lambda k: f"threshold_ties_n6000_k{k}")
def test_many_ties_at_threshold(k):
    """k - 3 values clearly above, thousands equal to the k-th: exactly 3 of them taken."""
    g = _gen(k)
    n = 6000
    x = torch.randn(1, n, generator=g) - 10.0
    x[0, torch.randperm(n, generator=g)[:3000]] = 1.0  # the tie at the threshold
    above = torch.randperm(n, generator=g)[: k - 3]
    x[0, above] = 5.0 + torch.rand(k - 3, generator=g)
    out = _run_and_check(x, k)
    vals = x[0, out[0].long()]
    assert int((vals == 1.0).sum()) == 3


# ---------------------------------------------------------------- regression cases of the peers
# (../shared/DSA_FACTS.md section 13): each failed in a shipped top-k.
def test_relu_zeros_more_than_1024_ties_no_padding():
    """SGLang #30645: 100 positive winners and 8220 exact zeros (ReLU) at k 2048: the 1948 slots
    after the winners are zeros, never -1 padding."""
    g = _gen(5)
    n, k = 8320, 2048
    x = torch.zeros(1, n)
    x[0, torch.randperm(n, generator=g)[:100]] = torch.rand(100, generator=g) + 0.5
    out = _run_and_check(x, k)
    assert bool((out >= 0).all())
    assert int((x[0, out[0].long()] > 0).sum()) == 100


def test_scores_below_fp16_range_stay_ordered():
    """cuDNN #446: scores below -65504 collapse when a coarse key is fp16; fp32 keys keep their order."""
    g = _gen(6)
    x = -(7.0e4 + torch.rand(2, 4000, generator=g) * 1.0e6)   # all distinct, all < -65504
    _run_and_check(x, 64)


def test_threshold_bucket_over_4096_entries():
    """SGLang #36807: more than 4096 entries share the threshold's leading key bits (distinct fp32
    values 1 ulp apart around 1.0) behind k - 5 clear winners: the exact k-th is still found."""
    g = _gen(7)
    n, k = 6000, 2048
    x = (torch.tensor(1.0).view(torch.int32) + torch.randperm(n, generator=g).to(torch.int32)).view(torch.float32)
    x = x.reshape(1, n).clone()
    x[0, torch.randperm(n, generator=g)[: k - 5]] += 10.0
    _run_and_check(x, k)


def test_out_of_range_lanes_are_not_counted():
    """Ragged rows whose range ends mid-tile: lanes past the end hold larger values than any in range
    and must not enter the count (a row with exactly k valid entries, TileLang #2513, included)."""
    x = torch.arange(3000, dtype=torch.float32).repeat(3, 1)
    starts = torch.tensor([0, 100, 2000], dtype=torch.int32)
    ends = torch.tensor([64, 1100, 2064], dtype=torch.int32)   # rows 0 and 2: exactly k = 64 valid
    out = _run_and_check(x, 64, starts, ends)
    assert torch.equal(out[0].sort().values, torch.arange(64, dtype=torch.int32))
    assert torch.equal(out[2].sort().values, torch.arange(2000, 2064, dtype=torch.int32))


# ---------------------------------------------------------------- the one-read filter variant
def _filter_inputs(name):
    g = _gen(len(name))
    if name == "random_rows4_n3000_k64":
        return torch.randn(4, 3000, generator=g), 64, None, None
    if name == "random_rows2_n5000_k256":
        return torch.randn(2, 5000, generator=g), 256, None, None
    if name == "k1_rows3_n2000":
        return torch.randn(3, 2000, generator=g), 1, None, None
    if name == "ragged_exactly_k_and_empty":
        x = torch.randn(4, 3000, generator=g)
        return x, 64, torch.tensor([0, 100, 2000, 50]), torch.tensor([3000, 164, 1000, 2999])
    if name == "all_equal_n3000_k64":
        return torch.full((2, 3000), 0.25), 64, None, None
    if name == "ties_at_threshold_n6000_k64":
        x = torch.randn(1, 6000, generator=g) - 10.0
        x[0, torch.randperm(6000, generator=g)[:3000]] = 1.0
        x[0, torch.randperm(6000, generator=g)[:61]] = 7.0
        return x, 64, None, None
    if name == "nan_inf_signed_zero":
        x = torch.randn(2, 600, generator=g)
        x[0, ::3] = float("nan")
        x[0, 1::7] = float("-inf")
        x[1, :450] = -0.0
        x[1, 450:] = float("nan")
        return x, 500, None, None
    if name == "relu_zeros_8320_k2048":
        x = torch.zeros(1, 8320)
        x[0, torch.randperm(8320, generator=g)[:100]] = torch.rand(100, generator=g) + 0.5
        return x, 2048, None, None
    if name == "ascending_n4000_k64":  # every tile passes the filter: the most compactions
        return torch.arange(4000, dtype=torch.float32)[None], 64, None, None
    if name == "below_fp16_n4000_k64":
        return -(7.0e4 + torch.rand(2, 4000, generator=g) * 1.0e6), 64, None, None
    if name == "bf16_rows3_n3000_k64":
        return torch.randn(3, 3000, generator=g).to(torch.bfloat16), 64, None, None
    raise KeyError(name)


FILTER_CASES = ["random_rows4_n3000_k64", "random_rows2_n5000_k256", "k1_rows3_n2000",
                "ragged_exactly_k_and_empty", "all_equal_n3000_k64", "ties_at_threshold_n6000_k64",
                "nan_inf_signed_zero", "relu_zeros_8320_k2048", "ascending_n4000_k64",
                "below_fp16_n4000_k64", "bf16_rows3_n3000_k64"]


def _seed_params(names, seeded):
    """(name, seed) pairs: every case unseeded, and seeded where a range is long enough to sample."""
    return [pytest.param(n, 0, id=f"{n}-unseeded") for n in names] + \
        [pytest.param(n, 1, id=f"{n}-seeded") for n in names if n in seeded]


def _assert_seeds(x, k, starts, ends, block):
    """The seeded run really takes a sample: some range holds SEED_MIN_KP * KP columns."""
    kp = max(16, block, 1 << max(k - 1, 1).bit_length())
    n = x.shape[1]
    longest = n if starts is None else int((ends.long() - starts.long()).max())
    assert longest >= template_module("topk").SEED_MIN_KP * kp, (longest, kp)


# the cases with a range of at least 8 KP (the rest run unseeded only: the seed would not apply)
FILTER_SEEDED = set(FILTER_CASES) - {"nan_inf_signed_zero", "relu_zeros_8320_k2048"}


@pytest.mark.parametrize("name,seed", _seed_params(FILTER_CASES, FILTER_SEEDED))
def test_filter_variant(name, seed):
    """FILTER 1: each row read once, candidates above the running threshold kept in a 2 * KP scratch
    and cut back by a sort; the same exact selection as the oracle on every edge case. SEED 1 (where
    a range holds 8 KP columns): the rows start from a sampled threshold."""
    x, k, starts, ends = _filter_inputs(name)
    if starts is not None:
        starts, ends = starts.to(torch.int32), ends.to(torch.int32)
    # the narrowest tile the k allows (KP >= BLOCK_N): the interpreter's sort is slow
    block = min(1024, max(64, 1 << max(k - 1, 1).bit_length()))
    if seed:
        _assert_seeds(x, k, starts, ends, block)
    out = _run_and_check(x, k, starts, ends, schedule={"FILTER": 1, "SEED": seed, "BLOCK_N": block}, splits=1)
    if name == "relu_zeros_8320_k2048":
        assert bool((out >= 0).all())
    if name == "all_equal_n3000_k64":  # ties break towards the lowest columns
        assert torch.equal(out[0].sort().values, torch.arange(64, dtype=torch.int32))


# ---------------------------------------------------------------- the filter variant at DSA's sizes
def _long_filter_inputs(name):
    """Rows that make the filter variant cut its scratch (2 KP + BLOCK_N keys; KP 2048 at k 2048)
    several times: each cut is a radix select over the scratch that keeps exactly k entries."""
    g = _gen(len(name) + 100)
    if name == "randn_n131072_k2048":  # ~6 cuts, every threshold bucket refined in the side area
        return torch.randn(1, 131072, generator=g), 2048, None, None
    if name == "ascending_n65536_k2048_bits11":  # every key passes: a cut per 2048 appends (31)
        return torch.arange(65536, dtype=torch.float32)[None], 2048, None, None
    if name == "cluster_outlier_n32768_k2048":
        # distinct values 1 ulp apart plus one 1e30: the scratch's range is huge, so the first digit
        # puts ~4K entries in one bucket, over the side area (KP): the whole-scratch refine
        x = (torch.tensor(1.0).view(torch.int32) + torch.randperm(32768, generator=g).to(torch.int32))
        x = x.view(torch.float32)[None].clone()
        x[0, 77] = 1.0e30
        return x, 2048, None, None
    if name == "relu_zeros_n32768_k2048":  # 100 winners, 32668 exact zeros: ties at every cut
        x = torch.zeros(1, 32768)
        x[0, torch.randperm(32768, generator=g)[:100]] = torch.rand(100, generator=g) + 0.5
        return x, 2048, None, None
    if name == "below_fp16_n32768_k2048":
        return -(7.0e4 + torch.rand(1, 32768, generator=g) * 1.0e6), 2048, None, None
    if name == "nan_inf_n32768_k2048":  # 1000 numbers, then -inf before NaN fill the k
        x = torch.full((1, 32768), float("nan"))
        x[0, torch.randperm(32768, generator=g)[:5000]] = float("-inf")
        x[0, torch.randperm(32768, generator=g)[:1000]] = torch.randn(1000, generator=g)
        return x, 2048, None, None
    if name == "bf16_rows2_n32768_k2048":  # bf16: many exact ties among the candidates
        return torch.randn(2, 32768, generator=g).to(torch.bfloat16), 2048, None, None
    if name == "fp16_rows2_n32768_k2048":
        return torch.randn(2, 32768, generator=g).to(torch.float16), 2048, None, None
    if name == "ties_n60000_k8192_bits11":  # FILTER_MAX_K: KP 8192, a 2 KP + BLOCK_N scratch
        x = torch.randn(1, 60000, generator=g)
        x[:, ::7] = x[:, 3:4]
        return x, 8192, None, None
    if name == "ties_rows2_n20000_k5000":  # k not a power of two (KP 8192), every 7th value tied
        x = torch.randn(2, 20000, generator=g)
        x[:, ::7] = x[:, 3:4]
        return x, 5000, None, None
    if name == "ragged_rows20_n9000_k2048":
        # 20 rows on the interpreter's 16 programs (a scratch reused across rows); ranges of exactly
        # k, fewer than k, empty, and ends mid-tile with larger values past the end (ascending)
        x = torch.arange(9000, dtype=torch.float32).repeat(20, 1) + torch.randn(20, 9000, generator=g)
        starts = torch.randint(0, 3000, (20,), generator=g)
        ends = torch.randint(5000, 9001, (20,), generator=g)
        starts[0], ends[0] = 100, 100 + 2048  # exactly k
        starts[1], ends[1] = 4000, 5000       # fewer than k: -1 padding
        starts[2], ends[2] = 7, 7             # empty
        starts[3], ends[3] = 0, 6000 + 517    # mid-tile end, larger values past it
        return x, 2048, starts, ends
    raise KeyError(name)


LONG_FILTER_CASES = ["randn_n131072_k2048", "ascending_n65536_k2048_bits11", "cluster_outlier_n32768_k2048",
                     "relu_zeros_n32768_k2048", "below_fp16_n32768_k2048", "nan_inf_n32768_k2048",
                     "bf16_rows2_n32768_k2048", "fp16_rows2_n32768_k2048", "ties_n60000_k8192_bits11",
                     "ties_rows2_n20000_k5000", "ragged_rows20_n9000_k2048"]


LONG_FILTER_SEEDED = set(LONG_FILTER_CASES) - {"ties_n60000_k8192_bits11", "ties_rows2_n20000_k5000",
                                               "ragged_rows20_n9000_k2048"}


@pytest.mark.parametrize("name,seed", _seed_params(LONG_FILTER_CASES, LONG_FILTER_SEEDED))
def test_filter_variant_long_rows(name, seed):
    """FILTER 1 at k 2048 with BLOCK_N 1024 (KP 2048), and k 5000 / 8192 (KP 8192): rows long enough
    to cut the scratch several times (radix select over the scratch, exact; ties kept lowest column
    first), each overflow path of the peers' bugs included; the selection equals the oracle's by
    value."""
    x, k, starts, ends = _long_filter_inputs(name)
    if starts is not None:
        starts, ends = starts.to(torch.int32), ends.to(torch.int32)
    bits = 11 if name.endswith("bits11") else 8
    if seed:
        _assert_seeds(x, k, starts, ends, 1024)
    out = _run_and_check(x, k, starts, ends, splits=1,
                         schedule={"FILTER": 1, "SEED": seed, "BLOCK_N": 1024, "RADIX_BITS": bits, "num_warps": 8})
    if name == "relu_zeros_n32768_k2048":
        assert bool((out >= 0).all())
        assert int((x[0, out[0].long()] > 0).sum()) == 100
        # ties at the k-th value (0) go to the lowest columns, across cuts
        zeros = out[0][x[0, out[0].long()] == 0].sort().values
        assert torch.equal(zeros, (x[0] == 0).nonzero()[:, 0][: k - 100].to(torch.int32))
    if name == "nan_inf_n32768_k2048":
        vals = x[0, out[0].long()]
        assert int(torch.isfinite(vals).sum()) == 1000 and int(torch.isinf(vals).sum()) == 1048
    if name == "ragged_rows20_n9000_k2048":
        assert int((out[1] == -1).sum()) == k - 1000 and bool((out[2] == -1).all())


def test_filter_seed_at_its_boundaries_and_offsets():
    """SEED 1 on row ranges that start inside the row (the sample is taken from [start, end)), one
    exactly 8 KP long (the shortest seeded), one 8 KP - 1 (unseeded), and k 5000 (KP 8192: an
    896-key sample of a 70K range); exact against the oracle."""
    g = _gen(77)
    x = torch.randn(4, 72000, generator=g)
    starts = torch.tensor([0, 5000, 17, 999], dtype=torch.int32)
    ends = torch.tensor([40000, 38001, 17 + 16384, 999 + 16383], dtype=torch.int32)
    sch = {"FILTER": 1, "SEED": 1, "BLOCK_N": 1024, "num_warps": 8}
    _run_and_check(x, 2048, starts, ends, splits=1, schedule=sch)
    _run_and_check(x[:1], 5000, torch.tensor([1000], dtype=torch.int32), torch.tensor([71000], dtype=torch.int32),
                   splits=1, schedule=sch)


SEED_MISS_CASES = ["sample_holds_the_top_n32768_k2048", "sample_holds_the_bottom_n32768_k2048",
                   "sample_ties_n16384_k2048"]


@pytest.mark.parametrize("name", SEED_MISS_CASES)
def test_filter_seed_misjudged_rows(name):
    """SEED 1 on rows whose sampled columns (seed_sample keys in runs of 8 spread evenly: 1024 at
    32K, 512 at 16K, narrower than a tile) misrepresent the row: the sample holds its largest keys
    (the seed is above the k-th key: fewer than k pass and the row is read again from 0), its
    smallest (every key passes: a cut per 2 KP - k appends), or one value tied over the whole
    sample; the selection is still the oracle's."""
    g = _gen(len(name) + 300)
    n = int(name.split("_n")[1].split("_")[0])
    k, kp = 2048, 2048
    size = template_module("topk").seed_sample(k, kp, n)
    j = torch.arange(size)
    sampled = (j // 8) * (n // (size // 8)) + j % 8
    x = torch.randn(1, n, generator=g)
    if name.startswith("sample_holds_the_top"):
        x[0, sampled] = 100.0 + torch.rand(size, generator=g)
    elif name.startswith("sample_holds_the_bottom"):
        x[0, sampled] = -100.0 - torch.rand(size, generator=g)
    else:
        x[0, sampled] = 0.5  # seed = 0.5: the tied sample passes beside the randn keys above it
    out = _run_and_check(x, k, splits=1, schedule={"FILTER": 1, "SEED": 1, "BLOCK_N": 1024, "num_warps": 8})
    if name.startswith("sample_holds_the_top"):  # all sampled keys are among the winners
        assert bool(torch.isin(sampled.to(torch.int32), out[0]).sum() == min(k, size))


def _simulate_filter(x, k, block_n, seed=False):
    """The filter kernel's append / cut schedule on one row (what problem.filter_work estimates);
    seed: SEED 1's sample and its threshold."""
    tpl = template_module("topk")
    kp = max(16, block_n, 1 << max(k - 1, 1).bit_length())
    keys = order_keys(x)
    n = x.numel()
    buf = torch.empty(0, dtype=keys.dtype)
    lo, appended, cuts = None, 0, 0
    if seed and n >= tpl.SEED_MIN_KP * kp:
        size = tpl.seed_sample(k, kp, n)
        j = torch.arange(size)
        sample = keys[(j // 8) * (n // (size // 8)) + j % 8]
        lo = sample.sort(descending=True).values[tpl.seed_rank(k, kp, n) - 1]  # not a cut: histograms
    for c0 in range(0, n, block_n):
        t = keys[c0:c0 + block_n]
        cand = t if lo is None else t[t >= lo]
        buf = torch.cat([buf, cand])
        appended += cand.numel()
        if buf.numel() >= 2 * kp:
            cuts += 1
            buf = buf.sort(descending=True).values[:k]
            lo = buf[-1] + 1
    assert buf.numel() >= k  # a randn row never needs the seed's second read
    return appended, cuts + 1


@pytest.mark.parametrize("seed", [False, True], ids=["unseeded", "seeded"])
@pytest.mark.parametrize("n", [8192, 32768, 131072, 1 << 20])
def test_filter_cost_terms_match_the_kernel_schedule(n, seed):
    """problem.filter_work (the cost model's appends and cuts of the filter variant) against the
    kernel's schedule simulated on a randn row (k 2048, BLOCK_N 1024)."""
    from dsagen.operators.topk.problem import filter_work

    rows = 8 if seed else 1  # the sampled threshold varies by row (~1/sqrt(rank)): their mean
    runs = [_simulate_filter(torch.randn(n, generator=_gen(n + i)), 2048, 1024, seed) for i in range(rows)]
    appended = sum(a for a, _ in runs) / rows
    cuts = sum(c for _, c in runs) / rows
    w = filter_work(n, 2048, 1024, 8, seed)
    assert abs(w["appended"] - appended) <= 0.05 * appended, (w, appended)
    assert abs(w["cuts"] - cuts) <= 1.0, (w, cuts)


def test_seed_terms_agree_with_the_kernel():
    """The cost model's copy of the seed's constants, sample size and rank
    (dsagen.operators.topk.problem) is the kernel's (templates/topk/triton.py): the model cannot
    import the template. The sample is sized to the row: 64 n / k keys for rank 96 (1.5 k of the
    row at or above it), capped at the scratch's 2 KP with the rank that keeps 1.5 k, at least 64."""
    from dsagen.operators.topk import problem

    tpl = template_module("topk")
    assert (problem.SEED_MIN_KP, problem.SEED_RANK, problem.SEED_MIN_RANK) == \
        (tpl.SEED_MIN_KP, tpl.SEED_RANK, tpl.SEED_MIN_RANK)
    for k, kp, n in [(1, 64, 3000), (1, 1024, 8192), (64, 64, 4000), (2048, 2048, 16384), (2048, 2048, 131072),
                     (2048, 2048, 1 << 20), (5000, 8192, 65536), (8192, 8192, 3 << 20)]:
        assert problem.seed_sample(k, kp, n) == tpl.seed_sample(k, kp, n), (k, kp, n)
        assert problem.seed_rank(k, kp, n) == tpl.seed_rank(k, kp, n), (k, kp, n)
    got = [(tpl.seed_sample(2048, 2048, n), tpl.seed_rank(2048, 2048, n)) for n in (16384, 32768, 131072, 1 << 20)]
    assert got == [(512, 96), (1024, 96), (4096, 96), (4096, 64)], got
    assert (tpl.seed_sample(1, 1024, 8192), tpl.seed_rank(1, 1024, 8192)) == (2048, 1)  # capped; rank <= k


def test_cost_model_picks_the_one_read_filter_for_long_rows():
    """With the filter variant's scratch work and sample and the radix select's re-read all counted,
    the one-read filter with its sampled threshold ranks first at the default spec's 32K- and
    128K-row buckets on every arch."""
    from dsagen.gen.pipeline import plan
    from dsagen.spec.archs import ARCHS, get_arch
    from dsagen.spec.model import load_spec

    spec = load_spec(None)
    for name in ARCHS:
        units = [u for u in plan(get_arch(name), spec, ["topk"], log=lambda *a: None)
                 if u.backend == "triton" and u.problem["row_len"] >= 32768]
        assert sorted(u.problem["row_len"] for u in units) == [32768, 131072], name
        for u in units:
            assert (u.ranked[0][1]["FILTER"], u.ranked[0][1]["SEED"]) == (1, 1), (name, u.name, u.ranked[0])


@pytest.mark.parametrize("k", [1, 7, 64], ids=lambda k: f"near_equal_n2000_k{k}")
def test_near_equal_values(k):
    """Values one ulp apart (all keys share their top 24 bits): the last radix pass decides."""
    g = _gen(k + 1)
    n = 2000
    base = torch.tensor(1.0 + 2.0**-10)
    steps = torch.randint(-40, 40, (n,), generator=g)
    bits = base.view(torch.int32) + steps.to(torch.int32)
    x = bits.view(torch.float32).reshape(1, n).clone()
    neg = x.clone().neg_()  # negatives one ulp apart too
    _run_and_check(torch.cat([x, neg]), k)


def test_neg_zero_equals_zero():
    x = torch.tensor([[-0.0, 0.0, -0.0, 0.0, -1.0, -0.0, 0.0]])
    out = _run_and_check(x, 3)
    assert torch.equal(out[0].sort().values, torch.tensor([0, 1, 2], dtype=torch.int32))


# ---------------------------------------------------------------- -inf and NaN
def test_neg_inf_values_are_candidates():
    """Clean logits put -inf outside a query's range; the caller's range still decides."""
    x = torch.randn(3, 500, generator=_gen(11))
    x[0, :450] = float("-inf")  # 50 finite values, k = 64: 14 -inf selected
    x[1, :] = float("-inf")
    x[2, 100:] = float("inf")
    out = _run_and_check(x, 64)
    assert int(torch.isinf(x[0, out[0].long()]).sum()) == 14
    assert bool((out[1] >= 0).all())


def test_nan_ranks_below_neg_inf():
    x = torch.randn(3, 300, generator=_gen(12))
    x[0, ::2] = float("nan")
    x[1, :] = float("nan")
    x[1, 7] = float("-inf")
    x[2, :290] = float("nan")  # 10 numbers, k = 64: 54 NaNs selected
    out = _run_and_check(x, 64)
    assert int(out[1, 0:64].eq(7).sum()) == 1  # -inf beats every NaN
    assert int(torch.isnan(x[2, out[2].long()]).sum()) == 54
    assert not bool(torch.isnan(x[0, out[0].long()]).any())


# ---------------------------------------------------------------- long rows
def test_long_rows_default_schedule_131072():
    """128K columns (DSA's context length) with the default schedule, k = 2048: through the ops
    layer (1 row: the split variant) and one program per row."""
    x = torch.randn(1, 131072, generator=_gen(13))
    _run_and_check(x, 2048)
    _run_and_check(x, 2048, splits=1)


LONG = [  # n, k, pattern, programs per row, scratch entries per program
    (1 << 20, 2048, "randn", 1, 4096),  # threshold bucket of ~24K > scratch: re-read path
    (1 << 20, 2048, "randn", 1, 1 << 17),  # bucket fits the scratch
    (1 << 20, 2048, "allequal", 1, 4096),  # one threshold bucket of 1M keys (peers' overflow bug)
    (1 << 20, 2048, "allequal", 1, 1 << 20),  # ... which fits a scratch of 1M entries exactly
    (1 << 20, 7, "fewdistinct", 1, 4096),
    (1 << 20, 2048, "randn", 8, 0),
    (1 << 20, 2048, "allequal", 8, 0),
    (1 << 20, 64, "fewdistinct", 5, 0),
]


@pytest.mark.parametrize("n,k,pattern,splits,cap", LONG,
                         ids=[f"{p}_n{n}_k{k}_splits{s}_cap{c}" for n, k, p, s, c in LONG])
def test_one_million_columns(n, k, pattern, splits, cap):
    g = _gen(14)
    if pattern == "randn":
        x = torch.randn(1, n, generator=g)
    elif pattern == "allequal":
        x = torch.full((1, n), -3.0)
    else:  # 4 distinct values: huge tied buckets at every radix pass
        x = torch.randint(0, 4, (1, n), generator=g).float()
    _run_and_check(x, k, schedule={"BLOCK_N": 65536, "CAP": cap}, splits=splits)


CAPS = [0, 1, 40, 300, 4096]


@pytest.mark.parametrize("cap", CAPS, ids=lambda c: f"scratch{c}_rows24_n500_k33")
def test_scratch_capacity_and_persistent_rows(cap):
    """Bucket re-read (scratch too small) and scratch paths; 24 rows on 16 persistent programs
    (each reuses its scratch across rows); ties, -inf and ragged ranges."""
    g = _gen(cap + 5)
    rows, n, k = 24, 500, 33
    x = torch.randn(rows, n, generator=g)
    x[::3, ::2] = 0.5
    x[1::4, :450] = float("-inf")
    x[2, :] = 7.0
    starts = torch.randint(0, 200, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(150, n + 1, (rows,), generator=g, dtype=torch.int32)
    _run_and_check(x, k, starts, ends, schedule={"BLOCK_N": 128, "CAP": cap}, splits=1)


SPLITS = [  # rows, n, k, splits
    (3, 5000, 64, 3),
    (2, 20000, 2048, 5),
    (4, 3000, 7, 16),  # more splits than tiles: empty chunks
]


@pytest.mark.parametrize("rows,n,k,splits", SPLITS, ids=[f"split_rows{r}_n{n}_k{k}_s{s}" for r, n, k, s in SPLITS])
def test_split_variant(rows, n, k, splits):
    """Several programs per row (global histograms, atomic slot counters), ragged ranges, ties."""
    g = _gen(n + splits)
    x = torch.randn(rows, n, generator=g)
    x[:, ::4] = x[:, 1:2]
    x[-1, : n // 2] = float("nan")
    starts = torch.randint(0, n // 4, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(n // 2, n + 1, (rows,), generator=g, dtype=torch.int32)
    starts[0], ends[0] = 11, 11 + k // 2  # shorter than k
    _run_and_check(x, k, starts, ends, schedule={"BLOCK_N": 512}, splits=splits)



@pytest.mark.parametrize("splits", [None, 3], ids=["api", "split3"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_half_precision_logits_rows3_n3000_k64(dtype, splits):
    """bf16 logits (what DeepSelect takes and vLLM's top-k test feeds) and fp16: widened exactly in
    the kernel, so the selection is the oracle's; bf16's coarse values give many exact ties."""
    g = _gen(3000 + (splits or 0))
    rows, n, k = 3, 3000, 64
    x = torch.randn(rows, n, generator=g).to(dtype)
    x[0, ::3] = x[0, 5]                   # a tie far above the k-th value
    x[1, 100:200] = float("-inf")
    x[2, : n // 2] = float("nan")
    starts = torch.tensor([0, 17, 40], dtype=torch.int32)
    ends = torch.tensor([n, 2000, 40 + k // 2], dtype=torch.int32)   # the last row shorter than k
    if splits is None:
        _run_and_check(x, k, starts, ends)
    else:
        _run_and_check(x, k, starts, ends, schedule={"BLOCK_N": 512}, splits=splits)

def test_split_chosen_for_few_long_rows():
    mod = template_module("topk")
    sched = dict(mod.SCHEDULE)
    assert mod.num_splits(1, 1 << 17, sched, torch.device("cpu")) > 1
    assert mod.num_splits(1000, 1 << 17, sched, torch.device("cpu")) == 1
    assert mod.num_splits(1, 1000, sched, torch.device("cpu")) == 1
    assert mod.num_splits(1, 1 << 17, {**sched, "MAX_SPLITS": 1}, torch.device("cpu")) == 1


# ---------------------------------------------------------------- layouts and schedules
def test_strided_logits_and_out():
    """Row-strided logits (a slice of a wider matrix) and a row-strided out."""
    g = _gen(15)
    big = torch.randn(5, 900, generator=g)
    x = big[:, 50:650]
    assert x.stride(0) == 900
    out_big = torch.full((5, 100), POISON, dtype=torch.int32)
    out = out_big[:, :64]
    topk_indices(x, 64, out=out)
    ok, why = same_selection(x, out, oracle(x, 64), 64)
    assert ok, why
    assert bool((out_big[:, 64:] == POISON).all())


@pytest.mark.parametrize("bits,block,warps", [(8, 256, 4), (11, 1024, 8), (4, 128, 2)],
                         ids=lambda v: str(v))
def test_other_schedules(bits, block, warps):
    g = _gen(bits)
    x = torch.randn(3, 3000, generator=g)
    x[:, ::3] = x[:, :1]
    starts = torch.tensor([0, 17, 2990], dtype=torch.int32)
    ends = torch.tensor([3000, 2500, 3000], dtype=torch.int32)
    for k in (1, 64, 700):
        _run_and_check(x, k, starts, ends,
                       schedule={"BLOCK_N": block, "RADIX_BITS": bits, "num_warps": warps, "num_stages": 1})


def test_zero_rows_and_zero_columns():
    out = topk_indices(torch.empty(0, 10), 4)
    assert out.shape == (0, 4)
    out = torch.full((3, 4), POISON, dtype=torch.int32)
    topk_indices(torch.empty(3, 0), 4, out=out)
    assert bool((out == -1).all())


# ---------------------------------------------------------------- argument checks
def test_bad_arguments():
    x = torch.randn(2, 10)
    with pytest.raises(ValueError, match="logits"):
        topk_indices(x.double(), 2)
    with pytest.raises(ValueError, match="logits"):
        topk_indices(x.to(torch.int32), 2)
    with pytest.raises(ValueError, match="logits"):
        topk_indices(torch.randn(2, 3, 4), 2)
    with pytest.raises(ValueError, match="k"):
        topk_indices(x, 0)
    with pytest.raises(ValueError, match="k"):
        topk_indices(x, 2.0)
    with pytest.raises(ValueError, match="row_starts"):
        topk_indices(x, 2, row_starts=torch.zeros(3, dtype=torch.int32))
    with pytest.raises(ValueError, match="row_starts"):
        topk_indices(x, 2, row_starts=torch.zeros(2))
    with pytest.raises(ValueError, match="row_ends"):
        topk_indices(x, 2, row_ends=torch.zeros(2, 1, dtype=torch.int32))
    with pytest.raises(ValueError, match="out"):
        topk_indices(x, 2, out=torch.zeros(2, 3, dtype=torch.int32))
    with pytest.raises(ValueError, match="out"):
        topk_indices(x, 2, out=torch.zeros(2, 2, dtype=torch.int64))


# ---------------------------------------------------------------- the checker itself can fail
def test_same_selection_rejects_wrong_answers():
    x = torch.randn(1, 50, generator=_gen(16))
    ref = oracle(x, 5)
    ok, _ = same_selection(x, ref, ref, 5)
    assert ok
    bad = ref.clone()
    bad[0, 0] = ref[0, 0] + 1 if int(ref[0, 0]) + 1 not in ref[0].tolist() else ref[0, 0] - 1
    assert not same_selection(x, bad, ref, 5)[0]
    dup = ref.clone()
    dup[0, 1] = dup[0, 0]
    assert not same_selection(x, dup, ref, 5)[0]
    pad = ref.clone()
    pad[0, -1] = -1
    assert not same_selection(x, pad, ref, 5)[0]


def test_oracle_keys_order():
    v = torch.tensor([float("nan"), float("-inf"), -3.0, -1e-38, -0.0, 0.0, 1e-45, 2.0, float("inf")])
    kk = order_keys(v)
    assert kk[0] < kk[1] < kk[2] < kk[3] < kk[4] and kk[4] == kk[5] and kk[5] < kk[6] < kk[7] < kk[8]


# ---------------------------------------------------------------- hypothesis
@st.composite
def _problems(draw):
    rows = draw(st.integers(1, 3))
    n = draw(st.integers(1, 400))
    k = draw(st.integers(1, 300))
    pool = draw(st.sampled_from(["randn", "few", "special"]))
    seed = draw(st.integers(0, 2**31 - 1))
    g = _gen(seed)
    if pool == "randn":
        x = torch.randn(rows, n, generator=g)
    elif pool == "few":
        x = torch.randint(-2, 3, (rows, n), generator=g).float()
    else:
        choices = torch.tensor([float("nan"), float("-inf"), float("inf"), -0.0, 0.0, 1.0,
                                math.nextafter(1.0, 2.0), math.nextafter(1.0, 0.0), -1.0])
        x = choices[torch.randint(0, len(choices), (rows, n), generator=g)]
    starts = torch.randint(0, n + 1, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(0, n + 1, (rows,), generator=g, dtype=torch.int32)
    splits = draw(st.sampled_from([None, 1, 3, "filter"]))  # ops layer, one program per row, split, filter
    return x, k, starts, ends, splits


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problems())
def test_property_matches_oracle(problem):
    """Selected values equal the oracle's top values; columns unique and in range; -1 count."""
    x, k, starts, ends, splits = problem
    schedule = None if splits is None else {"BLOCK_N": 64, "num_warps": 2}
    if splits == "filter":  # the one-read filter variant: cuts of its 2 KP + 64-entry scratch
        schedule, splits = {"BLOCK_N": 64, "num_warps": 2, "FILTER": 1, "RADIX_BITS": 4}, 1
    out = _run_and_check(x, k, starts, ends, schedule=schedule, splits=splits)
    for i in range(x.shape[0]):
        m = max(int(ends[i]) - int(starts[i]), 0)
        assert int((out[i] == -1).sum()) == k - min(k, m)


# ---------------------------------------------------------------- tuner hooks, schedules, AOT
def test_verify_hook():
    res = verify(template_module("topk"), OP.example)
    assert res["passed"] and res["max_error"] == 0.0 == tolerances.TOPK_VALUE.atol, res
    assert set(OP.example) == set(OP.keys) == {"k", "rows", "row_len"}


@pytest.mark.parametrize("arch", ARCHS)
def test_schedule_toml_matches_template(arch):
    path = paths.tree_root() / "schedules" / "topk" / "triton.toml"  # the source tree's
    spec = tomllib.loads(path.read_text())
    assert spec["op"] == "topk" and spec["backend"] == "triton"
    sched = template_module("topk").SCHEDULE
    assert set(spec["space"]) == set(sched)
    for key, value in sched.items():
        assert value in spec["space"][key], (key, value)
    assert all(c.get("expr") and c.get("why") for c in spec.get("constraints", []))
    assert all(set(c.get("archs", [])) <= set(ARCHS) for c in spec.get("constraints", []))


_AOT = r"""
import importlib.util, json, os, re, subprocess, sys, tempfile
import triton
from triton.compiler import ASTSource
from triton.backends.compiler import GPUTarget
spec = importlib.util.spec_from_file_location("tk", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
ptxas = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "ptxas")
for cc in (80, 90):
    for d in m.aot_kernels({"k": 2048, "rows": 8, "row_len": 131072}, json.loads(sys.argv[2])):
        k = triton.compile(ASTSource(fn=d["fn"], signature=d["signature"], constexprs=d["constexprs"]),
                           target=GPUTarget("cuda", cc, 32),
                           options={"num_warps": d["num_warps"], "num_stages": d["num_stages"]})
        assert "ptx" in k.asm and k.metadata.shared > 0
        spills = "unchecked"
        if os.path.exists(ptxas):
            with tempfile.NamedTemporaryFile("w", suffix=".ptx", delete=False) as f:
                f.write(k.asm["ptx"])
            r = subprocess.run([ptxas, "-v", "--gpu-name", "sm_90a" if cc == 90 else "sm_80", f.name,
                                "-o", os.devnull], capture_output=True, text=True)
            os.unlink(f.name)
            assert r.returncode == 0, r.stderr
            spills = re.search(r"(\d+) bytes spill stores", r.stdout + r.stderr).group(1)
            assert spills == "0", (cc, d["name"], r.stderr)
        print("ok", cc, d["name"], spills)
"""


def test_aot_compiles_sm80_sm90_without_spills():
    """The default schedule's kernels (one-program and split) compile ahead of time without
    spills (no GPU needed; own process, no interpreter)."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, "-c", _AOT, str(paths.template_path("triton", "topk")), "{}"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = {line.split()[2] for line in r.stdout.splitlines() if line.startswith("ok")}
    assert "topk_kernel" in names and "topk_split_collect_kernel" in names, r.stdout
    assert r.stdout.count("ok ") == 2 * len(names)


def test_aot_filter_variant_compiles_sm80_sm90_without_spills():
    """The filter variant at the cost model's pick for 128K rows (11-bit cuts, 1024-column tiles, 8
    warps) compiles without spills: the cut reads the scratch tile by tile, so its registers do not
    grow with k."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    sched = {"FILTER": 1, "CAP": 0, "RADIX_BITS": 11, "BLOCK_N": 1024, "num_warps": 8, "MAX_SPLITS": 1}
    r = subprocess.run([sys.executable, "-c", _AOT, str(paths.template_path("triton", "topk")), json.dumps(sched)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = {line.split()[2] for line in r.stdout.splitlines() if line.startswith("ok")}
    assert names == {"topk_filter_kernel"}, r.stdout
