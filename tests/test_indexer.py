"""Lightning-indexer logits (ragged and paged) against the float64 oracle.

Every output is NaN-poisoned before the launch; paged caches hold NaN in every slot the
kernel must not read (unreferenced blocks, slots past a context, table entries past a context
point at absurd block ids).
"""

import pytest
import torch

from dsagen import tolerances
from dsagen import ops
from dsagen.operators.indexer_logits import problem as ragged
from dsagen.operators.indexer_logits_paged import problem as paged
from dsagen.oracle import fp8
from dsagen.operators.indexer_logits import naive as ragged_oracle
from dsagen.operators.indexer_logits_paged import naive as paged_oracle

TOL = tolerances.INDEXER_LOGITS
NAN = float("nan")


def _close(got, ref):
    got, ref = got.cpu(), ref.cpu()
    assert not torch.isnan(got).any(), "NaN left in the output (unwritten or read a poisoned slot)"
    fin = torch.isfinite(ref)
    assert torch.equal(fin, torch.isfinite(got)), "-inf mask differs from the oracle's"
    assert torch.equal(got[~fin], ref[~fin])
    torch.testing.assert_close(got[fin], ref[fin], atol=TOL.atol, rtol=TOL.rtol)


RAGGED = [  # (H, D, s_q, s_kv)
    (64, 128, 5, 300),
    (16, 64, 9, 130),
    (1, 64, 17, 70),
    (24, 128, 3, 200),
    (32, 32, 4, 90),
    (8, 256, 3, 50),
    (128, 64, 2, 80),
]


@pytest.mark.parametrize("h,d,s_q,s_kv", RAGGED, ids=[f"h{h}_d{d}_sq{s}_skv{n}" for h, d, s, n in RAGGED])
def test_ragged_fp8(h, d, s_q, s_kv):
    q, k, ks, w, start, end = ragged.random_ragged(s_q, s_kv, h, d, seed=h + d + s_q)
    assert bool((start > 0).any()) and bool((start == end).any())
    out = torch.full((s_q, s_kv), NAN)
    got = ops.indexer_logits(q, k, ks, w, start, end, out=out)
    assert got is out
    _close(out, ragged_oracle.indexer_logits(q, k, ks, w, start, end))


@pytest.mark.parametrize("h,d", [(64, 128), (24, 64)], ids=["h64_d128_sq6_skv150", "h24_d64_sq6_skv150"])
def test_ragged_bf16(h, d):
    q, k, ks, w, start, end = ragged.random_ragged(6, 150, h, d, dtype="bf16", seed=3)
    assert ks is None and q.dtype == torch.bfloat16
    out = torch.full((6, 150), NAN)
    ops.indexer_logits(q, k, None, w, start, end, out=out)
    _close(out, ragged_oracle.indexer_logits(q, k, None, w, start, end))


def test_ragged_unclean_writes_only_in_range():
    q, k, ks, w, start, end = ragged.random_ragged(5, 140, 16, 64, seed=5)
    out = torch.full((5, 140), NAN)
    ops.indexer_logits(q, k, ks, w, start, end, clean=False, out=out)
    ref = ragged_oracle.indexer_logits(q, k, ks, w, start, end)
    fin = torch.isfinite(ref)
    assert torch.isnan(out[~fin]).all(), "clean=False wrote outside the ranges"
    torch.testing.assert_close(out[fin], ref[fin], atol=TOL.atol, rtol=TOL.rtol)


def test_ragged_all_empty_and_clamped_ranges():
    q, k, ks, w, _, _ = ragged.random_ragged(4, 100, 8, 64, seed=9)
    start = torch.tensor([0, 50, -5, 90], dtype=torch.int32)
    end = torch.tensor([0, 50, 300, 10], dtype=torch.int32)  # empty, empty, clamped to all, start > end
    out = torch.full((4, 100), NAN)
    ops.indexer_logits(q, k, ks, w, start, end, out=out)
    _close(out, ragged_oracle.indexer_logits(q, k, ks, w, start, end))
    assert torch.isfinite(out[2]).all() and torch.isneginf(out[[0, 1, 3]]).all()


