"""Summary tables from per-item scores: one row per (metric, group), rendered to Markdown/LaTeX/CSV.

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
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..regression import MIN_ITEMS, MetricRegression, fit_caption

STATS = ("rmse", "plcc", "srocc", "krocc")
LABELS = {"rmse": "RMSE", "plcc": "PLCC", "srocc": "SROCC", "krocc": "KROCC"}
ALL = "all"
INVERTED = "inverted"
INVERTED_NOTE = ("correlation sign contradicts the metric's declared direction and the score's direction: "
                 "the metric ranks the images backwards")

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


def expected_sign(metric_higher_is_better: Optional[bool], score_higher_is_better: Optional[bool]) -> int:
    """+1 when the metric should rise with the score, -1 when it should fall, 0 when unknown."""
    if metric_higher_is_better is None or score_higher_is_better is None:
        return 0
    return 1 if bool(metric_higher_is_better) == bool(score_higher_is_better) else -1


def sign_status(srocc: float, expected: int) -> str:
    """"inverted" when a non-zero SROCC has the sign opposite to the expected one, "ok" when it agrees,
    "" when either is unknown."""
    if expected == 0 or not np.isfinite(srocc) or srocc == 0:
        return ""
    return INVERTED if np.sign(srocc) != expected else "ok"


REFERENCE = "group:reference"
RESAMPLING = {"items": "items resampled", "clusters": "reference images resampled: cluster bootstrap"}


def leave_one_reference_out(part: pd.DataFrame, metric: str, reference: str = REFERENCE) -> Dict[str, float]:
    """The smallest and largest SROCC over the item sets that leave out one reference image's items
    (how much one source image moves the figure)."""
    values = []
    for ref in part[reference].dropna().unique():
        kept = part[part[reference] != ref]
        x, y = kept[metric].to_numpy(float), kept["score"].to_numpy(float)
        finite = np.isfinite(x) & np.isfinite(y)
        if finite.sum() >= 3 and np.ptp(x[finite]) > 0:
            values.append(stats.spearmanr(x[finite], y[finite])[0])
    if len(values) < 2:
        return {"srocc_loro_min": float("nan"), "srocc_loro_max": float("nan")}
    return {"srocc_loro_min": float(np.min(values)), "srocc_loro_max": float(np.max(values))}


def summarize(scores: pd.DataFrame, metrics: Sequence[str], by: Optional[str] = None,
              fit: str = "logistic5", n_boot: int = 1000, seed: int = 0,
              directions: Optional[Dict[str, bool]] = None,
              score_higher_is_better: Optional[bool] = None, clusters: Optional[str] = None) -> pd.DataFrame:
    """Regression statistics per metric, overall and (with ``by``) per value of a group column.

    ``scores`` has a ``score`` column (subjective), one column per metric, and group columns.
    ``directions`` (metric -> higher is better) and ``score_higher_is_better`` enable the sign check.
    ``clusters``: a group column whose values are resampled whole by the bootstrap (the reference
    image). Where the scores have a reference grouping, the overall rows also carry the leave-one-
    reference-out SROCC range (``srocc_loro_min`` / ``srocc_loro_max``).
    """
    if clusters is not None and clusters not in scores.columns:
        raise ValueError(f"resample: references needs a reference grouping, and these scores have none "
                         f"(groups: {', '.join(c[6:] for c in scores.columns if c.startswith('group:')) or 'none'})")
    if by is not None and by not in scores.columns:
        raise ValueError(f"--by {by!r}: no such grouping; available: "
                         f"{', '.join(c for c in scores.columns if c.startswith('group:'))}")
    subsets = [(ALL, scores)]
    if by is not None:
        subsets += [(str(value), part) for value, part in scores.groupby(by, sort=True)]
    rows = []
    for metric in metrics:
        for group, part in subsets:
            model = MetricRegression(fit=fit, n_boot=n_boot, seed=seed).fit(
                part[metric], part["score"], part[clusters] if clusters else None)
            report = model.report()
            if group == ALL and REFERENCE in part.columns:
                report.update(leave_one_reference_out(part, metric))
            expected = expected_sign((directions or {}).get(metric), score_higher_is_better)
            sign = sign_status(report["srocc"], expected)
            if sign == INVERTED:
                log.warning("%s (%s): SROCC %+.3f, expected %s: %s", metric, group, report["srocc"],
                            "positive" if expected > 0 else "negative", INVERTED_NOTE)
            rows.append({"metric": metric, "group": group, **report, "n_missing": model.n_dropped_,
                         "sign": sign})
    return pd.DataFrame(rows)


def _inverted(row) -> bool:
    return row.get("sign", "") == INVERTED


def shown_value(key: str, value: float, lo: float, hi: float):
    """(value, lo, hi) as tables show them: a correlation as its magnitude (its sign only says whether
    the metric is a similarity or a distance), the interval flipped with it; RMSE as it is."""
    if key != "rmse" and np.isfinite(value) and value < 0:
        return -value, -hi, -lo
    return value, lo, hi


def stat_cell(row, key: str, ci: bool) -> str:
    n = row.get("n", 0)
    if not n or (isinstance(n, float) and not np.isfinite(n)):
        return "not computed"
    if not np.isfinite(row[key]):
        status = str(row.get("status", ""))
        if status.startswith("too few items") and key in ("rmse", "plcc"):
            return f"n = {int(n)} < {MIN_ITEMS}"
        return "fit failed" if key in ("rmse", "plcc") and status != "ok" else "n/a"
    value, lo, hi = shown_value(key, row[key], row[f"{key}_lo"], row[f"{key}_hi"])
    text = f"{value:.3f}"
    if ci and np.isfinite(lo) and np.isfinite(hi):
        text += f" [{lo:.3f}, {hi:.3f}]"
    return text


def best_rows(part: pd.DataFrame, key: str) -> set:
    """Indices of the best rows of a column as shown (3 decimals; ties are all best); never an
    inverted metric."""
    if "sign" in part.columns:
        part = part[part["sign"] != INVERTED]
    values = (part[key].abs() if key != "rmse" else part[key]).astype(float).round(3)
    values = values[np.isfinite(values)]
    if values.empty:
        return set()
    target = values.min() if key == "rmse" else values.max()
    return set(values.index[values == target])


def _table_cells(part: pd.DataFrame, ci: bool):
    """Rows of (metric, [cells], [is_best]) for one group."""
    best = {key: best_rows(part, key) for key in STATS}
    return [(row["metric"] + (" †" if _inverted(row) else ""), row["n"], [stat_cell(row, k, ci) for k in STATS],
             [index in best[k] for k in STATS]) for index, row in part.iterrows()]


def _markdown(part, ci, title):
    lines = [f"**{title}**", "", "| metric | n | " + " | ".join(LABELS[k] for k in STATS) + " |",
             "|---|---:|" + "---:|" * len(STATS)]
    for metric, n, cells, best in _table_cells(part, ci):
        shown = [f"**{c}**" if b else c for c, b in zip(cells, best)]
        lines.append(f"| {metric} | {n} | " + " | ".join(shown) + " |")
    return "\n".join(lines)


_LATEX_SPECIALS = str.maketrans({"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&",
                                 "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
                                 "~": r"\textasciitilde{}", "^": r"\^{}", "<": r"$<$", ">": r"$>$",
                                 # what pdflatex's default inputenc does not set up (it stops on them)
                                 "Δ": r"$\Delta$", "−": r"$-$", "–": "--", "—": "---", "†": r"$^\dagger$",
                                 "‡": r"$^\ddagger$", "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$",
                                 "η": r"$\eta$", "μ": r"$\mu$", "σ": r"$\sigma$", "×": r"$\times$",
                                 "±": r"$\pm$", "≥": r"$\geq$", "≤": r"$\leq$", "≈": r"$\approx$",
                                 "·": r"$\cdot$", "→": r"$\to$", "…": r"\ldots{}", "²": r"$^2$",
                                 "√": r"$\surd$"})


def latex_escape(text: str) -> str:
    return str(text).translate(_LATEX_SPECIALS)


def _latex(part, ci, title):
    lines = [r"\begin{table}[t]", r"\centering", f"\\caption{{{latex_escape(title)}}}",
             r"\begin{tabular}{lr" + "r" * len(STATS) + "}", r"\toprule",
             "Metric & $n$ & " + " & ".join(LABELS[k] for k in STATS) + r" \\", r"\midrule"]
    for metric, n, cells, best in _table_cells(part, ci):
        shown = [f"\\textbf{{{latex_escape(c)}}}" if b else latex_escape(c) for c, b in zip(cells, best)]
        name = latex_escape(metric.replace(" †", "†"))
        lines.append(f"{name} & {n} & " + " & ".join(shown) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines)


LAYOUTS = ("paper", "groups")


def _not_computed_notes(summary: pd.DataFrame) -> List[str]:
    """One line per metric that has no value at all, with the reason recorded in ``note``."""
    if "note" not in summary.columns:
        return []
    rows = summary[(summary["group"] == ALL) & summary["note"].fillna("").astype(str).str.len().gt(0)]
    return [f"{r['metric']} not computed: {r['note']}" for _, r in rows.iterrows()]


def _paper_rows(summary: pd.DataFrame, groups: List[str], ci: bool):
    """(metric, n, [overall RMSE/PLCC/SROCC/KROCC cells + SROCC per group], [is_best]) per metric."""
    overall = summary[summary["group"] == ALL]
    best = {key: best_rows(overall, key) for key in STATS}
    by_group = {g: summary[summary["group"] == g] for g in groups}
    best_group = {g: best_rows(part, "srocc") for g, part in by_group.items()}
    rows = []
    for index, row in overall.iterrows():
        cells = [stat_cell(row, k, ci) for k in STATS]
        flags = [index in best[k] for k in STATS]
        for g in groups:
            hit = by_group[g][by_group[g]["metric"] == row["metric"]]
            if hit.empty:
                cells.append("—")
                flags.append(False)
                continue
            cells.append(stat_cell(hit.iloc[0], "srocc", False))
            flags.append(hit.index[0] in best_group[g])
        rows.append((row["metric"] + (" †" if _inverted(row) else ""), row["n"], cells, flags))
    return rows


def resampling(summary: pd.DataFrame) -> str:
    """What the bootstrap resampled for these intervals, as the captions say it."""
    kinds = summary["resample"].dropna().unique() if "resample" in summary.columns else ["items"]
    return "; ".join(RESAMPLING.get(str(k), str(k)) for k in sorted(kinds)) or RESAMPLING["items"]


def render_paper_table(summary: pd.DataFrame, fmt: str = "md", dataset: str = "", score_text: str = "",
                       ci: bool = True) -> str:
    """The layout of FR-IQA papers: metrics as rows; overall RMSE / PLCC / SROCC / KROCC (with CIs in
    Markdown), then SROCC per group (distortion type); the best value of each column in bold. LaTeX:
    one booktabs ``table*`` scaled to the text width."""
    groups = sorted(g for g in summary["group"].unique() if g != ALL)
    head = (f"{dataset}: target {score_text}; {fit_caption(summary['fit'].dropna().unique())}; |correlation|"
            + (f"; 95% bootstrap CI in brackets ({resampling(summary)})" if ci else "")
            + (f"; SROCC per {', '.join(groups)}" if groups else ""))
    rows = _paper_rows(summary, groups, ci)
    notes = _not_computed_notes(summary)
    if "sign" in summary.columns and (summary["sign"] == INVERTED).any():
        notes.append(f"† {INVERTED_NOTE}.")
    if fmt == "md":
        header = ["metric", "n"] + [LABELS[k] for k in STATS] + [f"SROCC {g}" for g in groups]
        lines = [f"_{head}_", "", "| " + " | ".join(header) + " |", "|---|---:|" + "---:|" * (len(header) - 2)]
        for metric, n, cells, flags in rows:
            shown = [f"**{c}**" if b else c for c, b in zip(cells, flags)]
            lines.append(f"| {metric} | {n} | " + " | ".join(shown) + " |")
        return "\n".join(lines + [""] + [f"- {note}" for note in notes]) + "\n"
    columns = "lr" + "r" * (len(STATS) + len(groups))
    lines = [r"% needs \usepackage{booktabs} and \usepackage{graphicx}", r"\begin{table*}[t]", r"\centering",
             f"\\caption{{{latex_escape(head)}}}", r"\resizebox{\textwidth}{!}{%",
             f"\\begin{{tabular}}{{{columns}}}", r"\toprule"]
    if groups:
        first = 3 + len(STATS)
        lines.append(" & " * (2 + len(STATS)) + f"\\multicolumn{{{len(groups)}}}{{c}}{{SROCC per group}} \\\\")
        lines.append(f"\\cmidrule(lr){{{first}-{first + len(groups) - 1}}}")
    lines.append("Metric & $n$ & " + " & ".join([LABELS[k] for k in STATS] + [latex_escape(g) for g in groups])
                 + r" \\")
    lines.append(r"\midrule")
    for metric, n, cells, flags in rows:
        shown = [f"\\textbf{{{latex_escape(c)}}}" if b else latex_escape(c) for c, b in zip(cells, flags)]
        name = latex_escape(metric.replace(" †", "†"))
        lines.append(f"{name} & {n} & " + " & ".join(shown) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}"]
    if notes:
        lines.append(r"\par\smallskip\footnotesize " + " ".join(latex_escape(n)
                                                             for n in notes))
    lines.append(r"\end{table*}")
    return "\n".join(lines) + "\n"


def render_table(summary: pd.DataFrame, fmt: str = "md", dataset: str = "", score_text: str = "",
                 ci: bool = True, layout: str = "paper") -> str:
    """``layout="paper"``: one table, metrics × (overall statistics, SROCC per group); ``"groups"``: one
    table per group (``all`` first); in ``md``, ``latex`` or ``csv``."""
    if fmt == "csv":
        return summary.to_csv(index=False)  # the "sign" column carries the flag
    if fmt not in ("md", "latex"):
        raise ValueError(f"--format {fmt!r}: valid formats: md, latex, csv")
    if layout not in LAYOUTS:
        raise ValueError(f"--layout {layout!r}: valid layouts: {', '.join(LAYOUTS)}")
    if layout == "paper":
        return render_paper_table(summary, fmt, dataset, score_text, ci)
    groups: List[str] = [ALL] + sorted(g for g in summary["group"].unique() if g != ALL)
    head = (f"{dataset}: target {score_text}; {fit_caption(summary['fit'].dropna().unique())}; 95% bootstrap CI in brackets ({resampling(summary)}); "
            f"|correlation|")
    blocks = []
    for group in groups:
        part = summary[summary["group"] == group]
        title = f"{dataset} — {'all items' if group == ALL else group}"
        blocks.append(_markdown(part, ci, title) if fmt == "md" else _latex(part, ci, title))
    flagged = "sign" in summary.columns and (summary["sign"] == INVERTED).any()
    if fmt == "md":
        note = f"\n† {INVERTED_NOTE}.\n" if flagged else ""
        return "_" + head + "_\n\n" + "\n\n".join(blocks) + "\n" + note
    note = f"\n\\par\\noindent$^\\dagger$ {latex_escape(INVERTED_NOTE)}.\n" if flagged else ""
    return f"% {head}\n" + "\n\n".join(blocks) + "\n" + note

