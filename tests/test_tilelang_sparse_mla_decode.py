"""TileLang sm_90a sparse MLA decode over the 656-byte FP8 cache: build pipeline (no GPU needed)
and GPU runs against the oracle (CUDA Hopper only).

GPU cases follow tests/test_sparse_mla_decode.py: outputs poisoned with NaN, every cache slot no
valid index selects filled with 0xFF bytes (e4m3 NaN, fp32 NaN scales, bf16 NaN RoPE), -1 /
out-of-range / 2^31-1 / repeated indices, top-k not a multiple of the tile, splits 1 and >1,
queries without a valid index (out 0, lse +inf), and an exact dequantisation check.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen import tolerances
from dsagen.oracle import fp8 as fp8_layout
from dsagen.runtime import paths

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
from dsagen.gen.tilelang_build import nvcc_path  # noqa: E402  (imports neither tilelang nor tvm)

needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
needs_hopper = pytest.mark.skipif(
    not torch.cuda.is_available() or torch.cuda.get_device_capability() < (9, 0),
    reason="runs the sm_90a kernel: needs a CUDA Hopper GPU (compute capability 9.0)",
)
OP = "sparse_mla_decode"
D_QK, D_V = 576, 512
SCALE = D_QK ** -0.5


def _template():
    path = paths.template_path("tilelang", OP)
    spec = importlib.util.spec_from_file_location("tl_sparse_mla_decode_t", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_template_imports_without_tilelang_and_checks_args():
    code = (f"import importlib.util,sys; s=importlib.util.spec_from_file_location('t', {str(paths.template_path('tilelang', OP))!r});"
            "m=importlib.util.module_from_spec(s); s.loader.exec_module(m);"
            "assert 'tilelang' not in sys.modules; print(sorted(m.SCHEDULE))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "block_I" in r.stdout
    mod = _template()
    with pytest.raises(ValueError, match="h_q"):
        mod.build({"h_q": 256}, {})
    with pytest.raises(ValueError, match="arch"):
        mod.build({"h_q": 64}, {}, arch="sm_80")
    with pytest.raises(ValueError, match="block_I"):
        mod.build({"h_q": 64}, {"block_I": 48})
    with pytest.raises(ValueError, match="kv_format"):
        mod.build({"h_q": 64, "kv_format": "bf16"}, {})
    with pytest.raises(ValueError, match="part"):
        mod.build({"h_q": 64, "part": "both"}, {})
    aot = mod.aot_kernels({"h_q": 128}, {})
    assert [k["problem"]["part"] for k in aot] == ["main", "combine"]
    assert all("arch" not in k and k["backend"] == "tilelang" for k in aot)  # the generator's target decides
    with pytest.raises(ValueError, match="sm_100a: no TileLang sparse_mla_decode kernel for Blackwell"):
        mod.build({"h_q": 64}, {}, arch="sm_100a")


def test_schedule_space_keeps_qk_wgmma_n_64():
    """The two warpgroups split QK^T along N (64 heads are one warpgroup's M), so wgmma N is
    block_I / 2: the default and every candidate the space keeps use 128-slot tiles (issue 14)."""
    from dsagen.gen.space import load_space

    space = load_space(OP, "tilelang", paths.template_path("tilelang", OP))
    assert space.default["block_I"] == 128
    kept = [c for c in space.candidates()
            if all(con.compiled[2](*(c[n] for n in con.compiled[1])) for con in space.constraints)]
    assert kept and all(c["block_I"] // 2 >= 64 for c in kept), kept


@pytest.fixture(scope="module")
def builds(tmp_path_factory, tilelang_prebuilt):
    """builds(h_q, part) on first use: built here with tilelang + nvcc, else (a GPU host without
    them) the committed kernel for the same problem, else a skip."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_sparse_mla_decode"), OP,
                  cases_fn=lambda key: ({"h_q": key[0], "part": key[1]}, None))


