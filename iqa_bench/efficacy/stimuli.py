"""Grating stimuli of the Perceptual-Efficacy paper (Sec. 4.1 and Appendix A).

Spatial frequencies are given in cycles/degree and converted to cycles/pixel with Appendix A, Eq. 10:
cycles/pixel = cycles/degree · 180 / (π · d · r), d the viewing distance and r the pixels per unit
length. Defaults match the CSF-attention map: d = 550 mm and r = 4 pixels/mm (dot pitch 0.25 mm),
i.e. about 38.4 pixels per degree. Stimuli are RGB (grey) images in [0, 1] with mean 0.5.

Rendering (``rendering="bandlimited"``, the default): each grating is point-sampled on a grid
``SUPERSAMPLE`` times finer than the display and padded by ``MARGIN`` pixels, low-passed with an
isotropic raised-cosine window that passes |k| ≤ ``PASSBAND`` cycles/pixel and removes everything from
the display's Nyquist frequency (0.5 cycles/pixel) up, then sampled at the display's pixel centres and
cropped. This removes what point sampling aliases — measured small below 18 c/deg: the broadband cusp at
the centre of a concentric grating (≤ 6 % of the amplitude in a few central pixels at 13.5 c/deg) and,
along the axes, the part of a near-Nyquist ring's spectrum that crosses 0.5 cycles/pixel (7 % RMS of a
19 c/deg grating's interior, which is why 19 c/deg is no longer a default). The square pixel lattice resolves 0.5 cycles/pixel along the
axes and 0.71 along the diagonals, so the axes set the limit: a grating is rendered faithfully (full
contrast in every orientation, dominant frequency equal to the nominal one) up to
``faithful_limit_cpd`` = PASSBAND − 2/size cycles/pixel, 18.1 c/deg for 224-pixel stimuli at the
paper's geometry; higher frequencies are refused. (A 1-D profile read along pixel diagonals samples
every √2 pixels and so cannot see above 13.6 c/deg: that limit belongs to such a measurement, not to
the image, whose 2-D spectrum peaks at the nominal frequency in every orientation.)
``rendering="point"`` keeps the former point-sampled stimuli.
"""
from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from typing import List

import torch

from ..csf import DOT_PITCH_MM, VIEWING_DISTANCE_MM, mannos_sakrison


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
    frequencies_cpd: List[float] = field(default_factory=lambda: [0.5 * k for k in range(1, 37)])  # 0.5..18
    orientations_deg: List[float] = field(default_factory=lambda: [float(a) for a in range(-90, 90, 5)])
    orientation_cpd: float = 0.0            # 0: the CSF peak
    viewing_distance_mm: float = VIEWING_DISTANCE_MM
    pixels_per_mm: float = 1.0 / DOT_PITCH_MM
    rendering: str = "bandlimited"          # or "point" (point-sampled, aliases near the Nyquist limit)

    def __post_init__(self):
        if self.orientation_cpd <= 0:
            self.orientation_cpd = csf_peak_cpd()
        if self.rendering not in ("bandlimited", "point"):
            raise ValueError(f"rendering must be 'bandlimited' or 'point', got {self.rendering!r}")
        limit = self.faithful_limit_cpd()
        too_high = [f for f in self.frequencies_cpd + [self.orientation_cpd] if f > limit]
        if too_high:
            raise ValueError(f"frequencies above the highest one a {self.size}-pixel stimulus renders faithfully "
                             f"at this geometry ({limit:.2f} c/deg; Nyquist "
                             f"{0.5 / self.cpp(1.0):.2f} c/deg): {too_high}")

    def faithful_limit_cpd(self) -> float:
        """Highest frequency (c/deg) whose ring spectrum (main lobe ±2/size) lies inside the passband."""
        top = (PASSBAND if self.rendering == "bandlimited" else 0.5) - 2.0 / self.size
        return top / self.cpp(1.0)

    def as_dict(self):
        return asdict(self)

    def cpp(self, cpd):
        return cycles_per_pixel(cpd, self.viewing_distance_mm, self.pixels_per_mm)


#: Band-limited rendering: fine-grid factor (odd, so display pixel centres are fine samples), margin
#: (display pixels) that keeps the FFT's wrap-around away from the stimulus, passband edge (cycles/pixel).
SUPERSAMPLE = 3
MARGIN = 32
PASSBAND = 0.48


def _grid(size: int, step: int = 1):
    """Centred coordinates in display pixels, ``step`` samples per pixel (a pixel centre every step)."""
    coords = (torch.arange(size * step, dtype=torch.float64) - (size * step - 1) / 2) / step
    return torch.meshgrid(coords, coords, indexing="ij")


@functools.lru_cache(maxsize=4)
def _lowpass(size: int) -> torch.Tensor:
    """Isotropic raised-cosine window on the fine grid's FFT: 1 up to PASSBAND, 0 from 0.5 cycles/pixel."""
    k = torch.fft.fftfreq(size, d=1.0 / SUPERSAMPLE, dtype=torch.float64)
    ky, kx = torch.meshgrid(k, k, indexing="ij")
    radius = torch.sqrt(kx ** 2 + ky ** 2)
    ramp = ((radius - PASSBAND) / (0.5 - PASSBAND)).clamp(0, 1)
    return 0.5 * (1 + torch.cos(math.pi * ramp))


def _render(config: StimulusConfig, pattern) -> torch.Tensor:
    """``pattern(y, x)`` (display-pixel coordinates) → one S×S grating per call, in [0, 1] (see module doc)."""
    if config.rendering == "point":
        wave = pattern(*_grid(config.size))
    else:
        padded = config.size + 2 * MARGIN
        fine = pattern(*_grid(padded, SUPERSAMPLE))
        fine = torch.fft.ifft2(torch.fft.fft2(fine) * _lowpass(padded * SUPERSAMPLE)).real
        centre = SUPERSAMPLE // 2
        wave = fine[centre::SUPERSAMPLE, centre::SUPERSAMPLE][MARGIN:MARGIN + config.size, MARGIN:MARGIN + config.size]
    return (0.5 + 0.5 * config.contrast * wave).clamp(0, 1)   # the display's gamut (band-limiting overshoots
                                                               # ≤ 7 % in a few pixels at a concentric centre)


def _as_rgb(images) -> torch.Tensor:
    return torch.stack(images).unsqueeze(1).expand(-1, 3, -1, -1).float().contiguous()


def concentric_gratings(config: StimulusConfig) -> torch.Tensor:
    """One concentric (radial) sinusoidal grating per frequency: F×3×S×S. The radial pattern holds
    every orientation at once, removing orientation from the frequency analysis."""
    return _as_rgb([_render(config, lambda y, x, f=config.cpp(cpd): torch.sin(2 * math.pi * f * torch.sqrt(x ** 2 + y ** 2)))
                    for cpd in config.frequencies_cpd])


def linear_gratings(config: StimulusConfig) -> torch.Tensor:
    """One linear sinusoidal grating per orientation at ``orientation_cpd``: O×3×S×S.
    θ is the direction of the luminance variation, measured from the horizontal axis."""
    f = config.cpp(config.orientation_cpd)
    return _as_rgb([_render(config, lambda y, x, t=math.radians(deg): torch.sin(2 * math.pi * f * (x * math.cos(t) + y * math.sin(t))))
                    for deg in config.orientations_deg])
