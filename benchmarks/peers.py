"""Our one-pass engine against the peers used as an expert would use them, interleaved in one run.

    python -m benchmarks.peers [--pairs 50] [--rounds 3] [--device cuda] [--no-pair-by-pair]

Images: the embedded sample (real photographs, 256 px; 6 references × 25 distortions), its first
``--pairs`` items in dataset order (two references for 50). Backbone weights random (no download;
speed does not depend on the values). Metric sets, the same computations on both sides:
* full (15): piq's psnr, ssim, multi_scale_ssim, vif_p, gmsd, fsim (chromatic), haarpsi, mdsi, vsi —
  ours as the specs that call those very functions (psnr, ssim:piq, ms_ssim:piq, vifp, gmsd:piq,
  fsimc, haarpsi, mdsi, vsi) — plus LPIPS-VGG and the perceptual loss on five VGG-16 layers;
* deep (6): LPIPS-VGG and the five perceptual-loss layers.

The headline baseline is the **competent peer**: each pair decoded once; batches of 8 same-size pairs;
every piq function called on the batch; the ``lpips`` package's ``LPIPS(net='vgg')`` on the batch; one
torchvision VGG-16 forward per side tapping all five layers. Ours: one ``Engine`` pass (decode once,
batches of 8, one VGG forward shared by LPIPS and the five layers, each reference forwarded once and its
LPIPS normalisation computed once). Goals (issues 19 and 48): deep ≥ 3.3×, full ≥ 2.5×.
Rounds alternate ours / peer; the median of the per-round ratios is printed. The second line is the old
pair-by-pair baseline (each metric over every pair on its own, decoding each time), labelled as such.
pyiqa (when installed): its seven weight-free metrics we also compute, ``pyiqa.create_metric`` models
on the same batches, against our pass over the same seven.
"""
from __future__ import annotations

import argparse
import statistics

import lpips
import piq
import torch
import torchvision

from iqa_bench.backbones import get_backbone
from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device, size_batches
from iqa_bench.images import load_rgb

from .common import device_name, engine_pass, engine_runner, timed_forwards, wall_time

#: piq's functions and the spec of ours that calls the same function with the same defaults.
PIQ = {"psnr": (piq.psnr, {}), "ssim:piq": (piq.ssim, {}), "ms_ssim:piq": (piq.multi_scale_ssim, {}),
       "vifp": (piq.vif_p, {}), "gmsd:piq": (piq.gmsd, {}), "fsimc": (piq.fsim, {}), "haarpsi": (piq.haarpsi, {}),
       "mdsi": (piq.mdsi, {}), "vsi": (piq.vsi, {})}
LAYERS = {"relu1_2": 4, "relu2_2": 9, "relu3_3": 16, "relu4_3": 23, "relu5_3": 30}
DEEP_SPECS = ["lpips:vgg:random"] + [f"lp:vgg16:random/{layer}" for layer in LAYERS]
FULL_SPECS = list(PIQ) + DEEP_SPECS
PYIQA = ("psnr", "ssim", "ms_ssim", "vif", "gmsd", "fsim", "vsi")
BATCH = 8


class CompetentPeer:
    """piq, lpips and torchvision as an expert batches them (models built before any clock starts)."""

    def __init__(self, device):
        self.device = device
        self.lpips = lpips.LPIPS(net="vgg", pnet_rand=True, verbose=False).to(device).eval()
        self.vgg = torchvision.models.vgg16(weights=None).features[:LAYERS["relu5_3"] + 1].to(device).eval()
        self.mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)

    def batches(self, items):
        batches, _ = size_batches(items, BATCH)
        for indices in batches:
            pairs = [(load_rgb(items[i].ref_path), load_rgb(items[i].dist_path)) for i in indices]
            yield (torch.stack([r for r, _ in pairs]).to(self.device), torch.stack([d for _, d in pairs]).to(self.device))

    def taps(self, images):
        """One forward, the five layers' outputs."""
        out, x = {}, (images - self.mean) / self.std
        for index, module in enumerate(self.vgg):
            x = module(x)
            if index in LAYERS.values():
                out[index] = x
        return out

    @torch.no_grad()
    def run(self, items, piq_measures: bool):
        for ref, dist in self.batches(items):
            if piq_measures:
                for function, kwargs in PIQ.values():
                    function(dist, ref, data_range=1.0, reduction="none", **kwargs)
            self.lpips(ref, dist, normalize=True)
            f_ref, f_dist = self.taps(ref), self.taps(dist)
            [((f_dist[k] - f_ref[k]) ** 2).mean(dim=(1, 2, 3)) for k in LAYERS.values()]


