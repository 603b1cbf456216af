"""DeepSeek-V4's KV compressor for serving (and GLM-5.3-Flash's indexer key pooling).

A CSA layer has two (the attention one, d = 512, and the indexer's, d = 128), overlapping, ratio 4;
an HCA layer one, ratio 128, no overlap. Each: projections kv = x W_kv and score = x W_gate
(c * d wide, c = 2 with overlap), then dsagen.ops.kv_compress (softmax-gated pooling of each group of
`ratio` tokens with the learned position embedding `ape`, RMSNorm), then RoPE on the entry's
`rope_dim` channels at the entry's position g * ratio with the compressor's own base
(`compress_rope_theta`). The indexer's entries are keys: LightningIndexer.keys gives them its RoPE,
the Hadamard transform and FP8 like raw keys (its compressor has rope_dim 0); the attention's go
into the MODEL1 cache
(torch.ops.dsagen.mla_cache_insert). GLM-5.3-Flash pools its LayerNorm'd indexer keys 4:1 the same
way, without overlap, norm or RoPE (score from its own gate projection).

Both paths are host-sync free with static shapes (graph capture, torch.compile(fullgraph=True)):

- `prefill(x, cu_seqlens)`: whole sequences of a packed batch from position 0. The entries of all
  complete groups fill the first slots of a table of T // ratio (no batch has more); the rest are
  marked invalid.
- `decode(x, positions, ring_kv, ring_score)`: next_n new tokens per sequence. Each sequence keeps
  its last projected rows in a ring of `ring_rows(...)` rows (token at position p in row
  p % rows); a group's rows are contiguous there, so the same kernel reads them. The ring holds
  the group being filled, the groups completing in this step and, with overlap, the one before.
  `fill_ring` seeds it from a prefill.
"""

import math

import torch
from torch import nn

import dsagen.library  # noqa: F401  (registers torch.ops.dsagen.*)
from dsagen.layers.indexer_prep import ROPE_POSITIONS, ROPE_STYLES, Yarn, apply_rope, rope_cos_sin


