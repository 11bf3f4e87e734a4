"""The figures of ITU-T P.1401 (01/2020) that use each score's uncertainty: RMSE with the degrees of freedom
of the mapping, the epsilon-insensitive rmse* and the outlier ratio, and the significance of their
differences between two metrics.

With yᵢ the subjective score, ŷᵢ the metric's value mapped by the run's fit (the mapping has d parameters:
5 for ``logistic5``, 4 for ``logistic4`` and ``cubic``; under ``none`` there is no mapping to the
subjective scale and no P.1401 table), N items and cᵢ the half-width of the 95 % confidence interval of
yᵢ -- cᵢ = t(0.975, Kᵢ − 1)·seᵢ with seᵢ the score's standard error and Kᵢ the number of ratings behind
it (per item where the dataset gives it, else the dataset's mean; the normal quantile 1.96 when unknown):

* RMSE (§7.5.1) = √(Σ (yᵢ − ŷᵢ)² / (N − d));
* rmse* (§7.7) = √(Σ max(0, |yᵢ − ŷᵢ| − cᵢ)² / (N − d)): errors within the subjective uncertainty count 0;
* outlier ratio (§7.5.2.2) = #{i : |yᵢ − ŷᵢ| > cᵢ} / N.

The standard's own tests of a difference between metrics A and B on the same items (always shown):

* RMSE and rmse* (§7.6.4, §7.7): ζ = rmse_max² / rmse_min², the larger over the smaller, compared with the
  upper α point of F(N − d, N − d): the difference is significant when ζ exceeds it (one-sided;
  p = P(F > ζ)). On TID2013's 3000 items (d = 5) the critical RMSE ratio is √F₀.₉₅ = 1.0305;
* outlier ratios (§7.6.2): z = (OR_A − OR_B) / √(p̄(1 − p̄)(2/N)), p̄ the pooled ratio, two-sided.

Both treat the two metrics' residuals on the same items as independent samples. Beside them, paired
tests by the run's unit (``pair_tests``): ``references`` -- the delete-one-reference jackknife of the
difference of each figure (:mod:`.cluster_jackknife`; the mapping fitted once on all items, as the
standard's test takes it); ``items`` -- the paired bootstrap of the RMSE and rmse* differences and
McNemar's test of the outliers (:mod:`.paired_tests`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy import stats

from .choices import MAPPING_PARAMETERS
from .evaluated_run import SCORE_SE, EvaluatedRun
from .pairwise import compared, lower_is_better, ordered_pairs
from .paired_tests import bootstrap_difference_p, draw_weights, mcnemar_p

#: The summary columns the P.1401 figures add (rmse with N − d degrees of freedom, rmse*, outlier ratio).
P1401_COLUMNS = ("rmse_dof", "rmse_star", "outlier_ratio")


def interval_half_width(se: np.ndarray, ratings) -> np.ndarray:
    """cᵢ = t(0.975, Kᵢ − 1)·seᵢ (``ratings``: K per item, or one K for all; the normal quantile where K is
    unknown or not above 1)."""
    se = np.asarray(se, float)
    ratings = np.broadcast_to(np.asarray(np.nan if ratings is None else ratings, float), se.shape)
    known = np.isfinite(ratings) & (ratings > 1)
    quantile = np.full(se.shape, float(stats.norm.ppf(0.975)))
    quantile[known] = stats.t.ppf(0.975, ratings[known] - 1)
    return quantile * se


@dataclass
class P1401Figures:
    n: int
    d: int
    rmse: float
    rmse_star: float
    outlier_ratio: float
    outliers: int


def p1401_figures(y, prediction, half_width, d: int) -> P1401Figures:
    """RMSE (N − d), rmse* and the outlier ratio of one metric (items with any NaN are left out)."""
    y, prediction, half_width = (np.asarray(a, float) for a in (y, prediction, half_width))
    keep = np.isfinite(y) & np.isfinite(prediction) & np.isfinite(half_width)
    error = np.abs(y[keep] - prediction[keep])
    n, c = int(keep.sum()), half_width[keep]
    if n <= d:
        return P1401Figures(n, d, np.nan, np.nan, np.nan, 0)
    outliers = int((error > c).sum())
    return P1401Figures(n, d, float(np.sqrt((error ** 2).sum() / (n - d))),
                        float(np.sqrt((np.maximum(0.0, error - c) ** 2).sum() / (n - d))), outliers / n, outliers)


def f_p(rmse_a: float, rmse_b: float, dof: int) -> float:
    """P.1401 §7.6.4: p = P(F > ζ) of ζ = rmse_max² / rmse_min² under F(dof, dof) -- the standard's one-sided
    rule (significant at α when ζ > F₁₋α(dof, dof))."""
    if not (np.isfinite(rmse_a) and np.isfinite(rmse_b)) or min(rmse_a, rmse_b) <= 0 or dof < 1:
        return float("nan")
    zeta = max(rmse_a, rmse_b) ** 2 / min(rmse_a, rmse_b) ** 2
    return float(stats.f.sf(zeta, dof, dof))


def proportions_p(a: float, b: float, n: int) -> float:
    """Two-sided p of the difference of two outlier ratios on n items each (pooled proportion)."""
    pooled = (a + b) / 2
    sigma = np.sqrt(pooled * (1 - pooled) * 2 / n) if n else 0.0
    if not sigma > 0:
        return 1.0 if a == b else 0.0
    return float(2 * stats.norm.sf(abs(a - b) / sigma))


@dataclass
class P1401Result:
    table: pd.DataFrame      # metric, n, d, rmse_dof, rmse_star, outlier_ratio, outliers
    pairs: pd.DataFrame      # row, col, n, d_<test>, <test>_p, <test>_symbol (+ _holm, _bh) per test
    metrics: List[str]
    ratings: Optional[float]
    alpha: float = 0.05
    correction: str = "none"
    unit: str = "items"      # the paired tests' unit: references (jackknife) or items
    unit_note: str = ""
    clusters: int = 0            # the references the jackknife left out one at a time
    tests: Tuple[str, ...] = ()
    titles: Dict[str, str] = field(default_factory=dict)


#: The standard's tests, then the paired tests of the same figures (the lower the better, each).
P1401_STANDARD_TESTS = ("rmse", "rmse_star", "or")
P1401_PAIRED_TESTS = ("rmse_paired", "rmse_star_paired", "or_paired")
P1401_TESTS = P1401_STANDARD_TESTS + P1401_PAIRED_TESTS
_INDEPENDENT = "the two metrics' residuals taken as independent"
_STANDARD_TITLES = {
    "rmse": f"F-test on RMSE (N − d), P.1401 §7.6.4: rmse_max²/rmse_min² above the upper α point of "
            f"F(N − d, N − d), one-sided ({_INDEPENDENT})",
    "rmse_star": f"F-test on rmse*, P.1401 §7.7 (the rule of §7.6.4; {_INDEPENDENT})",
    "or": f"outlier ratios, test of two proportions, P.1401 §7.6.2 ({_INDEPENDENT})"}
_JACKKNIFE = "paired jackknife over reference contents (whole references left out, t with G − 1 df)"
P1401_TITLES = {
    "references": {**_STANDARD_TITLES, "rmse_paired": f"RMSE (N − d), {_JACKKNIFE}",
                   "rmse_star_paired": f"rmse*, {_JACKKNIFE}", "or_paired": f"outlier ratio, {_JACKKNIFE}"},
    "items": {**_STANDARD_TITLES, "rmse_paired": "RMSE (N − d), paired bootstrap of the difference by item",
              "rmse_star_paired": "rmse*, paired bootstrap of the difference by item",
              "or_paired": "outlier ratio, McNemar's paired test by item"}}


def p1401(run: EvaluatedRun, specs: Optional[Sequence[str]] = None) -> Optional[P1401Result]:
    """The P.1401 figures of every metric of ``specs`` (default: the run's) under the run's mapping (None
    without a score spread, or under ``fit: none``: no mapping to the subjective scale); pairs compared on
    the items both have, by the standard's tests and by the paired tests of the run's ``pair_tests``
    (``references``: the jackknife over the reference images; ``items``: ``bootstrap`` paired resamples and
    McNemar). Kᵢ, the ratings behind each score: scores.csv's per-item count, else the dataset's number
    (:meth:`~.evaluated_run.EvaluatedRun.ratings_per_item`)."""
    from .cluster_jackknife import jackknife_unit

    settings, scores = run.settings, run.scores
    fit, alpha, ratings = settings.fit, settings.alpha, run.ratings_per_item()
    if SCORE_SE not in scores.columns or fit == "none":
        return None
    y = run.subjective
    per_item = scores[ratings].to_numpy(float) if isinstance(ratings, str) and ratings in scores.columns else None
    mean_ratings = float(np.nanmean(per_item)) if per_item is not None else ratings
    half = interval_half_width(scores[SCORE_SE].to_numpy(float), per_item if per_item is not None else ratings)
    d = MAPPING_PARAMETERS[fit]
    predictions: Dict[str, np.ndarray] = {}
    rows = []
    for spec in run.specs if specs is None else specs:
        mapped = run.mapped(spec, among=np.isfinite(half))
        if mapped is None or mapped.mask.sum() <= d or not mapped.model.ok:
            continue
        predictions[spec] = mapped.prediction
        fig = p1401_figures(y, mapped.prediction, half, d)
        rows.append({"metric": spec, "n": fig.n, "d": d, "rmse_dof": fig.rmse, "rmse_star": fig.rmse_star,
                     "outlier_ratio": fig.outlier_ratio, "outliers": fig.outliers})
    if not rows:
        return None
    names = [r["metric"] for r in rows]
    unit, codes, g, note = jackknife_unit(run.clusters(), settings.pair_tests)
    weights = draw_weights(settings.bootstrap, y.size, settings.seed) \
        if unit == "items" and settings.bootstrap > 1 else None
    pair_rows = []
    for a, b in ordered_pairs(names):
        both = np.isfinite(predictions[a]) & np.isfinite(predictions[b])
        fa, fb = (p1401_figures(y[both], predictions[m][both], half[both], d) for m in (a, b))
        row = {"row": a, "col": b, "n": fa.n}
        standard = {"rmse": (fa.rmse, fb.rmse, f_p(fa.rmse, fb.rmse, fa.n - d)),
                    "rmse_star": (fa.rmse_star, fb.rmse_star, f_p(fa.rmse_star, fb.rmse_star, fa.n - d)),
                    "or": (fa.outlier_ratio, fb.outlier_ratio, proportions_p(fa.outlier_ratio,
                                                                             fb.outlier_ratio, fa.n))}
        errors = [np.abs(y[both] - predictions[m][both]) for m in (a, b)]
        full = {k: v[:2] for k, v in standard.items()}
        if unit == "references":
            paired = _jackknife_pair(errors, half[both], codes[both], g, d, full)
        else:
            paired = _item_pair(errors, half[both], None if weights is None else weights[:, both], d, full)
        for key, (va, vb, p) in {**standard, **{f"{k}_paired": (standard[k][0], standard[k][1], paired[k])
                                                for k in paired}}.items():
            row[f"d_{key}"], row[f"{key}_p"] = va - vb, p
        pair_rows.append(row)
    pairs = compared(pair_rows, [lower_is_better(t) for t in P1401_TESTS], alpha)
    return P1401Result(pd.DataFrame(rows), pairs, names, mean_ratings, alpha, settings.correct, unit=unit, unit_note=note,
                       clusters=g if unit == "references" else 0, tests=P1401_TESTS, titles=P1401_TITLES[unit])


def _figures_of_sums(errors: np.ndarray, half: np.ndarray, weights: np.ndarray, d: int):
    """RMSE, rmse* and the outlier ratio of each row of the item ``weights`` (a row: how often each item
    counts -- a resample, or all items but one reference's), NaN where fewer than d + 1 items count."""
    n = weights.sum(axis=1)
    sums = [weights @ v for v in (errors ** 2, np.maximum(0.0, errors - half) ** 2, (errors > half).astype(float))]
    with np.errstate(invalid="ignore", divide="ignore"):
        dof = np.where(n > d, n - d, np.nan)
        return np.sqrt(sums[0] / dof), np.sqrt(sums[1] / dof), np.where(n > 0, sums[2] / np.where(n > 0, n, 1), np.nan)


def _jackknife_pair(errors, half: np.ndarray, codes: np.ndarray, g: int, d: int, full) -> Dict[str, float]:
    """The jackknife p of the RMSE, rmse* and outlier-ratio differences of two metrics' ``errors`` (``full``:
    test → the two metrics' figures on all items)."""
    from .cluster_jackknife import jackknife_p

    outside = (codes[None, :] != np.arange(g)[:, None]).astype(float)  # row c: every item but reference c's
    left = [_figures_of_sums(e, half, outside, d) for e in errors]
    return {key: jackknife_p(*full[key], left[0][k], left[1][k]) for k, key in enumerate(("rmse", "rmse_star", "or"))}


def _item_pair(errors, half: np.ndarray, weights: Optional[np.ndarray], d: int, full) -> Dict[str, float]:
    """The paired item bootstrap p of the RMSE and rmse* differences (``weights``: resamples × items drawn)
    and McNemar's p of the outliers."""
    out = {"rmse": np.nan, "rmse_star": np.nan, "or": mcnemar_p(errors[0] > half, errors[1] > half)}
    if weights is not None:
        resampled = [_figures_of_sums(e, half, weights, d) for e in errors]
        for k, key in enumerate(("rmse", "rmse_star")):
            out[key] = bootstrap_difference_p(full[key][0] - full[key][1], resampled[0][k] - resampled[1][k])
    return out
