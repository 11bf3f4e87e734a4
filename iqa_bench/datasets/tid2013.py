"""TID2013 (Ponomarenko et al. 2015).

Official layout::

    ROOT/reference_images/I01.BMP … I25.BMP   (case varies: matched case-insensitively)
    ROOT/distorted_images/iXX_YY_Z.bmp         XX reference, YY distortion type (1-24), Z level (1-5)
    ROOT/mos_with_names.txt                    "<MOS> <name>" per line, 3000 lines
    ROOT/mos_std.txt                           MOS standard deviation per line, same order

MOS is higher = better quality (0-9 scale); tables say so, and correlations with distances are negative.

``mos_std.txt`` ("standard deviation of MOS for each distorted image", the readme) holds σ_pop/√K: the
population standard deviation (ddof 0) of the K ratings behind an MOS, over √K -- the standard error of
the mean, but with the biased σ (0-0.3 on the 0-9 scale, mean 0.13; a rating is an observer's count of wins
in 9 comparisons, 0-9). Each MOS is a fraction n/K, and K(K·std² + MOS²) = Σr² is then an integer:
:func:`ratings_behind` finds the K of each image from those two conditions (the values as printed, 5
decimals); 2917 of the 3000 images have exactly one K in 20-60 (every reference was judged by 31-45
observers), the rest take their reference's median. Each item carries that K and the unbiased standard
error std·√(K/(K − 1)) (:data:`SPREAD`). Two images (i04_11_4, i04_21_5) have a std of 0: every rating was
the same; their 95 % interval is empty (P.1401 counts any error as an outlier there). Where the
distribution's file is not at the root, ``-o mos_std=FILE`` reads it from elsewhere: the file itself, or
a table with the image name and a ``std`` column (IQA-PyTorch's ``meta_info_TID2013Dataset.csv``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .base import Dataset, Item, ScoreInfo, SpreadInfo
from .common import CaseInsensitiveFolder, cached_items, read_csv, read_text, require
from .registry import register_dataset

#: The 24 distortion types of TID2013 (Table 1 of the TID2013 paper), 1-based.
DISTORTION_NAMES = [
    "additive Gaussian noise", "additive noise in colour components", "spatially correlated noise",
    "masked noise", "high frequency noise", "impulse noise", "quantization noise", "Gaussian blur",
    "image denoising", "JPEG compression", "JPEG2000 compression", "JPEG transmission errors",
    "JPEG2000 transmission errors", "non eccentricity pattern noise",
    "local block-wise distortions of different intensity", "mean shift (intensity shift)",
    "contrast change", "change of color saturation", "multiplicative Gaussian noise",
    "comfort noise", "lossy compression of noisy images", "image color quantization with dither",
    "chromatic aberrations", "sparse sampling and reconstruction",
]
#: The MOS scale's range (0-9): no standard deviation of a MOS exceeds it.
MOS_RANGE = 9.0
NAME = re.compile(r"^i(\d\d)_(\d\d)_(\d)\.bmp$", re.IGNORECASE)
#: The TID2013 readme: "971 observers have performed 524340 comparisons of visual quality of distorted
#: images or 1048680 evaluations of relative visual quality in image pairs"; MOS 0-9, i.e. 9 evaluations of
#: an image per experiment: 1,048,680 / (3000 images x 9) = 38.84 ratings behind each MOS on average.
RATINGS_PER_IMAGE = 1048680 / (3000 * 9)
SPREAD = SpreadInfo("mos_std.txt ('standard deviation of MOS', σ_pop/√K), read as each MOS's unbiased standard "
                    "error std·√(K/(K − 1)), K the ratings behind that MOS from its denominator (30-45)",
                    RATINGS_PER_IMAGE, "the readme's mean: 1,048,680 evaluations of 3000 images, 9 per image and "
                    "experiment", per_item=True)
#: The ratings behind one MOS searched by :func:`ratings_behind` (every reference: 31-45 observers).
RATINGS_RANGE = (20, 60)
#: Half a unit of the fifth decimal: the rounding of the printed MOS and std values.
PRINTED = 5e-6


def ratings_behind(mos: float, std: float, low: int = RATINGS_RANGE[0], high: int = RATINGS_RANGE[1]) -> List[int]:
    """Every K in [low, high] for which the printed ``mos`` is a fraction n/K and Σr² = K²·std² + n²/K an
    integer (``std`` = σ_pop/√K), each within the printing's rounding (:data:`PRINTED`)."""
    found = []
    for k in range(low, high + 1):
        n = round(mos * k)
        if abs(mos * k - n) > k * PRINTED + 1e-9:
            continue
        squares = k * k * std * std + n * n / k
        if abs(squares - round(squares)) <= 2 * k * k * std * PRINTED + 1e-6:
            found.append(k)
    return found


def ratings_per_image(mos: Sequence[float], std: Sequence[float], reference: Sequence[str]) -> List[float]:
    """K of each image: its one candidate of :func:`ratings_behind`; with none or several, the candidate
    nearest its reference's median of the images that have one (that median itself where none fits; the
    readme's mean where no image of the reference has one)."""
    candidates = [ratings_behind(m, s) for m, s in zip(mos, std)]
    unique: Dict[str, List[int]] = {}
    for found, ref in zip(candidates, reference):
        if len(found) == 1:
            unique.setdefault(ref, []).append(found[0])
    out = []
    for found, ref in zip(candidates, reference):
        if len(found) == 1:
            out.append(float(found[0]))
            continue
        median = float(np.median(unique[ref])) if ref in unique else RATINGS_PER_IMAGE
        out.append(float(min(found, key=lambda k: abs(k - median))) if found else median)
    return out


