"""TileLang kernels in the one pipeline: units from schedules/<op>/tilelang.toml ([targets] says
which archs), the build stage (staging + rename + manifest under the lock, status "compiled",
up to date by cache key), the skip line without tilelang/nvcc, the GPU path (several schedules
built, verified, timed; the fastest kept; timed against Triton) with in-process stand-ins, and
the dispatch preference rule (fake manifest entries: no GPU needed)."""

import importlib.util
import json
import shutil
import warnings

import pytest
import torch

from dsagen.gen import backends, pipeline, records
from dsagen.gen.backends import BACKENDS, GPU_CANDIDATES, TL_TRIES
from dsagen.gen.render import sha256_file
from dsagen.gen.space import ScheduleError, load_space
from dsagen.gen.tilelang_build import nvcc_path
from dsagen.operators import get_op
from dsagen.runtime import dispatch, manifest
from dsagen.runtime.dispatch import template_file
from dsagen.spec import load_spec
from dsagen.spec.archs import get_arch
from tests.fixtures.helpers import REPO, InProcess, cli

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to build sm_90a kernels",
)
SM90 = get_arch("sm90")
OP = "indexer_logits"
NAME = "indexer_logits_h64_d128-tilelang"
PROBLEM = {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 8192}
TL = BACKENDS["tilelang"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    (h / "schedules" / OP).mkdir(parents=True)
    shutil.copy(REPO / "schedules" / OP / "tilelang.toml", h / "schedules" / OP / "tilelang.toml")
    monkeypatch.setenv("DSAGEN_HOME", str(h))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.delenv("DSAGEN_PLUGINS", raising=False)
    monkeypatch.delenv("DSAGEN_TILELANG", raising=False)
    manifest.forget()
    dispatch._tl_kernels.clear()
    return h


def _units(arch=SM90):
    return [u for u in pipeline.plan(arch, load_spec(None), [OP], log=lambda m: None) if u.backend == "tilelang"]


def _fake_build(task):
    """Stands for a TileLang build: writes kernel.cu/.so per kernel, reports plausible resources."""
    metas = []
    staged = backends.Path(task["staged"])
    for i, k in enumerate(task["kernels"]):
        d = staged / k["subdir"] if k["subdir"] else staged
        d.mkdir(parents=True, exist_ok=True)
        (d / "kernel.cu").write_text(f"// {k['label']} {json.dumps(k['schedule'], sort_keys=True)}\n")
        (d / "kernel.so").write_bytes(k["label"].encode())
        metas.append({"label": k["label"], "subdir": k["subdir"], "schedule": k["schedule"], "problem": k["problem"],
                      "source_sha256": sha256_file(d / "kernel.cu"), "registers": 100 + i,
                      "shared_bytes": 1000 * (2 - i), "spill_bytes": 0, "wgmma_in_ptx": 4 * (1 - i),
                      "mma_sync_in_ptx": 0, "tcgen05_in_ptx": 0, "gmma_in_sass": 4 * (1 - i), "gmma_shapes": {},
                      "tensor_cores_kept": True, "function": OP, "tilelang_version": "0.1.15",
                      "nvcc_version": "13.0.88"})
    return {"metas": metas, "error": None, "seconds": 1.0}


def _tune(log, executor=None, **kw):
    return pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=executor or InProcess(), log=log.append, **kw)


def _no_triton(monkeypatch):
    """Only the TileLang unit of OP (the Triton ones are covered by test_tune)."""
    real = pipeline.plan
    monkeypatch.setattr(pipeline, "plan", lambda *a, **k: [u for u in real(*a, **k) if u.backend == "tilelang"])


