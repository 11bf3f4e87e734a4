"""LPIPS (Zhang et al. 2018) through the ``lpips`` package's shipped linear heads, on our backbone's
features (shared with every other metric reading the same network).

LPIPS scales [-1, 1] inputs by shift (−.030, −.088, −.188) and scale (.458, .448, .450), which for
[0, 1] images is exactly the ImageNet normalisation our torchvision backbones apply, so the features
are the package's own. Per layer: unit-normalise channels (``lpips.normalize_tensor``), squared
difference, the package's 1×1 linear head, spatial mean (``lpips.spatial_average``); sum over layers.

The normalisation is a per-image transform (:mod:`~iqa_bench.metrics.feature_transforms`): the engine
computes it once per unique image — a reference's once for all its pairs. The per-pair part is
``torch.sub(a, b).square_()`` (one temporary) reduced to a per-channel spatial mean, then the head's
weights as a dot product: Σ_c w_c mean_hw d_c = mean_hw Σ_c w_c d_c, the head (a bias-free 1×1
convolution; its dropout is off in evaluation) and the spatial average exchanged — the same sum in
another order (≤ 7.5e-9 from the head-then-average order on the sample), held to the package's
``LPIPS.forward`` to 1e-6 on every net, through the engine and standalone.

Spec: ``lpips:alex|vgg|squeeze[:<weights>]`` (backbone weights; the heads are always the shipped v0.1).
"""
from __future__ import annotations

from typing import Optional

import os
from pathlib import Path

import lpips
import torch
from torch import nn

from ..backbones import get_backbone
from ..weights import WeightFile
from .deep import FeatureMetric
from .feature_transforms import FeatureTransform
from .registry import MetricFamily, register

#: lpips net name -> (our backbone, the five/seven layers the package's slices end at)
NETS = {
    "alex": ("alexnet", ("relu1", "relu2", "relu3", "relu4", "relu5")),
    "vgg": ("vgg16", ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")),
    "squeeze": ("squeezenet1_1", ("conv1_relu", "fire3", "fire5", "fire6", "fire7", "fire8", "fire9")),
}
VERSION = "0.1"


class LPIPSMetric(FeatureMetric):
    higher_is_better = False
    needs_weights = True
    source = f"library: lpips {VERSION} heads; paper: Zhang et al. 2018"

    def __init__(self, net: str, weights: str = "imagenet"):
        backbone_name, layers = NETS[net]
        super().__init__(get_backbone(backbone_name, weights), layers)
        self.net = net
        self.heads = load_heads(net)
        #: Each layer's unit-normalised features, both sides, once per unique image.
        self.units = tuple(FeatureTransform(unit_channels, layer) for layer in layers)
        self.reference_transforms = self.distorted_transforms = self.units

    def digest(self) -> str:
        return f"lpips-{self.net}-v{VERSION}-{self.backbone.digest()}"

    def score_features(self, ref, dist, f_ref, f_dist):
        total = 0.0
        for unit, head in zip(self.units, self.heads):
            per_channel = torch.sub(f_ref[unit], f_dist[unit]).square_().mean(dim=(2, 3))  # (N, C)
            total = total + per_channel @ head_weight(head)
        return total


def unit_channels(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """``lpips.normalize_tensor``: each position's channel vector divided by its norm (+1e-10)."""
    return lpips.normalize_tensor(features)


def head_weight(head: nn.Module) -> torch.Tensor:
    """The C weights of an ``lpips.NetLinLayer`` (dropout, then a bias-free 1×1 convolution to one channel)."""
    return head.model[-1].weight.flatten()


def heads_file(net: str) -> str:
    """The linear-head weights shipped inside the lpips package (``weights/v0.1/<net>.pth``)."""
    return os.path.join(os.path.dirname(lpips.__file__), "weights", f"v{VERSION}", f"{net}.pth")


def load_heads(net: str) -> nn.ModuleList:
    """``lpips.NetLinLayer`` heads as ``lpips.LPIPS`` builds them (dropout + 1×1 conv), loaded strictly
    from the package's file; the package's own backbone is never built or downloaded."""
    state = torch.load(heads_file(net), map_location="cpu", weights_only=True)
    channels = [state[f"lin{k}.model.1.weight"].shape[1] for k in range(len(NETS[net][1]))]
    heads = nn.ModuleList(lpips.NetLinLayer(c, use_dropout=True) for c in channels)
    heads.load_state_dict({k.replace("lin", "", 1): v for k, v in state.items()}, strict=True)
    return heads.requires_grad_(False).eval()


def _create(arg: Optional[str]) -> LPIPSMetric:
    net, _, weights = (arg or "alex").partition(":")
    if net not in NETS:
        raise ValueError(f"lpips: network {net!r}; choose {', '.join(NETS)}")
    return LPIPSMetric(net, weights or "imagenet")


#: The linear heads, as installed from PyPI (lpips 0.1.4, lpips/weights/v0.1/).
HEAD_FILES = tuple(
    WeightFile(f"lpips-heads-{net}", f"{net}.pth", "https://pypi.org/project/lpips/ (0.1.4: lpips/weights/v0.1/)",
               users, "BSD-2-Clause (lpips)", sha256=sha256, size=size, where="package", package="lpips",
               locate=lambda net=net: Path(heads_file(net)))
    for net, users, sha256, size in (
        ("alex", "lpips, lpips:alex", "df73285e35b22355a2df87cdb6b70b343713b667eddbda73e1977e0c860835c0", "6.0 kB"),
        ("vgg", "lpips:vgg", "a78928a0af1e5f0fcb1f3b9e8f8c3a2a5a3de244d830ad5c1feddc79b8432868", "7.3 kB"),
        ("squeeze", "lpips:squeeze", "4a5350f23600cb79923ce65bb07cbf57dca461329894153e05a1346bd531cf76", "10.8 kB")))


def _files_needed(arg: Optional[str]) -> list:
    """The backbone (with the weights the argument asks for) and the heads of ``lpips[:net[:weights]]``."""
    net, _, weights = (arg or "alex").partition(":")
    if net not in NETS:
        return []
    return [f"{NETS[net][0]}:{weights}" if weights else NETS[net][0], f"lpips-heads-{net}"]


register(MetricFamily("lpips", _create, False, True, "library: lpips (heads); paper: Zhang et al. 2018",
                      "LPIPS v0.1 with the package's linear heads", argument="alex|vgg|squeeze (default alex)",
                      group="learned", weight_files=HEAD_FILES, files_needed=_files_needed))
