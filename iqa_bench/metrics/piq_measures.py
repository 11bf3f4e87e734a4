"""Classical full-reference measures: the convention of the literature's tables by default, piq's own
functions (not re-implemented) by name.

Which reference implementation each default reproduces, and why it is the default, is in the documentation (docs/metrics.md)
("Calibration"); ``iqa-bench calibrate`` checks the defaults against the official values.

* ``psnr`` -- RGB PSNR over all channels, peak 1 (= skimage ``peak_signal_noise_ratio`` on uint8, the
  "official" PSNR of IQA-PyTorch's calibration); piq's ``psnr``. ``psnr:y`` -- Y of MATLAB
  ``rgb2ycbcr`` (TID2013's ``PSNR.txt``, SR papers).
* ``ssim``, ``ms_ssim``, ``gmsd`` -- Wang's ``ssim_index.m`` / ``msssim.m`` and Xue's ``GMSD.m`` on
  MATLAB ``rgb2gray`` (:mod:`.official_measures`); ``:piq`` -- piq's functions (RGB-channel average,
  automatic downsampling for SSIM; piq's own grey conversion for GMSD).
* ``vif`` -- Sheikh & Bovik's wavelet-domain ``vifvec.m`` (:mod:`.vif_wavelet`); ``vifp`` -- the
  pixel-domain VIFp (piq's ``vif_p``, = ``vifp_mscale.m`` on the YIQ luminance).
* ``fsim`` / ``fsimc`` -- Zhang's ``FeatureSIM.m`` FSIM (luminance) / FSIMc, ported by piq.
* ``haarpsi``, ``mdsi``, ``vsi`` -- piq's ports of the authors' MATLAB ``HaarPSI.m``, ``MDSI.m``,
  ``VSI.m``.
"""
from __future__ import annotations

from typing import Callable

import piq
import torch

from . import official_measures
from .base import Metric
from .registry import MetricFamily, register
from .vif_wavelet import vif_wavelet


#: Smallest side piq's function accepts (or gives a number at), and why.
MIN_SIDE = {"multi_scale_ssim": (161, "piq's five scales of an 11×11 window"),
            "information_weighted_ssim": (161, "piq's five-scale Laplacian pyramid of an 11×11 window"),
            "multi_scale_gmsd": (17, "piq's four scales"),
            "srsim": (40, "piq's saliency map at a quarter of the size holds its Gaussian (9 or 10 taps)"),
            "dss": (32, "piq's dss returns NaN below 32×32 (measured)")}


class PiqMeasure(Metric):
    """One piq function as a Metric; keyword arguments are passed through unchanged."""

    source = f"library: piq {piq.__version__}"
    bytes_per_pixel = 150.0  # measured at 2000×2000: vifp 120, haarpsi 70, vsi 65, fsim/mdsi 25 B/px

    def __init__(self, function, higher_is_better: bool, reference_first: bool = False, **kwargs):
        super().__init__()
        self.function, self.kwargs, self.reference_first = function, kwargs, reference_first
        self.higher_is_better = higher_is_better
        self.min_side, self.min_side_reason = MIN_SIDE.get(function.__name__, (0, ""))

    def digest(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in sorted(self.kwargs.items()))
        order = "-reference-first" if self.reference_first else ""
        return f"piq-{piq.__version__}-{self.function.__name__}{order}({args})"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        # piq's order is (x, y) = (prediction, target), the distorted image first, for every measure
        # below but IW-SSIM, whose x is iwssim.m's original (piq's MATLAB test passes I01 first: 0.946805
        # that way, 0.946239 the other); the symmetric ones give the same either way.
        if self.reference_first:
            ref, dist = dist, ref
        return self.function(dist, ref, data_range=1.0, reduction="none", **self.kwargs)


