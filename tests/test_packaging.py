"""An installable package: a wheel built from the repo carries templates/, schedules/ and
generated/ (as dsagen/_tree/...), and from an empty directory, in a fresh venv with CPU torch
2.13 and no constraints file, every operator runs on CPU tensors and matches its oracle."""

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_list_names_every_package():
    from setuptools import find_namespace_packages

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    found = [p for p in find_namespace_packages(str(ROOT), include=["dsagen*"])  # folders with code, not data
             if "__pycache__" not in p and any((ROOT / p.replace(".", "/")).glob("*.py"))]
    assert sorted(p for p in declared if not p.startswith("dsagen._tree")) == sorted(found)


def _tree_files():
    out = set()
    for tree in ("templates", "schedules", "generated"):
        for p in (ROOT / tree).rglob("*"):
            rel = p.relative_to(ROOT)
            if p.is_file() and "__pycache__" not in rel.parts and p.suffix != ".pyc" and p.name != ".lock" \
                    and ".staging" not in rel.parts:
                out.add(str(rel))
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                        str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    [whl] = out.glob("dsagen-*.whl")
    return whl


def test_the_wheel_carries_the_three_trees(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n[len("dsagen/_tree/"):] for n in names if n.startswith("dsagen/_tree/")}
    assert _tree_files() <= shipped, sorted(_tree_files() - shipped)[:5]
    assert "dsagen/_tree/generated/manifest.json" in names and "dsagen/spec/builtin/deepseek-v3.2.toml" in names


RUN_EVERY_OP = r"""
import json, sys
import dsagen, torch
from dsagen.operators import registry
from dsagen.operators.base import verify
from dsagen.runtime import dispatch, paths
assert "site-packages" in dsagen.__file__, dsagen.__file__
assert paths.tree_root().name == "_tree", paths.tree_root()
out = {}
for name, op in sorted(registry().items()):
    r = verify(op, dispatch.template_module(op), dict(op.example), "cpu")
    out[name] = r["passed"]
# and one public API call end to end, against its oracle
from dsagen import ops
from dsagen.operators.topk.naive import topk_indices as oracle
from dsagen.operators.topk.problem import same_selection
x = torch.randn(3, 300)
got = ops.topk_indices(x, 16)
out["dsagen.ops.topk_indices"] = same_selection(x, got, oracle(x, 16), 16)[0]
import numpy, triton
out["versions"] = {"torch": torch.__version__, "triton": triton.__version__, "numpy": numpy.__version__}
print(json.dumps(out))
"""


def test_every_op_runs_from_an_installed_wheel(wheel, tmp_path):
    """A fresh venv, `pip install torch==2.13.0 <wheel>` (no constraints file: pip resolves triton and
    NumPy from the package's own bounds), then every op's verify from an empty directory."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DSAGEN_", "PYTHON", "TRITON_"))}
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "torch==2.13.0", str(wheel)], capture_output=True,
                       text=True, timeout=1200, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    r = subprocess.run([str(py), "-c", RUN_EVERY_OP], cwd=empty, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    import json
    got = json.loads(r.stdout.strip().splitlines()[-1])
    versions = got.pop("versions")
    assert got and all(got.values()), (got, versions)
    assert set(got) >= {"indexer_logits", "indexer_logits_paged", "topk", "sparse_mla_prefill", "sparse_mla_decode",
                        "indexer_topk_fused", "dsagen.ops.topk_indices"}
    assert versions["torch"].startswith("2.13.0") and tuple(map(int, versions["numpy"].split(".")[:2])) < (2, 4)
