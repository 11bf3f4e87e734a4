"""Figures of a paper recipe: the metric-vs-score scatter grid with the fitted curve (as the papers'
Figs. 3-5) and a bar chart of ours with bootstrap-CI whiskers beside the published values."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Optional

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..stats.regression import MetricRegression  # noqa: E402
from .plots import plot_fit, save_figure  # noqa: E402
from .paper_columns import column  # noqa: E402


def _label(row) -> str:
    return " / ".join(row.labels)


def scatter_grid(result, path: Path, fit: str = "logistic5", columns: int = 4) -> Path:
    """One panel per row with scores: metric (x) against the subjective score (y), pooled sources in
    different colours, and the fitted regression curve."""
    scores = result.scores
    rows = [(k, row) for k, row in enumerate(result.recipe.rows) if f"row{k}" in scores.columns]
    n_cols = min(columns, max(1, len(rows)))
    n_rows = max(1, math.ceil(len(rows) / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.2 * n_cols, 2.7 * n_rows), dpi=100, squeeze=False)
    sources = sorted(scores["group:source"].unique()) if "group:source" in scores.columns else [None]
    for ax, (k, row) in zip(axes.flat, rows):
        x = scores[f"row{k}"]
        for source in sources:
            mask = scores["group:source"] == source if source is not None else np.ones(len(scores), bool)
            ax.scatter(x[mask], scores["score"][mask], s=5, alpha=0.6, label=source)
        model = MetricRegression(fit=fit, n_boot=0, memory=result.fits).fit(x, scores["score"])  # the table's fits
        plot_fit(ax, x, scores["score"], fit, lw=1.2, model=model)
        lcc = result.values[k].get("lcc")
        title = _label(row) + (f"\nLCC {lcc.ours:.3f}" if lcc is not None and np.isfinite(lcc.ours) else "")
        ax.set_title("\n".join(textwrap.wrap(title, 38)), fontsize=7)
        ax.tick_params(labelsize=6)
        if len(sources) > 1:
            ax.legend(fontsize=5, loc="best")
    for ax in list(axes.flat)[len(rows):]:
        ax.axis("off")
    fig.suptitle(result.recipe.title, fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def bar_chart(result, path: Path) -> Optional[Path]:
    """LCC (regression), the subset mean (2AFC) or the first measure (restoration) per row: our value
    as a bar with its 95 % bootstrap interval, the paper's as a black diamond."""
    recipe = result.recipe
    key = next((k for k in ("lcc", "mean") if k in recipe.columns), recipe.columns[0])
    ours = np.array([v[key].ours for v in result.values])
    lo = np.array([v[key].lo for v in result.values])
    hi = np.array([v[key].hi for v in result.values])
    published = np.array([np.nan if r.published.get(key) is None else r.published[key] for r in recipe.rows])
    if not (np.isfinite(ours).any() or np.isfinite(published).any()):
        return None
    positions = np.arange(len(recipe.rows))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.45 * len(positions) + 2), 4.6))
    drawn = np.isfinite(ours)
    if drawn.any():
        ax.bar(positions[drawn], ours[drawn], color="#4c72b0", label="iqa-bench")
    has_ci = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(ours)
    if has_ci.any():
        ax.errorbar(positions[has_ci], ours[has_ci], yerr=[ours[has_ci] - lo[has_ci], hi[has_ci] - ours[has_ci]],
                    fmt="none", ecolor="black", capsize=2, lw=0.8, label="95% bootstrap CI")
    shown = np.isfinite(published)
    if shown.any():
        ax.scatter(positions[shown], published[shown], marker="D", color="black", s=14, zorder=3, label="paper")
    ax.set_xticks(positions)
    ax.set_xticklabels([_label(r) for r in recipe.rows], rotation=70, ha="right", fontsize=6)
    ax.set_ylabel(column(key).label)
    finite = np.concatenate([ours[np.isfinite(ours)], published[shown], lo[has_ci]])
    if finite.size and key in ("lcc", "mean"):
        ax.set_ylim(max(0.0, finite.min() - 0.1 * (finite.max() - finite.min() + 1e-9) - 0.05), None)
    bottom = ax.get_ylim()[0]
    for position in positions[~drawn]:  # a visible mark where our value is missing
        ax.text(position, bottom, " not computed", rotation=90, ha="center", va="bottom", fontsize=6,
                color="#a00000")
    fig.suptitle("\n".join(textwrap.wrap(recipe.title, 70)), fontsize=8)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=6)
    fig.tight_layout()
    return save_figure(fig, path)
