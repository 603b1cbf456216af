"""Byte layouts of the two packed FP8 caches, and block quantisation, as properties."""

import struct

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dsagen.oracle import fp8

SETTINGS = settings(max_examples=25, deadline=None)


def _rand(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g) * torch.exp(torch.randn(shape[:-1] + (1,), generator=g))


@SETTINGS
@given(nb=st.integers(1, 3), bkv=st.sampled_from([1, 4, 64]), d=st.sampled_from([32, 64, 128]),
       seed=st.integers(0, 2**31 - 1), fmt=st.sampled_from(["fp32", "ue8m0"]))
def test_indexer_cache_is_block_split(nb, bkv, d, seed, fmt):
    k = _rand((nb, bkv, d), seed)
    q, s = fp8.quantize_indexer_keys(k, fmt)
    cache = fp8.pack_indexer_cache(q, s)
    assert cache.shape == (nb, bkv, 1, d + 4) and cache.dtype == torch.uint8
    raw = cache.reshape(nb, -1)
    b, t = nb - 1, bkv - 1  # the last token of the last block: its bytes sit at block-split offsets
    assert torch.equal(raw[b, t * d:(t + 1) * d], q[b, t].view(torch.uint8))
    off = bkv * d + 4 * t
    assert struct.unpack("<f", bytes(raw[b, off:off + 4].tolist()))[0] == s[b, t].item()
    q2, s2 = fp8.unpack_indexer_cache(cache)
    assert torch.equal(q2.view(torch.uint8), q.view(torch.uint8)) and torch.equal(s2, s)


@SETTINGS
@given(n=st.integers(1, 9), seed=st.integers(0, 2**31 - 1), fmt=st.sampled_from(["fp32", "ue8m0"]))
def test_mla_cache_656_layout(n, seed, fmt):
    kv = _rand((n, 576), seed)
    cache = fp8.pack_mla_fp8_cache(kv, fmt)
    assert cache.shape == (n, 656) and cache.dtype == torch.uint8
    latent_q, scale = fp8.quantize_blockwise(kv[:, :512], 128, fmt)
    assert torch.equal(cache[:, :512], latent_q.view(torch.uint8))
    assert torch.equal(cache[:, 512:528].contiguous().view(torch.float32), scale)
    assert torch.equal(cache[:, 528:].contiguous().view(torch.bfloat16), kv[:, 512:].bfloat16())
    back = fp8.unpack_mla_fp8_cache(cache)
    assert torch.equal(back[:, :512], fp8.dequantize_blockwise(latent_q, scale, 128))
    # Quantisation error is bounded by half an e4m3 step (3 mantissa bits) of each group's amax.
    err = (back[:, :512] - kv[:, :512]).abs().unflatten(-1, (4, 128)).amax(-1)
    amax = kv[:, :512].abs().unflatten(-1, (4, 128)).amax(-1)
    assert (err <= amax * 2.0**-4 * (2 if fmt == "ue8m0" else 1) + 1e-6).all()


def test_mla_cache_tokens_are_independent():
    kv = _rand((5, 576), 7)
    a = fp8.pack_mla_fp8_cache(kv)
    kv[2] *= 3
    b = fp8.pack_mla_fp8_cache(kv)
    changed = (a != b).any(dim=1)
    assert changed.tolist() == [False, False, True, False, False]


def test_ue8m0_scales_are_powers_of_two():
    _, s = fp8.quantize_blockwise(_rand((7, 256), 3), 128, "ue8m0")
    assert torch.equal(torch.exp2(torch.log2(s).round()), s)


@pytest.mark.parametrize("bad", ["e5m2", "bf16", ""])
def test_bad_scale_format(bad):
    with pytest.raises(ValueError, match="scale_format"):
        fp8.quantize_blockwise(torch.ones(1, 128), 128, bad)


def test_bad_cache_shapes():
    with pytest.raises(ValueError, match="656"):
        fp8.unpack_mla_fp8_cache(torch.zeros(3, 600, dtype=torch.uint8))
    with pytest.raises(ValueError, match="indexer cache"):
        fp8.unpack_indexer_cache(torch.zeros(3, 64, 132, dtype=torch.uint8))
