"""Load a kernel exported by dsagen.tl_backend.build WITHOUT importing tilelang.

Runtime needs: apache-tvm-ffi (the `tvm_ffi` module), torch (tensors go in through DLPack), and
a TVM runtime library with the CUDA module loader ("ffi.Module.load_from_bytes.cuda"):
tvm_ffi alone cannot open the exported .so (its device code is a CUDA module blob).  We dlopen
libtvm_runtime.so (plus the libstub_cuda/libstub_cudart it links, which dlopen libcuda lazily)
from $DSAGEN_TVM_RUNTIME, or from the lib/ folder of an installed tilelang wheel found WITHOUT
importing tilelang (importlib.util.find_spec does not execute the package).  A CUDA driver is
needed only when the kernel is called.  tilelang's Python package, TVM's compiler and nvcc are
not needed.
"""
from __future__ import annotations

import ctypes
import importlib.util
import json
import os
from pathlib import Path

_RUNTIME = None


def tvm_runtime_path() -> Path:
    env = os.environ.get("DSAGEN_TVM_RUNTIME")
    if env:
        p = Path(env)
        if not p.exists():
            raise ValueError(f"DSAGEN_TVM_RUNTIME: {p} does not exist")
        return p
    spec = importlib.util.find_spec("tilelang")  # locates, does not import
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            p = Path(loc) / "lib" / "libtvm_runtime.so"
            if p.exists():
                return p
    raise RuntimeError("no libtvm_runtime.so: set DSAGEN_TVM_RUNTIME or pip install the tilelang wheel "
                       "(it is only located, never imported)")


def ensure_runtime():
    """dlopen the TVM runtime once (RTLD_GLOBAL) so the CUDA module loader is registered."""
    global _RUNTIME
    if _RUNTIME is None:
        import tvm_ffi  # noqa: F401  (loads libtvm_ffi.so first)

        _RUNTIME = ctypes.CDLL(str(tvm_runtime_path()), mode=ctypes.RTLD_GLOBAL)
    return _RUNTIME


class TLKernel:
    """Callable wrapper: kernel(*tensors) in the template's parameter order (outputs included)."""

    def __init__(self, module, func, meta: dict):
        self.module = module
        self.func = func
        self.meta = meta

    def __call__(self, *tensors):
        return self.func(*tensors)


def load_kernel(path: str | Path, function: str | None = None) -> TLKernel:
    """path: the out_dir written by compile_kernel (with meta.json), or the .so itself."""
    import tvm_ffi

    ensure_runtime()
    path = Path(path)
    meta: dict = {}
    if path.is_dir():
        meta_path = path / "meta.json"
        if not meta_path.exists():
            raise ValueError(f"path: {path} has no meta.json")
        meta = json.loads(meta_path.read_text())
        lib = path / "kernel.so"
    else:
        lib = path
        if (path.parent / "meta.json").exists():
            meta = json.loads((path.parent / "meta.json").read_text())
    if not lib.exists():
        raise ValueError(f"path: no exported library at {lib}")
    mod = tvm_ffi.load_module(str(lib))
    name = function or meta.get("function") or meta.get("template")
    if not name:
        raise ValueError("function: cannot tell which function to take from the module")
    try:
        func = mod[name]
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"function: {name!r} not found in {lib}") from e
    return TLKernel(mod, func, meta)


def indexer_logits(kernel: TLKernel, q, k, k_scale, weights, ks, ke, out=None):
    """q e4m3 [S, H, D], k e4m3 [S_kv, D], k_scale fp32 [S_kv], weights fp32 [S, H],
    ks/ke int32 [S] -> out fp32 [S, S_kv] (-inf outside [ks, ke))."""
    import torch

    if q.dim() != 3:
        raise ValueError(f"q must be [S, H, D], got shape {tuple(q.shape)}")
    s, h, d = q.shape
    if h != kernel.meta.get("problem", {}).get("h", h):
        raise ValueError(f"q: kernel was built for h={kernel.meta['problem']['h']}, got h={h}")
    if out is None:
        out = torch.empty(s, k.shape[0], dtype=torch.float32, device=q.device)
    kernel(q.reshape(s * h, d).contiguous(), k.contiguous(), k_scale.contiguous(),
           weights.contiguous(), ks.contiguous(), ke.contiguous(), out)
    return out
