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
  - an adapter exists for the operator (TL_LAUNCH: every TileLang operator),
  - where it was timed against the tuned Triton kernel (status "measured"), it was the faster
    one for the bucket nearest the call (tilelang_faster), and
  - DSAGEN_TILELANG is not "0"/"off" (set it to turn the preference off).
The returned module's `launch` has the Triton template's signature; calls the TileLang kernel
cannot serve (indexer: clean=False or bf16; decode: a bf16 cache;
any op: another head count, empty sizes, an explicit Triton schedule) go to the Triton kernel
the rule would otherwise have picked.
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


def _tl_indexer_logits_paged(m, q, kv_cache, weights, context_lens, block_table, out, *, max_context_len,
                             clean=True, schedule=None, soft_fp8=None):
    """templates/triton/indexer_logits_paged.launch signature -> the TileLang paged kernel."""
    tp = m.entry.get("tl_problem") or {}
    why = None
    if not clean:
        why = "clean=False: the TileLang kernel always writes -inf where not visible"
    elif schedule is not None or soft_fp8:
        why = "an explicit Triton schedule or soft_fp8"
    elif q.dtype != torch.float8_e4m3fn:
        why = f"{q.dtype} q (the kernel is e4m3 only)"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dim() != 4 or (q.shape[2], q.shape[3], kv_cache.shape[1]) != (tp.get("h"), tp.get("d"), tp.get("block_kv")):
        why = (f"built for heads {tp.get('h')} head_dim {tp.get('d')} block_kv {tp.get('block_kv')}, "
               f"got q {tuple(q.shape)} and block_kv {kv_cache.shape[1]}")
    elif context_lens.dim() != 1:
        why = "2-D context_lens"
    elif q.shape[0] == 0 or max_context_len == 0 or block_table.shape[1] == 0:
        why = "empty batch, context or block table"
    elif not out.is_contiguous() or out.shape[1] != max_context_len:
        why = "out is not a contiguous [rows, max_context_len]"
    if why:
        return m.fall_back(why, q, kv_cache, weights, context_lens, block_table, out, max_context_len=max_context_len,
                           clean=clean, schedule=schedule, soft_fp8=soft_fp8)
    from dsagen.tl_backend.load import indexer_logits_paged
    indexer_logits_paged(m.kernel, q, kv_cache, weights, context_lens, block_table, int(max_context_len), out=out)
    return None


def _tl_topk(m, logits, row_starts, row_ends, out, *, k, schedule=None, splits=None):
    """templates/triton/topk.launch signature -> the TileLang selector (one CTA per row)."""
    why = None
    if schedule is not None or splits is not None:
        why = "an explicit Triton schedule or split count"
    elif logits.device.type != m.device_type:
        why = f"tensors on {logits.device.type}"
    elif logits.dtype != torch.float32:
        why = f"{logits.dtype} logits"
    elif logits.shape[0] == 0:
        why = "no rows"
    if why:
        return m.fall_back(why, logits, row_starts, row_ends, out, k=k, schedule=schedule, splits=splits)
    from dsagen.tl_backend.load import topk
    # The Triton contract lets out be wider than k; the TileLang kernel reads k from out's shape.
    topk(m.kernel, logits, int(k), row_starts, row_ends, out=out if out.shape[1] == k else out[:, :k])
    return None


def _tl_sparse_mla_prefill(m, q, kv, indices, topk_length, attn_sink, out, max_logits, lse, *, sm_scale,
                           schedule=None):
    """templates/triton/sparse_mla_prefill.launch signature -> the TileLang prefill kernel."""
    tp = m.entry.get("tl_problem") or {}
    why = None
    if schedule is not None:
        why = "an explicit Triton schedule"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dtype != torch.bfloat16 or kv.dtype != torch.bfloat16 or out.dtype != torch.bfloat16:
        why = f"{q.dtype} q / {kv.dtype} kv / {out.dtype} out (the kernel is bf16 only)"
    elif q.dim() != 3 or q.shape[1] != tp.get("h_q") or q.shape[2] != tp.get("d_qk", 576):
        why = f"built for h_q {tp.get('h_q')} d_qk {tp.get('d_qk', 576)}, got q {tuple(q.shape)}"
    elif q.shape[0] == 0 or indices.shape[-1] == 0:
        why = "empty s_q or top-k"
    if why:
        return m.fall_back(why, q, kv, indices, topk_length, attn_sink, out, max_logits, lse,
                           sm_scale=sm_scale, schedule=schedule)
    from dsagen.tl_backend.load import sparse_mla_prefill
    sparse_mla_prefill(m.kernel, q, kv, indices, sm_scale=float(sm_scale), out=out, max_logits=max_logits, lse=lse,
                       topk_length=topk_length, attn_sink=attn_sink)
    return None