class OfficialMeasure(Metric):
    """A measure computed as its authors' MATLAB script computes it (:mod:`.official_measures`,
    :mod:`.vif_wavelet`); float64 inside, returned in the input's dtype."""

    source = "iqa-bench (MATLAB reference conventions)"
    VERSION = 1  # bump when a MATLAB-convention implementation changes its values
    #: float64 maps; measured at 2000×2000 on the CPU: ssim 160, ms_ssim 130, vif 320, gmsd 110 B/px
    MEMORY = {"ssim": 200.0, "ms_ssim": 200.0, "vif": 400.0, "gmsd": 150.0, "psnr_y": 100.0}
    #: smallest side and why (the same checks the functions make: official_measures, vif_wavelet)
    MIN_SIDE = {"ms_ssim": (161, "msssim.m's fifth scale must hold its 11×11 window"),
                "vif": (48, "vifvec.m's four-level steerable pyramid")}

    def __init__(self, name: str, function: Callable, higher_is_better: bool):
        super().__init__()
        self.name, self.function = name, function
        self.higher_is_better = higher_is_better
        self.bytes_per_pixel = self.MEMORY.get(name, 400.0)
        self.min_side, self.min_side_reason = self.MIN_SIDE.get(name, (0, ""))

    def digest(self) -> str:
        return f"iqa-bench-{self.name}-matlab-v{self.VERSION}"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return self.function(ref, dist).to(ref.dtype)


def _piq(function, higher: bool, **kwargs):
    return lambda: PiqMeasure(function, higher, **kwargs)


def _piq_reference_first(function, higher: bool, **kwargs):
    return lambda: PiqMeasure(function, higher, reference_first=True, **kwargs)


def _official(name: str, function, higher: bool):
    return lambda: OfficialMeasure(name, function, higher)


def _register(name: str, higher: bool, variants, reference: str, calibrated: str, description: str,
              group: str = "structural") -> None:
    """``variants``: ``[(variant, what it reproduces, factory), ...]``, the first being the default (the
    bare name); a family with a single implementation takes no variant argument."""
    factories = {variant: factory for variant, _, factory in variants}
    default = variants[0][0]
    listed = tuple((variant, what) for variant, what, _ in variants) if len(variants) > 1 else ()
    register(MetricFamily(
        name, lambda arg: factories[arg or default](), higher_is_better=higher, needs_weights=False,
        source=f"reference: {reference}", description=description,
        argument="|".join(v for v, _ in listed), variants=listed, calibrated=calibrated, group=group))


PIQ_VARIANT = "piq's function with its defaults"

_register("psnr", True,
          [("rgb", "all RGB channels, peak 255 (skimage peak_signal_noise_ratio; piq psnr)", _piq(piq.psnr, True)),
           ("y", "Y of MATLAB rgb2ycbcr on uint8 (TID2013 PSNR.txt, SR papers)",
            _official("psnr_y", official_measures.psnr_y, True))],
          "skimage.metrics.peak_signal_noise_ratio on uint8 RGB (IQA-PyTorch's official PSNR)",
          "ResultsCalibra 5 pairs; TID2013 PSNRc/PSNR.txt", "peak signal-to-noise ratio (dB)", group="pixel")
_register("ssim", True,
          [("matlab", "ssim_index.m on MATLAB rgb2gray(uint8), no downsampling",
            _official("ssim", official_measures.ssim_index, True)),
           ("piq", PIQ_VARIANT, _piq(piq.ssim, True))],
          "ssim_index.m, Z. Wang (2004)", "ResultsCalibra 5 pairs", "structural similarity (Wang et al. 2004)")
_register("ms_ssim", True,
          [("matlab", "msssim.m on MATLAB rgb2gray(uint8)", _official("ms_ssim", official_measures.msssim, True)),
           ("piq", PIQ_VARIANT, _piq(piq.multi_scale_ssim, True))],
          "msssim.m, Z. Wang (2003)", "ResultsCalibra 5 pairs (2 known deviations)",
          "multi-scale SSIM (Wang et al. 2003; needs H, W >= 161)")
_register("vif", True, [("matlab", "", _official("vif", vif_wavelet, True))],
          "vifvec.m, H. R. Sheikh (LIVE), on MATLAB rgb2gray(uint8)", "ResultsCalibra 5 pairs",
          "visual information fidelity, wavelet domain (Sheikh & Bovik 2006)", group="information-theoretic")
_register("vifp", True, [("piq", "", _piq(piq.vif_p, True))],
          "vifp_mscale.m, H. R. Sheikh (LIVE), on the YIQ luminance (piq's port)", "piq's MATLAB value (I01)",
          "visual information fidelity, pixel domain (VIFp)", group="information-theoretic")
