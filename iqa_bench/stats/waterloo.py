"""Tests that need no opinion scores (K. Ma et al., "Waterloo Exploration Database: new challenges for image
quality assessment models", IEEE TIP 26(2), 2017), on any dataset whose distortion levels are known by
construction: every item names its reference, distortion type and level (the sample, KADID-10k, TID2013,
CSIQ, a gMAD pool), a higher level being a stronger distortion.

* **L-test** (listwise ranking consistency, the paper's eq. 3): for each reference *i* and distortion type
  *j*, the images at increasing levels form a list whose quality should fall monotonically; ``L = 1/(N_i N_j)
  Σ_i Σ_j SRCC(l_ij, p_ij)`` with the levels ``l_ij`` negated so that a metric ordering the list exactly
  scores 1 (the paper's sign convention), ``p_ij`` the metric's values oriented so higher is better. A list
  with fewer than two levels, or on which the metric is constant (SRCC undefined), is left out (counted).
* **P-test** (pairwise preference consistency, eq. 4): ``P = N_c / N`` over the quality-discriminable image
  pairs. The paper infers its pairs from the agreement of established models on unrated images; where the
  levels are known by construction the discriminable pairs are given: every two images of one reference and
  one distortion type at different levels (``min_gap`` levels apart or more; default 1). A pair is
  concordant when the metric ranks the less distorted image better; **a tie counts half** (the paper counts
  concordant pairs only; half keeps a constant metric at chance, 0.5, rather than at 0).

Intervals: a seeded percentile bootstrap over references (each reference's lists and pairs resampled
together), as the per-reference structure makes the lists and pairs of one content dependent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

GROUPS = ("group:reference", "group:distortion", "group:level")
COLUMNS = ("l_test", "p_test")


def has_levels(scores: pd.DataFrame) -> bool:
    """Whether every item names its reference, distortion type and a numeric level."""
    if not set(GROUPS) <= set(scores.columns) or scores.empty:
        return False
    return bool(pd.to_numeric(scores["group:level"], errors="coerce").notna().all())


@dataclass
class _PerReference:
    """One metric's L-test SRCCs and P-test counts, grouped by reference (what the bootstrap resamples)."""

    lists: Dict[str, List[float]]
    concordant: Dict[str, float]
    pairs: Dict[str, int]
    skipped: int


def _per_reference(scores: pd.DataFrame, metric: str, higher_is_better: bool, min_gap: int) -> _PerReference:
    sign = 1.0 if higher_is_better else -1.0
    levels = pd.to_numeric(scores["group:level"], errors="coerce").to_numpy(float)
    values = sign * scores[metric].to_numpy(float)
    lists: Dict[str, List[float]] = {}
    concordant: Dict[str, float] = {}
    pairs: Dict[str, int] = {}
    skipped = 0
    for (reference, _), index in scores.groupby(list(GROUPS[:2]), sort=True).indices.items():
        keep = index[np.isfinite(values[index])]
        lv, q = levels[keep], values[keep]
        if len(np.unique(lv)) >= 2 and len(np.unique(q)) >= 2:
            lists.setdefault(reference, []).append(float(stats.spearmanr(-lv, q)[0]))
        else:
            skipped += 1
        gap = lv[:, None] - lv[None, :]  # > 0: row more distorted than column
        chosen = gap >= min_gap
        better = q[None, :] - q[:, None]  # > 0: the column (less distorted) rated better
        concordant[reference] = concordant.get(reference, 0.0) + float((better[chosen] > 0).sum()
                                                                       + 0.5 * (better[chosen] == 0).sum())
        pairs[reference] = pairs.get(reference, 0) + int(chosen.sum())
    return _PerReference(lists, concordant, pairs, skipped)


def _statistics(part: _PerReference, references: Sequence[str]):
    srccs = [v for r in references for v in part.lists.get(r, [])]
    n_pairs = sum(part.pairs.get(r, 0) for r in references)
    l_value = float(np.mean(srccs)) if srccs else np.nan
    p_value = sum(part.concordant.get(r, 0.0) for r in references) / n_pairs if n_pairs else np.nan
    return l_value, p_value, len(srccs), n_pairs


def waterloo_table(scores: pd.DataFrame, metrics: Sequence[str], directions: Dict[str, bool], n_boot: int = 1000,
                   seed: int = 0, min_gap: int = 1, alpha: float = 0.05) -> Optional[pd.DataFrame]:
    """One row per metric: l_test, p_test (with ``_lo`` / ``_hi`` where ``n_boot`` > 0), the lists and pairs
    they rest on and the lists left out; None where the items do not name their levels (:func:`has_levels`) or
    no metric has values."""
    if not has_levels(scores):
        return None
    references = sorted(scores["group:reference"].astype(str).unique())
    scores = scores.assign(**{"group:reference": scores["group:reference"].astype(str)})
    rows = []
    q = (100 * alpha / 2, 100 * (1 - alpha / 2))
    for metric in metrics:
        if metric not in scores.columns:
            continue
        part = _per_reference(scores, metric, directions[metric], min_gap)
        l_value, p_value, n_lists, n_pairs = _statistics(part, references)
        row = {"metric": metric, "l_test": l_value, "p_test": p_value, "lists": n_lists, "pairs": n_pairs,
               "lists_left_out": part.skipped, "min_gap": min_gap}
        if n_boot > 0 and len(references) > 1:
            rng = np.random.default_rng(seed)
            draws = [_statistics(part, [references[k] for k in rng.integers(0, len(references), len(references))])
                     for _ in range(n_boot)]
            for k, column in enumerate(COLUMNS):
                row[f"{column}_lo"], row[f"{column}_hi"] = (float(v) for v in np.nanpercentile([d[k] for d in draws], q))
        rows.append(row)
    return pd.DataFrame(rows) if rows else None
