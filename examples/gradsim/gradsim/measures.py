"""Gradient magnitude similarity mean (GMSM): W. Xue, L. Zhang, X. Mou, A. C. Bovik, "Gradient Magnitude
Similarity Deviation: A Highly Efficient Perceptual Image Quality Index", IEEE TIP 23(2), 2014 -- Eq. 4
(the GMS map) pooled by its mean, Eq. 5 (the paper's GMSD is the map's standard deviation, Eq. 6).

As the authors' MATLAB code (and piq's ``gmsd``): the luminance Y = 0.299 R + 0.587 G + 0.114 B, a 2×2
average and subsampling by 2, Prewitt gradients (÷3) with zero padding, c = 170 / 255² for images in [0, 1].

It is a similarity: 1 for identical images, ``higher_is_better = True``. The same measure comes three
ways, as iqa-bench takes a plugin: a ``torch.nn.Module`` class, a factory and a plain function.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

C = 170 / 255 ** 2
LUMA = (0.299, 0.587, 0.114)


def gms_map(ref: torch.Tensor, dist: torch.Tensor, c: float = C) -> torch.Tensor:
    """The GMS map (Eq. 4), N×1×H/2×W/2, of N×3×H×W images in [0, 1]."""
    weights = torch.tensor(LUMA, dtype=ref.dtype, device=ref.device).view(1, 3, 1, 1)
    pad = [0, max(ref.shape[2] % 2, ref.shape[3] % 2)] * 2
    x, y = ((t * weights).sum(1, keepdim=True) for t in (ref, dist))
    x, y = (F.avg_pool2d(F.pad(t, pad), kernel_size=2, stride=2) for t in (x, y))
    prewitt = torch.tensor([[-1.0, 0.0, 1.0]] * 3, dtype=ref.dtype, device=ref.device) / 3
    kernels = torch.stack([prewitt, prewitt.t()]).unsqueeze(1)
    m_r, m_d = (torch.sqrt((F.conv2d(t, kernels, padding=1) ** 2).sum(1, keepdim=True)) for t in (x, y))
    return (2 * m_r * m_d + c) / (m_r ** 2 + m_d ** 2 + c)


class GradientSimilarity(torch.nn.Module):
    """Gradient magnitude similarity mean (GMSM, Xue et al. 2014); 1 for identical images."""

    higher_is_better = True
    min_side = 4
    min_side_reason = "a 3×3 gradient after halving"

    def __init__(self, c=C):
        super().__init__()
        self.c = float(c)

    def forward(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return gms_map(ref, dist, self.c).mean(dim=(1, 2, 3))


def make_gradient_similarity(c=C) -> GradientSimilarity:
    """A factory: the spec's argument is passed as c."""
    return GradientSimilarity(float(c))


def gradient_similarity(ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
    """GMSM as a plain function f(ref, dist) -> Tensor[N]."""
    return gms_map(ref, dist).mean(dim=(1, 2, 3))


gradient_similarity.higher_is_better = True
