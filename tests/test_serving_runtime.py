"""What a serving host needs to run the committed TileLang kernels: torch, apache-tvm-ffi and the
five libraries `dsagen export-runtime` copies (no tilelang, no nvcc). Checked in a subprocess in
which the tilelang package cannot be found at all."""
import importlib.util
import os
import subprocess
import sys

import pytest

from dsagen.runtime import paths
from dsagen.runtime.tilelang import RUNTIME_LIBS

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tilelang") is None,
                                reason="export-runtime copies the libraries from an installed tilelang wheel")

LOAD_ALL = """
import sys, importlib.util
sys.modules["tilelang"] = None          # the package cannot be found, let alone imported
assert importlib.util.find_spec("tilelang") is None
from pathlib import Path
from dsagen.runtime.tilelang import load_kernel
n = 0
for d in sorted(Path(sys.argv[1]).glob("sm*/*/*-tilelang")):
    for k in ([d] if (d / "kernel.so").exists() else sorted(p for p in d.iterdir() if p.is_dir())):
        assert callable(load_kernel(k).func)
        n += 1
bad = [m for m in sys.modules if m.split(".")[0] in ("tilelang", "tvm") and sys.modules[m] is not None]
assert not bad, bad
print("loaded", n)
"""


def test_export_runtime_is_all_a_serving_host_needs(tmp_path):
    from dsagen.cli import main

    assert main(["export-runtime", str(tmp_path / "rt")]) == 0
    assert sorted(p.name for p in (tmp_path / "rt").iterdir()) == sorted(RUNTIME_LIBS)
    env = dict(os.environ, DSAGEN_TVM_RUNTIME=str(tmp_path / "rt" / "libtvm_runtime.so"),
               PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", LOAD_ALL, str(paths.generated_dir())], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert int(r.stdout.split()[-1]) >= 9  # every committed TileLang kernel (sm90 and sm100)


def test_a_missing_stub_library_is_named(tmp_path):
    from dsagen.cli import main

    assert main(["export-runtime", str(tmp_path / "rt")]) == 0
    (tmp_path / "rt" / "libstub_hip.so").unlink()  # linked by libtvm_runtime.so even on NVIDIA hosts
    env = dict(os.environ, DSAGEN_TVM_RUNTIME=str(tmp_path / "rt" / "libtvm_runtime.so"),
               PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", LOAD_ALL, str(paths.generated_dir())], capture_output=True,
                       text=True, env=env, timeout=300)
    assert r.returncode != 0 and "libstub_hip.so" in r.stderr


def test_export_runtime_into_a_file_is_one_clear_error(tmp_path, capsys):
    from dsagen.cli import main

    (tmp_path / "f").write_text("x")
    assert main(["export-runtime", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("dsagen: error: export-runtime:")
