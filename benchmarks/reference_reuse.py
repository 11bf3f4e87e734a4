"""Reference-feature reuse: images forwarded per backbone against 2 × pairs, with and without reuse, on
generated layouts shaped like TID2013 (25 references × 120 distortions) and BAPPS (triplets whose p0 and
p1 share the reference); and the peak memory of the default metric set at TID2013's 512×384.

    python -m benchmarks.reference_reuse [--size 64] [--triplets 200] [--memory | --memory-only]

Goals (issue 19): TID2013-shaped ≤ 0.55 × 2 × pairs, BAPPS-shaped ≤ 0.76 ×. Metrics: the default run's
deep metrics on EfficientNet-Lite0 (lp, lp_att, cx, cx_att) and LPIPS-VGG (random weights). Images are
small (``--size``): the counts do not depend on the size, the times scale with it.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from iqa_bench.backbones import get_backbone
from iqa_bench.run.config import DEFAULT_METRICS
from iqa_bench.datasets.base import Item
from iqa_bench.engine import resolve_device

from .common import device_name, engine_runner, timed_forwards
from .peers import DEEP_SPECS

DEEP = [s for s in DEFAULT_METRICS if ":" in s and "/" in s] + ["lpips:vgg:random"]
BACKBONES = (("efficientnet_lite0", "imagenet"), ("vgg16", "random"))


def _image(seed: int, height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.random((max(height // 8, 1), max(width // 8, 1), 3))
    return (np.kron(small, np.ones((8, 8, 1)))[:height, :width] * 200 + 20).astype(np.uint8)


def _save(path: Path, array: np.ndarray) -> Path:
    Image.fromarray(array).save(path)
    return path


def tid2013_shaped(folder: Path, references=25, per_reference=120, size=(48, 64)):
    items = []
    for r in range(references):
        ref = _image(r, *size)
        ref_path = _save(folder / f"I{r:02d}.png", ref)
        for k in range(per_reference):
            noise = np.random.default_rng(1000 * r + k).normal(0, 2 + k % 24, ref.shape)
            dist = _save(folder / f"i{r:02d}_{k:03d}.png", np.clip(ref + noise, 0, 255).astype(np.uint8))
            items.append(Item(f"i{r:02d}_{k:03d}", ref_path, dist, float(k), {"reference": f"I{r:02d}"}))
    return items


def bapps_shaped(folder: Path, triplets=200, size=(64, 64)):
    items = []
    for t in range(triplets):
        ref = _image(t, *size)
        ref_path = _save(folder / f"ref{t}.png", ref)
        for side, sigma in (("p0", 4), ("p1", 20)):
            noise = np.random.default_rng(2 * t + (side == "p1")).normal(0, sigma, ref.shape)
            dist = _save(folder / f"{side}_{t}.png", np.clip(ref + noise, 0, 255).astype(np.uint8))
            items.append(Item(f"{t}:{side}", ref_path, dist, 0.5, {"triplet": str(t)}))
    return items


def count(items, device, reuse: bool):
    """(seconds, {backbone: images forwarded}) of one engine pass of DEEP."""
    return timed_forwards(engine_runner(items, device, DEEP, reuse_references=reuse),
                          [get_backbone(name, weights) for name, weights in BACKBONES])


def forwards(label, items, device, goal):
    pairs = len(items)
    for reuse in (False, True):
        seconds, counted = count(items, device, reuse)
        ratios = ", ".join(f"{name} {n} ({n / (2 * pairs):.3f})" for name, n in counted.items())
        verdict = f"; goal ≤ {goal}: {'met' if all(n / (2 * pairs) <= goal for n in counted.values()) else 'NOT met'}"
        print(f"{label}, {pairs} pairs, reuse {'on ' if reuse else 'off'}: images forwarded {ratios} × 2 × pairs"
              f"{verdict if reuse else ''}; {pairs / seconds:.1f} pairs/s")


MEMORY_SCRIPT = """
import json, resource, sys, tempfile
from pathlib import Path
import numpy as np
from PIL import Image
from iqa_bench import create_metric
from iqa_bench.datasets.base import Item
from iqa_bench.engine import Engine
from iqa_bench.store import ScoreStore
batch, pairs, specs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
folder = Path(tempfile.mkdtemp())
rng = np.random.default_rng(0)
ref = (np.kron(rng.random((48, 64, 3)), np.ones((8, 8, 1))) * 200 + 20).astype(np.uint8)
Image.fromarray(ref).save(folder / "ref.png")
items = []
for k in range(pairs):
    noisy = np.clip(ref + rng.normal(0, 3 + k, ref.shape), 0, 255).astype(np.uint8)
    Image.fromarray(noisy).save(folder / f"d{k}.png")
    items.append(Item(f"d{k}", folder / "ref.png", folder / f"d{k}.png", float(k), {}))
