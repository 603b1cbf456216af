"""Dispatch adapters for the TileLang kernels (no GPU): the Triton `launch` signature of each
operator is mapped onto the typed wrappers of dsagen.runtime.tilelang, checked with stand-in
kernels that compute the oracle in torch (the real kernels only run on a Hopper GPU, see
tests/test_tilelang_*.py), run through each operator's own VERIFY; calls the TileLang kernel
cannot serve go to the Triton module."""
import pytest
import torch

from dsagen.operators.sparse_mla_decode.naive import sparse_mla_decode as decode_oracle
from dsagen.operators.sparse_mla_prefill.naive import sparse_mla_prefill as prefill_oracle
from dsagen.operators.topk.naive import topk_indices
from dsagen.operators import get_op
from dsagen.operators.sparse_mla_decode import problem as mla_decode
from dsagen.operators.sparse_mla_prefill import problem as mla_prefill
from dsagen.operators.topk import problem as topk_ops
from dsagen.runtime import dispatch


class Stand:
    """Stands for a loaded TLKernel: `meta` as in meta.json, called with the prim_func's tensors."""

    def __init__(self, fn, problem, schedule=None):
        self.fn, self.calls = fn, []
        self.meta = {"problem": problem, "schedule": schedule or {}}

    def __call__(self, *args):
        self.calls.append(args)
        self.fn(*args)


class Triton:
    def __init__(self):
        self.calls = []

    def launch(self, *args, **kw):
        self.calls.append(kw)


def _module(op, kernel, tl_problem, triton=None, strict=False):
    e = {"name": f"{op}-tilelang", "tl_problem": tl_problem, "schedule": {}}
    return dispatch.TileLangModule(get_op(op), e, kernel, fallback=(lambda: triton) if triton else None,
                                   strict=strict, device_type="cpu")


# ---------------------------------------------------------------- topk
def _topk_kernel(x, starts, ends, dst):
    assert x.dtype == torch.float32 and starts.dtype == ends.dtype == torch.int32 and dst.dtype == torch.int32
    dst.copy_(topk_indices(x, dst.shape[1], starts, ends))


def test_topk_adapter_passes_the_operators_verify():
    k = Stand(_topk_kernel, {})
    m = _module("topk", k, {"k": 2048})
    r = topk_ops.verify(m, {"k": 64, "rows": 4, "row_len": 300}, "cpu")
    assert r["passed"], r
    assert len(k.calls) == 1


def test_topk_adapter_falls_back_for_what_it_cannot_serve():
    k, t = Stand(_topk_kernel, {}), Triton()
    m = _module("topk", k, {"k": 2048}, t)
    x = torch.randn(3, 100)
    s, e = torch.zeros(3, dtype=torch.int32), torch.full((3,), 100, dtype=torch.int32)
    out = torch.full((3, 8), -7, dtype=torch.int32)
    m.launch(x, s, e, out, k=8, splits=4)                   # split variant asked for: Triton
    m.launch(x, s, e, out, k=8, schedule={"BLOCK_N": 1})    # explicit Triton schedule
    m.launch(x.double(), s, e, out, k=8)                    # not fp32
    long = torch.randn(3, 16384)                            # 3 long rows < 4 "SMs" on the CPU: Triton splits them
    m.launch(long, s, torch.full((3,), 16384, dtype=torch.int32), out, k=8)
    assert len(t.calls) == 4 and not k.calls
    m.launch(x, s, e, out, k=8)
    assert len(k.calls) == 1 and (out >= 0).all()
    four = torch.zeros(4, dtype=torch.int32)
    m.launch(torch.randn(4, 16384), four, four + 16384, torch.full((4, 8), -7, dtype=torch.int32), k=8)
    assert len(k.calls) == 2 and len(t.calls) == 4          # as many rows as SMs: one CTA each
    with pytest.raises(ValueError, match="cannot run this call"):
        _module("topk", k, {"k": 2048}, strict=True).launch(x, s, e, out, k=8, splits=2)


