"""Native operator APIs. Submodules load on first use so `import dsagen.ops` stays cheap.

- indexer_logits, indexer_logits_paged   (dsagen.ops.indexer)
- topk_indices                           (dsagen.ops.topk)
- sparse_mla_prefill                     (dsagen.ops.mla_prefill)
- sparse_mla_decode                      (dsagen.ops.mla_decode)
- indexer_topk_fused                     (dsagen.ops.indexer_topk: indexer + top-k, no logits)
"""

import importlib

_WHERE = {
    "indexer_logits": "dsagen.ops.indexer",
    "indexer_logits_paged": "dsagen.ops.indexer",
    "topk_indices": "dsagen.ops.topk",
    "sparse_mla_prefill": "dsagen.ops.mla_prefill",
    "sparse_mla_decode": "dsagen.ops.mla_decode",
    "indexer_topk_fused": "dsagen.ops.indexer_topk",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'dsagen.ops' has no attribute {name!r}")
