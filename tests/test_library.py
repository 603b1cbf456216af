"""torch.ops.dsagen.*: opcheck for every op, and the DSA layer under torch.compile(fullgraph=True)."""

import pytest
import torch

import dsagen.library  # noqa: F401
from dsagen.oracle import fp8

# opcheck's default set, minus the autograd-registration check for the ops without a backward.
CHECKS = ("test_schema", "test_faketensor", "test_aot_dispatch_dynamic")
CHECKS_AUTOGRAD = CHECKS + ("test_autograd_registration",)
DIFFERENTIABLE = {"sparse_mla_prefill", "indexer_kl"}
# test_schema detects mutation with torch.allclose, which torch 2.13 lacks for float8 tensors
# ("mul_cpu_reduced_float" not implemented for 'Float8_e4m3fn'); for ops taking fp8 inputs the
# same property (only the declared argument changes) is checked byte-wise below instead.
CHECKS_FP8 = ("test_faketensor", "test_aot_dispatch_dynamic")


def _bytes(t):
    return t.detach().clone().contiguous().view(torch.uint8) if t.dtype.itemsize == 1 else t.detach().clone()


def _assert_mutates_only(op_packet, args, mutated):
    """Run the op; every tensor argument except those named in `mutated` is byte-identical after."""
    schema = op_packet.default._schema
    names = [a.name for a in schema.arguments]
    before = {n: _bytes(a) for n, a in zip(names, args) if isinstance(a, torch.Tensor)}
    op_packet(*args)
    for n, a in zip(names, args):
        if isinstance(a, torch.Tensor):
            same = torch.equal(_bytes(a), before[n])
            assert same != (n in mutated), f"{n}: {'not written' if same else 'mutated but not declared'}"


def _g(seed=0):
    return torch.Generator().manual_seed(seed)


def _indexer_args():
    g = _g(1)
    q8, qs = fp8.quantize_indexer_keys(torch.randn(3, 4, 64, generator=g))
    k8, ks = fp8.quantize_indexer_keys(torch.randn(40, 64, generator=g))
    w = torch.randn(3, 4, generator=g) * qs
    start = torch.tensor([0, 5, 10], dtype=torch.int32)
    end = torch.tensor([38, 20, 40], dtype=torch.int32)
    return q8, k8, ks, w, start, end


def _paged_args():
    g = _g(2)
    b, n, h, d, page = 2, 2, 4, 64, 64
    q8, _ = fp8.quantize_indexer_keys(torch.randn(b, n, h, d, generator=g))
    k8, ks = fp8.quantize_indexer_keys(torch.randn(3, page, d, generator=g))
    cache = fp8.pack_indexer_cache(k8, ks)
    w = torch.randn(b * n, h, generator=g)
    ctx = torch.tensor([30, 70], dtype=torch.int32)
    bt = torch.tensor([[2, 0], [1, 0]], dtype=torch.int32)
    return q8, cache, w, ctx, bt, 70, True


def _mla_prefill_args():
    g = _g(3)
    q = torch.randn(2, 16, 576, generator=g).bfloat16().requires_grad_()
    kv = torch.randn(50, 1, 576, generator=g).bfloat16().requires_grad_()
    idx = torch.randint(-1, 50, (2, 1, 32), generator=g, dtype=torch.int32)
    sink = torch.randn(16, generator=g).requires_grad_()
    return q, kv, idx, 576 ** -0.5, 512, sink, torch.tensor([32, 20], dtype=torch.int32)


def _mla_bwd_args():
    q, kv, idx, scale, d_v, sink, tlen = (a.detach() if isinstance(a, torch.Tensor) else a for a in _mla_prefill_args())
    out, _, lse = dsagen.library.sparse_mla_prefill(q, kv, idx, scale, d_v, sink, tlen)
    dout = torch.randn(out.shape, generator=_g(12)).bfloat16()
    return q, kv, idx, out, dout, lse, scale, d_v, sink, tlen, False


def _indexer_kl_args():
    from dsagen.operators.indexer_kl.problem import instance

    t = instance(16, 64, 16, 576, 0, 4, 30, seed=13)
    return (t["q_idx"].requires_grad_(), t["weights"].requires_grad_(), t["k_idx"].requires_grad_(), t["q"], t["kv"],
            t["attn_lse"], 576 ** -0.5, t["key_start"], t["key_end"], None)


def _indexer_kl_bwd_args():
    import dsagen.library as lib

    a = [x.detach() if isinstance(x, torch.Tensor) else x for x in _indexer_kl_args()]
    _, stats = lib.indexer_kl(*a)
    return (*a, stats, torch.rand(4, generator=_g(14)))


def _mla_decode_args():
    g = _g(4)
    kv = torch.randn(2, 64, 1, 576, generator=g)
    cache = fp8.pack_mla_fp8_cache(kv)
    q = torch.randn(1, 2, 16, 576, generator=g).bfloat16()
    idx = torch.randint(-1, 128, (1, 2, 32), generator=g, dtype=torch.int32)
    return q, cache, idx, 576 ** -0.5, 512, None, None


