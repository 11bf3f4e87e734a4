"""Regression stage: nonlinear fit of a metric to subjective scores, then RMSE / PLCC / SROCC / KROCC.

Conventions (VQEG; Sheikh, Sabir & Bovik 2006):

* the default mapping is the 5-parameter logistic
  ``Q(x) = b1 · (1/2 − 1/(1 + exp(b2 · (x − b3)))) + b4 · x + b5`` on the standardised metric values;
  ``logistic4`` is VQEG's 4-parameter logistic, ``cubic`` a third-order polynomial, ``none`` no mapping
  (PLCC of the raw values, no RMSE: pyiqa's protocol). Every mapping is monotone on the observed metric
  range by construction (VQEG, ITU-T P.1401): the monotone fit of least squared error over a fixed set of
  starts (:mod:`iqa_bench.stats.monotone_fits`);
* RMSE (in the subjective score's units) and PLCC are computed after the fit; SROCC and KROCC on the
  raw metric values (signed: a distance against a higher-is-better MOS correlates negatively);
* 95 % confidence intervals by a seeded, vectorised percentile bootstrap over items. For RMSE/PLCC
  the fitted curve is held fixed (the interval reflects item sampling, not refitting).
"""
from __future__ import annotations

import hashlib
import warnings
from typing import Dict, Optional

import numpy as np
from scipy import optimize, stats

from .choices import FITS
from .fit_memory import FitMemory, FitResult, fit_key
from .monotone_fits import fit_monotone_cubic, fit_monotone_logistic5
from ..parallel import map_forked
from .resample_ranks import draw_counts, resample_kendall_tau_b, resample_ranks
from .resampling import ResampleMemory, resample_indices

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


