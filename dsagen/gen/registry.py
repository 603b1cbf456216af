"""The operators the generator knows: template, ops module, problems from a spec, buckets, names.

The five DSA operators are built in. `DSAGEN_PLUGINS` (comma-separated module names) adds
more: each module holds `DSAGEN_OPS`, a list of OpDef (tests use a tiny fake operator).
"""

from __future__ import annotations

import importlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dsagen.errors import UsageError
from dsagen.runtime import paths


@dataclass(frozen=True)
class OpDef:
    name: str
    ops_module: str                       # dotted module with VERIFY (and example_problem)
    problems: Callable                    # spec -> list of problem dicts
    size_keys: tuple                      # problem keys that vary with the workload
    primary: str                          # the size key buckets split on
    name_parts: tuple                     # (problem key, prefix) for readable names, structural first
    parallel_tiles: tuple = ()            # (schedule key, problem key): tiles that make CTAs
    serial_tiles: tuple = ()              # (schedule key, problem key): tiles looped over in a CTA
    dot_tiles: tuple = ()                 # schedule keys feeding the M side of tl.dot
    base_ctas: Callable = lambda p: 1     # CTAs independent of tiling
    split_key: str | None = None          # schedule key multiplying CTAs (split-K style)
    split_bytes: Callable | None = None   # (problem, splits) -> extra bytes of the split combine
    backend: str = "triton"
    template: str | None = None           # explicit template path (plugins); default templates/<backend>/<op>.py

    def template_path(self) -> Path:
        return Path(self.template) if self.template else paths.template_path(self.backend, self.name)

    def structural(self, problem: dict) -> tuple:
        return tuple(sorted((k, v) for k, v in problem.items() if k not in self.size_keys))


def _indexer_problems(spec):
    ix = spec.indexer
    return [{"heads": ix.heads, "head_dim": ix.head_dim, "s_q": sq, "s_kv": skv}
            for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]


def _paged_problems(spec):
    ix, d = spec.indexer, spec.decode
    return [{"heads": ix.heads, "head_dim": ix.head_dim, "batch": b, "next_n": n, "context_len": c,
             "block_kv": spec.mla.page_block_size}
            for b in d.batch for n in d.next_n for c in d.context_len]


def _topk_problems(spec):
    k = spec.topk.k
    out = [{"k": k, "rows": sq, "row_len": skv} for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]
    out += [{"k": k, "rows": b * n, "row_len": c} for b in spec.decode.batch for n in spec.decode.next_n
            for c in spec.decode.context_len]
    return out


def _prefill_problems(spec):
    m = spec.mla
    return [{"h_q": h, "d_qk": m.d_qk, "d_v": m.d_v, "topk": spec.topk.k, "s_q": sq, "s_kv": skv}
            for h in m.heads_per_rank() for sq in spec.prefill.s_q for skv in spec.prefill.s_kv]


def _decode_problems(spec):
    m = spec.mla
    return [{"h_q": h, "d_qk": m.d_qk, "d_v": m.d_v, "topk": spec.topk.k, "batch": b, "s_q": n,
             "kv_format": m.kv_format, "page_block_size": m.page_block_size}
            for h in m.heads_per_rank() for b in spec.decode.batch for n in spec.decode.next_n]


