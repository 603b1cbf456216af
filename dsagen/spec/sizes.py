"""Evaluating an operator's symbolic sizes (FLOPs and the minimum bytes moved).

Each operator writes its own as sympy expressions of its problem keys
(dsagen/operators/<op>/problem.py, `sizes`), plus element sizes taken from the spec where the
problem does not say (`q_bytes`: 1 for an e4m3 indexer, 2 for bf16; `kv_token_bytes`: 656 for
FlashMLA's V3.2 FP8 cache, 584 for its MODEL1 cache (d_qk 512), 2*d_qk for bf16). FLOP conventions follow DSA_FACTS.md; minimum bytes
count each input read once and each output written once ("min": caches and tiling only add).
"""

from __future__ import annotations


def element_env(problem: dict, spec=None) -> dict:
    """Element-size symbols for a problem (from the spec where the problem does not say)."""
    env = {}
    idx_dtype = problem.get("dtype") or (spec.indexer.dtype if spec is not None else "e4m3")
    env["q_bytes"] = 1 if idx_dtype == "e4m3" else 2
    fmt = problem.get("kv_format", "bf16")
    dqk = int(problem.get("d_qk", 576))
    env["kv_token_bytes"] = (656 if dqk == 576 else 584) if fmt == "fp8" else 2 * dqk
    env.setdefault("extra_topk", 0)   # problems from before the second (compressed) cache
    return env


def evaluate(expr, problem: dict, spec=None) -> float:
    env = element_env(problem, spec)
    env.update({key: v for key, v in problem.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    subs = {s: env[s.name] for s in expr.free_symbols if s.name in env}
    missing = [s.name for s in expr.free_symbols if s.name not in env]
    if missing:
        raise KeyError(f"problem lacks {', '.join(sorted(missing))} for {expr}")
    return float(expr.subs(subs))


_exprs: dict = {}


def op_sizes(op, problem: dict, spec=None) -> tuple:
    """(FLOPs, minimum bytes) of Operator `op` on `problem` as floats."""
    if op.name not in _exprs:
        import sympy as sp
        _exprs[op.name] = tuple(sp.sympify(e) for e in op.sizes())
    flops, nbytes = _exprs[op.name]
    return evaluate(flops, problem, spec), evaluate(nbytes, problem, spec)