def ring_groups(ratio: int, overlap: bool, next_n: int = 1) -> int:
    """Groups a decode ring holds: those next_n consecutive tokens can touch (ceil((n - 1) / r) + 1)
    plus, with overlap, the previous one."""
    return -(-(next_n - 1) // ratio) + 1 + int(overlap)


class KVCompressor(nn.Module):
    """One compressor: wkv, wgate (dim -> c * d), ape [ratio, c * d] (fp32), norm [d] (None: no norm).

    rope_dim / rope_base / rope_style / rope_position / rope_yarn: RoPE of the entries (V4: 64, the
    layer's compress_rope_theta, interleaved, last, YaRN from the checkpoint's rope_scaling);
    rope_dim 0: none."""

    def __init__(self, dim: int, d: int, ratio: int, overlap: bool, norm: bool = True, rope_dim: int = 64,
                 rope_base: float = 160000.0, rope_style: str = "interleaved", rope_position: str = "last",
                 eps: float = 1e-6, rope_yarn: Yarn | None = None):
        super().__init__()
        if ratio < 1 or d < 1 or rope_dim > d or rope_dim % 2:
            raise ValueError(f"ratio {ratio}, d {d}, rope_dim {rope_dim}: need ratio >= 1 and an even rope_dim <= d")
        if rope_style not in ROPE_STYLES or rope_position not in ROPE_POSITIONS:
            raise ValueError(f"rope_style must be one of {ROPE_STYLES} and rope_position one of {ROPE_POSITIONS}")
        self.d, self.ratio, self.overlap, self.eps = d, ratio, bool(overlap), eps
        self.rope_dim, self.rope_base, self.rope_yarn = rope_dim, rope_base, rope_yarn
        self.rope_style, self.rope_position = rope_style, rope_position
        c = 2 if overlap else 1
        self.wkv = nn.Linear(dim, c * d, bias=False)
        self.wgate = nn.Linear(dim, c * d, bias=False)
        self.ape = nn.Parameter(torch.zeros(ratio, c * d, dtype=torch.float32))
        self.norm = nn.Parameter(torch.ones(d, dtype=torch.float32)) if norm else None

    @classmethod
    def from_spec(cls, spec, layer_kind, which: str, dim: int, rope_base: float = 160000.0,
                  rope_yarn: Yarn | None = None) -> "KVCompressor":
        """The compressor of a spec's csa / hca layer kind: which = "attention" (d = mla.d_qk, RoPE on
        the MLA's last rope_dim) or "indexer" (csa only: d = indexer.head_dim; no RoPE here: its
        entries are keys, and LightningIndexer.keys applies the indexer's RoPE, Hadamard and FP8)."""
        if layer_kind.kind not in ("csa", "hca") or (which == "indexer" and layer_kind.kind != "csa"):
            raise ValueError(f"a {layer_kind.kind} layer has no {which} compressor")
        if which == "attention":
            return cls(dim, spec.mla.d_qk, layer_kind.compress_ratio, layer_kind.kind == "csa",
                       rope_dim=spec.mla.rope_dim if spec.mla.d_qk == spec.mla.latent_dim else 0, rope_base=rope_base,
                       rope_yarn=rope_yarn)
        return cls(dim, spec.indexer.head_dim, layer_kind.compress_ratio, True, rope_dim=0)

    @classmethod
    def key_pool_from_spec(cls, spec, dim: int) -> "KVCompressor":
        """GLM-5.3-Flash's indexer key pooling (indexer.key_pool): no overlap, norm or RoPE."""
        if spec.indexer.key_pool < 2:
            raise ValueError("the spec's indexer does not pool its keys (indexer.key_pool is 1)")
        return cls(dim, spec.indexer.head_dim, spec.indexer.key_pool, False, norm=False, rope_dim=0)

    # ------------------------------------------------------------------ pieces
    def project(self, x: torch.Tensor):
        """x [T, dim] -> (kv, score) [T, c * d] in x's dtype."""
        return self.wkv(x), self.wgate(x)

    def _finish(self, pooled: torch.Tensor, group: torch.Tensor) -> torch.Tensor:
        """fp32 entries -> RoPE at position group * ratio -> x's dtype (one rounding)."""
        if self.rope_dim:
            cos, sin = rope_cos_sin(group.clamp_min(0) * self.ratio, self.rope_dim, self.rope_base, self.rope_yarn)
            pooled = apply_rope(pooled, cos, sin, self.rope_dim, self.rope_style, self.rope_position)
        return pooled

    def _compress(self, kv, score, grows, prows):
        out = torch.zeros(grows.shape[0], self.d, dtype=torch.float32, device=kv.device)
        torch.ops.dsagen.kv_compress(kv, score, self.ape, self.norm, grows, prows, out, self.ratio, self.eps)
        return out

    # ------------------------------------------------------------------ prefill
    def prefill(self, x: torch.Tensor, cu_seqlens: torch.Tensor, kv_score=None):
        """Whole sequences of a packed batch: x [T, dim], cu_seqlens int [n + 1].

        Returns (entries [T // ratio, d] in x's dtype, seq int64 [T // ratio], group int64, valid bool):
        slot j holds sequence seq[j]'s compressed entry group[j] (its tokens group * ratio .. + ratio - 1)
        where valid[j]; entries are ordered by sequence, then group. kv_score: the projections if
        already computed."""
        kv, score = kv_score if kv_score is not None else self.project(x)
        t, r = x.shape[0], self.ratio
        cu = cu_seqlens.to(torch.int64)
        counts = (cu[1:] - cu[:-1]) // r                      # complete groups per sequence
        ends = torch.cumsum(counts, 0)
        j = torch.arange(t // r, device=x.device)
        seq = torch.searchsorted(ends, j, right=True)
        valid = seq < counts.shape[0]
        seq = seq.clamp_max(counts.shape[0] - 1)
        group = j - (ends - counts).gather(0, seq)
        row = cu.gather(0, seq) + group * r
        grows = torch.where(valid, row, -1).to(torch.int32)
        prows = torch.where(valid & (group > 0), row - r, -1).to(torch.int32) if self.overlap else None
        pooled = self._compress(kv, score, grows, prows)
        return self._finish(pooled, group).to(x.dtype), seq, group, valid

    # ------------------------------------------------------------------ decode
    def ring_rows(self, next_n: int = 1) -> int:
        return ring_groups(self.ratio, self.overlap, next_n) * self.ratio

    def new_ring(self, batch: int, next_n: int = 1, dtype=torch.bfloat16, device=None):
        """(ring_kv, ring_score) [batch, ring_rows, c * d], NaN-filled: a row read before it is written
        shows up as a NaN entry."""
        c = 2 if self.overlap else 1
        shape = (batch, self.ring_rows(next_n), c * self.d)
        return (torch.full(shape, float("nan"), dtype=dtype, device=device),
                torch.full(shape, float("nan"), dtype=dtype, device=device))

    def fill_ring(self, ring_kv, ring_score, kv, score, cu_seqlens):
        """Seed the rings of the sequences of a prefill (rows kv, score [T, c * d]) with their last
        ring_rows tokens, each at row position % ring_rows."""
        n_rows = ring_kv.shape[1]
        cu = cu_seqlens.to(torch.int64)
        lens = cu[1:] - cu[:-1]
        back = torch.arange(n_rows, device=kv.device)
        pos = lens[:, None] - n_rows + back[None, :]            # the last n_rows positions of each sequence
        ok = pos >= 0
        src = (cu[:-1, None] + pos.clamp_min(0)).reshape(-1)
        dst = (pos.clamp_min(0) % n_rows).reshape(-1)
        b = torch.arange(lens.shape[0], device=kv.device)[:, None].expand_as(pos).reshape(-1)
        keep = ok.reshape(-1)
        ring_kv[b[keep], dst[keep]] = kv[src[keep]].to(ring_kv.dtype)
        ring_score[b[keep], dst[keep]] = score[src[keep]].to(ring_score.dtype)

    def decode(self, x: torch.Tensor, positions: torch.Tensor, ring_kv: torch.Tensor, ring_score: torch.Tensor,
               kv_score=None):
        """next_n new tokens per sequence: x [b, n, dim], positions int [b, n] (consecutive, the
        sequence's next ones); the rings [b, ring_rows(n), c * d] are updated in place.

        Returns (entries [b, E, d] in x's dtype, group int64 [b, E], valid bool [b, E]) with
        E = ceil(n / ratio): entry e of sequence i is its compressed entry group[i, e], completed by
        this step where valid."""
        b, n = positions.shape
        r, rows = self.ratio, ring_kv.shape[1]
        m = rows // r
        if rows % r or m < ring_groups(r, self.overlap, n):
            raise ValueError(f"ring of {rows} rows: need a multiple of ratio {r} holding "
                             f"{ring_groups(r, self.overlap, n)} groups for next_n {n}")
        kv, score = kv_score if kv_score is not None else self.project(x.reshape(b * n, -1))
        pos = positions.to(torch.int64)
        bi = torch.arange(b, device=x.device)[:, None].expand(b, n)
        ring_kv[bi, pos % rows] = kv.view(b, n, -1).to(ring_kv.dtype)
        ring_score[bi, pos % rows] = score.view(b, n, -1).to(ring_score.dtype)
        e = math.ceil(n / r)
        group = pos[:, :1] // r + torch.arange(e, device=x.device)[None, :]            # [b, e]
        valid = (group + 1) * r <= pos[:, -1:] + 1
        base = torch.arange(b, device=x.device)[:, None] * rows
        grows = torch.where(valid, base + (group % m) * r, -1).to(torch.int32).reshape(-1)
        prows = None
        if self.overlap:
            prows = torch.where(valid & (group > 0), base + ((group - 1) % m) * r, -1).to(torch.int32).reshape(-1)
        flat = lambda t: t.view(b * rows, t.shape[-1])  # noqa: E731
        pooled = self._compress(flat(ring_kv), flat(ring_score), grows, prows)
        return self._finish(pooled, group.reshape(-1)).to(x.dtype).view(b, e, self.d), group, valid


def paged_slots(block_table: torch.Tensor, seq: torch.Tensor, index: torch.Tensor, valid: torch.Tensor,
                page: int) -> torch.Tensor:
    """Slots of a paged (compressed) cache for entries `index` of sequences `seq` (same shape), -1
    where not valid: what the cache inserts take as slot_mapping."""
    blk = block_table[seq.clamp_min(0), (index.clamp_min(0) // page)]
    return torch.where(valid, blk.to(torch.int64) * page + index % page, -1).to(torch.int32)
