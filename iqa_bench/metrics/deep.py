"""Deep-feature metrics: the perceptual loss (Eq. 7 of the CSF-attention paper) and its CSF-attentive
form (Eq. 10) on any layer of any backbone, computed from features the engine shares.

Spec syntax: ``lp:<net>[:<weights>]/<layer>[@<channels>]``, e.g. ``lp:vgg16/relu2_2``,
``lp_att:squeezenet1_1/fire2_expand3x3``, ``lp:alexnet:random/relu3``, ``lp:vgg16/relu4_1@H10``.
``<weights>`` is ``imagenet`` (default) or ``random[<seed>]``; ``<channels>`` is a Perceptual-Efficacy
subset (``F``, ``H<x>``, ``L<x>``: see :mod:`iqa_bench.efficacy.channels`). ``lpv:<net>/<layer>`` is
the PE-weighted perceptual loss (Eq. 14-15 of the Perceptual-Efficacy paper).
"""
from __future__ import annotations

import hashlib
from abc import abstractmethod
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..backbones import BACKBONES, Backbone, get_backbone
from ..errors import UnknownNameError
from .base import Metric
from ..csf import csf_attention_map
from .feature_transforms import FeatureTransform, Features, with_transforms
from .registry import MetricFamily, register


def parse_network(text: str) -> Tuple[str, str]:
    """``vgg16`` or ``vgg16:random`` -> (backbone name, weights)."""
    name, _, weights = text.partition(":")
    name = name.strip().lower()
    if name not in BACKBONES:
        raise UnknownNameError("backbone", name, BACKBONES)
    return name, (weights.strip() or "imagenet")


def parse_net_layer(family: str, arg: Optional[str], subsets: bool = False):
    """``<net>[:<weights>]/<layer>[@<channels>]`` -> (shared backbone, layer[, channel subset or None]),
    validating the names. ``subsets``: whether the family accepts an ``@`` channel subset."""
    if not arg or "/" not in arg:
        raise ValueError(f"{family}: expected {family}:<net>/<layer>, e.g. {family}:vgg16/relu2_2 "
                         f"(`iqa-bench metrics --backbone NET` lists layers)")
    net, _, layer = arg.rpartition("/")
    layer, _, subset = layer.strip().lower().partition("@")
    if subset and not subsets:
        raise ValueError(f"{family}: channel subsets (@{subset}) apply to lp and lp_att only")
    name, weights = parse_network(net)
    backbone = get_backbone(name, weights)
    backbone.check_layers([layer])
    return (backbone, layer, subset.upper() or None) if subsets else (backbone, layer)


