"""CI compiles every committed TileLang kernel in generated/ for its arch (no GPU needed) and
checks that its template still builds it with the committed resources and no spills.

The source text itself is not compared: TileLang names buffers in an order that varies from
one process to the next (two buffers `kv_l` / `kv_l_1` may swap names), so the same template
gives sources with different hashes but the same code. The committed kernel.cu and kernel.so
are checked against their recorded sha256 by the cache (`dsagen.runtime.manifest.check_entry`)."""

import json

import pytest

from dsagen.runtime import paths


def _entries():
    manifest = paths.generated_dir() / "manifest.json"
    if not manifest.exists():
        return []
    kernels = json.loads(manifest.read_text()).get("kernels", {})
    out = []
    for e in kernels.values():
        if e.get("backend") != "tilelang":
            continue
        for k in e.get("kernels") or [e]:
            out.append(pytest.param(e, k, id=f"{e['arch']}_{e['name']}_{k.get('label', 'main')}"))
    return out


ENTRIES = _entries()


def test_generated_holds_tilelang_kernels_for_every_sm90_operator():
    from dsagen.runtime import manifest

    entries = {(p.values[0]["arch"], p.values[0]["name"]): p.values[0] for p in ENTRIES}.values()
    sm90 = {e["op"] for e in entries if e["arch"] == "sm90"}
    assert sm90 == {"indexer_logits", "indexer_logits_paged", "topk", "sparse_mla_prefill", "sparse_mla_decode",
                    "sparse_mla_bwd"}
    # sm100: what TileLang 0.1.15 lowers for sm_100a (docs/TILELANG.md lists the rest)
    assert {e["op"] for e in entries if e["arch"] == "sm100"} == {"indexer_logits", "indexer_logits_paged", "topk"}
    for e in entries:
        assert not manifest.check_entry(e), f"{e['name']}: committed files do not match the manifest"
        assert e["status"] == "compiled"  # never called verified without a GPU run
        for k in e["kernels"]:
            assert k["gmma_in_sass"] >= k["wgmma_in_ptx"] + k["tcgen05_in_ptx"], f"{e['name']}: ptxas dropped MMAs"
            if e["op"].startswith("indexer_logits"):  # FP8 tensor cores of the arch, never the mma.sync fallback
                assert k["mma_sync_in_ptx"] == 0
                assert (k["wgmma_in_ptx"] if e["arch"] == "sm90" else k["tcgen05_in_ptx"]) > 0


@pytest.mark.parametrize("entry,kernel", ENTRIES)
def test_committed_tilelang_kernel_recompiles(entry, kernel, tmp_path, tilelang_prebuilt):
    from tests.fixtures.tilelang_builds import toolchain_missing

    why = toolchain_missing()
    if why:
        pytest.skip(f"cannot compile TileLang kernels here: {why}")
    from tests.fixtures.tilelang_builds import build

    arch = entry.get("target", "sm_90a")
    meta = build(entry["op"], kernel["problem"], tmp_path / "k", entry["schedule"], arch=arch)
    assert not meta.get("committed"), "the check must compile, not read the committed files"
    assert meta["spill_bytes"] == 0
    assert meta["shared_bytes"] == kernel["smem_bytes"], "shared memory differs from the committed kernel's"
    assert meta["registers"] == kernel["registers"], "registers differ from the committed kernel's"
    assert meta["wgmma_in_ptx"] == kernel["wgmma_in_ptx"]
    # ptxas deletes wgmma whose accumulators are dead; every one in the PTX must reach the SASS
    assert meta["tensor_cores_kept"] is True, meta["gmma_shapes"]
    assert meta["gmma_shapes"] == kernel["gmma_shapes"]


def test_gpu_tests_fall_back_to_the_committed_kernels_without_a_toolchain(tmp_path, monkeypatch):
    """On a GPU host without tilelang/nvcc (a serving-like host) the GPU tests run the committed
    kernels for the problems generated/ holds and skip, saying why, for the others."""
    from tests.fixtures import tilelang_builds

    monkeypatch.setattr(tilelang_builds, "toolchain_missing", lambda: "tilelang is not installed")
    meta = tilelang_builds.build("sparse_mla_decode", {"h_q": 128, "part": "combine"}, tmp_path)
    assert meta["committed"] and meta["lib_path"].endswith("combine/kernel.so")
    assert meta["problem"]["part"] == "combine" and (tmp_path / "x").exists() is False
    b = tilelang_builds.Builds(tmp_path, "indexer_logits", {64: ({"h": 64, "d": 128}, None),
                                                            32: ({"h": 32, "d": 128}, None)})
    assert b[64]["lib_path"].endswith("sm90/indexer_logits/indexer_logits_h64_d128-tilelang/kernel.so")
    with pytest.raises(pytest.skip.Exception, match="no indexer_logits kernel for"):
        b[32]
    with pytest.raises(pytest.skip.Exception):  # a schedule nobody committed
        tilelang_builds.build("topk", {"k": 2048}, tmp_path, {"RADIX_BITS": 11, "CAP": 512})
