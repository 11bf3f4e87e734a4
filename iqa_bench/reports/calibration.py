"""The calibration table (:func:`iqa_bench.calibration.calibrate`'s rows) in each format: Markdown (metric ×
pair, the notes of known deviations and the sources), CSV (the values as computed), LaTeX (the Markdown
table's columns as a booktabs table), and the one-line-per-metric summary of the README's Calibration
section."""
from __future__ import annotations

import io
import math
from typing import Dict, List, Sequence

from ..calibration import SOURCES, CalibrationRow
from . import latex


def _fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    return f"{value:.4f}" if abs(value) >= 1 else f"{value:.6g}"


def render_csv(rows: Sequence[CalibrationRow]) -> str:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "pair", "official", "ours", "abs_diff", "within"])
    for r in rows:
        writer.writerow([r.metric, r.pair, repr(r.official), f"{r.ours:.10g}", f"{r.abs_diff:.3g}", r.within])
    return out.getvalue()


def render_markdown(rows: Sequence[CalibrationRow]) -> str:
    lines = ["| metric | pair | official | ours | abs diff | tolerance | within | source |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.metric} | {r.pair} | {_fmt(r.official)} | {_fmt(r.ours)} | {r.abs_diff:.2g} | "
                     f"{r.tolerance_text} | {r.status} | {r.source} |")
    notes = sorted({(r.metric, r.pair, r.note) for r in rows if r.note and r.status != "yes"})
    if notes:
        lines.append("")
        lines.extend(f"* {metric} on {pair}: {note}." for metric, pair, note in notes)
    lines.append("")
    lines.extend(f"* {key}: {text}" for key, text in SOURCES.items() if any(r.source == key for r in rows))
    return "\n".join(lines) + "\n"


def render_summary(rows: Sequence[CalibrationRow]) -> str:
    """Per metric: pairs, max |difference|, tolerance, verdict (the README's Calibration table)."""
    lines = ["| metric | pairs | max abs diff | tolerance | within |", "|---|---|---|---|---|"]
    by_metric: Dict[str, List[CalibrationRow]] = {}
    for r in rows:
        by_metric.setdefault(r.metric, []).append(r)
    for metric, group in by_metric.items():
        statuses = {r.status for r in group}
        verdict = ("yes" if statuses == {"yes"} else
                   "no" if "no" in statuses else
                   f"{sum(r.status == 'yes' for r in group)}/{len(group)}; known deviation on "
                   + ", ".join(r.pair for r in group if r.status != "yes"))
        lines.append(f"| {metric} | {len(group)} | {max(r.abs_diff for r in group):.2g} | "
                     f"{group[0].tolerance_text} | {verdict} |")
    return "\n".join(lines) + "\n"



def render_latex(rows: Sequence[CalibrationRow]) -> str:
    """The Markdown table's columns as a booktabs table; the notes and sources below it."""
    header = ["metric", "pair", "official", "ours", "abs diff", "tolerance", "within", "source"]
    body = [latex.Row([r.metric, r.pair, _fmt(r.official), _fmt(r.ours), f"{r.abs_diff:.2g}", r.tolerance_text,
                       r.status, r.source]) for r in rows]
    notes = [f"{metric} on {pair}: {note}." for metric, pair, note in
             sorted({(r.metric, r.pair, r.note) for r in rows if r.note and r.status != "yes"})]
    notes += [f"{key}: {text}" for key, text in SOURCES.items() if any(r.source == key for r in rows)]
    return latex.table("Calibration against the official implementations", [latex.tabular(header, body, "llrrrlll")],
                       notes=notes, font=r"\footnotesize")
