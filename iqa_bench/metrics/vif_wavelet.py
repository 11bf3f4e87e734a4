"""Visual information fidelity in the wavelet domain: Sheikh & Bovik's ``vifvec.m`` (the VIF of the
LIVE, TID2013 and CSIQ tables).

H. R. Sheikh and A. C. Bovik, "Image information and visual quality", IEEE TIP 15(2), 2006; reference
code ``vifvec_release`` (LIVE): ``vifvec.m``, ``vifsub_est_M.m``, ``refparams_vecgsm.m``.

* Steerable pyramid ``buildSpyr(im, 4, 'sp5Filters', 'reflect1')`` (matlabPyrTools): the sp5 filters
  come from ``pyrtools`` (the maintained Python port of matlabPyrTools, MIT licence); the correlations
  (``corrDn`` with reflect1 edges = torch 'reflect' padding) run here in torch, batched, float64.
* Subbands 4, 7, 10, …, 25 of ``ind2wtree`` (the 0° and 90° bands of each of the four levels), GSM
  vectors of M×M = 3×3 neighbours, σ_n² = 0.4, tolerance 1e-15, border offset ceil((w − 1) / 2 / M).
* Distortion channel (``vifsub_est_M``): gain g and noise variance v from (2^lev + 1)² windows sampled
  every M pixels; reference parameters (``refparams_vecgsm``): covariance C_U of all overlapping M×M
  blocks, s² = uᵀ C_U⁻¹ u / M² on non-overlapping blocks, eigenvalues λ_j of C_U.
* VIF = Σ_subbands Σ_j Σ log2(1 + g² s² λ_j / (v + σ_n²)) / Σ_subbands Σ_j Σ log2(1 + s² λ_j / σ_n²).

The input is MATLAB ``rgb2gray`` of the uint8 image (as IQA-PyTorch's calibration ran the script).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Dict, List

import torch
import torch.nn.functional as F

from .matlab_conventions import conv2d_bounded, require_size, rgb2gray_uint8

LEVELS = 4
ORIENTATIONS = 6
#: ``vifvec.m``: subbands of the ``ind2wtree`` cell array (1-based), GSM neighbourhood, noise variance.
SUBBANDS = (4, 7, 10, 13, 16, 19, 22, 25)
M = 3
SIGMA_NSQ = 0.4
TOL = 1e-15


@lru_cache(maxsize=1)
def _sp5_filters_cpu() -> Dict[str, torch.Tensor]:
    """matlabPyrTools' ``sp5Filters`` from pyrtools, as float64 correlation kernels."""
    try:
        from pyrtools.pyramids.filters import steerable_filters
    except ImportError as err:  # pragma: no cover - pyrtools is a dependency
        raise RuntimeError("vif (wavelet domain) needs pyrtools: pip install pyrtools") from err
    raw = steerable_filters("sp5_filters")
    size = int(round(math.sqrt(raw["bfilts"].shape[0])))
    # MATLAB reshapes each column of bfilts column-major: reshape(size, size).T in numpy's order.
    bands = [torch.from_numpy(raw["bfilts"][:, b].reshape(size, size).T.copy()) for b in range(ORIENTATIONS)]
    return {"hi0": torch.from_numpy(raw["hi0filt"].copy()), "lo0": torch.from_numpy(raw["lo0filt"].copy()),
            "lo": torch.from_numpy(raw["lofilt"].copy()), "bands": torch.stack(bands)}


def _corr_reflect(x: torch.Tensor, kernel: torch.Tensor, stride: int = 1) -> torch.Tensor:
    """matlabPyrTools ``corrDn(x, kernel, 'reflect1', [stride stride])``: correlation with the image
    mirrored about its edge pixels, sampled from the first pixel. ``kernel``: K×k×k (K outputs)."""
    pad = (kernel.shape[-1] - 1) // 2
    return conv2d_bounded(F.pad(x, (pad, pad, pad, pad), mode="reflect"), kernel[:, None].to(x), stride)


def steerable_pyramid(grey: torch.Tensor, highpass: bool = True) -> List[torch.Tensor]:
    """``buildSpyr(grey, 4, 'sp5Filters', 'reflect1')`` in ``ind2wtree`` order: residual lowpass,
    then the levels from coarsest to finest (orientations last to first), then the residual highpass
    (left out with ``highpass=False``: ``vifvec.m`` never reads it, and its 9×9 filter at full
    resolution is a third of the pyramid's work). ``grey``: N×1×H×W float64; every entry N×1×h×w."""
    filters = _sp5_filters_cpu()
    pyramid = [_corr_reflect(grey, filters["hi0"][None])] if highpass else []
    low = _corr_reflect(grey, filters["lo0"][None])
    for _ in range(LEVELS):
        bands = _corr_reflect(low, filters["bands"])
        pyramid.extend(bands[:, b:b + 1] for b in range(ORIENTATIONS))
        low = _corr_reflect(low, filters["lo"][None], stride=2)
    pyramid.append(low)
    return pyramid[::-1]


