"""Group MAD (gMAD) competition's pair selection (K. Ma et al., "Group MAD competition: a new methodology to
compare objective image quality models", CVPR 2016; "Group maximum differentiation competition: model
comparison with few samples", IEEE TPAMI 42(4), 2020): from a pool of distorted images, for each ordered pair
of metrics (defender, attacker) and each of several quality levels of the defender, the two images the
defender scores as equal and the attacker as most different -- the attacker's best and worst among them.
People then judge the pairs: where they see a clear difference the defender failed; where they agree with the
attacker's order the attacker won.

The metrics must first be on one scale. The papers map every model onto the MOS of a rated database (LIVE) with
a fitted logistic function; a pool needs no opinion scores, so the default here (``rank``) puts each metric on
the pool's own quality quantiles: its oriented mid-rank among the pool's images divided by their number (0:
the worst image by that metric, 1: the best), the same scale for every metric whatever its units or
direction. Where the pool has subjective scores, ``mos`` does what the papers do: each metric mapped onto them
by the run's fitted mapping (:meth:`~iqa_bench.stats.evaluated_run.EvaluatedRun.mapped`), oriented so higher
is better.

Levels: the defender's scale range cut into ``levels`` equal bins, a level at each bin's centre; an image is a
candidate at a level when its defender value lies within half the tolerance of it (``tolerance`` is a
fraction of the defender's range), so any two candidates differ by at most the tolerance; the pair is the
attacker's best and worst candidate. A level with fewer than two candidates has no pair (said with the count).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import OptionError

SCALES = ("rank", "mos")


@dataclass(frozen=True)
class GmadSettings:
    """``levels`` quality levels of each defender; candidates within ``tolerance`` × the defender's range
    (half each side of a level); the common ``scale`` (:data:`SCALES`)."""

    levels: int = 6
    tolerance: float = 0.02
    scale: str = "rank"

    def __post_init__(self):
        if self.levels < 1:
            raise OptionError("levels", f"{{option}} must be at least 1, got {self.levels}")
        if not 0 < self.tolerance < 1:
            raise OptionError("tolerance", f"{{option}} must lie between 0 and 1 (a fraction of the defender's "
                                           f"range), got {self.tolerance}")
        if self.scale not in SCALES:
            raise OptionError("scale", f"{{option}} {self.scale!r}: valid: {', '.join(SCALES)}")


def rank_scale(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """The pool's quality quantile of each value: the oriented mid-rank over the number of images (ties share
    their mean rank), NaN kept."""
    oriented = values.astype(float) * (1.0 if higher_is_better else -1.0)
    finite = oriented.notna()
    out = pd.Series(np.nan, index=values.index)
    out[finite] = stats.rankdata(oriented[finite]) / finite.sum()
    return out


def on_common_scale(scores: pd.DataFrame, metrics: Sequence[str], directions: Dict[str, bool],
                    mapped: Dict[str, np.ndarray] = None) -> pd.DataFrame:
    """Each metric's column on the common scale, higher = better: the rank scale, or (``mapped``: each
    metric's prediction of the subjective score, oriented so higher is better) the papers' MOS scale."""
    if mapped is not None:
        return pd.DataFrame({m: np.asarray(mapped[m], float) for m in metrics}, index=scores.index)
    return pd.DataFrame({m: rank_scale(scores[m], directions[m]) for m in metrics}, index=scores.index)


def select_pairs(scaled: pd.DataFrame, items: Sequence[str], settings: GmadSettings = GmadSettings()) -> pd.DataFrame:
    """One row per ordered pair (defender, attacker) and level: the level, the candidates' count, the
    attacker's best and worst candidate (``better``, ``worse``: item ids) with both metrics' values on the
    common scale, the attacker's gap; no pair (empty ids, NaN values) where a level has fewer than two
    candidates."""
    items = np.asarray(list(items))
    rows: List[dict] = []
    for defender in scaled.columns:
        d = scaled[defender].to_numpy(float)
        finite = np.isfinite(d)
        if finite.sum() < 2:
            continue
        lo, hi = d[finite].min(), d[finite].max()
        half = settings.tolerance * (hi - lo) / 2
        centres = lo + (np.arange(settings.levels) + 0.5) * (hi - lo) / settings.levels
        for attacker in scaled.columns:
            if attacker == defender:
                continue
            a = scaled[attacker].to_numpy(float)
            for level, centre in enumerate(centres, start=1):
                candidates = np.flatnonzero(finite & np.isfinite(a) & (np.abs(d - centre) <= half))
                row = {"defender": defender, "attacker": attacker, "level": level, "level_value": centre,
                       "candidates": len(candidates)}
                if len(candidates) >= 2:
                    better = candidates[np.argmax(a[candidates])]
                    worse = candidates[np.argmin(a[candidates])]
                    row.update({"better": items[better], "worse": items[worse],
                                "defender_better": d[better], "defender_worse": d[worse],
                                "attacker_better": a[better], "attacker_worse": a[worse],
                                "attacker_gap": a[better] - a[worse]})
                else:
                    row.update({"better": "", "worse": "", "defender_better": np.nan, "defender_worse": np.nan,
                                "attacker_better": np.nan, "attacker_worse": np.nan, "attacker_gap": np.nan})
                rows.append(row)
    return pd.DataFrame(rows)
