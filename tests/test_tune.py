"""Tuner: prune -> rank -> AOT compile -> pick -> emit -> verify (interpreter), honest status,
resume, build -> measure -> ingest on the CPU (device "cpu"), AOT resources per arch, and one
real operator end to end."""

import json
import shutil

import pytest

from dsagen.gen import aot, cache, tuner
from dsagen.spec import load_spec_file
from tests.fixtures.helpers import FIXTURES, REPO, SMALL_SPEC, cli, make_home, tune_args


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = make_home(tmp_path / "home")
    monkeypatch.setenv("DSAGEN_HOME", str(h))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
    cache._cache.clear()
    return h


def _tune(log, ops=("fake_scale",), spec=SMALL_SPEC, **kw):
    return tuner.tune("sm90", load_spec_file(spec), list(ops), jobs=1, log=log.append, **kw)


def test_tune_without_gpu_is_verified_on_cpu_and_says_not_measured(home):
    assert tuner.gpu_matches(tuner.get_arch("sm90")) is None  # no GPU on this host
    log = []
    s = _tune(log)
    assert sorted(s["tuned"]) == ["fake_scale/fake_scale_h8_cols4096", "fake_scale/fake_scale_h8_cols512"]
    assert s["failed"] == [] and s["skipped"] == 0
    text = "\n".join(log)
    assert "NOT measured" in text and "nothing was timed" in text
    data = cache.read_manifest()
    for e in data["kernels"].values():
        assert e["status"] == "verified-cpu" and e["timings"] is None
        assert e["verification"]["passed"] and e["verification"]["where"] == "cpu-interpreter"
        assert e["verification"]["max_error"] == 0.0
        assert e["resources"]["registers"] > 0 and e["resources"]["spill_bytes"] == 0
        assert e["toolchain"]["triton"] and e["spec"]["name"] == "tiny-test"
        assert cache.check_entry(e) is None
    # The small bucket pruned BLOCK_C 4096 (wider than twice 512 columns).
    assert data["kernels"]["sm90/fake_scale/fake_scale_h8_cols512"]["schedule"]["BLOCK_C"] <= 1024
    tuned = json.loads((home / "schedules" / "sm90" / "tuned.json").read_text())
    assert {k: v["measured"] for k, v in tuned["entries"].items()} == {
        "fake_scale/fake_scale_h8_cols4096": False, "fake_scale/fake_scale_h8_cols512": False}


def test_resume_redoes_only_what_is_missing(home, monkeypatch):
    _tune([])
    real = aot.compile_all
    calls = []

    def counting(tasks, jobs, progress=None):
        calls.append(len(tasks))
        return real(tasks, jobs, progress)

    monkeypatch.setattr(aot, "compile_all", counting)
    log = []
    s = _tune(log)
    assert s["skipped"] == 2 and calls == [] and s["tuned"] == []
    # An interrupted tune saved one (op, bucket) but not the other.
    p = home / "schedules" / "sm90" / "tuned.json"
    data = json.loads(p.read_text())
    del data["entries"]["fake_scale/fake_scale_h8_cols512"]
    p.write_text(json.dumps(data))
    log = []
    s = _tune(log)
    assert s["tuned"] == ["fake_scale/fake_scale_h8_cols512"] and s["skipped"] == 1
    assert calls == [4]
    # Interrupted after emitting, before verifying: resume verifies without compiling.
    data = json.loads(p.read_text())
    data["entries"]["fake_scale/fake_scale_h8_cols4096"]["verification"] = None
    p.write_text(json.dumps(data))
    log = []
    s = _tune(log)
    assert s["tuned"] == ["fake_scale/fake_scale_h8_cols4096"] and calls == [4]
    assert any(line.startswith("resuming fake_scale/fake_scale_h8_cols4096") for line in log)
    assert json.loads(p.read_text())["entries"]["fake_scale/fake_scale_h8_cols4096"]["verification"]["passed"]


