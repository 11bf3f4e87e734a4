"""Krasula et al. 2016, "On the accuracy of objective image and video quality models: new methodology for
performance evaluation" (QoMEX): a fit-free evaluation over pairs of items.

Every pair of items (i < j) is first classified by the subjective data: significantly different or
similar, and for a different pair which item is better. With each score's standard error ``se`` (the
dataset's spread), z = (s_i − s_j) / √(se_i² + se_j²); |z| > z₀.₉₇₅ = 1.96 is a different pair (VMAF's
``AucPerfMetric`` uses 2; a pair whose errors are both 0 is different when its scores differ). Then, with
Δ the metric's difference oriented so that positive means "i looks better" (a distance is negated):

* **AUC different/similar**: the ROC area of |Δ| separating different from similar pairs;
* **AUC better/worse**: over the different pairs, the ROC area of B = Δ·sign(better) against W = −B;
* **C₀**: the share of different pairs whose Δ has the right sign (B > 0): correct classification at
  ΔOM = 0;
* the 95th percentile of |Δ| over similar pairs (the metric difference beyond which 95 % of pairs are
  distinguishable).

AUCs and their covariance are DeLong's (DeLong, DeLong & Clarke-Pearson 1988) in the fast form of Sun & Xu
2014 (midranks of the positives, the negatives and both); the difference of two metrics' AUCs is tested
with z = ΔAUC / √(σ₁² + σ₂² − 2σ₁₂), two-sided -- Krasula's ``Metrics_performance.m`` (``fastDeLong``,
``calpvalue``) and VMAF's port. C₀ differences use their ``significanceBinomial``: p̄ = (C₁ + C₂)/2,
z = |C₁ − C₂| / √(2 p̄(1 − p̄)/L), with L the count of B and W together (twice the different pairs), as
the authors' code counts it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy import stats

from .multiple_comparisons import corrected_pairs

#: Two-sided 95 %: a pair is "different" when |z| exceeds this.
Z_DIFFERENT = float(stats.norm.ppf(0.975))
#: Items above which a random subset of this many is analysed (3000 items: 4.5 M pairs, kept whole; 4000: 8 M).
MAX_ITEMS = 4000


def pair_classes(score: np.ndarray, se: np.ndarray, higher_is_better: bool = True,
                 z: float = Z_DIFFERENT) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, signif) over all pairs i < j: signif 1 when item i is significantly better, −1 when worse,
    0 when the two are not distinguishable."""
    score, se = np.asarray(score, float), np.asarray(se, float)
    i, j = np.triu_indices(score.size, k=1)
    difference = score[i] - score[j]
    if not higher_is_better:
        difference = -difference
    spread = np.sqrt(se[i] ** 2 + se[j] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spread > 0, difference / np.where(spread > 0, spread, 1.0),
                         np.sign(difference) * np.inf)
    signif = np.where(ratio > z, 1, np.where(ratio < -z, -1, 0)).astype(np.int8)
    return i, j, signif


