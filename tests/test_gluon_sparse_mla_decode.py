"""The Gluon sm90 sparse MLA decode over FlashMLA's 656-byte FP8 cache
(templates/sparse_mla_decode/gluon.py, issue 14).

Compile (no GPU needed; in a process of its own): only wide wgmma (HGMMA 64x64x16 logits, 64x256x16
PV), no mma.sync, no spill, within sm90's shared memory; a loader register budget too small for
the dequantisation spills and is caught.
Behaviour against the float32 oracle (dsagen/operators/sparse_mla_decode/naive.py) and FlashMLA's
decode bounds, three ways (`kernel`), as in test_gluon_sparse_mla_prefill.py:
  emulated         the kernel's own source on CPU tensors (tests/fixtures/gluon_emu.py), P rounded
                   to bf16 as on the GPU, on FlashMLA's decode input distribution (q randn clamped
                   to [-1, 1], cache rows randn / 10), which its bounds assume;
  emulated-upcast  the kernel's bf16 kept in fp32, randn inputs (sharp logits);
  gpu              the compiled kernels on an sm90 GPU (skipped elsewhere, saying why).
Split paths: one split (the main kernel writes out and lse) and several (fp32 partials merged by
the Gluon combine kernel), the launch's own choice too.
"""

import json
import os
import subprocess
import sys

import pytest
import torch

from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle
from dsagen.operators.sparse_mla_decode.problem import mismatch, random_instance, verify
from dsagen.runtime import paths

TEMPLATE = paths.tree_root() / "templates" / "sparse_mla_decode" / "gluon.py"
SM90_SMEM = 232448  # opt-in shared memory per block on sm90 (dsagen/spec/archs.py)
NAN = float("nan")

_COMPILE = """
import json, os, sys
os.environ.pop("TRITON_INTERPRET", None)
import triton
from triton.backends.compiler import GPUTarget
from triton.experimental.gluon._runtime import GluonASTSource
from dsagen.gen import aot, isa
mod = aot._load_template(sys.argv[1])
problem, schedule = json.loads(sys.argv[2]), json.loads(sys.argv[3])
out = {}
for spec in mod.aot_kernels(problem, dict(mod.SCHEDULE, **schedule)):
    src = GluonASTSource(spec["fn"], spec["signature"], spec["constexprs"], attrs=aot.divisibility_attrs(spec))
    k = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": spec["num_warps"]})
    regs, spill = aot.resource_usage(k, triton)
    sass = isa.cubin_sass(k.asm["cubin"], aot._cuobjdump(triton))
    out[spec["name"]] = dict(isa.sass_census(sass), registers=regs, spill_bytes=spill, smem_bytes=k.metadata.shared)
print(json.dumps(out))
"""


def _compile(**schedule) -> dict:
    problem = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 32, "s_q": 1, "kv_format": "fp8",
               "page_block_size": 64}
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, "-c", _COMPILE, str(TEMPLATE), json.dumps(problem), json.dumps(schedule)],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_compiles_to_wide_wgmma_without_spills():
    recs = _compile()
    main = recs["sparse_mla_decode_ws_kernel"]
    # S = q K^T: K = 512 + 64 in steps of 16 -> 36 HGMMA 64x64x16; PV: BLOCK_N 64 / 16 = 4 HGMMA 64x256x16
    # per compute warpgroup
    assert main["gmma_shapes"] == {"HGMMA.64x256x16.F32.BF16": 8, "HGMMA.64x64x16.F32.BF16": 36}, main
    assert main["mma_shapes"] == {} and main["spill_bytes"] == 0 and main["smem_bytes"] <= SM90_SMEM, main
    comb = recs["sparse_mla_decode_combine_kernel"]
    assert comb["spill_bytes"] == 0 and not comb["gmma_shapes"] and not comb["mma_shapes"], comb


def test_a_starved_loader_spills_and_is_seen():
    """The loader holds a dequantised 64 x 128 group at a time: at 56 registers it spills."""
    assert _compile(LOADER_REGS=56)["sparse_mla_decode_ws_kernel"]["spill_bytes"] > 0


# ---- behaviour: emulated on CPU, and compiled on an sm90 GPU -------------------------------------

def _sm90() -> bool:
    return (torch.cuda.is_available() and not torch.version.hip
            and torch.cuda.get_device_capability()[0] == 9)


