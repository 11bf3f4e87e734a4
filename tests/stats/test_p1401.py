"""ITU-T P.1401 figures (stats/p1401.py, issue 31), held to the formulas written out here and shown to fail on an
injected error."""

import numpy as np
import pytest
from scipy import stats

from iqa_bench.stats import p1401 as p1401_module
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.p1401 import interval_half_width, p1401, p1401_figures
from iqa_bench.stats.paired_tests import draw_weights, mcnemar_p

from stats_helpers import demo_scores, grouped_scores, jackknife_p_by_hand, mutant


def _p1401_by_hand(y, pred, se, ratings, d):
    t = stats.t.ppf(0.975, ratings - 1)
    rmse = rmse_star = 0.0
    outliers = 0
    for yi, pi, si in zip(y, pred, se):
        e = abs(yi - pi)
        c = t * si
        rmse += e * e
        rmse_star += max(0.0, e - c) ** 2
        outliers += e > c
    n = len(y)
    return (rmse / (n - d)) ** 0.5, (rmse_star / (n - d)) ** 0.5, outliers / n


def test_p1401_figures_equal_the_formulas_written_out():
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    pred = y + np.array([0.1, -0.5, 0.2, 0.0, 0.3, -0.25, 0.05, 0.6])
    se = np.full(8, 0.1)
    # c = t(0.975, 9) x 0.1 = 0.2262: errors 0.5, 0.3, 0.25, 0.6 exceed it -> 4 outliers of 8
    assert interval_half_width(se, 10)[0] == pytest.approx(0.22622, abs=1e-5)
    fig = p1401_figures(y, pred, interval_half_width(se, 10), d=5)
    rmse, rmse_star, ratio = _p1401_by_hand(y, pred, se, 10, 5)
    assert (fig.rmse, fig.rmse_star, fig.outlier_ratio) == pytest.approx((rmse, rmse_star, ratio))
    assert fig.outliers == 4 and fig.outlier_ratio == 4 / 8
    assert fig.rmse == pytest.approx(np.sqrt(np.sum((y - pred) ** 2) / 3))  # N - d = 3
    assert interval_half_width(se, None)[0] == pytest.approx(0.1 * 1.959964)  # K unknown: normal quantile


def test_p1401_on_a_run_uses_the_fitted_mapping_and_its_parameters():
    from iqa_bench.stats.regression import MetricRegression

    scores = demo_scores()
    result = p1401(EvaluatedRun.of(scores, ["good", "poor"], ratings=30))
    row = result.table.set_index("metric").loc["good"]
    model = MetricRegression(fit="logistic5", n_boot=0).fit(scores["good"], scores["score"])
    by_hand = _p1401_by_hand(scores["score"], model.predict(scores["good"].to_numpy()), scores["score_se"], 30, 5)
    assert (row["rmse_dof"], row["rmse_star"], row["outlier_ratio"]) == pytest.approx(by_hand)
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["rmse_symbol"] == 1.0 and pair["rmse_p"] < 1e-6  # the less noisy metric is better
    assert result.pairs.set_index(["row", "col"]).loc[("poor", "good"), "rmse_symbol"] == -1.0


def test_a_wrong_number_of_mapping_parameters_fails_the_p1401_check(monkeypatch):
    """Injected error: the mapping's d forgotten (N instead of N - d) -> the by-hand value is missed."""
    from iqa_bench.stats.regression import MetricRegression

    scores = demo_scores(n=20)
    monkeypatch.setitem(p1401_module.MAPPING_PARAMETERS, "logistic5", 0)
    result = p1401(EvaluatedRun.of(scores, ["good"], ratings=30))
    model = MetricRegression(fit="logistic5", n_boot=0).fit(scores["good"], scores["score"])
    by_hand = _p1401_by_hand(scores["score"], model.predict(scores["good"].to_numpy()), scores["score_se"], 30, 5)
    assert result.table["rmse_dof"].iloc[0] != pytest.approx(by_hand[0], rel=1e-3)


def test_no_p1401_result_where_no_metric_has_more_items_than_mapping_parameters():
    """Five items and a 5-parameter mapping: no metric has figures, so there is no P.1401 result (the run
    writes no p1401 table) rather than a table without its columns."""
    scores = demo_scores(n=5)
    assert p1401(EvaluatedRun.of(scores, ["good", "poor"], ratings=30)) is None


def _predictions(frame, metrics, fit="logistic5"):
    from iqa_bench.stats.regression import MetricRegression

    return {m: MetricRegression(fit=fit, n_boot=0).fit(frame[m], frame["score"]).predict(frame[m].to_numpy(float))
            for m in metrics}


def _figures_by_hand(y, pred, half, d):
    e = np.abs(y - pred)
    n = len(y)
    return (np.sqrt(np.sum(e ** 2) / (n - d)), np.sqrt(np.sum(np.maximum(0, e - half) ** 2) / (n - d)),
            np.sum(e > half) / n)


def _check_p1401_pairs(module, frame, metrics, ratings=30):
    result = module.p1401(EvaluatedRun.of(frame, metrics, ratings=ratings))
    pred = _predictions(frame, metrics)
    y = frame["score"].to_numpy(float)
    half = stats.t.ppf(0.975, ratings - 1) * frame["score_se"].to_numpy(float)
    refs = frame["group:reference"].to_numpy()
    n, d = len(y), 5
    pairs = result.pairs.set_index(["row", "col"])
    for a in metrics:
        for b in metrics:
            if a == b:
                continue
            fa, fb = _figures_by_hand(y, pred[a], half, d), _figures_by_hand(y, pred[b], half, d)
            zeta = max(fa[0], fb[0]) ** 2 / min(fa[0], fb[0]) ** 2
            assert pairs.loc[(a, b), "rmse_p"] == pytest.approx(stats.f.sf(zeta, n - d, n - d), rel=1e-9)
            left = np.array([[np.subtract(*[_figures_by_hand(y[refs != r], pred[m][refs != r], half[refs != r], d)[k]
                                            for m in (a, b)]) for k in range(3)] for r in sorted(set(refs))])
            for k, test in enumerate(("rmse", "rmse_star", "or")):
                expected = jackknife_p_by_hand(fa[k] - fb[k], left[:, k])
                assert pairs.loc[(a, b), f"{test}_paired_p"] == pytest.approx(expected, rel=1e-9), (a, b, test)
    return result


