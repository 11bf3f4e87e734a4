"""2AFC agreement of the LPIPS protocol (Zhang et al. 2018).

Per triplet with distances d0 = d(ref, p0), d1 = d(ref, p1) and judge = fraction of humans preferring
p1: credit = (d0 < d1)·(1 − judge) + (d1 < d0)·judge + 0.5·(d0 == d1). A metric's 2AFC score on a
subset is the mean credit; "all" is the unweighted mean of the subset scores. Similarity metrics
(higher = more similar) are negated into distances first. 95 % intervals: seeded percentile bootstrap
over triplets within each subset.
"""
from __future__ import annotations

from typing import Dict, Sequence

import numpy as np
import pandas as pd


ALL = "all"


def credit(d0, d1, judge) -> np.ndarray:
    """Per-triplet credit of the LPIPS protocol (see module docstring)."""
    d0, d1, judge = (np.asarray(a, dtype=np.float64) for a in (d0, d1, judge))
    return (d0 < d1) * (1.0 - judge) + (d1 < d0) * judge + 0.5 * (d0 == d1)


def triplet_table(scores: pd.DataFrame, metric: str, higher_is_better: bool) -> pd.DataFrame:
    """From the per-item table (items ``<id>:p0``/``<id>:p1``): one row per triplet with d0, d1, judge."""
    frame = scores[["group:triplet", "group:side", "group:subset", "score", metric]]
    wide = frame.pivot_table(index=["group:triplet", "group:subset"], columns="group:side", values=metric,
                             aggfunc="first", dropna=False)
    judge = frame.groupby("group:triplet")["score"].first()
    sign = -1.0 if higher_is_better else 1.0
    out = pd.DataFrame({"subset": wide.index.get_level_values("group:subset"),
                        "d0": sign * wide["p0"].to_numpy(), "d1": sign * wide["p1"].to_numpy()},
                       index=wide.index.get_level_values("group:triplet"))
    out["judge"] = judge.reindex(out.index).to_numpy()
    return out


def summarize_2afc(scores: pd.DataFrame, metrics: Sequence[str], higher_is_better: Dict[str, bool],
                   n_boot: int = 1000, seed: int = 0, alpha: float = 0.05) -> pd.DataFrame:
    """Rows (metric, group=subset|all, n, twoafc, twoafc_lo, twoafc_hi, n_missing)."""
    rows = []
    rng_seed = np.random.SeedSequence(seed)
    q = (100 * alpha / 2, 100 * (1 - alpha / 2))
    for metric in metrics:
        table = triplet_table(scores, metric, higher_is_better[metric])
        complete = table.dropna(subset=["d0", "d1"])
        boot_means = []
        for subset, part in complete.groupby("subset", sort=True):
            credits = credit(part["d0"], part["d1"], part["judge"])
            row = {"metric": metric, "group": subset, "n": len(part), "twoafc": float(credits.mean()),
                   "n_missing": int((table["subset"] == subset).sum() - len(part))}
            if n_boot > 0:
                rng = np.random.default_rng(rng_seed.spawn(1)[0])
                means = credits[rng.integers(0, credits.size, (n_boot, credits.size))].mean(axis=1)
                boot_means.append(means)
                row["twoafc_lo"], row["twoafc_hi"] = (float(v) for v in np.percentile(means, q))
            rows.append(row)
        subset_rows = [r for r in rows if r["metric"] == metric]
        if subset_rows:
            overall = {"metric": metric, "group": ALL, "n": sum(r["n"] for r in subset_rows),
                       "twoafc": float(np.mean([r["twoafc"] for r in subset_rows])),
                       "n_missing": sum(r["n_missing"] for r in subset_rows)}
            if boot_means:
                overall["twoafc_lo"], overall["twoafc_hi"] = (float(v) for v in
                                                              np.percentile(np.mean(boot_means, axis=0), q))
            rows.append(overall)
    return pd.DataFrame(rows)
