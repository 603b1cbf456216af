"""Lightning-indexer logits over DeepGEMM's paged FP8 cache (decode): api.py, naive.py, problem.py."""
