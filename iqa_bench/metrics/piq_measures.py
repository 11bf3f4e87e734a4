"""Full-reference measures computed by piq (not re-implemented): PSNR, SSIM, MS-SSIM, VIFp, GMSD,
FSIM, HaarPSI, MDSI, VSI. Each wraps piq's functional form with ``reduction='none'``."""
from __future__ import annotations

import piq
import torch

from .base import Metric
from .registry import MetricFamily, register


class PiqMeasure(Metric):
    """One piq function as a Metric; keyword arguments are passed through unchanged."""

    source = f"library: piq {piq.__version__}"

    def __init__(self, function, higher_is_better: bool, **kwargs):
        super().__init__()
        self.function, self.kwargs = function, kwargs
        self.higher_is_better = higher_is_better

    def digest(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in sorted(self.kwargs.items()))
        return f"piq-{piq.__version__}-{self.function.__name__}({args})"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        # piq's order is (x, y) = (prediction, target); every measure below is symmetric or
        # documented with the distorted image first.
        return self.function(dist, ref, data_range=1.0, reduction="none", **self.kwargs)


_PIQ = [
    # name, piq function, higher is better, description, paper
    ("psnr", piq.psnr, True, "peak signal-to-noise ratio (dB)", ""),
    ("ssim", piq.ssim, True, "structural similarity", "Wang et al. 2004"),
    ("ms_ssim", piq.multi_scale_ssim, True, "multi-scale SSIM (needs H, W > 160)", "Wang et al. 2003"),
    ("vif", piq.vif_p, True, "visual information fidelity, pixel domain (VIFp)", "Sheikh & Bovik 2006"),
    ("gmsd", piq.gmsd, False, "gradient magnitude similarity deviation", "Xue et al. 2014"),
    ("fsim", piq.fsim, True, "feature similarity (FSIMc)", "Zhang et al. 2011"),
    ("haarpsi", piq.haarpsi, True, "Haar wavelet perceptual similarity", "Reisenhofer et al. 2018"),
    ("mdsi", piq.mdsi, False, "mean deviation similarity index", "Nafchi et al. 2016"),
    ("vsi", piq.vsi, True, "visual saliency-induced index", "Zhang et al. 2014"),
]

for _name, _fn, _higher, _desc, _paper in _PIQ:
    register(MetricFamily(
        _name,
        (lambda fn, higher: (lambda arg: PiqMeasure(fn, higher)))(_fn, _higher),
        higher_is_better=_higher, needs_weights=False,
        source=f"library: piq{'; paper: ' + _paper if _paper else ''}",
        description=_desc,
        aliases=("vifp",) if _name == "vif" else (),
    ))