def test_ragged_dequantised_semantics():
    """The oracle itself against an independent dense float64 formula on dequantised values."""
    q, k, ks, w, start, end = ragged.random_ragged(3, 40, 4, 64, seed=2)
    kd = k.double() * ks.double()[:, None]
    dense = torch.stack([(torch.relu(q[i].double() @ kd.T) * w[i].double()[:, None]).sum(0) for i in range(3)])
    ref = ragged_oracle.indexer_logits(q, k, ks, w, start, end, dtype=torch.float64)
    m = torch.isfinite(ref)
    torch.testing.assert_close(ref[m], dense[m], atol=1e-9, rtol=1e-9)


PAGED = [  # (H, D, next_n, context_lens)
    (64, 128, 1, [1, 130]),
    (64, 64, 2, [65, 200]),
    (16, 128, 3, [64, 7]),
    (24, 64, 4, [150, 4, 99]),
    (1, 64, 2, [100]),
]


@pytest.mark.parametrize("h,d,n,ctx", PAGED,
                         ids=[f"h{h}_d{d}_n{n}_ctx{'-'.join(map(str, c))}" for h, d, n, c in PAGED])
def test_paged(h, d, n, ctx):
    q, cache, w, cl, bt, max_ctx = paged.random_paged(len(ctx), n, h, d, ctx, seed=h + n)
    out = torch.full((len(ctx) * n, max_ctx), NAN)
    got = ops.indexer_logits_paged(q, cache, w, cl, bt, max_ctx, out=out)
    assert got is out
    ref = paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx)
    _close(out, ref)
    # row (b, i) sees exactly context_len - next_n + i + 1 positions
    vis = torch.isfinite(ref).sum(1).reshape(len(ctx), n)
    want = (torch.tensor(ctx)[:, None] - n + 1 + torch.arange(n)[None, :]).clamp(0, max_ctx)
    assert torch.equal(vis, want)


def test_paged_block_kv_32_wider_output():
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 8, 64, [40, 70], block_kv=32, seed=4)
    width = max_ctx + 25  # output wider than any context: the tail is -inf
    out = torch.full((4, width), NAN)
    ops.indexer_logits_paged(q, cache, w, cl, bt, width, out=out)
    _close(out, paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, width))


def test_paged_unclean_writes_only_visible():
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 16, 64, [90, 33], seed=6)
    out = torch.full((4, max_ctx), NAN)
    ops.indexer_logits_paged(q, cache, w, cl, bt, max_ctx, clean=False, out=out)
    ref = paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx)
    fin = torch.isfinite(ref)
    assert torch.isnan(out[~fin]).all()
    torch.testing.assert_close(out[fin], ref[fin], atol=TOL.atol, rtol=TOL.rtol)


def test_paged_cache_poison_is_effective():
    """The NaN poisoning really sits where the kernel must not look (guards the tests above)."""
    q, cache, w, cl, bt, max_ctx = paged.random_paged(1, 1, 4, 64, [70], seed=1)
    k8, s = fp8.unpack_indexer_cache(cache)
    used_block = int(bt[0, 1])
    assert torch.isnan(s[used_block, 70 - 64:]).all() and not torch.isnan(s[used_block, : 70 - 64]).any()
    assert (k8[used_block, 70 - 64:].view(torch.uint8) == 0x7F | 0x80).all()
    unused = sorted(set(range(cache.shape[0])) - set(bt[0].tolist()))
    assert unused and torch.isnan(s[unused]).all()


@pytest.mark.parametrize("op", ["indexer_logits", "indexer_logits_paged"])
def test_verify_passes(op):
    from dsagen.runtime.dispatch import template_module

    mod = {"indexer_logits": ragged, "indexer_logits_paged": paged}[op]
    r = mod.verify(template_module(op), mod.OP.example)
    assert r["passed"], r
    assert r["max_error"] < 1.0 and r["shapes"]


def test_verify_catches_a_wrong_kernel():
    class Broken:
        @staticmethod
        def launch(q, k, ks, w, start, end, out, *, clean=True):
            out.fill_(0.0)

    r = ragged.verify(Broken, {"heads": 4, "head_dim": 64, "s_q": 4, "s_kv": 50})
    assert not r["passed"]


# ---- argument checks ---------------------------------------------------------------------

def _ragged_args():
    return list(ragged.random_ragged(3, 40, 4, 64, seed=0))


@pytest.mark.parametrize("idx,bad,name", [
    (0, lambda a: a[0].float(), "q"),
    (1, lambda a: a[1][:, :32], "k"),
    (2, lambda a: a[2][:5], "k_scale"),
    (3, lambda a: a[3][:, :2], "weights"),
    (4, lambda a: a[4].float(), "row_start"),
    (5, lambda a: a[5][:2], "row_end"),
], ids=["q_dtype", "k_dim", "k_scale_len", "weights_heads", "row_start_dtype", "row_end_len"])
def test_ragged_bad_args(idx, bad, name):
    a = _ragged_args()
    a[idx] = bad(a)
    with pytest.raises(ValueError, match=name):
        ops.indexer_logits(*a)


