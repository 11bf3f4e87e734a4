"""The analysis of judged gMAD pairs (competition/analysis.py) held to outside references: the Bradley–Terry
fit to ``choix`` (its MM estimate; also with the half wins added where the estimate does not exist), its
standard errors to the inverse information of the reference-model parametrisation, Krippendorff's α to the
``krippendorff`` package, the Clopper–Pearson interval to its beta-quantile closed form -- each parity check
also shown to fail on an injected error -- and the matrices' bookkeeping on a hand-counted example."""
import choix
import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iqa_bench.competition.analysis import (analyse, bradley_terry, clopper_pearson, contest_counts,
                                            krippendorff_alpha, percent_agreement, wins_matrix)
from iqa_bench.competition.judgements import Judgements, JudgingSet

MODELS = ["m0", "m1", "m2", "m3"]


def _contests(seed, n=300, strengths=(1.5, 0.5, 0.0, -1.0)):
    rng = np.random.default_rng(seed)
    wins, data = np.zeros((4, 4)), []
    for _ in range(n):
        i, j = rng.choice(4, 2, replace=False)
        winner, loser = (i, j) if rng.random() < 1 / (1 + np.exp(strengths[j] - strengths[i])) else (j, i)
        wins[winner, loser] += 1
        data.append((winner, loser))
    return wins, data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bradley_terry_equals_choix(seed):
    wins, data = _contests(seed)
    fit = bradley_terry(wins, MODELS)
    reference = choix.mm_pairwise(4, data, max_iter=100_000, tol=1e-13)
    assert not fit.regularised
    np.testing.assert_allclose(fit.strength.to_numpy(), reference, atol=1e-9)
    injected = wins.copy()
    injected[0, 1] -= 1
    injected[1, 0] += 1  # one contest's winner swapped
    assert np.abs(bradley_terry(injected, MODELS).strength.to_numpy() - reference).max() > 1e-3


def test_where_the_estimate_does_not_exist_half_a_win_is_added_each_way():
    wins, _ = _contests(3)
    wins[:, 0] = 0  # m0 never loses: no maximum likelihood estimate
    fit = bradley_terry(wins, MODELS)
    doubled = [(i, j) for i in range(4) for j in range(4) if i != j
               for _ in range(int(2 * wins[i, j] + (wins[i, j] + wins[j, i] > 0)))]  # 2W + 1: the same MLE
    assert fit.regularised
    np.testing.assert_allclose(fit.strength.to_numpy(), choix.mm_pairwise(4, doubled, max_iter=100_000, tol=1e-13),
                               atol=1e-8)


def test_standard_errors_and_the_likelihood_ratio_test_by_another_route():
    """The covariance of the centred log-strengths from the inverse information with m0's strength fixed at 0,
    transformed to the centred parametrisation; the statistic from the log-likelihood written out."""
    wins, _ = _contests(4)
    fit = bradley_terry(wins, MODELS)
    theta = fit.strength.to_numpy()
    p = 1 / (1 + np.exp(theta[None, :] - theta[:, None]))
    n = wins + wins.T
    info = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            if i != j:
                info[i, j] = -n[i, j] * p[i, j] * p[j, i]
                info[i, i] += n[i, j] * p[i, j] * p[j, i]
    reduced = np.zeros((4, 4))
    reduced[1:, 1:] = np.linalg.inv(info[1:, 1:])
    centre = np.eye(4) - 1 / 4
    np.testing.assert_allclose(fit.se.to_numpy(), np.sqrt(np.diag(centre @ reduced @ centre.T)), rtol=1e-9)
    loglik = lambda t: sum(wins[i, j] * np.log(1 / (1 + np.exp(t[j] - t[i]))) for i in range(4) for j in range(4))
    statistic = 2 * (loglik(theta) - loglik(np.zeros(4)))
    assert fit.lr_statistic == pytest.approx(statistic, rel=1e-9)
    assert fit.lr_p == pytest.approx(stats.chi2.sf(statistic, 3), rel=1e-9)


def _ratings(seed, observers=4, trials=30):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, trials)
    rows, matrix = [], np.full((observers, trials), np.nan)
    for o in range(observers):
        for t in range(trials):
            if rng.random() < 0.75:
                answer = truth[t] if rng.random() < 0.6 else rng.integers(0, 3)
                matrix[o, t] = answer
                rows.append({"observer": f"o{o}", "trial": f"t{t}", "preferred": ("a", "same", "b")[answer]})
    return pd.DataFrame(rows), matrix


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_krippendorff_alpha_equals_the_krippendorff_package(seed):
    table, matrix = _ratings(seed)
    reference = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert krippendorff_alpha(table) == pytest.approx(reference, abs=1e-12)
    injected = table.copy()
    injected.loc[0, "preferred"] = {"a": "b", "b": "same", "same": "a"}[injected.loc[0, "preferred"]]
    assert abs(krippendorff_alpha(injected) - reference) > 1e-4


