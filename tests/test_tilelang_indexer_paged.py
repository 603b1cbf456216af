"""TileLang sm_90a paged indexer-logits kernel (DeepGEMM's packed FP8 cache): template checks,
build (no GPU needed), the cache views and dispatch adapter (stand-in kernel, CPU), and the
GPU run against the oracle (Hopper only)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen.operators import get_op
from dsagen.operators.indexer_logits_paged import problem as paged
from dsagen.operators.indexer_logits_paged.naive import indexer_logits_paged as oracle
from dsagen.runtime import dispatch, paths
from dsagen.gen.tilelang_build import nvcc_path
from dsagen.runtime.tilelang import indexer_cache_views

OP = "indexer_logits_paged"
HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
needs_hopper = pytest.mark.skipif(
    not torch.cuda.is_available() or torch.cuda.get_device_capability() != (9, 0),
    reason="runs the sm_90a kernel: needs a CUDA Hopper GPU (compute capability 9.0)",
)


def _template():
    spec = importlib.util.spec_from_file_location("tl_paged_t", paths.template_path("tilelang", OP))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_template_imports_without_tilelang_and_checks_args():
    code = (f"import importlib.util,sys; s=importlib.util.spec_from_file_location('t', {str(paths.template_path('tilelang', OP))!r});"
            "m=importlib.util.module_from_spec(s); s.loader.exec_module(m); assert 'tilelang' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0
    mod = _template()
    assert mod.problem_from_op({"heads": 64, "head_dim": 128, "block_kv": 64, "batch": 32, "next_n": 2,
                                "context_len": 65536}) == {"h": 64, "d": 128, "block_kv": 64}
    with pytest.raises(ValueError, match="h"):
        mod.build({"h": 12, "d": 128, "block_kv": 64})
    with pytest.raises(ValueError, match="block_kv"):
        mod.build({"h": 64, "d": 128, "block_kv": 16})
    with pytest.raises(ValueError, match="block_Q"):
        mod.build({"h": 64, "d": 128, "block_kv": 64}, {"block_Q": 8})   # 512 rows > wgmma N
    with pytest.raises(ValueError, match="arch"):
        mod.build({"h": 64, "d": 128, "block_kv": 64}, {}, arch="sm_80")


@pytest.fixture(scope="module")
def built(tmp_path_factory, tilelang_prebuilt):
    """Built here with tilelang + nvcc; on a GPU host without them, the committed kernel (h 64)."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_paged"), OP, cases_fn=lambda h: ({"h": h, "d": 128, "block_kv": 64}, None))


@needs_toolchain
def test_compile_sm90a(built):
    meta = built(64)
    assert meta["spill_bytes"] == 0 and 0 < meta["registers"] <= 255
    assert meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0
    assert meta["tensor_cores_kept"] is True                 # FP8 wgmma reached the SASS
    assert set(meta["gmma_shapes"]) == {"QGMMA.64x64x32.F32.E4M3.E4M3"}
    assert meta["params"][-1] == "NN"                        # next_n is a scalar argument
    assert 0 < meta["shared_bytes"] <= 227 * 1024


