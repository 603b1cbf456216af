"""TileLang kernels in the generator: plans from schedules/sm90/<op>.tilelang.toml, the build
stage of `tune` (staging + rename + manifest under the lock, status "compiled", cache by
build key), the skip line without tilelang/nvcc, `list --json`, and the dispatch preference
rule (fake manifest entries: no GPU needed)."""

import importlib.util
import json
import shutil
import warnings

import pytest
import torch

from dsagen.gen import cache, tl_gen, tuner
from dsagen.gen.render import sha256_file
from dsagen.gen.space import ScheduleError, load_space
from dsagen.runtime import dispatch, paths
from dsagen.spec import load_spec
from dsagen.spec.archs import get_arch
from dsagen.gen.tilelang_build import nvcc_path
from tests.fixtures.helpers import REPO, cli

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to build sm_90a kernels",
)
SM90 = get_arch("sm90")
OP = "indexer_logits"
NAME = "indexer_logits_h64_d128-tilelang"
PROBLEM = {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 8192}


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    (h / "schedules" / "sm90").mkdir(parents=True)
    shutil.copy(REPO / "schedules" / "sm90" / f"{OP}.tilelang.toml", h / "schedules" / "sm90")
    monkeypatch.setenv("DSAGEN_HOME", str(h))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.delenv("DSAGEN_PLUGINS", raising=False)
    monkeypatch.delenv("DSAGEN_TILELANG", raising=False)
    cache._cache.clear()
    cache._checked.clear()
    dispatch._tl_kernels.clear()
    return h


def _plans(ops=(OP,)):
    return tl_gen.make_plans(SM90, load_spec(None), list(ops))


# ---------------------------------------------------------------- plans and schedule space
def test_schedule_space_and_plan(home, monkeypatch):
    tpl = paths.template_path("tilelang", OP)
    space = load_space("sm90", OP, tpl, backend="tilelang")
    assert space.backend == "tilelang" and space.source.endswith(f"{OP}.tilelang.toml")
    assert set(space.keys) == {"block_N", "block_Q", "threads", "num_stages"}  # no num_warps added
    [p] = _plans()
    assert p.name == NAME and p.key == f"{OP}/{NAME}"
    assert p.tl_problem == {"h": 64, "d": 128}  # one kernel for every s_q / s_kv bucket (dynamic sizes)
    assert p.problem["heads"] == 64 and p.problem["head_dim"] == 128 and "s_kv" in p.problem
    assert p.kept[0] == {"block_N": 128, "block_Q": 2, "threads": 256, "num_stages": 2}  # template default first
    assert all(c["block_N"] * c["block_Q"] * 64 <= 64 * c["threads"] for c in p.kept)
    assert tl_gen.make_plans(get_arch("sm80"), load_spec(None), [OP]) == []  # no TileLang target
    log = []
    assert [p.op.name for p in tl_gen.make_plans(SM90, load_spec(None), None, log.append)] == [OP]
    if "topk" in tl_gen.templates():  # a template without schedules/sm90/<op>.tilelang.toml is not built
        assert any("topk.py not built for sm90" in line for line in log)
    monkeypatch.setenv("DSAGEN_TILELANG", "0")
    assert _plans() == []
    monkeypatch.delenv("DSAGEN_TILELANG")
    # The Triton space loader is unchanged, and a file naming the wrong backend is refused.
    (home / "schedules" / "sm90" / f"{OP}.tilelang.toml").write_text(
        'op = "indexer_logits"\nbackend = "triton"\n[space]\nblock_N = [64]\n')
    with pytest.raises(ScheduleError, match="backend"):
        load_space("sm90", OP, tpl, backend="tilelang")


def test_skipped_in_one_line_without_toolchain(home, monkeypatch):
    monkeypatch.setattr(tl_gen, "unavailable", lambda: "tilelang is not importable by /x/python")
    monkeypatch.setattr(tl_gen, "compile_all", lambda *a, **k: pytest.fail("compiled without a toolchain"))
    log = []
    s = tl_gen.run(_plans(), SM90, load_spec(None), 1, log.append)
    assert log == [f"TileLang: skipped (tilelang is not importable by /x/python); nothing recorded for {OP}"]
    assert s["skipped"] and not s["compiled"] and not s["failed"]
    assert not (home / "generated" / "manifest.json").exists()


