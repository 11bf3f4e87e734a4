"""Backbone features of a batch, one forward pass per backbone, each reference image forwarded once.

The datasets are built around few references (TID2013: 25 for 3000 distorted images; every BAPPS
triplet shares its reference between p0 and p1), so the engine orders items by reference and keeps the
features of the current batch's references: a reference seen in an earlier batch is not forwarded again,
and one shared by several items of a batch is forwarded once. Memory: the features of the references of
the current batch only (for VGG-16's five LPIPS layers ≈ 96 MB per 512×384 reference).

Scores are bit-identical to forwarding ``[ref; dist]`` for every pair: a convolution's output for one
image does not depend on the other images of its batch once the batch holds at least two (tested for
every backbone at three sizes); a batch of one image takes another CPU kernel path whose last bits
differ, so a forward of a single image is padded to two.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch

from .metrics.base import Metric, is_out_of_memory  # noqa: F401 (the engine's import)
from .metrics.deep import FeatureMetric

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
#: Fewest images per forward pass (see the module docstring).
MIN_FORWARD = 2

Features = Dict[str, torch.Tensor]


class ReferenceFeatures:
    """Per backbone: {reference key: {layer: C×H×W features}} of the references kept."""

    def __init__(self):
        self._kept: Dict[object, "OrderedDict[str, Features]"] = {}

    def get(self, backbone, key: str, layers) -> Optional[Features]:
        found = self._kept.get(backbone, {}).get(key)
        return found if found is not None and set(layers) <= set(found) else None

    def put(self, backbone, key: str, features: Features) -> None:
        self._kept.setdefault(backbone, OrderedDict())[key] = features

    def retain(self, keys) -> None:
        """Drop every reference but ``keys`` (the last batch's): the bound on memory."""
        keys = set(keys)
        for kept in self._kept.values():
            for key in [k for k in kept if k not in keys]:
                del kept[key]

    def count(self) -> int:
        return sum(len(kept) for kept in self._kept.values())


def _layers(metrics: Sequence[Metric]) -> Dict[object, set]:
    layers: Dict[object, set] = {}
    for metric in metrics:
        if isinstance(metric, FeatureMetric):
            layers.setdefault(metric.backbone, set()).update(metric.layers)
    return layers


def _forward(backbone, images: torch.Tensor, names, amp: Optional[str], channels_last: bool) -> Features:
    count = images.shape[0]
    if count < MIN_FORWARD:
        images = torch.cat([images] * MIN_FORWARD)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    with torch.no_grad(), torch.autocast(images.device.type, dtype=AMP_DTYPES.get(amp, torch.bfloat16),
                                         enabled=amp is not None):
        return {k: v[:count].float() for k, v in backbone.extract(images, names).items()}


def shared_features(metrics: Sequence[Metric], ref: torch.Tensor, dist: torch.Tensor, amp: Optional[str] = None,
                    channels_last: bool = False, ref_keys: Optional[List[str]] = None,
                    cache: Optional[ReferenceFeatures] = None):
    """One forward pass per backbone for the union of the layers its feature metrics read; returns
    ({backbone: (reference features, distorted features)}, {backbone: error}).

    With ``ref_keys`` (one key per pair, e.g. the reference's path) and a ``cache``, each distinct
    reference is forwarded once and only when the cache does not hold it; otherwise ``[ref; dist]`` is
    forwarded. ``amp`` ("bf16"/"fp16") runs the backbone under autocast; features come back as float32.
    ``channels_last`` uses NHWC memory layout."""
    shared, errors = {}, {}
    n = ref.shape[0]
    for backbone, names in _layers(metrics).items():
        try:
            if ref_keys is None or cache is None:
                features = _forward(backbone, torch.cat([ref, dist]), names, amp, channels_last)
                shared[backbone] = ({k: v[:n] for k, v in features.items()}, {k: v[n:] for k, v in features.items()})
                continue
            first = {}
            for index, key in enumerate(ref_keys):
                first.setdefault(key, index)
            new = [key for key in first if cache.get(backbone, key, names) is None]
            features = _forward(backbone, torch.cat([ref[[first[k] for k in new]], dist]) if new else dist,
                                names, amp, channels_last)
            for j, key in enumerate(new):  # cloned: a kept slice would keep the whole batch alive
                cache.put(backbone, key, {layer: features[layer][j].clone() for layer in names})
            f_ref = {layer: torch.stack([cache.get(backbone, key, names)[layer] for key in ref_keys])
                     for layer in names}
            shared[backbone] = (f_ref, {k: v[len(new):] for k, v in features.items()})
        except Exception as err:  # a failing backbone fails the metrics reading it, no others
            errors[backbone] = err
    return shared, errors

