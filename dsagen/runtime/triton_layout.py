"""The layout workaround Triton kernels need on tcgen05 targets (imported by templates/*/triton.py
and the kernels generated from them; this module imports triton, so it is loaded only with a kernel).

Triton 3.6 crashes compiling for sm100 (TritonNvidiaGPUOptimizeTMemLayoutsPass: "parent layout must
have at least rank >= 2") when a value reduced from a tcgen05 accumulator (a 1-D slice of its layout)
is reduced again: the fused indexer + top-k's candidate counts and prefix sums, the indexer KL's
log-sum-exp and sums (AOT bisection, 2026-12-07). `relay` gives such a value a plain blocked layout
through memory; kernels call it only where dsagen.runtime.targets.tmem_relay(arch) says so."""

from dsagen.runtime.triton_env import import_triton

triton = import_triton()
import triton.language as tl  # noqa: E402


@triton.jit
def relay(x, buf, N: tl.constexpr):
    """x [N] (32-bit) read back from buf[0:N], the program's own (L1-resident) words, in the layout
    of a plain load. The first barrier makes every thread's store visible to the load; the second
    keeps the next store to buf behind every thread's load."""
    o = tl.arange(0, N)
    tl.store(buf + o, x.to(buf.dtype.element_ty, bitcast=True))
    tl.debug_barrier()
    y = tl.load(buf + o).to(x.dtype, bitcast=True)
    tl.debug_barrier()
    return y
