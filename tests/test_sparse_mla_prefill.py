"""Sparse MLA prefill kernel (templates/sparse_mla_prefill/triton.py through dsagen.ops) against the
float32 oracle (dsagen/operators/sparse_mla_prefill/naive.py). Outputs are NaN-poisoned before each
run; kv rows no query selects are NaN, so a stray read shows up in out / lse."""

import math

import pytest
import torch

from dsagen.tolerances import MLA_PREFILL_LSE, MLA_PREFILL_OUT, assert_peer_close
from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as oracle
from dsagen.operators.sparse_mla_prefill import api as ops_mod
from dsagen.operators.sparse_mla_prefill.api import sparse_mla_prefill
from dsagen.operators.sparse_mla_prefill.problem import OP, compare, mismatch, random_instance, verify
from dsagen.runtime.dispatch import template_module

NAN = float("nan")


def _poisoned(s_q, h_q, d_v=512):
    return (torch.full((s_q, h_q, d_v), NAN, dtype=torch.bfloat16),
            torch.full((s_q, h_q), NAN, dtype=torch.float32),
            torch.full((s_q, h_q), NAN, dtype=torch.float32))


def _run_and_check(q, kv, idx, sm_scale=None, attn_sink=None, topk_length=None):
    s_q, h_q, d_qk = q.shape
    out, ml, lse = _poisoned(s_q, h_q)
    res = sparse_mla_prefill(q, kv, idx, sm_scale, 512, attn_sink, topk_length, out=out, max_logits=ml, lse=lse)
    assert res[0] is out and res[1] is ml and res[2] is lse
    scale = d_qk ** -0.5 if sm_scale is None else sm_scale
    ref = oracle(q, kv, idx, scale, 512, attn_sink, topk_length)
    assert not out.isnan().any() and not ml.isnan().any() and not lse.isnan().any()
    err, ok = compare(out, ml, lse, *ref)
    assert ok, f"max error {err}"
    return out, ml, lse, ref


# (h_q, d_qk, s_q, s_kv, topk): h_q 16/64/128 and odd ones (24, 40: masked head rows), both d_qk,
# top-k not a multiple of BLOCK_N (16) in most cases.
SHAPES = [
    (16, 576, 2, 300, 100),
    (64, 576, 2, 257, 37),
    (128, 512, 1, 200, 48),
    (24, 576, 3, 100, 20),
    (40, 512, 2, 64, 9),
]


@pytest.mark.parametrize("h_q,d_qk,s_q,s_kv,topk", SHAPES,
                         ids=[f"h{h}_d{d}_sq{sq}_skv{skv}_topk{k}" for h, d, sq, skv, k in SHAPES])
def test_matches_oracle(h_q, d_qk, s_q, s_kv, topk):
    q, kv, idx = random_instance(h_q, d_qk, topk, s_q, s_kv, seed=h_q + topk)
    assert kv.isnan().any(), "some kv rows must be unselected (NaN) for this test to mean something"
    _run_and_check(q, kv, idx)


def test_invalid_empty_and_repeated_indices_h16_d576_sq4_skv150_topk40():
    h_q, s_q, s_kv, topk = 16, 4, 150, 40
    q, kv, idx = random_instance(h_q, 576, topk, s_q, s_kv, seed=7)
    idx[0, 0, ::3] = -1                 # invalid: negative
    idx[0, 0, 1::5] = s_kv              # invalid: just past the end
    idx[1, 0, :] = -1                   # no valid index at all
    idx[1, 0, 5] = s_kv + 1000
    idx[2, 0, :] = idx[2, 0, 0]         # one row repeated everywhere: counts topk times
    idx[3, 0, 10:20] = idx[3, 0, 0:10]  # some repeats, plus a huge negative
    idx[3, 0, 25] = -(2**31)
    out, ml, lse, ref = _run_and_check(q, kv, idx)
    assert torch.equal(out[1].float(), torch.zeros(h_q, 512))
    assert torch.isinf(lse[1]).all() and (lse[1] > 0).all()
    assert torch.isinf(ml[1]).all() and (ml[1] < 0).all()
    # a row repeated topk times: out is that row (softmax over equal logits), lse = P + log(topk)
    row = kv[idx[2, 0, 0].long(), 0, :512].float()
    assert_peer_close(out[2].float(), row.expand(h_q, 512), MLA_PREFILL_OUT, "out of a repeated row")
    assert_peer_close(lse[2], ml[2] + math.log(topk), MLA_PREFILL_LSE, "lse of a repeated row")


