"""Load a kernel exported by dsagen.gen.tilelang_build WITHOUT importing tilelang.

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
# What a serving host needs besides torch and the apache-tvm-ffi wheel (tilelang 0.1.15's lib/):
# the TVM runtime, which registers the CUDA module loader, and the stubs it links (they dlopen
# libcuda / HIP / AscendCL lazily, so the non-CUDA ones are never opened on an NVIDIA host).
RUNTIME_LIBS = ("libtvm_runtime.so", "libstub_cuda.so", "libstub_cudart.so", "libstub_hip.so", "libstub_ascendcl.so")
TVM_FFI_REQUIREMENT = "apache-tvm-ffi>=0.1.11,<0.1.13"  # what tilelang 0.1.15 was built against


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


def export_runtime(dst) -> Path:
    """Copy RUNTIME_LIBS from the installed tilelang wheel's lib/ (located, not imported) into
    dst, for a serving image without tilelang; returns the path DSAGEN_TVM_RUNTIME should name."""
    import shutil

    spec = importlib.util.find_spec("tilelang")
    libdirs = [Path(loc) / "lib" for loc in (spec.submodule_search_locations or [])] if spec else []
    src = next((d for d in libdirs if (d / RUNTIME_LIBS[0]).exists()), None)
    if src is None:
        raise RuntimeError("export_runtime needs the tilelang wheel installed here (pip install tilelang==0.1.15)")
    missing = [n for n in RUNTIME_LIBS if not (src / n).exists()]
    if missing:
        raise RuntimeError(f"tilelang's lib/ lacks {', '.join(missing)} (another tilelang version?)")
    dst = Path(dst)
    dst.mkdir(parents=True, exist_ok=True)
    for n in RUNTIME_LIBS:
        shutil.copy2(src / n, dst / n)
    return dst / RUNTIME_LIBS[0]


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



_FILLED: dict = {}


def _filled(n: int, value, dtype, device):
    """A read-only [n] view of `value` (the "none" topk_length / attn_sink the MLA kernels read)
    without an allocation or fill per launch, so a CUDA graph captured after the first call
    replays without them. One buffer per (value, dtype, device), doubled when too short; the
    outgrown ones are kept, since a captured graph may still read them."""
    import torch

    key = (value, dtype, str(device))
    bufs = _FILLED.setdefault(key, [])
    if not bufs or bufs[-1].numel() < n:
        bufs.append(torch.full((max(n, 2 * bufs[-1].numel() if bufs else 64),), value, dtype=dtype, device=device))
    return bufs[-1][:n]


def indexer_cache_views(kv_cache, head_dim: int):
    """DeepGEMM's packed indexer cache uint8 [num_blocks, block_kv, 1, D+4] as the two strided
    views the paged kernel takes (no copy): e4m3 keys [num_blocks, block_kv, D] with block stride
    block_kv*(D+4) bytes, and fp32 scales [num_blocks, block_kv] (they follow the keys in each block)."""
    import torch

    nb, bkv = kv_cache.shape[0], kv_cache.shape[1]
    flat = kv_cache.view(torch.uint8).reshape(nb, bkv * (head_dim + 4))
    keys = flat[:, : bkv * head_dim].view(nb, bkv, head_dim).view(torch.float8_e4m3fn)
    scales = flat[:, bkv * head_dim:].view(torch.float32)
    return keys, scales


def indexer_logits_paged(kernel: TLKernel, q, kv_cache, weights, context_lens, block_table, max_context_len,
                         out=None):
    """templates/tilelang/indexer_logits_paged.py: q e4m3 [B, next_n, H, D]; kv_cache uint8
    [num_blocks, block_kv, 1, D+4] contiguous (DeepGEMM layout); weights fp32 [B*next_n, H];
    context_lens int32 [B]; block_table int32 [B, max_blocks] -> out fp32 [B*next_n,
    max_context_len], -inf where row (b, i) does not see pos (pos > context_lens[b] - next_n + i)."""
    import torch

    if q.dim() != 4:
        raise ValueError(f"q must be [B, next_n, H, D], got shape {tuple(q.shape)}")
    b, nn, h, d = q.shape
    prob = kernel.meta.get("problem", {})
    if (h, d, kv_cache.shape[1]) != (prob.get("h", h), prob.get("d", d), prob.get("block_kv", kv_cache.shape[1])):
        raise ValueError(f"q / kv_cache: kernel was built for h={prob.get('h')} d={prob.get('d')} "
                         f"block_kv={prob.get('block_kv')}, got h={h} d={d} block_kv={kv_cache.shape[1]}")
    if kv_cache.dim() != 4 or kv_cache.shape[2] != 1 or kv_cache.shape[3] != d + 4 or not kv_cache.is_contiguous():
        raise ValueError(f"kv_cache must be contiguous uint8 [num_blocks, block_kv, 1, {d + 4}], got "
                         f"{kv_cache.dtype} {tuple(kv_cache.shape)}")
    if out is None:
        out = torch.empty(b * nn, max_context_len, dtype=torch.float32, device=q.device)
    keys, scales = indexer_cache_views(kv_cache, d)
    kernel(q.reshape(b * nn * h, d).contiguous(), keys, scales, weights.contiguous(),
           context_lens.to(torch.int32).contiguous(), block_table.to(torch.int32).contiguous(), out, int(nn))
    return out

def sparse_mla_decode(kernel: TLKernel, q, k_cache, indices, sm_scale, out=None, lse=None, *,
                      combine: TLKernel | None = None, num_splits: int | None = None, topk_length=None,
                      attn_sink=None):
    """Sparse MLA decode over FlashMLA's 656-byte FP8 cache (templates/tilelang/sparse_mla_decode.py).

    kernel: the export of part "main"; combine: the export of part "combine" (same h_q), needed
    to split the top-k across CTAs (without it num_splits is 1).  q bf16 [b, s_q, h_q, 576];
    k_cache uint8 (or its e4m3 view) [num_blocks, page, 1, 656], contiguous; indices int32
    [b, s_q, topk] flat slots (block * page + offset; < 0 or >= num_blocks * page skipped).
    Returns (out bf16 [b, s_q, h_q, 512], lse fp32 [b, h_q, s_q]); no valid slot: out 0, lse +inf.
    num_splits None: enough CTAs to cover the GPU's SMs once (one CTA per SM: 156 KB of shared memory at block_I 64, 221 KB at 128), at most 16,
    at least two block_I tiles per split.  topk_length int32 [b] (only the first topk_length[b]
    indices of batch b count) and attn_sink fp32 [h_q] as in FlashMLA; None: all / no sink.
    """
    import torch

    prob = kernel.meta.get("problem", {})
    if prob.get("part", "main") != "main":
        raise ValueError(f"kernel: expected the 'main' part, got {prob.get('part')!r}")
    if combine is not None and combine.meta.get("problem", {}).get("part") != "combine":
        raise ValueError("combine: expected the 'combine' part export")
    if q.dim() != 4 or q.dtype != torch.bfloat16 or q.shape[-1] != 576:
        raise ValueError(f"q must be bfloat16 [b, s_q, h_q, 576], got {q.dtype} {tuple(q.shape)}")
    b, s_q, h_q, _ = q.shape
    for name, k in (("kernel", kernel), ("combine", combine)):
        if k is not None and k.meta.get("problem", {}).get("h_q", h_q) != h_q:
            raise ValueError(f"{name}: built for h_q={k.meta['problem']['h_q']}, q has h_q={h_q}")
    if k_cache.dtype == torch.float8_e4m3fn:
        k_cache = k_cache.view(torch.uint8)
    if k_cache.dtype != torch.uint8 or k_cache.dim() != 4 or k_cache.shape[2] != 1 or k_cache.shape[3] != 656:
        raise ValueError(f"k_cache must be uint8 [num_blocks, page, 1, 656], got {k_cache.dtype} {tuple(k_cache.shape)}")
    if not k_cache.is_contiguous() or k_cache.data_ptr() % 16:
        raise ValueError("k_cache must be contiguous and 16-byte aligned (the kernel views it as [slots, 656])")
    slots = k_cache.shape[0] * k_cache.shape[1]
    if slots >= 2**31:
        raise ValueError("k_cache holds 2^31 slots or more: slot indices are int32")
    if indices.dtype != torch.int32 or indices.dim() != 3 or tuple(indices.shape[:2]) != (b, s_q) or indices.shape[2] < 1:
        raise ValueError(f"indices must be int32 [{b}, {s_q}, topk], got {indices.dtype} {tuple(indices.shape)}")
    topk = indices.shape[2]
    if out is None:
        out = torch.empty(b, s_q, h_q, 512, dtype=torch.bfloat16, device=q.device)
    elif out.shape != (b, s_q, h_q, 512) or out.dtype != torch.bfloat16 or not out.is_contiguous():
        raise ValueError(f"out must be contiguous bfloat16 [{b}, {s_q}, {h_q}, 512], got {out.dtype} {tuple(out.shape)}")
    if lse is None:
        lse = torch.empty(b, h_q, s_q, dtype=torch.float32, device=q.device)
    elif lse.shape != (b, h_q, s_q) or lse.dtype != torch.float32 or not lse.is_contiguous():
        raise ValueError(f"lse must be contiguous float32 [{b}, {h_q}, {s_q}], got {lse.dtype} {tuple(lse.shape)}")
    if num_splits is not None and (not isinstance(num_splits, int) or num_splits < 1):
        raise ValueError(f"num_splits must be a positive int or None, got {num_splits!r}")
    if combine is None and num_splits not in (None, 1):
        raise ValueError("num_splits > 1 needs the combine kernel (combine=)")
    if b * s_q == 0:
        return out, lse
    block_i = kernel.meta.get("schedule", {}).get("block_I", 64)
    most = max(1, -(-topk // block_i))
    if combine is None:
        splits = 1
    elif num_splits is not None:
        splits = min(num_splits, most)
    else:
        from dsagen.runtime.targets import sm_count

        sms = sm_count(q.device)
        ctas = b * s_q * -(-h_q // 64)
        splits = max(1, min(-(-sms // ctas), 16, -(-topk // (2 * block_i))))
    rows = k_cache.view(slots, 656)
    dev = q.device
    n_part = b * s_q * splits if splits > 1 else 1
    po = torch.empty(n_part, h_q, 512, dtype=torch.float32, device=dev)
    plse = torch.empty(n_part, h_q, dtype=torch.float32, device=dev)
    if topk_length is None:
        topk_length = _filled(b, topk, torch.int32, dev)
    elif topk_length.shape != (b,) or topk_length.dtype not in (torch.int32, torch.int64):
        raise ValueError(f"topk_length must be int32 [{b}], got {topk_length.dtype} {tuple(topk_length.shape)}")
    if attn_sink is None:
        attn_sink = _filled(h_q, float("-inf"), torch.float32, dev)
    elif attn_sink.shape != (h_q,):
        raise ValueError(f"attn_sink must be float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    topk_length = topk_length.to(torch.int32).contiguous()
    attn_sink = attn_sink.float().contiguous()
    kernel(q.contiguous(), rows.view(torch.float8_e4m3fn), rows.view(torch.float32), rows.view(torch.bfloat16),
           indices.contiguous(), topk_length, attn_sink, out, lse, po, plse, int(splits), float(sm_scale))
    if splits > 1:
        combine(po, plse, attn_sink, out, lse, int(splits))
    return out, lse


def _model1_blocks(name, cache, page):
    """A MODEL1 cache [num_blocks, page, 1, 584] -> uint8 [num_blocks, block bytes] over its whole blocks
    (padding included), the kernel's compile-time block stride; ValueError on another layout."""
    import torch

    from dsagen.oracle import fp8

    if cache.dtype == torch.float8_e4m3fn:
        cache = cache.view(torch.uint8)
    if cache.dtype != torch.uint8 or cache.dim() != 4 or cache.shape[1] != page or cache.shape[2] != 1 \
            or cache.shape[3] != fp8.MODEL1_TOKEN_BYTES:
        raise ValueError(f"{name} must be a MODEL1 cache uint8 [num_blocks, {page}, 1, {fp8.MODEL1_TOKEN_BYTES}], "
                         f"got {cache.dtype} {tuple(cache.shape)}")
    sb = fp8.model1_block_bytes(page)
    if cache.stride(1) != fp8.MODEL1_TOKEN_BYTES or cache.stride(3) != 1 or \
            (cache.shape[0] > 1 and cache.stride(0) != sb):
        raise ValueError(f"{name}: the kernel reads blocks of {sb} bytes (FlashMLA's allocation), got strides "
                         f"{cache.stride()}")
    if cache.data_ptr() % 16:
        raise ValueError(f"{name} must be 16-byte aligned")
    nb = cache.shape[0]
    if cache.untyped_storage().nbytes() - cache.storage_offset() < nb * sb:
        raise ValueError(f"{name}: its storage ends inside the last block ({nb} blocks of {sb} bytes)")
    return torch.as_strided(cache, (nb, sb), (sb, 1), cache.storage_offset())


