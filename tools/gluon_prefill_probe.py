"""Compile-only probe of the Gluon route to sm90 sparse MLA prefill / decode without spills (issue 14).

Triton 3.6's `tl.dot` kernels cannot hold FlashMLA's sm90 prefill split: with 8 warps and 64 heads
Triton splits every accumulator's N over the two warpgroups, so the logits of a 64-key tile are
HGMMA 64x32 and a 128-key tile spills (tests/test_compiled_record.py GAPS). Gluon
(`triton.experimental.gluon`, shipped with Triton 3.6) lets each warp partition own its layout and
register budget, so this probe builds the skeleton of that split and reads what ptxas made of it:

    partition 0 (default, 4 warps): S = q K^T (latent 512 + RoPE 64, 64 heads x BN keys), online
        softmax, P to shared memory, O[:, :256] += P V[:, :256]
    partition 1 (4 warps):          O[:, 256:] += P V[:, 256:] from the same P and KV tile
    partition 2 (loader warps):     gathers BN latent rows by index with 16-byte cp.async

It is NOT a kernel: no barriers order the partitions (liveness and instruction selection only), and
nothing here runs. The prefill kernel built on this skeleton is templates/sparse_mla_prefill/gluon.py
(with its mbarrier protocol, masks and epilogue; tested by CPU emulation of its source and, on an
sm90 GPU, compiled); the --fp8-decode skeleton has no kernel yet.

With --fp8-decode the loader partition reads decode's FP8 cache (656 bytes a token) and
dequantises each tile once into the bf16 tile both compute partitions read (FlashMLA's producer
dequant; the Triton decode dequantises in the MMA warps, beside the accumulator).

    python tools/gluon_prefill_probe.py [--fp8-decode] [--bn 64] [--loader-warps 4] [--loader-regs R] [--pv-regs R]

Prints the registers (the launch's, then each partition's setmaxnreg), spills, shared memory and
the tensor-core instruction census; exits 1 when anything spills or a wgmma has N < 64.
"""

import argparse
import re
import sys

import triton
from triton.backends.compiler import GPUTarget
from triton.experimental import gluon
from triton.experimental.gluon import language as gl
from triton.experimental.gluon._runtime import GluonASTSource
from triton.experimental.gluon.language.nvidia.ampere import async_copy
from triton.experimental.gluon.language.nvidia.hopper import fence_async_shared, warpgroup_mma

D_LATENT, D_ROPE, HEADS = 512, 64, 64


@gluon.jit
def _pv_half(p_smem, kv_smem, out_ptr, n_tiles, HALF: gl.constexpr):
    acc_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 256, 16])
    acc = gl.zeros([64, 256], gl.float32, acc_l)
    for _ in range(n_tiles):
        acc = warpgroup_mma(p_smem, kv_smem.slice(HALF * 256, 256, dim=1), acc)
    rows = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_l))
    cols = gl.arange(0, 256, layout=gl.SliceLayout(0, acc_l))
    gl.store(out_ptr + rows[:, None] * 512 + HALF * 256 + cols[None, :], acc.to(gl.bfloat16))


@gluon.jit
def _logits_softmax_pv(q_smem, qr_smem, kv_smem, kr_smem, p_smem, out_ptr, n_tiles, scale, BN: gl.constexpr):
    s_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, BN, 16])
    acc_l: gl.constexpr = gl.NVMMADistributedLayout(version=[3, 0], warps_per_cta=[4, 1], instr_shape=[16, 256, 16])
    acc = gl.zeros([64, 256], gl.float32, acc_l)
    m = gl.full([64], -1.0e30, gl.float32, gl.SliceLayout(1, s_l))
    l = gl.zeros([64], gl.float32, gl.SliceLayout(1, s_l))
    for _ in range(n_tiles):
        s = gl.zeros([64, BN], gl.float32, s_l)
        s = warpgroup_mma(q_smem, kv_smem.permute((1, 0)), s)
        s = warpgroup_mma(qr_smem, kr_smem.permute((1, 0)), s)
        s = s * scale
        m_new = gl.maximum(m, gl.max(s, axis=1))
        alpha = gl.exp2(m - m_new)
        p = gl.exp2(s - m_new[:, None])
        l = l * alpha + gl.sum(p, axis=1)
        m = m_new
        p_smem.store(p.to(gl.bfloat16))
        fence_async_shared()
        a = gl.convert_layout(alpha, gl.SliceLayout(1, acc_l))
        acc = warpgroup_mma(p_smem, kv_smem.slice(0, 256, dim=1), acc * a[:, None])
    rows = gl.arange(0, 64, layout=gl.SliceLayout(1, acc_l))
    cols = gl.arange(0, 256, layout=gl.SliceLayout(0, acc_l))
    inv = gl.convert_layout(1.0 / l, gl.SliceLayout(1, acc_l))
    gl.store(out_ptr + rows[:, None] * 512 + cols[None, :], (acc * inv[:, None]).to(gl.bfloat16))