# ---------------------------------------------------------------- units and schedule space
def test_schedule_space_and_unit(home, monkeypatch):
    tpl = template_file(get_op(OP), "tilelang")
    space = load_space(OP, "tilelang", tpl)
    assert space.backend == "tilelang" and space.source.endswith(f"{OP}/tilelang.toml")
    assert set(space.keys) == {"block_N", "block_Q", "threads", "num_stages"}  # no num_warps added
    assert space.targets == {"sm90": "sm_90a", "sm100": "sm_100a"}
    [u] = _units()
    assert u.name == NAME and u.label == f"{OP}/{NAME}" and u.target == "sm_90a"
    assert u.build_problem == {"h": 64, "d": 128}  # one kernel for every s_q / s_kv bucket (dynamic sizes)
    assert u.problem["heads"] == 64 and u.problem["head_dim"] == 128 and u.problem["s_kv"] == 131072
    assert u.kept[0] == {"block_N": 128, "block_Q": 2, "threads": 256, "num_stages": 2}  # template default first
    assert all(c["block_N"] * c["block_Q"] * 64 <= 64 * c["threads"] for c in u.kept)
    assert _units(get_arch("sm80")) == []  # not a TileLang target
    assert {c["block_N"] for c in _units(get_arch("sm100"))[0].kept} == {128}  # an sm100-only constraint
    monkeypatch.setenv("DSAGEN_TILELANG", "0")
    assert _units() == []
    monkeypatch.delenv("DSAGEN_TILELANG")
    (home / "schedules" / OP / "tilelang.toml").write_text('op = "indexer_logits"\nbackend = "triton"\n'
                                                          '[targets]\nsm90 = "sm_90a"\n[space]\nblock_N = [64]\n')
    with pytest.raises(ScheduleError, match="backend"):
        load_space(OP, "tilelang", tpl)


def test_skipped_in_one_line_without_toolchain(home, monkeypatch):
    import dsagen.gen.tilelang_build as tb
    _no_triton(monkeypatch)
    monkeypatch.setattr(tb, "unavailable", lambda: "tilelang is not importable by /x/python")
    monkeypatch.setattr(pipeline, "build", lambda t: pytest.fail("built without a toolchain"))
    log = []
    s = _tune(log)
    assert f"TileLang: skipped (tilelang is not importable by /x/python); nothing recorded for {OP}/{NAME}" in log
    assert s["failed"] == [] and s["no_toolchain"] == 1  # a host without the toolchain still tunes Triton
    assert not (home / "generated" / "manifest.json").exists()


def test_failed_build_records_nothing(home, monkeypatch):
    import dsagen.gen.tilelang_build as tb
    _no_triton(monkeypatch)
    monkeypatch.setattr(tb, "unavailable", lambda: None)
    tried = []

    def failing(task):
        tried.append(task["schedule"])
        return {"metas": [], "error": "RuntimeError: nvcc -cubin failed", "seconds": 0.1}

    monkeypatch.setattr(pipeline, "build", failing)
    log = []
    s = _tune(log)
    assert s["failed"] == [f"{OP}/{NAME}"] and len(tried) == TL_TRIES
    assert any(line.startswith(f"FAILED {OP}/{NAME}") for line in log)
    assert manifest.read_manifest()["kernels"] == {}
    assert not any((home / "generated" / ".staging").iterdir())  # failed builds' folders removed


def test_multi_kernel_template_is_published_as_one_tree(home, monkeypatch):
    """A template whose aot_kernels lists several kernels (decode: main + combine) gets one
    directory per kernel inside the entry's tree, every file hashed (stand-in builds)."""
    import dsagen.gen.tilelang_build as tb
    _no_triton(monkeypatch)
    real = TL._template(get_op(OP))

    class TwoParts:
        SCHEDULE = real.SCHEDULE
        problem_from_op = staticmethod(real.problem_from_op)

        @staticmethod
        def aot_kernels(problem, schedule):
            return [{"template": OP, "problem": dict(problem, part=part), "schedule": dict(schedule),
                     "arch": "sm_90a"} for part in ("main", "combine")]

    monkeypatch.setattr(type(TL), "_template", lambda self, op: TwoParts)
    monkeypatch.setattr(tb, "unavailable", lambda: None)
    monkeypatch.setattr(pipeline, "build", _fake_build)
    s = _tune([])
    assert s["tuned"] == [f"{OP}/{NAME}"]
    e = manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    tree = home / "generated" / "sm90" / OP / NAME
    assert e["status"] == "compiled" and e["verification"] is None and e["backend"] == "tilelang"
    assert [k["label"] for k in e["kernels"]] == ["main", "combine"]
    assert (tree / "main" / "kernel.so").read_bytes() == b"main" and (tree / "combine" / "kernel.so").exists()
    assert e["resources"] == {"registers": 101, "smem_bytes": 2000, "spill_bytes": 0, "wgmma_in_ptx": 4,
                              "mma_sync_in_ptx": 0, "tcgen05_in_ptx": 0, "gmma_in_sass": 4}
    assert manifest.check_entry(e) is None
    (tree / "combine" / "kernel.so").write_bytes(b"x")
    assert "combine/kernel.so: sha256 differs" in manifest.check_entry(e)
    # A rebuild (the files no longer match) replaces the whole tree atomically.
    log = []
    assert _tune(log)["tuned"] == [f"{OP}/{NAME}"]
    assert manifest.check_entry(manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]) is None
    assert not any((home / "generated" / ".staging").iterdir())
    # Up to date now: nothing is built.
    monkeypatch.setattr(pipeline, "build", lambda t: pytest.fail("rebuilt an up-to-date kernel"))
    log = []
    assert _tune(log)["skipped"] == 1 and f"up to date: {OP}/{NAME} (tilelang, compiled)" in log


