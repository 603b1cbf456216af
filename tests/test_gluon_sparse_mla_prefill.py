"""The Gluon sm90 sparse MLA prefill (templates/sparse_mla_prefill/gluon.py, issue 14).

Compile (no GPU needed; in a process of its own, since this session may run Triton's interpreter):
only wide wgmma (HGMMA 64x64x16 logits, 64x256x16 PV), no mma.sync, no spill, within the 227 KiB
of shared memory, KV rows gathered with 16-byte cp.async, with and without the RoPE part; a register
budget too small for the loader spills and is caught.
Behaviour, against the float32 oracle on the prefill suite's edge cases, three ways (`kernel`):
  emulated         the kernel's own source on CPU tensors (tests/fixtures/gluon_emu.py: partitions
                   as threads with jittered timing, mbarriers with hardware phase semantics, P
                   rounded to bf16 as on the GPU), on FlashMLA's input distribution (randn / 10),
                   which its bounds assume;
  emulated-upcast  the same with the kernel's bf16 kept in fp32 (the interpreter's UPCAST), on
                   randn inputs: sharp logits, so a wrong rescale or mask cannot hide in a flat softmax;
  gpu              the compiled kernel on an sm90 GPU (skipped elsewhere, saying why), FlashMLA's inputs.
"""

import inspect
import json
import math
import os
import subprocess
import sys
import types

import pytest
import torch

from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as oracle
from dsagen.operators.sparse_mla_prefill.problem import FLASHMLA_INPUT_SCALE, mismatch, random_instance, verify
from dsagen.runtime import paths
from dsagen.tolerances import MLA_PREFILL_LSE, MLA_PREFILL_OUT, assert_peer_close

TEMPLATE = paths.tree_root() / "templates" / "sparse_mla_prefill" / "gluon.py"
SM90_SMEM = 232448  # opt-in shared memory per block on sm90 (dsagen/spec/archs.py)

_COMPILE = """
import json, os, re, sys
os.environ.pop("TRITON_INTERPRET", None)
import triton
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from dsagen.gen import aot, isa
mod = aot._load_template(sys.argv[1])
problem, schedule = json.loads(sys.argv[2]), json.loads(sys.argv[3])
spec = mod.aot_kernels(problem, dict(mod.SCHEDULE, **schedule))[0]
src = GluonASTSource(spec["fn"], spec["signature"], spec["constexprs"], attrs=aot.divisibility_attrs(spec))
k = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": spec["num_warps"]})
sass = isa.cubin_sass(k.asm["cubin"], aot._cuobjdump(triton))
regs, spill = aot.resource_usage(k, triton)
print(json.dumps(dict(isa.sass_census(sass), registers=regs, spill_bytes=spill, smem_bytes=k.metadata.shared,
                      cp_async_128=len(re.findall(r"LDGSTS\\.E\\.BYPASS\\.128", sass)))))
"""


