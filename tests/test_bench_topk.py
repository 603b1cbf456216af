"""tools/bench_topk.py: the dry run lists every case with every variant, without a GPU the timing
refuses with exit 2, and the interpreter run (--device cpu) checks each variant's selection
against the oracle and writes them all to the JSON (its times are interpreter times: unasserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "bench_topk.py"
VARIANTS = ("radix", "filter", "seeded", "dispatch", "torch.topk")


def _run(*args, timeout=300):
    return subprocess.run([sys.executable, str(TOOL), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_dry_run_lists_every_case_and_variant():
    r = _run("--dry-run")
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("rows ")]
    assert len(lines) == 8, r.stdout  # 64 and 4096 rows x 32K and 128K x full and causal
    for ln in lines:
        assert ", ".join(VARIANTS) in ln, ln


def test_without_gpu_exits_2_naming_the_requirement():
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present: the benchmark would run instead of refusing")
    r = _run("--quick")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "needs a CUDA GPU" in r.stderr


def test_interpreter_run_checks_every_variant(tmp_path):
    out = tmp_path / "topk.json"
    r = _run("--device", "cpu", "--reps", "1", "--json", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    doc = json.loads(out.read_text())
    assert "interpreter" in doc["device"]
    assert {c["pattern"] for c in doc["cases"]} == {"full", "causal"}
    for c in doc["cases"]:
        assert set(c["variants"]) == set(VARIANTS)
        for name, v in c["variants"].items():
            assert v["ok"], (c["pattern"], name, v["why"])
            assert v["us"] > 0 and v["roofline_frac"] > 0, (name, v)
