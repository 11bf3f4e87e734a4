"""Krasula et al. 2016, "On the accuracy of objective image and video quality models: new methodology for
performance evaluation" (QoMEX): a fit-free evaluation over pairs of items.

Every pair of items (i < j) is first classified by the subjective data: significantly different or
similar, and for a different pair which item is better. With each score's standard error ``se`` (the
dataset's spread), z = (s_i − s_j) / √(se_i² + se_j²); |z| > z₀.₉₇₅ = 1.96 is a different pair (VMAF's
``AucPerfMetric`` uses 2; a pair whose errors are both 0 is different when its scores differ). Then, with
Δ the metric's difference oriented so that positive means "i looks better" (a distance is negated):

* **AUC different/similar**: the ROC area of |Δ| separating different from similar pairs;
* **AUC better/worse**: over the different pairs, the ROC area of B = Δ·sign(better) against W = −B;
* **C₀**: the share of different pairs whose Δ has the right sign (B > 0): correct classification at
  ΔOM = 0;
* the 95th percentile of |Δ| over similar pairs (the metric difference beyond which 95 % of pairs are
  distinguishable).

How two metrics' differences are tested depends on the unit (``pair_tests``):

* ``references`` (the default where the dataset has reference contents): the paired delete-one-reference
  jackknife of :mod:`.cluster_jackknife` -- each AUC and C₀ recomputed exactly without every pair that
  has an item of reference g, both metrics on the same deletion. The ~4.5 million pairs of TID2013 come
  from 3000 items of 25 contents: it is the contents that are independent, not the pairs.
* ``items`` (on request, labelled "pairs taken as independent"): the authors' tests. AUCs and their
  covariance are DeLong's (DeLong, DeLong & Clarke-Pearson 1988) in the fast form of Sun & Xu 2014
  (midranks of the positives, the negatives and both); the difference of two metrics' AUCs is tested
  with z = ΔAUC / √(σ₁² + σ₂² − 2σ₁₂), two-sided -- Krasula's ``Metrics_performance.m`` (``fastDeLong``,
  ``calpvalue``) and VMAF's port. C₀ differences use their ``significanceBinomial``: p̄ = (C₁ + C₂)/2,
  z = |C₁ − C₂| / √(2 p̄(1 − p̄)/L), with L the count of B and W together (twice the different pairs), as
  the authors' code counts it; beside it McNemar's test, which at least pairs the two metrics' outcomes
  on the same pair (:mod:`.paired_tests`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from scipy import stats

from .cluster_jackknife import jackknife_p
from .evaluated_run import SCORE_SE, EvaluatedRun
from .pairwise import compared, higher_is_better, ordered_pairs
from .paired_tests import mcnemar_p

#: Two-sided 95 %: a pair is "different" when |z| exceeds this.
Z_DIFFERENT = float(stats.norm.ppf(0.975))
#: Items above which a random subset of this many is analysed (3000 items: 4.5 M pairs, kept whole; 4000: 8 M).
MAX_ITEMS = 4000


def pair_classes(score: np.ndarray, se: np.ndarray, higher_is_better: bool = True,
                 z: float = Z_DIFFERENT) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, signif) over all pairs i < j: signif 1 when item i is significantly better, −1 when worse,
    0 when the two are not distinguishable."""
    score, se = np.asarray(score, float), np.asarray(se, float)
    i, j = np.triu_indices(score.size, k=1)
    difference = score[i] - score[j]
    if not higher_is_better:
        difference = -difference
    spread = np.sqrt(se[i] ** 2 + se[j] ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(spread > 0, difference / np.where(spread > 0, spread, 1.0),
                         np.sign(difference) * np.inf)
    signif = np.where(ratio > z, 1, np.where(ratio < -z, -1, 0)).astype(np.int8)
    return i, j, signif


def _midrank(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(x, method="average")


def placements(positives: np.ndarray, negatives: np.ndarray) -> Tuple[float, np.ndarray, np.ndarray]:
    """(AUC, for each positive the count of negatives below it, for each negative the count of positives
    above it -- ties counting ½): DeLong's structural components times n and m, from midranks (Sun & Xu
    2014). AUC = P(positive > negative) + ½ P(tie)."""
    m, n = positives.size, negatives.size
    tz = _midrank(np.concatenate([positives, negatives]))
    below = tz[:m] - _midrank(positives)
    above = m - (tz[m:] - _midrank(negatives))
    return float(below.sum() / m / n), below, above


def fast_delong(positives: np.ndarray, negatives: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(AUCs, covariance) of k classifiers: rows of ``positives`` (k × m) and ``negatives`` (k × n)
    (Sun & Xu 2014, Algorithm 1)."""
    positives, negatives = np.atleast_2d(positives), np.atleast_2d(negatives)
    k, m = positives.shape
    n = negatives.shape[1]
    v01 = np.empty((k, m))
    v10 = np.empty((k, n))
    aucs = np.empty(k)
    for r in range(k):
        aucs[r], below, above = placements(positives[r], negatives[r])
        v01[r], v10[r] = below / n, above / m
    sx = np.atleast_2d(np.cov(v01)) if m > 1 else np.zeros((k, k))
    sy = np.atleast_2d(np.cov(v10)) if n > 1 else np.zeros((k, k))
    return aucs, sx / m + sy / n


def delong_p(aucs: np.ndarray, covariance: np.ndarray) -> float:
    """Two-sided p of the difference of two correlated AUCs (``calpvalue``)."""
    variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
    if not variance > 0:
        return 1.0 if aucs[0] == aucs[1] else 0.0
    return float(2 * stats.norm.sf(abs(aucs[0] - aucs[1]) / np.sqrt(variance)))


def binomial_p(c1: float, c2: float, count: int) -> float:
    """Two-sided p of the difference of two correct-classification rates (``significanceBinomial``)."""
    mean = (c1 + c2) / 2
    sigma = np.sqrt(mean * (1 - mean) * 2 / count)
    if not sigma > 0:
        return 1.0 if c1 == c2 else 0.0
    return float(2 * stats.norm.sf(abs(c1 - c2) / sigma))


@dataclass
class KrasulaResult:
    """Per metric AUC_DS, AUC_BW, C₀ and the similar-pair threshold; per ordered pair of metrics the
    p-values of their differences under the tests ``tests`` (titles in ``titles``); the pair counts; the
    unit the tests resampled (``references``: the paired jackknife over reference contents; ``items``:
    the pair-level tests)."""

    table: pd.DataFrame          # metric, n_items, auc_ds, auc_bw, c0, threshold_95
    pairs: pd.DataFrame          # row, col, d_<test>, <test>_p, <test>_symbol per test
    metrics: List[str]
    counts: Dict[str, int]       # pairs, different, similar, items (+ clusters with unit references)
    z: float = Z_DIFFERENT
    alpha: float = 0.05
    correction: str = "none"
    unit: str = "items"
    unit_note: str = ""          # why the item-level tests ran although references were asked for
    clusters: int = 0            # the references the jackknife left out one at a time
    tests: Tuple[str, ...] = ()
    titles: Dict[str, str] = field(default_factory=dict)


#: The figures of the Krasula table (the higher the better, each).
KRASULA_FIGURES = ("auc_ds", "auc_bw", "c0")
#: The tests of each unit: the paired jackknife over reference contents, or the pair-level tests (the
#: authors' code, and McNemar's paired test of C₀) that take the pairs as independent.
KRASULA_TESTS = {"references": ("auc_ds", "auc_bw", "c0"), "items": ("auc_ds", "auc_bw", "c0", "c0_mcnemar")}
_JACKKNIFE = "paired jackknife over reference contents (whole references left out, t with G − 1 df)"
_PAIRS_INDEPENDENT = "pairs taken as independent"
KRASULA_TITLES = {
    "references": {"auc_ds": f"AUC different/similar, {_JACKKNIFE}", "auc_bw": f"AUC better/worse, {_JACKKNIFE}",
                   "c0": f"C₀ (correct classification at ΔOM = 0), {_JACKKNIFE}"},
    "items": {"auc_ds": f"AUC different/similar, DeLong test ({_PAIRS_INDEPENDENT})",
              "auc_bw": f"AUC better/worse, DeLong test ({_PAIRS_INDEPENDENT})",
              "c0": f"C₀ (correct classification at ΔOM = 0), test of two proportions of the authors' code "
                    f"({_PAIRS_INDEPENDENT}, and the two metrics' outcomes as unpaired)",
              "c0_mcnemar": f"C₀, McNemar's paired test ({_PAIRS_INDEPENDENT})"}}


def krasula(run: EvaluatedRun, specs: Optional[Sequence[str]] = None) -> Optional[KrasulaResult]:
    """The Krasula analysis of ``specs`` (default: the run's) over the items where every one of them, the
    score and its standard error are finite (None with fewer than two such items or no metric). Above
    :data:`MAX_ITEMS` items, a random subset of that many (the run's ``seed``) is analysed, said in ``counts``.

    The run's ``pair_tests``: ``references`` tests each difference by the paired jackknife over the reference
    images (:mod:`.cluster_jackknife`), ``items`` by the pair-level tests; without a reference grouping (or
    fewer than three references among the items) the pair-level tests run, and ``unit_note`` says why."""
    from .cluster_jackknife import jackknife_unit

    scores, settings, se_column, z = run.scores, run.settings, SCORE_SE, Z_DIFFERENT
    specs, directions, score_higher_is_better = run.specs if specs is None else specs, run.directions, \
        run.score_higher_is_better
    seed, alpha, clusters = settings.seed, settings.alpha, run.clusters()
    present = [s for s in specs if s in scores.columns and np.isfinite(scores[s].to_numpy(float)).sum() > 1]
    if not present or se_column not in scores.columns:
        return None
    index, subsampled = _analysed_items(scores, present, seed)
    if index.size < 2:
        return None
    rows = scores.iloc[index]
    i, j, signif = pair_classes(rows["score"].to_numpy(float), rows[se_column].to_numpy(float),
                                True if score_higher_is_better is None else score_higher_is_better, z)
    different, similar = signif != 0, signif == 0
    counts = {"items": int(index.size), "pairs": int(signif.size), "different": int(different.sum()),
              "similar": int(similar.sum()), "subsampled": int(subsampled)}
    unit, codes, g, note = jackknife_unit(None if clusters is None else np.asarray(clusters)[index],
                                          settings.pair_tests)
    if unit == "references":
        counts["clusters"] = g
    k = len(present)
    orientation = signif[different].astype(float)
    b = np.empty((k, counts["different"]))      # B: each different pair's Δ, positive when it says the better
    similar_abs = np.empty((k, counts["similar"]))  # |Δ| of the similar pairs
    for row, spec in enumerate(present):
        x = rows[spec].to_numpy(float)
        delta = (x[i] - x[j]) * (1.0 if directions.get(spec, True) else -1.0)
        b[row] = delta[different] * orientation
        similar_abs[row] = np.abs(delta[similar])
    table = {"metric": present, "n_items": [counts["items"]] * k}
    has_ds, has_bw = bool(counts["different"] and counts["similar"]), bool(counts["different"])
    table["threshold_95"] = [float(np.percentile(s, 95)) for s in similar_abs] if has_ds else [np.nan] * k
    tests = KRASULA_TESTS[unit]
    if unit == "references":
        figures, leave_out = _jackknifed(b, similar_abs, codes[i], codes[j], different, similar, counts["clusters"])
        p_of = {t: (lambda a, c, t=t: jackknife_p(figures[t][a], figures[t][c], leave_out[t][a], leave_out[t][c]))
                for t in tests}
    else:
        figures, p_of = _pair_level(b, similar_abs, has_ds, has_bw)
    for figure in KRASULA_FIGURES:
        table[figure] = list(figures[figure]) if figure in figures else [np.nan] * k
    pairs = compared(_pair_rows(present, tests, figures, p_of), [higher_is_better(t) for t in tests], alpha)
    return KrasulaResult(pd.DataFrame(table), pairs, present, counts, z, alpha, settings.correct, unit=unit,
                         unit_note=note,
                         clusters=counts.get("clusters", 0), tests=tests, titles=KRASULA_TITLES[unit])


def _analysed_items(scores: pd.DataFrame, present: Sequence[str], seed: int) -> Tuple[np.ndarray, bool]:
    """(the rows where the score, its standard error and every metric are finite, whether they were a random
    subset of :data:`MAX_ITEMS` of them)."""
    keep = np.isfinite(scores["score"].to_numpy(float)) & np.isfinite(scores[SCORE_SE].to_numpy(float))
    for spec in present:
        keep &= np.isfinite(scores[spec].to_numpy(float))
    index = np.flatnonzero(keep)
    if index.size <= MAX_ITEMS:
        return index, False
    return np.sort(np.random.default_rng(seed).choice(index, MAX_ITEMS, replace=False)), True


def _pair_rows(present: Sequence[str], tests: Sequence[str], figures, p_of) -> List[dict]:
    """One row per ordered pair of metrics: each test's difference (row − col) and p-value."""
    position = {spec: n for n, spec in enumerate(present)}
    rows = []
    for row_spec, col_spec in ordered_pairs(present):
        a, c = position[row_spec], position[col_spec]
        row = {"row": row_spec, "col": col_spec}
        for test in tests:
            figure = "c0" if test == "c0_mcnemar" else test
            ok = figure in figures
            row[f"d_{test}"] = float(figures[figure][a] - figures[figure][c]) if ok else np.nan
            row[f"{test}_p"] = p_of[test](a, c) if ok else np.nan
        rows.append(row)
    return rows


def _pair_level(b: np.ndarray, similar_abs: np.ndarray, has_ds: bool, has_bw: bool):
    """The figures and the pair-level p-value of each test (``items``): DeLong for the AUCs, the authors'
    binomial test and McNemar's for C₀."""
    figures, covariances = {}, {}
    if has_ds:
        figures["auc_ds"], covariances["auc_ds"] = fast_delong(np.abs(b), similar_abs)  # |Δ| of a different pair
    if has_bw:
        figures["auc_bw"], covariances["auc_bw"] = fast_delong(b, -b)
        figures["c0"] = (b > 0).mean(axis=1)  # (#B > 0 + #W < 0) / (2 #different): the same share
    count_bw = 2 * b.shape[1]  # L: the B and W values together, as the authors' code counts them

    def delong(test):
        return lambda a, c: delong_p(figures[test][[a, c]], covariances[test][np.ix_([a, c], [a, c])])
    return figures, {"auc_ds": delong("auc_ds"), "auc_bw": delong("auc_bw"),
                     "c0": lambda a, c: binomial_p(figures["c0"][a], figures["c0"][c], count_bw),
                     "c0_mcnemar": lambda a, c: mcnemar_p(b[a] > 0, b[c] > 0)}


def _jackknifed(b: np.ndarray, similar_abs: np.ndarray, cluster_i: np.ndarray, cluster_j: np.ndarray,
                different: np.ndarray, similar: np.ndarray, g: int):
    """Each metric's AUC_DS, AUC_BW and C₀ on all pairs and with each reference's pairs left out."""
    from .cluster_jackknife import auc_leave_one_out, share_leave_one_out

    k = b.shape[0]
    di, dj, si, sj = cluster_i[different], cluster_j[different], cluster_i[similar], cluster_j[similar]
    figures = {f: np.full(k, np.nan) for f in KRASULA_FIGURES}
    left = {f: np.full((k, g), np.nan) for f in KRASULA_FIGURES}
    for row in range(k):
        if b.shape[1] and similar_abs.shape[1]:
            positives = np.abs(b[row])
            auc, below, above = placements(positives, similar_abs[row])
            figures["auc_ds"][row] = auc
            left["auc_ds"][row] = auc_leave_one_out(positives, similar_abs[row], (below, above), (di, dj), (si, sj), g)
        if b.shape[1]:
            auc, below, above = placements(b[row], -b[row])
            figures["auc_bw"][row] = auc
            left["auc_bw"][row] = auc_leave_one_out(b[row], -b[row], (below, above), (di, dj), (di, dj), g)
            hits = b[row] > 0
            figures["c0"][row] = hits.mean()
            left["c0"][row] = share_leave_one_out(hits, di, dj, g)
    return ({f: v for f, v in figures.items() if np.isfinite(v).any()}, left)
