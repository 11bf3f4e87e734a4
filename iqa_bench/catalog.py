"""What ``iqa-bench metrics`` lists, without importing torch.

The registry is filled by importing the metric modules, which import torch and torchvision (≈ 6 s of
cold start on two cores before anything is listed). The listing is therefore shipped with the package
(``metrics_catalog.json``, written by ``python -m iqa_bench.catalog``) together with a digest of the
sources it was built from — iqa-bench's own metric and backbone modules. When the installed sources
still have that digest the shipped listing is read and torch is never imported; when they do not (an
edited checkout) the listing is rebuilt from the registry once and kept in the cache folder, keyed by
the sources and the versions of the libraries named in it. ``tests/cli/test_cli.py`` checks that the shipped
listing equals the registry's and carries the current digest. This module imports nothing heavy.
"""
from __future__ import annotations

import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Optional

PACKAGE = Path(__file__).resolve().parent
SOURCES = ("metrics", "backbones")
LIBRARIES = ("torch", "torchvision", "piq", "lpips", "pyrtools", "pyiqa")
SHIPPED = PACKAGE / "metrics_catalog.json"


def sources_digest() -> str:
    """SHA-256 (16 hex digits) of the metric and backbone modules' names and bytes."""
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted((PACKAGE / folder).glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _installation_digest() -> str:
    digest = hashlib.sha256(sources_digest().encode())
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
             "description": f.description, "variants": [list(v) for v in f.variants], "group": f.group,
             "package": f.package}
            for f in list_metrics() if f.group != "plugins"]  # a plugin is the user's, never shipped


def shipped() -> Optional[List[Dict]]:
    """The listing shipped with the package, or None when it is absent, unreadable or stale."""
    try:
        data = json.loads(SHIPPED.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("sources") != sources_digest():
        return None
    return data.get("families")


def families() -> List[Dict]:
    """The listing: the shipped one when current, else the cached one, else built (and cached)."""
    listing = shipped()
    if listing is not None:
        return listing
    from .io_utils import atomic_write_text, default_cache_dir

    path = default_cache_dir() / f"metrics-catalog-{_installation_digest()}.json"
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


def check_specs(specs) -> None:
    """Each spec's grammar against the listing (:func:`~iqa_bench.spec_syntax.split_spec`): the registry's
    errors for an unknown name or variant, raised before torch is imported. Arguments are checked by
    the family itself later."""
    from types import SimpleNamespace

    from .errors import UnknownNameError
    from .spec_syntax import split_spec

    listing = families()
    table = {f["name"]: SimpleNamespace(variants=f["variants"], argument=f["argument"]) for f in listing}
    aliases = {alias: f["name"] for f in listing for alias in f["aliases"]}
    plugins = None
    for spec in specs:
        try:
            split_spec(spec, table, aliases)
        except UnknownNameError:
            from .plugin_specs import installed_entry_points, is_code_spec

            if is_code_spec(spec):
                continue  # imported (and checked) when the metric is built: one line if it fails
            plugins = installed_entry_points() if plugins is None else plugins
            if spec.partition(":")[0].strip().lower() not in plugins:  # the valid names include the plugins
                raise UnknownNameError("metric", spec, list(table) + list(aliases) + list(plugins)) from None


def write_shipped(path: Path = SHIPPED) -> Path:
    """Regenerate the shipped listing from the registry (run after editing a metric or backbone)."""
    from .io_utils import atomic_write_text

    atomic_write_text(path, json.dumps({"sources": sources_digest(), "families": build()}, indent=1,
                                       ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    print(f"written: {write_shipped()}", file=sys.stderr)
