"""CSIQ (Larson & Chandler 2010).

Official layout::

    ROOT/src_imgs/<image>.png                       30 references
    ROOT/dst_imgs/<type>/<image>.<TYPE>.<level>.png six types (folder case varies)
    ROOT/csiq.DMOS.xlsx                             sheet with image, dst_idx, dst_type, dst_lev, dmos_std, dmos

A CSV export of that sheet (``csiq.DMOS.csv``, decimal commas accepted) is read when the .xlsx is absent
(reading .xlsx needs the ``openpyxl`` package). DMOS 0-1, higher = worse quality.
"""
from __future__ import annotations

from pathlib import Path
from typing import List

import pandas as pd

from .base import Dataset, Item, ScoreInfo
from .common import CaseInsensitiveFolder, cached_items, damaged, read_csv, require_columns
from .registry import register_dataset

COLUMNS = ("image", "dst_type", "dst_lev", "dmos")


def read_score_sheet(path: Path) -> pd.DataFrame:
    if path.suffix == ".xlsx":
        try:
            table = pd.read_excel(path, dtype=str)
        except ImportError as err:
            raise ImportError(f"reading {path} needs openpyxl (pip install openpyxl): {err}") from None
        except Exception as err:  # zipfile.BadZipFile, an HTML page, a truncated file ...
            raise damaged(path, "csiq", "the CSIQ score sheet (an .xlsx workbook)",
                          f"is not a readable .xlsx workbook ({type(err).__name__}: {err})") from None
        table.columns = [str(c).strip() for c in table.columns]
        require_columns(table, COLUMNS, path)
    else:
        table = read_csv(path, "csiq", COLUMNS, dtype=str)
    try:
        table["dmos"] = pd.to_numeric(table["dmos"].str.replace(",", ".", regex=False), errors="raise")
        table["dst_lev"] = pd.to_numeric(table["dst_lev"], errors="raise")
    except (ValueError, TypeError) as err:
        raise damaged(path, "csiq", "numeric dmos and dst_lev columns", f"has a non-numeric value ({err})") from None
    return table


@register_dataset
class CSIQ(Dataset):
    name = "csiq"
    score = ScoreInfo("DMOS", higher_is_better=False, scale="0-1")
    description = "CSIQ: 866 distorted images of 30 references, 6 distortion types, DMOS"
    homepage = "https://s2.smu.edu/~eclarson/csiq.html (mirrors: see the CSIQ paper)"
    layout = "src_imgs/<image>.png, dst_imgs/<type>/<image>.<TYPE>.<level>.png, csiq.DMOS.xlsx (or .csv)"
    root_hint = "the folder holding csiq.DMOS.xlsx"
    expected = {"distorted": 866, "references": 30}

    def _score_file(self) -> Path:
        for name in ("csiq.DMOS.xlsx", "csiq.DMOS.csv"):
            if (self.root / name).exists():
                return self.root / name
        raise FileNotFoundError(f"dataset csiq: missing score file {self.root / 'csiq.DMOS.xlsx'} "
                                f"(or its CSV export csiq.DMOS.csv)")

    def items(self) -> List[Item]:
        return cached_items(self.name, {"root": str(self.root)}, [self._score_file()], self._parse)

    def _parse(self) -> List[Item]:
        table = read_score_sheet(self._score_file())
        refs = CaseInsensitiveFolder(self.root / "src_imgs")
        type_folders = CaseInsensitiveFolder(self.root / "dst_imgs")
        folders = {}
        items = []
        for row in table.itertuples(index=False):
            image, kind, level = str(row.image).strip(), str(row.dst_type).strip(), int(float(row.dst_lev))
            if kind not in folders:
                folders[kind] = CaseInsensitiveFolder(type_folders(kind))
            name = f"{image}.{kind}.{level}.png"
            items.append(Item(name, refs(f"{image}.png"), folders[kind](name), float(row.dmos),
                              {"distortion": kind, "reference": image, "level": str(level)}))
        return items
