"""Choose the kernel module an operator runs: the tuned one in generated/, or the template.

Nothing is compiled or tuned here. The first call per (op, arch, problem) looks in
generated/ for a kernel emitted for this device's arch and the problem's bucket; failing
that it uses the template with its default schedule and says so once.

TileLang preference rule: on a GPU (never in the interpreter) a TileLang kernel from
generated/ (backend "tilelang") is preferred over the Triton one only when
  - its manifest status is "verified-gpu" or "measured" (a "compiled" build is never used),
  - its structural problem keys match the call's problem (nearest bucket otherwise),
  - kernel.cu and kernel.so match their sha256, and it loads through dsagen.tl_backend.load
    (tvm_ffi + libtvm_runtime.so; tilelang itself is never imported),
  - an adapter exists for the operator (TL_LAUNCH; today indexer_logits), and
  - DSAGEN_TILELANG is not "0"/"off" (set it to turn the preference off).
The returned module's `launch` has the Triton template's signature; calls the TileLang kernel
cannot serve (clean=False, bf16, another head count, empty sizes, a non-contiguous out, an
explicit schedule) go to the Triton kernel the rule would otherwise have picked.
"""

import importlib.util
import os
import sys
import threading
import warnings
from pathlib import Path

import torch

from dsagen.runtime import paths
from dsagen.runtime.triton_env import import_triton, interpreter_on

_lock = threading.Lock()
_modules: dict = {}
_notified: set = set()


_arch_of: dict = {}
# kernel_module's picks: (op, arch, generated dir, manifest stamp, problem) -> module. The stamp
# (mtime, size of manifest.json) makes a new tune visible without a restart; the bucket search,
# manifest parse and hash checks then run once per distinct problem, not once per launch.
_picked: dict = {}
_PICKED_MAX = 4096


def device_arch(device: torch.device) -> str:
    """`sm90` for an H100, `cpu` for the interpreter."""
    if device.type != "cuda":
        return "cpu"
    arch = _arch_of.get(device.index)
    if arch is None:
        major, minor = torch.cuda.get_device_capability(device)
        arch = _arch_of[device.index] = f"sm{major}{minor}"
    return arch


def load_module_from_file(path: Path, name_hint: str):
    """Import a self-contained kernel module from a file (cached by path)."""
    key = str(Path(path).resolve())
    with _lock:
        mod = _modules.get(key)
        if mod is not None:
            return mod
        import_triton()
        name = f"dsagen_kernels.{name_hint}_{abs(hash(key)) & 0xFFFFFFFF:08x}"
        spec = importlib.util.spec_from_file_location(name, key)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _modules[key] = mod
        return mod


def template_module(op: str, backend: str = "triton"):
    return load_module_from_file(paths.template_path(backend, op), f"template_{op}")


def kernel_module(op: str, device: torch.device, problem: dict | None = None):
    """The module whose `launch` runs `op` on `device` for a problem like `problem`."""
    arch = device_arch(device)
    if arch == "cpu" or interpreter_on():
        return template_module(op)
    gen = paths.generated_dir()
    try:
        st = os.stat(gen / "manifest.json")
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = None
    key = (op, arch, str(gen), stamp, tuple(sorted((problem or {}).items())))
    mod = _picked.get(key)
    if mod is None:
        mod = tilelang_module(op, arch, problem) or triton_module(op, arch, problem)
        if len(_picked) >= _PICKED_MAX:
            _picked.clear()
        _picked[key] = mod
    return mod


def triton_module(op: str, arch: str, problem: dict | None = None):
    """The Triton kernel module: generated for (arch, bucket) when there is one, else the template."""
    if arch != "cpu" and not interpreter_on():
        found = _find_generated(op, arch, problem)
        if found is not None:
            return load_module_from_file(found, f"{arch}_{op}")
        if (op, arch) not in _notified:
            _notified.add((op, arch))
            warnings.warn(
                f"dsagen: no tuned {op} kernel for {arch} in {paths.generated_dir()}; "
                f"using the template's default schedule (run `python -m dsagen tune --arch {arch}`)",
                stacklevel=4,
            )
    return template_module(op)


def _find_generated(op: str, arch: str, problem: dict | None):
    try:
        from dsagen.gen.cache import find_kernel_source
    except ImportError:
        return None
    return find_kernel_source(op, arch, problem)


# ---------------------------------------------------------------- TileLang kernels
TL_PREFERRED = ("verified-gpu", "measured")
_tl_kernels: dict = {}   # (kernel dir, lib sha256) -> TLKernel, or the load error text


def tilelang_enabled() -> bool:
    return os.environ.get("DSAGEN_TILELANG", "auto").strip().lower() not in ("0", "off", "no", "false", "never")


