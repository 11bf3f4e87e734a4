"""The table of :func:`iqa_bench.stats.fit_protocols.fit_protocol_table` as a format-neutral document:
every metric's PLCC and RMSE under each mapping of ``--fit all``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.regression import MONOTONE_RULE, PROTOCOLS
from .labels import label_of
from .table_model import Cell, Column, Document, Note, Row, Table

LABELS = {"none": "no fit", "logistic4": "logistic-4 (VQEG)", "logistic5": "logistic-5 (Sheikh 2006)",
          "cubic": "cubic"}
#: Column headings of the LaTeX table (the footnote spells them out).
SHORT = {"none": "raw", "logistic4": "L4", "logistic5": "L5", "cubic": "cubic"}


def _plcc(row, protocol: str):
    """(value text, interval text) of one protocol's |PLCC|; a failed fit as "fit failed"."""
    value = row[f"plcc_{protocol}"]
    if not np.isfinite(value):
        return ("fit failed" if row[f"status_{protocol}"] != "ok" else "—"), ""
    if np.isfinite(row[f"plcc_{protocol}_lo"]):
        return f"{value:.3f}", f"[{row[f'plcc_{protocol}_lo']:.3f}, {row[f'plcc_{protocol}_hi']:.3f}]"
    return f"{value:.3f}", ""


def _rmse(row, protocol: str) -> str:
    value = row[f"rmse_{protocol}"]
    return f"{value:.3f}" if np.isfinite(value) else "—"


def fit_protocols_document(table: pd.DataFrame, dataset: str, score_text: str = "") -> Document:
    """Metric × (|PLCC| per protocol with its interval, RMSE per fitted protocol, spread); metrics by their
    display names; the item count only where the table has room (LaTeX leaves it to the main table)."""
    if table.empty:
        return Document([], data=table)
    ci = any(np.isfinite(table[f"plcc_{p}_lo"]).any() for p in PROTOCOLS)
    fitted = [p for p in PROTOCOLS if p != "none"]
    columns = ([Column("n", in_latex=False)] + [Column(f"PLCC {LABELS[p]}", f"PLCC {SHORT[p]}") for p in PROTOCOLS]
               + [Column(f"RMSE {LABELS[p]}", f"RMSE {SHORT[p]}") for p in fitted] + [Column("PLCC spread", "spread")])
    rows = [Row(label_of(row), [Cell(str(row["n"]))] + [Cell(*_plcc(row, p)) for p in PROTOCOLS]
                + [Cell(_rmse(row, p)) for p in fitted]
                + [Cell(f"{row['plcc_spread']:.3f}" if np.isfinite(row["plcc_spread"]) else "—")], spec=row["metric"])
            for _, row in table.iterrows()]
    caption = (f"{dataset}: PLCC and RMSE under each mapping ({score_text}; |PLCC|"
               f"{', 95% bootstrap CI in brackets' if ci else ''}; no fit = Pearson of the raw values, "
               f"pyiqa's protocol, with no RMSE; {MONOTONE_RULE}); spread = largest − smallest |PLCC|")
    mappings = f"Mappings: {', '.join(f'{SHORT[p]} = {LABELS[p]}' for p in PROTOCOLS)}."
    return Document([Table(columns, rows, name_header="metric", name_short="Metric", caption=caption,
                           short_caption=f"{dataset}: |PLCC| and RMSE of each metric under each mapping; spread = "
                                         f"largest − smallest |PLCC|.",
                           notes=[Note(mappings, latex_only=True)], colsep="3pt")], data=table)
