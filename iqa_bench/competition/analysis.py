"""What people's judgements of gMAD pairs say about the metrics (K. Ma et al., "Group MAD competition", CVPR
2016; IEEE TPAMI 42(4), 2020): who attacks well, who resists, a global ranking, and whether observers agree.

Each judgement of a pair chosen for (defender *j*, attacker *i*) is one contest. The defender says the two
images are of equal quality; the attacker says ``a`` is better than ``b``. The attacker **wins** -- it
falsifies the defender -- when the observer prefers ``a``; it loses when the observer sees no difference (the
defender was right) or prefers ``b`` (the attacker's own order was wrong). So:

* **aggressiveness** ``A[i, j]`` = (judgements preferring ``a`` on the pairs of attacker *i* against defender
  *j*) / (judgements of those pairs), pooled over levels and observers, with a Clopper–Pearson (exact
  binomial) 95 % interval; a model's overall aggressiveness pools its row;
* **resistance** ``R[i, j]`` = the share of judgements in which defender *i* survived attacker *j* = 1 −
  ``A[j, i]``, with the same interval mirrored; a model's overall resistance pools its row.
  (The papers' matrices; "no difference" is a survival, as the defender's claim held.)
* **global ranking**: a Bradley–Terry model fitted by maximum likelihood to the contests (each judgement a
  win for the attacker or for the defender), by Hunter's MM algorithm (Ann. Statist. 32(1), 2004), the
  log-strengths centred on 0 with standard errors from the observed information (its Moore–Penrose inverse,
  which gives the centred parametrisation's covariance). Where a model won or lost every contest the maximum
  likelihood estimate does not exist; half a win is then added each way to every pair of models that met
  (said in the notes). Whether the models differ at all: the likelihood-ratio test of the fit against equal
  strengths (χ² with M − 1 degrees of freedom).
* **agreement between observers**: Krippendorff's α for nominal data (a / same / b) over the pairs judged by
  at least two observers -- chosen over Fleiss' κ because observers with partial sessions judged different
  subsets -- and the mean share of observer pairs giving the same answer.

Pooling over observers treats their judgements as independent draws, as the papers do; an interval does not
widen for one observer's consistency (the agreement says how consistent they were).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .judgements import ANSWERS, Judgements, JudgingSet

LEVEL = 0.95
#: The most MM iterations of the Bradley–Terry fit, and its tolerance (L1 change of the log-strengths).
MM_ITERATIONS, MM_TOLERANCE = 100_000, 1e-12


def clopper_pearson(successes: int, trials: int, level: float = LEVEL):
    """The exact binomial interval of ``successes`` of ``trials`` (scipy's ``binomtest(...).proportion_ci(
    method="exact")``); (nan, nan) without trials."""
    if trials == 0:
        return float("nan"), float("nan")
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=level, method="exact")
    return float(interval.low), float(interval.high)


def contest_counts(judgements: pd.DataFrame, judging_set: JudgingSet, models: Sequence[str]) -> pd.DataFrame:
    """One row per ordered pair (attacker, defender) of ``models``: the judgements ``n`` of its pairs and how
    many preferred ``a``, saw no difference, preferred ``b``."""
    info = pd.DataFrame([{"trial": t, "attacker": d["attacker"], "defender": d["defender"]}
                         for t, d in judging_set.trials.items()])
    joined = judgements.merge(info, on="trial", how="inner")
    rows = []
    for attacker in models:
        for defender in models:
            if attacker == defender:
                continue
            answers = joined.loc[(joined["attacker"] == attacker) & (joined["defender"] == defender), "preferred"]
            counts = {answer: int((answers == answer).sum()) for answer in ANSWERS}
            rows.append({"attacker": attacker, "defender": defender, "n": len(answers), **counts})
    return pd.DataFrame(rows, columns=["attacker", "defender", "n", *ANSWERS])


@dataclass
class BradleyTerry:
    """A Bradley–Terry fit: each model's centred log-strength, its standard error, the likelihood-ratio test
    against equal strengths, and whether half a win was added each way (the estimate did not exist)."""

    strength: pd.Series
    se: pd.Series
    lr_statistic: float
    lr_p: float
    regularised: bool

    def ranking(self) -> List[str]:
        return list(self.strength.sort_values(ascending=False, kind="stable").index)


def _strongly_connected(wins: np.ndarray) -> bool:
    """Whether every model beat, through a chain of wins, every other (Hunter's condition for the MLE)."""
    reach = (wins > 0) | np.eye(len(wins), dtype=bool)
    for _ in range(len(wins)):
        reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
    return bool(reach.all())


def _log_likelihood(wins: np.ndarray, theta: np.ndarray) -> float:
    diff = theta[:, None] - theta[None, :]
    return float(-(wins * np.logaddexp(0.0, -diff)).sum())


def bradley_terry(wins: np.ndarray, models: Sequence[str]) -> BradleyTerry:
    """The Bradley–Terry fit of ``wins[i, j]`` (contests model *i* won against model *j*), see the module:
    Hunter's MM iteration ``π_i ← W_i / Σ_j n_ij / (π_i + π_j)`` to convergence; a model in no contest gets no
    strength (nan)."""
    observed = np.asarray(wins, float)
    met = (observed + observed.T) > 0
    active = met.any(axis=1)
    regularised = not _strongly_connected(observed[np.ix_(active, active)])
    fitted = (observed + 0.5 * met if regularised else observed)[np.ix_(active, active)]
    theta = _mm_fit(fitted)
    p = 1.0 / (1.0 + np.exp(-(theta[:, None] - theta[None, :])))
    information = -((fitted + fitted.T) * p * p.T)
    np.fill_diagonal(information, 0.0)
    np.fill_diagonal(information, -information.sum(axis=1))
    se = np.sqrt(np.clip(np.diag(np.linalg.pinv(information)), 0.0, None))
    kept = observed[np.ix_(active, active)]
    statistic = max(2.0 * (_log_likelihood(kept, theta) - _log_likelihood(kept, np.zeros(len(theta)))), 0.0)
    strength, error = np.full(len(models), np.nan), np.full(len(models), np.nan)
    strength[active], error[active] = theta, se
    return BradleyTerry(pd.Series(strength, index=list(models)), pd.Series(error, index=list(models)), statistic,
                        float(stats.chi2.sf(statistic, max(int(active.sum()) - 1, 1))), regularised)


def _mm_fit(wins: np.ndarray) -> np.ndarray:
    """The centred log-strengths maximising the Bradley–Terry likelihood of ``wins`` (every model with a win:
    the caller's strongly connected or regularised counts)."""
    total = wins + wins.T
    won = wins.sum(axis=1)
    theta = np.zeros(len(wins))
    for _ in range(MM_ITERATIONS):
        pi = np.exp(theta)
        updated = np.log(won / (total / (pi[:, None] + pi[None, :])).sum(axis=1))
        updated -= updated.mean()
        converged = np.abs(updated - theta).sum() < MM_TOLERANCE
        theta = updated
        if converged:
            break
    return theta


def krippendorff_alpha(judgements: pd.DataFrame) -> float:
    """Krippendorff's α for nominal data of ``judgements`` (observer, trial, preferred): 1 − D_o / D_e over the
    pairs judged by at least two observers (the coincidence-matrix form, Krippendorff 2011, "Computing
    Krippendorff's alpha-reliability"); nan where fewer than two pairs have two judgements or every answer
    is the same."""
    coincidence = pd.DataFrame(0.0, index=list(ANSWERS), columns=list(ANSWERS))
    for _, answers in judgements.groupby("trial")["preferred"]:
        counts = answers.value_counts()
        m = counts.sum()
        if m < 2:
            continue
        for c in counts.index:
            for k in counts.index:
                coincidence.loc[c, k] += counts[c] * (counts[k] - (c == k)) / (m - 1)
    n = coincidence.to_numpy().sum()
    marginal = coincidence.sum(axis=1).to_numpy()
    expected_disagreement = n * n - (marginal ** 2).sum()
    if n < 2 or expected_disagreement <= 0:
        return float("nan")
    observed_disagreement = n - np.trace(coincidence.to_numpy())
    return float(1.0 - (n - 1) * observed_disagreement / expected_disagreement)


def percent_agreement(judgements: pd.DataFrame) -> float:
    """The share of observer pairs giving the same answer, over every pair judged by two or more (nan without)."""
    same = pairs = 0
    for _, answers in judgements.groupby("trial")["preferred"]:
        for x, y in combinations(list(answers), 2):
            pairs += 1
            same += x == y
    return same / pairs if pairs else float("nan")


@dataclass
class GmadAnalysis:
    """The analysis of a judged gMAD pair set (see the module)."""

    models: List[str]
    counts: pd.DataFrame          #: :func:`contest_counts`
    aggressiveness: pd.DataFrame  #: attacker × defender share of wins
    resistance: pd.DataFrame      #: defender × attacker share of survivals
    intervals: Dict[str, pd.DataFrame]  #: "aggressiveness_low" / "_high", "resistance_low" / "_high"
    overall: pd.DataFrame         #: per model: wins, attacks, aggressiveness (+ interval), survivals, defences, ...
    bradley_terry: BradleyTerry
    observers: List[str]
    judgements: int
    alpha: float
    agreement: float
    notes: List[str] = field(default_factory=list)


def _matrices(counts: pd.DataFrame, models: Sequence[str]):
    """The aggressiveness and resistance matrices with their intervals (nan on the diagonal and where a pair
    was not judged)."""
    empty = lambda: pd.DataFrame(np.nan, index=list(models), columns=list(models))  # noqa: E731
    a, a_low, a_high, r, r_low, r_high = (empty() for _ in range(6))
    for _, row in counts.iterrows():
        i, j, n, won = row["attacker"], row["defender"], int(row["n"]), int(row["a"])
        if n == 0:
            continue
        low, high = clopper_pearson(won, n)
        a.loc[i, j], a_low.loc[i, j], a_high.loc[i, j] = won / n, low, high
        r.loc[j, i], r_low.loc[j, i], r_high.loc[j, i] = 1 - won / n, 1 - high, 1 - low
    intervals = {"aggressiveness_low": a_low, "aggressiveness_high": a_high,
                 "resistance_low": r_low, "resistance_high": r_high}
    return a, r, intervals


def _overall(counts: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    rows = []
    for model in models:
        attacks = counts[counts["attacker"] == model]
        defences = counts[counts["defender"] == model]
        wins, n_attack = int(attacks["a"].sum()), int(attacks["n"].sum())
        survived, n_defence = int(defences["n"].sum() - defences["a"].sum()), int(defences["n"].sum())
        a_low, a_high = clopper_pearson(wins, n_attack)
        r_low, r_high = clopper_pearson(survived, n_defence)
        rows.append({"model": model, "wins": wins, "attacks": n_attack,
                     "aggressiveness": wins / n_attack if n_attack else np.nan, "aggressiveness_low": a_low,
                     "aggressiveness_high": a_high, "survivals": survived, "defences": n_defence,
                     "resistance": survived / n_defence if n_defence else np.nan, "resistance_low": r_low,
                     "resistance_high": r_high})
    return pd.DataFrame(rows).set_index("model")


def wins_matrix(counts: pd.DataFrame, models: Sequence[str]) -> np.ndarray:
    """``W[i, j]``: contests model *i* won against *j*: its attacks on *j* the observer confirmed (``a``) and
    its defences against *j* that held (``same`` or ``b``)."""
    index = {m: k for k, m in enumerate(models)}
    wins = np.zeros((len(models), len(models)))
    for _, row in counts.iterrows():
        i, j = index[row["attacker"]], index[row["defender"]]
        wins[i, j] += row["a"]
        wins[j, i] += row["same"] + row["b"]
    return wins


def analyse(judgements: Judgements, judging_set: JudgingSet) -> GmadAnalysis:
    """The analysis (see the module) of ``judgements`` of the gMAD pair set ``judging_set``; ValueError where
    the set is not a gMAD set or no judgement is usable."""
    if judging_set.kind != "gmad":
        raise ValueError(f"the pair set {judging_set.set_id} is a {judging_set.kind} set: the analysis ranks the "
                         f"models of a gMAD set")
    if judgements.table.empty:
        raise ValueError("no usable judgement" + "".join(f"; {file}: {why}" for file, why in judgements.refused))
    models = list(dict.fromkeys(m for info in judging_set.trials.values() for m in (info["defender"],
                                                                                      info["attacker"])))
    counts = contest_counts(judgements.table, judging_set, models)
    aggressiveness, resistance, intervals = _matrices(counts, models)
    fit = bradley_terry(wins_matrix(counts, models), models)
    notes = list(judgements.notes)
    if fit.regularised:
        notes.append("a model won or lost every contest it was in: half a win was added each way to every pair "
                     "of models that met before the Bradley–Terry fit (its maximum likelihood estimate does not "
                     "exist otherwise)")
    unjudged = counts[counts["n"] == 0]
    if len(unjudged):
        notes.append(f"{len(unjudged)} of {len(counts)} (attacker, defender) pairs have no judgement")
    return GmadAnalysis(models, counts, aggressiveness, resistance, intervals, _overall(counts, models), fit,
                        judgements.observers, len(judgements.table), krippendorff_alpha(judgements.table),
                        percent_agreement(judgements.table), notes)
