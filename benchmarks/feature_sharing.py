"""Cost of K layer-metrics on one backbone versus one metric (goal: K = 10 within 1.3×), through the
engine's shared forward pass, and LPIPS through our engine versus the ``lpips`` package alone.

    python -m benchmarks.feature_sharing [--device cuda] [--size 256] [--batch 8]

Random backbone weights (no download needed; speed does not depend on the weight values).
"""
from __future__ import annotations

import argparse

import lpips
import torch

from iqa_bench import create_metric
from iqa_bench.engine import resolve_device, shared_features

from .common import best_time, device_name

VGG_RELUS = ["relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_3", "relu4_1",
             "relu4_2", "relu4_3"]


def engine_batch_time(specs, ref, dist, device) -> float:
    """Time of one engine batch (shared features + every metric) for these specs."""
    metrics = [create_metric(s).to(device).eval() for s in specs]

    def run():
        with torch.no_grad():
            shared, _ = shared_features(metrics, ref, dist)
            for metric in metrics:
                f_ref, f_dist = shared[metric.backbone]
                metric.score_features(ref, dist, f_ref, f_dist)

    return best_time(run)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=8)
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    gen = torch.Generator().manual_seed(0)
    ref = torch.rand(args.batch, 3, args.size, args.size, generator=gen).to(device)
    dist = (ref + 0.05 * torch.randn(ref.shape, generator=gen).to(device)).clamp(0, 1)
    print(f"device: {device_name(device)}; {args.batch} pairs of {args.size}×{args.size}")

    one = engine_batch_time(["lp:vgg16:random/relu4_3"], ref, dist, device)
    ten = engine_batch_time([f"lp:vgg16:random/{layer}" for layer in VGG_RELUS], ref, dist, device)
    separate = sum(engine_batch_time([f"lp:vgg16:random/{layer}"], ref, dist, device) for layer in VGG_RELUS)
    print(f"lp on 1 VGG-16 layer:           {1000 * one / args.batch:8.2f} ms/pair")
    print(f"lp on 10 VGG-16 layers, shared: {1000 * ten / args.batch:8.2f} ms/pair  "
          f"ratio to one metric {ten / one:.2f}× (goal ≤ 1.3×)")
    print(f"the same 10, one pass each:     {1000 * separate / args.batch:8.2f} ms/pair  "
          f"(sharing saves {separate / ten:.1f}×)")

    ours = engine_batch_time(["lpips:alex:random"], ref, dist, device)
    package = lpips.LPIPS(net="alex", pnet_rand=True, verbose=False).to(device).eval()
    with torch.no_grad():
        theirs = best_time(lambda: package(ref, dist, normalize=True))
    print(f"LPIPS-alex, our engine:         {1000 * ours / args.batch:8.2f} ms/pair")
    print(f"LPIPS-alex, lpips package:      {1000 * theirs / args.batch:8.2f} ms/pair  "
          f"ratio ours/package {ours / theirs:.2f}×")


if __name__ == "__main__":
    main()
