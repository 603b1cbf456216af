"""Fused streaming indexer + top-k against the float64 oracle (logits never materialised)."""

import pytest
import torch

from dsagen.ops import indexer_topk_fused
from dsagen.oracle import dsa, fp8
from dsagen.tolerances import INDEXER_LOGITS


def _inputs(s_q, s_kv, h, d, seed, weight_sign=None):
    g = torch.Generator().manual_seed(seed)
    q8, q_scale = fp8.quantize_indexer_keys(torch.randn(s_q, h, d, generator=g))
    k8, k_scale = fp8.quantize_indexer_keys(torch.randn(s_kv, d, generator=g))
    w = torch.randn(s_q, h, generator=g) * q_scale
    if weight_sign is not None:
        w = w.abs() * weight_sign
    return q8, k8, k_scale, w


def _reference(q8, k8, k_scale, w):
    return dsa.indexer_scores(q8.float(), k8.float() * k_scale[:, None], w)  # float64 [s_q, s_kv]


def _check(out, ref, start, end, k):
    s_kv = ref.shape[1]
    for r in range(out.shape[0]):
        a, b = max(int(start[r]), 0), min(int(end[r]), s_kv)
        n = max(b - a, 0)
        want = min(k, n)
        row = out[r]
        assert (row[:want] >= 0).all() and (row[want:] == -1).all(), f"row {r}: wrong count or -1 padding"
        sel = row[:want].long()
        assert len(set(sel.tolist())) == want, f"row {r}: an index was selected twice"
        assert ((sel >= a) & (sel < b)).all(), f"row {r}: index outside [{a}, {b})"
        if want:
            got = ref[r, sel]
            top = ref[r, a:b].topk(want).values
            torch.testing.assert_close(got.sort(descending=True).values, top, atol=INDEXER_LOGITS.atol, rtol=INDEXER_LOGITS.rtol)


CASES = [
    # s_q, s_kv, heads, head_dim, k
    pytest.param(4, 300, 4, 64, 32, id="sq4_skv300_h4_d64_k32"),
    pytest.param(3, 2000, 16, 128, 64, id="sq3_skv2000_h16_d128_k64_many_compactions"),
    pytest.param(3, 200, 24, 64, 7, id="sq3_skv200_h24_d64_k7"),
    pytest.param(2, 100, 1, 32, 1, id="sq2_skv100_h1_d32_k1"),
    pytest.param(2, 50, 8, 64, 200, id="sq2_skv50_h8_d64_k200_rows_shorter_than_k"),
]


@pytest.mark.parametrize("s_q,s_kv,h,d,k", CASES)
def test_fused_matches_oracle(s_q, s_kv, h, d, k):
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=s_kv + k)
    g = torch.Generator().manual_seed(7)
    start = torch.randint(0, s_kv // 3, (s_q,), generator=g, dtype=torch.int32)
    end = torch.randint(s_kv // 2, s_kv + 1, (s_q,), generator=g, dtype=torch.int32)
    start[0], end[0] = 0, s_kv
    out = torch.full((s_q, k), -7, dtype=torch.int32)
    indexer_topk_fused(q8, k8, ks, w, start, end, k, out=out)
    _check(out, _reference(q8, k8, ks, w), start, end, k)


def test_fused_never_reads_outside_the_ranges():
    s_q, s_kv, h, d, k = 3, 256, 8, 64, 16
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=3)
    start = torch.tensor([40, 60, 100], dtype=torch.int32)
    end = torch.tensor([120, 200, 101], dtype=torch.int32)
    k8 = k8.clone()
    ks = ks.clone()
    outside = torch.ones(s_kv, dtype=torch.bool)
    outside[40:200] = False
    k8.view(torch.uint8)[outside] = 0x7F  # e4m3 NaN
    ks[outside] = float("nan")
    out = indexer_topk_fused(q8, k8, ks, w, start, end, k)
    ref = _reference(q8, k8, ks, w)
    _check(out, ref, start, end, k)


def test_fused_empty_and_inverted_ranges():
    q8, k8, ks, w = _inputs(3, 64, 4, 64, seed=5)
    start = torch.tensor([10, 30, 70], dtype=torch.int32)
    end = torch.tensor([10, 5, 90], dtype=torch.int32)  # empty, inverted, beyond s_kv
    out = indexer_topk_fused(q8, k8, ks, w, start, end, 8)
    assert (out == -1).all()


def test_fused_ties_and_negative_logits():
    # every key identical: all logits tie; negative weights make them <= 0 (with -0.0 where relu is 0)
    s_q, s_kv, h, d, k = 2, 150, 4, 64, 33
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=9, weight_sign=-1.0)
    k8 = k8[:1].expand(s_kv, d).contiguous()
    ks = ks[:1].expand(s_kv).contiguous()
    start = torch.zeros(s_q, dtype=torch.int32)
    end = torch.full((s_q,), s_kv, dtype=torch.int32)
    out = indexer_topk_fused(q8, k8, ks, w, start, end, k)
    _check(out, _reference(q8, k8, ks, w), start, end, k)
    # among equal logits the lowest columns win (the top-k filter scheme's tie rule)
    assert all(sorted(out[r].tolist()) == list(range(k)) for r in range(s_q))


