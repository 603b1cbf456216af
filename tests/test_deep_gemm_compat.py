"""dsagen.compat.deep_gemm against the oracle, checked the way DeepGEMM's own tests check:
cosine-style diff of the finite part and exactly equal -inf masks; plus the split-KV metadata."""

import pytest
import torch

from dsagen import tolerances
from dsagen.compat import deep_gemm as dg
from dsagen.operators.indexer_logits import problem as ragged
from dsagen.operators.indexer_logits_paged import problem as paged
from dsagen.operators.indexer_logits import naive as ragged_oracle
from dsagen.operators.indexer_logits_paged import naive as paged_oracle



def _deepgemm_check(got, ref):
    got, ref = got.cpu(), ref.cpu()
    ref_inf, got_inf = ref == float("-inf"), got == float("-inf")
    assert torch.equal(ref_inf, got_inf), "-inf masks differ"
    fin = ~ref_inf
    assert not torch.isnan(got[fin]).any()
    assert tolerances.cosine_diff(got[fin], ref[fin]) < tolerances.INDEXER_COSINE_DIFF
    # and the elementwise tolerance the native tests use
    torch.testing.assert_close(got[fin], ref[fin], atol=tolerances.INDEXER_LOGITS.atol,
                               rtol=tolerances.INDEXER_LOGITS.rtol)


CASES = [(64, 128, 7, 200), (24, 64, 4, 100), (128, 64, 3, 70)]


@pytest.mark.parametrize("h,d,s_q,s_kv", CASES, ids=[f"h{h}_d{d}_sq{s}_skv{n}" for h, d, s, n in CASES])
def test_fp8_mqa_logits(h, d, s_q, s_kv):
    q, k, ks, w, start, end = ragged.random_ragged(s_q, s_kv, h, d, seed=s_q)
    got = dg.fp8_mqa_logits(q, (k, ks), w, start, end)
    assert got.shape == (s_q, s_kv) and got.dtype == torch.float32
    _deepgemm_check(got, ragged_oracle.indexer_logits(q, k, ks, w, start, end))


def test_fp8_mqa_logits_scale_column_and_unclean():
    q, k, ks, w, start, end = ragged.random_ragged(5, 90, 16, 64, seed=1)
    got = dg.fp8_mqa_logits(q, (k, ks[:, None]), w, start, end, clean_logits=False)
    ref = ragged_oracle.indexer_logits(q, k, ks, w, start, end)
    fin = torch.isfinite(ref)
    torch.testing.assert_close(got[fin], ref[fin], atol=tolerances.INDEXER_LOGITS.atol,
                               rtol=tolerances.INDEXER_LOGITS.rtol)


def test_fp8_mqa_logits_compressed():
    q, k, ks, w, start, end = ragged.random_ragged(6, 120, 8, 64, seed=2)
    width = 70
    got = dg.fp8_mqa_logits(q, (k, ks), w, start, end, clean_logits=False, max_seqlen_k=width)
    assert got.shape == (6, width)
    ref = ragged_oracle.indexer_logits(q, k, ks, w, start, end)
    for i in range(6):
        a, b = int(start[i]), min(int(end[i]), int(start[i]) + width)
        if b > a:
            torch.testing.assert_close(got[i, : b - a], ref[i, a:b], atol=tolerances.INDEXER_LOGITS.atol,
                                       rtol=tolerances.INDEXER_LOGITS.rtol)
    with pytest.raises(ValueError, match="clean_logits"):
        dg.fp8_mqa_logits(q, (k, ks), w, start, end, clean_logits=True, max_seqlen_k=width)


PAGED = [(64, 128, 1, [200, 65]), (32, 64, 2, [129, 3]), (48, 64, 4, [77])]


