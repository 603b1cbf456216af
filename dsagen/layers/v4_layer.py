"""A DeepSeek-V4 attention layer core (sliding window, CSA or HCA) built from dsagen's ops.

From what the model already projected (q [T, h, 512] before its per-head RMSNorm, the latent
kv [T, 512] after kv_norm, the hidden states x for the compressors and the indexer, the q-LoRA
latent qr for the indexer's queries) it does the layer's attention math (transformers'
DeepseekV4Attention): per-head unweighted RMSNorm of q; interleaved RoPE on the last 64 dims of q
and kv (the "main" base for window layers, the compressors' base for CSA / HCA); one softmax
over the last `window` raw tokens and the compressed entries a query may see (entry w of the
sequence once its group is complete, w < (pos + 1) // ratio: CSA the indexer's top-k of them,
HCA all), with the per-head attention sink; then the inverse RoPE on the output's last 64 dims
(K = V carried the keys' rotation into the output).

- `prefill`: whole sequences of a packed batch from position 0. The raw rows and the compressed
  entries form one bf16 workspace and one sparse_mla_prefill call attends both (vLLM's V4 prefill);
  given the caches, the same call writes them (and seeds the rings) from what it computed.
- `decode`: next_n new tokens per sequence against paged caches: the raw tokens' (window) cache
  and the compressed cache (MODEL1 FP8 or bf16), plus for CSA the indexer's compressed-key cache
  (DeepGEMM layout) scored with the 2-D context_lens rule; one sparse_mla_decode call over both
  MLA caches. The compressors' decode rings are updated in place.

Every op goes through torch.ops.dsagen.* with static shapes and no host synchronisation.
"""

import torch
from torch import nn

import dsagen.library  # noqa: F401  (registers torch.ops.dsagen.*)
from dsagen.layers.compressor import KVCompressor, paged_slots
from dsagen.layers.dsa_layer import LightningIndexer
from dsagen.layers.selection import indexer_topk
from dsagen.layers.indexer_prep import Yarn, apply_rope, rope_cos_sin

KINDS = ("window", "csa", "hca")


