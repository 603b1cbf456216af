"""Gluon kernels in the one pipeline (backend "gluon", issue 14): units from
schedules/<op>/gluon.toml ([targets] says which archs), one kernel per bucket named <bucket>-gluon,
builds that lose their wgmma dropped, status "compiled" without a GPU (Gluon has no interpreter),
the GPU path (verified, timed, the fastest kept, timed against Triton) with in-process stand-ins,
the dispatch preference rule (fake manifest entries), and the committed sm90 kernel's own file run
through the CPU emulation of its source (tests/fixtures/gluon_emu.py)."""

import json
import shutil
import warnings

import pytest
import torch

from dsagen.gen import pipeline, records
from dsagen.gen.backends import BACKENDS, GPU_CANDIDATES, TL_TRIES
from dsagen.gen.render import sha256_file
from dsagen.operators import get_op
from dsagen.runtime import dispatch, manifest
from dsagen.spec import load_spec
from dsagen.spec.archs import get_arch
from tests.fixtures.helpers import REPO, InProcess

OP = "sparse_mla_prefill"
BUCKET = "sparse_mla_prefill_h128_dqk576_topk2048_skv32768"
NAME = BUCKET + "-gluon"
PROBLEM = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 32768}
GL = BACKENDS["gluon"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    (h / "schedules" / OP).mkdir(parents=True)
    shutil.copy(REPO / "schedules" / OP / "gluon.toml", h / "schedules" / OP / "gluon.toml")
    monkeypatch.setenv("DSAGEN_HOME", str(h))
    for var in ("DSAGEN_GENERATED", "DSAGEN_PLUGINS", "DSAGEN_GLUON", "DSAGEN_TILELANG"):
        monkeypatch.delenv(var, raising=False)
    manifest.forget()
    dispatch._tl_kernels.clear()
    return h


def _units(arch="sm90"):
    return [u for u in pipeline.plan(get_arch(arch), load_spec(None), [OP], log=lambda m: None)
            if u.backend == "gluon"]


def _only_gluon(monkeypatch):
    real = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *a, **k: [u for u in real(*a, **k) if u.backend == "gluon"])


def _result(name="sparse_mla_prefill_ws_kernel", **k):
    rec = {"name": name, "registers": 168, "spill_bytes": 0, "smem_bytes": 230272, "fma": 26, "mma_shapes": {},
           "gmma_shapes": {"HGMMA.64x64x16.F32.BF16": 36, "HGMMA.64x256x16.F32.BF16": 8}}
    return {"kernels": [dict(rec, **k)], "error": None, "seconds": 1.0}


def _fake_build(task):
    """Stands for an AOT compile: plausible resources, what the compiled kernel reports."""
    return _result()


# ---------------------------------------------------------------- units and schedule space
def test_units_on_the_targets_of_its_space_only(home, monkeypatch):
    us = _units()
    assert [u.name for u in us] == [NAME, "sparse_mla_prefill_h128_dqk576_topk2048_skv131072-gluon"]
    u = us[0]
    assert u.target == "sm_90a" and u.problem == PROBLEM and u.template.name == "gluon.py"
    assert u.kept[0] == {"BLOCK_N": 64, "KV_STAGES": 2, "LOADER_WARPS": 4, "LOADER_REGS": 40}  # template default
    triton_keys = {t.key for t in pipeline.plan(get_arch("sm90"), load_spec(None), [OP], log=lambda m: None)
                   if t.backend == "triton"}
    assert len({u.key for u in us}) == 2 and not triton_keys & {u.key for u in us}
    assert _units("sm80") == [] and _units("gfx942") == []   # warp specialisation + wgmma: Hopper only
    monkeypatch.setenv("DSAGEN_GLUON", "0")
    assert _units() == []


def test_a_template_names_the_buckets_it_covers():
    """The decode template covers V3.2's 656-byte FP8 cache only: V4's MODEL1 / two-cache buckets get
    no Gluon unit (the Triton kernel serves them)."""
    def units(spec):
        return [u.name for u in pipeline.plan(get_arch("sm90"), load_spec(spec), ["sparse_mla_decode"],
                                              log=lambda m: None) if u.backend == "gluon"]

    assert units(None) == [f"sparse_mla_decode_h128_dqk576_topk2048_fp8_b{b}-gluon" for b in (1, 32, 128)]
    assert units("deepseek-v4-flash") == []


