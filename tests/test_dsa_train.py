"""The DSA layer's training form (dsagen.layers.dsa_train, DSAAttention.prefill_train) against float64
autograd through a dense masked reference written here in plain torch.

A two-sequence packed batch (12 and 28 tokens, top-k 16: the whole first sequence and the second's
early tokens have fewer than k keys). Both stages: "warmup" (dense causal attention, KL over every
causal key) and "sparse" (the indexer's top-k, KL over the selected keys); every gradient (q_mla,
kv_mla, attn_sink, q_idx, weights, k_idx, and the LightningIndexer's parameters) is checked under
the bounds of the backward kernels it runs (dsagen/tolerances.py: MLA_BWD_GRAD, INDEXER_KL_GRAD)."""

import pytest
import torch

from dsagen.layers import DSAAttention, LightningIndexer, dsa_train
from dsagen.operators.indexer_kl.problem import mismatch as kl_mismatch
from dsagen.operators.sparse_mla_bwd.problem import dsink_scale
from dsagen.operators.sparse_mla_bwd.problem import mismatch as mla_mismatch
from dsagen.layers.indexer_prep import hadamard
from dsagen.oracle import fp8
from dsagen.oracle.dsa import indexer_scores
from dsagen.oracle.dsa_layer import indexer_train_ref
from dsagen.tolerances import (INDEXER_KL_GRAD, INDEXER_LOGITS, INDEXER_TRAIN_INPUTS, MLA_BWD_GRAD, MLA_PREFILL_OUT,
                               assert_peer_close, cosine_diff, peer_mismatch)

SEQS = (12, 28)
T = sum(SEQS)
H_Q, IH, ID, TOPK = 16, 8, 64, 16


def _cu():
    return torch.tensor([0, SEQS[0], T], dtype=torch.int32)


def _visible():
    """bool [T, T]: token t sees the tokens of its own sequence up to itself."""
    seq = torch.repeat_interleave(torch.arange(len(SEQS)), torch.tensor(SEQS))
    pos = torch.arange(T)
    return (seq[:, None] == seq[None, :]) & (pos[None, :] <= pos[:, None])


