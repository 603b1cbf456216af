"""The pipeline (plan -> build -> run -> record) on the CPU: honest status, resume by cache key,
`tune --plan --json` with full-size timing shapes, a spec with other buckets, AOT resources per
arch, a worker crash that fails only its task, and one real operator end to end."""

import json
import shutil

import pytest

from dsagen.gen import aot, executor, pipeline, records
from dsagen.runtime import manifest
from dsagen.spec import load_spec_file
from dsagen.spec.archs import get_arch
from tests.fixtures.helpers import FIXTURES, REPO, SMALL_SPEC, cli, make_home

FAKE_TEMPLATE = FIXTURES / "fake_scale" / "triton.py"


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = make_home(tmp_path / "home")
    monkeypatch.setenv("DSAGEN_HOME", str(h))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
    manifest.forget()
    return h


def _tune(log, ops=("fake_scale",), spec=SMALL_SPEC, **kw):
    return pipeline.tune("sm90", load_spec_file(spec), list(ops), jobs=1, log=log.append, **kw)


def test_tune_without_gpu_is_verified_on_cpu_and_says_not_measured(home):
    assert pipeline.gpu_matches(get_arch("sm90")) is None  # no GPU on this host
    log = []
    s = _tune(log)
    assert sorted(s["tuned"]) == ["fake_scale/fake_scale_h8_cols4096", "fake_scale/fake_scale_h8_cols512"]
    assert s["failed"] == [] and s["skipped"] == 0
    text = "\n".join(log)
    assert "NOT measured" in text and "nothing was timed" in text
    data = manifest.read_manifest()
    for e in data["kernels"].values():
        assert e["status"] == "verified-cpu" and e["timing"] is None
        assert e["verification"]["passed"] and e["verification"]["where"] == "cpu-interpreter"
        assert e["verification"]["device_arch"] == "cpu" and e["verification"]["max_error"] == 0.0
        assert e["resources"]["registers"] > 0 and e["resources"]["spill_bytes"] == 0
        assert e["toolchain"]["triton"] and e["spec"]["name"] == "tiny-test"
        assert [h["status"] for h in e["history"]] == ["compiled", "verified-cpu"]
        assert manifest.check_entry(e) is None
    # The small bucket pruned BLOCK_C 4096 (wider than twice 512 columns).
    assert data["kernels"]["sm90/fake_scale/fake_scale_h8_cols512"]["schedule"]["BLOCK_C"] <= 1024
    assert not (home / "schedules" / "sm90").exists()  # results live in generated/ only


def test_resume_redoes_only_what_is_missing(home, monkeypatch):
    _tune([])
    calls = []
    real = executor.LocalExecutor.map

    def counting(self, fn, tasks, env=None, progress=None):
        calls.append((fn.__name__, len(tasks)))
        return real(self, fn, tasks, env, progress)

    monkeypatch.setattr(executor.LocalExecutor, "map", counting)
    log = []
    s = _tune(log)
    assert s["skipped"] == 2 and calls == [] and s["tuned"] == []
    # A kernel whose verification was interrupted: verified again, not rebuilt.
    data = manifest.read_manifest()
    e = data["kernels"]["sm90/fake_scale/fake_scale_h8_cols4096"]
    e.update(verification=None, status="compiled")
    records.write_manifest(data)
    log = []
    s = _tune(log)
    assert s["tuned"] == ["fake_scale/fake_scale_h8_cols4096"] and calls == [("run_task", 1)]
    assert any(line.startswith("resuming fake_scale/fake_scale_h8_cols4096") for line in log)
    assert manifest.read_manifest()["kernels"]["sm90/fake_scale/fake_scale_h8_cols4096"]["status"] == "verified-cpu"