@pytest.mark.parametrize("h,d,n,ctx", PAGED, ids=[f"h{h}_d{d}_n{n}_ctx{'-'.join(map(str, c))}" for h, d, n, c in PAGED])
def test_fp8_paged_mqa_logits(h, d, n, ctx):
    q, cache, w, cl, bt, max_ctx = paged.random_paged(len(ctx), n, h, d, ctx, seed=n)
    meta = dg.get_paged_mqa_logits_metadata(cl, 64, 8)
    got = dg.fp8_paged_mqa_logits(q, cache, w, cl, bt, meta, max_ctx, clean_logits=True)
    _deepgemm_check(got, paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx))


def test_fp8_paged_mqa_logits_2d_context_lens():
    """The 2-D form with consecutive lengths means what the 1-D form does."""
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 3, 8, 64, [90, 40], seed=3)
    cl2 = cl[:, None] - 2 + torch.arange(3, dtype=torch.int32)[None, :]
    got = dg.fp8_paged_mqa_logits(q, cache, w, cl2, bt, None, max_ctx, clean_logits=True)
    _deepgemm_check(got, paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx))


@pytest.mark.parametrize("next_n,h", [(3, 32), (6, 64)], ids=["nextn3_h32", "nextn6_h64"])
def test_fp8_paged_mqa_logits_2d_random_row_lengths(next_n, h):
    """DeepGEMM main's rule, as its own test draws it: row (b, i) sees pos < context_lens[b, i],
    each row's length random (0 allowed), the last column the sequence length."""
    g = torch.Generator().manual_seed(next_n)
    ctx = [150, 70, 9]
    q, cache, w, cl, bt, max_ctx = paged.random_paged(len(ctx), next_n, h, 64, ctx, seed=next_n)
    cl2 = torch.stack([torch.cat([torch.randint(0, c + 1, (next_n - 1,), generator=g), torch.tensor([c])])
                       for c in ctx]).to(torch.int32)
    cl2[1, 0] = 0
    meta = dg.get_paged_mqa_logits_metadata(cl2, 64, dg.get_num_sms())
    got = dg.fp8_paged_mqa_logits(q, cache, w, cl2, bt, meta, max_ctx, clean_logits=True)
    ref = paged_oracle.indexer_logits_paged(q, cache, w, cl2, bt, max_ctx)
    assert torch.equal(torch.isinf(got), torch.isinf(ref))
    _deepgemm_check(got, ref)
    assert torch.isinf(got[next_n]).all()   # row (1, 0) sees nothing