def test_a_build_without_its_wgmma_or_with_spills_is_unusable(home):
    u = _units()[0]
    assert GL.why_unusable(u, _result()) is None
    why = GL.why_unusable(u, _result(gmma_shapes={}, mma_shapes={"HMMA.16816.F32.BF16": 64}))
    assert why and "mma.sync in the SASS" in why
    assert "no wgmma" in GL.why_unusable(u, _result(gmma_shapes={}))
    combine = dict(_result()["kernels"][0], name="combine", gmma_shapes={})  # a kernel without MMAs beside one
    assert GL.why_unusable(u, {"kernels": _result()["kernels"] + [combine], "error": None}) is None
    assert "spills 32 bytes" in GL.why_unusable(u, _result(spill_bytes=32))
    assert "compile failed" in GL.why_unusable(u, {"kernels": [], "error": "CompilationError: x"})


# ---------------------------------------------------------------- the CPU path (stand-in builds)
def test_without_a_gpu_it_is_recorded_compiled_and_never_run(home, monkeypatch):
    _only_gluon(monkeypatch)
    monkeypatch.setattr(pipeline, "build", _fake_build)
    monkeypatch.setattr(pipeline, "run_task", lambda t: pytest.fail("ran a Gluon kernel without a GPU"))
    log = []
    s = pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=InProcess(), log=log.append)
    assert s["failed"] == [] and f"{OP}/{NAME}" in s["tuned"], "\n".join(log)
    e = manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["backend"] == "gluon" and e["status"] == "compiled" and e["verification"] is None
    assert e["schedule"] == {"BLOCK_N": 64, "KV_STAGES": 2, "LOADER_WARPS": 4, "LOADER_REGS": 40}
    assert "NOT run here" in e["note"] and manifest.check_entry(e) is None
    src = (home / "generated" / e["path"]).read_text()
    assert f"# kernel: \"{NAME}\"" in src and "def unsupported(" in src and "@gluon.jit" in src
    assert dispatch.gluon_module(get_op(OP), "sm90", PROBLEM) is None   # compiled: Triton serves
    monkeypatch.setattr(pipeline, "build", lambda t: pytest.fail("rebuilt an up-to-date kernel"))
    log = []
    assert pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=InProcess(), log=log.append)["skipped"] == 2
    assert f"up to date: {OP}/{NAME} (gluon, compiled)" in log


def test_every_candidate_unusable_fails_the_unit_and_records_nothing(home, monkeypatch):
    _only_gluon(monkeypatch)
    tried = []

    def no_wgmma(task):
        tried.append(task["schedule"])
        return _result(gmma_shapes={}, mma_shapes={"HMMA.16816.F32.BF16": 8})

    monkeypatch.setattr(pipeline, "build", no_wgmma)
    log = []
    s = pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=InProcess(), log=log.append)
    assert f"{OP}/{NAME}" in s["failed"] and len(tried) == 2 * TL_TRIES
    assert manifest.read_manifest()["kernels"] == {}