@needs_toolchain
@pytest.mark.parametrize("h_q", [64, 128], ids=["h64_sm90a", "h128_sm90a"])
def test_compile_main_sm90a(builds, h_q, record_property):
    meta = builds(h_q, "main")
    out_dir = Path(meta["lib_path"]).parent
    src = (out_dir / "kernel.cu").read_text()
    assert "wgmma" in src, "TileLang fell back from wgmma"
    assert meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0
    assert meta["gmma_in_sass"] == meta["wgmma_in_ptx"], meta["gmma_shapes"]  # none dead
    assert "__tl_cvt_fp8x2_to_float2" in src, "e4m3 dequantisation should use the paired hardware conversion"
    assert meta["spill_bytes"] == 0
    assert meta["registers"] is not None and 0 < meta["registers"] <= 255
    assert 0 < meta["shared_bytes"] <= 227 * 1024
    assert [p.removesuffix("_handle") for p in meta["params"]] == ["Q", "KLat", "KScale", "KRope", "Indices", "TopkLen", "AttnSink", "Out", "Lse", "PO", "PLse",
                              "num_splits", "sm_scale"]
    assert json.loads((out_dir / "meta.json").read_text())["source_sha256"] == meta["source_sha256"]
    for key in ("registers", "shared_bytes", "spill_bytes"):
        record_property(key, meta[key])


@needs_toolchain
def test_compile_combine_sm90a(builds, record_property):
    meta = builds(64, "combine")
    assert meta["spill_bytes"] == 0 and 0 < meta["registers"] <= 255
    assert [p.removesuffix("_handle") for p in meta["params"]] == ["PO", "PLse", "AttnSink", "Out", "Lse", "num_splits"]
    assert meta["function"] == "sparse_mla_decode_combine"
    record_property("registers", meta["registers"])


