"""Training losses from metric specs: one expression language shared with the metric registry.

``"0.9*l2 + 0.1*lp_att:vgg16/relu3_2"``, ``"1*huber + 0.5*lp:vgg19/relu5_4 + 0.005*adv + 1*afm"``,
``"mdf:sisr"``, ``"0.01*l1 + 1*lp:vgg19/relu5_4 + 3e-5*dec"``. A term is ``[weight*]spec``; any metric
spec is a term (its batch mean; metrics where higher is better — psnr, ssim… — enter as 1 − value for
bounded similarities and −value for PSNR); ``dec`` is the batch DECLoss (Eq. 23); ``adv`` is the
generator's adversarial loss −log D(G(x)) (Eq. 4 of the adversarial-feature-matching paper) and ``afm``
the softmax-reweighed content loss (Eq. 6-7: softmax over the batch-level layer losses, features with the
discriminator in eval mode) of the SAME discriminator, which the trainer updates
alternately with L_D (Eq. 5); ``afm_mean`` is that content loss with plain averaging of the rescaled
layer terms instead of softmax reweighing (the paper's M_pca ablation).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..metrics import create_metric
from ..metrics.dec import dec_loss
from ..metrics.pixel import PixelLoss
from ..errors import OptionError

ADVERSARIAL = ("adv", "afm", "afm_mean")
TERM = re.compile(r"^\s*(?:([0-9.eE+-]+)\s*\*\s*)?(\S+)\s*$")


@dataclass
class Term:
    weight: float
    spec: str


def parse_loss(expression: str) -> List[Term]:
    """``"0.9*l2 + 0.1*lp:vgg16/relu3_2"`` -> [Term(0.9, "l2"), Term(0.1, "lp:vgg16/relu3_2")]."""
    terms = []
    for part in re.split(r"(?<![eE])\+", expression):  # "3e+5" keeps its plus
        if not part.strip():
            continue
        match = TERM.match(part)
        if not match:
            raise OptionError("loss", f"{{option}}: cannot read the term {part!r} (expected [weight*]spec)")
        try:
            weight = float(match.group(1)) if match.group(1) else 1.0
        except ValueError:
            raise OptionError("loss", f"{{option}}: {match.group(1)!r} in {part!r} is not a number") from None
        terms.append(Term(weight, match.group(2)))
    if not terms:
        raise OptionError("loss", "{option}: empty loss expression")
    return terms


def check_loss_from_file(expression: str, where: str, trusted: bool = False) -> None:
    """A loss expression read from a file: its metric terms may name no file unless ``trusted``
    (:func:`~iqa_bench.metrics.registry.check_spec_from_file`)."""
    from ..metrics.registry import check_specs_from_file

    specs = [t.spec for t in parse_loss(str(expression)) if t.spec not in ADVERSARIAL + ("dec",)]
    check_specs_from_file(specs, where, trusted)


class LossExpression(nn.Module):
    """Σ weight · term(SR, HR); ``parts`` holds each term's last value for logging."""

    def __init__(self, expression: str, discriminator: Optional[nn.Module] = None):
        super().__init__()
        self.terms = parse_loss(expression)
        self.expression = expression
        self.metrics = nn.ModuleList()
        self._index = {}
        for term in self.terms:
            if term.spec not in ADVERSARIAL + ("dec",) and term.spec not in self._index:
                self._index[term.spec] = len(self.metrics)
                self.metrics.append(create_metric(term.spec))
        self.needs_discriminator = any(t.spec in ADVERSARIAL for t in self.terms)
        self.content = None
        if self.needs_discriminator:
            if discriminator is None:
                raise OptionError("loss", "{option} uses adv/afm: the trainer must provide a discriminator")
            from ..learned.afm import SoftmaxContentLoss

            self.content = SoftmaxContentLoss(discriminator)
        self.parts = {}

    def _term(self, spec: str, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        if spec == "dec":
            return dec_loss(sr, hr)
        if spec == "adv":
            prob = self.content.discriminator(sr).clamp(1e-6, 1 - 1e-6)
            return F.binary_cross_entropy(prob, torch.ones_like(prob))
        if spec == "afm":
            return self.content.batch_loss(sr, hr)
        if spec == "afm_mean":
            return self.content.terms(sr, hr).mean()
        metric = self.metrics[self._index[spec]]
        # Pixel losses see the raw output (no range check, full gradient); other measures need [0, 1].
        value = metric.score(hr, sr) if isinstance(metric, PixelLoss) else metric(hr, sr.clamp(0, 1))
        if metric.higher_is_better:
            value = -value if spec == "psnr" else 1 - value
        return value.mean()

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        total = 0.0
        for term in self.terms:
            value = self._term(term.spec, sr, hr)
            self.parts[term.spec] = float(value.detach())
            total = total + term.weight * value
        return total
