"""PIPAL (J. Gu et al., "PIPAL: a large-scale image quality assessment dataset for perceptual image
restoration", ECCV 2020; the NTIRE 2021 / 2022 perceptual IQA challenges).

Official layout of a split (``train``; ``val`` and ``test`` where a user has their labels, in the same form)::

    ROOT/Train_Ref/A0001.bmp … A0200.bmp              200 references
    ROOT/Train_Dis/A0001_00_00.bmp …                   116 distorted images of each (23,200)
    ROOT/Train_Label/A0001.txt …                       one file per reference: "A0001_00_00.bmp,1520.0648" lines

(``Val_Ref`` / ``Val_Dis`` / ``Val_Label`` and ``Test_*`` for the other splits.) The training download ships
the distorted images in four parts; where ``Train_Dis/`` is absent, the images are looked up in the parts'
folders ``Distortion_1/`` … ``Distortion_4/`` beside it, as they unpack.

The score is the Elo rating of each distorted image from the paired comparisons (higher = better quality,
about 900-1850). A distorted image's name is ``<reference>_<category>_<index>.bmp``: the two-digit category
(00-06 in the training split) groups the distortions and restoration methods -- traditional distortions,
super-resolution (GAN-based ones included), denoising, mixtures, as the paper's Table 1 lists them -- and is
kept as the ``distortion`` group; the file names do not say which category a code is, so no name is given to
it here. ``method`` is the category and index together (one distortion type or restoration method).
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .base import Dataset, Item, ScoreInfo, require_unique_items
from .common import cached_items, damage_reason, damaged
from .registry import register_dataset

NAME = re.compile(r"^(A\d{4})_(\d\d)_(\d\d)\.bmp$", re.IGNORECASE)
#: The splits and their folders' prefix.
SPLITS = {"train": "Train", "val": "Val", "test": "Test"}
#: The training download's four parts of the distorted images, where ``Train_Dis/`` is absent.
PARTS = tuple(f"Distortion_{k}" for k in range(1, 5))


@register_dataset
class PIPAL(Dataset):
    name = "pipal"
    score = ScoreInfo("Elo", higher_is_better=True, scale="Elo rating from paired comparisons (about 900-1850)")
    description = "PIPAL: 23,200 restored and distorted images (SR incl. GAN-based, denoising, ...) of 200 references"
    homepage = "https://www.jasongt.com/projectpages/pipal.html (the NTIRE 2021/2022 perceptual IQA challenges)"
    layout = "Train_Ref/, Train_Dis/ (or Distortion_1..4/), Train_Label/*.txt (-o split=val|test: Val_*, Test_*)"
    root_hint = "the folder holding Train_Ref/, Train_Dis/ and Train_Label/"

    def __init__(self, root: Optional[Path] = None, split: str = "train"):
        super().__init__(root)
        if split not in SPLITS:
            raise ValueError(f"dataset option split={split!r} (-o split=...): valid: {', '.join(SPLITS)}")
        self.split = split
        self.prefix = SPLITS[split]

    @property
    def expected(self) -> Dict[str, int]:  # type: ignore[override]
        return {"distorted": 23200, "references": 200} if self.split == "train" else {}

    @property
    def key(self) -> str:
        return self.name if self.split == "train" else f"{self.name}-{self.split}"

    @property
    def labels(self) -> Path:
        return self.root / f"{self.prefix}_Label"

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.labels, f"a folder of one .txt per reference: name,Elo lines ({self.prefix}_Label/)")]

    def label_files(self) -> List[Path]:
        if not self.labels.is_dir():
            raise FileNotFoundError(f"dataset {self.name}: missing folder {self.labels} (see `iqa-bench datasets` "
                                    f"for the expected layout)")
        files = sorted(p for p in self.labels.iterdir() if p.suffix.lower() == ".txt")
        if not files:
            raise FileNotFoundError(f"dataset {self.name}: no .txt label file in {self.labels}")
        return files

    def items(self) -> List[Item]:
        files = self.label_files()
        layout = {"root": str(self.root), "split": self.split, "dis": (self.root / f"{self.prefix}_Dis").is_dir(),
                  "parts": [p for p in PARTS if (self.root / p).is_dir()]}  # where the images are looked up
        return cached_items(self.key, layout, files, self._parse)

    def _distorted_folders(self) -> Dict[str, Path]:
        """name (lower case) -> folder of each distorted image found in the parts' folders, where the split's
        ``_Dis/`` folder is absent ({} otherwise, and where neither is there: a metadata-only root)."""
        if (self.root / f"{self.prefix}_Dis").is_dir():
            return {}
        found = {}
        for part in PARTS:
            folder = self.root / part
            if folder.is_dir():
                found.update({name.lower(): folder for name in os.listdir(folder)})
        return found

    def _parse(self) -> List[Item]:
        parts = self._distorted_folders()
        default = self.root / f"{self.prefix}_Dis"
        items = []
        for path in self.label_files():
            for name, score in _label_lines(path, self.name):
                match = NAME.match(name)
                reference, category, index = match.groups()
                folder = parts.get(name.lower(), default)
                items.append(Item(name, self.root / f"{self.prefix}_Ref" / f"{reference}.bmp", folder / name, score,
                                  {"distortion": category, "method": f"{category}_{index}", "reference": reference}))
        require_unique_items(items, str(self.labels))
        return items


def _label_lines(path: Path, dataset: str) -> List[Tuple[str, float]]:
    """The (distorted image, Elo) lines of one label file; a DamagedFileError naming the file and line
    otherwise."""
    reason = damage_reason(path)
    if reason is not None:
        raise damaged(path, dataset, "lines 'A0001_00_00.bmp,1520.0648'", reason)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise damaged(path, dataset, "lines 'A0001_00_00.bmp,1520.0648'", f"cannot be read as text ({err})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _, value = (part.strip() for part in line.partition(","))
        try:
            score = float(value)
        except ValueError:
            score = float("nan")
        if not NAME.match(name) or score != score or score in (float("inf"), float("-inf")):
            raise damaged(path, dataset, "lines 'A0001_00_00.bmp,1520.0648' (a PIPAL name and its Elo)",
                          f"has {line.strip()[:60]!r} on line {number}")
        rows.append((name, score))
    if not rows:
        raise damaged(path, dataset, "lines 'A0001_00_00.bmp,1520.0648'", "holds no line")
    return rows
