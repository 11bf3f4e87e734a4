"""Our all-metrics pass versus the peers computing the same metrics one after another.

    python -m benchmarks.peers [--pairs 24] [--device cuda]

Same images, same process. Metric set: piq's nine measures (psnr, ssim, ms_ssim, vif, gmsd, fsim,
haarpsi, mdsi, vsi), LPIPS-VGG and the perceptual loss on five VGG-16 layers (random backbone weights:
no download; speed does not depend on the values).
* ours: one ``Engine`` pass (decode once, batches of 8, one VGG forward shared by LPIPS and the five
  layers);
* peers, separately: for each metric, every pair decoded and scored on its own as a per-metric script
  would — piq's functions, the ``lpips`` package's ``LPIPS(net='vgg')``, and a torchvision VGG-16
  forward per layer for the perceptual loss.
* pyiqa (when installed): its weight-free full-reference metrics that we also compute (psnr, ssim,
  ms_ssim, vif, gmsd, fsim, vsi), each ``pyiqa.create_metric`` over every pair, against our one pass
  over the same seven. Skipped: its lpips/dists/… (weights download on first use; no network here),
  and haarpsi/mdsi (not in pyiqa).
Prints pairs/second for both and the speed-up ratio.
"""
from __future__ import annotations

import argparse

import lpips
import piq
import torch
import torchvision

from iqa_bench.datasets import create_dataset
from iqa_bench.engine import resolve_device
from iqa_bench.images import load_rgb

from .common import device_name, engine_pass, wall_time

PIQ = {"psnr": piq.psnr, "ssim": piq.ssim, "ms_ssim": piq.multi_scale_ssim, "vif": piq.vif_p, "gmsd": piq.gmsd,
       "fsim": piq.fsim, "haarpsi": piq.haarpsi, "mdsi": piq.mdsi, "vsi": piq.vsi}
LAYERS = {"relu1_2": 4, "relu2_2": 9, "relu3_3": 16, "relu4_3": 23, "relu5_3": 30}


PYIQA = ("psnr", "ssim", "ms_ssim", "vif", "gmsd", "fsim", "vsi")
ALL_SPECS = list(PIQ) + ["lpips:vgg:random"] + [f"lp:vgg16:random/{layer}" for layer in LAYERS]


def _pair(item, device):
    return load_rgb(item.ref_path)[None].to(device), load_rgb(item.dist_path)[None].to(device)


def ours(items, device, specs=ALL_SPECS) -> float:
    return engine_pass(items, device, specs)


def peers(items, device) -> float:
    package = lpips.LPIPS(net="vgg", pnet_rand=True, verbose=False).to(device).eval()
    vgg = torchvision.models.vgg16(weights=None).features.to(device).eval()
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)

    @torch.no_grad()
    def metric_by_metric():
        for function in PIQ.values():
            for item in items:
                ref, dist = _pair(item, device)
                function(dist, ref, data_range=1.0)
        for item in items:
            ref, dist = _pair(item, device)
            package(ref, dist, normalize=True)
        for end in LAYERS.values():
            for item in items:
                ref, dist = _pair(item, device)
                ((vgg[:end]((dist - mean) / std) - vgg[:end]((ref - mean) / std)) ** 2).mean()

    return wall_time(metric_by_metric)


def pyiqa_peer(items, device) -> float:
    """pyiqa's implementations of PYIQA, metric by metric (models built before the clock starts)."""
    import pyiqa

    models = [pyiqa.create_metric(name, device=device) for name in PYIQA]

    @torch.no_grad()
    def metric_by_metric():
        for model in models:
            for item in items:
                ref, dist = _pair(item, device)
                model(dist, ref)

    return wall_time(metric_by_metric)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=24)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    device = resolve_device(args.device)
    items = create_dataset("sample").items()[: args.pairs]
    ours(items[:2], device)  # warm-up: model construction, caches
    t_ours, t_peers = ours(items, device), peers(items, device)
    print(f"device: {device_name(device)}; {len(items)} pairs (256-pixel sample), 15 metrics")
    print(f"ours, one pass:            {len(items) / t_ours:8.2f} pairs/s ({1000 * t_ours / len(items):.0f} ms/pair)")
    print(f"peers, metric by metric:   {len(items) / t_peers:8.2f} pairs/s ({1000 * t_peers / len(items):.0f} ms/pair)")
    print(f"speed-up: {t_peers / t_ours:.2f}× (goal ≥ 2×)")
    try:
        import pyiqa
    except ImportError:
        print("pyiqa not installed: skipped (pip install pyiqa)")
        return
    t_subset, t_pyiqa = ours(items, device, list(PYIQA)), pyiqa_peer(items, device)
    print(f"pyiqa {pyiqa.__version__}, {len(PYIQA)} weight-free metrics ({', '.join(PYIQA)}); "
          "skipped: its lpips/dists (weights download on first use), haarpsi/mdsi (not in pyiqa)")
    print(f"ours, one pass (same 7):   {len(items) / t_subset:8.2f} pairs/s ({1000 * t_subset / len(items):.0f} ms/pair)")
    print(f"pyiqa, metric by metric:   {len(items) / t_pyiqa:8.2f} pairs/s ({1000 * t_pyiqa / len(items):.0f} ms/pair)")
    print(f"speed-up over pyiqa: {t_pyiqa / t_subset:.2f}×")


if __name__ == "__main__":
    main()