def test_tune_runs_the_tilelang_stage_after_triton(home, monkeypatch):
    calls = []
    monkeypatch.setattr(tuner, "make_plans", lambda *a, **k: [])
    monkeypatch.setattr(tl_gen, "make_plans", lambda arch, spec, ops, log: ["plan"])
    monkeypatch.setattr(tl_gen, "run", lambda plans, arch, spec, jobs, log, gpu: calls.append(plans) or
                        {"compiled": [], "up_to_date": [], "failed": ["x/y-tilelang"], "skipped": None})
    s = tuner.tune("sm90", load_spec(None), [OP], jobs=1, log=lambda m: None)
    assert calls == [["plan"]] and s["tilelang"]["failed"] == ["x/y-tilelang"] and s["failed"] == ["x/y-tilelang"]


def test_failed_build_records_nothing(home, monkeypatch):
    monkeypatch.setattr(tl_gen, "unavailable", lambda: None)
    monkeypatch.setattr(tl_gen, "build_key", lambda p, a: "k")
    tried = []

    def fake_compile(tasks, jobs, progress=None):
        tried.extend(t["schedule"] for t in tasks)
        return [{"metas": [], "error": "RuntimeError: nvcc -cubin failed", "seconds": 0.1} for _ in tasks]

    monkeypatch.setattr(tl_gen, "compile_all", fake_compile)
    log = []
    s = tl_gen.run(_plans(), SM90, load_spec(None), 1, log.append)
    assert s["failed"] == [f"{OP}/{NAME}"] and len(tried) == tl_gen.MAX_TRIES
    assert any(line.startswith(f"FAILED {OP}/{NAME}") for line in log)
    assert cache.read_manifest()["kernels"] == {}