# ---------------------------------------------------------------- sparse MLA prefill
def _prefill_kernel(q, kv, idx, topk_len, sink, out, ml, lse, sm_scale):
    assert q.is_contiguous() and kv.dim() == 2 and idx.dim() == 2 and isinstance(sm_scale, float)
    assert topk_len.dtype == torch.int32 and sink.dtype == torch.float32
    o, m, l = prefill_oracle(q.float(), kv.float(), idx, sm_scale, attn_sink=sink, topk_length=topk_len)
    out.copy_(o.to(out.dtype))
    ml.copy_(m)
    lse.copy_(l)


def test_prefill_adapter_passes_the_operators_verify():
    k = Stand(_prefill_kernel, {"h_q": 16, "d_qk": 576})
    m = _module("sparse_mla_prefill", k, {"h_q": 16, "d_qk": 576})
    prob = {"h_q": 16, "d_qk": 576, "d_v": 512, "topk": 40, "s_q": 2, "s_kv": 200}
    r = mla_prefill.verify(m, prob, "cpu")
    assert r["passed"], r
    assert len(k.calls) == 1


def test_prefill_adapter_falls_back_for_what_it_cannot_serve():
    k, t = Stand(_prefill_kernel, {"h_q": 16, "d_qk": 576}), Triton()
    m = _module("sparse_mla_prefill", k, {"h_q": 16, "d_qk": 576}, t)
    q, kv, idx = mla_prefill.random_instance(16, 576, 8, 2, 50)
    out = torch.empty(2, 16, 512, dtype=torch.bfloat16)
    ml, lse = torch.empty(2, 16), torch.empty(2, 16)
    q32, kv32, idx32 = mla_prefill.random_instance(32, 576, 8, 2, 50)
    m.launch(q32, kv32, idx32, None, None, torch.empty(2, 32, 512, dtype=torch.bfloat16),
             torch.empty(2, 32), torch.empty(2, 32), sm_scale=0.1)                                  # other h_q
    m.launch(q, kv, idx, None, None, out, ml, lse, sm_scale=0.1, schedule={"BLOCK_N": 16})       # schedule
    assert len(t.calls) == 2 and not k.calls
    tl, sink = torch.tensor([3, 0], dtype=torch.int32), torch.tensor([0.5] * 16)
    m.launch(q, kv, idx, tl, sink, out, ml, lse, sm_scale=0.1)    # topk_length and attn_sink: TileLang
    ref, _, ref_lse = prefill_oracle(q.float(), kv.float(), idx, 0.1, attn_sink=sink, topk_length=tl)
    assert len(k.calls) == 1 and torch.equal(lse.isinf(), ref_lse.isinf())
    assert torch.allclose(out.float(), ref, atol=1e-2)


# ---------------------------------------------------------------- sparse MLA decode
def test_decode_adapter_passes_the_operators_verify_with_and_without_splits():
    def main(q, lat, scale, rope, idx, topk_len, sink, out, lse, po, plse, splits, sm_scale):
        assert lat.dtype == torch.float8_e4m3fn and scale.dtype == torch.float32 and rope.dtype == torch.bfloat16
        assert lat.shape[1] == 656 and po.shape[0] == (q.shape[0] * q.shape[1] * splits if splits > 1 else 1)
        cache = lat.view(torch.uint8).view(-1, 1, 1, 656)
        o, l = decode_oracle(q, cache, idx, sm_scale, attn_sink=sink, topk_length=topk_len)
        out.copy_(o.to(out.dtype))
        lse.copy_(l)

    combined = []
    parts = {"main": Stand(main, {"h_q": 16, "part": "main"}, {"block_I": 16}),  # verify runs top-k 64 on CPU
             "combine": Stand(lambda po, plse, sink, out, lse, splits: combined.append(splits),
                              {"h_q": 16, "part": "combine"})}
    m = _module("sparse_mla_decode", parts, {"h_q": 16})
    prob = {"h_q": 16, "topk": 256, "batch": 2, "s_q": 1, "kv_format": "fp8", "page_block_size": 64}
    r = mla_decode.verify(m, prob, "cpu")
    assert r["passed"], r
    assert [c[11] for c in parts["main"].calls] == [1, 3] and combined == [3]


