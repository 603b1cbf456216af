"""The runtime layer: cheap imports, template dispatch, device checks."""

import subprocess
import sys

import pytest
import torch

from dsagen.runtime import dispatch, paths
from dsagen.runtime.triton_env import check_device


def test_import_is_cheap_and_needs_no_tilelang():
    code = (
        "import sys, dsagen, dsagen.ops, dsagen.compat, dsagen.oracle.fp8, dsagen.operators.sparse_mla_prefill.naive\n"
        "bad = [m for m in ('triton', 'tilelang', 'tvm') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_operator_has_one_home_found_by_its_name():
    """An operator's API, oracle, problem, templates, search spaces and kernels all carry its name."""
    from dsagen.operators import BUILTIN, EXTRA, registry

    root = paths.tree_root()
    ops = registry()
    for name in BUILTIN + EXTRA:
        home = root / "dsagen" / "operators" / name
        assert (home / "api.py").exists() and (home / "problem.py").exists(), name
        assert (home / "naive.py").exists() or name == "indexer_topk_fused", name  # its oracle composes two
        assert (root / "templates" / name / "triton.py").exists(), name
        assert ops[name].name == name and set(ops[name].example) == set(ops[name].keys), name
        ops[name].check_problem(ops[name].example)
    for name in BUILTIN:
        assert (root / "schedules" / name / "triton.toml").exists(), name
    assert sorted(p.name for p in (root / "templates").iterdir() if p.is_dir()) == sorted(BUILTIN + EXTRA)
    spaces = {p.name for p in (root / "schedules").iterdir() if p.is_dir()}
    assert set(BUILTIN) <= spaces <= set(BUILTIN + EXTRA), sorted(spaces)


def test_every_template_has_the_contract():
    from dsagen.operators import BUILTIN, EXTRA

    names = sorted(p.parent.name for p in paths.templates_dir().glob("*/triton.py"))
    assert names == sorted(BUILTIN + EXTRA), names
    for name in names:
        text = paths.template_path("triton", name).read_text()
        assert "# <dsagen:schedule>" in text and "# </dsagen:schedule>" in text, name
        mod = dispatch.template_module(name)
        assert {"num_warps", "num_stages"} <= set(mod.SCHEDULE), name
        assert callable(mod.launch) and callable(mod.aot_kernels), name


def test_template_module_is_loaded_once():
    name = sorted(p.parent.name for p in paths.templates_dir().glob("*/triton.py"))[0]
    assert dispatch.template_module(name) is dispatch.template_module(name)


def test_check_device_refuses_mixed_devices():
    a = torch.zeros(1)
    with pytest.raises(ValueError, match="no tensor"):
        check_device(x=None)
    assert check_device(x=a, y=None, z=a).type == "cpu"
    if torch.cuda.is_available():
        with pytest.raises(ValueError, match="y is on"):
            check_device(x=a, y=a.cuda())
