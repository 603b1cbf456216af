"""dsagen.layers.V4Attention (DeepSeek-V4 window / CSA / HCA layers) against the dense masked
oracle of the layer (dsagen.oracle.v4_layer): per-head q RMSNorm, interleaved RoPE on the last 64
dims, one softmax over the window and the visible compressed entries with the sink, inverse RoPE
on the output. Ragged prefill (the bf16 workspace) and paged decode (MODEL1 FP8 caches, next_n 2
and 6), small shapes (window 8, CSA 4:1 top-4, HCA 8:1) so every rule is exercised on the CPU.
"""

import pytest
import torch

from dsagen.layers import KVCompressor, LightningIndexer, V4Attention
from dsagen.layers.compressor import ring_groups
from dsagen.operators.indexer_logits.naive import indexer_logits as logits_ref
from dsagen.oracle import fp8
from dsagen.oracle.v4_layer import attend, output, prefill_ref, queries
from dsagen.spec import load_spec
from dsagen.tolerances import MLA_DECODE_OUT, assert_peer_close, peer_mismatch

DIM, QLORA, H, D, WINDOW, K = 64, 32, 8, 512, 8, 4
IH, ID = 4, 64
BASE = 160000.0


def _layer(kind, seed=0):
    torch.manual_seed(seed)
    ratio = {"window": 1, "csa": 4, "hca": 8}[kind]
    kw = {}
    if kind != "window":
        kw["compressor"] = KVCompressor(DIM, D, ratio, kind == "csa", rope_dim=64, rope_base=BASE)
    if kind == "csa":
        kw["indexer_compressor"] = KVCompressor(DIM, ID, ratio, True, rope_dim=0)
        kw["indexer"] = LightningIndexer(DIM, QLORA, heads=IH, head_dim=ID, rope_dim=16, rope_base=BASE,
                                         rope_style="interleaved", rope_position="last")
    layer = V4Attention(kind, H, WINDOW, rope_base=BASE if kind != "window" else 10000.0, topk=K, **kw)
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.endswith("norm") or name.endswith("k_norm.weight"):
                p.normal_(1.0, 0.1)
            else:
                p.normal_(0, 0.3)
    return layer


def _inputs(t, seed):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(t, DIM, generator=g), torch.randn(t, QLORA, generator=g),
            torch.randn(t, H, D, generator=g).bfloat16(), torch.randn(t, D, generator=g).bfloat16())


def _check_selection(sel, lo, hi):
    """sel: entry slots one query's top-k took (-1 padded) from [lo, hi): count, padding, range."""
    want = min(K, hi - lo)
    assert (sel[:want] >= 0).all() and (sel[want:] == -1).all(), sel
    chosen = sel[:want]
    assert len(set(chosen.tolist())) == want and ((chosen >= lo) & (chosen < hi)).all(), (sel, lo, hi)


