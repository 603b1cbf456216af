"""Sparse MLA decode (templates/triton/sparse_mla_decode.py through dsagen.ops) against the oracle.

Every run: fresh random inputs, outputs poisoned with NaN, and every cache slot that no valid
index selects filled with NaN bytes (bf16 NaN, or 0xFF = e4m3 NaN / fp32 NaN / bf16 NaN in the
656-byte FP8 layout), so a stray read shows up as NaN in the output.
"""

import importlib

import pytest
import torch

from dsagen import tolerances
from dsagen.oracle import fp8 as fp8_layout
from dsagen.operators.sparse_mla_decode import problem
from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as oracle
from dsagen.operators.sparse_mla_decode.problem import OP

D_QK, D_V = 576, 512
SCALE = D_QK ** -0.5


def _ops():
    return importlib.import_module("dsagen.operators.sparse_mla_decode.api")


def _make(b, s_q, h_q, topk, fmt, *, nb=3, page=64, seed=0, extras=True, topk_length=None):
    """Random q, cache and indices with -1, out-of-range and repeated indices mixed in."""
    g = torch.Generator().manual_seed(seed)
    slots = nb * page
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    kv = torch.randn(nb, page, 1, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, slots, (b, s_q, topk), generator=g, dtype=torch.int32)
    if extras and topk >= 8:
        idx[..., 1] = -1
        idx[..., 3] = slots + 7          # out of range
        idx[..., 5] = 2**31 - 1          # far out of range
        idx[..., 6] = idx[..., 0]        # repeated slot: counts twice, as in the oracle
        idx[..., 7] = idx[..., 0]
    live = torch.ones(b, s_q, topk, dtype=torch.bool)
    if topk_length is not None:
        live &= torch.arange(topk)[None, None, :] < topk_length.view(b, 1, 1)
    sel = idx[live & (idx >= 0) & (idx < slots)].long()
    used = torch.zeros(slots, dtype=torch.bool)
    used[sel] = True
    if fmt == "fp8":
        cache = fp8_layout.pack_mla_fp8_cache(kv)
        fill = torch.full_like(cache, 0xFF)
    else:
        cache = kv.clone()
        fill = torch.full_like(cache, float("nan"))
    cache = torch.where(used.view(nb, page, 1, 1), cache, fill)
    return q, cache, idx


def _poisoned(b, s_q, h_q):
    return (torch.full((b, s_q, h_q, D_V), float("nan"), dtype=torch.bfloat16),
            torch.full((b, h_q, s_q), float("nan"), dtype=torch.float32))


def _check(out, lse, ref_out, ref_lse):
    assert not torch.isnan(out).any(), "NaN left in out (unwritten or a stray read)"
    assert not torch.isnan(lse).any(), "NaN left in lse"
    tolerances.assert_peer_close(out, ref_out.to(out.dtype), tolerances.MLA_DECODE_OUT, "out")
    tolerances.assert_peer_close(lse, ref_lse, tolerances.MLA_DECODE_LSE, "lse")


CASES = [
    # (batch, s_q, h_q, topk, fmt, num_splits)
    (1, 1, 16, 100, "bf16", 1),
    (3, 4, 16, 70, "fp8", 3),
    (3, 2, 64, 96, "bf16", 4),
    (1, 3, 64, 64, "fp8", 1),
    (3, 1, 128, 80, "fp8", 2),
    (1, 2, 128, 50, "bf16", None),
    (2, 2, 24, 64, "fp8", 2),  # h_q not a power of two: masked heads
]


@pytest.mark.parametrize("b,s_q,h_q,topk,fmt,splits", CASES,
                         ids=[f"b{c[0]}_sq{c[1]}_h{c[2]}_topk{c[3]}_{c[4]}_split{c[5] or 'auto'}" for c in CASES])
def test_decode_matches_oracle(b, s_q, h_q, topk, fmt, splits):
    m = _ops()
    q, cache, idx = _make(b, s_q, h_q, topk, fmt, seed=h_q * 7 + topk)
    out, lse = _poisoned(b, s_q, h_q)
    ret = m.sparse_mla_decode(q, cache, idx, SCALE, num_splits=splits, out=out, lse=lse)
    assert ret[0] is out and ret[1] is lse
    ref_out, ref_lse = oracle(q, cache, idx, SCALE)
    _check(out, lse, ref_out, ref_lse)


