"""Kernel cache: deterministic rendering, atomic publishing, crash/kill safety, concurrent tunes,
corrupted manifest / edited kernel detection and rebuild, the runtime's cheap lookup, results
applied only to their own kernel, and a clean that deletes nothing it did not write."""

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings

import pytest

from dsagen.gen import records
from dsagen.gen.render import render, sha256_file, sha256_text
from dsagen.gen.space import ScheduleError
from dsagen.operators import registry
from dsagen.runtime import manifest
from tests.fixtures.helpers import FIXTURES, cli, env_for, make_home, snapshot, tune_args

TEMPLATE = FIXTURES / "fake_scale" / "triton.py"
KW = dict(op="fake_scale", arch="sm90", bucket={"key": "cols", "lo": 256, "hi": 512},
          problem={"heads": 8, "rows": 16, "cols": 512}, name="fake_scale_h8_cols512")


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
    manifest.forget()
    return dst


def _fake():
    return registry()["fake_scale"]


def _assert_cache_valid(home, n=None, killed=False):
    data = manifest.read_manifest(home / "generated")
    if n is not None:
        assert len(data["kernels"]) == n
    for e in data["kernels"].values():
        assert manifest.check_entry(e, home / "generated") is None
    staging = home / "generated" / ".staging"
    if not killed:  # a killed writer may leave staging (never read; removed by the next writer)
        assert not staging.exists() or not any(staging.iterdir()), sorted(str(p) for p in staging.rglob("*"))
    return data


