"""Figures of a run: per metric, the scatter of metric against subjective score with the fitted curve and
PLCC / SROCC in the corner (PNG at 200 dpi and PDF); an overview grid of every metric's scatter, and a
bar chart of |SROCC| with its bootstrap interval across metrics, sorted."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..io_utils import atomic_write  # noqa: E402
from ..regression import MetricRegression  # noqa: E402
from .tables import shown_value  # noqa: E402


def _safe_name(spec: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in spec)


DPI = 200


def save_figure(fig, path: Path, pdf: bool = False) -> Path:
    """``fig`` as a PNG at ``path`` (200 dpi; with ``pdf`` also a PDF beside it), written atomically,
    then closed."""
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=DPI))
    if pdf:
        atomic_write(Path(path).with_suffix(".pdf"), lambda tmp: fig.savefig(tmp, format="pdf"))
    plt.close(fig)
    return Path(path)


def axis_label(score_label: str, width: int = 46) -> str:
    """The subjective-score label on one line: the part before a parenthesis when the whole is long."""
    return score_label if len(score_label) <= width else score_label.split(" (")[0]


def plot_fit(ax, x, y, fit: str = "logistic5", lw: float = 1.5, model: Optional[MetricRegression] = None) -> None:
    """The fitted regression curve of ``y`` on ``x`` over the range of ``x`` (or why the fit failed);
    ``model``: that fit, already made."""
    model = model or MetricRegression(fit=fit, n_boot=0).fit(x, y)
    if model.fit_kind == "none":
        return  # no mapping: nothing in the score's units to draw
    if model.ok:
        grid = np.linspace(np.nanmin(model.x_), np.nanmax(model.x_), 200)
        ax.plot(grid, model.predict(grid), color="black", lw=lw, label=f"{fit} fit")
    else:
        ax.text(0.5, 0.5, model.result_.status, transform=ax.transAxes, ha="center", fontsize=8)


def _computed(scores: pd.DataFrame, metrics: Sequence[str]):
    return [m for m in metrics if m in scores.columns and np.isfinite(scores[m].astype(float)).any()]


def _corner(ax, summary: Optional[pd.DataFrame], metric: str, fontsize: float = 7) -> None:
    """|PLCC| and |SROCC| of the metric over all items, in the upper-left corner."""
    if summary is None or "metric" not in summary.columns:
        return
    row = summary[(summary["metric"] == metric) & (summary["group"] == "all")]
    if row.empty:
        return
    parts = [f"{label} {abs(row.iloc[0][key]):.3f}" for key, label in (("plcc", "PLCC"), ("srocc", "SROCC"))
             if key in row.columns and np.isfinite(row.iloc[0][key])]
    if parts:
        ax.text(0.03, 0.97, "\n".join(parts), transform=ax.transAxes, ha="left", va="top", fontsize=fontsize,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5})


def _fits(scores: pd.DataFrame, metrics: Sequence[str], fit: str) -> Dict[str, MetricRegression]:
    """One fitted curve per computed metric, shared by every figure that draws it."""
    return {m: MetricRegression(fit=fit, n_boot=0).fit(scores[m], scores["score"]) for m in _computed(scores, metrics)}


def _scatter(ax, scores, metric, groups, color_by, model, size=10):
    for group in groups:
        part = scores if group is None else scores[scores[color_by] == group]
        ax.scatter(part[metric], part["score"], s=size, alpha=0.75, label=group)
    plot_fit(ax, scores[metric], scores["score"], model.fit_kind, model=model)


def scatter_plots(scores: pd.DataFrame, metrics: Sequence[str], folder, score_label: str,
                  fit: str = "logistic5", color_by: str = "group:distortion",
                  summary: Optional[pd.DataFrame] = None,
                  fits: Optional[Dict[str, MetricRegression]] = None) -> Dict[str, Path]:
    """Per metric with values, ``scatter_<metric>.png`` (200 dpi) and ``.pdf``: points coloured by
    ``color_by``, the fitted curve, the metric as title, PLCC / SROCC in the corner."""
    folder = Path(folder)
    written = {}
    groups = sorted(scores[color_by].unique()) if color_by in scores.columns else [None]
    fits = fits or _fits(scores, metrics, fit)
    for metric in _computed(scores, metrics):
        fig, ax = plt.subplots(figsize=(5.6 if groups != [None] else 4.6, 3.6))
        _scatter(ax, scores, metric, groups, color_by, fits[metric])
        ax.set_title(metric, fontsize=9)
        _corner(ax, summary, metric)
        ax.set_xlabel(metric, fontsize=8)
        ax.set_ylabel(axis_label(score_label), fontsize=8)
        if groups != [None]:
            ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        fig.tight_layout()
        written[metric] = save_figure(fig, folder / f"scatter_{_safe_name(metric)}.png", pdf=True)
    return written


def overview_figures(scores: pd.DataFrame, summary: pd.DataFrame, metrics: Sequence[str], folder,
                     score_label: str, fit: str = "logistic5", color_by: str = "group:distortion",
                     columns: int = 4, fits: Optional[Dict[str, MetricRegression]] = None) -> Dict[str, Path]:
    """``overview_scatter`` (every computed metric's scatter in one grid) and ``overview_srocc`` (|SROCC|
    over all items with its bootstrap interval, metrics sorted best first; those without a value
    listed as not computed), PNG and PDF."""
    folder = Path(folder)
    written = {}
    computed = _computed(scores, metrics)
    groups = sorted(scores[color_by].unique()) if color_by in scores.columns else [None]
    if computed:
        fits = fits or _fits(scores, computed, fit)
        n_cols = min(columns, len(computed))
        n_rows = math.ceil(len(computed) / n_cols)
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.0 * n_cols, 2.6 * n_rows), squeeze=False)
        for ax, metric in zip(axes.flat, computed):
            _scatter(ax, scores, metric, groups, color_by, fits[metric], size=4)
            ax.set_title(metric, fontsize=7)
            _corner(ax, summary, metric, fontsize=6)
            ax.tick_params(labelsize=6)
        for ax in list(axes.flat)[len(computed):]:
            ax.axis("off")
        fig.supylabel(axis_label(score_label), fontsize=8)
        fig.tight_layout()
        written["scatter"] = save_figure(fig, folder / "overview_scatter.png", pdf=True)
    overall = summary[summary["group"] == "all"] if "group" in summary.columns else summary.iloc[0:0]
    rows = []
    for metric in metrics:
        hit = overall[overall["metric"] == metric]
        if hit.empty or not np.isfinite(float(hit.iloc[0].get("srocc", np.nan))):
            rows.append((metric, np.nan, np.nan, np.nan))
            continue
        r = hit.iloc[0]
        # as the tables show it: the magnitude, the interval flipped with the sign (it may cross zero)
        rows.append((metric, *shown_value("srocc", float(r["srocc"]), float(r.get("srocc_lo", np.nan)),
                                          float(r.get("srocc_hi", np.nan)))))
    if any(np.isfinite(r[1]) for r in rows):  # a chart of nothing but "not computed" is no figure
        rows.sort(key=lambda r: (not np.isfinite(r[1]), -r[1] if np.isfinite(r[1]) else 0))
        fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(rows) + 1.2))
        positions = np.arange(len(rows))[::-1]
        values = np.array([r[1] for r in rows])
        drawn = np.isfinite(values)
        ax.barh(positions[drawn], values[drawn], color="#4c72b0")
        ci = np.array([np.isfinite(r[2]) and np.isfinite(r[3]) for r in rows]) & drawn
        if ci.any():
            lows, highs = np.array([r[2] for r in rows])[ci], np.array([r[3] for r in rows])[ci]
            ax.errorbar(values[ci], positions[ci], xerr=[np.clip(values[ci] - lows, 0, None),
                                                         np.clip(highs - values[ci], 0, None)],
                        fmt="none", ecolor="black", capsize=2, lw=0.8)
        for position, row in zip(positions, rows):
            if not np.isfinite(row[1]):
                ax.text(0.01, position, "not computed", va="center", fontsize=7, color="#a00000")
        ax.set_yticks(positions)
        ax.set_yticklabels([r[0] for r in rows], fontsize=7)
        ax.set_xlim(min(0.0, np.nanmin([r[2] for r in rows] + [0.0])), 1)
        ax.set_xlabel("|SROCC| over all items (95% bootstrap CI)" if ci.any() else "|SROCC| over all items",
                      fontsize=8)
        fig.tight_layout()
        written["srocc"] = save_figure(fig, folder / "overview_srocc.png", pdf=True)
    return written


def run_figures(scores: pd.DataFrame, summary: pd.DataFrame, metrics: Sequence[str], folder, score_label: str,
                fit: str = "logistic5") -> Dict[str, Path]:
    """Every figure of a run (per-metric scatters and the two overviews), each curve fitted once.
    ``metrics``: the rows of the summary too (those without values appear as "not computed")."""
    fits = _fits(scores, metrics, fit)
    written = scatter_plots(scores, metrics, folder, score_label, fit, summary=summary, fits=fits)
    written.update({f"overview_{k}": v for k, v in
                    overview_figures(scores, summary, metrics, folder, score_label, fit, fits=fits).items()})
    return written