def _tl_sparse_mla_decode(m, q, k_cache, indices, topk_length, attn_sink, out, lse, *, sm_scale, is_fp8,
                          num_splits=None, schedule=None, soft_fp8=None):
    """templates/triton/sparse_mla_decode.launch signature -> the TileLang decode kernels
    (main, plus combine when the top-k is split)."""
    tp = m.entry.get("tl_problem") or {}
    parts = m.kernel if isinstance(m.kernel, dict) else {"main": m.kernel}
    why = None
    if not is_fp8:
        why = "a bf16 cache (the kernel reads the 656-byte FP8 layout)"
    elif schedule is not None or soft_fp8:
        why = "an explicit Triton schedule or soft_fp8"
    elif q.device.type != m.device_type:
        why = f"tensors on {q.device.type}"
    elif q.dtype != torch.bfloat16 or out.dtype != torch.bfloat16 or q.dim() != 4 or q.shape[2] != tp.get("h_q"):
        why = f"built for bf16 q with h_q {tp.get('h_q')}, got {q.dtype} {tuple(q.shape)}"
    elif not k_cache.is_contiguous() or not out.is_contiguous() or not lse.is_contiguous():
        why = "a non-contiguous cache, out or lse"
    elif q.shape[0] * q.shape[1] == 0 or indices.shape[-1] == 0:
        why = "empty batch or top-k"
    elif num_splits not in (None, 1) and "combine" not in parts:
        why = "a split top-k without the combine kernel"
    if why:
        return m.fall_back(why, q, k_cache, indices, topk_length, attn_sink, out, lse, sm_scale=sm_scale,
                           is_fp8=is_fp8, num_splits=num_splits, schedule=schedule, soft_fp8=soft_fp8)
    from dsagen.tl_backend.load import sparse_mla_decode
    sparse_mla_decode(parts["main"], q, k_cache, indices, float(sm_scale), out=out, lse=lse,
                      combine=parts.get("combine"), num_splits=num_splits, topk_length=topk_length,
                      attn_sink=attn_sink)
    return None


# Operators whose TileLang kernels dispatch can run (launch adapters); others stay on Triton.
TL_LAUNCH = {"indexer_logits": _tl_indexer_logits, "indexer_logits_paged": _tl_indexer_logits_paged,
             "topk": _tl_topk,
             "sparse_mla_prefill": _tl_sparse_mla_prefill, "sparse_mla_decode": _tl_sparse_mla_decode}


def _load_tl_kernel(kernel_dir: Path, entry: dict):
    """Load an exported TileLang kernel without importing tilelang (tests replace this).

    An entry with several kernels (decode: main + combine, each in <entry dir>/<label>/) gives
    {label: TLKernel}; kernel_dir is the first kernel's directory.
    """
    from dsagen.tl_backend.load import load_kernel

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
                hit = _load_tl_kernel(kernel_dir, entry)
            except Exception as e:  # noqa: BLE001 - no runtime here: Triton serves
                hit = f"{type(e).__name__}: {e}"
            _tl_kernels[key] = hit
    return hit


def tilelang_faster(entry: dict, op: str, problem: dict | None) -> bool:
    """False when the entry's timings (tl_gen.time_against_triton, on a GPU) say the tuned Triton
    kernel of the bucket nearest `problem` was faster; True when it was slower or never timed."""
    rows = entry.get("timings")
    if not rows or not isinstance(rows, list):
        return True
    from dsagen.gen.registry import nearest, registry

    opdef = registry().get(op)
    row = nearest(rows, opdef, problem) if opdef is not None else None
    return row is None or row["tilelang_us"] < row["triton_us"]


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
    if not tilelang_faster(entry, op, problem):
        return None
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
