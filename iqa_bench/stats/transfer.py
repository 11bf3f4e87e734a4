"""Does a metric's mapping transfer? Each metric's mapping onto the subjective scores fitted on one dataset
(the source) and applied unchanged to another (the target).

The datasets' scores differ in units and direction (LIVE's DMOS 0-100, higher worse; TID2013's MOS 0-9;
KADID's 1-5), so both are put on one **common 0-1 scale**: each dataset's subjective scores min-max
normalised over its own items and oriented so that 1 is its best-rated image. The mapping (the run's fit,
e.g. the 5-parameter logistic) is fitted from the metric's values to the source's scale and predicts the
target's items from their metric values; PLCC and RMSE are then those of the prediction against the target's
scores on that scale. Beside them: the same with the mapping fitted on the target itself (in-dataset), and
ΔRMSE = transferred − in-dataset, the price of a threshold set on the source. A metric whose scale means the
same on every dataset loses little. The rank correlation does not change under a fixed monotone mapping
(it is the in-dataset SROCC) and is not repeated.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from typing import Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .regression import MetricRegression

COLUMNS = ("plcc", "rmse", "plcc_in", "rmse_in", "d_rmse")


@dataclass(frozen=True)
class TransferData:
    """One dataset's side of a transfer: its name, the per-item table (``score`` and a column per metric),
    the score's direction (None: higher is better) and the mapping's kind."""

    name: str
    scores: pd.DataFrame
    score_higher_is_better: Optional[bool]
    fit: str = "logistic5"


def common_scale(scores, higher_is_better: Optional[bool]) -> np.ndarray:
    """The subjective scores min-max normalised over the dataset and oriented so that 1 is the best-rated
    (NaN kept; all NaN where the scores do not vary)."""
    values = np.asarray(scores, float)
    oriented = values if higher_is_better is not False else -values
    low, high = np.nanmin(oriented), np.nanmax(oriented)
    if not high > low:
        return np.full(values.shape, np.nan)
    return (oriented - low) / (high - low)


def _fitted(data: TransferData, metric: str, fit: str):
    x = data.scores[metric].to_numpy(float)
    y = common_scale(data.scores["score"], data.score_higher_is_better)
    mask = np.isfinite(x) & np.isfinite(y)
    model = MetricRegression(fit=fit, n_boot=0).fit(x[mask], y[mask]) if mask.sum() >= 2 else None
    return (model if model is not None and model.ok else None), x, y, mask


def _agreement(prediction: np.ndarray, truth: np.ndarray):
    mask = np.isfinite(prediction) & np.isfinite(truth)
    if mask.sum() < 3 or np.ptp(prediction[mask]) == 0:
        return np.nan, np.nan
    return (float(stats.pearsonr(prediction[mask], truth[mask])[0]),
            float(np.sqrt(np.mean((prediction[mask] - truth[mask]) ** 2))))


def transfer_rows(source: TransferData, target: TransferData, metric: str) -> dict:
    """The transfer of ``metric`` from ``source`` to ``target`` (see the module) as one row."""
    row = {"metric": metric, "source": source.name, "target": target.name, "fit": source.fit}
    mapping, _, _, source_mask = _fitted(source, metric, source.fit)
    own, x, y, target_mask = _fitted(target, metric, source.fit)
    row["n_source"], row["n_target"] = int(source_mask.sum()), int(target_mask.sum())
    moved = mapping.predict(x[target_mask]) if mapping is not None else np.full(target_mask.sum(), np.nan)
    row["plcc"], row["rmse"] = _agreement(moved, y[target_mask])
    inside = own.predict(x[target_mask]) if own is not None else np.full(target_mask.sum(), np.nan)
    row["plcc_in"], row["rmse_in"] = _agreement(inside, y[target_mask])
    row["d_rmse"] = row["rmse"] - row["rmse_in"]
    return row


def transfer_table(datasets: Sequence[TransferData], metrics: Sequence[str]) -> pd.DataFrame:
    """Every metric × ordered (source, target) pair of ``datasets`` where both have the metric's column."""
    rows = [transfer_rows(source, target, metric) for metric in metrics
            for source, target in permutations(datasets, 2)
            if metric in source.scores.columns and metric in target.scores.columns]
    return pd.DataFrame(rows, columns=["metric", "source", "target", "fit", "n_source", "n_target", *COLUMNS])
