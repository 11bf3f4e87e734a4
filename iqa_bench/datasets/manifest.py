"""``custom``: any full-reference set described by a CSV manifest, for a user's own images.

``ROOT/manifest.csv`` with columns ``ref``, ``dist`` (paths relative to ROOT), ``score``, and
optionally ``item`` (default: the dist path), ``distortion``, ``reference`` and any other columns,
which become groupings. Options ``score_name`` and ``higher_is_better`` describe the score; ``outside=true`` allows paths that
leave ROOT (refused otherwise);
``manifest`` names another CSV in ROOT and ``columns`` maps its column names onto ours, e.g.
``-o manifest=subset_pairs.csv -o columns=ref=ref_path,dist=dist_path,score=mos,item=tid2013_name``.
"""
from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import pandas as pd

from .base import Dataset, Item, ScoreInfo
from .common import DamagedFileError, damage_reason, damaged, option_bool, require_columns
from .registry import register_dataset

REQUIRED = ("ref", "dist", "score")
log = logging.getLogger(__name__)


@register_dataset
class ManifestDataset(Dataset):
    name = "custom"
    description = "your own pairs: ROOT/manifest.csv with columns ref, dist, score (+ optional groups)"
    homepage = "(your data)"
    layout = "manifest.csv (ref, dist, score[, item, distortion, reference, ...]) and the image files"
    root_hint = "a folder holding manifest.csv"
    score = ScoreInfo("score", higher_is_better=True)

    def __init__(self, root: Optional[Path] = None, score_name: str = "MOS", higher_is_better: bool = True,
                 manifest: str = "manifest.csv", columns: str = "", outside: bool = False):
        super().__init__(root)
        self.outside = option_bool(outside, "outside")
        self.manifest = self.root / manifest
        self.columns = {}
        for pair in filter(None, (p.strip() for p in str(columns).split(","))):
            ours, sep, theirs = pair.partition("=")
            if not sep or ours.strip() not in REQUIRED + ("item", "distortion", "reference"):
                raise ValueError(f"dataset custom: columns entry {pair!r}: expected OURS=THEIRS with OURS one of "
                                 f"{', '.join(REQUIRED + ('item', 'distortion', 'reference'))}")
            self.columns[theirs.strip()] = ours.strip()
        self.score = ScoreInfo(score_name, option_bool(higher_is_better, "higher_is_better"))

    @property
    def key(self) -> str:
        suffix = "" if self.manifest.name == "manifest.csv" else f":{self.manifest.name}"
        return f"custom:{self.root.resolve()}{suffix}"

    def items(self) -> List[Item]:
        if not self.manifest.exists():
            raise FileNotFoundError(f"dataset custom: {self.manifest} not found (the custom dataset needs a "
                                    "manifest.csv with columns ref, dist, score in --root)")
        reason = damage_reason(self.manifest) if self.manifest.stat().st_size else None  # empty: said below
        if reason:
            raise damaged(self.manifest, "custom", "a CSV manifest with columns ref, dist, score", reason,
                          remedy="write the manifest again (one line per pair)")
        try:
            table = pd.read_csv(self.manifest, dtype=str, keep_default_na=False, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            size = "0 bytes" if not self.manifest.stat().st_size else "blank lines only"
            raise DamagedFileError(f"{self.manifest}: the manifest is empty ({size}); expected a header line with "
                             f"{', '.join(REQUIRED)} and one line per pair") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValueError(f"{self.manifest}: not a readable CSV manifest ({err})") from None
        table.columns = [str(c).strip() for c in table.columns]  # "ref, dist, score" as well
        if self.columns:
            require_columns(table, tuple(self.columns), self.manifest)
            table = table[list(self.columns)].rename(columns=self.columns)
        require_columns(table, REQUIRED, self.manifest)
        if table.empty:
            raise ValueError(f"{self.manifest}: no pairs (a header line only)")
        group_columns = [c for c in table.columns if c not in REQUIRED + ("item",)]
        rows = [{k: str(v).strip() for k, v in row.items()} for row in table.to_dict("records")]
        ids = self._item_ids(rows)
        items, dropped = [], []
        for line, (row, item_id) in enumerate(zip(rows, ids), start=2):
            try:
                score = float(row["score"])
            except ValueError:
                raise ValueError(f"{self.manifest}, line {line}: score {row['score']!r} is not a number") from None
            if not math.isfinite(score):
                dropped.append(f"line {line} ({item_id}): score {row['score']!r}")
                continue
            groups = {c: row[c] for c in group_columns}
            groups.setdefault("reference", row["ref"])
            items.append(Item(item_id, self._inside(row["ref"], line, "ref"), self._inside(row["dist"], line, "dist"),
                              score, groups))
        if dropped:
            log.warning("%s: %d row(s) without a finite score left out of the evaluation: %s", self.manifest,
                        len(dropped), "; ".join(dropped[:20]) + (" ..." if len(dropped) > 20 else ""))
        if not items:
            raise ValueError(f"{self.manifest}: no pair has a finite score ({len(dropped)} left out)")
        return items

    def _inside(self, text: str, line: int, column: str) -> Path:
        """ROOT/text, refused when it leaves ROOT (``../``, an absolute path, a link out) unless the user
        opted in (``-o outside=true``): a manifest from elsewhere must not have files read -- and, with
        thumbnails, embedded in a page that is mailed -- from outside the dataset's folder."""
        path = self.root / text
        if not self.outside:
            root = self.root.resolve()
            resolved = path.resolve()
            if resolved != root and root not in resolved.parents:
                raise ValueError(f"{self.manifest}, line {line}: {column} {text!r} is outside the dataset folder "
                                 f"{self.root}; pass -o outside=true if you mean it")
        return path

    def _item_ids(self, rows) -> List[str]:
        """The ``item`` column, else the dist path -- or "dist (ref REF)" where one distorted file is
        paired with several references. Duplicate ids are refused, naming the lines: two rows sharing
        an id would share one stored score."""
        if all(row.get("item") for row in rows):
            ids = [row["item"] for row in rows]
        else:
            uses = Counter(row["dist"] for row in rows)
            ids = [row.get("item") or (row["dist"] if uses[row["dist"]] == 1 else f"{row['dist']} (ref {row['ref']})")
                   for row in rows]
        lines: Dict[str, List[int]] = {}
        for line, item_id in enumerate(ids, start=2):
            lines.setdefault(item_id, []).append(line)
        repeated = {k: v for k, v in lines.items() if len(v) > 1}
        if repeated:
            shown = "; ".join(f"{k!r} on lines {', '.join(map(str, v))}" for k, v in list(repeated.items())[:10])
            raise ValueError(f"{self.manifest}: {len(repeated)} duplicate item(s): {shown} -- each (ref, dist) "
                             "pair or item id must appear once")
        return ids
