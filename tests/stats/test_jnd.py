"""JND mean average precision (stats/jnd.py) held to the LPIPS package's own ``score_jnd_dataset``
(lpips/trainer.py, fed the same distances and "same" fractions through a loader of its own form) to 1e-12,
shown to fail on an injected error; the bootstrap interval and the similarity metrics' sign."""
import numpy as np
import pandas as pd
import pytest
import torch

from iqa_bench.stats.jnd import jnd_average_precision, summarize_jnd


def _lpips_jnd(distances, sames, batch=7):
    """LPIPS's computation on these arrays: its loader yields batches with p0, p1 and same; its ``func`` is
    called on (p0, p1) and returns the distances, here by index."""
    from lpips.trainer import score_jnd_dataset

    index = torch.arange(len(distances), dtype=torch.float64)

    class Loader:
        def load_data(self):
            for start in range(0, len(distances), batch):
                part = index[start:start + batch]
                yield {"p0": part, "p1": part, "same": torch.tensor(sames[start:start + batch]).reshape(-1, 1, 1, 1)}

    lookup = torch.tensor(distances)
    score, _ = score_jnd_dataset(Loader(), lambda p0, p1: lookup[p0.long()], name="")
    return score


@pytest.mark.parametrize("seed", range(5))
def test_the_map_equals_the_lpips_computation(seed):
    rng = np.random.default_rng(seed)
    n = 300
    distances = rng.gamma(2.0, 1.0, n)
    sames = np.clip(1.2 - distances / 3 + rng.normal(0, 0.2, n), 0, 1)
    sames[rng.integers(0, n, 20)] = rng.choice([0.0, 1.0], 20)  # the release's fractions include 0 and 1
    reference = _lpips_jnd(distances, sames)
    assert jnd_average_precision(distances, sames) == pytest.approx(reference, abs=1e-12)
    injected = distances.copy()
    order = np.argsort(distances)
    injected[order[:10]] = injected[order[-10:]] + 1.0  # the ten closest pairs called the farthest
    assert abs(jnd_average_precision(injected, sames) - reference) > 1e-3


def test_a_perfect_and_a_reversed_distance():
    sames = np.array([1.0, 1.0, 0.0, 0.0])
    assert jnd_average_precision([0.1, 0.2, 0.8, 0.9], sames) == pytest.approx(1.0)
    assert jnd_average_precision([0.9, 0.8, 0.2, 0.1], sames) < 0.6


def test_the_summary_per_subset_with_a_bootstrap_and_similarities_negated():
    rng = np.random.default_rng(0)
    rows = []
    for subset in ("cnn", "traditional"):
        d = rng.gamma(2.0, 1.0, 80)
        same = np.clip(1 - d / 4 + rng.normal(0, 0.1, 80), 0, 1)
        rows += [{"group:subset": subset, "score": s, "dist": v, "sim": -v} for s, v in zip(same, d)]
    scores = pd.DataFrame(rows)
    summary = summarize_jnd(scores, ["dist", "sim"], {"dist": False, "sim": True}, n_boot=200, seed=1)
    by = summary.set_index(["metric", "group"])
    for subset in ("cnn", "traditional"):
        part = scores[scores["group:subset"] == subset]
        assert by.loc[("dist", subset), "jnd_map"] == pytest.approx(jnd_average_precision(part["dist"], part["score"]))
        assert by.loc[("sim", subset), "jnd_map"] == by.loc[("dist", subset), "jnd_map"]
        lo, hi = by.loc[("dist", subset), ["jnd_map_lo", "jnd_map_hi"]]
        assert lo < by.loc[("dist", subset), "jnd_map"] < hi
    assert by.loc[("dist", "all"), "jnd_map"] == pytest.approx(by.loc[("dist", ["cnn", "traditional"]), "jnd_map"].mean())
    assert by.loc[("dist", "all"), "n"] == 160