def test_a_template_that_does_not_load_fails_only_its_kernels(home, monkeypatch):
    def broken(self, op):
        raise SyntaxError("invalid syntax (tilelang.py, line 3)")

    monkeypatch.setattr(type(TL), "_template", broken)
    [u] = _units()
    assert u.error and "SyntaxError" in u.error and u.label == f"{OP}/{OP}-tilelang"
    _no_triton(monkeypatch)
    log = []
    s = _tune(log)
    assert s["failed"] == [u.label] and any("SyntaxError" in line for line in log)


def test_usable_refuses_a_kernel_whose_wgmma_ptxas_deleted(home):
    """A kernel whose accumulators are dead compiles cleanly, with few registers, and computes
    nothing: ptxas deletes its wgmma. The generator must not record it."""
    [u] = _units()
    good = {"label": "main", "registers": 168, "spill_bytes": 0, "shared_bytes": 50176,
            "wgmma_in_ptx": 8, "gmma_in_sass": 8, "tensor_cores_kept": True}
    assert TL.why_unusable(u, {"metas": [good]}) is None
    dead = {**good, "registers": 28, "gmma_in_sass": 0, "tensor_cores_kept": False}
    why = TL.why_unusable(u, {"metas": [dead]})
    assert why and "kept 0 of the 8 tensor-core MMAs" in why
    unknown = {**good, "gmma_in_sass": None, "tensor_cores_kept": None}  # no cuobjdump: not judged
    assert TL.why_unusable(u, {"metas": [unknown]}) is None


