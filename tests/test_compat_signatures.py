"""The drop-in modules take exactly the parameters of the libraries they replace.

The parameter lists below are copied (names, order, defaults) from the upstream sources a
serving stack calls, as of 2026-11:
- DeepGEMM: csrc/apis/attention.hpp, register_apis (pybind11 py::arg lists; main added the
  paged entry points' `indices=None`), and csrc/apis/runtime.hpp (get_num_sms, set_num_sms);
- FlashMLA: flash_mla/flash_mla_interface.py.
A mismatch means a serving stack that swaps its import would break (or silently pass a value
to the wrong parameter).
"""

import inspect

import pytest
import torch

_EMPTY = inspect.Parameter.empty

DEEP_GEMM = {
    "fp8_mqa_logits": [
        ("q", _EMPTY), ("kv", _EMPTY), ("weights", _EMPTY),
        ("cu_seq_len_k_start", _EMPTY), ("cu_seq_len_k_end", _EMPTY),
        ("clean_logits", True), ("max_seqlen_k", 0),
    ],
    "get_paged_mqa_logits_metadata": [("context_lens", _EMPTY), ("block_kv", _EMPTY), ("num_sms", _EMPTY),
                                      ("indices", None)],
    "fp8_paged_mqa_logits": [
        ("q", _EMPTY), ("kv_cache", _EMPTY), ("weights", _EMPTY), ("context_lens", _EMPTY),
        ("block_table", _EMPTY), ("schedule_meta", _EMPTY), ("max_context_len", _EMPTY),
        ("clean_logits", False), ("indices", None),
    ],
    "fp8_fp4_mqa_logits": [
        ("q", _EMPTY), ("kv", _EMPTY), ("weights", _EMPTY),
        ("cu_seq_len_k_start", _EMPTY), ("cu_seq_len_k_end", _EMPTY),
        ("clean_logits", True), ("max_seqlen_k", 0), ("logits_dtype", torch.float32),
    ],
    "fp8_fp4_paged_mqa_logits": [
        ("q", _EMPTY), ("kv_cache", _EMPTY), ("weights", _EMPTY), ("context_lens", _EMPTY),
        ("block_table", _EMPTY), ("schedule_meta", _EMPTY), ("max_context_len", _EMPTY),
        ("clean_logits", False), ("logits_dtype", torch.float32), ("indices", None),
    ],
    "get_num_sms": [],
    "set_num_sms": [("new_num_sms", _EMPTY)],
}

FLASH_MLA = {
    "flash_mla_sparse_fwd": [
        ("q", _EMPTY), ("kv", _EMPTY), ("indices", _EMPTY), ("sm_scale", _EMPTY), ("d_v", 512),
        ("attn_sink", None), ("topk_length", None), ("indexer_topk", 0),
    ],
    "flash_mla_with_kvcache": [
        ("q", _EMPTY), ("k_cache", _EMPTY), ("block_table", _EMPTY), ("cache_seqlens", _EMPTY),
        ("head_dim_v", _EMPTY), ("tile_scheduler_metadata", _EMPTY), ("num_splits", None),
        ("softmax_scale", None), ("causal", False), ("is_fp8_kvcache", False), ("indices", None),
        ("attn_sink", None), ("extra_k_cache", None), ("extra_indices_in_kvcache", None),
        ("topk_length", None), ("extra_topk_length", None),
    ],
}


def _params(fn):
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("name", sorted(DEEP_GEMM))
def test_deep_gemm_signature(name):
    from dsagen.compat import deep_gemm

    assert _params(getattr(deep_gemm, name)) == DEEP_GEMM[name]


@pytest.mark.parametrize("name", sorted(FLASH_MLA))
def test_flash_mla_signature(name):
    from dsagen.compat import flash_mla

    assert _params(getattr(flash_mla, name)) == FLASH_MLA[name]


def test_get_mla_metadata_takes_anything():
    from dsagen.compat import flash_mla

    sig = inspect.signature(flash_mla.get_mla_metadata)
    kinds = [p.kind for p in sig.parameters.values()]
    assert kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]
