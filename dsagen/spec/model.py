"""DSA model specs: dataclasses, TOML loading and validation, canonical hash.

A spec names the dimensions of one DeepSeek-Sparse-Attention model and the workloads it is
served at; the generator derives operator problems and buckets from it. Every mistake in a
spec file raises SpecError with one line: `<file>: <key>: <reason>`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from dsagen.errors import SpecError

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
DEFAULT_SPEC = "deepseek-v3.2"

INDEXER_DTYPES = ("e4m3", "bf16")
SCALE_FORMATS = ("ue8m0", "fp32")
KV_FORMATS = ("bf16", "fp8")
INDEXER_HEAD_DIMS = (32, 64, 128)
FP8_CACHE_LATENT = 512
FP8_CACHE_ROPE = 64

# Bounds on what a spec may say: kernels index with int32, one op's head counts are limited, and a
# spec is a few hundred bytes of TOML, not a way to make the generator allocate or loop without end.
INT32_MAX = 2**31 - 1
MAX_SPEC_BYTES = 64 * 1024
MAX_LIST = 32                 # values per workload list
MAX_POINTS = 4096             # workload points of one operator (the lists multiplied)
NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$"
LIMITS = {  # key -> (lowest, highest) for the integer fields where a kernel sets the bound
    "indexer.heads": (1, 128), "mla.heads": (1, 128), "topk.k": (1, 65536), "indexer.scale_block": (1, 1024),
    "mla.latent_dim": (1, 4096), "mla.rope_dim": (0, 512), "mla.d_qk": (1, 4608), "mla.page_block_size": (1, 1024),
    "workloads.decode.next_n": (1, 64), "mla.tp": (1, 128),
}


@dataclass(frozen=True)
class IndexerSpec:
    heads: int
    head_dim: int
    dtype: str
    scale_block: int
    scale_format: str


@dataclass(frozen=True)
class TopkSpec:
    k: int


@dataclass(frozen=True)
class MlaSpec:
    heads: int
    tp: tuple
    latent_dim: int
    rope_dim: int
    d_qk: int
    kv_format: str
    page_block_size: int

    @property
    def d_v(self) -> int:
        return self.latent_dim

    def heads_per_rank(self) -> list:
        return sorted({self.heads // t for t in self.tp}, reverse=True)


@dataclass(frozen=True)
class PrefillWorkload:
    s_q: tuple
    s_kv: tuple


@dataclass(frozen=True)
class DecodeWorkload:
    batch: tuple
    next_n: tuple
    context_len: tuple


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    indexer: IndexerSpec
    topk: TopkSpec
    mla: MlaSpec
    prefill: PrefillWorkload
    decode: DecodeWorkload
    source: str = "<memory>"

    def canonical(self) -> dict:
        """The normalized content (sorted keys, lists sorted and deduplicated; no source path)."""
        d = asdict(self)
        d.pop("source")
        d["workloads"] = {"prefill": d.pop("prefill"), "decode": d.pop("decode")}
        return _normalize(d)

    @property
    def hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def short_hash(self) -> str:
        return self.hash[:12]


def _normalize(v):
    if isinstance(v, dict):
        return {k: _normalize(v[k]) for k in sorted(v)}
    if isinstance(v, (list, tuple)):
        return sorted(set(v))
    return v


# (section, key) -> (kind, required); kind: "int", "str", "ints" (non-empty list of positive ints)
_SCHEMA = {
    "": {"name": "str", "description": "str", "indexer": "table", "topk": "table", "mla": "table",
         "workloads": "table"},
    "indexer": {"heads": "int", "head_dim": "int", "dtype": "str", "scale_block": "int",
                "scale_format": "str"},
    "topk": {"k": "int"},
    "mla": {"heads": "int", "tp": "ints", "latent_dim": "int", "rope_dim": "int", "d_qk": "int",
            "kv_format": "str", "page_block_size": "int"},
    "workloads": {"prefill": "table", "decode": "table"},
    "workloads.prefill": {"s_q": "ints", "s_kv": "ints"},
    "workloads.decode": {"batch": "ints", "next_n": "ints", "context_len": "ints"},
}
_OPTIONAL = {("", "description"), ("mla", "d_qk")}


def _check_table(src: str, section: str, table: dict) -> None:
    schema = _SCHEMA[section]
    for key, value in table.items():
        full = f"{section}.{key}" if section else key
        if key not in schema:
            raise SpecError(f"{src}: {full}: unknown key (expected one of {', '.join(sorted(schema))})")
        kind = schema[key]
        if kind == "table":
            if not isinstance(value, dict):
                raise SpecError(f"{src}: {full}: must be a table, got {type(value).__name__}")
            _check_table(src, full, value)
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise SpecError(f"{src}: {full}: must be an integer, got {_short(value)}")
            if value <= 0:
                raise SpecError(f"{src}: {full}: must be positive, got {value}")
            _in_bounds(src, full, [value])
        elif kind == "str":
            if not isinstance(value, str):
                raise SpecError(f"{src}: {full}: must be a string, got {_short(value)}")
            if len(value) > (1000 if key == "description" else 64):
                raise SpecError(f"{src}: {full}: longer than {1000 if key == 'description' else 64} characters")
        elif kind == "ints":
            if (not isinstance(value, list) or not value
                    or any(isinstance(x, bool) or not isinstance(x, int) for x in value)):
                raise SpecError(f"{src}: {full}: must be a non-empty list of integers, got {_short(value)}")
            if any(x <= 0 for x in value):
                raise SpecError(f"{src}: {full}: every entry must be positive, got {_short(value)}")
            if len(value) > MAX_LIST:
                raise SpecError(f"{src}: {full}: at most {MAX_LIST} values, got {len(value)}")
            _in_bounds(src, full, value)
    for key, kind in schema.items():
        if key not in table and (section, key) not in _OPTIONAL:
            full = f"{section}.{key}" if section else key
            raise SpecError(f"{src}: {full}: missing required key")


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _in_bounds(src: str, full: str, values: list) -> None:
    lo, hi = LIMITS.get(full, (1, INT32_MAX))
    bad = [x for x in values if not lo <= x <= hi]
    if bad:
        raise SpecError(f"{src}: {full}: {bad[0]} is outside [{lo}, {hi}]"
                        + (" (kernels index with int32)" if hi == INT32_MAX else ""))


def spec_from_dict(data: dict, source: str = "<memory>") -> Spec:
    """Validate a parsed TOML document and build a Spec (SpecError on any mistake)."""
    src = source
    if not isinstance(data, dict):
        raise SpecError(f"{src}: <root>: must be a table")
    # k <= 0 and friends are reported by the type check ("must be positive").
    _check_table(src, "", data)
    ix, tk, mla, wl = data["indexer"], data["topk"], data["mla"], data["workloads"]
    if ix["dtype"] not in INDEXER_DTYPES:
        raise SpecError(f"{src}: indexer.dtype: unsupported {ix['dtype']!r} (expected one of {', '.join(INDEXER_DTYPES)})")
    if ix["scale_format"] not in SCALE_FORMATS:
        raise SpecError(f"{src}: indexer.scale_format: unsupported {ix['scale_format']!r} "
                        f"(expected one of {', '.join(SCALE_FORMATS)})")
    if ix["head_dim"] not in INDEXER_HEAD_DIMS:
        raise SpecError(f"{src}: indexer.head_dim: unsupported {ix['head_dim']} "
                        f"(expected one of {', '.join(map(str, INDEXER_HEAD_DIMS))})")
    if ix["head_dim"] % ix["scale_block"] != 0 and ix["scale_block"] % ix["head_dim"] != 0:
        raise SpecError(f"{src}: indexer.scale_block: {ix['scale_block']} does not tile head_dim {ix['head_dim']}")
    if mla["kv_format"] not in KV_FORMATS:
        raise SpecError(f"{src}: mla.kv_format: unsupported {mla['kv_format']!r} (expected one of {', '.join(KV_FORMATS)})")
    d_qk = mla.get("d_qk", mla["latent_dim"] + mla["rope_dim"])
    if d_qk != mla["latent_dim"] + mla["rope_dim"]:
        raise SpecError(f"{src}: mla.d_qk: {d_qk} != latent_dim + rope_dim = "
                        f"{mla['latent_dim']} + {mla['rope_dim']}")
    for t in mla["tp"]:
        if mla["heads"] % t != 0:
            raise SpecError(f"{src}: mla.tp: {mla['heads']} heads are not divisible by tensor-parallel degree {t}")
    if mla["kv_format"] == "fp8" and (mla["latent_dim"] != FP8_CACHE_LATENT or mla["rope_dim"] != FP8_CACHE_ROPE):
        key = "mla.latent_dim" if mla["latent_dim"] != FP8_CACHE_LATENT else "mla.rope_dim"
        raise SpecError(f"{src}: {key}: the fp8 (656-byte) KV cache needs latent_dim 512 and rope_dim 64, "
                        f"got {mla['latent_dim']} and {mla['rope_dim']}")
    import re

    if not re.match(NAME_RE, data["name"]):
        raise SpecError(f"{src}: name: {_short(data['name'])} is not a plain name (letters, digits, _ . + -; "
                        f"at most 64, used in file and kernel names)")
    dec = wl["decode"]
    points = {"prefill": len(wl["prefill"]["s_q"]) * len(wl["prefill"]["s_kv"]) * len(mla["tp"]),
              "decode": len(dec["batch"]) * len(dec["next_n"]) * len(dec["context_len"]) * len(mla["tp"])}
    for which, n in points.items():
        if n > MAX_POINTS:
            raise SpecError(f"{src}: workloads.{which}: {n} workload points (at most {MAX_POINTS})")
    for n in dec["next_n"]:
        for c in dec["context_len"]:
            if n > c:
                raise SpecError(f"{src}: workloads.decode.next_n: {n} exceeds context_len {c}")
    return Spec(
        name=data["name"],
        description=data.get("description", ""),
        indexer=IndexerSpec(**ix),
        topk=TopkSpec(k=tk["k"]),
        mla=MlaSpec(heads=mla["heads"], tp=tuple(sorted(set(mla["tp"]))), latent_dim=mla["latent_dim"],
                    rope_dim=mla["rope_dim"], d_qk=d_qk, kv_format=mla["kv_format"],
                    page_block_size=mla["page_block_size"]),
        prefill=PrefillWorkload(s_q=tuple(sorted(set(wl["prefill"]["s_q"]))),
                                s_kv=tuple(sorted(set(wl["prefill"]["s_kv"])))),
        decode=DecodeWorkload(batch=tuple(sorted(set(dec["batch"]))), next_n=tuple(sorted(set(dec["next_n"]))),
                              context_len=tuple(sorted(set(dec["context_len"])))),
        source=source,
    )


def load_spec_file(path) -> Spec:
    import os
    import stat

    path = Path(path)
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise SpecError(f"{path}: <file>: not a regular file")
        if st.st_size > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: <file>: {st.st_size} bytes (a spec is at most {MAX_SPEC_BYTES})")
        raw = path.read_bytes()[:MAX_SPEC_BYTES + 1]
    except OSError as e:
        raise SpecError(f"{path}: <file>: cannot read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")  # a UTF-8 byte-order mark is allowed, nothing but UTF-8
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: <file>: not UTF-8 (byte {e.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: <toml>: not valid TOML ({str(e).splitlines()[0]})") from None
    except RecursionError:
        raise SpecError(f"{path}: <toml>: nested too deeply") from None
    return spec_from_dict(data, str(path))


def builtin_names() -> list:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.toml"))


def load_spec(name_or_path=None) -> Spec:
    """A built-in spec by name (`deepseek-v3.2`, the default) or a spec TOML file by path."""
    if name_or_path is None:
        name_or_path = DEFAULT_SPEC
    s = str(name_or_path)
    if s in builtin_names():
        return load_spec_file(BUILTIN_DIR / f"{s}.toml")
    p = Path(s)
    if p.suffix == ".toml" or p.exists() or "/" in s:
        return load_spec_file(p)
    raise SpecError(f"{s}: <spec>: neither a built-in spec ({', '.join(builtin_names())}) nor a file")
