"""The columns a paper table can have: label, decimals shown and direction (regression statistics, BAPPS
subsets in %, restoration measures); read by the recipes and by the paper renderers."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict


@dataclass(frozen=True)
class Column:
    label: str
    decimals: int
    higher_is_better: bool


#: Known columns: regression statistics, BAPPS subsets (2AFC, in %), restoration measures.
COLUMNS: Dict[str, Column] = {
    "rmse": Column("RMSE", 4, False), "lcc": Column("LCC", 4, True), "srocc": Column("SROCC", 4, True),
    "krocc": Column("KROCC", 4, True),
    "mean": Column("mean", 2, True),
    "psnr_y": Column("PSNR", 2, True), "ssim_y": Column("SSIM", 3, True), "vif": Column("VIF", 3, True),
    "icoo": Column("ICOO", 2, False),
}


def column(key: str) -> Column:
    if key in COLUMNS:
        return COLUMNS[key]
    if key.startswith("lpips"):
        return Column("LPIPS", 3, False)
    return Column(key, 2, True)  # a BAPPS subset (2AFC %) or another restoration measure
