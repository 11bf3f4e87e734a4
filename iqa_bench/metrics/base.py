"""The metric contract shared by every family: a differentiable Module scoring each image pair."""
from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn

#: Inputs slightly outside [0, 1] from resampling are tolerated up to this margin.
RANGE_TOLERANCE = 1e-4


def check_pair(ref: torch.Tensor, dist: torch.Tensor, name: str = "metric") -> None:
    """Validate a batch pair as piq does: N×3×H×W float tensors of one shape with values in [0, 1]."""
    for label, t in (("ref", ref), ("dist", dist)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name}: {label} must be a torch.Tensor, got {type(t).__name__}")
        if t.dim() != 4 or t.shape[1] != 3:
            raise ValueError(f"{name}: {label} must be N×3×H×W (RGB), got shape {tuple(t.shape)}")
        if not t.is_floating_point():
            raise TypeError(f"{name}: {label} must be a float tensor in [0, 1], got {t.dtype}")
    if ref.shape != dist.shape:
        raise ValueError(f"{name}: ref and dist shapes differ: {tuple(ref.shape)} vs {tuple(dist.shape)}")
    lo = min(ref.min().item(), dist.min().item())
    hi = max(ref.max().item(), dist.max().item())
    if lo < -RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
        raise ValueError(f"{name}: inputs must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]")


class Metric(nn.Module, metaclass=ABCMeta):
    """Base class: ``forward(ref, dist)`` returns one score per image, shape (N,).

    Class attributes describe the metric for listings and for the regression/report stages:
    ``higher_is_better`` (False: a distance, lower = more similar), ``needs_weights`` and ``source``.
    ``spec`` is the canonical spec string the registry created the instance from.
    """

    spec: str = ""
    higher_is_better: bool = False
    needs_weights: bool = False
    source: str = ""
    #: Peak CPU working memory per pixel of one pair (bytes; measured with some margin), for the
    #: engine's memory guard: a pair that cannot fit is that item's failure, not the run's end.
    bytes_per_pixel: float = 200.0
    #: Smallest image side (pixels) the metric can score; a dataset whose images are all smaller gets
    #: the metric reported unavailable before any work is done.
    min_side: int = 0
    min_side_reason: str = ""

    def digest(self) -> str:
        """Identifies the implementation and weights; scores with another digest are not reused."""
        return "v1"

    def train(self, mode: bool = True):
        """A metric is a fixed function (also when used as a training loss): its submodules
        (BatchNorm, dropout) always stay in evaluation mode."""
        return super().train(False)

    @abstractmethod
    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        """Scores of already validated inputs, shape (N,)."""

    def forward(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        check_pair(ref, dist, self.spec or type(self).__name__)
        return self.score(ref, dist)

    def extra_repr(self) -> str:
        return f"spec={self.spec!r}"


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA's (or another device's) out-of-memory error."""
    return isinstance(error, torch.cuda.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "out of memory" in str(error).lower())
