"""The significance matrices of :mod:`iqa_bench.stats.significance` as a format-neutral document (every
format draws it: :mod:`.renderers`), and the F-test's heat map."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import numpy as np

from ..stats.multiple_comparisons import TITLES
from .table_model import Document, Note, matrix_table, symbol_text
from ..stats.significance import NOT_GAUSSIAN_MARK, NOT_GAUSSIAN_NOTE, TEST_TITLES, TESTS, SignificanceResult


def _cell(value, marked: bool = False, mark: str = NOT_GAUSSIAN_MARK) -> str:
    return symbol_text(value, mark if marked else "")


def significance_document(result: SignificanceResult, dataset: str, labels: Optional[Dict[str, str]] = None,
                          highlight: Sequence[str] = ()) -> Document:
    """The matrices of every test (metrics by their display names; Markdown shows each whole, LaTeX its
    upper triangle, the lower one being its mirror with the sign flipped), with the residual check below.
    ``labels``: spec → display name (default :func:`~.reports.labels.metric_label`); the rows (and columns)
    of ``highlight`` are set in bold, the caption says so. Fewer than two metrics: no table (the CSV keeps
    the pairs)."""
    from .labels import metric_label, trained_on_note

    if len(result.metrics) < 2:
        return Document([], data=result.pairs)
    names = {m: (labels or {}).get(m) or metric_label(m) for m in result.metrics}
    heading = (f"{dataset}: significance between metrics (two-sided, α = {result.alpha:g}); 1: the row metric is "
               f"significantly better than the column metric, -1: worse, 0: not distinguishable")
    unit = ("" if result.n_boot <= 0 else "paired bootstrap: whole reference images resampled (cluster bootstrap)"
            if result.resample == "references" else "paired bootstrap: items resampled")
    if unit:
        heading += f"; {unit}"
    heading += f"; {TITLES[result.correction]}"
    bold = [m for m in result.metrics if m in set(highlight)]
    if bold:
        heading += f"; in bold: {', '.join(names[m] for m in bold)}"
    tables = []
    for test in TESTS:
        if test in ("srocc", "plcc") and result.n_boot <= 0:
            continue
        marked = result.f_marked() if test == "f" else None
        notes = ([Note(NOT_GAUSSIAN_NOTE + ".")] if marked is not None and bool(marked.to_numpy().any()) else []) \
            + ([Note(f"In bold: {', '.join(names[m] for m in bold)}.", latex_only=True)] if bold else []) \
            + [Note(n) for n in trained_on_note(names.values())] \
            + ([Note(unit[0].upper() + unit[1:] + ".", latex_only=True)] if unit and test in ("srocc", "plcc") else [])
        tables.append(matrix_table(
            result.matrix(test), result.metrics, names, title=TEST_TITLES[test], marked=marked, mark=NOT_GAUSSIAN_MARK,
            bold=bold, mirrored=True, notes=notes,
            short_caption=f"{dataset}: {TEST_TITLES[test]}; 1: row metric significantly better, −1: worse, "
                          f"0: not distinguishable (α = {result.alpha:g})."))
    lines = [f"{names.get(r['metric'], r['metric'])} {r['kurtosis']:.2f}{'' if r['gaussian'] else ' (outside [2, 4])'}"
             for _, r in result.residuals.iterrows() if np.isfinite(r["kurtosis"])]
    closing = "Residual kurtosis (Gaussian for the F-test when in [2, 4], Sheikh et al. 2006): " + "; ".join(lines)
    return Document(tables, caption=heading, closing=closing, data=result.pairs)


def plot_significance(result: SignificanceResult, path, test: str = "f", title: str = "",
                      labels: Optional[Dict[str, str]] = None) -> None:
    """Heat map of one test's matrix (green: row better, red: worse, grey: equivalent), PNG + PDF, at
    print size (a column wide up to 8 metrics, both columns beyond), metrics by their display names."""
    from pathlib import Path

    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from .labels import metric_label
    from .plots import COLUMN_WIDTH, PAGE_WIDTH, STYLE, _wrapped, save_figure

    # rows "k  name", columns numbered k, as the LaTeX matrices: long (deep-metric) names under the columns
    # ran into each other however they were rotated
    names = [_wrapped(f"{k}  {(labels or {}).get(m) or metric_label(m)}", 30)
             for k, m in enumerate(result.metrics, start=1)]
    matrix = result.matrix(test).to_numpy(float)
    width = COLUMN_WIDTH if len(names) <= 8 else PAGE_WIDTH
    colours = ["#d9534f", "#d0d0d0", "#5cb85c"]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(width, width * 0.8))
        ax.imshow(np.ma.masked_invalid(matrix), cmap=ListedColormap(colours), vmin=-1, vmax=1)
        marked = result.f_marked().to_numpy() if test == "f" else np.zeros(matrix.shape, bool)
        ticks = range(len(names))
        ax.set_xticks(ticks, [str(k + 1) for k in ticks], fontsize=6)
        ax.set_yticks(ticks, names, fontsize=6)
        for i in ticks:
            for j in ticks:
                if np.isfinite(matrix[i, j]):
                    ax.text(j, i, _cell(matrix[i, j], marked[i, j]).replace("-", "−"), ha="center", va="center",
                            fontsize=5.5 if len(names) > 12 else 6.5)
        ax.set_title(title or TEST_TITLES[test])
        legend = [Patch(color=colours[2], label="1: row better"), Patch(color=colours[1], label="0: not distinguishable"),
                  Patch(color=colours[0], label="−1: row worse")]
        note = "‡ residual kurtosis outside [2, 4]: the F-test's assumption fails" if marked.any() else None
        # the legend in a strip of its own at the bottom, the matrix and its names laid out above it
        strip = (0.42 if note else 0.25) / fig.get_figheight()
        fig.tight_layout(rect=(0, strip, 1, 1))
        fig.legend(handles=legend, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=3, frameon=False, title=note,
                   title_fontsize=6)
        save_figure(fig, Path(path), pdf=True)
