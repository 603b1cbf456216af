"""Spec layer: built-in specs, validation errors (one line naming file, key, reason), the
canonical hash, sympy sizes against hand-computed numbers, the arch table, buckets,
schedule-space pruning and the cost model."""

import math

import pytest

from dsagen.errors import SpecError, UsageError
from dsagen.gen import cost
from dsagen.gen.space import Constraint, ScheduleError, Space, _parse, load_space, prune
from dsagen.operators import get_op
from dsagen.spec import builtin_names, load_spec, load_spec_file, sizes
from dsagen.spec.archs import ARCHS, get_arch
from tests.fixtures.helpers import FIXTURES, SMALL_SPEC

BASE = (FIXTURES / "small_spec.toml").read_text()


def test_builtin_specs():
    assert builtin_names() == ["deepseek-v3.2", "deepseek-v3.2-tp8", "deepseek-v4-flash", "deepseek-v4-pro",
                               "dsa-small-k", "glm-5", "glm-5.2", "glm-5.3-flash"]
    s = load_spec(None)
    assert s.name == "deepseek-v3.2"
    assert (s.indexer.heads, s.indexer.head_dim, s.indexer.dtype, s.indexer.scale_format) == (64, 128, "e4m3", "ue8m0")
    assert s.topk.k == 2048
    assert (s.mla.heads, s.mla.tp, s.mla.d_qk, s.mla.d_v, s.mla.rope_dim, s.mla.kv_format) == (128, (1,), 576, 512, 64, "fp8")
    assert s.prefill.s_kv == (8192, 32768, 131072) and s.decode.batch == (1, 8, 32, 128)
    assert load_spec("deepseek-v3.2-tp8").mla.heads_per_rank() == [16]
    small = load_spec("dsa-small-k")
    assert small.topk.k == 512 and small.mla.heads < 128
    glm = load_spec("glm-5")   # 64 query heads: 64 per GPU at TP 1, 8 at TP 8; a 32-head indexer
    assert glm.mla.heads_per_rank() == [64, 8] and glm.indexer.heads == 32 and glm.mla.kv_format == "fp8"
    assert glm.indexer.rope_style == "interleaved" and s.indexer.rope_style == "neox"



def _problems(spec_name, op):
    return get_op(op).problems(load_spec(spec_name))


