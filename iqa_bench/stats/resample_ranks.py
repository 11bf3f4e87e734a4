"""Rank statistics of bootstrap resamples computed from how often each item is drawn.

A bootstrap resample ``values[idx[k]]`` is a multiset of the original items: item i appears w_ki times.
Its ranks and its Kendall tau depend only on those counts, so neither needs the resample sorted:

* **average ranks** (``scipy.stats.rankdata(values[idx], axis=1)``): for the distinct values in
  ascending order with total counts c and b the count of drawn items below, every draw of a value has
  rank ``(2 b + c + 1) / 2`` -- scipy's ``0.5 * (count[dense] + count[dense - 1] + 1)``, the same
  half-integers, so the arrays are equal bit for bit;
* **Kendall's tau-b** (``scipy.stats.kendalltau``): over the resample's pairs, n_c − n_d =
  ½ Σ_ij w_i w_j sgn(x_i − x_j) sgn(y_i − y_j) (two draws of one item tie in both variables and
  add nothing), and the pairs untied in x are tot − Σ_v c_v (c_v − 1) / 2 over the distinct x values
  v with counts c_v (likewise y), tot = N (N − 1) / 2. Every quantity is an integer below 2⁵³, the
  quadratic form is exact in floating point (float32 for the matrix product while N < 2²⁴: integer
  partial sums of magnitude ≤ N), and tau is divided in scipy's order, so it equals scipy's bit for bit.

For Kendall the cost is one matrix product of the B × n counts with the n × n sign matrix instead of B
calls of scipy's O(N log N) count: for 1000 resamples of 125 items (a TID2013 distortion type) 8 ms against
180 ms. The product grows as n², so beyond :data:`KENDALL_PRODUCT_MAX_ITEMS` items scipy's routine runs per
resample (past its argument-checking wrapper, which costs more than the count on small rows).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

#: Largest number of items whose resamples get Kendall's tau from the counts (measured crossover with
#: scipy per resample on 2 cores: ~800 items).
KENDALL_PRODUCT_MAX_ITEMS = 768
#: Columns of the sign matrix built at once in :func:`resample_kendall_tau_b` (n × this many float32).
SIGN_BLOCK = 1024
#: Largest resample whose counts make exact float32 partial sums.
FLOAT32_EXACT = 2 ** 24


def draw_counts(idx: np.ndarray, n: int) -> np.ndarray:
    """B × n: how often each of the n items appears in each row of the index matrix ``idx``."""
    rows = idx.shape[0]
    flat = (np.asarray(idx, dtype=np.int64) + n * np.arange(rows, dtype=np.int64)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n)


class DistinctValues(NamedTuple):
    """The distinct values of one variable: the items in ascending order, where each distinct value's
    run starts in that order, and each item's distinct-value number."""
    order: np.ndarray
    starts: np.ndarray
    group: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> "DistinctValues":
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        new = np.r_[True, ordered[1:] != ordered[:-1]]
        group = np.empty(values.size, dtype=np.int64)
        group[order] = np.cumsum(new) - 1
        return cls(order, np.flatnonzero(new), group)

    def counts(self, draws: np.ndarray) -> np.ndarray:
        """B × distinct values: the draws of each distinct value per resample."""
        return np.add.reduceat(draws[:, self.order], self.starts, axis=1)


def resample_ranks(values: np.ndarray, idx: np.ndarray, draws: np.ndarray = None) -> np.ndarray:
    """``scipy.stats.rankdata(values[idx], axis=1)`` (average ranks), bit for bit, from the draw counts."""
    values = np.asarray(values, dtype=np.float64)
    draws = draw_counts(idx, values.size) if draws is None else draws
    distinct = DistinctValues.of(values)
    c = distinct.counts(draws)
    below = np.cumsum(c, axis=1) - c
    ranks = 0.5 * (2 * below + c + 1).astype(np.float64)
    return np.take_along_axis(ranks, distinct.group[idx], axis=1)


def _untied_pairs(values: np.ndarray, draws: np.ndarray, total: int) -> np.ndarray:
    c = DistinctValues.of(values).counts(draws).astype(np.int64)
    return total - (c * (c - 1) // 2).sum(axis=1)


def resample_kendall_tau_b(x: np.ndarray, y: np.ndarray, idx: np.ndarray, draws: np.ndarray = None) -> np.ndarray:
    """``scipy.stats.kendalltau(x[idx[k]], y[idx[k]]).statistic`` for every row k, bit for bit (NaN where
    a resample is constant in either variable, as scipy)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    rows, size = idx.shape
    if x.size > KENDALL_PRODUCT_MAX_ITEMS:
        kendalltau = getattr(stats.kendalltau, "__wrapped__", stats.kendalltau)
        return np.array([kendalltau(a, b)[0] for a, b in zip(x[idx], y[idx])], dtype=np.float64)
    draws = draw_counts(idx, x.size) if draws is None else draws
    exact = np.float32 if size < FLOAT32_EXACT else np.float64
    weights = draws.astype(exact)
    twice = np.zeros(rows, dtype=np.float64)  # 2 (n_c − n_d)
    for start in range(0, x.size, SIGN_BLOCK):
        cols = slice(start, start + SIGN_BLOCK)
        signs = (np.sign(x[:, None] - x[None, cols]) * np.sign(y[:, None] - y[None, cols])).astype(exact)
        twice += np.einsum("bi,bi->b", (weights @ signs).astype(np.float64), draws[:, cols].astype(np.float64))
    con_minus_dis = np.rint(twice / 2).astype(np.int64)
    total = size * (size - 1) // 2
    untied_x, untied_y = _untied_pairs(x, draws, total), _untied_pairs(y, draws, total)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = con_minus_dis / np.sqrt(untied_x) / np.sqrt(untied_y)
    tau[(untied_x == 0) | (untied_y == 0)] = np.nan
    return np.clip(tau, -1.0, 1.0)
