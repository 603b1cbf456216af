"""The public operator functions, flat. Each lives in its operator's folder,
`dsagen/operators/<op>/api.py`; they load on first use so `import dsagen.ops` stays cheap.

- indexer_logits        dsagen/operators/indexer_logits/api.py
- indexer_logits_paged  dsagen/operators/indexer_logits_paged/api.py
- topk_indices          dsagen/operators/topk/api.py
- sparse_mla_prefill    dsagen/operators/sparse_mla_prefill/api.py
- sparse_mla_bwd        dsagen/operators/sparse_mla_bwd/api.py (dq, dkv, d(sink) of sparse_mla_prefill)
- sparse_mla_decode     dsagen/operators/sparse_mla_decode/api.py
- indexer_topk_fused    dsagen/operators/indexer_topk_fused/api.py (indexer + top-k, no logits)
- kv_compress           dsagen/operators/kv_compress/api.py (DeepSeek-V4's CSA / HCA compressor)
- indexer_kl            dsagen/operators/indexer_kl/api.py (the indexer's training losses, streamed)
"""

import importlib

_WHERE = {
    "indexer_logits": "dsagen.operators.indexer_logits.api",
    "indexer_logits_paged": "dsagen.operators.indexer_logits_paged.api",
    "topk_indices": "dsagen.operators.topk.api",
    "sparse_mla_prefill": "dsagen.operators.sparse_mla_prefill.api",
    "sparse_mla_bwd": "dsagen.operators.sparse_mla_bwd.api",
    "sparse_mla_decode": "dsagen.operators.sparse_mla_decode.api",
    "indexer_topk_fused": "dsagen.operators.indexer_topk_fused.api",
    "kv_compress": "dsagen.operators.kv_compress.api",
    "indexer_kl": "dsagen.operators.indexer_kl.api",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'dsagen.ops' has no attribute {name!r}")
