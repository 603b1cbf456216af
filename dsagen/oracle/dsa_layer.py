"""Reference for the DSA layer's indexer path (dsagen.layers), written independently of it.

RoPE through complex multiplication (as DeepSeek's model.py writes it), the Hadamard transform
as an explicit Sylvester matrix, everything in float64 except the FP8 rounding itself.
The indexer's RoPE style and position come from the LightningIndexer (`rope_style`,
`rope_position`); `interleaved` overrides the style (tests use it to show that a V3.2 layer does
not match the other style, and the other way round).
"""

import torch

from dsagen.oracle import fp8


def rope_ref(x, positions, base=10000.0, interleaved=False):
    """x [T, ..., r] float -> float64, rotated by position."""
    r = x.shape[-1]
    inv_freq = base ** (-torch.arange(0, r, 2, dtype=torch.float64) / r)
    theta = positions.double()[:, None] * inv_freq[None, :]
    rot = torch.polar(torch.ones_like(theta), theta).reshape((x.shape[0],) + (1,) * (x.dim() - 2) + (r // 2,))
    xd = x.double()
    if interleaved:
        z = torch.view_as_complex(xd.unflatten(-1, (r // 2, 2)).contiguous()) * rot
        return torch.view_as_real(z).flatten(-2)
    z = torch.complex(xd[..., : r // 2], xd[..., r // 2 :]) * rot
    return torch.cat([z.real, z.imag], dim=-1)


def hadamard_matrix(d):
    h = torch.ones(1, 1, dtype=torch.float64)
    while h.shape[0] < d:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h / d ** 0.5


def _with_rope(x, R, positions, base, interleaved, last):
    if R == 0:
        return x
    if last:
        return torch.cat([x[..., :-R], rope_ref(x[..., -R:], positions, base, interleaved)], -1)
    return torch.cat([rope_ref(x[..., :R], positions, base, interleaved), x[..., R:]], -1)


def indexer_ref(indexer, x, qr, positions, interleaved=None):
    """The indexer's (dequantised q [T,H,D], dequantised k [T,D], weights [T,H]) in float64.

    `indexer` is a dsagen.layers.LightningIndexer (its parameters are read, not its code).
    """
    H, D = indexer.heads, indexer.head_dim
    q, w, k = _roped_projections(indexer, x, qr, positions, interleaved)
    hm = hadamard_matrix(D)
    q8, q_scale = fp8.quantize_indexer_keys(q @ hm, indexer.scale_format)
    k8, k_scale = fp8.quantize_indexer_keys(k @ hm, indexer.scale_format)
    w = w * H ** -0.5 * q_scale.double() * D ** -0.5
    return q8.double(), k8.double() * k_scale.double()[:, None], w


def _roped_projections(indexer, x, qr, positions, interleaved):
    """float64 q [T,H,D] and k [T,D] after the projections, k's LayerNorm and RoPE; w [T,H] unscaled."""
    H, D, R = indexer.heads, indexer.head_dim, indexer.rope_dim
    if interleaved is None:
        interleaved = getattr(indexer, "rope_style", "neox") == "interleaved"
    last = getattr(indexer, "rope_position", "first") == "last"
    xd, qrd = x.double(), qr.double()
    q = (qrd @ indexer.wq_b.weight.double().T).unflatten(-1, (H, D))
    k = xd @ indexer.wk.weight.double().T
    k = torch.nn.functional.layer_norm(k, (D,), indexer.k_norm.weight.double(), indexer.k_norm.bias.double(),
                                       indexer.k_norm.eps)
    w = xd @ indexer.weights_proj.weight.double().T
    return (_with_rope(q, R, positions, indexer.rope_base, interleaved, last), w,
            _with_rope(k, R, positions, indexer.rope_base, interleaved, last))


def indexer_train_ref(indexer, x, qr, positions, interleaved=None):
    """The indexer's training inputs (q [T,H,D], weights [T,H], k [T,D]) in float64, no Hadamard, no FP8:
    I = sum_j w_j ReLU(q_j . k) is the serving logits before quantisation (the Hadamard matrix is orthonormal)."""
    q, w, k = _roped_projections(indexer, x, qr, positions, interleaved)
    return q, w * indexer.heads ** -0.5 * indexer.head_dim ** -0.5, k
