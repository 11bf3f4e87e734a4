"""BAPPS 2AFC (Zhang et al. 2018, the LPIPS paper).

Official layout (``dataset/`` as ``scripts/download_dataset.sh`` of the LPIPS repository unpacks it)::

    ROOT/2afc/{train,val}/<subset>/ref/NNNNNN.png, p0/NNNNNN.png, p1/NNNNNN.png, judge/NNNNNN.npy

``judge`` holds the fraction of raters who preferred ``p1``. Subsets: val — traditional, cnn, superres,
deblur, color, frameinterp; train — traditional, cnn, mix. Each triplet becomes two engine items
(``<id>:p0`` and ``<id>:p1``, each against the reference); :mod:`iqa_bench.stats.twoafc` turns the two
distances into the 2AFC score of the LPIPS protocol.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from .base import Dataset, Item, ScoreInfo
from .common import cached_items, damage_reason, damaged, require
from .registry import register_dataset
from ..errors import OptionError

SUBSETS = {"val": ["traditional", "cnn", "superres", "deblur", "color", "frameinterp"],
           "train": ["traditional", "cnn", "mix"]}
#: Triplets per (split, subset) in the official release.
EXPECTED = {("val", "traditional"): 4720, ("val", "cnn"): 4720, ("val", "superres"): 10856,
            ("val", "deblur"): 9440, ("val", "color"): 4720, ("val", "frameinterp"): 1888,
            ("train", "traditional"): 56640, ("train", "cnn"): 38120, ("train", "mix"): 56640}
OFFICIAL_URL = "https://github.com/richzhang/PerceptualSimilarity (scripts/download_dataset.sh)"


@dataclass(frozen=True)
class Triplet:
    triplet_id: str   # "val/superres/000123"
    split: str
    subset: str
    ref: Path
    p0: Path
    p1: Path
    judge: float      # fraction of humans preferring p1


def read_judge(path: Path) -> float:
    """The one fraction of a judge file (``np.load`` without pickles: no code runs from a file)."""
    expected = "a .npy array holding one fraction in [0, 1]"
    reason = damage_reason(path)
    if reason:
        raise damaged(path, "bapps", expected, reason)
    try:
        value = np.load(path, allow_pickle=False).ravel()
    except Exception as err:  # truncated, a pickle ("contains pickled (object) data"), not .npy at all
        raise damaged(path, "bapps", expected, f"is not a readable .npy array ({type(err).__name__}: {err})") from None
    if value.size != 1 or not np.issubdtype(value.dtype, np.number) or not 0.0 <= float(value[0]) <= 1.0:
        raise damaged(path, "bapps", "one fraction in [0, 1]", f"holds {value!r}")
    return float(value[0])


@register_dataset
class BAPPS2AFC(Dataset):
    name = "bapps"
    protocol = "2afc"
    score = ScoreInfo("2AFC human judgement", higher_is_better=True, scale="fraction preferring p1")
    description = "BAPPS 2AFC (LPIPS): 64x64 patch triplets with human preferences; val 36,344 triplets"
    homepage = OFFICIAL_URL
    layout = "2afc/{train,val}/<subset>/{ref,p0,p1}/NNNNNN.png and judge/NNNNNN.npy"
    root_hint = "the folder holding 2afc/"

    def __init__(self, root: Optional[Path] = None, split: str = "val", subsets: Optional[str] = None):
        super().__init__(root)
        splits = ["train", "val"] if split == "both" else [split]
        if any(s not in SUBSETS for s in splits):
            raise OptionError("split", f"{{option}} {split!r}: choose val, train or both")
        wanted = None if not subsets else [s.strip() for s in str(subsets).split(",") if s.strip()]
        self.parts = [(s, sub) for s in splits for sub in SUBSETS[s] if wanted is None or sub in wanted]
        if wanted and not self.parts:
            raise OptionError("subsets", f"{{option}} {subsets!r}: none of {', '.join(sorted({x for v in SUBSETS.values() for x in v}))}")
        self.expected = {f"{s}/{sub}": EXPECTED[(s, sub)] for s, sub in self.parts}

    @property
    def key(self) -> str:
        return "bapps"

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "2afc" / s / sub / "judge", "") for s, sub in self.parts]

    def _judge_dirs(self) -> List[Path]:
        return [require(self.root / "2afc" / s / sub / "judge", self.name, "folder") for s, sub in self.parts]

    def items(self) -> List[Item]:
        """Two pair items per triplet: ``<id>:p0`` and ``<id>:p1``; score = judge (for reference)."""
        return cached_items(self.name, {"root": str(self.root), "parts": self.parts}, self._judge_dirs(),
                            self._parse)

    def _parse(self) -> List[Item]:
        items = []
        for split, subset in self.parts:
            base = self.root / "2afc" / split / subset
            for judge_path in sorted((base / "judge").glob("*.npy")):
                stem = judge_path.stem
                judge = read_judge(judge_path)
                triplet_id = f"{split}/{subset}/{stem}"
                groups = {"subset": subset, "split": split, "triplet": triplet_id, "distortion": subset}
                for side in ("p0", "p1"):
                    items.append(Item(f"{triplet_id}:{side}", base / "ref" / f"{stem}.png",
                                      base / side / f"{stem}.png", judge, {**groups, "side": side}))
        return items

    def counts(self, items: List[Item]) -> Dict[str, int]:
        """Triplets per split/subset."""
        out: Dict[str, int] = {}
        for item in items:
            if item.groups["side"] == "p0":
                key = f"{item.groups['split']}/{item.groups['subset']}"
                out[key] = out.get(key, 0) + 1
        return out

    def triplets(self, items: Optional[List[Item]] = None) -> List[Triplet]:
        items = self.items() if items is None else items
        by_id: Dict[str, Dict[str, Item]] = {}
        for item in items:
            by_id.setdefault(item.groups["triplet"], {})[item.groups["side"]] = item
        return [Triplet(tid, sides["p0"].groups["split"], sides["p0"].groups["subset"], sides["p0"].ref_path,
                        sides["p0"].dist_path, sides["p1"].dist_path, sides["p0"].score)
                for tid, sides in by_id.items()]


#: The JND subsets (validation only) and their pairs in the official release.
JND_SUBSETS = ("traditional", "cnn")
JND_EXPECTED = {"val/traditional": 4800, "val/cnn": 4800}


@register_dataset
class BAPPSJND(Dataset):
    """BAPPS JND (the LPIPS paper's second protocol)::

        ROOT/jnd/val/{traditional,cnn}/p0/NNNNNN.png, p1/NNNNNN.png, same/NNNNNN.npy

    ``same`` holds the fraction of people who judged the two patches the same. Each pair is one item: the
    metric's value between p0 (as the reference) and p1, as LPIPS's ``score_jnd_dataset`` computes
    ``func(p0, p1)``; :mod:`iqa_bench.stats.jnd` turns the values into the mean average precision. The LPIPS
    loader pairs the sorted file lists by position; here the three files of a pair share their name, and a
    name missing from one folder is refused."""

    name = "bapps_jnd"
    protocol = "jnd"
    score = ScoreInfo("JND 'same' fraction", higher_is_better=True, scale="fraction judging p0 and p1 the same")
    description = "BAPPS JND (LPIPS): 64x64 patch pairs with the fraction of people seeing no difference; val 9,600"
    homepage = OFFICIAL_URL
    layout = "jnd/val/{traditional,cnn}/{p0,p1}/NNNNNN.png and same/NNNNNN.npy"
    root_hint = "the folder holding jnd/"

    def __init__(self, root: Optional[Path] = None, subsets: Optional[str] = None):
        super().__init__(root)
        wanted = None if not subsets else [s.strip() for s in str(subsets).split(",") if s.strip()]
        self.subsets = [s for s in JND_SUBSETS if wanted is None or s in wanted]
        if not self.subsets:
            raise OptionError("subsets", f"{{option}} {subsets!r}: none of {', '.join(JND_SUBSETS)}")
        self.expected = {f"val/{s}": JND_EXPECTED[f"val/{s}"] for s in self.subsets}

    def score_files(self) -> List[Tuple[Path, str]]:
        return [(self.root / "jnd" / "val" / s / "same", "") for s in self.subsets]

    def items(self) -> List[Item]:
        folders = [require(self.root / "jnd" / "val" / s / "same", self.name, "folder") for s in self.subsets]
        return cached_items(self.name, {"root": str(self.root), "subsets": self.subsets}, folders, self._parse)

    def _parse(self) -> List[Item]:
        items = []
        for subset in self.subsets:
            base = self.root / "jnd" / "val" / subset
            stems = sorted(p.stem for p in (base / "same").glob("*.npy"))
            for side in ("p0", "p1"):
                present = {p.stem for p in (base / side).glob("*.png")} if (base / side).is_dir() else set()
                lacking = [s for s in stems if s not in present]
                if lacking and present:  # a folder of images that does not match the judgements
                    raise ValueError(f"dataset {self.name}: {base / side} has no image for {len(lacking)} of the "
                                     f"{len(stems)} judgements in {base / 'same'} (e.g. {lacking[0]}.png)")
            for stem in stems:
                items.append(Item(f"val/{subset}/{stem}", base / "p0" / f"{stem}.png", base / "p1" / f"{stem}.png",
                                  read_judge(base / "same" / f"{stem}.npy"),
                                  {"subset": subset, "split": "val", "distortion": subset}))
        return items

    def counts(self, items: List[Item]) -> Dict[str, int]:
        """Pairs per split/subset."""
        out: Dict[str, int] = {}
        for item in items:
            key = f"{item.groups['split']}/{item.groups['subset']}"
            out[key] = out.get(key, 0) + 1
        return out