# ---------------------------------------------------------------- the GPU path (stand-ins)
def test_on_a_gpu_tune_builds_several_schedules_and_keeps_the_fastest(home, monkeypatch):
    """With a GPU of the arch, GPU_CANDIDATES schedules are built, verified and timed at full
    size (stand-ins here), the fastest that passes is kept (status measured), and the kept
    kernel is timed against the tuned Triton kernel of each bucket (timings)."""
    import dsagen.gen.tilelang_build as tb
    _no_triton(monkeypatch)
    [u] = _units()
    want = u.kept[:GPU_CANDIDATES]
    assert len(want) == GPU_CANDIDATES
    times = {json.dumps(c, sort_keys=True): 10.0 + i for i, c in enumerate(want)}
    fastest = want[2]
    times[json.dumps(fastest, sort_keys=True)] = 5.0
    times[json.dumps(want[1], sort_keys=True)] = None      # fails verification: never picked
    # A tuned Triton kernel for one bucket of the same structure (what TileLang is timed against).
    tdir = home / "generated" / "sm90" / OP / "indexer_logits_h64_d128_skv131072"
    tdir.mkdir(parents=True)
    (tdir / "kernel.py").write_text("# triton stand-in\n")
    records.write_manifest({"kernels": {f"sm90/{OP}/indexer_logits_h64_d128_skv131072": {
        "name": "indexer_logits_h64_d128_skv131072", "op": OP, "arch": "sm90", "backend": "triton", "key": "t",
        "status": "measured", "problem": dict(PROBLEM, s_kv=131072), "bucket": {"key": "s_kv", "lo": 32768,
                                                                                  "hi": 131072},
        "path": f"sm90/{OP}/indexer_logits_h64_d128_skv131072/kernel.py",
        "source_sha256": sha256_file(tdir / "kernel.py")}}})
    runs = []

    def fake_run(task):
        cu = next(v for k, v in task["kernels"][0]["files"].items() if k.endswith("kernel.cu")).decode()
        sched = json.dumps(json.loads(cu.split(" ", 2)[2]), sort_keys=True)
        runs.append((sched, len(task["kernels"]), task["device"], task["needs_arch"], task["problem"]["s_kv"]))
        us = times[sched]
        if us is None:
            return {"passed": False, "where": "NVIDIA H200", "device_arch": "sm90", "shapes": "x"}
        out = {"passed": True, "max_error": 0.0, "shapes": "x", "where": "NVIDIA H200", "device_arch": "sm90",
               "timing": {"median_us": us, "kind": "full-size", "device": "NVIDIA H200"}}
        if len(task["kernels"]) > 1:
            out["baseline_us"] = 8.0
        return out

    monkeypatch.setattr(tb, "unavailable", lambda: None)
    monkeypatch.setattr(pipeline, "build", _fake_build)
    monkeypatch.setattr(pipeline, "run_task", fake_run)
    monkeypatch.setattr(pipeline, "device_for", lambda ex, arch: "NVIDIA H200")
    log = []
    s = _tune(log)
    assert s["tuned"] == [f"{OP}/{NAME}"], "\n".join(log)
    e = manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["schedule"] == fastest and e["status"] == "measured" and e["timing"]["median_us"] == 5.0
    assert [c["timing_us"] for c in e["candidates"]] == [10.0, None, 5.0, 13.0]
    assert all(r[2] == "cuda" and r[3] == "sm90" for r in runs)
    assert runs[:4] == [(json.dumps(c, sort_keys=True), 1, "cuda", "sm90", 131072) for c in want]  # full size
    assert e["timings"] == [{"name": "indexer_logits_h64_d128_skv131072", "bucket": {"key": "s_kv", "lo": 32768,
                                                                                     "hi": 131072},
                             "problem": dict(PROBLEM, s_kv=131072), "tilelang_us": 5.0, "triton_us": 8.0,
                             "device": "NVIDIA H200", "date": e["timings"][0]["date"]}]
    assert not any((home / "generated" / ".staging").iterdir())  # the others removed


# ---------------------------------------------------------------- a real build (no GPU)
@needs_toolchain
def test_build_records_compiled_kernel_and_reruns_skip(home, monkeypatch):
    _no_triton(monkeypatch)
    log = []
    s = pipeline.tune("sm90", load_spec(None), [OP], jobs=1, log=log.append)
    assert s["tuned"] == [f"{OP}/{NAME}"] and not s["failed"], "\n".join(log)
    e = manifest.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["backend"] == "tilelang" and e["status"] == "compiled" and e["verification"] is None
    assert e["target"] == "sm_90a" and e["tl_problem"] == {"h": 64, "d": 128}
    r = e["resources"]
    assert 0 < r["registers"] <= 255 and r["spill_bytes"] == 0 and 0 < r["smem_bytes"] <= SM90.smem_per_block
    assert r["wgmma_in_ptx"] > 0 and r["mma_sync_in_ptx"] == 0 and r["gmma_in_sass"] >= r["wgmma_in_ptx"]
    assert e["toolchain"]["tilelang"] and e["toolchain"]["nvcc"]
    kdir = home / "generated" / "sm90" / OP / NAME
    assert e["path"] == f"sm90/{OP}/{NAME}/kernel.cu" and (kdir / "kernel.so").exists()
    assert sha256_file(kdir / "kernel.cu") == e["source_sha256"] and manifest.check_entry(e) is None
    meta = json.loads((kdir / "meta.json").read_text())
    assert meta["lib_path"] == "kernel.so" and meta["template"] == OP  # no build-host paths in the tree
    assert not any((home / "generated" / ".staging").iterdir())
    # Triton stays the dispatched kernel: the build is only "compiled".
    assert dispatch.tilelang_module(get_op(OP), "sm90", PROBLEM) is None
    monkeypatch.setattr(pipeline, "build", lambda t: pytest.fail("rebuilt an up-to-date kernel"))
    log = []
    s = pipeline.tune("sm90", load_spec(None), [OP], jobs=1, executor=InProcess(), log=log.append)
    assert s["skipped"] == 1 and f"up to date: {OP}/{NAME} (tilelang, compiled)" in log
    recs = json.loads(cli(home, "list", "--json").stdout)
    [rec] = [x for x in recs if x["name"] == NAME]
    assert rec["backend"] == "tilelang" and rec["status"] == "compiled" and rec["registers"] == r["registers"]
    with open(kdir / "kernel.so", "ab") as f:
        f.write(b"\0")
    assert "kernel.so: sha256 differs" in manifest.check_entry(e)


