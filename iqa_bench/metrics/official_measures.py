"""Classical measures as the authors' MATLAB scripts compute them (the numbers of the literature's tables).

Each function takes N×3×H×W images in [0, 1] (decoded 8-bit files) and returns (N,) float64.

* :func:`ssim_index` -- Z. Wang, ``ssim_index.m`` (2003/2004, the SSIM paper's code): on
  ``rgb2gray`` of the uint8 image, 11×11 Gaussian window σ = 1.5, K = (0.01, 0.03), L = 255,
  ``filter2(..., 'valid')``, mean of the SSIM map; no automatic downsampling (the later ``ssim.m``
  downsamples by round(min(H, W) / 256); IQA-PyTorch's calibration removed it as well).
* :func:`msssim` -- Z. Wang, ``msssim.m`` (Asilomar 2003): five scales of ``ssim_index_new`` (mean
  contrast-structure ``mcs`` and mean SSIM), weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333),
  between scales ``imfilter(im, ones(2)/4, 'symmetric', 'same')`` then ``im(1:2:end, 1:2:end)``;
  ``prod(mcs(1:4) .^ w(1:4)) * mssim(5) ^ w(5)``.
* :func:`gmsd` -- W. Xue, ``GMSD.m`` (2014): on grey levels 0..255, ``conv2(Y, ones(2)/4, 'same')``
  sampled every second pixel, 3×3 Prewitt gradients ``[1 0 -1; 1 0 -1; 1 0 -1]/3`` (``conv2 'same'``,
  zero padding), T = 170, ``std2`` (N − 1 normalisation) of the similarity map.
* :func:`psnr_y` -- PSNR of the Y channel of MATLAB ``rgb2ycbcr`` (uint8), the PSNR of TID2013's
  ``metrics_values/PSNR.txt`` and of most SR papers' MATLAB evaluation.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .matlab_conventions import conv2d_bounded, gaussian_1d, gaussian_filter2_valid, require_size, rgb2gray_uint8, rgb2ycbcr_y_uint8

MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
#: The PSNR of identical images is infinite; like piq, the MSE (on the [0, 1] scale) gets this floor,
#: so identical images score 80 dB.
PSNR_EPS = 1e-8


def _ssim_maps(x: torch.Tensor, y: torch.Tensor, k1: float = 0.01, k2: float = 0.03, peak: float = 255.0):
    """``ssim_index_new.m``: (mean SSIM, mean contrast-structure) over the 'valid' maps, per image."""
    window = gaussian_1d(11, 1.5, device=x.device)  # fspecial('gaussian', 11, 1.5) = window windowᵀ
    c1, c2 = (k1 * peak) ** 2, (k2 * peak) ** 2
    mu1, mu2 = gaussian_filter2_valid(window, x), gaussian_filter2_valid(window, y)
    sigma1_sq = gaussian_filter2_valid(window, x * x) - mu1 * mu1
    sigma2_sq = gaussian_filter2_valid(window, y * y) - mu2 * mu2
    sigma12 = gaussian_filter2_valid(window, x * y) - mu1 * mu2
    cs_map = (2 * sigma12 + c2) / (sigma1_sq + sigma2_sq + c2)
    ssim_map = (2 * mu1 * mu2 + c1) / (mu1 * mu1 + mu2 * mu2 + c1) * cs_map
    return ssim_map.flatten(1).mean(1), cs_map.flatten(1).mean(1)


def ssim_index(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """SSIM of ``ssim_index.m`` on MATLAB ``rgb2gray`` of the uint8 images (see the module docstring)."""
    require_size("ssim", ref, 11, "the 11×11 window of ssim_index.m, 'valid' filtering")
    return _ssim_maps(rgb2gray_uint8(ref), rgb2gray_uint8(dist))[0]


def _halve_symmetric(x: torch.Tensor) -> torch.Tensor:
    """``imfilter(x, ones(2)/4, 'symmetric', 'same')`` then ``x(1:2:end, 1:2:end)``: the 2×2 mean of
    each pixel with its right/lower neighbours, the last row/column mirrored (ceil(n/2) outputs)."""
    return F.avg_pool2d(F.pad(x, (0, 1, 0, 1), mode="replicate"), 2)


def msssim(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """MS-SSIM of ``msssim.m`` on MATLAB ``rgb2gray`` of the uint8 images (see the module docstring)."""
    # four halvings to ceil(n/2) must leave the fifth scale at least 11 pixels for the 11×11 window
    require_size("ms_ssim", ref, 161, "msssim.m's fifth scale must hold its 11×11 window")
    x, y = rgb2gray_uint8(ref), rgb2gray_uint8(dist)
    weights = torch.tensor(MSSSIM_WEIGHTS, dtype=torch.float64, device=x.device)
    mcs = []
    for level in range(len(MSSSIM_WEIGHTS)):
        mssim, cs = _ssim_maps(x, y)
        mcs.append(cs)
        if level < len(MSSSIM_WEIGHTS) - 1:
            x, y = _halve_symmetric(x), _halve_symmetric(y)
    # msssim.m raises negative mcs values to fractional powers (complex in MATLAB); they do not occur
    # on natural images, and are clamped at 0 here so the value stays real.
    mcs = torch.stack(mcs[:-1], 1).clamp_min(0)
    return torch.prod(mcs ** weights[:-1], 1) * mssim.clamp_min(0) ** weights[-1]


def gmsd(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """GMSD of ``GMSD.m`` on MATLAB ``rgb2gray`` of the uint8 images (lower = more similar)."""
    require_size("gmsd", ref, 4, "GMSD.m halves the image before its 3×3 gradients")
    average = torch.full((1, 1, 2, 2), 0.25, dtype=torch.float64, device=ref.device)
    prewitt_x = torch.tensor([[1.0, 0.0, -1.0]] * 3, dtype=torch.float64, device=ref.device) / 3
    kernels = torch.stack([prewitt_x, prewitt_x.T])[:, None]

    def gradient_magnitude(grey: torch.Tensor) -> torch.Tensor:
        # conv2(Y, ones(2)/4, 'same') keeps rows/columns 2..n+1 of the full convolution: the mean of
        # each pixel and its right/lower neighbours, zero beyond the border.
        halved = conv2d_bounded(F.pad(grey, (0, 1, 0, 1)), average)[..., ::2, ::2]
        grads = conv2d_bounded(F.pad(halved, (1, 1, 1, 1)), kernels)  # conv2 'same', zero padding
        return torch.sqrt((grads ** 2).sum(1, keepdim=True))

    g1, g2 = gradient_magnitude(rgb2gray_uint8(ref)), gradient_magnitude(rgb2gray_uint8(dist))
    t = 170.0
    quality_map = (2 * g1 * g2 + t) / (g1 ** 2 + g2 ** 2 + t)
    return quality_map.flatten(1).std(1, unbiased=True)


def psnr_y(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """PSNR (dB) of the Y channel of MATLAB ``rgb2ycbcr`` (uint8), peak 255."""
    diff = (rgb2ycbcr_y_uint8(ref) - rgb2ycbcr_y_uint8(dist)) / 255.0
    return -10 * torch.log10(diff.pow(2).flatten(1).mean(1) + PSNR_EPS)
