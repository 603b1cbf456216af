"""Top-k selector over row ranges: api.py (topk_indices), naive.py (oracle), problem.py."""