# ---------------------------------------------------------------- the GPU path (stand-ins)
def test_on_a_gpu_the_fastest_verified_schedule_is_kept_and_timed_against_triton(home, monkeypatch):
    _only_gluon(monkeypatch)
    [u, _] = _units()
    want = u.kept[:GPU_CANDIDATES]
    times = {json.dumps(want[0], sort_keys=True): 900.0, json.dumps(want[1], sort_keys=True): 700.0}
    tdir = home / "generated" / "sm90" / OP / BUCKET
    tdir.mkdir(parents=True)
    (tdir / "kernel.py").write_text("# triton stand-in\n")
    records.write_manifest({"kernels": {f"sm90/{OP}/{BUCKET}": {
        "name": BUCKET, "op": OP, "arch": "sm90", "backend": "triton", "key": "t", "status": "measured",
        "problem": PROBLEM, "bucket": {"key": "s_kv", "lo": 8192, "hi": 32768},
        "path": f"sm90/{OP}/{BUCKET}/kernel.py", "source_sha256": sha256_file(tdir / "kernel.py")}}})
    runs = []

    def fake_run(task):
        src = task["kernels"][0]["files"]["kernel.py"].decode()
        sched = src.split("SCHEDULE = ", 1)[1].split("\n", 1)[0]
        runs.append((task["kernels"][0]["backend"], len(task["kernels"]), task["device"], task["problem"]["s_kv"]))
        out = {"passed": True, "max_error": 1e-3, "shapes": "x", "where": "NVIDIA H100", "device_arch": "sm90",
               "timing": {"median_us": times[json.dumps(json.loads(sched), sort_keys=True)], "kind": "full-size",
                          "device": "NVIDIA H100"}}
        if len(task["kernels"]) > 1:
            out["baseline_us"] = 1000.0
        return out

    monkeypatch.setattr(pipeline, "build", _fake_build)
    monkeypatch.setattr(pipeline, "run_task", fake_run)
    monkeypatch.setattr(pipeline, "device_for", lambda ex, arch: "NVIDIA H100")
    log = []
    s = pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=InProcess(), log=log.append)
    assert f"{OP}/{NAME}" in s["tuned"], "\n".join(log)
    e = manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["status"] == "measured" and e["schedule"] == want[1] and e["timing"]["median_us"] == 700.0
    assert ("gluon", 1, "cuda", 32768) in runs and ("gluon", 2, "cuda", 32768) in runs
    [row] = e["timings"]
    assert row["gluon_us"] == 700.0 and row["triton_us"] == 1000.0 and row["name"] == BUCKET
    assert any("gluon 700.0 us, Triton 1000.0 us -> gluon" in line for line in log)


# ---------------------------------------------------------------- dispatch preference (fake entries)
FAKE_KERNEL = '''
CALLS = []


def unsupported(q, *args, **kwargs):
    return None if q.dtype == torch_bf16() else "q must be bf16"


def torch_bf16():
    import torch
    return torch.bfloat16


def launch(q, *args, checked=False, **kwargs):
    CALLS.append((tuple(q.shape), checked))
'''


def _fake_entry(home, status, timings=None, backend="gluon", name=NAME):
    rel = f"sm90/{OP}/{name}"
    kdir = home / "generated" / rel
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.py").write_text(FAKE_KERNEL + f"# {status}\n")
    e = {"name": name, "op": OP, "arch": "sm90", "backend": backend, "status": status, "key": "k",
         "bucket": {"key": "s_kv", "lo": 8192, "hi": 32768}, "problem": PROBLEM, "schedule": {"BLOCK_N": 64},
         "path": f"{rel}/kernel.py", "source_sha256": sha256_file(kdir / "kernel.py"), "timings": timings}
    data = manifest.read_manifest() if (home / "generated" / "manifest.json").exists() else {"kernels": {}}
    data["kernels"][f"sm90/{OP}/{name}"] = e
    records.write_manifest(data)
    return e, kdir


def _row(us, triton_us, s_kv=32768, backend="gluon"):
    return {"name": BUCKET, "bucket": {"key": "s_kv", "lo": 8192, "hi": s_kv}, "problem": dict(PROBLEM, s_kv=s_kv),
            f"{backend}_us": us, "triton_us": triton_us}