def test_agreement_by_hand_and_where_there_is_none():
    table = pd.DataFrame({"observer": ["x", "y", "z", "x", "y"], "trial": ["t1", "t1", "t1", "t2", "t2"],
                          "preferred": ["a", "a", "b", "same", "same"]})
    assert percent_agreement(table) == pytest.approx(2 / 4)  # t1: 1 of 3 pairs agree; t2: 1 of 1
    alone = table.assign(trial=["t1", "t2", "t3", "t4", "t5"])
    assert np.isnan(percent_agreement(alone)) and np.isnan(krippendorff_alpha(alone))


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (17, 40)])
def test_the_clopper_pearson_interval_is_its_beta_quantile_closed_form(k, n):
    low, high = clopper_pearson(k, n)
    assert low == pytest.approx(0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1), abs=1e-12)
    assert high == pytest.approx(1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k), abs=1e-12)


SET = JudgingSet("s", "t", "gmad", {"A|B|1": {"defender": "A", "attacker": "B", "level": "1"},
                                   "B|A|1": {"defender": "B", "attacker": "A", "level": "1"},
                                   "A|C|1": {"defender": "A", "attacker": "C", "level": "1"}})


def _judged(answers):
    return Judgements(pd.DataFrame([{"observer": o, "trial": t, "preferred": p, "file": "f"}
                                    for o, t, p in answers], columns=["observer", "trial", "preferred", "file"]))


def test_the_matrices_on_a_hand_counted_example():
    """B attacks A: 3 of 4 observers prefer B's better image; A attacks B: 1 of 4 (2 same, 1 b); C attacks A: 0
    of 2 judged; A never attacks C (no pair)."""
    answers = [(o, "A|B|1", p) for o, p in zip("wxyz", ["a", "a", "a", "b"])] + \
        [(o, "B|A|1", p) for o, p in zip("wxyz", ["a", "same", "same", "b"])]
    analysis = analyse(_judged(answers + [("w", "A|C|1", "same"), ("x", "A|C|1", "b")]), SET)
    assert analysis.models == ["A", "B", "C"]
    a, r = analysis.aggressiveness, analysis.resistance
    assert a.loc["B", "A"] == 3 / 4 and a.loc["A", "B"] == 1 / 4 and a.loc["C", "A"] == 0.0
    assert np.isnan(a.loc["A", "C"]) and np.isnan(a.loc["B", "C"])
    assert r.loc["A", "B"] == 1 / 4 and r.loc["B", "A"] == 3 / 4 and r.loc["A", "C"] == 1.0
    np.testing.assert_allclose(analysis.intervals["aggressiveness_low"].loc["B", "A"], clopper_pearson(3, 4)[0])
    assert analysis.intervals["resistance_high"].loc["A", "B"] == pytest.approx(1 - clopper_pearson(3, 4)[0])
    overall = analysis.overall
    assert (overall.loc["A", "wins"], overall.loc["A", "attacks"]) == (1, 4)
    assert (overall.loc["A", "survivals"], overall.loc["A", "defences"]) == (1 + 2, 4 + 2)
    counts = contest_counts(_judged(answers).table, SET, ["A", "B", "C"])
    wins = wins_matrix(counts, ["A", "B", "C"])
    assert wins[1, 0] == 3 + 3 and wins[0, 1] == 1 + 1  # B: 3 attacks won, 3 defences held; A: 1 and 1
    assert analysis.bradley_terry.regularised  # C won no contest
    assert "3 of 6 (attacker, defender) pairs have no judgement" in " ".join(analysis.notes)


def test_a_mad_set_or_no_judgement_is_refused():
    with pytest.raises(ValueError, match="is a mad set"):
        analyse(_judged([("w", "A|B|1", "a")]), JudgingSet("s", "t", "mad", {"x": {"moved": "A"}}))
    empty = _judged([])
    empty.refused.append(("x.csv", "damaged JSON"))
    with pytest.raises(ValueError, match="no usable judgement; x.csv: damaged JSON"):
        analyse(empty, SET)
