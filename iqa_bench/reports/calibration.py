"""The calibration table (:func:`iqa_bench.calibration.calibrate`'s rows) as a format-neutral document (metric ×
pair beside the official value, the notes of known deviations and the sources; the CSV format writes the
values as computed), and the one-line-per-metric summary of the Calibration section of docs/metrics.md."""
from __future__ import annotations

import math
from typing import Dict, List, Sequence

import pandas as pd

from ..calibration import SOURCES, CalibrationRow
from .table_model import Cell, Column, Document, Note, Row, Table


def _fmt(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    return f"{value:.4f}" if abs(value) >= 1 else f"{value:.6g}"


def calibration_document(rows: Sequence[CalibrationRow]) -> Document:
    """metric × pair: the official value, ours, |difference|, the tolerance, whether within, the source;
    below, the known deviations and the sources."""
    body = [Row(r.metric, [Cell(t) for t in (r.pair, _fmt(r.official), _fmt(r.ours), f"{r.abs_diff:.2g}",
                                              r.tolerance_text, r.status, r.source)]) for r in rows]
    columns = [Column("pair", align="l"), Column("official"), Column("ours"), Column("abs diff"),
               Column("tolerance", align="l"), Column("within", align="l"), Column("source", align="l")]
    notes = [Note(f"{metric} on {pair}: {note}.") for metric, pair, note in
             sorted({(r.metric, r.pair, r.note) for r in rows if r.note and r.status != "yes"})]
    notes += [Note(f"{key}: {text}") for key, text in SOURCES.items() if any(r.source == key for r in rows)]
    data = pd.DataFrame({"metric": [r.metric for r in rows], "pair": [r.pair for r in rows],
                         "official": [repr(r.official) for r in rows], "ours": [f"{r.ours:.10g}" for r in rows],
                         "abs_diff": [f"{r.abs_diff:.3g}" for r in rows], "within": [r.within for r in rows]},
                        columns=["metric", "pair", "official", "ours", "abs_diff", "within"])
    table = Table(columns, body, name_header="metric",
                  short_caption="Calibration against the official implementations")
    return Document([table], notes=notes, note_style="list", data=data)


def render_summary(rows: Sequence[CalibrationRow]) -> str:
    """Per metric: pairs, max |difference|, tolerance, verdict (the Calibration table of docs/metrics.md)."""
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