def _compile(d_qk: int, h_q: int = 128, **schedule) -> dict:
    problem = {"h_q": h_q, "d_qk": d_qk, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 32768}
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, "-c", _COMPILE, str(TEMPLATE), json.dumps(problem), json.dumps(schedule)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("d_qk", [576, 512], ids=["dqk576", "dqk512"])
def test_compiles_to_wide_wgmma_without_spills(d_qk):
    rec = _compile(d_qk)
    # S = q K^T: K = 512 (+ 64 RoPE) in steps of 16 -> 32 (+ 4) HGMMA 64x64x16; PV: BLOCK_N 64 / 16 = 4
    # HGMMA 64x256x16 per compute warpgroup
    assert rec["gmma_shapes"] == {"HGMMA.64x256x16.F32.BF16": 8, "HGMMA.64x64x16.F32.BF16": (d_qk // 16)}, rec
    assert rec["mma_shapes"] == {} and rec["spill_bytes"] == 0, rec
    assert rec["smem_bytes"] <= SM90_SMEM, rec
    # q once and each KV tile: 64 rows x d_qk bf16 in 16-byte copies over the loader's 128 lanes
    assert rec["cp_async_128"] == 2 * 64 * d_qk * 2 // 16 // 128, rec


def test_a_starved_loader_spills_and_is_seen():
    """The loader partition's address math needs about 40 registers: at 24 the compile spills, so the
    spill check above can fail."""
    assert _compile(576, LOADER_REGS=24)["spill_bytes"] > 0


# ---- behaviour: emulated on CPU, and compiled on an sm90 GPU -------------------------------------

def _sm90() -> bool:
    return (torch.cuda.is_available() and not torch.version.hip
            and torch.cuda.get_device_capability()[0] == 9)


NAN = float("nan")


class _Kernel:
    """launch(...) of the template's signature, where it runs, and the input scale its bounds need."""

    def __init__(self, mode: str):
        from dsagen.runtime.dispatch import template_module

        self.mode, self.mod = mode, template_module("sparse_mla_prefill", "gluon")
        self.device = "cuda" if mode == "gpu" else "cpu"
        self.scale = 1.0 if mode == "emulated-upcast" else FLASHMLA_INPUT_SCALE
        if mode != "gpu":
            from tests.fixtures.gluon_emu import Emulator
            self.emu = Emulator(self.mod, upcast=mode == "emulated-upcast")

    def launch(self, *args, sm_scale, schedule=None):
        if self.mode == "gpu":
            return self.mod.launch(*args, sm_scale=sm_scale, schedule=schedule)
        # random delays at every barrier, copy and MMA: each run interleaves the partitions differently
        kernel = self.emu.kernel(self.mod.sparse_mla_prefill_ws_kernel, jitter_s=2e-5, seed=len(args[0]))
        return self.mod.run(kernel, *args, sm_scale=sm_scale, schedule=schedule)


@pytest.fixture(scope="module", params=["emulated", "emulated-upcast", "gpu"])
def kernel(request):
    if request.param == "gpu" and not _sm90():
        pytest.skip("the compiled Gluon kernel runs on an sm90 GPU only (Gluon has no interpreter path in "
                    "Triton 3.6); the emulated runs check its source on CPU")
    return _Kernel(request.param)


def _instance(kernel, h_q, d_qk, topk, s_q, s_kv, seed, **kw):
    return random_instance(h_q, d_qk, topk, s_q, s_kv, seed=seed, scale=kernel.scale, **kw)


def _run(kernel, q, kv, idx, sm_scale=None, attn_sink=None, topk_length=None, poison=NAN):
    s_q, h_q, d_qk = q.shape
    dev = torch.device(kernel.device)
    out = torch.full((s_q, h_q, 512), poison, dtype=torch.bfloat16, device=dev)
    ml = torch.full((s_q, h_q), poison, device=dev)
    lse = torch.full((s_q, h_q), poison, device=dev)
    scale = d_qk ** -0.5 if sm_scale is None else sm_scale
    args = [None if t is None else t.to(dev) for t in (q, kv, idx, topk_length, attn_sink)]
    kernel.launch(*args, out, ml, lse, sm_scale=scale)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return out.cpu(), ml.cpu(), lse.cpu(), oracle(q, kv, idx, scale, 512, attn_sink, topk_length)


def _check(kernel, q, kv, idx, **kw):
    out, ml, lse, ref = _run(kernel, q, kv, idx, **kw)
    assert not out.isnan().any() and not ml.isnan().any() and not lse.isnan().any()
    why = mismatch(out, ml, lse, *ref)
    assert not why, why
    return out, ml, lse, ref


# (h_q, d_qk, s_q, s_kv, topk): one and several head blocks, masked head rows (24, 40, 100), both
# d_qk, top-k not a multiple of BLOCK_N, and long enough to wrap every barrier's phase many times
SHAPES = [(16, 576, 2, 300, 100), (64, 576, 2, 257, 37), (128, 512, 1, 200, 48), (24, 576, 3, 100, 20),
          (40, 512, 2, 64, 9), (100, 576, 3, 5000, 1000), (128, 576, 2, 40000, 2048)]


@pytest.mark.parametrize("h_q,d_qk,s_q,s_kv,topk", SHAPES,
                         ids=[f"h{h}_d{d}_sq{sq}_skv{skv}_topk{k}" for h, d, sq, skv, k in SHAPES])
def test_matches_oracle(kernel, h_q, d_qk, s_q, s_kv, topk):
    q, kv, idx = _instance(kernel, h_q, d_qk, topk, s_q, s_kv, seed=h_q + topk)
    assert kv.isnan().any(), "some kv rows must be unselected (NaN) for this test to mean something"
    _check(kernel, q, kv, idx)


def test_verify_cases_h128_d576(kernel):
    """The operator's own verify cases (on a GPU: 64 tokens, the full top-k; NaN in one head)."""
    res = verify(kernel, {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 64, "s_kv": 8192},
                 kernel.device)
    assert res["passed"], res


def test_invalid_empty_and_repeated_indices_h16_d576_sq4_skv150_topk40(kernel):
    h_q, s_q, s_kv, topk = 16, 4, 150, 40
    q, kv, idx = _instance(kernel, h_q, 576, topk, s_q, s_kv, seed=7)
    idx[0, 0, ::3] = -1
    idx[0, 0, 1::5] = s_kv
    idx[1, 0, :] = -1
    idx[1, 0, 5] = s_kv + 1000
    idx[2, 0, :] = idx[2, 0, 0]
    idx[3, 0, 10:20] = idx[3, 0, 0:10]
    idx[3, 0, 25] = -(2**31)
    out, ml, lse, _ = _check(kernel, q, kv, idx)
    assert torch.equal(out[1].float(), torch.zeros(h_q, 512))
    assert torch.isinf(lse[1]).all() and (lse[1] > 0).all() and torch.isinf(ml[1]).all() and (ml[1] < 0).all()
    row = kv[idx[2, 0, 0].long(), 0, :512].float()
    assert_peer_close(out[2].float(), row.expand(h_q, 512), MLA_PREFILL_OUT, "out of a repeated row")
    assert_peer_close(lse[2], ml[2] + math.log(topk), MLA_PREFILL_LSE, "lse of a repeated row")


def test_topk_length_h32_d576_sq5_skv300_topk200(kernel):
    q, kv, idx = _instance(kernel, 32, 576, 200, 5, 300, seed=11)
    topk_length = torch.tensor([130, 0, 17, 1000, -3], dtype=torch.int32)
    out, ml, lse, _ = _check(kernel, q, kv, idx, topk_length=topk_length)
    assert torch.isinf(lse[1]).all() and torch.equal(out[1].float(), torch.zeros(32, 512))
    assert torch.isinf(lse[4]).all() and torch.equal(out[4].float(), torch.zeros(32, 512))


@pytest.mark.parametrize("what", ["nan_q_head", "nan_sm_scale"])
def test_nan_logits_follow_the_oracle_h16_d576_sq3_skv90_topk20(kernel, what):
    q, kv, idx = _instance(kernel, 16, 576, 20, 3, 90, seed=12)
    idx[2] = -1
    scale = 576 ** -0.5
    if what == "nan_q_head":
        q[0, 3, 7] = NAN
        q[2, 1, 0] = NAN  # a query with no valid index: not NaN
    else:
        scale = NAN
    sink = torch.randn(16)
    out, ml, lse, ref = _run(kernel, q, kv, idx, sm_scale=scale, attn_sink=sink, poison=1e4)
    assert not any(bool((t == 1e4).any()) for t in (out, ml, lse)), "unwritten outputs"
    assert int(torch.isnan(lse).sum()) == (1 if what == "nan_q_head" else 2 * 16)
    assert torch.isinf(lse[2]).all() and (out[2] == 0).all()
    why = mismatch(out, ml, lse, *ref)
    assert not why, why


def test_attn_sink_and_scale_h24_d576_sq3_skv900_topk133(kernel):
    q, kv, idx = _instance(kernel, 24, 576, 133, 3, 900, seed=5)
    idx[2, 0, :] = -1
    sink = torch.randn(24, generator=torch.Generator().manual_seed(1)) * 2
    out, _, _, _ = _check(kernel, q, kv, idx, sm_scale=0.07, attn_sink=sink)
    assert torch.equal(out[2].float(), torch.zeros(24, 512))
    plain, _, _, _ = _check(kernel, q, kv, idx, sm_scale=0.07)
    assert not torch.allclose(out.float(), plain.float()), "the sink must change the output"


def test_strided_views_h20_d576_sq3_skv60_topk18(kernel):
    """Views with 16-byte aligned rows (what the kernel's cp.async needs) and strided outputs."""
    h_q, s_q = 20, 3
    q, kv, idx = _instance(kernel, h_q, 576, 18, s_q, 60, seed=21)
    dev = torch.device(kernel.device)
    qb = torch.full((s_q, h_q + 3, 640), NAN, dtype=torch.bfloat16)
    qb[:, :h_q, :576] = q
    kvb = torch.full((60, 1, 704), NAN, dtype=torch.bfloat16)
    kvb[:, :, :576] = kv
    ib = torch.full((s_q, 1, 24), -1, dtype=torch.int32)
    ib[:, :, :18] = idx
    qb, kvb, ib = qb.to(dev), kvb.to(dev), ib.to(dev)
    ob = torch.full((s_q, h_q, 600), NAN, dtype=torch.bfloat16, device=dev)
    mlb = torch.full((h_q, s_q), NAN, device=dev)
    lseb = torch.full((h_q, s_q * 2), NAN, device=dev)
    out, ml, lse = ob[..., :512], mlb.t(), lseb[:, ::2].t()
    kernel.launch(qb[:, :h_q, :576], kvb[:, :, :576], ib[:, :, :18], None, None, out, ml, lse, sm_scale=576 ** -0.5)
    why = mismatch(out.cpu(), ml.cpu(), lse.cpu(), *oracle(q, kv, idx, 576 ** -0.5))
    assert not why, why
    assert ob[..., 512:].isnan().all() and lseb[:, 1::2].isnan().all(), "wrote outside the views"


def test_emulator_catches_a_broken_protocol():
    """The emulation can fail: with kv_empty counting one arrival instead of two (the loader may
    overwrite a buffer partition 1 still reads) or with partition 1 waiting for the wrong P parity
    (a deadlock), the emulated kernel misses the oracle or hangs up as a Deadlock."""
    from tests.fixtures import gluon_emu

    k = _Kernel("emulated")
    q, kv, idx = _instance(k, 64, 576, 1024, 1, 5000, seed=3)
    src = inspect.getsource(k.mod)
    for old, new in (("mbarrier.init(kv_empty.index(s), count=2)", "mbarrier.init(kv_empty.index(s), count=1)"),
                     ("mbarrier.wait(p_ready, i & 1)", "mbarrier.wait(p_ready, (i & 1) ^ 1)")):
        assert old in src
        broken = types.ModuleType("gluon_broken")
        exec(compile(src.replace(old, new), str(TEMPLATE), "exec"), broken.__dict__)  # noqa: S102
        emu = gluon_emu.Emulator(broken)
        out = torch.full((1, 64, 512), NAN, dtype=torch.bfloat16)
        ml, lse = torch.full((1, 64), NAN), torch.full((1, 64), NAN)
        old_timeout, gluon_emu.WAIT_TIMEOUT_S = gluon_emu.WAIT_TIMEOUT_S, 2.0
        try:
            broken.run(emu.kernel(broken.sparse_mla_prefill_ws_kernel, jitter_s=2e-4, seed=1), q, kv, idx, None,
                       None, out, ml, lse, sm_scale=576 ** -0.5)
            failed = bool(mismatch(out, ml, lse, *oracle(q, kv, idx, 576 ** -0.5)))
        except gluon_emu.Deadlock:
            failed = True
        finally:
            gluon_emu.WAIT_TIMEOUT_S = old_timeout
        assert failed, f"the emulation did not notice: {new}"
