"""Choose the kernel module an operator runs: the tuned one in generated/, or the template.

Nothing is compiled or tuned here, and nothing of the generator is imported: the manifest is
read through dsagen.runtime.manifest. The first call per (op, arch, problem) looks in
generated/ for a kernel emitted for this device's arch and the problem's bucket; failing
that it uses the template with its default schedule and says so once.

Preference rule for the kernels that run only on a GPU (TileLang, backend "tilelang"; Gluon,
backend "gluon"): on a GPU (never in the interpreter) such a kernel from generated/ is preferred
over the Triton one only when
  - its manifest status is "verified-gpu" or "measured" (a "compiled" build is never used),
  - its structural problem keys match the call's problem (nearest bucket otherwise),
  - its files match their sha256, and it loads (TileLang: through dsagen.runtime.tilelang,
    tvm_ffi + libtvm_runtime.so, tilelang itself is never imported; Gluon: its kernel.py),
  - it can serve the call: a TileLang template's `launch_adapter`, a Gluon kernel's
    `unsupported(...)`, say which calls go to the Triton kernel instead,
  - where it was timed against the tuned Triton kernel (status "measured"), it was the faster
    one for the bucket nearest the call (faster_than_triton), and
  - DSAGEN_TILELANG / DSAGEN_GLUON is not "0"/"off" (set it to turn that backend off).
When both a TileLang and a Gluon kernel qualify, the one timed faster at the nearest bucket runs.
The returned module's `launch` has the Triton template's signature; calls it cannot serve go to
the Triton kernel the rule would otherwise have picked.
"""

import importlib.util
import os
import sys
import threading
import warnings
from pathlib import Path

import torch

from dsagen.runtime import manifest, paths
from dsagen.runtime.targets import device_arch  # noqa: F401 - `sm90`, `gfx942`, `cpu` (used here and by callers)
from dsagen.runtime.triton_env import import_triton, interpreter_on

_lock = threading.Lock()
_modules: dict = {}
_notified: set = set()


# kernel_module's picks: (op, arch, generated dir, manifest stamp, problem) -> module. The stamp
# (mtime, size of manifest.json) makes a new tune visible without a restart; the bucket search,
# manifest parse and hash checks then run once per distinct problem, not once per launch.
_picked: dict = {}
_PICKED_MAX = 4096


def load_module_from_file(path: Path, name_hint: str, needs_triton: bool = True):
    """Import a self-contained kernel module from a file (cached by path)."""
    key = str(Path(path).resolve())
    with _lock:
        mod = _modules.get(key)
        if mod is not None:
            return mod
        if needs_triton:
            import_triton()
        name = f"dsagen_kernels.{name_hint}_{abs(hash(key)) & 0xFFFFFFFF:08x}"
        spec = importlib.util.spec_from_file_location(name, key)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _modules[key] = mod
        return mod


def template_file(op, backend: str = "triton") -> Path:
    """templates/<op>/<backend>.py (a plugin operator names its own folder)."""
    name = getattr(op, "name", op)
    folder = getattr(op, "template_dir", None)
    return Path(folder) / f"{backend}.py" if folder else paths.template_path(backend, name)


def template_module(op, backend: str = "triton"):
    """The template module of an operator (an Operator or its name)."""
    name = getattr(op, "name", op)
    return load_module_from_file(template_file(op, backend), f"template_{name}_{backend}",
                                 needs_triton=backend != "tilelang")  # Gluon is part of triton


def kernel_module(op, device: torch.device, problem: dict | None = None):
    """The module whose `launch` runs Operator `op` on `device` for a problem like `problem`."""
    arch = device_arch(device)
    if arch == "cpu" or interpreter_on():
        return template_module(op)
    gen = paths.generated_dir()
    key = (op.name, arch, str(gen), manifest.manifest_stamp(gen), tuple(sorted((problem or {}).items())))
    mod = _picked.get(key)
    if mod is None:
        mod = preferred_module(op, arch, problem) or triton_module(op, arch, problem)
        if len(_picked) >= _PICKED_MAX:
            _picked.clear()
        _picked[key] = mod
    return mod


def triton_module(op, arch: str, problem: dict | None = None):
    """The Triton kernel module: generated for (arch, bucket) when there is one, else the template."""
    if arch != "cpu" and not interpreter_on():
        found = manifest.find_entry(op, arch, "triton", problem)
        if found is not None:
            entry, kdir = found
            return load_module_from_file(manifest.gen_dir() / entry["path"], f"{arch}_{op.name}")
        if (op.name, arch) not in _notified:
            _notified.add((op.name, arch))
            warnings.warn(
                f"dsagen: no tuned {op.name} kernel for {arch} in {paths.generated_dir()}; "
                f"using the template's default schedule (run `python -m dsagen tune --arch {arch}`)",
                stacklevel=4,
            )
    return template_module(op)


