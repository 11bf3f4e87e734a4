"""One core for comparing metrics pair by pair, shared by the significance matrices
(:mod:`.significance`), ITU-T P.1401 (:mod:`.p1401`) and Krasula et al. (:mod:`.krasula`).

A comparison makes one row per ordered pair of metrics (``row``, ``col``, the test's statistics and its
p-value ``<test>_p``); this module then decides, in one place and by one rule per test:

* which metric of the pair is the better (:class:`PairTest` ``better``: +1 where the row metric is, −1
  where the column metric is -- e.g. the lower RMSE, the higher AUC);
* the symbol of the uncorrected test, ``<test>_symbol`` (inserted after ``<test>_p``): NaN where the test has
  no p-value, 0 where p ≥ α, else the direction -- or, for a test decided by an interval rather than a
  p-value (the paired bootstrap), the test's own ``decide`` rule;
* the Holm- and Benjamini–Hochberg-adjusted p-values and symbols of every test
  (:func:`~.multiple_comparisons.corrected_pairs`), with the same direction as the uncorrected symbol.

Which correction a matrix shows is the run's ``correct`` setting, carried by each result.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from .multiple_comparisons import corrected_pairs

#: A function of the pairs table giving one value per row.
PairRule = Callable[[pd.DataFrame], np.ndarray]


@dataclass(frozen=True)
class PairTest:
    """One test of a comparison: its name (the prefix of its columns), which metric of a pair it finds
    better, and (for a test decided otherwise than by p < α) its own uncorrected decision."""

    name: str
    better: PairRule
    decide: Optional[Callable[[pd.DataFrame, float], np.ndarray]] = None

    @property
    def p_column(self) -> str:
        return f"{self.name}_p"


def sign_of(values) -> np.ndarray:
    """+1, −1 or 0 (a tie: neither metric is the better) of each value; NaN stays NaN."""
    values = np.asarray(values, float)
    return np.where(values > 0, 1.0, np.where(values < 0, -1.0, np.where(values == 0, 0.0, np.nan)))


def lower_is_better(test: str, column: Optional[str] = None) -> PairTest:
    """A test of a figure where the lower is the better (RMSE, outlier ratio): the row metric is better
    where ``column`` (default ``d_<test>``, row − col) is negative."""
    column = column or f"d_{test}"
    return PairTest(test, lambda pairs: sign_of(-pairs[column].to_numpy(float)))


def higher_is_better(test: str, column: Optional[str] = None) -> PairTest:
    """A test of a figure where the higher is the better (AUC, C₀, ΔSROCC): the row metric is better where
    ``column`` (default ``d_<test>``, row − col) is positive."""
    column = column or f"d_{test}"
    return PairTest(test, lambda pairs: sign_of(pairs[column].to_numpy(float)))


def ordered_pairs(metrics: Sequence[str]) -> Iterator[Tuple[str, str]]:
    """(row, col) for every ordered pair of distinct metrics, row by row."""
    return ((a, b) for a in metrics for b in metrics if a != b)


def unordered_pairs(metrics: Sequence[str]) -> Iterator[Tuple[str, str]]:
    """(row, col) for every pair once, row before col in ``metrics``' order (a symmetric test computes a
    pair once and writes both orders)."""
    return ((a, b) for i, a in enumerate(metrics) for b in metrics[i + 1:])


def compared(rows: List[dict], tests: Sequence[PairTest], alpha: float,
             columns: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """The pairs table of ``rows`` (one dict per ordered pair, in ``columns``' order where given) with each
    test's uncorrected symbol and its corrected p-values and symbols (see the module)."""
    pairs = pd.DataFrame(rows, columns=list(columns) if columns is not None else None)
    if pairs.empty:
        return pairs
    for test in tests:
        p = pairs[test.p_column].to_numpy(float)
        decided = test.decide(pairs, alpha) if test.decide is not None else \
            np.where(np.isfinite(p), np.where(p < alpha, test.better(pairs), 0.0), np.nan)
        pairs.insert(pairs.columns.get_loc(test.p_column) + 1, f"{test.name}_symbol", np.asarray(decided, float))
    return corrected_pairs(pairs, {test.name: (test.p_column, test.better) for test in tests}, alpha)
