"""TID2013 (Ponomarenko et al. 2015).

Official layout::

    ROOT/reference_images/I01.BMP … I25.BMP   (case varies: matched case-insensitively)
    ROOT/distorted_images/iXX_YY_Z.bmp         XX reference, YY distortion type (1-24), Z level (1-5)
    ROOT/mos_with_names.txt                    "<MOS> <name>" per line, 3000 lines
    ROOT/mos_std.txt                           MOS standard deviation per line, same order

MOS is higher = better quality (0-9 scale); tables say so, and correlations with distances are negative.

``mos_std.txt`` ("standard deviation of MOS for each distorted image", the readme) is read as each MOS's
standard error (:data:`SPREAD`): its values, 0-0.3 on the 0-9 scale (mean 0.13), are those of a mean of about
39 ratings, not of single ratings (a rating is an observer's count of wins in 9 comparisons, 0-9). Where the
distribution's file is not at the root, ``-o mos_std=FILE`` reads it from elsewhere: the file itself, or
a table with the image name and a ``std`` column (IQA-PyTorch's ``meta_info_TID2013Dataset.csv``).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Tuple

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
NAME = re.compile(r"^i(\d\d)_(\d\d)_(\d)\.bmp$", re.IGNORECASE)
#: The TID2013 readme: "971 observers have performed 524340 comparisons of visual quality of distorted
#: images or 1048680 evaluations of relative visual quality in image pairs"; MOS 0-9, i.e. 9 evaluations of
#: an image per experiment: 1,048,680 / (3000 images x 9) = 38.84 ratings behind each MOS on average.
RATINGS_PER_IMAGE = 1048680 / (3000 * 9)
SPREAD = SpreadInfo("mos_std.txt ('standard deviation of MOS'), read as the standard error of each MOS",
                    RATINGS_PER_IMAGE, "TID2013 readme: 1,048,680 evaluations of 3000 images, 9 per image and "
                    "experiment (MOS 0-9)")


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
        stds = self._stds([name for name, _ in rows]) or [None] * len(rows)
        refs = CaseInsensitiveFolder(self.root / "reference_images")
        dists = CaseInsensitiveFolder(self.root / "distorted_images")
        items = []
        for (name, mos), std in zip(rows, stds):
            match = NAME.match(name)
            if not match:
                raise ValueError(f"{mos_path}: {name!r} is not a TID2013 name (iXX_YY_Z.bmp)")
            ref_no, dist_no, level = (int(g) for g in match.groups())
            if not 1 <= dist_no <= len(DISTORTION_NAMES):
                raise ValueError(f"{mos_path}: {name!r} has distortion type {dist_no}, TID2013 has 1-24")
            items.append(Item(name.lower(), refs(f"I{ref_no:02d}.BMP"), dists(name), mos,
                              {"distortion": f"{dist_no:02d} {DISTORTION_NAMES[dist_no - 1]}",
                               "reference": f"I{ref_no:02d}", "level": str(level)}, std))
        return items


def _number(text: str, path: Path) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{path}: {text.strip()!r} is not a number") from None
    if not value >= 0:
        raise ValueError(f"{path}: a standard deviation of {value} (must be >= 0)")
    return value
