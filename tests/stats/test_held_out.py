"""The held-out mapping (stats/held_out.py): folds disjoint by content and seeded, each prediction a refit without
its fold, shown to fail where a mapping sees its test items."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench.stats.evaluated_run import EvaluatedRun


def _grouped_scores(seed=4, refs=10, per_ref=12):
    rng = np.random.default_rng(seed)
    reference = np.repeat([f"r{k:02d}" for k in range(refs)], per_ref)
    y = rng.uniform(0, 9, reference.size)
    x = 1 / (1 + np.exp(-(y - 4.5))) + rng.normal(0, 0.08, y.size)
    return pd.DataFrame({"score": y, "group:reference": reference, "m": x})


def test_folds_are_content_disjoint_and_seeded():
    from iqa_bench.stats.held_out import reference_folds

    scores = _grouped_scores()
    folds = reference_folds(scores["group:reference"], 5, seed=0)
    for ref, part in scores.groupby("group:reference"):
        assert len(set(folds[part.index])) == 1  # a reference's items all in one fold
    assert sorted(np.bincount(folds)) == [24] * 5  # 10 references -> 2 per fold
    assert np.array_equal(folds, reference_folds(scores["group:reference"], 5, seed=0))
    assert reference_folds(["a", "a", "b"], 5).max() == 1  # k capped at the number of references


def test_held_out_predictions_equal_refits_without_each_fold():
    """Independent computation: each fold's mapping refitted here on the other folds' items, PLCC by scipy."""
    from iqa_bench.stats.held_out import held_out_table, reference_folds
    from iqa_bench.stats.regression import MetricRegression

    scores = _grouped_scores()
    folds = reference_folds(scores["group:reference"], 5, seed=0)
    x, y = scores["m"].to_numpy(), scores["score"].to_numpy()
    expected = np.empty_like(y)
    for fold in range(5):
        train = folds != fold
        expected[~train] = MetricRegression(fit="logistic5", n_boot=0).fit(x[train], y[train]).predict(x[~train])
    row = held_out_table(EvaluatedRun.of(scores, ["m"])).iloc[0]
    assert row["plcc_held_out"] == pytest.approx(stats.pearsonr(expected, y)[0])
    assert row["rmse_held_out"] == pytest.approx(np.sqrt(np.mean((expected - y) ** 2)))
    inside = MetricRegression(fit="logistic5", n_boot=0).fit(x, y).predict(x)
    assert row["rmse_in_sample"] == pytest.approx(np.sqrt(np.mean((inside - y) ** 2)))
    assert row["rmse_held_out"] > row["rmse_in_sample"]  # the in-sample figure is the optimistic one
    assert row["d_rmse"] == pytest.approx(row["rmse_held_out"] - row["rmse_in_sample"])


def test_a_mapping_that_sees_its_test_items_fails_the_held_out_check(monkeypatch):
    """Injected error: every fold's mapping fitted on all items (the leak held-out mapping exists to stop)
    -> the held-out RMSE no longer equals the independent refits'."""
    from iqa_bench.stats import held_out as held_out_module
    from iqa_bench.stats.regression import MetricRegression

    scores = _grouped_scores()
    x, y = scores["m"].to_numpy(), scores["score"].to_numpy()
    folds = held_out_module.reference_folds(scores["group:reference"], 5, seed=0)
    expected = np.empty_like(y)
    for fold in range(5):
        train = folds != fold
        expected[~train] = MetricRegression(fit="logistic5", n_boot=0).fit(x[train], y[train]).predict(x[~train])
    monkeypatch.setattr(held_out_module, "held_out_predictions",
                        lambda x, y, folds, fit, *_: MetricRegression(fit=fit, n_boot=0).fit(x, y).predict(x))
    row = held_out_module.held_out_table(EvaluatedRun.of(scores, ["m"])).iloc[0]
    assert row["rmse_held_out"] != pytest.approx(np.sqrt(np.mean((expected - y) ** 2)), rel=1e-6)
