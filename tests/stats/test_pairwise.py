"""The one core of pairwise comparisons (issue 44): ordered pairs, which metric of a pair is better, the
symbols under the one rule, the Holm / BH corrections applied in one place."""
import numpy as np
import pytest

from iqa_bench.stats.pairwise import (PairTest, compared, higher_is_better, lower_is_better, ordered_pairs, sign_of,
                                      unordered_pairs)


def test_pairs_come_in_the_metrics_order():
    assert list(ordered_pairs(["a", "b", "c"])) == [("a", "b"), ("a", "c"), ("b", "a"), ("b", "c"), ("c", "a"),
                                                    ("c", "b")]
    assert list(unordered_pairs(["a", "b", "c"])) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_a_tie_is_neither_better_and_a_missing_value_stays_missing():
    np.testing.assert_array_equal(sign_of([2.0, -0.5, 0.0, -0.0, np.nan]), [1.0, -1.0, 0.0, 0.0, np.nan])
    assert str(sign_of([-0.0])[0]) == "0.0"  # never a "-0.0" in a CSV


def _rows():
    # two metrics' RMSE-like figures on three pairs: a clearly better, a tie, a missing test
    return [{"row": "a", "col": "b", "d_rmse": -0.2, "rmse_p": 0.001},
            {"row": "b", "col": "a", "d_rmse": 0.2, "rmse_p": 0.001},
            {"row": "a", "col": "c", "d_rmse": 0.1, "rmse_p": 0.30},
            {"row": "c", "col": "a", "d_rmse": -0.1, "rmse_p": 0.30},
            {"row": "b", "col": "c", "d_rmse": 0.3, "rmse_p": np.nan},
            {"row": "c", "col": "b", "d_rmse": -0.3, "rmse_p": np.nan}]


def test_symbols_follow_one_rule_and_sit_after_their_p_value():
    pairs = compared(_rows(), [lower_is_better("rmse")], alpha=0.05)
    assert list(pairs.columns[:5]) == ["row", "col", "d_rmse", "rmse_p", "rmse_symbol"]
    np.testing.assert_array_equal(pairs["rmse_symbol"], [1.0, -1.0, 0.0, 0.0, np.nan, np.nan])
    # the family is the two unordered pairs with a p-value: Holm multiplies the smaller by 2, the larger by 1
    np.testing.assert_allclose(pairs["rmse_p_holm"], [0.002, 0.002, 0.30, 0.30, np.nan, np.nan])
    np.testing.assert_allclose(pairs["rmse_p_bh"], [0.002, 0.002, 0.30, 0.30, np.nan, np.nan])
    np.testing.assert_array_equal(pairs["rmse_symbol_holm"], pairs["rmse_symbol"])


def test_the_direction_rule_decides_the_symbol():
    """Injected error: the same rows read as "higher is better" turn every decided symbol round."""
    lower = compared(_rows(), [lower_is_better("rmse")], alpha=0.05)["rmse_symbol"].to_numpy()
    higher = compared(_rows(), [higher_is_better("rmse")], alpha=0.05)["rmse_symbol"].to_numpy()
    decided = np.isfinite(lower) & (lower != 0)
    assert decided.any() and (higher[decided] == -lower[decided]).all()


def test_a_test_decided_otherwise_than_by_p_keeps_its_own_symbol_and_the_corrections_its_direction():
    rows = [{"row": "a", "col": "b", "d_x": 0.2, "d_x_lo": 0.05, "d_x_hi": 0.3, "x_p": 0.2},
            {"row": "b", "col": "a", "d_x": -0.2, "d_x_lo": -0.3, "d_x_hi": -0.05, "x_p": 0.2}]

    def by_interval(pairs, alpha):
        return np.where(pairs["d_x_lo"] > 0, 1.0, np.where(pairs["d_x_hi"] < 0, -1.0, 0.0))
    pairs = compared(rows, [PairTest("x", higher_is_better("x").better, by_interval)], alpha=0.05)
    assert list(pairs["x_symbol"]) == [1.0, -1.0]  # the interval excludes 0, though p = 0.2
    assert list(pairs["x_symbol_holm"]) == [0.0, 0.0]  # the corrected symbol still goes by the adjusted p


def test_no_rows_make_an_empty_table():
    assert compared([], [lower_is_better("rmse")], alpha=0.05).empty


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_alpha_is_the_threshold(alpha):
    rows = [{"row": "a", "col": "b", "d_r": 1.0, "r_p": 0.03}, {"row": "b", "col": "a", "d_r": -1.0, "r_p": 0.03}]
    symbols = compared(rows, [higher_is_better("r")], alpha)["r_symbol"].tolist()
    assert symbols == ([1.0, -1.0] if alpha == 0.05 else [0.0, 0.0])
