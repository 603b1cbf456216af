"""The DSA layer (dsagen.layers) end to end against the dense masked oracle.

The indexer reference (dsagen.oracle.dsa_layer) is written independently (complex RoPE,
Sylvester matrix); the selection check compares the layer's chosen keys with the reference's
scores, and the MLA output with the dense masked attention over the chosen keys. One test shows
the check is sharp enough to catch an indexer that used interleaved (MLA-style) RoPE.
"""

import pytest
import torch

from dsagen.layers import DSAAttention, LightningIndexer
from dsagen.oracle import dsa, fp8
from dsagen.oracle.dsa_layer import indexer_ref
from dsagen.tolerances import INDEXER_LOGITS, MLA_DECODE_OUT, MLA_PREFILL_OUT, assert_peer_close

DIM, QLORA, IH, ID, ROPE = 96, 48, 4, 64, 32


def _layer(k, seed=0, **indexer_kw):
    torch.manual_seed(seed)
    idx = LightningIndexer(DIM, QLORA, heads=IH, head_dim=ID, rope_dim=ROPE, **indexer_kw)
    with torch.no_grad():
        for p in idx.parameters():
            p.normal_(0, 0.2)
        idx.k_norm.weight.add_(1.0)
    return DSAAttention(idx, topk=k)


def _check_selection(sel, scores, lo, hi, k):
    """sel int [k] (-1 padded) for one query; scores float64 [s_kv]; visible keys [lo, hi)."""
    want = min(k, hi - lo)
    assert (sel[:want] >= 0).all() and (sel[want:] == -1).all(), "wrong count / padding"
    chosen = sel[:want].long()
    assert len(set(chosen.tolist())) == want, "a key chosen twice"
    assert ((chosen >= lo) & (chosen < hi)).all(), "a key outside the visible range"
    got = scores[chosen].sort(descending=True).values
    top = scores[lo:hi].topk(want).values
    torch.testing.assert_close(got, top, atol=INDEXER_LOGITS.atol, rtol=INDEXER_LOGITS.rtol)


def _prefill_inputs(lens, h_q, seed):
    g = torch.Generator().manual_seed(seed)
    t = sum(lens)
    x = torch.randn(t, DIM, generator=g)
    qr = torch.randn(t, QLORA, generator=g)
    q_mla = (torch.randn(t, h_q, 576, generator=g) * 0.5).bfloat16()
    kv_mla = (torch.randn(t, 576, generator=g) * 0.5).bfloat16()
    # positions far from 0 so that RoPE really rotates
    positions = torch.cat([torch.arange(n) + 1000 for n in lens])
    cu = torch.tensor([0] + list(torch.tensor(lens).cumsum(0)), dtype=torch.int32)
    return x, qr, q_mla, kv_mla, positions, cu


def _check_prefill(layer, lens, k, x, qr, q_mla, kv_mla, positions, cu, out, idx, interleaved=None):
    qd, kd, w = indexer_ref(layer.indexer, x, qr, positions, interleaved=interleaved)
    scores = dsa.indexer_scores(qd, kd, w)
    for s, n in enumerate(lens):
        a = int(cu[s])
        for t in range(a, a + n):
            _check_selection(idx[t], scores[t], a, t + 1, k)
    # MLA over the chosen keys, densely
    mask = torch.zeros(x.shape[0], x.shape[0], dtype=torch.bool)
    r, c = (idx >= 0).nonzero(as_tuple=True)
    mask[r, idx[r, c].long()] = True
    ref_out, _, _ = dsa.masked_mla(q_mla.float(), kv_mla.float(), mask, layer.sm_scale)
    assert_peer_close(out.float(), ref_out.float(), MLA_PREFILL_OUT, "prefill out")


@pytest.mark.parametrize("lens,k,h_q", [([40, 25], 16, 16)], ids=["seqs40+25_k16_h16"])
def test_prefill_matches_dense_oracle(lens, k, h_q):
    layer = _layer(k)
    inputs = _prefill_inputs(lens, h_q, seed=1)
    out, idx = layer.prefill(*inputs)
    _check_prefill(layer, lens, k, *inputs, out, idx)