# ---------------------------------------------------------------- kernels that run only on a GPU
GPU_VERIFIED = ("verified-gpu", "measured")   # the statuses the preference rule accepts
_tl_kernels: dict = {}   # (kernel dir, lib sha256) -> TLKernel, or the load error text


def backend_enabled(backend: str) -> bool:
    """DSAGEN_TILELANG / DSAGEN_GLUON set to 0/off: no builds of that backend, no dispatch to it."""
    value = os.environ.get(f"DSAGEN_{backend.upper()}", "auto").strip().lower()
    return value not in ("0", "off", "no", "false", "never")


def tilelang_enabled() -> bool:
    return backend_enabled("tilelang")


def preferred_module(op, arch: str, problem: dict | None = None):
    """The TileLang or Gluon module the preference rule picks for (op, arch, problem), or None."""
    found = [m for m in (tilelang_module(op, arch, problem), gluon_module(op, arch, problem)) if m is not None]
    if len(found) < 2:
        return found[0] if found else None
    return min(found, key=lambda m: timed_us(m.entry, op, problem))


def _timing_row(entry: dict, op, problem: dict | None):
    """The entry's timing row (its time as `<backend>_us` beside `triton_us`, from a GPU) of the
    bucket nearest `problem`, or None when it was never timed."""
    rows = entry.get("timings")
    return op.nearest(rows, problem) if isinstance(rows, list) and rows else None


def timed_us(entry: dict, op, problem: dict | None) -> float:
    """The entry's time at the bucket nearest `problem` (inf when it was never timed)."""
    row = _timing_row(entry, op, problem)
    return float(row[f"{entry['backend']}_us"]) if row else float("inf")


def faster_than_triton(entry: dict, op, problem: dict | None) -> bool:
    """False when the entry's timings say the tuned Triton kernel of the bucket nearest `problem`
    was faster; True when it was slower or never timed."""
    row = _timing_row(entry, op, problem)
    return row is None or row[f"{entry['backend']}_us"] < row["triton_us"]


def tilelang_adapter(op):
    """The template's launch_adapter (templates/<op>/tilelang.py), or None."""
    if not template_file(op, "tilelang").exists():
        return None
    return getattr(template_module(op, "tilelang"), "launch_adapter", None)


class Declined(ValueError):
    """A strict TileLangModule / GluonModule (verification) refusing a call its kernel does not
    serve (e.g. the backward's deterministic mode): the verify loop skips that case instead of
    failing it."""


class _GPUOnlyModule:
    """A generated kernel of a GPU-only backend behind the Triton template's `launch` signature;
    calls it cannot serve go to `fallback` (the Triton module), or raise Declined when strict."""

    BACKEND = ""

    def __init__(self, op, entry: dict, fallback=None, strict: bool = False):
        self.op, self.entry = op, entry
        self.SCHEDULE = dict(entry.get("schedule") or {})
        self._fallback = fallback          # () -> Triton module, called only when needed
        self.strict = strict               # strict: refuse instead of falling back (verification)

    def fall_back(self, why: str, *args, **kwargs):
        if self.strict or self._fallback is None:
            raise Declined(f"{self.BACKEND} {self.op.name} kernel {self.entry.get('name')}: cannot run this call "
                           f"({why})")
        return self._fallback().launch(*args, **kwargs)


class TileLangModule(_GPUOnlyModule):
    """A generated TileLang kernel; its template's launch_adapter maps the Triton launch onto it."""

    BACKEND = "tilelang"

    def __init__(self, op, entry: dict, kernel, fallback=None, strict: bool = False, device_type: str = "cuda"):
        super().__init__(op, entry, fallback, strict)
        self.kernel = kernel
        self._adapter = tilelang_adapter(op)
        if self._adapter is None:
            raise ValueError(f"templates/{op.name}/tilelang.py has no launch_adapter")
        self.device_type = device_type

    def launch(self, *args, **kwargs):
        return self._adapter(self, *args, **kwargs)


class GluonModule(_GPUOnlyModule):
    """A generated Gluon kernel (its kernel.py has the Triton template's launch, and
    `unsupported(...)` naming the calls it leaves to Triton)."""

    BACKEND = "gluon"

    def __init__(self, op, entry: dict, module, fallback=None, strict: bool = False):
        super().__init__(op, entry, fallback, strict)
        self.module = module

    def launch(self, *args, **kwargs):
        why = self.module.unsupported(*args, **kwargs)
        if why:
            return self.fall_back(why, *args, **kwargs)
        return self.module.launch(*args, checked=True, **kwargs)  # asked once per call, not twice


