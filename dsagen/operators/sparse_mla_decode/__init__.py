"""Sparse MLA decode over a paged bf16 or 656-byte FP8 cache (FlashMLA's sparse flash_mla_with_kvcache):
api.py, naive.py, problem.py."""
