"""TileLang sm_90a top-k selector: template checks, a CPU model of its radix select (the same
passes, shared-buffer capacity, re-read and early-exit decisions, checked against the oracle on
the edge cases that broke peers), the sm_90a build (no GPU needed) and GPU runs (CUDA only).

Selections are compared by value (dsagen.ops.topk.same_selection), outputs poisoned with -7.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from dsagen.operators.topk.problem import same_selection
from dsagen.operators.topk.naive import order_keys
from dsagen.operators.topk.naive import topk_indices as oracle
from dsagen.runtime import paths

HAVE_TILELANG = importlib.util.find_spec("tilelang") is not None
from dsagen.gen.tilelang_build import nvcc_path  # noqa: E402  (imports neither tilelang nor tvm)

needs_toolchain = pytest.mark.skipif(
    not HAVE_TILELANG or nvcc_path() is None,
    reason="needs tilelang (pip install tilelang==0.1.15) and nvcc (CUDA 12.8+/13.0) to compile sm_90a",
)
needs_hopper = pytest.mark.skipif(not torch.cuda.is_available(),
                                  reason="runs the sm_90a kernel: needs a CUDA (Hopper) GPU")
POISON = -7
# compiled variants: the default schedule, 8-bit digits (the space's other digit width: four 8-bit
# passes where 11-bit digits take three, 11 + 11 + 10), and 11-bit digits with a small shared
# buffer (forces the global re-read path on modest rows)
VARIANTS = {"default": {}, "bits8": {"RADIX_BITS": 8},
            "bits11_cap512": {"RADIX_BITS": 11, "CAP": 512, "threads": 512}}


def _template():
    path = paths.template_path("tilelang", "topk")
    spec = importlib.util.spec_from_file_location("tl_topk_t", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_template_imports_without_tilelang_and_checks_args():
    code = (f"import importlib.util,sys; s=importlib.util.spec_from_file_location('t', {str(paths.template_path('tilelang', 'topk'))!r});"
            "m=importlib.util.module_from_spec(s); s.loader.exec_module(m);"
            "assert 'tilelang' not in sys.modules; print(sorted(m.SCHEDULE))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "CAP" in r.stdout and "RADIX_BITS" in r.stdout
    mod = _template()
    with pytest.raises(ValueError, match="arch"):
        mod.build({"k": 2048}, {}, arch="sm_80")
    with pytest.raises(ValueError, match="RADIX_BITS"):
        mod.build({"k": 2048}, {"RADIX_BITS": 4})
    with pytest.raises(ValueError, match="threads"):
        mod.build({"k": 2048}, {"threads": 96})
    with pytest.raises(ValueError, match="CAP"):
        mod.build({"k": 2048}, {"CAP": 1 << 20})
    with pytest.raises(ValueError, match="k"):
        mod.build({"k": 0}, {})
    aot = mod.aot_kernels({"k": 2048, "rows": 8, "row_len": 4096}, {})
    assert aot[0]["backend"] == "tilelang" and "arch" not in aot[0]  # the generator's target decides


@pytest.mark.parametrize("bits", [8, 11])
def test_passes_cover_the_key(bits):
    passes = _template()._passes(bits)
    assert passes[0][0] + passes[0][1] == 32 and passes[-1][0] == 0
    assert sum(w for _, w in passes) == 32 and all(w <= bits for _, w in passes)
    assert all(a[0] == b[0] + b[1] for a, b in zip(passes, passes[1:]))


# ---------------------------------------------------------------- CPU model of the kernel
def _key_bits(x):
    """The template's integer-only key formula, on fp32 bits (uint32 held in int64)."""
    b = x.contiguous().view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    b = torch.where(b == 0x80000000, torch.zeros_like(b), b)
    k = torch.where((b & 0x80000000) != 0, 0xFFFFFFFF ^ b, b | 0x80000000)
    return torch.where((b & 0x7FFFFFFF) > 0x7F800000, torch.zeros_like(k), k)


def test_key_formula_matches_oracle_keys():
    v = torch.tensor([float("nan"), -float("nan"), float("-inf"), -3.0, -1e-38, -1e-45, -0.0, 0.0, 1e-45,
                      1e-38, 2.0, float("inf")])
    v = torch.cat([v, torch.randn(1000, generator=_gen(1))])
    assert torch.equal(_key_bits(v), order_keys(v))