@pytest.mark.parametrize("fmt", ["bf16", "fp8"])
@pytest.mark.parametrize("splits", [1, 3])
def test_query_without_valid_index(fmt, splits):
    """A query whose indices are all invalid gets out = 0 and lse = +inf; its neighbours are intact."""
    m = _ops()
    b, s_q, h_q, topk = 2, 2, 16, 64
    q, cache, idx = _make(b, s_q, h_q, topk, fmt, seed=3)
    idx[0, 1] = -1
    idx[1, 0, : topk // 2] = -1
    idx[1, 0, topk // 2:] = 10**6
    sink = torch.randn(h_q)
    out, lse = _poisoned(b, s_q, h_q)
    m.sparse_mla_decode(q, cache, idx, SCALE, attn_sink=sink, num_splits=splits, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE, attn_sink=sink)
    assert torch.isinf(lse[0, :, 1]).all() and (lse[0, :, 1] > 0).all()
    assert (out[0, 1] == 0).all() and (out[1, 0] == 0).all()
    _check(out, lse, ref_out, ref_lse)



@pytest.mark.parametrize("splits", [1, 3])
@pytest.mark.parametrize("what", ["nan_q_head", "nan_sm_scale"])
def test_nan_logits_follow_the_oracle(what, splits):
    """NaN in one head of q, or a NaN sm_scale: those heads' out and lse are NaN, as the oracle's
    softmax gives; a query with no valid index still gets 0 / +inf. Outputs are poisoned with a
    finite sentinel here, so an unwritten NaN position cannot pass for a computed one."""
    m = _ops()
    b, s_q, h_q, topk = 2, 2, 16, 64
    q, cache, idx = _make(b, s_q, h_q, topk, "bf16", seed=9)
    idx[1, 1] = -1
    scale = SCALE
    if what == "nan_q_head":
        q[0, 1, 5, 100] = float("nan")
        q[1, 1, 2, 0] = float("nan")        # a query with no valid index: not NaN
    else:
        scale = float("nan")
    out = torch.full((b, s_q, h_q, D_V), 1e4, dtype=torch.bfloat16)
    lse = torch.full((b, h_q, s_q), 1e4)
    sink = torch.randn(h_q)
    m.sparse_mla_decode(q, cache, idx, scale, attn_sink=sink, num_splits=splits, out=out, lse=lse)
    assert not bool((lse == 1e4).any()) and not bool((out == 1e4).any()), "unwritten outputs"
    ref_out, ref_lse = oracle(q, cache, idx, scale, attn_sink=sink)
    n_nan = int(torch.isnan(lse).sum())
    assert n_nan == (1 if what == "nan_q_head" else 3 * h_q), n_nan
    assert torch.isinf(lse[1, :, 1]).all() and (out[1, 1] == 0).all()
    why = problem.mismatch(out, lse, ref_out, ref_lse)   # NaN, inf placement and values
    assert not why, why

@pytest.mark.parametrize("fmt", ["bf16", "fp8"])
@pytest.mark.parametrize("splits", [1, 4])
def test_topk_length(fmt, splits):
    """Only the first topk_length[b] indices count; the ones past it point at NaN slots and must not leak."""
    m = _ops()
    b, s_q, h_q, topk = 4, 2, 16, 96
    tl_ = torch.tensor([0, 37, 96, 500], dtype=torch.int32)
    q, cache, idx = _make(b, s_q, h_q, topk, fmt, seed=5, topk_length=tl_)
    out, lse = _poisoned(b, s_q, h_q)
    m.sparse_mla_decode(q, cache, idx, SCALE, topk_length=tl_, num_splits=splits, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE, topk_length=tl_)
    assert torch.isinf(lse[0]).all()
    _check(out, lse, ref_out, ref_lse)


@pytest.mark.parametrize("splits", [1, 3])
def test_attn_sink(splits):
    """out *= exp(lse) / (exp(lse) + exp(sink)); lse unchanged; +inf sink zeroes the head, -inf is no-op."""
    m = _ops()
    b, s_q, h_q, topk = 2, 3, 16, 64
    q, cache, idx = _make(b, s_q, h_q, topk, "fp8", seed=11)
    sink = torch.randn(h_q) * 2
    sink[3] = float("inf")
    sink[4] = float("-inf")
    out, lse = _poisoned(b, s_q, h_q)
    m.sparse_mla_decode(q, cache, idx, SCALE, attn_sink=sink, num_splits=splits, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE, attn_sink=sink)
    assert (out[:, :, 3] == 0).all()
    _check(out, lse, ref_out, ref_lse)
    _, lse_plain = m.sparse_mla_decode(q, cache, idx, SCALE, num_splits=splits)
    torch.testing.assert_close(lse, lse_plain, atol=0.0, rtol=0.0)


def test_default_scale_and_allocation():
    """sm_scale=None means q.shape[-1] ** -0.5 (FlashMLA); outputs allocated when not given."""
    m = _ops()
    q, cache, idx = _make(1, 2, 16, 40, "bf16", seed=13)
    out, lse = m.sparse_mla_decode(q, cache, idx)
    assert out.dtype == torch.bfloat16 and out.shape == (1, 2, 16, D_V) and lse.shape == (1, 16, 2)
    ref_out, ref_lse = oracle(q, cache, idx)
    _check(out, lse, ref_out, ref_lse)


def _all_e4m3_cache(nb, page, g):
    """656-byte rows whose latent bytes run through every non-NaN e4m3 pattern, ue8m0 scales."""
    finite = torch.tensor([v for v in range(256) if v & 0x7F != 0x7F], dtype=torch.uint8)
    pick = torch.randint(0, finite.numel(), (nb * page, 512), generator=g)
    lat = finite[pick]
    lat[:, : finite.numel()] = finite  # every pattern at least once per row
    scales = torch.exp2(torch.randint(-12, 4, (nb * page, 4), generator=g).float())
    rope = torch.randn(nb * page, 64, generator=g).to(torch.bfloat16)
    row = torch.cat([lat, scales.view(torch.uint8).view(nb * page, 16), rope.view(torch.uint8).view(nb * page, 128)], 1)
    return row.view(nb, page, 1, 656)


@pytest.mark.parametrize("mode", ["native", "soft", "fnuz"], ids=["e4m3_types", "soft_decode", "fnuz_remap"])
def test_fp8_dequantisation_is_exact(mode):
    """One index per query: out is the selected row's dequantised latent, exactly (ue8m0 scales make
    fp8 * scale exact in bf16), and lse is its logit, which checks the RoPE part. The e4m3-typed
    path (sm89+, gfx950), the integer decode used before sm89 and gfx942's e4m3fnuz remap."""
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode")
    g = torch.Generator().manual_seed(17)
    nb, page, b, s_q, h_q = 2, 64, 2, 2, 16
    cache = _all_e4m3_cache(nb, page, g)
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, nb * page, (b, s_q, 1), generator=g, dtype=torch.int32)
    out, lse = _poisoned(b, s_q, h_q)
    mod.launch(q, cache, idx, None, None, out, lse, sm_scale=SCALE, is_fp8=True, num_splits=1, fp8_mode=mode)
    deq = fp8_layout.unpack_mla_fp8_cache(cache).view(nb * page, D_QK)[idx.view(b, s_q).long()]  # [b, s_q, 576]
    expect = deq[..., :D_V].to(torch.bfloat16)[:, :, None, :].expand(b, s_q, h_q, D_V)
    t = tolerances.FP8_LAYOUT
    torch.testing.assert_close(out, expect, atol=t.atol, rtol=t.rtol)
    _, ref_lse = oracle(q, cache, idx, SCALE)
    tolerances.assert_peer_close(lse, ref_lse, tolerances.MLA_DECODE_LSE, "lse")


def test_pack_random_kv_soft_vs_typed():
    """Random kv packed with pack_mla_fp8_cache (fp32 scales, not powers of two): the software e4m3
    decode, the fnuz remap and the typed path all match the oracle's dequantisation."""
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode")
    g = torch.Generator().manual_seed(19)
    nb, page, b, s_q, h_q, topk = 2, 64, 1, 2, 16, 48
    kv = torch.randn(nb, page, 1, D_QK, generator=g) * 3
    cache = fp8_layout.pack_mla_fp8_cache(kv, scale_format="fp32")
    q = torch.randn(b, s_q, h_q, D_QK, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, nb * page, (b, s_q, topk), generator=g, dtype=torch.int32)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE)
    for mode in ("native", "soft", "fnuz"):
        out, lse = _poisoned(b, s_q, h_q)
        mod.launch(q, cache, idx, None, None, out, lse, sm_scale=SCALE, is_fp8=True, num_splits=2, fp8_mode=mode)
        _check(out, lse, ref_out, ref_lse)