def test_decode_adapter_falls_back_for_what_it_cannot_serve():
    t = Triton()
    main = Stand(lambda *a: None, {"h_q": 16, "part": "main"})
    m = _module("sparse_mla_decode", {"main": main}, {"h_q": 16}, t)  # no combine part
    prob = {"h_q": 16, "topk": 64, "batch": 1, "s_q": 1, "kv_format": "fp8", "page_block_size": 64}
    inst = mla_decode.random_instance(prob)
    q, cache, idx = inst["q"], inst["k_cache"], inst["indices"]
    out, lse = torch.empty(1, 1, 16, 512, dtype=torch.bfloat16), torch.empty(1, 16, 1)
    kw = dict(sm_scale=0.1, is_fp8=True)
    m.launch(q, cache, idx, None, None, out, lse, **kw, num_splits=2)               # split, no combine
    m.launch(q, cache, idx, None, None, out, lse, sm_scale=0.1, is_fp8=False)        # bf16 cache
    m.launch(q, cache, idx, None, None, out, lse, **kw, fp8_mode="soft")
    assert len(t.calls) == 3 and not main.calls
    m.launch(q, cache, idx, torch.ones(1, dtype=torch.int32), torch.zeros(16), out, lse, **kw, num_splits=1)
    assert len(main.calls) == 1 and main.calls[0][5].tolist() == [1]   # topk_length, attn_sink: TileLang


def _model1_cache(u8, page):
    """The block bytes the wrapper passed (uint8 [num_blocks, block bytes]) as a MODEL1 cache again."""
    return torch.as_strided(u8, (u8.shape[0], page, 1, 584), (u8.shape[1], 584, 584, 1), u8.storage_offset())


@pytest.mark.parametrize("xpage", [0, 2], ids=["window_cache", "with_compressed_cache"])
def test_decode_model1_adapter_passes_the_operators_verify(xpage):
    """DeepSeek-V4 problems (d_qk 512, MODEL1, h_q 8; with and without the compressed cache) through
    the model1 adapter and wrapper, a stand-in kernel computing the oracle from what it is given."""
    page = 64

    def main(q, k8, k16, ku, idx, tlen, x8, x16, xu, xidx, xlen, sink, out, lse, po, plse, splits, sm_scale):
        assert k8.dtype == torch.float8_e4m3fn and k16.dtype == torch.bfloat16 and ku.dtype == torch.uint8
        assert k8.data_ptr() == k16.data_ptr() == ku.data_ptr() and k16.shape[1] * 2 == ku.shape[1]
        extra = {}
        if xpage:
            extra = dict(extra_k_cache=_model1_cache(xu, xpage), extra_indices=xidx, extra_topk_length=xlen)
        o, l = decode_oracle(q, _model1_cache(ku, page), idx, sm_scale, attn_sink=sink, topk_length=tlen, **extra)
        out.copy_(o.to(out.dtype))
        lse.copy_(l)

    prob = {"h_q": 8, "d_qk": 512, "d_v": 512, "topk": 128, "batch": 2, "s_q": 2, "kv_format": "fp8",
            "page_block_size": page, "extra_topk": 64 if xpage else 0, "extra_page_block_size": xpage}
    tp = get_op("sparse_mla_decode")
    tl_problem = dispatch.template_module(tp, "tilelang").problem_from_op(prob)
    assert tl_problem["layout"] == "model1" and tl_problem["extra_page_block_size"] == xpage
    kernel = Stand(main, dict(tl_problem, part="main"), {"block_I": 16})
    combine = Stand(lambda po, plse, sink, out, lse, splits: None, {"h_q": 8, "part": "combine"})  # main wrote out
    m = _module("sparse_mla_decode", {"main": kernel, "combine": combine}, tl_problem, Triton(), strict=True)
    r = mla_decode.verify(m, prob, "cpu")
    assert r["passed"], r
    assert kernel.calls, "the TileLang path was not taken"


