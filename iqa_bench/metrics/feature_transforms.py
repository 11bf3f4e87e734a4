"""Per-image transforms of backbone features: what a feature metric computes from one image alone before
it compares two — LPIPS's unit-normalised channels, the CSF attention map on a layer's grid, the
contextual loss's centred target.

A :class:`FeatureTransform` is a function of one image and its features on one layer. A feature metric
names the transforms it reads on each side (``reference_transforms``, ``distorted_transforms``); the
engine computes each once per unique image — a reference's beside its features in the reference cache
(:class:`iqa_bench.features.ReferenceFeatures`), shared by every pair of that reference, a distorted
image's once per batch — and hands them to ``score_features`` in the same dictionaries as the layers,
keyed by the transform. Equal transforms (the same function on the same layer) are one key, so two
metrics reading LPIPS-normalised ``relu3_3`` share one computation.

Every function here works image by image (a reduction over channels, an FFT per image, a loop), so its
value for an image does not depend on the other images of the batch it is computed in: the scores are
bit-identical with and without the reference cache (``tests/test_features.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Union

import torch

#: (images N×3×H×W in [0, 1], features N×C×h×w of one layer) -> one tensor per image, N×…
TransformFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class FeatureTransform:
    """``function`` applied to one layer's features (and the images they are of)."""

    function: TransformFunction
    layer: str

    def apply(self, images: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """The transform of a batch: N×3×H×W images and their N×C×h×w features on :attr:`layer`."""
        return self.function(images, features)

    def __repr__(self) -> str:
        return f"{self.function.__name__}({self.layer})"


#: A batch's features: layer name -> N×C×h×w, transform -> its N×… values.
Features = Dict[Union[str, FeatureTransform], torch.Tensor]


def with_transforms(images: torch.Tensor, features: Features, transforms: Iterable[FeatureTransform]) -> Features:
    """``features`` and every transform of them (computed here, on this batch): the standalone path of a
    feature metric; the engine computes them once per unique image instead (:mod:`iqa_bench.features`)."""
    out = dict(features)
    for transform in transforms:
        if transform not in out:
            out[transform] = transform.apply(images, features[transform.layer])
    return out
