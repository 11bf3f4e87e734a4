"""Tuning curves and the Perceptual-Efficacy scores (Eq. 2-4 of the Perceptual-Efficacy paper).

* tuning: mean activation a_m of every channel m of a layer for each stimulus (batched);
* μ1(k, m) = Σ_f CSF(f) · |∂a_m/∂f| (Eq. 2; derivative by finite differences on the frequency grid,
  ``numpy.gradient``: central inside, one-sided at the ends; CSF: Mannos–Sakrison);
* μ2(k, m) = Σ_θ (a_m^max − a_m^θ)² with a_m^max = max_θ a_m^θ (Eq. 3);
* PE(k, m) = (μ1 / Σ_m μ1) · (μ2 / Σ_m μ2) (Eq. 4).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from ..csf import mannos_sakrison
from .stimuli import StimulusConfig, concentric_gratings, linear_gratings


def mean_activations(extract: Callable[[torch.Tensor], torch.Tensor], stimuli: torch.Tensor,
                     batch_size: int = 16) -> np.ndarray:
    """Mean over space of each channel's response: (number of stimuli, channels)."""
    rows = []
    with torch.no_grad():
        for start in range(0, stimuli.shape[0], batch_size):
            rows.append(extract(stimuli[start:start + batch_size]).double().mean(dim=(2, 3)).cpu())
    return torch.cat(rows).numpy()


def mu1(frequencies_cpd, activations: np.ndarray) -> np.ndarray:
    """Eq. 2: CSF-weighted total absolute slope of each channel's frequency tuning curve."""
    f = np.asarray(frequencies_cpd, dtype=np.float64)
    slope = np.gradient(activations, f, axis=0)
    weights = mannos_sakrison(torch.from_numpy(f)).numpy()
    return (weights[:, None] * np.abs(slope)).sum(axis=0)


def mu2(activations: np.ndarray) -> np.ndarray:
    """Eq. 3: squared shortfall from the preferred orientation, summed over orientations."""
    return ((activations.max(axis=0, keepdims=True) - activations) ** 2).sum(axis=0)


def perceptual_efficacy(m1: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """Eq. 4: product of the normalised μ1 and μ2 (zero where a layer's μ sum is zero)."""
    s1, s2 = m1.sum(), m2.sum()
    n1 = m1 / s1 if s1 > 0 else np.zeros_like(m1)
    n2 = m2 / s2 if s2 > 0 else np.zeros_like(m2)
    return n1 * n2


@dataclass
class ChannelEfficacy:
    """Per-channel tuning curves and scores of one layer."""

    frequencies_cpd: np.ndarray
    orientations_deg: np.ndarray
    frequency_tuning: np.ndarray     # (F, C)
    orientation_tuning: np.ndarray   # (O, C)
    mu1: np.ndarray
    mu2: np.ndarray
    pe: np.ndarray

    @property
    def ranking(self) -> np.ndarray:
        """Channel indices by decreasing PE (ties: lower index first)."""
        return np.lexsort((np.arange(self.pe.size), -self.pe))

    def to_dict(self):
        return {k: np.asarray(v).tolist() for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data):
        return cls(**{k: np.asarray(v, dtype=np.float64) for k, v in data.items()})


def analyse(extract: Callable[[torch.Tensor], torch.Tensor], config: StimulusConfig,
            device=None, batch_size: int = 16) -> ChannelEfficacy:
    """Stimulate with both grating families and score every channel."""
    def run(stimuli):
        return mean_activations(lambda x: extract(x.to(device) if device is not None else x), stimuli, batch_size)

    freq = run(concentric_gratings(config))
    orient = run(linear_gratings(config))
    m1, m2 = mu1(config.frequencies_cpd, freq), mu2(orient)
    return ChannelEfficacy(np.asarray(config.frequencies_cpd, float), np.asarray(config.orientations_deg, float),
                           freq, orient, m1, m2, perceptual_efficacy(m1, m2))
