"""Figures of a run, drawn at their print size (a column 3.5 in wide, two columns 7.2 in) so the fonts are
read at 7–8 pt in the paper: per metric, the scatter of metric against subjective score with the fitted
curve, PLCC / SROCC under the title and the distortion types in a legend below (PNG at 200 dpi and PDF);
an overview grid of every metric's scatter with per-panel axis labels and one legend of the distortion
colours; a bar chart of |SROCC| with its bootstrap interval across metrics, sorted, a metric with no
value named as such in its tick label. A metric whose positive values span more than
:data:`LOG_DECADES` decades with its values bunched at the low end (MSE, Huber, GMSD: the median below
:data:`LOG_MEDIAN` of the largest value) is drawn on a log axis, said in its axis label.

A figure is redrawn only when what it shows changed: each figure's inputs (values, fitted statistics,
labels, this module's source) are digested into ``plots/figures.json``; a rerun with the same digest keeps
the file.
"""
from __future__ import annotations

import hashlib
import json
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ..io_utils import atomic_write  # noqa: E402
from ..stats.evaluated_run import EvaluatedRun  # noqa: E402
from ..stats.regression import MetricRegression  # noqa: E402
from .figure_cache import FigureCache  # noqa: E402
from .labels import metric_label  # noqa: E402
from .tables import shown_value  # noqa: E402

DPI = 200
COLUMN_WIDTH, PAGE_WIDTH = 3.5, 7.2  # inches: one column and both columns of a two-column article
#: Font sizes in points at print size.
STYLE = {"font.size": 7, "axes.titlesize": 7.5, "axes.labelsize": 7, "xtick.labelsize": 6.5,
         "ytick.labelsize": 6.5, "legend.fontsize": 6.5, "figure.titlesize": 8}
#: A log axis when the metric's positive values span more than this many decades.
LOG_DECADES = 1.5
#: ... and when their median is below this fraction of the largest value (the values crowd the low end).
LOG_MEDIAN = 0.25
def _safe_name(spec: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in spec)


def save_figure(fig, path: Path, pdf: bool = False) -> Path:
    """``fig`` as a PNG at ``path`` (200 dpi; with ``pdf`` also a PDF beside it), written atomically,
    then closed."""
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight"))
    if pdf:
        atomic_write(Path(path).with_suffix(".pdf"), lambda tmp: fig.savefig(tmp, format="pdf", dpi=DPI, bbox_inches="tight", metadata={"CreationDate": None}))
    plt.close(fig)
    return Path(path)


def axis_label(score_label: str, width: int = 46) -> str:
    """The subjective-score label on one line: the part before a parenthesis when the whole is long."""
    return score_label if len(score_label) <= width else score_label.split(" (")[0]