def _moderate(values: np.ndarray) -> np.ndarray:
    """``values`` divided by their largest magnitude where squaring them would overflow or underflow
    (beyond 1e±100); unchanged otherwise (Pearson's r does not depend on the scale)."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    return values / peak if np.isfinite(peak) and (peak > 1e100 or 0 < peak < 1e-100) else values


def logistic4(x, b1, b2, b3, b4):
    """The 4-parameter logistic of VQEG (FR-TV Phase II, and ITU-T P.1401's monotonic mapping):
    ``Q(x) = (b1 − b2) / (1 + exp(−(x − b3) / |b4|)) + b2``."""
    with np.errstate(over="ignore"):
        return (b1 - b2) / (1.0 + np.exp(-(x - b3) / np.abs(b4))) + b2


def _rowwise_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = _moderate(a), _moderate(b)
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    denom = np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(-1) / denom




#: Models below which :func:`fit_and_report` does not start worker processes.
PARALLEL_MIN_FITS = 8


def _fitted_report(model: "MetricRegression", memory: Optional[ResampleMemory] = None):
    """(fit, report) of a model holding its data (a worker's job: the fit made unless the model has it)."""
    if getattr(model, "result_", None) is None:
        model.result_ = model._result()
    return model.result_, model.report(memory)


def fit_and_report(models, workers: Optional[int] = None) -> list:
    """``model.fit(x, y, clusters).report()`` for each (model, x, y, clusters): the fitted models and their
    reports, made in ``workers`` processes at once (:func:`~iqa_bench.parallel.map_forked`; fewer than
    :data:`PARALLEL_MIN_FITS` models: in this process). A worker makes exactly the computation a serial run
    makes (the fits and the seeded bootstraps are functions of their data alone); the fits made are
    remembered in each model's ``memory`` (:class:`~iqa_bench.stats.fit_memory.FitMemory`) as if made here."""
    fitted = [model._take(x, y, clusters) for model, x, y, clusters in models]
    for model in fitted:
        job, memory = model._job(), model.memory
        known = memory.get(fit_key(*job)) if job is not None and memory is not None else None
        model.result_ = known if job is not None else model._result()
    resamples = ResampleMemory()  # each worker fills its own copy; the models of one subset come in a row
    done = map_forked(lambda model: _fitted_report(model, resamples), fitted, workers, minimum=PARALLEL_MIN_FITS,
                      cost=lambda m: m.x_.size)
    out = []
    for model, (result, report) in zip(fitted, done):
        job, memory = model._job(), model.memory
        if job is not None and memory is not None:
            result = memory.remember(fit_key(*job), result)
        model.result_ = result
        out.append((model, report))
    return out


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


def _fit_logistic4(z, y) -> FitResult:
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


def _fit_logistic5(z, y) -> FitResult:
    """The monotone logistic-5 of least squared error (:func:`fit_monotone_logistic5`)."""
    params = fit_monotone_logistic5(z, y)
    if params is None:
        return FitResult("logistic5", None, "monotone logistic fit failed: no start converged")
    return FitResult("logistic5", params, "ok")


#: The fitting function of each mapping (z standardised metric values, y scores).
FITTERS = {"logistic5": _fit_logistic5, "logistic4": _fit_logistic4, "cubic": _fit_cubic}


class MetricRegression:
    """scikit-learn style: ``MetricRegression().fit(x, y).report()``.

    Parameters: ``fit`` ("logistic5", "logistic4", "cubic" or "none": PLCC of the raw values),
    ``n_boot`` bootstrap resamples (≥ 1000 for published intervals; 0 disables intervals), ``seed``,
    ``alpha`` (0.05: 95 % intervals). ``fit(x, y, clusters=...)`` with one label per item (the reference
    image) makes the bootstrap resample whole clusters (cluster bootstrap): distortions of one source
    image are not independent samples, and resampling items alone understates the interval.

    ``memory`` (a :class:`~iqa_bench.stats.fit_memory.FitMemory`, as scikit-learn's ``memory=``): the
    curve fits already made on the same data are taken from it and new ones put in it; the run that owns
    it (:class:`~iqa_bench.stats.evaluated_run.EvaluatedRun`) hands it to every model it makes. Without
    one, each fit is made.
    """

    def __init__(self, fit: str = "logistic5", n_boot: int = 1000, seed: int = 0, alpha: float = 0.05,
                 memory: Optional[FitMemory] = None):
        if fit not in FITS:
            raise ValueError(f"unknown fit {fit!r}; valid fits: {', '.join(FITS)}")
        self.fit_kind, self.n_boot, self.seed, self.alpha = fit, int(n_boot), int(seed), float(alpha)
        self.memory = memory

    # -- fitting --------------------------------------------------------------------------
    def fit(self, x, y, clusters=None) -> "MetricRegression":
        self._take(x, y, clusters)
        self.result_ = self._result()
        return self

    def _take(self, x, y, clusters=None) -> "MetricRegression":
        """The finite items and the standardisation of x (fit's first half)."""
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
        # in units of the largest |x| first: values near 1e300 (whose squares overflow) or 1e-300 (whose
        # squares underflow to 0, a "constant" metric) standardise as well as values near 1
        peak = float(np.max(np.abs(self.x_))) if self.x_.size else 0.0
        unit = peak if np.isfinite(peak) and peak > 0 else 1.0
        self.center_ = unit * float(np.mean(self.x_ / unit)) if self.x_.size else 0.0
        self.spread_ = unit * float(np.std(self.x_ / unit)) if self.x_.size else 0.0
        self.scale_ = self.spread_ if self.spread_ > 0 else 1.0
        return self

    def _job(self):
        """(kind, z, y) of the curve to fit, or None when there is none (too few items, a constant
        metric, no mapping)."""
        if self.x_.size < MIN_ITEMS or self.spread_ == 0 or self.fit_kind == "none":
            return None
        return self.fit_kind, self._z(self.x_), self.y_

    def _result(self) -> FitResult:
        if self.x_.size < MIN_ITEMS:
            return FitResult(self.fit_kind, None, f"too few items ({self.x_.size} < {MIN_ITEMS})")
        if self.spread_ == 0:
            return FitResult(self.fit_kind, None, "metric is constant: nothing to fit")
        if self.fit_kind == "none":
            return FitResult("none", np.zeros(0), "ok")
        try:
            kind, z, y = self._job()
            if self.memory is None:
                return FITTERS[kind](z, y)
            return self.memory.fitted(kind, z, y, FITTERS)
        except (np.linalg.LinAlgError, FloatingPointError, OverflowError) as err:  # that metric's fit, not the run
            return FitResult(self.fit_kind, None, f"fit failed ({type(err).__name__}: {err})")

    def _z(self, x):
        return (np.asarray(x, dtype=np.float64) - self.center_) / self.scale_

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
    def report(self, memory: "Optional[ResampleMemory]" = None) -> Dict[str, float]:
        """n, fit status, RMSE/PLCC/SROCC/KROCC and their ``_lo``/``_hi`` bootstrap bounds. ``memory``:
        resamples shared with other metrics on the same items (the same values either way)."""
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
        out.update(self._bootstrap(x, y, pred, memory))
        return out

    def _resamples(self, rng, n: int):
        """Index matrices of the bootstrap resamples: one n_boot × n matrix of items drawn with
        replacement; with clusters, whole clusters drawn with replacement (as many as there are), the
        resamples grouped by their length (equal cluster sizes give one matrix)."""
        return resample_indices(rng, self.n_boot, n, self.clusters_)

    def _shared_resamples(self, y, memory: Optional[ResampleMemory]):
        """Per index matrix of :meth:`_resamples`: (indices, draw counts, resampled y, its ranks). They
        depend on the seed, the count, the items' clusters and y alone -- not on the metric -- so the
        ``memory`` (:func:`fit_and_report` gives one to :meth:`report`) serves them to every metric of a
        subset."""
        clusters = b"" if self.clusters_ is None else np.unique(self.clusters_, return_inverse=True)[1].tobytes()
        key = (self.seed, self.n_boot, y.size, hashlib.sha256(y.tobytes() + b"|" + clusters).digest())
        found = memory.get(key) if memory is not None else None
        if found is None:
            found = [(idx, draws, y[idx], resample_ranks(y, idx, draws))
                     for idx in self._resamples(np.random.default_rng(self.seed), y.size)
                     for draws in [draw_counts(idx, y.size)]]
            if memory is not None:
                memory.put(key, found)
        return found

    def _bootstrap(self, x, y, pred, memory: Optional[ResampleMemory] = None) -> Dict[str, float]:
        keys = ("rmse", "plcc", "srocc", "krocc")
        if self.n_boot <= 0:
            return {f"{k}_{b}": float("nan") for k in keys for b in ("lo", "hi")}
        parts: Dict[str, list] = {}
        for idx, draws, yb, ranks_y in self._shared_resamples(y, memory):
            parts.setdefault("srocc", []).append(_rowwise_pearson(resample_ranks(x, idx, draws), ranks_y))
            parts.setdefault("krocc", []).append(resample_kendall_tau_b(x, y, idx, draws))
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
