"""The training form of the DSA layer core (DeepSeek-V3.2's recipe, DSA_FACTS 12).

`dsa_train(q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, mode=..., topk=...)` runs one DSA
layer core over a ragged packed batch of whole sequences and returns (out, kl, indices):

- mode "warmup" (the dense warm-up stage): every query attends to all earlier tokens of its own
  sequence (sparse_mla_prefill with every causal key selected); kl is the indexer's KL over all
  those keys, streamed by the indexer_kl kernel (key_start / key_end; no [T, T] loss tensor).
- mode "sparse" (the sparse training stage): the indexer's bf16 scores select each query's top-k
  causal keys (no gradient); sparse_mla_prefill attends to them; kl is the KL over the selected set.

Gradients: out is differentiable in q_mla, kv_mla and attn_sink (sparse_mla_bwd); kl in q_idx,
weights and k_idx only (the attention's distribution is its detached target). The selection is
integer, so out sends nothing into the indexer and kl nothing into the attention: a trainer writes
`loss = task_loss(out) + lam * kl.mean()` and one backward trains both, as in the V3.2 report
(in the warm-up the main model is frozen by the trainer, not by this function).

The sparse stage's scores I[t, s] = sum_j w[t, j] ReLU(q_idx[t, j] . k_idx[s]) are computed, by default
(selector "bf16"), with torch from the bf16 inputs in fp32 (query chunks bound the [chunk, H, T]
temporary; the [T, T] fp32 logits are formed, as the top-k kernel reads them), then dsagen's top-k
kernel picks the k best in each causal range; selector "fp8" selects as serving does (Hadamard, e4m3,
dsagen's fused indexer + top-k kernel: no [T, T] tensor, for long sequences). Every kernel is called through torch.ops.dsagen (dsagen.library), shapes are
fixed by the inputs and nothing reads a value back to the host, so a training step traces with
torch.compile(fullgraph=True).
"""

import torch

import dsagen.library  # noqa: F401  (registers torch.ops.dsagen.*)
from dsagen.layers.indexer_prep import hadamard, quantize_per_token
from dsagen.layers.selection import indexer_topk

MODES = ("warmup", "sparse")
SELECTORS = ("bf16", "fp8")
SCORE_CHUNK_ELEMS = 1 << 26   # fp32 elements of one [chunk, H, T] ReLU(q . k) temporary (256 MiB)


def _check(q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, mode, topk, d_v, attn_sink, max_seqlen, selector):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if selector not in SELECTORS:
        raise ValueError(f"selector must be one of {SELECTORS}, got {selector!r}")
    if q_mla.dim() != 3 or q_mla.dtype != torch.bfloat16 or q_mla.shape[-1] not in (576, 512):
        raise ValueError(f"q_mla must be bfloat16 [T, h_q, 576 or 512], got {q_mla.dtype} {tuple(q_mla.shape)}")
    t, h_q, d_qk = q_mla.shape
    if kv_mla.dtype != torch.bfloat16 or tuple(kv_mla.shape) != (t, d_qk):
        raise ValueError(f"kv_mla must be bfloat16 [{t}, {d_qk}], got {kv_mla.dtype} {tuple(kv_mla.shape)}")
    if q_idx.dim() != 3 or q_idx.dtype != torch.bfloat16 or q_idx.shape[0] != t \
            or q_idx.shape[-1] not in (32, 64, 128):
        raise ValueError(f"q_idx must be bfloat16 [{t}, index_heads, 32 | 64 | 128], got {q_idx.dtype} "
                         f"{tuple(q_idx.shape)}")
    h_idx, d_idx = q_idx.shape[1:]
    if weights.dtype != torch.float32 or tuple(weights.shape) != (t, h_idx):
        raise ValueError(f"weights must be float32 [{t}, {h_idx}], got {weights.dtype} {tuple(weights.shape)}")
    if k_idx.dtype != torch.bfloat16 or tuple(k_idx.shape) != (t, d_idx):
        raise ValueError(f"k_idx must be bfloat16 [{t}, {d_idx}], got {k_idx.dtype} {tuple(k_idx.shape)}")
    if not isinstance(cu_seqlens, torch.Tensor) or cu_seqlens.dtype != torch.int32 or cu_seqlens.dim() != 1 \
            or cu_seqlens.shape[0] < 2:
        raise ValueError(f"cu_seqlens must be int32 [n_seqs + 1] (sequence starts, then T), got "
                         f"{getattr(cu_seqlens, 'dtype', type(cu_seqlens).__name__)} "
                         f"{tuple(getattr(cu_seqlens, 'shape', ()))}")
    if mode == "sparse" and (isinstance(topk, bool) or not isinstance(topk, int) or topk <= 0):
        raise ValueError(f"topk must be a positive int in mode 'sparse', got {topk!r}")
    if d_v != 512:
        raise ValueError(f"d_v must be 512, got {d_v!r}")
    if attn_sink is not None and (attn_sink.dtype != torch.float32 or tuple(attn_sink.shape) != (h_q,)):
        raise ValueError(f"attn_sink must be float32 [{h_q}] or None, got {attn_sink.dtype} "
                         f"{tuple(attn_sink.shape)}")
    if max_seqlen is not None and (isinstance(max_seqlen, bool) or not isinstance(max_seqlen, int)
                                   or max_seqlen <= 0):
        raise ValueError(f"max_seqlen must be a positive int (the longest sequence) or None, got {max_seqlen!r}")
    devices = {x.device for x in (q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, attn_sink) if x is not None}
    if len(devices) != 1:
        raise ValueError(f"every tensor must be on one device, got {sorted(map(str, devices))}")


