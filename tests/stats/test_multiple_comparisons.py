"""Holm's and Benjamini–Hochberg's corrections (stats/multiple_comparisons.py) against a closed form and scipy, and
the check failing on an off-by-one Holm."""
import numpy as np
from scipy import stats

from stats_helpers import holm_by_hand


def test_holm_and_bh_equal_a_closed_form_and_scipy():
    from iqa_bench.stats.multiple_comparisons import adjusted_p

    p = [0.01, 0.04, 0.03, 0.005]
    # by hand: sorted 0.005, 0.01, 0.03, 0.04; Holm x4, x3, x2, x1 = .02 .03 .06 .04 -> monotone .02 .03 .06 .06
    np.testing.assert_allclose(adjusted_p(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    # BH: k p / rank = .02 .02 .04 .04 (rank 1..4), already monotone
    np.testing.assert_allclose(adjusted_p(p, "bh"), [0.02, 0.04, 0.04, 0.02])
    rng = np.random.default_rng(3)
    many = np.concatenate([rng.uniform(size=40), rng.uniform(0, 0.01, size=10)])
    np.testing.assert_allclose(adjusted_p(many, "bh"), stats.false_discovery_control(many, method="bh"))
    np.testing.assert_allclose(adjusted_p(many, "holm"), holm_by_hand(list(many)))
    with_nan = adjusted_p([0.01, np.nan, 0.02], "holm")  # a NaN is not a member of the family
    np.testing.assert_allclose(with_nan, [0.02, np.nan, 0.02])
    assert np.array_equal(adjusted_p(many, "none"), many)


def test_an_off_by_one_holm_fails_the_check():
    """The by-hand reference catches the classic slip (multiplying by k - i instead of k - i + 1)."""
    p = [0.01, 0.04, 0.03, 0.005]
    order = np.argsort(p)
    wrong = np.empty(4)
    wrong[order] = np.maximum.accumulate(np.minimum(1, (4 - np.arange(4) - 1) * np.sort(p)))
    assert not np.allclose(wrong, holm_by_hand(p))
