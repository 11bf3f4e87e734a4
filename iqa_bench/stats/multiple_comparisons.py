"""Corrections of the significance matrices for testing many pairs of metrics at once.

A matrix of m metrics tests m(m−1)/2 pairs per test: at α = 0.05 about one pair in twenty is "significant"
by chance alone. Two standard corrections of the family of one test's pairs:

* **Holm** (1979, "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6):
  family-wise error rate ≤ α. With the p-values sorted, p₍₁₎ ≤ … ≤ p₍ₖ₎, the adjusted
  p̃₍ᵢ₎ = max_{j ≤ i} min(1, (k − j + 1) p₍ⱼ₎).
* **Benjamini–Hochberg** (1995, "Controlling the false discovery rate", JRSS B 57): false-discovery rate
  ≤ α for independent or positively dependent tests. p̃₍ᵢ₎ = min_{j ≥ i} min(1, k p₍ⱼ₎ / j).

These are the adjusted p-values of ``statsmodels.stats.multitest.multipletests`` (``holm``, ``fdr_bh``)
and, for BH, ``scipy.stats.false_discovery_control``. A pair is significant after the correction when
its adjusted p-value is below α; the symbol keeps the direction of the uncorrected test. P.1401 §7.6.5
asks for such a correction when several comparisons are made at once.
"""
from __future__ import annotations

from typing import Callable, Dict, Sequence, Tuple

import numpy as np
import pandas as pd

from .choices import CORRECTIONS

#: How each ``--correct`` choice (:data:`~.choices.CORRECTIONS`) is named in titles and captions.
TITLES = {"none": "no correction for multiple comparisons",
          "holm": "Holm's correction for multiple comparisons (family-wise error ≤ α)",
          "bh": "Benjamini–Hochberg correction for multiple comparisons (false-discovery rate ≤ α)"}


def adjusted_p(p: Sequence[float], method: str) -> np.ndarray:
    """Adjusted p-values of one family (NaN entries are left out of the family and stay NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    keep = np.isfinite(p)
    values = p[keep]
    k = values.size
    if k == 0 or method == "none":
        out[keep] = values
        return out
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    if method == "holm":
        adjusted = np.maximum.accumulate(np.minimum(1.0, (k - np.arange(k)) * ranked))
    elif method == "bh":
        adjusted = np.minimum.accumulate(np.minimum(1.0, k * ranked / np.arange(1, k + 1))[::-1])[::-1]
    else:
        raise ValueError(f"correction {method!r}: valid corrections: {', '.join(CORRECTIONS)}")
    result = np.empty(k)
    result[order] = adjusted
    out[keep] = result
    return out


def corrected_pairs(pairs: pd.DataFrame, tests: Dict[str, Tuple[str, Callable]], alpha: float) -> pd.DataFrame:
    """``pairs`` (one row per ordered pair: ``row``, ``col``) with ``<test>_p_<method>`` and
    ``<test>_symbol_<method>`` for Holm and BH. ``tests``: test → (its p-value column, a function of the
    table giving each row's sign, +1 where the row metric is the better). Each test's family is its
    unordered pairs: both orders of a pair share one p-value and one adjusted p-value."""
    pairs = pairs.copy()
    key = [frozenset(rc) for rc in zip(pairs["row"], pairs["col"])]
    seen: set = set()
    first = [i for i, k in enumerate(key) if not (k in seen or seen.add(k))]  # one row per unordered pair
    for test, (p_column, direction) in tests.items():
        signs = np.asarray(direction(pairs), float)
        for method in CORRECTIONS[1:]:
            adjusted = dict(zip([key[i] for i in first], adjusted_p(pairs[p_column].to_numpy(float)[first], method)))
            p = np.array([adjusted[k] for k in key], dtype=float)
            pairs[f"{test}_p_{method}"] = p
            pairs[f"{test}_symbol_{method}"] = np.where(np.isfinite(p), np.where(p < alpha, signs, 0.0), np.nan)
    return pairs