class TileLangModule:
    """A generated TileLang kernel behind the Triton template's `launch` signature."""

    BACKEND = "tilelang"

    def __init__(self, op: str, entry: dict, kernel, fallback=None, strict: bool = False, device_type: str = "cuda"):
        self.op, self.entry, self.kernel = op, entry, kernel
        self.SCHEDULE = dict(entry.get("schedule") or {})
        self._fallback = fallback          # () -> Triton module, called only when needed
        self.strict = strict               # strict: refuse instead of falling back (verification)
        self.device_type = device_type

    def launch(self, *args, **kwargs):
        return TL_LAUNCH[self.op](self, *args, **kwargs)

    def fall_back(self, why: str, *args, **kwargs):
        if self.strict or self._fallback is None:
            raise ValueError(f"TileLang {self.op} kernel {self.entry.get('name')}: cannot run this call ({why})")
        return self._fallback().launch(*args, **kwargs)


def _tl_indexer_logits(m, q, k, k_scale, weights, row_start, row_end, out, **kw):
    """templates/triton/indexer_logits.launch signature -> the TileLang kernel (fp8, clean only)."""
    tp = m.entry.get("tl_problem") or {}
    why = None
    if not kw.get("clean", True):
        why = "clean=False: the TileLang kernel always writes -inf outside the ranges"
    elif kw.get("schedule") is not None or kw.get("soft_fp8"):
        why = "an explicit Triton schedule or soft_fp8"
    elif q.dtype != torch.float8_e4m3fn or k_scale is None:
        why = f"{q.dtype} inputs (the kernel is e4m3 only)"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dim() != 3 or (q.shape[1], q.shape[2]) != (tp.get("h"), tp.get("d")):
        why = f"built for heads {tp.get('h')} head_dim {tp.get('d')}, got q {tuple(q.shape)}"
    elif q.shape[0] == 0 or k.shape[0] == 0:
        why = "empty s_q or s_kv"
    elif not out.is_contiguous():
        why = "out is not contiguous"
    if why:
        return m.fall_back(why, q, k, k_scale, weights, row_start, row_end, out, **kw)
    from dsagen.tl_backend.load import indexer_logits
    indexer_logits(m.kernel, q, k, k_scale, weights, row_start.to(torch.int32), row_end.to(torch.int32), out=out)
    return None


# Operators whose TileLang kernels dispatch can run (launch adapters); others stay on Triton.
TL_LAUNCH = {"indexer_logits": _tl_indexer_logits}


def _load_tl_kernel(kernel_dir: Path, entry: dict):
    """Load an exported TileLang kernel without importing tilelang (tests replace this)."""
    from dsagen.tl_backend.load import load_kernel
    return load_kernel(kernel_dir, entry.get("function"))


def _tl_kernel_cached(kernel_dir: Path, entry: dict):
    key = (str(kernel_dir), entry.get("lib_sha256"))
    with _lock:
        hit = _tl_kernels.get(key)
        if hit is None:
            try:
                hit = _load_tl_kernel(kernel_dir, entry)
            except Exception as e:  # noqa: BLE001 - no runtime here: Triton serves
                hit = f"{type(e).__name__}: {e}"
            _tl_kernels[key] = hit
    return hit


def tilelang_module(op: str, arch: str, problem: dict | None = None):
    """The TileLang module for (op, arch, problem) under the preference rule, or None."""
    if op not in TL_LAUNCH or not tilelang_enabled():
        return None
    try:
        from dsagen.gen.cache import find_tilelang_entry
    except ImportError:
        return None
    found = find_tilelang_entry(op, arch, problem, TL_PREFERRED)
    if found is None:
        return None
    entry, kdir = found
    kernel = _tl_kernel_cached(kdir, entry)
    if isinstance(kernel, str):
        if ("tl-load", str(kdir)) not in _notified:
            _notified.add(("tl-load", str(kdir)))
            warnings.warn(f"dsagen: TileLang kernel {kdir} cannot be loaded ({kernel[:300]}); using Triton",
                          stacklevel=3)
        return None
    return TileLangModule(op, entry, kernel, fallback=lambda: triton_module(op, arch, problem))


def tilelang_entry_module(entry: dict, root: Path | None = None, strict: bool = True):
    """The module for one TileLang manifest entry whatever its status (for `verify` on a GPU)."""
    from dsagen.gen.cache import check_entry, gen_dir

    root = Path(root) if root is not None else gen_dir()
    if entry.get("op") not in TL_LAUNCH:
        raise ValueError(f"entry: no dispatch adapter for TileLang operator {entry.get('op')!r}")
    bad = check_entry(entry, root)
    if bad:
        raise ValueError(f"entry: {bad}")
    kdir = (root / entry["path"]).parent
    kernel = _load_tl_kernel(kdir, entry)
    return TileLangModule(entry["op"], entry, kernel, strict=strict,
                          fallback=None if strict else (lambda: triton_module(entry["op"], entry["arch"],
                                                                              entry.get("problem"))))
