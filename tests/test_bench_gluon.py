"""tools/bench_gluon.py: the dry run lists both Gluon operators' cases with the Triton kernel each
is timed against, and without an sm90 GPU the benchmark refuses with exit 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "bench_gluon.py"


def _run(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_dry_run_lists_prefill_and_fp8_decode_cases():
    r = _run("--dry-run", "--quick")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    decode = [ln for ln in lines if ln.startswith("sparse_mla_decode ")]
    prefill = [ln for ln in lines if ln.startswith("sparse_mla_prefill ")]
    assert len(prefill) == 2 and len(decode) == 2, r.stdout
    assert all('"kv_format": "fp8"' in ln and "vs Triton sparse_mla_decode_h128" in ln for ln in decode)
    assert _run("--dry-run", "--quick", "--op", "sparse_mla_decode").stdout.splitlines() == decode
    p = json.loads(prefill[0].split(" ", 1)[1].split("  vs Triton")[0])
    assert p["h_q"] == 128 and p["topk"] == 2048


def test_without_an_sm90_gpu_exits_2_naming_the_requirement():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the benchmark would run instead of refusing")
    r = _run("--quick")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "needs an sm90 GPU" in r.stdout + r.stderr
