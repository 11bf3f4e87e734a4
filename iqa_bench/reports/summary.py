"""A run's summary rendered by its protocol: the regression tables (:mod:`.tables`) or the 2AFC / JND table
(:mod:`.twoafc`), and the one line said when no metric has a value."""
from __future__ import annotations

from typing import Optional

import pandas as pd

from .labels import label_of
from .table_model import Document
from .tables import display_name, has_intervals, render_ci_table
from .tables import summary_document as regression_document
from .twoafc import SUBSET_STATISTICS, subsets_document


NOTHING_COMPUTED = "no metric was computed: every requested metric (or every item) failed; the reasons are listed " \
    "in failures.txt and on the terminal"


def summary_document(protocol: str, summary: pd.DataFrame, dataset: str, score_text: str, layout: str = "paper",
                     ci: object = "below", by: str = "group") -> Document:
    """A run's summary by its protocol (:func:`.tables.summary_document` or :func:`.twoafc.subsets_document`),
    or the one line said when no metric has a value (with each metric's reason)."""
    dataset = display_name(dataset)
    if summary.empty or "metric" not in summary.columns or \
            ("n" in summary.columns and not summary["n"].fillna(0).astype(bool).any()):
        notes = [f"{label_of(r)}: {r['note']}" for _, r in summary.iterrows()
                 if "note" in summary.columns and isinstance(r.get("note"), str) and r["note"]]
        return Document([], closing="\n".join([f"{dataset}: {NOTHING_COMPUTED}"] + notes), data=summary)
    if protocol in SUBSET_STATISTICS:
        return subsets_document(summary, dataset, protocol)
    return regression_document(summary, dataset, score_text, ci, layout, by)


def separate_ci_table(protocol: str, summary: pd.DataFrame, dataset: str, score_text: str,
                      ci: str) -> Optional[str]:
    """``--ci separate``: the LaTeX table of the intervals beside an interval-free ``table.tex``
    (None for another mode, for 2AFC, or when no metric has values or intervals: ``--bootstrap 0``)."""
    if ci != "separate" or protocol != "regression" or "n" not in summary.columns or \
            not summary["n"].fillna(0).any() or not has_intervals(summary):
        return None
    return render_ci_table(summary, display_name(dataset), score_text)
