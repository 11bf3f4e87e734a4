"""The pieces of MATLAB that the official IQA scripts depend on, and that no installed library has.

The published tables of LIVE, TID2013 and CSIQ were computed by the authors' MATLAB scripts on
``uint8`` images. Three conventions decide the fourth decimal of SSIM or GMSD:

* ``rgb2gray`` on a ``uint8`` image returns ``uint8``: the weighted sum
  0.298936021293775 R + 0.587043074451121 G + 0.114020904255103 B (the first row of
  ``inv(rgb2ntsc matrix)``, MATLAB's ``rgb2gray.m``), **rounded** half away from zero.
* ``rgb2ycbcr`` on ``uint8`` returns ``uint8``: Y = 16 + (65.481 R + 128.553 G + 24.966 B) / 255
  (ITU-R BT.601, MATLAB's ``rgb2ycbcr.m``), rounded the same way.
* ``fspecial('gaussian', 11, 1.5)`` and ``filter2(w, x, 'valid')`` (correlation, no padding),
  computed as two 1-D passes of the window's separable factor.

Rounding is applied with a straight-through gradient: the value is MATLAB's exactly, the gradient is
that of the unrounded expression, so the official variants still work as training losses.
Everything here runs in float64 (second moments of 0..255 images lose digits in float32).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

#: MATLAB ``rgb2gray`` coefficients (rgb2gray.m: ``coef = T(1,:)`` with ``T = inv(...)``).
RGB2GRAY = (0.298936021293775, 0.587043074451121, 0.114020904255103)
#: MATLAB ``rgb2ycbcr`` luma row for 8-bit data, offset 16 (rgb2ycbcr.m, ``origT(1,:)``).
YCBCR_Y = (65.481, 128.553, 24.966)


def round_half_away(x: torch.Tensor) -> torch.Tensor:
    """MATLAB ``round`` / uint8 conversion (half away from zero; torch.round rounds half to even),
    with a straight-through gradient."""
    rounded = torch.sign(x) * torch.floor(x.abs() + 0.5)
    return x + (rounded - x).detach()


def to_uint8_levels(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] images (as decoded from 8-bit files: k/255) to float64 values 0..255, rounded, as
    MATLAB's ``imread`` gives them (exact for 8-bit images; a 16-bit image is quantised to 8 bits)."""
    return round_half_away(x.double() * 255.0).clamp(0, 255)


def rgb2gray_uint8(x: torch.Tensor) -> torch.Tensor:
    """MATLAB ``rgb2gray(uint8 image)``: N×3×H×W in [0, 1] -> N×1×H×W float64 grey levels 0..255."""
    levels = to_uint8_levels(x)
    coef = levels.new_tensor(RGB2GRAY).view(1, 3, 1, 1)
    return round_half_away((levels * coef).sum(1, keepdim=True)).clamp(0, 255)


def rgb2ycbcr_y_uint8(x: torch.Tensor) -> torch.Tensor:
    """Y of MATLAB ``rgb2ycbcr(uint8 image)``: N×1×H×W float64 in 16..235."""
    levels = to_uint8_levels(x)
    coef = levels.new_tensor(YCBCR_Y).view(1, 3, 1, 1) / 255.0
    return round_half_away(16.0 + (levels * coef).sum(1, keepdim=True)).clamp(0, 255)


def gaussian_1d(size: int = 11, sigma: float = 1.5, device=None) -> torch.Tensor:
    """The normalised 1-D factor g of ``fspecial('gaussian', size, sigma)`` = g gᵀ (float64, sums to 1).

    ``fspecial`` forms exp(−(x² + y²)/2σ²) = e(x)·e(y), zeroes values below eps·max (none for the
    windows used here: the corner of the 11×11, σ = 1.5 window is 1.5e-5 of the centre) and divides by
    the sum Σe(x)Σe(y); the normalised 2-D kernel is therefore the outer product of e/Σe with itself."""
    axis = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    g = torch.exp(-axis ** 2 / (2 * sigma ** 2))
    if g.min() ** 2 < torch.finfo(torch.float64).eps * g.max() ** 2:
        raise ValueError(f"fspecial('gaussian', {size}, {sigma}) zeroes its tails: not separable")
    return g / g.sum()


#: Working memory allowed to one CPU convolution: float64 convolutions on the CPU unfold their input
#: (im2col) kernel-size times, so an 11×11 window on a 6000×6000 image would take 35 GB at once.
CONV_BUDGET_BYTES = 256 * 2 ** 20


def conv2d_bounded(x: torch.Tensor, weight: torch.Tensor, stride=1) -> torch.Tensor:
    """``F.conv2d(x, weight, stride=stride)`` (no padding, groups 1), computed on the CPU in bands of
    output rows whose unfolded input stays within :data:`CONV_BUDGET_BYTES`; identical values."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    n, _, h, w = x.shape
    _, c_in, kh, kw = weight.shape
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    per_row = n * c_in * kh * kw * max(out_w, 1) * x.element_size()
    rows = max(1, CONV_BUDGET_BYTES // per_row)
    if x.is_cuda or rows >= out_h:
        return F.conv2d(x, weight, stride=(sh, sw))
    bands = [F.conv2d(x[..., r * sh: (min(r + rows, out_h) - 1) * sh + kh, :], weight, stride=(sh, sw))
             for r in range(0, out_h, rows)]
    return torch.cat(bands, dim=2)


def gaussian_filter2_valid(g: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``filter2(fspecial('gaussian', ...), x, 'valid')`` for the window g gᵀ (:func:`gaussian_1d`), as
    two 1-D passes, each a sum of the window's taps times shifted views of the image (the order of a
    1-D convolution's sum): equal to the 2-D correlation up to float64 rounding (≈ 1e-13 on 0..255
    values, tested against scipy), ≈ 30× faster than a 2-D float64 convolution on the CPU, where
    float64 convolutions unfold their input (22 instead of 121 products per pixel for 11×11)."""
    taps = g.tolist()
    size = len(taps)
    rows, cols = x.shape[-2] - size + 1, x.shape[-1] - size + 1
    vertical = taps[0] * x[..., 0:rows, :]
    for k in range(1, size):
        vertical = vertical + taps[k] * x[..., k:k + rows, :]
    out = taps[0] * vertical[..., 0:cols]
    for k in range(1, size):
        out = out + taps[k] * vertical[..., k:k + cols]
    return out


def require_size(name: str, x: torch.Tensor, minimum: int, why: str) -> None:
    """A clear error when an image is smaller than the reference implementation accepts."""
    h, w = x.shape[-2:]
    if min(h, w) < minimum:
        raise ValueError(f"{name}: images must be at least {minimum}×{minimum} pixels ({why}), "
                         f"got {h}×{w}")