def test_ragged_bad_out_and_head_dim():
    a = _ragged_args()
    with pytest.raises(ValueError, match="out"):
        ops.indexer_logits(*a, out=torch.empty(3, 41))
    q = torch.zeros(3, 4, 48).to(fp8.E4M3)
    with pytest.raises(ValueError, match="head_dim"):
        ops.indexer_logits(q, a[1], a[2], a[3], a[4], a[5])


def test_paged_bad_args():
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 4, 64, [40, 70], seed=0)
    with pytest.raises(ValueError, match="kv_cache"):
        ops.indexer_logits_paged(q, cache[..., :-4], w, cl, bt, max_ctx)
    with pytest.raises(ValueError, match="weights"):
        ops.indexer_logits_paged(q, cache, w[:3], cl, bt, max_ctx)
    with pytest.raises(ValueError, match="context_lens"):
        ops.indexer_logits_paged(q, cache, w, cl[:1], bt, max_ctx)
    with pytest.raises(ValueError, match="block_table"):
        ops.indexer_logits_paged(q, cache, w, cl, bt.long(), max_ctx)
    with pytest.raises(ValueError, match="max_context_len"):
        ops.indexer_logits_paged(q, cache, w, cl, bt, torch.tensor(max_ctx))
    with pytest.raises(ValueError, match="block_table"):
        ops.indexer_logits_paged(q, cache, w, cl, bt, bt.shape[1] * 64 + 1)
    with pytest.raises(ValueError, match="q"):
        ops.indexer_logits_paged(q[0], cache, w, cl, bt, max_ctx)


# ---- FP8 read without the e4m3fn type: sm80's integer decode and gfx942's fnuz remap, run in
# the interpreter (dsagen.runtime.targets) ---------------------------------------------------

@pytest.mark.parametrize("mode", ["soft", "fnuz"])
def test_ragged_fp8_modes(mode):
    from dsagen.runtime.dispatch import template_module

    q, k, ks, w, start, end = ragged.random_ragged(5, 100, 16, 64, seed=12)
    # every e4m3 byte value except NaN, subnormals included, in q and k
    allb = torch.arange(256, dtype=torch.int32)
    allb = allb[(allb & 0x7F) != 0x7F].to(torch.uint8)
    qb = q.view(torch.uint8).flatten().clone()
    qb[: allb.numel()] = allb
    q = qb.view(fp8.E4M3).reshape(q.shape)
    kb = k.view(torch.uint8).flatten().clone()
    kb[: allb.numel()] = allb
    k = kb.view(fp8.E4M3).reshape(k.shape)
    out = torch.full((5, 100), NAN)
    template_module("indexer_logits").launch(q, k, ks, w, start, end, out, clean=True, fp8_mode=mode)
    _close(out, ragged_oracle.indexer_logits(q, k, ks, w, start, end))


@pytest.mark.parametrize("mode", ["soft", "fnuz"])
def test_paged_fp8_modes(mode):
    from dsagen.runtime.dispatch import template_module

    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 8, 64, [90, 33], seed=13)
    out = torch.full((4, max_ctx), NAN)
    template_module("indexer_logits_paged").launch(q, cache, w, cl, bt, out, max_context_len=max_ctx,
                                                   clean=True, fp8_mode=mode)
    _close(out, paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx))


def test_ragged_keys_outside_every_range_are_not_read():
    q, k, ks, w, _, _ = ragged.random_ragged(4, 300, 8, 64, seed=14)
    start = torch.tensor([130, 140, 135, 150], dtype=torch.int32)
    end = torch.tensor([160, 170, 135, 190], dtype=torch.int32)
    k = k.view(torch.uint8).clone()
    k[:130] = 0x7F  # e4m3 NaN
    k[190:] = 0x7F
    k = k.view(fp8.E4M3)
    ks = ks.clone()
    ks[:130] = NAN
    ks[190:] = NAN
    out = torch.full((4, 300), NAN)
    ops.indexer_logits(q, k, ks, w, start, end, out=out)
    _close(out, ragged_oracle.indexer_logits(q, k, ks, w, start, end))


