"""Readable float32/float64 PyTorch references for every DSA operator (no triton here)."""
