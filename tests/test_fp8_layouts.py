"""Byte layouts of the two packed FP8 caches, and block quantisation, as properties."""

import struct

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dsagen import tolerances
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


# ---------------------------------------------------------------- MODEL1 (DeepSeek-V4, 584 B per token)
@pytest.mark.parametrize("page,block_bytes", [(2, 1728), (64, 37440), (256, 149760)],
                         ids=["page2", "page64", "page256"])
def test_model1_block_size_is_padded_to_576(page, block_bytes):
    assert fp8.model1_block_bytes(page) == block_bytes
    c = fp8.model1_cache_empty(3, page)
    assert c.shape == (3, page, 1, 584) and c.stride() == (block_bytes, 584, 584, 1) and c.dtype == torch.uint8


def test_model1_bytes_by_hand():
    """The MODEL1 record, written from the layout's definition (not with the packer): token t of a
    block keeps its 448 e4m3 NoPE bytes and 64 bf16 RoPE values at [576 t, 576 t + 576) of the
    block, its 7 ue8m0 scale bytes and a pad byte at 576 * page + 8 t; the rest of the block is
    padding. NoPE values 1.0 in a 64-value tile: amax / 448 = 2^-8.8, rounded up to 2^-8, so the
    scale byte is 127 - 8 = 119 and each value 1 / 2^-8 = 256 = e4m3 0x78 (exponent 8 + bias 7,
    mantissa 0); -3.0 in the next tile: scale 2^-7 (byte 120), value -384 = e4m3 0xFC."""
    page = 4
    kv = torch.zeros(2, page, 1, 512)
    kv[1, 2, 0, :64] = 1.0
    kv[1, 2, 0, 64:128] = -3.0
    kv[1, 2, 0, 128:448] = 2.0 ** -20          # below the 1e-4 scale floor: scale 2^-13 (byte 114)
    kv[1, 2, 0, 448:] = 1.5                    # bf16 0x3FC0, stored little-endian C0 3F
    blocks = fp8.model1_block_view(fp8.pack_model1_cache(kv))
    b = blocks[1]
    tok = b[2 * 576: 3 * 576]
    assert (tok[:64] == 0x78).all() and (tok[64:128] == 0xFC).all()
    assert (tok[448:576].view(torch.int16) == 0x3FC0).all()
    sc = b[page * 576 + 2 * 8: page * 576 + 3 * 8]
    assert sc.tolist() == [119, 120, 114, 114, 114, 114, 114, 0]
    # 2^-20 / 2^-13 = 2^-7: an e4m3 subnormal (2^-9 * 4) = byte 0x04
    assert (tok[128:448] == 0x04).all()
    # the other tokens of block 1 are zeros: their scales are the 1e-4 floor (2^-13, byte 114)
    other = b[page * 576: page * 576 + 8]
    assert other.tolist() == [114] * 7 + [0]
    assert (b[:2 * 576] == 0).all()


@pytest.mark.parametrize("page,seed", [(2, 0), (64, 1), (61, 2)], ids=["page2", "page64", "page61"])
def test_model1_round_trip(page, seed):
    """unpack(pack(kv)) equals kv dequantised tile by tile (e4m3 of kv / scale, times the scale);
    RoPE comes back exactly; padding and other blocks do not leak between blocks."""
    g = torch.Generator().manual_seed(seed)
    kv = (torch.randn(3, page, 1, 512, generator=g) * 4).bfloat16()
    cache = fp8.pack_model1_cache(kv)
    back = fp8.unpack_model1_cache(cache)
    nope = kv[..., :448].float().unflatten(-1, (7, 64))
    scale = fp8.model1_scales(kv[..., :448])
    want = ((nope / scale[..., None]).to(fp8.E4M3).float() * scale[..., None]).flatten(-2)
    t = tolerances.FP8_LAYOUT
    torch.testing.assert_close(back[..., :448], want, atol=t.atol, rtol=t.rtol)
    torch.testing.assert_close(back[..., 448:], kv[..., 448:].float(), atol=t.atol, rtol=t.rtol)
    assert torch.equal(torch.exp2(torch.log2(scale).round()), scale)   # powers of two
    # a typed float8_e4m3fn view of the same bytes unpacks the same
    torch.testing.assert_close(fp8.unpack_model1_cache(cache.view(fp8.E4M3)), back, atol=0.0, rtol=0.0)


def test_model1_bad_caches():
    with pytest.raises(ValueError, match="MODEL1"):
        fp8.unpack_model1_cache(torch.zeros(2, 4, 1, 656, dtype=torch.uint8))
    c = fp8.model1_cache_empty(2, 4, fill=0)
    with pytest.raises(ValueError, match="block stride"):
        fp8.unpack_model1_cache(torch.as_strided(c, c.shape, (100, 584, 584, 1)))
    with pytest.raises(ValueError, match="512"):
        fp8.pack_model1_cache(torch.zeros(2, 4, 1, 576))
