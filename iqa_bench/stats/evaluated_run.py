"""One finished evaluation as one value: what every statistic, figure and page of a run reads.

:class:`EvaluatedRun` holds the per-item table (``scores.csv``: the subjective scores, their standard
error and rating count where the dataset gives them, the groups, one column per metric), the metrics with
their directions, the direction of the subjective score, the statistics' settings
(:class:`StatisticsSettings`) and the run's curve fits (:class:`~.fit_memory.FitMemory`, passed to every
mapping it makes -- scikit-learn's explicit ``memory=``, not process-wide state). Each metric's mapping onto
the subjective scale is made once (:meth:`EvaluatedRun.mapped`) and its predictions handed to the
significance tests, P.1401, the figures and the page; the summary's per-group fits, the held-out folds and
the fit protocols go through the same memory, so a curve fitted on the same data is fitted once per run.

``evaluate`` builds it from the scored items (:func:`iqa_bench.run.outputs.write_run`); ``report`` rebuilds
the same value from a finished run folder (:func:`iqa_bench.run.result.evaluated_run`).
"""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .choices import CORRECTIONS, FITS, MAPPINGS
from .fit_memory import FitMemory
from .regression import MetricRegression

#: scores.csv's column of each score's standard error, where the dataset gives one (Item.spread).
SCORE_SE = "score_se"
#: scores.csv's column of the number of ratings behind each score, where the dataset gives it (Item.ratings).
SCORE_RATINGS = "score_ratings"
#: scores.csv's column of the reference image of each item (the unit of the cluster bootstrap and jackknife).
REFERENCE = "group:reference"


