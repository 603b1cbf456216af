"""Dense reference of a DeepSeek-V4 attention layer core (transformers' DeepseekV4Attention), float64.

Written independently of dsagen.layers.v4_layer: RoPE by complex multiplication (rope_ref), the
softmax over every visible key as one dense masked row with the sink as an extra logit. The
model's own rounding points are kept (it runs in bf16): q after its RMSNorm and after RoPE, the
raw keys after RoPE, the attention output before the inverse RoPE (which rotates pairs of output
values, so a small result of two large ones carries their rounding: without this rounding point
the reference would not be the model). Which compressed entries a query sees is given (the layer's entries and,
for CSA, its selection, which the tests check separately); everything else is computed here.
"""

import torch

from dsagen.oracle.dsa_layer import rope_ref


def _bf16(x):
    return x.to(torch.bfloat16).double()


def rope_last(x, positions, rope_dim, base, inverse=False):
    """Interleaved RoPE on the last rope_dim dims (float64); inverse: the conjugate rotation."""
    if not rope_dim:
        return x.double()
    pos = positions.double() * (-1.0 if inverse else 1.0)
    return torch.cat([x[..., :-rope_dim].double(), rope_ref(x[..., -rope_dim:], pos, base, interleaved=True)], -1)


def queries(q, positions, rope_dim, base, eps):
    """Per-head unweighted RMSNorm then RoPE, rounded to bf16 after each (as the model)."""
    qd = q.double()
    qn = _bf16(qd * torch.rsqrt(qd.square().mean(-1, keepdim=True) + eps))
    return _bf16(rope_last(qn, positions, rope_dim, base))


def attend(qn, keys, sink, scale):
    """One query: qn [h, d], keys [n, d] (key = value), sink [h] -> out [h, d] float64. With no key
    the sink takes all the weight: out 0."""
    logits = torch.cat([qn @ keys.double().T * scale, sink.double()[:, None]], dim=1)
    p = torch.softmax(logits, dim=1)[:, :-1]
    return p @ keys.double()


def prefill_ref(q, kv, positions, cu_seqlens, window, sink, scale, rope_dim, base, eps, entries=None,
                visible=None):
    """Whole sequences: q [T, h, d], kv [T, d]; visible(t) -> entry rows of `entries` query t sees.
    Returns float64 [T, h, d] after the inverse RoPE."""
    t_n = q.shape[0]
    qn = queries(q, positions, rope_dim, base, eps)
    k = _bf16(rope_last(kv, positions, rope_dim, base))
    cu = [int(c) for c in cu_seqlens]
    out = torch.empty(t_n, q.shape[1], q.shape[2], dtype=torch.float64)
    for s in range(len(cu) - 1):
        for t in range(cu[s], cu[s + 1]):
            rows = [k[t - j] for j in range(window) if t - j >= cu[s]]
            if entries is not None:
                rows += [entries[e].double() for e in visible(t)]
            keys = torch.stack(rows) if rows else k.new_zeros(0, k.shape[1])
            out[t] = attend(qn[t], keys, sink, scale)
    return output(out, positions, rope_dim, base)


def output(attn, positions, rope_dim, base):
    """The attention output (float64 [T, h, d]) as the model hands it on: rounded to bf16, then the
    inverse RoPE (float64 here; compare after rounding to bf16)."""
    return rope_last(_bf16(attn), positions, rope_dim, base, inverse=True)
