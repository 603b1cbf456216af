"""Lightning-indexer logits over a ragged batch (prefill): api.py, naive.py (oracle), problem.py."""