def _pick(hist, k_rem):
    """Suffix sums + the digit holding the k_rem-th largest (exactly one thread matches)."""
    suf = torch.flip(torch.cumsum(torch.flip(hist, [0]), 0), [0])
    nxt = torch.cat([suf[1:], torch.zeros(1, dtype=suf.dtype)])
    hit = ((suf >= k_rem) & (nxt < k_rem)).nonzero().flatten()
    assert hit.numel() == 1
    b = int(hit[0])
    return b, k_rem - int(nxt[b]), int(suf[b] - nxt[b])


def _digit_select(src, k_rem, passes):
    """The digit passes over keys `src` for the k_rem-th largest, stopping once a bucket is taken
    whole: (prefix, mask, k_rem left at the prefix)."""
    prefix, mask = 0, 0
    for shift, width in passes:
        m = (src & mask) == prefix
        hist = torch.bincount(((src[m] >> shift) & ((1 << width) - 1)), minlength=1 << width)
        d, k_rem, bucket = _pick(hist, k_rem)
        prefix |= d << shift
        mask |= ((1 << width) - 1) << shift
        if bucket == k_rem:
            break
    return prefix, mask, k_rem


def _model(x, k, starts, ends, bits=8, cap=4096, stats=None, seed=False):
    """What the kernel does, step by step, per row (slot order aside)."""
    tpl = _template()
    passes = tpl._passes(bits)
    rows, n = x.shape
    keys = _key_bits(x)
    out = torch.full((rows, k), POISON, dtype=torch.int32)
    for i in range(rows):
        s = min(max(int(starts[i]), 0), n)
        e = min(max(int(ends[i]), s), n)
        if e - s <= k:
            out[i] = torch.tensor([s + j if j < e - s else -1 for j in range(k)], dtype=torch.int32)
            continue
        kk, cols = keys[i, s:e], torch.arange(s, e)
        if seed and tpl.seed_applies(k, e - s, cap):
            size = tpl.seed_sample(k, e - s, cap)
            j = torch.arange(size)
            sample = kk[(j // 8) * ((e - s) // (size // 8)) + j % 8]
            lo, _, _ = _digit_select(sample, tpl.seed_rank(k, e - s, cap), passes)
            passed = kk >= lo
            count = int(passed.sum())
            if stats is not None:
                stats.append(("seeded" if k <= count <= cap else "seed_missed", count))
            if k <= count <= cap:  # the buffer holds every key >= the seed: select there
                buf_k, buf_c = kk[passed], cols[passed]
                prefix, mask, k_rem = _digit_select(buf_k, k, passes)
                sel = buf_c[(buf_k & mask) > prefix].tolist()
                eq = buf_c[(buf_k & mask) == prefix]
                assert len(sel) == k - k_rem and eq.numel() >= k_rem
                out[i] = torch.tensor(sel + eq[:k_rem].tolist(), dtype=torch.int32)
                continue
        k_rem, prefix, mask, done = k, 0, 0, False
        sel = []
        for p, (shift, width) in enumerate(passes):
            if done:
                break
            if p == 0:
                src = kk
            elif fits:
                src = buf_k
            else:
                src = kk  # the global re-read
            m = (src & mask) == prefix
            hist = torch.bincount(((src[m] >> shift) & ((1 << width) - 1)), minlength=1 << width)
            d, k_rem, bucket = _pick(hist, k_rem)
            prefix |= d << shift
            mask |= ((1 << width) - 1) << shift
            done = bucket == k_rem
            if p == 0:
                prefix0, mask0, nb0 = prefix, mask, bucket
                fits = nb0 <= cap
                sel += cols[(kk & mask0) > prefix0].tolist()
                inb = (kk & mask0) == prefix0
                buf_k, buf_c = kk[inb], cols[inb]
                assert buf_k.numel() == nb0
                if stats is not None:
                    stats.append(("fits" if fits else "reread", nb0))
        assert len(sel) + k_rem <= k
        if not fits:  # final pass over the row, restricted to the first bucket
            inb = (kk & mask0) == prefix0
            buf_k, buf_c = kk[inb], cols[inb]
        sel += buf_c[(buf_k & mask) > prefix].tolist()
        eq = buf_c[(buf_k & mask) == prefix]
        assert len(sel) == k - k_rem and eq.numel() >= k_rem
        sel += eq[:k_rem].tolist()
        out[i] = torch.tensor(sel, dtype=torch.int32)
    return out


def _model_check(x, k, starts=None, ends=None, **kw):
    rows, n = x.shape
    s = torch.zeros(rows, dtype=torch.int32) if starts is None else starts
    e = torch.full((rows,), n, dtype=torch.int32) if ends is None else ends
    got = _model(x, k, s, e, **kw)
    ok, why = same_selection(x, got, oracle(x, k, starts, ends), k, starts, ends)
    assert ok, why


def _special_rows(n, seed):
    g = _gen(seed)
    x = torch.randn(6, n, generator=g)
    x[1] = 0.25                                    # all equal
    x[2] = torch.randint(0, 4, (n,), generator=g).float()  # few distinct values
    base = torch.tensor(1.0 + 2.0**-10).view(torch.int32)
    x[3] = (base + torch.randint(-40, 40, (n,), generator=g).to(torch.int32)).view(torch.float32)  # 1 ulp apart
    x[4, ::2] = float("nan")
    x[4, 1::4] = float("-inf")
    x[5, ::3] = -0.0
    x[5, 1::3] = 0.0
    return x


@pytest.mark.parametrize("bits,cap", [(8, 4096), (8, 0), (8, 40), (11, 512), (11, 4096)])
@pytest.mark.parametrize("k", [1, 7, 64, 700])
def test_model_matches_oracle(bits, cap, k):
    """The algorithm (not the CUDA): ties, near-equal, NaN/-inf, -0.0, ragged ranges, both
    the shared-buffer and the re-read paths."""
    x = _special_rows(3000, k + bits)
    rows = x.shape[0]
    g = _gen(k)
    starts = torch.randint(0, 500, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(1500, 3001, (rows,), generator=g, dtype=torch.int32)
    starts[0], ends[0] = 9, 3  # empty
    _model_check(x, k, starts, ends, bits=bits, cap=cap)
    _model_check(x, k, bits=bits, cap=cap)


@pytest.mark.parametrize("pattern", ["allequal", "randn", "fewdistinct"])
def test_model_bucket_far_beyond_buffer(pattern):
    """A threshold bucket of up to 1M entries with a 4096-entry buffer: the re-read path (the
    bug of earlier selectors) stays exact."""
    n, k = 1 << 20, 2048
    g = _gen(14)
    x = {"allequal": lambda: torch.full((1, n), -3.0),
         "randn": lambda: torch.randn(1, n, generator=g),
         "fewdistinct": lambda: torch.randint(0, 4, (1, n), generator=g).float()}[pattern]()
    stats = []
    _model_check(x, k, bits=8, cap=4096, stats=stats)
    assert stats[0][0] == "reread" and stats[0][1] > 4096


# ---------------------------------------------------------------- SEED 1: the sampled threshold
def test_seed_terms_follow_the_triton_filter():
    """The sampled threshold's rank constants are the Triton filter's (templates/topk/triton.py), and
    up to the buffer its sample is the same size (64 n / k keys); at CAP 8192 and k 2048 the seed
    applies from 16K to ~700K columns (the expected 1.5 k passing keys, or n r / sample, within 2/3
    of the buffer), never when 2 k > CAP or below 8 max(k, 1024) columns."""
    from dsagen.runtime.paths import template_path
    from dsagen.gen.tilelang_build import load_template_file

    tl, tr = _template(), load_template_file(template_path("triton", "topk"))
    assert (tl.SEED_RANK, tl.SEED_MIN_RANK, tl.SEED_MIN_KP) == (tr.SEED_RANK, tr.SEED_MIN_RANK, tr.SEED_MIN_KP)
    for n in (16384, 32768, 65536, 131072):
        assert tl.seed_sample(2048, n, 8192) == tr.seed_sample(2048, 2048, n) == 64 * n // 2048
        assert tl.seed_rank(2048, n, 8192) == tr.seed_rank(2048, 2048, n) == 96
    applies = [n for n in (16383, 16384, 1 << 19, 699050, 699051, 1 << 20) if tl.seed_applies(2048, n, 8192)]
    assert applies == [16384, 1 << 19, 699050], applies
    assert not tl.seed_applies(4097, 1 << 20, 8192) and not tl.seed_applies(2048, 1 << 17, 4000)
    assert tl.seed_applies(1, 8192, 512) and not tl.seed_applies(1, 8191, 512)


def _seeded_case(name, g):
    """(x, k, starts, ends) of a SEED case: its name says the shape and what the sample meets."""
    k = int(name.split("_k")[1])
    n = int(name.split("_n")[1].split("_")[0])
    x = torch.randn(1, n, generator=g)
    starts = ends = None
    tl = _template()
    if name.startswith(("sample_top", "sample_bottom")):
        size = tl.seed_sample(k, n, 8192)
        j = torch.arange(size)
        sampled = (j // 8) * (n // (size // 8)) + j % 8
        x[0, sampled] = (100.0 + torch.rand(size, generator=g)) * (1 if name.startswith("sample_top") else -1)
    elif name.startswith("allequal"):
        x.fill_(0.75)
    elif name.startswith("ties"):
        x = torch.round(x * 256) / 256          # ~2K distinct values: ties at the k-th value
    elif name.startswith("below_fp16"):
        x = x * 1000.0 - 70000.0                # every score below fp16's -65504 (peers clamp or overflow)
    elif name.startswith("nan_inf"):
        x[0, ::3] = float("nan")
        x[0, 1::5] = float("-inf")
        x[0, 2::7] = -0.0
    elif name.startswith("ragged"):
        x = torch.randn(3, n, generator=g)
        # exactly 8 k long (the shortest seeded range), 8 k - 1 (unseeded), one inside the row
        starts = torch.tensor([17, 5, 1000], dtype=torch.int32)
        ends = torch.tensor([17 + 8 * k, 5 + 8 * k - 1, n - 3], dtype=torch.int32)
    return x, k, starts, ends


# name -> what the sample leads to on the default schedule (CAP 8192): the buffer holds k..CAP
# keys at or above the seed ("seeded": one read), or not ("seed_missed": the radix select)
SEEDED_CASES = {"randn_n32768_k2048": "seeded", "sample_top_n32768_k2048": "seed_missed",
                "sample_bottom_n32768_k2048": "seed_missed", "allequal_n16384_k2048": "seed_missed",
                "ties_n32768_k2048": "seeded", "nan_inf_n32768_k2048": "seeded",
                "ragged_n40000_k2048": "seeded", "k1_n20000_k1": "seeded", "k100_n12000_k100": "seeded",
                "below_fp16_n32768_k2048": "seeded"}


@pytest.mark.parametrize("bits", [8, 11])
@pytest.mark.parametrize("name", list(SEEDED_CASES))
def test_model_seeded_matches_oracle(name, bits):
    """The SEED 1 algorithm on the CPU model: the sample's r-th key, the one read into the buffer,
    the select there, or (the sample misjudged the row: fewer than k or more than CAP keys passed)
    the radix select from the start; exact against the oracle either way, on the path expected."""
    x, k, starts, ends = _seeded_case(name, _gen(len(name) + bits))
    stats = []
    _model_check(x, k, starts, ends, bits=bits, cap=8192, seed=True, stats=stats)
    assert stats and stats[0][0] == SEEDED_CASES[name], stats
    if name.startswith("ragged"):  # the 8 k - 1 range is not sampled: the radix select, its bucket fits
        assert [p for p, _ in stats] == ["seeded", "fits", "seeded"], stats


# ---------------------------------------------------------------- sm_90a build
@pytest.fixture(scope="module")
def built(tmp_path_factory, tilelang_prebuilt):
    """Per variant, on first use: built here with tilelang + nvcc, else (a GPU host without them)
    the committed kernel when its schedule is the variant's, else a skip."""
    from tests.fixtures.tilelang_builds import Builds

    return Builds(tmp_path_factory.mktemp("tl_topk"), "topk",
                  {name: ({"k": 2048}, sched) for name, sched in VARIANTS.items()})


@needs_toolchain
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_compile_sm90a(built, variant, record_property):
    meta = built[variant]
    out_dir = Path(meta["lib_path"]).parent
    src = (out_dir / "kernel.cu").read_text()
    sched = meta["schedule"]
    assert meta["params"] == ["Logits_handle", "Starts_handle", "Ends_handle", "Out_handle"]
    assert meta["spill_bytes"] == 0
    assert meta["registers"] is not None and 0 < meta["registers"] <= 64  # 1024 threads fit an SM
    smem = ((1 << sched["RADIX_BITS"]) + 1 + 8) * 4 + 8 * max(sched["CAP"], 1)
    assert smem <= meta["shared_bytes"] <= smem + 1024
    # no tensor cores in a selector; shared-memory atomics build the histograms
    assert meta["wgmma_in_ptx"] == 0 and meta["mma_sync_in_ptx"] == 0
    assert "AtomicAdd" in src and "__syncthreads" in src
    ptx = (out_dir / "kernel.ptx").read_text()
    assert "atom.shared.add" in ptx and "atom.add.relaxed.gpu" not in ptx  # every atomic is a shared one
    # the shared buffer is only filled when the first bucket fits it (no fixed-size assumption)
    assert f"(nb0 <= {sched['CAP']})" in src
    # k, rows and row length are runtime arguments
    assert "int k, int n, int rows" in src
    assert json.loads((out_dir / "meta.json").read_text())["source_sha256"] == meta["source_sha256"]
    for key in ("registers", "shared_bytes", "spill_bytes"):
        record_property(key, meta[key])


@needs_toolchain
def test_load_without_tilelang(built):
    out_dir = Path(built["default"]["lib_path"]).parent
    code = ("import sys; from dsagen.runtime.tilelang import load_kernel, topk;"
            f"k = load_kernel({str(out_dir)!r});"
            "bad = [m for m in sys.modules if m == 'tilelang' or m.startswith(('tilelang.', 'tvm.')) or m == 'tvm'];"
            "assert not bad, bad; assert callable(k.func) and callable(topk); print('ok', k.meta['function'])")
    env = dict(os.environ, PYTHONPATH=str(paths.home()))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "ok topk" in r.stdout


def test_wrapper_checks_arguments():
    from dsagen.runtime.tilelang import topk

    x = torch.randn(2, 10)
    with pytest.raises(ValueError, match="logits"):
        topk(None, x.double(), 2, None, None)
    with pytest.raises(ValueError, match="k"):
        topk(None, x, 0, None, None)
    with pytest.raises(ValueError, match="row_starts"):
        topk(None, x, 2, torch.zeros(3, dtype=torch.int32), None)
    with pytest.raises(ValueError, match="out"):
        topk(None, x, 2, None, None, out=torch.zeros(2, 3, dtype=torch.int32))


# ---------------------------------------------------------------- the generated CUDA, emulated on the CPU
# kernel.cu is plain C++ apart from a few CUDA names: each CTA runs as `threads` std::threads
# sharing one poisoned shared-memory buffer, __syncthreads is a std::barrier, the shared-memory
# atomics are GCC atomics.  This runs the very code nvcc compiles (not its PTX/SASS), so it
# checks the generated indexing, guards, barriers placement and atomics logic without a GPU.
_PRELUDE = r"""
#include <algorithm>
#include <barrier>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>
typedef unsigned char uchar;
typedef unsigned int uint;
struct Dim3 { unsigned x, y, z; };
static thread_local Dim3 threadIdx;
static thread_local Dim3 blockIdx;
static std::barrier<>* g_bar;
static unsigned char* g_smem;
#define __syncthreads() g_bar->arrive_and_wait()
#define __global__
#define __restrict__ __restrict
#define __launch_bounds__(a, b)
template <class T> static inline void AtomicAdd(T* p, T v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
template <class T> static inline T AtomicAddRet(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
static inline int atomicAdd(int* p, int v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }
using std::max;
using std::min;
"""
_DRIVER = r"""
extern "C" void run(const float* Logits, const int* Starts, const int* Ends, int* Out, int k, int n, int rows,
                    int threads, int smem) {
  std::vector<unsigned char> sm(smem + 64);
  g_smem = sm.data();
  for (int b = 0; b < rows; ++b) {
    std::memset(sm.data(), 0xAB, sm.size());  // poison: the kernel must clear what it reads
    std::barrier<> bar(threads);
    g_bar = &bar;
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([=] { threadIdx = {(unsigned)t, 0, 0}; blockIdx = {(unsigned)b, 0, 0}; topk_kernel(CALL_ARGS); });
    for (auto& th : ts) th.join();
  }
}
"""


def _emulator(meta, tmp_path):
    import ctypes
    import re
    import shutil

    cxx = shutil.which("g++")
    if cxx is None:
        pytest.skip("needs g++ to emulate the generated CUDA on the CPU")
    src = (Path(meta["lib_path"]).parent / "kernel.cu").read_text()
    body = src[src.index('extern "C" __global__ void __launch_bounds__'):]
    sig = re.search(r"topk_kernel\(([^)]*)\)", body).group(1)
    names = [a.strip().split()[-1] for a in sig.split(",")]
    body = re.sub(r"extern __shared__ __align__\(\d+\) uchar buf_dyn_shmem\[\];", "uchar* buf_dyn_shmem = g_smem;", body)
    assert "buf_dyn_shmem = g_smem" in body and "__shared__" not in body
    code = _PRELUDE + body + _DRIVER.replace("CALL_ARGS", ", ".join(names))
    cpp = tmp_path / "emu.cpp"
    cpp.write_text(code)
    so = tmp_path / "emu.so"
    r = subprocess.run([cxx, "-std=c++20", "-O1", "-fno-strict-aliasing", "-shared", "-fPIC", "-pthread",
                        "-o", str(so), str(cpp)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    lib = ctypes.CDLL(str(so))
    threads = meta["schedule"]["threads"]
    smem = meta["shared_bytes"]

    def run(x, k, starts=None, ends=None):
        rows, n = x.shape
        s = torch.zeros(rows, dtype=torch.int32) if starts is None else starts.clamp(0, n).int().contiguous()
        e = torch.full((rows,), n, dtype=torch.int32) if ends is None else ends.clamp(0, n).int().contiguous()
        x = x.contiguous()
        buf = torch.full((rows * k + 16,), POISON, dtype=torch.int32)  # 16 guard slots after the rows
        p = ctypes.c_void_p
        lib.run(p(x.data_ptr()), p(s.data_ptr()), p(e.data_ptr()), p(buf.data_ptr()), ctypes.c_int(k),
                ctypes.c_int(n), ctypes.c_int(rows), ctypes.c_int(threads), ctypes.c_int(smem))
        assert bool((buf[rows * k:] == POISON).all()), "a write landed past the last row"
        out = buf[: rows * k].view(rows, k)
        assert not bool((out == POISON).any()), "some output slots were never written"
        ok, why = same_selection(x, out, oracle(x, k, starts, ends), k, starts, ends)
        assert ok, why
        return out

    return run


@pytest.fixture(scope="module")
def emulated(built, tmp_path_factory):
    runs = {}
    for name, meta in built.items():
        d = tmp_path_factory.mktemp(f"tl_topk_emu_{name}")
        runs[name] = _emulator(meta, d)
    return runs


@needs_toolchain
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_emulated_special_rows(emulated, variant):
    """Generated CUDA on the CPU: ties, 1-ulp, NaN/-inf, -0.0, ragged/empty/short ranges, k 1..700."""
    run = emulated[variant]
    x = _special_rows(2500, 3)
    rows = x.shape[0]
    g = _gen(5)
    starts = torch.randint(0, 400, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(1200, 2501, (rows,), generator=g, dtype=torch.int32)
    starts[0], ends[0] = 9, 3
    starts[1], ends[1] = 2500 - 40, 2500
    for k in (1, 64, 700):
        run(x, k, starts, ends)


@needs_toolchain
@pytest.mark.parametrize("variant", ["default", "bits8"])
@pytest.mark.parametrize("name", list(SEEDED_CASES))
def test_emulated_seeded_rows(emulated, name, variant):
    """Generated CUDA on the CPU, SEED 1 and CAP 8192 with 11- and 8-bit digits: each
    sampled-threshold case, whichever path it takes (the CPU model above says which)."""
    x, k, starts, ends = _seeded_case(name, _gen(len(name) + 11))
    emulated[variant](x, k, starts, ends)


@needs_toolchain
@pytest.mark.parametrize("k", [1, 7])
def test_emulated_seeded_small_buffer(emulated, k):
    """CAP 512, 11-bit digits, 512 threads: the sample capped by the buffer (512 keys)."""
    x = torch.randn(2, 20000, generator=_gen(k + 40))
    assert _template().seed_applies(k, 20000, 512)
    emulated["bits11_cap512"](x, k)


@needs_toolchain
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("pattern", ["allequal", "fewdistinct", "randn"])
def test_emulated_bucket_beyond_buffer(emulated, pattern, variant):
    """Threshold bucket far larger than the shared buffer: the global re-read path."""
    n, k = 1 << 17, 2048
    g = _gen(21)
    x = {"allequal": lambda: torch.full((1, n), -3.0),
         "randn": lambda: torch.randn(1, n, generator=g),
         "fewdistinct": lambda: torch.randint(0, 4, (1, n), generator=g).float()}[pattern]()
    emulated[variant](x, k)


# ---------------------------------------------------------------- GPU (Hopper) runs
def _gpu_check(kern, x, k, starts=None, ends=None):
    from dsagen.runtime.tilelang import topk

    rows = x.shape[0]
    dev = "cuda"
    wide = torch.full((rows, k + 3), POISON, dtype=torch.int32, device=dev)  # guard columns
    out = wide[:, :k]
    s = None if starts is None else starts.to(dev)
    e = None if ends is None else ends.to(dev)
    got = topk(kern, x.to(dev), k, s, e, out=out)
    torch.cuda.synchronize()
    assert got is out
    wide = wide.cpu()
    assert not bool((wide[:, :k] == POISON).any()), "some output slots were never written"
    assert bool((wide[:, k:] == POISON).all()), "a write landed past slot k - 1"
    ok, why = same_selection(x, wide[:, :k], oracle(x, k, starts, ends), k, starts, ends)
    assert ok, why


@pytest.fixture(scope="module")
def kernels(built):
    from tests.fixtures.tilelang_builds import Loaded

    return Loaded(built)


GPU_CASES = [(3, 100, 1), (3, 100, 7), (4, 300, 64), (2, 5000, 2048), (3, 40, 64), (1, 2048, 2048),
             (1, 2049, 2048), (64, 32768, 2048)]


@needs_hopper
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("rows,n,k", GPU_CASES, ids=[f"rows{r}_n{n}_k{k}" for r, n, k in GPU_CASES])
def test_gpu_random_rows(kernels, variant, rows, n, k):
    _gpu_check(kernels[variant], torch.randn(rows, n, generator=_gen(rows + n + k)), k)


@needs_hopper
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("k", [1, 7, 64, 700, 2048])
def test_gpu_special_rows_and_ranges(kernels, variant, k):
    """All-equal, few distinct, one ulp apart, NaN/-inf, -0.0/+0.0; ragged, empty and short ranges."""
    x = _special_rows(6000, k)
    rows = x.shape[0]
    g = _gen(k + 1)
    starts = torch.randint(0, 1000, (rows,), generator=g, dtype=torch.int32)
    ends = torch.randint(3000, 6001, (rows,), generator=g, dtype=torch.int32)
    starts[0], ends[0] = 5, 5
    starts[3], ends[3] = 6000 - k // 2 - 1, 6000
    _gpu_check(kernels[variant], x, k, starts, ends)
    _gpu_check(kernels[variant], x, k)


@needs_hopper
@pytest.mark.parametrize("pattern", ["allequal", "randn", "fewdistinct"])
@pytest.mark.parametrize("k", [7, 2048])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_gpu_one_million_columns(kernels, pattern, k, variant):
    """Threshold buckets far above the 4096-entry buffer: the re-read path (peers' bug)."""
    n = 1 << 20
    g = _gen(14)
    x = {"allequal": lambda: torch.full((2, n), -3.0),
         "randn": lambda: torch.randn(2, n, generator=g),
         "fewdistinct": lambda: torch.randint(0, 4, (2, n), generator=g).float()}[pattern]()
    _gpu_check(kernels[variant], x, k)


@needs_hopper
@pytest.mark.parametrize("name", list(SEEDED_CASES))
def test_gpu_seeded_rows(kernels, name):
    """SEED 1 on the GPU (default schedule): the one-read path and the sample's misses."""
    x, k, starts, ends = _seeded_case(name, _gen(len(name) + 23))
    _gpu_check(kernels["default"], x, k, starts, ends)


@needs_hopper
def test_gpu_matches_triton_ops(kernels):
    from dsagen.ops import topk_indices

    x = torch.randn(16, 20000, generator=_gen(3))
    x[:, ::5] = x[:, 3:4]
    ref = topk_indices(x.cuda(), 2048).cpu()
    _gpu_check(kernels["default"], x, 2048)
    ok, why = same_selection(x, ref, oracle(x, 2048), 2048)
    assert ok, why