# ---------------------------------------------------------------- a real build (no GPU)
@needs_toolchain
def test_build_records_compiled_kernel_and_reruns_skip(home, monkeypatch):
    log = []
    s = tl_gen.run(_plans(), SM90, load_spec(None), 1, log.append)
    assert s["compiled"] == [f"{OP}/{NAME}"] and not s["failed"], "\n".join(log)
    data = cache.read_manifest()
    e = data["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["backend"] == "tilelang" and e["status"] == "compiled" and e["verification"] is None
    assert e["target"] == "sm_90a" and e["tl_problem"] == {"h": 64, "d": 128}
    r = e["resources"]
    assert 0 < r["registers"] <= 255 and r["spill_bytes"] == 0 and 0 < r["smem_bytes"] <= SM90.smem_per_block
    assert r["wgmma_in_ptx"] > 0 and r["mma_sync_in_ptx"] == 0
    assert e["toolchain"]["tilelang"] and e["toolchain"]["nvcc"]
    kdir = home / "generated" / "sm90" / OP / NAME
    assert e["path"] == f"sm90/{OP}/{NAME}/kernel.cu" and (kdir / "kernel.so").exists()
    assert sha256_file(kdir / "kernel.cu") == e["source_sha256"] and cache.check_entry(e) is None
    assert json.loads((kdir / "meta.json").read_text())["lib_path"] == "kernel.so"
    staging = home / "generated" / tl_gen.STAGING
    assert not staging.exists() or not any(staging.iterdir())
    # Triton stays the dispatched kernel: the build is only "compiled".
    assert cache.find_kernel_source(OP, "sm90", PROBLEM) is None
    assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None
    # Re-run: nothing is compiled.
    monkeypatch.setattr(tl_gen, "compile_all", lambda *a, **k: pytest.fail("rebuilt an up-to-date kernel"))
    log = []
    s = tl_gen.run(_plans(), SM90, load_spec(None), 1, log.append)
    assert s["up_to_date"] == [f"{OP}/{NAME}"] and not s["compiled"]
    assert log == [f"up to date: {OP}/{NAME} (TileLang, compiled)"]
    # `list --json` shows it.
    recs = json.loads(cli(home, "list", "--json").stdout)
    [rec] = [x for x in recs if x["name"] == NAME]
    assert rec["backend"] == "tilelang" and rec["status"] == "compiled" and rec["registers"] == r["registers"]
    # An edited library is detected (and would be rebuilt by the next tune).
    with open(kdir / "kernel.so", "ab") as f:
        f.write(b"\0")
    assert "kernel.so: sha256 differs" in cache.check_entry(e)


# ---------------------------------------------------------------- dispatch preference (fake entries)
class FakeKernel:
    def __init__(self):
        self.meta = {"problem": {"h": 64, "d": 128}}
        self.calls = []

    def __call__(self, q, k, k_scale, w, ks, ke, out):
        self.calls.append(tuple(q.shape))
        out.fill_(1.0)


def _fake_entry(home, status, heads=64, extra_kernel=False):
    rel = f"sm90/{OP}/{NAME}"
    kdir = home / "generated" / rel
    kdir.mkdir(parents=True)
    (kdir / "kernel.cu").write_text("// fake\n")
    (kdir / "kernel.so").write_bytes(b"fake so")
    e = {"name": NAME, "op": OP, "arch": "sm90", "backend": "tilelang", "status": status,
         "bucket": {"key": "s_kv", "lo": 8192, "hi": 131072}, "problem": dict(PROBLEM, heads=heads),
         "tl_problem": {"h": heads, "d": 128}, "schedule": {"block_N": 128},
         "path": f"{rel}/kernel.cu", "lib": f"{rel}/kernel.so", "source_sha256": sha256_file(kdir / "kernel.cu"),
         "lib_sha256": sha256_file(kdir / "kernel.so"), "function": "indexer_logits", "verification": None}
    if extra_kernel:
        e["kernels"] = [{"path": e["path"], "lib": f"{rel}/combine/kernel.so", "source_sha256": e["source_sha256"],
                         "lib_sha256": "0" * 64}]
    cache.write_manifest({"format": cache.FORMAT, "kernels": {f"sm90/{OP}/{NAME}": e}})
    return e, kdir


def test_dispatch_prefers_tilelang_only_once_verified_on_gpu(home, monkeypatch):
    fake = FakeKernel()
    monkeypatch.setattr(dispatch, "_load_tl_kernel", lambda kdir, e: fake)
    e, kdir = _fake_entry(home, "compiled")
    assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None          # compiled: Triton
    assert cache.find_kernel_source(OP, "sm90", PROBLEM) is None           # never a Triton kernel either
    for status in ("verified-gpu", "measured"):
        cache.update_entry("sm90", OP, NAME, {"status": status})
        m = dispatch.tilelang_module(OP, "sm90", PROBLEM)
        assert isinstance(m, dispatch.TileLangModule) and m.kernel is fake and m.BACKEND == "tilelang"
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, s_kv=100)) is not None  # any size: dynamic
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, heads=32)) is None     # other head count
    assert dispatch.tilelang_module(OP, "sm80", PROBLEM) is None
    assert dispatch.tilelang_module("topk", "sm90", {"k": 2048}) is None            # no topk entry
    monkeypatch.setenv("DSAGEN_TILELANG", "0")
    assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None
    monkeypatch.delenv("DSAGEN_TILELANG")
    cache.update_entry("sm90", OP, NAME, {"status": "verified-cpu"})  # not a GPU verification
    assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None
    # An edited library is refused with a warning; Triton serves.
    cache.update_entry("sm90", OP, NAME, {"status": "verified-gpu"})
    (kdir / "kernel.so").write_bytes(b"edited")
    with pytest.warns(UserWarning, match="sha256 differs"):
        assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None


def test_dispatch_falls_back_when_the_runtime_cannot_load(home, monkeypatch):
    def no_runtime(kdir, e):
        raise RuntimeError("no libtvm_runtime.so")

    monkeypatch.setattr(dispatch, "_load_tl_kernel", no_runtime)
    _fake_entry(home, "verified-gpu")
    with pytest.warns(UserWarning, match="cannot be loaded"):
        assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once
        assert dispatch.tilelang_module(OP, "sm90", PROBLEM) is None


def test_check_entry_covers_every_kernel_of_an_entry(home):
    e, _ = _fake_entry(home, "compiled", extra_kernel=True)
    assert "combine/kernel.so: missing" in cache.check_entry(e)


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

    class Triton:
        @staticmethod
        def launch(*args, **kw):
            triton_calls.append(kw)

    e = {"name": NAME, "tl_problem": {"h": 64, "d": 128}, "schedule": {"block_N": 128}}
    m = dispatch.TileLangModule(OP, e, fake, fallback=lambda: Triton, device_type="cpu")
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
    strict = dispatch.TileLangModule(OP, e, fake, strict=True, device_type="cpu")
    with pytest.raises(ValueError, match="clean=False"):
        strict.launch(*_args(), clean=False)
    on_gpu_only = dispatch.TileLangModule(OP, e, fake, fallback=lambda: Triton)  # cpu tensors: Triton
    on_gpu_only.launch(*_args(), clean=True)
    assert len(fake.calls) == 1 and len(triton_calls) == 6


