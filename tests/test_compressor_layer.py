"""dsagen.layers.compressor: DeepSeek-V4's CSA / HCA compressors (and GLM-5.3-Flash's key pooling) for
serving, against the model's math restated in float64 here (projections, grouping, per-channel
gated pooling, RMSNorm, interleaved RoPE on the last 64 channels at position g * ratio with the
compressor's own base: transformers' DeepseekV4CSACompressor / DeepseekV4HCACompressor; RoPE by the
layer oracle's complex multiplication, not the layer's code), and decode
(ring, next_n 1, 3, 6) against prefill over the same tokens.
"""

import pytest
import torch

from dsagen import tolerances
from dsagen.layers.compressor import KVCompressor, paged_slots, ring_groups
from dsagen.operators.kv_compress.naive import compress_sequence
from dsagen.oracle.v4_layer import rope_last
from dsagen.spec import load_spec

DIM = 64


def _layer(d, ratio, overlap, norm=True, rope_dim=16, seed=0, proj_dtype=torch.float32):
    """A compressor with random weights; the projections in proj_dtype (ape and norm stay fp32)."""
    torch.manual_seed(seed)
    m = KVCompressor(DIM, d, ratio, overlap, norm=norm, rope_dim=rope_dim, rope_base=160000.0)
    with torch.no_grad():
        m.ape.normal_(0, 0.5)
        if m.norm is not None:
            m.norm.normal_(1, 0.1)
    m.wkv.to(proj_dtype)
    m.wgate.to(proj_dtype)
    return m


def _model_entries(m, kv, score, lens):
    """The model's compressed entries of each sequence (float64), concatenated."""
    out, at = [], 0
    for n in lens:
        c = compress_sequence(kv[at:at + n], score[at:at + n], m.ape.detach(),
                              None if m.norm is None else m.norm.detach(), m.ratio, m.eps, m.overlap)
        if m.rope_dim and c.shape[0]:
            c = rope_last(c, torch.arange(c.shape[0]) * m.ratio, m.rope_dim, m.rope_base)   # interleaved, last dims
        out.append(c)
        at += n
    return torch.cat(out)


CONFIGS = [  # (d, ratio, overlap, norm, rope_dim): V4 CSA attention / indexer, HCA, GLM-5.3-Flash pooling
    (512, 4, True, True, 64), (128, 4, True, True, 64), (512, 128, False, True, 64), (128, 4, False, False, 0),
]
IDS = ["csa_d512", "csa_indexer_d128", "hca_d512", "kpool_d128"]


