"""Contextual loss (Mechrez et al. 2018; Eq. 8-9 of the CSF-attention paper) and its CSF-attentive
form (Eq. 11), on one layer of a backbone.

For output features x_i and target features y_j of one image (C-vectors at each position):
centre both on the target's mean, cosine distance d_ij = 1 − cos(x_i, y_j); d̃_ij = d_ij / (min_k d_ik + 1e-5);
A_ij = exp((1 − d̃_ij)/h) / Σ_l exp((1 − d̃_il)/h) with h = 0.5; CX = (1/N) Σ_j max_i A_ij; loss = −log(CX).
A layer with more than 65² positions is sub-sampled to 65² positions, the same ones in both images,
drawn with a fixed seed (0), so the metric is deterministic and its memory bounded.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .deep import FeatureMetric, backbone_needed, csf_weight, parse_net_layer
from .feature_transforms import FeatureTransform
from .registry import MetricFamily, register

BANDWIDTH = 0.5
EPSILON = 1e-5
MAX_POSITIONS = 65 ** 2
SAMPLING_SEED = 0


def sample_positions(count: int, device) -> torch.Tensor:
    if count <= MAX_POSITIONS:
        return torch.arange(count, device=device)
    generator = torch.Generator().manual_seed(SAMPLING_SEED)
    return torch.randperm(count, generator=generator)[:MAX_POSITIONS].sort().values.to(device)


def sampled(features: torch.Tensor) -> torch.Tensor:
    """N×C×H×W features -> N×C×P at the sampled positions (all of them up to 65²)."""
    flat = features.flatten(2)
    return flat[..., sample_positions(flat.shape[-1], flat.device)]


def target_means(target: torch.Tensor) -> torch.Tensor:
    """μ_y: each target's mean feature vector over its sampled positions, N×C×P -> N×C×1 (image by image)."""
    return torch.stack([yi.mean(dim=1, keepdim=True) for yi in target])


def centred_targets(target: torch.Tensor) -> torch.Tensor:
    """Each target's sampled feature vectors centred on its own mean and unit-normalised, N×C×P."""
    return torch.stack([F.normalize(yi - mu, dim=0) for yi, mu in zip(target, target_means(target))])


def contextual_loss_to(x: torch.Tensor, means: torch.Tensor, centred: torch.Tensor,
                       h: float = BANDWIDTH) -> torch.Tensor:
    """−log CX for sampled output features ``x`` (N×C×P) against targets given by their means and centred,
    normalised vectors (:func:`target_means`, :func:`centred_targets`) -> (N,)."""
    out = []
    for xi, mu, yn in zip(x, means, centred):            # one P×P affinity matrix at a time
        xn = F.normalize(xi - mu, dim=0)
        d = 1.0 - xn.t() @ yn                            # d[i, j]: output i to target j
        d_rel = d / (d.min(dim=1, keepdim=True).values + EPSILON)
        affinity = torch.softmax((1.0 - d_rel) / h, dim=1)
        cx = affinity.max(dim=0).values.mean()
        out.append(-torch.log(cx))
    return torch.stack(out)


def contextual_loss(x: torch.Tensor, y: torch.Tensor, h: float = BANDWIDTH) -> torch.Tensor:
    """−log CX for N×C×H×W output features ``x`` and target features ``y`` -> (N,)."""
    target = sampled(y)
    return contextual_loss_to(sampled(x), target_means(target), centred_targets(target), h)


def target_mean(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """The per-image transform of a reference's features: :func:`target_means` of its sampled positions."""
    return target_means(sampled(features))


def centred_target(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """The per-image transform of a reference's features: :func:`centred_targets` of its sampled positions."""
    return centred_targets(sampled(features))


def weighted_target_mean(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """:func:`target_mean` of the features weighted by the CSF attention map μ(gt) (Eq. 11)."""
    return target_mean(images, features * csf_weight(images, features))


def weighted_centred_target(images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
    """:func:`centred_target` of the features weighted by the CSF attention map μ(gt) (Eq. 11)."""
    return centred_target(images, features * csf_weight(images, features))


class ContextualLoss(FeatureMetric):
    """Eq. 8-9 (Eq. 11 with ``attentive``): the target's centring and normalisation, and its attention
    map, are per-image transforms of the reference (computed once per reference by the engine); the
    per-pair part centres the output on the target's mean and compares."""

    higher_is_better = False
    needs_weights = True

    def __init__(self, backbone, layer: str, attentive: bool = False):
        super().__init__(backbone, [layer])
        self.layer, self.attentive = layer, attentive
        self.source = "paper: Tariq et al. 2019 Eq. 11" if attentive else "paper: Mechrez et al. 2018"
        self.mean = FeatureTransform(weighted_target_mean if attentive else target_mean, layer)
        self.centred = FeatureTransform(weighted_centred_target if attentive else centred_target, layer)
        self.attention = FeatureTransform(csf_weight, layer)
        self.reference_transforms = (self.mean, self.centred) + ((self.attention,) if attentive else ())

    def score_features(self, ref, dist, f_ref, f_dist):
        x = f_dist[self.layer]
        if self.attentive:
            x = x * f_ref[self.attention]
        return contextual_loss_to(sampled(x), f_ref[self.mean], f_ref[self.centred])


register(MetricFamily("cx", lambda arg: ContextualLoss(*parse_net_layer("cx", arg)), False, True,
                      "paper: Mechrez et al. 2018 (CSF-attention paper Eq. 8-9)",
                      "contextual loss (-log CX) on one layer", argument="<net>/<layer>",
                      group="deep features", files_needed=backbone_needed))
register(MetricFamily("cx_att", lambda arg: ContextualLoss(*parse_net_layer("cx_att", arg), attentive=True),
                      False, True, "paper: Tariq et al. 2019 Eq. 11",
                      "CSF-attentive contextual loss", argument="<net>/<layer>", group="deep features",
                      files_needed=backbone_needed))
