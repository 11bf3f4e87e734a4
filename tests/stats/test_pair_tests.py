"""The tests of a difference between two metrics (issue 42): the paired jackknife over reference contents
for Krasula's AUCs and C₀ and for P.1401's RMSE, rmse* and outlier ratio; the standard's one-sided F rule;
McNemar and the paired item bootstrap. Each is held to a computation written here independently (loops over
the references, scikit-learn's AUC, scipy's laws) and shown to fail on an injected error -- the three
mutations an audit found surviving among them, applied to a copy of the module's source."""
import sys
import types

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from iqa_bench.stats import krasula as krasula_module
from iqa_bench.stats import p1401 as p1401_module
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.paired_tests import bootstrap_difference_p, draw_weights, mcnemar_p

Z = 1.959963984540054


def mutant(module, old: str, new: str):
    """A copy of ``module`` with ``old`` replaced by ``new`` in its source (exactly once)."""
    source = open(module.__file__).read()
    if source.count(old) != 1:  # not an AssertionError: the mutation tests expect one from the check alone
        raise LookupError(f"the mutation site {old!r} is not unique in {module.__file__}")
    copy = types.ModuleType(module.__name__ + "_mutant")
    copy.__dict__.update(__package__=module.__package__, __file__=module.__file__)
    sys.modules[copy.__name__] = copy  # dataclasses look their module up while the class is made
    try:
        exec(compile(source.replace(old, new), module.__file__, "exec"), copy.__dict__)
    finally:
        del sys.modules[copy.__name__]
    return copy


def _grouped(seed=0, refs=8, per_ref=12):
    rng = np.random.default_rng(seed)
    reference = np.repeat([f"I{k:02d}" for k in range(refs)], per_ref)
    content = np.repeat(rng.normal(0, 0.8, refs), per_ref)  # a content effect: items of a reference move together
    y = rng.uniform(1, 8, reference.size)
    return pd.DataFrame({"score": y, "score_se": rng.uniform(0.05, 0.3, y.size), "group:reference": reference,
                         "good": np.round(y + content + rng.normal(0, 0.5, y.size), 1),
                         "poor": np.round(y + 0.5 * content + rng.normal(0, 0.9, y.size), 1),
                         "distance": np.round(-y + rng.normal(0, 0.7, y.size), 1)})


# --- Krasula: the reference jackknife -----------------------------------------------------------------------

def _krasula_figures_by_hand(frame, metric, higher):
    """AUC_DS, AUC_BW (scikit-learn) and C₀ over every pair of the frame's items, classified by a loop."""
    y, se, x = (frame[c].to_numpy(float) for c in ("score", "score_se", metric))
    labels, values, better = [], [], []
    for i in range(len(y)):
        for j in range(i + 1, len(y)):
            z = (y[i] - y[j]) / np.hypot(se[i], se[j])
            delta = (x[i] - x[j]) * (1 if higher else -1)
            labels.append(int(abs(z) > Z))
            values.append(abs(delta))
            if abs(z) > Z:
                better.append(delta if z > 0 else -delta)
    better = np.array(better)
    return (roc_auc_score(labels, values),
            roc_auc_score(np.r_[np.ones(better.size), np.zeros(better.size)], np.r_[better, -better]),
            float((better > 0).mean()))


def _jackknife_p_by_hand(full, left):
    g = len(left)
    var = (g - 1) / g * np.sum((left - left.mean()) ** 2)
    return 2 * stats.t.sf(abs(full) / np.sqrt(var), g - 1)


def _check_krasula_jackknife(module, frame, metrics, directions):
    result = module.krasula(EvaluatedRun.of(frame, metrics, directions, True))
    assert result.unit == "references" and result.clusters == frame["group:reference"].nunique()
    refs = sorted(frame["group:reference"].unique())
    full = {m: _krasula_figures_by_hand(frame, m, directions.get(m, True)) for m in metrics}
    left = {m: np.array([_krasula_figures_by_hand(frame[frame["group:reference"] != r], m, directions.get(m, True))
                         for r in refs]) for m in metrics}
    pairs = result.pairs.set_index(["row", "col"])
    for a in metrics:
        for b in metrics:
            if a == b:
                continue
            for k, test in enumerate(("auc_ds", "auc_bw", "c0")):
                expected = _jackknife_p_by_hand(full[a][k] - full[b][k], left[a][:, k] - left[b][:, k])
                assert pairs.loc[(a, b), f"{test}_p"] == pytest.approx(expected, rel=1e-9), (a, b, test)
    return result