@pytest.mark.parametrize("d,ratio,overlap,norm,rope_dim", CONFIGS, ids=IDS)
def test_prefill_matches_the_model(d, ratio, overlap, norm, rope_dim):
    m = _layer(d, ratio, overlap, norm, rope_dim, seed=1, proj_dtype=torch.bfloat16)   # bf16 rows, as served
    lens = [3 * ratio + 1, 2 * ratio, ratio - 1] if ratio < 100 else [2 * ratio + 3, ratio - 5]
    g = torch.Generator().manual_seed(2)
    x = torch.randn(sum(lens), DIM, generator=g).bfloat16()
    with torch.no_grad():
        cu = torch.tensor([0] + lens).cumsum(0).to(torch.int32)
        kv, score = m.project(x)
        entries, seq, group, valid = m.prefill(x, cu, (kv, score))
    ref = _model_entries(m, kv, score, lens)
    n = int(valid.sum())
    assert n == ref.shape[0] == sum(L // ratio for L in lens)
    assert bool(valid[:n].all()) and not bool(valid[n:].any())        # valid slots first
    want_seq = torch.cat([torch.full((L // ratio,), i) for i, L in enumerate(lens)])
    want_group = torch.cat([torch.arange(L // ratio) for L in lens])
    assert torch.equal(seq[:n], want_seq) and torch.equal(group[:n], want_group)
    tolerances.assert_peer_close(entries[:n], ref.to(torch.bfloat16), tolerances.KV_COMPRESS_OUT, "entries")


@pytest.mark.parametrize("next_n", [1, 3, 6])
@pytest.mark.parametrize("d,ratio,overlap,norm,rope_dim", [CONFIGS[1], CONFIGS[3], (64, 8, False, True, 16)],
                         ids=["csa_indexer_d128", "kpool_d128", "hca_like_d64_r8"])
def test_decode_steps_reproduce_prefill(d, ratio, overlap, norm, rope_dim, next_n):
    """Prefill a prefix, seed the ring, then decode next_n tokens at a time: every entry completed on
    the way equals the one prefill computes over the whole sequence, bit for bit (the projections
    are computed once for both: a matmul's last bits depend on its batch shape)."""
    m = _layer(d, ratio, overlap, norm, rope_dim, seed=3)
    g = torch.Generator().manual_seed(4)
    prefix = [5, 2 * ratio + 1]              # two sequences, different phases inside a group
    steps = -(-3 * ratio // next_n)          # enough steps to complete about three groups
    total = [p + steps * next_n + 1 for p in prefix]
    xs = [torch.randn(t, DIM, generator=g) for t in total]
    with torch.no_grad():
        cu_full = torch.tensor([0] + total).cumsum(0).to(torch.int32)
        kv_all, score_all = m.project(torch.cat(xs))
        full, fseq, fgroup, fvalid = m.prefill(torch.cat(xs), cu_full, (kv_all, score_all))
        want = {(int(s), int(gg)): full[j] for j, (s, gg, v) in enumerate(zip(fseq, fgroup, fvalid)) if v}
        cu_pre = torch.tensor([0] + prefix).cumsum(0).to(torch.int32)
        rows_pre = torch.cat([torch.arange(p) + int(cu_full[b]) for b, p in enumerate(prefix)])
        kv, score = kv_all[rows_pre], score_all[rows_pre]
        ring_kv, ring_score = m.new_ring(2, next_n, dtype=torch.float32)
        assert ring_kv.shape[1] == ring_groups(ratio, overlap, next_n) * ratio
        m.fill_ring(ring_kv, ring_score, kv, score, cu_pre)
        got = {}
        for s in range(steps):
            pos = torch.tensor([[p + s * next_n + i for i in range(next_n)] for p in prefix])
            x = torch.stack([xs[b][pos[b]] for b in range(2)])
            rows = (pos + cu_full[:2, None]).reshape(-1)
            ent, group, valid = m.decode(x, pos, ring_kv, ring_score, (kv_all[rows], score_all[rows]))
            assert ent.shape == (2, -(-next_n // ratio), d)
            for b in range(2):
                for e in range(ent.shape[1]):
                    if valid[b, e]:
                        got[(b, int(group[b, e]))] = ent[b, e]
    expect = {k for k in want if prefix[k[0]] <= (k[1] + 1) * ratio - 1 < prefix[k[0]] + steps * next_n}
    assert set(got) == expect and expect
    for k in expect:
        assert torch.equal(got[k], want[k]), k


def test_from_spec_and_slots():
    v4 = load_spec("deepseek-v4-flash")
    csa, hca = v4.attention.kinds("csa")[0], v4.attention.kinds("hca")[0]
    a = KVCompressor.from_spec(v4, csa, "attention", 256)
    i = KVCompressor.from_spec(v4, csa, "indexer", 256)
    h = KVCompressor.from_spec(v4, hca, "attention", 256)
    assert (a.d, a.ratio, a.overlap, a.rope_dim, a.rope_position) == (512, 4, True, 64, "last")
    assert (i.d, i.ratio, i.overlap, i.rope_dim) == (128, 4, True, 0)   # its RoPE: LightningIndexer.keys
    assert (h.d, h.ratio, h.overlap, h.wkv.out_features) == (512, 128, False, 512)
    with pytest.raises(ValueError, match="no indexer compressor"):
        KVCompressor.from_spec(v4, hca, "indexer", 256)
    k = KVCompressor.key_pool_from_spec(load_spec("glm-5.3-flash"), 256)
    assert (k.d, k.ratio, k.overlap, k.norm, k.rope_dim) == (128, 4, False, None, 0)
    bt = torch.tensor([[5, 2], [7, 1]], dtype=torch.int32)
    slots = paged_slots(bt, torch.tensor([0, 1, 1]), torch.tensor([3, 64, 0]), torch.tensor([True, True, False]), 64)
    assert slots.tolist() == [5 * 64 + 3, 1 * 64 + 0, -1]


def test_decode_compiles_fullgraph():
    torch._dynamo.reset()
    m = _layer(32, 4, True, True, 8, seed=5)
    g = torch.Generator().manual_seed(6)
    ring = m.new_ring(2, 2, dtype=torch.float32)
    ring[0].normal_(generator=g)
    ring[1].normal_(generator=g)
    x = torch.randn(2, 2, DIM, generator=g)
    pos = torch.tensor([[10, 11], [2, 3]])

    def step(x, pos, rk, rs):
        return m.decode(x, pos, rk, rs)

    with torch.no_grad():
        eager = step(x, pos, ring[0].clone(), ring[1].clone())
        got = torch.compile(step, fullgraph=True, backend="aot_eager")(x, pos, ring[0].clone(), ring[1].clone())
    for a, e in zip(got, eager):
        assert torch.equal(a, e)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device (none on this host)")
def test_decode_step_captures_in_a_cuda_graph():
    dev = torch.device("cuda")
    m = _layer(128, 4, True, True, 64, seed=7).to(dev)
    g = torch.Generator().manual_seed(8)
    ring_kv, ring_score = (t.normal_(generator=g) for t in m.new_ring(3, 2, dtype=torch.float32))
    ring_kv, ring_score = ring_kv.to(dev), ring_score.to(dev)
    x = torch.randn(3, 2, DIM, generator=g).to(dev)
    pos = torch.tensor([[2, 3], [9, 10], [6, 7]], device=dev)
    with torch.no_grad():
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(2):  # warm-up compiles the kernel outside the capture
                m.decode(x, pos, ring_kv.clone(), ring_score.clone())
        torch.cuda.current_stream().wait_stream(s)
        rk, rs = ring_kv.clone(), ring_score.clone()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            captured = m.decode(x, pos, rk, rs)
        x.copy_(torch.randn_like(x))
        rk.copy_(ring_kv)
        rs.copy_(ring_score)
        graph.replay()
        want = m.decode(x, pos, ring_kv.clone(), ring_score.clone())
        torch.cuda.synchronize()
    for a, e in zip(captured, want):
        assert torch.equal(a, e)
