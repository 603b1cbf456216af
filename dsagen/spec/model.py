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

from dsagen.spec.schema import first_error  # noqa: E402

FP8_CACHE_LATENT = 512
FP8_CACHE_ROPE = 64
# The FP8 cache formats by name (mla.kv_format): FlashMLA's 656-byte V3.2 record holds d_qk 576
# (512 latent + 64 RoPE appended); its 584-byte MODEL1 record holds d_qk 512 (DeepSeek-V4: the
# 64 RoPE dims inside the 512, key = value). "fp8" names the one that fits d_qk.
FP8_FORMAT_FOR_D_QK = {576: "v32-fp8-656", 512: "model1-fp8-584"}

# Bounds on what a spec may say beyond the schema's: a spec is a few hundred bytes of TOML, not a
# way to make the generator allocate or loop without end.
MAX_SPEC_BYTES = 64 * 1024
MAX_POINTS = 4096             # workload points of one operator (the lists multiplied)


@dataclass(frozen=True)
class IndexerSpec:
    heads: int
    head_dim: int
    dtype: str
    scale_block: int
    scale_format: str
    rope_dim: int = 64              # RoPE dims of the indexer head (applied in dsagen.layers before FP8)
    rope_style: str = "neox"        # "neox" (V3.2) or "interleaved" (GLM-5, DeepSeek-V4)
    rope_position: str = "first"    # the head's "first" (V3.2) or "last" (V4) rope_dim dims
    key_pool: int = 1               # GLM-5.3-Flash `index_kpool`: dsa layers' indexer keys pooled key_pool:1
                                    # (kv_compress without overlap or norm); top-k picks k / key_pool pools


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
class LayerKind:
    kind: str                           # one of dsagen.spec.schema.LAYER_KINDS
    count: int                          # layers of this kind
    compress_ratio: int = 1             # csa / hca: raw tokens per compressed entry
    compressed_page_block_size: int = 0  # csa / hca: page size of the compressed cache

    def compressed(self, n: int) -> int:
        """Compressed entries of n raw tokens."""
        return -(-n // self.compress_ratio)


@dataclass(frozen=True)
class AttentionSpec:
    """The model's attention layers by kind. Default: every layer V3.2-style DSA over raw tokens."""
    window: int = 0                     # raw tokens of the sliding window (window / csa / hca layers)
    sink: bool = False                  # a learned per-head attention sink (DeepSeek-V4: over window + compressed)
    layers: tuple = (LayerKind("dsa", 1),)

    def kinds(self, *names) -> list:
        return [lk for lk in self.layers if lk.kind in names]


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
    attention: AttentionSpec = AttentionSpec()
    source: str = "<memory>"

    def canonical(self) -> dict:
        """The normalized content (sorted keys, lists sorted and deduplicated; no source path)."""
        d = asdict(self)
        d.pop("source")
        d["attention"]["layers"] = [dict(x) for x in d["attention"]["layers"]]  # order matters: not a set
        d["workloads"] = {"prefill": d.pop("prefill"), "decode": d.pop("decode")}
        return _normalize(d)

    # What an indexer scores and keeps, and what attention then reads, per layer kind: the one place
    # the operators' problems take these from.
    def indexed(self, lk: LayerKind, n: int) -> int:
        """Entries the indexer scores over n raw tokens: csa's compressed entries, dsa's pooled keys."""
        return lk.compressed(n) if lk.kind == "csa" else -(-n // self.indexer.key_pool)

    def selected(self, lk: LayerKind) -> int:
        """Entries the top-k keeps: k (csa: compressed entries), k / key_pool pools for dsa."""
        return self.topk.k // self.indexer.key_pool if lk.kind == "dsa" else self.topk.k

    def raw_attended(self) -> int:
        """Raw tokens a dsa / dsa-shared query attends: the k top-k positions, or with pooled keys the
        selected pools' k positions plus the incomplete tail pool's (up to key_pool - 1)."""
        return self.topk.k + self.indexer.key_pool - 1

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
        if v and isinstance(v[0], dict):   # the layer kinds: a list of tables, in order
            return [_normalize(x) for x in v]
        return sorted(set(v))
    return v


def spec_from_dict(data: dict, source: str = "<memory>") -> Spec:
    """Validate a parsed TOML document and build a Spec (SpecError on any mistake)."""
    src = source
    if not isinstance(data, dict):
        raise SpecError(f"{src}: <root>: must be a table")
    err = first_error(data)   # every per-field rule (dsagen/spec/schema.py)
    if err:
        key, reason = err
        raise SpecError(f"{src}: {key or '<root>'}: {reason}")
    ix, tk, mla, wl = data["indexer"], data["topk"], data["mla"], data["workloads"]
    if ix.get("rope_dim", 64) > ix["head_dim"] or ix.get("rope_dim", 64) % 2:
        raise SpecError(f"{src}: indexer.rope_dim: {ix.get('rope_dim', 64)} must be even and at most head_dim "
                        f"{ix['head_dim']}")
    if ix["head_dim"] % ix["scale_block"] != 0 and ix["scale_block"] % ix["head_dim"] != 0:
        raise SpecError(f"{src}: indexer.scale_block: {ix['scale_block']} does not tile head_dim {ix['head_dim']}")
    d_qk = mla.get("d_qk", mla["latent_dim"] + mla["rope_dim"])
    if d_qk not in (mla["latent_dim"] + mla["rope_dim"], mla["latent_dim"]):
        raise SpecError(f"{src}: mla.d_qk: {d_qk} is neither latent_dim + rope_dim = {mla['latent_dim']} + "
                        f"{mla['rope_dim']} (RoPE after the latent, V3.2) nor latent_dim {mla['latent_dim']} "
                        f"(RoPE inside the latent, key = value: DeepSeek-V4)")
    for t in mla["tp"]:
        if mla["heads"] % t != 0:
            raise SpecError(f"{src}: mla.tp: {mla['heads']} heads are not divisible by tensor-parallel degree {t}")
    kv_format = mla["kv_format"]
    if kv_format != "bf16":
        fmt = FP8_FORMAT_FOR_D_QK.get(d_qk) if kv_format == "fp8" else kv_format
        lat, rope = mla["latent_dim"], mla["rope_dim"]
        key = None
        if lat != FP8_CACHE_LATENT:
            key = "mla.latent_dim"
        elif fmt == "v32-fp8-656" and rope != FP8_CACHE_ROPE:
            key = "mla.rope_dim"
        elif fmt is None or FP8_FORMAT_FOR_D_QK.get(d_qk) != fmt:
            key = "mla.d_qk"
        if key:
            raise SpecError(f"{src}: {key}: the FP8 caches hold latent_dim 512, the 656-byte V3.2 record with "
                            f"rope_dim 64 after it (d_qk 576), the 584-byte MODEL1 record with the RoPE inside "
                            f"(d_qk 512); got latent_dim {lat}, rope_dim {rope}, d_qk {d_qk} for kv_format "
                            f"{kv_format!r}")
        kv_format = "fp8"   # the format is then fixed by d_qk
    attention = _attention(src, data.get("attention"))
    pool = ix.get("key_pool", 1)
    if pool > 1:
        if tk["k"] % pool:
            raise SpecError(f"{src}: indexer.key_pool: {pool} does not divide topk.k {tk['k']} (the top-k picks "
                            f"k / key_pool whole pools)")
        if not attention.kinds("dsa"):
            raise SpecError(f"{src}: indexer.key_pool: pools the keys of dsa layers, and the spec has none "
                            f"(csa layers compress their own keys)")
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
                    rope_dim=mla["rope_dim"], d_qk=d_qk, kv_format=kv_format,
                    page_block_size=mla["page_block_size"]),
        prefill=PrefillWorkload(s_q=tuple(sorted(set(wl["prefill"]["s_q"]))),
                                s_kv=tuple(sorted(set(wl["prefill"]["s_kv"])))),
        decode=DecodeWorkload(batch=tuple(sorted(set(dec["batch"]))), next_n=tuple(sorted(set(dec["next_n"]))),
                              context_len=tuple(sorted(set(dec["context_len"])))),
        attention=attention,
        source=source,
    )


