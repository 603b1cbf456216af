"""What the compiler did to every committed kernel, as generated/manifest.json records it (the
instruction census of dsagen.gen.isa, registers, spills), checked without a GPU.

On sm90 the MLA and indexer kernels must reach the warpgroup tensor cores (HGMMA/QGMMA), with no
warp-level mma.sync (HMMA) and an MMA N of at least 64. The kernels that do not yet are listed in
GAPS with the reason (issue 14); the list is a ratchet: a kernel that regresses fails, and a
listed kernel that meets the bar fails too until it is taken off the list.
"""

import json
import re

import pytest

from dsagen.runtime import paths

MANIFEST = paths.tree_root() / "generated" / "manifest.json"
TENSOR_CORE_OPS = ("indexer_logits", "indexer_logits_paged", "indexer_topk_fused", "indexer_kl",
                   "sparse_mla_prefill", "sparse_mla_decode", "sparse_mla_bwd")
# split-K merge kernels, and the backward's deterministic per-KV-row kernel: CUDA-core math by design
NOT_MMA_KERNELS = ("combine", "bwd_dkv")

# entry key -> (what the compiled code shows, why), measured from AOT compiles with the launch's
# divisibility hints (2026-12-07)
_PREFILL_WHY = ("BLOCK_N 64, KV tiles cp.async'd into two 72 KB buffers, no spills: QK^T is split over the two "
                "warpgroups along N (HGMMA 64x32x16; PV 64x64x16); N 64 needs BLOCK_N 128, whose two buffers plus q "
                "take 369 KB and whose 1-stage form spills 192 B. Transposed (keys as M: S^T = K q^T, O^T = V^T P^T, "
                "BLOCK_N 128, 8 warps, 1 stage) every HGMMA is 64x64x16 (68) in 221 KB, but 16 B spill (four "
                "loop-invariant shared-memory addresses) and the KV gathers go through registers, not cp.async; "
                "with only S transposed (keys as M, int32 gather offsets, the V chunks gathered again for PV) "
                "it spills 112 B, and split into column halves (each program recomputes QK^T for 256 output "
                "columns) it is HGMMA 64x64 only, 245 registers, no spill, but 1.5x the MMA work, which the cost "
                "model ranks below the 64x32 form (AOT 2026-12-08). "
                "The Gluon kernel templates/sparse_mla_prefill/gluon.py (warp partitions; in generated/ as "
                "<bucket>-gluon, checked here) compiles to HGMMA 64x64 / 64x256 with no spill, but Gluon has no "
                "interpreter: it stays 'compiled' and is not dispatched until verified on a GPU")
_DECODE_WHY = ("BLOCK_N 32 gives HGMMA 64x16x16 (BLOCK_N 16: 64x8x16 before the gathers used int32 offsets, "
               "2026-12-08): the FP8 tiles are dequantised in registers beside the 64 x 512 accumulator; BLOCK_N 64 "
               "spills 64 B (80-112 B with 64-bit pointer tiles). N 64 needs BLOCK_N 128 (QK^T split "
               "over the two warpgroups): at 1 stage every HGMMA is 64x64x16 in 221 KB but 504 B spill (168 B with a "
               "bf16 cache; the gathered bytes of all five column groups are in flight beside the accumulator); "
               "transposed (keys as M, the dequantised tile as a register A operand) 64x64x16 too, 1192 B spill "
               "(16 B bf16); gathering and dequantising the tile again for PV instead of keeping it (volatile "
               "loads): 592 B at BLOCK_N 128, 64 B at 64 (AOT 2026-12-07). The Gluon kernel "
               "templates/sparse_mla_decode/gluon.py (a loader partition dequantises each tile once; in "
               "generated/ as <bucket>-gluon, checked here) compiles to HGMMA 64x64 / 64x256 with no spill, but "
               "stays 'compiled' and is not dispatched until verified on a GPU")
