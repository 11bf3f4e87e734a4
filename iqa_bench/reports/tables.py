"""Summary tables as format-neutral documents (:func:`summary_document`; every format draws them): one row per
(metric, group) of :func:`iqa_bench.stats.summaries.summarize`.

Correlations are stored signed in ``summary.csv``; the rendered tables show their absolute values
(the sign only reflects whether the metric is a similarity or a distance) and mark the best value per
column in bold (lowest RMSE, highest |PLCC|, |SROCC|, |KROCC|).

Showing |r| must never make an inverted metric look perfect: when the metric's declared direction and
the subjective score's direction are known, a correlation whose sign contradicts them (PSNR rising
with DMOS, say) is flagged in the ``sign`` column of the summary, marked with a dagger in every
rendered table and logged.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import pandas as pd

from ..stats.regression import MIN_ITEMS, fit_caption
from ..stats.summaries import ALL, INVERTED, INVERTED_NOTE
from . import latex
from .labels import label_of, trained_on_note

from .table_model import Cell, Column, Document, Note, Row, Table
from ..errors import OptionError

STATS = ("rmse", "plcc", "srocc", "krocc")
LABELS = {"rmse": "RMSE", "plcc": "PLCC", "srocc": "SROCC", "krocc": "KROCC"}

log = logging.getLogger(__name__)


def display_name(key: str) -> str:
    """A dataset key as tables show it: a custom dataset by its folder's name, never an absolute path."""
    family, _, rest = key.partition(":")
    if family != "custom" or not rest:
        return key
    folder, manifest = rest, ""
    head, _, tail = rest.rpartition(":")
    if head and "/" not in tail and "\\" not in tail:
        folder, manifest = head, tail
    return f"custom ({Path(folder).name}{', ' + manifest if manifest else ''})"


RESAMPLING = {"items": "items resampled", "clusters": "reference images resampled: cluster bootstrap"}


def _inverted(row) -> bool:
    return row.get("sign", "") == INVERTED


def shown_value(key: str, value: float, lo: float, hi: float):
    """(value, lo, hi) as tables show them: a correlation as its magnitude (its sign only says whether
    the metric is a similarity or a distance), the interval flipped with it; RMSE as it is."""
    if key != "rmse" and np.isfinite(value) and value < 0:
        return -value, -hi, -lo
    return value, lo, hi


def stat_parts(row, key: str):
    """(value text, interval text) of one statistic cell: "0.832", "[0.784, 0.870]"; the interval is ""
    when there is none; a missing value says why ("not computed", "n = 3 < 4", "fit failed", "n/a")."""
    n = row.get("n", 0)
    if not n or (isinstance(n, float) and not np.isfinite(n)):
        return "not computed", ""
    if not np.isfinite(row[key]):
        status = str(row.get("status", ""))
        if status.startswith("too few items") and key in ("rmse", "plcc"):
            return f"n = {int(n)} < {MIN_ITEMS}", ""
        return ("fit failed" if key in ("rmse", "plcc") and status != "ok" else "n/a"), ""
    value, lo, hi = shown_value(key, row[key], row.get(f"{key}_lo", np.nan), row.get(f"{key}_hi", np.nan))
    interval = f"[{lo:.3f}, {hi:.3f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
    return f"{value:.3f}", interval


def best_rows(part: pd.DataFrame, key: str, lower: Optional[bool] = None) -> set:
    """Indices of the best rows of a column as shown (3 decimals; ties are all best); never an
    inverted metric. ``lower``: whether the lowest value is the best (default: for RMSE only; the others
    are correlations, compared by magnitude)."""
    lower = key == "rmse" if lower is None else lower
    if "sign" in part.columns:
        part = part[part["sign"] != INVERTED]
    values = (part[key] if lower else part[key].abs()).astype(float).round(3)
    values = values[np.isfinite(values)]
    if values.empty:
        return set()
    target = values.min() if lower else values.max()
    return set(values.index[values == target])


def shown_name(row) -> str:
    """The metric as a table row names it: its display name, with † when its sign is inverted."""
    return label_of(row) + (" †" if _inverted(row) else "")


def spec_comment(rows: pd.DataFrame) -> str:
    """Markdown: which spec each shown name stands for, as an HTML comment (not rendered, kept with
    the table)."""
    pairs = [(label_of(r), r["metric"]) for _, r in rows.iterrows() if label_of(r) != r["metric"]]
    if not pairs:
        return ""
    return "\n<!-- specs: " + "; ".join(f"{label} = {spec}" for label, spec in pairs) + " -->\n"


@dataclass
class MetricRow:
    """One metric's row of a statistics table: its name and spec, n, and per column the value, the
    interval text and whether it is the column's best."""

    name: str
    spec: str
    n: object
    values: List[str]
    intervals: List[str]
    best: List[bool]


