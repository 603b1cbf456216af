"""DeepSeek-V4's KV compressor: the Triton kernel (interpreter on CPU) vs the float64 oracle.

Outputs are poisoned with NaN before every run; entries the kernel must skip hold a finite
sentinel that must survive. Inputs are fresh random bf16 rows with sharp gates (+40 on some
scores), NaN in every row no entry reads, first groups without a previous one, and groups past
the end of the rows.
"""

import pytest
import torch

from dsagen import tolerances
from dsagen.operators.base import verify
from dsagen.operators.kv_compress.api import kv_compress
from dsagen.operators.kv_compress.naive import compress_sequence
from dsagen.operators.kv_compress.naive import kv_compress as oracle
from dsagen.operators.kv_compress.problem import EPS, OP, SKIPPED, random_inputs
from dsagen.runtime.dispatch import template_module

PROBLEMS = [  # DeepSeek-V4: CSA's attention and indexer compressors (ratio 4, overlapping), HCA's (128);
    # GLM-5.3-Flash's indexer key pooling (4:1, no overlap, no norm); a user's variant (any d, ratio)
    {"d": 512, "ratio": 4, "overlap": 1, "norm": 1, "entries": 64},
    {"d": 128, "ratio": 4, "overlap": 1, "norm": 1, "entries": 64},
    {"d": 512, "ratio": 128, "overlap": 0, "norm": 1, "entries": 64},
    {"d": 128, "ratio": 4, "overlap": 0, "norm": 0, "entries": 64},
    {"d": 64, "ratio": 8, "overlap": 1, "norm": 0, "entries": 64},
]


def _id(p):
    return OP.kernel_name(p).removeprefix("kv_compress_")


@pytest.mark.parametrize("problem", PROBLEMS, ids=_id)
def test_verify_cases_pass(problem):
    r = verify(OP, template_module(OP), problem)
    assert r["passed"], r
    assert "prefill" in r["shapes"] and "ring" in r["shapes"]


def _packed(lens, d, r, c, seed):
    g = torch.Generator().manual_seed(seed)
    n = sum(lens)
    kv = torch.randn(n, c * d, generator=g).bfloat16()
    score = (torch.randn(n, c * d, generator=g) * 3).bfloat16()
    ape = torch.randn(r, c * d, generator=g) * 0.5
    w = 1 + 0.1 * torch.randn(d, generator=g)
    return kv, score, ape, w


