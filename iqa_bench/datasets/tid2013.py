"""TID2013 (Ponomarenko et al. 2015).

Official layout::

    ROOT/reference_images/I01.BMP … I25.BMP   (case varies: matched case-insensitively)
    ROOT/distorted_images/iXX_YY_Z.bmp         XX reference, YY distortion type (1-24), Z level (1-5)
    ROOT/mos_with_names.txt                    "<MOS> <name>" per line, 3000 lines
    ROOT/mos_std.txt                           MOS standard deviation per line, same order

MOS is higher = better quality (0-9 scale); tables say so, and correlations with distances are negative.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

from .base import Dataset, Item, ScoreInfo
from .common import CaseInsensitiveFolder, cached_items, read_text, require
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

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "mos_with_names.txt", ""), (self.root / "mos_std.txt", "")]

    def items(self) -> List[Item]:
        # mos_std.txt is read when present (its count checked) but not needed: the MOS alone is regressed on
        std = self.root / "mos_std.txt"
        sources = [require(self.root / "mos_with_names.txt", self.name)] + ([std] if std.exists() else [])
        return cached_items(self.name, {"root": str(self.root)}, sources, self._parse)

    def _parse(self) -> List[Item]:
        mos_path, std_path = self.root / "mos_with_names.txt", self.root / "mos_std.txt"
        rows = read_mos_with_names(mos_path)
        stds = [line for line in read_text(std_path, self.name, "one MOS standard deviation per line").split()
                if line] if std_path.exists() else rows
        if len(stds) != len(rows):
            raise ValueError(f"{std_path} has {len(stds)} values but {mos_path} has {len(rows)} rows")
        refs = CaseInsensitiveFolder(self.root / "reference_images")
        dists = CaseInsensitiveFolder(self.root / "distorted_images")
        items = []
        for name, mos in rows:
            match = NAME.match(name)
            if not match:
                raise ValueError(f"{mos_path}: {name!r} is not a TID2013 name (iXX_YY_Z.bmp)")
            ref_no, dist_no, level = (int(g) for g in match.groups())
            if not 1 <= dist_no <= len(DISTORTION_NAMES):
                raise ValueError(f"{mos_path}: {name!r} has distortion type {dist_no}, TID2013 has 1-24")
            items.append(Item(name.lower(), refs(f"I{ref_no:02d}.BMP"), dists(name), mos,
                              {"distortion": f"{dist_no:02d} {DISTORTION_NAMES[dist_no - 1]}",
                               "reference": f"I{ref_no:02d}", "level": str(level)}))
        return items
