"""Drop-in replacements for DeepGEMM's lightning-indexer entry points (its semantics and
layouts, without its limits: any head count, head_dim 32/64/128/256, any next_n, any block_kv,
and any GPU Triton supports, sm80 included through software FP8 decoding).

- fp8_mqa_logits(q, kv, weights, cu_seq_len_k_start, cu_seq_len_k_end, clean_logits=True,
  max_seqlen_k=0)
- get_paged_mqa_logits_metadata(context_lens, block_kv, num_sms, indices=None)
- fp8_paged_mqa_logits(q, kv_cache, weights, context_lens, block_table, schedule_meta,
  max_context_len, clean_logits=False, indices=None)
- get_num_sms(), set_num_sms(new_num_sms)
- fp8_fp4_mqa_logits, fp8_fp4_paged_mqa_logits: DeepGEMM main's unified names (q as a pair
  (values, scales or None), logits_dtype fp32 or bf16); the FP8 path only, FP4 is refused

`indices` (DeepGEMM main: a request index per row of a varlen batch) is accepted as a keyword
and must be None: dsagen's paged indexer takes the [B, next_n] batch form only.

clean_logits=False. DeepGEMM (main, 2026-11) then leaves every position outside a row's
visible range unspecified: its kernels write whole KV tiles (for fp8_mqa_logits the union of
the ranges of a block of query rows, aligned down to 4 and up to 256 columns; for the paged
kernel every position of the context's last 64-token blocks), so such positions hold either
unmasked dot products of neighbouring keys (for the paged cache: of whatever bytes the slots
hold) or the uninitialised memory of torch.empty. Callers must mask by the ranges themselves
(top-k over [ks, ke) does). dsagen writes only visible positions and leaves the rest of the
output untouched (uninitialised memory from torch.empty): equally unspecified, never read from
the cache. With clean_logits=True invisible positions are exactly -inf (DeepGEMM's standalone
cleaner writes -1e38 in some versions; we always write -inf).

Outputs are plain contiguous tensors (DeepGEMM returns views of a buffer whose row stride is
padded to 1024 bytes; only the values are part of the contract).
"""

import os

import torch

from dsagen.operators.indexer_logits import api as _ragged_api
from dsagen.operators.indexer_logits_paged import api as _paged_api


def fp8_mqa_logits(q, kv, weights, cu_seq_len_k_start, cu_seq_len_k_end, clean_logits=True, max_seqlen_k=0):
    """Ragged indexer logits.

    q e4m3 [S, H, D]; kv = (e4m3 [S_kv, D], fp32 scale [S_kv]) (a scale of shape [S_kv, 1] is
    accepted); weights fp32 [S, H]; cu_seq_len_k_start / cu_seq_len_k_end int32 [S].
    max_seqlen_k == 0: returns fp32 [S, S_kv] with out[i, j] = sum_h relu(q[i,h] . k[j] *
    scale[j]) * weights[i,h] for ks[i] <= j < ke[i] (-inf elsewhere when clean_logits).
    max_seqlen_k > 0 (DeepGEMM's compressed logits; needs clean_logits=False): returns fp32
    [S, max_seqlen_k] with out[i, c] = logit(i, ks[i] + c) for c < ke[i] - ks[i] (the rest
    unspecified). This mode reads the ranges on the host (not CUDA-graph capturable).
    """
    if not isinstance(kv, (tuple, list)) or len(kv) != 2:
        raise ValueError("kv must be a pair (e4m3 [S_kv, D], fp32 scale [S_kv])")
    k, k_scale = kv
    if isinstance(k_scale, torch.Tensor) and k_scale.dim() == 2 and k_scale.shape[1] == 1:
        k_scale = k_scale[:, 0]
    if isinstance(max_seqlen_k, bool) or not isinstance(max_seqlen_k, int) or max_seqlen_k < 0:
        raise ValueError(f"max_seqlen_k must be a non-negative int, got {max_seqlen_k!r}")
    if max_seqlen_k == 0:
        return _ragged_api.indexer_logits(q, k, k_scale, weights, cu_seq_len_k_start, cu_seq_len_k_end,
                                   clean=bool(clean_logits))
    if clean_logits:
        raise ValueError("clean_logits must be False when max_seqlen_k > 0 (compressed logits), as in DeepGEMM")
    return _compressed(q, k, k_scale, weights, cu_seq_len_k_start, cu_seq_len_k_end, max_seqlen_k)


