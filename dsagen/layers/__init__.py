"""DSA attention layers for serving, built from dsagen's torch custom ops."""

from dsagen.layers.compressor import KVCompressor
from dsagen.layers.dsa_layer import DSAAttention, LightningIndexer

__all__ = ["DSAAttention", "KVCompressor", "LightningIndexer"]
