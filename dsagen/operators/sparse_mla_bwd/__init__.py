"""Sparse MLA backward (the gradient of FlashMLA's flash_mla_sparse_fwd): api.py, naive.py, problem.py."""