def test_verify_worker_does_not_run_tilelang_kernels(tmp_path):
    from dsagen.gen import verify_worker
    src, dst = tmp_path / "in.json", tmp_path / "out.json"
    src.write_text(json.dumps([{"op": OP, "path": str(tmp_path / "kernel.cu"), "problem": PROBLEM,
                                "ops_module": "dsagen.ops.indexer"}]))
    verify_worker.main([str(src), str(dst)])
    [r] = json.loads(dst.read_text())
    assert r["passed"] is False and r["where"] == "not-run" and "GPU" in r["error"]


def test_multi_kernel_template_is_published_as_one_tree(home, monkeypatch):
    """A template whose aot_kernels lists several kernels (decode: main + combine) gets one
    directory per kernel inside the entry's tree, every file hashed (fake builds: no compile)."""
    real = tl_gen.load_template(OP)

    class TwoParts:
        SCHEDULE = real.SCHEDULE

        @staticmethod
        def aot_kernels(problem, schedule):
            return [{"template": OP, "problem": dict(problem, part=part), "schedule": dict(schedule),
                     "arch": "sm_90a"} for part in ("main", "combine")]

    def fake_compile(tasks, jobs, progress=None):
        out = []
        for t in tasks:
            metas = []
            for i, k in enumerate(t["kernels"]):
                d = tl_gen.Path(k["out_dir"])
                d.mkdir(parents=True)
                (d / "kernel.cu").write_text(f"// {k['label']}\n")
                (d / "kernel.so").write_bytes(k["label"].encode())
                metas.append({"label": k["label"], "subdir": k["subdir"], "schedule": k["schedule"],
                              "problem": k["problem"], "source_sha256": sha256_file(d / "kernel.cu"),
                              "registers": 100 + i, "shared_bytes": 1000 * (2 - i), "spill_bytes": 0,
                              "wgmma_in_ptx": 4 * (1 - i), "mma_sync_in_ptx": 0, "function": OP,
                              "gmma_in_sass": 4 * (1 - i), "gmma_shapes": {}, "tcgen05_in_ptx": 0,
                              "tilelang_version": "0.1.15", "nvcc_version": "13.0.88"})
            out.append({"metas": metas, "error": None, "seconds": 1.0})
        return out

    monkeypatch.setattr(tl_gen, "load_template", lambda op: TwoParts)
    monkeypatch.setattr(tl_gen, "unavailable", lambda: None)
    monkeypatch.setattr(tl_gen, "build_key", lambda p, a: "k")
    monkeypatch.setattr(tl_gen, "compile_all", fake_compile)
    s = tl_gen.run(_plans(), SM90, load_spec(None), 1, lambda m: None)
    assert s["compiled"] == [f"{OP}/{NAME}"]
    e = cache.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    tree = home / "generated" / "sm90" / OP / NAME
    assert e["dir"] == f"sm90/{OP}/{NAME}" and [k["label"] for k in e["kernels"]] == ["main", "combine"]
    assert (tree / "main" / "kernel.so").read_bytes() == b"main" and (tree / "combine" / "kernel.so").exists()
    assert e["resources"] == {"registers": 101, "smem_bytes": 2000, "spill_bytes": 0, "wgmma_in_ptx": 4,
                              "mma_sync_in_ptx": 0, "tcgen05_in_ptx": 0, "gmma_in_sass": 4}
    assert cache.check_entry(e) is None
    (tree / "combine" / "kernel.so").write_bytes(b"x")
    assert "combine/kernel.so: sha256 differs" in cache.check_entry(e)
    # A rebuild replaces the whole tree atomically (the old one renamed aside, then removed).
    monkeypatch.setattr(tl_gen, "build_key", lambda p, a: "k2")
    assert tl_gen.run(_plans(), SM90, load_spec(None), 1, lambda m: None)["compiled"] == [f"{OP}/{NAME}"]
    assert cache.check_entry(cache.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]) is None
    assert not any((home / "generated" / tl_gen.STAGING).iterdir())