def test_topk_length_h32_d576_sq4_skv120_topk50():
    h_q, s_q, s_kv, topk = 32, 4, 120, 50
    q, kv, idx = random_instance(h_q, 576, topk, s_q, s_kv, seed=11)
    kv[idx[:, 0, 30:].flatten().long()] = NAN   # past every topk_length below: must never be read...
    keep = idx[:, 0, :30].flatten().long()
    _, kv2, _ = random_instance(h_q, 576, topk, s_q, s_kv, seed=11, nan_unused=False)
    kv[keep] = kv2[keep]                         # ...unless also selected before the cut
    topk_length = torch.tensor([30, 0, 17, 30], dtype=torch.int32)
    out, ml, lse, _ = _run_and_check(q, kv, idx, topk_length=topk_length)
    assert torch.isinf(lse[1]).all() and torch.equal(out[1].float(), torch.zeros(h_q, 512))


def test_topk_length_beyond_topk_h16_d512_sq2_skv80_topk24():
    q, kv, idx = random_instance(16, 512, 24, 2, 80, seed=3)
    _run_and_check(q, kv, idx, topk_length=torch.tensor([1000, 24], dtype=torch.int32))


@pytest.mark.parametrize("what", ["nan_q_head", "nan_sm_scale"])
def test_nan_logits_follow_the_oracle_h16_d576_sq3_skv90_topk20(what):
    """NaN in one head of q, or a NaN sm_scale: those heads' out, lse and max_logits are NaN, as the
    oracle's softmax gives; a query with no valid index still gets 0 / +inf / -inf. Outputs are
    poisoned with a finite sentinel, so an unwritten NaN position cannot pass for a computed one."""
    h_q, s_q = 16, 3
    q, kv, idx = random_instance(h_q, 576, 20, s_q, 90, seed=12, nan_unused=True)
    idx[2] = -1
    scale = 576 ** -0.5
    if what == "nan_q_head":
        q[0, 3, 7] = float("nan")
        q[2, 1, 0] = float("nan")        # a query with no valid index: not NaN
    else:
        scale = float("nan")
    sink = torch.randn(h_q)
    out = torch.full((s_q, h_q, 512), 1e4, dtype=torch.bfloat16)
    ml = torch.full((s_q, h_q), 1e4)
    lse = torch.full((s_q, h_q), 1e4)
    sparse_mla_prefill(q, kv, idx, scale, attn_sink=sink, out=out, max_logits=ml, lse=lse)
    assert not any(bool((t == 1e4).any()) for t in (out, ml, lse)), "unwritten outputs"
    n_nan = int(torch.isnan(lse).sum())
    assert n_nan == (1 if what == "nan_q_head" else 2 * h_q), n_nan
    assert torch.isinf(lse[2]).all() and (out[2] == 0).all()
    why = mismatch(out, ml, lse, *oracle(q, kv, idx, scale, 512, sink))
    assert not why, why

def test_attn_sink_and_scale_h24_d576_sq3_skv90_topk33():
    h_q, s_q = 24, 3
    q, kv, idx = random_instance(h_q, 576, 33, s_q, 90, seed=5)
    idx[2, 0, :] = -1  # sink with no valid index: out stays 0
    g = torch.Generator().manual_seed(1)
    sink = torch.randn(h_q, generator=g) * 2
    out, _, _, _ = _run_and_check(q, kv, idx, sm_scale=0.07, attn_sink=sink)
    assert torch.equal(out[2].float(), torch.zeros(h_q, 512))
    out_nosink, _, _, _ = _run_and_check(q, kv, idx, sm_scale=0.07)
    assert not torch.allclose(out.float(), out_nosink.float()), "the sink must change the output"


@pytest.mark.parametrize("sched", [{"BLOCK_H": 16, "BLOCK_N": 32, "num_warps": 4, "num_stages": 1},
                                   {"BLOCK_H": 32, "BLOCK_N": 64, "num_warps": 8, "num_stages": 3}],
                         ids=["bh16_bn32", "bh32_bn64"])
def test_other_schedules_h48_d576_sq2_skv200_topk70(sched):
    mod = template_module("sparse_mla_prefill")
    q, kv, idx = random_instance(48, 576, 70, 2, 200, seed=9)
    idx[0, 0, 69] = -1
    out, ml, lse = _poisoned(2, 48)
    mod.launch(q, kv, idx, None, None, out, ml, lse, sm_scale=576 ** -0.5, schedule=sched)
    err, ok = compare(out, ml, lse, *oracle(q, kv, idx, 576 ** -0.5))
    assert ok, f"max error {err}"


