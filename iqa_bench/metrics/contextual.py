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

from ..csf import csf_attention_map
from .deep import FeatureMetric, backbone_needed, parse_net_layer, resize_map
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


def contextual_loss(x: torch.Tensor, y: torch.Tensor, h: float = BANDWIDTH) -> torch.Tensor:
    """−log CX for N×C×H×W output features ``x`` and target features ``y`` -> (N,)."""
    x, y = x.flatten(2), y.flatten(2)                    # N×C×P
    keep = sample_positions(x.shape[-1], x.device)
    x, y = x[..., keep], y[..., keep]
    out = []
    for xi, yi in zip(x, y):                             # one P×P affinity matrix at a time
        mu = yi.mean(dim=1, keepdim=True)
        xn = F.normalize(xi - mu, dim=0)
        yn = F.normalize(yi - mu, dim=0)
        d = 1.0 - xn.t() @ yn                            # d[i, j]: output i to target j
        d_rel = d / (d.min(dim=1, keepdim=True).values + EPSILON)
        affinity = torch.softmax((1.0 - d_rel) / h, dim=1)
        cx = affinity.max(dim=0).values.mean()
        out.append(-torch.log(cx))
    return torch.stack(out)


class ContextualLoss(FeatureMetric):
    higher_is_better = False
    needs_weights = True

    def __init__(self, backbone, layer: str, attentive: bool = False):
        super().__init__(backbone, [layer])
        self.layer, self.attentive = layer, attentive
        self.source = "paper: Tariq et al. 2019 Eq. 11" if attentive else "paper: Mechrez et al. 2018"

    def score_features(self, ref, dist, f_ref, f_dist):
        x, y = f_dist[self.layer], f_ref[self.layer]
        if self.attentive:
            weight = resize_map(csf_attention_map(ref), y)
            x, y = x * weight, y * weight
        return contextual_loss(x, y)


register(MetricFamily("cx", lambda arg: ContextualLoss(*parse_net_layer("cx", arg)), False, True,
                      "paper: Mechrez et al. 2018 (CSF-attention paper Eq. 8-9)",
                      "contextual loss (-log CX) on one layer", argument="<net>/<layer>",
                      group="deep features", files_needed=backbone_needed))
register(MetricFamily("cx_att", lambda arg: ContextualLoss(*parse_net_layer("cx_att", arg), attentive=True),
                      False, True, "paper: Tariq et al. 2019 Eq. 11",
                      "CSF-attentive contextual loss", argument="<net>/<layer>", group="deep features",
                      files_needed=backbone_needed))
