"""The dataset interface: metadata (items, scores, groups) parsed apart from image loading."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..errors import OptionError


@dataclass(frozen=True)
class Item:
    """One (reference, distorted, subjective score) pair of a dataset.

    ``groups`` holds the groupings the regression stage can split on, at least ``distortion`` and
    ``reference``.
    """

    item_id: str
    ref_path: Path
    dist_path: Path
    score: float
    groups: Dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    #: The standard error of ``score`` (the standard deviation of the mean opinion), where the dataset
    #: gives one (:attr:`Dataset.spread` says how it was read); None otherwise.
    spread: Optional[float] = field(default=None, hash=False, compare=False)
    #: The number of ratings behind ``score``, where the dataset gives it per item (the t quantile of its
    #: 95 % interval uses K − 1 degrees of freedom); None: the dataset's mean (SpreadInfo.ratings) is used.
    ratings: Optional[float] = field(default=None, hash=False, compare=False)


@dataclass
class ScoreInfo:
    """What a dataset's target score is, shown with every table."""

    name: str                    # "DMOS", "MOS", "severity"
    higher_is_better: bool       # MOS: True; DMOS and severity: False
    note: str = ""               # e.g. "synthetic severity, not human opinion"
    scale: str = ""              # e.g. "0-100"

    def label(self) -> str:
        """Short axis label, e.g. "severity (synthetic severity, not human opinion)"."""
        return f"{self.name} ({self.note})" if self.note else self.name

    def describe(self) -> str:
        direction = "higher = better quality" if self.higher_is_better else "higher = worse quality"
        parts = [self.name, self.scale, direction]
        text = ", ".join(p for p in parts if p)
        return f"{text} ({self.note})" if self.note else text


@dataclass(frozen=True)
class SpreadInfo:
    """How a dataset's per-item score spread was read: each item's standard error of the mean opinion
    (``Item.spread``), the number of ratings behind one score (None: not known -- a normal quantile is
    then used for the 95 % interval) and the source of both, as P.1401 §7.4 needs them."""

    text: str                        #: what the file holds and how it is read
    ratings: Optional[float] = None  #: ratings per item (mean, where it varies)
    source: str = ""                 #: where ``ratings`` (and the reading) come from
    per_item: bool = False           #: items carry their own K (Item.ratings); ``ratings`` where one has none

    def describe(self) -> str:
        count = "; ratings per item not known" if not self.ratings else \
            f"; K ratings per item as read for each (else {self.ratings:g})" if self.per_item else \
            f"; {self.ratings:g} ratings per item"
        return f"{self.text}{count}" + (f" ({self.source})" if self.source else "")


class Dataset(ABC):
    """A full-reference IQA dataset with subjective scores.

    Subclasses set ``name``, ``score`` and implement :meth:`items`; they never decode images
    (the engine does, in its loader workers).
    """

    name: str = ""
    score: ScoreInfo = ScoreInfo("score", False)
    description: str = ""
    homepage: str = ""
    layout: str = ""
    protocol: str = "regression"   # or "2afc" (pairs of items per triplet)
    root_hint: str = ""            # non-empty: a root is required and this says what it holds
    expected: Dict[str, int] = {}  # official counts, keys as in counts()
    item_order: str = "the order of the dataset's items"  # what one-value-per-line imported files follow
    spread: Optional[SpreadInfo] = None  # set where items carry their score's standard error (P.1401, Krasula)

    def __init__(self, root: Optional[Path] = None):
        if root is None and self.root_hint:
            raise OptionError("root", f"dataset {self.name} needs {{option}}: {self.root_hint}")
        self.root = Path(root) if root is not None else None

    @abstractmethod
    def items(self) -> List[Item]:
        """Every scored item, in a fixed order, from the metadata alone."""

    def score_files(self) -> List[Tuple[Path, str]]:
        """Files the item list is read from, each with a hint shown when it is missing (for
        ``datasets check``, which lists every missing one instead of stopping at the first)."""
        return []

    def counts(self, items: List[Item]) -> Dict[str, int]:
        """Counts that ``datasets check`` compares with ``expected`` (the official release's)."""
        return {"distorted": len({it.dist_path for it in items}),
                "references": len({it.ref_path for it in items})}

    @property
    def key(self) -> str:
        """Identifies this dataset in the score store (name plus any variant)."""
        return self.name


def require_unique_items(items: List[Item], source: str) -> None:
    """Every adapter's items must have distinct ids: the store keys scores by item id, so two items
    sharing one would silently share one score. ValueError naming the repeated ids."""
    seen: Dict[str, int] = {}
    for item in items:
        seen[item.item_id] = seen.get(item.item_id, 0) + 1
    repeated = [f"{k!r} ({n}×)" for k, n in seen.items() if n > 1]
    if repeated:
        raise ValueError(f"{source}: {len(repeated)} item id(s) occur more than once: "
                         f"{', '.join(repeated[:10])}{' ...' if len(repeated) > 10 else ''}")