def test_strided_views_h20_d576_sq3_skv60_topk18():
    """Inputs and outputs may be views with any strides except a unit last one."""
    h_q, s_q = 20, 3
    q, kv, idx = random_instance(h_q, 576, 18, s_q, 60, seed=21)
    qb = torch.full((s_q, h_q + 3, 640), NAN, dtype=torch.bfloat16)
    qb[:, :h_q, :576] = q
    kvb = torch.full((60, 1, 700), NAN, dtype=torch.bfloat16)
    kvb[:, :, :576] = kv
    ib = torch.full((s_q, 1, 25), -1, dtype=torch.int32)
    ib[:, :, :18] = idx
    ob = torch.full((s_q, h_q, 600), NAN, dtype=torch.bfloat16)
    mlb = torch.full((h_q, s_q), NAN)
    lseb = torch.full((h_q, s_q * 2), NAN)
    out, ml, lse = ob[..., :512], mlb.t(), lseb[:, ::2].t()
    sparse_mla_prefill(qb[:, :h_q, :576], kvb[:, :, :576], ib[:, :, :18], out=out, max_logits=ml, lse=lse)
    err, ok = compare(out, ml, lse, *oracle(q, kv, idx, 576 ** -0.5))
    assert ok, f"max error {err}"
    assert ob[..., 512:].isnan().all() and lseb[:, 1::2].isnan().all(), "wrote outside the views"


def test_verify_hook():
    mod = template_module("sparse_mla_prefill")
    res = verify(mod, {"h_q": 64, "d_qk": 512, "d_v": 512, "topk": 2048, "s_q": 100, "s_kv": 5000})
    assert res["passed"] and res["max_error"] < 0.05 and res["shapes"].startswith("h64_d512")
    assert set(OP.example) == set(OP.keys) == {"h_q", "d_qk", "d_v", "topk", "s_q", "s_kv"}
    with pytest.raises(ValueError, match="sparse_mla_prefill"):
        OP.check_problem({"k": 1, "rows": 2, "row_len": 3})


def test_ops_package_spelling():
    """dsagen.ops.sparse_mla_prefill is the op, also after its submodule was imported."""
    from dsagen import ops

    assert ops_mod.__name__ == "dsagen.operators.sparse_mla_prefill.api"
    q, kv, idx = random_instance(16, 576, 16, 1, 40, seed=2)
    a = ops.sparse_mla_prefill(q, kv, idx)[0]
    b = sparse_mla_prefill(q, kv, idx)[0]
    assert torch.equal(a, b)


def _bad(**over):
    q, kv, idx = random_instance(16, 576, 8, 2, 20, seed=1, nan_unused=False)
    args = dict(q=q, kv=kv, indices=idx, sm_scale=None, d_v=512, attn_sink=None, topk_length=None)
    args.update(over)
    return args