def log_axis(values) -> bool:
    """Whether the metric's values are all positive, span more than :data:`LOG_DECADES` decades and
    crowd the low end (median below :data:`LOG_MEDIAN` of the maximum): a distance such as MSE, not a
    similarity in (0, 1] such as SSIM, whose few low values span decades too."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    return bool(x.size > 1 and x.min() > 0 and math.log10(x.max() / x.min()) > LOG_DECADES
                and float(np.median(x)) < LOG_MEDIAN * x.max())


def plot_fit(ax, x, y, fit: str = "logistic5", lw: float = 1.2, model: Optional[MetricRegression] = None,
             log: bool = False) -> None:
    """The fitted regression curve of ``y`` on ``x`` over the range of ``x`` (or why the fit failed);
    ``model``: that fit, already made; ``log``: the grid evenly spaced on a log axis."""
    model = model or MetricRegression(fit=fit, n_boot=0).fit(x, y)
    if model.fit_kind == "none":
        return  # no mapping: nothing in the score's units to draw
    if model.ok:
        low, high = np.nanmin(model.x_), np.nanmax(model.x_)
        grid = np.geomspace(low, high, 200) if log else np.linspace(low, high, 200)
        ax.plot(grid, model.predict(grid), color="black", lw=lw, label=f"{fit} fit")
    else:
        ax.text(0.5, 0.5, model.result_.status, transform=ax.transAxes, ha="center", fontsize=6, wrap=True)


def _computed(scores: pd.DataFrame, metrics: Sequence[str]):
    return [m for m in metrics if m in scores.columns and np.isfinite(scores[m].astype(float)).any()]


def _statistics(summary: Optional[pd.DataFrame], metric: str) -> str:
    """``PLCC 0.833 · SROCC 0.831`` of the metric over all items ("" when not in the summary)."""
    if summary is None or "metric" not in summary.columns:
        return ""
    row = summary[(summary["metric"] == metric) & (summary["group"] == "all")]
    if row.empty:
        return ""
    return " · ".join(f"{label} {abs(row.iloc[0][key]):.3f}" for key, label in (("plcc", "PLCC"), ("srocc", "SROCC"))
                      if key in row.columns and np.isfinite(row.iloc[0][key]))


def curve_fitter(scores: pd.DataFrame, fit: str) -> Callable[[str], MetricRegression]:
    """metric → its fitted curve (no bootstrap), fitted on first use and then shared by every figure that
    draws it, so a figure that is not redrawn costs no fit."""
    fitted: Dict[str, MetricRegression] = {}

    def fit_of(metric: str) -> MetricRegression:
        if metric not in fitted:
            fitted[metric] = MetricRegression(fit=fit, n_boot=0).fit(scores[metric], scores["score"])
        return fitted[metric]
    return fit_of


@dataclass(frozen=True)
class ScatterFigures:
    """What the scatter figures of a run show: the items' ``scores`` (the subjective ``score``, each metric's
    column, the colouring column ``color_by``), the ``metrics`` to draw, the subjective score's axis label,
    the fit, the summary (PLCC / SROCC under each title, the |SROCC| chart), each metric's fitted curve
    (``fit_of``; default: fitted on first use, :func:`curve_fitter`) and display names (``labels``)."""

    scores: pd.DataFrame
    metrics: Sequence[str]
    score_label: str
    fit: str = "logistic5"
    color_by: str = "group:distortion"
    summary: Optional[pd.DataFrame] = None
    fit_of: Optional[Callable[[str], MetricRegression]] = None
    labels: Optional[Mapping[str, str]] = None

    def __post_init__(self):
        if self.fit_of is None:
            object.__setattr__(self, "fit_of", curve_fitter(self.scores, self.fit))

    @property
    def computed(self) -> List[str]:
        """The metrics with a value on some item."""
        return _computed(self.scores, self.metrics)

    @property
    def groups(self) -> list:
        """The groups the points are coloured by ([None]: no colouring column)."""
        return sorted(self.scores[self.color_by].unique()) if self.color_by in self.scores.columns else [None]

    def name(self, metric: str) -> str:
        return (self.labels or {}).get(metric) or metric_label(metric)

    def shown_columns(self) -> List[str]:
        """The columns every scatter shows besides its metric's."""
        return ["score"] + ([self.color_by] if self.color_by in self.scores.columns else [])


def _colours(groups) -> Dict[object, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {g: cycle[k % len(cycle)] for k, g in enumerate(groups)}


def _wrapped(text: str, width: int) -> str:
    """A display name broken onto lines of at most ``width`` characters (at spaces and commas)."""
    return "\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) or text


def _scatter(ax, figures: ScatterFigures, metric: str, size=8, label: str = ""):
    """Points coloured by group, the fitted curve; x on a log axis when the values span decades."""
    scores, groups, model = figures.scores, figures.groups, figures.fit_of(metric)
    log = log_axis(scores[metric])
    colours = _colours(groups)
    for group in groups:
        part = scores if group is None else scores[scores[figures.color_by] == group]
        ax.scatter(part[metric], part["score"], s=size, alpha=0.7, linewidths=0, label=group,
                   color=colours[group] if group is not None else None, rasterized=True)
    if log:
        ax.set_xscale("log")
    plot_fit(ax, scores[metric], scores["score"], model.fit_kind, model=model, log=log)
    ax.set_xlabel((label or metric) + (" (log scale)" if log else ""))


def figure_digest(*parts) -> str:
    """A figure's inputs as a short digest (this module's source included: a drawing change redraws)."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for part in parts:
        if isinstance(part, pd.DataFrame):
            digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
            digest.update(",".join(map(str, part.columns)).encode())
        else:
            digest.update(json.dumps(part, default=str, sort_keys=True).encode())
    return digest.hexdigest()[:20]


def _summary_rows(summary: Optional[pd.DataFrame], metric: str) -> list:
    if summary is None or "metric" not in summary.columns:
        return []
    part = summary[(summary["metric"] == metric) & (summary["group"] == "all")]
    return part.drop(columns=[c for c in ("note",) if c in part.columns]).to_dict("records")


def scatter_plots(figures: ScatterFigures, folder, cache: Optional[FigureCache] = None) -> Dict[str, Path]:
    """Per metric with values, ``scatter_<metric>.png`` (200 dpi) and ``.pdf``, one column wide: points
    coloured by the colouring column with their legend below, the fitted curve, the metric's display name
    as title with PLCC / SROCC under it (``cache``: the figures' cache, closed by its owner)."""
    folder = Path(folder)
    own = cache is None
    cache = cache or FigureCache(folder)
    written = {}
    groups, summary = figures.groups, figures.summary
    for metric in figures.computed:
        label = figures.name(metric)

        def draw(metric=metric, label=label):
            with plt.rc_context(STYLE):
                fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, 2.9))
                _scatter(ax, figures, metric, label=_wrapped(label, 50))
                statistics = _statistics(summary, metric)
                ax.set_title(_wrapped(label, 50) + (f"\n{statistics}" if statistics else ""))
                ax.set_ylabel(axis_label(figures.score_label))
                if groups != [None]:
                    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=min(3, len(groups)),
                              frameon=False, markerscale=1.5, handletextpad=0.2, columnspacing=0.8)
                return save_figure(fig, folder / f"scatter_{_safe_name(metric)}.png", pdf=True)
        digest = figure_digest("scatter", metric, label, figures.fit, figures.score_label,
                                figures.scores[figures.shown_columns() + [metric]], _summary_rows(summary, metric))
        written[metric] = cache.draw(f"scatter_{_safe_name(metric)}.png", digest, draw)
    if own:
        cache.close()
    return written


