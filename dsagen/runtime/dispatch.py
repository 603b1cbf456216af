"""Choose the kernel module an operator runs: the tuned one in generated/, or the template.

Nothing is compiled or tuned here. The first call per (op, arch, bucket) looks in
generated/ for a kernel emitted for this device's arch and the problem's bucket; failing
that it uses the template with its default schedule and says so once.
"""

import importlib.util
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


def device_arch(device: torch.device) -> str:
    """`sm90` for an H100, `cpu` for the interpreter."""
    if device.type != "cuda":
        return "cpu"
    major, minor = torch.cuda.get_device_capability(device)
    return f"sm{major}{minor}"


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
    if arch != "cpu" and not interpreter_on():
        found = _find_generated(op, arch, problem)
        if found is not None:
            return load_module_from_file(found, f"{arch}_{op}")
        if (op, arch) not in _notified:
            _notified.add((op, arch))
            warnings.warn(
                f"dsagen: no tuned {op} kernel for {arch} in {paths.generated_dir()}; "
                f"using the template's default schedule (run `python -m dsagen tune --arch {arch}`)",
                stacklevel=3,
            )
    return template_module(op)


def _find_generated(op: str, arch: str, problem: dict | None):
    try:
        from dsagen.gen.cache import find_kernel_source
    except ImportError:
        return None
    return find_kernel_source(op, arch, problem)