def _inputs(d_qk=576, sink=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    return {
        "q_mla": torch.randn(T, H_Q, d_qk, generator=g).to(torch.bfloat16),
        "kv_mla": torch.randn(T, d_qk, generator=g).to(torch.bfloat16),
        "attn_sink": torch.randn(H_Q, generator=g) if sink else None,
        "q_idx": torch.randn(T, IH, ID, generator=g).to(torch.bfloat16),
        "weights": torch.randn(T, IH, generator=g) * IH ** -0.5,
        "k_idx": torch.randn(T, ID, generator=g).to(torch.bfloat16),
        "dout": torch.randn(T, H_Q, 512, generator=g).to(torch.bfloat16),
        "dkl": torch.rand(T, generator=g),
    }


NAMES = ("q_mla", "kv_mla", "attn_sink", "q_idx", "weights", "k_idx")


def _leaves(x):
    return {n: (None if x[n] is None else x[n].clone().requires_grad_()) for n in NAMES}


def reference(x, mask, sm_scale):
    """Float64 (out, kl, lse, grads by name) of sum(out * dout) + sum(kl * dkl), the attention restricted to
    `mask` (bool [T, T]) with the sink, the KL's target its head-summed distribution, detached."""
    lv = {n: (None if x[n] is None else x[n].double().requires_grad_()) for n in NAMES}
    q, kv, sink = lv["q_mla"], lv["kv_mla"], lv["attn_sink"]
    logits = torch.einsum("thd,sd->ths", q, kv) * sm_scale
    logits = logits.masked_fill(~mask[:, None, :], float("-inf"))
    lse = torch.logsumexp(logits, dim=-1)
    denom = lse if sink is None else torch.logaddexp(lse, sink[None, :].expand_as(lse))
    out = torch.einsum("ths,sd->thd", torch.exp(logits - denom[..., None]), kv[:, :512])
    with torch.no_grad():
        a = torch.exp(logits - lse[..., None]).sum(1)
        p = a / a.sum(-1, keepdim=True)
        logp = torch.log(torch.where(p > 0, p, 1.0))
    scores = indexer_scores(lv["q_idx"], lv["k_idx"], lv["weights"])
    logq = torch.where(mask, torch.log_softmax(scores.masked_fill(~mask, float("-inf")), dim=-1), 0.0)
    kl = torch.where(p > 0, p * (logp - logq), 0.0).sum(-1)
    loss = (out * x["dout"].double()).sum() + (kl * x["dkl"].double()).sum()
    names = [n for n in NAMES if lv[n] is not None]
    grads = torch.autograd.grad(loss, [lv[n] for n in names])
    return out.detach(), kl.detach(), lse.detach(), dict(zip(names, grads))


def mla_grads(x, mask, out, sm_scale):
    """Float64 (dq, dkv, dsink or None) of sum(out * dout) by the backward's formulas (DSA_FACTS 12) with
    Delta = dout . out taken from `out`: the layer's bf16 out, as the kernel (and every FlashAttention-style
    backward) does, or the float64 reference's out, which must reproduce autograd."""
    q, kv, do = x["q_mla"].double(), x["kv_mla"].double(), x["dout"].double()
    logits = (torch.einsum("thd,sd->ths", q, kv) * sm_scale).masked_fill(~mask[:, None, :], float("-inf"))
    lse = torch.logsumexp(logits, dim=-1)
    sink = x["attn_sink"]
    denom = lse if sink is None else torch.logaddexp(lse, sink.double()[None, :].expand_as(lse))
    p = torch.exp(logits - denom[..., None])
    delta = (do * out.double()).sum(-1)
    dl = p * (torch.einsum("thd,sd->ths", do, kv[:, :512]) - delta[..., None])
    dq = torch.einsum("ths,sd->thd", dl, kv) * sm_scale
    dkv = torch.einsum("ths,thd->sd", dl, q) * sm_scale
    dkv[:, :512] += torch.einsum("ths,thd->sd", p, do)
    dsink = None if sink is None else -(delta * torch.exp(sink.double()[None, :] - denom)).sum(0)
    return dq, dkv, dsink


def _check_selection(idx, mode, window=None):
    """The layer's indices: warm-up every visible key (the last `window` of them with max_seqlen); sparse the
    min(k, visible) best by the float64 scores (compared by value: ties may pick either key). Returns the
    mask they select."""
    vis = _visible()
    if window is not None:
        pos = torch.arange(T)
        vis = vis & (pos[None, :] > pos[:, None] - window)
    mask = torch.zeros(T, T, dtype=torch.bool)
    valid = idx >= 0
    mask[torch.arange(T)[:, None].expand_as(idx)[valid], idx[valid].long()] = True
    assert int(valid.sum()) == int(mask.sum()), "a key selected twice"
    if mode == "warmup":
        assert torch.equal(mask, vis)
        return mask
    assert not (mask & ~vis).any(), "a key outside the query's causal range"
    return mask


def fp8_scores(x):
    """float64 [T, T]: the indexer's scores from its FP8 form (Hadamard, e4m3 ue8m0 per token, dequantised)."""
    q8, q_scale = fp8.quantize_indexer_keys(hadamard(x["q_idx"]), "ue8m0")
    k8, k_scale = fp8.quantize_indexer_keys(hadamard(x["k_idx"]), "ue8m0")
    return indexer_scores(q8.double() * q_scale.double()[..., None], k8.double() * k_scale.double()[:, None],
                          x["weights"])


def _check_topk_values(idx, x, mask, selector="bf16"):
    scores = indexer_scores(x["q_idx"], x["k_idx"], x["weights"]) if selector == "bf16" else fp8_scores(x)
    vis = _visible()
    for t in range(T):
        want = min(TOPK, int(vis[t].sum()))
        assert int(mask[t].sum()) == want and (idx[t, want:] == -1).all(), f"row {t}: wrong count / padding"
        got = scores[t][mask[t]].sort(descending=True).values
        top = scores[t][vis[t]].topk(want).values
        torch.testing.assert_close(got, top, atol=INDEXER_LOGITS.atol, rtol=INDEXER_LOGITS.rtol)


def _check_against_reference(x, out, kl, idx, grads, mode, sm_scale, window=None, selector="bf16"):
    mask = _check_selection(idx, mode, window)
    if mode == "sparse":
        _check_topk_values(idx, x, mask, selector)
    ref_out, ref_kl, ref_lse, ref = reference(x, mask, sm_scale)
    assert_peer_close(out.float(), ref_out, MLA_PREFILL_OUT, "out")
    sink = x["attn_sink"]
    # the formulas with the exact out are autograd's gradients (float64 against float64)
    for got, want in zip(mla_grads(x, mask, ref_out, sm_scale), (ref["q_mla"], ref["kv_mla"], ref.get("attn_sink"))):
        if want is not None:
            torch.testing.assert_close(got, want)
    # the kernels against them with Delta from the layer's bf16 out: a KV row here is shared by up to 28
    # queries x 16 heads, and the bf16 rounding of out moves its gradient by up to ~1.4e-2 (measured),
    # beyond MLA_BWD_GRAD's atol, whatever the kernel does; with that Delta every element meets the bound
    why = mla_mismatch(grads["q_mla"], grads["kv_mla"], grads.get("attn_sink"),
                       *mla_grads(x, mask, out.detach(), sm_scale),
                       None if sink is None else dsink_scale(out.detach(), x["dout"], ref_lse, sink))
    assert not why, why
    for name in ("q_mla", "kv_mla", "attn_sink"):   # and directly against autograd, TileLang's cosine rule
        if name in ref:
            assert abs(cosine_diff(grads[name], ref[name])) <= MLA_BWD_GRAD.cos, name
    why = kl_mismatch(kl.detach(), [grads[n] for n in ("q_idx", "weights", "k_idx")], ref_kl,
                      [ref[n] for n in ("q_idx", "weights", "k_idx")])
    assert not why, why


def _run(x, mode, max_seqlen=None, selector="bf16"):
    lv = _leaves(x)
    out, kl, idx = _call(lv, mode, max_seqlen, selector)
    loss = (out.float() * x["dout"].float()).sum() + (kl * x["dkl"]).sum()
    loss.backward()
    return out, kl, idx, {n: lv[n].grad for n in NAMES if lv[n] is not None}


def _call(lv, mode, max_seqlen=None, selector="bf16"):
    return dsa_train(lv["q_mla"], lv["kv_mla"], lv["q_idx"], lv["weights"], lv["k_idx"], _cu(), mode=mode,
                     topk=TOPK, attn_sink=lv["attn_sink"], max_seqlen=max_seqlen, selector=selector)


@pytest.mark.parametrize("mode,d_qk,sink,max_seqlen,selector",
                         [("warmup", 576, True, None, "bf16"), ("warmup", 512, False, 20, "bf16"),
                          ("sparse", 576, True, None, "bf16"), ("sparse", 512, False, None, "bf16"),
                          ("sparse", 576, False, None, "fp8")],
                         ids=["warmup_d576_sink", "warmup_d512_window20", "sparse_d576_sink", "sparse_d512",
                              "sparse_d576_fp8_selector"])
def test_every_gradient_matches_float64_autograd(mode, d_qk, sink, max_seqlen, selector):
    """max_seqlen 20 (the longest sequence has 28 tokens): the warm-up keeps each query's last 20 keys.
    selector "fp8": the keys are the top-k of the FP8 indexer's scores (the serving kernels)."""
    x = _inputs(d_qk, sink, seed=d_qk + sink)
    out, kl, idx, grads = _run(x, mode, max_seqlen, selector)
    width = TOPK if mode == "sparse" else (max_seqlen or T)
    assert idx.shape == (T, width) and idx.dtype == torch.int32
    assert kl.shape == (T,) and kl.dtype == torch.float32 and (kl >= -1e-6).all()
    assert all(not g.isnan().any() for g in grads.values())
    _check_against_reference(x, out, kl, idx, grads, mode, d_qk ** -0.5, max_seqlen, selector)


@pytest.mark.parametrize("mode", ["warmup", "sparse"])
def test_kl_trains_only_the_indexer_and_out_only_the_attention(mode):
    x = _inputs(576, True, seed=3)
    lv = _leaves(x)
    out, kl, _ = _call(lv, mode)
    attn = [lv["q_mla"], lv["kv_mla"], lv["attn_sink"]]
    idxr = [lv["q_idx"], lv["weights"], lv["k_idx"]]
    assert torch.autograd.grad(kl.sum(), attn, allow_unused=True, retain_graph=True) == (None, None, None)
    assert torch.autograd.grad(out.float().sum(), idxr, allow_unused=True) == (None, None, None)


def test_sequences_do_not_leak_into_each_other_sparse_d512():
    """NaN in every input of the first sequence (the indexer's scores of the second sequence's queries against
    those keys are NaN, outside their causal range): the second sequence's out, kl, indices and gradients are
    finite and bit for bit those of the second sequence run alone."""
    x = _inputs(512, False, seed=11)
    first, second = slice(0, SEQS[0]), slice(SEQS[0], T)
    alone = {n: (v[second] if n != "attn_sink" and v is not None else v) for n, v in x.items()}
    for n in ("q_mla", "kv_mla", "q_idx", "weights", "k_idx"):
        x[n] = x[n].clone()
        x[n][first] = float("nan")
    dirty = _run(x, "sparse")
    lv = _leaves(alone)
    out, kl, idx = dsa_train(lv["q_mla"], lv["kv_mla"], lv["q_idx"], lv["weights"], lv["k_idx"],
                             torch.tensor([0, SEQS[1]], dtype=torch.int32), mode="sparse", topk=TOPK)
    ((out.float() * alone["dout"].float()).sum() + (kl * alone["dkl"]).sum()).backward()
    idx = torch.where(idx >= 0, idx + SEQS[0], idx)
    for name, a, b in (("out", out, dirty[0]), ("kl", kl, dirty[1]), ("indices", idx, dirty[2]),
                       *((f"d{n}", lv[n].grad, dirty[3][n]) for n in dirty[3])):
        assert torch.isfinite(b[second].float()).all() and torch.equal(a, b[second]), name


# Both modes under torch.compile; the fp8 selector (the fused indexer + top-k custom op, itself
# traced by tests/test_library.py) is checked eagerly above: its compile case cost ~50 s of CI.
@pytest.mark.parametrize("mode,max_seqlen,selector", [("sparse", None, "bf16"), ("warmup", 20, "bf16")],
                         ids=["sparse", "warmup_window20"])
def test_compile_fullgraph_traces_a_training_step_d512(mode, max_seqlen, selector):
    torch._dynamo.reset()
    x = _inputs(512, True, seed=7)
    cu = _cu()

    def step(q_mla, kv_mla, q_idx, weights, k_idx, attn_sink):
        out, kl, idx = dsa_train(q_mla, kv_mla, q_idx, weights, k_idx, cu, mode=mode, topk=TOPK,
                                 attn_sink=attn_sink, max_seqlen=max_seqlen, selector=selector)
        return (out.float() * x["dout"].float()).sum() + (kl * x["dkl"]).sum(), out, kl, idx

    lv = _leaves(x)
    loss, out, kl, idx = torch.compile(step, fullgraph=True, backend="aot_eager")(
        lv["q_mla"], lv["kv_mla"], lv["q_idx"], lv["weights"], lv["k_idx"], lv["attn_sink"])
    loss.backward()
    grads = {n: lv[n].grad for n in NAMES}
    _check_against_reference(x, out, kl, idx, grads, mode, 512 ** -0.5, max_seqlen, selector)


def test_dsa_attention_prefill_train_reaches_the_indexer_parameters():
    """DSAAttention.prefill_train: the indexer in bf16 (LightningIndexer.train_inputs) and its parameter
    gradients equal the float64 reference's gradients in (q_idx, weights, k_idx) carried back through it."""
    torch.manual_seed(0)
    dim, qlora = 64, 32
    indexer = LightningIndexer(dim, qlora, heads=IH, head_dim=ID, rope_dim=32)
    with torch.no_grad():
        for p in indexer.parameters():
            p.normal_(0, 0.3)
        indexer.k_norm.weight.add_(1.0)
    layer = DSAAttention(indexer, topk=TOPK, sm_scale=576 ** -0.5)
    g = torch.Generator().manual_seed(1)
    xs = torch.randn(T, dim, generator=g).requires_grad_()
    qr = torch.randn(T, qlora, generator=g).requires_grad_()
    positions = torch.cat([torch.arange(n) for n in SEQS])
    x = _inputs(576, False, seed=5)
    out, kl, idx = layer.prefill_train(xs, qr, x["q_mla"], x["kv_mla"], positions, _cu(), mode="sparse")
    assert out.grad_fn is None   # nothing of the attention requires grad here: out reaches no indexer parameter
    ((out.float() * x["dout"].float()).sum() + (kl * x["dkl"]).sum()).backward()
    assert xs.grad is None and qr.grad is None, "the indexer's input is detached (V3.2): kl trains the indexer only"
    xs, qr = xs.detach(), qr.detach()
    params = [indexer.wq_b.weight, indexer.wk.weight, indexer.k_norm.weight, indexer.k_norm.bias,
              indexer.weights_proj.weight]
    got = [p.grad.clone() for p in params]

    q_idx, weights, k_idx = indexer.train_inputs(xs, qr, positions)
    assert q_idx.dtype == k_idx.dtype == torch.bfloat16 and weights.dtype == torch.float32
    # the same step from the indexer's outputs as leaves: their kernel gradients against float64 autograd ...
    lv = {"q_idx": q_idx.detach().clone().requires_grad_(), "weights": weights.detach().clone().requires_grad_(),
          "k_idx": k_idx.detach().clone().requires_grad_()}
    _, kl2, idx2 = dsa_train(x["q_mla"], x["kv_mla"], lv["q_idx"], lv["weights"], lv["k_idx"], _cu(), mode="sparse",
                             topk=TOPK, sm_scale=576 ** -0.5)
    (kl2 * x["dkl"]).sum().backward()
    assert torch.equal(idx2, idx) and torch.equal(kl2, kl)
    x.update({n: t.detach() for n, t in lv.items()})
    mask = _check_selection(idx, "sparse")
    _check_topk_values(idx, x, mask)
    _, ref_kl, _, ref = reference(x, mask, 576 ** -0.5)
    names = ("q_idx", "weights", "k_idx")
    why = kl_mismatch(kl.detach(), [lv[n].grad for n in names], ref_kl, [ref[n] for n in names])
    assert not why, why
    # ... and the parameters' gradients are exactly those carried back through the projections (autograd),
    # and point where the float64 ones carried back do (TileLang's cosine rule)
    outs = (q_idx, weights, k_idx)
    chained = torch.autograd.grad(outs, params, [lv[n].grad for n in names], retain_graph=True)
    want = torch.autograd.grad(outs, params, [ref[n].to(t.dtype) for n, t in zip(names, outs)])
    for name, a, c, r in zip(("wq_b", "wk", "k_norm.weight", "k_norm.bias", "weights_proj"), got, chained, want):
        assert torch.isfinite(a).all() and a.abs().sum() > 0, name
        torch.testing.assert_close(a, c, msg=name)
        assert abs(cosine_diff(a, r)) <= INDEXER_KL_GRAD.cos, f"{name}: cosine diff {cosine_diff(a, r):.3g}"


@pytest.mark.parametrize("style,position", [("neox", "first"), ("interleaved", "first"), ("interleaved", "last")],
                         ids=["v32_neox", "glm5_interleaved", "v4_interleaved_last"])
def test_indexer_train_inputs_match_the_independent_reference(style, position):
    """LightningIndexer.train_inputs against dsagen.oracle.dsa_layer's float64 indexer (complex RoPE), and
    sharp enough to tell the RoPE styles apart."""
    torch.manual_seed(2)
    dim, qlora = 64, 32
    indexer = LightningIndexer(dim, qlora, heads=IH, head_dim=ID, rope_dim=32, rope_style=style,
                               rope_position=position)
    with torch.no_grad():
        for p in indexer.parameters():
            p.normal_(0, 0.3)
        indexer.k_norm.weight.add_(1.0)
    g = torch.Generator().manual_seed(3)
    xs, qr = torch.randn(T, dim, generator=g), torch.randn(T, qlora, generator=g)
    positions = torch.cat([torch.arange(n) for n in SEQS]) + 100
    got = indexer.train_inputs(xs, qr, positions)
    for name, a, r in zip(("q_idx", "weights", "k_idx"), got, indexer_train_ref(indexer, xs, qr, positions)):
        assert_peer_close(a.double(), r.to(a.dtype).double(), INDEXER_TRAIN_INPUTS, name)
    other = indexer_train_ref(indexer, xs, qr, positions, interleaved=style != "interleaved")
    assert peer_mismatch(got[0].double(), other[0].to(torch.bfloat16).double(), INDEXER_TRAIN_INPUTS)


@pytest.mark.parametrize("bad,match", [
    ("mode", r"mode must be one of \('warmup', 'sparse'\), got 'dense'"),
    ("topk", r"topk must be a positive int in mode 'sparse', got 0"),
    ("kv_mla", r"kv_mla must be bfloat16 \[40, 576\]"),
    ("q_idx", r"q_idx must be bfloat16 \[40, index_heads, 32 \| 64 \| 128\]"),
    ("weights", r"weights must be float32 \[40, 8\]"),
    ("cu_seqlens", r"cu_seqlens must be int32 \[n_seqs \+ 1\]"),
    ("attn_sink", r"attn_sink must be float32 \[16\] or None"),
    ("max_seqlen", r"max_seqlen must be a positive int \(the longest sequence\) or None, got 0"),
    ("selector", r"selector must be one of \('bf16', 'fp8'\), got 'fp16'"),
])
def test_bad_arguments_give_one_line(bad, match):
    x = _inputs(576, True)
    kw = dict(mode="sparse", topk=TOPK, attn_sink=x["attn_sink"])
    cu = _cu()
    if bad == "mode":
        kw["mode"] = "dense"
    elif bad == "topk":
        kw["topk"] = 0
    elif bad == "kv_mla":
        x["kv_mla"] = x["kv_mla"][:, None, :]
    elif bad == "q_idx":
        x["q_idx"] = x["q_idx"].float()
    elif bad == "weights":
        x["weights"] = x["weights"].to(torch.bfloat16)
    elif bad == "cu_seqlens":
        cu = cu.long()
    elif bad == "selector":
        kw["selector"] = "fp16"
    elif bad == "max_seqlen":
        kw.update(mode="warmup", max_seqlen=0)
    else:
        kw["attn_sink"] = torch.zeros(H_Q + 1)
    with pytest.raises(ValueError, match=match) as e:
        dsa_train(x["q_mla"], x["kv_mla"], x["q_idx"], x["weights"], x["k_idx"], cu, **kw)
    assert "\n" not in str(e.value)