def _level(subband: int) -> int:
    return math.ceil((subband - 1) / 6)


def _crop_to_multiple(x: torch.Tensor) -> torch.Tensor:
    h, w = x.shape[-2:]
    return x[..., : h // M * M, : w // M * M]


def _distortion_channel(ref_band: torch.Tensor, dist_band: torch.Tensor, subband: int):
    """``vifsub_est_M.m``: gain g and additive-noise variance vv on a grid of every M-th pixel."""
    y, yn = _crop_to_multiple(ref_band), _crop_to_multiple(dist_band)
    winsize = 2 ** _level(subband) + 1
    area = float(winsize * winsize)
    h, w = y.shape[-2:]
    pad = (winsize - 1) // 2
    # corrDn(t, ones(winsize), 'reflect1', [M M], floor(M/2)+1, size - ceil(M/2) + 1) for the five
    # moments at once: window centres at 1, 1 + M, ... (0-based), h/M × w/M sums per moment, as a
    # separable strided box correlation.
    moments = torch.stack([y, yn, y * y, yn * yn, y * yn], 1).flatten(0, 2)[:, None]   # (N·5)×1×h×w
    padded = F.pad(moments, (pad, pad, pad, pad), mode="reflect")[..., M // 2:, M // 2:]
    ones = torch.ones(1, 1, 1, winsize, dtype=y.dtype, device=y.device)
    sums = conv2d_bounded(conv2d_bounded(padded, ones, (1, M)), ones.transpose(2, 3), (M, 1))
    sums = sums[..., : h // M, : w // M].reshape(y.shape[0], 5, 1, h // M, w // M)
    sum_x, sum_y, sum_xx, sum_yy, sum_xy = sums.unbind(1)
    mean_x, mean_y = sum_x / area, sum_y / area
    cov_xy = sum_xy - area * mean_x * mean_y
    ss_x = (sum_xx - area * mean_x ** 2).clamp_min(0)
    ss_y = (sum_yy - area * mean_y ** 2).clamp_min(0)
    g = cov_xy / (ss_x + TOL)
    vv = (ss_y - g * cov_xy) / area
    flat_x, flat_y = ss_x < TOL, ss_y < TOL
    g = torch.where(flat_x, torch.zeros_like(g), g)
    vv = torch.where(flat_x, ss_y, vv)
    g = torch.where(flat_y, torch.zeros_like(g), g)
    vv = torch.where(flat_y, torch.zeros_like(vv), vv)
    negative = g < 0
    vv = torch.where(negative, ss_y, vv)
    g = g.clamp_min(0)
    vv = torch.where(vv <= TOL, torch.full_like(vv, TOL), vv)
    return g, vv


def _reference_gsm(ref_band: torch.Tensor):
    """``refparams_vecgsm.m``: s² field on non-overlapping M×M blocks and the eigenvalues of C_U."""
    y = _crop_to_multiple(ref_band)
    n, _, h, w = y.shape
    overlapping = F.unfold(y, M)                          # N × M² × blocks (all positions)
    centred = overlapping - overlapping.mean(2, keepdim=True)
    cov = centred @ centred.transpose(1, 2) / overlapping.shape[2]
    blocks = F.unfold(y, M, stride=M)                      # N × M² × (h/M · w/M)
    ss = (torch.linalg.inv(cov) @ blocks * blocks).sum(1) / (M * M)
    eigenvalues = torch.linalg.eigvalsh(cov)               # N × M²
    return ss.reshape(n, 1, h // M, w // M), eigenvalues


def vif_wavelet(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """VIF of ``vifvec.m`` on MATLAB ``rgb2gray`` of the uint8 images, one value per pair."""
    require_size("vif", ref, 48, "vifvec.m's four-level steerable pyramid")
    n = ref.shape[0]
    both = steerable_pyramid(rgb2gray_uint8(torch.cat([ref, dist])), highpass=False)  # both images at once
    ref_pyr, dist_pyr = [band[:n] for band in both], [band[n:] for band in both]
    num = torch.zeros(ref.shape[0], dtype=torch.float64, device=ref.device)
    den = torch.zeros_like(num)
    for subband in SUBBANDS:
        g, vv = _distortion_channel(ref_pyr[subband - 1], dist_pyr[subband - 1], subband)
        ss, eigenvalues = _reference_gsm(ref_pyr[subband - 1])
        offset = math.ceil((2 ** _level(subband)) / 2 / M)  # ceil(((winsize - 1) / 2) / M)
        crop = (slice(None), slice(None), slice(offset, -offset), slice(offset, -offset))
        g, vv, ss = g[crop], vv[crop], ss[crop]
        lam = eigenvalues[:, :, None, None, None]          # N × M² × 1 × 1 × 1
        num += torch.log2(1 + (g * g * ss / (vv + SIGMA_NSQ))[:, None] * lam).flatten(1).sum(1)
        den += torch.log2(1 + (ss / SIGMA_NSQ)[:, None] * lam).flatten(1).sum(1)
    return num / den