# ---------------------------------------------------------------- dispatch preference (fake entries)
class FakeKernel:
    def __init__(self):
        self.meta = {"problem": {"h": 64, "d": 128}}
        self.calls = []

    def __call__(self, q, k, k_scale, w, ks, ke, out):
        self.calls.append(tuple(q.shape))
        out.fill_(1.0)


def _fake_entry(home, status, heads=64, extra_kernel=False, timings=None):
    rel = f"sm90/{OP}/{NAME}"
    kdir = home / "generated" / rel
    kdir.mkdir(parents=True, exist_ok=True)
    (kdir / "kernel.cu").write_text("// fake\n")
    (kdir / "kernel.so").write_bytes(b"fake so")
    e = {"name": NAME, "op": OP, "arch": "sm90", "backend": "tilelang", "status": status, "key": "k",
         "bucket": {"key": "s_kv", "lo": 8192, "hi": 131072}, "problem": dict(PROBLEM, heads=heads),
         "tl_problem": {"h": heads, "d": 128}, "schedule": {"block_N": 128},
         "path": f"{rel}/kernel.cu", "lib": f"{rel}/kernel.so", "source_sha256": sha256_file(kdir / "kernel.cu"),
         "lib_sha256": sha256_file(kdir / "kernel.so"), "function": "indexer_logits", "verification": None,
         "timings": timings}
    if extra_kernel:
        e["kernels"] = [{"path": e["path"], "lib": f"{rel}/combine/kernel.so", "source_sha256": e["source_sha256"],
                         "lib_sha256": "0" * 64}]
    records.write_manifest({"kernels": {f"sm90/{OP}/{NAME}": e}})
    return e, kdir


def test_dispatch_prefers_tilelang_only_once_verified_on_gpu(home, monkeypatch):
    fake = FakeKernel()
    op = get_op(OP)
    monkeypatch.setattr(dispatch, "load_tilelang_kernel", lambda kdir, e: fake)
    e, kdir = _fake_entry(home, "compiled")
    assert dispatch.tilelang_module(op, "sm90", PROBLEM) is None          # compiled: Triton
    assert manifest.find_entry(op, "sm90", "triton", PROBLEM) is None    # never a Triton kernel either
    for status in ("verified-gpu", "measured"):
        _fake_entry(home, status)
        m = dispatch.tilelang_module(op, "sm90", PROBLEM)
        assert isinstance(m, dispatch.TileLangModule) and m.kernel is fake and m.BACKEND == "tilelang"
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, s_kv=100)) is not None  # any size: dynamic
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, heads=32)) is None     # other head count
    assert dispatch.tilelang_module(op, "sm80", PROBLEM) is None
    assert dispatch.tilelang_module(get_op("topk"), "sm90", {"k": 2048}) is None    # no topk entry
    monkeypatch.setenv("DSAGEN_TILELANG", "0")
    assert dispatch.tilelang_module(op, "sm90", PROBLEM) is None
    monkeypatch.delenv("DSAGEN_TILELANG")
    _fake_entry(home, "verified-cpu")  # not a GPU verification
    assert dispatch.tilelang_module(op, "sm90", PROBLEM) is None
    _fake_entry(home, "verified-gpu")
    (kdir / "kernel.so").write_bytes(b"edited")  # an edited library is refused with a warning
    with pytest.warns(UserWarning, match="sha256 differs"):
        assert dispatch.tilelang_module(op, "sm90", PROBLEM) is None