def _ops_called(fn):
    """The torch ops `fn` dispatches (custom ops by their qualified names, e.g. dsagen.indexer_logits)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Record(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names = set()

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.names.add(func.name().split(".")[0] if hasattr(func, "name") else str(func))
            return func(*args, **(kwargs or {}))

    with Record() as rec:
        result = fn()
    return result, {n.replace("::", ".") for n in rec.names}


def test_prefill_uses_the_fused_indexer_topk():
    """Prefill never writes the [T, T] indexer logits: the fused indexer + top-k serves it (and the
    result still matches the dense oracle); a top-k past the fused kernel's limit takes the logits path."""
    from dsagen.layers import selection

    lens, k = [70, 20], 16
    layer = _layer(k)
    inputs = _prefill_inputs(lens, 16, 1)
    (out, idx), names = _ops_called(lambda: layer.prefill(*inputs))
    assert "dsagen.indexer_topk_fused" in names and "dsagen.indexer_logits" not in names, names
    _check_prefill(layer, lens, k, *inputs, out, idx)
    q8 = torch.zeros(4, 2, 64, dtype=torch.float8_e4m3fn)
    _, names = _ops_called(lambda: selection.indexer_topk(
        q8, q8[:, 0], torch.ones(4), torch.ones(4, 2), torch.zeros(4, dtype=torch.int32),
        torch.arange(1, 5, dtype=torch.int32), selection.FUSED_TOPK_MAX + 1))
    assert "dsagen.indexer_logits" in names and "dsagen.indexer_topk_fused" not in names, names


def test_the_check_catches_interleaved_rope_in_the_indexer():
    lens, k, h_q = [48], 8, 16
    layer = _layer(k, seed=3)
    inputs = _prefill_inputs(lens, h_q, seed=4)
    out, idx = layer.prefill(*inputs)
    _check_prefill(layer, lens, k, *inputs, out, idx)  # NeoX: passes
    with pytest.raises(AssertionError):
        _check_prefill(layer, lens, k, *inputs, out, idx, interleaved=True)



@pytest.mark.parametrize("style,position", [("interleaved", "first"), ("interleaved", "last"), ("neox", "last")],
                         ids=["glm5_interleaved", "v4_interleaved_last", "neox_last"])
def test_indexer_rope_style_and_position(style, position):
    """GLM-5's interleaved indexer RoPE and DeepSeek-V4's (interleaved, on the last dims): the layer
    matches the reference with the same style and position, and not the V3.2 one."""
    lens, k, h_q = [48], 8, 16
    layer = _layer(k, seed=3, rope_style=style, rope_position=position)
    inputs = _prefill_inputs(lens, h_q, seed=4)
    out, idx = layer.prefill(*inputs)
    _check_prefill(layer, lens, k, *inputs, out, idx)
    v32 = _layer(k, seed=3)
    with pytest.raises(AssertionError):
        _check_prefill(v32, lens, k, *inputs, out, idx)


def test_indexer_from_spec():
    from dsagen.spec import load_spec

    glm = LightningIndexer.from_spec(load_spec("glm-5"), DIM, QLORA)
    assert (glm.heads, glm.head_dim, glm.rope_style, glm.rope_position) == (32, 128, "interleaved", "first")
    v32 = LightningIndexer.from_spec(load_spec("deepseek-v3.2"), DIM, QLORA)
    assert (v32.heads, v32.rope_style, v32.rope_dim) == (64, "neox", 64)

@pytest.mark.parametrize("kv_format,next_n,model", [("fp8", 1, "v32"), ("fp8", 2, "v32"), ("bf16", 1, "v32"),
                                                     ("bf16", 2, "v32"), ("fp8", 2, "glm5_tp8")],
                         ids=["fp8-n1", "fp8-n2", "bf16-n1", "bf16-n2", "glm5_tp8-h8-fp8-n2"])
