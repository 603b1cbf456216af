"""Sparse MLA prefill over a bf16 latent KV (FlashMLA flash_mla_sparse_fwd): api.py, naive.py, problem.py."""
