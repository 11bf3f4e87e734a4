"""report.html's summary: the sortable table of the overall statistics (each interval under its value)
and the SROCC per group in tables of :data:`~iqa_bench.reports.tables.GROUP_COLUMNS` groups, each drawn from
a :class:`~iqa_bench.reports.html_run.RunView` (not imported here: the page module imports this one)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats.summaries import ALL
from .html_page import escape
from .tables import GROUP_COLUMNS, LABELS, STATS, shown_value, stat_parts


def overall_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary's rows over all items (one per metric)."""
    if summary.empty or "group" not in summary.columns:
        return summary
    return summary[summary["group"] == ALL]


def summary_section(view) -> str:
    """The sortable table: one row per metric (the overall group), data-sort holding the shown value
    (|correlation|, RMSE), so a click sorts as summary.csv sorted by that column's magnitude; each value's
    interval under it in its cell. SROCC per group follows in tables of :data:`GROUP_COLUMNS` groups, as in
    the paper table: the page reads at 1400 px without scrolling sideways (TID2013 has 24 types)."""
    overall = overall_rows(view.summary)
    if view.protocol != "regression" or overall.empty or "metric" not in overall.columns \
            or not overall["n"].fillna(0).astype(bool).any():
        from .html_tables import document_html  # 2AFC, or nothing computed: the table / the reasons
        from .summary import summary_document

        document = summary_document(view.protocol, view.summary, view.dataset, view.score_text)
        return '<h2 id="table">Summary</h2>' + "".join(document_html(document))
    loro = "srocc_loro_min" in overall.columns
    head = ["<th>Metric</th>", "<th>n</th>"]
    for key in STATS:
        better = "low" if key == "rmse" else "high"
        head.append(f'<th data-stat="{key}" data-better="{better}">{LABELS.get(key, key)}'
                    f'<br><span class="ci">95% CI</span></th>')
    if loro:
        head.append('<th data-stat="loro">SROCC range,<br>one reference left out</th>')
    head.append("<th>Note</th>")
    body = []
    for _, row in overall.iterrows():
        cells = [f'<td class="name">{escape(view.name(row["metric"]))}</td>',
                 f"<td>{'' if not np.isfinite(row.get('n', np.nan)) else int(row['n'])}</td>"]
        for key in STATS:
            text, interval = stat_parts(row, key)
            value = shown_value(key, row[key], np.nan, np.nan)[0] if np.isfinite(row[key]) else None
            below = f'<br><span class="ci">{escape(interval)}</span>' if interval else ""
            cells.append(f'<td data-sort="{"" if value is None else repr(float(value))}">{escape(text)}{below}</td>')
        if loro:
            lo, hi = row["srocc_loro_min"], row["srocc_loro_max"]
            if np.isfinite(lo) and np.isfinite(hi):
                _, lo, hi = shown_value("srocc", row["srocc"] if np.isfinite(row["srocc"]) else lo, lo, hi)
                cells.append(f'<td data-sort="{lo!r}">{lo:.3f} – {hi:.3f}</td>')
            else:
                cells.append('<td data-sort=""></td>')
        note = row.get("note", "")
        note = note if isinstance(note, str) else ""
        if row.get("sign", "") not in ("", "ok") and isinstance(row.get("sign"), str):
            note = "; ".join(t for t in (note, f"sign: {row['sign']}") if t)
        cells.append(f'<td class="why">{escape(note)}</td>')
        body.append(f'<tr data-spec="{escape(row["metric"])}">{"".join(cells)}</tr>')
    caption = (f"{view.dataset}: {view.score_text}; fit {view.fit}; |correlation|; click a column to sort "
               f"(again: the other way)")
    return (f'<h2 id="table">Summary</h2><p class="note">{escape(caption)}</p>'
            f'<div class="wide"><table id="summary-table" class="sortable"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>' + _group_tables(view, overall))


def _group_tables(view, overall: pd.DataFrame) -> str:
    """|SROCC| per group (distortion type, ...), :data:`GROUP_COLUMNS` groups a table, each sortable."""
    groups = [g for g in dict.fromkeys(view.summary["group"]) if g != ALL]
    if not groups:
        return ""
    by_group = {g: view.summary[view.summary["group"] == g].set_index("metric") for g in groups}
    tables = []
    for start in range(0, len(groups), GROUP_COLUMNS):
        chunk = groups[start:start + GROUP_COLUMNS]
        head = ["<th>Metric</th>"] + [f'<th data-stat="group:{escape(g)}">{escape(g)}</th>' for g in chunk]
        body = []
        for metric in overall["metric"]:
            cells = [f'<td class="name">{escape(view.name(metric))}</td>']
            for g in chunk:
                hit = by_group[g]
                if metric in hit.index and np.isfinite(hit.loc[metric, "srocc"]):
                    value = abs(float(hit.loc[metric, "srocc"]))
                    cells.append(f'<td data-sort="{value!r}">{value:.3f}</td>')
                else:
                    cells.append('<td data-sort="">—</td>')
            body.append(f'<tr data-spec="{escape(metric)}">{"".join(cells)}</tr>')
        tables.append(f'<div class="wide"><table class="sortable group-srocc"><thead><tr>{"".join(head)}</tr>'
                      f'</thead><tbody>{"".join(body)}</tbody></table></div>')
    return (f'<h3 id="group-srocc">SROCC per {escape(view.group_by)}</h3><p class="note">|SROCC| within each '
            f'{escape(view.group_by)}; click a column to sort.</p>' + "".join(tables))