def test_strided_inputs():
    """q, indices and lse given as views with padded strides; a cache that is a slice of a bigger pool."""
    m = _ops()
    b, s_q, h_q, topk = 2, 2, 16, 40
    q, cache, idx = _make(b, s_q, h_q, topk, "fp8", seed=23)
    pool = torch.full((cache.shape[0] + 2, cache.shape[1], 1, 656), 0xFF, dtype=torch.uint8)
    pool[1:-1] = cache
    q_pad = torch.full((b, s_q + 1, h_q, D_QK), float("nan"), dtype=torch.bfloat16)
    q_pad[:, :s_q] = q
    idx_pad = torch.full((b, s_q, topk + 8), -5, dtype=torch.int32)
    idx_pad[..., :topk] = idx
    out, _ = _poisoned(b, s_q, h_q)
    lse = torch.full((b, s_q, h_q), float("nan")).transpose(1, 2)
    m.sparse_mla_decode(q_pad[:, :s_q], pool[1:-1], idx_pad[..., :topk], SCALE, num_splits=2, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, SCALE)
    _check(out, lse, ref_out, ref_lse)


BAD = {
    "q": lambda q, c, i: dict(q=q[0]),
    "k_cache": lambda q, c, i: dict(k_cache=c[..., :600]),
    "indices": lambda q, c, i: dict(indices=i.long()),
    "d_v": lambda q, c, i: dict(d_v=256),
    "attn_sink": lambda q, c, i: dict(attn_sink=torch.zeros(q.shape[2], dtype=torch.float64)),
    "topk_length": lambda q, c, i: dict(topk_length=torch.zeros(q.shape[0] + 1, dtype=torch.int32)),
    "num_splits": lambda q, c, i: dict(num_splits=0),
    "out": lambda q, c, i: dict(out=torch.empty(1, dtype=torch.bfloat16)),
    "lse": lambda q, c, i: dict(lse=torch.empty(q.shape[0], q.shape[1], q.shape[2])),
}


