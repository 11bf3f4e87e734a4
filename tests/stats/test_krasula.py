"""Krasula et al.'s pair analysis (stats/krasula.py, issue 31): fast DeLong against its closed form and the
structural components, the AUCs against scikit-learn, shown to fail on an injected error."""
import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from iqa_bench.stats import krasula as krasula_module
from iqa_bench.stats.evaluated_run import EvaluatedRun
from iqa_bench.stats.krasula import binomial_p, delong_p, fast_delong, krasula, pair_classes

from stats_helpers import Z, demo_scores, grouped_scores, jackknife_p_by_hand, mutant


def _delong_by_hand(pos, neg):
    """DeLong et al. 1988's structural components, written as the O(mn) double loop."""
    psi = (pos[:, :, None] > neg[:, None, :]) + 0.5 * (pos[:, :, None] == neg[:, None, :])  # k x m x n
    v10, v01 = psi.mean(axis=2), psi.mean(axis=1)
    return psi.mean(axis=(1, 2)), np.cov(v10) / pos.shape[1] + np.cov(v01) / neg.shape[1]


def _krasula_by_hand(scores, metric, higher=True):
    """Pairs classified with a double loop, AUCs from scikit-learn, C0 counted."""
    y, se, x = (scores[c].to_numpy(float) for c in ("score", "score_se", metric))
    sign = 1.0 if higher else -1.0
    labels_ds, values_ds, better = [], [], []
    for i in range(len(y)):
        for j in range(i + 1, len(y)):
            z = (y[i] - y[j]) / np.hypot(se[i], se[j])
            delta = sign * (x[i] - x[j])
            different = abs(z) > 1.959963984540054
            labels_ds.append(int(different))
            values_ds.append(abs(delta))
            if different:
                better.append(delta if z > 0 else -delta)
    better = np.array(better)
    auc_bw = roc_auc_score(np.r_[np.ones(better.size), np.zeros(better.size)], np.r_[better, -better])
    return roc_auc_score(labels_ds, values_ds), auc_bw, float((better > 0).mean())


def test_fast_delong_auc_has_its_closed_form_with_ties():
    aucs, _ = fast_delong(np.array([[1.0, 2.0, 3.0, 1.5]]), np.array([[0.0, 1.5]]))
    # pairs (pos > neg) + 1/2 ties: 1:(1,0) 2:(2,2) 3:(2,2) 1.5:(1, tie) -> (1 + 2 + 2 + 1.5) / 8
    assert aucs[0] == pytest.approx(6.5 / 8)


