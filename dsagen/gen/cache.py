"""The kernel cache: generated/<arch>/<op>/<name>/kernel.py plus generated/manifest.json.

Writes are atomic (staged under generated/.staging, then os.replace) and serialised by a
file lock, so a killed or concurrent `tune` never leaves a half-written kernel or manifest.
A kernel whose sha256 differs from the manifest, or a manifest that does not parse, is
reported and never used; the next `tune` rebuilds it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from dsagen.gen.render import sha256_file
from dsagen.runtime import paths

MANIFEST = "manifest.json"
FORMAT = 1
STATUSES = ("compiled", "verified-cpu", "verified-gpu", "measured")
_replace = os.replace  # tests swap this to simulate a crash between staging and publishing


class CorruptManifest(Exception):
    pass


def gen_dir() -> Path:
    return paths.generated_dir()


def manifest_path(root: Path | None = None) -> Path:
    return (root or gen_dir()) / MANIFEST


@contextmanager
def locked(root: Path | None = None, timeout: float = 600):
    root = root or gen_dir()
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / ".lock"), timeout=timeout):
        # Every staging file is written under this lock, so any left here is from a killed writer.
        staging = root / ".staging"
        if staging.exists():
            for stale in staging.iterdir():
                stale.unlink(missing_ok=True)
        yield


def atomic_write(path: Path, text: str, root: Path | None = None) -> None:
    """Write `text` to `path` through a staging file on the same filesystem, then rename."""
    root = root or gen_dir()
    staging = root / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=staging, prefix=path.name + ".")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        _replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_manifest(root: Path | None = None) -> dict:
    """The parsed manifest ({} kernels when absent); CorruptManifest when it does not parse."""
    p = manifest_path(root)
    if not p.exists():
        return {"format": FORMAT, "kernels": {}}
    try:
        data = json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CorruptManifest(f"{p}: does not parse ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("kernels"), dict) or data.get("format") != FORMAT:
        raise CorruptManifest(f"{p}: not a dsagen manifest (format {FORMAT})")
    for key, e in data["kernels"].items():
        if not isinstance(e, dict) or not {"op", "arch", "path", "source_sha256", "bucket", "problem"} <= set(e):
            raise CorruptManifest(f"{p}: entry {key!r} is incomplete")
    return data


def read_manifest_or_rebuild(root: Path | None = None, log=print) -> dict:
    """For writers: a corrupt manifest is moved aside (manifest.json.corrupt) and started afresh."""
    try:
        return read_manifest(root)
    except CorruptManifest as e:
        p = manifest_path(root)
        aside = p.with_name(MANIFEST + ".corrupt")
        _replace(p, aside)
        log(f"dsagen: {e}; moved to {aside.name}, its kernels will be rebuilt")
        return {"format": FORMAT, "kernels": {}}


def entry_key(arch: str, op: str, name: str) -> str:
    return f"{arch}/{op}/{name}"


def kernel_relpath(arch: str, op: str, name: str) -> str:
    return f"{arch}/{op}/{name}/kernel.py"


def backend_of(entry: dict) -> str:
    return entry.get("backend") or "triton"


def check_entry(entry: dict, root: Path | None = None) -> str | None:
    """None when the entry's kernel file exists and matches its sha256; else the reason.

    TileLang entries: `path` is kernel.cu (source_sha256) and `lib` the exported kernel.so
    (lib_sha256); both are checked.
    """
    root = root or gen_dir()
    p = root / entry["path"]
    if not p.exists():
        return f"{p}: missing"
    if sha256_file(p) != entry["source_sha256"]:
        return f"{p}: sha256 differs from the manifest (edited or corrupted)"
    if backend_of(entry) != "triton":
        files = [(entry.get("lib"), entry.get("lib_sha256"))]
        for k in entry.get("kernels") or []:
            files += [(k.get("path"), k.get("source_sha256")), (k.get("lib"), k.get("lib_sha256"))]
        for rel, digest in files:
            if not rel:
                continue
            f = root / rel
            if not f.exists():
                return f"{f}: missing"
            if sha256_file(f) != digest:
                return f"{f}: sha256 differs from the manifest (edited or corrupted)"
    return None


def commit_tree(entry: dict, staged: Path, root: Path | None = None) -> None:
    """Publish a staged kernel directory (TileLang: kernel.cu, kernel.so, ...) and its manifest
    entry atomically: the directory is renamed into place under the lock (a previous build of the
    same kernel is renamed aside first, then removed), then the manifest is rewritten."""
    root = root or gen_dir()
    staged = Path(staged)
    final = root / (entry.get("dir") or Path(entry["path"]).parent)
    with locked(root):
        data = read_manifest_or_rebuild(root)
        final.parent.mkdir(parents=True, exist_ok=True)
        old = None
        if final.exists():
            old = staged.parent / f"{staged.name}.old"
            _replace(final, old)
        _replace(staged, final)
        data["kernels"][entry_key(entry["arch"], entry["op"], entry["name"])] = entry
        write_manifest(data, root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def commit_kernel(entry: dict, source: str, root: Path | None = None) -> None:
    """Publish one kernel and its manifest entry atomically (under the lock)."""
    root = root or gen_dir()
    with locked(root):
        data = read_manifest_or_rebuild(root)
        atomic_write(root / entry["path"], source, root)
        data["kernels"][entry_key(entry["arch"], entry["op"], entry["name"])] = entry
        write_manifest(data, root)


def update_entry(arch: str, op: str, name: str, changes: dict, root: Path | None = None) -> None:
    root = root or gen_dir()
    with locked(root):
        data = read_manifest_or_rebuild(root)
        e = data["kernels"].get(entry_key(arch, op, name))
        if e is None:
            return
        e.update(changes)
        write_manifest(data, root)


def write_manifest(data: dict, root: Path | None = None) -> None:
    root = root or gen_dir()
    data["kernels"] = {k: data["kernels"][k] for k in sorted(data["kernels"])}
    atomic_write(manifest_path(root), json.dumps(data, indent=1, sort_keys=True) + "\n", root)


def clean(root: Path | None = None) -> int:
    """Remove every emitted kernel and the manifest; returns how many kernels there were."""
    root = root or gen_dir()
    if not root.exists():
        return 0
    with locked(root):
        try:
            n = len(read_manifest(root)["kernels"])
        except CorruptManifest:
            n = 0
        for child in root.iterdir():
            # Only what dsagen writes: <arch>/ trees, the manifest (and a corrupt one), staging.
            if child.is_dir() and (child.name.startswith("sm") or child.name.startswith(".staging")):
                shutil.rmtree(child)
            elif child.is_file() and child.name.startswith(MANIFEST):
                child.unlink()
    _cache.clear()
    return n


# ---------------------------------------------------------------- toolchain
_toolchain = None


def toolchain() -> dict:
    """Versions the kernels were generated with (no import of triton or tilelang)."""
    global _toolchain
    if _toolchain is None:
        from importlib import metadata

        def ver(pkg):
            try:
                return metadata.version(pkg)
            except metadata.PackageNotFoundError:
                return None

        nvcc = None
        exe = shutil.which("nvcc")
        if exe:
            try:
                out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20).stdout
                nvcc = out.strip().splitlines()[-1] if out.strip() else exe
            except (OSError, subprocess.SubprocessError):
                nvcc = exe
        _toolchain = {"python": sys.version.split()[0], "torch": ver("torch"), "triton": ver("triton"),
                      "tilelang": ver("tilelang"), "nvcc": nvcc}
    return dict(_toolchain)


# ---------------------------------------------------------------- run-time lookup
_lock = threading.Lock()
_cache: dict = {}       # manifest path -> (stat key, parsed data or None)
_checked: dict = {}     # kernel path -> (stat key, ok)
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


def find_kernel_source(op: str, arch: str, problem: dict | None = None) -> Path | None:
    """The emitted kernel for `op` on `arch` whose bucket suits `problem` best, or None.

    Cheap: the parsed manifest is cached (re-read when the file changes) and each kernel's
    sha256 is checked once per file version; nothing is compiled or tuned. A kernel whose
    hash does not match is refused (None, with a warning).
    """
    from dsagen.gen.registry import registry

    root = gen_dir()
    with _lock:
        data = _manifest_cached(root)
        if not data:
            return None
        entries = [e for e in data["kernels"].values()
                   if e["op"] == op and e["arch"] == arch and backend_of(e) == "triton"]
        if not entries:
            return None
        opdef = registry().get(op)
        if opdef is None:
            return None
        e = _nearest(entries, opdef, problem)
        if e is None:
            return None
        path = root / e["path"]
        key = _stat_key(path)
        hit = _checked.get(str(path))
        if hit is None or hit[0] != (key, e["source_sha256"]):
            bad = check_entry(e, root)
            if bad:
                _warn_once(f"{bad}; not using it (run `python -m dsagen tune --arch {arch}` to rebuild)")
            hit = ((key, e["source_sha256"]), bad is None)
            _checked[str(path)] = hit
        return path if hit[1] else None


def _nearest(entries, opdef, problem):
    from dsagen.gen.registry import nearest
    return nearest(entries, opdef, problem)


def find_tilelang_entry(op: str, arch: str, problem: dict | None = None,
                        statuses: tuple = ("verified-gpu", "measured")) -> tuple | None:
    """(manifest entry, kernel directory) of a TileLang kernel for `op` on `arch` whose status is
    one of `statuses` and whose structural problem keys match `problem`, or None.

    Same cheapness as find_kernel_source (cached manifest, files hashed once per version); a
    kernel whose kernel.cu or kernel.so does not match its sha256 is refused with a warning.
    """
    from dsagen.gen.registry import registry

    root = gen_dir()
    with _lock:
        data = _manifest_cached(root)
        if not data:
            return None
        entries = [e for e in data["kernels"].values() if e["op"] == op and e["arch"] == arch
                   and backend_of(e) == "tilelang" and e.get("status") in statuses]
        opdef = registry().get(op)
        if not entries or opdef is None:
            return None
        e = _nearest(entries, opdef, problem)
        if e is None:
            return None
        path = root / e["path"]
        key = (_stat_key(path), _stat_key(root / e.get("lib", e["path"])), e["source_sha256"], e.get("lib_sha256"))
        hit = _checked.get(str(path))
        if hit is None or hit[0] != key:
            bad = check_entry(e, root)
            if bad:
                _warn_once(f"{bad}; not using this TileLang kernel "
                           f"(run `python -m dsagen tune --arch {arch}` to rebuild)")
            hit = (key, bad is None)
            _checked[str(path)] = hit
        return (dict(e), path.parent) if hit[1] else None