BUILTIN = [
    OpDef("indexer_logits", "dsagen.ops.indexer", _indexer_problems, ("s_q", "s_kv"), "s_kv",
          (("heads", "h"), ("head_dim", "d"), ("s_kv", "skv")),
          parallel_tiles=(("BLOCK_M", "s_q"), ("BLOCK_Q", "s_q"), ("BLOCK_N", "s_kv"), ("BLOCK_KV", "s_kv")),
          dot_tiles=("BLOCK_N", "BLOCK_KV")),
    OpDef("indexer_logits_paged", "dsagen.ops.indexer", _paged_problems, ("batch", "next_n", "context_len"),
          "batch", (("heads", "h"), ("head_dim", "d"), ("context_len", "ctx"), ("batch", "b")),
          parallel_tiles=(("BLOCK_N", "context_len"), ("BLOCK_KV", "context_len"), ("BLOCK_Q", "next_n")),
          dot_tiles=("BLOCK_N", "BLOCK_KV"), base_ctas=lambda p: p["batch"]),  # next_n via BLOCK_Q
    OpDef("topk", "dsagen.ops.topk", _topk_problems, ("rows", "row_len"), "row_len",
          (("k", "k"), ("row_len", "len")), serial_tiles=(("BLOCK_N", "row_len"),),
          base_ctas=lambda p: p["rows"]),
    OpDef("sparse_mla_prefill", "dsagen.ops.mla_prefill", _prefill_problems, ("s_q", "s_kv"), "s_kv",
          (("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("s_kv", "skv")),
          parallel_tiles=(("BLOCK_H", "h_q"),), serial_tiles=(("BLOCK_N", "topk"),), dot_tiles=("BLOCK_H",),
          base_ctas=lambda p: p["s_q"]),
    OpDef("sparse_mla_decode", "dsagen.ops.mla_decode", _decode_problems, ("batch", "s_q"), "batch",
          (("h_q", "h"), ("d_qk", "dqk"), ("topk", "topk"), ("kv_format", ""), ("batch", "b")),
          parallel_tiles=(("BLOCK_H", "h_q"),), serial_tiles=(("BLOCK_N", "topk"),), dot_tiles=("BLOCK_H",),
          base_ctas=lambda p: p["batch"] * p["s_q"], split_key="NUM_SPLITS",
          split_bytes=lambda p, n: 0 if n <= 1 else 2 * n * p["batch"] * p["s_q"] * p["h_q"] * (p["d_v"] + 1) * 4),
]

# Tunable with --ops but not part of the default five (its ops module must provide VERIFY).
EXTRA = [
    OpDef("indexer_topk_fused", "dsagen.ops.indexer_topk",
          lambda spec: [{"heads": spec.indexer.heads, "head_dim": spec.indexer.head_dim, "k": spec.topk.k,
                         "s_q": sq, "s_kv": skv} for sq in spec.prefill.s_q for skv in spec.prefill.s_kv],
          ("s_q", "s_kv"), "s_kv", (("heads", "h"), ("head_dim", "d"), ("k", "k"), ("s_kv", "skv")),
          serial_tiles=(("BLOCK_N", "s_kv"),), base_ctas=lambda p: p["s_q"]),
]


def registry() -> dict:
    ops = {o.name: o for o in BUILTIN + EXTRA}
    for mod_name in filter(None, (m.strip() for m in os.environ.get("DSAGEN_PLUGINS", "").split(","))):
        mod = importlib.import_module(mod_name)
        for o in getattr(mod, "DSAGEN_OPS", []):
            ops[o.name] = o
    return ops


def get_op(name: str) -> OpDef:
    ops = registry()
    if name not in ops:
        raise UsageError(f"--ops: unknown operator {name!r} (expected one of {', '.join(ops)})")
    return ops[name]


def default_ops() -> list:
    """The operators `tune` covers when --ops is not given: the built-in five."""
    return [o.name for o in BUILTIN]


# ---------------------------------------------------------------- buckets
@dataclass(frozen=True)
class Bucket:
    op: str
    name: str              # readable kernel name, e.g. sparse_mla_decode_h128_dqk576_topk2048_fp8_b32
    problem: dict = field(hash=False)   # representative problem (largest of the group)
    key: str = ""          # the primary size key
    lo: int = 0            # primary values the bucket covers (inclusive)
    hi: int = 0

    def record(self) -> dict:
        return {"key": self.key, "lo": self.lo, "hi": self.hi}


BUCKET_RATIO = 4  # primary values within a factor of 4 of a bucket's smallest share it


def kernel_name(op: OpDef, problem: dict) -> str:
    parts = [op.name]
    for key, prefix in op.name_parts:
        if key in problem:
            parts.append(f"{prefix}{problem[key]}")
    return "_".join(parts)


def buckets(op: OpDef, spec) -> list:
    """Group the spec's workload points for `op` into few buckets (deterministic order)."""
    groups: dict = {}
    for p in op.problems(spec):
        groups.setdefault(op.structural(p), []).append(p)
    out = []
    for struct in sorted(groups, key=repr):
        pts = groups[struct]
        values = sorted({p[op.primary] for p in pts})
        runs, cur = [], [values[0]]
        for v in values[1:]:
            if v <= BUCKET_RATIO * cur[0]:
                cur.append(v)
            else:
                runs.append(cur)
                cur = [v]
        runs.append(cur)
        for run in runs:
            members = [p for p in pts if run[0] <= p[op.primary] <= run[-1]]
            rep = dict(struct)
            for key in op.size_keys:
                rep[key] = max(p[key] for p in members)
            rep = {k: rep[k] for k in members[0]}  # keep the problem's key order
            out.append(Bucket(op.name, kernel_name(op, rep), rep, op.primary, run[0], run[-1]))
    return out


def nearest(entries: list, op: OpDef, problem: dict | None):
    """Of manifest entries for one op and arch, the one whose bucket suits `problem` best."""
    if not entries:
        return None
    if not problem:
        return max(entries, key=lambda e: (e["bucket"]["hi"], e["name"]))
    struct = {k: v for k, v in problem.items() if k not in op.size_keys}
    fits = [e for e in entries if all(e["problem"].get(k, v) == v for k, v in struct.items())]
    if not fits:
        return None
    x = problem.get(op.primary)
    if x is None:
        return max(fits, key=lambda e: (e["bucket"]["hi"], e["name"]))

    def dist(e):
        lo, hi = e["bucket"]["lo"], e["bucket"]["hi"]
        if lo <= x <= hi:
            return (0.0, e["name"])
        edge = lo if x < lo else hi
        return (abs(math.log(max(x, 1)) - math.log(max(edge, 1))), e["name"])

    return min(fits, key=dist)