def test_render_is_deterministic_and_replaces_the_schedule():
    a = render(TEMPLATE, schedule={"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}, **KW)
    b = render(TEMPLATE, schedule={"num_stages": 1, "num_warps": 8, "BLOCK_C": 128}, **KW)
    assert a == b and sha256_text(a) == sha256_text(b)
    assert 'SCHEDULE = {"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}' in a
    assert a.count("SCHEDULE = {") == 1
    assert '# arch: "sm90"' in a and '"cols": 512' in a
    c = render(TEMPLATE, schedule={"BLOCK_C": 64, "num_warps": 8, "num_stages": 1}, **KW)
    assert sha256_text(c) != sha256_text(a)
    ns = {}
    exec(compile(a, "kernel.py", "exec"), ns)  # the emitted module is valid Python
    assert ns["SCHEDULE"] == {"BLOCK_C": 128, "num_warps": 8, "num_stages": 1}
    with pytest.raises(ScheduleError, match="BLOCK_Z"):
        render(TEMPLATE, schedule={"BLOCK_Z": 1}, **KW)


def test_nothing_from_a_name_becomes_code():
    evil = 'x\nimport os; os._exit(9)  # "'
    src = render(TEMPLATE, schedule={"BLOCK_C": 128}, **dict(KW, name=evil, problem={"cols": evil}))
    ns = {}
    exec(compile(src, "kernel.py", "exec"), ns)  # would exit the test process if pasted unescaped
    assert ns["SCHEDULE"]["BLOCK_C"] == 128
    with pytest.raises(records.CacheError, match="not a plain name"):
        records.kernel_dir("sm90", "fake_scale", "../../outside")


def _another_build_staged(home):
    """(generated/, its files now, an entry for a new build of its first kernel, that build staged)."""
    gen = home / "generated"
    before = snapshot(gen)
    e = dict(next(iter(manifest.read_manifest(gen)["kernels"].values())))
    staged = records.staging_dir(gen, "x")
    (staged / "kernel.py").write_text("# another build\n")
    e.update(source_sha256=sha256_file(staged / "kernel.py"))
    return gen, before, e, staged


def test_crash_between_staging_and_publishing_keeps_the_old_cache(home, monkeypatch):
    gen, before, e, staged = _another_build_staged(home)

    def boom(a, b):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(records, "_replace", boom)
    with pytest.raises(records.CacheError, match="simulated crash.*as it was"):
        records.commit(e, staged, gen)
    monkeypatch.undo()
    records.clean_stale_staging(gen)  # what the next writer does first (here: this pid's own leftovers)
    shutil.rmtree(staged, ignore_errors=True)
    assert {k: v for k, v in snapshot(gen).items() if not k.startswith(".staging")} == before
    _assert_cache_valid(home, 2, killed=True)


def test_staging_of_gone_writers_is_removed_and_of_live_ones_kept(tmp_path):
    """A writer that exited, or is a zombie nobody reaps (signal 0 still reaches it), cannot finish
    its staged folder: the next writer removes it. A live writer's folder stays."""
    zombie = subprocess.Popen(["true"])
    time.sleep(0.3)  # exited, not yet reaped: a zombie
    gone = subprocess.Popen(["true"])
    gone.wait()
    staging = tmp_path / records.STAGING
    for pid in (zombie.pid, gone.pid, os.getpid()):
        (staging / f"p{pid}.k.0000").mkdir(parents=True)
    try:
        records.clean_stale_staging(tmp_path)
        assert sorted(c.name for c in staging.iterdir()) == [f"p{os.getpid()}.k.0000"]
    finally:
        zombie.wait()


def test_a_finished_tune_removes_its_own_staging_only(tmp_path):
    """A tune's last step drops everything it staged (test_killed_tune_... saw staged folders left
    under load; one path: a usable build the cost model then ruled out kept its folder); another
    writer's staging stays."""
    staging = tmp_path / records.STAGING
    other = staging / "p1.k.0000"
    other.mkdir(parents=True)
    mine = records.staging_dir(tmp_path, "k")
    (mine / "kernel.py").write_text("# staged\n")
    (staging / f"p{os.getpid()}.manifest.json.tmp").write_text("{}")
    records.clean_own_staging(tmp_path)
    assert [c.name for c in staging.iterdir()] == ["p1.k.0000"]


def test_full_disk_while_publishing_leaves_the_cache_as_it_was(home, monkeypatch):
    """ENOSPC while the manifest is written (after the kernel folder was swapped in): one
    CacheError naming the cause, the old kernel folder and manifest back in place, no temp file."""
    gen, before, e, staged = _another_build_staged(home)

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(records.os, "fsync", full)
    with pytest.raises(records.CacheError, match="No space left on device"):
        records.commit(e, staged, gen)
    monkeypatch.undo()
    assert (staged / "kernel.py").read_text() == "# another build\n"   # the build is back in staging
    shutil.rmtree(staged)
    assert {k: v for k, v in snapshot(gen).items() if not k.startswith(".staging")} == before
    _assert_cache_valid(home, 2)


def test_full_disk_during_tune_is_one_line(home, monkeypatch, capsys):
    """The CLI on a full disk: exit 2, one 'dsagen: error:' line naming the cause, no traceback;
    the cache keeps no half-published kernel, and the next tune (disk freed) completes it."""
    from dsagen import cli as cli_mod

    shutil.rmtree(home / "generated")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(records.os, "fsync", full)
    assert cli_mod.main(tune_args()) == 2
    err = capsys.readouterr().err
    assert "dsagen: error:" in err and "No space left on device" in err and "Traceback" not in err
    assert not (home / "generated" / "manifest.json").exists()
    assert not [p for p in (home / "generated").rglob("kernel.py") if ".staging" not in p.parts]
    monkeypatch.undo()
    monkeypatch.setenv("DSAGEN_HOME", str(home))
    monkeypatch.setenv("DSAGEN_PLUGINS", "tests.fixtures.fake_plugin")
    manifest.forget()
    assert cli_mod.main(tune_args()) == 0
    _assert_cache_valid(home, 2)


def test_unwritable_cache_fails_before_any_compiling(home, tmp_path):
    """DSAGEN_GENERATED under a regular file (as root, a chmod'ed folder is still writable): one
    line from tune, nothing built."""
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = env_for(home)
    env["DSAGEN_GENERATED"] = str(blocker / "generated")
    r = subprocess.run([sys.executable, "-m", "dsagen", *tune_args()], env=env, cwd=FIXTURES.parent.parent,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "cannot write" in r.stderr and "Traceback" not in r.stderr
    assert "building" not in r.stdout

def _processes_of(home) -> list:
    """pids of live (not zombie) processes whose environment has DSAGEN_HOME=home."""
    tag = f"DSAGEN_HOME={home}".encode() + b"\0"
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read() + b"\0"
            with open(f"/proc/{d}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in "ZX" and (b"\0" + tag) in (b"\0" + env):
            out.append(int(d))
    return out


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds leftover workers through /proc (Linux)")
def test_killed_tune_leaves_a_valid_cache_and_no_workers(tmp_path):
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
    # An orphaned worker is reparented, so its ppid no longer names the tune: find any process
    # still running with this scratch home in its environment (Linux /proc), for up to 2.5 s.
    deadline = time.time() + 2.5
    while (left := _processes_of(home)) and time.time() < deadline:
        time.sleep(0.1)
    assert not left, f"workers outlived their killed tune: {left}"
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stdout + r.stderr
    _assert_cache_valid(home, 2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG and /proc are Linux's")
def test_a_busy_worker_dies_with_its_killed_parent(tmp_path):
    """A worker inside a GIL-holding call cannot run its polling thread; the kernel must kill it."""
    env = dict(os.environ, DSAGEN_HOME=str(tmp_path))
    p = subprocess.Popen([sys.executable, str(FIXTURES / "gil_holding_tune.py")], env=env,
                         stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    deadline = time.time() + 60
    while not (tmp_path / "worker-busy").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert (tmp_path / "worker-busy").exists(), "the worker never started its task"
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.time() + 2.5
    while (left := _processes_of(tmp_path)) and time.time() < deadline:
        time.sleep(0.1)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"a busy worker outlived its killed parent: {left}"


def test_two_concurrent_tunes(tmp_path):
    home = make_home(tmp_path)
    procs = [subprocess.Popen([sys.executable, "-m", "dsagen", *tune_args()], env=env_for(home),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    data = _assert_cache_valid(home, 2)
    assert {e["status"] for e in data["kernels"].values()} == {"verified-cpu"}


def test_corrupt_manifest_is_detected_and_rebuilt(home):
    gen = home / "generated"
    (gen / "manifest.json").write_text('{"format": 2, "kernels": {')
    manifest.forget()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert manifest.find_entry(_fake(), "sm90", "triton", None) is None
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
    e = next(iter(manifest.read_manifest(gen)["kernels"].values()))
    path = gen / e["path"]
    path.write_text(path.read_text().replace('"BLOCK_C": ', '"BLOCK_C": 1 + '))
    manifest.forget()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        got = manifest.find_entry(_fake(), "sm90", "triton", e["problem"])
    assert got is None and any("sha256 differs" in str(x.message) for x in w)
    recs = json.loads(cli(home, "list", "--json").stdout)
    assert {r["name"]: r["status"] for r in recs}[e["name"]] == "CORRUPT"
    r = cli(home, *tune_args())
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"up to date: fake_scale/{e['name']}" not in r.stdout
    _assert_cache_valid(home, 2)
    manifest.forget()
    assert manifest.find_entry(_fake(), "sm90", "triton", e["problem"])[1] == path.parent


def test_find_entry_picks_the_nearest_bucket_cheaply(home, monkeypatch):
    gen = home / "generated"
    op = _fake()
    p = {"heads": 8, "rows": 3}
    small = manifest.find_entry(op, "sm90", "triton", dict(p, cols=300))[1]
    big = manifest.find_entry(op, "sm90", "triton", dict(p, cols=100000))[1]
    assert small.name == "fake_scale_h8_cols512" and big.name == "fake_scale_h8_cols4096"
    assert sha256_file(small / "kernel.py") == \
        manifest.read_manifest(gen)["kernels"]["sm90/fake_scale/fake_scale_h8_cols512"]["source_sha256"]
    assert manifest.find_entry(op, "sm90", "triton", dict(p, heads=16, cols=300)) is None  # other head count
    assert manifest.find_entry(op, "sm80", "triton", dict(p, cols=300)) is None
    assert manifest.find_entry(registry()["topk"], "sm90", "triton", None) is None

    def no_reads(*a, **k):
        raise AssertionError("manifest re-read although unchanged")

    monkeypatch.setattr(manifest, "read_manifest", no_reads)
    monkeypatch.setattr(manifest, "sha256_file", no_reads)
    for _ in range(3):
        assert manifest.find_entry(op, "sm90", "triton", dict(p, cols=300))[1] == small


def test_a_result_is_applied_only_to_its_own_kernel(home):
    gen = home / "generated"
    e = manifest.read_manifest(gen)["kernels"]["sm90/fake_scale/fake_scale_h8_cols512"]
    gpu = {"passed": True, "where": "NVIDIA H100 80GB HBM3", "device_arch": "sm90", "max_error": 0.0,
           "timing": {"median_us": 3.0}}
    assert records.record_result("sm90", "fake_scale", e["name"], "another-key", gpu, root=gen) is None
    other_gpu = dict(gpu, where="NVIDIA A100-SXM4-80GB", device_arch="sm80")
    got = records.record_result("sm90", "fake_scale", e["name"], e["key"], other_gpu, root=gen)
    assert got["status"] == "verified-cpu"  # a GPU of another arch proves nothing about sm90
    got = records.record_result("sm90", "fake_scale", e["name"], e["key"], dict(gpu, passed="false"), root=gen)
    assert got["status"] == "compiled"      # only True passes
    got = records.record_result("sm90", "fake_scale", e["name"], e["key"], gpu, root=gen)
    assert got["status"] == "measured" and got["timing"]["median_us"] == 3.0
    assert [h["status"] for h in got["history"]][-2:] == ["compiled", "measured"]


def test_files_are_readable_by_another_user(home):
    gen = home / "generated"
    for f in [gen / "manifest.json", *gen.glob("sm90/fake_scale/*/kernel.py")]:
        assert os.stat(f).st_mode & 0o044 == 0o044, f


def test_clean_removes_only_what_dsagen_wrote(home, tmp_path):
    user = tmp_path / "user"
    (user / "sm_notes").mkdir(parents=True)
    (user / "manifest.json.bak").write_text("mine")
    with pytest.raises(records.CacheError, match="not a dsagen cache"):
        records.clean(user)
    assert (user / "sm_notes").is_dir() and (user / "manifest.json.bak").exists()
    gen = home / "generated"
    (gen / "notes.txt").write_text("keep me")
    assert records.clean(gen) == 2
    assert sorted(p.name for p in gen.iterdir() if p.name != ".lock") == ["notes.txt"]
