"""Numerics shared by the kernels and their checks: bf16 stores round to nearest even on the CPU
path as they do on a GPU, and the peers' acceptance rule (dsagen.tolerances.PeerCheck) can fail."""

import pytest
import torch

from dsagen import tolerances
from dsagen.runtime.dispatch import template_module
from dsagen.runtime.triton_env import import_triton

BF16_TEMPLATES = ("sparse_mla_prefill", "sparse_mla_decode")


def _special_values() -> torch.Tensor:
    """Fresh random fp32 values plus the cases rounding gets wrong: exact ties (to even, both
    ways), a carry into the exponent, overflow to inf, subnormals, signed zero, inf, NaN."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4096, generator=g) * torch.exp2(torch.randint(-20, 20, (4096,), generator=g).float())
    special = [1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8), 2 - 2**-9, 3.3895e38, -3.3895e38, 1e-40, -1e-41,
               0.0, -0.0, float("inf"), float("-inf"), float("nan")]
    x[: len(special)] = torch.tensor(special)
    return x


triton = import_triton()
import triton.language as tl  # noqa: E402

to_out_under_test = None   # the template's _to_out, set by the test (the interpreter resolves globals)


@triton.jit
def store_kernel(x_ptr, o_ptr, n, B: tl.constexpr):
    i = tl.arange(0, B)
    x = tl.load(x_ptr + i, mask=i < n)
    tl.store(o_ptr + i, to_out_under_test(x, o_ptr.dtype.element_ty, True), mask=i < n)


@pytest.mark.parametrize("template", BF16_TEMPLATES)
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_output_cast_rounds_like_the_gpu(template, dtype, monkeypatch):
    """The templates' output cast on the interpreter path equals torch's .to() (round to nearest
    even, as cvt.rn on the GPU), bit for bit; Triton 3.6's own interpreter cast truncates bf16."""
    monkeypatch.setitem(globals(), "to_out_under_test", template_module(template)._to_out)
    x = _special_values()
    out = torch.full(x.shape, float("nan"), dtype=dtype)
    store_kernel[(1,)](x, out, x.numel(), B=x.numel())
    ref = x.to(dtype)
    same = (out.view(torch.int16) == ref.view(torch.int16)) | (torch.isnan(out) & torch.isnan(ref))
    assert bool(same.all()), f"{int((~same).sum())} of {x.numel()} values rounded differently from torch"


def test_peer_check_passes_equal_and_bf16_rounded_values():
    g = torch.Generator().manual_seed(2)
    ref = torch.randn(64, 512, generator=g)
    ref[0, :3] = torch.tensor([float("inf"), float("-inf"), float("nan")])
    assert tolerances.peer_mismatch(ref.clone(), ref, tolerances.MLA_DECODE_OUT) == ""
    assert tolerances.peer_mismatch(ref.bfloat16().float(), ref, tolerances.MLA_PREFILL_OUT) == ""


@pytest.mark.parametrize("fault", ["inf_moved", "nan_added", "one_far", "all_biased", "shape"])
def test_peer_check_fails(fault):
    g = torch.Generator().manual_seed(3)
    ref = torch.randn(64, 512, generator=g)
    ans = ref.clone()
    if fault == "inf_moved":
        ref[0, 0] = float("inf")
        ans[0, 1] = float("inf")
    elif fault == "nan_added":
        ans[5, 5] = float("nan")
    elif fault == "one_far":
        ans[7, 9] += 0.5
    elif fault == "all_biased":   # every element inside rtol, the cosine diff beyond 5e-6
        ans = ref * 1.01
    else:
        ans = ans[:, :256]
    why = tolerances.peer_mismatch(ans, ref, tolerances.MLA_DECODE_OUT)
    assert why, f"{fault} passed the check"
    with pytest.raises(AssertionError):
        tolerances.assert_peer_close(ans, ref, tolerances.MLA_DECODE_OUT, fault)


def test_rope_pair_rule_measures_a_rotated_element_against_its_pair():
    """An error of 1% of a rotated pair's magnitude in its small element passes with rope_pairs (it is
    what one bf16 ulp of the pair becomes after the rotation) and fails without; 5% of the pair fails
    either way, and channels outside the rope part keep the element rule."""
    g = torch.Generator().manual_seed(4)
    ref = torch.randn(8, 512, generator=g).double()
    ref[0, 448], ref[0, 449] = 0.02, 0.8               # a small element rotated out of a large pair
    near, far, latent = ref.clone(), ref.clone(), ref.clone()
    near[0, 448] += 0.008                              # 1% of |pair| ~ 0.8, 40% of the element
    far[0, 448] += 0.04                                # 5% of the pair
    latent[0, 10] = ref[0, 10] * 1.05 + 0.01           # a latent channel 5% off
    rule = tolerances.MLA_DECODE_OUT
    assert tolerances.peer_mismatch(near, ref, rule)
    assert tolerances.peer_mismatch(near, ref, rule, rope_pairs=64) == ""
    assert tolerances.peer_mismatch(far, ref, rule, rope_pairs=64)
    assert tolerances.peer_mismatch(latent, ref, rule, rope_pairs=64)
