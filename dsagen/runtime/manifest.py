"""Reading generated/manifest.json: the runtime's read-only view of the kernel cache.

The generator (dsagen.gen.records) does every write; this module only parses (validating against
the JSON Schema in manifest_schema.py), checks a kernel's files against their sha256, and finds
the entry that serves a problem. It is
cheap on the launch path: the parsed manifest is cached (re-read when the file changes) and each
kernel's files are hashed once per file version. Nothing here imports the generator.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from pathlib import Path

from dsagen.runtime import paths
from dsagen.runtime.manifest_schema import ENTRY, FORMAT, STATUSES, first_error

MANIFEST = "manifest.json"
REQUIRED = tuple(ENTRY["required"])


class CorruptManifest(Exception):
    pass


def gen_dir() -> Path:
    return paths.generated_dir()


def manifest_path(root: Path | None = None) -> Path:
    return (root or gen_dir()) / MANIFEST


def sha256_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def empty() -> dict:
    return {"format": FORMAT, "kernels": {}}


def read_manifest(root: Path | None = None) -> dict:
    """The parsed manifest (no kernels when absent); CorruptManifest when it does not parse."""
    p = manifest_path(root)
    if not p.exists():
        return empty()
    try:
        data = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise CorruptManifest(f"{p}: does not parse ({str(e)[:200]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CorruptManifest(f"{p}: not a dsagen manifest (format {FORMAT})")
    why = first_error(data)
    if why:
        raise CorruptManifest(f"{p}: {why}")
    return data


def entry_key(arch: str, op: str, name: str) -> str:
    return f"{arch}/{op}/{name}"


def inside(root: Path, rel: str) -> Path | None:
    """root / rel when it resolves inside root, else None (a manifest never points outside)."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        return None
    base = Path(root).resolve()
    p = (base / rel).resolve()
    return p if p != base and base in p.parents else None


def entry_files(entry: dict) -> list:
    """(relative path, sha256) of every file the entry's kernel consists of."""
    files = [(entry.get("path"), entry.get("source_sha256"))]
    if entry.get("lib"):
        files.append((entry["lib"], entry.get("lib_sha256")))
    for k in entry.get("kernels") or []:
        files += [(k.get("path"), k.get("source_sha256")), (k.get("lib"), k.get("lib_sha256"))]
    return [(rel, digest) for rel, digest in dict.fromkeys(files) if rel]


def check_entry(entry: dict, root: Path | None = None) -> str | None:
    """None when every file of the entry exists inside root and matches its sha256; else why."""
    root = root or gen_dir()
    for rel, digest in entry_files(entry):
        p = inside(root, rel)
        if p is None:
            return f"{rel!r}: not a path inside {root}"
        if not p.exists():
            return f"{p}: missing"
        if sha256_file(p) != digest:
            return f"{p}: sha256 differs from the manifest (edited or corrupted)"
    return None


# ---------------------------------------------------------------- run-time lookup
_lock = threading.Lock()
_cache: dict = {}       # manifest path -> (stat key, parsed data or None)
_checked: dict = {}     # entry path -> (stat keys + digests, ok)
_warned: set = set()


def _stat_key(p: Path):
    try:
        st = p.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _warn_once(msg: str) -> None:
    if msg not in _warned:
        _warned.add(msg)
        warnings.warn(f"dsagen: {msg}", stacklevel=4)


def forget() -> None:
    """Drop the cached manifest and file checks (after `clean`, or in tests)."""
    with _lock:
        _cache.clear()
        _checked.clear()


def manifest_stamp(root: Path | None = None):
    return _stat_key(manifest_path(root))


def _manifest_cached(root: Path):
    p = manifest_path(root)
    key = _stat_key(p)
    hit = _cache.get(str(p))
    if hit is not None and hit[0] == key:
        return hit[1]
    data = None
    if key is not None:
        try:
            data = read_manifest(root)
        except CorruptManifest as e:
            _warn_once(f"{e}; ignoring generated kernels (run `python -m dsagen tune` to rebuild)")
    _cache[str(p)] = (key, data)
    return data


def find_entry(op, arch: str, backend: str, problem: dict | None = None, statuses=STATUSES):
    """(entry, kernel directory) of the `backend` kernel for Operator `op` on `arch` whose bucket
    suits `problem` best and whose status is one of `statuses`, or None.

    A kernel whose files do not match their sha256 is refused (None, with a warning once).
    """
    root = gen_dir()
    with _lock:
        data = _manifest_cached(root)
        if not data:
            return None
        entries = [e for e in data["kernels"].values() if e["op"] == op.name and e["arch"] == arch
                   and e["backend"] == backend and e["status"] in statuses]
        e = op.nearest(entries, problem)
        if e is None:
            return None
        files = entry_files(e)
        key = tuple((_stat_key(root / rel), digest) for rel, digest in files)
        hit = _checked.get(e["path"])
        if hit is None or hit[0] != key:
            bad = check_entry(e, root)
            if bad:
                _warn_once(f"{bad}; not using it (run `python -m dsagen tune --arch {arch}` to rebuild)")
            hit = (key, bad is None)
            _checked[e["path"]] = hit
        return (dict(e), (root / e["path"]).parent) if hit[1] else None
