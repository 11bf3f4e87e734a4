"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import time

import torch


def best_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs (after ``warmup``), synchronising CUDA."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform

    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
