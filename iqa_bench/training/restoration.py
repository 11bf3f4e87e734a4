"""Restoration quality of a trained SR model (``iqa-bench sr-eval``).

BasicSR convention: SR output quantised to 8 bits; PSNR and SSIM on the Y channel of ITU-R BT.601
(``rgb2ycbcr``: Y = 16 + 65.481 R + 128.553 G + 24.966 B, RGB in [0, 1]) with a border of ``scale``
pixels cropped. SSIM is piq's (11×11 Gaussian, σ = 1.5, no down-sampling). Also LPIPS (alex), VIF
(``vif``: Sheikh & Bovik's wavelet-domain ``vifvec.m`` on MATLAB rgb2gray, the VIF the AFM paper's
Tables I and IV cite), ICOO over the test set (lower is better), and NIQE / PI = ((10 − NRQM) + NIQE)/2 when
``pyiqa`` and its model files are available — otherwise the output says they were not computed and
why; no other measure is ever reported under their names.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd
import piq
import torch
from PIL import Image

from ..images import to_uint8
from ..io_utils import atomic_write, atomic_write_text
from ..metrics import create_metric
from ..metrics.dec import icoo
from .data import test_pairs


def rgb_to_y(images: torch.Tensor) -> torch.Tensor:
    """BT.601 luma as MATLAB's rgb2ycbcr, in [16/255, 235/255]: N×3×H×W -> N×1×H×W."""
    weights = torch.tensor([65.481, 128.553, 24.966], dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(1, keepdim=True) / 255.0 + 16.0 / 255.0


def quantise(images: torch.Tensor) -> torch.Tensor:
    return images.clamp(0, 1).mul(255).round().div(255)


def crop_border(images: torch.Tensor, border: int) -> torch.Tensor:
    return images[..., border:-border, border:-border] if border > 0 else images


def psnr_y(sr: torch.Tensor, hr: torch.Tensor, border: int) -> torch.Tensor:
    a, b = crop_border(rgb_to_y(sr.double()), border), crop_border(rgb_to_y(hr.double()), border)
    mse = ((a - b) ** 2).flatten(1).mean(1)
    return 10 * torch.log10(1.0 / mse)


def ssim_y(sr: torch.Tensor, hr: torch.Tensor, border: int) -> torch.Tensor:
    a, b = crop_border(rgb_to_y(sr.double()), border), crop_border(rgb_to_y(hr.double()), border)
    return piq.ssim(a, b, data_range=1.0, reduction="none", downsample=False)


def _optional_metric(spec: str):
    try:
        return create_metric(spec), None
    except Exception as err:  # weights not obtainable here
        return None, f"{spec} not computed: {err}"


def _pyiqa_metric(name: str):
    try:
        import pyiqa
    except ImportError:
        return None, (f"{name} not computed: needs the pyiqa package and its model files "
                      f"(pip install pyiqa; it downloads them on first use)")
    try:
        return pyiqa.create_metric(name, device="cpu"), None
    except Exception as err:
        return None, f"{name} not computed: pyiqa could not load it ({err})"


@dataclass
class RestorationResult:
    per_image: pd.DataFrame
    summary: Dict[str, float]
    unavailable: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class SrTestSet:
    """A test set of super-resolution: the folder of HR images, the scale, and how each LR image is had:
    made from its HR image with ``bicubic`` (MATLAB's imresize or torch's), or read from ``lr_folder``."""

    folder: Path
    scale: int
    bicubic: str = "matlab"
    lr_folder: Optional[Path] = None


def evaluate_restoration(model: torch.nn.Module, testset: SrTestSet, output: Optional[Path] = None, device="cpu",
                         lpips_spec: str = "lpips:alex") -> RestorationResult:
    """Run the model on every test image and measure the restoration (see module docstring)."""
    scale = testset.scale
    model = model.to(device).eval()
    lpips, lpips_reason = _optional_metric(lpips_spec)
    vif = create_metric("vif")
    niqe, niqe_reason = _pyiqa_metric("niqe")
    nrqm, nrqm_reason = _pyiqa_metric("nrqm")
    unavailable = [r for r in (lpips_reason, niqe_reason, nrqm_reason) if r]
    if niqe is None or nrqm is None:
        unavailable.append("pi not computed: PI = ((10 - NRQM) + NIQE) / 2 needs both NIQE and NRQM")
    rows, srs, hrs = [], [], []
    for name, lr, hr in test_pairs(testset.folder, scale, testset.bicubic, testset.lr_folder):
        with torch.no_grad():
            sr = quantise(model(lr.to(device))).cpu()
        sr = sr[..., : hr.shape[-2], : hr.shape[-1]]
        row = {"image": name, "psnr_y": float(psnr_y(sr, hr, scale)), "ssim_y": float(ssim_y(sr, hr, scale))}
        cropped_sr, cropped_hr = crop_border(sr, scale), crop_border(hr, scale)
        try:
            row["vif"] = float(vif(cropped_hr, cropped_sr))
        except ValueError as err:  # vifvec's four-level pyramid needs at least 48×48 pixels
            row["vif"] = float("nan")
            unavailable.append(f"vif not computed for {name}: {err}")
        if lpips is not None:
            row[lpips_spec] = float(lpips(cropped_hr, cropped_sr))
        if niqe is not None and nrqm is not None:
            row["niqe"] = float(niqe(sr))
            row["nrqm"] = float(nrqm(sr))
            row["pi"] = ((10 - row["nrqm"]) + row["niqe"]) / 2
        rows.append(row)
        srs.append(sr)
        hrs.append(hr)
        if output is not None:
            array = to_uint8(sr)
            atomic_write(Path(output) / "images" / f"{name}.png", lambda tmp: Image.fromarray(array).save(tmp, "PNG"))
    per_image = pd.DataFrame(rows)
    summary = {k: float(per_image[k].mean()) for k in per_image.columns if k != "image"}
    try:
        summary["icoo"] = icoo(srs, hrs)
    except ValueError as err:
        unavailable.append(f"icoo not computed: {err}")
    if output is not None:
        atomic_write_text(Path(output) / "per_image.csv", per_image.to_csv(index=False))
        atomic_write_text(Path(output) / "summary.csv", pd.Series(summary).rename("value").to_csv())
    return RestorationResult(per_image, summary, unavailable)