def _check_outlier_boundary(module):
    # errors exactly on the interval's half-width (binary fractions: exact in floating point) are not outliers
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    half = np.array([0.5, 0.25, 0.125, 0.5, 0.25, 0.5, 0.5, 0.5])
    pred = y + np.array([0.5, -0.25, 0.125, 0.75, 0.0, -0.5, 0.5, 0.0])  # |e| = c on five, > c on one
    fig = module.p1401_figures(y, pred, half, d=0)
    assert (fig.outliers, fig.outlier_ratio) == (1, 1 / 8)  # P.1401 §7.5.2.2: |e| > c


def test_the_p1401_f_test_is_the_standards_one_sided_rule():
    # ζ = 0.5² / 0.4² = 1.5625 compared with the upper 5 % point of F(95, 95): p = P(F > ζ), either order
    assert p1401_module.f_p(0.5, 0.4, 95) == pytest.approx(stats.f.sf(1.5625, 95, 95))
    assert p1401_module.f_p(0.4, 0.5, 95) == pytest.approx(stats.f.sf(1.5625, 95, 95))
    # on TID2013 (3000 items, d = 5) an RMSE ratio of 1.0305 is the critical one (the audit's figure)
    critical = np.sqrt(stats.f.ppf(0.95, 2995, 2995))
    assert critical == pytest.approx(1.0305, abs=5e-5)
    assert p1401_module.f_p(1.0306, 1.0, 2995) < 0.05 < p1401_module.f_p(1.0304, 1.0, 2995)
    z = 0.10 / np.sqrt(0.25 * 0.75 * 2 / 200)
    assert p1401_module.proportions_p(0.3, 0.2, 200) == pytest.approx(2 * stats.norm.sf(z))


def test_the_p1401_pairs_equal_the_f_law_and_the_reference_jackknife_by_hand():
    result = _check_p1401_pairs(p1401_module, grouped_scores(seed=7), ["good", "poor", "distance"])
    assert "§7.6.4" in result.titles["rmse"] and "one-sided" in result.titles["rmse"]
    assert "jackknife" in result.titles["rmse_paired"]


def test_the_f_test_on_n_instead_of_n_minus_d_fails_its_check():
    """The surviving mutation of the audit: the pair F-test with N degrees of freedom instead of N − d."""
    broken = mutant(p1401_module, '"rmse": (fa.rmse, fb.rmse, f_p(fa.rmse, fb.rmse, fa.n - d))',
                    '"rmse": (fa.rmse, fb.rmse, f_p(fa.rmse, fb.rmse, fa.n))')
    with pytest.raises(AssertionError):
        _check_p1401_pairs(broken, grouped_scores(seed=7), ["good", "poor"])


def test_an_error_on_the_interval_is_not_an_outlier():
    _check_outlier_boundary(p1401_module)


def test_outliers_counted_with_greater_or_equal_fail_the_boundary_check():
    """The surviving mutation of the audit: ``>=`` instead of ``>``."""
    broken = mutant(p1401_module, "outliers = int((error > c).sum())", "outliers = int((error >= c).sum())")
    with pytest.raises(AssertionError):
        _check_outlier_boundary(broken)


def test_the_item_level_p1401_tests_are_paired_and_said_so():
    frame = grouped_scores(seed=9)
    result = p1401_module.p1401(EvaluatedRun.of(frame, ["good", "poor"], ratings=30, pair_tests="items",
                                                 bootstrap=200, seed=1))
    assert result.unit == "items" and "McNemar" in result.titles["or_paired"]
    pred = _predictions(frame, ["good", "poor"])
    half = stats.t.ppf(0.975, 29) * frame["score_se"].to_numpy(float)
    y = frame["score"].to_numpy(float)
    outlier = {m: np.abs(y - pred[m]) > half for m in pred}
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["or_paired_p"] == pytest.approx(mcnemar_p(outlier["good"], outlier["poor"]))
    weights = draw_weights(200, len(y), 1)  # the same resamples, drawn again
    rmse = {m: np.sqrt(weights @ (y - pred[m]) ** 2 / (weights.sum(axis=1) - 5)) for m in pred}
    full = {m: _figures_by_hand(y, pred[m], half, 5)[0] for m in pred}
    expected = 2 * stats.norm.sf(abs(full["good"] - full["poor"]) / (rmse["good"] - rmse["poor"]).std(ddof=1))
    assert pair["rmse_paired_p"] == pytest.approx(expected, rel=1e-9)


def test_per_item_ratings_set_each_items_t_quantile():
    se = np.array([0.1, 0.1, 0.1])
    half = p1401_module.interval_half_width(se, np.array([10.0, 31.0, np.nan]))
    np.testing.assert_allclose(half, [stats.t.ppf(0.975, 9) * 0.1, stats.t.ppf(0.975, 30) * 0.1, 1.959964 * 0.1],
                               rtol=1e-6)


def test_no_p1401_table_without_a_mapping():
    assert p1401_module.p1401(EvaluatedRun.of(grouped_scores(), ["good"], ratings=30, fit="none")) is None
