"""tools/bench_tilelang.py: the dry run lists every sm90 TileLang entry's cases, and without a
GPU the benchmark refuses with exit 2 (the timing itself needs a Hopper GPU)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "bench_tilelang.py"


def _tool():
    spec = importlib.util.spec_from_file_location("bench_tilelang", TOOL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_dry_run_lists_every_tilelang_entry_and_its_cases():
    from dsagen.runtime import manifest

    tool = _tool()
    entries = [e for e in manifest.read_manifest()["kernels"].values()
               if e["backend"] == "tilelang" and e["arch"] == "sm90"]
    assert entries, "no sm90 TileLang entries in generated/manifest.json"
    r = _run("--dry-run")
    assert r.returncode == 0, r.stderr
    for e in entries:
        assert e["op"] in r.stdout and e["name"] in r.stdout
        cs = tool.cases(e, quick=False)
        assert cs, e["op"]
        for p in cs:
            assert json.dumps(p) in r.stdout, (e["op"], p)
            assert f"vs Triton {tool.triton_name(e['op'], 'sm90', p)}" in r.stdout


def test_without_gpu_exits_2_naming_the_requirement():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the benchmark would run instead of refusing")
    r = _run("--quick")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "needs a CUDA GPU" in r.stdout + r.stderr
