"""Sparse MLA backward (templates/sparse_mla_bwd/triton.py through dsagen.ops and autograd) against
float64 autograd through the forward oracle (dsagen/operators/sparse_mla_bwd/naive.py).

Every instance carries the edge cases of problem.instance: NaN in the KV rows nobody selects, a
repeated index, -1, an index past s_kv, a query with no valid index and a topk_length cutting a
query short."""

import pytest
import torch

from dsagen import ops
from dsagen.operators.sparse_mla_bwd.naive import sparse_mla_bwd as oracle
from dsagen.operators.sparse_mla_bwd.problem import (
    OP,
    dsink_scale,
    instance,
    mismatch,
    verify,
)
from dsagen.runtime.dispatch import template_module
from dsagen.tolerances import MLA_BWD_GRAD, assert_peer_close

NAN = float("nan")

# (h_q, d_qk, s_q, s_kv, topk, sink): h_q 16/64/128 and odd ones (masked head rows), both d_qk
# (V3.2's 576 and V4's K = V 512), top-k not a multiple of BLOCK_N.
SHAPES = [
    (16, 576, 5, 60, 40, True),
    (128, 576, 4, 48, 24, False),
    (64, 512, 4, 80, 33, True),
    (24, 576, 6, 30, 17, True),
    (8, 512, 5, 40, 9, False),
]


def _ref(t, sm_scale):
    return oracle(t["q"], t["kv"], t["indices"], t["dout"], sm_scale, 512, t["attn_sink"], t["topk_length"])


def _grads(t, deterministic):
    return ops.sparse_mla_bwd(t["q"], t["kv"], t["indices"], t["out"], t["dout"], t["lse"], None, 512,
                              t["attn_sink"], t["topk_length"], deterministic=deterministic)


# every shape with atomic dkv; the deterministic kernel (slow in the interpreter) on three of them
CASES = [(*s, False) for s in SHAPES] + [(*SHAPES[i], True) for i in (0, 2, 4)]


@pytest.mark.parametrize("h_q,d_qk,s_q,s_kv,topk,sink,deterministic", CASES,
                         ids=[f"h{h}_d{d}_sq{sq}_skv{skv}_topk{k}{'_sink' if s else ''}_{'det' if det else 'atomic'}"
                              for h, d, sq, skv, k, s, det in CASES])
def test_matches_oracle(h_q, d_qk, s_q, s_kv, topk, sink, deterministic):
    t, sm_scale = instance(h_q, d_qk, topk, s_q, s_kv, seed=h_q + topk, sink=sink)
    assert t["kv"].isnan().any(), "some kv rows must be unselected (NaN) for this test to mean something"
    dq, dkv, dsink = _grads(t, deterministic)
    ref = _ref(t, sm_scale)
    assert not dq.isnan().any() and not dkv.isnan().any()
    assert (dsink is None) == (not sink)
    why = mismatch(dq, dkv, dsink, *ref, dsink_scale(t["out"], t["dout"], t["lse"], t["attn_sink"]) if sink else None)
    assert not why, why
    unselected = t["kv"][:, 0, 0].isnan()
    assert (dkv[unselected] == 0).all(), "rows nobody selects get exactly 0"
    assert (dq[2] == 0).all(), "a query with no valid index gets dq = 0"


def test_deterministic_mode_repeats_bit_for_bit_h16_d576_sq6_skv12_topk12():
    """Many queries on few rows (contention); the deterministic kernel gives the same bits twice and
    agrees with the atomic one within the bound."""
    t, _ = instance(16, 576, 12, 6, 12, seed=3)
    a = _grads(t, True)
    b = _grads(t, True)
    assert torch.equal(a[1], b[1]) and torch.equal(a[0], b[0]) and torch.equal(a[2], b[2])
    c = _grads(t, False)
    assert_peer_close(c[1].float(), a[1].float(), MLA_BWD_GRAD, "atomic vs deterministic dkv")
    torch.use_deterministic_algorithms(True)
    try:
        d = _grads(t, None)   # None follows torch's setting
    finally:
        torch.use_deterministic_algorithms(False)
    assert torch.equal(d[1], a[1])


