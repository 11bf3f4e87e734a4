"""Timing helpers shared by the benchmarks."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch


def wall_time(fn) -> float:
    """Seconds ``fn()`` takes, with CUDA work finished before and after."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - start


def best_time(fn, repeats: int = 5, warmup: int = 1) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs (after ``warmup``), synchronising CUDA."""
    for _ in range(warmup):
        fn()
    return min(wall_time(fn) for _ in range(repeats))


def engine_runner(items, device, specs, **options):
    """A callable running one :class:`~iqa_bench.engine.Engine` pass of ``specs`` (or metric objects) over ``items`` into a
    fresh store each call (the metrics are built now, before any clock starts); ``options`` go to the
    Engine."""
    from iqa_bench import create_metric
    from iqa_bench.engine import Engine
    from iqa_bench.store import ScoreStore

    metrics = [s if not isinstance(s, str) else create_metric(s) for s in specs]  # a metric object as is

    def run():
        with tempfile.TemporaryDirectory() as folder, ScoreStore(Path(folder) / "s.sqlite") as store:
            Engine(metrics, store, device=device, batch_size=8, progress=False, **options).run("bench", items)
    return run


def timed_forwards(run, backbones):
    """(seconds of ``run()``, {backbone name: images it forwarded}) — the backbones' forward counters."""
    before = [b.images_forwarded for b in backbones]
    seconds = wall_time(run)
    return seconds, {b.name: b.images_forwarded - n for b, n in zip(backbones, before)}


def engine_pass(items, device, specs, **options) -> float:
    """Seconds of one :class:`~iqa_bench.engine.Engine` pass of ``specs`` over ``items`` into a fresh
    store (metrics built before the clock starts); ``options`` go to the Engine."""
    return wall_time(engine_runner(items, device, specs, **options))


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    import platform

    return f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