def _metadata_reference(lens, block_kv, num_sms):
    """A plain loop over DeepGEMM's rule: SM s starts at segment s*q + min(s, r)."""
    split = 4 * block_kv
    segs = [-(-int(x) // split) for x in lens]
    total = sum(segs)
    q, r = divmod(total, num_sms)
    rows = []
    for s in range(num_sms + 1):
        start = s * q + min(s, r)
        acc, b = 0, 0
        while b < len(segs) and acc + segs[b] <= start:
            acc += segs[b]
            b += 1
        rows.append((b, start - acc))
    return torch.tensor(rows, dtype=torch.int32)


@pytest.mark.parametrize("lens,num_sms", [([1000, 5, 300, 4096], 8), ([64], 132), ([0, 0, 257], 3),
                                          (list(range(1, 3000, 97)), 16)],
                         ids=["b4_sms8", "b1_sms132", "zeros_sms3", "b31_sms16"])
def test_metadata(lens, num_sms):
    cl = torch.tensor(lens, dtype=torch.int32)
    meta = dg.get_paged_mqa_logits_metadata(cl, 64, num_sms)
    assert meta.dtype == torch.int32 and meta.shape == (num_sms + 1, 2)
    assert torch.equal(meta, _metadata_reference(lens, 64, num_sms))
    # monotone: (batch, split) pairs never go backwards; the last row is the end (batch, 0)
    key = meta[:, 0].long() * 10**6 + meta[:, 1].long()
    assert bool((key[1:] >= key[:-1]).all())
    assert tuple(meta[-1].tolist()) == (len(lens), 0)


def test_metadata_bad_args():
    cl = torch.tensor([10], dtype=torch.int32)
    with pytest.raises(ValueError, match="block_kv"):
        dg.get_paged_mqa_logits_metadata(cl, 0, 8)
    with pytest.raises(ValueError, match="num_sms"):
        dg.get_paged_mqa_logits_metadata(cl, 64, 0)
    with pytest.raises(ValueError, match="context_lens"):
        dg.get_paged_mqa_logits_metadata(cl.float(), 64, 8)


def test_num_sms_get_and_set():
    """get_num_sms feeds get_paged_mqa_logits_metadata in DeepGEMM's and vLLM's tests."""
    n = dg.get_num_sms()
    assert isinstance(n, int) and n >= 1
    try:
        dg.set_num_sms(1)
        assert dg.get_num_sms() == 1
        meta = dg.get_paged_mqa_logits_metadata(torch.tensor([300], dtype=torch.int32), 64, dg.get_num_sms())
        assert meta.shape == (2, 2)
        for bad in (0, n + 1, 1.0, True):
            with pytest.raises(ValueError, match="new_num_sms"):
                dg.set_num_sms(bad)
        assert dg.get_num_sms() == 1   # a refused value changes nothing
    finally:
        dg._num_sms_override = None
    assert dg.get_num_sms() == n


def test_indices_keyword_accepted_only_as_none():
    q, cache, w, cl, bt, max_ctx = paged.random_paged(1, 1, 8, 64, [70], seed=5)
    meta = dg.get_paged_mqa_logits_metadata(cl, 64, 4, indices=None)
    got = dg.fp8_paged_mqa_logits(q, cache, w, cl, bt, meta, max_ctx, clean_logits=True, indices=None)
    _deepgemm_check(got, paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx))
    rows = torch.zeros(1, dtype=torch.int32)
    with pytest.raises(ValueError, match="indices"):
        dg.get_paged_mqa_logits_metadata(cl, 64, 4, indices=rows)
    with pytest.raises(ValueError, match="indices"):
        dg.fp8_paged_mqa_logits(q, cache, w, cl, bt, meta, max_ctx, indices=rows)


def test_unified_fp8_fp4_names_take_the_fp8_path():
    """DeepGEMM main's fp8_fp4_* entry points with q = (values, None) give the fp8_* results, in fp32
    or bf16; FP4 inputs (scales beside q, or non-e4m3 values) are refused naming the reason."""
    q, k, ks, w, start, end = ragged.random_ragged(6, 50, 8, 64, seed=9)
    ref = dg.fp8_mqa_logits(q, (k, ks), w, start, end)
    got = dg.fp8_fp4_mqa_logits((q, None), (k, ks), w, start, end)
    torch.testing.assert_close(got, ref, atol=0.0, rtol=0.0)
    bf = dg.fp8_fp4_mqa_logits((q, None), (k, ks), w, start, end, logits_dtype=torch.bfloat16)
    assert bf.dtype == torch.bfloat16 and torch.equal(bf, ref.bfloat16())
    with pytest.raises(ValueError, match="FP4"):
        dg.fp8_fp4_mqa_logits((q, torch.ones(6, 8)), (k, ks), w, start, end)
    with pytest.raises(ValueError, match="logits_dtype"):
        dg.fp8_fp4_mqa_logits((q, None), (k, ks), w, start, end, logits_dtype=torch.float16)
    qp, cache, wp, cl, bt, max_ctx = paged.random_paged(2, 2, 16, 64, [90, 40], seed=4)
    meta = dg.get_paged_mqa_logits_metadata(cl, 64, dg.get_num_sms())
    ref = dg.fp8_paged_mqa_logits(qp, cache, wp, cl, bt, meta, max_ctx, clean_logits=True)
    for qq in ((qp, None), qp):
        got = dg.fp8_fp4_paged_mqa_logits(qq, cache, wp, cl, bt, meta, max_ctx, clean_logits=True)
        torch.testing.assert_close(got, ref, atol=0.0, rtol=0.0)
    with pytest.raises(ValueError, match="FP4"):
        dg.fp8_fp4_paged_mqa_logits((qp.view(torch.uint8), torch.ones(1)), cache, wp, cl, bt, meta, max_ctx)
