"""How much of a PLCC is protocol: every metric under each mapping of ``--fit all``, side by side.

PLCC and RMSE over all items with no mapping (pyiqa's published protocol: Pearson of the raw values,
no RMSE), VQEG's 4-parameter logistic, Sheikh et al.'s 5-parameter logistic and a cubic polynomial
(:data:`iqa_bench.regression.PROTOCOLS`); PLCC with its percentile bootstrap interval (curve held fixed,
as in the main tables). SROCC/KROCC do not depend on the mapping and are in the main table.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..regression import MONOTONE_RULE, PROTOCOLS, MetricRegression
from .tables import latex_escape

LABELS = {"none": "no fit", "logistic4": "logistic-4 (VQEG)", "logistic5": "logistic-5 (Sheikh 2006)",
          "cubic": "cubic"}


def fit_protocol_table(scores: pd.DataFrame, specs: Sequence[str], n_boot: int = 1000, seed: int = 0
                       ) -> pd.DataFrame:
    """One row per metric: ``plcc_<protocol>`` (|PLCC|), its ``_lo``/``_hi`` bounds, ``rmse_<protocol>``
    and ``status_<protocol>``, and the spread of |PLCC| across the protocols that fitted."""
    rows = []
    for spec in specs:
        x, y = scores[spec].to_numpy(float), scores["score"].to_numpy(float)
        row = {"metric": spec, "n": int((np.isfinite(x) & np.isfinite(y)).sum())}
        for protocol in PROTOCOLS:
            report = MetricRegression(fit=protocol, n_boot=n_boot, seed=seed).fit(x, y).report()
            sign = -1.0 if np.isfinite(report["plcc"]) and report["plcc"] < 0 else 1.0
            lo, hi = sign * report["plcc_lo"], sign * report["plcc_hi"]
            row[f"plcc_{protocol}"] = abs(report["plcc"])
            row[f"plcc_{protocol}_lo"], row[f"plcc_{protocol}_hi"] = min(lo, hi), max(lo, hi)
            row[f"rmse_{protocol}"] = report["rmse"]
            row[f"status_{protocol}"] = report["status"]
        values = [row[f"plcc_{p}"] for p in PROTOCOLS if np.isfinite(row[f"plcc_{p}"])]
        row["plcc_spread"] = max(values) - min(values) if values else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def _plcc(row, protocol: str, ci: bool) -> str:
    value = row[f"plcc_{protocol}"]
    if not np.isfinite(value):
        return str(row[f"status_{protocol}"]) if row[f"status_{protocol}"] != "ok" else "—"
    if ci and np.isfinite(row[f"plcc_{protocol}_lo"]):
        return f"{value:.3f} [{row[f'plcc_{protocol}_lo']:.3f}, {row[f'plcc_{protocol}_hi']:.3f}]"
    return f"{value:.3f}"


def _rmse(row, protocol: str) -> str:
    value = row[f"rmse_{protocol}"]
    return f"{value:.3f}" if np.isfinite(value) else "—"


def render_fit_protocols(table: pd.DataFrame, fmt: str, dataset: str, score_text: str = "") -> str:
    """Markdown or LaTeX (booktabs): metric × (|PLCC| per protocol, RMSE per fitted protocol, spread)."""
    if table.empty:
        return ""
    ci = any(np.isfinite(table[f"plcc_{p}_lo"]).any() for p in PROTOCOLS)
    fitted = [p for p in PROTOCOLS if p != "none"]
    header = (["metric", "n"] + [f"PLCC {LABELS[p]}" for p in PROTOCOLS] + [f"RMSE {LABELS[p]}" for p in fitted]
              + ["PLCC spread"])
    body = [[row["metric"], str(row["n"])] + [_plcc(row, p, ci) for p in PROTOCOLS]
            + [_rmse(row, p) for p in fitted]
            + [f"{row['plcc_spread']:.3f}" if np.isfinite(row["plcc_spread"]) else "—"]
            for _, row in table.iterrows()]
    caption = (f"{dataset}: PLCC and RMSE under each mapping ({score_text}; |PLCC|"
               f"{', 95% bootstrap CI in brackets' if ci else ''}; no fit = Pearson of the raw values, "
               f"pyiqa's protocol, with no RMSE; {MONOTONE_RULE}); spread = largest − smallest |PLCC|")
    if fmt == "latex":
        lines = [r"\begin{table*}[t]\centering", rf"\caption{{{latex_escape(caption)}}}",
                 r"\resizebox{\textwidth}{!}{\begin{tabular}{l" + "r" * (len(header) - 1) + r"}\toprule",
                 " & ".join(latex_escape(h) for h in header) + r" \\ \midrule"]
        lines += [" & ".join(latex_escape(c) for c in cells) + r" \\" for cells in body]
        lines += [r"\bottomrule\end{tabular}}\end{table*}"]
        return "\n".join(lines) + "\n"
    lines = [f"_{caption}_", "", "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(cells) + " |" for cells in body]
    return "\n".join(lines) + "\n"
