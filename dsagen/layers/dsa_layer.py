"""A DeepSeek Sparse Attention layer core built from dsagen's ops.

Given what the model already computed for MLA (absorbed queries q [.., h_q, 576] and the new
tokens' latent+rope rows kv [T, 576]) and the indexer's own inputs (hidden states x and the
q-LoRA latent qr), it runs the lightning indexer, the top-k selector and sparse MLA:

- `prefill`: whole sequences of a ragged batch (cu_seqlens), keys from the batch itself;
- `decode`: next_n >= 1 new tokens per sequence (speculative decoding) against paged caches,
  after writing the new tokens into them (DeepGEMM's indexer layout, FlashMLA's 656-byte or
  bf16 MLA layout; one block_table serves both caches, so their page sizes must match).

Every call goes through `torch.ops.dsagen.*` (dsagen.library) with fixed output shapes and no
host synchronisation, so a decode step can be captured in a CUDA graph and the whole layer
traced by torch.compile(fullgraph=True).
"""

import torch
from torch import nn

import dsagen.library  # noqa: F401  (registers torch.ops.dsagen.*)
from dsagen.layers.dsa_train import dsa_train
from dsagen.layers.indexer_prep import (ROPE_POSITIONS, ROPE_STYLES, Yarn, apply_rope, quantize_per_token,
                                        rope_cos_sin, rope_then_hadamard)
from dsagen.layers.selection import indexer_topk


class LightningIndexer(nn.Module):
    """The lightning indexer's projections (DeepSeek-V3.2's: wq_b, wk, k_norm, weights_proj).

    rope_style / rope_position: where and how its RoPE is applied (V3.2: NeoX on the first
    rope_dim dims; GLM-5: interleaved; DeepSeek-V4: interleaved on the last). from_spec() takes
    them, and the head counts, from a dsagen spec."""

    def __init__(self, dim: int, q_lora_rank: int, heads: int = 64, head_dim: int = 128,
                 rope_dim: int = 64, scale_format: str = "ue8m0", rope_base: float = 10000.0,
                 rope_style: str = "neox", rope_position: str = "first", rope_yarn: Yarn | None = None):
        super().__init__()
        if rope_dim > head_dim or rope_dim % 2:
            raise ValueError(f"rope_dim must be even and <= head_dim, got {rope_dim} (head_dim {head_dim})")
        if rope_style not in ROPE_STYLES or rope_position not in ROPE_POSITIONS:
            raise ValueError(f"rope_style must be one of {ROPE_STYLES} and rope_position one of {ROPE_POSITIONS}, "
                             f"got {rope_style!r}, {rope_position!r}")
        self.heads, self.head_dim, self.rope_dim = heads, head_dim, rope_dim
        self.scale_format, self.rope_base, self.rope_yarn = scale_format, rope_base, rope_yarn
        self.rope_style, self.rope_position = rope_style, rope_position
        self.wq_b = nn.Linear(q_lora_rank, heads * head_dim, bias=False)
        self.wk = nn.Linear(dim, head_dim, bias=False)
        self.k_norm = nn.LayerNorm(head_dim)
        self.weights_proj = nn.Linear(dim, heads, bias=False)

    def queries(self, x: torch.Tensor, qr: torch.Tensor, positions: torch.Tensor):
        """x [T, dim], qr [T, q_lora_rank], positions [T] -> (q e4m3 [T, H, D], weights fp32 [T, H]).

        The q scale and the softmax scale D^-0.5 are folded into the weights (with H^-0.5),
        which is why the logits kernels take no q scale."""
        cos, sin = rope_cos_sin(positions, self.rope_dim, self.rope_base, self.rope_yarn)
        q = self.wq_b(qr).unflatten(-1, (self.heads, self.head_dim))
        q = rope_then_hadamard(q, cos, sin, self.rope_dim, self.rope_style, self.rope_position)
        q_fp8, q_scale = quantize_per_token(q, self.scale_format)
        weights = self.weights_proj(x).float() * self.heads ** -0.5
        return q_fp8, weights * q_scale * self.head_dim ** -0.5

    def keys(self, k: torch.Tensor, positions: torch.Tensor):
        """Keys [T, D] before RoPE (wk(x) after k_norm, or DeepSeek-V4's compressed indexer keys before
        their RoPE) -> (e4m3 [T, D], fp32 scale [T])."""
        cos, sin = rope_cos_sin(positions, self.rope_dim, self.rope_base, self.rope_yarn)
        return quantize_per_token(rope_then_hadamard(k, cos, sin, self.rope_dim, self.rope_style,
                                                     self.rope_position), self.scale_format)

    def forward(self, x: torch.Tensor, qr: torch.Tensor, positions: torch.Tensor):
        """x [T, dim], qr [T, q_lora_rank], positions [T] ->
        (q e4m3 [T, H, D], weights fp32 [T, H], k e4m3 [T, D], k_scale fp32 [T])."""
        q_fp8, weights = self.queries(x, qr, positions)
        k_fp8, k_scale = self.keys(self.k_norm(self.wk(x)), positions)
        return q_fp8, weights, k_fp8, k_scale

    def train_inputs(self, x: torch.Tensor, qr: torch.Tensor, positions: torch.Tensor):
        """The indexer's training form (bf16, as DeepSeek-V3.2 trains it; differentiable in every parameter):
        x [T, dim], qr [T, q_lora_rank], positions [T] -> (q_idx bf16 [T, H, D], weights fp32 [T, H],
        k_idx bf16 [T, D]) with I = sum_j weights_j ReLU(q_idx_j . k_idx) the serving logits without FP8:
        RoPE as in forward(), no Hadamard transform (orthonormal, it leaves every q . k unchanged and only
        serves the FP8 quantisation), and H^-0.5 D^-0.5 folded into the weights."""
        cos, sin = rope_cos_sin(positions, self.rope_dim, self.rope_base, self.rope_yarn)
        q = self.wq_b(qr).unflatten(-1, (self.heads, self.head_dim))
        q = apply_rope(q, cos, sin, self.rope_dim, self.rope_style, self.rope_position)
        k = apply_rope(self.k_norm(self.wk(x)), cos, sin, self.rope_dim, self.rope_style, self.rope_position)
        weights = self.weights_proj(x).float() * (self.heads ** -0.5 * self.head_dim ** -0.5)
        return q.to(torch.bfloat16), weights, k.to(torch.bfloat16)

    @classmethod
    def from_spec(cls, spec, dim: int, q_lora_rank: int, rope_base: float = 10000.0,
                  rope_yarn: Yarn | None = None) -> "LightningIndexer":
        """The indexer a spec describes (heads, head_dim, scale format, RoPE dims, style, position)."""
        ix = spec.indexer
        return cls(dim, q_lora_rank, heads=ix.heads, head_dim=ix.head_dim, rope_dim=ix.rope_dim,
                   scale_format=ix.scale_format, rope_base=rope_base, rope_style=ix.rope_style,
                   rope_position=ix.rope_position, rope_yarn=rope_yarn)

