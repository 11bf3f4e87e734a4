"""``custom``: any full-reference set described by a CSV manifest, for a user's own images.

``ROOT/manifest.csv`` with columns ``ref``, ``dist`` (paths relative to ROOT), ``score``, and
optionally ``item`` (default: the dist path), ``distortion``, ``reference`` and any other columns,
which become groupings. Options ``score_name`` and ``higher_is_better`` describe the score;
``manifest`` names another CSV in ROOT and ``columns`` maps its column names onto ours, e.g.
``-o manifest=subset_pairs.csv -o columns=ref=ref_path,dist=dist_path,score=mos,item=tid2013_name``.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import pandas as pd

from .base import Dataset, Item, ScoreInfo
from .common import require_columns
from .registry import register_dataset

REQUIRED = ("ref", "dist", "score")


@register_dataset
class ManifestDataset(Dataset):
    name = "custom"
    description = "your own pairs: ROOT/manifest.csv with columns ref, dist, score (+ optional groups)"
    homepage = "(your data)"
    layout = "manifest.csv (ref, dist, score[, item, distortion, reference, ...]) and the image files"
    root_hint = "a folder holding manifest.csv"
    score = ScoreInfo("score", higher_is_better=True)

    def __init__(self, root: Optional[Path] = None, score_name: str = "MOS", higher_is_better: bool = True,
                 manifest: str = "manifest.csv", columns: str = ""):
        super().__init__(root)
        self.manifest = self.root / manifest
        self.columns = {}
        for pair in filter(None, (p.strip() for p in str(columns).split(","))):
            ours, sep, theirs = pair.partition("=")
            if not sep or ours.strip() not in REQUIRED + ("item", "distortion", "reference"):
                raise ValueError(f"dataset custom: columns entry {pair!r}: expected OURS=THEIRS with OURS one of "
                                 f"{', '.join(REQUIRED + ('item', 'distortion', 'reference'))}")
            self.columns[theirs.strip()] = ours.strip()
        self.score = ScoreInfo(score_name, bool(higher_is_better))

    @property
    def key(self) -> str:
        suffix = "" if self.manifest.name == "manifest.csv" else f":{self.manifest.name}"
        return f"custom:{self.root.resolve()}{suffix}"

    def items(self) -> List[Item]:
        if not self.manifest.exists():
            raise FileNotFoundError(f"dataset custom: {self.manifest} not found")
        table = pd.read_csv(self.manifest, dtype=str, keep_default_na=False)
        if self.columns:
            require_columns(table, tuple(self.columns), self.manifest)
            table = table[list(self.columns)].rename(columns=self.columns)
        require_columns(table, REQUIRED, self.manifest)
        group_columns = [c for c in table.columns if c not in REQUIRED + ("item",)]
        items = []
        for line, row in enumerate(table.to_dict("records"), start=2):
            try:
                score = float(row["score"])
            except ValueError:
                raise ValueError(f"{self.manifest}, line {line}: score {row['score']!r} is not a number") from None
            groups = {c: row[c] for c in group_columns}
            groups.setdefault("reference", row["ref"])
            items.append(Item(row.get("item") or row["dist"], self.root / row["ref"], self.root / row["dist"],
                              score, groups))
        return items
