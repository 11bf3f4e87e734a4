"""The bootstrap's resamples (stats/resampling.py): items drawn with replacement, or whole clusters (each
resample holds every item of each cluster it draws); a bootstrap that cannot fit refused up front with the
figure."""
import numpy as np
import pytest

from iqa_bench.errors import OptionError
from iqa_bench.stats.resampling import BOOTSTRAP_BYTES_PER_DRAW, check_bootstrap_fits, resample_indices


def test_items_are_drawn_with_replacement():
    (matrix,) = resample_indices(np.random.default_rng(0), 500, 7)
    assert matrix.shape == (500, 7) and matrix.min() == 0 and matrix.max() == 6
    assert np.mean([len(set(row)) < 7 for row in matrix]) > 0.9  # with replacement: repeats are the rule


def test_clusters_are_drawn_whole_as_many_as_there_are():
    clusters = np.array(["a"] * 2 + ["b"] * 3 + ["c"] * 5)
    members = {"a": {0, 1}, "b": {2, 3, 4}, "c": {5, 6, 7, 8, 9}}
    groups = resample_indices(np.random.default_rng(1), 300, 10, clusters)
    assert sum(len(g) for g in groups) == 300
    for group in groups:
        for row in group:
            drawn = [c for c in members if members[c] & set(row)]
            counts = {c: sum(i in members[c] for i in row) / len(members[c]) for c in drawn}
            assert all(float(v).is_integer() for v in counts.values())  # whole clusters, each some times
            assert sum(counts.values()) == 3  # three clusters drawn, as there are three


def test_a_bootstrap_that_cannot_fit_is_refused_with_the_figure():
    check_bootstrap_fits(1000, 3000, free=2 * 1000 * 3000 * BOOTSTRAP_BYTES_PER_DRAW)  # exactly half: fits
    with pytest.raises(OptionError, match=r"use at most 999 "):
        check_bootstrap_fits(1000, 3000, free=2 * 1000 * 3000 * BOOTSTRAP_BYTES_PER_DRAW - 2)
