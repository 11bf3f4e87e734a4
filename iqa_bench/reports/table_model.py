"""A format-neutral table: what a statistic's table builder returns and every format draws.

A :class:`Document` is one file's worth: its :class:`Table` s one under the other, a caption said once above
them, a closing paragraph, and the numbers the CSV format writes. A table has its columns (a heading, a
shorter one where the page is narrow, whether LaTeX shows the column), rows of :class:`Cell` s (a value, its
interval, bold) each naming the metric it shows, a caption, a title, notes, and whether it is a metric ×
metric matrix (and a mirrored one, whose lower triangle is the upper one with the sign flipped).

The drawing is the format's (:mod:`.renderers`: ``Renderer.draw``); a builder never branches on a format.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

import numpy as np
import pandas as pd


@dataclass
class Cell:
    text: str = ""
    interval: str = ""      #: beside the value (Markdown, HTML) or on a second, smaller line (LaTeX)
    bold: bool = False


@dataclass
class Row:
    name: str               #: the metric's display name
    cells: List[Cell]       #: one per column
    spec: str = ""          #: the metric it shows (a LaTeX row comment)
    bold: bool = False      #: the whole row (a highlighted metric)


@dataclass
class Column:
    header: str
    short: Optional[str] = None  #: the heading where the page is narrow (LaTeX)
    in_latex: bool = True        #: False: a column the LaTeX table leaves to another table (n)
    group: str = ""              #: a heading over a run of columns (LaTeX sets them in tables of their own)
    align: str = "r"             #: r (numbers) or l (text)


@dataclass
class Note:
    text: str
    latex_only: bool = False     #: said in LaTeX's notes, where the caption is short; elsewhere the caption says it
    text_only: bool = False      #: not in LaTeX (a reason that may hold a machine path or an exception's text)


@dataclass
class Table:
    columns: List[Column]
    rows: List[Row]
    name_header: str = "Metric"
    name_short: Optional[str] = None  #: the name column's heading where the page is narrow (LaTeX)
    caption: str = ""            #: the whole caption (Markdown: above the table; LaTeX: a provenance comment)
    short_caption: str = ""      #: LaTeX's \caption
    title: str = ""              #: a heading above the table (Markdown: bold)
    title_note: str = ""         #: after the heading, in parentheses
    notes: List[Note] = field(default_factory=list)
    matrix: bool = False         #: metric × metric: the columns are the rows' metrics
    mirrored: bool = False       #: a matrix whose lower triangle mirrors the upper one (LaTeX shows one)
    font: str = r"\footnotesize"
    colsep: str = "4pt"

    split_caption: str = ""      #: LaTeX's caption of the tables of grouped columns ("{part}": "(k of K)")
    #: LaTeX's grouped columns: "floats" (a float of their own per eight columns, the headings small) or
    #: "blocks" (one block per group, one under the other in the table's float)
    group_style: str = "floats"

    def notes_for(self, latex: bool) -> List[str]:
        return notes_for(self.notes, latex)


def notes_for(notes: Sequence[Note], latex: bool) -> List[str]:
    """The texts of ``notes`` that LaTeX (``latex``) or the text formats show."""
    return [n.text for n in notes if not (n.text_only if latex else n.latex_only)]


@dataclass
class Document:
    tables: List[Table]
    caption: str = ""            #: said once above every table
    closing: str = ""            #: a last paragraph (LaTeX: a comment)
    data: Optional[pd.DataFrame] = None  #: what the CSV format writes (the numbers, not the text)
    notes: List[Note] = field(default_factory=list)  #: below every table (LaTeX: the first table's notes)
    note_style: str = "plain"    #: the notes in the text formats: one line each (plain) or a bulleted list
    intervals: str = "below"     #: where LaTeX sets the intervals: inline, below (a second line), separate (not)
    comment: str = ""            #: Markdown only: a trailing comment that is not rendered (which spec a name is)
    page_break_every: int = 0    #: LaTeX: a \clearpage before every k-th table (LaTeX's float limit)


def number(value, digits: int = 3, signed: bool = False, missing: str = "—") -> str:
    """``value`` with ``digits`` decimals (``signed``: always with its sign); ``missing`` when not finite."""
    if not np.isfinite(value):
        return missing
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


def symbol_text(value, mark: str = "") -> str:
    """A significance symbol (1, 0, −1 as ``-1``) with ``mark`` after it; empty when there is none."""
    return "" if not np.isfinite(value) else f"{int(value)}{mark}"


def matrix_table(table: pd.DataFrame, metrics: Sequence[str], names, *, marked: Optional[pd.DataFrame] = None,
                 mark: str = "", bold: Sequence[str] = (), **options) -> Table:
    """The matrix of one pairwise test (``table``: metric × metric symbols, as
    :meth:`~iqa_bench.stats.significance.SignificanceResult.matrix` or a pivot of a result's pairs), the
    diagonal empty, ``mark`` after the symbols ``marked`` holds, the rows of ``bold`` in bold; ``options``:
    the other :class:`Table` fields (title, caption, notes, mirrored, ...). The one builder of the significance,
    P.1401 and Krasula matrices."""
    rows = []
    for metric in metrics:
        cells = [Cell("" if metric == other else symbol_text(
            table.loc[metric, other], mark if marked is not None and marked.loc[metric, other] else ""))
            for other in metrics]
        rows.append(Row(names[metric], cells, spec=metric, bold=metric in set(bold)))
    return Table([Column(names[m]) for m in metrics], rows, matrix=True, **options)
