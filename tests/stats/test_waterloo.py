"""The Waterloo L-test and P-test (stats/waterloo.py): on the sample a metric that is the known severity scores
1.0 and a random one chance; both held to a brute-force computation written from the paper's definitions;
ties, constant metrics, the level gap and a dataset without levels."""
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench.stats.waterloo import has_levels, waterloo_table


@pytest.fixture(scope="module")
def sample_scores(sample_items):
    return pd.DataFrame({"item": [it.item_id for it in sample_items], "score": [it.score for it in sample_items],
                         **{f"group:{g}": [it.groups[g] for it in sample_items]
                            for g in ("reference", "distortion", "level")}})


def test_the_known_severity_scores_one_and_a_random_metric_chance(sample_scores):
    rng = np.random.default_rng(0)
    scores = sample_scores.assign(severity=sample_scores["score"], random=rng.normal(size=len(sample_scores)))
    table = waterloo_table(scores, ["severity", "random"], {"severity": False, "random": True}, n_boot=200)
    by = table.set_index("metric")
    assert by.loc["severity", "l_test"] == pytest.approx(1.0, abs=1e-12) and by.loc["severity", "p_test"] == 1.0
    assert by.loc["severity", "lists"] == 30 and by.loc["severity", "pairs"] == 30 * 10  # 6 refs x 5 types, C(5,2)
    assert abs(by.loc["random", "l_test"]) < 0.15 and abs(by.loc["random", "p_test"] - 0.5) < 0.08
    assert by.loc["random", "l_test_lo"] < 0 < by.loc["random", "l_test_hi"]  # chance is inside its interval
    assert by.loc["random", "p_test_lo"] < 0.5 < by.loc["random", "p_test_hi"]
    assert by.loc["severity", "p_test_lo"] == 1.0


def _brute_force(scores, metric, higher_is_better, min_gap=1):
    sign = 1 if higher_is_better else -1
    srccs, concordant, pairs = [], 0.0, 0
    for _, part in scores.groupby(["group:reference", "group:distortion"]):
        levels, values = part["group:level"].astype(float).to_numpy(), sign * part[metric].to_numpy()
        if len(set(levels)) > 1 and len(set(values)) > 1:
            srccs.append(stats.spearmanr(levels, values)[0] * -1)
        for i, j in itertools.combinations(range(len(part)), 2):
            if abs(levels[i] - levels[j]) >= min_gap:
                pairs += 1
                milder, stronger = (i, j) if levels[i] < levels[j] else (j, i)
                concordant += 1.0 if values[milder] > values[stronger] else 0.5 if values[milder] == values[stronger] else 0
    return np.mean(srccs), concordant / pairs


@pytest.mark.parametrize("min_gap", [1, 2])
def test_both_equal_a_brute_force_computation(sample_scores, min_gap):
    rng = np.random.default_rng(1)
    noisy = -sample_scores["score"] + rng.normal(0, 25, len(sample_scores))
    scores = sample_scores.assign(noisy=noisy.round(-1))  # rounded: ties within lists
    table = waterloo_table(scores, ["noisy"], {"noisy": True}, n_boot=0, min_gap=min_gap)
    l_value, p_value = _brute_force(scores, "noisy", True, min_gap)
    assert table["l_test"].iloc[0] == pytest.approx(l_value, abs=1e-12)
    assert table["p_test"].iloc[0] == pytest.approx(p_value, abs=1e-12)
    injected = _brute_force(scores.assign(noisy=np.roll(scores["noisy"].to_numpy(), 1)), "noisy", True, min_gap)
    assert abs(injected[1] - p_value) > 1e-3  # the check can fail


def test_a_constant_metric_and_a_dataset_without_levels(sample_scores):
    table = waterloo_table(sample_scores.assign(flat=1.0), ["flat"], {"flat": True}, n_boot=0)
    assert np.isnan(table["l_test"].iloc[0]) and table["lists_left_out"].iloc[0] == 30
    assert table["p_test"].iloc[0] == 0.5  # every pair a tie: half each
    assert not has_levels(sample_scores.drop(columns=["group:level"]))
    assert waterloo_table(sample_scores.assign(**{"group:level": "high"}), ["score"], {"score": False}) is None