def _prefill_table(lens, r, overlap):
    grows, prows, at = [], [], 0
    for n in lens:
        for j in range(n // r):
            grows.append(at + j * r)
            prows.append(at + (j - 1) * r if j else -1)
        at += n
    return torch.tensor(grows, dtype=torch.int32), (torch.tensor(prows, dtype=torch.int32) if overlap else None)


@pytest.mark.parametrize("d,r,overlap,norm", [(512, 4, 1, 1), (128, 4, 1, 1), (512, 128, 0, 1), (128, 4, 0, 0)],
                         ids=["csa_d512", "csa_d128", "hca_d512", "kpool_d128"])
def test_api_matches_the_whole_sequence_oracle(d, r, overlap, norm):
    """The entry table of a packed prefill batch reproduces the model's per-sequence math."""
    lens = [3 * r + 1, 2 * r, r - 1] if r < 100 else [2 * r + 5, r]
    kv, score, ape, w = _packed(lens, d, r, 1 + overlap, 5)
    w = w if norm else None
    grows, prows = _prefill_table(lens, r, overlap)
    out = torch.full((grows.numel(), d), float("nan"), dtype=torch.bfloat16)
    got = kv_compress(kv, score, ape, w, grows, prows, ratio=r, eps=EPS, out=out)
    assert got is out and not torch.isnan(out.float()).any()
    ref, at = [], 0
    for n in lens:
        ref.append(compress_sequence(kv[at:at + n], score[at:at + n], ape, w, r, EPS, bool(overlap)))
        at += n
    ref = torch.cat(ref)
    assert ref.shape == out.shape
    tolerances.assert_peer_close(out, ref.to(torch.bfloat16), tolerances.KV_COMPRESS_OUT, "prefill entries")
    # the two oracle forms agree exactly
    torch.testing.assert_close(oracle(kv, score, ape, w, grows, prows, r, EPS), ref, rtol=0, atol=0)


def test_the_check_fails_on_a_wrong_kernel():
    """verify's check rejects a kernel that drops the position embedding (a plausible bug)."""
    real = template_module(OP)

    class NoApe:
        @staticmethod
        def launch(kv, score, ape, *a, **k):
            return real.launch(kv, score, torch.zeros_like(ape), *a, **k)

    r = verify(OP, NoApe, PROBLEMS[0])
    assert not r["passed"], r
    assert "beyond atol" in r["shapes"] or "cosine" in r["shapes"], r


def test_a_nan_in_a_read_slot_makes_the_entry_nan_and_nothing_else():
    p = PROBLEMS[1]
    x = random_inputs(p, seed=3, layout="prefill", entries=6)
    g = int(x["group_rows"][1])
    x["score"][g + 2, 200] = float("nan")   # own-group channel 200 - 128 = 72 of entry 1
    out = kv_compress(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"], x["prev_rows"], ratio=4)
    assert torch.isnan(out[1].float()).all()          # RMSNorm spreads it over the entry
    others = [i for i in range(out.shape[0]) if i != 1 and int(x["prev_rows"][i]) != g]
    assert not torch.isnan(out[others].float()).any()


def test_skipped_entries_are_untouched_and_bad_rows_give_nan():
    p = PROBLEMS[2]
    x = random_inputs(p, seed=4, layout="ring", entries=4)
    n = x["kv"].shape[0]
    x["group_rows"][2] = n - 127    # past the end: never read
    out = torch.full((4, 512), SKIPPED, dtype=torch.bfloat16)
    kv_compress(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"], x["prev_rows"], ratio=128, out=out)
    assert bool((out[1] == SKIPPED).all()) and bool((out[3] == SKIPPED).all())   # odd sequences: -1
    assert torch.isnan(out[2].float()).all() and not torch.isnan(out[0].float()).any()


def test_fp32_output_and_empty_table():
    p = PROBLEMS[1]
    x = random_inputs(p, seed=6, layout="prefill", entries=3)
    out = torch.full((x["group_rows"].numel(), 128), float("nan"))
    kv_compress(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"], x["prev_rows"], ratio=4, out=out)
    ref = oracle(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"], x["prev_rows"], 4, EPS)
    bad = x["group_rows"] > x["kv"].shape[0] - 4
    assert not bad.any()
    torch.testing.assert_close(out.double(), ref, rtol=1e-5, atol=1e-5)  # fp32 vs float64: accumulation order only
    empty = kv_compress(x["kv"], x["score"], x["ape"], x["weight"], x["group_rows"][:0], x["prev_rows"][:0], ratio=4)
    assert empty.shape == (0, 128)


@pytest.mark.parametrize("change,match", [
    (dict(kv=torch.zeros(8, 301), score=torch.zeros(8, 301)), "kv must be"),
    (dict(weight=torch.ones(64)), r"weight must be \[128\]"),
    (dict(score=torch.zeros(8, 255)), "score must be"),
    (dict(ape=torch.zeros(3, 256)), "ape must be"),
    (dict(group_rows=torch.zeros(2)), "group_rows must be an int32"),
    (dict(prev_rows=torch.zeros(3, dtype=torch.int32)), r"prev_rows must be \[2\]"),
    (dict(ratio=0), "ratio must be"),
    (dict(eps=-1.0), "eps must be"),
    (dict(out=torch.zeros(2, 64)), "out must be"),
    (dict(kv=torch.zeros(8, 256, dtype=torch.int32)), "kv must be a bfloat16"),
], ids=["kv_width", "weight_width", "score_shape", "ape_shape", "rows_dtype", "prev_len", "ratio", "eps", "out",
        "kv_dtype"])
def test_bad_arguments_get_one_line(change, match):
    args = dict(kv=torch.zeros(8, 256), score=torch.zeros(8, 256), ape=torch.zeros(4, 256), weight=torch.ones(128),
                group_rows=torch.tensor([0, 4], dtype=torch.int32), prev_rows=torch.tensor([-1, 0], dtype=torch.int32),
                ratio=4, eps=1e-6, out=None)
    args.update(change)
    with pytest.raises(ValueError, match=match) as e:
        kv_compress(args.pop("kv"), args.pop("score"), args.pop("ape"), args.pop("weight"), args.pop("group_rows"),
                    args.pop("prev_rows"), **args)
    assert "\n" not in str(e.value)


def test_without_prev_rows_the_rows_are_one_series():
    """No prev_rows: c = 1 (HCA, key pooling): the whole row width is D, weight must match it."""
    with pytest.raises(ValueError, match=r"weight must be \[256\]"):
        kv_compress(torch.zeros(8, 256), torch.zeros(8, 256), torch.zeros(4, 256), torch.ones(128),
                    torch.tensor([0], dtype=torch.int32), None, ratio=4)