def test_programs_take_rows_in_turn():
    """More query rows than persistent programs (8 on the CPU): each program reuses its scratch
    across rows, with short, long, empty and all-ReLU-zero rows interleaved."""
    from dsagen.runtime.dispatch import template_module

    s_q, s_kv, h, d, k = 21, 400, 4, 64, 24
    assert template_module("indexer_topk_fused").programs(s_q, torch.device("cpu")) < s_q
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=21)
    g = torch.Generator().manual_seed(4)
    start = torch.randint(0, 100, (s_q,), generator=g, dtype=torch.int32)
    end = start + torch.randint(0, 300, (s_q,), generator=g, dtype=torch.int32)
    end[3] = start[3]            # empty
    end[5] = start[5] + k        # exactly k keys
    w[7] = -w[7].abs()           # every logit <= 0
    out = indexer_topk_fused(q8, k8, ks, w, start, end, k)
    _check(out, _reference(q8, k8, ks, w), start, end, k)


def test_fused_rejects_bad_arguments():
    q8, k8, ks, w = _inputs(2, 32, 4, 64, seed=1)
    se = torch.zeros(2, dtype=torch.int32)
    with pytest.raises(ValueError, match="q must"):
        indexer_topk_fused(q8.float(), k8, ks, w, se, se, 4)
    with pytest.raises(ValueError, match="topk"):
        indexer_topk_fused(q8, k8, ks, w, se, se, 0)
    with pytest.raises(ValueError, match="row_end"):
        indexer_topk_fused(q8, k8, ks, w, se, se.long(), 4)
    with pytest.raises(ValueError, match="weights"):
        indexer_topk_fused(q8, k8, ks, w[:, :2], se, se, 4)


def test_fp8_modes_select_the_same():
    """The sm80 path (fp8 bytes decoded in the kernel, no e4m3 type) and the gfx942 one (bytes
    remapped to e4m3fnuz) give the same selection as the e4m3fn path."""
    from dsagen.runtime.dispatch import template_module

    mod = template_module("indexer_topk_fused")
    s_q, s_kv, h, d, k = 3, 200, 8, 64, 16
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=11)
    start = torch.zeros(s_q, dtype=torch.int32)
    end = torch.full((s_q,), s_kv, dtype=torch.int32)
    outs = []
    for mode in ("native", "soft", "fnuz"):
        out = torch.full((s_q, k), -7, dtype=torch.int32)
        mod.launch(q8, k8, ks, w, start, end, out, topk=k, fp8_mode=mode)
        outs.append(out)
    assert torch.equal(outs[0], outs[1]) and torch.equal(outs[0], outs[2])
    for out in outs[1:]:
        _check(out, _reference(q8, k8, ks, w), start, end, k)


