"""Helpers shared by the official-layout adapters: named file errors, readers that refuse a damaged
official file (empty, an HTML error page saved under the file's name, truncated, unparsable, a missing
variable or column) naming it and what was expected, case-insensitive lookup, boolean options, and a
metadata cache keyed by the score files' size and modification time."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from ..io_utils import atomic_write_text
from .base import Item

#: Bump when a parser changes what it returns; cached metadata of older versions is ignored.
METADATA_VERSION = 3  # 2: items carry their score's spread; 3: and the ratings behind it


def require(path: Path, dataset: str, what: str = "file") -> Path:
    """``path`` if it exists, else FileNotFoundError naming it and pointing at the expected layout."""
    if not Path(path).exists():
        raise FileNotFoundError(f"dataset {dataset}: missing {what} {path} "
                                f"(see `iqa-bench datasets` for the expected layout)")
    return Path(path)


class DamagedFileError(ValueError):
    """An official file that is there but cannot be what the release has: one line naming the file, what
    is wrong and what was expected (the command line exits 2 with it)."""


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def option_bool(value, option: str) -> bool:
    """A boolean dataset option given as a YAML boolean or as the text of ``-o KEY=VALUE`` (true/false,
    yes/no, on/off, 1/0, any case); anything else is a ValueError naming the option -- ``bool("false")``
    would be True."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(f"-o {option}={value}: expected true or false (also yes/no, on/off, 1/0)")


def damage_reason(path: Path) -> Optional[str]:
    """Why ``path`` cannot be an official file, judged from its first bytes (None: worth parsing)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    if not head:
        return "is empty (0 bytes)"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        return "is an HTML page, not the data file (an error page saved under this name by a failed download?)"
    return None


#: What to do about a damaged official file (a user's own file, e.g. a custom manifest, gets its own remedy).
REDOWNLOAD = "download it again (see `iqa-bench datasets` for the layout)"


def damaged(path: Path, dataset: str, expected: str, reason: str, remedy: str = REDOWNLOAD) -> DamagedFileError:
    return DamagedFileError(f"dataset {dataset}: {path} {reason}; expected {expected} -- {remedy}")


def load_mat(path: Path, dataset: str, variables: Sequence[str]) -> dict:
    """``scipy.io.loadmat`` of an official .mat file holding ``variables``, or a DamagedFileError."""
    import scipy.io

    expected = f"a MATLAB .mat file with {', '.join(variables)}"
    reason = damage_reason(path)
    if reason is None:
        try:
            data = scipy.io.loadmat(str(path))
        except Exception as err:  # MatReadError, ValueError, zlib.error, EOFError, struct.error ...
            reason = f"is not a readable .mat file ({type(err).__name__}: {err})"
        else:
            missing = [v for v in variables if v not in data]
            if not missing:
                return data
            present = ", ".join(k for k in data if not k.startswith("__")) or "none"
            reason = f"has no variable {', '.join(missing)} (its variables: {present})"
    raise damaged(path, dataset, expected, reason)


def read_text(path: Path, dataset: str, expected: str) -> str:
    """The text of an official text file, or a DamagedFileError (empty, HTML, not text)."""
    reason = damage_reason(path)
    if reason is None:
        try:
            return Path(path).read_text()
        except UnicodeDecodeError as err:
            reason = f"is not a text file ({err.reason} at byte {err.start})"
    raise damaged(path, dataset, expected, reason)


def read_csv(path: Path, dataset: str, columns: Sequence[str], **kwargs):
    """An official CSV table with ``columns``, or a DamagedFileError (empty, HTML, unparsable, columns
    missing)."""
    import pandas as pd

    expected = f"a CSV table with columns {', '.join(columns)}"
    reason = damage_reason(path)
    if reason is None:
        try:
            table = pd.read_csv(path, **kwargs)
        except pd.errors.EmptyDataError:
            reason = "holds no table"
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
            reason = f"is not a readable CSV table ({type(err).__name__}: {err})"
        else:
            table.columns = [str(c).strip() for c in table.columns]
            missing = [c for c in columns if c not in table.columns]
            if not missing:
                return table
            reason = f"lacks column(s) {', '.join(missing)} (its columns: {', '.join(table.columns)})"
    raise damaged(path, dataset, expected, reason)


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
    """Size and modification time of each score file; of a folder of score files (BAPPS' judge/), the
    number, total size and latest modification of its files, so a file replaced inside it is seen."""
    out = []
    for path in paths:
        stat = Path(path).stat()
        entry = [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]
        if Path(path).is_dir():
            files = [e.stat() for e in os.scandir(path) if e.is_file()]
            entry += [len(files), sum(f.st_size for f in files), max((f.st_mtime_ns for f in files), default=0)]
        out.append(entry)
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
            return [Item(r["id"], Path(r["ref"]), Path(r["dist"]), r["score"], r["groups"], r.get("spread"),
                         r.get("ratings"))
                    for r in rows]
        except (ValueError, KeyError):
            pass  # a damaged cache entry is rebuilt below
    try:
        items = parse()
    except (DamagedFileError, FileNotFoundError):
        raise
    except (IndexError, KeyError, TypeError, ValueError, UnicodeDecodeError, EOFError) as err:
        # what an adapter's own checks did not foresee still names the files instead of a traceback
        names = ", ".join(str(p) for p in sources)
        raise DamagedFileError(f"dataset {dataset}: the score files {names} do not have the official "
                               f"release's content ({type(err).__name__}: {err}); download them again (see "
                               f"`iqa-bench datasets` for the layout)") from None
    rows = [{"id": it.item_id, "ref": str(it.ref_path), "dist": str(it.dist_path), "score": it.score,
             "groups": it.groups, "spread": it.spread, "ratings": it.ratings} for it in items]
    try:
        atomic_write_text(path, json.dumps(rows))
    except OSError:
        pass  # a read-only cache only costs the parse next time
    return items
