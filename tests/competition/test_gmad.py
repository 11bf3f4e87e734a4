"""gMAD pair selection (competition/gmad.py): each metric on the pool's quality quantiles (or the run's
mapping onto the subjective scores), per ordered pair and level the defender's two values equal within the
tolerance and the attacker's the best and worst of the candidates -- held to a brute-force search."""
import itertools

import numpy as np
import pandas as pd
import pytest

from iqa_bench.competition.gmad import GmadSettings, on_common_scale, rank_scale, select_pairs


def test_the_rank_scale_is_the_oriented_quantile_with_mid_ranks():
    values = pd.Series([3.0, 1.0, 2.0, 2.0, np.nan])
    np.testing.assert_allclose(rank_scale(values, True)[:4], [4 / 4, 1 / 4, 2.5 / 4, 2.5 / 4])
    np.testing.assert_allclose(rank_scale(values, False)[:4], [1 / 4, 4 / 4, 2.5 / 4, 2.5 / 4])  # a distance
    assert np.isnan(rank_scale(values, True)[4])


def _brute_force(d, a, centre, half):
    """The attacker's largest gap over every pair of candidates within ``half`` of the level."""
    candidates = [i for i in range(len(d)) if abs(d[i] - centre) <= half]
    gaps = [(a[i] - a[j], i, j) for i, j in itertools.permutations(candidates, 2)]
    return max(gaps) if gaps else None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pairs_are_equal_by_the_defender_and_most_different_by_the_attacker(seed):
    rng = np.random.default_rng(seed)
    n = 200
    quality = rng.uniform(size=n)
    raw = pd.DataFrame({"near": quality + rng.normal(0, 0.05, n), "far": quality + rng.normal(0, 0.4, n),
                        "dist": -quality + rng.normal(0, 0.2, n)})
    scaled = on_common_scale(raw, ["near", "far", "dist"], {"near": True, "far": True, "dist": False})
    settings = GmadSettings(levels=5, tolerance=0.05)
    pairs = select_pairs(scaled, [f"i{k}" for k in range(n)], settings)
    assert len(pairs) == 3 * 2 * 5 and (pairs["better"] != "").all()
    for _, row in pairs.iterrows():
        d, a = scaled[row["defender"]].to_numpy(), scaled[row["attacker"]].to_numpy()
        span = d.max() - d.min()
        assert abs(row["defender_better"] - row["defender_worse"]) <= settings.tolerance * span + 1e-12
        gap, _, _ = _brute_force(d, a, row["level_value"], settings.tolerance * span / 2)
        assert row["attacker_gap"] == pytest.approx(gap)
    assert (pairs["attacker_better"] >= pairs["attacker_worse"]).all()


def test_a_level_without_two_candidates_has_no_pair():
    scaled = pd.DataFrame({"a": [0.0, 0.5, 1.0], "b": [0.2, 0.4, 0.9]})
    pairs = select_pairs(scaled, ["x", "y", "z"], GmadSettings(levels=3, tolerance=0.1))
    assert (pairs["better"] == "").all() and (pairs["candidates"] <= 1).all() and pairs["attacker_gap"].isna().all()


@pytest.mark.parametrize("field,value,message", [("levels", 0, "at least 1"), ("tolerance", 1.5, "between 0 and 1"),
                                                 ("scale", "zscore", "valid: rank, mos")])
def test_bad_settings_are_named(field, value, message):
    with pytest.raises(ValueError, match=message):
        GmadSettings(**{field: value})