SCHEDULES = [
    {"BLOCK_Q": 1, "BLOCK_N": 16, "TILES_N": 1, "num_warps": 4, "num_stages": 1},
    {"BLOCK_Q": 4, "BLOCK_N": 32, "TILES_N": 3, "num_warps": 4, "num_stages": 2},
]


@pytest.mark.parametrize("sch", SCHEDULES, ids=["bq1_bn16_t1", "bq4_bn32_t3"])
def test_schedules_ragged(sch):
    from dsagen.runtime.dispatch import template_module

    q, k, ks, w, start, end = ragged.random_ragged(7, 150, 16, 64, seed=21)
    for clean in (True, False):
        out = torch.full((7, 150), NAN)
        template_module("indexer_logits").launch(q, k, ks, w, start, end, out, clean=clean, schedule=sch)
        ref = ragged_oracle.indexer_logits(q, k, ks, w, start, end)
        if clean:
            _close(out, ref)
        else:
            fin = torch.isfinite(ref)
            assert torch.isnan(out[~fin]).all()
            torch.testing.assert_close(out[fin], ref[fin], atol=TOL.atol, rtol=TOL.rtol)


@pytest.mark.parametrize("sch", SCHEDULES, ids=["bq1_bn16_t1", "bq4_bn32_t3"])
def test_schedules_paged(sch):
    from dsagen.runtime.dispatch import template_module

    q, cache, w, cl, bt, max_ctx = paged.random_paged(3, 3, 16, 64, [2, 150, 0], seed=22)  # ctx < next_n, ctx 0
    out = torch.full((9, max_ctx), NAN)
    template_module("indexer_logits_paged").launch(q, cache, w, cl, bt, out, max_context_len=max_ctx,
                                                   clean=True, schedule=sch)
    ref = paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx)
    _close(out, ref)
    assert torch.isneginf(out[[0, 6, 7, 8]]).all() and torch.isfinite(out[1, :1]).all()


def test_int64_ranges_beyond_int32_mean_what_the_oracle_says():
    """int64 row ranges and context lengths past int32 are clamped, not wrapped around."""
    q, k, ks, w, start, end = ragged.random_ragged(4, 90, 8, 64, seed=31)
    start64, end64 = start.long(), end.long()
    start64[0], end64[0] = -2**40, 2**33            # the whole row
    end64[1] = 2**32 + 5                            # would wrap to 5 as int32
    out = ops.indexer_logits(q, k, ks, w, start64, end64, out=torch.full((4, 90), NAN))
    _close(out, ragged_oracle.indexer_logits(q, k, ks, w, start64, end64))
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 8, 64, [70, 70], seed=32)
    cl64 = cl.long()
    cl64[1] = 2**32 + 3                             # longer than the output: sees all of it
    out = ops.indexer_logits_paged(q, cache, w, cl64, bt, max_ctx, out=torch.full((4, max_ctx), NAN))
    ref = paged_oracle.indexer_logits_paged(q, cache, w, cl64.clamp(max=max_ctx + 2), bt, max_ctx)
    assert torch.isfinite(ref[2:]).all()            # the clamped context sees every column
    _close(out, ref)


def test_bad_block_ids_inside_the_context_are_not_read_and_not_visible():
    """A negative or out-of-range block_table entry inside a context is neither read (no crash, no
    stray read: the cache holds NaN elsewhere) nor visible: -inf, as in the oracle."""
    q, cache, w, cl, bt, max_ctx = paged.random_paged(2, 2, 8, 64, [150, 90], seed=33)
    bt = bt.clone()
    bt[0, 1] = -3            # positions 64..127 of sequence 0
    bt[1, 0] = 2**30         # positions 0..63 of sequence 1
    for clean in (True, False):
        out = torch.full((4, max_ctx), NAN)
        ops.indexer_logits_paged(q, cache, w, cl, bt, max_ctx, clean=clean, out=out)
        ref = paged_oracle.indexer_logits_paged(q, cache, w, cl, bt, max_ctx)
        assert torch.isinf(ref[0:2, 64:128]).all() and torch.isinf(ref[2:4, 0:64]).all()
        if clean:
            _close(out, ref)
        else:  # only visible positions are written; the rest keeps its NaN
            fin = torch.isfinite(ref)
            assert torch.isnan(out[~fin]).all()
            torch.testing.assert_close(out[fin], ref[fin], atol=TOL.atol, rtol=TOL.rtol)