@pytest.mark.parametrize("arg", sorted(BAD))
def test_bad_arguments_name_the_argument(arg):
    m = _ops()
    q, cache, idx = _make(1, 1, 16, 16, "fp8", seed=29)
    kwargs = dict(q=q, k_cache=cache, indices=idx)
    kwargs.update(BAD[arg](q, cache, idx))
    with pytest.raises(ValueError, match=arg):
        m.sparse_mla_decode(**kwargs)


def test_fp8_flag_contradicts_cache():
    m = _ops()
    q, cache, idx = _make(1, 1, 16, 16, "bf16", seed=31)
    with pytest.raises(ValueError, match="k_cache"):
        m.sparse_mla_decode(q, cache, idx, is_fp8=True)


@pytest.mark.parametrize("fmt", ["bf16", "fp8"])
def test_verify_and_example_problem(fmt):
    from dsagen.runtime.dispatch import template_module

    m = problem
    prob = OP.example
    assert set(prob) == {"h_q", "d_qk", "d_v", "topk", "batch", "s_q", "kv_format", "page_block_size",
                         "extra_topk", "extra_page_block_size"}
    prob = OP.check_problem(dict(prob, h_q=16, kv_format=fmt))
    res = m.verify(template_module("sparse_mla_decode"), prob)
    assert res["passed"], res

    class Broken:  # a kernel that forgets the softmax scale must fail verification
        @staticmethod
        def launch(*args, sm_scale, **kw):
            return template_module("sparse_mla_decode").launch(*args, sm_scale=sm_scale * 1.5, **kw)

    assert not m.verify(Broken, prob)["passed"]



