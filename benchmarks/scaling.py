"""Cost as image size and batch size grow, and peak memory: a table and a log-log plot.

    python -m benchmarks.scaling [--device cuda] [--out benchmarks/scaling.png]

Metric: LPIPS-VGG plus lp on three VGG-16 layers (one shared forward), random weights. Peak memory:
``torch.cuda.max_memory_allocated`` on GPU, the process's peak resident set size on CPU.
"""
from __future__ import annotations

import argparse
import resource

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from iqa_bench import create_metric  # noqa: E402
from iqa_bench.engine import resolve_device, shared_features  # noqa: E402

from .common import best_time, device_name  # noqa: E402

SPECS = ["lpips:vgg:random", "lp:vgg16:random/relu2_2", "lp:vgg16:random/relu3_3", "lp:vgg16:random/relu4_3"]


def peak_memory_mb(device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2 ** 20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sizes", default="64,128,256,512")
    parser.add_argument("--batches", default="1,4,16")
    parser.add_argument("--out", default="benchmarks/scaling.png")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    metrics = [create_metric(s).to(device).eval() for s in SPECS]
    sizes = [int(s) for s in args.sizes.split(",")]
    batches = [int(b) for b in args.batches.split(",")]
    print(f"device: {device_name(device)}; metrics: {', '.join(SPECS)}")
    print("| size | batch | ms/pair | pairs/s | peak memory (MB) |\n|---:|---:|---:|---:|---:|")
    results = {}
    for batch in batches:
        for size in sizes:
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            ref = torch.rand(batch, 3, size, size, device=device)
            dist = (ref + 0.05 * torch.randn_like(ref)).clamp(0, 1)

            def run():
                with torch.no_grad():
                    shared, _ = shared_features(metrics, ref, dist)
                    for m in metrics:
                        m.score_features(ref, dist, *shared[m.backbone])

            seconds = best_time(run, repeats=3)
            results[(batch, size)] = 1000 * seconds / batch
            print(f"| {size} | {batch} | {results[(batch, size)]:.2f} | {batch / seconds:.2f} | {peak_memory_mb(device):.0f} |")
    fig, ax = plt.subplots(figsize=(5, 4), dpi=110)
    for batch in batches:
        ax.loglog([s * s for s in sizes], [results[(batch, s)] for s in sizes], "o-", label=f"batch {batch}")
    ax.set_xlabel("pixels per image")
    ax.set_ylabel("ms per pair")
    ax.set_title(f"cost vs size ({device.type})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out)
    print(f"plot: {args.out}")


if __name__ == "__main__":
    main()