class DSAAttention(nn.Module):
    """Indexer -> top-k -> sparse MLA, for prefill (ragged) and decode (paged, next_n >= 1)."""

    def __init__(self, indexer: LightningIndexer, topk: int = 2048, sm_scale: float = 576 ** -0.5,
                 d_v: int = 512, mla_scale_format: str = "ue8m0"):
        super().__init__()
        if topk <= 0:
            raise ValueError(f"topk must be positive, got {topk}")
        self.indexer, self.topk, self.sm_scale, self.d_v = indexer, topk, sm_scale, d_v
        self.mla_scale_format = mla_scale_format

    def prefill(self, x, qr, q_mla, kv_mla, positions, cu_seqlens):
        """Ragged batch of whole sequences.

        x [T, dim], qr [T, q_lora_rank], q_mla bf16 [T, h_q, 576], kv_mla bf16 [T, 576],
        positions int [T] (RoPE positions), cu_seqlens int32 [n_seqs + 1] (starts, then T).
        Returns (out bf16 [T, h_q, 512], indices int32 [T, topk] into the batch's tokens).
        """
        q_fp8, weights, k_fp8, k_scale = self.indexer(x, qr, positions)
        t = x.shape[0]
        tok = torch.arange(t, device=x.device, dtype=torch.int32)
        seq = torch.searchsorted(cu_seqlens[1:].contiguous(), tok, right=True)
        row_start = cu_seqlens.gather(0, seq).to(torch.int32)
        row_end = tok + 1  # causal: a token sees its sequence up to itself
        idx = indexer_topk(q_fp8, k_fp8, k_scale, weights, row_start, row_end, self.topk)
        out, _, _ = torch.ops.dsagen.sparse_mla_prefill(
            q_mla, kv_mla[:, None, :], idx[:, None, :], self.sm_scale, self.d_v, None, None)
        return out, idx

    def prefill_train(self, x, qr, q_mla, kv_mla, positions, cu_seqlens, mode: str = "sparse", attn_sink=None,
                      max_seqlen: int | None = None, detach_indexer_input: bool = True, selector: str = "bf16"):
        """Training form of prefill (dsagen.layers.dsa_train): the same inputs, the indexer in bf16
        (LightningIndexer.train_inputs), mode "warmup" (dense causal attention, KL over every causal key) or
        "sparse" (top-k by the bf16 indexer scores, KL over the selected keys).
        Returns (out bf16 [T, h_q, 512], kl fp32 [T], indices int32 [T, width]): out differentiable in q_mla,
        kv_mla, attn_sink; kl in the indexer's parameters only: as in DeepSeek-V3.2, x and qr enter the indexer
        detached (detach_indexer_input=False lets kl reach them too), so the main model learns from the task
        loss alone and the indexer from kl alone. selector: see dsa_train ("fp8" selects as prefill() does, in
        the indexer's scale_format). Train with `loss = task_loss(out) + lam * kl.mean()`."""
        if detach_indexer_input:
            x, qr = x.detach(), qr.detach()
        q_idx, weights, k_idx = self.indexer.train_inputs(x, qr, positions)
        return dsa_train(q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, mode=mode, topk=self.topk,
                         sm_scale=self.sm_scale, d_v=self.d_v, attn_sink=attn_sink, max_seqlen=max_seqlen,
                         selector=selector, scale_format=self.indexer.scale_format)

    def decode(self, x, qr, q_mla, kv_mla, positions, index_cache, mla_cache, block_table,
               context_lens, slot_mapping, max_context_len: int):
        """next_n new tokens for each of b sequences, against paged caches.

        x [b*n, dim], qr [b*n, q_lora_rank], q_mla bf16 [b, n, h_q, 576], kv_mla [b*n, 576]
        (the new tokens), positions [b*n], index_cache uint8 [blocks, page, 1, D+4],
        mla_cache uint8 [blocks, page, 1, 656] or bf16 [blocks, page, 1, 576],
        block_table int32 [b, max_blocks], context_lens int32 [b] (including the new tokens),
        slot_mapping [b*n] (negative: padding, not written), max_context_len a Python int
        (static, so the step can be graph-captured).
        Returns (out bf16 [b, n, h_q, 512], lse fp32 [b, h_q, n], indices int32 [b, n, topk]
        holding slots of the MLA cache).
        """
        b, n = q_mla.shape[0], q_mla.shape[1]
        page = mla_cache.shape[1]
        if index_cache.shape[1] != page:
            raise ValueError(f"index_cache page {index_cache.shape[1]} != mla_cache page {page}: one block_table serves both")
        q_fp8, weights, k_fp8, k_scale = self.indexer(x, qr, positions)
        torch.ops.dsagen.indexer_cache_insert(index_cache, k_fp8, k_scale, slot_mapping)
        torch.ops.dsagen.mla_cache_insert(mla_cache, kv_mla, slot_mapping, self.mla_scale_format)
        q_fp8 = q_fp8.unflatten(0, (b, n))
        logits = torch.ops.dsagen.indexer_logits_paged(
            q_fp8, index_cache, weights, context_lens, block_table, max_context_len, True)
        # row (seq, i) sees logical positions < context_len - n + i + 1
        step = torch.arange(n, device=x.device, dtype=torch.int32)
        row_end = (context_lens[:, None].to(torch.int32) - n + 1 + step[None, :]).reshape(b * n)
        pos = torch.ops.dsagen.topk_indices(logits, self.topk, None, row_end)  # logical, -1 padded
        pos = pos.view(b, n * self.topk)
        blocks = block_table.gather(1, (pos.clamp_min(0) // page).long())
        slots = torch.where(pos >= 0, blocks * page + pos % page, torch.full_like(pos, -1))
        slots = slots.to(torch.int32).view(b, n, self.topk)
        out, lse = torch.ops.dsagen.sparse_mla_decode(q_mla, mla_cache, slots, self.sm_scale, self.d_v, None, None)
        return out, lse, slots