@pytest.mark.parametrize("fmt", ["bf16", "fp8"])
def test_int64_gather_offsets_give_the_same_output(fmt, monkeypatch):
    """The kernel's I64 path (a cache of 2 GiB or more), taken here by lowering the threshold: the
    same out and lse as the int32 path, bit for bit, on V3.2 caches (bf16, 656-byte FP8) and through
    the tuner's verify on a V4 CSA problem (MODEL1 and the second cache for fp8)."""
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode")
    q, cache, idx = _make(2, 2, 16, 40, fmt, seed=21)
    runs = []
    for limit in (mod.I32_OFFSETS_BELOW, 1):
        monkeypatch.setattr(mod, "I32_OFFSETS_BELOW", limit)
        out, lse = _poisoned(2, 2, 16)
        mod.launch(q, cache, idx, None, None, out, lse, sm_scale=SCALE, is_fp8=fmt == "fp8", num_splits=2)
        runs.append((out, lse))
    assert torch.equal(runs[0][0], runs[1][0]) and torch.equal(runs[0][1], runs[1][1])
    assert not problem.mismatch(runs[1][0], runs[1][1], *oracle(q, cache, idx, SCALE))
    prob = OP.check_problem(dict(OP.example, h_q=16, d_qk=512, topk=128, extra_topk=512, extra_page_block_size=64,
                                 page_block_size=256, kv_format=fmt))
    res = problem.verify(mod, prob)
    assert res["passed"], res


@pytest.mark.parametrize("fmt", ["bf16", "fp8"])
def test_verify_a_v4_csa_problem(fmt):
    """The tuner's verify on a DeepSeek-V4 CSA decode problem (d_qk 512, window 128 plus 512
    compressed entries on pages of 64): its cases carry the second cache (MODEL1 for fp8)."""
    from dsagen.runtime.dispatch import template_module

    prob = OP.check_problem(dict(OP.example, h_q=16, d_qk=512, topk=128, extra_topk=512, extra_page_block_size=64,
                                 page_block_size=256, kv_format=fmt))
    cases = OP.cases(prob, "cpu", "verify")
    assert all("_x48_" in c.shapes and "dqk512" in c.shapes for c in cases), [c.shapes for c in cases]
    res = problem.verify(template_module("sparse_mla_decode"), prob)
    assert res["passed"], res
    assert OP.kernel_name(prob).startswith("sparse_mla_decode_h16_dqk512_topk128_x512_xp64")
    assert OP.kernel_name(OP.example) == "sparse_mla_decode_h128_dqk576_topk2048_fp8_b64"   # V3.2 names unchanged

@pytest.mark.parametrize("fmt,arch", [("bf16", "sm90"), ("fp8", "sm90"), ("fp8", "sm80"), ("fp8", "gfx942"),
                                      ("fp8", "gfx950")])
def test_aot_kernels_match_kernel_arguments(fmt, arch):
    """aot_kernels names every argument of both kernels, constexprs included (the generator compiles these)."""
    import inspect

    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode")
    prob = dict(OP.example, kv_format=fmt, arch=arch)
    ks = mod.aot_kernels(prob, mod.SCHEDULE)
    assert [k["name"] for k in ks] == ["sparse_mla_decode_kernel", "sparse_mla_decode_combine_kernel"]
    for k in ks:
        params = list(inspect.signature(k["fn"].fn).parameters)
        assert list(k["signature"]) == params
        assert all(k["signature"][c] == "constexpr" for c in k["constexprs"])
    # e4m3fn where the target has it; bytes where the kernel decodes (sm80) or remaps (gfx942) them
    assert ks[0]["signature"]["lat_ptr"] == {"bf16": "*bf16",
                                             "fp8": "*u8" if arch in ("sm80", "gfx942") else "*fp8e4nv"}[fmt]


@pytest.mark.parametrize("arch", ["sm80", "sm89", "sm90", "sm100"])
def test_schedule_space_covers_the_template(arch):
    """schedules/sparse_mla_decode/triton.toml names every SCHEDULE key and serves every arch: on sm90 the
    template default survives the constraints; elsewhere BLOCK_H 64 does not (it spills before sm90
    and traps on sm100, see the toml), and launch caps it at 32 there too."""
    from dsagen.gen.space import load_space, prune
    from dsagen.runtime.dispatch import template_file, template_module
    from dsagen.spec.archs import get_arch

    mod = template_module("sparse_mla_decode")
    space = load_space("sparse_mla_decode", "triton", template_file("sparse_mla_decode"))
    assert space.source.endswith("schedules/sparse_mla_decode/triton.toml") and set(space.values) == set(mod.SCHEDULE)
    assert all(c.expr and c.why for c in space.constraints)
    kept, _ = prune(space, OP.example, get_arch(arch))
    assert kept and all(k["BLOCK_H"] <= (64 if arch == "sm90" else 32) for k in kept)
    if arch == "sm90":
        assert mod.SCHEDULE in kept
    else:
        prob = dict(OP.example, arch=arch)
        assert mod.aot_kernels(prob, mod.SCHEDULE)[0]["constexprs"]["BLOCK_H"] == 32


