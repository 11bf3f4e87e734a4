"""The tables of the protocols scored per subset -- 2AFC (:func:`iqa_bench.stats.twoafc.summarize_2afc`) and
JND (:func:`iqa_bench.stats.jnd.summarize_jnd`) -- as format-neutral documents: metrics as rows, subsets as
columns."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.twoafc import ALL
from .labels import label_of, trained_on_note
from .table_model import Cell, Column, Document, Note, Row, Table


#: protocol -> (its statistic's column, what the caption calls it, the short caption's name)
SUBSET_STATISTICS = {"2afc": ("twoafc", "2AFC score (%) of the LPIPS protocol", "2AFC score (%)"),
                     "jnd": ("jnd_map", "JND mean average precision (%) of the LPIPS protocol (LPIPS's "
                                        "score_jnd_dataset)", "JND mAP (%)")}


def twoafc_document(summary: pd.DataFrame, dataset: str) -> Document:
    """The 2AFC table (:func:`subsets_document`)."""
    return subsets_document(summary, dataset, "2afc")


def subsets_document(summary: pd.DataFrame, dataset: str, protocol: str) -> Document:
    """Metrics as rows, subsets (then "all") as columns, the statistic of ``protocol``
    (:data:`SUBSET_STATISTICS`) in %; best per column in bold."""
    column, what, short = SUBSET_STATISTICS[protocol]
    groups = sorted(g for g in summary["group"].unique() if g != ALL) + [ALL]
    wide = summary.pivot(index="metric", columns="group", values=column).reindex(columns=groups)
    order = list(dict.fromkeys(summary["metric"]))
    wide = wide.reindex(order)
    lo = summary.pivot(index="metric", columns="group", values=f"{column}_lo") if f"{column}_lo" in summary else None
    hi = summary.pivot(index="metric", columns="group", values=f"{column}_hi") if f"{column}_hi" in summary else None

    def cell(metric, group) -> Cell:
        value = wide.loc[metric, group]
        if not np.isfinite(value):
            return Cell("n/a", bold=best[group] == metric)
        interval = ""
        if lo is not None and group in lo.columns and np.isfinite(lo.loc[metric, group]):
            interval = f"[{100 * lo.loc[metric, group]:.2f}, {100 * hi.loc[metric, group]:.2f}]"
        return Cell(f"{100 * value:.2f}", interval, best[group] == metric)

    best = {g: wide[g].idxmax() if wide[g].notna().any() else None for g in groups}
    names = {r["metric"]: label_of(r) for _, r in summary.iterrows()}
    rows = [Row(names[m], [cell(m, g) for g in groups], spec=m) for m in wide.index]
    table = Table([Column(g) for g in groups], rows, name_header="metric", name_short="Metric",
                  caption=f"{dataset}: {what}; 95% bootstrap CI in brackets; all = mean of subsets",
                  short_caption=f"{dataset}: {short} of each metric per subset (all = mean of the subsets); best "
                                f"of each column in bold.", font=r"\small")
    return Document([table], notes=[Note(n) for n in trained_on_note(names.values())], data=summary)