@gluon.jit
def _gather(kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN: gl.constexpr, LW: gl.constexpr):
    ld_l: gl.constexpr = gl.BlockedLayout([1, 8], [4, 8], [LW, 1], [1, 0])  # 8 bf16 = 16 bytes a lane
    for i in range(n_tiles):
        r = gl.arange(0, BN, layout=gl.SliceLayout(1, ld_l))
        idx = gl.load(idx_ptr + i * BN + r)
        row = kv_ptr + idx.to(gl.int64)[:, None] * 576
        c = gl.arange(0, 512, layout=gl.SliceLayout(0, ld_l))
        async_copy.async_copy_global_to_shared(kv_smem, row + c[None, :], mask=(idx >= 0)[:, None])
        cr = gl.arange(0, 64, layout=gl.SliceLayout(0, ld_l))
        async_copy.async_copy_global_to_shared(kr_smem, row + 512 + cr[None, :], mask=(idx >= 0)[:, None])
        async_copy.commit_group()
        async_copy.wait_group(0)


@gluon.jit
def _gather_dequant(kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN: gl.constexpr, LW: gl.constexpr):
    # decode's FP8 cache (656 bytes a token: 512 e4m3, 4 fp32 scales, 64 bf16 RoPE), dequantised once
    # into the bf16 tile both compute partitions read: the producer does the dequant, not the MMA warps
    ld_l: gl.constexpr = gl.BlockedLayout([1, 16], [8, 4], [LW, 1], [1, 0])
    rp_l: gl.constexpr = gl.BlockedLayout([1, 8], [4, 8], [LW, 1], [1, 0])
    for i in range(n_tiles):
        r = gl.arange(0, BN, layout=gl.SliceLayout(1, ld_l))
        idx = gl.load(idx_ptr + i * BN + r)
        row = kv_ptr.to(gl.pointer_type(gl.uint8), bitcast=True) + idx.to(gl.int64)[:, None] * 656
        for g in gl.static_range(4):
            c = gl.arange(0, 128, layout=gl.SliceLayout(0, ld_l))
            raw = gl.load(row + g * 128 + c[None, :], mask=(idx >= 0)[:, None], other=0)
            sc = gl.load((row + 512 + 4 * g).to(gl.pointer_type(gl.float32), bitcast=True))
            x = raw.to(gl.float8e4nv, bitcast=True).to(gl.float32) * sc
            kv_smem.slice(g * 128, 128, dim=1).store(x.to(gl.bfloat16))
        rr = gl.arange(0, BN, layout=gl.SliceLayout(1, rp_l))
        idr = gl.load(idx_ptr + i * BN + rr)
        rrow = kv_ptr.to(gl.pointer_type(gl.uint8), bitcast=True) + idr.to(gl.int64)[:, None] * 656 + 528
        cr = gl.arange(0, 64, layout=gl.SliceLayout(0, rp_l))
        async_copy.async_copy_global_to_shared(kr_smem, rrow.to(gl.pointer_type(gl.bfloat16), bitcast=True)
                                               + cr[None, :], mask=(idr >= 0)[:, None])
        async_copy.commit_group()
        async_copy.wait_group(0)


@gluon.jit
def _load(kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN: gl.constexpr, LW: gl.constexpr, FP8: gl.constexpr):
    if FP8:
        _gather_dequant(kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN, LW)
    else:
        _gather(kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN, LW)