def test_op_reachable_through_dsagen_ops():
    """dsagen.ops.sparse_mla_decode calls the op even after its home (dsagen.operators.sparse_mla_decode.api) was imported."""
    from dsagen import ops

    _ops()
    q, cache, idx = _make(1, 1, 16, 16, "bf16", seed=37)
    out, lse = ops.sparse_mla_decode(q, cache, idx)
    ref_out, ref_lse = oracle(q, cache, idx)
    _check(out, lse, ref_out, ref_lse)


def test_choose_splits_grows_when_batch_is_small():
    """Few query tokens get more splits (up to NUM_SPLITS); many get one; each split keeps >= 2 tiles."""
    from dsagen.runtime.dispatch import template_module

    mod = template_module("sparse_mla_decode")
    sch = dict(mod.SCHEDULE, NUM_SPLITS=8, BLOCK_N=16)
    cpu = torch.device("cpu")  # the interpreter counts 4 SMs
    assert mod.choose_splits(1, 1, 16, 2048, cpu, sch) == 8
    assert mod.choose_splits(64, 2, 128, 2048, cpu, sch) == 1
    assert mod.choose_splits(1, 1, 16, 40, cpu, sch) == 2


# ---------------------------------------------------------------- DeepSeek-V4: d_qk 512, MODEL1, two caches
def _make_cache(nb, page, fmt, slots_used, g):
    """A V4 cache (d_qk 512: key = value = 512) in `fmt` (model1 FP8 or bf16) holding random rows
    in the slots of `slots_used` and NaN bytes everywhere else (MODEL1 block padding included)."""
    used = torch.zeros(nb * page, dtype=torch.bool)
    used[slots_used] = True
    return problem.random_cache(nb, page, 512, fmt == "model1", used, g)[0]


