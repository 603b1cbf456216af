"""The shipped example runs as a user would run it: a fresh process, no TRITON_INTERPRET set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_serving_example_runs():
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "serving_example.py")], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "decode step 1: out (2, 1, 16, 512)" in r.stdout
