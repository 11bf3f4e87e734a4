"""Paired tests of the difference of two metrics' figures with whole reference contents as the unit:
the delete-one-cluster jackknife.

The items of one reference image are not independent samples (its distortions share the content), and
the pairs of items of Krasula et al.'s analysis are even less so: every item appears in thousands of
pairs. A test that takes items or pairs as independent (DeLong's, the binomial test of C₀, P.1401's F-test
and test of two proportions) then calls tiny differences significant. The delete-one-group jackknife
(Quenouille 1956, Tukey 1958; for clustered data e.g. Shao & Tu 1995, "The Jackknife and Bootstrap",
§7.2, and Efron & Tibshirani 1993, §11) resamples what is independent:

* θ = f_A − f_B, the difference of a figure (an AUC, C₀, RMSE, rmse*, an outlier ratio) of metrics A and B
  on the same items -- paired: both metrics on the same deleted cluster;
* θ₍g₎ the same difference with every item of reference g left out (for a figure over pairs of items,
  every pair that has an item of g), g = 1 … G;
* var_J = (G − 1)/G · Σ_g (θ₍g₎ − θ̄₍·₎)², t = θ / √var_J, two-sided p from Student's t with G − 1
  degrees of freedom (the usual small-sample reference for a jackknife t over G clusters).

The leave-one-out figures are computed exactly, not by subsampling: :func:`auc_leave_one_out` removes a
cluster's pairs from the Mann–Whitney sum through the placement values of the full ranking (DeLong's
structural components) and the within-cluster sum, so G deletions cost about three full rankings.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from scipy import stats

#: Fewest clusters for which the jackknife is used (fewer: the item-level tests, said in the caption).
MIN_CLUSTERS = 3


def cluster_codes(labels) -> Tuple[np.ndarray, int]:
    """(0-based code of each item's cluster, number of clusters)."""
    _, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return codes.astype(np.int64), int(codes.max()) + 1 if codes.size else 0


def jackknife_unit(clusters, unit: str) -> Tuple[str, Optional[np.ndarray], int, str]:
    """(the unit the tests use, cluster codes, number of clusters, why not the references where asked for):
    ``references`` needs a reference label per item and at least :data:`MIN_CLUSTERS` of them; otherwise the
    item-level tests run and the note says why."""
    if unit != "references":
        return unit, None, 0, ""
    if clusters is None:
        return "items", None, 0, "the dataset has no reference contents"
    codes, g = cluster_codes(clusters)
    if g < MIN_CLUSTERS:
        return "items", None, 0, f"{g} reference content(s) among the items (the jackknife needs {MIN_CLUSTERS})"
    return "references", codes, g, ""


def jackknife_p(full_a: float, full_b: float, left_a: np.ndarray, left_b: np.ndarray) -> float:
    """Two-sided p of θ = full_a − full_b by the delete-one-cluster jackknife of the paired leave-one-out
    values ``left_a``, ``left_b`` (one per cluster; clusters whose figure is undefined are dropped)."""
    theta = np.asarray(left_a, float) - np.asarray(left_b, float)
    theta = theta[np.isfinite(theta)]
    g = theta.size
    difference = full_a - full_b
    if g < MIN_CLUSTERS or not np.isfinite(difference):
        return float("nan")
    variance = (g - 1) / g * np.sum((theta - theta.mean()) ** 2)
    if not variance > 0:
        return 1.0 if difference == 0 else 0.0
    return float(2 * stats.t.sf(abs(difference) / np.sqrt(variance), g - 1))


def pair_cluster_sums(weights: np.ndarray, cluster_i: np.ndarray, cluster_j: np.ndarray, g: int) -> np.ndarray:
    """For each cluster, the sum of ``weights`` over the pairs (i, j) with an item in it -- a pair within
    one cluster counted once."""
    weights = np.asarray(weights, float)
    same = cluster_i == cluster_j
    return (np.bincount(cluster_i, weights, minlength=g) + np.bincount(cluster_j, weights, minlength=g)
            - np.bincount(cluster_i[same], weights[same], minlength=g))


def _rank_sum(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Σ_ij [x_i > y_j] + ½ [x_i = y_j] (the Mann–Whitney count) from midranks."""
    m = positives.size
    if m == 0 or negatives.size == 0:
        return 0.0
    ranks = stats.rankdata(np.concatenate([positives, negatives]))
    return float(ranks[:m].sum() - m * (m + 1) / 2)


def auc_leave_one_out(positives: np.ndarray, negatives: np.ndarray, placements: Tuple[np.ndarray, np.ndarray],
                      clusters_pos: Tuple[np.ndarray, np.ndarray], clusters_neg: Tuple[np.ndarray, np.ndarray],
                      g: int) -> np.ndarray:
    """The AUC of ``positives`` against ``negatives`` with the pairs of each cluster left out, for each of
    the ``g`` clusters. ``placements``: for each positive the count of negatives below it (½ per tie), for
    each negative the count of positives above it (½ per tie) -- :func:`~iqa_bench.stats.krasula.placements`;
    ``clusters_pos`` / ``clusters_neg``: the clusters of the two items of each positive / negative pair.

    With S the full Mann–Whitney count, removing cluster c's positives P and negatives Q:
    S₋c = S − Σ_{i∈P} place⁺ᵢ − Σ_{j∈Q} place⁻ⱼ + S(P, Q), AUC₋c = S₋c / ((m − |P|)(n − |Q|))."""
    place_pos, place_neg = placements
    m, n = positives.size, negatives.size
    total = place_pos.sum()
    ci, cj = clusters_pos
    ni, nj = clusters_neg
    removed_pos = pair_cluster_sums(place_pos, ci, cj, g)
    removed_neg = pair_cluster_sums(place_neg, ni, nj, g)
    count_pos = pair_cluster_sums(np.ones(m), ci, cj, g)
    count_neg = pair_cluster_sums(np.ones(n), ni, nj, g)
    out = np.full(g, np.nan)
    for c in range(g):
        rest_pos, rest_neg = m - count_pos[c], n - count_neg[c]
        if rest_pos < 1 or rest_neg < 1:
            continue
        inside_pos = (ci == c) | (cj == c)
        inside_neg = (ni == c) | (nj == c)
        within = _rank_sum(positives[inside_pos], negatives[inside_neg])
        out[c] = (total - removed_pos[c] - removed_neg[c] + within) / (rest_pos * rest_neg)
    return out


def share_leave_one_out(hits: np.ndarray, cluster_i: np.ndarray, cluster_j: np.ndarray, g: int) -> np.ndarray:
    """The mean of the 0/1 ``hits`` over the pairs with no item in cluster c, for each c (C₀ without a
    reference's pairs)."""
    hits = np.asarray(hits, float)
    left = hits.sum() - pair_cluster_sums(hits, cluster_i, cluster_j, g)
    count = hits.size - pair_cluster_sums(np.ones(hits.size), cluster_i, cluster_j, g)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, left / np.where(count > 0, count, 1), np.nan)
