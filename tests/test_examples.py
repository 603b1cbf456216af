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


def test_indexer_warmup_example_learns():
    """examples/train_indexer_warmup.py: a tiny 2-layer DSA model whose indexers are trained with the
    dense KL loss (dsagen.ops.indexer_kl, backward through its kernels); the loss falls and the
    indexer's top-k recall of the dense attention's top-k rises."""
    import re

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "train_indexer_warmup.py"), "--steps", "8"], env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"loss ([\d.]+) -> ([\d.]+); recall ([\d.]+) -> ([\d.]+)", r.stdout)
    assert m, r.stdout[-2000:]
    loss0, loss1, rec0, rec1 = map(float, m.groups())
    assert loss1 < 0.25 * loss0, (loss0, loss1)
    assert rec1 >= rec0 + 0.1, (rec0, rec1)