GAPS = {
    "sm90/sparse_mla_decode/sparse_mla_decode_h128_dqk576_topk2048_fp8_b1":
        ("mma.sync", "b1: the pick is BLOCK_H 16 x BLOCK_N 64 x 8 splits (fills the SMs at batch 1); "
                     "M 16 < one warpgroup's 64 rows. " + _DECODE_WHY),
    "sm90/sparse_mla_decode/sparse_mla_decode_h128_dqk576_topk2048_fp8_b32": ("n<64", _DECODE_WHY),
    "sm90/sparse_mla_decode/sparse_mla_decode_h128_dqk576_topk2048_fp8_b128": ("n<64", _DECODE_WHY),
    "sm90/sparse_mla_prefill/sparse_mla_prefill_h128_dqk576_topk2048_skv32768": ("n<64", _PREFILL_WHY),
    "sm90/sparse_mla_prefill/sparse_mla_prefill_h128_dqk576_topk2048_skv131072": ("n<64", _PREFILL_WHY),
}


def _entries():
    return json.loads(MANIFEST.read_text())["kernels"]


def kernel_records(entry) -> list:
    """Per-kernel records of an entry: TileLang's `kernels`, Triton's `resources.kernels`."""
    if entry["backend"] == "tilelang":
        return entry.get("kernels") or []
    return (entry.get("resources") or {}).get("kernels") or []


def _label(k) -> str:
    return str(k.get("name") or k.get("label") or "")


def _n(shape: str) -> int:
    m = re.search(r"\d+x(\d+)x\d+", shape)
    return int(m.group(1)) if m else 0


def verdict(entry) -> str:
    """"ok", "mma.sync", "no-wgmma" or "n<64" for a tensor-core op's entry on sm90."""
    worst = "ok"
    for k in kernel_records(entry):
        if any(part in _label(k) for part in NOT_MMA_KERNELS):
            continue
        if any(s.startswith("HMMA") for s in k["mma_shapes"]):
            return "mma.sync"
        if not k["gmma_shapes"]:
            return "no-wgmma"
        if min(_n(s) for s in k["gmma_shapes"]) < 64:
            worst = "n<64"
    return worst


def test_every_kernel_records_its_census_and_nothing_spills():
    es = _entries()
    assert es
    archs = {e["arch"] for e in es.values()}
    assert {"sm80", "sm89", "sm90", "sm100", "gfx942", "gfx950"} <= archs, archs
    for key, e in es.items():
        ks = kernel_records(e)
        assert ks, f"{key}: no per-kernel records"
        for k in ks:
            assert {"gmma_shapes", "mma_shapes", "fma"} <= set(k), (key, sorted(k))
            assert k["spill_bytes"] == 0, (key, _label(k), k["spill_bytes"])


def test_amd_kernels_use_matrix_cores_and_native_fp8():
    """gfx942 reads the FP8 indexer operands as e4m3fnuz (v_mfma ... fp8_fp8), gfx950 as OCP FP8
    (f8f6f4); the bf16 MLA kernels use bf16 MFMAs. Registers stay within 512 (VGPR + AGPR)."""
    es = _entries()
    for key, e in es.items():
        if e["arch"] not in ("gfx942", "gfx950"):
            continue
        for k in kernel_records(e):
            assert k["registers"] <= 512 and k["waves_per_simd"] >= 1, (key, k)
            mf = set(k["mma_shapes"])
            if e["op"] in ("indexer_logits", "indexer_logits_paged", "indexer_topk_fused"):
                want = "fp8_fp8" if e["arch"] == "gfx942" else "f8f6f4"
                assert mf and all(want in s for s in mf), (key, mf)
            elif e["op"] in ("sparse_mla_prefill", "sparse_mla_decode") and "combine" not in _label(k):
                assert mf and all("bf16" in s for s in mf), (key, mf)


def test_indexer_picks_keep_q_resident():
    """Issue 14: an indexer program keeps its q block (BLOCK_Q >= 2 rows x all heads) over at
    least 8 key tiles on every arch: BLOCK_Q 1 x TILES_N 1 reloads q for every 64 keys (the sm80
    prefill pick until the cost model's EXPOSED term; TILES_N 1 the paged picks until its model
    counted the q reloads). Decode at batch 1 is exempt from the tile count: one sequence's
    1024 key tiles must still fill the SMs (sm80 picks TILES_N 2 by wave quantisation)."""
    es = {k: e for k, e in _entries().items()
          if e["backend"] == "triton" and e["op"] in ("indexer_logits", "indexer_logits_paged")}
    assert {e["arch"] for e in es.values()} >= {"sm80", "sm89", "sm90", "sm100", "gfx942", "gfx950"}
    for key, e in es.items():
        sch = e["schedule"]
        assert sch["BLOCK_Q"] >= 2, (key, sch)
        if e["problem"].get("batch", 2) > 1:
            assert sch["TILES_N"] >= 8, (key, sch)


