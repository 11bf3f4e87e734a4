"""Is one metric significantly better than another on the same items? Three tests for every pair.

* **F-test on residual variances** (Sheikh, Sabir & Bovik, "A statistical evaluation of recent full
  reference image quality assessment algorithms", IEEE TIP 2006, Sec. V-B; ITU-T P.1401 Sec. 7.5):
  after each metric's nonlinear fit, F = σ²_row / σ²_col of the residuals (fitted − subjective) with
  (n − 1, n − 1) degrees of freedom, two-sided at α. The test assumes Gaussian residuals: Sheikh et al.
  accept a metric's residuals as Gaussian when their kurtosis (Pearson's, 3 for a normal law) lies in
  [2, 4]; that check is reported per metric next to the matrix, and an F-test symbol of a pair where
  either metric's residual kurtosis is outside [2, 4] is marked ``‡`` (the assumption fails: read it as
  indicative only), with the footnote; the CSV keeps both kurtoses and the mark (``f_assumption``).
* **Williams' test** for two dependent correlations sharing one variable (Williams 1959; Steiger 1980,
  Psychological Bulletin 87(2), Eq. 7): the PLCCs of the two fitted predictions with the subjective
  score, given the correlation of the predictions with each other; t with n − 3 degrees of freedom.
* **Paired bootstrap** of ΔSROCC and ΔPLCC: the same resampled items for both metrics, percentile
  interval; significant when the interval excludes 0. SROCC is oriented so that the metric's declared
  direction scores positive; PLCC is that of the fitted prediction with the curve held fixed (as the
  intervals of the main table).

Symbols, as in the IQA literature's tables: ``1`` the row metric is significantly better than the
column metric, ``-1`` significantly worse, ``0`` not distinguishable at α (two-sided).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy import stats

from .evaluated_run import EvaluatedRun
from .pairwise import PairTest, compared, higher_is_better, sign_of, unordered_pairs
from .regression import _rowwise_pearson
from .resampling import resample_indices
from .resample_ranks import draw_counts, resample_ranks

TESTS = ("f", "williams", "srocc", "plcc")
TEST_TITLES = {"f": "F-test on the residual variances after the nonlinear fit (Sheikh et al. 2006)",
               "williams": "Williams' test on the PLCC of the fitted predictions (Steiger 1980)",
               "srocc": "paired bootstrap of ΔSROCC (interval excludes 0)",
               "plcc": "paired bootstrap of ΔPLCC (interval excludes 0)"}
GAUSSIAN_KURTOSIS = (2.0, 4.0)
#: The mark of an F-test symbol whose Gaussian assumption fails, and its footnote.
NOT_GAUSSIAN_MARK = "‡"
NOT_GAUSSIAN_NOTE = ("‡ F-test symbol where the residual kurtosis of the row or column metric is outside [2, 4]: "
                     "the test's Gaussian assumption does not hold there, read it as indicative only")


def williams_test(r_ya: float, r_yb: float, r_ab: float, n: int) -> Tuple[float, float]:
    """Williams' t for H0: ρ(y, a) = ρ(y, b), given r(a, b) (Steiger 1980, Eq. 7), and its two-sided p
    (t distribution, n − 3 degrees of freedom)::

        t = (r_ya − r_yb) √[(n − 1)(1 + r_ab) / (2 (n − 1)/(n − 3) |R| + r̄² (1 − r_ab)³)]
        |R| = 1 − r_ya² − r_yb² − r_ab² + 2 r_ya r_yb r_ab,   r̄ = (r_ya + r_yb) / 2
    """
    if n <= 3:
        return float("nan"), float("nan")
    det = 1 - r_ya ** 2 - r_yb ** 2 - r_ab ** 2 + 2 * r_ya * r_yb * r_ab
    mean = (r_ya + r_yb) / 2
    denominator = 2 * (n - 1) / (n - 3) * det + mean ** 2 * (1 - r_ab) ** 3
    if not denominator > 0:
        return float("nan"), float("nan")
    t = (r_ya - r_yb) * math.sqrt((n - 1) * (1 + r_ab) / denominator)
    return t, float(2 * stats.t.sf(abs(t), n - 3))


def f_test(residuals_row: np.ndarray, residuals_col: np.ndarray) -> Tuple[float, float]:
    """F = var(row residuals) / var(col residuals) (ddof 1) and its two-sided p, F(n_r − 1, n_c − 1)."""
    a, b = np.asarray(residuals_row, float), np.asarray(residuals_col, float)
    va, vb = np.var(a, ddof=1), np.var(b, ddof=1)
    if not (va > 0 and vb > 0):
        return float("nan"), float("nan")
    f = va / vb
    dfn, dfd = a.size - 1, b.size - 1
    return float(f), float(min(1.0, 2 * min(stats.f.cdf(f, dfn, dfd), stats.f.sf(f, dfn, dfd))))


def kurtosis_check(residuals: np.ndarray) -> Tuple[float, bool]:
    """Pearson kurtosis of the residuals and whether it lies in [2, 4] (Sheikh et al. 2006)."""
    k = float(stats.kurtosis(residuals, fisher=False))
    return k, GAUSSIAN_KURTOSIS[0] <= k <= GAUSSIAN_KURTOSIS[1]


@dataclass
class SignificanceResult:
    """Per-pair tests (long table, one row per ordered pair) and per-metric residual checks."""

    pairs: pd.DataFrame
    residuals: pd.DataFrame
    metrics: List[str]
    alpha: float
    n_boot: int
    #: The paired bootstrap's unit: "items", or "references" (whole reference images, cluster bootstrap).
    resample: str = "items"
    #: The correction the matrices show (:data:`~.multiple_comparisons.CORRECTIONS`); ``pairs`` holds every one.
    correction: str = "none"

    def symbol_column(self, test: str) -> str:
        return f"{test}_symbol" if self.correction == "none" else f"{test}_symbol_{self.correction}"

    def matrix(self, test: str) -> pd.DataFrame:
        """metric × metric matrix of 1 / 0 / −1 for ``test`` under the result's correction (diagonal empty)."""
        table = self.pairs.pivot(index="row", columns="col", values=self.symbol_column(test))
        return table.reindex(index=self.metrics, columns=self.metrics)

    def f_marked(self) -> pd.DataFrame:
        """metric × metric booleans: the pair's F-test assumption fails (either kurtosis outside [2, 4])."""
        table = self.pairs.assign(marked=self.pairs["f_assumption"] != "ok").pivot(
            index="row", columns="col", values="marked")
        return table.reindex(index=self.metrics, columns=self.metrics).eq(True)  # missing pairs: False