def test_decode_matches_dense_oracle(kv_format, next_n, model):
    """V3.2-style (16 query heads, NeoX indexer RoPE) and GLM-5 at TP 8 (8 query heads per GPU,
    interleaved indexer RoPE)."""
    k, page, n_blocks = 16, 64, 6
    h_q = 8 if model == "glm5_tp8" else 16
    ctx = [37, 90]
    b = len(ctx)
    layer = _layer(k, seed=5, **({"rope_style": "interleaved"} if model == "glm5_tp8" else {}))
    g = torch.Generator().manual_seed(6 + next_n)
    # logical token t of sequence s lives in block_table[s, t // page]
    block_table = torch.randperm(n_blocks, generator=g).to(torch.int32)[: b * 2].view(b, 2)
    index_cache = torch.full((n_blocks, page, 1, ID + 4), 0xFF, dtype=torch.uint8)  # NaN bytes where unwritten
    if kv_format == "fp8":
        mla_cache = torch.full((n_blocks, page, 1, 656), 0xFF, dtype=torch.uint8)
    else:
        mla_cache = torch.full((n_blocks, page, 1, 576), float("nan"), dtype=torch.bfloat16)

    seqs = []
    for s, n in enumerate(ctx):
        x = torch.randn(n, DIM, generator=g)
        qr = torch.randn(n, QLORA, generator=g)
        kv = (torch.randn(n, 576, generator=g) * 0.5).bfloat16()
        pos = torch.arange(n) + 500
        slots = (block_table[s, torch.arange(n) // page].long() * page + torch.arange(n) % page).to(torch.int32)
        seqs.append((x, qr, kv, pos, slots))
        # the prefix (all but the last next_n tokens) is already cached
        p = n - next_n
        with torch.no_grad():
            _, _, k8, ks = layer.indexer(x[:p], qr[:p], pos[:p])
        torch.ops.dsagen.indexer_cache_insert(index_cache, k8, ks, slots[:p])
        torch.ops.dsagen.mla_cache_insert(mla_cache, kv[:p], slots[:p])

    new = lambda i: torch.cat([seq[i][-next_n:] for seq in seqs])  # noqa: E731
    q_mla = (torch.randn(b, next_n, h_q, 576, generator=g) * 0.5).bfloat16()
    context_lens = torch.tensor(ctx, dtype=torch.int32)
    with torch.no_grad():
        out, lse, slots_sel = layer.decode(new(0), new(1), q_mla, new(2), new(3), index_cache, mla_cache,
                                           block_table, context_lens, new(4), max_context_len=max(ctx))
    assert out.shape == (b, next_n, h_q, 512) and lse.shape == (b, h_q, next_n)

    for s, n in enumerate(ctx):
        x, qr, kv, pos, slots = seqs[s]
        qd, kd, w = indexer_ref(layer.indexer, x, qr, pos)
        scores = dsa.indexer_scores(qd, kd, w)
        slot_to_pos = {int(v): i for i, v in enumerate(slots)}
        if kv_format == "fp8":
            kv_ref = fp8.unpack_mla_fp8_cache(fp8.pack_mla_fp8_cache(kv))
        else:
            kv_ref = kv.float()
        for i in range(next_n):
            t = n - next_n + i
            sel = slots_sel[s, i]
            logical = torch.tensor([slot_to_pos[int(v)] if v >= 0 else -1 for v in sel], dtype=torch.int32)
            _check_selection(logical, scores[t], 0, t + 1, k)
            mask = torch.zeros(1, n, dtype=torch.bool)
            mask[0, logical[logical >= 0].long()] = True
            ref_out, _, ref_lse = dsa.masked_mla(q_mla[s, i][None].float(), kv_ref, mask, layer.sm_scale)
            assert_peer_close(out[s, i], ref_out[0].to(out.dtype), MLA_DECODE_OUT, f"decode out, seq {s} step {i}")