class V4Attention(nn.Module):
    def __init__(self, kind: str, heads: int, window: int, *, d: int = 512, rope_dim: int = 64,
                 rope_base: float = 10000.0, compressor: KVCompressor | None = None,
                 indexer_compressor: KVCompressor | None = None, indexer: LightningIndexer | None = None,
                 topk: int = 512, sm_scale: float | None = None, eps: float = 1e-6, sink: bool = True,
                 rope_yarn: Yarn | None = None):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        if (kind != "window") != (compressor is not None):
            raise ValueError(f"a {kind} layer {'needs' if kind != 'window' else 'has no'} compressor")
        if (kind == "csa") != (indexer is not None and indexer_compressor is not None):
            raise ValueError("a csa layer, and only a csa layer, has an indexer and its compressor")
        if window < 1 or topk < 1:
            raise ValueError(f"window {window} and topk {topk} must be positive")
        self.kind, self.heads, self.window, self.d, self.topk, self.eps = kind, heads, window, d, topk, eps
        self.rope_dim, self.rope_base, self.rope_yarn = rope_dim, rope_base, rope_yarn
        self.sm_scale = d ** -0.5 if sm_scale is None else sm_scale
        self.compressor, self.indexer_compressor, self.indexer = compressor, indexer_compressor, indexer
        self.ratio = compressor.ratio if compressor is not None else 1
        # the learned per-head sink logit (DeepSeek-V4 has one in every layer); None: no sink
        self.sink = nn.Parameter(torch.zeros(heads, dtype=torch.float32)) if sink else None

    @classmethod
    def from_spec(cls, spec, layer_kind, dim: int, q_lora_rank: int, heads: int | None = None,
                  rope_base: float = 10000.0, compress_rope_base: float = 160000.0,
                  compress_yarn: Yarn | None = None) -> "V4Attention":
        """The layer core of a spec's window / csa / hca layer kind (heads: per GPU, default all). The
        RoPE tables are the checkpoint's config, not the spec's: window layers use rope_base, csa /
        hca layers (their q, kv, compressors and indexer) compress_rope_base with compress_yarn
        (DeepSeek-V4: Yarn(16, 65536))."""
        kind = layer_kind.kind
        if kind not in KINDS:
            raise ValueError(f"{kind} layers are served by dsagen.layers.DSAAttention")
        heads = spec.mla.heads if heads is None else heads
        base = rope_base if kind == "window" else compress_rope_base
        yarn = None if kind == "window" else compress_yarn
        rope_dim = spec.mla.rope_dim if spec.mla.d_qk == spec.mla.latent_dim else 0
        kw = {}
        if kind != "window":
            kw["compressor"] = KVCompressor.from_spec(spec, layer_kind, "attention", dim, compress_rope_base, yarn)
        if kind == "csa":
            kw["indexer_compressor"] = KVCompressor.from_spec(spec, layer_kind, "indexer", dim)
            kw["indexer"] = LightningIndexer.from_spec(spec, dim, q_lora_rank, rope_base=compress_rope_base,
                                                       rope_yarn=yarn)
        return cls(kind, heads, spec.attention.window, d=spec.mla.d_qk, rope_dim=rope_dim, rope_base=base,
                   topk=spec.topk.k, sink=spec.attention.sink, rope_yarn=yarn, **kw)

    # ------------------------------------------------------------------ pieces
    def _rope(self, x, positions, inverse=False):
        if not self.rope_dim:
            return x
        cos, sin = rope_cos_sin(positions, self.rope_dim, self.rope_base, self.rope_yarn)
        return apply_rope(x, cos, -sin if inverse else sin, self.rope_dim, "interleaved", "last")

    def _q(self, q, positions):
        """Per-head unweighted RMSNorm (fp32, back to q's dtype), then RoPE."""
        qf = q.float()
        qn = (qf * torch.rsqrt(qf.square().mean(-1, keepdim=True) + self.eps)).to(q.dtype)
        return self._rope(qn, positions)

    def _window_positions(self, positions):
        """positions [...] -> the window's positions [..., window] (pos - j), -1 before position 0."""
        j = torch.arange(self.window, device=positions.device)
        p = positions[..., None].to(torch.int64) - j
        return torch.where(p >= 0, p, -1)

    # ------------------------------------------------------------------ prefill
    def prefill(self, x, qr, q, kv, positions, cu_seqlens, cache=None, block_table=None, comp_cache=None,
                comp_block_table=None, ring=None, index_cache=None, index_ring=None):
        """Whole sequences of a packed batch: x [T, dim], qr [T, q_lora_rank] (csa; else None), q bf16
        [T, h, d], kv bf16 [T, d], positions int [T] (0.. within each sequence), cu_seqlens int [n + 1].

        With `cache` (and, for csa / hca, comp_cache, ring; for csa index_cache, index_ring; the block
        tables as in decode) the same call also writes what decode reads, from what it computed once:
        the raw rows (RoPE'd) at their positions, the compressed entries, the indexer's compressed
        keys, and seeds the compressors' rings.

        Returns (out bf16 [T, h, d], indices int32 [T, window + k]: rows of the workspace, the raw
        tokens (0..T-1) then the compressed entries (T + slot of dsagen.layers.KVCompressor.prefill's
        table), -1 padded; entries: that table's entries [T // ratio, d] or None)."""
        t = q.shape[0]
        qn, k = self._q(q, positions), self._rope(kv, positions)
        tok = torch.arange(t, device=q.device)
        cu = cu_seqlens.to(torch.int64)
        seq = torch.searchsorted(cu[1:].contiguous(), tok, right=True)
        start = cu.gather(0, seq)
        win = self._window_positions(positions)             # positions inside the sequence
        idx = torch.where(win >= 0, start[:, None] + win, -1)
        if cache is not None:
            every = torch.ones(t, dtype=torch.bool, device=q.device)
            torch.ops.dsagen.mla_cache_insert(cache, k, paged_slots(block_table, seq, positions.to(torch.int64),
                                                                    every, cache.shape[1]), "ue8m0")
        work, entries = k, None
        if self.compressor is not None:
            r = self.ratio
            proj = self.compressor.project(x)
            entries, eseq, egrp, evalid = self.compressor.prefill(x, cu_seqlens, proj)
            entries = entries.to(k.dtype)                                # as attention reads them
            if cache is not None:
                torch.ops.dsagen.mla_cache_insert(comp_cache, entries, paged_slots(
                    comp_block_table, eseq, egrp, evalid, comp_cache.shape[1]), "ue8m0")
                self.compressor.fill_ring(*ring, *proj, cu_seqlens)
            counts = (cu[1:] - cu[:-1]) // r
            first = (torch.cumsum(counts, 0) - counts).gather(0, seq)     # the sequence's first entry slot
            vis = (positions.to(torch.int64) + 1) // r                   # entries a query may see
            if self.kind == "hca":
                jj = torch.arange(entries.shape[0], device=q.device)
                comp = torch.where(jj[None, :] < vis[:, None], first[:, None] + jj[None, :], -1)
            else:
                comp = self._select_prefill(x, qr, positions, cu_seqlens, first, vis, comp_block_table,
                                            index_cache if cache is not None else None, index_ring)
            idx = torch.cat([idx, torch.where(comp >= 0, comp + t, -1)], dim=1)
            work = torch.cat([k, entries], dim=0)
        idx = idx.to(torch.int32)
        out, _, _ = torch.ops.dsagen.sparse_mla_prefill(qn, work[:, None, :], idx[:, None, :], self.sm_scale,
                                                        self.d, self.sink, None)
        return self._rope(out, positions, inverse=True), idx, entries

    def _select_prefill(self, x, qr, positions, cu_seqlens, first, vis, comp_block_table, index_cache, index_ring):
        """CSA: the indexer's top-k over the visible compressed entries (slots of the entry table); with
        index_cache, its compressed keys are written there and index_ring is seeded too."""
        proj = self.indexer_compressor.project(x)
        ients, iseq, igrp, ivalid = self.indexer_compressor.prefill(x, cu_seqlens, proj)
        k8, ks = self.indexer.keys(ients, igrp * self.ratio)
        if index_cache is not None:
            torch.ops.dsagen.indexer_cache_insert(index_cache, k8, ks, paged_slots(
                comp_block_table, iseq, igrp, ivalid, index_cache.shape[1]))
            self.indexer_compressor.fill_ring(*index_ring, *proj, cu_seqlens)
        q8, w = self.indexer.queries(x, qr, positions)
        lo = first.to(torch.int32)
        hi = (first + vis).to(torch.int32)
        return indexer_topk(q8, k8, ks, w, lo.contiguous(), hi.contiguous(), self.topk).to(torch.int64)

    # ------------------------------------------------------------------ decode
    def decode(self, x, qr, q, kv, positions, cache, block_table, slot_mapping, max_context_len: int,
               comp_cache=None, comp_block_table=None, ring=None, index_cache=None, index_ring=None):
        """next_n new tokens for each of b sequences.

        x [b*n, dim], qr [b*n, q_lora_rank] (csa), q bf16 [b, n, h, d], kv bf16 [b*n, d] (the new
        tokens), positions int [b, n]; cache: the raw tokens' paged MLA cache (MODEL1 FP8 or bf16
        [blocks, page, 1, d]) with block_table [b, max_blocks] and slot_mapping [b*n] (< 0: padding);
        max_context_len: static Python int, at least every sequence's length after this step.
        csa / hca: comp_cache (the compressed MLA cache, its own page) with comp_block_table, ring =
        (ring_kv, ring_score) of the attention compressor; csa also index_cache (DeepGEMM layout,
        the compressed page; comp_block_table serves it too) and index_ring for the indexer's
        compressor. Returns (out bf16 [b, n, h, d], lse fp32 [b, h, n], window slots int32
        [b, n, window], compressed slots int32 [b, n, k or max_context_len // ratio] or None)."""
        b, n = positions.shape
        pos = positions.reshape(-1)
        qn = self._q(q.reshape(b * n, self.heads, self.d), pos).view(b, n, self.heads, self.d)
        k = self._rope(kv, pos)
        torch.ops.dsagen.mla_cache_insert(cache, k, slot_mapping, "ue8m0")
        page = cache.shape[1]
        win = self._window_positions(positions)                                 # [b, n, window]
        rows = torch.arange(b, device=q.device)[:, None, None].expand_as(win)
        slots = paged_slots(block_table, rows, win, win >= 0, page)
        extra = None
        if self.compressor is not None:
            r = self.ratio
            xs = x.view(b, n, -1)
            ents, grp, val = self.compressor.decode(xs, positions, *ring)
            cpage = comp_cache.shape[1]
            bi = torch.arange(b, device=q.device)[:, None].expand_as(grp)
            torch.ops.dsagen.mla_cache_insert(comp_cache, ents.reshape(-1, self.d).to(k.dtype),
                                              paged_slots(comp_block_table, bi, grp, val, cpage).reshape(-1), "ue8m0")
            vis = (positions.to(torch.int64) + 1) // r                          # [b, n]
            max_c = max(max_context_len // r, 1)
            if self.kind == "hca":
                jj = torch.arange(max_c, device=q.device)
                logical = torch.where(jj < vis[..., None], jj, -1)              # [b, n, max_c]
            else:
                logical = self._select_decode(xs, qr, positions, vis, comp_block_table, index_cache, index_ring,
                                              max_c)
            bi3 = torch.arange(b, device=q.device)[:, None, None].expand_as(logical)
            extra = paged_slots(comp_block_table, bi3, logical, logical >= 0, cpage)
        out, lse = torch.ops.dsagen.sparse_mla_decode(qn, cache, slots, self.sm_scale, self.d, self.sink, None,
                                                      comp_cache if extra is not None else None, extra, None)
        out = self._rope(out.reshape(b * n, self.heads, self.d), pos, inverse=True).view(b, n, self.heads, self.d)
        return out, lse, slots, extra

    def _select_decode(self, xs, qr, positions, vis, comp_block_table, index_cache, index_ring, max_c):
        """CSA: write the indexer's completed compressed keys, then its top-k over the visible entries
        (DeepGEMM's 2-D context_lens: row (b, i) sees entries < vis[b, i]) -> logical entries [b, n, k]."""
        b, n = positions.shape
        ients, igrp, ival = self.indexer_compressor.decode(xs, positions, *index_ring)
        k8, ks = self.indexer.keys(ients.reshape(b * ients.shape[1], -1), igrp.reshape(-1) * self.ratio)
        bi = torch.arange(b, device=xs.device)[:, None].expand_as(igrp)
        islots = paged_slots(comp_block_table, bi, igrp, ival, index_cache.shape[1]).reshape(-1)
        torch.ops.dsagen.indexer_cache_insert(index_cache, k8, ks, islots)
        q8, w = self.indexer.queries(xs.reshape(b * n, -1), qr, positions.reshape(-1))
        ctx = vis.to(torch.int32)
        logits = torch.ops.dsagen.indexer_logits_paged(q8.view(b, n, *q8.shape[1:]), index_cache, w, ctx,
                                                       comp_block_table, max_c, True)
        sel = torch.ops.dsagen.topk_indices(logits, self.topk, None, ctx.reshape(-1))
        return sel.view(b, n, self.topk).to(torch.int64)