def test_multi_kernel_entries_load_every_part(tmp_path, monkeypatch):
    """Decode's entry holds main/ and combine/: dispatch loads both, by label."""
    import dsagen.runtime.tilelang as load

    loaded = []
    monkeypatch.setattr(load, "load_kernel", lambda d, fn=None: loaded.append((d.name, fn)) or d.name)
    entry = {"kernels": [{"label": "main", "path": "sm90/d/x-tilelang/main/kernel.cu", "function": "f_main"},
                         {"label": "combine", "path": "sm90/d/x-tilelang/combine/kernel.cu", "function": "f_comb"}]}
    got = dispatch.load_tilelang_kernel(tmp_path / "x-tilelang" / "main", entry)
    assert got == {"main": "main", "combine": "combine"}
    assert loaded == [("main", "f_main"), ("combine", "f_comb")]


# ---------------------------------------------------------------- sparse MLA backward
def _bwd_oracle(q, kv, idx, topk_len, sink, dout, sm_scale):
    from dsagen.operators.sparse_mla_bwd.naive import sparse_mla_bwd as bwd_oracle

    s_q, s_kv = q.shape[0], kv.shape[0]
    return bwd_oracle(q, kv.reshape(s_kv, 1, -1), idx.reshape(s_q, 1, -1), dout, sm_scale, 512, sink, topk_len)


def _bwd_kernel(q, kv, idx, topk_len, sink, out, dout, lse, dq, dkv, delta, sm_scale):
    """Stand-in for the TileLang kernel: the oracle's dq, dkv added into the fp32 dkv, Delta."""
    assert q.is_contiguous() and kv.dim() == 2 and idx.dim() == 2 and isinstance(sm_scale, float)
    assert topk_len.dtype == torch.int32 and sink.dtype == torch.float32 and sink.shape == (q.shape[1],)
    assert dq.dtype == torch.bfloat16 and dkv.dtype == torch.float32 and dkv.dim() == 2
    has_sink = not torch.isneginf(sink).all()
    rq, rkv, _ = _bwd_oracle(q, kv, idx, topk_len, sink if has_sink else None, dout, sm_scale)
    dq.copy_(rq.to(dq.dtype))
    dkv.add_(rkv.reshape(dkv.shape).float())
    delta.copy_((out.float() * dout.float()).sum(-1))


class _BwdTriton(Triton):
    """The Triton fall-back, standing in: records the call and computes the oracle (dkv in kv's dtype
    when deterministic, added into the fp32 dkv otherwise)."""

    def launch(self, q, kv, indices, topk_length, attn_sink, out, dout, lse, dq, dkv, delta, *, sm_scale,
               deterministic=False, dsink=None, schedule=None):
        self.calls.append({"deterministic": deterministic, "schedule": schedule})
        rq, rkv, rs = _bwd_oracle(q, kv, indices, topk_length, attn_sink, dout, sm_scale)
        dq.copy_(rq.to(dq.dtype))
        if deterministic:
            dkv.copy_(rkv.to(dkv.dtype))
        else:
            dkv.add_(rkv.float())
        delta.copy_((out.float() * dout.float()).sum(-1))
        if dsink is not None and rs is not None:
            dsink.copy_(-(delta * (1.0 - torch.sigmoid(lse - attn_sink[None, :]))).sum(0))


