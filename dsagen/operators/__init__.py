"""The operators, one folder each: `dsagen/operators/<op>/`.

    api.py      the public function(s) (exported flat as `dsagen.ops.<function>`), argument checks, launch
    naive.py    the readable float32/float64 PyTorch reference (the oracle)
    problem.py  `OP`, the operator's definition (dsagen.operators.base.Operator): problem keys,
                buckets from a spec, FLOPs/bytes, and the inputs builder used by verify, tuning,
                tests and benchmarks alike

The same name finds the operator everywhere else: templates/<op>/{triton,tilelang}.py,
schedules/<op>/{triton,tilelang}.toml, generated/<arch>/<op>/.

`DSAGEN_PLUGINS` (comma-separated module names) adds operators: each module holds
`DSAGEN_OPS`, a list of Operator (tests use a tiny fake one).
"""

from __future__ import annotations

import importlib
import os

from dsagen.errors import UsageError

# The DSA operators `tune` covers by default (kv_compress has problems only in specs with csa or
# hca layers), then the ones tuned only when named (--ops NAME; none at present).
BUILTIN = ("indexer_logits", "indexer_logits_paged", "topk", "indexer_topk_fused", "sparse_mla_prefill",
           "sparse_mla_decode", "kv_compress", "sparse_mla_bwd", "indexer_kl")
EXTRA = ()


def _builtin(name: str):
    return importlib.import_module(f"dsagen.operators.{name}.problem").OP


def registry() -> dict:
    """{name: Operator} for the built-in operators and the plugins' (cheap: no triton, no sympy)."""
    ops = {name: _builtin(name) for name in BUILTIN + EXTRA}
    for mod_name in filter(None, (m.strip() for m in os.environ.get("DSAGEN_PLUGINS", "").split(","))):
        mod = importlib.import_module(mod_name)
        for o in getattr(mod, "DSAGEN_OPS", []):
            ops[o.name] = o
    return ops


def get_op(name: str):
    ops = registry()
    if name not in ops:
        raise UsageError(f"--ops: unknown operator {name!r} (expected one of {', '.join(ops)})")
    return ops[name]


def default_ops() -> list:
    """The operators `tune` covers when --ops is not given: the built-in ones."""
    return list(BUILTIN)
