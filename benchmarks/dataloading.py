"""Device-busy fraction: share of an evaluation's wall time spent computing metrics (not waiting for
decoded images), with decoding in the main process versus DataLoader workers.

    python -m benchmarks.dataloading [--device cuda] [--workers 0,2,4]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from iqa_bench import create_metric
from iqa_bench.datasets import create_dataset
from iqa_bench.engine import Engine, resolve_device
from iqa_bench.store import ScoreStore

from .common import device_name

SPECS = ["psnr", "ssim", "lpips:alex:random", "lp:efficientnet_lite0/block4_expand_relu"]


class TimedEngine(Engine):
    busy = 0.0

    def _score_batch(self, *args, **kwargs):
        start = time.perf_counter()
        rows = super()._score_batch(*args, **kwargs)
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        self.busy += time.perf_counter() - start
        return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", default="0,2")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    items = create_dataset("sample").items()
    print(f"device: {device_name(device)}; {len(items)} pairs; metrics: {', '.join(SPECS)}")
    print("| workers | wall (s) | metric compute (s) | device-busy fraction |\n|---:|---:|---:|---:|")
    for workers in (int(w) for w in args.workers.split(",")):
        metrics = [create_metric(s) for s in SPECS]
        with tempfile.TemporaryDirectory() as folder, ScoreStore(Path(folder) / "s.sqlite") as store:
            engine = TimedEngine(metrics, store, device=device, batch_size=8, num_workers=workers, progress=False)
            start = time.perf_counter()
            engine.run("bench", items)
            wall = time.perf_counter() - start
        print(f"| {workers} | {wall:.1f} | {engine.busy:.1f} | {engine.busy / wall:.2f} |")


if __name__ == "__main__":
    main()