def pair_by_pair(items, device, peer: CompetentPeer):
    """The superseded baseline: every metric over every pair on its own, each pair decoded again."""
    def pair(item):
        return load_rgb(item.ref_path)[None].to(device), load_rgb(item.dist_path)[None].to(device)

    vgg = torchvision.models.vgg16(weights=None).features.to(device).eval()

    @torch.no_grad()
    def run():
        for function, kwargs in PIQ.values():
            for item in items:
                ref, dist = pair(item)
                function(dist, ref, data_range=1.0, **kwargs)
        for item in items:
            ref, dist = pair(item)
            peer.lpips(ref, dist, normalize=True)
        for end in LAYERS.values():
            for item in items:
                ref, dist = pair(item)
                ((vgg[:end]((dist - peer.mean) / peer.std) - vgg[:end]((ref - peer.mean) / peer.std)) ** 2).mean()

    return wall_time(run)


def pyiqa_batched(items, device, peer: CompetentPeer):
    """pyiqa's models (built now, before any clock) on the competent peer's batches: a callable."""
    import pyiqa

    models = [pyiqa.create_metric(name, device=device) for name in PYIQA]

    @torch.no_grad()
    def run():
        for ref, dist in peer.batches(items):
            for model in models:
                model(dist, ref)

    return run


def interleaved(rounds, ours, peer):
    """Per-round times of ours and the peer, alternating (ours first in even rounds, the peer in odd)."""
    t_ours, t_peer = [], []
    for r in range(rounds):
        order = (ours, peer) if r % 2 == 0 else (peer, ours)
        times = [wall_time(fn) for fn in order]
        t_ours.append(times[0] if r % 2 == 0 else times[1])
        t_peer.append(times[1] if r % 2 == 0 else times[0])
    return t_ours, t_peer


def report(label, pairs, t_ours, t_peer, goal=None):
    ratios = [p / o for o, p in zip(t_ours, t_peer)]
    print(f"{label}: ours {pairs / statistics.median(t_ours):.2f} pairs/s, competent peer "
          f"{pairs / statistics.median(t_peer):.2f} pairs/s; median ratio {statistics.median(ratios):.2f}× "
          f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}{f'; goal ≥ {goal}×' if goal else ''})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--no-pair-by-pair", action="store_true", help="Skip the superseded baseline.")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    items = create_dataset("sample").items()[: args.pairs]
    n = len(items)
    peer = CompetentPeer(device)
    engine_pass(items[:2], device, FULL_SPECS)  # warm-up: model construction, caches
    peer.run(items[:2], True)
    print(f"device: {device_name(device)}; {n} sample pairs (256 px, {len({str(i.ref_path) for i in items})} "
          f"references), batches of {BATCH}, {args.rounds} interleaved rounds")
    _, counted = timed_forwards(engine_runner(items, device, DEEP_SPECS), [get_backbone("vgg16", "random")])
    count = counted["vgg16"]
    print(f"VGG-16 images forwarded by ours: {count} for {n} pairs ({count / (2 * n):.3f} × 2 × pairs; the peer "
          f"forwards 4 × pairs: LPIPS's VGG and the tap VGG, both sides)")
    deep = interleaved(args.rounds, engine_runner(items, device, DEEP_SPECS), lambda: peer.run(items, False))
    report("deep set (LPIPS-VGG + lp on 5 VGG-16 layers)", n, *deep, 3.3)
    full = interleaved(args.rounds, engine_runner(items, device, FULL_SPECS), lambda: peer.run(items, True))
    report("full set (15 metrics)", n, *full, 2.5)
    if not args.no_pair_by_pair:
        t_pairwise = pair_by_pair(items, device, peer)
        t_full = statistics.median(full[0])
        print(f"full set, superseded baseline (each metric over every pair on its own, batch 1, decoded per "
              f"metric): {n / t_pairwise:.2f} pairs/s; ours {n / t_full:.2f} pairs/s; ratio {t_pairwise / t_full:.2f}×")
    try:
        import pyiqa
    except ImportError:
        print("pyiqa not installed: skipped (pip install pyiqa)")
        return
    subset = interleaved(args.rounds, engine_runner(items, device, list(PYIQA)),
                         pyiqa_batched(items, device, peer))
    report(f"pyiqa {pyiqa.__version__} batched, 7 weight-free metrics ({', '.join(PYIQA)})", n, *subset, None)


if __name__ == "__main__":
    main()
