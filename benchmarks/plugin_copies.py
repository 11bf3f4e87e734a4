"""What the protection of the other metrics from a plugin costs (issue 43, item 4): a plugin gets its own
copies of each batch (``PluginMetric._call`` clones ref and dist), so nothing it writes into its inputs
reaches another metric. Built-in metrics get no copy and pay nothing.

    python -m benchmarks.plugin_copies [--pairs 48] [--rounds 3] [--device cuda]

One Engine pass over the first ``--pairs`` sample items (decoded once, batches of 8) of the deep set of
``benchmarks.peers`` (LPIPS-VGG and five VGG-16 layers, random weights: speed does not depend on them) plus
the example plugin (examples/gradsim's GMSM, a plain function) -- with the copies, and with the plugin
handed the engine's own tensors (the behaviour before) -- interleaved, ``--rounds`` rounds; the median of
each and of their ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device
from iqa_bench.metrics import as_metric
from iqa_bench.metrics.plugins import PluginMetric

from .common import device_name, engine_runner, wall_time
from .peers import DEEP_SPECS


def _uncopied(self, ref, dist):
    """The plugin on the engine's own tensors: the behaviour before the copies."""
    return self._function(ref, dist)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples" / "gradsim"))
    from gradsim.measures import gradient_similarity

    device = resolve_device(args.device)
    items = create_dataset("sample").items()[: args.pairs]
    one_pass = engine_runner(items, device, DEEP_SPECS + [as_metric(gradient_similarity, name="gradsim")])
    copied, uncopied = [], []
    original = PluginMetric._call
    one_pass()  # warm-up
    for _ in range(args.rounds):
        copied.append(wall_time(one_pass))
        PluginMetric._call = _uncopied
        try:
            uncopied.append(wall_time(one_pass))
        finally:
            PluginMetric._call = original
    ratios = [c / u for c, u in zip(copied, uncopied)]
    print(f"device: {device_name(device)}; {len(items)} sample pairs; deep set + gradsim plugin; "
          f"{args.rounds} interleaved rounds")
    print(f"with copies {statistics.median(copied):.2f} s, without {statistics.median(uncopied):.2f} s; "
          f"median ratio {statistics.median(ratios):.3f} (per round: {', '.join(f'{r:.3f}' for r in ratios)})")
    with torch.no_grad():
        batch = torch.rand(8, 3, 256, 256, device=device)
        clone = min(wall_time(lambda: (batch.clone(), batch.clone())) for _ in range(20))
    print(f"one batch's copies (8 x 3 x 256 x 256, both sides): {1000 * clone:.2f} ms")


if __name__ == "__main__":
    main()
