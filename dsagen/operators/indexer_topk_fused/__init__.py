"""Fused streaming indexer + top-k for prefill (no [s_q, s_kv] logits): api.py, problem.py
(its oracle is the composition of indexer_logits' and topk's)."""
