"""The 2AFC table of :func:`iqa_bench.stats.twoafc.summarize_2afc` rendered: metrics as rows, subsets
as columns (Markdown, LaTeX booktabs, CSV)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import md_row
from ..stats.twoafc import ALL
from . import latex
from .labels import label_of, trained_on_note


def render_2afc_table(summary: pd.DataFrame, fmt: str, dataset: str) -> str:
    """Metrics as rows, subsets (then "all") as columns; best per column in bold."""
    if fmt == "csv":
        return summary.to_csv(index=False)
    groups = sorted(g for g in summary["group"].unique() if g != ALL) + [ALL]
    wide = summary.pivot(index="metric", columns="group", values="twoafc").reindex(columns=groups)
    order = list(dict.fromkeys(summary["metric"]))
    wide = wide.reindex(order)
    lo = summary.pivot(index="metric", columns="group", values="twoafc_lo") if "twoafc_lo" in summary else None
    hi = summary.pivot(index="metric", columns="group", values="twoafc_hi") if "twoafc_hi" in summary else None

    def parts(metric, group):
        value = wide.loc[metric, group]
        if not np.isfinite(value):
            return "n/a", ""
        interval = ""
        if lo is not None and group in lo.columns and np.isfinite(lo.loc[metric, group]):
            interval = f"[{100 * lo.loc[metric, group]:.2f}, {100 * hi.loc[metric, group]:.2f}]"
        return f"{100 * value:.2f}", interval

    best = {g: wide[g].idxmax() if wide[g].notna().any() else None for g in groups}
    names = {r["metric"]: label_of(r) for _, r in summary.iterrows()}
    head = f"{dataset}: 2AFC score (%) of the LPIPS protocol; 95% bootstrap CI in brackets; all = mean of subsets"
    if fmt == "md":
        lines = [f"_{head}_", "", md_row(["metric"] + list(groups)), "|---|" + "---:|" * len(groups)]
        for metric in wide.index:
            cells = [" ".join(p for p in parts(metric, g) if p) for g in groups]
            cells = [f"**{c}**" if best[g] == metric else c for c, g in zip(cells, groups)]
            lines.append(md_row([names[metric]] + cells))
        return "\n".join(lines + [""] + trained_on_note(names.values())) + "\n"
    rows = [latex.Row([names[m]] + [parts(m, g)[0] for g in groups], [False] + [best[g] == m for g in groups], m,
                      [""] + [parts(m, g)[1] for g in groups]) for m in wide.index]
    block = latex.tabular(["Metric"] + groups, rows, latex.name_column() + "r" * len(groups))
    return latex.table(f"{dataset}: 2AFC score (%) of each metric per subset (all = mean of the subsets); best of "
                       f"each column in bold.", [block], head, trained_on_note(names.values()))
