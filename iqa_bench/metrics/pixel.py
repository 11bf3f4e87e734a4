"""Pixel losses: mean squared / absolute / Huber error per image, from torch's loss functions.

PSNR lives with the piq-backed measures (:mod:`iqa_bench.metrics.piq_measures`).
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from .base import Metric
from .registry import MetricFamily, register


class PixelLoss(Metric):
    """Mean over (C, H, W) of an element-wise loss, one value per image (lower = more similar)."""

    higher_is_better = False
    source = "library: torch.nn.functional"

    def __init__(self, kind: str, delta: float = 1.0):
        super().__init__()
        self.kind, self.delta = kind, float(delta)

    def digest(self) -> str:
        return f"torch-{self.kind}" + (f"-delta{self.delta:g}" if self.kind == "huber" else "")

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        if self.kind == "mse":
            per_pixel = F.mse_loss(dist, ref, reduction="none")
        elif self.kind == "l1":
            per_pixel = F.l1_loss(dist, ref, reduction="none")
        else:
            # Huber / smooth-L1 (Eq. 2 of the adversarial-feature-matching paper, threshold delta).
            per_pixel = F.huber_loss(dist, ref, reduction="none", delta=self.delta)
        return per_pixel.flatten(1).mean(1)


def _huber(arg: Optional[str]) -> PixelLoss:
    try:
        delta = 1.0 if arg is None else float(arg)
    except ValueError:
        raise ValueError(f"huber: the argument is the threshold delta (a number), got {arg!r}") from None
    if delta <= 0:
        raise ValueError(f"huber: delta must be positive, got {delta}")
    return PixelLoss("huber", delta)


register(MetricFamily("mse", lambda arg: PixelLoss("mse"), False, False, "library: torch",
                      "mean squared error (L2 loss)", aliases=("l2",), group="pixel"))
register(MetricFamily("l1", lambda arg: PixelLoss("l1"), False, False, "library: torch",
                      "mean absolute error (L1 loss)", group="pixel"))
register(MetricFamily("huber", _huber, False, False, "library: torch; paper: Tej et al. 2020 Eq. 2",
                      "Huber point loss", argument="delta (default 1.0)", group="pixel"))
