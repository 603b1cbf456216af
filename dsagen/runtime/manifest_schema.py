"""The JSON Schema of generated/manifest.json (checked with the jsonschema library on every read).

It pins what any reader of the manifest relies on: the identifying strings, the status, the
bucket's numeric range, the problem's scalar values, and the files (each a string path with its
sha256). Fields that are only shown to people (cost model, toolchain, notes) may hold anything.
A manifest that does not match is refused as a whole (dsagen.runtime.manifest.CorruptManifest):
the runtime then falls back to the templates and the next `tune` rebuilds it.
"""

STATUSES = ("compiled", "verified-cpu", "verified-gpu", "measured")
FORMAT = 2

_NAME = {"type": "string", "minLength": 1, "maxLength": 200}
_SHA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_REL = {"type": "string", "minLength": 1, "maxLength": 1000}
_SCALAR = {"type": ["string", "integer", "number", "boolean", "null"]}
_NUMBER_OR_NULL = {"type": ["number", "null"]}

_FILE = {  # one compiled kernel of a TileLang entry
    "type": "object",
    "properties": {"path": _REL, "source_sha256": _SHA, "lib": _REL, "lib_sha256": _SHA,
                   "problem": {"type": "object", "additionalProperties": _SCALAR}},
    "dependentRequired": {"path": ["source_sha256"], "lib": ["lib_sha256"]},
}

ENTRY = {
    "type": "object",
    "required": ["op", "arch", "backend", "name", "path", "source_sha256", "bucket", "problem", "status", "key"],
    "properties": {
        "op": _NAME, "arch": _NAME, "backend": {"enum": ["triton", "tilelang", "gluon"]}, "name": _NAME,
        "path": _REL, "source_sha256": _SHA, "key": _NAME,
        "status": {"enum": list(STATUSES)},
        "bucket": {"type": "object", "required": ["key", "lo", "hi"],
                   "properties": {"key": {"type": "string"}, "lo": {"type": "number"}, "hi": {"type": "number"}}},
        "problem": {"type": "object", "additionalProperties": _SCALAR},
        "tl_problem": {"type": "object", "additionalProperties": _SCALAR},
        "schedule": {"type": ["object", "null"]},
        "lib": _REL, "lib_sha256": _SHA,
        "kernels": {"type": "array", "items": _FILE, "maxItems": 64},
        "history": {"type": "array", "items": {"type": "object", "properties": {"status": {"enum": list(STATUSES)}}}},
        "verification": {"type": ["object", "null"],
                         "properties": {"passed": {"type": "boolean"}, "max_error": _NUMBER_OR_NULL,
                                        "where": {"type": ["string", "null"]}}},
        "timing": {"type": ["object", "null"], "properties": {"median_us": _NUMBER_OR_NULL}},
        "resources": {"type": ["object", "null"]},
    },
    "dependentRequired": {"lib": ["lib_sha256"]},
}

MANIFEST = {
    "type": "object",
    "required": ["format", "kernels"],
    "properties": {"format": {"const": FORMAT},
                   "kernels": {"type": "object", "additionalProperties": ENTRY}},
}


def first_error(data) -> str | None:
    """None when `data` is a valid manifest, else one line: where (a JSON path) and what."""
    import jsonschema

    v = jsonschema.Draft202012Validator(MANIFEST)
    err = jsonschema.exceptions.best_match(v.iter_errors(data))
    if err is None:
        return None
    where = err.json_path if err.json_path != "$" else "the top level"
    return f"{where}: {err.message[:200]}"
