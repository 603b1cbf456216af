"""dsagen.compat.flash_mla behaves like FlashMLA's current interface (values against the oracle)."""


import pytest
import torch

from dsagen import tolerances
from dsagen.compat import flash_mla
from dsagen.oracle import fp8 as fp8_layout
from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as decode_oracle
from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as prefill_oracle

D_QK, D_V = 576, 512


def _decode_case(b, s_q, h_q, topk, fp8, seed, nb=3, page=64):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    kv = torch.randn(nb, page, 1, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, nb * page, (b, s_q, topk), generator=g, dtype=torch.int32)
    idx[..., ::5] = -1
    used = torch.zeros(nb * page, dtype=torch.bool)
    used[idx[idx >= 0].long()] = True
    if fp8:
        cache = torch.where(used.view(nb, page, 1, 1), fp8_layout.pack_mla_fp8_cache(kv),
                            torch.full((nb, page, 1, 656), 0xFF, dtype=torch.uint8))
    else:
        cache = torch.where(used.view(nb, page, 1, 1), kv, torch.full_like(kv, float("nan")))
    return q, cache, idx


def _close(out, lse, ref_out, ref_lse):
    tolerances.assert_peer_close(out, ref_out.to(out.dtype), tolerances.MLA_DECODE_OUT, "out")
    tolerances.assert_peer_close(lse, ref_lse, tolerances.MLA_DECODE_LSE, "lse")


def test_get_mla_metadata_is_empty_and_takes_old_arguments():
    meta, none = flash_mla.get_mla_metadata(torch.tensor([5], dtype=torch.int32), 2 * 64, 1, num_heads_q=64,
                                            is_fp8_kvcache=True, topk=2048)
    assert none is None
    assert isinstance(meta, flash_mla.FlashMLASchedMeta)
    assert not meta.have_initialized and meta.config is None


@pytest.mark.parametrize("fp8", [True, False], ids=["fp8_cache", "bf16_cache"])
@pytest.mark.parametrize("h_q,s_q", [(64, 2), (128, 1)], ids=["h64_sq2", "h128_sq1"])
def test_sparse_decode(fp8, h_q, s_q):
    b, topk = 2, 64
    q, cache, idx = _decode_case(b, s_q, h_q, topk, fp8, seed=h_q + s_q + fp8)
    sink = torch.randn(h_q)
    tl_ = torch.tensor([topk, 41], dtype=torch.int32)
    meta, _ = flash_mla.get_mla_metadata()
    out, lse = flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, meta, is_fp8_kvcache=fp8, indices=idx,
                                                attn_sink=sink, topk_length=tl_)
    assert out.shape == (b, s_q, h_q, D_V) and out.dtype == torch.bfloat16 and lse.shape == (b, h_q, s_q)
    ref_out, ref_lse = decode_oracle(q, cache, idx, D_QK ** -0.5, attn_sink=sink, topk_length=tl_)
    _close(out, lse, ref_out, ref_lse)
    assert meta.have_initialized and meta.config.topk == topk and meta.config.is_fp8_kvcache == fp8
    # reuse with the same shapes works; with other shapes it is refused
    out2, lse2 = flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, meta, is_fp8_kvcache=fp8, indices=idx,
                                                  attn_sink=sink, topk_length=tl_)
    torch.testing.assert_close(lse2, lse, atol=0.0, rtol=0.0)
    with pytest.raises(ValueError, match="topk"):
        flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, meta, is_fp8_kvcache=fp8, indices=idx[..., :32])


def test_fp8_cache_typed_as_e4m3_and_softmax_scale():
    q, cache, idx = _decode_case(1, 2, 64, 32, True, seed=7)
    meta, _ = flash_mla.get_mla_metadata()
    out, lse = flash_mla.flash_mla_with_kvcache(q, cache.view(torch.float8_e4m3fn), None, None, D_V, meta,
                                                softmax_scale=0.05, is_fp8_kvcache=True, indices=idx)
    ref_out, ref_lse = decode_oracle(q, cache, idx, 0.05)
    _close(out, lse, ref_out, ref_lse)


UNSUPPORTED = {
    "indices": dict(indices=None),
    "extra_k_cache": dict(extra_k_cache="cache"),                    # without its indices
    "extra_indices_in_kvcache": dict(extra_indices_in_kvcache="idx"),  # without extra_k_cache
    "extra_topk_length": dict(extra_topk_length="len"),
    "num_splits": dict(num_splits=torch.zeros(3, dtype=torch.int32)),
    "causal": dict(causal=True),
    "head_dim_v": dict(head_dim_v=128),
    "k_cache": dict(is_fp8_kvcache=False),
}


@pytest.mark.parametrize("arg", sorted(UNSUPPORTED))
def test_unsupported_and_bad_arguments(arg):
    q, cache, idx = _decode_case(1, 1, 64, 16, True, seed=3)
    kwargs = dict(q=q, k_cache=cache, block_table=None, cache_seqlens=None, head_dim_v=D_V,
                  tile_scheduler_metadata=flash_mla.get_mla_metadata()[0], is_fp8_kvcache=True, indices=idx)
    named = {"cache": cache, "idx": idx, "len": torch.full((1,), 16, dtype=torch.int32)}
    kwargs.update({k: named[v] if isinstance(v, str) else v for k, v in UNSUPPORTED[arg].items()})
    with pytest.raises(ValueError, match=arg):
        flash_mla.flash_mla_with_kvcache(**kwargs)