@pytest.mark.parametrize("op", TENSOR_CORE_OPS)
def test_sm90_tensor_core_kernels_keep_wgmma(op):
    es = {k: e for k, e in _entries().items() if e["arch"] == "sm90" and e["op"] == op}
    assert es, f"no sm90 {op} kernels in generated/"
    for key, e in es.items():
        got = verdict(e)
        if key in GAPS:
            assert got == GAPS[key][0], (f"{key}: now {got!r}, listed as {GAPS[key][0]!r} "
                                         f"({GAPS[key][1]}): update GAPS")
        else:
            assert got == "ok", f"{key}: {got} (wgmma with N >= 64 required on sm90)"


def test_the_verdict_can_fail():
    def entry(backend, **k):
        base = {"name": "k", "gmma_shapes": {}, "mma_shapes": {}, "fma": 0, "spill_bytes": 0, "registers": 1}
        rec = dict(base, **k)
        return {"backend": backend, "kernels": [rec]} if backend == "tilelang" else \
            {"backend": backend, "resources": {"kernels": [rec]}}

    assert verdict(entry("triton", gmma_shapes={"QGMMA.64x64x32.F32.E4M3.E4M3": 4})) == "ok"
    assert verdict(entry("triton", gmma_shapes={"HGMMA.64x8x16.F32.BF16": 72})) == "n<64"
    assert verdict(entry("triton", mma_shapes={"HMMA.16816.F32.BF16": 8})) == "mma.sync"
    assert verdict(entry("tilelang")) == "no-wgmma"
    assert verdict(entry("triton", name="x_combine_kernel")) == "ok"


def test_the_census_reads_every_sass_and_amdgcn_form():
    from dsagen.gen import isa

    sass = """
        HGMMA.64x64x16.F32.BF16 R120, R152, gdesc[UR40].tnspB, R120, gsb0 ;
        HGMMA.64x8x16.F32.BF16 R152, gdesc[UR12], R152 ;
        QGMMA.64x64x32.F32.E4M3.E4M3 R24, gdesc[UR8], R24, gsb0 ;
        HGMMA.64x8x16.F16 RZ, gdesc[URZ], RZ, !UPT ;
        UTCQMMA.WS gdesc[UR4], gdesc[UR6], tmem[UR8], tmem[UR10], idesc[UR12], UPT ;
        HMMA.16816.F32.BF16 R4, R8, R12, R4 ;
        FFMA R1, R2, R3, R4 ;
        HFMA2.MMA R5, -RZ, RZ, 0, 0 ;
    """
    c = isa.sass_census(sass)
    # register-A and descriptor-A wgmma both count; ptxas's dead placeholder does not
    assert c["gmma_shapes"] == {"HGMMA.64x64x16.F32.BF16": 1, "HGMMA.64x8x16.F32.BF16": 1,
                                "QGMMA.64x64x32.F32.E4M3.E4M3": 1, "UTCQMMA.WS": 1}
    assert c["mma_shapes"] == {"HMMA.16816.F32.BF16": 1} and c["fma"] == 2
    asm = """
        v_mfma_f32_32x32x16_fp8_fp8 a[0:15], v[2:3], v[4:5], a[0:15]
        v_mfma_f32_32x32x16_fp8_fp8 a[16:31], v[2:3], v[6:7], a[16:31]
        v_fma_f32 v1, v2, v3, v4
        v_pk_fma_f32 v[4:5], v[6:7], v[8:9], v[4:5]
        ; Occupancy: 2
        .vgpr_count:     252
        .sgpr_count:     100
        .vgpr_spill_count: 0
    """
    a = isa.amdgcn_census(asm)
    assert a["mma_shapes"] == {"v_mfma_f32_32x32x16_fp8_fp8": 2} and a["fma"] == 2 and a["gmma_shapes"] == {}
    r = isa.amdgcn_resources(asm)
    assert (r["vgpr_count"], r["sgpr_count"], r["vgpr_spill_count"], r["waves_per_simd"]) == (252, 100, 0, 2)

