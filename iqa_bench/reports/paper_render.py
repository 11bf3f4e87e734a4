"""A paper table as a format-neutral document (:func:`paper_document`): per column the paper's value, ours
(with its 95 % bootstrap interval, beside it in the text formats) and the difference ours − paper; then the
lines saying what is missing, what was scored and how the paper was read. Each format draws it
(:mod:`.renderers`; LaTeX as one scaled ``table*``)."""
from __future__ import annotations

from typing import List

import numpy as np

from ..stats.regression import fit_caption
from .paper_columns import column
from .table_model import Cell, Column, Document, Note, Row, Table, number

SUBCOLUMNS = ("paper", "ours", "Δ")
def _cells(result, index: int, key: str) -> List[Cell]:
    """The paper's value, ours (its 95 % bootstrap interval beside it) and the difference ours − paper."""
    spec = column(key)
    published = result.recipe.rows[index].published.get(key)
    value = result.values[index][key]
    interval = f"[{value.lo:.{spec.decimals}f}, {value.hi:.{spec.decimals}f}]" \
        if np.isfinite(value.ours) and np.isfinite(value.lo) and np.isfinite(value.hi) else ""
    return [Cell(number(published if published is not None else np.nan, spec.decimals)),
            Cell(number(value.ours, spec.decimals), interval),
            Cell(number(result.difference(index, key), spec.decimals, signed=True))]


def shown_labels(rows) -> List[List[str]]:
    """Row labels as the papers print them: a label repeated from the row above (with the same labels
    before it) is left blank, so each network/layer is named once per block. A row with a caveat gets
    its marker(s) after its last label, e.g. ``F [a]``."""
    shown, previous = [], None
    for row in rows:
        labels = list(row.labels)
        if previous is not None:
            for k in range(len(labels) - 1):
                if list(row.labels[: k + 1]) != previous[: k + 1]:
                    break
                labels[k] = ""
        if getattr(row, "caveat", None) and labels:
            labels[-1] = f"{labels[-1]} [{','.join(row.caveat)}]"
        shown.append(labels)
        previous = list(row.labels)
    return shown


def _caption(result) -> str:
    recipe = result.recipe
    weights = "" if result.weights == "imagenet" else \
        f" Backbones with {result.weights} weights (a pipeline check, not comparable to the paper)."
    mapping = f" RMSE and LCC: {fit_caption([result.fit])}." if recipe.kind == "regression" else ""
    published = f"Published values from {recipe.source}; ours" if str(recipe.source or "").strip() else "Ours"
    return (f"{recipe.title}. {published} recomputed by iqa-bench; "
            f"difference = ours - paper.{mapping}{weights}")


def _notes(result) -> List[Note]:
    """The notes under a table: the caveats, what is missing, what was scored where (text only: LaTeX keeps it
    in ``%`` comments, a paper prints no machine's run folder), how the paper was read."""
    return ([Note(c.text, lead=f"[{c.marker}]") for c in result.recipe.caveats]
            + [Note(n, lead="Not computed") for n in result.notes]
            + [Note(d, lead="Scored", text_only=True) for d in result.data]
            + [Note(r, lead="Reading") for r in result.recipe.reading])


PER_SOURCE_TITLE = ("One fit per dataset (the table above fits the pooled items once; the datasets' subjective "
                    "scales are not aligned, so each is also fitted alone)")


def _rows(result, cells_of) -> List[Row]:
    """One row per recipe row: its shown labels, then ``cells_of(index)``."""
    return [Row(labels[0] if labels else "", cells_of(index), labels=labels)
            for index, labels in enumerate(shown_labels(result.recipe.rows))]


def _main_table(result) -> Table:
    recipe = result.recipe
    columns = [Column(f"{column(key).label} {sub}", short=short, group=column(key).label)
               for key in recipe.columns for sub, short in zip(SUBCOLUMNS, ("Paper", "Ours", "Δ"))]
    return Table(columns, _rows(result, lambda index: [c for key in recipe.columns for c in _cells(result, index, key)]),
                 label_headers=list(recipe.header))


def _per_source_table(result) -> Table:
    recipe = result.recipe
    columns = [Column(f"{source} {column(key).label}", short=column(key).label, group=source)
               for source in result.per_source for key in recipe.columns]
    return Table(columns, _rows(result, lambda index: [Cell(number(values[index][key].ours, column(key).decimals))
                                                       for values in result.per_source.values()
                                                       for key in recipe.columns]),
                 label_headers=list(recipe.header), title=PER_SOURCE_TITLE, title_heading=True, rules=False)


def paper_document(result) -> Document:
    """A paper recipe's table (:class:`iqa_bench.recipes.paper.PaperResult`) as a format-neutral document:
    per column the paper's value, ours (with its interval, which LaTeX leaves out) and the difference; the
    per-dataset fits where the recipe pools several datasets; the notes; the long table for CSV. LaTeX draws
    it as one ``table*`` scaled to the text width where wider."""
    tables = [_main_table(result)] + ([_per_source_table(result)] if result.per_source else [])
    return Document(tables, caption=_caption(result), title=result.recipe.title, data=result.long_table(),
                    notes=_notes(result), note_style="list", intervals="omitted", scaled=True,
                    label=f"tab:{result.recipe.name}")


def latex_document(fragments: List[str]) -> str:
    """A compilable document around table fragments (for checking them, or a quick PDF)."""
    return "\n".join([r"\documentclass{article}", r"\usepackage[margin=1.5cm,landscape]{geometry}",
                      r"\usepackage{booktabs}", r"\usepackage{array}", r"\usepackage{graphicx}",
                      r"\begin{document}"] + fragments + [r"\end{document}", ""])
