"""Item-level paired tests of two metrics on the same items: what replaces a test that treats the two
metrics' outcomes as independent samples when the run's pair tests are item-level (``pair_tests: items``).

* **McNemar's test** (McNemar 1947, "Note on the sampling error of the difference between correlated
  proportions or percentages", Psychometrika 12) of two proportions on the same units: with b the units
  where only A is a hit and c those where only B is, under H₀ b ~ Binomial(b + c, ½); the exact two-sided
  p = min(1, 2·P(X ≤ min(b, c))) -- ``statsmodels.stats.contingency_tables.mcnemar(exact=True)``. Used for
  the outlier ratio (P.1401) and for C₀ (Krasula: a different pair classified right).
* **The paired bootstrap of a difference** (Efron & Tibshirani 1993, §16.4): both metrics' errors on the
  same resampled items, θ* = f_A* − f_B*; z = θ / sd(θ*), two-sided normal p. Used for RMSE and rmse*.
"""
from __future__ import annotations

import numpy as np
from scipy import stats


def mcnemar_p(hits_a: np.ndarray, hits_b: np.ndarray) -> float:
    """Exact two-sided McNemar p of two 0/1 outcomes on the same units."""
    hits_a, hits_b = np.asarray(hits_a, bool), np.asarray(hits_b, bool)
    only_a = int(np.count_nonzero(hits_a & ~hits_b))
    only_b = int(np.count_nonzero(hits_b & ~hits_a))
    if only_a + only_b == 0:
        return 1.0
    return float(min(1.0, 2 * stats.binom.cdf(min(only_a, only_b), only_a + only_b, 0.5)))


def draw_weights(n_boot: int, n: int, seed: int) -> np.ndarray:
    """n_boot × n: how often each of n items is drawn in each bootstrap resample (one draw for every pair
    of metrics, so each comparison is paired and all of them share the resamples)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)


def bootstrap_difference_p(difference: float, resampled: np.ndarray) -> float:
    """Two-sided p of ``difference`` from the spread of its paired bootstrap replicates ``resampled``."""
    resampled = np.asarray(resampled, float)
    resampled = resampled[np.isfinite(resampled)]
    if resampled.size < 2 or not np.isfinite(difference):
        return float("nan")
    spread = resampled.std(ddof=1)
    if not spread > 0:
        return 1.0 if difference == 0 else 0.0
    return float(2 * stats.norm.sf(abs(difference) / spread))