def sparse_mla_decode_model1(kernel: TLKernel, q, k_cache, indices, sm_scale, out=None, lse=None, *,
                             combine: TLKernel | None = None, num_splits: int | None = None, topk_length=None,
                             attn_sink=None, extra_k_cache=None, extra_indices=None, extra_topk_length=None):
    """Sparse MLA decode over FlashMLA's MODEL1 cache (DeepSeek-V4, d_qk = d_v = 512), optionally with a
    second (compressed) MODEL1 cache in the same softmax (layout "model1" of
    templates/sparse_mla_decode/tilelang.py). q bf16 [b, s_q, h_q, 512]; k_cache / extra_k_cache
    [num_blocks, page, 1, 584] as FlashMLA allocates them (blocks of page x 584 rounded up to 576
    bytes; the pages the kernel was built for); indices / extra_indices int32 [b, s_q, topk] flat
    slots; topk_length / extra_topk_length int32 [b]; attn_sink fp32 [h_q] over both caches.
    Returns (out bf16 [b, s_q, h_q, 512], lse fp32 [b, h_q, s_q])."""
    import torch

    prob = kernel.meta.get("problem", {})
    if prob.get("part", "main") != "main" or prob.get("layout") != "model1":
        raise ValueError("kernel: expected the 'main' part of layout 'model1'")
    if q.dim() != 4 or q.dtype != torch.bfloat16 or q.shape[-1] != 512:
        raise ValueError(f"q must be bfloat16 [b, s_q, h_q, 512], got {q.dtype} {tuple(q.shape)}")
    b, s_q, h_q, _ = q.shape
    if prob.get("h_q") != h_q or (combine is not None and combine.meta.get("problem", {}).get("h_q") != h_q):
        raise ValueError(f"kernel built for h_q={prob.get('h_q')}, q has h_q={h_q}")
    xpage = int(prob.get("extra_page_block_size", 0))
    if (extra_k_cache is not None) != (xpage > 0):
        raise ValueError(f"kernel built {'with' if xpage else 'without'} an extra cache")
    blocks = _model1_blocks("k_cache", k_cache, int(prob["page_block_size"]))
    dev = q.device

    def _idx(name, t):
        if t is None or t.dtype != torch.int32 or t.dim() != 3 or tuple(t.shape[:2]) != (b, s_q) or t.shape[2] < 1:
            raise ValueError(f"{name} must be int32 [{b}, {s_q}, topk], got {getattr(t, 'dtype', None)} "
                             f"{tuple(getattr(t, 'shape', ()))}")
        return t.contiguous()

    def _len(name, t, n):
        if t is None:
            return _filled(b, n, torch.int32, dev)
        if t.shape != (b,) or t.dtype not in (torch.int32, torch.int64):
            raise ValueError(f"{name} must be int32 [{b}], got {t.dtype} {tuple(t.shape)}")
        return t.to(torch.int32).contiguous()

    indices = _idx("indices", indices)
    topk = indices.shape[2]
    if xpage:
        xblocks = _model1_blocks("extra_k_cache", extra_k_cache, xpage)
        extra_indices = _idx("extra_indices", extra_indices)
        xtopk = extra_indices.shape[2]
        xlen = _len("extra_topk_length", extra_topk_length, xtopk)
    else:   # never read (the kernel has no extra loop): minimal stand-ins of the right dtypes
        from dsagen.oracle import fp8
        xblocks = torch.zeros(1, fp8.model1_block_bytes(1), dtype=torch.uint8, device=dev)
        extra_indices = _filled(b * s_q, -1, torch.int32, dev).view(b, s_q, 1)
        xtopk, xlen = 0, _filled(b, 0, torch.int32, dev)
    tlen = _len("topk_length", topk_length, topk)
    if out is None:
        out = torch.empty(b, s_q, h_q, 512, dtype=torch.bfloat16, device=dev)
    if lse is None:
        lse = torch.empty(b, h_q, s_q, dtype=torch.float32, device=dev)
    if b * s_q == 0:
        return out, lse
    block_i = kernel.meta.get("schedule", {}).get("block_I", 64)
    most = max(1, -(-(topk + xtopk) // block_i))
    if combine is None:
        splits = 1
    elif num_splits is not None:
        splits = min(num_splits, most)
    else:
        from dsagen.runtime.targets import sm_count

        sms = sm_count(q.device)
        ctas = b * s_q * -(-h_q // 64)
        splits = max(1, min(-(-sms // ctas), 16, -(-(topk + xtopk) // (2 * block_i))))
    n_part = b * s_q * splits if splits > 1 else 1
    po = torch.empty(n_part, h_q, 512, dtype=torch.float32, device=dev)
    plse = torch.empty(n_part, h_q, dtype=torch.float32, device=dev)
    sink = _filled(h_q, float("-inf"), torch.float32, dev) if attn_sink is None else attn_sink.float().contiguous()
    kernel(q.contiguous(), blocks.view(torch.float8_e4m3fn), blocks.view(torch.bfloat16), blocks, indices, tlen,
           xblocks.view(torch.float8_e4m3fn), xblocks.view(torch.bfloat16), xblocks, extra_indices, xlen,
           sink, out, lse, po, plse, int(splits), float(sm_scale))
    if splits > 1:
        combine(po, plse, sink, out, lse, int(splits))
    return out, lse


def topk(kernel: TLKernel, logits, k, row_starts, row_ends, out=None):
    """Top-k selector (templates/tilelang/topk.py): int32 [rows, k] absolute columns of the k
    largest fp32 logits of each row range [row_starts[i], row_ends[i]) (None: 0 / n; clamped
    to [0, n]; start >= end is empty), -1 padded; NaN ranks lowest, -0.0 == +0.0, ties: any,
    order unspecified.  k is runtime (the kernel reads it from out's shape).  logits fp32
    [rows, n] (copied if its column stride is not 1); out int32 [rows, k] (a row-strided out is
    filled through a contiguous temporary)."""
    import torch

    if not isinstance(logits, torch.Tensor) or logits.dtype != torch.float32 or logits.dim() != 2:
        raise ValueError(f"logits must be a 2-D float32 tensor, got {getattr(logits, 'dtype', type(logits).__name__)} "
                         f"{tuple(getattr(logits, 'shape', ()))}")
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise ValueError(f"k must be a positive int, got {k!r}")
    rows, n = logits.shape
    if n >= 2**31 - 1 or k >= 2**31 - 1:
        raise ValueError(f"logits: row length {n} and k {k} must be below 2^31 - 1 (int32 columns)")

    def _range(name, t, default):
        if t is None:
            return torch.full((rows,), default, dtype=torch.int32, device=logits.device)
        if not isinstance(t, torch.Tensor) or t.dtype not in (torch.int32, torch.int64) or t.shape != (rows,):
            raise ValueError(f"{name} must be an int32/int64 tensor [{rows}], got "
                             f"{getattr(t, 'dtype', type(t).__name__)} {tuple(getattr(t, 'shape', ()))}")
        if t.device != logits.device:
            raise ValueError(f"{name} is on {t.device} but logits is on {logits.device}")
        return t.clamp(0, n).to(torch.int32).contiguous()

    starts = _range("row_starts", row_starts, 0)
    ends = _range("row_ends", row_ends, n)
    if out is None:
        out = torch.empty(rows, k, dtype=torch.int32, device=logits.device)
    elif (not isinstance(out, torch.Tensor) or out.dtype != torch.int32 or tuple(out.shape) != (rows, k)
          or out.device != logits.device):
        raise ValueError(f"out must be int32 [{rows}, {k}] on {logits.device}, got "
                         f"{getattr(out, 'dtype', None)} {tuple(getattr(out, 'shape', ()))}")
    if rows == 0:
        return out
    x = logits if logits.is_contiguous() else logits.contiguous()
    dst = out if out.is_contiguous() else torch.empty(rows, k, dtype=torch.int32, device=out.device)
    kernel(x, starts, ends, dst)
    if dst is not out:
        out.copy_(dst)
    return out


def _mla_inputs(kernel: TLKernel, q, kv, indices):
    """The sparse MLA wrappers' common checks: (s_q, h_q, d_qk, kv [s_kv, d_qk], indices [s_q, topk])."""
    import torch

    if q.dim() != 3 or q.dtype != torch.bfloat16:
        raise ValueError(f"q must be bfloat16 [s_q, h_q, d_qk], got {q.dtype} {tuple(q.shape)}")
    s_q, h_q, d_qk = q.shape
    prob = kernel.meta.get("problem", {})
    if h_q != prob.get("h_q", h_q) or d_qk != prob.get("d_qk", d_qk):
        raise ValueError(f"q: kernel was built for h_q={prob.get('h_q')}, d_qk={prob.get('d_qk')}, "
                         f"got h_q={h_q}, d_qk={d_qk}")
    kv2 = kv.reshape(kv.shape[0], kv.shape[-1]) if kv.dim() == 3 else kv
    if kv2.dim() != 2 or kv2.shape[-1] != d_qk or kv2.dtype != torch.bfloat16 or (kv.dim() == 3 and kv.shape[1] != 1):
        raise ValueError(f"kv must be bfloat16 [s_kv, 1, {d_qk}], got {kv.dtype} {tuple(kv.shape)}")
    idx2 = indices.reshape(indices.shape[0], indices.shape[-1]) if indices.dim() == 3 else indices
    if (idx2.dim() != 2 or idx2.shape[0] != s_q or idx2.dtype != torch.int32 or idx2.shape[1] < 1
            or (indices.dim() == 3 and indices.shape[1] != 1)):
        raise ValueError(f"indices must be int32 [{s_q}, 1, topk], got {indices.dtype} {tuple(indices.shape)}")
    return s_q, h_q, d_qk, kv2, idx2


def _outputs(shapes: dict, given: dict, dev):
    """Output tensors: the caller's (checked) or new ones, and the contiguous tensors the kernel
    writes (a temporary where the caller's is not contiguous; _copy_back fills it after)."""
    import torch

    dst = {}
    for name, (shape, dtype) in shapes.items():
        t = given[name]
        if t is None:
            given[name] = t = torch.empty(shape, dtype=dtype, device=dev)
        elif tuple(t.shape) != shape or t.dtype != dtype:
            raise ValueError(f"{name} must be {dtype} {list(shape)}, got {t.dtype} {tuple(t.shape)}")
        dst[name] = t if t.is_contiguous() else torch.empty(shape, dtype=dtype, device=dev)
    return given, dst


def _copy_back(given: dict, dst: dict) -> None:
    for name, t in given.items():
        if dst[name] is not t:
            t.copy_(dst[name])


def _len_and_sink(topk_length, attn_sink, s_q: int, h_q: int, topk: int, dev):
    """topk_length int32 [s_q] (topk where None) and attn_sink fp32 [h_q] (-inf where None), checked."""
    import torch

    if topk_length is None:
        topk_length = _filled(s_q, topk, torch.int32, dev)
    elif topk_length.shape != (s_q,) or topk_length.dtype not in (torch.int32, torch.int64):
        raise ValueError(f"topk_length must be int32 [{s_q}], got {topk_length.dtype} {tuple(topk_length.shape)}")
    if attn_sink is None:
        attn_sink = _filled(h_q, float("-inf"), torch.float32, dev)
    elif attn_sink.shape != (h_q,):
        raise ValueError(f"attn_sink must be float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    return topk_length.to(torch.int32).contiguous(), attn_sink.float().contiguous()


def sparse_mla_prefill(kernel: TLKernel, q, kv, indices, sm_scale=None, out=None, max_logits=None, lse=None,
                       topk_length=None, attn_sink=None):
    """Sparse MLA prefill (templates/tilelang/sparse_mla_prefill.py; FlashMLA's flash_mla_sparse_fwd).

    q bf16 [s_q, h_q, d_qk]; kv bf16 [s_kv, 1, d_qk] (or [s_kv, d_qk]); indices int32 [s_q, 1, topk]
    (or [s_q, topk]), < 0 or >= s_kv invalid; sm_scale defaults to d_qk ** -0.5; topk_length
    int32 [s_q] (entries at positions >= it are invalid) and attn_sink fp32 [h_q] as in FlashMLA.
    Returns (out bf16 [s_q, h_q, 512], max_logits fp32 [s_q, h_q], lse fp32 [s_q, h_q], natural log);
    a query with no valid index gets out 0, lse +inf, max_logits -inf.  Non-contiguous outputs are
    filled through a contiguous temporary."""
    import torch

    s_q, h_q, d_qk, kv2, idx2 = _mla_inputs(kernel, q, kv, indices)
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    dev = q.device
    given, dst = _outputs({"out": ((s_q, h_q, 512), torch.bfloat16), "max_logits": ((s_q, h_q), torch.float32),
                           "lse": ((s_q, h_q), torch.float32)},
                          {"out": out, "max_logits": max_logits, "lse": lse}, dev)
    topk_length, sink = _len_and_sink(topk_length, attn_sink, s_q, h_q, idx2.shape[1], dev)
    if s_q > 0:
        kernel(q.contiguous(), kv2.contiguous(), idx2.contiguous(), topk_length, sink,
               dst["out"], dst["max_logits"], dst["lse"], float(sm_scale))
    _copy_back(given, dst)
    return given["out"], given["max_logits"], given["lse"]


def sparse_mla_bwd(kernel: TLKernel, q, kv, indices, out, dout, lse, sm_scale=None, dq=None, dkv=None, delta=None,
                   topk_length=None, attn_sink=None, dsink=None):
    """Sparse MLA backward with atomic dkv (templates/sparse_mla_bwd/tilelang.py; the gradient of
    flash_mla_sparse_fwd).

    q bf16 [s_q, h_q, d_qk]; kv bf16 [s_kv, 1, d_qk] (or [s_kv, d_qk]); indices int32 [s_q, 1, topk]
    (or [s_q, topk]), < 0 or >= s_kv invalid; out / dout bf16 [s_q, h_q, 512] (the forward's out and
    its gradient); lse fp32 [s_q, h_q] (the forward's, natural log); sm_scale defaults to d_qk ** -0.5;
    topk_length int32 [s_q] and attn_sink fp32 [h_q] as in the forward.
    dkv, when given, must be a zeroed (or accumulating) fp32 [s_kv, 1, d_qk] (or [s_kv, d_qk]) tensor:
    the kernel adds into it with atomics; a new zeroed one otherwise.
    Returns (dq bf16 [s_q, h_q, d_qk], dkv fp32, delta fp32 [s_q, h_q], dsink fp32 [h_q] or None);
    dsink = -sum_t Delta * (1 - sigmoid(lse - sink)) is computed here from delta (as the Triton
    template does).  Non-contiguous dq / delta are filled through a contiguous temporary."""
    import torch

    s_q, h_q, d_qk, kv2, idx2 = _mla_inputs(kernel, q, kv, indices)
    s_kv = kv2.shape[0]
    for name, t in (("out", out), ("dout", dout)):
        if t.dtype != torch.bfloat16 or tuple(t.shape) != (s_q, h_q, 512):
            raise ValueError(f"{name} must be bfloat16 [{s_q}, {h_q}, 512], got {t.dtype} {tuple(t.shape)}")
    if lse.dtype != torch.float32 or tuple(lse.shape) != (s_q, h_q):
        raise ValueError(f"lse must be float32 [{s_q}, {h_q}], got {lse.dtype} {tuple(lse.shape)}")
    if sm_scale is None:
        sm_scale = d_qk ** -0.5
    dev = q.device
    if dkv is None:
        dkv = torch.zeros((s_kv, 1, d_qk), dtype=torch.float32, device=dev)
    dkv2 = dkv.reshape(dkv.shape[0], dkv.shape[-1]) if dkv.dim() == 3 else dkv
    if (dkv2.dtype != torch.float32 or tuple(dkv2.shape) != (s_kv, d_qk) or not dkv2.is_contiguous()
            or (dkv.dim() == 3 and dkv.shape[1] != 1)):
        raise ValueError(f"dkv must be a contiguous float32 [{s_kv}, 1, {d_qk}] (atomic adds), "
                         f"got {dkv.dtype} {tuple(dkv.shape)}")
    given, dst = _outputs({"dq": ((s_q, h_q, d_qk), torch.bfloat16), "delta": ((s_q, h_q), torch.float32)},
                          {"dq": dq, "delta": delta}, dev)
    topk_length, sink = _len_and_sink(topk_length, attn_sink, s_q, h_q, idx2.shape[1], dev)
    if s_q > 0:
        kernel(q.contiguous(), kv2.contiguous(), idx2.contiguous(), topk_length, sink,
               out.contiguous(), dout.contiguous(), lse.contiguous(), dst["dq"], dkv2, dst["delta"], float(sm_scale))
    _copy_back(given, dst)
    if attn_sink is not None:
        d = given["delta"]
        val = -(d * (1.0 - torch.sigmoid(lse - attn_sink.float()[None, :]))).sum(0)
        if dsink is None:
            dsink = val
        else:
            dsink.copy_(val)
    return given["dq"], dkv, given["delta"], dsink
