"""Deep-feature metrics: the perceptual loss (Eq. 7 of the CSF-attention paper) and its CSF-attentive
form (Eq. 10) on any layer of any backbone, computed from features the engine shares.

Spec syntax: ``lp:<net>[:<weights>]/<layer>``, e.g. ``lp:vgg16/relu2_2``,
``lp_att:squeezenet1_1/fire2_expand3x3``, ``lp:alexnet:random/relu3``. ``<weights>`` is
``imagenet`` (default) or ``random[<seed>]``.
"""
from __future__ import annotations

from abc import abstractmethod
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..backbones import BACKBONES, Backbone, get_backbone
from ..errors import UnknownNameError
from .base import Metric
from .csf import csf_attention_map
from .registry import MetricFamily, register

Features = Dict[str, torch.Tensor]


def parse_network(text: str) -> Tuple[str, str]:
    """``vgg16`` or ``vgg16:random`` -> (backbone name, weights)."""
    name, _, weights = text.partition(":")
    name = name.strip().lower()
    if name not in BACKBONES:
        raise UnknownNameError("backbone", name, BACKBONES)
    return name, (weights.strip() or "imagenet")


def parse_net_layer(family: str, arg: Optional[str]) -> Tuple[Backbone, str]:
    """``<net>[:<weights>]/<layer>`` -> (shared backbone, layer), validating the layer name."""
    if not arg or "/" not in arg:
        raise ValueError(f"{family}: expected {family}:<net>/<layer>, e.g. {family}:vgg16/relu2_2 "
                         f"(`iqa-bench metrics --backbone NET` lists layers)")
    net, _, layer = arg.rpartition("/")
    name, weights = parse_network(net)
    backbone = get_backbone(name, weights)
    backbone.check_layers([layer.strip().lower()])
    return backbone, layer.strip().lower()


def resize_map(attention: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The attention map resized (area averaging) to a feature map's spatial size."""
    return F.interpolate(attention, size=like.shape[-2:], mode="area")


class FeatureMetric(Metric):
    """A metric computed from backbone features of ``layers``.

    ``score_features`` receives the features the engine extracted once per backbone and batch; used
    standalone, ``forward`` extracts them itself (reference and distorted in one forward pass).
    """

    def __init__(self, backbone: Backbone, layers: Sequence[str]):
        super().__init__()
        self.backbone = backbone
        self.layers = tuple(layers)

    def digest(self) -> str:
        return f"{type(self).__name__}-v1-{self.backbone.digest()}"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        features = self.backbone.extract(torch.cat([ref, dist]), self.layers)
        n = ref.shape[0]
        return self.score_features(ref, dist, {k: v[:n] for k, v in features.items()},
                                   {k: v[n:] for k, v in features.items()})

    @abstractmethod
    def score_features(self, ref: torch.Tensor, dist: torch.Tensor, f_ref: Features, f_dist: Features) -> torch.Tensor:
        """Scores (N,) from the reference/distorted images and their features."""


class PerceptualLoss(FeatureMetric):
    """Eq. 7: l_p = 1/(M·W·H) Σ_m ‖Φ_m(out) − Φ_m(gt)‖², the mean squared feature difference.

    With ``attentive`` (Eq. 10): the difference is multiplied by the CSF attention map μ(gt) resized
    to the layer, l_p^att = 1/(M·W·H) Σ_m ‖μ^k(gt) ⊙ (Φ_m(out) − Φ_m(gt))‖².
    """

    higher_is_better = False
    needs_weights = True

    def __init__(self, backbone: Backbone, layer: str, attentive: bool = False):
        super().__init__(backbone, [layer])
        self.layer, self.attentive = layer, attentive
        self.source = ("paper: Tariq et al. 2019, Eq. 10" if attentive else "paper: Johnson et al. 2016 / Eq. 7")

    def score_features(self, ref, dist, f_ref, f_dist):
        diff = f_dist[self.layer] - f_ref[self.layer]
        if self.attentive:
            diff = diff * resize_map(csf_attention_map(ref), diff)
        return diff.pow(2).flatten(1).mean(1)


register(MetricFamily("lp", lambda arg: PerceptualLoss(*parse_net_layer("lp", arg)), False, True,
                      "paper: Johnson et al. 2016 (CSF-attention paper Eq. 7)",
                      "perceptual loss: mean squared feature difference on one layer", argument="<net>/<layer>"))
register(MetricFamily("lp_att", lambda arg: PerceptualLoss(*parse_net_layer("lp_att", arg), attentive=True),
                      False, True, "paper: Tariq et al. 2019 Eq. 10",
                      "CSF-attentive perceptual loss", argument="<net>/<layer>"))
