"""LIVE Multiply Distorted IQA database (Jayaraman, Mittal, Moorthy & Bovik 2012).

Official layout (``To_Release/`` as unpacked)::

    ROOT/Part 1/blurjpeg/*.bmp     15 references + 225 images (blur, JPEG, blur followed by JPEG)
    ROOT/Part 1/Imagelists.mat     distimgs (225 cell), refimgs (15 cell), ref4dist (225, 1-based)
    ROOT/Part 1/Scores.mat         DMOSscores (1×225)
    ROOT/Part 2/blurnoise/...      the same for blur followed by white noise

``--part 1|2|both`` (default both: 450 images). Distortion groups: ``blurjpeg`` / ``blurnoise``.
Higher DMOS = worse quality.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from .base import Dataset, Item, ScoreInfo
from .common import DamagedFileError, cached_items, load_mat, require
from .registry import register_dataset
from ..errors import OptionError

PARTS = {"1": ("Part 1", "blurjpeg"), "2": ("Part 2", "blurnoise")}
PER_PART = 225


def _cells(data, name, path) -> List[str]:
    try:
        return [str(np.asarray(c).ravel()[0]) for c in np.asarray(data[name]).ravel()]
    except IndexError:
        raise DamagedFileError(f"dataset live_md: {path}: {name} is not a cell array of file names") from None


@register_dataset
class LIVEMultiplyDistorted(Dataset):
    name = "live_md"
    score = ScoreInfo("DMOS", higher_is_better=False, scale="0-100")
    description = "LIVE Multiply Distorted: 450 images of 15 references (blur+JPEG, blur+noise), DMOS"
    homepage = "https://live.ece.utexas.edu/research/Quality/live_multidistortedimage.html"
    layout = "Part 1/{blurjpeg/,Imagelists.mat,Scores.mat}, Part 2/{blurnoise/,Imagelists.mat,Scores.mat}"
    root_hint = "the folder holding 'Part 1' and 'Part 2'"

    def __init__(self, root: Optional[Path] = None, part: str = "both"):
        super().__init__(root)
        part = str(part).lower()
        if part not in ("1", "2", "both"):
            raise OptionError("part", f"{{option}} {part!r}: choose 1, 2 or both")
        self.parts = ["1", "2"] if part == "both" else [part]
        self.expected = {"distorted": PER_PART * len(self.parts), "references": 15}

    @property
    def key(self) -> str:
        return "live_md"

    def _files(self, part):
        folder, _ = PARTS[part]
        return (require(self.root / folder / "Imagelists.mat", self.name),
                require(self.root / folder / "Scores.mat", self.name))

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / PARTS[p][0] / name, "") for p in self.parts for name in ("Imagelists.mat", "Scores.mat")]

    def items(self) -> List[Item]:
        sources = [f for p in self.parts for f in self._files(p)]
        return cached_items(self.name, {"root": str(self.root), "parts": self.parts}, sources, self._parse)

    def _parse(self) -> List[Item]:
        items = []
        for part in self.parts:
            folder, images = PARTS[part]
            lists_path, scores_path = self._files(part)
            lists = load_mat(lists_path, self.name, ["distimgs", "refimgs", "ref4dist"])
            distimgs = _cells(lists, "distimgs", lists_path)
            refimgs = _cells(lists, "refimgs", lists_path)
            ref4dist = np.asarray(lists["ref4dist"]).ravel().astype(int)
            dmos = np.asarray(load_mat(scores_path, self.name, ["DMOSscores"])["DMOSscores"]).ravel()
            if not (len(distimgs) == ref4dist.size == dmos.size == PER_PART) or \
                    not 1 <= ref4dist.min() <= ref4dist.max() <= len(refimgs):
                raise DamagedFileError(f"dataset live_md: {lists_path} / {scores_path}: {len(distimgs)} images, "
                                       f"{ref4dist.size} reference indices (1..{len(refimgs)}), {dmos.size} "
                                       f"scores; the release has {PER_PART} each")
            base = self.root / folder / images
            for name, ref_index, score in zip(distimgs, ref4dist, dmos):
                ref = refimgs[ref_index - 1]
                items.append(Item(f"{images}/{name}", base / ref, base / name, float(score),
                                  {"distortion": images, "reference": Path(ref).stem, "part": part}))
        return items
