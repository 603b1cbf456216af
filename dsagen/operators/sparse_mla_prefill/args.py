"""Argument checks shared by sparse MLA prefill's forward (api.py) and backward (sparse_mla_bwd/api.py)."""

import torch

from dsagen.operators.sparse_mla_prefill.problem import D_QK_CHOICES, D_V


def check_inputs(q, kv, indices, d_v, attn_sink, topk_length):
    if q.dim() != 3 or q.shape[-1] not in D_QK_CHOICES or q.dtype != torch.bfloat16:
        raise ValueError(f"q must be bfloat16 [s_q, h_q, 576 or 512], got {q.dtype} {tuple(q.shape)}")
    if q.stride(-1) != 1:
        raise ValueError("q must have unit stride in its last dim")
    s_q, h_q, d_qk = q.shape
    if h_q < 1 or h_q > 128:
        raise ValueError(f"q: h_q must be in 1..128, got {h_q}")
    if d_v != D_V:
        raise ValueError(f"d_v must be {D_V} (the MLA latent), got {d_v}")
    if kv.dim() != 3 or kv.shape[1] != 1 or kv.shape[2] != d_qk or kv.dtype != q.dtype:
        raise ValueError(f"kv must be bfloat16 [s_kv, 1, {d_qk}], got {kv.dtype} {tuple(kv.shape)}")
    if kv.stride(-1) != 1:
        raise ValueError("kv must have unit stride in its last dim")
    if kv.shape[0] >= 2**31:
        raise ValueError("kv: s_kv must be below 2^31 (indices are int32)")
    if (indices.dtype != torch.int32 or indices.dim() != 3 or indices.shape[0] != s_q or indices.shape[1] != 1
            or indices.shape[2] < 1):
        raise ValueError(f"indices must be int32 [{s_q}, 1, topk], got {indices.dtype} {tuple(indices.shape)}")
    if indices.stride(-1) != 1:
        raise ValueError("indices must have unit stride in its last dim")
    if attn_sink is not None and (attn_sink.dtype != torch.float32 or attn_sink.shape != (h_q,)
                                  or not attn_sink.is_contiguous()):
        raise ValueError(f"attn_sink must be contiguous float32 [{h_q}], got {attn_sink.dtype} {tuple(attn_sink.shape)}")
    if topk_length is not None and (topk_length.dtype != torch.int32 or topk_length.shape != (s_q,)
                                    or not topk_length.is_contiguous()):
        raise ValueError(f"topk_length must be contiguous int32 [{s_q}], got {topk_length.dtype} "
                         f"{tuple(topk_length.shape)}")


def softmax_scale(q, sm_scale):
    """The softmax scale: sm_scale, or d_qk ** -0.5 when None."""
    return float(q.shape[-1] ** -0.5 if sm_scale is None else sm_scale)