def test_build_measure_ingest_round_trip_on_cpu(home, tmp_path):
    bundle = tmp_path / "bundle"
    r = cli(home, *tune_args("--build-only", bundle))
    assert r.returncode == 0, r.stderr[-2000:]
    assert not (home / "generated" / "manifest.json").exists()  # build-only emits nothing
    meta = json.loads((bundle / "bundle.json").read_text())
    assert meta["arch"] == "sm90" and len(meta["candidates"]) == 8
    assert (bundle / "run_bundle.py").exists() and (bundle / "vendor" / "dsagen" / "gen" / "bundle.py").exists()
    assert (bundle / "vendor" / "tests" / "fixtures" / "fake_ops.py").exists()
    results = tmp_path / "results.json"
    r = cli(home, "measure", bundle, "--out", results)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "NOT GPU measurements" in r.stdout
    res = json.loads(results.read_text())
    assert res["device"] == "cpu" and res["device_arch"] == "cpu"
    assert all(x["verification"]["passed"] and x["verification"]["where"] == "cpu-interpreter" for x in res["results"])
    r = cli(home, "tune", "--ingest", results)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "NOT measured on a GPU" in r.stdout
    data = cache.read_manifest()
    assert len(data["kernels"]) == 2
    for e in data["kernels"].values():
        assert e["status"] == "verified-cpu"  # never "measured" from a CPU run
        assert e["timings"]["device"] == "cpu" and e["timings"]["kind"] == "launch-verify-inputs"
        assert cache.check_entry(e) is None
    recs = json.loads(cli(home, "list", "--json").stdout)
    assert all(x["median_us"] is None and x["status"] == "verified-cpu" for x in recs)
    # The ingested pick is the cost model's best verified candidate, as tune would choose.
    for c in meta["candidates"]:
        if c["cost_rank"] == 0:
            assert data["kernels"][f"sm90/fake_scale/{c['name']}"]["schedule"] == c["schedule"]

    # Ingest logic for results a GPU produced (hand-edited here: no GPU on this host): only an
    # sm90 device makes "measured" (fastest wins); another GPU gives "verified-gpu".
    from dsagen.gen.bundle import ingest
    for x in res["results"]:
        x["timing"]["median_us"] = 100.0 - 10 * int(x["id"].rsplit("__c", 1)[1])  # higher rank = faster
    for dev, dev_arch, status in (("NVIDIA A100-SXM4-80GB", "sm80", "verified-gpu"),
                                  ("NVIDIA H100 80GB HBM3", "sm90", "measured")):
        res.update(device=dev, device_arch=dev_arch)
        results.write_text(json.dumps(res))
        ingest(results, log=lambda m: None)
        for e in cache.read_manifest()["kernels"].values():
            assert e["status"] == status and e["timings"]["device"] == dev
            last = max(c["cost_rank"] for c in meta["candidates"] if c["name"] == e["name"])
            want = next(c for c in meta["candidates"] if c["name"] == e["name"] and
                        c["cost_rank"] == (last if status == "measured" else 0))
            assert e["schedule"] == want["schedule"]


@pytest.fixture(scope="module")
def aot_results():
    """The fake kernel compiled ahead of time for each arch (one pool, no GPU)."""
    ccs = (80, 89, 90, 100)
    tasks = [{"template": str(FIXTURES / "fake_scale_template.py"), "problem": {"rows": 4, "cols": 4096},
              "schedule": {"BLOCK_C": 1024, "num_warps": 4, "num_stages": 2}, "cc": cc} for cc in ccs]
    return dict(zip(ccs, aot.compile_all(tasks, 2)))


@pytest.mark.parametrize("cc", [80, 89, 90, 100], ids=lambda c: f"cc{c}")
def test_aot_reports_resources_without_a_gpu(aot_results, cc):
    r = aot_results[cc]
    assert r["error"] is None
    [k] = r["kernels"]
    assert k["name"] == "fake_scale_kernel" and 0 < k["registers"] <= 255 and k["spill_bytes"] == 0
    assert k["num_warps"] == 4


def test_aot_failure_is_a_dropped_candidate_not_a_crash():
    [r] = aot.compile_all([{"template": str(FIXTURES / "fake_scale_template.py"), "problem": {},
                            "schedule": {"BLOCK_C": 100, "num_warps": 4, "num_stages": 1}, "cc": 90}], 1)
    assert r["kernels"] == [] and r["error"]  # arange needs a power of two
    assert tuner.usable(tuner.get_arch("sm90"), r).startswith("compile failed")


def test_real_topk_end_to_end(tmp_path, monkeypatch):
    """The real top-k template through tune on sm90 (small k): compiled, verified in the interpreter."""
    if not (REPO / "templates" / "triton" / "topk.py").exists():
        pytest.skip("templates/triton/topk.py has not landed yet")
    home = tmp_path / "home"
    shutil.copytree(REPO / "schedules" / "sm90", home / "schedules" / "sm90",
                    ignore=shutil.ignore_patterns("tuned.json", ".*"))
    monkeypatch.setenv("DSAGEN_HOME", str(home))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.setenv("DSAGEN_TILELANG", "0")  # the Triton path only (test_tilelang_gen covers TileLang)
    spec = tmp_path / "one.toml"
    spec.write_text(SMALL_SPEC.read_text().replace("s_kv = [256, 512, 4096]", "s_kv = [4096]")
                    .replace("batch = [1, 4]", "batch = [1]"))
    log = []
    s = tuner.tune("sm90", load_spec_file(spec), ["topk"], jobs=2, log=log.append)
    assert s["failed"] == [], "\n".join(log)
    data = cache.read_manifest()
    assert data["kernels"], "\n".join(log)
    for e in data["kernels"].values():
        assert e["status"] == "verified-cpu", e["verification"]
        assert e["resources"]["spill_bytes"] == 0
        assert e["problem"]["k"] == 64


def test_fake_verify_can_fail():
    """The fixture's verify is a real check: a wrong kernel or untouched NaN output fails."""
    from types import SimpleNamespace

    from tests.fixtures import fake_ops
    p = {"rows": 3, "cols": 50}
    assert not fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: out.copy_(x)), p)["passed"]
    assert not fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: None), p)["passed"]
    assert fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: out.copy_(x * w[:, None])), p)["passed"]