def _midrank(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(x, method="average")


def fast_delong(positives: np.ndarray, negatives: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(AUCs, covariance) of k classifiers: rows of ``positives`` (k × m) and ``negatives`` (k × n)
    (Sun & Xu 2014, Algorithm 1). AUC = P(positive > negative) + ½ P(tie)."""
    positives, negatives = np.atleast_2d(positives), np.atleast_2d(negatives)
    k, m = positives.shape
    n = negatives.shape[1]
    v01 = np.empty((k, m))
    v10 = np.empty((k, n))
    aucs = np.empty(k)
    for r in range(k):
        tz = _midrank(np.concatenate([positives[r], negatives[r]]))
        tx, ty = _midrank(positives[r]), _midrank(negatives[r])
        aucs[r] = tz[:m].sum() / m / n - (m + 1.0) / 2.0 / n
        v01[r] = (tz[:m] - tx) / n
        v10[r] = 1.0 - (tz[m:] - ty) / m
    sx = np.atleast_2d(np.cov(v01)) if m > 1 else np.zeros((k, k))
    sy = np.atleast_2d(np.cov(v10)) if n > 1 else np.zeros((k, k))
    return aucs, sx / m + sy / n


def delong_p(aucs: np.ndarray, covariance: np.ndarray) -> float:
    """Two-sided p of the difference of two correlated AUCs (``calpvalue``)."""
    variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
    if not variance > 0:
        return 1.0 if aucs[0] == aucs[1] else 0.0
    return float(2 * stats.norm.sf(abs(aucs[0] - aucs[1]) / np.sqrt(variance)))


def binomial_p(c1: float, c2: float, count: int) -> float:
    """Two-sided p of the difference of two correct-classification rates (``significanceBinomial``)."""
    mean = (c1 + c2) / 2
    sigma = np.sqrt(mean * (1 - mean) * 2 / count)
    if not sigma > 0:
        return 1.0 if c1 == c2 else 0.0
    return float(2 * stats.norm.sf(abs(c1 - c2) / sigma))


@dataclass
class KrasulaResult:
    """Per metric AUC_DS, AUC_BW, C₀ and the similar-pair threshold; per ordered pair of metrics the
    p-values of their differences; the pair counts."""

    table: pd.DataFrame          # metric, n_items, auc_ds, auc_bw, c0, threshold_95
    pairs: pd.DataFrame          # row, col, d_auc_ds, auc_ds_p, d_auc_bw, auc_bw_p, d_c0, c0_p
    metrics: List[str]
    counts: Dict[str, int]       # pairs, different, similar, items
    z: float = Z_DIFFERENT
    alpha: float = 0.05
    correction: str = "none"


#: The tests of the Krasula matrices (the higher the better, each).
KRASULA_TESTS = ("auc_ds", "auc_bw", "c0")
KRASULA_TITLES = {"auc_ds": "AUC different/similar, DeLong test", "auc_bw": "AUC better/worse, DeLong test",
                  "c0": "C₀ (correct classification at ΔOM = 0), test of two proportions"}


def krasula(scores: pd.DataFrame, specs: Sequence[str], directions: Dict[str, bool], se_column: str,
            score_higher_is_better: Optional[bool] = True, z: float = Z_DIFFERENT,
            seed: int = 0, alpha: float = 0.05) -> Optional[KrasulaResult]:
    """The Krasula analysis of ``specs`` over the items where every one of them, the score and its
    standard error are finite (None with fewer than two such items or no metric). Above
    :data:`MAX_ITEMS` items, a random subset of that many (``seed``) is analysed, said in ``counts``."""
    present = [s for s in specs if s in scores.columns and np.isfinite(scores[s].to_numpy(float)).sum() > 1]
    if not present or se_column not in scores.columns:
        return None
    keep = np.isfinite(scores["score"].to_numpy(float)) & np.isfinite(scores[se_column].to_numpy(float))
    for spec in present:
        keep &= np.isfinite(scores[spec].to_numpy(float))
    index = np.flatnonzero(keep)
    subsampled = index.size > MAX_ITEMS
    if subsampled:
        index = np.sort(np.random.default_rng(seed).choice(index, MAX_ITEMS, replace=False))
    if index.size < 2:
        return None
    rows = scores.iloc[index]
    i, j, signif = pair_classes(rows["score"].to_numpy(float), rows[se_column].to_numpy(float),
                                True if score_higher_is_better is None else score_higher_is_better, z)
    different, similar = signif != 0, signif == 0
    counts = {"items": int(index.size), "pairs": int(signif.size), "different": int(different.sum()),
              "similar": int(similar.sum()), "subsampled": int(subsampled)}
    k = len(present)
    orientation = signif[different].astype(float)
    b = np.empty((k, counts["different"]))      # B: each different pair's Δ, positive when it says the better
    similar_abs = np.empty((k, counts["similar"]))  # |Δ| of the similar pairs
    for row, spec in enumerate(present):
        x = rows[spec].to_numpy(float)
        delta = (x[i] - x[j]) * (1.0 if directions.get(spec, True) else -1.0)
        b[row] = delta[different] * orientation
        similar_abs[row] = np.abs(delta[similar])
    table = {"metric": present, "n_items": [counts["items"]] * k}
    pair_rows = []
    ds = bw = c0 = None
    if counts["different"] and counts["similar"]:
        ds = fast_delong(np.abs(b), similar_abs)  # |Δ| of a different pair is |B|
        table["threshold_95"] = [float(np.percentile(s, 95)) for s in similar_abs]
    if counts["different"]:
        bw = fast_delong(b, -b)
        c0 = (b > 0).mean(axis=1)  # (#B > 0 + #W < 0) / (2 #different): the same share
    table["auc_ds"] = list(ds[0]) if ds else [np.nan] * k
    table["auc_bw"] = list(bw[0]) if bw else [np.nan] * k
    table["c0"] = list(c0) if c0 is not None else [np.nan] * k
    table.setdefault("threshold_95", [np.nan] * k)
    count_bw = 2 * counts["different"]
    for a in range(k):
        for b_ in range(k):
            if a == b_:
                continue
            sel = [a, b_]
            row = {"row": present[a], "col": present[b_]}
            for key, result in (("auc_ds", ds), ("auc_bw", bw)):
                row[f"d_{key}"] = float(result[0][a] - result[0][b_]) if result else np.nan
                row[f"{key}_p"] = delong_p(result[0][sel], result[1][np.ix_(sel, sel)]) if result else np.nan
            row["d_c0"] = float(c0[a] - c0[b_]) if c0 is not None else np.nan
            row["c0_p"] = binomial_p(c0[a], c0[b_], count_bw) if c0 is not None else np.nan
            for test in KRASULA_TESTS:
                p, d = row[f"{test}_p"], row[f"d_{test}"]
                row[f"{test}_symbol"] = np.nan if not np.isfinite(p) else 0.0 if p >= alpha else float(np.sign(d))
            pair_rows.append(row)
    pairs = pd.DataFrame(pair_rows)
    if len(pairs):
        pairs = corrected_pairs(pairs, {t: (f"{t}_p", _higher_is_better(t)) for t in KRASULA_TESTS}, alpha)
    return KrasulaResult(pd.DataFrame(table), pairs, present, counts, z, alpha)


def _higher_is_better(test: str):
    return lambda pairs: np.where(pairs[f"d_{test}"] > 0, 1.0, -1.0)
