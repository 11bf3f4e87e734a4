"""``afm:<checkpoint>``: the adversarial-feature-matching content loss (Tej et al. 2020, Eq. 6-7) of a
trained SRGAN-style discriminator, used as a full-reference metric."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

import torch

from ..learned.afm import load_checkpoint
from .base import Metric
from .registry import MetricFamily, register


class AFMMetric(Metric):
    higher_is_better = False
    needs_weights = True
    source = "paper: Tej et al. 2020 Eq. 6-7"

    def __init__(self, path: Path):
        super().__init__()
        self.path = Path(path)
        self.loss = load_checkpoint(self.path).requires_grad_(False).eval()
        self._digest = "afm-v1-" + hashlib.sha256(self.path.read_bytes()).hexdigest()[:12]

    def digest(self) -> str:
        return self._digest

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        return self.loss(dist, ref)


def _create(arg: Optional[str]) -> AFMMetric:
    if not arg:
        raise ValueError("afm: expected afm:<discriminator checkpoint path>")
    return AFMMetric(Path(arg).expanduser())


register(MetricFamily("afm", _create, False, True, "paper: Tej et al. 2020 Eq. 6-7",
                      "discriminator content loss with softmax reweighing", argument="<checkpoint>", group="learned",
                      files_named=lambda arg: [arg] if arg else []))