def test_a_template_that_does_not_load_fails_only_its_kernels(home, monkeypatch):
    def broken(op):
        raise SyntaxError("invalid syntax (sparse_mla_decode.py, line 3)")

    monkeypatch.setattr(tl_gen, "load_template", broken)
    monkeypatch.setattr(tl_gen, "unavailable", lambda: None)
    [p] = _plans()
    assert p.error and p.key == f"{OP}/{OP}-tilelang"
    log = []
    s = tl_gen.run([p], SM90, load_spec(None), 1, log.append)
    assert s["failed"] == [p.key] and "SyntaxError" in log[0]


def test_usable_refuses_a_kernel_whose_wgmma_ptxas_deleted():
    """A kernel whose accumulators are dead compiles cleanly, with few registers, and computes
    nothing: ptxas deletes its wgmma. The generator must not record it."""
    good = {"label": "main", "registers": 168, "spill_bytes": 0, "shared_bytes": 50176,
            "wgmma_in_ptx": 8, "gmma_in_sass": 8, "tensor_cores_kept": True}
    assert tl_gen.usable(SM90, [good]) is None
    dead = {**good, "registers": 28, "gmma_in_sass": 0, "tensor_cores_kept": False}
    why = tl_gen.usable(SM90, [dead])
    assert why and "kept 0 of the 8 tensor-core MMAs" in why
    unknown = {**good, "gmma_in_sass": None, "tensor_cores_kept": None}  # no cuobjdump: not judged
    assert tl_gen.usable(SM90, [unknown]) is None


def test_dispatch_uses_tilelang_only_for_buckets_where_it_was_timed_faster(home, monkeypatch):
    fake = FakeKernel()
    monkeypatch.setattr(dispatch, "_load_tl_kernel", lambda kdir, e: fake)
    _fake_entry(home, "measured")
    rows = [{"name": "short", "bucket": {"key": "s_kv", "lo": 1024, "hi": 8192}, "problem": dict(PROBLEM, s_kv=8192),
             "tilelang_us": 10.0, "triton_us": 14.0},
            {"name": "long", "bucket": {"key": "s_kv", "lo": 32768, "hi": 131072},
             "problem": dict(PROBLEM, s_kv=131072), "tilelang_us": 90.0, "triton_us": 80.0}]
    cache.update_entry("sm90", OP, NAME, {"timings": rows})
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, s_kv=4096)) is not None    # TileLang faster
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, s_kv=100000)) is None      # Triton faster
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, s_kv=200000)) is None      # nearest: long
    cache.update_entry("sm90", OP, NAME, {"timings": None})
    assert dispatch.tilelang_module(OP, "sm90", dict(PROBLEM, s_kv=100000)) is not None  # verified, not timed


def test_time_against_triton_records_both_kernels_per_bucket(home, monkeypatch):
    """On a GPU `tune` times the verified TileLang kernel and each bucket's tuned Triton kernel
    in one process (stand-ins here: no GPU) and records both; status becomes measured."""
    from dsagen.gen import bundle

    e, _ = _fake_entry(home, "verified-gpu")
    data = cache.read_manifest()
    for name, s_kv, lo, hi in (("indexer_logits_h64_d128_skv8192", 8192, 1024, 8192),
                               ("indexer_logits_h64_d128_skv131072", 131072, 32768, 131072),
                               ("indexer_logits_h32_d128_skv8192", 8192, 1024, 8192)):
        heads = 32 if "h32" in name else 64
        data["kernels"][f"sm90/{OP}/{name}"] = {
            "name": name, "op": OP, "arch": "sm90", "backend": "triton", "status": "measured",
            "problem": dict(PROBLEM, heads=heads, s_kv=s_kv), "bucket": {"key": "s_kv", "lo": lo, "hi": hi},
            "path": f"sm90/{OP}/{name}/kernel.py", "source_sha256": "0" * 64}
    cache.write_manifest(data)
    monkeypatch.setattr(dispatch, "tilelang_entry_module", lambda entry, strict=True: "TL")
    monkeypatch.setattr(dispatch, "load_module_from_file", lambda path, hint: f"TR:{path.parent.name}")
    seen = []

    def fake_measure(module, ops_mod, op, problem, device):
        seen.append((module, problem["s_kv"], problem["heads"], device))
        us = {"TL": 10.0 if problem["s_kv"] < 65536 else 50.0}.get(module, 20.0)
        return {"verification": {"passed": True}, "timing": {"median_us": us, "kind": "launch-full-size"}}

    monkeypatch.setattr(bundle, "measure_candidate", fake_measure)
    log = []
    rows = tl_gen.time_against_triton(e, "NVIDIA H200", log.append)
    assert [r["name"] for r in rows] == ["indexer_logits_h64_d128_skv8192", "indexer_logits_h64_d128_skv131072"]
    assert all(h == 64 and d == "cuda" for _, _, h, d in seen)           # the h32 bucket is not this kernel's
    assert [(r["tilelang_us"], r["triton_us"]) for r in rows] == [(10.0, 20.0), (50.0, 20.0)]
    got = cache.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert got["status"] == "measured" and got["timings"][0]["device"] == "NVIDIA H200"
    assert "-> TileLang (2.00x)" in log[0] and "-> Triton (0.40x)" in log[1]


