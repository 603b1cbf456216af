"""TileLang sm_90a sparse MLA backward (templates/sparse_mla_bwd/tilelang.py): build pipeline (no GPU
needed: ptxas resources and the SASS tensor-core census), the typed wrapper in dsagen.runtime.tilelang,
and GPU runs against the float64 autograd oracle (dsagen/operators/sparse_mla_bwd/naive.py; CUDA
Hopper only)."""
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen.gen.tilelang_build import nvcc_path  # imports neither tilelang nor tvm
from dsagen.runtime import paths

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
needs_hopper = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="runs the sm_90a kernel: needs a CUDA (Hopper) GPU")
OP = "sparse_mla_bwd"
SHAPES = [(128, 576), (64, 512)]   # (h_q, d_qk) compiled here: V3.2's 128 heads, V4's K = V
SMEM_LIMIT = 227 * 1024            # sm_90 per-block opt-in maximum
PARAMS = ["Q", "KV", "Indices", "TopkLen", "AttnSink", "Out", "dO", "Lse", "dQ", "dKV", "Delta", "sm_scale"]


def _template():
    spec = importlib.util.spec_from_file_location("tl_sparse_mla_bwd_t", paths.template_path("tilelang", OP))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_template_imports_without_tilelang_and_checks_args():
    code = (f"import importlib.util,sys; s=importlib.util.spec_from_file_location('t', {str(paths.template_path('tilelang', OP))!r});"
            "m=importlib.util.module_from_spec(s); s.loader.exec_module(m);"
            "assert 'tilelang' not in sys.modules; print(sorted(m.SCHEDULE))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "block_I" in r.stdout and "col_split" in r.stdout
    mod = _template()
    with pytest.raises(ValueError, match="h_q"):
        mod.build({"h_q": 96, "d_qk": 576}, {})
    with pytest.raises(ValueError, match="d_qk"):
        mod.build({"h_q": 64, "d_qk": 600}, {})
    with pytest.raises(ValueError, match="d_v"):
        mod.build({"h_q": 64, "d_qk": 576, "d_v": 256}, {})
    with pytest.raises(ValueError, match="arch"):
        mod.build({"h_q": 64, "d_qk": 576}, {}, arch="sm_80")
    with pytest.raises(ValueError, match="block_I"):
        mod.build({"h_q": 64, "d_qk": 576}, {"block_I": 32})
    with pytest.raises(ValueError, match="col_split"):
        mod.build({"h_q": 64, "d_qk": 576}, {"col_split": 3})
    with pytest.raises(ValueError, match="sm_100a: no TileLang sparse_mla_bwd kernel for Blackwell"):
        mod.build({"h_q": 64, "d_qk": 576}, {}, arch="sm_100a")
    # q + dO + one KV tile + P~ + dS, bf16
    assert mod.dynamic_smem_bytes({"d_qk": 576}) == 2 * (64 * 576 + 64 * 512 + 64 * 576 + 2 * 64 * 64) == 229376
    assert mod.dynamic_smem_bytes({"d_qk": 512}) == 212992
    (k,) = mod.aot_kernels({"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048}, None)
    assert k["backend"] == "tilelang" and "arch" not in k and k["schedule"] == mod.SCHEDULE


@pytest.fixture(scope="module")
def builds(tmp_path_factory, tilelang_prebuilt):
    """Per (h_q, d_qk), on first use: built here with tilelang + nvcc, else (a GPU host without
    them) the committed kernel for the same problem, else a skip."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_sparse_mla_bwd"), OP,
                  cases_fn=lambda key: ({"h_q": key[0], "d_qk": key[1], "d_v": 512, "topk": 2048}, None))


@needs_toolchain
@pytest.mark.parametrize("h,d_qk", SHAPES, ids=[f"h{h}_d{d}_sm90a" for h, d in SHAPES])
def test_compile_sm90a(builds, h, d_qk, record_property):
    meta = builds[(h, d_qk)]
    out_dir = Path(meta["lib_path"]).parent
    src = (out_dir / "kernel.cu").read_text()
    ptx = (out_dir / "kernel.ptx").read_text()
    # Hopper tensor cores only: every gemm a 64 x 64 (x16) bf16 wgmma, none dead, no mma.sync
    assert meta["wgmma_in_ptx"] > 0 and meta["mma_sync_in_ptx"] == 0 and not meta["mma_shapes"]
    assert meta["gmma_in_sass"] == meta["wgmma_in_ptx"], meta["gmma_shapes"]
    assert set(meta["gmma_shapes"]) == {"HGMMA.64x64x16.F32.BF16"}, meta["gmma_shapes"]
    # warp specialisation: register reallocation, cp.async zero-fill gathers tracked by mbarriers,
    # fp32 atomics into dkv
    assert "setmaxnreg.inc.sync.aligned.u32" in ptx and "setmaxnreg.dec.sync.aligned.u32" in ptx
    assert "cp_async_gs_conditional<16>" in src and "cp.async.cg.shared.global" in ptx
    assert "cp.async.mbarrier.arrive.noinc" in ptx
    assert "AtomicAdd" in src and re.search(r"red\.[a-z.]*global[a-z.]*add[a-z0-9.]*f32|atom\.[a-z.]*add[a-z0-9.]*f32", ptx)
    assert meta["registers"] is not None and 0 < meta["registers"] <= 168  # 65536 / 384 threads
    assert meta["spill_bytes"] == 0, meta["spill_bytes"]
    dyn = _template().dynamic_smem_bytes({"d_qk": d_qk})
    offsets = [int(o) for o in re.findall(r"buf_dyn_shmem \+ (\d+)\)", src)]
    assert offsets and max(offsets) < dyn
    assert dyn + meta["static_smem_bytes"] <= SMEM_LIMIT
    assert Path(meta["lib_path"]).stat().st_size > 0
    assert json.loads((out_dir / "meta.json").read_text())["source_sha256"] == meta["source_sha256"]
    assert [p.removesuffix("_handle") for p in meta["params"]] == PARAMS
    for key in ("registers", "spill_bytes", "static_smem_bytes", "gmma_in_sass"):
        record_property(key, meta[key])
    record_property("dynamic_smem_bytes", dyn)


class _FakeKernel:
    """Stands in for a TLKernel: records what the wrapper passes (CPU test of the wrapper only)."""

    def __init__(self, h_q, d_qk):
        self.meta = {"problem": {"h_q": h_q, "d_qk": d_qk}}
        self.calls = []

    def __call__(self, *args):
        self.calls.append(args)
        q, kv, idx, topk_len, sink, out, dout, lse, dq, dkv, delta, scale = args
        dq.fill_(1.0)
        dkv.add_(2.0)
        delta.fill_(3.0)


def test_wrapper_passes_kernel_layout_and_checks():
    from dsagen.runtime.tilelang import sparse_mla_bwd

    k = _FakeKernel(16, 576)
    q = torch.zeros(3, 16, 576, dtype=torch.bfloat16)
    kv = torch.zeros(50, 1, 576, dtype=torch.bfloat16)
    idx = torch.zeros(3, 1, 64, dtype=torch.int32)
    out = torch.zeros(3, 16, 512, dtype=torch.bfloat16)
    dout = torch.zeros(3, 16, 512, dtype=torch.bfloat16)
    lse = torch.zeros(3, 16)
    delta_base = torch.full((16, 3), float("nan"))
    dq, dkv, delta, dsink = sparse_mla_bwd(k, q, kv, idx, out, dout, lse, delta=delta_base.t())
    (args,) = k.calls
    assert args[1].shape == (50, 576) and args[2].shape == (3, 64) and args[11] == pytest.approx(576 ** -0.5)
    assert all(a.is_contiguous() for a in args[:11])
    assert args[3].tolist() == [64, 64, 64] and args[3].dtype == torch.int32
    assert args[4].shape == (16,) and torch.isneginf(args[4]).all()
    assert args[9].dtype == torch.float32 and args[9].shape == (50, 576)
    assert dq.shape == (3, 16, 576) and (dq == 1).all() and dkv.shape == (50, 1, 576) and (dkv == 2).all()
    assert delta.data_ptr() == delta_base.data_ptr() and (delta_base == 3).all() and dsink is None
    # with a sink: dsink = -sum_t Delta * (1 - sigmoid(lse - sink)), into the given tensor
    sink, ds = torch.tensor([0.5] * 16), torch.empty(16)
    acc = torch.ones(50, 1, 576)
    _, dkv2, _, ds2 = sparse_mla_bwd(k, q, kv, idx, out, dout, lse, 0.1, dkv=acc, attn_sink=sink, dsink=ds)
    assert ds2 is ds and torch.allclose(ds, -(3.0 * (1 - torch.sigmoid(torch.tensor(-0.5)))) * 3 * torch.ones(16))
    assert dkv2 is acc and (acc == 3).all()  # added into, not overwritten
    with pytest.raises(ValueError, match="q"):
        sparse_mla_bwd(_FakeKernel(64, 576), q, kv, idx, out, dout, lse)
    with pytest.raises(ValueError, match="kv"):
        sparse_mla_bwd(k, q, kv[:, :, :512], idx, out, dout, lse)
    with pytest.raises(ValueError, match="indices"):
        sparse_mla_bwd(k, q, kv, idx.long(), out, dout, lse)
    with pytest.raises(ValueError, match="dout"):
        sparse_mla_bwd(k, q, kv, idx, out, dout.float(), lse)
    with pytest.raises(ValueError, match="dkv"):
        sparse_mla_bwd(k, q, kv, idx, out, dout, lse, dkv=torch.zeros(50, 1, 576, dtype=torch.bfloat16))


# ---- GPU correctness (Hopper only) --------------------------------------------------------------

GPU_CASES = [  # (h_q, d_qk, s_q, s_kv, topk, sink)
    (128, 576, 6, 300, 160, True),    # topk not a multiple of 64; edge cases of `instance`
    (64, 512, 5, 1000, 256, False),   # K = V (no RoPE tail)
    (128, 576, 4, 8192, 2048, True),
    (16, 576, 5, 200, 100, True),     # heads padded to 64
]


@needs_hopper
@pytest.mark.parametrize("h_q,d_qk,s_q,s_kv,topk,sink", GPU_CASES,
                         ids=[f"h{c[0]}_d{c[1]}_sq{c[2]}_skv{c[3]}_topk{c[4]}" + ("_sink" if c[5] else "")
                              for c in GPU_CASES])
def test_gpu_matches_oracle(builds, h_q, d_qk, s_q, s_kv, topk, sink):
    if torch.cuda.get_device_capability() < (9, 0):
        pytest.skip("sm_90a kernel needs compute capability 9.0")
    from dsagen.operators.sparse_mla_bwd.naive import sparse_mla_bwd as oracle
    from dsagen.operators.sparse_mla_bwd.problem import dsink_scale, instance, mismatch
    from dsagen.runtime.tilelang import load_kernel, sparse_mla_bwd

    x, scale = instance(h_q, d_qk, topk, s_q, s_kv, "cpu", seed=h_q + topk, sink=sink)
    dev = {k: (v.cuda() if v is not None else None) for k, v in x.items()}
    kern = load_kernel(Path(builds[(h_q, d_qk)]["lib_path"]).parent)
    dq = torch.full((s_q, h_q, d_qk), float("nan"), dtype=torch.bfloat16, device="cuda")
    dkv = torch.zeros(s_kv, 1, d_qk, device="cuda")
    delta = torch.full((s_q, h_q), float("nan"), device="cuda")
    res = sparse_mla_bwd(kern, dev["q"], dev["kv"], dev["indices"], dev["out"], dev["dout"], dev["lse"], scale,
                         dq=dq, dkv=dkv, delta=delta, topk_length=dev["topk_length"], attn_sink=dev["attn_sink"])
    torch.cuda.synchronize()
    assert res[0] is dq and res[1] is dkv and res[2] is delta
    assert not dq.isnan().any() and not dkv.isnan().any() and not delta.isnan().any()
    ref = oracle(x["q"], x["kv"], x["indices"], x["dout"], scale, 512, x["attn_sink"], x["topk_length"])
    why = mismatch(dq, dkv, res[3], *ref, dsink_scale(x["out"], x["dout"], x["lse"], x["attn_sink"]) if sink else None)
    assert not why, why
    ref_delta = (x["out"].float() * x["dout"].float()).sum(-1)
    assert torch.allclose(delta.cpu(), ref_delta, rtol=1e-4, atol=1e-3)
    # a query with no valid index (instance's token 2) gets dq = 0; rows nobody selects get dkv = 0
    assert torch.equal(dq[2].float().cpu(), torch.zeros(h_q, d_qk))
