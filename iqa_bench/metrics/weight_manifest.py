"""The weights manifest, a lookup: every file the backbones and the metric families declare
(:func:`iqa_bench.backbones.registry.weight_files`, ``MetricFamily.weight_files``) and the files a spec
needs (``MetricFamily.files_needed``). A family with weights declares them where it is registered; this
module changes for none of them.

The families are those registered when it is called: every built-in one once :mod:`iqa_bench.metrics`
is imported (as it is before any of its modules runs).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from ..backbones.registry import weight_files as backbone_files
from ..io_utils import file_sha256
from ..weights import WeightFile
from .registry import parse_spec, registered_families


def manifest() -> List[WeightFile]:
    """Every file, backbones first (torchvision's ImageNet weights, then the package-installed one),
    then each family's in the order the families were registered."""
    files = backbone_files()
    for family in registered_families():
        files += [f for f in family.weight_files if f.key not in {known.key for known in files}]
    return files


def by_key() -> Dict[str, WeightFile]:
    return {f.key: f for f in manifest()}


def known_file(path: Path) -> bool:
    """Whether ``path``'s SHA-256 is one the manifest records (an authors' or a package's file)."""
    recorded = {f.sha256 for f in manifest() if f.sha256}
    return file_sha256(path) in recorded


def files_for_spec(spec: str) -> List[WeightFile]:
    """The files a metric spec needs (none for weight-free metrics, random backbones, a checkpoint path
    given in the spec, and ``pyiqa:`` specs, whose files pyiqa manages)."""
    family, arg = parse_spec(spec)
    if family.files_needed is None:
        return []
    files = by_key()
    keys = []
    for needed in family.files_needed(arg):  # "vgg16:random" needs no file, "vgg16:imagenet" is "vgg16"
        key, _, weights = needed.partition(":")
        if weights in ("", "imagenet"):
            keys.append(key.strip().lower())
    return [files[k] for k in dict.fromkeys(keys) if k in files]
