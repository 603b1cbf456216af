"""The kernel cache's writer: manifest schema, status transitions, atomic publishing, clean.

generated/<arch>/<op>/<name>/ holds one kernel (Triton: kernel.py; TileLang: kernel.cu, kernel.so,
meta.json, ...) and generated/manifest.json one entry per kernel. This module is the only one
that writes either; the runtime reads them through dsagen.runtime.manifest.

Status of an entry (the `status` field, with its history in `history`):
  compiled      built for the arch (resources known), never run
  verified-cpu  matched its oracle in the Triton interpreter
  verified-gpu  matched its oracle on a GPU of the kernel's own arch
  measured      verified-gpu, and timed there at the bucket's full-size problem
A result moves an entry only when it is the entry's own (same cache key) and, for the GPU
statuses, only when it ran on a device of the entry's arch. A failed check sets `compiled`.

Writes are atomic (staged under generated/.staging on the same filesystem, then renamed) and
serialised by a file lock, so a killed or concurrent `tune` never leaves a half-written kernel
or manifest. Staging left by a killed writer (its pid is in the name) is removed by the next.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock

from dsagen.errors import DsagenError
from dsagen.runtime import manifest
from dsagen.runtime.manifest import FORMAT, MANIFEST, STATUSES, CorruptManifest, entry_key, gen_dir, read_manifest

__all__ = ["STATUSES", "CorruptManifest", "read_manifest", "gen_dir", "entry_key"]

STAGING = ".staging"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,159}$")
_replace = os.replace  # tests swap this to simulate a crash between staging and publishing


class CacheError(DsagenError, ValueError):
    """A write to the cache cannot be done (read-only, outside the cache, ...)."""


def check_name(name: str, what: str = "kernel name") -> str:
    """A kernel, op or arch name must be one plain path component."""
    if not isinstance(name, str) or not NAME_RE.match(name) or name in (".", ".."):
        raise CacheError(f"{what}: {name!r} is not a plain name (letters, digits, _ . + -; at most 160)")
    return name


def kernel_dir(arch: str, op: str, name: str) -> str:
    return f"{check_name(arch, 'arch')}/{check_name(op, 'op')}/{check_name(name)}"


# ---------------------------------------------------------------- locking and staging
def _pid_alive(pid: int) -> bool:
    """Whether a writer can still finish: a zombie (dead, not yet reaped by an init that may never
    reap it) cannot, though signal 0 still reaches it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):  # no /proc (not Linux) or the process just went away
        return True


def _remove_staged(children) -> None:
    """Remove staged files and folders (a symlink is unlinked, never followed)."""
    for child in children:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def clean_stale_staging(root: Path) -> None:
    """Remove staged files and folders of writers that are gone (their names carry the pid)."""
    d = root / STAGING
    if d.is_dir():
        _remove_staged(c for c in d.iterdir() if not _written_by_live_process(c.name))


def _written_by_live_process(name: str) -> bool:
    m = re.match(r"p(\d+)\.", name)
    return bool(m) and (int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))))


def clean_own_staging(root: Path | None = None) -> None:
    """Remove this process's staged files and folders (a tune's last step: nothing it staged is
    read after it returns, and a concurrent writer's staging carries another pid)."""
    d = Path(root or gen_dir()) / STAGING
    if d.is_dir():
        _remove_staged(d.glob(f"p{os.getpid()}.*"))


def check_writable(root: Path | None = None) -> Path:
    """The cache root, created if needed; one CacheError when it cannot be written."""
    root = Path(root or gen_dir())
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-probe.p{os.getpid()}.{uuid.uuid4().hex[:6]}"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise CacheError(f"generated: cannot write {root} ({e.strerror or e})") from None
    return root


@contextmanager
def locked(root: Path | None = None, timeout: float = 600):
    root = check_writable(root)
    with FileLock(str(root / ".lock"), timeout=timeout):
        clean_stale_staging(root)
        yield root


def staging_dir(root: Path | None = None, label: str = "k") -> Path:
    """A fresh folder under generated/.staging for one build (same filesystem as the cache)."""
    root = Path(root or gen_dir())
    d = root / STAGING / f"p{os.getpid()}.{re.sub(r'[^A-Za-z0-9_]', '', label)[:40]}.{uuid.uuid4().hex[:8]}"
    d.mkdir(parents=True, exist_ok=False)
    return d


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m