def _oriented(spec: str, directions: Dict[str, bool], score_higher_is_better: Optional[bool]) -> float:
    if score_higher_is_better is None or spec not in directions:
        return 1.0
    return 1.0 if directions[spec] == score_higher_is_better else -1.0


def _score_draws(indices, y) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Per matrix of ``indices``: (draw counts, the resampled ranks of the subjective scores) -- the same
    for every metric on these items, so made once."""
    parts = []
    for idx in indices:
        draws = draw_counts(idx, y.size)
        parts.append((draws, resample_ranks(y, idx, draws)))
    return parts


def _resampled(indices, x, prediction, y, orientation: float,
               score_draws: Optional[List[Tuple[np.ndarray, np.ndarray]]] = None) -> Tuple[np.ndarray, np.ndarray]:
    """(oriented SROCC, PLCC of the mapped values) on each resample of ``indices`` (matrices of
    :func:`~.resampling.resample_indices`), in the order of the resamples; ``score_draws``: what
    :func:`_score_draws` made of these indices (made here when not given)."""
    srocc, plcc = [], []
    for idx, (draws, y_ranks) in zip(indices, score_draws or _score_draws(indices, y)):
        srocc.append(orientation * _rowwise_pearson(resample_ranks(x, idx, draws), y_ranks))
        plcc.append(_rowwise_pearson(prediction[idx], y[idx]))
    return np.concatenate(srocc), np.concatenate(plcc)


def compare_metrics(run: EvaluatedRun, specs: Optional[Sequence[str]] = None) -> SignificanceResult:
    """Every ordered pair of ``specs`` (default: the run's metrics) on the items where both have finite
    values and a fit exists, each mapped by the run's mapping (:meth:`~.evaluated_run.EvaluatedRun.mapped`).
    Under ``resample: references`` the paired bootstrap resamples whole reference images, as the main
    table's intervals do. Every pair also carries its Holm- and Benjamini–Hochberg-adjusted p-values and
    symbols (:func:`~.pairwise.compared`); the run's ``correct`` is the one the matrices show."""
    settings = run.settings
    specs = run.specs if specs is None else specs
    n_boot, alpha = settings.bootstrap, settings.alpha
    labels = run.clusters() if settings.resample == "references" else None
    scores, y_all = run.scores, run.subjective
    fitted, residual_rows = _fitted(run, specs)
    names = [s for s in specs if s in fitted]
    kurtoses = {r["metric"]: (r["kurtosis"], r["gaussian"]) for r in residual_rows}
    rng = np.random.default_rng(settings.seed)
    shared = _shared_resamples(run, names, fitted, labels, rng)
    rows = []
    for row, col in unordered_pairs(names):
        mask = fitted[row][0] & fitted[col][0]
        n = int(mask.sum())
        y = y_all[mask]
        xr, xc = scores[row].to_numpy(float)[mask], scores[col].to_numpy(float)[mask]
        pr, pc = fitted[row][1][mask], fitted[col][1][mask]
        f, f_p = f_test(pr - y, pc - y)
        plcc_r, plcc_c = stats.pearsonr(pr, y)[0], stats.pearsonr(pc, y)[0]
        w_t, w_p = williams_test(plcc_r, plcc_c, stats.pearsonr(pr, pc)[0], n)
        orient_r, orient_c = (_oriented(m, run.directions, run.score_higher_is_better) for m in (row, col))
        d_srocc = orient_r * stats.spearmanr(xr, y)[0] - orient_c * stats.spearmanr(xc, y)[0]
        out = {"row": row, "col": col, "n": n, "f": f, "f_p": f_p, "williams_t": w_t, "williams_p": w_p,
               "d_srocc": d_srocc, "d_plcc": plcc_r - plcc_c}
        if n_boot > 0 and shared:
            (srocc_r, plcc_rb), (srocc_c, plcc_cb) = shared[row], shared[col]
        elif n_boot > 0:
            indices = resample_indices(rng, n_boot, n, None if labels is None else labels[mask])
            (srocc_r, plcc_rb), (srocc_c, plcc_cb) = (_resampled(indices, xr, pr, y, orient_r),
                                                      _resampled(indices, xc, pc, y, orient_c))
        out.update(_bootstrap_columns({"srocc": srocc_r - srocc_c, "plcc": plcc_rb - plcc_cb} if n_boot > 0 else {},
                                      alpha))
        outside = [m for m in (row, col) if not kurtoses[m][1]]
        out["f_assumption"] = "ok" if not outside else \
            f"kurtosis outside [2, 4]: {', '.join(f'{m} {kurtoses[m][0]:.2f}' for m in outside)}"
        rows += [out, _mirrored(out)]
    for pair in rows:
        pair["kurtosis_row"], pair["kurtosis_col"] = kurtoses[pair["row"]][0], kurtoses[pair["col"]][0]
    pairs = compared(rows, PAIR_TESTS, alpha, PAIR_COLUMNS)
    return SignificanceResult(pairs, pd.DataFrame(residual_rows), names, alpha, n_boot,
                              "items" if labels is None else "references", settings.correct)


def _fitted(run: EvaluatedRun, specs: Sequence[str]) -> Tuple[Dict[str, Tuple[np.ndarray, np.ndarray]], List[dict]]:
    """(spec → (item mask, the run's prediction on all items) of each metric whose mapping fitted, one
    residual check per metric: n, Pearson kurtosis, whether it is in [2, 4], the fit's status)."""
    fitted, residual_rows, y = {}, [], run.subjective
    for spec in specs:
        mapped = run.mapped(spec)
        mask, model = mapped.mask, mapped.model
        if not model.ok:
            residual_rows.append({"metric": spec, "n": int(mask.sum()), "kurtosis": float("nan"),
                                  "gaussian": False, "status": model.result_.status})
            continue
        fitted[spec] = (mask, mapped.prediction)
        kurtosis, gaussian = kurtosis_check(mapped.prediction[mask] - y[mask])
        residual_rows.append({"metric": spec, "n": int(mask.sum()), "kurtosis": kurtosis, "gaussian": gaussian,
                              "status": "ok"})
    return fitted, residual_rows


def _shared_resamples(run: EvaluatedRun, names: Sequence[str], fitted, labels, rng) -> Dict[str, tuple]:
    """When every metric has values on the same items (the usual case) one set of resamples serves every
    pair: each metric's resampled SROCC / PLCC, computed once (pairs take differences); {} otherwise."""
    n_boot = run.settings.bootstrap
    if not (n_boot > 0 and names and all(np.array_equal(fitted[m][0], fitted[names[0]][0]) for m in names)):
        return {}
    mask = fitted[names[0]][0]
    y = run.subjective[mask]
    indices = resample_indices(rng, n_boot, int(mask.sum()), None if labels is None else labels[mask])
    score_draws = _score_draws(indices, y)
    return {spec: _resampled(indices, run.values(spec)[mask], fitted[spec][1][mask], y,
                             _oriented(spec, run.directions, run.score_higher_is_better), score_draws)
            for spec in names}


def _bootstrap_columns(differences: Dict[str, np.ndarray], alpha: float) -> Dict[str, float]:
    """Per paired bootstrap (srocc, plcc): the percentile interval of the resampled differences and the
    two-sided p, twice the smaller share of them beyond 0; NaN without resamples."""
    out = {}
    for key in ("srocc", "plcc"):
        samples = differences.get(key)
        if samples is None:
            out[f"d_{key}_lo"] = out[f"d_{key}_hi"] = out[f"{key}_p"] = float("nan")
            continue
        lo, hi = np.nanpercentile(samples, (100 * alpha / 2, 100 * (1 - alpha / 2)))
        share = min(np.mean(samples <= 0), np.mean(samples >= 0))
        out[f"d_{key}_lo"], out[f"d_{key}_hi"], out[f"{key}_p"] = float(lo), float(hi), float(min(1.0, 2 * share))
    return out


def _mirrored(out: dict) -> dict:
    """The pair's row seen from its column metric: the statistics inverted or negated, intervals flipped,
    the p-values shared."""
    f = out["f"]
    return {"row": out["col"], "col": out["row"], "n": out["n"], "f": 1 / f if f else float("nan"),
            "f_p": out["f_p"], "williams_t": -out["williams_t"], "williams_p": out["williams_p"],
            "d_srocc": -out["d_srocc"], "d_plcc": -out["d_plcc"],
            "d_srocc_lo": -out["d_srocc_hi"], "d_srocc_hi": -out["d_srocc_lo"],
            "d_plcc_lo": -out["d_plcc_hi"], "d_plcc_hi": -out["d_plcc_lo"],
            "srocc_p": out["srocc_p"], "plcc_p": out["plcc_p"], "f_assumption": out["f_assumption"]}


def _interval_decides(test: str):
    """The paired bootstrap's symbol: 1 where the interval of the difference lies above 0, −1 below, 0 where
    it holds 0, NaN without resamples."""
    def decide(pairs: pd.DataFrame, alpha: float) -> np.ndarray:
        lo, hi = pairs[f"d_{test}_lo"].to_numpy(float), pairs[f"d_{test}_hi"].to_numpy(float)
        return np.where(~np.isfinite(lo), np.nan, np.where(lo > 0, 1.0, np.where(hi < 0, -1.0, 0.0)))
    return decide


#: The four tests, each with which metric of a pair it finds better (the F-test: the smaller residual
#: variance, F < 1; Williams': the larger PLCC, t > 0; the bootstraps: the larger ΔSROCC / ΔPLCC).
PAIR_TESTS = (PairTest("f", lambda t: sign_of(1 - t["f"].to_numpy(float))),
              higher_is_better("williams", "williams_t"),
              PairTest("srocc", higher_is_better("srocc").better, _interval_decides("srocc")),
              PairTest("plcc", higher_is_better("plcc").better, _interval_decides("plcc")))
PAIR_COLUMNS = ("row", "col", "n", "f", "f_p", "williams_t", "williams_p", "d_srocc", "d_srocc_lo", "d_srocc_hi",
                "srocc_p", "d_plcc", "d_plcc_lo", "d_plcc_hi", "plcc_p", "kurtosis_row", "kurtosis_col",
                "f_assumption")
