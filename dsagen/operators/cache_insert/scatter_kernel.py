"""A byte-row scatter kernel for the cache inserts (imported lazily: it imports triton)."""

from dsagen.runtime.triton_env import import_triton

triton = import_triton()
import triton.language as tl  # noqa: E402


@triton.jit
def scatter_rows_kernel(
    dst_ptr, src_ptr, slot_ptr, src_stride,
    rows_per_block, block_stride, row_stride, base,
    N_COLS: tl.constexpr, BLOCK: tl.constexpr,
):
    """Copy src row t (N_COLS bytes) to dst at the paged slot slot[t]; a negative slot is skipped.

    Byte address of slot s: (s // rows_per_block) * block_stride + (s % rows_per_block) * row_stride + base.
    """
    t = tl.program_id(0)
    slot = tl.load(slot_ptr + t).to(tl.int64)
    if slot >= 0:
        dst = dst_ptr + (slot // rows_per_block) * block_stride + (slot % rows_per_block) * row_stride + base
        for c0 in tl.static_range(0, N_COLS, BLOCK):
            cols = c0 + tl.arange(0, BLOCK)
            m = cols < N_COLS
            v = tl.load(src_ptr + t.to(tl.int64) * src_stride + cols, mask=m)
            tl.store(dst + cols, v, mask=m)


def scatter_rows(dst, src, slots, rows_per_block, block_stride, row_stride, base=0):
    """dst uint8 (flat storage), src uint8 [T, n_cols] contiguous, slots int [T]."""
    t, n_cols = src.shape
    if t == 0:
        return
    scatter_rows_kernel[(t,)](
        dst, src, slots, src.stride(0), rows_per_block, block_stride, row_stride, base, N_COLS=n_cols, BLOCK=256
    )