@dataclass(frozen=True)
class StatisticsSettings:
    """How a run's statistics are computed (the configuration's statistics keys, the main fit resolved:
    ``fit: all`` maps with ``logistic5`` and adds the fit-protocol table)."""

    fit: str = "logistic5"          #: the mapping of every table, test and figure
    bootstrap: int = 1000           #: resamples of the intervals and paired bootstraps (0: none)
    seed: int = 0
    resample: str = "items"         #: the bootstrap's unit: items, or references (whole reference images)
    correct: str = "none"           #: the multiple-comparison correction the matrices show
    mapping: str = "in-sample"      #: in-sample, or held-out (adds the k-fold-by-reference table)
    pair_tests: str = "references"  #: P.1401 / Krasula paired tests: references (jackknife) or items
    krasula: bool = True
    by: Optional[str] = None        #: the grouping of the summary's per-group rows (None: overall only)
    all_fits: bool = False          #: ``fit: all``: the fit-protocol table too
    alpha: float = 0.05

    def __post_init__(self):
        for name, value, allowed in (("fit", self.fit, FITS), ("correct", self.correct, CORRECTIONS),
                                     ("mapping", self.mapping, MAPPINGS)):
            if value not in allowed:
                raise ValueError(f"{name}: {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class Mapped:
    """One metric's mapping onto the subjective scale over the items ``mask`` selects, and its prediction
    on every item (NaN outside the mask)."""

    model: MetricRegression
    mask: np.ndarray
    prediction: np.ndarray


@dataclass(frozen=True, eq=False)
class EvaluatedRun:
    """A finished evaluation: scores, metrics, directions, settings and the run's fits (see the module)."""

    scores: pd.DataFrame
    specs: Tuple[str, ...]
    directions: Mapping[str, bool] = field(default_factory=dict)
    score_higher_is_better: Optional[bool] = None
    settings: StatisticsSettings = StatisticsSettings()
    protocol: str = "regression"
    #: The ratings behind each score where the dataset says it for all (P.1401's Kᵢ when scores.csv has no
    #: per-item count).
    ratings: Optional[float] = None
    fits: FitMemory = field(default_factory=FitMemory, repr=False)
    dataset: str = ""               #: the dataset's key (``tid2013``)
    score_text: str = ""            #: what the subjective score is, for captions ("MOS, higher = better")
    score_label: str = "score"      #: the subjective score's axis label
    spread_text: str = ""           #: what the scores' standard errors are, where the dataset gives them
    labels: Mapping[str, str] = field(default_factory=dict)  #: spec → display name in tables and figures
    _mapped: Dict[tuple, Mapped] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, scores: pd.DataFrame, specs: Sequence[str], directions: Optional[Mapping[str, bool]] = None,
           score_higher_is_better: Optional[bool] = None, **settings) -> "EvaluatedRun":
        """A run of ``scores`` with settings by keyword (``fit``, ``bootstrap``, ... and ``protocol``,
        ``ratings``, ``fits``): what a script or test holding a per-item table makes."""
        own = {k: settings.pop(k) for k in ("protocol", "ratings", "fits") if k in settings}
        return cls(scores, tuple(specs), dict(directions or {}), score_higher_is_better,
                   StatisticsSettings(**settings), **own)

    def named(self, labels: Mapping[str, str]) -> "EvaluatedRun":
        """The same run (and fits) with its metrics' display names."""
        return dataclasses.replace(self, labels=dict(labels))

    def label(self, spec: str) -> str:
        return self.labels.get(spec) or spec

    def with_settings(self, **changes) -> "EvaluatedRun":
        """The same run under other settings (``report --fit``, ``--bootstrap``), sharing its fits."""
        return dataclasses.replace(self, settings=dataclasses.replace(self.settings, **changes), _mapped={})

    @property
    def present(self) -> list:
        """The metrics that have a column in the scores (a metric that failed entirely has none)."""
        return [s for s in self.specs if s in self.scores.columns]

    @property
    def subjective(self) -> np.ndarray:
        return self.scores["score"].to_numpy(float)

    def values(self, spec: str) -> np.ndarray:
        return self.scores[spec].to_numpy(float)

    def clusters(self) -> Optional[np.ndarray]:
        """The reference image of each item, or None when the dataset has no reference grouping."""
        return self.scores[REFERENCE].to_numpy() if REFERENCE in self.scores.columns else None

    def regression(self, fit: Optional[str] = None, n_boot: int = 0, seed: Optional[int] = None) -> MetricRegression:
        """A :class:`~.regression.MetricRegression` with the run's fits as its memory (the run's mapping
        unless ``fit`` names another)."""
        return MetricRegression(fit=fit or self.settings.fit, n_boot=n_boot,
                                seed=self.settings.seed if seed is None else seed, memory=self.fits)

    def mapped(self, spec: str, among: Optional[np.ndarray] = None) -> Optional[Mapped]:
        """The run's mapping of ``spec`` over the items where it and the subjective score are finite (and
        ``among`` holds), made once; None when the metric has no column."""
        if spec not in self.scores.columns:
            return None
        x, y = self.values(spec), self.subjective
        mask = np.isfinite(x) & np.isfinite(y)
        if among is not None:
            mask &= np.asarray(among, bool)
        key = (spec, hashlib.sha256(np.packbits(mask).tobytes()).digest())  # one mapping per item set
        if key not in self._mapped:
            model = self.regression().fit(x[mask], y[mask])
            prediction = np.full(x.shape, np.nan)
            if model.ok:
                prediction[mask] = model.predict(x[mask])
            self._mapped[key] = Mapped(model, mask, prediction)
        return self._mapped[key]

    def has_spread(self) -> bool:
        """Whether the scores carry their standard error (P.1401 and Krasula need it)."""
        return SCORE_SE in self.scores.columns and bool(np.isfinite(self.scores[SCORE_SE].to_numpy(float)).any())

    def ratings_per_item(self):
        """P.1401's Kᵢ: the per-item rating count column's name where scores.csv has one, else the dataset's
        one number (or None)."""
        return SCORE_RATINGS if SCORE_RATINGS in self.scores.columns else self.ratings
