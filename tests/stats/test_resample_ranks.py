"""Ranks and Kendall's tau of the bootstrap's resamples (stats/resample_ranks.py), equal to scipy's bit for bit."""
import numpy as np
import pytest


@pytest.mark.parametrize("n", [2, 30, 150, 1000])
def test_resample_ranks_and_kendall_are_scipys_bit_for_bit(n, monkeypatch):
    """Bootstrap resamples repeat items (ties in both variables) and grouped scores tie within a
    variable; every row's average ranks equal scipy.stats.rankdata and its tau-b scipy.stats.kendalltau
    exactly (the counts' route, forced here also at 1000 items), a constant row is NaN as in scipy."""
    from scipy import stats

    from iqa_bench.stats import resample_ranks as rr

    monkeypatch.setattr(rr, "KENDALL_PRODUCT_MAX_ITEMS", 10 ** 6)
    monkeypatch.setattr(rr, "SIGN_BLOCK", 256)  # several blocks of the sign matrix at 1000 items
    rng = np.random.default_rng(n)
    x = np.round(rng.normal(size=n), 1)
    y = np.round(x + rng.normal(size=n), 1)
    index = rng.integers(0, n, size=(200, n))
    index[0] = 0  # constant row
    a, b = x[index], y[index]
    expected = np.array([stats.kendalltau(p, q)[0] for p, q in zip(a, b)])
    ours = rr.resample_kendall_tau_b(x, y, index)
    assert np.isnan(ours[0]) and np.isnan(expected[0])
    np.testing.assert_array_equal(ours[1:], expected[1:])
    np.testing.assert_array_equal(rr.resample_ranks(x, index), stats.rankdata(a, axis=1))
    np.testing.assert_array_equal(rr.resample_ranks(y, index), stats.rankdata(b, axis=1))