metrics = [create_metric(s) for s in specs]
def peak():
    return int([l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]) / 1024
before = peak()
with ScoreStore(folder / "s.sqlite") as store:
    Engine(metrics, store, device="cpu", batch_size=batch, progress=False).run("m", items)
print(json.dumps({"before": before, "after": peak()}))
"""


#: The metric sets whose peak memory ``--memory`` measures: the default run's, and the deep set of
#: :mod:`benchmarks.peers` (LPIPS-VGG, whose unit-normalised reference features the cache keeps too).
MEMORY_SETS = {f"default set ({len(DEFAULT_METRICS)} metrics)": DEFAULT_METRICS,
               "deep set (LPIPS-VGG + lp on 5 VGG-16 layers, random weights)": DEEP_SPECS}


def memory(pairs: int = 8):
    """Peak resident memory (VmHWM) of each of :data:`MEMORY_SETS` on ``pairs`` 512×384 pairs of one
    reference (TID2013's size), batch 1 and batch 8, each in a fresh process; the difference over the
    extra pairs of a batch is the memory per pair."""
    for label, specs in MEMORY_SETS.items():
        peaks = {}
        for batch in (1, 8):
            done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(batch), str(pairs), ",".join(specs)],
                                  capture_output=True, text=True, check=True)
            peaks[batch] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{label}, 512×384, batch {batch}: peak RSS {peaks[batch]['after']:.0f} MB (after building "
                  f"the metrics: {peaks[batch]['before']:.0f} MB)")
        per_pair = (peaks[8]["after"] - peaks[1]["after"]) / 7
        print(f"{label}: memory per additional pair in a batch: {per_pair:.0f} MB; one pair alone: "
              f"{peaks[1]['after'] - peaks[1]['before']:.0f} MB above the built metrics")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64, help="Image width (height 3/4 of it).")
    parser.add_argument("--references", type=int, default=25)
    parser.add_argument("--per-reference", type=int, default=120)
    parser.add_argument("--triplets", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--memory", action="store_true", help="Also measure the peak memory at 512×384.")
    parser.add_argument("--memory-only", action="store_true", help="Only the peak memory (no forward counts).")
    args = parser.parse_args(argv)
    if args.memory_only:
        return memory()
    device = resolve_device(args.device)
    print(f"device: {device_name(device)}; metrics: {', '.join(DEEP)}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "tid").mkdir()
        (folder / "bapps").mkdir()
        tid = tid2013_shaped(folder / "tid", args.references, args.per_reference, (args.size * 3 // 4, args.size))
        forwards(f"TID2013-shaped ({args.references} references × {args.per_reference})", tid, device, 0.55)
        bapps = bapps_shaped(folder / "bapps", args.triplets, (args.size, args.size))
        forwards(f"BAPPS-shaped ({args.triplets} triplets)", bapps, device, 0.76)
    if args.memory:
        memory()


if __name__ == "__main__":
    main()
