"""KADID-10k (Lin, Hosu & Saupe 2019).

Official layout::

    ROOT/images/I01.png … I81.png and IXX_YY_ZZ.png   81 references, 25 types × 5 levels
    ROOT/dmos.csv                                     dist_img, ref_img, dmos, var

KADID's "dmos" is a mean 1-5 rating (higher = better quality), despite its name.

Its ``var`` column is the variance of an image's single ratings; the standard error of the mean rating
(P.1401, Krasula et al.) needs the number of ratings behind it, which the file does not give and no source
on this machine states. ``-o ratings=K`` supplies it (from the dataset's paper, say): each item then carries
√(var / K) as its score's standard error; without it the score spread is left unused.
"""
from __future__ import annotations

import math

import re
from pathlib import Path
from typing import List, Optional, Tuple

import pandas as pd

from .base import Dataset, Item, ScoreInfo, SpreadInfo
from .common import cached_items, damaged, read_csv, require
from .registry import register_dataset

#: The 25 distortion types of KADID-10k (Table 1 of the KADID paper), 1-based.
DISTORTION_NAMES = [
    "gaussian blur", "lens blur", "motion blur", "color diffusion", "color shift", "color quantization",
    "color saturation 1", "color saturation 2", "jpeg2000", "jpeg", "white noise",
    "white noise in color component", "impulse noise", "multiplicative noise", "denoise", "brighten",
    "darken", "mean shift", "jitter", "non-eccentricity patch", "pixelate", "quantization", "color block",
    "high sharpen", "contrast change",
]
NAME = re.compile(r"^I(\d\d)_(\d\d)_(\d\d)\.png$", re.IGNORECASE)
COLUMNS = ("dist_img", "ref_img", "dmos")


@register_dataset
class KADID10k(Dataset):
    name = "kadid10k"
    score = ScoreInfo("MOS", higher_is_better=True, scale="1-5 (file column 'dmos')")
    description = "KADID-10k: 10,125 distorted images of 81 references, 25 types x 5 levels"
    homepage = "https://database.mmsp-kn.de/kadid-10k-database.html"
    layout = "images/ (references and distorted PNGs), dmos.csv"
    root_hint = "the folder holding dmos.csv and images/"
    expected = {"distorted": 10125, "references": 81}

    def __init__(self, root: Optional[Path] = None, ratings: Optional[str] = None):
        super().__init__(root)
        try:
            self.ratings = None if ratings in (None, "") else float(ratings)
        except (TypeError, ValueError):
            self.ratings = -1.0
        if self.ratings is not None and not (self.ratings > 1 and math.isfinite(self.ratings)):
            raise ValueError(f"dataset option ratings={ratings!r} (-o ratings=K): the number of ratings behind each "
                             f"score, a finite number above 1")

    @property
    def spread(self) -> Optional[SpreadInfo]:  # type: ignore[override]
        if self.ratings is None:
            return None
        return SpreadInfo("dmos.csv's var (the variance of the ratings) as the standard error sqrt(var / K)",
                          self.ratings, "K given with -o ratings")

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "dmos.csv", "")]

    def items(self) -> List[Item]:
        source = require(self.root / "dmos.csv", self.name)
        return cached_items(self.name, {"root": str(self.root), "ratings": self.ratings}, [source], self._parse)

    def _parse(self) -> List[Item]:
        path = self.root / "dmos.csv"
        table = read_csv(path, self.name, COLUMNS)
        scores = pd.to_numeric(table["dmos"], errors="coerce")
        if scores.isna().any():
            raise damaged(path, self.name, "a number in every dmos cell",
                          f"has a non-numeric dmos on line {int(scores.isna().idxmax()) + 2}")
        variances = pd.to_numeric(table["var"], errors="coerce") if "var" in table.columns and self.ratings \
            else pd.Series([float("nan")] * len(table))
        if self.ratings and "var" in table.columns:  # the spread asked for: every cell must hold one
            bad = [k for k, v in enumerate(variances) if not (math.isfinite(v) and v >= 0)]
            if bad:
                shown = ", ".join(f"line {k + 2} ({str(table['var'].iloc[k]).strip() or 'empty'!r})" for k in bad[:5])
                raise ValueError(f"{path}: -o ratings needs a variance (a finite number ≥ 0) in every var cell; "
                                 f"{len(bad)} cell(s) are not: {shown}" + (" ..." if len(bad) > 5 else ""))
        items = []
        for row, var in zip(table.itertuples(index=False), variances):
            match = NAME.match(str(row.dist_img))
            if not match:
                raise ValueError(f"{path}: {row.dist_img!r} is not a KADID-10k name (IXX_YY_ZZ.png)")
            dist_no = int(match.group(2))
            items.append(Item(row.dist_img, self.root / "images" / row.ref_img, self.root / "images" / row.dist_img,
                              float(row.dmos), {"distortion": f"{dist_no:02d} {DISTORTION_NAMES[dist_no - 1]}",
                                                "reference": Path(row.ref_img).stem,
                                                "level": str(int(match.group(3)))},
                              (var / self.ratings) ** 0.5 if self.ratings and var >= 0 else None))
        return items
