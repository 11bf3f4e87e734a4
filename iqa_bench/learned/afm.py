"""The SRGAN-style discriminator of Tej et al. (adversarial feature matching) and its content loss
with softmax reweighing (Eq. 6-7).

Discriminator (Sec. II/V of the paper, after SRGAN): eight 3×3-then-4×4 conv layers alternating
stride 1 and 2 (64, 64, 128, 128, 256, 256, 512, 512 channels), BatchNorm after every conv but the
first, LeakyReLU(0.2), then two dense layers (1024, 1) and a sigmoid. An adaptive average pooling to
6×6 before the dense layers (an identity for the paper's 96×96 crops) lets it take any size.

Content loss: L^i = mean squared difference of the **pre-activation** features of conv block i
(conv output, after BatchNorm where present, before LeakyReLU) for the estimate and the target (Eq. 6);
each term is first rescaled by a constant fixed before training so the terms are comparable
(``calibrate``: 1 / the term's value on a first batch); the total is Σ_i w_i L'^i with
w = softmax(L'), the weights detached from the graph (Eq. 7).

Estimate and target are normalised alike. A discriminator in training mode (the trainer's generator
step) sees them in **one concatenated pass**, so BatchNorm uses their joint batch statistics, with the
running statistics left untouched (momentum 0 for the pass); the former code passed them as two batches,
each normalised by its own statistics (a global contrast change vanished after the first BatchNorm), and
the no-grad target pass moved the running statistics. A discriminator in evaluation mode (a trained
checkpoint used as the ``afm:`` metric) uses its running statistics, so an image's value does not depend
on its batch. (Evaluation mode during training was tried and rejected: with running statistics that lag
a discriminator still being trained, the terms calibrated at the first step grew to ~1e8 within ten
iterations.) In training (``batch_loss``) the softmax is over the batch-level losses L^i (the mean over
the batch), as Eq. 7 writes it; as a per-image metric (``forward``) each image is its own batch.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional, Sequence, Union

import torch
from torch import nn

CHANNELS = (64, 64, 128, 128, 256, 256, 512, 512)
CHECKPOINT_FORMAT = "iqa-bench/afm-discriminator/v1"


class SRGANDiscriminator(nn.Module):
    def __init__(self, channels: Sequence[int] = CHANNELS, slope: float = 0.2):
        super().__init__()
        blocks, c_in = [], 3
        for index, c_out in enumerate(channels):
            stride = 1 if index % 2 == 0 else 2
            kernel = 3 if stride == 1 else 4
            layers = [nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=1)]
            if index > 0:
                layers.append(nn.BatchNorm2d(c_out))
            blocks.append(nn.Sequential(*layers))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.activation = nn.LeakyReLU(slope)
        self.pool = nn.AdaptiveAvgPool2d(6)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(c_in * 36, 1024), nn.LeakyReLU(slope),
                                        nn.Linear(1024, 1), nn.Sigmoid())

    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Pre-activation output of every conv block."""
        out = []
        for block in self.blocks:
            pre = block(x)
            out.append(pre)
            x = self.activation(pre)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = self.activation(block(x))
        return self.classifier(self.pool(x)).flatten()


@contextmanager
def frozen_running_statistics(module: nn.Module):
    """Inside the block, BatchNorm layers normalise by batch statistics (training mode) but do not
    update their running statistics (momentum 0; the batch counter restored)."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.momentum, None if m.num_batches_tracked is None else m.num_batches_tracked.clone()) for m in norms]
    for m in norms:
        m.momentum = 0.0
    try:
        yield module
    finally:
        for m, (momentum, count) in zip(norms, saved):
            m.momentum = momentum
            if count is not None:
                m.num_batches_tracked.copy_(count)


class SoftmaxContentLoss(nn.Module):
    """Eq. 6-7 on a discriminator's pre-activation features; ``forward`` -> per-image loss (N,)."""

    def __init__(self, discriminator: SRGANDiscriminator, scales: Optional[torch.Tensor] = None):
        super().__init__()
        self.discriminator = discriminator
        count = len(discriminator.blocks)
        self.register_buffer("scales", torch.ones(count) if scales is None else torch.as_tensor(scales).float())

    def terms(self, estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Rescaled per-block content losses L'^i, shape (N, blocks): one joint pass in training mode,
        running statistics in evaluation mode (see the module docstring)."""
        if self.discriminator.training:
            count = estimate.shape[0]
            with frozen_running_statistics(self.discriminator):
                pairs = [(f[:count], f[count:].detach())
                         for f in self.discriminator.features(torch.cat([estimate, target]))]
        else:
            with torch.no_grad():
                target_features = self.discriminator.features(target)
            pairs = list(zip(self.discriminator.features(estimate), target_features))
        terms = [(fe - ft).pow(2).mean(dim=(1, 2, 3)) for fe, ft in pairs]
        return torch.stack(terms, dim=1) * self.scales

    @torch.no_grad()
    def calibrate(self, estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Fix the rescaling so each term is 1 on this batch (done once, before training)."""
        self.scales.fill_(1.0)
        raw = self.terms(estimate, target).mean(0)
        self.scales.copy_(1.0 / raw.clamp_min(1e-12))
        return self.scales

    @staticmethod
    def weights(terms: torch.Tensor) -> torch.Tensor:
        """Softmax over the terms, detached: no gradient flows through the weights (Eq. 7's {·})."""
        return torch.softmax(terms.detach(), dim=1)

    def forward(self, estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-image value (each image its own batch), shape (N,): the metric."""
        terms = self.terms(estimate, target)
        return (self.weights(terms) * terms).sum(dim=1)

    def batch_loss(self, estimate: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Eq. 7 for a training batch: softmax over the batch-level losses L'^i = mean over images."""
        terms = self.terms(estimate, target).mean(0, keepdim=True)
        return (self.weights(terms) * terms).sum()


def save_checkpoint(loss: SoftmaxContentLoss, path: Union[str, Path]) -> Path:
    from ..io_utils import atomic_write

    payload = {"format": CHECKPOINT_FORMAT, "channels": [b[0].out_channels for b in loss.discriminator.blocks],
               "state": loss.discriminator.state_dict(), "scales": loss.scales.cpu()}
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(path: Union[str, Path]) -> SoftmaxContentLoss:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"afm: discriminator checkpoint not found: {path}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: not an adversarial-feature-matching discriminator checkpoint "
                         f"(expected format {CHECKPOINT_FORMAT})")
    discriminator = SRGANDiscriminator(payload["channels"])
    discriminator.load_state_dict(payload["state"], strict=True)
    return SoftmaxContentLoss(discriminator.eval(), payload["scales"])
