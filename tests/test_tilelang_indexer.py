"""TileLang sm_90a indexer-logits kernel: build pipeline (no GPU needed) and GPU run (CUDA only)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen import tolerances
from dsagen.runtime import paths

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
from dsagen.gen.tilelang_build import nvcc_path  # noqa: E402  (imports neither tilelang nor tvm)

needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
HEADS = [32, 64]


def _template():
    path = paths.template_path("tilelang", "indexer_logits")
    spec = importlib.util.spec_from_file_location("tl_indexer_logits_t", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_template_imports_without_tilelang_and_checks_args():
    code = (f"import importlib.util,sys; s=importlib.util.spec_from_file_location('t', {str(paths.template_path('tilelang', 'indexer_logits'))!r});"
            "m=importlib.util.module_from_spec(s); s.loader.exec_module(m);"
            "assert 'tilelang' not in sys.modules; print(sorted(m.SCHEDULE))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "block_N" in r.stdout
    mod = _template()
    with pytest.raises(ValueError, match="h"):
        mod.build({"h": 24, "d": 128}, {})
    with pytest.raises(ValueError, match="arch"):
        mod.build({"h": 64, "d": 128}, {}, arch="sm_80")
    with pytest.raises(ValueError, match="block_N"):
        mod.build({"h": 64, "d": 128}, {"block_N": 96})


@pytest.fixture(scope="module")
def built(tmp_path_factory, tilelang_prebuilt):
    """Built here with tilelang + nvcc; on a GPU host without them, the committed kernel (h 64)."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_indexer"), "indexer_logits",
                  {h: ({"h": h, "d": 128}, None) for h in HEADS})


@needs_toolchain
@pytest.mark.parametrize("h", HEADS, ids=[f"h{h}_d128_sm90a" for h in HEADS])
def test_compile_sm90a(built, h, record_property):
    meta = built[h]
    out_dir = Path(meta["lib_path"]).parent
    src = (out_dir / "kernel.cu").read_text()
    assert "wgmma" in src, "TileLang fell back from wgmma (operands not K-major?)"
    assert meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0
    # FP8 wgmma survives into the SASS (QGMMA); with a dead accumulator ptxas deletes it all
    assert meta["gmma_in_sass"] == meta["wgmma_in_ptx"], meta["gmma_shapes"]
    assert all(k.startswith("QGMMA.") and k.endswith(".E4M3.E4M3") for k in meta["gmma_shapes"])
    assert meta["spill_bytes"] == 0
    assert meta["registers"] is not None and 0 < meta["registers"] <= 255
    assert 0 < meta["shared_bytes"] <= 227 * 1024
    assert Path(meta["lib_path"]).stat().st_size > 0
    assert json.loads((out_dir / "meta.json").read_text())["source_sha256"] == meta["source_sha256"]
    assert meta["tilelang_version"] and meta["nvcc_version"]
    for key in ("registers", "shared_bytes", "spill_bytes"):
        record_property(key, meta[key])


@needs_toolchain
def test_load_without_tilelang(built):
    """A fresh process loads the exported .so through tvm_ffi + libtvm_runtime, never importing tilelang."""
    out_dir = Path(built[64]["lib_path"]).parent
    code = ("import sys; from dsagen.runtime.tilelang import load_kernel;"
            f"k = load_kernel({str(out_dir)!r});"
            "bad = [m for m in sys.modules if m == 'tilelang' or m.startswith(('tilelang.', 'tvm.')) or m == 'tvm'];"
            "assert not bad, bad; assert callable(k.func); print('ok', k.meta['problem'])")
    env = dict(os.environ, PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ok" in r.stdout


def test_load_module_does_not_import_tilelang():
    code = "import sys, dsagen.runtime.tilelang, dsagen.gen.tilelang_build; assert 'tilelang' not in sys.modules; assert 'tvm_ffi' not in sys.modules"
    env = dict(os.environ, PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


def _ragged(s, s_kv, gen):
    ks = torch.randint(0, s_kv // 2, (s,), generator=gen)
    ke = torch.minimum(ks + torch.randint(1, s_kv, (s,), generator=gen), torch.tensor(s_kv))
    ks[0], ke[0] = 0, s_kv           # full row
    ks[-1], ke[-1] = s_kv - 1, s_kv  # single key, last column
    ks[1], ke[1] = 5, 5              # empty row: all -inf
    return ks.int(), ke.int()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="runs the sm_90a kernel: needs a CUDA (Hopper) GPU")
@pytest.mark.parametrize("h,s,s_kv", [(32, 33, 300), (64, 129, 1000)], ids=["h32_d128_sq33_skv300", "h64_d128_sq129_skv1000"])
def test_gpu_matches_oracle(built, h, s, s_kv):
    if torch.cuda.get_device_capability() < (9, 0):
        pytest.skip("sm_90a kernel needs compute capability 9.0")
    from dsagen.oracle.dsa import indexer_scores
    from dsagen.runtime.tilelang import indexer_logits, load_kernel

    gen = torch.Generator().manual_seed(h * 1000 + s)
    d = 128
    q = (torch.randn(s, h, d, generator=gen) * 2).to(torch.float8_e4m3fn)
    k = (torch.randn(s_kv, d, generator=gen) * 2).to(torch.float8_e4m3fn)
    k_scale = torch.rand(s_kv, generator=gen) + 0.5
    w = torch.randn(s, h, generator=gen)
    ks, ke = _ragged(s, s_kv, gen)
    ref = indexer_scores(q.float(), k.float(), w) * k_scale.double()[None, :]
    cols = torch.arange(s_kv)[None, :]
    inside = (cols >= ks[:, None].long()) & (cols < ke[:, None].long())
    ref = ref.masked_fill(~inside, float("-inf"))

    kern = load_kernel(Path(built[h]["lib_path"]).parent)
    dev = "cuda"
    out = torch.full((s, s_kv), float("nan"), device=dev)
    indexer_logits(kern, q.to(dev), k.to(dev), k_scale.to(dev), w.to(dev), ks.to(dev), ke.to(dev), out=out)
    torch.cuda.synchronize()
    got = out.cpu().double()
    assert not got.isnan().any()
    assert torch.equal(torch.isinf(got), ~inside) and (got[~inside] < 0).all()
    tol = tolerances.INDEXER_LOGITS
    torch.testing.assert_close(got[inside], ref[inside], atol=tol.atol, rtol=tol.rtol)