def _overall_rows(part: pd.DataFrame) -> List[MetricRow]:
    best = {key: best_rows(part, key) for key in STATS}
    rows = []
    for index, row in part.iterrows():
        parts = [stat_parts(row, k) for k in STATS]
        rows.append(MetricRow(shown_name(row), row["metric"], row["n"], [p[0] for p in parts],
                              [p[1] for p in parts], [index in best[k] for k in STATS]))
    return rows


def _group_srocc_rows(summary: pd.DataFrame, groups: List[str]) -> List[MetricRow]:
    """Per metric of the overall rows: SROCC of each group ("—" where the group has no row)."""
    overall = summary[summary["group"] == ALL]
    by_group = {g: summary[summary["group"] == g] for g in groups}
    best = {g: best_rows(part, "srocc") for g, part in by_group.items()}
    rows = []
    for _, row in overall.iterrows():
        values, flags = [], []
        for g in groups:
            hit = by_group[g][by_group[g]["metric"] == row["metric"]]
            values.append("—" if hit.empty else stat_parts(hit.iloc[0], "srocc")[0])
            flags.append(not hit.empty and hit.index[0] in best[g])
        rows.append(MetricRow(shown_name(row), row["metric"], row["n"], values, [""] * len(groups), flags))
    return rows


LAYOUTS = ("paper", "groups")
#: Per-group SROCC columns per LaTeX block (more groups: further blocks below).
GROUP_COLUMNS = 8


def _not_computed(summary: pd.DataFrame) -> List[tuple]:
    """(shown name, reason) of every metric that has no value at all (the reason as recorded in
    ``note``)."""
    if "note" not in summary.columns:
        return []
    rows = summary[(summary["group"] == ALL) & summary["note"].fillna("").astype(str).str.len().gt(0)]
    return [(label_of(r), str(r["note"])) for _, r in rows.iterrows()]


def _notes(summary: pd.DataFrame) -> List[Note]:
    """Footnotes of a table: what was not computed (with the reason, except in LaTeX: the names only -- a
    reason can hold a machine path or an exception's text, which a paper must not) and the † note."""
    notes = []
    missing = _not_computed(summary)
    notes += [Note(f"{name} not computed: {reason}", text_only=True) for name, reason in missing]
    if missing:
        notes.append(Note(f"Not computed (reasons in the run's failures.txt): {', '.join(n for n, _ in missing)}.",
                          latex_only=True))
    if "sign" in summary.columns and (summary["sign"] == INVERTED).any():
        notes.append(Note(f"† {INVERTED_NOTE}."))
    if "placeholder" in summary.columns:
        overall = summary[(summary["group"] == ALL) & summary["placeholder"].fillna("").astype(bool)]
        notes += [Note(f"{label_of(r)}: {r['placeholder']}.") for _, r in overall.iterrows()]
    return notes + [Note(n) for n in trained_on_note(label_of(r) for _, r in summary.iterrows())]


def resampling(summary: pd.DataFrame) -> str:
    """What the bootstrap resampled for these intervals, as the captions say it."""
    kinds = summary["resample"].dropna().unique() if "resample" in summary.columns else ["items"]
    return "; ".join(RESAMPLING.get(str(k), str(k)) for k in sorted(kinds)) or RESAMPLING["items"]


def has_intervals(summary: pd.DataFrame) -> bool:
    """Whether any statistic of the summary has a bootstrap interval (none with ``--bootstrap 0``)."""
    return any(f"{k}_lo" in summary.columns and np.isfinite(summary[f"{k}_lo"].astype(float)).any() for k in STATS)


def provenance(summary: pd.DataFrame, dataset: str, score_text: str, groups: Sequence[str] = ()) -> str:
    """The details of a statistics table: target, mapping, intervals, groups (LaTeX: a comment;
    Markdown: the italic line above the table)."""
    return (f"{dataset}: target {score_text}; {fit_caption(summary['fit'].dropna().unique())}; |correlation|"
            + (f"; 95% bootstrap CI in brackets ({resampling(summary)})" if has_intervals(summary) else "")
            + (f"; SROCC per {', '.join(groups)}" if groups else ""))


def short_caption(dataset: str, score_text: str, what: str = "correlation") -> str:
    """A caption as a paper prints it: dataset, the target's name, the mapping, how bold is read."""
    target = score_text.split(",")[0].split(" (")[0].strip() or "the subjective score"
    return f"{dataset}: {what} of each metric with {target}; best value of each column in bold."


def md_cell(text) -> str:
    """A name as one cell of a Markdown pipe table: a ``|`` escaped (``\\|``, as GitHub and Python-Markdown
    read it), a line break made a space -- a group ``noise|white`` or a label ``a|b`` no longer adds a
    column."""
    return " ".join(str(text).replace("|", "\\|").splitlines()) if text is not None else ""