def atomic_write(path: Path, text: str, root: Path | None = None) -> None:
    """Write `text` to `path` through a staging file on the same filesystem, then rename; the
    file gets the user's umask (readable by a serving process), not mkstemp's 0600."""
    root = Path(root or gen_dir())
    staging = root / STAGING
    tmp = None
    try:
        staging.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=staging, prefix=f"p{os.getpid()}." + path.name + ".")
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        _replace(tmp, path)
    except OSError as e:  # a full disk, a read-only mount: one line, and the old file stays
        raise CacheError(f"generated: cannot write {path.name} ({e.strerror or e}); it is as it was") from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def write_manifest(data: dict, root: Path | None = None) -> None:
    """Write the manifest atomically; one that would not pass its own schema is refused."""
    root = Path(root or gen_dir())
    data["format"] = FORMAT
    data["kernels"] = {k: data["kernels"][k] for k in sorted(data["kernels"])}
    why = manifest.first_error(data)
    if why:
        raise CacheError(f"generated: refusing to write a manifest that breaks its schema ({why})")
    atomic_write(root / MANIFEST, json.dumps(data, indent=1, sort_keys=True) + "\n", root)


def read_or_rebuild(root: Path, log=print) -> dict:
    """For writers: a corrupt manifest is moved aside (manifest.json.corrupt) and started afresh."""
    try:
        return read_manifest(root)
    except CorruptManifest as e:
        p = root / MANIFEST
        aside = p.with_name(MANIFEST + ".corrupt")
        _replace(p, aside)
        log(f"dsagen: {e}; moved to {aside.name}, its kernels will be rebuilt")
        return manifest.empty()


# ---------------------------------------------------------------- publishing
def commit(entry: dict, staged: Path, root: Path | None = None, log=print) -> None:
    """Publish a staged kernel folder and its manifest entry atomically (under the lock): the folder
    is renamed into generated/<arch>/<op>/<name>/ (a previous build of the same kernel is renamed
    aside first, then removed), then the manifest is rewritten."""
    root = Path(root or gen_dir())
    staged = Path(staged)
    rel = kernel_dir(entry["arch"], entry["op"], entry["name"])
    for f, _ in manifest.entry_files(entry):
        if manifest.inside(root, f) is None or not f.startswith(rel + "/"):
            raise CacheError(f"entry {entry['name']}: file {f!r} is not inside {rel}/")
    with locked(root):
        data = read_or_rebuild(root, log)
        final = root / rel
        old = None
        published = False
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists() or final.is_symlink():
                old = root / STAGING / f"p{os.getpid()}.old.{uuid.uuid4().hex[:8]}"
                _replace(final, old)
            _replace(staged, final)
            published = True
            entry = dict(entry)
            entry["history"] = [{"status": entry["status"], "date": _today(), "why": entry.get("note", "")}]
            data["kernels"][entry_key(entry["arch"], entry["op"], entry["name"])] = entry
            write_manifest(data, root)
        except (OSError, CacheError) as e:
            # put the kernel folder back as it was (the manifest was not replaced), then say so once
            try:
                if published:
                    _replace(final, staged)
                if old is not None and old.exists():
                    _replace(old, final)
            except OSError:
                pass
            why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise CacheError(f"generated: cannot publish {rel} ({why}); the cache is as it was") from None
        if old is not None:
            if old.is_dir() and not old.is_symlink():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def _today() -> str:
    return datetime.date.today().isoformat()


@contextmanager
def _own_entry(arch: str, op: str, name: str, key: str, root: Path | None):
    """(manifest, the entry when its key is `key` else None, root) under the lock."""
    root = Path(root or gen_dir())
    with locked(root):
        data = read_or_rebuild(root)
        e = data["kernels"].get(entry_key(arch, op, name))
        yield data, (e if e is not None and e.get("key") == key else None), root


def status_after(entry: dict, result: dict) -> str:
    """The status an entry gets from a run result {"passed", "device_arch", "timing"} of its own."""
    if not result.get("passed") is True:
        return "compiled"
    dev_arch = result.get("device_arch")
    if dev_arch == "cpu":
        return "verified-cpu" if entry["status"] in ("compiled", "verified-cpu") else entry["status"]
    if dev_arch != entry["arch"]:
        return entry["status"] if entry["status"] != "compiled" else "compiled"
    return "measured" if result.get("timing") else "verified-gpu"