def test_v4_layer_kinds_reach_the_problems():
    """DeepSeek-V4-Flash: window-only layers attend 128 raw tokens; CSA layers 128 + the indexer's
    top-512 of the 4:1 compressed entries (compressed page 64); HCA layers 128 + every 128:1
    compressed entry (page 2); the indexer and top-k run over compressed lengths; MODEL1 at d_qk 512."""
    v4 = load_spec("deepseek-v4-flash")
    assert [(lk.kind, lk.count, lk.compress_ratio) for lk in v4.attention.layers] == \
        [("window", 2, 1), ("csa", 21, 4), ("hca", 20, 128)]
    assert (v4.mla.d_qk, v4.mla.kv_format, v4.indexer.rope_style, v4.indexer.rope_position) == \
        (512, "fp8", "interleaved", "last")
    dec = {(p["topk"], p["extra_topk"], p["extra_page_block_size"]) for p in _problems("deepseek-v4-flash", "sparse_mla_decode")}
    assert dec == {(128, 0, 0), (128, 512, 64), (128, 65536 // 128, 2), (128, 1048576 // 128, 2)}
    pre = {(p["topk"], p["s_kv"]) for p in _problems("deepseek-v4-flash", "sparse_mla_prefill")}
    assert (128, 32768) in pre and (128 + 512, 32768) in pre and (128 + 32768 // 128, 32768) in pre
    assert {p["row_len"] for p in _problems("deepseek-v4-flash", "topk")} == {32768 // 4, 131072 // 4, 65536 // 4,
                                                                               1048576 // 4}
    assert {p["s_kv"] for p in _problems("deepseek-v4-flash", "indexer_logits")} == {32768 // 4, 131072 // 4}
    assert {(p["context_len"], p["block_kv"]) for p in _problems("deepseek-v4-flash", "indexer_logits_paged")} == \
        {(65536 // 4, 64), (1048576 // 4, 64)}
    # the compressors: CSA's attention (512) and indexer (128) ones overlap, HCA's does not
    kvc = {(p["d"], p["ratio"], p["overlap"], p["norm"]) for p in _problems("deepseek-v4-flash", "kv_compress")}
    assert kvc == {(512, 4, 1, 1), (128, 4, 1, 1), (512, 128, 0, 1)}
    # V3.2 (no [attention] table): every layer V3.2-style, problems as before
    v32 = load_spec("deepseek-v3.2")
    assert v32.attention.layers[0].kind == "dsa" and not _problems("deepseek-v3.2", "kv_compress")
    assert {(p["topk"], p["extra_topk"]) for p in _problems("deepseek-v3.2", "sparse_mla_decode")} == {(2048, 0)}


def test_glm52_shared_layers_add_no_indexer_problems():
    glm = load_spec("glm-5.2")
    assert [lk.kind for lk in glm.attention.layers] == ["dsa", "dsa-shared"]
    ix = _problems("glm-5.2", "indexer_logits")
    assert len(ix) == len({(p["s_q"], p["s_kv"]) for p in ix})   # once, for the dsa layers only
    assert {p["topk"] for p in _problems("glm-5.2", "sparse_mla_decode")} == {2048}


ATTN = BASE.replace('d_qk = 576', 'd_qk = 512').replace('kv_format = "fp8"', 'kv_format = "model1-fp8-584"')
BAD_ATTENTION = {
    "csa_without_ratio": ('[attention]\nwindow = 128\n[[attention.layers]]\nkind = "csa"\ncount = 2\n',
                          "attention.layers[0].compress_ratio", "needs compress_ratio"),
    "window_length_missing": ('[[attention.layers]]\nkind = "window"\ncount = 2\n', "attention.window",
                              "give its length"),
    "ratio_on_dsa": ('[[attention.layers]]\nkind = "dsa"\ncount = 2\ncompress_ratio = 4\n',
                     "attention.layers[0].compress_ratio", "only csa and hca"),
    "shared_without_full": ('[[attention.layers]]\nkind = "dsa-shared"\ncount = 2\n', "attention.layers",
                            "no"),
    "unknown_kind": ('[[attention.layers]]\nkind = "nsa"\ncount = 2\n', "attention.layers.kind", "unsupported"),
    "window_unused": ('[attention]\nwindow = 64\n[[attention.layers]]\nkind = "dsa"\ncount = 1\n',
                      "attention.window", "no window"),
    "sink_on_dsa": ('[attention]\nsink = true\n[[attention.layers]]\nkind = "dsa"\ncount = 1\n',
                    "attention.sink", "have none"),
    "sink_not_bool": ('[attention]\nwindow = 8\nsink = 1\n[[attention.layers]]\nkind = "window"\ncount = 1\n',
                      "attention.sink", "true or false"),
    "csa_ratio_1": ('[attention]\nwindow = 8\n[[attention.layers]]\nkind = "csa"\ncount = 1\ncompress_ratio = 1\n'
                    'compressed_page_block_size = 4\n', "attention.layers.compress_ratio", "outside"),
}


@pytest.mark.parametrize("case", sorted(BAD_ATTENTION))
def test_bad_attention_tables_name_the_field(tmp_path, case):
    extra, key, reason = BAD_ATTENTION[case]
    p = _write(tmp_path, ATTN + "\n" + extra)
    with pytest.raises(SpecError) as ei:
        load_spec_file(p)
    msg = str(ei.value)
    assert msg.startswith(f"{p}: {key}") and reason in msg and "\n" not in msg, msg


def test_glm53_flash_pools_the_indexer_keys():
    """key_pool 4: the indexer scores s_kv / 4 pooled keys, top-k keeps 2048 / 4 pools, attention reads
    the 2048 positions they cover plus the incomplete tail pool's 3; NoPE MLA d_qk 512 in bf16."""
    assert {p["s_kv"] for p in _problems("glm-5.3-flash", "indexer_logits")} == {32768 // 4, 131072 // 4}
    assert {(p["k"], p["row_len"]) for p in _problems("glm-5.3-flash", "topk")} >= {(512, 32768 // 4),
                                                                                  (512, 1048576 // 4)}
    assert {p["context_len"] for p in _problems("glm-5.3-flash", "indexer_logits_paged")} == {65536 // 4,
                                                                                             1048576 // 4}
    assert {(p["topk"], p["d_qk"], p["kv_format"]) for p in _problems("glm-5.3-flash", "sparse_mla_decode")} == \
        {(2051, 512, "bf16")}
    assert {p["topk"] for p in _problems("glm-5.3-flash", "sparse_mla_prefill")} == {2051}
    assert {(p["d"], p["ratio"], p["overlap"], p["norm"]) for p in _problems("glm-5.3-flash", "kv_compress")} == \
        {(128, 4, 0, 0)}
    assert load_spec("glm-5.3-flash").mla.rope_dim == 0


def test_tune_plan_lists_every_kernel_a_v4_spec_needs():
    from dsagen import cli

    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["tune", "--arch", "sm90", "--spec", "deepseek-v4-flash", "--plan"]) == 0
    text = buf.getvalue()
    assert "FAILED" not in text
    assert "kv_compress/kv_compress_d512_r4_ov1_norm1_e" in text and "kv_compress/kv_compress_d512_r128_norm1_e" in text
    assert "sparse_mla_decode_h64_dqk512_topk128_x512_xp64_fp8_b" in text

def _write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


BAD = {
    "unknown_key": (BASE.replace("k = 64", "k = 64\nkk = 3"), "topk.kk", "unknown key"),
    "unknown_section": (BASE + "\n[extra]\nx = 1\n", "extra", "unknown key"),
    "wrong_type": (BASE.replace("heads = 8", 'heads = "8"'), "indexer.heads", "must be an integer"),
    "wrong_list_type": (BASE.replace("s_q = [16]", "s_q = 16"), "workloads.prefill.s_q", "list of integers"),
    "dqk_mismatch": (BASE.replace("d_qk = 576", "d_qk = 500"), "mla.d_qk", "latent_dim + rope_dim"),
    "fp8_dqk_512_needs_model1": (BASE.replace("d_qk = 576", "d_qk = 512").replace('kv_format = "fp8"',
                                 'kv_format = "v32-fp8-656"'), "mla.d_qk", "584-byte MODEL1"),
    "k_zero": (BASE.replace("k = 64", "k = 0"), "topk.k", "must be positive"),
    "k_negative": (BASE.replace("k = 64", "k = -5"), "topk.k", "must be positive"),
    "tp_not_divisor": (BASE.replace("tp = [1, 2]", "tp = [1, 3]"), "mla.tp", "not divisible"),
    "bad_dtype": (BASE.replace('dtype = "e4m3"', 'dtype = "fp16"'), "indexer.dtype", "unsupported"),
    "bad_scale_format": (BASE.replace('"ue8m0"', '"e8"'), "indexer.scale_format", "unsupported"),
    "bad_kv_format": (BASE.replace('kv_format = "fp8"', 'kv_format = "int4"'), "mla.kv_format", "unsupported"),
    "key_pool_not_dividing_k": (BASE.replace('scale_format = "ue8m0"', 'scale_format = "ue8m0"\nkey_pool = 3'),
                                "indexer.key_pool", "does not divide topk.k 64"),
    "key_pool_without_dsa": (BASE.replace('scale_format = "ue8m0"', 'scale_format = "ue8m0"\nkey_pool = 4')
                             + '[attention]\nwindow = 8\n[[attention.layers]]\nkind = "window"\ncount = 1\n',
                             "indexer.key_pool", "the spec has none"),
    "key_pool_zero": (BASE.replace('scale_format = "ue8m0"', 'scale_format = "ue8m0"\nkey_pool = 0'),
                      "indexer.key_pool", "must be positive"),
    "fp8_latent": (BASE.replace("latent_dim = 512", "latent_dim = 448").replace("d_qk = 576", "d_qk = 512"),
                   "mla.latent_dim", "656-byte"),
    "missing_key": (BASE.replace("page_block_size = 64\n", ""), "mla.page_block_size", "missing"),
    "not_toml": ("name = [", "<toml>", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_spec_errors_name_file_key_reason(tmp_path, case):
    text, key, reason = BAD[case]
    p = _write(tmp_path, text)
    with pytest.raises(SpecError) as ei:
        load_spec_file(p)
    msg = str(ei.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}: {key}: "), msg
    assert reason in msg, msg


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(str(tmp_path / "nope.toml"))
    with pytest.raises(SpecError, match="neither a built-in"):
        load_spec("no-such-spec")


def test_spec_hash_is_canonical(tmp_path):
    a = load_spec_file(SMALL_SPEC)
    reordered = BASE.replace("s_kv = [256, 512, 4096]", "s_kv = [4096, 256, 512, 512]").replace("tp = [1, 2]", "tp = [2, 1]")
    b = load_spec_file(_write(tmp_path, "# comment\n" + reordered, "b.toml"))
    assert a.hash == b.hash and len(a.hash) == 64
    c = load_spec_file(_write(tmp_path, BASE.replace("k = 64", "k = 128"), "c.toml"))
    assert c.hash != a.hash
    assert load_spec("deepseek-v3.2").hash != load_spec("deepseek-v3.2-tp8").hash


SIZES = {  # hand-computed (see the arithmetic in each comment)
    # 2*32*2*128*2048*(576+512)
    "decode_b32_fp8": ("sparse_mla_decode", {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 32, "s_q": 2,
                                             "kv_format": "fp8", "page_block_size": 64},
                       36_507_222_016, 9_437_184 + 524_288 + 42_991_616 + 8_388_608 + 32_768),
    # 2*4096*2048*128*1088; bytes q + idx + kv(8192 rows) + out + lse/max
    "prefill_skv8192": ("sparse_mla_prefill", {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 8192},
                        2_336_462_209_024, 603_979_776 + 33_554_432 + 9_437_184 + 536_870_912 + 4_194_304),
    # 2*4096*8192*64*128; e4m3 q 1 byte
    "indexer_h64": ("indexer_logits", {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 8192},
                    549_755_813_888, 33_554_432 + 1_048_576 + 1_081_344 + 32_768 + 134_217_728),
    "paged_b2": ("indexer_logits_paged", {"heads": 64, "head_dim": 128, "batch": 2, "next_n": 2, "context_len": 8192,
                                          "block_kv": 64},
                 536_870_912, 33_792 + 2_162_688 + 8 + 1_024 + 131_072),
    "topk_len131072": ("topk", {"k": 2048, "rows": 4, "row_len": 131072}, 524_288, 2_097_152 + 32 + 32_768),
}


@pytest.mark.parametrize("case", sorted(SIZES))
def test_sizes_match_hand_computed(case):
    op, problem, flops, nbytes = SIZES[case]
    f, b = sizes.op_sizes(get_op(op), problem, load_spec("deepseek-v3.2"))
    assert f == flops
    assert b == nbytes


def test_sizes_bf16_cache_and_symbols():
    p = dict(SIZES["decode_b32_fp8"][1], kv_format="bf16")
    _, b = sizes.op_sizes(get_op("sparse_mla_decode"), p)
    assert b == 9_437_184 + 524_288 + 32 * 2048 * 1152 + 8_388_608 + 32_768
    flops, _ = get_op("sparse_mla_prefill").sizes()
    assert {s.name for s in flops.free_symbols} == {"s_q", "topk", "h_q", "d_qk", "d_v"}


def test_arch_table():
    assert set(ARCHS) == {"sm80", "sm89", "sm90", "sm100", "gfx942", "gfx950"}
    h100 = get_arch("sm90")
    assert (h100.cc, h100.sms, h100.has_wgmma, h100.has_fp8) == (90, 132, True, True)
    assert h100.target == ("cuda", 90, 32) and h100.max_regs == 255
    mi300 = get_arch("gfx942")
    assert mi300.target == ("hip", "gfx942", 64) and mi300.smem_per_block == 64 * 1024 and mi300.max_regs == 512
    assert get_arch("gfx950").target == ("hip", "gfx950", 64) and get_arch("gfx950").smem_per_block == 160 * 1024
    assert get_arch("sm80").peak("e4m3") == get_arch("sm80").peak_bf16  # no native fp8 on A100
    for a in ARCHS.values():
        assert set(a.keys()) >= {"cc", "sms", "smem_per_block", "max_threads", "has_fp8", "has_wgmma", "warp_size"}
        assert a.peak_fp8 == 0 or a.peak_fp8 > a.peak_bf16
    with pytest.raises(UsageError, match="--arch"):
        get_arch("sm75")


def test_default_spec_buckets_are_few_and_named():
    spec = load_spec("deepseek-v3.2")
    bs = get_op("sparse_mla_decode").buckets(spec)
    assert [b.name for b in bs] == ["sparse_mla_decode_h128_dqk576_topk2048_fp8_b1",
                                    "sparse_mla_decode_h128_dqk576_topk2048_fp8_b32",
                                    "sparse_mla_decode_h128_dqk576_topk2048_fp8_b128"]
    assert [(b.lo, b.hi) for b in bs] == [(1, 1), (8, 32), (128, 128)]
    assert all(b.problem["s_q"] == 2 for b in bs)  # the largest next_n of the group
    total = sum(len(get_op(o).buckets(spec)) for o in ("indexer_logits", "indexer_logits_paged", "topk",
                                                         "sparse_mla_prefill", "sparse_mla_decode"))
    assert total <= 15
    tp = get_op("sparse_mla_prefill").buckets(load_spec("dsa-small-k"))
    assert {b.problem["h_q"] for b in tp} == {64, 32}


def test_nearest_bucket():
    op = get_op("sparse_mla_decode")
    bs = op.buckets(load_spec("deepseek-v3.2"))
    entries = [{"name": b.name, "bucket": b.record(), "problem": b.problem} for b in bs]
    base = dict(bs[0].problem)
    assert op.nearest(entries, dict(base, batch=16))["name"].endswith("_b32")
    assert op.nearest(entries, dict(base, batch=2))["name"].endswith("_b1")   # log 2 from 1, log 4 from 8
    assert op.nearest(entries, dict(base, batch=4))["name"].endswith("_b32")  # log 2 from 8, log 4 from 1
    assert op.nearest(entries, dict(base, batch=1000))["name"].endswith("_b128")
    assert op.nearest(entries, dict(base, h_q=64)) is None  # no kernel for 64 heads
    assert op.nearest(entries, None)["name"].endswith("_b128")


def test_space_pruning_with_sympy(tmp_path, monkeypatch):
    home = tmp_path
    (home / "schedules" / "fake_scale").mkdir(parents=True)
    text = (FIXTURES / "fake_scale.toml").read_text() + (
        '\n[[constraints]]\nexpr = "BLOCK_C <= 32"\narchs = ["sm80"]\nwhy = "an sm80-only limit"\n')
    (home / "schedules" / "fake_scale" / "triton.toml").write_text(text)
    monkeypatch.setenv("DSAGEN_HOME", str(home))
    sp = load_space("fake_scale", "triton", FIXTURES / "fake_scale" / "triton.py")
    assert len(sp.candidates()) == 5 * 2 * 2
    kept, dropped = prune(sp, {"heads": 8, "rows": 16, "cols": 100}, get_arch("sm90"))
    assert {c["BLOCK_C"] for c in kept} == {32, 64, 128}
    assert sum(dropped.values()) == 8 and "masked lanes" in next(iter(dropped))
    kept80, dropped80 = prune(sp, {"heads": 8, "rows": 16, "cols": 100}, get_arch("sm80"))
    assert {c["BLOCK_C"] for c in kept80} == {32} and "an sm80-only limit" in dropped80
    assert sp.hash("sm80") != sp.hash("sm90")  # the sm80-only constraint is part of sm80's key only
    bad = Space("x", "triton", ["B"], {"B": [1]}, [Constraint("B <= nope", "t", (), _parse("B <= nope", "t", 0))],
                {}, {}, "t.toml")
    with pytest.raises(ScheduleError, match="nope"):
        prune(bad, {}, get_arch("sm90"))


def test_cost_model_wave_quantisation():
    op, arch = get_op("sparse_mla_decode"), get_arch("sm90")
    p = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 1, "s_q": 1, "kv_format": "fp8",
         "page_block_size": 64}
    one = cost.estimate(op, p, {"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": 1, "num_warps": 8}, arch)
    many = cost.estimate(op, p, {"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": 32, "num_warps": 8}, arch)
    # The launch uses at most topk / (2 * BLOCK_N) = 16 splits: NUM_SPLITS 32 is costed as 16.
    assert one["ctas"] == 2 and many["ctas"] == 32 and many["splits"] == 16
    sixteen = cost.estimate(op, p, {"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": 16, "num_warps": 8}, arch)
    assert sixteen["time_s"] == many["time_s"]
    assert many["time_s"] < one["time_s"]  # 2 CTAs leave 130 of 132 SMs idle
    assert math.isclose(one["efficiency"], 2 / 132 * 1.0, rel_tol=1e-9)
    ranked = cost.rank(op, p, [{"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": s, "num_warps": 8} for s in (1, 8, 32)], arch)
    assert ranked == cost.rank(op, p, [{"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": s, "num_warps": 8}
                                       for s in (32, 1, 8)], arch)


def _rank_of(op_name, problem, schedules, arch="sm90"):
    op = get_op(op_name)
    ranked = cost.rank(op, problem, schedules, get_arch(arch))
    return [json_key(s) for _, s in ranked]


def json_key(s):
    return tuple(sorted(s.items()))


def test_cost_model_ranks_known_bad_schedules_below_good_ones():
    """The terms the model has for re-reads and MMA shape separate what AOT and the schedules'
    own notes call bad: top-k CAP 0 (every pass re-reads the row), prefill BLOCK_N 16 (wgmma
    N 16: shared-memory bound), decode/prefill head blocks of 16 (KV re-gathered 8 times),
    indexer BLOCK_Q 1 x TILES_N 1 (q and keys reloaded per tiny tile)."""
    topk = {"k": 2048, "rows": 4096, "row_len": 32768}
    good = {"BLOCK_N": 1024, "RADIX_BITS": 11, "CAP": 4096, "MAX_SPLITS": 1, "MIN_SPLIT_COLS": 16384,
            "num_warps": 8, "num_stages": 1}
    bad = dict(good, CAP=0)
    assert _rank_of("topk", topk, [bad, good]) == [json_key(good), json_key(bad)]
    pre = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "s_q": 4096, "s_kv": 131072}
    good = {"BLOCK_H": 32, "BLOCK_N": 32, "num_warps": 8, "num_stages": 2}
    bad = dict(good, BLOCK_N=16)
    assert _rank_of("sparse_mla_prefill", pre, [bad, good]) == [json_key(good), json_key(bad)]
    few_heads = dict(good, BLOCK_H=16)
    assert _rank_of("sparse_mla_prefill", pre, [few_heads, good]) == [json_key(good), json_key(few_heads)]
    dec = {"h_q": 128, "d_qk": 576, "d_v": 512, "topk": 2048, "batch": 128, "s_q": 2, "kv_format": "fp8",
           "page_block_size": 64}
    good = {"BLOCK_H": 64, "BLOCK_N": 64, "NUM_SPLITS": 4, "num_warps": 8, "num_stages": 2}
    bad = dict(good, BLOCK_H=16)
    assert _rank_of("sparse_mla_decode", dec, [bad, good]) == [json_key(good), json_key(bad)]
    ix = {"heads": 64, "head_dim": 128, "s_q": 4096, "s_kv": 131072}
    good = {"BLOCK_Q": 2, "BLOCK_N": 64, "TILES_N": 8, "num_warps": 8, "num_stages": 2}
    bad = dict(good, BLOCK_Q=1, TILES_N=1)
    assert _rank_of("indexer_logits", ix, [bad, good]) == [json_key(good), json_key(bad)]
    # on sm80 the indexer is compute bound: the re-reads only count through cost.EXPOSED
    assert _rank_of("indexer_logits", ix, [bad, good], "sm80") == [json_key(good), json_key(bad)]
    paged = {"heads": 64, "head_dim": 128, "batch": 128, "next_n": 2, "context_len": 65536, "block_kv": 64}
    good = {"BLOCK_Q": 2, "BLOCK_N": 64, "TILES_N": 16, "num_warps": 8, "num_stages": 2}
    bad = dict(good, TILES_N=1)  # the 16 KB q block reloaded for every 8 KB of keys
    for arch in ("sm80", "sm90", "gfx942"):
        assert _rank_of("indexer_logits_paged", paged, [bad, good], arch) == [json_key(good), json_key(bad)], arch


def test_cost_model_ties_go_to_the_template_default():
    """Candidates the model cannot tell apart (num_stages has no term) rank the default first."""
    from dsagen.runtime.dispatch import template_module

    op, arch = get_op("topk"), get_arch("sm90")
    default = template_module("topk").SCHEDULE
    other = dict(default, num_stages=default["num_stages"] + 1)
    for order in ([other, default], [default, other]):
        ranked = cost.rank(op, {"k": 2048, "rows": 64, "row_len": 131072}, order, arch, default=default)
        assert ranked[0][1] == default


HOSTILE = {
    "newline_in_name": (BASE.replace('name = "tiny-test"', 'name = "x\\nimport os"'), "name", "not a plain name"),
    "path_in_name": (BASE.replace('name = "tiny-test"', 'name = "../../x"'), "name", "not a plain name"),
    "huge_name": (BASE.replace('name = "tiny-test"', f'name = "{"a" * 5000}"'), "name", "longer than 64"),
    "k_beyond_int32": (BASE.replace("k = 64", "k = 9223372036854775807"), "topk.k", "outside"),
    "s_kv_beyond_int32": (BASE.replace("s_kv = [256, 512, 4096]", "s_kv = [4294967296]"), "workloads.prefill.s_kv",
                          "int32"),
    "too_many_heads": (BASE.replace("heads = 16", "heads = 4096"), "mla.heads", "outside [1, 128]"),
    "long_list": (BASE.replace("s_kv = [256, 512, 4096]", f"s_kv = [{', '.join(str(i + 1) for i in range(40))}]"),
                  "workloads.prefill.s_kv", "at most 32"),
    "too_many_points": (BASE.replace("batch = [1, 4]", f"batch = [{', '.join(str(i + 1) for i in range(32))}]")
                        .replace("context_len = [256]", f"context_len = [{', '.join(str(256 + i) for i in range(32))}]")
                        .replace("next_n = [1]", "next_n = [1, 2, 3, 4, 5]"), "workloads.decode", "workload points"),
    "deep_nesting": ("x = " + "[" * 5000 + "]" * 5000, "", "nested too deeply"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_specs_get_one_line(tmp_path, case):
    text, key, reason = HOSTILE[case]
    p = _write(tmp_path, text)
    with pytest.raises(SpecError) as ei:
        load_spec_file(p)
    msg = str(ei.value)
    assert "\n" not in msg and len(msg) < 400 and reason in msg, msg
    if key:
        assert msg.startswith(f"{p}: {key}: "), msg


def test_spec_files_that_are_not_text_or_not_files(tmp_path):
    import os

    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"name = \"\xff\xfe\"\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec_file(bad)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_spec_file(bom).name == "tiny-test"  # a byte-order mark is fine
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(SpecError, match="not a regular file"):
        load_spec_file(fifo)  # does not block on the pipe
    big = tmp_path / "big.toml"
    big.write_text(BASE + "# " + "x" * 70000 + "\n")
    with pytest.raises(SpecError, match="at most"):
        load_spec_file(big)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_a_spec_or_one_spec_error(text):
    from dsagen.spec import spec_from_dict  # noqa: F401
    import tomllib

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return
    try:
        from dsagen.spec.model import spec_from_dict as build
        build(data, "t.toml")
    except SpecError as e:
        assert "\n" not in str(e) and str(e).startswith("t.toml: ")


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["heads", "head_dim", "k", "s_kv", "name", "tp", "batch"]),
                       st.one_of(st.integers(-2**70, 2**70), st.text(max_size=20), st.lists(st.integers(-5, 2**40),
                                                                                           max_size=5)),
                       max_size=4))
def test_mutated_fields_give_a_spec_or_one_spec_error(over):
    import tomllib

    from dsagen.spec.model import spec_from_dict

    data = tomllib.loads(BASE)
    where = {"heads": data["indexer"], "head_dim": data["indexer"], "k": data["topk"],
             "s_kv": data["workloads"]["prefill"], "name": data, "tp": data["mla"], "batch": data["workloads"]["decode"]}
    for k, v in over.items():
        where[k][k] = v
    try:
        s = spec_from_dict(data, "t.toml")
    except SpecError as e:
        assert "\n" not in str(e) and str(e).startswith("t.toml: ")
        return
    assert all(0 < x < 2**31 for x in s.prefill.s_kv) and 0 < s.topk.k < 2**31


def test_every_arch_states_its_l2():
    """The top-k cost model reads arch.l2_bytes (a row's second read hits L2 only while the rows fit)."""
    from dsagen.spec.archs import ARCHS

    assert all(a.l2_bytes >= 4e6 for a in ARCHS.values()), {n: a.l2_bytes for n, a in ARCHS.items()}