@gluon.jit
def probe_kernel(q_ptr, kv_ptr, idx_ptr, out_ptr, n_tiles, scale, BN: gl.constexpr, LW: gl.constexpr,
                 LR: gl.constexpr, PR: gl.constexpr, FP8: gl.constexpr):
    q_smem = gl.allocate_shared_memory(gl.bfloat16, [64, 512], gl.NVMMASharedLayout.get_default_for([64, 512], gl.bfloat16))
    qr_smem = gl.allocate_shared_memory(gl.bfloat16, [64, 64], gl.NVMMASharedLayout.get_default_for([64, 64], gl.bfloat16))
    kv_smem = gl.allocate_shared_memory(gl.bfloat16, [BN, 512], gl.NVMMASharedLayout.get_default_for([BN, 512], gl.bfloat16))
    kr_smem = gl.allocate_shared_memory(gl.bfloat16, [BN, 64], gl.NVMMASharedLayout.get_default_for([BN, 64], gl.bfloat16))
    p_smem = gl.allocate_shared_memory(gl.bfloat16, [64, BN], gl.NVMMASharedLayout.get_default_for([64, BN], gl.bfloat16))
    gl.warp_specialize([(_logits_softmax_pv, (q_smem, qr_smem, kv_smem, kr_smem, p_smem, out_ptr, n_tiles, scale, BN)),
                        (_pv_half, (p_smem, kv_smem, out_ptr, n_tiles, 1)),
                        (_load, (kv_ptr, idx_ptr, kv_smem, kr_smem, n_tiles, BN, LW, FP8))], [4, LW], [PR, LR])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bn", type=int, default=64, help="keys per tile (the logits' wgmma N)")
    ap.add_argument("--loader-warps", type=int, default=4)
    ap.add_argument("--loader-regs", type=int, help="setmaxnreg of the loader partition (24; 64 with --fp8-decode)")
    ap.add_argument("--pv-regs", type=int,
                    help="setmaxnreg of partition 1 (232; 192 with --fp8-decode); the default partition takes 256")
    ap.add_argument("--fp8-decode", action="store_true",
                    help="decode's FP8 cache: the loader partition dequantises into the bf16 tile")
    a = ap.parse_args(argv)
    # 4 warps each: 256 + pv + loader = 512 registers a lane fill the register file exactly
    a.loader_regs = a.loader_regs or (64 if a.fp8_decode else 24)  # the dequant spills 704 B at 24
    a.pv_regs = a.pv_regs or (512 - 256 - a.loader_regs)
    from dsagen.gen.aot import _cuobjdump, resource_usage
    from dsagen.gen.isa import cubin_sass, sass_census

    sig = {"q_ptr": "*bf16", "kv_ptr": "*bf16", "idx_ptr": "*i32", "out_ptr": "*bf16", "n_tiles": "i32", "scale": "fp32",
           "BN": "constexpr", "LW": "constexpr", "LR": "constexpr", "PR": "constexpr", "FP8": "constexpr"}
    consts = {"BN": a.bn, "LW": a.loader_warps, "LR": a.loader_regs, "PR": a.pv_regs, "FP8": a.fp8_decode}
    if a.fp8_decode:
        sig["kv_ptr"] = "*u8"
    src = GluonASTSource(probe_kernel, sig, consts,
                         attrs={(i,): [["tt.divisibility", 16]] for i in range(4)})  # 16-byte aligned pointers
    k = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": 4})
    regs, spill = resource_usage(k, triton)
    sass = cubin_sass(k.asm["cubin"], _cuobjdump(triton))
    census = sass_census(sass)
    grow = sorted({int(v, 16) for v in re.findall(r"USETMAXREG\.TRY_ALLOC\.CTAPOOL \w+, (0x[0-9a-f]+)", sass)})
    shrink = sorted({int(v, 16) for v in re.findall(r"USETMAXREG\.DEALLOC\.CTAPOOL (0x[0-9a-f]+)", sass)})
    print(f"sm_90a {'FP8 decode' if a.fp8_decode else 'prefill'}, BN {a.bn}, loader {a.loader_warps} warps: launch registers {regs}, setmaxnreg up to {grow} / "
          f"down to {shrink}, spill {spill} B, shared {k.metadata.shared} B (one KV stage)")
    print("wgmma:", census["gmma_shapes"], "mma.sync:", census["mma_shapes"] or "none")
    narrow = [s for s in census["gmma_shapes"] if int(re.search(r"\d+x(\d+)x", s).group(1)) < 64]
    return 1 if spill or narrow or census["mma_shapes"] or not census["gmma_shapes"] else 0


if __name__ == "__main__":
    sys.exit(main())