def _overview_scatter(figures: ScatterFigures, folder: Path, columns: int):
    computed, groups, summary = figures.computed, figures.groups, figures.summary
    n_cols = min(columns, len(computed))
    n_rows = math.ceil(len(computed) / n_cols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(n_rows, n_cols, figsize=(PAGE_WIDTH, 1.75 * n_rows + 0.5), squeeze=False)
        for ax, metric in zip(axes.flat, computed):
            # the x axis by the family's short name (the panel's title gives the whole display name)
            name = figures.name(metric)
            _scatter(ax, figures, metric, size=3, label=name.split(" (")[0])
            statistics = _statistics(summary, metric)
            ax.set_title(_wrapped(name, 34) + (f"\n{statistics}" if statistics else ""), fontsize=6.5)
            ax.xaxis.label.set_size(6)
            ax.tick_params(labelsize=5.5)
        for ax in list(axes.flat)[len(computed):]:
            ax.axis("off")
        # one label for the grid's shared y axis (the subjective score), not one per row
        fig.supylabel(axis_label(figures.score_label, 80), fontsize=7)
        fig.tight_layout(h_pad=0.8, w_pad=0.6)
        if groups != [None]:
            handles, texts = axes.flat[0].get_legend_handles_labels()
            points = [(h, t) for h, t in zip(handles, texts) if t in {str(g) for g in groups}]
            fig.legend([h for h, _ in points], [t for _, t in points], loc="lower center", ncol=min(6, len(points)),
                       frameon=False, markerscale=2.5, bbox_to_anchor=(0.5, 1.0),
                       title=figures.color_by.replace("group:", ""), title_fontsize=7)
        return save_figure(fig, folder / "overview_scatter.png", pdf=True)


def _srocc_rows(summary: pd.DataFrame, metrics: Sequence[str], names):
    overall = summary[summary["group"] == "all"] if "group" in summary.columns else summary.iloc[0:0]
    rows = []
    for metric in metrics:
        hit = overall[overall["metric"] == metric]
        if hit.empty or not np.isfinite(float(hit.iloc[0].get("srocc", np.nan))):
            rows.append((names[metric], np.nan, np.nan, np.nan))
            continue
        r = hit.iloc[0]
        # as the tables show it: the magnitude, the interval flipped with the sign (it may cross zero)
        rows.append((names[metric], *shown_value("srocc", float(r["srocc"]), float(r.get("srocc_lo", np.nan)),
                                                 float(r.get("srocc_hi", np.nan)))))
    rows.sort(key=lambda r: (not np.isfinite(r[1]), -r[1] if np.isfinite(r[1]) else 0))
    return rows


def _overview_srocc(rows, folder):
    # names wrapped so the chart keeps its column width; "(not computed)" is part of the name, in red
    names = [_wrapped(r[0] + ("" if np.isfinite(r[1]) else " (not computed)"), 26) for r in rows]
    # each row as tall as its name (0.1 in a line, plus a gap): with equal rows, a three-line name ran into
    # its neighbours'; the y axis is in inches, top row first
    slots = np.array([0.1 * (name.count("\n") + 1) + 0.09 for name in names])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(COLUMN_WIDTH, slots.sum() + 0.7))
        positions = slots.sum() - (np.cumsum(slots) - slots / 2)
        values = np.array([r[1] for r in rows])
        drawn = np.isfinite(values)
        ax.barh(positions[drawn], values[drawn], color="#4c72b0", height=0.13)
        ci = np.array([np.isfinite(r[2]) and np.isfinite(r[3]) for r in rows]) & drawn
        if ci.any():
            lows, highs = np.array([r[2] for r in rows])[ci], np.array([r[3] for r in rows])[ci]
            ax.errorbar(values[ci], positions[ci], xerr=[np.clip(values[ci] - lows, 0, None),
                                                         np.clip(highs - values[ci], 0, None)],
                        fmt="none", ecolor="black", capsize=1.5, lw=0.6)
        ax.set_yticks(positions)
        ax.set_yticklabels(names)
        for tick, row in zip(ax.get_yticklabels(), rows):
            if not np.isfinite(row[1]):
                tick.set_color("#a00000")
        ax.set_ylim(0, slots.sum())
        ax.set_xlim(min(0.0, np.nanmin([r[2] for r in rows] + [0.0])), 1)
        ax.set_xlabel("|SROCC| over all items (95% bootstrap CI)" if ci.any() else "|SROCC| over all items")
        fig.tight_layout()  # the names inside the column width, not past it
        return save_figure(fig, folder / "overview_srocc.png", pdf=True)


