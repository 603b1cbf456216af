"""Kernel cache: deterministic rendering, atomic publishing, crash/kill safety, concurrent
tunes, corrupted manifest / edited kernel detection and rebuild, find_kernel_source."""

import json
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest

from dsagen.gen import cache
from dsagen.gen.render import render, sha256_file, sha256_text
from dsagen.gen.space import ScheduleError
from tests.fixtures.helpers import FIXTURES, cli, env_for, make_home, snapshot, tune_args

TEMPLATE = FIXTURES / "fake_scale_template.py"
KW = dict(op="fake_scale", arch="sm90", spec_name="tiny-test", spec_hash="ab" * 32,
          bucket={"key": "cols", "lo": 256, "hi": 512}, problem={"heads": 8, "rows": 16, "cols": 512},
          name="fake_scale_h8_cols512")


@pytest.fixture(scope="module")
def tuned_home(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("tuned"))
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stderr[-2000:]
    return home


@pytest.fixture
def home(tuned_home, tmp_path, monkeypatch):
    dst = tmp_path / "home"
    shutil.copytree(tuned_home, dst)
    monkeypatch.setenv("DSAGEN_HOME", str(dst))
    monkeypatch.delenv("DSAGEN_GENERATED", raising=False)
    monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
    return dst


def _assert_cache_valid(home, n=None, killed=False):
    data = cache.read_manifest(home / "generated")
    if n is not None:
        assert len(data["kernels"]) == n
    for e in data["kernels"].values():
        assert cache.check_entry(e, home / "generated") is None
    staging = home / "generated" / ".staging"
    if not killed:  # a killed writer may leave a staging file (never read; removed by the next writer)
        assert not staging.exists() or not any(staging.iterdir())
    return data


def test_render_is_deterministic_and_replaces_the_schedule():
    a = render(TEMPLATE, schedule={"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}, **KW)
    b = render(TEMPLATE, schedule={"num_stages": 1, "num_warps": 8, "BLOCK_C": 128}, **KW)
    assert a == b and sha256_text(a) == sha256_text(b)
    assert 'SCHEDULE = {"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}' in a
    assert a.count("SCHEDULE = {") == 1
    assert "# spec: tiny-test" in a and "# arch: sm90" in a and '"cols": 512' in a
    c = render(TEMPLATE, schedule={"BLOCK_C": 64, "num_warps": 8, "num_stages": 1}, **KW)
    assert sha256_text(c) != sha256_text(a)
    ns = {}
    exec(compile(a, "kernel.py", "exec"), ns)  # the emitted module is valid Python
    assert ns["SCHEDULE"] == {"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}
    with pytest.raises(ScheduleError, match="BLOCK_Z"):
        render(TEMPLATE, schedule={"BLOCK_Z": 1}, **KW)


def test_crash_between_staging_and_publishing_keeps_the_old_cache(home, monkeypatch):
    gen = home / "generated"
    before = snapshot(gen)
    e = dict(next(iter(cache.read_manifest(gen)["kernels"].values())))
    src = render(TEMPLATE, schedule={"BLOCK_C": 32, "num_warps": 1, "num_stages": 1}, **KW)
    e.update(schedule={"BLOCK_C": 32, "num_warps": 1, "num_stages": 1}, source_sha256=sha256_text(src))

    def boom(a, b):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(cache, "_replace", boom)
    with pytest.raises(OSError, match="simulated crash"):
        cache.commit_kernel(e, src)
    assert snapshot(gen) == before  # nothing half-written, staging cleaned
    _assert_cache_valid(home, 2)


def test_killed_tune_leaves_a_valid_cache(tmp_path):
    home = make_home(tmp_path)
    p = subprocess.Popen([sys.executable, "-m", "dsagen", *tune_args()], env=env_for(home),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Kill as soon as the first kernel is published (the second is still to come), else at 20 s.
    t0 = time.time()
    while time.time() - t0 < 20 and p.poll() is None:
        if (home / "generated" / "manifest.json").exists():
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    _assert_cache_valid(home, killed=True)  # whatever was published is whole
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stdout + r.stderr
    _assert_cache_valid(home, 2)


def test_two_concurrent_tunes(tmp_path):
    home = make_home(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "dsagen", *tune_args()], env=env_for(home),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    data = _assert_cache_valid(home, 2)
    assert {e["status"] for e in data["kernels"].values()} == {"verified-cpu"}
    tuned = json.loads((home / "schedules" / "sm90" / "tuned.json").read_text())
    assert len(tuned["entries"]) == 2


def test_corrupt_manifest_is_detected_and_rebuilt(home):
    gen = home / "generated"
    (gen / "manifest.json").write_text('{"format": 1, "kernels": {')
    cache._cache.clear()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert cache.find_kernel_source("fake_scale", "sm90", None) is None
    assert any("does not parse" in str(x.message) for x in w)
    r = cli(home, "list")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "does not parse" in r.stderr
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stdout + r.stderr
    assert "up to date:" not in r.stdout and "moved to manifest.json.corrupt" in r.stdout
    assert (gen / "manifest.json.corrupt").exists()
    _assert_cache_valid(home, 2)


def test_edited_kernel_is_refused_and_rebuilt(home):
    gen = home / "generated"
    e = next(iter(cache.read_manifest(gen)["kernels"].values()))
    path = gen / e["path"]
    path.write_text(path.read_text().replace('"BLOCK_C": ', '"BLOCK_C": 1 + '))
    cache._cache.clear()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = cache.find_kernel_source("fake_scale", "sm90", e["problem"])
    assert got is None and any("sha256 differs" in str(x.message) for x in w)
    recs = json.loads(cli(home, "list", "--json").stdout)
    assert {r["name"]: r["status"] for r in recs}[e["name"]] == "CORRUPT"
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"up to date: fake_scale/{e['name']}" not in r.stdout
    _assert_cache_valid(home, 2)
    assert cache.find_kernel_source("fake_scale", "sm90", e["problem"]) == path


def test_find_kernel_source_picks_the_nearest_bucket_cheaply(home, monkeypatch):
    gen = home / "generated"
    cache._cache.clear()
    p = {"heads": 8, "rows": 3}
    small = cache.find_kernel_source("fake_scale", "sm90", dict(p, cols=300))
    big = cache.find_kernel_source("fake_scale", "sm90", dict(p, cols=100000))
    assert small.parent.name == "fake_scale_h8_cols512" and big.parent.name == "fake_scale_h8_cols4096"
    assert sha256_file(small) == cache.read_manifest(gen)["kernels"]["sm90/fake_scale/fake_scale_h8_cols512"]["source_sha256"]
    assert cache.find_kernel_source("fake_scale", "sm90", dict(p, heads=16, cols=300)) is None  # other head count
    assert cache.find_kernel_source("fake_scale", "sm80", dict(p, cols=300)) is None
    assert cache.find_kernel_source("topk", "sm90", None) is None

    def no_reads(*a, **k):
        raise AssertionError("manifest re-read although unchanged")

    monkeypatch.setattr(cache, "read_manifest", no_reads)
    monkeypatch.setattr(cache, "sha256_file", no_reads)
    for _ in range(3):
        assert cache.find_kernel_source("fake_scale", "sm90", dict(p, cols=300)) == small
