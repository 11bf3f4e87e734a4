"""The statistics of a run's tables: one row per (metric, group) of the regression protocol (fitted
RMSE / PLCC / SROCC / KROCC with intervals, leave-one-reference-out range, sign check), or the 2AFC
scores; rendered by :mod:`iqa_bench.reports.tables` and :mod:`iqa_bench.reports.twoafc`.

Correlations are kept signed; when the metric's declared direction and the subjective score's
direction are known, a correlation whose sign contradicts them (PSNR rising with DMOS, say) is flagged
in the ``sign`` column and logged.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Dict, Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .evaluated_run import REFERENCE, EvaluatedRun, StatisticsSettings
from .fit_memory import FitMemory
from .regression import MetricRegression, fit_and_report
from .twoafc import summarize_2afc
from ..errors import OptionError

ALL = "all"
INVERTED = "inverted"
INVERTED_NOTE = ("correlation sign contradicts the metric's declared direction and the score's direction: "
                 "the metric ranks the images backwards")

log = logging.getLogger(__name__)


def expected_sign(metric_higher_is_better: Optional[bool], score_higher_is_better: Optional[bool]) -> int:
    """+1 when the metric should rise with the score, -1 when it should fall, 0 when unknown."""
    if metric_higher_is_better is None or score_higher_is_better is None:
        return 0
    return 1 if bool(metric_higher_is_better) == bool(score_higher_is_better) else -1


def sign_status(srocc: float, expected: int) -> str:
    """"inverted" when a non-zero SROCC has the sign opposite to the expected one, "ok" when it agrees,
    "" when either is unknown."""
    if expected == 0 or not np.isfinite(srocc) or srocc == 0:
        return ""
    return INVERTED if np.sign(srocc) != expected else "ok"


def leave_one_reference_out(part: pd.DataFrame, metric: str, reference: str = REFERENCE) -> Dict[str, float]:
    """The smallest and largest SROCC over the item sets that leave out one reference image's items
    (how much one source image moves the figure)."""
    values = []
    for ref in part[reference].dropna().unique():
        kept = part[part[reference] != ref]
        x, y = kept[metric].to_numpy(float), kept["score"].to_numpy(float)
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.sum() >= 3 and np.ptp(x[finite]) > 0:
            values.append(stats.spearmanr(x[finite], y[finite])[0])
    if len(values) < 2:
        return {"srocc_loro_min": float("nan"), "srocc_loro_max": float("nan")}
    return {"srocc_loro_min": float(np.min(values)), "srocc_loro_max": float(np.max(values))}


def summarize(scores: pd.DataFrame, metrics: Sequence[str], settings: Optional[StatisticsSettings] = None,
              directions: Optional[Dict[str, bool]] = None, score_higher_is_better: Optional[bool] = None,
              workers: Optional[int] = None, memory: Optional[FitMemory] = None) -> pd.DataFrame:
    """Regression statistics per metric, overall and (with ``settings.by``) per value of that grouping.

    ``scores`` has a ``score`` column (subjective), one column per metric, and group columns
    (``group:<name>``). ``settings`` (:class:`~.evaluated_run.StatisticsSettings`; default: its defaults):
    the fit, the bootstrap's resamples and seed, the grouping ``by`` and the bootstrap's unit (``resample:
    references``: whole reference images, a cluster bootstrap). ``directions`` (metric -> higher is better)
    and ``score_higher_is_better`` enable the sign check. Where the scores have a reference grouping, the
    overall rows also carry the leave-one-reference-out SROCC range (``srocc_loro_min`` /
    ``srocc_loro_max``). ``workers``: processes for the fits and bootstraps
    (:func:`~iqa_bench.stats.regression.fit_and_report`; default every available core); ``memory``: the
    run's curve fits (:class:`~.fit_memory.FitMemory`), taken from and added to.
    """
    settings = settings or StatisticsSettings()
    fit, n_boot, seed = settings.fit, settings.bootstrap, settings.seed
    by = f"group:{settings.by}" if settings.by else None
    clusters = REFERENCE if settings.resample == "references" else None
    if clusters is not None and clusters not in scores.columns:
        raise ValueError(f"resample: references needs a reference grouping, and these scores have none "
                         f"(groups: {', '.join(c[6:] for c in scores.columns if c.startswith('group:')) or 'none'})")
    if by is not None and by not in scores.columns:
        raise OptionError("by", f"{{option}} {by!r}: no such grouping; available: "
                         f"{', '.join(c for c in scores.columns if c.startswith('group:'))}")
    subsets = [(ALL, scores)]
    if by is not None:
        subsets += [(str(value), part) for value, part in scores.groupby(by, sort=True)]
    # subset by subset, so the metrics of one subset share its resamples; the rows metric by metric
    cells = [(metric, group, part) for group, part in subsets for metric in metrics]
    reports = dict(zip([(metric, group) for metric, group, _ in cells], fit_and_report(
        [(MetricRegression(fit=fit, n_boot=n_boot, seed=seed, memory=memory), part[metric], part["score"],
          part[clusters] if clusters else None) for metric, _, part in cells], workers)))
    rows = []
    for metric, group, part in [(metric, group, part) for metric in metrics for group, part in subsets]:
        model, report = reports[(metric, group)]
        if group == ALL and REFERENCE in part.columns:
            report.update(leave_one_reference_out(part, metric))
        expected = expected_sign((directions or {}).get(metric), score_higher_is_better)
        sign = sign_status(report["srocc"], expected)
        if sign == INVERTED:
            log.warning("%s (%s): SROCC %+.3f, expected %s: %s", metric, group, report["srocc"],
                        "positive" if expected > 0 else "negative", INVERTED_NOTE)
        rows.append({"metric": metric, "group": group, **report, "n_missing": model.n_dropped_,
                     "sign": sign})
    return pd.DataFrame(rows)


def build_summary(run: EvaluatedRun) -> pd.DataFrame:
    """Regression statistics (per group of ``run.settings.by``), 2AFC scores or JND mAP (per subset), by the run's
    protocol. With the subjective score's direction a correlation of the wrong sign is flagged
    (tables.sign_status); ``resample: references`` bootstraps whole reference images (cluster bootstrap)."""
    settings = run.settings
    if run.protocol == "2afc":
        return summarize_2afc(run.scores, run.specs, run.directions, n_boot=settings.bootstrap, seed=settings.seed)
    if run.protocol == "jnd":
        from .jnd import summarize_jnd

        return summarize_jnd(run.scores, run.specs, run.directions, n_boot=settings.bootstrap, seed=settings.seed)
    if settings.by and f"group:{settings.by}" not in run.scores.columns:
        settings = dataclasses.replace(settings, by=None)  # a grouping these items lack: overall rows only
    return summarize(run.scores, run.specs, settings, dict(run.directions), run.score_higher_is_better,
                     memory=run.fits)


def with_reasons(summary: pd.DataFrame, specs: Sequence[str], failures) -> pd.DataFrame:
    """The summary with a ``note`` column saying why a metric has no value at all (its first failure),
    and a row for every requested metric that could not run, so the tables say "not computed"."""
    reasons: Dict[str, str] = {}
    for failure in failures:
        reasons.setdefault(failure.metric, failure.message)
    summary = summary.copy() if "metric" in summary.columns else pd.DataFrame(columns=["metric", "group", "n"])
    summary["note"] = [reasons.get(r["metric"], "") if not r["n"] else "" for _, r in summary.iterrows()]
    missing = [s for s in dict.fromkeys(specs) if s not in set(summary["metric"])]
    extra = pd.DataFrame([{"metric": s, "group": ALL, "n": 0, "status": "not computed", "note": reasons.get(s, "")}
                          for s in missing])
    return pd.concat([summary, extra], ignore_index=True, sort=False) if missing else summary
