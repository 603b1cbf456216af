"""Schedule search spaces (schedules/<arch>/<op>.toml) and sympy pruning before any compile."""

from __future__ import annotations

import ast
import functools
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from dsagen.errors import DsagenError
from dsagen.runtime import paths

BEGIN, END = "# <dsagen:schedule>", "# </dsagen:schedule>"


class ScheduleError(DsagenError, ValueError):
    """A schedule file or template schedule block is wrong."""


@dataclass
class Space:
    op: str
    backend: str
    keys: list
    values: dict           # key -> list of ints
    constraints: list      # (expr text, why, sympy expr)
    source: str

    @property
    def hash(self) -> str:
        text = json.dumps({"values": self.values, "constraints": [c[0] for c in self.constraints]}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def candidates(self) -> list:
        return [dict(zip(self.keys, combo)) for combo in itertools.product(*(self.values[k] for k in self.keys))]


def template_schedule(template: Path) -> dict:
    """The SCHEDULE dict between the template's markers, read without importing the template."""
    text = Path(template).read_text()
    lines = text.splitlines()
    try:
        i, j = lines.index(BEGIN), lines.index(END)
    except ValueError:
        raise ScheduleError(f"{template}: {BEGIN}: schedule markers missing") from None
    block = "\n".join(lines[i + 1:j])
    try:
        tree = ast.parse(block)
        assign = tree.body[0]
        if not (isinstance(assign, ast.Assign) and assign.targets[0].id == "SCHEDULE"):
            raise ValueError("not SCHEDULE = {...}")
        sched = ast.literal_eval(assign.value)
    except Exception as e:  # noqa: BLE001
        raise ScheduleError(f"{template}: SCHEDULE: cannot read the schedule block ({e})") from None
    return sched


def space_path(arch: str, op: str, backend: str = "triton") -> Path:
    """schedules/<arch>/<op>.toml (Triton) or schedules/<arch>/<op>.<backend>.toml (e.g. tilelang)."""
    suffix = "" if backend == "triton" else f".{backend}"
    return paths.schedules_dir() / arch / f"{op}{suffix}.toml"


def load_space(arch: str, op: str, template: Path, backend: str = "triton") -> Space:
    """The op's search space on `arch`; the template default alone when no file exists.

    Triton spaces always hold num_warps and num_stages; other backends (TileLang) hold exactly
    the keys of their template's SCHEDULE plus what the file lists.
    """
    default = template_schedule(template)
    path = space_path(arch, op, backend)
    if not path.exists():
        return Space(op, backend, list(default), {k: [v] for k, v in default.items()}, [], f"{template} (default)")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ScheduleError(f"{path}: <toml>: not valid TOML ({str(e).splitlines()[0]})") from None
    for key in data:
        if key not in ("op", "backend", "space", "constraints"):
            raise ScheduleError(f"{path}: {key}: unknown key")
    if data.get("op", op) != op:
        raise ScheduleError(f"{path}: op: says {data.get('op')!r}, file is for {op!r}")
    if data.get("backend", "triton") != backend:
        raise ScheduleError(f"{path}: backend: says {data.get('backend')!r}, file is for {backend!r}")
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
    missing = [k for k in default if k not in values]
    for k in missing:  # keys the file leaves out keep the template value
        values[k] = [default[k]]
    keys = list(default) + [k for k in values if k not in default]
    constraints = []
    for idx, c in enumerate(data.get("constraints", [])):
        if not isinstance(c, dict) or not isinstance(c.get("expr"), str):
            raise ScheduleError(f"{path}: constraints[{idx}].expr: must be a string")
        constraints.append((c["expr"], c.get("why", ""), _parse(c["expr"], str(path), idx)))
    return Space(op, backend, keys, values, constraints, str(path))


@functools.lru_cache(maxsize=512)
def _parse(expr: str, src: str, idx: int):
    import sympy as sp  # lazily: the run-time kernel lookup imports this module's siblings

    try:
        e = sp.sympify(expr, locals={n: sp.Symbol(n) for n in _names(expr)})
    except (sp.SympifyError, SyntaxError, TypeError) as err:
        raise ScheduleError(f"{src}: constraints[{idx}].expr: cannot parse {expr!r} ({err})") from None
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    fn = sp.lambdify(syms, e, modules=["math"])
    return e, tuple(s.name for s in syms), fn


def _names(expr: str) -> list:
    import re
    return sorted(set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expr)) - {"Min", "Max", "ceiling", "floor", "log", "sqrt", "Mod"})


def prune(space: Space, problem: dict, arch_keys: dict) -> tuple:
    """(kept candidates, {reason: count dropped}) after every constraint is evaluated."""
    env_base = {k: v for k, v in problem.items() if isinstance(v, int) and not isinstance(v, bool)}
    env_base.update(arch_keys)
    kept, dropped = [], {}
    for cand in space.candidates():
        env = dict(env_base)
        env.update(cand)
        ok = True
        for text, why, (_, names, fn) in space.constraints:
            missing = [n for n in names if n not in env]
            if missing:
                raise ScheduleError(f"{space.source}: constraint {text!r}: unknown name(s) {', '.join(missing)} "
                                    f"(not a schedule, problem or arch key)")
            if not bool(fn(*(env[n] for n in names))):
                ok = False
                dropped[why or text] = dropped.get(why or text, 0) + 1
                break
        if ok:
            kept.append(cand)
    return kept, dropped