def test_cache_views_hold_the_packed_keys_and_scales():
    from dsagen.oracle import fp8

    k8, ks = fp8.quantize_indexer_keys(torch.randn(3, 64, 128))
    cache = fp8.pack_indexer_cache(k8, ks)
    keys, scales = indexer_cache_views(cache, 128)
    assert keys.shape == (3, 64, 128) and keys.stride() == (64 * 132, 128, 1) and keys.dtype == torch.float8_e4m3fn
    assert scales.shape == (3, 64) and scales.stride() == (64 * 132 // 4, 1)
    assert keys.data_ptr() == cache.data_ptr()               # views, not copies
    assert torch.equal(keys.view(torch.uint8), k8.view(torch.uint8)) and torch.equal(scales, ks.reshape(3, 64))


def _stand_in(q, keys, scales, w, ctx, table, out, nn):
    """What the kernel computes, from exactly the tensors the wrapper passes (the strided views)."""
    b = ctx.shape[0]
    h, d = w.shape[1], q.shape[1]
    bkv = keys.shape[1]
    q4 = q.reshape(b, nn, h, d).float()
    out.fill_(float("-inf"))
    for bi in range(b):
        n = min(int(ctx[bi]), out.shape[1])
        pos = torch.arange(n)
        blocks = table[bi, pos // bkv].long()
        ok = (blocks >= 0) & (blocks < keys.shape[0])   # the kernel loads block 0 instead and masks
        blocks = blocks.clamp(0, keys.shape[0] - 1)
        k = keys[blocks, pos % bkv].float() * scales[blocks, pos % bkv][:, None]
        s = torch.einsum("nhd,pd->nhp", q4[bi], k).relu()
        logit = (s * w[bi * nn:(bi + 1) * nn, :, None]).sum(1)
        vis = (pos[None, :] <= int(ctx[bi]) - nn + torch.arange(nn)[:, None]) & ok[None, :]
        out[bi * nn:(bi + 1) * nn, :n] = torch.where(vis, logit, torch.tensor(float("-inf")))


class Stand:
    def __init__(self, problem):
        self.meta, self.calls = {"problem": problem}, 0

    def __call__(self, *args):
        self.calls += 1
        _stand_in(*args)


def test_adapter_passes_the_operators_verify_and_falls_back():
    k = Stand({"h": 16, "d": 128, "block_kv": 64})
    e = {"name": "paged-tilelang", "tl_problem": {"h": 16, "d": 128, "block_kv": 64}, "schedule": {}}
    calls = []

    class Triton:
        @staticmethod
        def launch(*a, **kw):
            calls.append(kw)

    m = dispatch.TileLangModule(get_op(OP), e, k, fallback=lambda: Triton, device_type="cpu")
    for nn in (1, 3):
        r = paged.verify(m, {"heads": 16, "head_dim": 128, "next_n": nn, "block_kv": 64, "batch": 2,
                                 "context_len": 150}, "cpu")
        assert r["passed"], r
    assert k.calls == 2 and not calls
    q, cache, w, cl, bt, mc = paged.random_paged(2, 2, 16, 128, [100, 70])
    out = torch.empty(4, mc)
    m.launch(q, cache, w, cl, bt, out, max_context_len=mc, clean=False)                    # clean=False
    m.launch(q, cache, w, cl[:, None].expand(2, 2).contiguous(), bt, out, max_context_len=mc)  # 2-D context_lens
    q32, c32, w32, cl32, bt32, mc32 = paged.random_paged(2, 2, 32, 128, [100, 70])
    m.launch(q32, c32, w32, cl32, bt32, torch.empty(4, mc32), max_context_len=mc32)            # other heads
    assert len(calls) == 3 and k.calls == 2


CASES = [  # (heads, next_n, context lens, block_Q schedule default) : DeepSeek-V3.2 decode and MTP
    (64, 1, [1, 64, 65, 1000]),
    (64, 2, [2, 130, 4097]),
    (64, 3, [3, 200]),            # next_n not a multiple of block_Q: the last CTA's second row is masked
    (64, 3, [1, 200]),            # context shorter than next_n: rows 0 and 1 of sequence 0 see nothing
    (64, 4, [4, 64 * 9 + 1]),
    (16, 2, [500, 37]),           # TP8: 16 heads
]


@needs_hopper
@pytest.mark.parametrize("h,nn,ctx", CASES, ids=[f"h{h}_nextn{n}_ctx{min(c)}-{max(c)}" for h, n, c in CASES])
def test_gpu_matches_oracle(built, h, nn, ctx):
    from dsagen.runtime.tilelang import indexer_logits_paged, load_kernel

    kern = load_kernel(Path(built(h)["lib_path"]).parent)
    q, cache, w, cl, bt, mc = paged.random_paged(len(ctx), nn, h, 128, ctx, seed=h + nn)  # NaN in unused slots
    ref = oracle(q, cache, w, cl, bt, mc)
    dev = "cuda"
    out = torch.full((len(ctx) * nn, mc), float("nan"), device=dev)
    indexer_logits_paged(kern, q.to(dev), cache.to(dev), w.to(dev), cl.to(dev), bt.to(dev), mc, out=out)
    torch.cuda.synchronize()
    got = out.cpu().double()
    assert not got.isnan().any()
    fin = torch.isfinite(ref)
    assert torch.equal(torch.isfinite(got), fin), "visibility mask differs from the oracle's"
    from dsagen import tolerances
    tol = tolerances.INDEXER_LOGITS
    assert torch.allclose(got[fin], ref[fin].double(), atol=tol.atol, rtol=tol.rtol)