def read_mos_with_names(path: Path):
    """[(name, mos)] from ``mos_with_names.txt``; a malformed line is an error naming file and line."""
    rows = []
    text = read_text(path, "tid2013", "'<MOS> <name>' lines (mos_with_names.txt)")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            rows.append((parts[1], float(parts[0])))
        except (IndexError, ValueError):
            raise ValueError(f"{path}, line {number}: expected '<MOS> <name>', got {line!r}") from None
    return rows


@register_dataset
class TID2013(Dataset):
    name = "tid2013"
    score = ScoreInfo("MOS", higher_is_better=True, scale="0-9")
    description = "TID2013: 3000 distorted images of 25 references, 24 distortion types x 5 levels, MOS"
    homepage = "https://www.ponomarenko.info/tid2013.htm"
    layout = "reference_images/I01.BMP…, distorted_images/iXX_YY_Z.bmp, mos_with_names.txt, mos_std.txt"
    root_hint = "the folder holding mos_with_names.txt"
    expected = {"distorted": 3000, "references": 25}
    item_order = "the order of mos_with_names.txt (that of the distribution's metrics_values/*.txt)"

    def __init__(self, root: Optional[Path] = None, mos_std: Optional[str] = None):
        super().__init__(root)
        self.mos_std = Path(mos_std) if mos_std else None
        if self.mos_std is not None and not self.mos_std.is_file():
            raise ValueError(f"dataset option mos_std={self.mos_std} (-o mos_std=FILE): no such file")

    def _std_path(self) -> Path:
        return self.mos_std or self.root / "mos_std.txt"

    @property
    def spread(self) -> Optional[SpreadInfo]:  # type: ignore[override]
        return SPREAD if self._std_path().exists() else None

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "mos_with_names.txt", ""), (self._std_path(), "")]

    def items(self) -> List[Item]:
        # mos_std.txt is read when present (the items then carry their MOS's standard error), not needed
        std = self._std_path()
        sources = [require(self.root / "mos_with_names.txt", self.name)] + ([std] if std.exists() else [])
        return cached_items(self.name, {"root": str(self.root), "mos_std": str(std)}, sources, self._parse)

    def _stds(self, names: List[str]) -> Optional[List[float]]:
        """Each image's MOS standard deviation, in the order of ``names``: one number per line (the
        distribution's mos_std.txt), or a table naming the image (a ``dist_name``/``dist_img``/``name``
        column) with a ``std`` column."""
        path = self._std_path()
        if not path.exists():
            return None
        text = read_text(path, self.name, "one MOS standard deviation per line (mos_std.txt)")
        first = text.splitlines()[0] if text.strip() else ""
        if "," not in first:
            values = [v for v in text.split() if v]
            if len(values) != len(names):
                raise ValueError(f"{path} has {len(values)} values but mos_with_names.txt has {len(names)} rows")
            return [_number(v, path) for v in values]
        frame = read_csv(path, self.name, ["std"])
        name_col = next((c for c in ("dist_name", "dist_img", "name", "image") if c in frame.columns), None)
        if name_col is None:
            raise ValueError(f"{path}: a table of MOS standard deviations needs a dist_name (or dist_img, name) "
                             f"column beside std; it has {', '.join(frame.columns)}")
        table = {str(n).strip().lower(): _number(str(v), path) for n, v in zip(frame[name_col], frame["std"])}
        missing = [n for n in names if n.lower() not in table]
        if missing:
            raise ValueError(f"{path}: no std for {missing[0]} (and {len(missing) - 1} more images)")
        return [table[n.lower()] for n in names]

    def _parse(self) -> List[Item]:
        mos_path = self.root / "mos_with_names.txt"
        rows = read_mos_with_names(mos_path)
        stds = self._stds([name for name, _ in rows])
        ratings = ratings_per_image([m for _, m in rows], stds, [name[1:3] for name, _ in rows]) if stds \
            else [None] * len(rows)
        stds = [s * (k / (k - 1)) ** 0.5 for s, k in zip(stds, ratings)] if stds else [None] * len(rows)
        refs = CaseInsensitiveFolder(self.root / "reference_images")
        dists = CaseInsensitiveFolder(self.root / "distorted_images")
        items = []
        for (name, mos), std, count in zip(rows, stds, ratings):
            match = NAME.match(name)
            if not match:
                raise ValueError(f"{mos_path}: {name!r} is not a TID2013 name (iXX_YY_Z.bmp)")
            ref_no, dist_no, level = (int(g) for g in match.groups())
            if not 1 <= dist_no <= len(DISTORTION_NAMES):
                raise ValueError(f"{mos_path}: {name!r} has distortion type {dist_no}, TID2013 has 1-24")
            items.append(Item(name.lower(), refs(f"I{ref_no:02d}.BMP"), dists(name), mos,
                              {"distortion": f"{dist_no:02d} {DISTORTION_NAMES[dist_no - 1]}",
                               "reference": f"I{ref_no:02d}", "level": str(level)}, std, count))
        return items


def _number(text: str, path: Path) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{path}: {text.strip()!r} is not a number") from None
    if not 0 <= value <= MOS_RANGE:  # NaN, negative, inf and 1e308 alike: never dropped in silence later
        raise ValueError(f"{path}: a standard deviation of {text.strip()} (must be a number from 0 to {MOS_RANGE:g}, "
                         f"the MOS scale's range)")
    return value
