"""The indexer's KL losses (templates/indexer_kl/triton.py through dsagen.ops.indexer_kl and autograd)
against float64 autograd through the oracle (dsagen/operators/indexer_kl/naive.py).

Dense instances are a two-sequence ragged causal batch with an empty key range; sparse ones carry a
-1, an index past s_kv and a query with no valid index; NaN sits in every KV / indexer-key row no
query reads, and the outputs the kernels write are NaN-poisoned before the run (verify)."""

import pytest
import torch

from dsagen import ops
from dsagen.operators.indexer_kl.naive import indexer_kl as oracle
from dsagen.operators.indexer_kl.problem import OP, instance, mismatch, verify
from dsagen.runtime.dispatch import template_module

# (index_heads, index_dim, h_q, d_qk, topk, s_q, s_kv): V3.2's 64 x 128 indexer, GLM-5's 32 x 128,
# a small 8 x 64 one (heads padded to 16), both d_qk, dense (topk 0) and sparse.
SHAPES = [
    (64, 128, 16, 576, 0, 6, 80),
    (64, 128, 16, 576, 24, 5, 60),
    (32, 128, 24, 512, 0, 7, 50),
    (8, 64, 16, 576, 17, 4, 40),
    (8, 64, 8, 512, 0, 5, 33),
]


def _ids(s):
    ih, di, h, d, k, sq, skv = s
    return f"ih{ih}_id{di}_h{h}_d{d}_{'topk' + str(k) if k else 'dense'}_sq{sq}_skv{skv}"


def _run(t, entry="ops"):
    leaves = [t[k].clone().requires_grad_() for k in ("q_idx", "weights", "k_idx")]
    scale = t["q"].shape[-1] ** -0.5
    if entry == "ops":
        loss = ops.indexer_kl(*leaves, t["q"], t["kv"], t["attn_lse"], None, t["key_start"], t["key_end"],
                              t["indices"])
    else:
        import dsagen.library  # noqa: F401
        loss, _ = torch.ops.dsagen.indexer_kl(*leaves, t["q"], t["kv"], t["attn_lse"], scale, t["key_start"],
                                              t["key_end"], t["indices"])
    dloss = torch.rand(loss.shape, generator=torch.Generator().manual_seed(4))
    (loss * dloss).sum().backward()
    ref_leaves = [t[k].double().requires_grad_() for k in ("q_idx", "weights", "k_idx")]
    ref = oracle(*ref_leaves, t["q"], t["kv"], t["attn_lse"], scale, t["key_start"], t["key_end"], t["indices"])
    ref_grads = torch.autograd.grad(ref, ref_leaves, dloss.double())
    return loss, [x.grad for x in leaves], ref.detach(), ref_grads


@pytest.mark.parametrize("shape", SHAPES, ids=[_ids(s) for s in SHAPES])
def test_matches_oracle(shape):
    t = instance(*shape, seed=sum(shape))
    assert t["kv"].isnan().any(), "some rows must be unread (NaN) for this test to mean something"
    loss, grads, ref, ref_grads = _run(t)
    assert loss.dtype == torch.float32 and not loss.isnan().any()
    assert (loss >= -1e-6).all(), "a KL divergence is never negative"
    why = mismatch(loss.detach(), grads, ref, ref_grads)
    assert not why, why
    empty = 1 if shape[4] == 0 else 2                       # instance(): an empty range / no valid index
    assert loss[empty] == 0 and (grads[0][empty] == 0).all() and (grads[1][empty] == 0).all()
    unread = t["kv"][:, 0, 0].isnan()
    assert (grads[2][unread] == 0).all(), "indexer keys nobody reads get exactly 0"


@pytest.mark.parametrize("shape", [SHAPES[0], SHAPES[1]], ids=[_ids(SHAPES[0]), _ids(SHAPES[1])])
def test_sm100_path_matches_oracle(shape):
    """The sm100 code path (RELAYOUT: the reduced logits and attention mass pass through the
    programs' relay words before they are reduced again, the Triton 3.6 tcgen05 workaround) in
    the interpreter, dense and sparse, forward and backward."""
    from dsagen.runtime.targets import emulating

    t = instance(*shape, seed=sum(shape) + 1)
    with emulating("sm100"):
        loss, grads, ref, ref_grads = _run(t)
    why = mismatch(loss.detach(), grads, ref, ref_grads)
    assert not why, why


def test_loss_is_zero_when_the_indexer_matches_the_attention():
    """Flat indexer scores (q_idx = 0) against a uniform attention (q = 0, lse = log of the key count): KL = 0."""
    t = instance(16, 64, 1, 512, 0, 4, 30, seed=2)
    kv = torch.randn(30, 1, 512).to(torch.bfloat16)
    q = torch.randn(4, 1, 512).to(torch.bfloat16)
    t.update(q=q * 0, kv=kv, q_idx=torch.zeros_like(t["q_idx"]), k_idx=torch.zeros(30, 64).to(torch.bfloat16))
    n = (t["key_end"] - t["key_start"]).clamp(min=0)
    t["attn_lse"] = torch.where(n > 0, torch.log(n.float()), float("inf"))[:, None]   # uniform attention
    loss = ops.indexer_kl(t["q_idx"], t["weights"], t["k_idx"], t["q"], t["kv"], t["attn_lse"], None,
                          t["key_start"], t["key_end"])
    assert torch.allclose(loss, torch.zeros_like(loss), atol=1e-6), loss


def test_through_torch_ops_h16_d576_dense_sq6_skv80():
    t = instance(64, 128, 16, 576, 0, 6, 80, seed=9)
    loss, grads, ref, ref_grads = _run(t, entry="torch.ops")
    why = mismatch(loss.detach(), grads, ref, ref_grads)
    assert not why, why


def test_verify_dense_and_sparse_pass():
    mod = template_module(OP)
    for problem in (dict(OP.example, h_q=16), dict(OP.example, h_q=16, topk=2048)):
        res = verify(mod, problem)
        assert res["passed"], res


class _SpoilKeys:
    def __init__(self):
        self.mod = template_module(OP)

    def launch_forward(self, *a, **kw):
        self.mod.launch_forward(*a, **kw)

    def launch_backward(self, *a, **kw):
        self.mod.launch_backward(*a, **kw)
        a[13].mul_(0.9)                                  # dk_idx 10% short (as a lost atomic would leave it)


def test_verify_catches_a_wrong_key_gradient():
    res = verify(_SpoilKeys(), dict(OP.example, h_q=16))
    assert not res["passed"], res


@pytest.mark.parametrize("bad,match", [
    ("both", "give either key_start and key_end"),
    ("neither", "give either key_start and key_end"),
    ("w_bf16", r"weights must be float32 \[6, 64\]"),
    ("lse_shape", r"attn_lse must be float32 \[6, 16\]"),
], ids=["both", "neither", "w_bf16", "lse_shape"])
def test_bad_arguments_give_one_line(bad, match):
    t = instance(64, 128, 16, 576, 0, 6, 80, seed=1)
    ks, ke, idx = t["key_start"], t["key_end"], None
    if bad == "both":
        idx = torch.zeros(6, 1, 4, dtype=torch.int32)
    elif bad == "neither":
        ks = ke = None
    elif bad == "w_bf16":
        t["weights"] = t["weights"].bfloat16()
    else:
        t["attn_lse"] = t["attn_lse"][:, :8]
    with pytest.raises(ValueError, match=match):
        ops.indexer_kl(t["q_idx"], t["weights"], t["k_idx"], t["q"], t["kv"], t["attn_lse"], None, ks, ke, idx)