def _compressed(q, k, k_scale, weights, ks, ke, max_seqlen_k, rows_per_chunk=64):
    s_q = q.shape[0] if isinstance(q, torch.Tensor) and q.dim() == 3 else 0
    out = torch.empty(s_q, max_seqlen_k, dtype=torch.float32, device=q.device)
    s_kv = k.shape[0]
    ks_c = ks.long().clamp(0, s_kv)
    ke_c = torch.minimum(ke.long().clamp(0, s_kv), ks_c + max_seqlen_k)
    for r0 in range(0, s_q, rows_per_chunk):
        r1 = min(r0 + rows_per_chunk, s_q)
        lo, hi = int(ks_c[r0:r1].min()), int(ke_c[r0:r1].max())
        if hi <= lo:
            continue
        dense = _ragged_api.indexer_logits(q[r0:r1], k[lo:hi], k_scale[lo:hi], weights[r0:r1],
                                    (ks_c[r0:r1] - lo).to(torch.int32), (ke_c[r0:r1] - lo).to(torch.int32),
                                    clean=True)
        width = min(max_seqlen_k, hi - lo)
        cols = (ks_c[r0:r1, None] - lo) + torch.arange(width, device=q.device)[None, :]
        vals = dense.gather(1, cols.clamp_max(hi - lo - 1))
        valid = cols < (ke_c[r0:r1, None] - lo)
        block = out[r0:r1, :width]
        block.copy_(torch.where(valid, vals, block))
    return out


_num_sms_override = None


def _device_sms() -> int:
    """The current CUDA device's SM count; on a host without CUDA (the CPU path), the CPU count."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_properties(torch.cuda.current_device()).multi_processor_count
    return os.cpu_count() or 1


def set_num_sms(new_num_sms: int) -> None:
    """DeepGEMM's set_num_sms: the SM count get_num_sms reports from now on (1 .. the device's)."""
    global _num_sms_override
    if isinstance(new_num_sms, bool) or not isinstance(new_num_sms, int) or not 0 < new_num_sms <= _device_sms():
        raise ValueError(f"new_num_sms must be an int in [1, {_device_sms()}], got {new_num_sms!r}")
    _num_sms_override = new_num_sms


def get_num_sms() -> int:
    """DeepGEMM's get_num_sms: the value set by set_num_sms, else the device's SM count (on a host
    without CUDA: its CPU count, a positive number the schedule metadata accepts)."""
    return _num_sms_override if _num_sms_override is not None else _device_sms()


def _no_indices(fn: str, indices) -> None:
    if indices is not None:
        raise ValueError(f"{fn}: indices (a varlen request index per row) is not supported; pass None "
                         f"and the [batch, next_n] form")


def get_paged_mqa_logits_metadata(context_lens, block_kv, num_sms, indices=None):
    """DeepGEMM's split-KV schedule: int32 [num_sms + 1, 2].

    Each sequence b is cut into ceil(context_lens[b] / (4 * block_kv)) segments; the segments of
    all sequences, in order, are divided evenly over num_sms SMs. Row s holds (b, split) where
    SM s's work starts: sequence b, segment `split` of it; row num_sms is the end (batch, 0).
    context_lens may be int32 [B] or [B, next_n] (then the last column counts, as in DeepGEMM).
    dsagen's kernel does not need the schedule (it launches one program per tile), but computes
    it exactly so callers that inspect or reuse it keep working. No host sync.
    """
    _no_indices("get_paged_mqa_logits_metadata", indices)
    if not isinstance(context_lens, torch.Tensor) or context_lens.dtype not in (torch.int32, torch.int64) \
            or context_lens.dim() not in (1, 2):
        raise ValueError(f"context_lens must be an int32 tensor [B] or [B, next_n], got "
                         f"{getattr(context_lens, 'dtype', type(context_lens).__name__)}")
    if isinstance(block_kv, bool) or not isinstance(block_kv, int) or block_kv <= 0:
        raise ValueError(f"block_kv must be a positive int, got {block_kv!r}")
    if isinstance(num_sms, bool) or not isinstance(num_sms, int) or num_sms <= 0:
        raise ValueError(f"num_sms must be a positive int, got {num_sms!r}")
    lens = context_lens if context_lens.dim() == 1 else context_lens[:, -1]
    split_kv = 4 * block_kv
    lens = lens.long().clamp_min(0)
    prefix = torch.cumsum((lens + split_kv - 1) // split_kv, 0)  # [B]
    device = context_lens.device
    total = prefix[-1] if prefix.numel() else torch.zeros((), dtype=torch.long, device=device)
    per, rem = total // num_sms, total % num_sms
    sm = torch.arange(num_sms + 1, device=device)
    seg_start = sm * per + torch.minimum(sm, rem.expand_as(sm))
    q_idx = torch.searchsorted(prefix, seg_start, right=True)  # first b with prefix[b] > seg_start
    prev = torch.where(q_idx == 0, torch.zeros_like(seg_start),
                       prefix.gather(0, (q_idx - 1).clamp_min(0)) if prefix.numel() else torch.zeros_like(seg_start))
    return torch.stack([q_idx, seg_start - prev], dim=1).to(torch.int32)


def fp8_paged_mqa_logits(q, kv_cache, weights, context_lens, block_table, schedule_meta, max_context_len,
                         clean_logits=False, indices=None):
    """Paged indexer logits: q e4m3 [B, next_n, H, D], kv_cache uint8 [num_blocks, block_kv, 1, D+4]
    (per block: block_kv * D fp8 bytes, then block_kv fp32 scales), weights fp32 [B*next_n, H],
    context_lens int32 [B] (row (b, i) sees pos <= context_lens[b] - next_n + i) or [B, next_n]
    (DeepGEMM main: row (b, i) sees pos < context_lens[b, i]), block_table int32
    [B, max_blocks], schedule_meta from get_paged_mqa_logits_metadata (accepted, not needed).
    Returns fp32 [B*next_n, max_context_len].
    indices must be None (see the module docstring).
    """
    _no_indices("fp8_paged_mqa_logits", indices)
    if schedule_meta is not None and (not isinstance(schedule_meta, torch.Tensor) or schedule_meta.dim() != 2
                                      or schedule_meta.shape[1] != 2):
        raise ValueError(f"schedule_meta must be int32 [num_sms + 1, 2] (get_paged_mqa_logits_metadata), "
                         f"got {getattr(schedule_meta, 'shape', type(schedule_meta).__name__)}")
    if isinstance(max_context_len, torch.Tensor):
        raise ValueError("max_context_len must be a Python int")
    return _paged_api.indexer_logits_paged(q, kv_cache, weights, context_lens, block_table, max_context_len,
                                     clean=bool(clean_logits))


# ---- DeepGEMM main's unified FP8/FP4 names (2026) ---------------------------------------------
_LOGITS_DTYPES = (torch.float32, torch.bfloat16)


def _fp8_q(fn: str, q):
    """DeepGEMM's q = (values, scales or None): the FP8 path is (e4m3 values, None)."""
    values, q_sf = q if isinstance(q, (tuple, list)) else (q, None)
    if q_sf is not None or getattr(values, "dtype", None) != torch.float8_e4m3fn:
        raise ValueError(f"{fn}: q must be (float8_e4m3fn values, None): FP4 (MXFP4 values with ue8m0 scales, "
                         f"SM100 in DeepGEMM) has no dsagen kernel")
    return values