def resize_map(attention: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The attention map resized (area averaging) to a feature map's spatial size."""
    return F.interpolate(attention, size=like.shape[-2:], mode="area")


def csf_weight(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """μ(I) of Eq. 6 (:func:`~iqa_bench.csf.csf_attention_map`) on a layer's grid: N×1×h×w, a per-image
    :class:`~iqa_bench.metrics.feature_transforms.FeatureTransform` of the reference."""
    return resize_map(csf_attention_map(images), features)


class FeatureMetric(Metric):
    """A metric computed from backbone features of ``layers``.

    ``score_features`` receives the features the engine extracted once per backbone and batch, with the
    per-image transforms the metric names in :attr:`reference_transforms` / :attr:`distorted_transforms`
    (:mod:`~iqa_bench.metrics.feature_transforms`: computed once per unique image, keyed by the
    transform); used standalone, ``forward`` extracts and transforms them itself (reference and
    distorted in one forward pass). ``score_features`` must not write into the tensors it receives:
    they are shared with every other metric of the batch, and a reference's may be one image's features
    broadcast over the batch (``expand``).
    """

    #: Per-image transforms read from the reference's / the distorted image's features.
    reference_transforms: Tuple[FeatureTransform, ...] = ()
    distorted_transforms: Tuple[FeatureTransform, ...] = ()

    #: Working memory of one pair's forward pass per input pixel (both images, float32 activations);
    #: EfficientNet-Lite0 measured at 660 B/px at 2000×2000, the others estimated from their widths.
    FORWARD_MEMORY = {"efficientnet_lite0": 800.0, "alexnet": 400.0, "squeezenet1_0": 800.0,
                      "squeezenet1_1": 800.0, "vgg16": 4000.0, "vgg19": 4500.0}

    def __init__(self, backbone: Backbone, layers: Sequence[str]):
        super().__init__()
        self.backbone = backbone
        self.layers = tuple(layers)
        self.bytes_per_pixel = self.FORWARD_MEMORY.get(backbone.name, 1500.0)

    def digest(self) -> str:
        return f"{type(self).__name__}-v1-{self.backbone.digest()}"

    def score(self, ref: torch.Tensor, dist: torch.Tensor) -> torch.Tensor:
        features = self.backbone.extract(torch.cat([ref, dist]), self.layers)
        n = ref.shape[0]
        f_ref = with_transforms(ref, {k: v[:n] for k, v in features.items()}, self.reference_transforms)
        f_dist = with_transforms(dist, {k: v[n:] for k, v in features.items()}, self.distorted_transforms)
        return self.score_features(ref, dist, f_ref, f_dist)

    @abstractmethod
    def score_features(self, ref: torch.Tensor, dist: torch.Tensor, f_ref: Features, f_dist: Features) -> torch.Tensor:
        """Scores (N,) from the reference/distorted images and their features."""


class PerceptualLoss(FeatureMetric):
    """Eq. 7: l_p = 1/(M·W·H) Σ_m ‖Φ_m(out) − Φ_m(gt)‖², the mean squared feature difference.

    With ``attentive`` (Eq. 10 of the CSF-attention paper): the difference is multiplied by the CSF
    attention map μ(gt) resized to the layer, l_p^att = 1/(M·W·H) Σ_m ‖μ^k(gt) ⊙ (Φ_m(out) − Φ_m(gt))‖².
    With ``subset`` (``H10``, ``L90``, ``F``): the sum runs over that Perceptual-Efficacy channel subset
    and M is its size. With ``pe_weighted`` (Eq. 14-15 of the Perceptual-Efficacy paper):
    l_pv = 1/(M·W·H) Σ_m w_m ‖Φ_m(out) − Φ_m(gt)‖², w_m = μ1(k, m) / Σ_m μ1(k, m).
    """

    higher_is_better = False
    needs_weights = True

    def __init__(self, backbone: Backbone, layer: str, attentive: bool = False, subset: Optional[str] = None,
                 pe_weighted: bool = False):
        super().__init__(backbone, [layer])
        self.layer, self.attentive, self.subset, self.pe_weighted = layer, attentive, subset, pe_weighted
        self.attention = FeatureTransform(csf_weight, layer)
        self.reference_transforms = (self.attention,) if attentive else ()
        self.source = ("paper: Tariq et al. 2019, Eq. 10" if attentive else "paper: Johnson et al. 2016 / Eq. 7")
        self.selection_id = ""
        if subset is not None or pe_weighted:
            from ..efficacy import channel_weights, layer_efficacy, select_channels

            efficacy = layer_efficacy(backbone, layer)
            if subset is not None:
                channels = torch.as_tensor(select_channels(efficacy, subset), dtype=torch.long)
                self.register_buffer("channels", channels, persistent=False)
                self.selection_id = f"-{subset}-" + hashlib.sha256(channels.numpy().tobytes()).hexdigest()[:10]
            if pe_weighted:
                weights = torch.as_tensor(channel_weights(efficacy), dtype=torch.float32)
                self.register_buffer("channel_weights", weights, persistent=False)
                self.selection_id += "-pe-" + hashlib.sha256(weights.numpy().tobytes()).hexdigest()[:10]
                self.source = "paper: Tariq et al. 2020 (Perceptual Efficacy) Eq. 14-15"

    def digest(self) -> str:
        return super().digest() + self.selection_id

    def score_features(self, ref, dist, f_ref, f_dist):
        diff = torch.sub(f_dist[self.layer], f_ref[self.layer])  # our own tensor: in place from here
        if self.attentive:
            diff.mul_(f_ref[self.attention])                    # μ(gt) on this layer, once per reference
        if self.subset is not None:
            diff = diff.index_select(1, self.channels)
        per_channel = diff.square_().mean(dim=(2, 3))          # (N, M): ‖·‖² / (W·H)
        if self.pe_weighted:
            per_channel = per_channel * self.channel_weights
        return per_channel.mean(1)


def _perceptual(family: str, attentive: bool):
    def create(arg):
        backbone, layer, subset = parse_net_layer(family, arg, subsets=True)
        return PerceptualLoss(backbone, layer, attentive=attentive, subset=subset)
    return create


def backbone_needed(arg: Optional[str]) -> list:
    """The backbone (``net`` or ``net:weights``) of a ``<net>/<layer>`` argument: the file it needs."""
    return [arg.rpartition("/")[0]] if arg and "/" in arg else []


register(MetricFamily("lp", _perceptual("lp", False), False, True,
                      "paper: Johnson et al. 2016 (CSF-attention paper Eq. 7)",
                      "perceptual loss: mean squared feature difference on one layer",
                      argument="<net>/<layer>[@F|H<x>|L<x>]", group="deep features",
                      files_needed=backbone_needed))
register(MetricFamily("lp_att", _perceptual("lp_att", True), False, True, "paper: Tariq et al. 2019 Eq. 10",
                      "CSF-attentive perceptual loss", argument="<net>/<layer>[@F|H<x>|L<x>]",
                      group="deep features", files_needed=backbone_needed))
register(MetricFamily("lpv", lambda arg: PerceptualLoss(*parse_net_layer("lpv", arg), pe_weighted=True),
                      False, True, "paper: Tariq et al. 2020 (Perceptual Efficacy) Eq. 14-15",
                      "perceptual loss with channels weighted by mu1 (PE)", argument="<net>/<layer>",
                      group="deep features", files_needed=backbone_needed))
