"""Scatter plots of metric against subjective score with the fitted regression curve."""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Dict, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..io_utils import atomic_write  # noqa: E402
from ..regression import MetricRegression  # noqa: E402


def _safe_name(spec: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in spec)


def save_figure(fig, path: Path) -> Path:
    """``fig`` as a PNG at ``path`` (written atomically), then closed."""
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return Path(path)


def plot_fit(ax, x, y, fit: str = "logistic5", lw: float = 1.5) -> None:
    """The fitted regression curve of ``y`` on ``x`` over the range of ``x`` (or why the fit failed)."""
    model = MetricRegression(fit=fit, n_boot=0).fit(x, y)
    if model.ok:
        grid = np.linspace(np.nanmin(model.x_), np.nanmax(model.x_), 200)
        ax.plot(grid, model.predict(grid), color="black", lw=lw, label=f"{fit} fit")
    else:
        ax.text(0.5, 0.5, model.result_.status, transform=ax.transAxes, ha="center", fontsize=8)


def scatter_plots(scores: pd.DataFrame, metrics: Sequence[str], folder, score_label: str,
                  fit: str = "logistic5", color_by: str = "group:distortion") -> Dict[str, Path]:
    """One PNG per metric: points coloured by ``color_by``, the fitted curve over them."""
    folder = Path(folder)
    written = {}
    groups = sorted(scores[color_by].unique()) if color_by in scores.columns else [None]
    for metric in metrics:
        fig, ax = plt.subplots(figsize=(4.6, 3.6), dpi=110)
        for group in groups:
            part = scores if group is None else scores[scores[color_by] == group]
            ax.scatter(part[metric], part["score"], s=10, alpha=0.75, label=group)
        plot_fit(ax, scores[metric], scores["score"], fit)
        ax.set_xlabel(metric)
        ax.set_ylabel("\n".join(textwrap.wrap(score_label, 40)), fontsize=8)
        ax.legend(fontsize=6, loc="best")
        fig.tight_layout()
        written[metric] = save_figure(fig, folder / f"scatter_{_safe_name(metric)}.png")
    return written
