"""Reproduce the MDF authors' optimisation experiment: Adam (lr 0.1) moves ``noisy_img.pt`` towards
``i10.png`` under the MDF loss with the official SISR discriminators; PSNR = 10·log10(1/MSE) of the
clamped images, measured before each step, against their curve ``PSNRs_MDF.npy``.

    python -m benchmarks.mdf_reference [--steps 100] [--device cuda] [--data ../shared/data/mdf]

Prints the per-step deviation and its maximum (the goal: within 0.05 dB for the first 100 steps).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from iqa_bench.engine import resolve_device
from iqa_bench.metrics.mdf import MDFLoss

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mdf"


def reproduce(data: Path, steps: int, device: torch.device, log=print):
    """Returns (our PSNRs, the authors' PSNRs) for the first ``steps`` steps."""
    ref = torch.from_numpy(np.asarray(Image.open(data / "example" / "i10.png").convert("RGB")) / 255.0)
    ref = ref.permute(2, 0, 1)[None].float().to(device)
    x = torch.load(data / "example" / "noisy_img.pt", weights_only=True).clone().to(device).requires_grad_(True)
    metric = MDFLoss(data / "Ds_SISR.pth").to(device)
    target = np.load(data / "example" / "PSNRs_MDF.npy")[:steps]
    optimizer = torch.optim.Adam([x], lr=0.1)
    ref_features = metric.reference_features(ref)
    ours = []
    start = time.perf_counter()
    for step in range(steps):
        optimizer.zero_grad()
        loss = metric.loss(ref, x, ref_features).mean()
        mse = torch.mean((ref.clamp(0, 1) - x.detach().clamp(0, 1)) ** 2).item()
        ours.append(10 * np.log10(1 / mse))
        log(f"step {step:3d}: PSNR {ours[-1]:.4f} dB, authors {target[step]:.4f} dB, "
            f"diff {ours[-1] - target[step]:+.5f}  ({time.perf_counter() - start:.0f} s)")
        loss.backward()
        optimizer.step()
    return np.array(ours), target


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    ours, target = reproduce(args.data, args.steps, resolve_device(args.device))
    deviation = np.abs(ours - target)
    print(f"max |PSNR - authors'| over {args.steps} steps: {deviation.max():.5f} dB at step {deviation.argmax()} "
          f"({'within' if deviation.max() <= 0.05 else 'OUTSIDE'} 0.05 dB)")


if __name__ == "__main__":
    main()
