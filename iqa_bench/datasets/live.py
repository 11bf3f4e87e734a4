"""LIVE Image Quality Assessment Database, Release 2 (Sheikh, Wang, Cormack & Bovik).

Official layout (as the archive unpacks)::

    ROOT/refimgs/*.bmp                        29 reference images
    ROOT/{jp2k,jpeg,wn,gblur,fastfading}/imgN.bmp and info.txt
    ROOT/dmos.mat            dmos (1×982), orgs (1×982; 1 = the image is a copy of its reference)
    ROOT/dmos_realigned.mat  dmos_new, dmos_std, orgs (1×982)
    ROOT/refnames_all.mat    refnames_all (1×982 cell): reference of each of the 982 images

The 982 entries run through the five folders in this order: jp2k img1–227, jpeg img1–233, wn img1–174,
gblur img1–174, fastfading img1–174. Entries with ``orgs = 1`` (203 reference copies) are excluded by
default, leaving 779 distorted images of 29 references.

DMOS: ``realigned`` (default) uses ``dmos_new`` of ``dmos_realigned.mat``, which the LIVE authors
produced by realigning the seven per-type sessions onto one scale with a joint re-test, so scores of
different distortion types are comparable in one fit; ``original`` uses ``dmos`` of ``dmos.mat`` (what
pyiqa's LIVE metadata carries). Higher DMOS = worse quality.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from .base import Dataset, Item, ScoreInfo
from .common import DamagedFileError, cached_items, load_mat, option_bool, read_text, require
from .registry import register_dataset
from ..errors import OptionError

#: (folder, number of images) in the order of the 982-entry score vectors.
FOLDERS = [("jp2k", 227), ("jpeg", 233), ("wn", 174), ("gblur", 174), ("fastfading", 174)]
TOTAL = sum(n for _, n in FOLDERS)
DMOS_CHOICES = ("realigned", "original")


def official_order():
    """(folder, file name) of each of the 982 entries, in score-vector order."""
    return [(folder, f"img{k}.bmp") for folder, count in FOLDERS for k in range(1, count + 1)]


def _vector(mat_path: Path, name: str, length: int = TOTAL) -> np.ndarray:
    values = np.asarray(load_mat(mat_path, "live", [name])[name]).ravel()
    if values.size != length or not np.issubdtype(values.dtype, np.number):
        raise DamagedFileError(f"dataset live: {mat_path}: {name} has {values.size} entries of type "
                               f"{values.dtype}, the official release has {length} numbers")
    return values


def read_refnames(mat_path: Path) -> List[str]:
    cells = np.asarray(load_mat(mat_path, "live", ["refnames_all"])["refnames_all"]).ravel()
    try:
        names = [str(np.asarray(c).ravel()[0]) for c in cells]
    except IndexError:
        names = []
    if len(names) != TOTAL:
        raise DamagedFileError(f"dataset live: {mat_path}: refnames_all has {len(names)} entries (readable), the "
                               f"official release has {TOTAL} file names")
    return names


def read_info(info_path: Path):
    """``info.txt`` rows: (reference name, distorted name, distortion parameter)."""
    rows = []
    for line in read_text(info_path, "live", "the folder's info.txt (reference, image, parameter)").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rows.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return rows


@register_dataset
class LIVERelease2(Dataset):
    name = "live"
    score = ScoreInfo("DMOS", higher_is_better=False, scale="0-100 (realigned: about -3 to 112)")
    description = "LIVE IQA Release 2: 779 distorted images of 29 references, 5 distortion types, DMOS"
    homepage = "https://live.ece.utexas.edu/research/quality/subjective.htm (request access there)"
    layout = ("refimgs/, jp2k/, jpeg/, wn/, gblur/, fastfading/ (imgN.bmp + info.txt), dmos.mat, "
              "dmos_realigned.mat, refnames_all.mat")
    root_hint = "the folder holding refimgs/ and dmos.mat"
    expected = {"distorted": 779, "references": 29}

    def __init__(self, root: Optional[Path] = None, dmos: str = "realigned", include_orgs: bool = False):
        super().__init__(root)
        if dmos not in DMOS_CHOICES:
            raise OptionError("live_dmos", f"{{option}} {dmos!r}: choose {' or '.join(DMOS_CHOICES)}")
        self.dmos, self.include_orgs = dmos, option_bool(include_orgs, "include_orgs")
        if self.include_orgs:
            self.expected = {"distorted": TOTAL, "references": 29}

    @property
    def key(self) -> str:
        return f"live:{self.dmos}"

    def score_files(self) -> List[Tuple[Path, str]]:
        other = "dmos.mat" if self.dmos == "realigned" else "dmos_realigned.mat"
        flag = "original" if self.dmos == "realigned" else "realigned"
        hint = (f"{other} is present: use it with --live-dmos {flag} (-o dmos={flag})"
                if (self.root / other).exists() else f"or {other} with --live-dmos {flag}")
        name = "dmos_realigned.mat" if self.dmos == "realigned" else "dmos.mat"
        return [(self.root / name, hint), (self.root / "refnames_all.mat", "")]

    def _score_file(self) -> Path:
        return require(self.root / ("dmos_realigned.mat" if self.dmos == "realigned" else "dmos.mat"), self.name)

    def items(self) -> List[Item]:
        sources = [self._score_file(), require(self.root / "refnames_all.mat", self.name)]
        return cached_items(self.name, {"root": str(self.root), "dmos": self.dmos, "orgs": self.include_orgs},
                            sources, self._parse)

    def _parse(self) -> List[Item]:
        score_file = self._score_file()
        scores = _vector(score_file, "dmos_new" if self.dmos == "realigned" else "dmos")
        orgs = _vector(score_file, "orgs").astype(bool)
        refnames = read_refnames(self.root / "refnames_all.mat")
        items = []
        for index, ((folder, filename), ref, score, is_org) in enumerate(
                zip(official_order(), refnames, scores, orgs)):
            if is_org and not self.include_orgs:
                continue
            items.append(Item(f"{folder}/{filename}", self.root / "refimgs" / ref, self.root / folder / filename,
                              float(score), {"distortion": folder, "reference": Path(ref).stem,
                                             "orgs": str(int(is_org))}))
        return items

    def consistency(self) -> List[str]:
        """Differences between each folder's info.txt and refnames_all.mat (for ``datasets check``)."""
        problems = []
        refnames = read_refnames(require(self.root / "refnames_all.mat", self.name))
        expected = {(folder, name): ref for (folder, name), ref in zip(official_order(), refnames)}
        for folder, _count in FOLDERS:
            info = self.root / folder / "info.txt"
            if not info.exists():
                problems.append(f"missing file {info}")
                continue
            for ref, dist, _param in read_info(info):
                if expected.get((folder, dist), ref) != ref:
                    problems.append(f"{info}: {dist} names reference {ref}, refnames_all.mat says "
                                    f"{expected[(folder, dist)]}")
        return problems