@pytest.mark.parametrize("d_qk", [576, 512])
def test_bwd_adapter_passes_the_operators_verify(d_qk):
    from dsagen.operators.sparse_mla_bwd import problem as mla_bwd

    k, t = Stand(_bwd_kernel, {"h_q": 16, "d_qk": d_qk}), _BwdTriton()
    m = _module("sparse_mla_bwd", k, {"h_q": 16, "d_qk": d_qk}, t)
    prob = {"h_q": 16, "d_qk": d_qk, "d_v": 512, "topk": 40, "s_q": 4, "s_kv": 64}
    r = mla_bwd.verify(m, prob, "cpu")
    assert r["passed"], r
    # the atomic case ran the TileLang kernel (dsink from its Delta), the deterministic one Triton
    assert len(k.calls) == 1
    assert [c["deterministic"] for c in t.calls] == [True]
    # verification (strict: no Triton behind it): the deterministic case is declined, not failed
    k2 = Stand(_bwd_kernel, {"h_q": 16, "d_qk": d_qk})
    r = mla_bwd.verify(_module("sparse_mla_bwd", k2, {"h_q": 16, "d_qk": d_qk}, strict=True), prob, "cpu")
    assert r["passed"] and "declined: " in r["shapes"] and r["shapes"].endswith("_det)"), r
    assert len(k2.calls) == 1


def test_bwd_adapter_falls_back_for_what_it_cannot_serve():
    from dsagen.operators.sparse_mla_bwd.problem import instance

    k, t = Stand(_bwd_kernel, {"h_q": 16, "d_qk": 576}), _BwdTriton()
    m = _module("sparse_mla_bwd", k, {"h_q": 16, "d_qk": 576}, t)

    def args(h_q, det=False, dq_dtype=torch.bfloat16):
        x, scale = instance(h_q, 576, 8, 4, 50)
        dq = torch.empty(x["q"].shape, dtype=dq_dtype)
        dkv = torch.empty(x["kv"].shape, dtype=torch.bfloat16) if det else torch.zeros(x["kv"].shape)
        delta, dsink = torch.empty(4, h_q), torch.empty(h_q)
        return x, scale, dq, dkv, delta, dsink

    def call(a, **kw):
        x, scale, dq, dkv, delta, dsink = a
        m.launch(x["q"], x["kv"], x["indices"], x["topk_length"], x["attn_sink"], x["out"], x["dout"], x["lse"],
                 dq, dkv, delta, sm_scale=scale, dsink=dsink, **kw)

    call(args(32))                                            # other h_q
    call(args(16, det=True), deterministic=True)              # deterministic dkv
    call(args(16), schedule={"BLOCK_H": 16})                  # explicit Triton schedule
    call(args(16, dq_dtype=torch.float32))                    # not bf16
    assert len(t.calls) == 4 and not k.calls
    a = args(16)
    call(a)
    assert len(k.calls) == 1 and len(t.calls) == 4
    x, scale, dq, dkv, delta, dsink = a
    rq, rkv, rs = _bwd_oracle(x["q"], x["kv"], x["indices"], x["topk_length"], x["attn_sink"], x["dout"], scale)
    assert torch.allclose(dq.double(), rq, atol=2e-2) and torch.allclose(dkv.double(), rkv, atol=2e-2)
    assert torch.allclose(dsink.double(), rs, rtol=5e-2, atol=5e-2)
    with pytest.raises(ValueError, match="cannot run this call"):
        s = _module("sparse_mla_bwd", k, {"h_q": 16, "d_qk": 576}, strict=True)
        x, scale, dq, dkv, delta, dsink = args(16, det=True)
        s.launch(x["q"], x["kv"], x["indices"], x["topk_length"], x["attn_sink"], x["out"], x["dout"], x["lse"],
                 dq, dkv, delta, sm_scale=scale, deterministic=True, dsink=dsink)


def test_verify_fails_when_every_case_is_declined():
    from dsagen.operators.sparse_mla_bwd import problem as mla_bwd

    k = Stand(_bwd_kernel, {"h_q": 64, "d_qk": 576})
    m = _module("sparse_mla_bwd", k, {"h_q": 64, "d_qk": 576}, strict=True)   # built for 64 heads
    r = mla_bwd.verify(m, {"h_q": 16, "d_qk": 576, "d_v": 512, "topk": 40, "s_q": 4, "s_kv": 64}, "cpu")
    assert not r["passed"] and "declined: " in r["shapes"] and not k.calls, r