def test_the_krasula_reference_jackknife_equals_leaving_each_reference_out_by_hand():
    frame = _grouped()
    result = _check_krasula_jackknife(krasula_module, frame, ["good", "poor", "distance"], {"distance": False})
    assert "jackknife" in result.titles["c0"] and set(result.tests) == {"auc_ds", "auc_bw", "c0"}


def test_a_cluster_pair_counted_twice_fails_the_krasula_jackknife_check(monkeypatch):
    """Injected error: a pair within one reference subtracted twice when that reference is left out."""
    from iqa_bench.stats import cluster_jackknife

    broken = mutant(cluster_jackknife, "            - np.bincount(cluster_i[same], weights[same], minlength=g))",
                    "            )")
    monkeypatch.setattr(cluster_jackknife, "pair_cluster_sums", broken.pair_cluster_sums)
    with pytest.raises(AssertionError):
        _check_krasula_jackknife(krasula_module, _grouped(), ["good", "poor"], {})


def test_without_references_the_krasula_matrices_say_they_take_pairs_as_independent():
    frame = _grouped().drop(columns="group:reference")
    result = krasula_module.krasula(EvaluatedRun.of(frame, ["good", "poor"], {}, True))
    assert result.unit == "items" and "no reference contents" in result.unit_note
    assert all("independent" in result.titles[t] for t in result.tests)
    one = krasula_module.krasula(EvaluatedRun.of(_grouped(refs=2, per_ref=30), ["good", "poor"], {}, True))
    assert one.unit == "items" and "2 reference content(s)" in one.unit_note


# --- Krasula: the item-level tests (on request) -------------------------------------------------------------

def _check_krasula_item_tests(module, frame):
    result = module.krasula(EvaluatedRun.of(frame, ["good", "poor"], {}, True, pair_tests="items"))
    good, poor = (_krasula_figures_by_hand(frame, m, True) for m in ("good", "poor"))
    y, se = frame["score"].to_numpy(float), frame["score_se"].to_numpy(float)
    different = sum(abs(y[i] - y[j]) / np.hypot(se[i], se[j]) > Z for i in range(len(y)) for j in range(i + 1, len(y)))
    pooled = (good[2] + poor[2]) / 2
    # significanceBinomial of Krasula's Metrics_performance.m: L = the B and the W values together = 2 D
    z = abs(good[2] - poor[2]) / np.sqrt(2 * pooled * (1 - pooled) / (2 * different))
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["c0_p"] == pytest.approx(2 * stats.norm.sf(z), rel=1e-9)
    return result


def test_the_c0_binomial_test_counts_b_and_w_as_the_authors_code_does():
    _check_krasula_item_tests(krasula_module, _grouped(seed=3))


def test_the_binomial_test_on_d_instead_of_2d_fails_its_check():
    """The surviving mutation of the audit: ``krasula()`` calling the binomial test with L = D."""
    broken = mutant(krasula_module, "count_bw = 2 * b.shape[1]", "count_bw = b.shape[1]")
    with pytest.raises(AssertionError):
        _check_krasula_item_tests(broken, _grouped(seed=3))


def test_mcnemar_of_c0_pairs_the_two_metrics_outcomes():
    frame = _grouped(seed=5)
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


def _predictions(frame, metrics, fit="logistic5"):
    from iqa_bench.stats.regression import MetricRegression

    return {m: MetricRegression(fit=fit, n_boot=0).fit(frame[m], frame["score"]).predict(frame[m].to_numpy(float))
            for m in metrics}


