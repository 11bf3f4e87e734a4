"""A run's summary rendered by its protocol: the regression tables (:mod:`.tables`) or the 2AFC table
(:mod:`.twoafc`), and the one line said when no metric has a value."""
from __future__ import annotations

from typing import Optional

import pandas as pd

from .labels import label_of
from .tables import display_name, has_intervals, render_ci_table, render_table
from .twoafc import render_2afc_table


NOTHING_COMPUTED = "no metric was computed: every requested metric (or every item) failed; the reasons are listed " \
    "in failures.txt and on the terminal"


def render_summary(protocol: str, summary: pd.DataFrame, fmt: str, dataset: str, score_text: str,
                   layout: str = "paper", ci: str = "below", by: str = "group") -> str:
    dataset = display_name(dataset)
    if summary.empty or "metric" not in summary.columns or \
            ("n" in summary.columns and not summary["n"].fillna(0).astype(bool).any()):
        if fmt == "csv":
            return summary.to_csv(index=False)
        notes = [f"{label_of(r)}: {r['note']}" for _, r in summary.iterrows()
                 if "note" in summary.columns and isinstance(r.get("note"), str) and r["note"]]
        prefix = "% " if fmt == "latex" else ""
        return "".join(f"{prefix}{line}\n" for line in [f"{dataset}: {NOTHING_COMPUTED}"] + notes)
    if protocol == "2afc":
        return render_2afc_table(summary, fmt, dataset)
    return render_table(summary, fmt, dataset, score_text, ci=ci, layout=layout, by=by)


def separate_ci_table(protocol: str, summary: pd.DataFrame, dataset: str, score_text: str,
                      ci: str) -> Optional[str]:
    """``--ci separate``: the LaTeX table of the intervals beside an interval-free ``table.tex``
    (None for another mode, for 2AFC, or when no metric has values or intervals: ``--bootstrap 0``)."""
    if ci != "separate" or protocol != "regression" or "n" not in summary.columns or \
            not summary["n"].fillna(0).any() or not has_intervals(summary):
        return None
    return render_ci_table(summary, display_name(dataset), score_text)