# The tuned sm90 schedule (64 heads, 128 keys, 8 warps) and the template default (16 heads, 64 keys), each
# over several key tiles and a partial last one: dq and dkv then sum the atomics of more than one tile.
MULTI_TILE = [({"BLOCK_H": 64, "BLOCK_N": 128, "num_warps": 8}, 48, 300, 600),
              ({"BLOCK_H": 16, "BLOCK_N": 64, "num_warps": 4}, 20, 150, 400)]


@pytest.mark.parametrize("sch,h_q,topk,s_kv", MULTI_TILE,
                         ids=[f"h{h}_d576_sq3_skv{n}_topk{k}_bh{s['BLOCK_H']}_bn{s['BLOCK_N']}"
                              for s, h, k, n in MULTI_TILE])
def test_several_key_tiles_per_query(sch, h_q, topk, s_kv):
    t, sm_scale = instance(h_q, 576, topk, 3, s_kv, seed=5)
    assert topk > 2 * sch["BLOCK_N"] and topk % sch["BLOCK_N"]
    dq = torch.full_like(t["q"], NAN)
    dkv = torch.zeros(t["kv"].shape, dtype=torch.float32)
    delta = torch.full((3, h_q), NAN)
    dsink = torch.full((h_q,), NAN)
    template_module(OP).launch(t["q"], t["kv"], t["indices"], t["topk_length"], t["attn_sink"], t["out"], t["dout"],
                               t["lse"], dq, dkv, delta, sm_scale=sm_scale, dsink=dsink,
                               schedule=dict(sch, DET_BLOCK_H=16, DET_WARPS=8, num_stages=1))
    why = mismatch(dq, dkv, dsink, *_ref(t, sm_scale), dsink_scale(t["out"], t["dout"], t["lse"], t["attn_sink"]))
    assert not why, why


def test_int64_offsets_give_the_same_gradients_h16_d576_sq3_skv200_topk70(monkeypatch):
    """The kernel's I64 path (KV row offsets past 2^31, a cache of more than 3.7M rows at d_qk 576),
    taken here by lowering the threshold: the same gradients as the int32 path, bit for bit."""
    mod = template_module(OP)
    t, sm_scale = instance(16, 576, 70, 3, 200, seed=9)
    runs = []
    for limit in (mod.I32_OFFSETS_BELOW, 1):
        monkeypatch.setattr(mod, "I32_OFFSETS_BELOW", limit)
        dq = torch.full_like(t["q"], NAN)
        dkv = torch.zeros(t["kv"].shape, dtype=torch.float32)
        mod.launch(t["q"], t["kv"], t["indices"], t["topk_length"], t["attn_sink"], t["out"], t["dout"], t["lse"],
                   dq, dkv, torch.empty(3, 16), sm_scale=sm_scale)
        runs.append((dq, dkv))
    assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    why = mismatch(runs[1][0], runs[1][1], None, *_ref(t, sm_scale)[:2], None)
    assert not why, why


def test_verify_runs_both_modes_and_passes():
    problem = dict(OP.example, h_q=16)
    res = verify(template_module(OP), problem)
    assert res["passed"], res
    assert res["shapes"].endswith("_atomic,h16_d576_sq4_skv64_topk40_det"), res["shapes"]


class _Broken:
    """A template whose launch runs the real kernels, then spoils one gradient."""

    def __init__(self, spoil):
        self.mod, self.spoil = template_module(OP), spoil

    def launch(self, q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, **kw):
        self.mod.launch(q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, **kw)
        self.spoil(indices=indices, dq=dq, dkv=dkv, dsink=kw.get("dsink"))


def _drop_first_duplicate(indices, dkv, **_):
    row = int(indices[0, 0, 0])                     # instance() repeats it at slot 1: one occurrence too many
    dkv[row] *= 0.5


def _one_dq_row(dq, **_):
    dq[1, 3] += 0.05


def _sink_sign(dsink, **_):
    dsink.neg_()


