"""Timing a launch on a GPU: the median of CUDA-event times with an L2 flush before each rep."""

from __future__ import annotations

import statistics
import time


def time_fn(fn, device: str, reps: int = 20, warmup: int = 3) -> dict:
    """Median time of fn(): CUDA events with an L2 flush before each rep on a GPU."""
    import torch
    if device == "cuda":
        flush = torch.empty(256 * 1024 * 1024, dtype=torch.int8, device="cuda")  # > L2 on every target
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(reps):
            flush.zero_()
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            torch.cuda.synchronize()
            times.append(a.elapsed_time(b) * 1e3)
        return {"median_us": statistics.median(times), "reps": reps}
    t0 = time.perf_counter()
    fn()
    return {"median_us": (time.perf_counter() - t0) * 1e6, "reps": 1}