def test_fast_delong_covariance_equals_the_structural_components():
    rng = np.random.default_rng(1)
    pos = np.round(rng.normal(1, 1, (3, 40)), 1)  # rounded: ties included
    neg = np.round(rng.normal(0, 1, (3, 30)), 1)
    aucs, cov = fast_delong(pos, neg)
    ref_aucs, ref_cov = _delong_by_hand(pos, neg)
    np.testing.assert_allclose(aucs, ref_aucs)
    np.testing.assert_allclose(cov, ref_cov)
    z = (aucs[0] - aucs[1]) / np.sqrt(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert delong_p(aucs[:2], cov[:2, :2]) == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert binomial_p(0.8, 0.7, 500) == pytest.approx(2 * stats.norm.sf(0.1 / np.sqrt(0.75 * 0.25 * 2 / 500)))


def test_krasula_equals_scikit_learn_on_the_same_pairs():
    scores = demo_scores(n=70, seed=2)
    scores[["good", "poor", "distance"]] = scores[["good", "poor", "distance"]].round(1)  # ties in Δ
    result = krasula(EvaluatedRun.of(scores, ["good", "poor", "distance"], {"distance": False}, True))
    table = result.table.set_index("metric")
    for metric, higher in (("good", True), ("poor", True), ("distance", False)):
        expected = _krasula_by_hand(scores, metric, higher)
        got = table.loc[metric, ["auc_ds", "auc_bw", "c0"]].to_numpy(float)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert result.counts["pairs"] == 70 * 69 // 2
    assert table.loc["good", "auc_bw"] > table.loc["poor", "auc_bw"]
    pair = result.pairs.set_index(["row", "col"]).loc[("good", "poor")]
    assert pair["auc_bw_symbol"] == 1.0 and pair["d_auc_bw"] > 0


def test_ordinal_ranks_instead_of_midranks_fail_the_krasula_check(monkeypatch):
    """Injected error: ties ranked in order of appearance (no midranks) -> scikit-learn's AUC is missed."""
    scores = demo_scores(n=50, seed=3)
    scores["good"] = scores["good"].round(0)  # many tied differences
    monkeypatch.setattr(krasula_module, "_midrank", lambda x: stats.rankdata(x, method="ordinal"))
    result = krasula(EvaluatedRun.of(scores, ["good"], {}, True))
    expected = _krasula_by_hand(scores, "good")
    assert not np.allclose(result.table[["auc_ds", "auc_bw"]].to_numpy(float)[0], expected[:2], rtol=1e-6)


def test_pair_classes_follow_the_score_direction_and_zero_spreads():
    i, j, signif = pair_classes(np.array([5.0, 1.0, 1.0]), np.array([0.0, 0.0, 0.0]), higher_is_better=True)
    assert list(zip(i, j, signif)) == [(0, 1, 1), (0, 2, 1), (1, 2, 0)]
    _, _, flipped = pair_classes(np.array([5.0, 1.0, 1.0]), np.zeros(3), higher_is_better=False)
    assert list(flipped) == [-1, -1, 0]


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
                expected = jackknife_p_by_hand(full[a][k] - full[b][k], left[a][:, k] - left[b][:, k])
                assert pairs.loc[(a, b), f"{test}_p"] == pytest.approx(expected, rel=1e-9), (a, b, test)
    return result


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


def test_the_krasula_reference_jackknife_equals_leaving_each_reference_out_by_hand():
    frame = grouped_scores()
    result = _check_krasula_jackknife(krasula_module, frame, ["good", "poor", "distance"], {"distance": False})
    assert "jackknife" in result.titles["c0"] and set(result.tests) == {"auc_ds", "auc_bw", "c0"}


def test_a_cluster_pair_counted_twice_fails_the_krasula_jackknife_check(monkeypatch):
    """Injected error: a pair within one reference subtracted twice when that reference is left out."""
    from iqa_bench.stats import cluster_jackknife

    broken = mutant(cluster_jackknife, "            - np.bincount(cluster_i[same], weights[same], minlength=g))",
                    "            )")
    monkeypatch.setattr(cluster_jackknife, "pair_cluster_sums", broken.pair_cluster_sums)
    with pytest.raises(AssertionError):
        _check_krasula_jackknife(krasula_module, grouped_scores(), ["good", "poor"], {})


def test_without_references_the_krasula_matrices_say_they_take_pairs_as_independent():
    frame = grouped_scores().drop(columns="group:reference")
    result = krasula_module.krasula(EvaluatedRun.of(frame, ["good", "poor"], {}, True))
    assert result.unit == "items" and "no reference contents" in result.unit_note
    assert all("independent" in result.titles[t] for t in result.tests)
    one = krasula_module.krasula(EvaluatedRun.of(grouped_scores(refs=2, per_ref=30), ["good", "poor"], {}, True))
    assert one.unit == "items" and "2 reference content(s)" in one.unit_note


def test_the_c0_binomial_test_counts_b_and_w_as_the_authors_code_does():
    _check_krasula_item_tests(krasula_module, grouped_scores(seed=3))


def test_the_binomial_test_on_d_instead_of_2d_fails_its_check():
    """The surviving mutation of the audit: ``krasula()`` calling the binomial test with L = D."""
    broken = mutant(krasula_module, "count_bw = 2 * b.shape[1]", "count_bw = b.shape[1]")
    with pytest.raises(AssertionError):
        _check_krasula_item_tests(broken, grouped_scores(seed=3))
