"""Training and test data for SR: HR images from a folder (DIV2K layout or any folder of images).

Training samples are random HR crops (``patch`` pixels, a multiple of the scale) with random flips and
90° rotations; the LR input is the crop downscaled by the MATLAB-exact bicubic (``bicubic="matlab"``,
as the papers' LR images) or torch's antialiased bicubic (``"torch"``), clamped to [0, 1].
Sample ``i`` is drawn from a generator seeded with (seed, i), so any sample — and therefore a run
resumed at any iteration, or split across ranks — is reproducible without replaying the stream.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ..images import image_files, load_rgb
from .bicubic import imresize

def downscale(hr: torch.Tensor, scale: int, bicubic: str = "matlab") -> torch.Tensor:
    """LR from HR (N×3×H×W, H and W multiples of ``scale``)."""
    if bicubic == "matlab":
        lr = imresize(hr, 1.0 / scale)
    elif bicubic == "torch":
        lr = F.interpolate(hr, scale_factor=1.0 / scale, mode="bicubic", antialias=True, align_corners=False)
    else:
        raise ValueError(f"bicubic {bicubic!r}: choose matlab or torch")
    return lr.clamp(0, 1)


def modcrop(image: torch.Tensor, scale: int) -> torch.Tensor:
    h, w = image.shape[-2:]
    return image[..., : h - h % scale, : w - w % scale]


class RandomCrops(Dataset):
    """``length`` samples of (LR, HR) crops; sample i is a pure function of (seed, i)."""

    def __init__(self, folder, scale: int, patch: int, length: int, seed: int = 0, bicubic: str = "matlab"):
        if patch % scale:
            raise ValueError(f"patch {patch} must be a multiple of the scale {scale}")
        self.images = [load_rgb(p) for p in image_files(folder)]
        small = [p for p, im in zip(image_files(folder), self.images) if min(im.shape[-2:]) < patch]
        if small:
            raise ValueError(f"images smaller than the {patch}-pixel crop: {', '.join(map(str, small))}")
        self.scale, self.patch, self.length, self.seed, self.bicubic = scale, patch, length, seed, bicubic

    def __len__(self):
        return self.length

    def __getitem__(self, index: int) -> Tuple[torch.Tensor, torch.Tensor]:
        rng = np.random.default_rng([self.seed, index])
        image = self.images[rng.integers(len(self.images))]
        h, w = image.shape[-2:]
        y, x = rng.integers(0, h - self.patch + 1), rng.integers(0, w - self.patch + 1)
        hr = image[:, y:y + self.patch, x:x + self.patch]
        if rng.random() < 0.5:
            hr = hr.flip(-1)
        if rng.random() < 0.5:
            hr = hr.flip(-2)
        hr = torch.rot90(hr, int(rng.integers(4)), dims=(-2, -1)).contiguous()
        lr = downscale(hr[None], self.scale, self.bicubic)[0]
        return lr.float(), hr


def test_pairs(folder, scale: int, bicubic: str = "matlab", lr_folder=None):
    """(name, LR, HR) per image of a test folder: HR mod-cropped to the scale; LR made from it, or read
    from ``lr_folder`` (same file stem, optionally with an ``x<scale>`` suffix as in DIV2K/BasicSR)."""
    lr_files = {}
    if lr_folder is not None:
        for path in image_files(lr_folder):
            stem = path.stem[: -len(f"x{scale}")] if path.stem.endswith(f"x{scale}") else path.stem
            lr_files[stem] = path
    for path in image_files(folder):
        hr = modcrop(load_rgb(path), scale)[None]
        if lr_folder is None:
            yield path.stem, downscale(hr, scale, bicubic), hr
            continue
        if path.stem not in lr_files:
            raise FileNotFoundError(f"no LR image for {path} in {lr_folder}")
        lr = load_rgb(lr_files[path.stem])[None]
        if tuple(lr.shape[-2:]) != (hr.shape[-2] // scale, hr.shape[-1] // scale):
            raise ValueError(f"{lr_files[path.stem]} is {lr.shape[-1]}×{lr.shape[-2]}, expected "
                             f"{hr.shape[-1] // scale}×{hr.shape[-2] // scale} for {path} at ×{scale}")
        yield path.stem, lr, hr
