"""Lightning-indexer logits, paged (decode / speculative decode): DeepGEMM's packed FP8 cache.

q e4m3 [B, next_n, H, D]; kv_cache uint8 [num_blocks, block_kv, 1, D+4] where inside one block
the block_kv * D fp8 bytes come first (token-major), then block_kv fp32 scales; block_table
int32 [B, max_blocks]; context_lens int32 [B] (2025 DeepGEMM: row (b, i), output row
b * next_n + i, sees logical positions pos <= context_lens[b] - next_n + i) or int32
[B, next_n] (DeepGEMM main: row (b, i) sees pos < context_lens[b, i], any lengths, 0 included):

    out[b * next_n + i, pos] = sum_h relu(q[b, i, h] . k[pos]) * weights[b * next_n + i, h] * scale[pos]

One program per (sequence, BLOCK_Q of its next_n rows, chunk of BLOCK_N * TILES_N positions).
The BLOCK_Q rows' heads form a [BLOCK_Q * HP, D] operand loaded once; each BLOCK_N positions of
the chunk are gathered through block_table
(D contiguous bytes per token, so loads stay coalesced) into a [D, BLOCK_N] operand; one
tl.dot with fp32 accumulation, then ReLU, weights, head reduction and scale in fp32. The
kernel reads the packed bytes directly: fp8 bytes at block * block_bytes + off * D, the scale
(fp32) at block * block_bytes + block_kv * D + 4 * off. Positions at or past context_lens[b]
are never loaded (their cache slots and block_table entries may hold anything), and tiles
wholly past the context skip the dot. A position whose block_table entry is outside
[0, num_blocks) is not visible and its block is never read (the oracle says the same). CLEAN
writes -inf where not visible; without it only visible positions are written.
"""

import torch
import triton
import triton.language as tl

from dsagen.runtime.targets import FP8_CODE, FP8_NATIVE, fp8_mode, fp8_mode_for
from dsagen.runtime.triton_casts import fp8_dot_unscale, fp8_operand  # e4m3fn bytes on every target

# <dsagen:schedule>
SCHEDULE = {"BLOCK_Q": 2, "BLOCK_N": 64, "TILES_N": 4, "num_warps": 8, "num_stages": 2}
# </dsagen:schedule>


