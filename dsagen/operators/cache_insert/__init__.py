"""Cache inserts (not tuned: one small Triton scatter kernel): new keys into DeepGEMM's indexer
cache and new latent rows into FlashMLA's 656-byte (or bf16) MLA cache. api.py holds both."""
