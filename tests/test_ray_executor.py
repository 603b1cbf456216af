"""`tune --executor ray` on a local Ray cluster the test starts (2 CPUs): the same spec gives the
same manifest as the local path, and a run that needs a GPU arch no node offers is one clear error."""

import json
import os

import pytest

from dsagen.gen import executor, pipeline
from dsagen.runtime import manifest
from dsagen.spec import load_spec_file
from tests.fixtures.helpers import SMALL_SPEC, make_home

ray = pytest.importorskip("ray", reason="ray is the optional scale-out engine (pip install 'dsagen[ray]')")


@pytest.fixture(scope="module")
def cluster():
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield executor.RayExecutor()
    ray.shutdown()


def _kernels(root):
    return {k: {f: e[f] for f in ("key", "schedule", "source_sha256", "status", "problem", "bucket")}
            for k, e in manifest.read_manifest(root)["kernels"].items()}


def test_ray_and_local_give_the_same_manifest(cluster, tmp_path, monkeypatch):
    spec = load_spec_file(SMALL_SPEC)
    got = {}
    for name, ex in (("local", executor.LocalExecutor(2)), ("ray", cluster)):
        home = make_home(tmp_path / name)
        monkeypatch.setenv("DSAGEN_HOME", str(home))
        monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
        monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
        manifest.forget()
        log = []
        s = pipeline.tune("sm90", spec, ["fake_scale"], executor=ex, log=log.append)
        assert s["failed"] == [] and len(s["tuned"]) == 2, "\n".join(log)
        got[name] = _kernels(home / "generated")
        assert any(f"with {name} workers" in line for line in log)
    assert got["ray"] == got["local"]
    assert {e["status"] for e in got["ray"].values()} == {"verified-cpu"}
    assert json.dumps(got["ray"], sort_keys=True)  # plain data


def test_a_run_needing_an_absent_arch_is_refused(cluster):
    from dsagen.errors import UsageError

    with pytest.raises(UsageError, match="arch_sm90"):
        cluster.map(len, [{"needs_arch": "sm90"}])
    assert pipeline.device_for(cluster, pipeline.get_arch("sm90")) is None  # no GPU node: nothing is timed
