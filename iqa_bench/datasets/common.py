"""Helpers shared by the official-layout adapters: named file errors, case-insensitive lookup,
and a metadata cache keyed by the score files' size and modification time."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, List

from ..io_utils import atomic_write_text
from .base import Item

#: Bump when a parser changes what it returns; cached metadata of older versions is ignored.
METADATA_VERSION = 1


def require(path: Path, dataset: str, what: str = "file") -> Path:
    """``path`` if it exists, else FileNotFoundError naming it and pointing at the expected layout."""
    if not Path(path).exists():
        raise FileNotFoundError(f"dataset {dataset}: missing {what} {path} "
                                f"(see `iqa-bench datasets` for the expected layout)")
    return Path(path)


def require_columns(table, columns, path) -> None:
    """ValueError naming the file and the missing columns of a score table."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; required: {', '.join(columns)}")


class CaseInsensitiveFolder:
    """Resolves file names in one folder regardless of case (TID2013 mixes ``I25.BMP``, ``i01_01_1.bmp``).

    A name that is not there resolves to the path it should have, so the engine's error names it.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._names: Dict[str, str] = {}
        if self.folder.is_dir():
            self._names = {name.lower(): name for name in os.listdir(self.folder)}

    def __call__(self, name: str) -> Path:
        return self.folder / self._names.get(name.lower(), name)


def _fingerprint(paths: Iterable[Path]) -> List:
    out = []
    for path in paths:
        stat = Path(path).stat()
        out.append([str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns])
    return out


def cached_items(dataset: str, options: dict, sources: List[Path], parse: Callable[[], List[Item]]) -> List[Item]:
    """Parse metadata once per (dataset, options, score files' size/mtime) and cache it as JSON
    in the cache folder (``metadata/``); a changed score file invalidates the entry."""
    from .sample import default_cache_dir

    key_data = [METADATA_VERSION, dataset, sorted(options.items()), _fingerprint(sources)]
    key = hashlib.sha256(json.dumps(key_data, default=str).encode()).hexdigest()[:24]
    path = default_cache_dir() / "metadata" / f"{dataset}-{key}.json"
    if path.exists():
        try:
            rows = json.loads(path.read_text())
            return [Item(r["id"], Path(r["ref"]), Path(r["dist"]), r["score"], r["groups"]) for r in rows]
        except (ValueError, KeyError):
            pass  # a damaged cache entry is rebuilt below
    items = parse()
    rows = [{"id": it.item_id, "ref": str(it.ref_path), "dist": str(it.dist_path), "score": it.score,
             "groups": it.groups} for it in items]
    try:
        atomic_write_text(path, json.dumps(rows))
    except OSError:
        pass  # a read-only cache only costs the parse next time
    return items
