"""The JSON Schema of a spec file (checked with the jsonschema library), and its errors in one line.

The schema holds every per-field rule: the keys each table may and must have, types, the bounds
kernels impose (int32 sizes, head counts an op supports), list lengths, name characters. Rules
across fields (d_qk against the RoPE layout, a cache format that must hold the dims, heads
divisible by the TP degree) stay in dsagen.spec.model, after the schema passed.
"""

INT32_MAX = 2**31 - 1
MAX_LIST = 32                 # values per workload list
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$"
KV_FORMATS = ("bf16", "fp8", "v32-fp8-656", "model1-fp8-584")
INDEXER_DTYPES = ("e4m3", "bf16")
SCALE_FORMATS = ("ue8m0", "fp32")
INDEXER_HEAD_DIMS = (32, 64, 128)
# dsa: V3.2-style (indexer + top-k over raw tokens); dsa-shared: reuses a dsa layer's top-k
# (GLM-5.2 IndexShare); window: the sliding window only; csa: window + an indexer's top-k over
# entries compressed compress_ratio:1; hca: window + every compressed entry (DeepSeek-V4).
LAYER_KINDS = ("dsa", "dsa-shared", "window", "csa", "hca")


def _int(lo=1, hi=INT32_MAX):
    return {"type": "integer", "minimum": lo, "maximum": hi}


def _ints(lo=1, hi=INT32_MAX):
    return {"type": "array", "items": _int(lo, hi), "minItems": 1, "maxItems": MAX_LIST}


def _table(props: dict, optional=()):
    return {"type": "object", "properties": props, "additionalProperties": False,
            "required": [k for k in props if k not in optional]}


SPEC = _table({
    "name": {"type": "string", "maxLength": 64, "pattern": NAME_PATTERN},
    "description": {"type": "string", "maxLength": 1000},
    "indexer": _table({
        "heads": _int(1, 128),
        "head_dim": {"type": "integer", "enum": list(INDEXER_HEAD_DIMS)},
        "dtype": {"type": "string", "enum": list(INDEXER_DTYPES)},
        "scale_block": _int(1, 1024),
        "scale_format": {"type": "string", "enum": list(SCALE_FORMATS)},
        "rope_dim": _int(0, 256),
        "rope_style": {"type": "string", "enum": ["neox", "interleaved"]},
        "rope_position": {"type": "string", "enum": ["first", "last"]},
        "key_pool": _int(1, 64),
    }, optional=("rope_dim", "rope_style", "rope_position", "key_pool")),
    "topk": _table({"k": _int(1, 65536)}),
    "mla": _table({
        "heads": _int(1, 128),
        "tp": _ints(1, 128),
        "latent_dim": _int(1, 4096),
        "rope_dim": _int(0, 512),
        "d_qk": _int(1, 4608),
        "kv_format": {"type": "string", "enum": list(KV_FORMATS)},
        "page_block_size": _int(1, 1024),
    }, optional=("d_qk",)),
    "attention": _table({
        "window": _int(0, 65536),
        "sink": {"type": "boolean"},
        "layers": {"type": "array", "minItems": 1, "maxItems": 16, "items": _table({
            "kind": {"type": "string", "enum": list(LAYER_KINDS)},
            "count": _int(1, 1024),
            "compress_ratio": _int(2, 4096),
            "compressed_page_block_size": _int(1, 1024),
        }, optional=("compress_ratio", "compressed_page_block_size"))},
    }, optional=("window", "sink")),
    "workloads": _table({
        "prefill": _table({"s_q": _ints(), "s_kv": _ints()}),
        "decode": _table({"batch": _ints(), "next_n": _ints(1, 64), "context_len": _ints()}),
    }),
}, optional=("description", "attention"))


def _key(path) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def first_error(data) -> tuple[str, str] | None:
    """None when `data` matches SPEC, else (dotted key, reason) of the most relevant error."""
    import jsonschema

    errors = list(jsonschema.Draft202012Validator(SPEC).iter_errors(data))
    if not errors:
        return None
    e = jsonschema.exceptions.best_match(errors)
    key, v, s = _key(e.absolute_path), e.instance, e.schema
    kind = e.validator
    if kind == "additionalProperties":
        extra = sorted(set(v) - set(s.get("properties", {})))
        key = f"{key}.{extra[0]}" if key else extra[0]
        return key, f"unknown key (expected one of {', '.join(sorted(s.get('properties', {})))})"
    if kind == "required":
        missing = [k for k in s["required"] if k not in v][0]
        return (f"{key}.{missing}" if key else missing), "missing required key"
    if kind == "type":
        want = {"integer": "an integer", "string": "a string", "object": "a table", "boolean": "true or false",
                "array": "a non-empty list of integers"}.get(s["type"], s["type"])
        return key, f"must be {want}, got {_short(v)}"
    if kind == "minimum" and s["minimum"] == 1:
        return key, f"must be positive, got {v}"
    if kind in ("minimum", "maximum"):
        lo, hi = s.get("minimum"), s.get("maximum")
        note = " (kernels index with int32)" if hi == INT32_MAX else ""
        return key, f"{v} is outside [{lo}, {hi}]{note}"
    if kind == "enum":
        return key, f"unsupported {_short(v)} (expected one of {', '.join(map(str, s['enum']))})"
    if kind == "maxLength":
        return key, f"longer than {s['maxLength']} characters"
    if kind == "pattern":
        return key, (f"{_short(v)} is not a plain name (letters, digits, _ . + -; at most 64, used in file "
                     f"and kernel names)")
    if kind == "maxItems":
        return key, f"at most {s['maxItems']} values, got {len(v)}"
    if kind == "minItems":
        return key, "must be a non-empty list"
    return key, e.message[:200]
