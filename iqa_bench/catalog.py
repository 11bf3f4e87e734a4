"""What ``iqa-bench metrics`` lists, without importing torch on every call.

The registry is filled by importing the metric modules, which import torch and torchvision (≈ 2 s of
start-up on two cores before anything is listed). The listing is therefore kept in the cache folder,
keyed by a digest of everything it is derived from — iqa-bench's own metric and backbone sources and
the versions of the libraries named in it — so an upgrade or an edit rebuilds it on the next call and
an unchanged installation lists at once. This module imports nothing heavy.
"""
from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Dict, List

PACKAGE = Path(__file__).resolve().parent
SOURCES = ("metrics", "backbones")
LIBRARIES = ("torch", "torchvision", "piq", "lpips", "pyrtools")


def _digest() -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for library in LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=absent".encode())
    return digest.hexdigest()[:16]


def build() -> List[Dict]:
    """The listing from the registry itself (imports every metric module)."""
    from .metrics import list_metrics

    return [{"name": f.name, "argument": f.argument, "aliases": list(f.aliases), "higher": f.higher_is_better,
             "weights": f.needs_weights, "calibrated": f.calibrated, "source": f.source,
             "description": f.description, "variants": [list(v) for v in f.variants]} for f in list_metrics()]


def families() -> List[Dict]:
    """The listing, from the cache when it matches this installation, else built and cached."""
    from .io_utils import atomic_write_text, default_cache_dir

    path = default_cache_dir() / f"metrics-catalog-{_digest()}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        pass
    listing = build()
    try:
        atomic_write_text(path, json.dumps(listing, indent=1))
    except OSError:
        pass  # a read-only cache only costs the rebuild next time
    return listing