class _Kernel:
    """launch(...) of the Triton template's signature, where it runs, and the inputs its bounds need."""

    def __init__(self, mode: str):
        from dsagen.runtime.dispatch import template_module

        self.mode, self.mod = mode, template_module("sparse_mla_decode", "gluon")
        self.device = "cuda" if mode == "gpu" else "cpu"
        self.flashmla_inputs = mode != "emulated-upcast"
        if mode != "gpu":
            from tests.fixtures.gluon_emu import Emulator
            self.emu = Emulator(self.mod, upcast=mode == "emulated-upcast")

    def launch(self, q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, num_splits=None, **kw):
        kw.pop("is_fp8", None)  # the cache's dtype and row size say it
        if self.mode == "gpu":
            return self.mod.launch(q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=sm_scale,
                                   is_fp8=True, num_splits=num_splits, **kw)
        kernel = self.emu.kernel(self.mod.sparse_mla_decode_ws_kernel, jitter_s=2e-5, seed=q.shape[0])
        combine = self.emu.kernel(self.mod.sparse_mla_decode_combine_kernel)
        # 132 SMs as on an H100 SXM when the launch picks the split count itself
        return self.mod.run(kernel, combine, q, k_cache, indices, topk_length, attn_sink, out, lse,
                            sm_scale=sm_scale, num_splits=num_splits, sms=132)


@pytest.fixture(scope="module", params=["emulated", "emulated-upcast", "gpu"])
def kernel(request):
    if request.param == "gpu" and not _sm90():
        pytest.skip("the compiled Gluon kernel runs on an sm90 GPU only (Gluon has no interpreter path in "
                    "Triton 3.6); the emulated runs check its source on CPU")
    return _Kernel(request.param)


def _instance(kernel, h_q, topk, batch, s_q, page=64, seed=0):
    p = {"h_q": h_q, "d_qk": 576, "d_v": 512, "topk": topk, "batch": batch, "s_q": s_q, "kv_format": "fp8",
         "page_block_size": page}
    inst = random_instance(p, seed=seed, flashmla_inputs=kernel.flashmla_inputs)
    return inst["q"], inst["k_cache"], inst["indices"]


def _run(kernel, q, cache, idx, sm_scale=576 ** -0.5, attn_sink=None, topk_length=None, num_splits=None,
         poison=NAN):
    b, s_q, h_q, _ = q.shape
    dev = torch.device(kernel.device)
    out = torch.full((b, s_q, h_q, 512), poison, dtype=torch.bfloat16, device=dev)
    lse = torch.full((b, h_q, s_q), poison, device=dev)
    args = [None if t is None else t.to(dev) for t in (q, cache, idx, topk_length, attn_sink)]
    kernel.launch(*args, out, lse, sm_scale=sm_scale, num_splits=num_splits)
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return out.cpu(), lse.cpu(), oracle(q, cache, idx, sm_scale, attn_sink=attn_sink, topk_length=topk_length)


def _check(kernel, q, cache, idx, **kw):
    out, lse, ref = _run(kernel, q, cache, idx, **kw)
    assert not out.isnan().any() and not lse.isnan().any()
    why = mismatch(out, lse, *ref)
    assert not why, why
    return out, lse, ref


# (h_q, topk, batch, s_q, page): one and two head blocks, masked head rows (24, 100), a top-k not a
# multiple of BLOCK_N, a page size other than 64, next_n 2 and 3
SHAPES = [(16, 100, 2, 1, 64), (24, 64, 2, 2, 64), (128, 130, 1, 2, 32), (100, 250, 1, 3, 64)]


@pytest.mark.parametrize("splits", [1, 3, None], ids=["one_split", "three_splits", "launch_picks"])
@pytest.mark.parametrize("h_q,topk,batch,s_q,page", SHAPES,
                         ids=[f"h{h}_topk{k}_b{b}_sq{s}_page{p}" for h, k, b, s, p in SHAPES])
def test_matches_oracle(kernel, h_q, topk, batch, s_q, page, splits):
    q, cache, idx = _instance(kernel, h_q, topk, batch, s_q, page, seed=h_q + topk)
    _check(kernel, q, cache, idx, num_splits=splits)


def test_verify_cases_h128_fp8(kernel):
    """The operator's own verify cases (one split and three; NaN in one head; one invalid slot)."""
    res = verify(kernel, {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 4, "s_q": 2,
                          "kv_format": "fp8", "page_block_size": 64}, kernel.device)
    assert res["passed"], res