def _p1401_by_hand(y, pred, half, d):
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
            fa, fb = _p1401_by_hand(y, pred[a], half, d), _p1401_by_hand(y, pred[b], half, d)
            zeta = max(fa[0], fb[0]) ** 2 / min(fa[0], fb[0]) ** 2
            assert pairs.loc[(a, b), "rmse_p"] == pytest.approx(stats.f.sf(zeta, n - d, n - d), rel=1e-9)
            left = np.array([[np.subtract(*[_p1401_by_hand(y[refs != r], pred[m][refs != r], half[refs != r], d)[k]
                                            for m in (a, b)]) for k in range(3)] for r in sorted(set(refs))])
            for k, test in enumerate(("rmse", "rmse_star", "or")):
                expected = _jackknife_p_by_hand(fa[k] - fb[k], left[:, k])
                assert pairs.loc[(a, b), f"{test}_paired_p"] == pytest.approx(expected, rel=1e-9), (a, b, test)
    return result


def test_the_p1401_pairs_equal_the_f_law_and_the_reference_jackknife_by_hand():
    result = _check_p1401_pairs(p1401_module, _grouped(seed=7), ["good", "poor", "distance"])
    assert "§7.6.4" in result.titles["rmse"] and "one-sided" in result.titles["rmse"]
    assert "jackknife" in result.titles["rmse_paired"]


def test_the_f_test_on_n_instead_of_n_minus_d_fails_its_check():
    """The surviving mutation of the audit: the pair F-test with N degrees of freedom instead of N − d."""
    broken = mutant(p1401_module, '"rmse": (fa.rmse, fb.rmse, f_p(fa.rmse, fb.rmse, fa.n - d))',
                    '"rmse": (fa.rmse, fb.rmse, f_p(fa.rmse, fb.rmse, fa.n))')
    with pytest.raises(AssertionError):
        _check_p1401_pairs(broken, _grouped(seed=7), ["good", "poor"])


def _check_outlier_boundary(module):
    # errors exactly on the interval's half-width (binary fractions: exact in floating point) are not outliers
    y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0])
    half = np.array([0.5, 0.25, 0.125, 0.5, 0.25, 0.5, 0.5, 0.5])
    pred = y + np.array([0.5, -0.25, 0.125, 0.75, 0.0, -0.5, 0.5, 0.0])  # |e| = c on five, > c on one
    fig = module.p1401_figures(y, pred, half, d=0)
    assert (fig.outliers, fig.outlier_ratio) == (1, 1 / 8)  # P.1401 §7.5.2.2: |e| > c


def test_an_error_on_the_interval_is_not_an_outlier():
    _check_outlier_boundary(p1401_module)


def test_outliers_counted_with_greater_or_equal_fail_the_boundary_check():
    """The surviving mutation of the audit: ``>=`` instead of ``>``."""
    broken = mutant(p1401_module, "outliers = int((error > c).sum())", "outliers = int((error >= c).sum())")
    with pytest.raises(AssertionError):
        _check_outlier_boundary(broken)


def test_the_item_level_p1401_tests_are_paired_and_said_so():
    frame = _grouped(seed=9)
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
    full = {m: _p1401_by_hand(y, pred[m], half, 5)[0] for m in pred}
    expected = 2 * stats.norm.sf(abs(full["good"] - full["poor"]) / (rmse["good"] - rmse["poor"]).std(ddof=1))
    assert pair["rmse_paired_p"] == pytest.approx(expected, rel=1e-9)


def test_per_item_ratings_set_each_items_t_quantile():
    se = np.array([0.1, 0.1, 0.1])
    half = p1401_module.interval_half_width(se, np.array([10.0, 31.0, np.nan]))
    np.testing.assert_allclose(half, [stats.t.ppf(0.975, 9) * 0.1, stats.t.ppf(0.975, 30) * 0.1, 1.959964 * 0.1],
                               rtol=1e-6)


def test_no_p1401_table_without_a_mapping():
    assert p1401_module.p1401(EvaluatedRun.of(_grouped(), ["good"], ratings=30, fit="none")) is None