def load_tilelang_kernel(kernel_dir: Path, entry: dict):
    """Load an exported TileLang kernel without importing tilelang (tests replace this).

    An entry with several kernels (decode: main + combine, each in <entry dir>/<label>/) gives
    {label: TLKernel}; kernel_dir is the first kernel's directory.
    """
    from dsagen.runtime.tilelang import load_kernel

    kernels = entry.get("kernels") or []
    if len(kernels) <= 1:
        return load_kernel(kernel_dir, entry.get("function"))
    base = Path(kernel_dir).parent
    return {k["label"]: load_kernel(base / Path(k["path"]).parent.name, k.get("function")) for k in kernels}


def _tl_kernel_cached(kernel_dir: Path, entry: dict):
    key = (str(kernel_dir), entry.get("lib_sha256"))
    with _lock:
        hit = _tl_kernels.get(key)
        if hit is None:
            try:
                hit = load_tilelang_kernel(kernel_dir, entry)
            except Exception as e:  # noqa: BLE001 - no runtime here: Triton serves
                hit = f"{type(e).__name__}: {e}"
            _tl_kernels[key] = hit
    return hit


def tilelang_module(op, arch: str, problem: dict | None = None):
    """The TileLang module for (op, arch, problem) under the preference rule, or None."""
    if not tilelang_enabled() or tilelang_adapter(op) is None:
        return None
    found = manifest.find_entry(op, arch, "tilelang", problem, GPU_VERIFIED)
    if found is None:
        return None
    entry, kdir = found
    if not faster_than_triton(entry, op, problem):
        return None
    kernel = _tl_kernel_cached(kdir, entry)
    if isinstance(kernel, str):
        if ("tl-load", str(kdir)) not in _notified:
            _notified.add(("tl-load", str(kdir)))
            warnings.warn(f"dsagen: TileLang kernel {kdir} cannot be loaded ({kernel[:300]}); using Triton",
                          stacklevel=3)
        return None
    return TileLangModule(op, entry, kernel, fallback=lambda: triton_module(op, arch, problem))


def tilelang_entry_module(op, entry: dict, root: Path | None = None, strict: bool = True, kernel_dir=None):
    """The module for one TileLang manifest entry whatever its status (verify on a GPU).
    kernel_dir: a staged (not yet committed) build's directory instead of the entry's own."""
    root = Path(root) if root is not None else manifest.gen_dir()
    if kernel_dir is None:
        bad = manifest.check_entry(entry, root)
        if bad:
            raise ValueError(f"entry: {bad}")
        kernel_dir = (root / entry["path"]).parent
    kernel = load_tilelang_kernel(Path(kernel_dir), entry)
    return TileLangModule(op, entry, kernel, strict=strict,
                          fallback=None if strict else (lambda: triton_module(op, entry["arch"], entry.get("problem"))))


def gluon_module(op, arch: str, problem: dict | None = None):
    """The Gluon module for (op, arch, problem) under the preference rule, or None."""
    if not backend_enabled("gluon"):
        return None
    found = manifest.find_entry(op, arch, "gluon", problem, GPU_VERIFIED)
    if found is None:
        return None
    entry, kdir = found
    if not faster_than_triton(entry, op, problem):
        return None
    try:
        module = load_module_from_file(kdir / Path(entry["path"]).name, f"{arch}_{op.name}_gluon")
    except Exception as e:  # noqa: BLE001 - e.g. a Triton without Gluon: Triton serves
        if ("gluon-load", str(kdir)) not in _notified:
            _notified.add(("gluon-load", str(kdir)))
            warnings.warn(f"dsagen: Gluon kernel {kdir} cannot be loaded ({type(e).__name__}: {e}); using Triton",
                          stacklevel=3)
        return None
    return GluonModule(op, entry, module, fallback=lambda: triton_module(op, arch, problem))


def gluon_entry_module(op, entry: dict, kernel_file: Path, strict: bool = True):
    """The module for one Gluon manifest entry whatever its status (verify on a GPU), loaded from
    `kernel_file` (a staged build's or the entry's own kernel.py)."""
    module = load_module_from_file(Path(kernel_file), f"{entry['arch']}_{op.name}_gluon")
    return GluonModule(op, entry, module, strict=strict,
                       fallback=None if strict else (lambda: triton_module(op, entry["arch"], entry.get("problem"))))