def test_dispatch_prefers_gluon_only_once_verified_on_a_gpu_and_faster(home, monkeypatch):
    op = get_op(OP)
    _fake_entry(home, "compiled")
    assert dispatch.gluon_module(op, "sm90", PROBLEM) is None            # compiled: Triton
    _fake_entry(home, "verified-cpu")
    assert dispatch.gluon_module(op, "sm90", PROBLEM) is None            # no such thing for Gluon, still no
    for status in ("verified-gpu", "measured"):
        _fake_entry(home, status)
        m = dispatch.gluon_module(op, "sm90", PROBLEM)
        assert isinstance(m, dispatch.GluonModule) and m.BACKEND == "gluon" and m.SCHEDULE == {"BLOCK_N": 64}
    assert dispatch.gluon_module(op, "sm80", PROBLEM) is None
    assert dispatch.gluon_module(op, "sm90", dict(PROBLEM, h_q=64)) is None   # other head count
    monkeypatch.setenv("DSAGEN_GLUON", "off")
    assert dispatch.gluon_module(op, "sm90", PROBLEM) is None
    monkeypatch.delenv("DSAGEN_GLUON")
    _fake_entry(home, "measured", timings=[_row(900.0, 800.0)])
    assert dispatch.gluon_module(op, "sm90", PROBLEM) is None            # timed slower than Triton
    e, kdir = _fake_entry(home, "measured", timings=[_row(700.0, 800.0)])
    assert dispatch.gluon_module(op, "sm90", PROBLEM) is not None
    (kdir / "kernel.py").write_text("# edited\n")                          # an edited file is refused
    with pytest.warns(UserWarning, match="sha256 differs"):
        assert dispatch.gluon_module(op, "sm90", PROBLEM) is None


def test_a_kernel_that_does_not_load_leaves_the_call_to_triton(home):
    e, kdir = _fake_entry(home, "verified-gpu")
    (kdir / "kernel.py").write_text("raise ImportError('no triton.experimental.gluon here')\n")
    e["source_sha256"] = sha256_file(kdir / "kernel.py")
    records.write_manifest({"kernels": {f"sm90/{OP}/{NAME}": e}})
    with pytest.warns(UserWarning, match="cannot be loaded"):
        assert dispatch.gluon_module(get_op(OP), "sm90", PROBLEM) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        assert dispatch.gluon_module(get_op(OP), "sm90", PROBLEM) is None


def test_the_faster_of_tilelang_and_gluon_is_preferred(home, monkeypatch):
    op = get_op(OP)
    monkeypatch.setattr(dispatch, "load_tilelang_kernel", lambda kdir, e: object())
    monkeypatch.setattr(dispatch, "tilelang_adapter", lambda op: (lambda m, *a, **k: None))
    _fake_entry(home, "measured", timings=[_row(700.0, 800.0)])
    tl = _fake_entry(home, "measured", timings=[_row(600.0, 800.0, backend="tilelang")], backend="tilelang",
                     name="sparse_mla_prefill_h128_dqk576_topk2048-tilelang")[0]
    assert dispatch.preferred_module(op, "sm90", PROBLEM).BACKEND == "tilelang"
    tl["timings"] = [_row(750.0, 800.0, backend="tilelang")]
    data = manifest.read_manifest()
    data["kernels"][f"sm90/{OP}/{tl['name']}"] = tl
    records.write_manifest(data)
    assert dispatch.preferred_module(op, "sm90", PROBLEM).BACKEND == "gluon"


def test_calls_the_kernel_cannot_serve_go_to_triton_or_are_declined_when_strict(home):
    op = get_op(OP)
    e, kdir = _fake_entry(home, "verified-gpu")
    triton_calls = []

    class Triton:
        @staticmethod
        def launch(*args, **kwargs):
            triton_calls.append(args[0].dtype)

    m = dispatch.gluon_entry_module(op, e, kdir / "kernel.py", strict=False)
    m._fallback = lambda: Triton
    m.launch(torch.zeros(2, 3, dtype=torch.bfloat16), sm_scale=1.0)
    m.launch(torch.zeros(2, 3), sm_scale=1.0)
    assert m.module.CALLS == [((2, 3), True)] and triton_calls == [torch.float32]  # asked once, not again
    strict = dispatch.gluon_entry_module(op, e, kdir / "kernel.py")
    with pytest.raises(dispatch.Declined, match=r"gluon sparse_mla_prefill kernel .*\(q must be bf16\)"):
        strict.launch(torch.zeros(2, 3), sm_scale=1.0)