BAD = {
    "q": dict(q=torch.zeros(2, 16, 600, dtype=torch.bfloat16)),
    "q_dtype": dict(q=torch.zeros(2, 16, 576, dtype=torch.float16)),
    "kv": dict(kv=torch.zeros(20, 2, 576, dtype=torch.bfloat16)),
    "indices": dict(indices=torch.zeros(2, 1, 8, dtype=torch.int64)),
    "d_v": dict(d_v=256),
    "attn_sink": dict(attn_sink=torch.zeros(15)),
    "topk_length": dict(topk_length=torch.zeros(3, dtype=torch.int32)),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_arguments_raise_naming_them(name):
    with pytest.raises(ValueError, match=name.split("_dtype")[0]):
        sparse_mla_prefill(**_bad(**BAD[name]))


@pytest.mark.parametrize("name", ["out", "max_logits", "lse"])
def test_bad_out_tensors(name):
    outs = dict(zip(["out", "max_logits", "lse"], _poisoned(2, 16)))
    outs[name] = outs[name][:1]
    with pytest.raises(ValueError, match=name):
        sparse_mla_prefill(**_bad(), **outs)


def test_aot_kernels_match_kernel_arguments():
    """aot_kernels names every kernel argument, constexprs included; BLOCK_H is 32 off sm90."""
    import inspect

    mod = template_module("sparse_mla_prefill")
    for arch, d_qk, bh in (("sm90", 576, 64), ("sm90", 512, 64), ("sm80", 576, 32), ("sm100", 576, 32),
                           ("gfx942", 576, 64)):
        (k,) = mod.aot_kernels(dict(OP.example, d_qk=d_qk, arch=arch), mod.SCHEDULE)
        assert list(k["signature"]) == list(inspect.signature(k["fn"].fn).parameters)
        assert all(k["signature"][c] == "constexpr" for c in k["constexprs"])
        assert k["constexprs"]["BLOCK_H"] == bh and k["constexprs"]["D_ROPE"] == d_qk - 512


@pytest.mark.parametrize("arch", ["sm80", "sm89", "sm90", "sm100"])
def test_schedule_space_covers_the_template(arch):
    """schedules/sparse_mla_prefill/triton.toml names every SCHEDULE key and serves every arch: on
    sm90 the template default survives the constraints; elsewhere BLOCK_H 64 does not."""
    from dsagen.gen.space import load_space, prune
    from dsagen.runtime.dispatch import template_file
    from dsagen.spec.archs import get_arch

    mod = template_module("sparse_mla_prefill")
    space = load_space("sparse_mla_prefill", "triton", template_file("sparse_mla_prefill"))
    assert set(space.values) == set(mod.SCHEDULE)
    assert all(c.expr and c.why for c in space.constraints)
    kept, _ = prune(space, OP.example, get_arch(arch))
    assert kept and all(k["BLOCK_H"] <= (64 if arch == "sm90" else 32) for k in kept)
    if arch == "sm90":
        assert mod.SCHEDULE in kept


_AOT = r"""
import importlib.util, os, re, subprocess, sys, tempfile
import triton
from triton.compiler import ASTSource
from triton.backends.compiler import GPUTarget
from dsagen.gen.aot import divisibility_attrs  # the launch's 16-divisible args, as the JIT specializes
spec = importlib.util.spec_from_file_location("smp", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
cuobjdump = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "cuobjdump")
for cc in (80, 90, 100):
    for d_qk in (576, 512):
        prob = {"h_q": 128, "d_qk": d_qk, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 8192, "arch": f"sm{cc}"}
        for d in m.aot_kernels(prob, m.SCHEDULE):
            k = triton.compile(ASTSource(fn=d["fn"], signature=d["signature"], constexprs=d["constexprs"],
                                         attrs=divisibility_attrs(d)),
                               target=GPUTarget("cuda", cc, 32),
                               options={"num_warps": d["num_warps"], "num_stages": d["num_stages"]})
            assert k.metadata.shared > 0
            assert "trap;" not in k.asm["ptx"], (cc, d_qk, "the compiler gave up (e.g. tensor memory full)")
            if m.SCHEDULE["num_stages"] >= 2:
                # the gathered KV tiles (four 128-column groups, and RoPE) go to shared memory by
                # cp.async, not through registers beside the fp32 accumulator
                kv_copies = re.findall(r"async_copy_global_to_local .*tensor<\d+x(?:128|64)x!tt.ptr<bf16>", k.asm["ttgir"])
                assert len(kv_copies) >= 4, (cc, d_qk, len(kv_copies))
            spill = "unchecked"
            if os.path.exists(cuobjdump):
                with tempfile.NamedTemporaryFile(suffix=".cubin", delete=False) as f:
                    f.write(k.asm["cubin"])
                r = subprocess.run([cuobjdump, "-res-usage", f.name], capture_output=True, text=True)
                os.unlink(f.name)
                res = re.search(r"REG:(\d+) STACK:(\d+) SHARED:(\d+) LOCAL:(\d+)", r.stdout)
                assert res, r.stdout + r.stderr
                spill = int(res.group(2)) + int(res.group(4))
                assert spill == 0, (cc, d_qk, r.stdout)
            print("ok", cc, d_qk, d["name"], spill)
"""


def test_aot_compiles_sm80_sm90_sm100_without_spills():
    """The default schedule compiles ahead of time for sm80, sm90 and sm100, d_qk 576 and 512, with
    no stack or local memory (spills) and no trap; own process, no interpreter, no GPU needed."""
    import os
    import subprocess
    import sys

    from dsagen.runtime import paths

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, "-c", _AOT, str(paths.template_path("triton", "sparse_mla_prefill"))],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count("ok ") == 6, r.stdout


@pytest.mark.parametrize("arch", ["sm80", "sm89", "sm100"])
def test_untuned_launch_off_sm90_fits_the_arch(arch):
    """A launch with no tuned schedule uses the portable default off sm90: its shared memory (q block
    plus the KV step buffers, as the search space's constraint counts them) fits the arch, where the
    template default (sm90's pick) does not fit the L40S. (AMD: AOT data in the template.)"""
    from dsagen.spec.archs import get_arch

    mod = template_module("sparse_mla_prefill")

    def smem(sch, a):
        return mod.block_h_for(128, sch, a) * 576 * 2 + sch["BLOCK_N"] * 576 * 2 * max(1, min(sch["num_stages"], 2))

    assert smem(mod.PORTABLE_SCHEDULE, arch) <= get_arch(arch).smem_per_block
    assert smem(mod.SCHEDULE, "sm89") > get_arch("sm89").smem_per_block  # why the portable default exists
