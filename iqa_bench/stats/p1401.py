"""The figures of ITU-T P.1401 (01/2020) that use each score's uncertainty: RMSE with the degrees of freedom
of the mapping, the epsilon-insensitive rmse* and the outlier ratio, and the significance of their
differences between two metrics.

With yᵢ the subjective score, ŷᵢ the metric's value mapped by the run's fit (the mapping has d parameters:
5 for ``logistic5``, 4 for ``logistic4`` and ``cubic``, 0 for ``none``), N items and cᵢ the half-width of
the 95 % confidence interval of yᵢ -- cᵢ = t(0.975, K − 1)·seᵢ with seᵢ the score's standard error and
K the number of ratings behind it (the normal quantile 1.96 when K is not known):

* RMSE (§7.5.1) = √(Σ (yᵢ − ŷᵢ)² / (N − d));
* rmse* (§7.7) = √(Σ max(0, |yᵢ − ŷᵢ| − cᵢ)² / (N − d)): errors within the subjective uncertainty count 0;
* outlier ratio (§7.5.2.2) = #{i : |yᵢ − ŷᵢ| > cᵢ} / N.

Differences between metrics A and B on the same items: RMSE and rmse* by the F-test of §7.6.4 / §7.7,
F = rmse_A² / rmse_B² with (N − d, N − d) degrees of freedom (two-sided here: p = 2·min(P(F' ≥ F), P(F' ≤ F)));
outlier ratios by the test of two proportions of §7.6.2, z = (OR_A − OR_B) / √(p̄(1 − p̄)(2/N)), p̄ the
pooled ratio, two-sided.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .multiple_comparisons import corrected_pairs

#: Parameters of each mapping (the d of P.1401's N − d).
MAPPING_PARAMETERS = {"logistic5": 5, "logistic4": 4, "cubic": 4, "none": 0}
P1401_COLUMNS = ("rmse_dof", "rmse_star", "outlier_ratio")


def interval_half_width(se: np.ndarray, ratings: Optional[float]) -> np.ndarray:
    """cᵢ = t(0.975, K − 1)·seᵢ (K ratings per item; the normal quantile when K is unknown)."""
    quantile = stats.t.ppf(0.975, ratings - 1) if ratings and ratings > 1 else stats.norm.ppf(0.975)
    return float(quantile) * np.asarray(se, float)


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
    """Two-sided p of F = rmse_a² / rmse_b² with (dof, dof) degrees of freedom."""
    if not (np.isfinite(rmse_a) and np.isfinite(rmse_b)) or rmse_b == 0 or dof < 1:
        return float("nan")
    f = rmse_a ** 2 / rmse_b ** 2
    return float(min(1.0, 2 * min(stats.f.sf(f, dof, dof), stats.f.cdf(f, dof, dof))))


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
    pairs: pd.DataFrame      # row, col, n, d_<test>, <test>_p, <test>_symbol (+ _holm, _bh) per P1401_TESTS
    metrics: List[str]
    ratings: Optional[float]
    alpha: float = 0.05
    correction: str = "none"


def p1401(scores: pd.DataFrame, specs: Sequence[str], se_column: str, fit: str, ratings: Optional[float],
          alpha: float = 0.05) -> Optional[P1401Result]:
    """The P.1401 figures of every metric of ``specs`` under the run's ``fit`` (None without a score
    spread); pairs compared on the items both have."""
    from .regression import MetricRegression

    if se_column not in scores.columns:
        return None
    y = scores["score"].to_numpy(float)
    half = interval_half_width(scores[se_column].to_numpy(float), ratings)
    d = MAPPING_PARAMETERS.get(fit, 0)
    predictions: Dict[str, np.ndarray] = {}
    rows = []
    for spec in specs:
        if spec not in scores.columns:
            continue
        x = scores[spec].to_numpy(float)
        mask = np.isfinite(x) & np.isfinite(y) & np.isfinite(half)
        if mask.sum() <= d:
            continue
        model = MetricRegression(fit=fit, n_boot=0).fit(x[mask], y[mask])
        if not model.ok:
            continue
        prediction = np.full(x.shape, np.nan)
        prediction[mask] = model.predict(x[mask])
        predictions[spec] = prediction
        fig = p1401_figures(y, prediction, half, d)
        rows.append({"metric": spec, "n": fig.n, "d": d, "rmse_dof": fig.rmse, "rmse_star": fig.rmse_star,
                     "outlier_ratio": fig.outlier_ratio, "outliers": fig.outliers})
    names = [r["metric"] for r in rows]
    pair_rows = []
    for a in names:
        for b in names:
            if a == b:
                continue
            both = np.isfinite(predictions[a]) & np.isfinite(predictions[b])
            fa, fb = (p1401_figures(y[both], predictions[m][both], half[both], d) for m in (a, b))
            row = {"row": a, "col": b, "n": fa.n}
            for key, va, vb in (("rmse", fa.rmse, fb.rmse), ("rmse_star", fa.rmse_star, fb.rmse_star),
                                ("or", fa.outlier_ratio, fb.outlier_ratio)):
                p = f_p(va, vb, fa.n - d) if key != "or" else proportions_p(va, vb, fa.n)
                row[f"d_{key}"], row[f"{key}_p"] = va - vb, p
                row[f"{key}_symbol"] = np.nan if not np.isfinite(p) else (0.0 if p >= alpha else
                                                                          1.0 if va < vb else -1.0)
            pair_rows.append(row)
    if not rows:
        return None
    pairs = corrected_pairs(pd.DataFrame(pair_rows), {t: (f"{t}_p", _lower_is_better(t)) for t in P1401_TESTS},
                            alpha) if pair_rows else pd.DataFrame(pair_rows)
    return P1401Result(pd.DataFrame(rows), pairs, names, ratings, alpha)


#: The tests of the P.1401 matrices: RMSE, rmse*, outlier ratio (the lower the better, each).
P1401_TESTS = ("rmse", "rmse_star", "or")
P1401_TITLES = {"rmse": "F-test on RMSE (N − d), P.1401 §7.6.4", "rmse_star": "F-test on rmse*, P.1401 §7.7",
                "or": "outlier ratios, test of two proportions, P.1401 §7.6.2"}


def _lower_is_better(test: str):
    return lambda pairs: np.where(pairs[f"d_{test}"] < 0, 1.0, -1.0)
