"""2AFC agreement of the LPIPS protocol (stats/twoafc.py): the credit as the LPIPS repository's
``score_2afc_dataset`` computes it (``(d0 < d1) * (1 - gt) + (d1 < d0) * gt + (d1 == d0) * .5``), a subset's score
the mean credit, "all" the unweighted mean of the subsets, a similarity negated into a distance."""
import numpy as np
import pandas as pd
import pytest

from iqa_bench.stats.twoafc import credit, summarize_2afc


def test_the_credit_is_the_lpips_repositorys():
    d0, d1, gt = np.array([0.1, 0.5, 0.3, 0.2]), np.array([0.4, 0.2, 0.3, 0.2]), np.array([0.25, 0.75, 0.5, 1.0])
    repository = (d0 < d1) * (1.0 - gt) + (d1 < d0) * gt + (d1 == d0) * 0.5
    np.testing.assert_array_equal(credit(d0, d1, gt), repository)
    np.testing.assert_array_equal(credit(d0, d1, gt), [0.75, 0.75, 0.5, 0.5])


def _triplets(values0, values1, judges, subsets):
    rows = []
    for k, (a, b, judge, subset) in enumerate(zip(values0, values1, judges, subsets)):
        for side, value in (("p0", a), ("p1", b)):
            rows.append({"item": f"t{k}:{side}", "score": judge, "group:triplet": f"t{k}", "group:side": side,
                         "group:subset": subset, "m": value})
    return pd.DataFrame(rows)


def test_subsets_are_means_and_all_is_their_unweighted_mean():
    scores = _triplets([0.1, 0.5, 0.2, 0.9, 0.3], [0.4, 0.2, 0.6, 0.1, 0.3], [0.0, 1.0, 0.5, 0.25, 0.6],
                       ["cnn", "cnn", "traditional", "traditional", "traditional"])
    summary = summarize_2afc(scores, ["m"], {"m": False}, n_boot=0).set_index("group")
    assert summary.loc["cnn", "twoafc"] == pytest.approx((1.0 + 1.0) / 2)
    assert summary.loc["traditional", "twoafc"] == pytest.approx((0.5 + 0.25 + 0.5) / 3)
    assert summary.loc["all", "twoafc"] == pytest.approx((1.0 + (0.5 + 0.25 + 0.5) / 3) / 2)  # not (2 + 1.25) / 5
    assert summary.loc["all", "n"] == 5
    similar = summarize_2afc(scores.assign(m=-scores["m"]), ["m"], {"m": True}, n_boot=0).set_index("group")
    pd.testing.assert_series_equal(similar["twoafc"], summary["twoafc"])


def test_the_interval_is_a_seeded_percentile_bootstrap_around_the_score():
    rng = np.random.default_rng(0)
    n = 200
    scores = _triplets(rng.uniform(size=n), rng.uniform(size=n), rng.uniform(size=n), ["s"] * n)
    first = summarize_2afc(scores, ["m"], {"m": False}, n_boot=300, seed=4)
    again = summarize_2afc(scores, ["m"], {"m": False}, n_boot=300, seed=4)
    pd.testing.assert_frame_equal(first, again)
    row = first.set_index("group").loc["s"]
    assert row["twoafc_lo"] < row["twoafc"] < row["twoafc_hi"] and row["twoafc_hi"] - row["twoafc_lo"] < 0.15