@pytest.mark.parametrize("kind", ["window", "csa", "hca"])
def test_prefill_matches_the_dense_layer(kind):
    layer = _layer(kind, seed=1)
    lens = [13, 30]
    t = sum(lens)
    x, qr, q, kv = _inputs(t, 2)
    cu = torch.tensor([0] + lens).cumsum(0).to(torch.int32)
    positions = torch.cat([torch.arange(n) for n in lens])
    with torch.no_grad():
        out, idx, entries = layer.prefill(x, qr, q, kv, positions, cu)
    assert out.shape == (t, H, D) and out.dtype == torch.bfloat16
    r = layer.ratio
    first = [0, lens[0] // r]

    def visible(i):
        s = 0 if i < lens[0] else 1
        vis = (int(positions[i]) + 1) // r
        if kind == "hca":
            return [first[s] + w for w in range(vis)]
        sel = idx[i, WINDOW:]
        sel = (sel[sel >= 0] - t).tolist()
        _check_selection(torch.where(idx[i, WINDOW:] >= 0, idx[i, WINDOW:] - t, -1), first[s], first[s] + vis)
        return sel

    if kind == "csa":   # the selection is the indexer's top-k by value over the visible entries
        with torch.no_grad():
            ients, _, igrp, _ = layer.indexer_compressor.prefill(x, cu)
            k8, ks = layer.indexer.keys(ients, igrp * r)
            q8, w = layer.indexer.queries(x, qr, positions)
        lo = torch.tensor([first[0 if i < lens[0] else 1] for i in range(t)], dtype=torch.int32)
        hi = lo + ((positions + 1) // r).to(torch.int32)
        ref_logits = logits_ref(q8, k8, ks, w, lo, hi)
        for i in range(t):
            sel = idx[i, WINDOW:]
            sel = sel[sel >= 0] - t
            want = torch.topk(ref_logits[i, int(lo[i]):int(hi[i])], min(K, int(hi[i] - lo[i]))).values
            got = ref_logits[i, sel.long()].sort(descending=True).values
            torch.testing.assert_close(got, want.sort(descending=True).values, rtol=1e-5, atol=1e-5)
    ref = prefill_ref(q, kv, positions, cu, WINDOW, layer.sink.detach(), layer.sm_scale, layer.rope_dim,
                      layer.rope_base, layer.eps, entries=entries, visible=visible if kind != "window" else None)
    # window rows: the last WINDOW raw tokens of the query's own sequence
    assert idx[0, 1:WINDOW].eq(-1).all() and idx[lens[0], 1:WINDOW].eq(-1).all()
    assert idx[lens[0] + 20, :WINDOW].tolist() == [lens[0] + 20 - j for j in range(WINDOW)]
    # the last rope_dim channels are rotated after rounding: their error counts against the pair (tolerances)
    assert_peer_close(out, ref.to(torch.bfloat16), MLA_DECODE_OUT, f"{kind} prefill out", layer.rope_dim)
    # the comparison is sharp: the same oracle without the sink, or without the inverse RoPE, fails
    no_sink = prefill_ref(q, kv, positions, cu, WINDOW, torch.zeros(H), layer.sm_scale, layer.rope_dim,
                          layer.rope_base, layer.eps, entries=entries, visible=visible if kind != "window" else None)
    assert peer_mismatch(out, no_sink.to(torch.bfloat16), MLA_DECODE_OUT, layer.rope_dim)
    no_inverse = output(ref, -positions, layer.rope_dim, layer.rope_base)   # rotated back: the un-inverted out
    assert peer_mismatch(out, no_inverse.to(torch.bfloat16), MLA_DECODE_OUT, layer.rope_dim)


def _caches(layer, b, max_ctx, page=16, cpage=4):
    nb = b * (-(-max_ctx // page)) + 1
    cache = fp8.model1_cache_empty(nb, page, fill=0xFF)           # NaN bytes where nothing was written
    bt = torch.randperm(nb - 1, generator=torch.Generator().manual_seed(5))[: b * (-(-max_ctx // page))]
    bt = bt.view(b, -1).to(torch.int32)
    c = {"cache": cache, "block_table": bt}
    if layer.compressor is not None:
        n_ent = -(-max_ctx // layer.ratio)
        ncb = b * (-(-n_ent // cpage)) + 1
        c["comp_cache"] = fp8.model1_cache_empty(ncb, cpage, fill=0xFF)
        cbt = torch.randperm(ncb - 1, generator=torch.Generator().manual_seed(6))[: b * (-(-n_ent // cpage))]
        c["comp_block_table"] = cbt.view(b, -1).to(torch.int32)
    return c


@pytest.mark.parametrize("kind,next_n", [("window", 2), ("csa", 2), ("csa", 6), ("hca", 2)])
def test_decode_matches_the_dense_layer(kind, next_n):
    """Prefill a prefix of two sequences (writing the caches), decode next_n tokens at a time; each step's output against the
    dense oracle over the keys in the caches (dequantised MODEL1 rows: what attention reads)."""
    layer = _layer(kind, seed=3)
    prefix, steps = [9, 14], 2
    total = [p + steps * next_n for p in prefix]
    b, max_ctx = 2, max(total)
    xs = [_inputs(n, 10 + i) for i, n in enumerate(total)]
    c = _caches(layer, b, max_ctx)
    ring = index_ring = None
    if layer.compressor is not None:
        ring = layer.compressor.new_ring(b, next_n, dtype=torch.float32)
        assert ring[0].shape[1] == ring_groups(layer.ratio, kind == "csa", next_n) * layer.ratio
    if kind == "csa":
        c["index_cache"] = torch.full((c["comp_cache"].shape[0], 4, 1, ID + 4), 0xFF, dtype=torch.uint8)
        index_ring = layer.indexer_compressor.new_ring(b, next_n, dtype=torch.float32)
    cu = torch.tensor([0] + prefix).cumsum(0).to(torch.int32)
    pos0 = torch.cat([torch.arange(p) for p in prefix])
    cat = [torch.cat([xs[i][j][:p] for i, p in enumerate(prefix)]) for j in range(4)]
    with torch.no_grad():
        layer.prefill(cat[0], cat[1], cat[2], cat[3], pos0, cu, c["cache"], c["block_table"], c.get("comp_cache"),
                      c.get("comp_block_table"), ring, c.get("index_cache"), index_ring)
        for s in range(steps):
            pos = torch.tensor([[p + s * next_n + i for i in range(next_n)] for p in prefix])
            rows = [[xs[bi][j][pos[bi]] for bi in range(b)] for j in range(4)]
            x, qr = torch.cat(rows[0]), torch.cat(rows[1])
            q, kv = torch.stack(rows[2]), torch.cat(rows[3])
            page = c["cache"].shape[1]
            slot_mapping = (c["block_table"].gather(1, (pos // page)) * page + pos % page).reshape(-1).to(torch.int32)
            out, lse, wslots, extra = layer.decode(x, qr, q, kv, pos, c["cache"], c["block_table"], slot_mapping,
                                                   max_ctx, c.get("comp_cache"), c.get("comp_block_table"), ring,
                                                   c.get("index_cache"), index_ring)
            assert out.shape == (b, next_n, H, D) and lse.shape == (b, H, next_n)
            raw = fp8.unpack_model1_cache(c["cache"]).reshape(-1, D)
            comp = fp8.unpack_model1_cache(c["comp_cache"]).reshape(-1, D) if extra is not None else None
            for bi in range(b):
                for i in range(next_n):
                    p = int(pos[bi, i])
                    keys = [raw[int(sl)] for sl in wslots[bi, i] if sl >= 0]
                    assert len(keys) == min(WINDOW, p + 1)
                    if extra is not None:
                        vis = (p + 1) // layer.ratio
                        ex = extra[bi, i]
                        ex = ex[ex >= 0]
                        assert len(ex) == (min(K, vis) if kind == "csa" else vis)
                        keys += [comp[int(sl)] for sl in ex]
                    qn = queries(q[bi, i][None], pos[bi, i][None], layer.rope_dim, layer.rope_base, layer.eps)[0]
                    ref = attend(qn, torch.stack(keys).double(), layer.sink.detach(), layer.sm_scale)
                    ref = output(ref[None], pos[bi, i][None], layer.rope_dim, layer.rope_base)[0]
                    assert not torch.isnan(ref).any()
                    assert_peer_close(out[bi, i], ref.to(torch.bfloat16), MLA_DECODE_OUT, f"{kind} b{bi} pos {p}",
                                      layer.rope_dim)


def test_from_spec_builds_each_v4_kind():
    v4 = load_spec("deepseek-v4-flash")
    for lk in v4.attention.layers:
        layer = V4Attention.from_spec(v4, lk, 256, 128, heads=8)
        assert layer.kind == lk.kind and layer.window == 128 and layer.heads == 8 and layer.d == 512
        assert layer.sink is not None and layer.sink.shape == (8,)     # attention.sink = true
        assert (layer.compressor is None) == (lk.kind == "window")
        assert (layer.indexer is not None) == (lk.kind == "csa")
        if lk.kind == "csa":
            assert layer.topk == 512 and layer.indexer.heads == 64 and layer.indexer.rope_position == "last"
    from dsagen.layers.indexer_prep import Yarn

    csa = V4Attention.from_spec(v4, v4.attention.kinds("csa")[0], 256, 128, compress_yarn=Yarn(16, 65536))
    win = V4Attention.from_spec(v4, v4.attention.kinds("window")[0], 256, 128, compress_yarn=Yarn(16, 65536))
    assert csa.rope_yarn == csa.compressor.rope_yarn == csa.indexer.rope_yarn == Yarn(16, 65536)
    assert win.rope_yarn is None and win.rope_base == 10000.0 and csa.rope_base == 160000.0
    with pytest.raises(ValueError, match="DSAAttention"):
        V4Attention.from_spec(load_spec("glm-5"), load_spec("glm-5").attention.layers[0], 256, 128)


def _decode_setup(kind, next_n=2):
    layer = _layer(kind, seed=21)
    b, max_ctx = 2, 24
    c = _caches(layer, b, max_ctx)
    g = torch.Generator().manual_seed(25)
    for name in ("cache", "comp_cache"):   # random finite rows: the step reads slots it did not write
        if name in c:
            rows = torch.randn(c[name].shape[0], c[name].shape[1], 1, D, generator=g).bfloat16()
            c[name] = fp8.pack_model1_cache(rows)
    ring = index_ring = None
    if layer.compressor is not None:
        ring = [t.normal_(generator=torch.Generator().manual_seed(22)) for t in
                layer.compressor.new_ring(b, next_n, dtype=torch.float32)]
    if kind == "csa":
        c["index_cache"] = torch.zeros((c["comp_cache"].shape[0], 4, 1, ID + 4), dtype=torch.uint8)
        index_ring = [t.normal_(generator=torch.Generator().manual_seed(23)) for t in
                      layer.indexer_compressor.new_ring(b, next_n, dtype=torch.float32)]
    x, qr, q, kv = _inputs(b * next_n, 24)
    pos = torch.tensor([[10, 11], [18, 19]])
    page = c["cache"].shape[1]
    slots = (c["block_table"].gather(1, pos // page) * page + pos % page).reshape(-1).to(torch.int32)
    return layer, c, ring, index_ring, (x, qr, q.view(b, next_n, H, D), kv, pos, slots, max_ctx)


@pytest.mark.parametrize("kind", ["csa", "hca"])
def test_decode_compiles_fullgraph(kind):
    """The V4 decode step traces as one graph (no graph breaks, no .item()) and gives the eager result."""
    torch._dynamo.reset()
    layer, c, ring, index_ring, (x, qr, q, kv, pos, slots, max_ctx) = _decode_setup(kind)

    def step(x, qr, q, kv, pos, cache, comp_cache, index_cache, rk, rs, ik, is_):
        return layer.decode(x, qr, q, kv, pos, cache, c["block_table"], slots, max_ctx, comp_cache,
                            c["comp_block_table"], (rk, rs), index_cache, None if ik is None else (ik, is_))

    def args():
        ir = index_ring or (None, None)
        return (x, qr, q, kv, pos, c["cache"].clone(), c["comp_cache"].clone(),
                None if kind != "csa" else c["index_cache"].clone(), ring[0].clone(), ring[1].clone(),
                None if ir[0] is None else ir[0].clone(), None if ir[1] is None else ir[1].clone())

    with torch.no_grad():
        eager = step(*args())
        got = torch.compile(step, fullgraph=True, backend="aot_eager")(*args())
    for a, e in zip(got, eager):
        assert torch.equal(a, e)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device (none on this host)")
def test_decode_step_captures_in_a_cuda_graph():
    dev = torch.device("cuda")
    layer, c, ring, index_ring, (x, qr, q, kv, pos, slots, max_ctx) = _decode_setup("csa")
    layer = layer.to(dev)
    c = {k: v.to(dev) for k, v in c.items()}
    ring, index_ring = [t.to(dev) for t in ring], [t.to(dev) for t in index_ring]
    x, qr, q, kv, pos, slots = (t.to(dev) for t in (x, qr, q, kv, pos, slots))

    def step():
        return layer.decode(x, qr, q, kv, pos, c["cache"], c["block_table"], slots, max_ctx, c["comp_cache"],
                            c["comp_block_table"], ring, c["index_cache"], index_ring)

    with torch.no_grad():
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(2):  # warm-up compiles the kernels outside the capture
                step()
        torch.cuda.current_stream().wait_stream(s)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            captured = step()
        q.copy_(torch.randn_like(q, dtype=torch.float32).bfloat16())
        graph.replay()
        want = step()
        torch.cuda.synchronize()
    for a, e in zip(captured, want):
        assert torch.equal(a, e)


def test_a_layer_without_sink_is_the_oracle_with_sink_minus_inf():
    layer = _layer("hca", seed=31)
    layer.sink = None
    x, qr, q, kv = _inputs(20, 32)
    cu = torch.tensor([0, 20], dtype=torch.int32)
    positions = torch.arange(20)
    with torch.no_grad():
        out, idx, entries = layer.prefill(x, qr, q, kv, positions, cu)
    ref = prefill_ref(q, kv, positions, cu, WINDOW, torch.full((H,), float("-inf")), layer.sm_scale, layer.rope_dim,
                      layer.rope_base, layer.eps, entries=entries,
                      visible=lambda t: list(range((int(positions[t]) + 1) // layer.ratio)))
    assert_peer_close(out, ref.to(torch.bfloat16), MLA_DECODE_OUT, "no sink", layer.rope_dim)