def test_tile_scheduler_metadata_must_come_from_get_mla_metadata():
    q, cache, idx = _decode_case(1, 1, 64, 16, True, seed=5)
    with pytest.raises(ValueError, match="tile_scheduler_metadata"):
        flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, torch.zeros(4, 8, dtype=torch.int32),
                                         is_fp8_kvcache=True, indices=idx)


def test_sparse_fwd_indexer_topk_unsupported():
    q = torch.randn(4, 64, D_QK).to(torch.bfloat16)
    kv = torch.randn(16, 1, D_QK).to(torch.bfloat16)
    idx = torch.zeros(4, 1, 8, dtype=torch.int32)
    with pytest.raises(ValueError, match="indexer_topk"):
        flash_mla.flash_mla_sparse_fwd(q, kv, idx, 0.1, indexer_topk=512)


@pytest.mark.parametrize("h_q", [64, 128], ids=["h64_sq9_skv200", "h128_sq9_skv200"])
def test_sparse_fwd_matches_oracle(h_q):
    g = torch.Generator().manual_seed(h_q)
    s_q, s_kv, topk = 9, 200, 64
    q = torch.randn(s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    kv = torch.randn(s_kv, 1, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, s_kv, (s_q, 1, topk), generator=g, dtype=torch.int32)
    idx[:, :, ::7] = -1
    idx[2] = -1  # a query with no valid index
    sink = torch.randn(h_q, generator=g)
    tl_ = torch.randint(0, topk + 1, (s_q,), generator=g, dtype=torch.int32)
    sm_scale = D_QK ** -0.5
    out, max_logits, lse = flash_mla.flash_mla_sparse_fwd(q, kv, idx, sm_scale, 512, sink, tl_)
    r_out, r_max, r_lse = prefill_oracle(q, kv, idx, sm_scale, 512, sink, tl_)
    tolerances.assert_peer_close(out.float(), r_out, tolerances.MLA_PREFILL_OUT, "out")
    tolerances.assert_peer_close(max_logits, r_max, tolerances.MLA_PREFILL_LSE, "max_logits")
    tolerances.assert_peer_close(lse, r_lse, tolerances.MLA_PREFILL_LSE, "lse")
    assert torch.isinf(lse[2]).all() and (lse[2] > 0).all() and (out[2] == 0).all()


def test_model1_decode_with_flash_mla_arguments():
    """DeepSeek-V4 decode as vLLM calls FlashMLA: q d_qk 512, the window in a MODEL1 cache (page
    256 scaled down to 64) typed float8_e4m3fn, the compressed entries in an extra MODEL1 cache
    (page 2, HCA's), topk_length and extra_topk_length, the sink over both; metadata reused."""
    from tests.test_sparse_mla_decode import _v4_case

    q, cache, idx, tl_, xcache, xidx, xtl = _v4_case(2, 2, 64, 16, 24, "model1", seed=21)
    sink = torch.randn(64)
    meta, _ = flash_mla.get_mla_metadata()
    args = dict(is_fp8_kvcache=True, indices=idx, attn_sink=sink, extra_k_cache=xcache.view(torch.float8_e4m3fn),
                extra_indices_in_kvcache=xidx, topk_length=tl_, extra_topk_length=xtl)
    out, lse = flash_mla.flash_mla_with_kvcache(q, cache.view(torch.float8_e4m3fn), None, None, D_V, meta, **args)
    assert out.shape == (2, 2, 64, D_V) and lse.shape == (2, 64, 2)
    ref_out, ref_lse = decode_oracle(q, cache, idx, 512 ** -0.5, attn_sink=sink, topk_length=tl_,
                                     extra_k_cache=xcache, extra_indices=xidx, extra_topk_length=xtl)
    _close(out, lse, ref_out, ref_lse)
    assert meta.config.extra_page_block_size == 2 and meta.config.extra_topk == 24
    out2, _ = flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, meta, **args)
    torch.testing.assert_close(out2, out, atol=0.0, rtol=0.0)
    with pytest.raises(ValueError, match="extra_topk"):
        flash_mla.flash_mla_with_kvcache(q, cache, None, None, D_V, meta, **dict(args, extra_indices_in_kvcache=xidx[..., :8]))


def test_model1_prefill_d512_with_flash_mla_arguments():
    """V4 prefill as vLLM calls it: window and compressed KV gathered into one bf16 workspace,
    one flash_mla_sparse_fwd with d_qk 512, topk_length and attn_sink (h_q 8: TP8)."""
    g = torch.Generator().manual_seed(8)
    s_q, h_q, s_kv, topk = 5, 8, 90, 40
    q = torch.randn(s_q, h_q, 512, generator=g).to(torch.bfloat16)
    kv = torch.randn(s_kv, 1, 512, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, s_kv, (s_q, 1, topk), generator=g, dtype=torch.int32)
    idx[:, :, ::9] = -1
    sink = torch.randn(h_q, generator=g)
    tl_ = torch.tensor([40, 0, 13, 40, 1], dtype=torch.int32)
    out, max_logits, lse = flash_mla.flash_mla_sparse_fwd(q, kv, idx, 512 ** -0.5, 512, sink, tl_)
    r_out, r_max, r_lse = prefill_oracle(q, kv, idx, 512 ** -0.5, 512, sink, tl_)
    tolerances.assert_peer_close(out.float(), r_out, tolerances.MLA_PREFILL_OUT, "out")
    tolerances.assert_peer_close(max_logits, r_max, tolerances.MLA_PREFILL_LSE, "max_logits")
    tolerances.assert_peer_close(lse, r_lse, tolerances.MLA_PREFILL_LSE, "lse")
    assert (out[1] == 0).all() and torch.isinf(lse[1]).all()