def _cases():
    q8, k8, ks, w, start, end = _indexer_args()
    logits = torch.randn(3, 40, generator=_g(5))
    kc = torch.zeros(2, 64, 1, 68, dtype=torch.uint8)
    mc = torch.zeros(2, 64, 1, 656, dtype=torch.uint8)
    slots = torch.tensor([3, -1, 70], dtype=torch.int32)
    return {
        "indexer_logits": (q8, k8, ks, w, start, end, True),
        "indexer_logits_paged": _paged_args(),
        "topk_indices": (logits, 8, start, end),
        "sparse_mla_prefill": _mla_prefill_args(),
        "sparse_mla_bwd": _mla_bwd_args(),
        "indexer_kl": _indexer_kl_args(),
        "indexer_kl_bwd": _indexer_kl_bwd_args(),
        "sparse_mla_decode": _mla_decode_args(),
        "indexer_topk_fused": (q8, k8, ks, w, start, end, 8),
        "indexer_cache_insert": (kc, k8[:3], ks[:3], slots),
        "mla_cache_insert": (mc, torch.randn(3, 576, generator=_g(6)), slots, "ue8m0"),
        "kv_compress": _kv_compress_args(),
    }


def _kv_compress_args():
    g = _g(11)
    kv, score = torch.randn(12, 2 * 32, generator=g), torch.randn(12, 2 * 32, generator=g)
    ape, w = torch.randn(4, 64, generator=g), torch.ones(32)
    grows = torch.tensor([0, 4, -1], dtype=torch.int32)
    prows = torch.tensor([-1, 0, -1], dtype=torch.int32)
    return kv, score, ape, w, grows, prows, torch.zeros(3, 32), 4, 1e-6


@pytest.mark.parametrize("name", sorted(dsagen.library.OPS))
def test_opcheck(name):
    args = _cases()[name]
    packet = getattr(torch.ops.dsagen, name)
    has_fp8 = any(isinstance(a, torch.Tensor) and a.dtype == fp8.E4M3 for a in args)
    checks = CHECKS_FP8 if has_fp8 else CHECKS_AUTOGRAD if name in DIFFERENTIABLE else CHECKS
    torch.library.opcheck(packet.default, args, test_utils=checks)
    if has_fp8:
        mutated = {a.name for a in packet.default._schema.arguments if a.alias_info and a.alias_info.is_write}
        _assert_mutates_only(packet, _cases()[name], mutated)


def test_every_op_has_an_opcheck_case():
    assert set(_cases()) == set(dsagen.library.OPS)


def test_layer_decode_compiles_fullgraph():
    """The decode step traces as one graph (no graph breaks, no .item()) and gives the eager result."""
    from tests.test_layer import DIM, ID, QLORA, _layer

    torch._dynamo.reset()
    layer = _layer(8, seed=7)
    g = _g(8)
    b, n, h_q, page = 1, 2, 16, 64
    index_cache = torch.zeros(2, page, 1, ID + 4, dtype=torch.uint8)
    mla_cache = torch.zeros(2, page, 1, 656, dtype=torch.uint8)
    block_table = torch.tensor([[1, 0]], dtype=torch.int32)
    ctx = torch.tensor([20], dtype=torch.int32)
    x, qr = torch.randn(b * n, DIM, generator=g), torch.randn(b * n, QLORA, generator=g)
    q_mla = torch.randn(b, n, h_q, 576, generator=g).bfloat16()
    kv = torch.randn(b * n, 576, generator=g).bfloat16()
    pos = torch.tensor([18, 19])
    slots = torch.tensor([64 + 18, 64 + 19], dtype=torch.int32)

    def step(x, qr, q_mla, kv, pos, index_cache, mla_cache, block_table, ctx, slots):
        return layer.decode(x, qr, q_mla, kv, pos, index_cache, mla_cache, block_table, ctx, slots, 20)

    with torch.no_grad():
        eager = step(x, qr, q_mla, kv, pos, index_cache.clone(), mla_cache.clone(), block_table, ctx, slots)
        compiled = torch.compile(step, fullgraph=True, backend="aot_eager")
        got = compiled(x, qr, q_mla, kv, pos, index_cache.clone(), mla_cache.clone(), block_table, ctx, slots)
    for a, e in zip(got, eager):
        assert torch.equal(a, e)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a CUDA device (none on this host)")
def test_decode_step_captures_in_a_cuda_graph():
    from tests.test_layer import DIM, ID, QLORA, _layer

    dev = torch.device("cuda")
    layer = _layer(8, seed=9).to(dev)
    g = _g(10)
    b, n, h_q, page = 2, 1, 16, 64
    index_cache = torch.zeros(4, page, 1, ID + 4, dtype=torch.uint8, device=dev)
    mla_cache = torch.zeros(4, page, 1, 656, dtype=torch.uint8, device=dev)
    block_table = torch.tensor([[1, 0], [3, 2]], dtype=torch.int32, device=dev)
    ctx = torch.tensor([20, 70], dtype=torch.int32, device=dev)
    x = torch.randn(b * n, DIM, generator=g).to(dev)
    qr = torch.randn(b * n, QLORA, generator=g).to(dev)
    q_mla = torch.randn(b, n, h_q, 576, generator=g).bfloat16().to(dev)
    kv = torch.randn(b * n, 576, generator=g).bfloat16().to(dev)
    pos = torch.tensor([19, 69], device=dev)
    slots = torch.tensor([64 + 19, 2 * 64 + 5], dtype=torch.int32, device=dev)
    args = (x, qr, q_mla, kv, pos, index_cache, mla_cache, block_table, ctx, slots, 128)
    with torch.no_grad():
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(2):  # warm-up compiles the kernels outside the capture
                eager = layer.decode(*args)
        torch.cuda.current_stream().wait_stream(s)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            captured = layer.decode(*args)
        q_mla.copy_(torch.randn_like(q_mla, dtype=torch.float32).bfloat16())
        graph.replay()
        want = layer.decode(*args)
        torch.cuda.synchronize()
    for a, e in zip(captured, want):
        assert torch.equal(a, e)
