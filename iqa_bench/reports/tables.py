"""Summary tables rendered (Markdown, LaTeX booktabs, CSV): one row per (metric, group) of
:func:`iqa_bench.stats.summaries.summarize`.

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
from .latex import latex_escape  # noqa: F401  (re-exported: other renderers import it from here)
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


def _notes(summary: pd.DataFrame, fmt: str) -> List[str]:
    """Footnotes of a table: what was not computed (Markdown: with the reason; LaTeX: the names only --
    a reason can hold a machine path or an exception's text, which a paper must not) and the † note."""
    notes = []
    missing = _not_computed(summary)
    if missing and fmt == "md":
        notes += [f"{name} not computed: {reason}" for name, reason in missing]
    elif missing:
        notes.append(f"Not computed (reasons in the run's failures.txt): {', '.join(n for n, _ in missing)}.")
    if "sign" in summary.columns and (summary["sign"] == INVERTED).any():
        notes.append(f"† {INVERTED_NOTE}.")
    if "placeholder" in summary.columns:
        overall = summary[(summary["group"] == ALL) & summary["placeholder"].fillna("").astype(bool)]
        notes += [f"{label_of(r)}: {r['placeholder']}." for _, r in overall.iterrows()]
    return notes + trained_on_note(label_of(r) for _, r in summary.iterrows())


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
    column. (Raw HTML in a cell is left to the page: :func:`~.html_page.markdown_html` shows it as text.)"""
    return " ".join(str(text).replace("|", "\\|").splitlines()) if text is not None else ""


def md_row(cells, corner: bool = False) -> str:
    """``| a | b |``: one Markdown table row, every cell through :func:`md_cell`; ``corner``: an empty
    first cell before them (a matrix's header row, ``| | a | b |``)."""
    return ("| " if corner else "") + "| " + " | ".join(md_cell(c) for c in cells) + " |"


def _md_table(header: Sequence[str], rows: List[MetricRow], ci: bool) -> List[str]:
    lines = [md_row(header), "|---|---:|" + "---:|" * (len(header) - 2)]
    for row in rows:
        cells = [f"{v} {i}" if ci and i else v for v, i in zip(row.values, row.intervals)]
        shown = [f"**{c}**" if b else c for c, b in zip(cells, row.best)]
        lines.append(md_row([row.name, row.n] + shown))
    return lines


def _latex_rows(rows: List[MetricRow], ci: str, with_n: bool = True) -> List[latex.Row]:
    out = []
    for row in rows:
        values = [f"{v} {i}" if ci == "inline" and i else v for v, i in zip(row.values, row.intervals)]
        below = ([""] * (2 if with_n else 1) + row.intervals) if ci == "below" else None
        lead = [row.name, str(row.n)] if with_n else [row.name]
        out.append(latex.Row(lead + values, [False] * len(lead) + row.best, row.spec, below))
    return out


def _overall_block(rows: List[MetricRow], ci: str) -> List[str]:
    numeric = "r" * len(STATS)
    return latex.tabular(["Metric", "$n$"] + [LABELS[k] for k in STATS], _latex_rows(rows, ci),
                         latex.name_column() + "r" + numeric)


def _group_blocks(summary: pd.DataFrame, groups: List[str], by: str) -> List[List[str]]:
    """SROCC per group, :data:`GROUP_COLUMNS` groups per block, headings wrapping (and hyphenating) in
    their column."""
    rows = _group_srocc_rows(summary, groups)
    blocks = []
    for start in range(0, len(groups), GROUP_COLUMNS):
        chunk = groups[start:start + GROUP_COLUMNS]
        part = [MetricRow(r.name, r.spec, r.n, r.values[start:start + len(chunk)], [""] * len(chunk),
                          r.best[start:start + len(chunk)]) for r in rows]
        above = (f" & \\multicolumn{{{len(chunk)}}}{{c}}{{SROCC per {latex.latex_escape(by)}}} \\\\"
                 f" \\cmidrule(lr){{2-{len(chunk) + 1}}}")
        headings = [f"\\hspace{{0pt}}\\footnotesize {latex.latex_escape(g)}" for g in chunk]
        blocks.append(latex.tabular(["Metric"] + headings, _latex_rows(part, "inline", with_n=False),
                                    latex.name_column() + latex.heading_column("1.4cm") * len(chunk), above))
    return blocks


def render_ci_table(summary: pd.DataFrame, dataset: str = "", score_text: str = "") -> str:
    """``--ci separate``: the 95% intervals of the overall statistics in a table of their own (LaTeX),
    beside an interval-free ``table.tex``."""
    summary = summary[summary["group"] == ALL]
    rows = [latex.Row([r.name] + r.intervals, spec=r.spec) for r in _overall_rows(summary)]
    block = latex.tabular(["Metric"] + [f"{LABELS[k]} 95% CI" for k in STATS], rows,
                          latex.name_column() + "c" * len(STATS))
    return latex.table(f"{dataset}: 95% bootstrap confidence intervals of the statistics of the main table.",
                       [block], provenance(summary, dataset, score_text))


def render_paper_table(summary: pd.DataFrame, fmt: str = "md", dataset: str = "", score_text: str = "",
                       ci: object = True, by: str = "group") -> str:
    """The layout of FR-IQA papers: metrics as rows; overall RMSE / PLCC / SROCC / KROCC (with CIs),
    then SROCC per group (distortion type); the best value of each column in bold. ``ci``: True/False,
    or for LaTeX ``inline`` | ``below`` (default) | ``separate`` (no intervals here: see
    :func:`render_ci_table`). LaTeX: the overall statistics in one ``table*``, the SROCC per group in a
    second (:data:`GROUP_COLUMNS` groups per block), both at the body size."""
    groups = sorted(g for g in summary["group"].unique() if g != ALL)
    overall = summary[summary["group"] == ALL]
    head = provenance(summary, dataset, score_text, groups)
    notes = _notes(summary, fmt)
    if fmt == "md":
        show_ci = ci is not False and ci != "separate"
        header = ["metric", "n"] + [LABELS[k] for k in STATS] + [f"SROCC {g}" for g in groups]
        rows = _overall_rows(overall)
        for row, extra in zip(rows, _group_srocc_rows(summary, groups)):
            row.values += extra.values
            row.intervals += extra.intervals
            row.best += extra.best
        lines = [f"_{head}_", ""] + _md_table(header, rows, show_ci)
        return "\n".join(lines + [""] + [f"- {note}" for note in notes]) + "\n" + spec_comment(overall)
    mode = {True: "below", False: "separate"}.get(ci, ci) if isinstance(ci, bool) else ci
    if mode not in latex.CI_MODES:
        raise OptionError("ci", f"{{option}} {ci!r}: valid: {', '.join(latex.CI_MODES)}")
    out = latex.table(short_caption(dataset, score_text), [_overall_block(_overall_rows(overall), mode)], head, notes,
                      font=r"\footnotesize" if mode == "inline" else r"\small",
                      colsep="3pt" if mode == "inline" else "4pt")  # inline intervals: the widest cells
    blocks = _group_blocks(summary, groups, by) if groups else []
    for k, block in enumerate(blocks):  # one float each: several blocks do not fit one page
        part = f" ({k + 1} of {len(blocks)})" if len(blocks) > 1 else ""
        out += "\n" + latex.table(f"{dataset}: SROCC of each metric per {by}{part}; best of each column in bold.",
                                   [block])
    return out


#: Groups-layout LaTeX: a ``\clearpage`` after this many floats, so a dataset with many groups (TID2013's
#: 24) never exceeds LaTeX's limit of unprocessed floats.
FLOATS_PER_PAGE_BREAK = 6


def render_table(summary: pd.DataFrame, fmt: str = "md", dataset: str = "", score_text: str = "",
                 ci: object = True, layout: str = "paper", by: str = "group") -> str:
    """``layout="paper"``: one table, metrics × (overall statistics, SROCC per group); ``"groups"``: one
    table per group (``all`` first); in ``md``, ``latex`` or ``csv``. ``ci``: see :func:`render_paper_table`."""
    if fmt == "csv":
        return summary.to_csv(index=False)  # the "sign" column carries the flag
    if fmt not in ("md", "latex"):
        raise OptionError("format", f"{{option}} {fmt!r}: valid formats: md, latex, csv")
    if layout not in LAYOUTS:
        raise OptionError("layout", f"{{option}} {layout!r}: valid layouts: {', '.join(LAYOUTS)}")
    if layout == "paper":
        return render_paper_table(summary, fmt, dataset, score_text, ci, by)
    groups: List[str] = [ALL] + sorted(g for g in summary["group"].unique() if g != ALL)
    head = provenance(summary, dataset, score_text)
    notes = _notes(summary, fmt)
    blocks = []
    mode = {True: "below", False: "separate"}.get(ci, ci) if isinstance(ci, bool) else ci
    for k, group in enumerate(groups):
        part = summary[summary["group"] == group]
        title = f"{dataset} — {'all items' if group == ALL else group}"
        if fmt == "md":
            blocks.append("\n".join([f"**{title}**", ""] + _md_table(["metric", "n"] + [LABELS[s] for s in STATS],
                                                                     _overall_rows(part), mode != "separate")))
            continue
        text = latex.table(f"{title}: correlation with the subjective score; best of each column in bold.",
                           [_overall_block(_overall_rows(part), mode)], head if k == 0 else "",
                           notes if group == ALL else ())
        if k and k % FLOATS_PER_PAGE_BREAK == 0:
            text = "\\clearpage\n" + text
        blocks.append(text)
    if fmt == "md":
        return ("_" + head + "_\n\n" + "\n\n".join(blocks) + "\n" + "".join(f"\n- {n}" for n in notes)
                + ("\n" if notes else "") + spec_comment(summary[summary["group"] == ALL]))
    return "\n".join(blocks)
