"""Regression stage: nonlinear fit of a metric to subjective scores, then RMSE / PLCC / SROCC / KROCC.

Conventions (VQEG; Sheikh, Sabir & Bovik 2006):

* the default mapping is the 5-parameter logistic
  ``Q(x) = b1 · (1/2 − 1/(1 + exp(b2 · (x − b3)))) + b4 · x + b5`` on the standardised metric values;
  ``logistic4`` is VQEG's 4-parameter logistic, ``cubic`` a third-order polynomial, ``none`` no mapping
  (PLCC of the raw values, no RMSE: pyiqa's protocol). Every mapping is monotone on the observed metric
  range by construction (VQEG, ITU-T P.1401): the monotone fit of least squared error over a fixed set of
  starts (:mod:`iqa_bench.monotone_fits`);
* RMSE (in the subjective score's units) and PLCC are computed after the fit; SROCC and KROCC on the
  raw metric values (signed: a distance against a higher-is-better MOS correlates negatively);
* 95 % confidence intervals by a seeded, vectorised percentile bootstrap over items. For RMSE/PLCC
  the fitted curve is held fixed (the interval reflects item sampling, not refitting).
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
from scipy import optimize, stats

from .monotone_fits import fit_monotone_cubic, fit_monotone_logistic5

FITS = ("logistic5", "logistic4", "cubic", "none")
#: ``--fit all``: the protocols of the fit-sensitivity table, in this order (no fit is pyiqa's protocol,
#: the 4-parameter logistic VQEG's, the 5-parameter logistic Sheikh et al. 2006's).
PROTOCOLS = ("none", "logistic4", "logistic5", "cubic")
MIN_ITEMS = 8
#: How the captions state the rule of every mapping but "none".
MONOTONE_RULE = "each mapping the least-squares monotone one on the metric's range"


def fit_caption(fits) -> str:
    """``fit logistic5 (…rule…)`` for a table's caption: the fits named, the monotone rule said when one
    of them is a mapping."""
    fits = sorted(str(f) for f in fits)
    rule = f" ({MONOTONE_RULE})" if any(f != "none" for f in fits) else ""
    return f"fit {', '.join(fits)}{rule}"


def logistic5(x, b1, b2, b3, b4, b5):
    """The 5-parameter logistic of Sheikh et al. 2006 (Eq. in Sec. IV-B of the LIVE study)."""
    with np.errstate(over="ignore"):  # exp → inf gives the limit 0 exactly
        return b1 * (0.5 - 1.0 / (1.0 + np.exp(b2 * (x - b3)))) + b4 * x + b5


#: Resamples of at most this many items get Kendall's tau from the signs of all their pairs at once;
#: larger ones one scipy call per resample (O(n log n) each, faster beyond ≈ 100 items).
PAIRWISE_KENDALL_MAX_ITEMS = 64
#: Elements of one block of pair differences in :func:`rowwise_kendall_tau_b` (16 MB of float64).
PAIRWISE_BLOCK = 2 ** 21


def rowwise_kendall_tau_b(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each row of ``a`` with the same row of ``b`` (B×n), bit-identical to
    ``scipy.stats.kendalltau(a[k], b[k]).statistic`` (tested, ties included).

    tau_b = (n_c − n_d) / √(n₀ − n₁) / √(n₀ − n₂) with, over the pairs i < j, n_c − n_d =
    Σ sgn(a_i − a_j) sgn(b_i − b_j) and n₀ − n₁ = #{sgn(a_i − a_j) ≠ 0} (likewise n₂ for b): integers,
    divided in scipy's order; NaN when either row is constant. Small rows are done for all resamples at
    once in blocks of :data:`PAIRWISE_BLOCK` pair differences, larger ones by scipy's routine per row
    (called past its argument-checking wrapper, which costs more than the O(n log n) count itself)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    rows, n = a.shape
    if n > PAIRWISE_KENDALL_MAX_ITEMS:
        kendalltau = getattr(stats.kendalltau, "__wrapped__", stats.kendalltau)
        return np.array([kendalltau(x, y)[0] for x, y in zip(a, b)], dtype=np.float64)
    i, j = np.triu_indices(n, 1)
    out = np.empty(rows, dtype=np.float64)
    step = max(1, PAIRWISE_BLOCK // max(i.size, 1))
    for start in range(0, rows, step):
        block = slice(start, start + step)
        sign_a = np.sign(a[block, i] - a[block, j]).astype(np.int8)
        sign_b = np.sign(b[block, i] - b[block, j]).astype(np.int8)
        concordance = np.einsum("kp,kp->k", sign_a, sign_b, dtype=np.int64)
        untied_a, untied_b = np.count_nonzero(sign_a, axis=1), np.count_nonzero(sign_b, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = concordance / np.sqrt(untied_a) / np.sqrt(untied_b)
        tau[(untied_a == 0) | (untied_b == 0)] = np.nan
        out[block] = np.clip(tau, -1.0, 1.0)
    return out


def logistic4(x, b1, b2, b3, b4):
    """The 4-parameter logistic of VQEG (FR-TV Phase II, and ITU-T P.1401's monotonic mapping):
    ``Q(x) = (b1 − b2) / (1 + exp(−(x − b3) / |b4|)) + b2``."""
    with np.errstate(over="ignore"):
        return (b1 - b2) / (1.0 + np.exp(-(x - b3) / np.abs(b4))) + b2


def _rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    denom = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(-1) / denom


@dataclass
class FitResult:
    kind: str
    params: Optional[np.ndarray]
    status: str  # "ok" or a reason the fit failed


#: Logistic fits already made in this process, by (kind, SHA-256 of the exact bytes of z and y): a run fits each
#: metric's overall curve for its table, again for the figures and the significance tests; a fit is a
#: deterministic function of its data, so the second asks get the first's result (bounded, FIFO).
_FITS: "Dict[tuple, FitResult]" = {}
FIT_MEMORY = 512


def _remembered_fit(kind: str, z: np.ndarray, y: np.ndarray, fit) -> FitResult:
    key = (kind, z.size, hashlib.sha256(z.tobytes() + b"|" + y.tobytes()).digest())
    if key not in _FITS:
        if len(_FITS) >= FIT_MEMORY:
            _FITS.pop(next(iter(_FITS)))
        _FITS[key] = fit(z, y)
    return _FITS[key]


def _best_fit(kind: str, function, z: np.ndarray, y: np.ndarray, starts) -> FitResult:
    """``curve_fit`` of ``function`` from each start in turn (warnings silenced, up to 20000 evaluations);
    the converged fit with finite parameters and the smallest squared error wins (the first on a tie)."""
    best, best_sse, last_error = None, np.inf, "no attempt converged"
    for p0 in starts:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                params, _ = optimize.curve_fit(function, z, y, p0=p0, maxfev=20000)
        except (RuntimeError, ValueError, optimize.OptimizeWarning) as err:
            last_error = str(err)
            continue
        residual = function(z, *params) - y
        sse = float(residual @ residual)
        if np.all(np.isfinite(params)) and np.isfinite(sse) and sse < best_sse:
            best, best_sse = params, sse
    if best is None:
        return FitResult(kind, None, f"logistic fit failed: {last_error}")
    return FitResult(kind, best, "ok")


def _fit_cubic(z, y) -> FitResult:
    """The least-squares cubic, or the monotone cubic of least squared error when that one is not
    monotone on the data range (:func:`fit_monotone_cubic`)."""
    params = fit_monotone_cubic(z, y)
    if params is None:
        return FitResult("cubic", None, "monotone cubic fit failed: no start converged")
    return FitResult("cubic", params, "ok")


class MetricRegression:
    """scikit-learn style: ``MetricRegression().fit(x, y).report()``.

    Parameters: ``fit`` ("logistic5", "logistic4", "cubic" or "none": PLCC of the raw values),
    ``n_boot`` bootstrap resamples (≥ 1000 for published intervals; 0 disables intervals), ``seed``,
    ``alpha`` (0.05: 95 % intervals). ``fit(x, y, clusters=...)`` with one label per item (the reference
    image) makes the bootstrap resample whole clusters (cluster bootstrap): distortions of one source
    image are not independent samples, and resampling items alone understates the interval.
    """

    def __init__(self, fit: str = "logistic5", n_boot: int = 1000, seed: int = 0, alpha: float = 0.05):
        if fit not in FITS:
            raise ValueError(f"unknown fit {fit!r}; valid fits: {', '.join(FITS)}")
        self.fit_kind, self.n_boot, self.seed, self.alpha = fit, int(n_boot), int(seed), float(alpha)

    # -- fitting --------------------------------------------------------------------------
    def fit(self, x, y, clusters=None) -> "MetricRegression":
        x = np.asarray(x, dtype=np.float64).ravel()
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError(f"x and y lengths differ: {x.size} vs {y.size}")
        keep = np.isfinite(x) & np.isfinite(y)
        self.n_dropped_ = int((~keep).sum())
        self.x_, self.y_ = x[keep], y[keep]
        self.clusters_ = None
        if clusters is not None:
            clusters = np.asarray(clusters).ravel()
            if clusters.shape != x.shape:
                raise ValueError(f"clusters and x lengths differ: {clusters.size} vs {x.size}")
            self.clusters_ = clusters[keep]
        self.center_ = float(np.mean(self.x_)) if self.x_.size else 0.0
        spread = float(np.std(self.x_)) if self.x_.size else 0.0
        self.scale_ = spread if spread > 0 else 1.0
        if self.x_.size < MIN_ITEMS:
            self.result_ = FitResult(self.fit_kind, None, f"too few items ({self.x_.size} < {MIN_ITEMS})")
        elif spread == 0:
            self.result_ = FitResult(self.fit_kind, None, "metric is constant: nothing to fit")
        elif self.fit_kind == "cubic":
            self.result_ = _remembered_fit("cubic", self._z(self.x_), self.y_, _fit_cubic)
        elif self.fit_kind == "none":
            self.result_ = FitResult("none", np.zeros(0), "ok")
        else:
            self.result_ = _remembered_fit(self.fit_kind, self._z(self.x_), self.y_,
                                           self._fit_logistic4 if self.fit_kind == "logistic4" else self._fit_logistic)
        return self

    def _fit_logistic4(self, z, y) -> FitResult:
        """VQEG's 4-parameter logistic: asymptotes from the score range, oriented by the rank
        correlation, several slopes; the converged fit with the smallest squared error wins."""
        low, high = float(np.min(y)), float(np.max(y))
        if stats.spearmanr(z, y)[0] < 0:
            low, high = high, low
        # slopes in units of the robust spread of z (IQR / 1.349 = σ for normal data): a few extreme values
        # (TID2013's 100000 for identical pairs) must not set the scale of the start
        spread = float(np.subtract(*np.percentile(z, [75, 25]))) / 1.349 or 1.0
        starts = [[high, low, float(np.median(z)), slope * spread] for slope in (1.0, 0.3, 3.0)]
        return _best_fit("logistic4", logistic4, z, y, starts)

    def _z(self, x):
        return (np.asarray(x, dtype=np.float64) - self.center_) / self.scale_

    @staticmethod
    def _fit_logistic(z, y) -> FitResult:
        """The monotone logistic-5 of least squared error (:func:`fit_monotone_logistic5`)."""
        params = fit_monotone_logistic5(z, y)
        if params is None:
            return FitResult("logistic5", None, "monotone logistic fit failed: no start converged")
        return FitResult("logistic5", params, "ok")

    @property
    def params_(self) -> Optional[np.ndarray]:
        """Fitted parameters in the metric's own units (b1..b5 of :func:`logistic5`, or the cubic's
        coefficients highest power first); None when the fit failed."""
        if not self.ok:
            return None
        c, s = self.center_, self.scale_
        if self.result_.kind == "none":
            return np.zeros(0)
        if self.result_.kind == "logistic4":
            b1, b2, b3, b4 = self.result_.params
            return np.array([b1, b2, c + s * b3, s * abs(b4)])
        if self.result_.kind == "cubic":
            # p(z) with z = (x - c) / s, expanded into powers of x.
            return np.polyval(self.result_.params, np.poly1d([1.0 / s, -c / s])).coeffs
        b1, b2, b3, b4, b5 = self.result_.params
        return np.array([b1, b2 / s, c + s * b3, b4 / s, b5 - b4 * c / s])

    @property
    def ok(self) -> bool:
        return self.result_.params is not None

    def predict(self, x) -> np.ndarray:
        """Fitted subjective score for metric values ``x`` (NaN when the fit failed)."""
        z = self._z(x)
        if not self.ok:
            return np.full(np.shape(z), np.nan)
        if self.result_.kind == "none":
            return np.asarray(x, dtype=np.float64)
        if self.result_.kind == "cubic":
            return np.polyval(self.result_.params, z)
        if self.result_.kind == "logistic4":
            return logistic4(z, *self.result_.params)
        return logistic5(z, *self.result_.params)

    # -- statistics -----------------------------------------------------------------------
    def report(self) -> Dict[str, float]:
        """n, fit status, RMSE/PLCC/SROCC/KROCC and their ``_lo``/``_hi`` bootstrap bounds."""
        x, y = self.x_, self.y_
        out: Dict[str, object] = {"n": int(x.size), "fit": self.fit_kind, "status": self.result_.status,
                                  "resample": "items" if self.clusters_ is None else "clusters"}
        nan = float("nan")
        if x.size < 3 or np.ptp(x) == 0:
            for key in ("rmse", "plcc", "srocc", "krocc"):
                out[key] = out[key + "_lo"] = out[key + "_hi"] = nan
            return out
        pred = self.predict(x)
        out["srocc"] = float(stats.spearmanr(x, y)[0])
        out["krocc"] = float(stats.kendalltau(x, y)[0])
        out["plcc"] = float(stats.pearsonr(pred, y)[0]) if self.ok else nan
        # without a mapping the metric is not in the score's units: no RMSE (pyiqa reports none either)
        out["rmse"] = float(np.sqrt(np.mean((pred - y) ** 2))) if self.ok and self.fit_kind != "none" else nan
        out.update(self._bootstrap(x, y, pred))
        return out

    def _resamples(self, rng, n: int):
        """Index matrices of the bootstrap resamples: one n_boot × n matrix of items drawn with
        replacement; with clusters, whole clusters drawn with replacement (as many as there are), the
        resamples grouped by their length (equal cluster sizes give one matrix)."""
        if self.clusters_ is None:
            return [rng.integers(0, n, size=(self.n_boot, n))]
        _, inverse = np.unique(self.clusters_, return_inverse=True)
        members = [np.flatnonzero(inverse == k) for k in range(inverse.max() + 1)]
        by_length: Dict[int, list] = {}
        for chosen in rng.integers(0, len(members), size=(self.n_boot, len(members))):
            rows = np.concatenate([members[k] for k in chosen])
            by_length.setdefault(rows.size, []).append(rows)
        return [np.stack(rows) for rows in by_length.values()]

    def _bootstrap(self, x, y, pred) -> Dict[str, float]:
        keys = ("rmse", "plcc", "srocc", "krocc")
        if self.n_boot <= 0:
            return {f"{k}_{b}": float("nan") for k in keys for b in ("lo", "hi")}
        rng = np.random.default_rng(self.seed)
        parts: Dict[str, list] = {}
        for idx in self._resamples(rng, x.size):
            xb, yb = x[idx], y[idx]
            parts.setdefault("srocc", []).append(_rowwise_pearson(stats.rankdata(xb, axis=1),
                                                                  stats.rankdata(yb, axis=1)))
            parts.setdefault("krocc", []).append(rowwise_kendall_tau_b(xb, yb))
            if self.ok:
                pb = pred[idx]
                parts.setdefault("plcc", []).append(_rowwise_pearson(pb, yb))
                if self.fit_kind != "none":
                    parts.setdefault("rmse", []).append(np.sqrt(np.mean((pb - yb) ** 2, axis=1)))
        samples = {key: np.concatenate(values) for key, values in parts.items()}
        out = {}
        q = (100 * self.alpha / 2, 100 * (1 - self.alpha / 2))
        for key in keys:
            values = samples.get(key)
            if values is None or not np.isfinite(values).any():
                out[f"{key}_lo"] = out[f"{key}_hi"] = float("nan")
            else:
                lo, hi = np.nanpercentile(values, q)
                out[f"{key}_lo"], out[f"{key}_hi"] = float(lo), float(hi)
        return out
