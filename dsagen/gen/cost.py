"""Roofline cost model: the operator's FLOPs and bytes against the arch's peaks, with the terms
that separate schedules of one kernel.

    time = max(tensor-core time / MMA efficiency, memory time) + EXPOSED x min(the two)
           + CUDA-core time, / (wave x tile x latency)

The operator's minimum bytes (dsagen/operators/<op>/problem.py `sizes`) count each input once;
its `traffic(problem, schedule, arch)` hook adds what a schedule really moves and does:
  extra_bytes   re-reads: KV re-gathered per head block, q reloaded per key tile, top-k passes
                over a row, split-K partials for the split count the launch will use
  mma_eff       tensor-core efficiency of the MMA instruction shape the tiles give (wgmma N,
                M below 64 rows, mma.sync before sm90)
  cuda_flops    work off the tensor cores (FP8 dequantisation per head block, the indexer's
                ReLU x weight head-sum epilogue), at the CUDA-core rate
It ranks candidates; it does not predict absolute times well and is never reported as a
measurement. Ties go to the template default, then the compiled resources decide.
"""

from __future__ import annotations

import math

from dsagen.spec import sizes
from dsagen.spec.archs import L2_REREAD, mma_shape_efficiency  # noqa: F401 (the traffic terms' helpers)

# CUDA-core fp32 FLOP/s as a fraction of the dense bf16 tensor-core peak (H100 SXM: 67 / 989 TF).
CUDA_CORE_SHARE = 1 / 15
# The share of the smaller of tensor-core and memory time that overlapping does not hide (each
# CTA's first loads before its first MMA, its last MMA and stores after its last load). Without
# it, schedules of a compute-bound kernel tie however much they re-read: the sm80 indexer picked
# BLOCK_Q 1 x TILES_N 1 (q reloaded for every 64 keys) by the tie-break.
EXPOSED = 0.1


def _tile(schedule: dict, key: str):
    """A tile size: one schedule key, or a product of keys written 'A*B' (e.g. BLOCK_N*TILES_N)."""
    parts = key.split("*")
    if not all(p in schedule for p in parts):
        return None
    return math.prod(int(schedule[p]) for p in parts)


def occupancy(arch, num_warps: int, resources: dict | None) -> int:
    """CTAs per SM from compiled resources (registers, shared memory); 1 before compiling."""
    if not resources:
        return 1
    threads = arch.warp_size * num_warps
    regs = max(int(resources.get("registers", 0)), 1)
    smem = int(resources.get("smem_bytes", 0))
    by_regs = arch.regs_per_sm // (regs * threads)
    by_smem = arch.smem_per_sm // smem if smem > 0 else 32
    by_threads = arch.max_threads_per_sm // threads
    return max(0, min(by_regs, by_smem, by_threads, 32))



def estimate(op, problem: dict, schedule: dict, arch, spec=None, resources: dict | None = None) -> dict:
    """{"time_s", "efficiency", "ctas", "occupancy", "bound", terms...} for one candidate."""
    flops, nbytes = sizes.op_sizes(op, problem, spec)
    splits = int(schedule.get(op.split_key, 1)) if op.split_key else 1
    terms = op.traffic(problem, schedule, arch) if op.traffic is not None else {}
    splits = int(terms.get("splits", splits))
    if op.split_bytes is not None:
        nbytes += op.split_bytes(problem, splits)
    nbytes += float(terms.get("extra_bytes", 0.0))
    fdt = op.flop_dtype
    if fdt == "q":
        fdt = (spec.indexer.dtype if spec is not None else "e4m3")
    mma_eff = float(terms.get("mma_eff", 1.0))
    t_flops = flops / arch.peak(fdt) / max(mma_eff, 1e-6) if fdt else 0.0
    t_cuda = float(terms.get("cuda_flops", 0.0)) / (arch.peak_bf16 * CUDA_CORE_SHARE)
    t_bytes = nbytes / arch.mem_bw
    ctas = op.base_ctas(problem) * splits
    tile_eff = 1.0
    seen = set()
    for key, dim in op.parallel_tiles + op.serial_tiles:
        b = _tile(schedule, key)
        if b is not None and dim in problem and key not in seen:
            seen.add(key)
            n = int(problem[dim])
            tiles = math.ceil(n / b)
            tile_eff *= n / (tiles * b)
            if (key, dim) in op.parallel_tiles:
                ctas *= tiles
    # Small serial tiles pay the loop overhead (index loads, barriers, softmax rescale) more often.
    for key, dim in op.serial_tiles:
        b = _tile(schedule, key)
        if b is not None:
            tile_eff *= min(1.0, b / 64) ** 0.25
    if "mma_eff" not in terms:  # operators without their own MMA term: the generic M-side rule
        for key in op.dot_tiles:
            b = _tile(schedule, key)
            if b is not None:
                full = 64 if arch.has_wgmma else 16
                tile_eff *= min(1.0, b / full) ** 0.5
    occ = occupancy(arch, int(schedule.get("num_warps", 4)), resources)
    if occ == 0:
        return {"time_s": math.inf, "efficiency": 0.0, "ctas": ctas, "occupancy": 0, "bound": "over-limit"}
    slots = arch.sms * occ
    waves = math.ceil(ctas / slots)
    wave_eff = ctas / (waves * slots)
    # A CTA per SM keeps the SM busy only if it has enough warps; a crude latency-hiding factor.
    warps_per_sm = occ * int(schedule.get("num_warps", 4))
    hide = min(1.0, 0.5 + warps_per_sm / 16)
    eff = max(wave_eff * tile_eff * hide, 1e-6)
    bound = "compute" if t_flops >= t_bytes else "memory"
    t_overlapped = max(t_flops, t_bytes) + EXPOSED * min(t_flops, t_bytes)
    return {"time_s": (t_overlapped + t_cuda) / eff, "efficiency": eff, "ctas": ctas, "occupancy": occ,
            "bound": bound, "flops": flops, "bytes": nbytes, "mma_eff": mma_eff, "cuda_s": t_cuda,
            "splits": splits}


def rank(op, problem: dict, candidates: list, arch, spec=None, resources=None, default: dict | None = None) -> list:
    """Candidates sorted fastest first; ties go to the one closest to the template's default
    schedule (fewest keys that differ), then by the schedule text (deterministic)."""
    default = default or {}
    scored = []
    for c in candidates:
        res = resources(c) if callable(resources) else None
        scored.append((estimate(op, problem, c, arch, spec, res), c))

    def key(t):
        est, c = t
        return (round(est["time_s"], 15), sum(1 for k, v in default.items() if c.get(k, v) != v),
                repr(sorted(c.items())))

    scored.sort(key=key)
    return scored