def test_relu_zeros_more_than_1024_ties_no_padding():
    """SGLang #30645's shape (../shared/DSA_FACTS.md section 13), scaled to the interpreter: most keys
    point away from the query, so their ReLU logits are exact zeros (2900 ties) behind 100 positive
    winners at k 1024: the fused kernel fills the 924 remaining slots with zeros, never -1."""
    g = torch.Generator().manual_seed(3)
    s_kv, h, d, k = 3000, 2, 64, 1024
    qdir = torch.randn(d, generator=g)
    keys = torch.randn(s_kv, d, generator=g)
    keys -= (keys @ qdir)[:, None] * qdir / qdir.dot(qdir)             # orthogonal to q ...
    keys -= 0.5 * qdir                                                  # ... then pointing away
    win = torch.randperm(s_kv, generator=g)[:100]
    keys[win] += 1.0 * qdir                                             # 100 keys towards q
    q8, _ = fp8.quantize_indexer_keys(qdir.repeat(1, h, 1).reshape(h, d))
    q8 = q8.reshape(1, h, d)
    k8, ks = fp8.quantize_indexer_keys(keys)
    w = torch.ones(1, h)
    start, end = torch.zeros(1, dtype=torch.int32), torch.full((1,), s_kv, dtype=torch.int32)
    ref = _reference(q8, k8, ks, w)
    assert int((ref[0] > 0).sum()) == 100 and int((ref[0] == 0).sum()) == s_kv - 100
    out = indexer_topk_fused(q8, k8, ks, w, start, end, k)
    _check(out, ref, start, end, k)
    assert bool((out >= 0).all()) and set(win.tolist()) <= set(out[0].tolist())


def test_sm100_path_selects_the_same():
    """On sm100 the tile logits take a round trip through the side scratch area (RELAYOUT, the
    Triton 3.6 tcgen05 workaround); the interpreter runs that path and it selects as the oracle does,
    across several cuts."""
    from dsagen.runtime.targets import emulating

    s_q, s_kv, h, d, k = 3, 2000, 16, 128, 64
    q8, k8, ks, w = _inputs(s_q, s_kv, h, d, seed=5)
    start = torch.tensor([0, 10, 700], dtype=torch.int32)
    end = torch.tensor([s_kv, 1500, 760], dtype=torch.int32)
    out = torch.full((s_q, k), -7, dtype=torch.int32)
    with emulating("sm100"):
        indexer_topk_fused(q8, k8, ks, w, start, end, k, out=out)
    _check(out, _reference(q8, k8, ks, w), start, end, k)


_AOT = r"""
import json, sys
from dsagen.gen.aot import compile_task
from dsagen.runtime.dispatch import template_file
for target in (["cuda", 80, 32], ["cuda", 90, 32], ["cuda", 100, 32], ["hip", "gfx942", 64]):
    arch = f"sm{target[1]}" if target[0] == "cuda" else target[1]
    r = compile_task({"template": str(template_file("indexer_topk_fused")), "target": target, "schedule": {},
                      "problem": {"heads": 64, "head_dim": 128, "k": 2048, "arch": arch}})
    print(json.dumps({"arch": arch, "error": (r.get("error") or "")[-2000:], "kernels": r.get("kernels")}))
"""


def test_aot_compiles_every_target_without_spills():
    """The fused kernel compiles ahead of time (V3.2's 64 heads x 128, k 2048) for sm80 (FP8 decoded
    in integer ops), sm90 (QGMMA, N 64), sm100 (tcgen05, where Triton 3.6 crashed before RELAYOUT)
    and gfx942 (e4m3fnuz), with no spills; own process, no interpreter, no GPU needed."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    r = subprocess.run([sys.executable, "-c", _AOT], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert [row["arch"] for row in rows] == ["sm80", "sm90", "sm100", "gfx942"]
    for row in rows:
        assert not row["error"], (row["arch"], row["error"])
        (kern,) = row["kernels"]
        assert kern["spill_bytes"] == 0, (row["arch"], kern)
        if row["arch"] == "sm90":
            assert any(s.startswith("QGMMA.64x64x32") for s in kern["gmma_shapes"]), kern
        if row["arch"] == "sm100":
            assert any(s.startswith("UTC") for s in kern["gmma_shapes"]), kern
