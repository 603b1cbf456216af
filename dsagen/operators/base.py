"""What defines an operator: its problem keys, buckets, names, sizes and the inputs it is checked on.

One `Operator` per operator lives in `dsagen/operators/<op>/problem.py` (module attribute `OP`).
It is the only place these facts are written; the generator (plan, cost model, build, run),
the runtime (bucket lookup), the tests and the benchmarks all read them from here.

A problem is a plain dict (it is stored in the manifest as JSON) whose keys and types the
operator declares in `keys`; `check_problem` refuses anything else with one line.

`cases(problem, device, size)` is the one inputs builder: `size="verify"` gives small random
instances shaped like the problem (same head counts and dims, few tokens, edge cases mixed
in: invalid indices, NaN in unused cache slots, empty rows) whose outputs are poisoned with
NaN; `size="full"` gives one instance at the problem's own sizes, for timing on a GPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from dsagen.errors import UsageError


@dataclass
class Case:
    """One set of inputs for a kernel module's `launch`, with its poisoned outputs.

    run(module)  launches `module.launch` on the inputs (writing the outputs);
    check()      -> (max_error, passed, note): the outputs against the oracle (float32/64);
    shapes       a readable name of the instance (recorded in the manifest's verification).
    """

    shapes: str
    run: Callable
    check: Callable | None = None


@dataclass(frozen=True)
class Operator:
    name: str
    keys: dict                            # problem key -> type (int or str)
    size_keys: tuple                      # problem keys that vary with the workload
    primary: str                          # the size key buckets split on
    name_parts: tuple                     # (problem key, prefix) for readable kernel names, structural first;
                                          # a part whose value is 0 is left out (an absent feature)
    problems: Callable                    # spec -> list of problem dicts
    cases: Callable                       # (problem, device, size) -> list[Case]
    sizes: Callable                       # () -> (FLOPs, minimum bytes) as sympy expressions of problem keys
    flop_dtype: str | None = None         # "q" (indexer dtype), "bf16", or None (not tensor-core work)
    # Tiling facts for the cost model (schedule key, problem key):
    parallel_tiles: tuple = ()            # tiles that make CTAs
    serial_tiles: tuple = ()              # tiles looped over inside a CTA
    dot_tiles: tuple = ()                 # schedule keys feeding the M side of a tensor-core MMA
    base_ctas: Callable = lambda p: 1     # CTAs independent of tiling
    split_key: str | None = None          # schedule key multiplying CTAs (split-K style)
    split_bytes: Callable | None = None   # (problem, splits) -> extra bytes of the split combine
    traffic: Callable | None = None       # (problem, schedule, arch) -> extra cost-model terms (see gen/cost.py)
    template_dir: str | None = None       # plugins: the folder with <backend>.py; default templates/<op>/
    tunable: bool = True                  # False: has no kernels of its own to tune
    example: dict = field(default_factory=dict, compare=False)  # a typical problem (DeepSeek-V3.2 sizes)
    doc: str = field(default="", compare=False)

    # ------------------------------------------------------------------ problems
    def check_problem(self, problem: dict, where: str = "problem") -> dict:
        """The problem with exactly `keys`, each of its declared type; UsageError otherwise."""
        if not isinstance(problem, dict):
            raise UsageError(f"{where}: {self.name}: must be a table of {', '.join(self.keys)}")
        missing = [k for k in self.keys if k not in problem]
        extra = [k for k in problem if k not in self.keys]
        if missing or extra:
            raise UsageError(f"{where}: {self.name}: keys {sorted(problem)} (expected {sorted(self.keys)})")
        for k, typ in self.keys.items():
            v = problem[k]
            if typ is int and (isinstance(v, bool) or not isinstance(v, int)):
                raise UsageError(f"{where}: {self.name}.{k}: must be an integer, got {v!r}")
            if typ is str and not isinstance(v, str):
                raise UsageError(f"{where}: {self.name}.{k}: must be a string, got {v!r}")
        return {k: problem[k] for k in self.keys}

    def structural(self, problem: dict) -> tuple:
        return tuple(sorted((k, v) for k, v in problem.items() if k not in self.size_keys))

    def kernel_name(self, problem: dict) -> str:
        parts = [self.name]
        for key, prefix in self.name_parts:
            if key in problem and problem[key] != 0:
                parts.append(f"{prefix}{problem[key]}")
        return "_".join(parts)

    # ------------------------------------------------------------------ buckets
    def buckets(self, spec) -> list:
        """Group the spec's workload points into few buckets (deterministic order)."""
        groups: dict = {}
        for p in self.problems(spec):
            groups.setdefault(self.structural(p), []).append(p)
        out = []
        for struct in sorted(groups, key=repr):
            pts = groups[struct]
            values = sorted({p[self.primary] for p in pts})
            runs, cur = [], [values[0]]
            for v in values[1:]:
                if v <= BUCKET_RATIO * cur[0]:
                    cur.append(v)
                else:
                    runs.append(cur)
                    cur = [v]
            runs.append(cur)
            for run in runs:
                members = [p for p in pts if run[0] <= p[self.primary] <= run[-1]]
                rep = dict(struct)
                for key in self.size_keys:
                    rep[key] = max(p[key] for p in members)
                rep = {k: rep[k] for k in self.keys}
                out.append(Bucket(self.name, self.kernel_name(rep), rep, self.primary, run[0], run[-1]))
        return out

    def nearest(self, entries: list, problem: dict | None):
        """Of manifest entries for this op and one arch, the one whose bucket suits `problem` best."""
        if not entries:
            return None
        if not problem:
            return max(entries, key=lambda e: (e["bucket"]["hi"], e["name"]))
        struct = {k: v for k, v in problem.items() if k not in self.size_keys}
        fits = [e for e in entries if all(e["problem"].get(k, v) == v for k, v in struct.items())]
        if not fits:
            return None
        x = problem.get(self.primary)
        if x is None:
            return max(fits, key=lambda e: (e["bucket"]["hi"], e["name"]))

        def dist(e):
            lo, hi = e["bucket"]["lo"], e["bucket"]["hi"]
            if lo <= x <= hi:
                return (0.0, e["name"])
            edge = lo if x < lo else hi
            return (abs(math.log(max(x, 1)) - math.log(max(edge, 1))), e["name"])

        return min(fits, key=dist)


BUCKET_RATIO = 4  # primary values within a factor of 4 of a bucket's smallest share it


@dataclass(frozen=True)
class Bucket:
    op: str
    name: str              # readable kernel name, e.g. sparse_mla_decode_h128_dqk576_topk2048_fp8_b32
    problem: dict = field(hash=False)   # representative problem (largest of the group): what timing runs
    key: str = ""          # the primary size key
    lo: int = 0            # primary values the bucket covers (inclusive)
    hi: int = 0

    def record(self) -> dict:
        return {"key": self.key, "lo": self.lo, "hi": self.hi}


def verify(op: Operator, module, problem: dict, device: str = "cpu") -> dict:
    """Run `module.launch` on the operator's verify cases and compare with the oracle.

    {"max_error": float, "passed": bool, "shapes": str}: max_error is the largest error any
    case reports (inf when -inf/+inf/NaN patterns differ), passed applies the operator's
    tolerances from dsagen/tolerances.py to every case.
    """
    from dsagen.runtime.dispatch import Declined

    worst, passed, shapes, notes, declined = 0.0, True, [], [], []
    for case in op.cases(dict(problem), device, "verify"):
        try:
            case.run(module)
        except Declined:  # a TileLang kernel refusing a mode it leaves to Triton: not checked here
            declined.append(case.shapes)
            continue
        err, ok, note = case.check()
        worst = max(worst, float(err))
        passed &= bool(ok)
        shapes.append(case.shapes)
        if not ok and note:
            notes.append(note)
    if not shapes:  # every case declined: nothing was checked
        passed = False
    text = ",".join(dict.fromkeys(shapes))
    if notes:
        text += f" ({notes[0]})"
    if declined:
        text += f" (declined: {','.join(declined)})"
    return {"max_error": worst, "passed": passed, "shapes": text}