def test_a_spec_with_other_buckets_retunes_what_it_touches(home, tmp_path):
    _tune([])
    before = manifest.read_manifest()["kernels"]
    spec = tmp_path / "other.toml"  # same bucket names for 512 columns, another problem for the big bucket
    spec.write_text(SMALL_SPEC.read_text().replace('name = "tiny-test"', 'name = "other-test"')
                    .replace("s_kv = [256, 512, 4096]", "s_kv = [256, 512, 2048, 4096]")
                    .replace("s_q = [16]", "s_q = [16]"))
    log = []
    s = _tune(log, spec=spec)
    after = manifest.read_manifest()["kernels"]
    small, big = "sm90/fake_scale/fake_scale_h8_cols512", "sm90/fake_scale/fake_scale_h8_cols4096"
    assert "up to date: fake_scale/fake_scale_h8_cols512 (triton, verified-cpu)" in log
    assert after[small]["key"] == before[small]["key"]                 # untouched: not rebuilt
    assert after[big]["key"] != before[big]["key"] and after[big]["bucket"]["lo"] == 2048  # re-tuned
    assert s["tuned"] == ["fake_scale/fake_scale_h8_cols4096"]
    assert {e["spec"]["name"] for e in after.values()} == {"other-test"}  # the manifest names the spec used


def test_plan_json_shows_full_size_timing_shapes(home):
    r = cli(home, "tune", "--arch", "sm90", "--spec", SMALL_SPEC, "--ops", "fake_scale", "--plan", "--json")
    assert r.returncode == 0, r.stderr
    recs = json.loads(r.stdout)
    assert [x["bucket"] for x in recs] == ["fake_scale_h8_cols512", "fake_scale_h8_cols4096"]
    for x in recs:
        assert x["op"] == "fake_scale" and x["backend"] == "triton" and not x["up_to_date"]
        assert x["timed_problem"] == x["problem"] and x["problem"]["cols"] in (512, 4096)
        assert x["verify_shapes"] == ["rows3_cols200"] and x["verify_device"] == "cpu-interpreter"
        assert x["top"] and all(t["predicted_us"] > 0 for t in x["top"]) and x["candidates"] >= len(x["top"])
    assert not (home / "generated").exists() or not any((home / "generated").iterdir())  # built nothing


def test_plan_of_the_real_default_spec_times_every_bucket_at_full_size():
    r = cli(REPO, "tune", "--arch", "sm90", "--plan", "--json", env_home=False)
    assert r.returncode == 0, r.stderr[-2000:]
    recs = json.loads(r.stdout)
    assert {x["op"] for x in recs} == {"indexer_logits", "indexer_logits_paged", "topk", "indexer_topk_fused",
                                       "sparse_mla_prefill", "sparse_mla_decode", "sparse_mla_bwd", "indexer_kl"}
    assert {x["backend"] for x in recs} == {"triton", "tilelang", "gluon"}
    for x in recs:
        assert x["timed_problem"] == x["problem"]
    big = [x for x in recs if x["bucket"] == "sparse_mla_decode_h128_dqk576_topk2048_fp8_b128"]
    assert big and big[0]["timed_problem"]["batch"] == 128 and big[0]["timed_problem"]["topk"] == 2048


@pytest.fixture(scope="module")
def aot_results():
    """The fake kernel compiled ahead of time for each arch, NVIDIA and AMD (one pool, no GPU)."""
    from dsagen.spec.archs import ARCHS
    tasks = [{"backend": "triton", "template": str(FAKE_TEMPLATE), "problem": {"rows": 4, "cols": 4096},
              "schedule": {"BLOCK_C": 1024, "num_warps": 4, "num_stages": 2}, "target": list(a.target)}
             for a in ARCHS.values()]
    from dsagen.gen.backends import build
    return dict(zip(ARCHS, executor.LocalExecutor(2).map(build, tasks, env=pipeline.COMPILER_ENV)))


@pytest.mark.parametrize("arch", ["sm80", "sm89", "sm90", "sm100", "gfx942", "gfx950"])
def test_aot_reports_resources_without_a_gpu(aot_results, arch):
    from dsagen.spec.archs import get_arch
    r = aot_results[arch]
    assert r["error"] is None
    [k] = r["kernels"]
    assert k["name"] == "fake_scale_kernel" and 0 < k["registers"] <= get_arch(arch).max_regs
    assert k["spill_bytes"] == 0 and k["num_warps"] == 4
    # the instruction census: a scale kernel multiplies on the CUDA cores, no tensor-core MMA
    assert k["gmma_shapes"] == {} and k["mma_shapes"] == {} and isinstance(k["fma"], int)
    if arch.startswith("gfx"):
        assert k["sgprs"] > 0 and k["waves_per_simd"] >= 1 and k["scratch_bytes"] == 0


