"""Grating stimuli of the Perceptual-Efficacy paper (Sec. 4.1 and Appendix A).

Spatial frequencies are given in cycles/degree and converted to cycles/pixel with Appendix A, Eq. 10:
cycles/pixel = cycles/degree · 180 / (π · d · r), d the viewing distance and r the pixels per unit
length. Defaults match the CSF-attention map: d = 550 mm and r = 4 pixels/mm (dot pitch 0.25 mm),
i.e. about 38.4 pixels per degree. Stimuli are RGB (grey) images in [0, 1] with mean 0.5.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import List

import torch

from ..metrics.csf import DOT_PITCH_MM, VIEWING_DISTANCE_MM, mannos_sakrison


def cycles_per_pixel(cpd, viewing_distance_mm: float = VIEWING_DISTANCE_MM,
                     pixels_per_mm: float = 1.0 / DOT_PITCH_MM):
    """Appendix A, Eq. 10: cycles/pixel = cycles/degree · 180 / (π · d · r)."""
    return cpd * 180.0 / (math.pi * viewing_distance_mm * pixels_per_mm)


def csf_peak_cpd() -> float:
    """Frequency (cycles/degree) where the Mannos–Sakrison CSF peaks (≈ 8 c/deg), to 0.01."""
    grid = torch.arange(0.5, 30.0, 0.01, dtype=torch.float64)
    return round(float(grid[mannos_sakrison(grid).argmax()]), 2)


@dataclass
class StimulusConfig:
    """Everything that determines the stimuli (part of the efficacy cache key)."""

    size: int = 224                         # backbone input size, pixels
    contrast: float = 1.0                   # Michelson contrast: amplitude = contrast / 2 around 0.5
    frequencies_cpd: List[float] = field(default_factory=lambda: [0.5 * k for k in range(1, 39)])  # 0.5..19
    orientations_deg: List[float] = field(default_factory=lambda: [float(a) for a in range(-90, 90, 5)])
    orientation_cpd: float = 0.0            # 0: the CSF peak
    viewing_distance_mm: float = VIEWING_DISTANCE_MM
    pixels_per_mm: float = 1.0 / DOT_PITCH_MM

    def __post_init__(self):
        if self.orientation_cpd <= 0:
            self.orientation_cpd = csf_peak_cpd()
        nyquist = 0.5 / cycles_per_pixel(1.0, self.viewing_distance_mm, self.pixels_per_mm)
        too_high = [f for f in self.frequencies_cpd + [self.orientation_cpd] if f > nyquist]
        if too_high:
            raise ValueError(f"frequencies above the display's Nyquist limit ({nyquist:.1f} c/deg): {too_high}")

    def as_dict(self):
        return asdict(self)

    def cpp(self, cpd):
        return cycles_per_pixel(cpd, self.viewing_distance_mm, self.pixels_per_mm)


def _grid(size: int):
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    return torch.meshgrid(coords, coords, indexing="ij")


def concentric_gratings(config: StimulusConfig) -> torch.Tensor:
    """One concentric (radial) sinusoidal grating per frequency: F×3×S×S. The radial pattern holds
    every orientation at once, removing orientation from the frequency analysis."""
    y, x = _grid(config.size)
    radius = torch.sqrt(x ** 2 + y ** 2)
    freqs = torch.tensor([config.cpp(f) for f in config.frequencies_cpd], dtype=torch.float64).view(-1, 1, 1)
    images = 0.5 + 0.5 * config.contrast * torch.sin(2 * math.pi * freqs * radius)
    return images.unsqueeze(1).expand(-1, 3, -1, -1).float().contiguous()


def linear_gratings(config: StimulusConfig) -> torch.Tensor:
    """One linear sinusoidal grating per orientation at ``orientation_cpd``: O×3×S×S.
    θ is the direction of the luminance variation, measured from the horizontal axis."""
    y, x = _grid(config.size)
    theta = torch.tensor(config.orientations_deg, dtype=torch.float64).view(-1, 1, 1) * math.pi / 180
    phase = x * torch.cos(theta) + y * torch.sin(theta)
    images = 0.5 + 0.5 * config.contrast * torch.sin(2 * math.pi * config.cpp(config.orientation_cpd) * phase)
    return images.unsqueeze(1).expand(-1, 3, -1, -1).float().contiguous()