@pytest.mark.parametrize("splits", [1, 4])
def test_invalid_and_empty_rows_h16_topk80_b2_sq2(kernel, splits):
    q, cache, idx = _instance(kernel, 16, 80, 2, 2, seed=3)
    slots = cache.shape[0] * cache.shape[1]
    idx[0, 0, ::3] = -1
    idx[0, 0, 1::5] = slots            # past the cache: invalid
    idx[1, 1, :] = -1                   # no valid slot: out 0, lse +inf
    idx[1, 0, 7] = -(2**31)
    out, lse, _ = _check(kernel, q, cache, idx, num_splits=splits)
    assert torch.equal(out[1, 1].float(), torch.zeros(16, 512)) and torch.isinf(lse[1, :, 1]).all()


@pytest.mark.parametrize("splits", [1, 3])
def test_topk_length_h24_topk200_b4_sq1(kernel, splits):
    q, cache, idx = _instance(kernel, 24, 200, 4, 1, seed=11)
    topk_length = torch.tensor([130, 0, 17, 1000], dtype=torch.int32)
    out, lse, _ = _check(kernel, q, cache, idx, topk_length=topk_length, num_splits=splits)
    assert torch.isinf(lse[1]).all() and torch.equal(out[1].float(), torch.zeros(1, 24, 512))


@pytest.mark.parametrize("splits", [1, 3])
def test_nan_logits_and_sinks_follow_the_oracle_h16_topk70_b2_sq2(kernel, splits):
    """A NaN in one head of q makes that head's out and lse NaN (and nothing else); sinks of +-inf
    as FlashMLA's tests draw them; a query without valid slots stays 0 / +inf."""
    q, cache, idx = _instance(kernel, 16, 70, 2, 2, seed=12)
    q[0, 1, 5, 9] = NAN
    idx[1, 0] = -1
    sink = torch.randn(16, generator=torch.Generator().manual_seed(2))
    sink[3], sink[4] = float("inf"), float("-inf")
    out, lse, ref = _run(kernel, q, cache, idx, attn_sink=sink, num_splits=splits, poison=1e4)
    assert not (out == 1e4).any() and not (lse == 1e4).any(), "unwritten outputs"
    assert int(torch.isnan(lse).sum()) == 1 and torch.isnan(lse[0, 5, 1])
    assert torch.isinf(lse[1, :, 0]).all() and (out[1, 0] == 0).all()
    why = mismatch(out, lse, *ref)
    assert not why, why
    plain, _, _ = _run(kernel, q, cache, idx, num_splits=splits)
    assert not torch.equal(out[0, 0], plain[0, 0]), "the sink must change the output"


def test_nan_bytes_of_unused_slots_never_reach_the_output(kernel):
    """Every unselected slot of the cache holds 0xFF bytes (NaN as e4m3, fp32 and bf16); the
    selected ones sit beside them in the same pages."""
    q, cache, idx = _instance(kernel, 16, 40, 2, 1, page=16, seed=4)
    assert (cache.view(-1, cache.shape[-1]) == 0xFF).all(dim=-1).any()
    _check(kernel, q, cache, idx, num_splits=2)


def test_what_it_leaves_to_triton():
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode", "gluon")
    inst = random_instance({"h_q": 16, "d_qk": 576, "d_v": 512, "topk": 8, "batch": 1, "s_q": 1,
                            "kv_format": "fp8", "page_block_size": 64}, seed=0)
    q, cache, idx = inst["q"], inst["k_cache"], inst["indices"]
    out, lse = torch.empty(1, 1, 16, 512, dtype=torch.bfloat16), torch.empty(1, 16, 1)

    def why(q=q, cache=cache, **kw):
        return mod.unsupported(q, cache, idx, None, None, out, lse, sm_scale=0.1, is_fp8=True, **kw)

    assert "sm90" in why()                                              # CPU tensors
    assert "extra" in why(extra_k_cache=cache)
    assert "656-byte" in why(cache=torch.zeros(2, 64, 1, 576, dtype=torch.bfloat16))
    assert "fp8_mode" in why(fp8_mode="fnuz")
    assert "bf16 with d_qk 576" in why(q=q.float())
    assert "16-byte aligned" in why(q=torch.zeros(1, 1, 16, 580, dtype=torch.bfloat16)[..., 1:577])
    with pytest.raises(ValueError, match="cannot run this call"):
        mod.launch(q, cache, idx, None, None, out, lse, sm_scale=0.1, is_fp8=True, fp8_mode="fnuz")


def test_split_count_fills_the_gpu_and_keeps_two_tiles_a_split():
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode", "gluon")
    assert mod.choose_splits(1, 1, 128, 2048, 132) == 16      # 2 head blocks: 16 splits of 2 tiles
    assert mod.choose_splits(128, 1, 128, 2048, 132) == 2     # 256 CTAs already: up to 2x the SMs
    assert mod.choose_splits(1, 1, 16, 100, 132) == 1         # 2 tiles in all