def test_aot_failure_is_a_dropped_candidate_not_a_crash():
    from dsagen.gen.backends import BACKENDS, build
    [r] = executor.LocalExecutor(1).map(build, [{"backend": "triton", "template": str(FAKE_TEMPLATE), "problem": {},
                                                "schedule": {"BLOCK_C": 100, "num_warps": 4, "num_stages": 1},
                                                "target": ["cuda", 90, 32]}], env=pipeline.COMPILER_ENV)
    assert r["kernels"] == [] and r["error"]  # arange needs a power of two
    assert BACKENDS["triton"].why_unusable(None, r).startswith("compile failed")


def _crash_on_two(task):
    import os
    if task["n"] == 2:
        os._exit(7)  # a worker that dies (segfault, out of memory)
    return {"n": task["n"]}


def test_a_dying_worker_fails_only_its_own_task():
    got = executor.LocalExecutor(2).map(_crash_on_two, [{"n": i} for i in range(4)])
    assert [g.get("n") for g in got] == [0, 1, None, 3]
    assert "worker died" in got[2]["error"]


def test_real_topk_end_to_end(tmp_path, monkeypatch):
    """The real top-k template through tune on sm90 (small k): compiled, verified in the interpreter."""
    home = tmp_path / "home"
    shutil.copytree(REPO / "schedules" / "topk", home / "schedules" / "topk")
    monkeypatch.setenv("DSAGEN_HOME", str(home))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.setenv("DSAGEN_TILELANG", "0")  # the Triton path only (test_tilelang_gen covers TileLang)
    manifest.forget()
    spec = tmp_path / "one.toml"
    spec.write_text(SMALL_SPEC.read_text().replace("s_kv = [256, 512, 4096]", "s_kv = [4096]")
                    .replace("batch = [1, 4]", "batch = [1]"))
    log = []
    s = pipeline.tune("sm90", load_spec_file(spec), ["topk"], jobs=2, log=log.append)
    assert s["failed"] == [], "\n".join(log)
    data = manifest.read_manifest()
    assert data["kernels"], "\n".join(log)
    for e in data["kernels"].values():
        assert e["status"] == "verified-cpu", e["verification"]
        assert e["resources"]["spill_bytes"] == 0
        assert e["problem"]["k"] == 64


def test_fake_verify_can_fail():
    """The fixture's verify is a real check: a wrong kernel or untouched NaN output fails."""
    from types import SimpleNamespace

    from tests.fixtures import fake_ops
    p = {"heads": 1, "rows": 3, "cols": 50}
    assert not fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: out.copy_(x)), p)["passed"]
    assert not fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: None), p)["passed"]
    assert fake_ops.verify(SimpleNamespace(launch=lambda x, w, out: out.copy_(x * w[:, None])), p)["passed"]


def test_aot_one_line_errors():
    try:
        raise ValueError("first\nsecond line")
    except ValueError as e:
        assert aot.one_line(e) == "ValueError: second line"


def test_op_model_follows_the_operator_module_and_its_problem_imports(tmp_path):
    """The Triton cache key's op_model: the operator's own module (its cost-model terms pick the
    kernel without a GPU) and the dsagen.operators.*.problem modules it imports; editing either
    changes it, so the operator re-tunes."""
    import importlib.util
    import types

    from dsagen.gen.backends import op_model
    from dsagen.operators import registry

    mod_file = tmp_path / "fake_problem.py"
    mod_file.write_text("from dsagen.operators.topk.problem import filter_work\n\n\ndef problems(spec):\n    return []\n")
    spec = importlib.util.spec_from_file_location("fake_problem", mod_file)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    op = types.SimpleNamespace(problems=mod.problems)
    before = op_model(op)
    assert set(before) == {f"{tmp_path.name}/fake_problem.py", "topk/problem.py"}
    mod_file.write_text(mod_file.read_text() + "# a new cost term\n")
    after = op_model(op)
    assert after[f"{tmp_path.name}/fake_problem.py"] != before[f"{tmp_path.name}/fake_problem.py"]
    assert after["topk/problem.py"] == before["topk/problem.py"]
    assert set(op_model(registry()["topk"])) == {"topk/problem.py"}
    assert op_model(types.SimpleNamespace(problems=len)) == {}  # a builtin: nothing to read
