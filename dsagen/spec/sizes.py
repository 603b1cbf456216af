"""Symbolic sizes of each operator: FLOPs and the minimum bytes moved, as sympy expressions.

Symbols are the operator's problem keys (DESIGN.md) plus element sizes taken from the spec
(`q_bytes`: 1 for an e4m3 indexer, 2 for bf16; `kv_token_bytes`: 656 for the FlashMLA FP8 cache,
2*d_qk for bf16). FLOP conventions follow DSA_FACTS.md: the indexer counts 2*pairs*H*D
(all s_kv keys visible to every query: prefill with a cached prefix), sparse MLA counts
2*tokens*topk*h_q*(d_qk+d_v). Minimum bytes count each input read once and each output
written once; "min" because caches and tiling can only add traffic.
"""

from __future__ import annotations

import sympy as sp

S = sp.Symbol
heads, head_dim, s_q, s_kv = S("heads"), S("head_dim"), S("s_q"), S("s_kv")
batch, next_n, context_len, block_kv = S("batch"), S("next_n"), S("context_len"), S("block_kv")
k, rows, row_len = S("k"), S("rows"), S("row_len")
h_q, d_qk, d_v, topk = S("h_q"), S("d_qk"), S("d_v"), S("topk")
q_bytes, kv_token_bytes = S("q_bytes"), S("kv_token_bytes")

FP32, BF16, I32 = 4, 2, 4

_SIZES = {
    "indexer_logits": (
        2 * s_q * s_kv * heads * head_dim,
        s_q * heads * head_dim * q_bytes + s_q * heads * FP32          # q, weights
        + s_kv * (head_dim * q_bytes + FP32)                           # k, per-token scale
        + 2 * s_q * I32                                                # ks, ke
        + s_q * s_kv * FP32,                                           # logits
    ),
    "indexer_logits_paged": (
        2 * batch * next_n * context_len * heads * head_dim,
        batch * next_n * heads * (head_dim * q_bytes + FP32)           # q, weights
        + batch * context_len * (head_dim * q_bytes + FP32)            # paged k + scales
        + batch * I32 + batch * sp.ceiling(context_len / block_kv) * I32  # context_lens, block table
        + batch * next_n * context_len * FP32,                         # logits
    ),
    "topk": (
        rows * row_len,                                                # one compare per element
        rows * row_len * FP32 + 2 * rows * I32 + rows * k * I32,
    ),
    "indexer_topk_fused": (
        2 * s_q * s_kv * heads * head_dim,
        s_q * heads * (head_dim * q_bytes + FP32) + s_kv * (head_dim * q_bytes + FP32)
        + 2 * s_q * I32 + s_q * k * I32,                               # no logits matrix: top-k indices only
    ),
    "sparse_mla_prefill": (
        2 * s_q * topk * h_q * (d_qk + d_v),
        s_q * h_q * d_qk * BF16 + s_q * topk * I32                     # q, indices
        + sp.Min(s_kv, s_q * topk) * d_qk * BF16                       # each touched KV row once
        + s_q * h_q * d_v * BF16 + 2 * s_q * h_q * FP32,               # out, max_logits, lse
    ),
    "sparse_mla_decode": (
        2 * batch * s_q * h_q * topk * (d_qk + d_v),
        batch * s_q * h_q * d_qk * BF16 + batch * s_q * topk * I32     # q, indices
        + batch * topk * kv_token_bytes                                # >= topk distinct tokens per sequence
        + batch * s_q * h_q * d_v * BF16 + batch * s_q * h_q * FP32,   # out, lse
    ),
}

# Which peak a FLOP runs at: "q" means the indexer dtype, "bf16" the bf16 tensor cores,
# None means not tensor-core work (top-k: bandwidth bound).
FLOP_DTYPE = {"indexer_logits": "q", "indexer_logits_paged": "q", "topk": None, "indexer_topk_fused": "q",
              "sparse_mla_prefill": "bf16", "sparse_mla_decode": "bf16"}

_extra: dict = {}


def register(op: str, flops, min_bytes, flop_dtype=None) -> None:
    """Sizes of an operator outside the five built-in ones (plugins, tests)."""
    _extra[op] = (sp.sympify(flops), sp.sympify(min_bytes), flop_dtype)


def flops(op: str) -> sp.Expr:
    return _lookup(op)[0]


def min_bytes(op: str) -> sp.Expr:
    return _lookup(op)[1]


def flop_dtype(op: str):
    if op in _extra:
        return _extra[op][2]
    return FLOP_DTYPE.get(op)


def _lookup(op):
    if op in _SIZES:
        return _SIZES[op]
    if op in _extra:
        return _extra[op][:2]
    raise KeyError(f"no sizes for operator {op!r}")


def element_env(problem: dict, spec=None) -> dict:
    """Element-size symbols for a problem (from the spec where the problem does not say)."""
    env = {}
    idx_dtype = problem.get("dtype") or (spec.indexer.dtype if spec is not None else "e4m3")
    env["q_bytes"] = 1 if idx_dtype == "e4m3" else 2
    fmt = problem.get("kv_format", "bf16")
    dqk = int(problem.get("d_qk", 576))
    env["kv_token_bytes"] = 656 if fmt == "fp8" else 2 * dqk
    return env


def evaluate(expr: sp.Expr, problem: dict, spec=None) -> float:
    env = element_env(problem, spec)
    env.update({key: v for key, v in problem.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    subs = {s: env[s.name] for s in expr.free_symbols if s.name in env}
    missing = [s.name for s in expr.free_symbols if s.name not in env]
    if missing:
        raise KeyError(f"problem lacks {', '.join(sorted(missing))} for {expr}")
    return float(expr.subs(subs))


def op_sizes(op: str, problem: dict, spec=None) -> tuple:
    """(FLOPs, minimum bytes) of `op` on `problem` as floats."""
    return evaluate(flops(op), problem, spec), evaluate(min_bytes(op), problem, spec)
