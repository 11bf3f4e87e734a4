"""BAPPS JND: the mean average precision of the LPIPS paper's second protocol (Zhang et al. 2018).

Each pair (p0, p1) carries the fraction of people who judged the two patches the same. A good distance is
small for pairs people call the same: sorting the pairs by distance (ascending), a pair's "same" fraction
counts as a true positive and its complement as a false positive, and the area under the precision–recall
curve is the VOC-style average precision. This reproduces ``score_jnd_dataset`` of the LPIPS repository
(``lpips/trainer.py``): ``np.argsort`` of the distances, cumulative sums of the sorted fractions, precision
and recall, then ``voc_ap`` without the 2007 11-point rule (the precision envelope made monotone from the
right, summed over the points where recall changes). Similarity metrics (higher = more similar) are negated
into distances first. A metric's score on a subset is its AP there; "all" is the unweighted mean of the
subsets' APs (as the 2AFC table's). 95 % intervals: a seeded percentile bootstrap over image pairs within
each subset.
"""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
import pandas as pd

ALL = "all"
STAT = "jnd_map"


def voc_ap(recall: np.ndarray, precision: np.ndarray) -> float:
    """The area under the precision–recall curve as PASCAL VOC (2010 on) computes it: the precision made
    non-increasing from the right, summed over the steps of recall."""
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.concatenate(([0.0], precision, [0.0]))
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    steps = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]))


def jnd_average_precision(distances, sames) -> float:
    """The JND mAP of ``distances`` (small = similar) against the fractions ``sames`` of people who saw no
    difference (LPIPS's ``score_jnd_dataset``; see the module)."""
    distances, sames = np.asarray(distances, np.float64), np.asarray(sames, np.float64)
    order = np.argsort(distances)
    ordered = sames[order]
    true_positives = np.cumsum(ordered)
    false_positives = np.cumsum(1.0 - ordered)
    false_negatives = ordered.sum() - true_positives
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = true_positives / (true_positives + false_positives)
        recall = true_positives / (true_positives + false_negatives)
    return voc_ap(recall, precision)


def summarize_jnd(scores: pd.DataFrame, metrics: Sequence[str], higher_is_better: Dict[str, bool],
                  n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Rows (metric, group = subset | all, n, jnd_map, jnd_map_lo, jnd_map_hi, n_missing) of a JND run's
    per-pair table (``score``: the "same" fraction; ``group:subset``)."""
    rows = []
    seeds = np.random.SeedSequence(seed)
    q = (100 * alpha / 2, 100 * (1 - alpha / 2))
    for metric in metrics:
        sign = -1.0 if higher_is_better[metric] else 1.0
        metric_rows, boots = [], []
        for subset, part in scores.groupby("group:subset", sort=True):
            complete = part.dropna(subset=[metric])
            distances, sames = sign * complete[metric].to_numpy(float), complete["score"].to_numpy(float)
            row = {"metric": metric, "group": subset, "n": len(complete),
                   STAT: jnd_average_precision(distances, sames) if len(complete) else np.nan,
                   "n_missing": len(part) - len(complete)}
            if n_boot > 0 and len(complete):
                rng = np.random.default_rng(seeds.spawn(1)[0])
                draws = rng.integers(0, len(complete), (n_boot, len(complete)))
                boot = np.array([jnd_average_precision(distances[d], sames[d]) for d in draws])
                boots.append(boot)
                row[f"{STAT}_lo"], row[f"{STAT}_hi"] = (float(v) for v in np.nanpercentile(boot, q))
            metric_rows.append(row)
        if metric_rows:
            overall = {"metric": metric, "group": ALL, "n": sum(r["n"] for r in metric_rows),
                       STAT: float(np.mean([r[STAT] for r in metric_rows])),
                       "n_missing": sum(r["n_missing"] for r in metric_rows)}
            if boots and len(boots) == len(metric_rows):
                overall[f"{STAT}_lo"], overall[f"{STAT}_hi"] = (float(v) for v in
                                                                np.nanpercentile(np.mean(boots, axis=0), q))
            metric_rows.append(overall)
        rows += metric_rows
    return pd.DataFrame(rows)