def md_row(cells, corner: bool = False) -> str:
    """``| a | b |``: one Markdown table row, every cell through :func:`md_cell`; ``corner``: an empty
    first cell before them (a matrix's header row, ``| | a | b |``)."""
    return ("| " if corner else "") + "| " + " | ".join(md_cell(c) for c in cells) + " |"


def _cells(row: MetricRow) -> List[Cell]:
    return [Cell(v, i, b) for v, i, b in zip(row.values, row.intervals, row.best)]


def _statistics_columns(groups: Sequence[str] = (), by: str = "group") -> List[Column]:
    """n, the overall statistics, then (``groups``) SROCC per group, these under one heading."""
    return ([Column("n", "$n$")] + [Column(LABELS[k]) for k in STATS]
            + [Column(f"SROCC {g}", g, group=f"SROCC per {by}") for g in groups])


def summary_document(summary: pd.DataFrame, dataset: str = "", score_text: str = "", ci: object = True,
                     layout: str = "paper", by: str = "group") -> Document:
    """``layout="paper"``, the layout of FR-IQA papers: metrics as rows; overall RMSE / PLCC / SROCC / KROCC
    (with CIs), then SROCC per group (distortion type); the best value of each column in bold (LaTeX sets
    the per-group columns in tables of their own, :data:`GROUP_COLUMNS` a block). ``"groups"``: one table
    per group (``all`` first). ``ci``: True/False, or ``inline`` | ``below`` (default) | ``separate`` (no
    intervals here: see :func:`render_ci_table`) -- where LaTeX sets the intervals."""
    if layout not in LAYOUTS:
        raise OptionError("layout", f"{{option}} {layout!r}: valid layouts: {', '.join(LAYOUTS)}")
    mode = {True: "below", False: "separate"}.get(ci, ci) if isinstance(ci, bool) else ci
    notes = _notes(summary)
    overall = summary[summary["group"] == ALL]
    if layout == "paper":
        groups = sorted(g for g in summary["group"].unique() if g != ALL)
        rows = []
        for row, extra in zip(_overall_rows(overall), _group_srocc_rows(summary, groups)):
            rows.append(Row(row.name, [Cell(str(row.n))] + _cells(row) + _cells(extra), spec=row.spec))
        compact = dict(font=r"\footnotesize", colsep="3pt") if mode == "inline" else dict(font=r"\small")
        tables = [Table(_statistics_columns(groups, by), rows, name_header="metric", name_short="Metric",
                        caption=provenance(summary, dataset, score_text, groups),
                        short_caption=short_caption(dataset, score_text),
                        split_caption=f"{dataset}: SROCC of each metric per {by}{{part}}; best of each column in "
                                      f"bold.", **compact)]
    else:
        tables = []
        for k, group in enumerate([ALL] + sorted(g for g in summary["group"].unique() if g != ALL)):
            title = f"{dataset} — {'all items' if group == ALL else group}"
            rows = [Row(r.name, [Cell(str(r.n))] + _cells(r), spec=r.spec)
                    for r in _overall_rows(summary[summary["group"] == group])]
            tables.append(Table(_statistics_columns(), rows, name_header="metric", name_short="Metric", title=title,
                                caption=provenance(summary, dataset, score_text) if k == 0 else "",
                                short_caption=f"{title}: correlation with the subjective score; best of each column "
                                              f"in bold.", font=r"\small"))
    return Document(tables, notes=notes, note_style="list", intervals=mode, data=summary,
                    comment=spec_comment(overall), page_break_every=FLOATS_PER_PAGE_BREAK if layout == "groups" else 0)


def render_ci_table(summary: pd.DataFrame, dataset: str = "", score_text: str = "") -> str:
    """``--ci separate``: the 95% intervals of the overall statistics in a table of their own (LaTeX),
    beside an interval-free ``table.tex``."""
    summary = summary[summary["group"] == ALL]
    rows = [latex.Row([r.name] + r.intervals, spec=r.spec) for r in _overall_rows(summary)]
    block = latex.tabular(["Metric"] + [f"{LABELS[k]} 95% CI" for k in STATS], rows,
                          latex.name_column() + "c" * len(STATS))
    return latex.table(f"{dataset}: 95% bootstrap confidence intervals of the statistics of the main table.",
                       [block], provenance(summary, dataset, score_text))


#: Groups-layout LaTeX: a ``\clearpage`` after this many floats, so a dataset with many groups (TID2013's
#: 24) never exceeds LaTeX's limit of unprocessed floats.
FLOATS_PER_PAGE_BREAK = 6