def test_the_template_names_what_it_leaves_to_triton():
    mod = dispatch.template_module(OP, "gluon")
    q = torch.randn(2, 16, 576).to(torch.bfloat16)
    kv = torch.randn(50, 1, 576).to(torch.bfloat16)
    idx = torch.zeros(2, 1, 8, dtype=torch.int32)
    out, ml, lse = torch.empty(2, 16, 512, dtype=torch.bfloat16), torch.empty(2, 16), torch.empty(2, 16)

    def why(q=q, kv=kv, out=out):
        return mod.unsupported(q, kv, idx, None, None, out, ml, lse, sm_scale=0.1)

    assert "sm90" in why()                                          # CPU tensors
    assert "bf16" in why(q=q.float())
    assert "d_qk must be 512 or 576" in why(q=torch.zeros(2, 16, 192, dtype=torch.bfloat16))
    unaligned = torch.zeros(50, 1, 580, dtype=torch.bfloat16)[:, :, 1:577]
    assert "kv's rows must be 16-byte aligned" in why(kv=unaligned)
    with pytest.raises(ValueError, match="cannot run this call"):
        mod.launch(q, unaligned, idx, None, None, out, ml, lse, sm_scale=0.1)


# ---------------------------------------------------------------- the committed kernel file itself
def _committed(op):
    data = json.loads((REPO / "generated" / "manifest.json").read_text())["kernels"]
    entries = [e for e in data.values() if e["backend"] == "gluon" and e["arch"] == "sm90" and e["op"] == op]
    assert entries, f"no sm90 Gluon {op} kernel in generated/"
    e = entries[0]
    mod = dispatch.load_module_from_file(REPO / "generated" / e["path"], f"committed_gluon_{op}")
    assert mod.SCHEDULE == {k: e["schedule"][k] for k in mod.SCHEDULE}
    return mod


def test_the_committed_sm90_prefill_kernel_file_runs_right_in_the_emulation():
    """The generated/ copy of the kernel (the rendered template, what dispatch would load) through
    the CPU emulation of its own source, on FlashMLA's input distribution."""
    from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as oracle
    from dsagen.operators.sparse_mla_prefill.problem import FLASHMLA_INPUT_SCALE, mismatch, random_instance
    from tests.fixtures.gluon_emu import Emulator

    mod = _committed(OP)
    q, kv, idx = random_instance(24, 576, 100, 2, 300, seed=5, scale=FLASHMLA_INPUT_SCALE)
    out = torch.full((2, 24, 512), float("nan"), dtype=torch.bfloat16)
    ml, lse = torch.full((2, 24), float("nan")), torch.full((2, 24), float("nan"))
    kernel = Emulator(mod).kernel(mod.sparse_mla_prefill_ws_kernel, jitter_s=2e-5, seed=3)
    mod.run(kernel, q, kv, idx, None, None, out, ml, lse, sm_scale=576 ** -0.5)
    why = mismatch(out, ml, lse, *oracle(q, kv, idx, 576 ** -0.5, 512))
    assert not why, why


def test_the_committed_sm90_decode_kernel_file_runs_right_in_the_emulation():
    from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle
    from dsagen.operators.sparse_mla_decode.problem import mismatch, random_instance
    from tests.fixtures.gluon_emu import Emulator

    mod = _committed("sparse_mla_decode")
    inst = random_instance({"h_q": 24, "d_qk": 576, "d_v": 512, "topk": 150, "batch": 2, "s_q": 2,
                            "kv_format": "fp8", "page_block_size": 64}, seed=6, flashmla_inputs=True)
    q, cache, idx = inst["q"], inst["k_cache"], inst["indices"]
    idx[..., -1] = -1
    out = torch.full((2, 2, 24, 512), float("nan"), dtype=torch.bfloat16)
    lse = torch.full((2, 24, 2), float("nan"))
    emu = Emulator(mod)
    mod.run(emu.kernel(mod.sparse_mla_decode_ws_kernel, jitter_s=2e-5, seed=2),
            emu.kernel(mod.sparse_mla_decode_combine_kernel), q, cache, idx, None, None, out, lse,
            sm_scale=576 ** -0.5, num_splits=2, sms=132)
    why = mismatch(out, lse, *oracle(q, cache, idx, 576 ** -0.5))
    assert not why, why