@pytest.mark.parametrize("spoil", [_drop_first_duplicate, _one_dq_row, _sink_sign],
                         ids=["dkv_duplicate_halved", "dq_one_head_off_by_0.05", "dsink_sign"])
def test_verify_catches_a_wrong_gradient(spoil):
    res = verify(_Broken(spoil), dict(OP.example, h_q=16))
    assert not res["passed"], res


def _leaves(t):
    return (t["q"].clone().requires_grad_(), t["kv"].clone().requires_grad_(),
            t["attn_sink"].clone().requires_grad_())


def _check_leaf_grads(q, kv, sink, t, sm_scale):
    why = mismatch(q.grad, kv.grad, sink.grad, *_ref(t, sm_scale),
                   dsink_scale(t["out"], t["dout"], t["lse"], t["attn_sink"]))
    assert not why, why


@pytest.mark.parametrize("entry", ["dsagen.ops", "flash_mla compat", "torch.ops.dsagen"])
def test_loss_backward_through_each_entry_point_h16_d576_sq5_skv50_topk24(entry):
    import dsagen.library  # noqa: F401
    from dsagen.compat.flash_mla import flash_mla_sparse_fwd

    t, sm_scale = instance(16, 576, 24, 5, 50, seed=11)
    q, kv, sink = _leaves(t)
    fwd = {"dsagen.ops": ops.sparse_mla_prefill, "flash_mla compat": flash_mla_sparse_fwd,
           "torch.ops.dsagen": torch.ops.dsagen.sparse_mla_prefill}[entry]
    out, max_logits, lse = fwd(q, kv, t["indices"], sm_scale, 512, sink, t["topk_length"])
    assert out.requires_grad and not lse.requires_grad and not max_logits.requires_grad
    (out.float() * t["dout"].float()).sum().backward()
    _check_leaf_grads(q, kv, sink, t, sm_scale)


def test_compile_fullgraph_traces_the_backward_h16_d512_sq4_skv40_topk16():
    import dsagen.library  # noqa: F401

    torch._dynamo.reset()
    t, sm_scale = instance(16, 512, 16, 4, 40, seed=5)

    def loss(q, kv, sink):
        out, _, _ = torch.ops.dsagen.sparse_mla_prefill(q, kv, t["indices"], sm_scale, 512, sink, t["topk_length"])
        return (out.float() * t["dout"].float()).sum()

    q, kv, sink = _leaves(t)
    torch.compile(loss, fullgraph=True, backend="aot_eager")(q, kv, sink).backward()
    _check_leaf_grads(q, kv, sink, t, sm_scale)


def test_no_grad_needed_takes_the_plain_path():
    t, sm_scale = instance(16, 576, 8, 2, 20, seed=1)
    out, _, _ = ops.sparse_mla_prefill(t["q"], t["kv"], t["indices"], sm_scale)
    assert out.grad_fn is None
    q = t["q"].clone().requires_grad_()
    with torch.no_grad():
        assert ops.sparse_mla_prefill(q, t["kv"], t["indices"], sm_scale)[0].grad_fn is None
    with pytest.raises(ValueError, match="cannot be preallocated"):
        ops.sparse_mla_prefill(q, t["kv"], t["indices"], sm_scale, out=torch.empty_like(t["out"]))


@pytest.mark.parametrize("bad,match", [
    ("dout_f32", r"dout must be bfloat16 \[2, 16, 512\]"),
    ("out_shape", r"out must be bfloat16 \[2, 16, 512\]"),
    ("lse_f16", r"lse must be float32 \[2, 16\]"),
    ("idx_i64", r"indices must be int32"),
], ids=["dout_f32", "out_shape", "lse_f16", "idx_i64"])
def test_bad_arguments_give_one_line(bad, match):
    t, _ = instance(16, 576, 8, 2, 20, seed=2)
    if bad == "dout_f32":
        t["dout"] = t["dout"].float()
    elif bad == "out_shape":
        t["out"] = t["out"][:, :8]
    elif bad == "lse_f16":
        t["lse"] = t["lse"].half()
    else:
        t["indices"] = t["indices"].long()
    with pytest.raises(ValueError, match=match):
        _grads(t, False)
