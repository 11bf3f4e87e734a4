"""The tests of a difference between two metrics (issue 42): the paired jackknife over reference contents
for Krasula's AUCs and C₀ and for P.1401's RMSE, rmse* and outlier ratio; the standard's one-sided F rule;
McNemar and the paired item bootstrap. Each is held to a computation written here independently (loops over
the references, scikit-learn's AUC, scipy's laws) and shown to fail on an injected error -- the three
mutations an audit found surviving among them, applied to a copy of the module's source."""

import numpy as np
import pytest
from scipy import stats

from iqa_bench.stats import krasula as krasula_module
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.paired_tests import bootstrap_difference_p, draw_weights, mcnemar_p

from stats_helpers import Z, grouped_scores


# --- Krasula: the reference jackknife -----------------------------------------------------------------------


# --- Krasula: the item-level tests (on request) -------------------------------------------------------------


def test_mcnemar_of_c0_pairs_the_two_metrics_outcomes():
    frame = grouped_scores(seed=5)
    result = krasula_module.krasula(EvaluatedRun.of(frame, ["good", "poor"], {}, True, pair_tests="items"))
    assert "c0_mcnemar" in result.tests
    y, se = frame["score"].to_numpy(float), frame["score_se"].to_numpy(float)
    hits = {m: [] for m in ("good", "poor")}
    for i in range(len(y)):
        for j in range(i + 1, len(y)):
            z = (y[i] - y[j]) / np.hypot(se[i], se[j])
            if abs(z) > Z:
                for m in hits:
                    x = frame[m].to_numpy(float)
                    hits[m].append((x[i] - x[j]) * np.sign(z) > 0)
    only_good = sum(g and not p for g, p in zip(hits["good"], hits["poor"]))
    only_poor = sum(p and not g for g, p in zip(hits["good"], hits["poor"]))
    expected = stats.binomtest(min(only_good, only_poor), only_good + only_poor, 0.5).pvalue
    assert result.pairs.set_index(["row", "col"]).loc[("good", "poor"), "c0_mcnemar_p"] == pytest.approx(expected)


def test_mcnemar_and_the_paired_bootstrap_equal_their_laws():
    a = np.array([1, 1, 1, 0, 0, 1, 1, 0, 1, 1], bool)
    b = np.array([0, 0, 1, 0, 1, 0, 0, 0, 1, 0], bool)  # only a: 5, only b: 1
    assert mcnemar_p(a, b) == pytest.approx(stats.binomtest(1, 6, 0.5).pvalue)
    assert mcnemar_p(a, a) == 1.0
    replicates = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    assert bootstrap_difference_p(0.2, replicates) == pytest.approx(2 * stats.norm.sf(0.2 / replicates.std(ddof=1)))
    weights = draw_weights(50, 7, seed=1)
    assert weights.shape == (50, 7) and (weights.sum(axis=1) == 7).all()


# --- P.1401: the standard's F rule, the reference jackknife, the boundary of an outlier ----------------------