def test_dispatch_falls_back_when_the_runtime_cannot_load(home, monkeypatch):
    def no_runtime(kdir, e):
        raise RuntimeError("no libtvm_runtime.so")

    monkeypatch.setattr(dispatch, "load_tilelang_kernel", no_runtime)
    _fake_entry(home, "verified-gpu")
    with pytest.warns(UserWarning, match="cannot be loaded"):
        assert dispatch.tilelang_module(get_op(OP), "sm90", PROBLEM) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        assert dispatch.tilelang_module(get_op(OP), "sm90", PROBLEM) is None


def test_check_entry_covers_every_kernel_of_an_entry(home):
    e, _ = _fake_entry(home, "compiled", extra_kernel=True)
    assert "combine/kernel.so: missing" in manifest.check_entry(e)
    assert "not a path inside" in manifest.check_entry(dict(e, path="../../etc/passwd"))


def test_dispatch_uses_tilelang_only_for_buckets_where_it_was_timed_faster(home, monkeypatch):
    op = get_op(OP)
    monkeypatch.setattr(dispatch, "load_tilelang_kernel", lambda kdir, e: FakeKernel())
    rows = [{"name": "short", "bucket": {"key": "s_kv", "lo": 1024, "hi": 8192}, "problem": dict(PROBLEM, s_kv=8192),
             "tilelang_us": 10.0, "triton_us": 14.0},
            {"name": "long", "bucket": {"key": "s_kv", "lo": 32768, "hi": 131072},
             "problem": dict(PROBLEM, s_kv=131072), "tilelang_us": 90.0, "triton_us": 80.0}]
    _fake_entry(home, "measured", timings=rows)
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, s_kv=4096)) is not None    # TileLang faster
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, s_kv=100000)) is None      # Triton faster
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, s_kv=200000)) is None      # nearest: long
    _fake_entry(home, "measured", timings=None)
    assert dispatch.tilelang_module(op, "sm90", dict(PROBLEM, s_kv=100000)) is not None  # verified, not timed


def _args(s=3, h=64, d=128, s_kv=70, dtype=torch.float8_e4m3fn):
    q = torch.randn(s, h, d).to(dtype)
    k = torch.randn(s_kv, d).to(dtype)
    ks = torch.zeros(s, dtype=torch.int32)
    ke = torch.full((s,), s_kv, dtype=torch.int32)
    scale = torch.ones(s_kv) if dtype == torch.float8_e4m3fn else None
    return q, k, scale, torch.randn(s, h), ks, ke, torch.full((s, s_kv), float("nan"))


def test_adapter_runs_tilelang_or_falls_back_to_triton():
    fake = FakeKernel()
    triton_calls = []
    op = get_op(OP)

    class Triton:
        @staticmethod
        def launch(*args, **kw):
            triton_calls.append(kw)

    e = {"name": NAME, "tl_problem": {"h": 64, "d": 128}, "schedule": {"block_N": 128}}
    m = dispatch.TileLangModule(op, e, fake, fallback=lambda: Triton, device_type="cpu")
    args = _args()
    m.launch(*args, clean=True)
    assert fake.calls == [(3 * 64, 128)] and (args[-1] == 1.0).all() and triton_calls == []
    m.launch(*_args(), clean=False)                          # only in-range columns: Triton
    m.launch(*_args(dtype=torch.bfloat16), clean=True)       # bf16: Triton
    m.launch(*_args(h=32), clean=True)                       # built for 64 heads: Triton
    m.launch(*_args(s_kv=0), clean=True)                     # empty: Triton
    q, k, sc, w, ks, ke, out = _args()
    m.launch(q, k, sc, w, ks, ke, torch.empty(70, 3).t(), clean=True)  # non-contiguous out: Triton
    assert len(fake.calls) == 1 and len(triton_calls) == 5
    strict = dispatch.TileLangModule(op, e, fake, strict=True, device_type="cpu")
    with pytest.raises(ValueError, match="clean=False"):
        strict.launch(*_args(), clean=False)
    on_gpu_only = dispatch.TileLangModule(op, e, fake, fallback=lambda: Triton)  # cpu tensors: Triton
    on_gpu_only.launch(*_args(), clean=True)
    assert len(fake.calls) == 1 and len(triton_calls) == 6
