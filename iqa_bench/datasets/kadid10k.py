"""KADID-10k (Lin, Hosu & Saupe 2019).

Official layout::

    ROOT/images/I01.png … I81.png and IXX_YY_ZZ.png   81 references, 25 types × 5 levels
    ROOT/dmos.csv                                     dist_img, ref_img, dmos, var

KADID's "dmos" is a mean 1-5 rating (higher = better quality), despite its name.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pandas as pd

from .base import Dataset, Item, ScoreInfo
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

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "dmos.csv", "")]

    def items(self) -> List[Item]:
        source = require(self.root / "dmos.csv", self.name)
        return cached_items(self.name, {"root": str(self.root)}, [source], self._parse)

    def _parse(self) -> List[Item]:
        path = self.root / "dmos.csv"
        table = read_csv(path, self.name, COLUMNS)
        scores = pd.to_numeric(table["dmos"], errors="coerce")
        if scores.isna().any():
            raise damaged(path, self.name, "a number in every dmos cell",
                          f"has a non-numeric dmos on line {int(scores.isna().idxmax()) + 2}")
        items = []
        for row in table.itertuples(index=False):
            match = NAME.match(str(row.dist_img))
            if not match:
                raise ValueError(f"{path}: {row.dist_img!r} is not a KADID-10k name (IXX_YY_ZZ.png)")
            dist_no = int(match.group(2))
            items.append(Item(row.dist_img, self.root / "images" / row.ref_img, self.root / "images" / row.dist_img,
                              float(row.dmos), {"distortion": f"{dist_no:02d} {DISTORTION_NAMES[dist_no - 1]}",
                                                "reference": Path(row.ref_img).stem,
                                                "level": str(int(match.group(3)))}))
        return items
