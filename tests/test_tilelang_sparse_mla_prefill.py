"""TileLang sm_90a sparse MLA prefill (templates/tilelang/sparse_mla_prefill.py): build pipeline
(no GPU needed), the typed wrapper in dsagen.runtime.tilelang, and GPU runs against the float32 oracle
(dsagen.oracle.sparse_mla.sparse_mla_prefill; CUDA Hopper only)."""
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen.runtime import paths
from dsagen.gen.tilelang_build import nvcc_path  # imports neither tilelang nor tvm

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
needs_hopper = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="runs the sm_90a kernel: needs a CUDA (Hopper) GPU")
OP = "sparse_mla_prefill"
HEADS = [64, 128]          # compiled here (the FlashMLA head counts)
SMEM_LIMIT = 227 * 1024    # sm_90 per-block opt-in maximum
NAN = float("nan")


def _template():
    spec = importlib.util.spec_from_file_location("tl_sparse_mla_prefill_t", paths.template_path("tilelang", OP))
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
        mod.build({"h_q": 96, "d_qk": 576}, {})
    with pytest.raises(ValueError, match="d_qk"):
        mod.build({"h_q": 64, "d_qk": 600}, {})
    with pytest.raises(ValueError, match="arch"):
        mod.build({"h_q": 64, "d_qk": 576}, {}, arch="sm_80")
    with pytest.raises(ValueError, match="block_I"):
        mod.build({"h_q": 64, "d_qk": 576}, {"block_I": 32})
    assert mod.dynamic_smem_bytes({"d_qk": 576}) == 229376
    (k,) = mod.aot_kernels({"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048}, None)
    assert k["backend"] == "tilelang" and "arch" not in k and k["schedule"] == mod.SCHEDULE
    with pytest.raises(ValueError, match="sm_100a: no TileLang sparse_mla_prefill kernel for Blackwell"):
        mod.build({"h_q": 64, "d_qk": 576}, {}, arch="sm_100a")


@pytest.fixture(scope="module")
def builds(tmp_path_factory, tilelang_prebuilt):
    """Per (h_q, d_qk), on first use: built here with tilelang + nvcc, else (a GPU host without
    them) the committed kernel for the same problem, else a skip."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_sparse_mla_prefill"), OP,
                  cases_fn=lambda key: ({"h_q": key[0], "d_qk": key[1], "d_v": 512, "topk": 2048}, None))


@needs_toolchain
@pytest.mark.parametrize("h", HEADS, ids=[f"h{h}_d576_sm90a" for h in HEADS])
def test_compile_sm90a(builds, h, record_property):
    meta = builds[(h, 576)]
    out_dir = Path(meta["lib_path"]).parent
    src = (out_dir / "kernel.cu").read_text()
    ptx = (out_dir / "kernel.ptx").read_text()
    # Hopper tensor cores: QK^T m64n64k16 and PV m64n256k16 bf16 wgmma, no mma.sync fallback
    assert meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0
    assert meta["gmma_in_sass"] == meta["wgmma_in_ptx"], meta["gmma_shapes"]  # none dead
    assert "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16" in ptx
    assert "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16" in ptx
    # warp specialisation: register reallocation, cp.async zero-fill gather tracked by mbarriers
    assert "setmaxnreg.inc.sync.aligned.u32 248" in ptx and "setmaxnreg.dec.sync.aligned.u32 80" in ptx
    assert "cp_async_gs_conditional<16>" in src and "cp.async.cg.shared.global" in ptx
    assert "cp.async.mbarrier.arrive.noinc" in ptx
    assert meta["spill_bytes"] == 0
    assert meta["registers"] is not None and 0 < meta["registers"] <= 168  # 65536 / 384 threads
    # dynamic shared memory: the template's formula bounds every buffer offset in kernel.cu
    dyn = _template().dynamic_smem_bytes({"d_qk": 576})
    offsets = [int(o) for o in re.findall(r"buf_dyn_shmem \+ (\d+)\)", src)]
    assert offsets and max(offsets) < dyn
    assert dyn + meta["static_smem_bytes"] <= SMEM_LIMIT
    assert Path(meta["lib_path"]).stat().st_size > 0
    assert json.loads((out_dir / "meta.json").read_text())["source_sha256"] == meta["source_sha256"]
    assert [p.removesuffix("_handle") for p in meta["params"]] == [
        "Q", "KV", "Indices", "TopkLen", "AttnSink", "Out", "MaxLogits", "Lse", "sm_scale"]
    for key in ("registers", "spill_bytes", "static_smem_bytes"):
        record_property(key, meta[key])
    record_property("dynamic_smem_bytes", dyn)


@needs_toolchain
def test_load_without_tilelang(builds):
    out_dir = Path(builds[(64, 576)]["lib_path"]).parent
    code = ("import sys; from dsagen.runtime.tilelang import load_kernel;"
            f"k = load_kernel({str(out_dir)!r});"
            "bad = [m for m in sys.modules if m == 'tilelang' or m.startswith(('tilelang.', 'tvm.')) or m == 'tvm'];"
            "assert not bad, bad; assert callable(k.func); print('ok', k.meta['problem'])")
    env = dict(os.environ, PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ok" in r.stdout


class _FakeKernel:
    """Stands in for a TLKernel: records what the wrapper passes (CPU test of the wrapper only)."""

    def __init__(self, h_q, d_qk):
        self.meta = {"problem": {"h_q": h_q, "d_qk": d_qk}}
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        q, kv, idx, topk_len, sink, out, ml, lse, scale = args
        out.fill_(1.0)
        ml.fill_(2.0)
        lse.fill_(3.0)


def test_wrapper_passes_kernel_layout_and_checks():
    from dsagen.runtime.tilelang import sparse_mla_prefill

    k = _FakeKernel(16, 576)
    q = torch.zeros(3, 16, 576, dtype=torch.bfloat16)
    kv = torch.zeros(50, 1, 576, dtype=torch.bfloat16)
    idx = torch.zeros(3, 1, 64, dtype=torch.int32)
    lse_base = torch.full((16, 3), NAN)
    out, ml, lse = sparse_mla_prefill(k, q, kv, idx, None, lse=lse_base.t())
    (args,) = k.calls
    assert args[1].shape == (50, 576) and args[2].shape == (3, 64) and args[8] == pytest.approx(576 ** -0.5)
    assert all(a.is_contiguous() for a in args[:8])
    # none given: every position counts and the sink is -inf (scale factor 1)
    assert args[3].tolist() == [64, 64, 64] and args[3].dtype == torch.int32
    assert args[4].shape == (16,) and torch.isneginf(args[4]).all()
    assert out.shape == (3, 16, 512) and (out == 1).all() and (ml == 2).all()
    assert lse.data_ptr() == lse_base.data_ptr() and (lse_base == 3).all()  # strided output filled via a temporary
    with pytest.raises(ValueError, match="q"):
        sparse_mla_prefill(_FakeKernel(64, 576), q, kv, idx)
    with pytest.raises(ValueError, match="kv"):
        sparse_mla_prefill(k, q, kv[:, :, :512], idx)
    with pytest.raises(ValueError, match="indices"):
        sparse_mla_prefill(k, q, kv, idx.long())
    with pytest.raises(ValueError, match="out"):
        sparse_mla_prefill(k, q, kv, idx, out=torch.empty(3, 16, 576, dtype=torch.bfloat16))


# ---- GPU correctness (Hopper only) --------------------------------------------------------------

def _case(h_q, d_qk, s_q, s_kv, topk, seed, edge):
    from dsagen.operators.sparse_mla_prefill.problem import random_instance

    q, kv, idx = random_instance(h_q, d_qk, topk, s_q, s_kv, seed=seed)  # unselected kv rows are NaN
    if edge:
        idx[0, 0, ::3] = -1                  # invalid: negative
        idx[0, 0, 1::5] = s_kv               # invalid: just past the end
        idx[0, 0, 7] = -(2**31)
        idx[1, 0, :] = -1                    # no valid index at all
        idx[1, 0, 5] = s_kv + 1000
        idx[2, 0, :] = idx[2, 0, 0]          # one row repeated topk times
    return q, kv, idx


GPU_CASES = [  # (h_q, d_qk, s_q, s_kv, topk, sm_scale, edge cases, topk_length / attn_sink)
    (64, 576, 4, 300, 128, None, True, False),
    (128, 576, 3, 1000, 256, None, True, True),
    (64, 576, 2, 5000, 2048, 0.07, False, False),
    (16, 576, 3, 200, 192, None, True, True),   # heads padded to 64; topk not a multiple of 2 * block_I
    (64, 512, 3, 100, 64, None, True, False),   # no RoPE tail
    (128, 576, 4, 8192, 2048, None, False, True),
]


@needs_hopper
@pytest.mark.parametrize("h_q,d_qk,s_q,s_kv,topk,sm_scale,edge,extras", GPU_CASES,
                         ids=[f"h{c[0]}_d{c[1]}_sq{c[2]}_skv{c[3]}_topk{c[4]}" + ("_len_sink" if c[7] else "")
                              for c in GPU_CASES])
def test_gpu_matches_oracle(builds, h_q, d_qk, s_q, s_kv, topk, sm_scale, edge, extras):
    if torch.cuda.get_device_capability() < (9, 0):
        pytest.skip("sm_90a kernel needs compute capability 9.0")
    from dsagen.operators.sparse_mla_prefill.problem import compare
    from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as oracle
    from dsagen.runtime.tilelang import load_kernel, sparse_mla_prefill

    q, kv, idx = _case(h_q, d_qk, s_q, s_kv, topk, seed=h_q + topk, edge=edge)
    scale = d_qk ** -0.5 if sm_scale is None else sm_scale
    kern = load_kernel(Path(builds[(h_q, d_qk)]["lib_path"]).parent)
    dev = "cuda"
    out = torch.full((s_q, h_q, 512), NAN, dtype=torch.bfloat16, device=dev)
    ml = torch.full((s_q, h_q), NAN, device=dev)
    lse = torch.full((s_q, h_q), NAN, device=dev)
    topk_len = sink = None
    if extras:  # a length of 0, one inside the first tile, one past topk; sinks of both signs
        topk_len = torch.tensor([(0, 5, topk + 7, topk // 2)[i % 4] for i in range(s_q)], dtype=torch.int32)
        sink = torch.linspace(-3.0, 3.0, h_q)
    res = sparse_mla_prefill(kern, q.to(dev), kv.to(dev), idx.to(dev), sm_scale, out=out, max_logits=ml, lse=lse,
                             topk_length=None if topk_len is None else topk_len.to(dev),
                             attn_sink=None if sink is None else sink.to(dev))
    torch.cuda.synchronize()
    assert res[0] is out and res[1] is ml and res[2] is lse
    assert not out.isnan().any() and not ml.isnan().any() and not lse.isnan().any()
    ref = oracle(q, kv, idx, scale, 512, attn_sink=sink, topk_length=topk_len)
    err, ok = compare(out, ml, lse, *ref)
    assert ok, f"max error {err}"
    if edge and not extras:
        assert torch.equal(out[1].float().cpu(), torch.zeros(h_q, 512))
        assert torch.isposinf(lse[1]).all() and torch.isneginf(ml[1]).all()