def test_on_a_gpu_tune_builds_several_schedules_and_keeps_the_fastest(home, monkeypatch):
    """With a GPU of the arch, the TileLang stage builds GPU_CANDIDATES schedules, verifies and
    times each (stand-ins here), keeps the fastest, records the search, then verifies and times
    the kept kernel against Triton."""
    def fake_compile(tasks, jobs, progress=None):
        out = []
        for t in tasks:
            (k,) = t["kernels"]
            d = tl_gen.Path(k["out_dir"])
            d.mkdir(parents=True)
            (d / "kernel.cu").write_text(f"// {json.dumps(k['schedule'], sort_keys=True)}\n")
            (d / "kernel.so").write_bytes(b"so")
            out.append({"error": None, "seconds": 1.0, "metas": [{
                "label": "main", "subdir": "", "schedule": k["schedule"], "problem": k["problem"],
                "source_sha256": sha256_file(d / "kernel.cu"), "registers": 100, "shared_bytes": 1000,
                "spill_bytes": 0, "wgmma_in_ptx": 4, "mma_sync_in_ptx": 0, "tcgen05_in_ptx": 0, "gmma_in_sass": 4,
                "gmma_shapes": {}, "tensor_cores_kept": True, "function": OP}]})
        return out

    plans = _plans()
    want = plans[0].kept[:tl_gen.GPU_CANDIDATES]
    assert len(want) == tl_gen.GPU_CANDIDATES
    times = {json.dumps(c, sort_keys=True): 10.0 + i for i, c in enumerate(want)}
    fastest = want[2]
    times[json.dumps(fastest, sort_keys=True)] = 5.0
    times[json.dumps(want[1], sort_keys=True)] = None      # fails verification: never picked
    monkeypatch.setattr(tl_gen, "unavailable", lambda: None)
    monkeypatch.setattr(tl_gen, "build_key", lambda p, a: "k")
    monkeypatch.setattr(tl_gen, "compile_all", fake_compile)
    monkeypatch.setattr(tl_gen, "time_staged",
                        lambda p, staged, metas: times[json.dumps(metas[0]["schedule"], sort_keys=True)])
    checked = []
    monkeypatch.setattr(tl_gen, "verify_on_gpu", lambda e, gpu, log: checked.append(e["schedule"]) or {"passed": True})
    monkeypatch.setattr(tl_gen, "time_against_triton", lambda e, gpu, log: checked.append("triton") or [])
    log = []
    s = tl_gen.run(plans, SM90, load_spec(None), 1, log.append, gpu="NVIDIA H200")
    assert s["compiled"] == [f"{OP}/{NAME}"], "\n".join(log)
    e = cache.read_manifest()["kernels"][f"sm90/{OP}/{NAME}"]
    assert e["schedule"] == fastest and checked == [fastest, "triton"]
    assert e["search"]["device"] == "NVIDIA H200"
    assert [c["median_us"] for c in e["search"]["candidates"]] == [10.0, None, 5.0, 13.0]
    assert not list((home / "generated" / tl_gen.STAGING).glob(f"{NAME}.p*"))  # the others removed