def record_result(arch: str, op: str, name: str, key: str, result: dict, changes: dict | None = None,
                  root: Path | None = None) -> dict | None:
    """Apply a run result to the entry it belongs to; refused (None) when the entry's key is not
    `key` (another build has replaced it since: a result is never applied to someone else's kernel)."""
    with _own_entry(arch, op, name, key, root) as (data, e, root):
        if e is None:
            return None
        new = status_after(e, result)
        verification = {k: result[k] for k in ("shapes", "device_arch", "code_path", "error") if k in result}
        # the fields readers rely on, in the manifest schema's types whatever the result held
        verification["passed"] = result.get("passed") is True
        err = result.get("max_error")
        verification["max_error"] = float(err) if isinstance(err, (int, float)) and not isinstance(err, bool) else None
        verification["where"] = str(result["where"]) if result.get("where") is not None else None
        e["verification"] = verification
        timing = result.get("timing")
        if isinstance(timing, dict) and new == "measured":
            med = timing.get("median_us")
            e["timing"] = dict(timing, median_us=float(med) if isinstance(med, (int, float))
                               and not isinstance(med, bool) else None)
        e.update(changes or {})
        if new != e["status"] or not e.get("history"):
            e.setdefault("history", []).append({"status": new, "date": _today(),
                                                "why": f"{'passed' if result.get('passed') is True else 'FAILED'} on "
                                                       f"{result.get('where')}"})
        e["status"] = new
        write_manifest(data, root)
        return dict(e)


def update_fields(arch: str, op: str, name: str, key: str, changes: dict, root: Path | None = None) -> bool:
    """Set fields of an entry (not its status) when its key is `key`."""
    with _own_entry(arch, op, name, key, root) as (data, e, root):
        if e is None:
            return False
        if "status" in changes:
            raise CacheError("update_fields: status changes go through record_result")
        e.update(changes)
        write_manifest(data, root)
        return True


def clean(root: Path | None = None) -> int:
    """Remove every emitted kernel and the manifest; returns how many kernels there were.

    Only what dsagen writes is removed, and only inside a folder that is a dsagen cache (it holds
    a manifest, or is empty of anything else): <arch>/ trees named in the manifest or matching the
    arch table, the manifest (and a corrupt one), staging. A symlink is unlinked, never followed.
    """
    from dsagen.spec.archs import ARCHS

    root = Path(root or gen_dir())
    if not root.exists():
        return 0
    if root.is_symlink() or not root.is_dir():
        raise CacheError(f"clean: {root} is not a folder")
    ours = set(ARCHS) | {STAGING, MANIFEST, MANIFEST + ".corrupt", ".lock"}
    foreign = [c.name for c in root.iterdir() if c.name not in ours and not c.name.startswith(".write-probe")]
    if not (root / MANIFEST).exists() and not (root / (MANIFEST + ".corrupt")).exists() and foreign:
        raise CacheError(f"clean: {root} is not a dsagen cache (no {MANIFEST}; it holds {', '.join(sorted(foreign)[:5])})")
    with locked(root):
        try:
            n = len(read_manifest(root)["kernels"])
        except CorruptManifest:
            n = 0
        for child in root.iterdir():
            if child.name not in ours or child.name == ".lock":
                continue
            if child.is_symlink() or child.is_file():
                child.unlink()
            elif child.is_dir():
                shutil.rmtree(child)
    manifest.forget()
    return n


# ---------------------------------------------------------------- toolchain and keys
_toolchain = None


def toolchain() -> dict:
    """Versions kernels are generated with (no import of triton or tilelang)."""
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
                m = re.search(r"release ([0-9.]+), V([0-9.]+)", out)
                nvcc = m.group(2) if m else (out.strip().splitlines()[-1] if out.strip() else exe)
            except (OSError, subprocess.SubprocessError):
                nvcc = exe
        _toolchain = {"python": sys.version.split()[0], "torch": ver("torch"), "triton": ver("triton"),
                      "tilelang": ver("tilelang"), "nvcc": nvcc}
    return dict(_toolchain)


# Bumped when what a build produces or records changes, so every kernel is rebuilt once.
PIPELINE_FORMAT = 1


def cache_key(**parts) -> str:
    """sha256 of everything that determines a kernel (template source, problem and bucket,
    schedule space, arch and target, toolchain), as canonical JSON."""
    text = json.dumps(dict(parts, pipeline=PIPELINE_FORMAT), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
