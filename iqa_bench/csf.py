"""Human contrast sensitivity: the CSF attention map of Tariq et al. (CSF-attention paper, Eq. 1-6)
and the Mannos–Sakrison CSF curve.

Map (Eq. 1-6): take the Y channel of the reference (ITU-R BT.601 luma), its 2-D DFT F(u, v); express
each frequency in cycles/degree, s(u, v) = π / (180 · arcsin(1/√(1 + dis²))) · √(f(u)² + f(v)²) with
f in cycles/mm = (cycles/pixel) / dot pitch (Eq. 2-3; the DFT frequencies are the signed ones of
``torch.fft.fftfreq``, i.e. (u−1)/(ΔM) folded about Nyquist); keep s_l ≤ s ≤ s_h (Eq. 4, 2 and 23
cycles/degree); inverse DFT (Eq. 5); magnitude; divide by the maximum (Eq. 6).
Defaults: dot pitch Δ = 0.25 mm, viewing distance dis = 550 mm (Sec. 2.2).
"""
from __future__ import annotations

import math

import torch

DOT_PITCH_MM = 0.25
VIEWING_DISTANCE_MM = 550.0
BAND_CPD = (2.0, 23.0)
LUMA = (0.299, 0.587, 0.114)


def mannos_sakrison(f):
    """CSF(f) = 2.6·(0.0192 + 0.114 f)·exp(−(0.114 f)^1.1), f in cycles/degree (peak ≈ 8 c/deg)."""
    f = torch.as_tensor(f, dtype=torch.float64)
    return 2.6 * (0.0192 + 0.114 * f) * torch.exp(-(0.114 * f) ** 1.1)


def cycles_per_degree_scale(dot_pitch_mm: float = DOT_PITCH_MM,
                            viewing_distance_mm: float = VIEWING_DISTANCE_MM) -> float:
    """Factor from cycles/pixel to cycles/degree (Eq. 2-3): 1/Δ · π / (180 · arcsin(1/√(1 + dis²)))."""
    return (1.0 / dot_pitch_mm) * math.pi / (180.0 * math.asin(1.0 / math.sqrt(1.0 + viewing_distance_mm ** 2)))


def frequency_grid_cpd(height: int, width: int, dot_pitch_mm: float = DOT_PITCH_MM,
                       viewing_distance_mm: float = VIEWING_DISTANCE_MM, device=None) -> torch.Tensor:
    """s(u, v) of Eq. 3 for an H×W DFT, in cycles/degree."""
    fv = torch.fft.fftfreq(height, device=device, dtype=torch.float64)
    fu = torch.fft.fftfreq(width, device=device, dtype=torch.float64)
    radius = torch.sqrt(fv[:, None] ** 2 + fu[None, :] ** 2)
    return radius * cycles_per_degree_scale(dot_pitch_mm, viewing_distance_mm)


def luma(images: torch.Tensor) -> torch.Tensor:
    """Y channel (BT.601 weights) of N×3×H×W RGB in [0, 1] -> N×H×W."""
    weights = torch.tensor(LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(1)


def csf_attention_map(images: torch.Tensor, dot_pitch_mm: float = DOT_PITCH_MM,
                      viewing_distance_mm: float = VIEWING_DISTANCE_MM, band=BAND_CPD) -> torch.Tensor:
    """μ(I) of Eq. 6 for N×3×H×W images in [0, 1]: N×1×H×W, maximum 1 per image.

    The map is a function of the reference only and is treated as a constant weight (no gradient).
    A flat image (nothing in the band) gives an all-zero map.
    """
    with torch.no_grad():
        y = luma(images.double())
        spectrum = torch.fft.fft2(y)
        s = frequency_grid_cpd(y.shape[-2], y.shape[-1], dot_pitch_mm, viewing_distance_mm, y.device)
        keep = (s >= band[0]) & (s <= band[1])
        magnitude = torch.fft.ifft2(spectrum * keep).abs()
        peak = magnitude.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, 1)
        return (magnitude / peak).unsqueeze(1).to(images.dtype)