def _attention(src: str, at) -> AttentionSpec:
    """The [attention] table (already schema-checked) with the rules across its fields."""
    if at is None:
        return AttentionSpec()
    window = at.get("window", 0)
    kinds = []
    for i, lk in enumerate(at["layers"]):
        where = f"{src}: attention.layers[{i}]"
        kind = lk["kind"]
        compressed = kind in ("csa", "hca")
        if compressed and ("compress_ratio" not in lk or "compressed_page_block_size" not in lk):
            raise SpecError(f"{where}.compress_ratio: a {kind} layer needs compress_ratio and "
                            f"compressed_page_block_size (the compressed cache's page)")
        if not compressed and ("compress_ratio" in lk or "compressed_page_block_size" in lk):
            raise SpecError(f"{where}.compress_ratio: a {kind} layer attends raw tokens (only csa and hca compress)")
        if kind in ("window", "csa", "hca") and window < 1:
            raise SpecError(f"{src}: attention.window: {kind} layers attend a sliding window: give its length")
        kinds.append(LayerKind(kind, lk["count"], lk.get("compress_ratio", 1), lk.get("compressed_page_block_size", 0)))
    names = {k.kind for k in kinds}
    if "dsa-shared" in names and "dsa" not in names:
        raise SpecError(f"{src}: attention.layers: dsa-shared layers reuse a dsa layer's top-k, and there is none")
    if window and not names & {"window", "csa", "hca"}:
        raise SpecError(f"{src}: attention.window: no window, csa or hca layer attends it")
    sink = at.get("sink", False)
    if sink and names & {"dsa", "dsa-shared"}:
        raise SpecError(f"{src}: attention.sink: dsagen serves the attention sink in window, csa and hca layers "
                        f"(DeepSeek-V4's V4Attention); its dsa layers (DSAAttention) have none")
    return AttentionSpec(window=window, sink=sink, layers=tuple(kinds))


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