@triton.jit
def indexer_logits_paged_kernel(
    q_ptr, kv_ptr, kv_f32_ptr, w_ptr, ctx_ptr, table_ptr, out_ptr,
    next_n, max_ctx, n_q_tiles, num_blocks,
    stride_qb, stride_qn, stride_qh, stride_block, stride_tb, stride_ws, stride_os, stride_cb,
    H: tl.constexpr, HP: tl.constexpr, D: tl.constexpr, BLOCK_KV: tl.constexpr,
    BLOCK_Q: tl.constexpr, BLOCK_N: tl.constexpr, TILES_N: tl.constexpr,
    CLEAN: tl.constexpr, UPCAST: tl.constexpr, FP8: tl.constexpr, PER_ROW: tl.constexpr,
):
    pid = tl.program_id(0)
    pid_n = tl.program_id(1)
    b = pid // n_q_tiles
    qt = pid % n_q_tiles
    ii = qt * BLOCK_Q + tl.arange(0, BLOCK_Q)  # draft index inside the batch
    i_ok = ii < next_n
    if PER_ROW:  # context_lens [B, next_n]: each row its own length; the tile reads up to the longest
        row_len = tl.load(ctx_ptr + b.to(tl.int64) * stride_cb + ii, mask=i_ok, other=0)
        last = row_len - 1
        ctx = tl.max(tl.where(i_ok, row_len, 0), axis=0)
    else:
        ctx = tl.load(ctx_ptr + b)
        last = ctx - next_n + ii  # row ii sees pos <= last
    out_rows = (b * next_n + ii).to(tl.int64)
    # this program's positions [c0, c1); the cache is read for [c0, e) only (positions < context)
    c0 = pid_n * (BLOCK_N * TILES_N)
    c1 = tl.minimum(c0 + BLOCK_N * TILES_N, max_ctx)
    e = tl.minimum(tl.maximum(tl.minimum(ctx, max_ctx), c0), c1)
    if e > c0:
        M: tl.constexpr = BLOCK_Q * HP
        m = tl.arange(0, M)
        mi = qt * BLOCK_Q + m // HP
        hh = m % HP
        m_ok = (mi < next_n) & (hh < H)
        ds = tl.arange(0, D)
        q = tl.load(q_ptr + b.to(tl.int64) * stride_qb + mi[:, None] * stride_qn + hh[:, None] * stride_qh
                    + ds[None, :], mask=m_ok[:, None], other=0.0)
        w = tl.load(w_ptr + (b * next_n + mi).to(tl.int64) * stride_ws + hh, mask=m_ok, other=0.0)
        q = fp8_operand(q, FP8, UPCAST)
        for n0 in range(c0, e, BLOCK_N):
            pos = n0 + tl.arange(0, BLOCK_N)
            pc = tl.minimum(pos, e - 1)  # positions inside the context only: no stray reads
            blk = tl.load(table_ptr + b.to(tl.int64) * stride_tb + pc // BLOCK_KV)
            blk_ok = (blk >= 0) & (blk < num_blocks)  # a bad block id is not read, and not visible
            off = pc % BLOCK_KV
            base = tl.where(blk_ok, blk, 0).to(tl.int64) * stride_block
            kt = tl.load(kv_ptr + (base + off * D)[:, None] + ds[None, :], mask=blk_ok[:, None], other=0.0)
            sc = tl.load(kv_f32_ptr + (base + BLOCK_KV * D) // 4 + off, mask=blk_ok, other=0.0)
            kt = fp8_operand(kt, FP8, UPCAST)
            s = fp8_dot_unscale(tl.dot(q, tl.trans(kt)), FP8)  # [BLOCK_Q * HP, BLOCK_N], fp32 accumulation
            s = tl.maximum(s, 0.0) * w[:, None]
            logit = tl.sum(tl.reshape(s, (BLOCK_Q, HP, BLOCK_N)), axis=1) * sc[None, :]
            visible = (pos[None, :] <= last[:, None]) & blk_ok[None, :]
            o_ptrs = out_ptr + out_rows[:, None] * stride_os + pos[None, :]
            o_mask = i_ok[:, None] & (pos < c1)[None, :]
            if CLEAN:
                tl.store(o_ptrs, tl.where(visible, logit, float("-inf")), mask=o_mask)
            else:
                tl.store(o_ptrs, logit, mask=o_mask & visible)
    if CLEAN:
        for n0 in range(c0 + tl.cdiv(e - c0, BLOCK_N) * BLOCK_N, c1, BLOCK_N):
            pos = n0 + tl.arange(0, BLOCK_N)
            tl.store(out_ptr + out_rows[:, None] * stride_os + pos[None, :],
                     tl.full((BLOCK_Q, BLOCK_N), float("-inf"), tl.float32),
                     mask=i_ok[:, None] & (pos < c1)[None, :])


def _hp(h: int) -> int:
    return triton.next_power_of_2(h)


def _block_q(schedule, next_n: int, h: int) -> int:
    """The schedule's BLOCK_Q, no more than next_n needs, at least 16 dot rows."""
    bq = min(schedule["BLOCK_Q"], triton.next_power_of_2(next_n))
    return max(bq, 16 // min(_hp(h), 16))


def launch(q, kv_cache, weights, context_lens, block_table, out, *, max_context_len, clean=True,
           schedule=None, fp8_mode=None):
    """q e4m3 [B, next_n, H, D], kv_cache uint8 [nb, block_kv, 1, D+4] (contiguous), weights fp32
    [B*next_n, H], context_lens int32 [B] or [B, next_n] (unit last stride; the 2-D lengths at most
    max_context_len), block_table int32 [B, max_blocks], out fp32 [B*next_n, max_context_len] (unit
    column stride). fp8_mode: how the e4m3 bytes are read (dsagen.runtime.targets; default: the
    device's own)."""
    sch = schedule or SCHEDULE
    bsz, next_n, h, d = q.shape
    if bsz == 0 or max_context_len == 0:
        return
    block_kv = kv_cache.shape[1]
    mode = fp8_mode or fp8_mode_for(q.device)
    kv_u8 = kv_cache.view(torch.uint8)
    kv_bytes = kv_u8.view(torch.float8_e4m3fn) if mode == FP8_NATIVE else kv_u8  # soft, fnuz: bytes
    kv_f32 = kv_u8.view(torch.float32)
    if mode != FP8_NATIVE:
        q = q.view(torch.uint8)
    bq = _block_q(sch, next_n, h)
    n_q_tiles = triton.cdiv(next_n, bq)
    bn = sch["BLOCK_N"]
    tiles = sch.get("TILES_N", 1)
    grid = (bsz * n_q_tiles, triton.cdiv(max_context_len, bn * tiles))
    indexer_logits_paged_kernel[grid](
        q, kv_bytes, kv_f32, weights, context_lens, block_table, out,
        next_n, max_context_len, n_q_tiles, kv_cache.shape[0],
        q.stride(0), q.stride(1), q.stride(2), kv_u8.stride(0), block_table.stride(0), weights.stride(0),
        out.stride(0), context_lens.stride(0) if context_lens.dim() == 2 else 0,
        H=h, HP=_hp(h), D=d, BLOCK_KV=block_kv, BLOCK_Q=bq, BLOCK_N=bn, TILES_N=tiles,
        CLEAN=bool(clean), UPCAST=q.device.type == "cpu", FP8=FP8_CODE[mode],
        PER_ROW=context_lens.dim() == 2,
        num_warps=sch["num_warps"], num_stages=sch["num_stages"],
    )


def aot_kernels(problem, schedule):
    """problem: heads, head_dim, next_n, block_kv (batch, context_len unused), optional arch (sm90)."""
    h, d = problem["heads"], problem["head_dim"]
    mode = fp8_mode(problem.get("arch", "sm90"))
    elt = "*fp8e4nv" if mode == FP8_NATIVE else "*u8"
    sig = {
        "q_ptr": elt, "kv_ptr": elt, "kv_f32_ptr": "*fp32", "w_ptr": "*fp32", "ctx_ptr": "*i32",
        "table_ptr": "*i32", "out_ptr": "*fp32",
        "next_n": "i32", "max_ctx": "i32", "n_q_tiles": "i32", "num_blocks": "i32",
        "stride_qb": "i32", "stride_qn": "i32", "stride_qh": "i32", "stride_block": "i32", "stride_tb": "i32",
        "stride_ws": "i32", "stride_os": "i32", "stride_cb": "i32",
        "H": "constexpr", "HP": "constexpr", "D": "constexpr", "BLOCK_KV": "constexpr",
        "BLOCK_Q": "constexpr", "BLOCK_N": "constexpr", "TILES_N": "constexpr",
        "CLEAN": "constexpr", "UPCAST": "constexpr", "FP8": "constexpr", "PER_ROW": "constexpr",
    }
    consts = {"H": h, "HP": _hp(h), "D": d, "BLOCK_KV": problem.get("block_kv", 64),
              "BLOCK_Q": _block_q(schedule, problem.get("next_n", 1), h), "BLOCK_N": schedule["BLOCK_N"],
              "TILES_N": schedule.get("TILES_N", 1),
              "CLEAN": True, "UPCAST": False, "FP8": FP8_CODE[mode], "PER_ROW": bool(problem.get("per_row_lens"))}
    # What the JIT specializes at a launch of this problem (16-aligned pointers, ints that are
    # multiples of 16), so the AOT compile and its census are the launched kernel's
    # (dsagen.gen.aot.divisibility_attrs): q [B, next_n, H, D], the cache's block_kv * (D + 4)
    # byte blocks, weights [B * next_n, H], out [B * next_n, context_len].
    nn, bkv, ctx = problem.get("next_n", 1), problem.get("block_kv", 64), problem.get("context_len", 1)
    ints = {"next_n": nn, "max_ctx": ctx, "stride_qb": nn * h * d, "stride_qn": h * d, "stride_qh": d,
            "stride_block": bkv * (d + 4), "stride_ws": h, "stride_os": ctx}
    return [{"name": "indexer_logits_paged_kernel", "fn": indexer_logits_paged_kernel, "signature": sig,
             "constexprs": consts, "ints": ints,
             "num_warps": schedule["num_warps"], "num_stages": schedule["num_stages"]}]