def _v4_case(b, s_q, h_q, topk, xtopk, fmt, seed, page=64, xpage=2):
    """q, the window cache and its slots, the compressed (extra) cache and its slots, with -1,
    out-of-range and repeated slots mixed in, and topk_length / extra_topk_length (0 included)."""
    g = torch.Generator().manual_seed(seed)
    nb, xnb = max(2, -(-2 * topk // page)), max(2, -(-2 * xtopk // xpage))
    q = torch.randn(b, s_q, h_q, 512, generator=g).to(torch.bfloat16)
    idx = torch.randint(0, nb * page, (b, s_q, topk), generator=g, dtype=torch.int32)
    xidx = torch.randint(0, xnb * xpage, (b, s_q, xtopk), generator=g, dtype=torch.int32)
    for t, n in ((idx, nb * page), (xidx, xnb * xpage)):
        if t.shape[-1] >= 4:
            t[..., 1] = -1
            t[..., 2] = n + 3
            t[..., 3] = t[..., 0]
    tl_ = torch.randint(0, topk + 1, (b,), generator=g, dtype=torch.int32)
    xtl = torch.randint(0, xtopk + 1, (b,), generator=g, dtype=torch.int32)
    tl_[0], xtl[-1] = topk, 0          # the first sequence sees its whole window; the last no compressed entry
    live = lambda i, ln, n: i[(torch.arange(i.shape[-1])[None, None, :] < ln.view(-1, 1, 1)) & (i >= 0) & (i < n)]
    cache = _make_cache(nb, page, fmt, live(idx, tl_, nb * page).long(), g)
    xcache = _make_cache(xnb, xpage, fmt, live(xidx, xtl, xnb * xpage).long(), g)
    return q, cache, idx, tl_, xcache, xidx, xtl


V4_CASES = [
    # (batch, s_q, h_q, window topk, extra topk, format, splits): V4-Flash-like (h 64, window 128,
    # compressed top-k 512 scaled down), h_q 8 (GLM/V4 at TP8), next_n 6, HCA's page 2
    (2, 1, 64, 24, 40, "model1", 1),
    (2, 6, 8, 16, 24, "model1", None),
    (3, 2, 16, 20, 36, "model1", 3),
    (2, 2, 128, 16, 16, "model1", 2),
    (2, 2, 24, 20, 30, "bf16", 3),
]


@pytest.mark.parametrize("b,s_q,h_q,topk,xtopk,fmt,splits", V4_CASES,
                         ids=[f"b{c[0]}_sq{c[1]}_h{c[2]}_window{c[3]}_extra{c[4]}_{c[5]}_split{c[6] or 'auto'}"
                              for c in V4_CASES])
def test_v4_two_caches_match_oracle(b, s_q, h_q, topk, xtopk, fmt, splits):
    """One softmax over the window cache and the compressed cache, the sink over both; NaN bytes in
    every slot nobody selects (and in MODEL1 block padding) never reach the output."""
    m = _ops()
    q, cache, idx, tl_, xcache, xidx, xtl = _v4_case(b, s_q, h_q, topk, xtopk, fmt, seed=h_q + topk)
    sink = torch.randn(h_q)
    out, lse = _poisoned(b, s_q, h_q)
    m.sparse_mla_decode(q, cache, idx, None, attn_sink=sink, topk_length=tl_, extra_k_cache=xcache,
                        extra_indices=xidx, extra_topk_length=xtl, num_splits=splits, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, 512 ** -0.5, attn_sink=sink, topk_length=tl_,
                              extra_k_cache=xcache, extra_indices=xidx, extra_topk_length=xtl)
    _check(out, lse, ref_out, ref_lse)


@pytest.mark.parametrize("splits", [1, 3])
def test_v4_one_cache_and_nothing_to_attend(splits):
    """d_qk 512 over one MODEL1 cache; then with the extra cache: a query with nothing valid in the
    window only, in the compressed cache only, and in both (out 0, lse +inf); sinks of +inf and -inf."""
    m = _ops()
    q, cache, idx, tl_, xcache, xidx, xtl = _v4_case(3, 2, 16, 16, 24, "model1", seed=5)
    out, lse = _poisoned(3, 2, 16)
    m.sparse_mla_decode(q, cache, idx, None, topk_length=tl_, num_splits=splits, out=out, lse=lse)
    _check(out, lse, *oracle(q, cache, idx, None, topk_length=tl_))
    idx[0, 0] = -1          # sequence 0, step 0: nothing in the window
    xidx[1, 1] = -1         # sequence 1, step 1: nothing compressed
    idx[2] = -1             # sequence 2: nothing anywhere ...
    xtl[2] = 0              # ... and no compressed entries either
    sink = torch.randn(16)
    sink[0], sink[1] = float("inf"), float("-inf")
    out, lse = _poisoned(3, 2, 16)
    m.sparse_mla_decode(q, cache, idx, None, attn_sink=sink, topk_length=tl_, extra_k_cache=xcache,
                        extra_indices=xidx, extra_topk_length=xtl, num_splits=splits, out=out, lse=lse)
    ref_out, ref_lse = oracle(q, cache, idx, None, attn_sink=sink, topk_length=tl_, extra_k_cache=xcache,
                              extra_indices=xidx, extra_topk_length=xtl)
    _check(out, lse, ref_out, ref_lse)
    assert (out[2] == 0).all() and torch.isinf(lse[2]).all() and (lse[2] > 0).all()
    assert (out[:2, :, 0] == 0).all(), "a sink of +inf takes all the weight"


V4_BAD = {
    "extra_k_cache": lambda c, x: dict(extra_k_cache=x[..., :512].contiguous().view(torch.bfloat16)),
    "extra_indices": lambda c, x: dict(extra_k_cache=x, extra_indices=None),
    "extra_topk_length": lambda c, x: dict(extra_topk_length=torch.zeros(2, dtype=torch.int32)),
    "584-byte MODEL1": lambda c, x: dict(k_cache=fp8_layout.pack_mla_fp8_cache(torch.zeros(2, 64, 1, 576))),
    "block stride": lambda c, x: dict(k_cache=torch.as_strided(c, c.shape, (100, 584, 584, 1))),
}


@pytest.mark.parametrize("arg", sorted(V4_BAD))
def test_v4_bad_arguments_name_the_argument(arg):
    m = _ops()
    q, cache, idx, tl_, xcache, xidx, xtl = _v4_case(2, 1, 16, 8, 8, "model1", seed=3)
    kwargs = dict(q=q, k_cache=cache, indices=idx, extra_k_cache=xcache, extra_indices=xidx)
    if arg == "extra_topk_length":
        kwargs.pop("extra_k_cache")
        kwargs.pop("extra_indices")
    kwargs.update(V4_BAD[arg](cache, xcache))
    with pytest.raises(ValueError, match=arg):
        m.sparse_mla_decode(**kwargs)
