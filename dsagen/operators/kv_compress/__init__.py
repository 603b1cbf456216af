"""DeepSeek-V4's KV compressor (CSA / HCA): api.py (kv_compress), naive.py (oracle), problem.py."""