def overview_figures(figures: ScatterFigures, folder, columns: int = 4,
                     cache: Optional[FigureCache] = None) -> Dict[str, Path]:
    """``overview_scatter`` (every computed metric's scatter in one grid of ``columns``, two columns wide) and
    ``overview_srocc`` (|SROCC| over all items with its bootstrap interval from the figures' summary, metrics
    sorted best first; those without a value listed as not computed), PNG and PDF."""
    folder = Path(folder)
    own = cache is None
    cache = cache or FigureCache(folder)
    written = {}
    computed = figures.computed
    names = {m: figures.name(m) for m in figures.metrics}
    summary = figures.summary if figures.summary is not None else pd.DataFrame(columns=["metric", "group"])
    if computed:
        digest = figure_digest("overview_scatter", names, figures.fit, figures.score_label, columns,
                                figures.scores[figures.shown_columns() + computed],
                                [_summary_rows(summary, m) for m in computed])
        written["scatter"] = cache.draw("overview_scatter.png", digest,
                                        lambda: _overview_scatter(figures, folder, columns), cost=len(computed))
    rows = _srocc_rows(summary, figures.metrics, names)
    if any(np.isfinite(r[1]) for r in rows):  # a chart of nothing but "not computed" is no figure
        written["srocc"] = cache.draw("overview_srocc.png", figure_digest("overview_srocc", rows),
                                      lambda: _overview_srocc(rows, folder))
    if own:
        cache.close()
    return written


def run_figures(run: EvaluatedRun, summary: pd.DataFrame, folder) -> Dict[str, Path]:
    """Every figure of a run (per-metric scatters and the two overviews), each curve the run's mapping
    (:meth:`~iqa_bench.stats.evaluated_run.EvaluatedRun.mapped`: made once per run) and asked for only by
    a figure that is redrawn. The summary's metrics are the rows of the |SROCC| chart (those without values
    appear as "not computed"); the names are the summary's ``label`` column."""
    figures = ScatterFigures(run.scores, list(dict.fromkeys(summary["metric"])), run.score_label, run.settings.fit,
                             summary=summary, fit_of=lambda metric: run.mapped(metric).model,
                             labels=dict(zip(summary["metric"], summary["label"])) if "label" in summary.columns
                             else None)
    cache = FigureCache(folder)
    written = scatter_plots(figures, folder, cache)
    written.update({f"overview_{k}": v for k, v in overview_figures(figures, folder, cache=cache).items()})
    cache.close()  # every figure asked for, drawn in parallel
    cache.remove_others("scatter_", {Path(p).name for p in written.values()})
    return written