def causal_ranges(cu_seqlens: torch.Tensor, t: int):
    """(row_start, row_end) int32 [T]: token i of a packed batch sees [start of its sequence, i + 1)."""
    tok = torch.arange(t, device=cu_seqlens.device, dtype=torch.int32)
    seq = torch.searchsorted(cu_seqlens[1:].contiguous(), tok, right=True)
    row_start = cu_seqlens.gather(0, seq.clamp(max=cu_seqlens.shape[0] - 1)).to(torch.int32)
    return row_start, tok + 1


def indexer_scores(q_idx: torch.Tensor, weights: torch.Tensor, k_idx: torch.Tensor) -> torch.Tensor:
    """fp32 [T, T] (no gradient): I[t, s] = sum_j w[t, j] ReLU(q_idx[t, j] . k_idx[s]), fp32 products of the
    bf16 inputs, in query chunks of at most SCORE_CHUNK_ELEMS temporary elements."""
    with torch.no_grad():
        t, h = weights.shape
        k = k_idx.float()
        w = weights.float()
        chunk = max(1, min(t, SCORE_CHUNK_ELEMS // max(1, h * k.shape[0])))
        parts = []
        for a in range(0, t, chunk):
            dots = torch.einsum("thd,sd->ths", q_idx[a:a + chunk].float(), k)
            parts.append(torch.einsum("ths,th->ts", dots.relu(), w[a:a + chunk]))
        return parts[0] if len(parts) == 1 else torch.cat(parts)


def fp8_topk(q_idx, weights, k_idx, row_start, row_end, topk: int, scale_format: str = "ue8m0"):
    """int32 [T, topk] (no gradient): the serving path's selection from the training inputs: Hadamard transform,
    e4m3 with per-token scales (q's folded into the weights), then dsagen's fused indexer + top-k, which
    never writes the [T, T] logits (above top-k 8192: the logits kernel and the top-k kernel)."""
    with torch.no_grad():
        q8, q_scale = quantize_per_token(hadamard(q_idx), scale_format)
        k8, k_scale = quantize_per_token(hadamard(k_idx), scale_format)
        return indexer_topk(q8, k8, k_scale, (weights * q_scale).float().contiguous(), row_start, row_end, topk)


def dense_causal_indices(row_start: torch.Tensor, row_end: torch.Tensor, width: int) -> torch.Tensor:
    """int32 [T, width]: the last `width` keys of [row_start[t], row_end[t]) (all of them when the range is
    no longer), ascending, -1 where the range has fewer."""
    j = torch.arange(width, device=row_start.device, dtype=torch.int32)
    idx = row_end[:, None] - width + j[None, :]
    return torch.where(idx >= row_start[:, None], idx, torch.full_like(idx, -1))


def dsa_train(q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, *, mode: str = "sparse", topk: int | None = None,
              sm_scale: float | None = None, d_v: int = 512, attn_sink=None, max_seqlen: int | None = None,
              selector: str = "bf16", scale_format: str = "ue8m0"):
    """One DSA layer core for training over a ragged packed batch of whole sequences.

    q_mla bf16 [T, h_q, 576 | 512] (absorbed MLA queries), kv_mla bf16 [T, 576 | 512] (latent + rope rows);
    q_idx bf16 [T, index_heads, 32 | 64 | 128], weights fp32 [T, index_heads], k_idx bf16 [T, index_dim]:
    the indexer's queries and keys after RoPE (no Hadamard, no FP8) and its head weights with the
    softmax scale folded in (LightningIndexer.train_inputs gives all three), so I = sum_j w_j ReLU(q_j . k);
    cu_seqlens int32 [n_seqs + 1] (starts, then T); token i sees its own sequence up to itself.
    mode "warmup": dense causal attention and the KL over every causal key; "sparse": top-`topk`
    selection by I, sparse attention and the KL over the selected keys.
    sm_scale: the attention's (default d_qk ** -0.5); attn_sink fp32 [h_q] or None (FlashMLA's sink);
    max_seqlen (warm-up only): a Python int bound on the sequence lengths, the width of the dense index
    list (default T; one below the longest sequence keeps each query's last max_seqlen keys).
    Returns (out bf16 [T, h_q, 512], kl fp32 [T], indices int32 [T, width] (-1 padded; width topk or
    max_seqlen / T)). out is differentiable in q_mla, kv_mla, attn_sink; kl in q_idx, weights, k_idx.
    selector (sparse stage): "bf16" scores the bf16 inputs with torch in fp32 (the [T, T] logits are formed)
    and picks with dsagen's top-k kernel; "fp8" selects as serving does (fp8_topk: Hadamard, e4m3 with
    `scale_format` scales, the fused indexer + top-k kernel; no [T, T] tensor; near-ties may pick otherwise).
    """
    _check(q_mla, kv_mla, q_idx, weights, k_idx, cu_seqlens, mode, topk, d_v, attn_sink, max_seqlen, selector)
    t, _, d_qk = q_mla.shape
    sm_scale = float(d_qk ** -0.5 if sm_scale is None else sm_scale)
    row_start, row_end = causal_ranges(cu_seqlens, t)
    if mode == "warmup":
        width = t if max_seqlen is None else min(max_seqlen, t)
        idx = dense_causal_indices(row_start, row_end, width)
        key_start = row_start if width == t else torch.maximum(row_start, row_end - width)
    elif selector == "fp8":
        idx = fp8_topk(q_idx, weights, k_idx, row_start, row_end, topk, scale_format)
    else:
        idx = torch.ops.dsagen.topk_indices(indexer_scores(q_idx, weights, k_idx), topk, row_start, row_end)
    out, _, lse = torch.ops.dsagen.sparse_mla_prefill(q_mla, kv_mla[:, None, :], idx[:, None, :], sm_scale, d_v,
                                                      attn_sink, None)
    # the KL's target is the attention over the same keys, taken as a constant (no gradient into q_mla / kv_mla)
    q_t, kv_t, lse_t = q_mla.detach(), kv_mla.detach()[:, None, :], lse.detach()
    if mode == "warmup":   # the dense key ranges, streamed: no [T, T] tensor in the loss
        kl, _ = torch.ops.dsagen.indexer_kl(q_idx, weights, k_idx, q_t, kv_t, lse_t, sm_scale, key_start, row_end,
                                            None)
    else:
        kl, _ = torch.ops.dsagen.indexer_kl(q_idx, weights, k_idx, q_t, kv_t, lse_t, sm_scale, None, None,
                                            idx[:, None, :])
    return out, kl, idx
