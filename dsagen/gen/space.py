"""Schedule search spaces (schedules/<op>/<backend>.toml) and sympy pruning before any compile.

One file per operator and backend serves every arch. A limit that holds on some archs only is
a constraint with `archs = [...]`; a TileLang space lists the archs it is built for under
`[targets]` (dsagen arch = TileLang/nvcc target). Every constraint says `why`.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from dsagen.errors import DsagenError
from dsagen.runtime import paths

BEGIN, END = "# <dsagen:schedule>", "# </dsagen:schedule>"
MAX_CANDIDATES = 100_000   # a space larger than this is a mistake in the file, not a search


class ScheduleError(DsagenError, ValueError):
    """A schedule file or template schedule block is wrong."""


@dataclass(frozen=True)
class Constraint:
    expr: str
    why: str
    archs: tuple            # () = every arch
    compiled: tuple         # (sympy expr, names, fn)


@dataclass
class Space:
    op: str
    backend: str
    keys: list
    values: dict           # key -> list of ints
    constraints: list      # Constraint
    default: dict          # the template's SCHEDULE (restricted to the space's keys)
    targets: dict          # arch -> backend target (TileLang); {} = every arch (Triton)
    source: str

    def applies(self, arch_name: str) -> list:
        return [c for c in self.constraints if not c.archs or arch_name in c.archs]

    def hash(self, arch_name: str) -> str:
        """Of what decides the candidates on this arch: values and the constraints that apply."""
        text = json.dumps({"values": self.values, "constraints": [c.expr for c in self.applies(arch_name)],
                           "target": self.targets.get(arch_name)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def candidates(self) -> list:
        return [dict(zip(self.keys, combo)) for combo in itertools.product(*(self.values[k] for k in self.keys))]


def template_schedule(template: Path) -> dict:
    """The SCHEDULE dict between the template's markers (Triton), or its top-level SCHEDULE =
    {...} (TileLang), read without importing the template."""
    text = Path(template).read_text()
    lines = text.splitlines()
    if BEGIN in lines and END in lines:
        i, j = lines.index(BEGIN), lines.index(END)
        block = "\n".join(lines[i + 1:j])
    else:
        m = re.search(r"^SCHEDULE = \{.*?\}$", text, re.M | re.S)
        if not m:
            raise ScheduleError(f"{template}: SCHEDULE: no schedule block (markers {BEGIN} ... {END})")
        block = m.group(0)
    try:
        tree = ast.parse(block)
        assign = tree.body[0]
        if not (isinstance(assign, ast.Assign) and assign.targets[0].id == "SCHEDULE"):
            raise ValueError("not SCHEDULE = {...}")
        sched = ast.literal_eval(assign.value)
    except Exception as e:  # noqa: BLE001
        raise ScheduleError(f"{template}: SCHEDULE: cannot read the schedule block ({e})") from None
    return sched


def load_space(op: str, backend: str, template: Path) -> Space:
    """The op's search space for `backend`; the template default alone when no file exists.

    Triton spaces always hold num_warps and num_stages; other backends (TileLang) hold exactly
    the keys of their template's SCHEDULE plus what the file lists.
    """
    default = template_schedule(template)
    path = paths.space_path(op, backend)
    if not path.exists():
        return Space(op, backend, list(default), {k: [v] for k, v in default.items()}, [], dict(default), {},
                     f"{template} (default)")
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ScheduleError(f"{path}: <toml>: not valid TOML ({str(e).splitlines()[0]})") from None
    for key in data:
        if key not in ("op", "backend", "space", "constraints", "targets"):
            raise ScheduleError(f"{path}: {key}: unknown key")
    if data.get("op", op) != op:
        raise ScheduleError(f"{path}: op: says {data.get('op')!r}, file is for {op!r}")
    if data.get("backend", backend) != backend:
        raise ScheduleError(f"{path}: backend: says {data.get('backend')!r}, file is for {backend!r}")
    targets = data.get("targets", {})
    if not isinstance(targets, dict) or not all(isinstance(v, str) for v in targets.values()):
        raise ScheduleError(f"{path}: targets: must be a table of arch = \"target\"")
    space = data.get("space")
    if not isinstance(space, dict) or not space:
        raise ScheduleError(f"{path}: space: missing or empty")
    values = {}
    for k, v in space.items():
        if not isinstance(v, list) or not v or any(isinstance(x, bool) or not isinstance(x, int) for x in v):
            raise ScheduleError(f"{path}: space.{k}: must be a non-empty list of integers")
        values[k] = list(v)
    for k in (("num_warps", "num_stages") if backend == "triton" else ()):
        if k not in values:
            values[k] = [default.get(k, 4 if k == "num_warps" else 2)]
    for k in default:  # keys the file leaves out keep the template value
        values.setdefault(k, [default[k]])
    keys = list(default) + [k for k in values if k not in default]
    n = 1
    for k in keys:
        n *= len(values[k])
    if n > MAX_CANDIDATES:
        raise ScheduleError(f"{path}: space: {n} candidates (at most {MAX_CANDIDATES})")
    constraints = []
    for idx, c in enumerate(data.get("constraints", [])):
        if not isinstance(c, dict) or not isinstance(c.get("expr"), str):
            raise ScheduleError(f"{path}: constraints[{idx}].expr: must be a string")
        archs = c.get("archs", [])
        if not isinstance(archs, list) or not all(isinstance(a, str) for a in archs):
            raise ScheduleError(f"{path}: constraints[{idx}].archs: must be a list of arch names")
        if not isinstance(c.get("why", ""), str) or not c.get("why"):
            raise ScheduleError(f"{path}: constraints[{idx}].why: every constraint states its reason")
        constraints.append(Constraint(c["expr"], c["why"], tuple(archs), _parse(c["expr"], str(path), idx)))
    dflt = {k: default[k] for k in keys if k in default}
    return Space(op, backend, keys, values, constraints, dflt, dict(targets), str(path))


@functools.lru_cache(maxsize=512)
def _parse(expr: str, src: str, idx: int):
    import sympy as sp  # lazily: only the generator prunes

    if len(expr) > 1000:
        raise ScheduleError(f"{src}: constraints[{idx}].expr: longer than 1000 characters")
    try:
        e = sp.sympify(expr, locals={n: sp.Symbol(n) for n in _names(expr)})
    except (sp.SympifyError, SyntaxError, TypeError) as err:
        raise ScheduleError(f"{src}: constraints[{idx}].expr: cannot parse {expr!r} ({err})") from None
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(syms, e, modules=["math"])
    return e, tuple(s.name for s in syms), fn


def _names(expr: str) -> list:
    return sorted(set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expr)) - {"Min", "Max", "ceiling", "floor", "log", "sqrt", "Mod"})


def prune(space: Space, problem: dict, arch) -> tuple:
    """(kept candidates, {reason: count dropped}) after every constraint that applies on `arch`."""
    env_base = {k: v for k, v in problem.items() if isinstance(v, int) and not isinstance(v, bool)}
    env_base.update(arch.keys())
    kept, dropped = [], {}
    rules = space.applies(arch.name)
    for cand in space.candidates():
        env = dict(env_base)
        env.update(cand)
        ok = True
        for c in rules:
            _, names, fn = c.compiled
            missing = [n for n in names if n not in env]
            if missing:
                raise ScheduleError(f"{space.source}: constraint {c.expr!r}: unknown name(s) {', '.join(missing)} "
                                    f"(not a schedule, problem or arch key)")
            if not bool(fn(*(env[n] for n in names))):
                ok = False
                dropped[c.why] = dropped.get(c.why, 0) + 1
                break
        if ok:
            kept.append(cand)
    return kept, dropped
