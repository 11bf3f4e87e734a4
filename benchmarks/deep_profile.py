"""Where the deep set's time goes: one engine pass under cProfile, grouped by stage.

    python -m benchmarks.deep_profile [--pairs 24] [--device cpu]

The deep set of :mod:`benchmarks.peers` (LPIPS-VGG + the perceptual loss on five VGG-16 layers, random
weights) over the first ``--pairs`` sample pairs, batches of 8, after a warm-up pass. Each stage is the
cumulative time of the functions that do it (a function counted once even where it recurses):

* the backbone forward — :meth:`~iqa_bench.backbones.registry.Backbone.extract`;
* per-image feature transforms — :meth:`~iqa_bench.features.FeatureTransform.apply` (LPIPS's channel
  normalisation, the CSF weighting, centring), once per unique image;
* each metric's per-pair part — its ``score_features``;
* decoding (``load_rgb``) and the store (``ScoreStore.put``); the rest is what is left of the wall time.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats

from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device

from .common import device_name, engine_runner, wall_time
from .peers import DEEP_SPECS

#: stage -> (file suffix, function name) whose cumulative time it is.
STAGES = {
    "backbone forward (`Backbone.extract`, once per unique image)": [("registry.py", "extract")],
    "per-image feature transforms (`FeatureTransform.apply`, once per unique image)": [
        ("feature_transforms.py", "apply")],
    "LPIPS per pair (`LPIPSMetric.score_features`)": [("lpips_metric.py", "score_features")],
    "`lp` per pair on five layers (`PerceptualLoss.score_features`)": [("deep.py", "score_features")],
    "decode (`load_rgb`) and store (`ScoreStore.put`)": [("images.py", "load_rgb"), ("store.py", "put")],
}


def stage_times(stats: pstats.Stats) -> dict:
    """stage -> cumulative seconds, from a profile's per-function table."""
    out = {stage: 0.0 for stage in STAGES}
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for stage, where in STAGES.items():
            if any(filename.endswith(suffix) and function == name for suffix, name in where):
                out[stage] += cumulative
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    items = create_dataset("sample").items()[: args.pairs]
    run = engine_runner(items, device, DEEP_SPECS)
    run()  # warm-up: extractors traced, kernels chosen
    profile = cProfile.Profile()
    total = wall_time(lambda: profile.runcall(run))
    stages = stage_times(pstats.Stats(profile))
    print(f"device: {device_name(device)}; {len(items)} sample pairs (256 px), batches of 8; {total:.1f} s in all")
    print("\n| where | seconds | share |\n|---|---:|---:|")
    for stage, seconds in stages.items():
        print(f"| {stage} | {seconds:.2f} | {100 * seconds / total:.0f} % |")
    rest = total - sum(stages.values())
    print(f"| the rest (batching, the reference cache, the engine) | {rest:.2f} | {100 * rest / total:.0f} % |")


if __name__ == "__main__":
    main()