def _logits_dtype(fn: str, logits_dtype):
    if logits_dtype not in _LOGITS_DTYPES:
        raise ValueError(f"{fn}: logits_dtype must be torch.float32 or torch.bfloat16, got {logits_dtype!r}")
    return logits_dtype


def fp8_fp4_mqa_logits(q, kv, weights, cu_seq_len_k_start, cu_seq_len_k_end, clean_logits=True, max_seqlen_k=0,
                       logits_dtype=torch.float32):
    """DeepGEMM main's name for fp8_mqa_logits: q = (e4m3 [S, H, D], None), kv = (e4m3 [S_kv, D],
    fp32 scale [S_kv]); logits fp32, or bf16 (rounded from the fp32 logits). FP4 inputs are refused."""
    values = _fp8_q("fp8_fp4_mqa_logits", q)
    dtype = _logits_dtype("fp8_fp4_mqa_logits", logits_dtype)
    if isinstance(kv, (tuple, list)) and len(kv) == 2 and getattr(kv[0], "dtype", None) not in (None, torch.float8_e4m3fn):
        raise ValueError("fp8_fp4_mqa_logits: kv must be (float8_e4m3fn keys, fp32 scales): FP4 keys have no dsagen kernel")
    out = fp8_mqa_logits(values, kv, weights, cu_seq_len_k_start, cu_seq_len_k_end, clean_logits, max_seqlen_k)
    return out if dtype == torch.float32 else out.to(dtype)


def fp8_fp4_paged_mqa_logits(q, kv_cache, weights, context_lens, block_table, schedule_meta, max_context_len,
                             clean_logits=False, logits_dtype=torch.float32, indices=None):
    """DeepGEMM main's name for fp8_paged_mqa_logits: q = (e4m3 [B, next_n, H, D], None) or the bare
    e4m3 tensor; context_lens [B] or [B, next_n]; logits fp32 or bf16. FP4 inputs are refused."""
    values = _fp8_q("fp8_fp4_paged_mqa_logits", q)
    dtype = _logits_dtype("fp8_fp4_paged_mqa_logits", logits_dtype)
    out = fp8_paged_mqa_logits(values, kv_cache, weights, context_lens, block_table, schedule_meta, max_context_len,
                               clean_logits, indices)
    return out if dtype == torch.float32 else out.to(dtype)
