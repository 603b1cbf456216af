"""The DSA layer's torch-side pieces against the independent reference (dsagen.oracle.dsa_layer):
NeoX RoPE (and that it is not the interleaved kind), the Hadamard transform, the cache inserts."""

import pytest
import torch

from dsagen.layers import indexer_prep as prep
from dsagen.operators.cache_insert.api import indexer_cache_insert, mla_cache_insert
from dsagen.oracle import dsa_layer as ref
from dsagen.oracle import fp8
from dsagen.tolerances import FP8_LAYOUT


@pytest.mark.parametrize("shape", [(7, 64), (5, 3, 64), (4, 2, 32)], ids=lambda s: "x".join(map(str, s)))
def test_rope_neox_matches_complex_reference(shape):
    g = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(*shape, generator=g, dtype=torch.float64)
    pos = torch.randint(0, 5000, (shape[0],), generator=g)
    cos, sin = prep.rope_cos_sin(pos, shape[-1])
    got = prep.rope_neox(x, cos.double(), sin.double())
    torch.testing.assert_close(got, ref.rope_ref(x, pos), rtol=1e-5, atol=1e-5)
    # the two conventions really differ, so a mixed-up indexer cannot pass this test
    assert (got - ref.rope_ref(x, pos, interleaved=True)).abs().max() > 0.1
    got_i = prep.rope_interleaved(x, cos.double(), sin.double())
    torch.testing.assert_close(got_i, ref.rope_ref(x, pos, interleaved=True), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("d", [1, 2, 64, 128])
def test_hadamard_matches_sylvester_matrix(d):
    x = torch.randn(3, 4, d, dtype=torch.float64, generator=torch.Generator().manual_seed(d))
    torch.testing.assert_close(prep.hadamard(x), x @ ref.hadamard_matrix(d), rtol=1e-12, atol=1e-12)


def test_hadamard_refuses_non_power_of_two():
    with pytest.raises(ValueError, match="power-of-two"):
        prep.hadamard(torch.randn(2, 96))


def test_indexer_cache_insert_writes_deepgemm_layout_and_skips_padding():
    g = torch.Generator().manual_seed(1)
    nb, bkv, d = 3, 64, 128
    cache = torch.randint(0, 256, (nb, bkv, 1, d + 4), dtype=torch.uint8, generator=g)
    before = cache.clone()
    k8, ks = fp8.quantize_indexer_keys(torch.randn(6, d, generator=g), "ue8m0")
    slots = torch.tensor([0, 70, -1, 191, 5, 64], dtype=torch.int32)
    indexer_cache_insert(cache, k8, ks, slots)
    K, S = fp8.unpack_indexer_cache(cache)
    K0, S0 = fp8.unpack_indexer_cache(before)
    written = torch.zeros(nb, bkv, dtype=torch.bool)
    for i, s in enumerate(slots.tolist()):
        if s >= 0:
            written[s // bkv, s % bkv] = True
            assert torch.equal(K[s // bkv, s % bkv].view(torch.uint8), k8[i].view(torch.uint8))
            assert S[s // bkv, s % bkv].item() == ks[i].item()
    # everything else (including where the padded token would have gone) is untouched
    assert torch.equal(K[~written].view(torch.uint8), K0[~written].view(torch.uint8))
    assert torch.equal(S[~written].view(torch.int32), S0[~written].view(torch.int32))
    assert FP8_LAYOUT.atol == 0  # byte layouts are compared exactly


@pytest.mark.parametrize("fmt", ["fp8", "bf16"])
def test_mla_cache_insert(fmt):
    g = torch.Generator().manual_seed(2)
    nb, page = 2, 64
    if fmt == "fp8":
        cache = torch.full((nb, page, 1, 656), 0xFF, dtype=torch.uint8)  # 0xFF bytes: NaN e4m3 / NaN scales
    else:
        cache = torch.full((nb, page, 1, 576), float("nan"), dtype=torch.bfloat16)
    kv = torch.randn(4, 576, generator=g)
    slots = torch.tensor([3, -1, 127, 64], dtype=torch.int64)
    mla_cache_insert(cache, kv, slots)
    rows = cache.reshape(nb * page, -1)
    for i, s in enumerate(slots.tolist()):
        if s < 0:
            continue
        if fmt == "fp8":
            assert torch.equal(rows[s], fp8.pack_mla_fp8_cache(kv[i : i + 1])[0])
        else:
            assert torch.equal(rows[s], kv[i].bfloat16())
    untouched = torch.ones(nb * page, dtype=torch.bool)
    untouched[[3, 127, 64]] = False
    if fmt == "fp8":
        assert (rows[untouched] == 0xFF).all()
    else:
        assert rows[untouched].isnan().all()



@pytest.mark.parametrize("page", [2, 64], ids=["page2_hca", "page64_csa"])
def test_mla_cache_insert_model1(page):
    """DeepSeek-V4 rows [T, 512] into a MODEL1 cache allocated as FlashMLA does (padded blocks):
    each written token's data and scale bytes are what pack_model1_cache writes for it, a negative
    slot writes nothing, and no other byte of the buffer (padding included) changes."""
    g = torch.Generator().manual_seed(page)
    nb = 3
    cache = fp8.model1_cache_empty(nb, page, fill=0xFF)
    raw = torch.as_strided(cache, (nb, fp8.model1_block_bytes(page)), (cache.stride(0), 1))
    before = raw.clone()
    kv = (torch.randn(4, 512, generator=g) * 3).bfloat16()
    slots = torch.tensor([1, -1, nb * page - 1, page], dtype=torch.int32)
    mla_cache_insert(cache.view(fp8.E4M3), kv, slots)
    want = fp8.model1_block_view(fp8.pack_model1_cache(kv.float().view(4, 1, 1, 512).expand(4, page, 1, 512)
                                                       .contiguous()))
    changed = torch.zeros_like(raw, dtype=torch.bool)
    for i, sl in enumerate(slots.tolist()):
        if sl < 0:
            continue
        b, t = divmod(sl, page)
        d0, s0 = 576 * t, 576 * page + 8 * t
        assert torch.equal(raw[b, d0:d0 + 576], want[i, d0:d0 + 576])
        assert torch.equal(raw[b, s0:s0 + 8], want[i, s0:s0 + 8])
        changed[b, d0:d0 + 576] = True
        changed[b, s0:s0 + 8] = True
    assert torch.equal(raw[~changed], before[~changed])
    unpacked = fp8.unpack_model1_cache(cache).reshape(nb * page, 512)
    assert torch.equal(unpacked[page], fp8.unpack_model1_cache(fp8.pack_model1_cache(kv[3].view(1, 1, 1, 512)))[0, 0, 0])

def test_cache_insert_rejects_bad_arguments():
    cache = torch.zeros(2, 64, 1, 132, dtype=torch.uint8)
    k8, ks = fp8.quantize_indexer_keys(torch.randn(3, 128))
    with pytest.raises(ValueError, match="slot_mapping"):
        indexer_cache_insert(cache, k8, ks, torch.zeros(3, dtype=torch.float32))
    with pytest.raises(ValueError, match="k_fp8"):
        indexer_cache_insert(cache, k8.float(), ks, torch.zeros(3, dtype=torch.int32))
    with pytest.raises(ValueError, match="k_cache"):
        mla_cache_insert(torch.zeros(2, 64, 1, 600, dtype=torch.uint8), torch.randn(3, 576), torch.zeros(3, dtype=torch.int32))
    with pytest.raises(ValueError, match="MODEL1"):
        mla_cache_insert(fp8.model1_cache_empty(2, 4), torch.randn(3, 576), torch.zeros(3, dtype=torch.int32))


def test_yarn_blends_interpolated_and_original_frequencies():
    """DeepSeek-V4's compressed layers: base 160000, YaRN factor 16 from 65536 tokens. Dims rotating
    fast enough (above beta_fast turns over the original length) keep their frequency, slow ones are
    divided by the factor, the ramp between is monotone."""
    import math

    from dsagen.layers.indexer_prep import Yarn, rope_inv_freq

    plain = rope_inv_freq(64, 160000.0)
    y = rope_inv_freq(64, 160000.0, Yarn(16.0, 65536))
    turns = 65536 * plain / (2 * math.pi)             # rotations of each dim over the original length
    fast, slow = turns > 32, turns < 1
    assert fast.any() and slow.any()
    torch.testing.assert_close(y[fast], plain[fast], rtol=0, atol=0)
    torch.testing.assert_close(y[slow], plain[slow] / 16, rtol=1e-12, atol=0)
    ratio = y / plain
    assert bool((ratio[1:] <= ratio[:-1] + 1e-15).all()) and bool(((ratio >= 1 / 16 - 1e-12) & (ratio <= 1)).all())
    cos, sin = prep.rope_cos_sin(torch.tensor([0, 70000]), 64, 160000.0, Yarn(16.0, 65536))
    assert torch.equal(cos[0], torch.ones(32)) and not torch.equal(cos[1], prep.rope_cos_sin(
        torch.tensor([70000]), 64, 160000.0)[0][0])
