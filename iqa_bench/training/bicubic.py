"""MATLAB-exact ``imresize(..., 'bicubic')`` in torch, the resize the SR papers' LR images and
numbers (PSNR/SSIM on Y) rest on.

MATLAB: cubic kernel with a = −0.5; when shrinking, the kernel is widened by 1/scale (antialiasing)
and scaled by ``scale``; output pixel x (1-based) samples input coordinate u = x/scale + 0.5·(1 − 1/scale);
the taps are ⌊u − width/2⌋ … ⌈width⌉ + 2 further, weights normalised to sum 1; out-of-range taps are
mirrored (symmetric padding). PIL's and torch's antialiased bicubic differ from this (PIL uses
a = −0.5 but other coordinate/normalisation details; ``torch.nn.functional.interpolate(...,
antialias=True)`` likewise): use this one to reproduce the papers' LR images.
"""
from __future__ import annotations

import math

import torch


def cubic(x: torch.Tensor) -> torch.Tensor:
    """Keys' cubic with a = −0.5 (MATLAB's)."""
    ax = x.abs()
    ax2, ax3 = ax ** 2, ax ** 3
    return ((1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def _weights(in_length: int, out_length: int, scale: float, dtype=torch.float64):
    """(indices, weights) of shape (out_length, taps), as MATLAB's ``contributions``."""
    width = 4.0 / scale if scale < 1 else 4.0
    x = torch.arange(1, out_length + 1, dtype=dtype)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(u - width / 2)
    taps = math.ceil(width) + 2
    indices = left[:, None] + torch.arange(taps, dtype=dtype)[None, :]
    distance = u[:, None] - indices
    weights = scale * cubic(distance * scale) if scale < 1 else cubic(distance)
    weights = weights / weights.sum(1, keepdim=True)
    # symmetric (mirror) handling of out-of-range taps, 1-based -> 0-based
    idx = indices - 1
    period = 2 * in_length
    idx = torch.remainder(idx, period)
    idx = torch.where(idx >= in_length, period - 1 - idx, idx)
    keep = weights.abs().sum(0) > 0
    return idx[:, keep].long(), weights[:, keep]


def _resize_axis(x: torch.Tensor, dim: int, out_length: int, scale: float) -> torch.Tensor:
    indices, weights = _weights(x.shape[dim], out_length, scale)
    moved = x.movedim(dim, -1).double()
    gathered = moved[..., indices]                       # ... × out × taps
    out = (gathered * weights.to(moved.device)).sum(-1)
    return out.movedim(-1, dim).to(x.dtype)


def imresize(images: torch.Tensor, scale: float) -> torch.Tensor:
    """N×C×H×W (or H×W) resized by ``scale`` as MATLAB's ``imresize(I, scale)`` (bicubic, antialiased
    when shrinking). Output size ceil(scale·size); no clamping or rounding (do that as MATLAB does for
    uint8: ``round(clamp(·, 0, 255))``)."""
    h, w = images.shape[-2:]
    out_h, out_w = math.ceil(h * scale), math.ceil(w * scale)
    # MATLAB resizes the dimension with the smaller scale first; equal scales: rows first.
    resized = _resize_axis(images, images.dim() - 2, out_h, scale)
    return _resize_axis(resized, images.dim() - 1, out_w, scale)