_register("gmsd", False,
          [("matlab", "GMSD.m on MATLAB rgb2gray(uint8)", _official("gmsd", official_measures.gmsd, False)),
           ("piq", PIQ_VARIANT, _piq(piq.gmsd, False))],
          "GMSD.m, W. Xue (2014)", "ResultsCalibra 5 pairs", "gradient magnitude similarity deviation")
_register("fsim", True, [("piq", "", _piq(piq.fsim, True, chromatic=False))],
          "FeatureSIM.m (FSIM), L. Zhang (2011), piq's port", "piq's MATLAB value (I01)",
          "feature similarity, luminance only (FSIM)")
_register("fsimc", True, [("piq", "", _piq(piq.fsim, True))],
          "FeatureSIM.m (FSIMc), L. Zhang (2011), piq's port", "ResultsCalibra 5 pairs; piq's MATLAB value (I01)",
          "feature similarity with chrominance (FSIMc)")
_register("haarpsi", True, [("piq", "", _piq(piq.haarpsi, True))],
          "HaarPSI.m, R. Reisenhofer (2018), piq's port", "piq's MATLAB value (I01)",
          "Haar wavelet perceptual similarity")
_register("mdsi", False, [("piq", "", _piq(piq.mdsi, False))],
          "MDSI.m, H. Z. Nafchi (2016), piq's port", "piq's MATLAB value (I01)", "mean deviation similarity index")
_register("vsi", True, [("piq", "", _piq(piq.vsi, True))],
          "VSI.m, L. Zhang (2014), piq's port", "not calibrated: no official value available",
          "visual saliency-induced index")

# piq's other full-reference measures, each as piq's own function with its defaults (piq README, "Full
# Reference"): no re-implementation, and no official value on this machine to calibrate them against.
_register("iw_ssim", True, [("piq", "", _piq_reference_first(piq.information_weighted_ssim, True))],
          "iwssim.m, Z. Wang & Q. Li (2011), piq's port", "piq's MATLAB value (I01)",
          "information content weighted SSIM (IW-SSIM; needs H, W >= 161)", group="information-theoretic")
_register("ms_gmsd", False, [("piq", "", _piq(piq.multi_scale_gmsd, False, chromatic=False))],
          "MS-GMSD, B. Zhang et al. (2017), piq's port", "", "multi-scale GMSD, luminance (MS-GMSD)")
_register("ms_gmsdc", False, [("piq", "", _piq(piq.multi_scale_gmsd, False, chromatic=True))],
          "MS-GMSD, B. Zhang et al. (2017), piq's port", "", "multi-scale GMSD with chrominance (MS-GMSDc)")
#: SR_SIM.m smooths the spectral-residual saliency map with fspecial('gaussian', 9, 3.8): piq's default
#: window is 10 taps (7e-4 from SR_SIM.m on I01); piq's own MATLAB test passes gaussian_size=9 and then
#: agrees to 3e-7. The default reproduces SR_SIM.m; ``:piq`` keeps piq's default.
SRSIM_MATLAB = {"gaussian_size": 9}
_register("srsim", True,
          [("matlab", "SR_SIM.m's 9-tap Gaussian (piq's srsim, gaussian_size=9)",
            _piq(piq.srsim, True, chromatic=False, **SRSIM_MATLAB)),
           ("piq", PIQ_VARIANT + " (a 10-tap Gaussian: 7e-4 from SR_SIM.m on I01)", _piq(piq.srsim, True, chromatic=False))],
          "SR_SIM.m, L. Zhang & H. Li (2012), piq's port", "piq's MATLAB value (I01), within 1e-5",
          "spectral residual similarity (SR-SIM)")
_register("srsimc", True,
          [("matlab", "SR_SIM.m's 9-tap Gaussian (piq's srsim, gaussian_size=9)",
            _piq(piq.srsim, True, chromatic=True, **SRSIM_MATLAB)),
           ("piq", PIQ_VARIANT + " (a 10-tap Gaussian)", _piq(piq.srsim, True, chromatic=True))],
          "SR_SIM.m, L. Zhang & H. Li (2012), piq's port", "", "spectral residual similarity with chrominance")
_register("dss", True, [("piq", "", _piq(piq.dss, True))],
          "DSS, A. Balanis et al. (2015), piq's port", "", "DCT subband similarity (DSS)")
