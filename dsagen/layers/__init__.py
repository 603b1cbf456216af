"""DSA attention layers for serving (and dsa_train, their training form), built from dsagen's torch custom ops."""

from dsagen.layers.compressor import KVCompressor
from dsagen.layers.dsa_layer import DSAAttention, LightningIndexer
from dsagen.layers.dsa_train import dsa_train
from dsagen.layers.v4_layer import V4Attention

__all__ = ["DSAAttention", "KVCompressor", "LightningIndexer", "V4Attention", "dsa_train"]
