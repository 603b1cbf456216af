"""A DSA attention layer for serving, built from dsagen's torch custom ops."""

from dsagen.layers.dsa_layer import DSAAttention, LightningIndexer

__all__ = ["DSAAttention", "LightningIndexer"]
