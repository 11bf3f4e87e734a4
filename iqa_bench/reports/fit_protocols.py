"""The table of :func:`iqa_bench.stats.fit_protocols.fit_protocol_table` rendered (Markdown, LaTeX):
every metric's PLCC and RMSE under each mapping of ``--fit all``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import md_row
from ..stats.regression import MONOTONE_RULE, PROTOCOLS
from . import latex
from .labels import label_of

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


def render_fit_protocols(table: pd.DataFrame, fmt: str, dataset: str, score_text: str = "") -> str:
    """Markdown or LaTeX (booktabs, body size: intervals on a second, smaller line): metric × (|PLCC|
    per protocol, RMSE per fitted protocol, spread); metrics by their display names."""
    if table.empty:
        return ""
    ci = any(np.isfinite(table[f"plcc_{p}_lo"]).any() for p in PROTOCOLS)
    fitted = [p for p in PROTOCOLS if p != "none"]
    header = (["metric", "n"] + [f"PLCC {LABELS[p]}" for p in PROTOCOLS] + [f"RMSE {LABELS[p]}" for p in fitted]
              + ["PLCC spread"])
    body = []
    for _, row in table.iterrows():
        plcc = [_plcc(row, p) for p in PROTOCOLS]
        rest = [_rmse(row, p) for p in fitted] + [f"{row['plcc_spread']:.3f}" if np.isfinite(row["plcc_spread"])
                                                 else "—"]
        body.append((label_of(row), row["metric"], str(row["n"]), plcc, rest))
    caption = (f"{dataset}: PLCC and RMSE under each mapping ({score_text}; |PLCC|"
               f"{', 95% bootstrap CI in brackets' if ci else ''}; no fit = Pearson of the raw values, "
               f"pyiqa's protocol, with no RMSE; {MONOTONE_RULE}); spread = largest − smallest |PLCC|")
    if fmt == "latex":
        short = [f"PLCC {SHORT[p]}" for p in PROTOCOLS] + [f"RMSE {SHORT[p]}" for p in fitted] + ["spread"]
        rows = [latex.Row([name] + [v for v, _ in plcc] + rest, spec=spec,  # n: in the main table
                          below=[""] + [i for _, i in plcc] + [""] * len(rest) if ci else None)
                for name, spec, n, plcc, rest in body]
        block = latex.tabular(["Metric"] + short, rows, latex.name_column() + "r" * len(short))
        return latex.table(f"{dataset}: |PLCC| and RMSE of each metric under each mapping; spread = largest − "
                           f"smallest |PLCC|.", [block], caption,
                           [f"Mappings: {', '.join(f'{SHORT[p]} = {LABELS[p]}' for p in PROTOCOLS)}."],
                           font=r"\footnotesize", colsep="3pt")
    lines = [f"_{caption}_", "", md_row(header), "|---|" + "---:|" * (len(header) - 1)]
    lines += [md_row([name, n] + [f"{v} {i}" if i else v for v, i in plcc] + rest)
              for name, spec, n, plcc, rest in body]
    return "\n".join(lines) + "\n"
