"""Held-out mapping (``--mapping held-out``): the nonlinear mapping fitted on some reference contents and
evaluated on the others, so that PLCC and RMSE after the fit are not optimistic.

The reference images are dealt into k folds (:data:`FOLDS`, fewer when there are fewer references) in a
seeded random order; for each fold the run's mapping is fitted on the items of the other folds and
predicts the fold's items. PLCC and RMSE are then computed once over the out-of-fold predictions of all
items, beside the in-sample figures of the same mapping fitted on all items (the main table's). A
mapping that fails on a training part leaves that fold's items out (counted in ``n``). This is k-fold
cross-validation grouped by content, as scikit-learn's ``GroupKFold`` splits (content-disjoint, so no
reference image is on both sides).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd

from .evaluated_run import REFERENCE, EvaluatedRun
from .regression import MetricRegression

FOLDS = 5


def reference_folds(references: Sequence, k: int = FOLDS, seed: int = 0) -> np.ndarray:
    """The fold (0 … k−1) of each item: its reference's position in a seeded shuffle of the distinct
    references, modulo k (k capped at the number of references)."""
    references = np.asarray([str(r) for r in references])
    distinct = np.array(sorted(set(references)))
    k = max(2, min(k, distinct.size))
    order = np.random.default_rng(seed).permutation(distinct.size)
    fold_of = {distinct[i]: rank % k for rank, i in enumerate(order)}
    return np.array([fold_of[r] for r in references])


def held_out_predictions(x, y, folds: np.ndarray, fit: str,
                         regression: Callable[[], MetricRegression] = None) -> np.ndarray:
    """Each item's mapped value from the mapping ``fit`` fitted without its fold (NaN where that fit failed);
    ``regression``: makes the unfitted model (a run's :meth:`~.evaluated_run.EvaluatedRun.regression`, with
    its fits)."""
    regression = regression or (lambda: MetricRegression(fit=fit, n_boot=0))
    x, y = np.asarray(x, float), np.asarray(y, float)
    out = np.full(x.shape, np.nan)
    finite = np.isfinite(x) & np.isfinite(y)
    for fold in np.unique(folds):
        train, test = finite & (folds != fold), finite & (folds == fold)
        if train.sum() < 5 or not test.any():
            continue
        model = regression().fit(x[train], y[train])
        if model.ok:
            out[test] = model.predict(x[test])
    return out


def _plcc_rmse(prediction, y):
    keep = np.isfinite(prediction) & np.isfinite(y)
    if keep.sum() < 3:
        return np.nan, np.nan, int(keep.sum())
    p, t = prediction[keep], y[keep]
    return float(np.corrcoef(p, t)[0, 1]), float(np.sqrt(np.mean((p - t) ** 2))), int(keep.sum())


def held_out_table(run: EvaluatedRun, specs: Optional[Sequence[str]] = None, k: int = FOLDS
                   ) -> Optional[pd.DataFrame]:
    """metric, n, plcc/rmse in-sample, plcc/rmse held-out and their differences (held-out − in-sample),
    folds, for ``specs`` (default: the run's); None without a reference grouping or a mapping (``fit: none``
    maps nothing). The in-sample mapping is the run's (:meth:`~.evaluated_run.EvaluatedRun.mapped`); the
    folds are dealt by the run's seed."""
    fit = run.settings.fit
    if REFERENCE not in run.scores.columns or fit == "none":
        return None
    folds = reference_folds(run.scores[REFERENCE], k, run.settings.seed)
    y = run.subjective
    rows = []
    for spec in run.specs if specs is None else specs:
        mapped = run.mapped(spec)
        if mapped is None:
            continue
        plcc_in, rmse_in, n_in = _plcc_rmse(mapped.prediction, y)
        plcc_out, rmse_out, n_out = _plcc_rmse(held_out_predictions(run.values(spec), y, folds, fit, run.regression), y)
        rows.append({"metric": spec, "n": n_in, "n_held_out": n_out, "folds": int(np.unique(folds).size),
                     "plcc_in_sample": plcc_in, "plcc_held_out": plcc_out, "d_plcc": plcc_out - plcc_in,
                     "rmse_in_sample": rmse_in, "rmse_held_out": rmse_out, "d_rmse": rmse_out - rmse_in})
    return pd.DataFrame(rows)
