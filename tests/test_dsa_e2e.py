"""The three kernels compose into DSA attention: indexer -> top-k -> sparse MLA equals the
dense masked oracle (dsagen.oracle.dsa) on the same FP8 indexer inputs."""

import pytest
import torch

from dsagen import ops
from dsagen.oracle import dsa, fp8
from dsagen.tolerances import MLA_PREFILL_LSE, MLA_PREFILL_OUT, assert_peer_close

CASES = [
    # (s_q, s_kv, index heads, index dim, k, h_q): the second has fewer visible tokens than k
    pytest.param(6, 160, 4, 64, 32, 16, id="sq6_skv160_ih4_id64_k32_h16"),
    pytest.param(5, 40, 8, 128, 64, 16, id="sq5_skv40_ih8_id128_k64_h16_fewer_than_k"),
]


@pytest.mark.parametrize("s_q,s_kv,ih,idim,k,h_q", CASES)
def test_kernels_compose_into_dense_masked_dsa(s_q, s_kv, ih, idim, k, h_q):
    g = torch.Generator().manual_seed(s_q * 1000 + s_kv)
    # Indexer inputs: FP8 keys with one scale per token, FP8 queries whose scale is folded into
    # the per-head weights (as DeepSeek's model does), so the kernel takes no q scale.
    q_idx, q_scale = fp8.quantize_indexer_keys(torch.randn(s_q, ih, idim, generator=g))
    k_idx, k_scale = fp8.quantize_indexer_keys(torch.randn(s_kv, idim, generator=g))
    weights = torch.randn(s_q, ih, generator=g) * q_scale
    # MLA inputs (absorbed form: d_qk 576, d_v 512, one latent KV row per token).
    q = (torch.randn(s_q, h_q, 576, generator=g) * 0.5).bfloat16()
    kv = (torch.randn(s_kv, 576, generator=g) * 0.5).bfloat16()
    sm_scale = 576 ** -0.5

    ends = torch.arange(s_kv - s_q + 1, s_kv + 1, dtype=torch.int32)  # causal: query t sees [0, end)
    starts = torch.zeros(s_q, dtype=torch.int32)
    logits = ops.indexer_logits(q_idx, k_idx, k_scale, weights, starts, ends)
    idx = ops.topk_indices(logits, k, row_starts=starts, row_ends=ends)
    out, max_logits, lse = ops.sparse_mla_prefill(q, kv[:, None, :], idx[:, None, :], sm_scale)

    (ref_out, ref_max, ref_lse), ref_mask = dsa.dsa_attention(
        q_idx.float(), k_idx.float() * k_scale[:, None], weights, q.float(), kv.float(), k, sm_scale
    )
    kernel_mask = torch.zeros(s_q, s_kv, dtype=torch.bool)
    rows, cols = (idx >= 0).nonzero(as_tuple=True)
    kernel_mask[rows, idx[rows, cols].long()] = True
    assert torch.equal(kernel_mask, ref_mask), "top-k selection differs from the dense oracle's"
    assert ((idx >= 0).sum(1) == ref_mask.sum(1)).all(), "a position was selected twice"

    assert_peer_close(out.float(), ref_out.float(), MLA_PREFILL_OUT, "out")
    assert_peer_close(lse, ref_lse.float(), MLA_PREFILL_LSE, "lse")
    assert_peer_close(max_logits, ref_max.float(), MLA_PREFILL_LSE, "max_logits")
