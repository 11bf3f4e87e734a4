"""Backbone features of a batch, one forward pass per backbone, each reference image forwarded once.

The datasets are built around few references (TID2013: 25 for 3000 distorted images; every BAPPS
triplet shares its reference between p0 and p1), so the engine orders items by reference and keeps the
features of the current batch's references: a reference seen in an earlier batch is not forwarded again,
and one shared by several items of a batch is forwarded once. Memory: the features of the references of
the current batch only (for VGG-16's five LPIPS layers ≈ 96 MB per 512×384 reference).

The same holds for what a metric computes from one image's features alone before comparing two
(:mod:`~iqa_bench.metrics.feature_transforms`: LPIPS's unit-normalised channels, the CSF attention map,
the contextual loss's centred target): a reference's transforms are computed once and kept beside its
features, a distorted image's once per batch, each shared by every metric naming it. A batch whose pairs
all share one reference gets that reference's features and transforms broadcast over the batch
(``expand``: no copy); otherwise they are stacked.

Scores are bit-identical to forwarding ``[ref; dist]`` for every pair: a convolution's output for one
image does not depend on the other images of its batch once the batch holds at least two (tested for
every backbone at three sizes); a batch of one image takes another CPU kernel path whose last bits
differ, so a forward of a single image is padded to two. The transforms work image by image.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch

from .metrics.base import Metric, is_out_of_memory  # noqa: F401 (the engine's import)
from .metrics.deep import FeatureMetric
from .metrics.feature_transforms import Features, FeatureTransform, with_transforms

AMP_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}
#: Fewest images per forward pass (see the module docstring).
MIN_FORWARD = 2


class ReferenceFeatures:
    """Per backbone: {reference key: {layer or transform: C×H×W (or the transform's) tensor}} of the
    references kept."""

    def __init__(self):
        self._kept: Dict[object, "OrderedDict[str, Features]"] = {}

    def get(self, backbone, key: str, layers) -> Optional[Features]:
        """What is kept of a reference, where it holds every one of ``layers`` (names or transforms)."""
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


class _Needs:
    """What the metrics of a batch read from one backbone: layers, and per-image transforms per side."""

    def __init__(self):
        self.layers: Dict[str, None] = {}
        self.reference: Dict[FeatureTransform, None] = {}
        self.distorted: Dict[FeatureTransform, None] = {}


def _needs(metrics: Sequence[Metric]) -> Dict[object, _Needs]:
    needs: Dict[object, _Needs] = {}
    for metric in metrics:
        if isinstance(metric, FeatureMetric):
            need = needs.setdefault(metric.backbone, _Needs())
            need.layers.update(dict.fromkeys(metric.layers))
            need.reference.update(dict.fromkeys(metric.reference_transforms))
            need.distorted.update(dict.fromkeys(metric.distorted_transforms))
            need.layers.update(dict.fromkeys(t.layer for t in (*metric.reference_transforms,
                                                               *metric.distorted_transforms)))
    return needs


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
    """One forward pass per backbone for the union of the layers its feature metrics read, and each
    per-image transform they name once per image; returns ({backbone: (reference features, distorted
    features)}, {backbone: error}), each features dictionary keyed by layer name and by transform.

    With ``ref_keys`` (one key per pair, e.g. the reference's path) and a ``cache``, each distinct
    reference is forwarded, and transformed, once and only when the cache does not hold it; otherwise
    ``[ref; dist]`` is forwarded and the references' transforms computed for every pair. ``amp``
    ("bf16"/"fp16") runs the backbone under autocast; features come back as float32. ``channels_last``
    uses NHWC memory layout."""
    shared, errors = {}, {}
    n = ref.shape[0]
    for backbone, need in _needs(metrics).items():
        names = list(need.layers)
        try:
            if ref_keys is None or cache is None:
                features = _forward(backbone, torch.cat([ref, dist]), names, amp, channels_last)
                shared[backbone] = (with_transforms(ref, {k: v[:n] for k, v in features.items()}, need.reference),
                                    with_transforms(dist, {k: v[n:] for k, v in features.items()}, need.distorted))
                continue
            first = {}
            for index, key in enumerate(ref_keys):
                first.setdefault(key, index)
            new = [key for key in first if cache.get(backbone, key, names) is None]
            features = _forward(backbone, torch.cat([ref[[first[k] for k in new]], dist]) if new else dist,
                                names, amp, channels_last)
            for j, key in enumerate(new):  # cloned: a kept slice would keep the whole batch alive
                cache.put(backbone, key, {layer: features[layer][j].clone() for layer in names})
            kept = {key: cache.get(backbone, key, names) for key in first}
            _transform_kept(kept, ref, first, need.reference)
            f_ref = {name: _batch_of([kept[key][name] for key in ref_keys]) for name in (*names, *need.reference)}
            shared[backbone] = (f_ref, with_transforms(dist, {k: v[len(new):] for k, v in features.items()},
                                                       need.distorted))
        except Exception as err:  # a failing backbone fails the metrics reading it, no others
            errors[backbone] = err
    return shared, errors


def _transform_kept(kept: Dict[str, Features], ref: torch.Tensor, first: Dict[str, int], transforms) -> None:
    """Each transform of each kept reference that lacks it (a new reference, or one kept from a batch
    whose metrics did not name the transform), computed over those references at once and kept."""
    for transform in transforms:
        lacking = [key for key in first if transform not in kept[key]]
        if not lacking:
            continue
        values = transform.apply(ref[[first[key] for key in lacking]],
                                 _batch_of([kept[key][transform.layer] for key in lacking]))
        for j, key in enumerate(lacking):  # cloned where a slice would keep the others' values alive
            kept[key][transform] = values[j].clone() if len(lacking) > 1 else values[j]


def _batch_of(tensors: List[torch.Tensor]) -> torch.Tensor:
    """One kept tensor per pair -> the batch's: one reference's broadcast (``expand``, no copy) where every
    pair has the same, otherwise stacked."""
    if all(t is tensors[0] for t in tensors):
        return tensors[0].unsqueeze(0).expand(len(tensors), *tensors[0].shape)
    return torch.stack(tensors)