@needs_toolchain
def test_load_without_tilelang(builds):
    """A fresh process loads both exports through tvm_ffi + libtvm_runtime, never importing tilelang."""
    dirs = [str(Path(builds(64, p)["lib_path"]).parent) for p in ("main", "combine")]
    code = ("import sys; from dsagen.runtime.tilelang import load_kernel;"
            f"ks = [load_kernel(d) for d in {dirs!r}];"
            "bad = [m for m in sys.modules if m == 'tilelang' or m.startswith(('tilelang.', 'tvm.')) or m == 'tvm'];"
            "assert not bad, bad; assert all(callable(k.func) for k in ks); print('ok', ks[1].meta['function'])")
    env = dict(os.environ, PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ok sparse_mla_decode_combine" in r.stdout


@needs_toolchain
def test_compile_model1_two_caches_sm90a(tmp_path, tilelang_prebuilt, record_property):
    """DeepSeek-V4's decode: MODEL1 window cache + compressed extra cache in one kernel; wgmma kept
    (one 512-wide QK^T and PV per tile), no spills, the parameter list the wrapper passes."""
    from tests.fixtures.tilelang_builds import M1_DECODE, build

    meta = build(OP, dict(M1_DECODE, part="main"), tmp_path)
    src = (Path(meta["lib_path"]).parent / "kernel.cu").read_text()
    assert "wgmma" in src and meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0
    assert meta["gmma_in_sass"] == meta["wgmma_in_ptx"], meta["gmma_shapes"]
    assert meta["spill_bytes"] == 0 and 0 < meta["registers"] <= 255, meta
    assert [p.removesuffix("_handle") for p in meta["params"]] == [
        "Q", "K8", "K16", "KU", "Indices", "TopkLen", "X8", "X16", "XU", "XIndices", "XTopkLen", "AttnSink", "Out",
        "Lse", "PO", "PLse", "num_splits", "sm_scale"]
    assert meta["function"] == "sparse_mla_decode_model1"
    for key in ("registers", "shared_bytes", "spill_bytes"):
        record_property(key, meta[key])


def test_model1_problem_mapping_and_wrapper_views():
    """problem_from_op maps V4 decode problems to the model1 layout; the wrapper's block views
    (whole page blocks, compile-time stride), stand-ins without an extra cache, and its refusals."""
    from dsagen.runtime.tilelang import sparse_mla_decode_model1

    mod = _template()
    base = {"h_q": 8, "d_qk": 512, "d_v": 512, "topk": 128, "batch": 4, "s_q": 1, "kv_format": "fp8",
            "page_block_size": 256, "extra_topk": 512, "extra_page_block_size": 64}
    assert mod.problem_from_op(base) == {"h_q": 8, "d_qk": 512, "d_v": 512, "kv_format": "fp8", "layout": "model1",
                                         "page_block_size": 256, "extra_page_block_size": 64}
    assert mod.problem_from_op(dict(base, extra_topk=0, extra_page_block_size=0))["extra_page_block_size"] == 0
    assert mod.problem_from_op(dict(base, kv_format="bf16")) is None
    with pytest.raises(ValueError, match="page_block_size"):
        mod.build({"h_q": 64, "d_qk": 512, "d_v": 512, "layout": "model1"}, {})

    class K(_FakeKernel):
        def __init__(self, prob):
            super().__init__(prob["h_q"], "main")
            self.meta["problem"] = dict(prob, part="main")

    b, s_q, h_q = 2, 1, 8
    q = torch.zeros(b, s_q, h_q, 512, dtype=torch.bfloat16)
    cache = fp8_layout.model1_cache_empty(3, 16, fill=0)
    xcache = fp8_layout.model1_cache_empty(5, 4, fill=0)
    idx = torch.zeros(b, s_q, 40, dtype=torch.int32)
    xidx = torch.zeros(b, s_q, 24, dtype=torch.int32)
    two = K({"h_q": h_q, "layout": "model1", "page_block_size": 16, "extra_page_block_size": 4})
    sparse_mla_decode_model1(two, q, cache, idx, 0.05, extra_k_cache=xcache, extra_indices=xidx)
    (args,) = two.calls
    k8, k16, ku = args[1:4]
    sb = fp8_layout.model1_block_bytes(16)
    assert k8.dtype == torch.float8_e4m3fn and k8.shape == (3, sb) and k16.shape == (3, sb // 2) and ku.shape == (3, sb)
    assert k8.data_ptr() == cache.data_ptr() and args[6].shape == (5, fp8_layout.model1_block_bytes(4))
    assert args[5].tolist() == [40, 40] and args[10].tolist() == [24, 24]   # lengths default to all
    assert torch.isneginf(args[11]).all() and args[16:] == (1, 0.05)
    one = K({"h_q": h_q, "layout": "model1", "page_block_size": 16, "extra_page_block_size": 0})
    sparse_mla_decode_model1(one, q, cache, idx, 0.05)
    assert one.calls[0][10].tolist() == [0, 0] and one.calls[0][9].shape == (b, s_q, 1)
    with pytest.raises(ValueError, match="extra cache"):
        sparse_mla_decode_model1(one, q, cache, idx, 0.05, extra_k_cache=xcache, extra_indices=xidx)
    with pytest.raises(ValueError, match="k_cache"):
        sparse_mla_decode_model1(one, q, fp8_layout.model1_cache_empty(3, 32), idx, 0.05)   # another page
    with pytest.raises(ValueError, match="blocks of"):
        padded = torch.zeros(3, sb + 576, dtype=torch.uint8)[:, : 16 * 584].view(3, 16, 1, 584)
        sparse_mla_decode_model1(one, q, padded, idx, 0.05)


class _FakeKernel:
    """Stands in for a TLKernel: records the call instead of launching."""

    def __init__(self, h_q, part):
        self.meta = {"problem": {"h_q": h_q, "part": part}, "schedule": {"block_I": 64}}
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)


def test_wrapper_checks_and_views():
    """The typed wrapper's argument checks, cache views and split bookkeeping (CPU tensors, no launch)."""
    from dsagen.runtime.tilelang import sparse_mla_decode

    b, s_q, h_q, topk, nb, page = 2, 2, 64, 300, 3, 64
    q = torch.zeros(b, s_q, h_q, D_QK, dtype=torch.bfloat16)
    cache = torch.zeros(nb, page, 1, 656, dtype=torch.uint8)
    idx = torch.zeros(b, s_q, topk, dtype=torch.int32)
    main, comb = _FakeKernel(h_q, "main"), _FakeKernel(h_q, "combine")
    out, lse = sparse_mla_decode(main, q, cache, idx, SCALE, combine=comb, num_splits=3)
    assert out.shape == (b, s_q, h_q, D_V) and out.dtype == torch.bfloat16 and lse.shape == (b, h_q, s_q)
    (args,) = main.calls
    klat, kscale, krope = args[1:4]
    assert klat.dtype == torch.float8_e4m3fn and klat.shape == (nb * page, 656)
    assert kscale.dtype == torch.float32 and kscale.shape == (nb * page, 164)
    assert krope.dtype == torch.bfloat16 and krope.shape == (nb * page, 328)
    assert klat.data_ptr() == kscale.data_ptr() == krope.data_ptr() == cache.data_ptr()
    # none given: every index counts (topk_length = topk) and no sink (-inf)
    assert args[5].tolist() == [topk] * b and args[5].dtype == torch.int32
    assert args[6].shape == (h_q,) and torch.isneginf(args[6]).all()
    assert args[9].shape == (b * s_q * 3, h_q, D_V) and args[10].shape == (b * s_q * 3, h_q)
    assert args[11:] == (3, SCALE)
    assert len(comb.calls) == 1 and comb.calls[0][5] == 3 and comb.calls[0][2] is args[6]  # same sinks
    main.calls.clear()
    sparse_mla_decode(main, q, cache, idx, SCALE)  # no combine: one split, tiny partial dummies
    assert main.calls[0][11] == 1 and main.calls[0][9].shape == (1, h_q, D_V)
    with pytest.raises(ValueError, match="topk_length"):
        sparse_mla_decode(main, q, cache, idx, SCALE, topk_length=torch.ones(b + 1, dtype=torch.int32))
    with pytest.raises(ValueError, match="attn_sink"):
        sparse_mla_decode(main, q, cache, idx, SCALE, attn_sink=torch.zeros(h_q + 1))
    with pytest.raises(ValueError, match="h_q"):
        sparse_mla_decode(_FakeKernel(128, "main"), q, cache, idx, SCALE)
    with pytest.raises(ValueError, match="k_cache"):
        sparse_mla_decode(main, q, cache[:, :, :, :576], idx, SCALE)
    with pytest.raises(ValueError, match="k_cache"):
        sparse_mla_decode(main, q, cache[::2], idx, SCALE)  # not contiguous
    with pytest.raises(ValueError, match="indices"):
        sparse_mla_decode(main, q, cache, idx.long(), SCALE)
    with pytest.raises(ValueError, match="num_splits"):
        sparse_mla_decode(main, q, cache, idx, SCALE, num_splits=2)  # splits without the combine kernel
    with pytest.raises(ValueError, match="kernel"):
        sparse_mla_decode(comb, q, cache, idx, SCALE)


# ---- GPU runs (Hopper only) ------------------------------------------------------------------

def _make(b, s_q, h_q, topk, *, nb=3, page=64, seed=0, extras=True, scale_format="ue8m0"):
    """Random q and 656-byte cache; slots no valid index selects are 0xFF (NaN) bytes."""
    g = torch.Generator().manual_seed(seed)
    slots = nb * page
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    kv = torch.randn(nb, page, 1, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, slots, (b, s_q, topk), generator=g, dtype=torch.int32)
    if extras and topk >= 8:
        idx[..., 1] = -1
        idx[..., 3] = slots + 7
        idx[..., 5] = 2**31 - 1
        idx[..., 6] = idx[..., 0]
        idx[..., 7] = idx[..., 0]
    sel = idx[(idx >= 0) & (idx < slots)].long()
    used = torch.zeros(slots, dtype=torch.bool)
    used[sel] = True
    cache = fp8_layout.pack_mla_fp8_cache(kv, scale_format=scale_format)
    cache = torch.where(used.view(nb, page, 1, 1), cache, torch.full_like(cache, 0xFF))
    return q, cache, idx


def _run(builds, q, cache, idx, splits, sm_scale=SCALE, topk_length=None, attn_sink=None):
    from dsagen.runtime.tilelang import load_kernel, sparse_mla_decode

    h_q = q.shape[2]
    main = load_kernel(Path(builds(h_q, "main")["lib_path"]).parent)
    comb = load_kernel(Path(builds(h_q, "combine")["lib_path"]).parent)
    b, s_q = q.shape[:2]
    out = torch.full((b, s_q, h_q, D_V), float("nan"), dtype=torch.bfloat16, device="cuda")
    lse = torch.full((b, h_q, s_q), float("nan"), dtype=torch.float32, device="cuda")
    ret = sparse_mla_decode(main, q.cuda(), cache.cuda(), idx.cuda(), sm_scale, out=out, lse=lse,
                            combine=comb, num_splits=splits,
                            topk_length=None if topk_length is None else topk_length.cuda(),
                            attn_sink=None if attn_sink is None else attn_sink.cuda())
    assert ret[0] is out and ret[1] is lse
    torch.cuda.synchronize()
    return out.cpu(), lse.cpu()


def _check(out, lse, ref_out, ref_lse):
    assert not torch.isnan(out).any(), "NaN left in out (unwritten or a stray read)"
    assert not torch.isnan(lse).any(), "NaN left in lse"
    tolerances.assert_peer_close(out, ref_out.to(out.dtype), tolerances.MLA_DECODE_OUT, "out")
    tolerances.assert_peer_close(lse, ref_lse, tolerances.MLA_DECODE_LSE, "lse")


GPU_CASES = [
    # (batch, s_q, h_q, topk, num_splits)
    (1, 1, 64, 100, 1),
    (3, 2, 64, 96, 3),
    (1, 3, 64, 64, 1),
    (3, 1, 128, 80, 2),
    (2, 2, 128, 2048, None),
    (2, 2, 16, 70, 2),   # h_q 16: padded to one 64-head block, masked heads
    (1, 2, 24, 64, 1),   # h_q not a power of two
]


@needs_hopper
@pytest.mark.parametrize("b,s_q,h_q,topk,splits", GPU_CASES,
                         ids=[f"b{c[0]}_sq{c[1]}_h{c[2]}_topk{c[3]}_split{c[4] or 'auto'}" for c in GPU_CASES])
def test_gpu_matches_oracle(builds, b, s_q, h_q, topk, splits):
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    q, cache, idx = _make(b, s_q, h_q, topk, nb=max(3, -(-2 * topk // 64)), seed=h_q * 7 + topk)
    out, lse = _run(builds, q, cache, idx, splits)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE)
    _check(out, lse, ref_out, ref_lse)


@needs_hopper
@pytest.mark.parametrize("splits", [1, 3])
def test_gpu_topk_length_and_attn_sink(builds, splits):
    """FlashMLA's topk_length [b] (0, inside the first tile, past topk) and attn_sink [h_q] of both
    signs, through the main kernel alone (1 split) and the combine (3 splits)."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    b, s_q, h_q, topk = 3, 2, 128, 256
    q, cache, idx = _make(b, s_q, h_q, topk, nb=8, seed=23)
    topk_len = torch.tensor([0, 5, topk + 9], dtype=torch.int32)
    sink = torch.linspace(-4.0, 4.0, h_q)
    out, lse = _run(builds, q, cache, idx, splits, topk_length=topk_len, attn_sink=sink)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE, attn_sink=sink, topk_length=topk_len)
    assert (out[0] == 0).all() and torch.isposinf(lse[0]).all()   # topk_length 0: no valid index
    _check(out, lse, ref_out, ref_lse)


@needs_hopper
@pytest.mark.parametrize("splits", [1, 3])
def test_gpu_query_without_valid_index(builds, splits):
    """All-invalid queries get out = 0 and lse = +inf; their neighbours are intact."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    b, s_q, h_q, topk = 2, 2, 64, 192
    q, cache, idx = _make(b, s_q, h_q, topk, seed=3)
    idx[0, 1] = -1
    idx[1, 0, : topk // 2] = -1
    idx[1, 0, topk // 2:] = 10**6
    idx[0, 0, 64:] = -1  # with 3 splits: two splits of this query see no valid slot
    out, lse = _run(builds, q, cache, idx, splits)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE)
    assert torch.isinf(lse[0, :, 1]).all() and (lse[0, :, 1] > 0).all()
    assert (out[0, 1] == 0).all() and (out[1, 0] == 0).all()
    _check(out, lse, ref_out, ref_lse)


@needs_hopper
def test_gpu_fp8_dequantisation_is_exact(builds):
    """One index per query: out is the selected row's dequantised latent exactly (ue8m0 scales make
    e4m3 * scale exact in bf16) and lse is its logit (checks the RoPE part and the scale columns)."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    g = torch.Generator().manual_seed(17)
    nb, page, b, s_q, h_q = 2, 64, 2, 2, 64
    finite = torch.tensor([v for v in range(256) if v & 0x7F != 0x7F], dtype=torch.uint8)
    lat = finite[torch.randint(0, finite.numel(), (nb * page, 512), generator=g)]
    lat[:, : finite.numel()] = finite
    scales = torch.exp2(torch.randint(-12, 4, (nb * page, 4), generator=g).float())
    rope = torch.randn(nb * page, 64, generator=g).to(torch.bfloat16)
    cache = torch.cat([lat, scales.view(torch.uint8).view(nb * page, 16),
                       rope.view(torch.uint8).view(nb * page, 128)], 1).view(nb, page, 1, 656)
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, nb * page, (b, s_q, 1), generator=g, dtype=torch.int32)
    out, lse = _run(builds, q, cache, idx, 1)
    deq = fp8_layout.unpack_mla_fp8_cache(cache).view(nb * page, D_QK)[idx.view(b, s_q).long()]
    expect = deq[..., :D_V].to(torch.bfloat16)[:, :, None, :].expand(b, s_q, h_q, D_V)
    t = tolerances.FP8_LAYOUT
    torch.testing.assert_close(out, expect, atol=t.atol, rtol=t.rtol)
    _, ref_lse = oracle(q, cache, idx, SCALE)
    tolerances.assert_peer_close(lse, ref_lse, tolerances.MLA_DECODE_LSE, "lse")


@needs_hopper
def test_gpu_fp32_scales(builds):
    """pack_mla_fp8_cache with plain fp32 (not power-of-two) scales: the kernel dequantises to bf16 (as
    FlashMLA does), so the reference is the oracle over the bf16-rounded dequantised cache."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle

    q, cache, idx = _make(2, 2, 64, 128, seed=19, scale_format="fp32")
    out, lse = _run(builds, q, cache, idx, 2)
    kv_bf16 = fp8_layout.unpack_mla_fp8_cache(cache).to(torch.bfloat16)  # NaN in unselected slots: masked
    ref_out, ref_lse = oracle(q, kv_bf16, idx, SCALE)
    _check(out, lse, ref_out, ref_lse)


@needs_hopper
@pytest.mark.parametrize("splits", [1, 3])
def test_gpu_model1_two_caches_match_oracle(tmp_path, splits):
    """DeepSeek-V4 decode on the GPU: MODEL1 window cache (page 256) + compressed cache (page 64), h_q 64,
    topk_length / extra_topk_length (0 and partial), a sink, -1 / out-of-range slots, NaN bytes in
    every slot nothing selects, against the float32 oracle."""
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle
    from dsagen.runtime.tilelang import load_kernel, sparse_mla_decode_model1
    from tests.fixtures.tilelang_builds import M1_DECODE, build

    main = load_kernel(Path(build(OP, dict(M1_DECODE, part="main"), tmp_path / "m")["lib_path"]).parent)
    comb = load_kernel(Path(build(OP, {"h_q": 64, "part": "combine"}, tmp_path / "c")["lib_path"]).parent)
    g = torch.Generator().manual_seed(41)
    b, s_q, h_q, topk, xtopk = 3, 2, 64, 128, 200
    caches, idxs = [], []
    for nb, page, k in ((3, 256, topk), (8, 64, xtopk)):
        kv = torch.randn(nb, page, 1, 512, generator=g).bfloat16()
        idx = torch.randint(0, nb * page, (b, s_q, k), generator=g, dtype=torch.int32)
        idx[..., 1], idx[..., 3] = -1, nb * page + 5
        used = torch.zeros(nb * page, dtype=torch.bool)
        used[idx[(idx >= 0) & (idx < nb * page)].long()] = True
        cache = fp8_layout.pack_model1_cache(kv)
        blocks = fp8_layout.model1_block_view(cache)
        data = blocks[:, : page * 576].view(nb, page, 576)
        data[~used.view(nb, page)] = 0xFF               # NaN bytes in every unselected slot
        caches.append(cache)
        idxs.append(idx)
    q = torch.randn(b, s_q, h_q, 512, generator=g).bfloat16()
    tlen = torch.tensor([topk, 50, 0], dtype=torch.int32)
    xlen = torch.tensor([0, xtopk, 77], dtype=torch.int32)
    sink = torch.randn(h_q, generator=g)
    out = torch.full((b, s_q, h_q, 512), float("nan"), dtype=torch.bfloat16, device="cuda")
    lse = torch.full((b, h_q, s_q), float("nan"), device="cuda")
    sparse_mla_decode_model1(main, q.cuda(), caches[0].cuda(), idxs[0].cuda(), 512 ** -0.5, out=out, lse=lse,
                             combine=comb, num_splits=splits, topk_length=tlen.cuda(), attn_sink=sink.cuda(),
                             extra_k_cache=caches[1].cuda(), extra_indices=idxs[1].cuda(),
                             extra_topk_length=xlen.cuda())
    torch.cuda.synchronize()
    ref_out, ref_lse = oracle(q, caches[0], idxs[0], 512 ** -0.5, 512, sink, tlen, caches[1], idxs[1], xlen)
    _check(out.cpu(), lse.cpu(), ref_out, ref_lse)
