"""A format-neutral table: what a statistic's table builder returns and every format draws.

A :class:`Document` is one file's worth: its :class:`Table` s one under the other, a caption said once above
them, a closing paragraph, and the numbers the CSV format writes. A table has its columns (a heading, a
shorter one where the page is narrow, whether LaTeX shows the column), rows of :class:`Cell` s (a value, its
interval, bold) each naming the metric it shows, a caption, a title, notes, and whether it is a metric ×
metric matrix (and a mirrored one, whose lower triangle is the upper one with the sign flipped).

The drawing is the format's (:mod:`.renderers`: ``Renderer.draw``); a builder never branches on a format.
"""
from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, field, fields, replace
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
    #: the row's labels where a table has several label columns (a paper's network, layer, subset), the
    #: first one ``name``; empty: ``name`` alone
    labels: List[str] = field(default_factory=list)

    def label_cells(self) -> List[str]:
        return list(self.labels) or [self.name]


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
    lead: str = ""               #: a bold lead-in ("Reading", "Not computed"): ``**lead:** text``
    latex_only: bool = False     #: said in LaTeX's notes, where the caption is short; elsewhere the caption says it
    text_only: bool = False      #: not in LaTeX (a reason that may hold a machine path or an exception's text)


@dataclass
class Table:
    columns: List[Column]
    rows: List[Row]
    name_header: str = "Metric"
    name_short: Optional[str] = None  #: the name column's heading where the page is narrow (LaTeX)
    #: the headings of several label columns (a paper's "Network", "Layer"); empty: ``name_header`` alone
    label_headers: List[str] = field(default_factory=list)
    caption: str = ""            #: the whole caption (Markdown: above the table; LaTeX: a provenance comment)
    short_caption: str = ""      #: LaTeX's \caption
    title: str = ""              #: a heading above the table (Markdown: bold)
    title_note: str = ""         #: after the heading, in parentheses
    title_heading: bool = False  #: the title a section heading (Markdown ``##``) rather than bold text
    notes: List[Note] = field(default_factory=list)
    matrix: bool = False         #: metric × metric: the columns are the rows' metrics
    mirrored: bool = False       #: a matrix whose lower triangle mirrors the upper one (LaTeX shows one)
    font: str = r"\footnotesize"
    colsep: str = "4pt"

    split_caption: str = ""      #: LaTeX's caption of the tables of grouped columns ("{part}": "(k of K)")
    #: LaTeX's grouped columns: "floats" (a float of their own per eight columns, the headings small) or
    #: "blocks" (one block per group, one under the other in the table's float)
    group_style: str = "floats"
    #: a scaled document's rules: under the group headings, and above each block of rows (a row whose first
    #: label is shown, where a table has several label columns)
    rules: bool = True

    def label_headers_shown(self) -> List[str]:
        return list(self.label_headers) or [self.name_header]

    def notes_for(self, latex: bool) -> List[str]:
        return notes_for(self.notes, latex)


def shown_notes(notes: Sequence[Note], latex: bool) -> List[Note]:
    """The ``notes`` that LaTeX (``latex``) or the text formats show."""
    return [n for n in notes if not (n.text_only if latex else n.latex_only)]


def notes_for(notes: Sequence[Note], latex: bool) -> List[str]:
    """The texts of ``notes`` that LaTeX (``latex``) or the text formats show."""
    return [n.text for n in shown_notes(notes, latex)]


@dataclass
class Document:
    tables: List[Table]
    caption: str = ""            #: said once above every table
    title: str = ""              #: the document's heading (Markdown ``#``; HTML: the page's heading)
    closing: str = ""            #: a last paragraph (LaTeX: a comment)
    data: Optional[pd.DataFrame] = None  #: what the CSV format writes (the numbers, not the text)
    notes: List[Note] = field(default_factory=list)  #: below every table (LaTeX: the first table's notes)
    note_style: str = "plain"    #: the notes in the text formats: one line each (plain) or a bulleted list
    #: where LaTeX sets the intervals: inline, below (a second line), separate (not; nor do the text formats),
    #: omitted (not in LaTeX; the text formats show them beside the value)
    intervals: str = "below"
    comment: str = ""            #: Markdown only: a trailing comment that is not rendered (which spec a name is)
    page_break_every: int = 0    #: LaTeX: a \clearpage before every k-th table (LaTeX's float limit)
    #: LaTeX: every table in one ``table*`` float scaled to the text width where wider, the grouped columns
    #: under headings of their own, the notes in a tiny paragraph, the text-only notes as comments (a paper
    #: recipe's table beside the published values); otherwise the body-size floats of a run's tables
    scaled: bool = False
    label: str = ""              #: LaTeX's \label of a scaled document


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



#: The fields holding parts: field -> the class of each item.
_PARTS = {"tables": "Table", "columns": "Column", "rows": "Row", "cells": "Cell", "notes": "Note"}
_TEXT_LISTS = ("labels", "label_headers")
_OPTIONAL_TEXTS = ("short", "name_short")


def document_record(document: Document) -> dict:
    """``document`` as plain JSON values, its CSV numbers left out: what a run folder keeps of the tables its
    page shows, read back by :func:`document_from_record`."""
    record = asdict(replace(document, data=None))
    del record["data"]
    return record


def document_from_record(record) -> Document:
    """The :class:`Document` of :func:`document_record`'s ``record``, read from a file another program may
    have changed: every field checked for its type (ValueError naming the first that is not), unknown keys
    refused; texts stay texts (each format escapes them where it draws)."""
    return _built(Document, record, "document")


def _built(kind, record, where: str):
    if not isinstance(record, dict):
        raise ValueError(f"{where}: not an object")
    known = {f.name: f for f in fields(kind) if f.name != "data"}
    unknown = sorted(set(record) - set(known))
    if unknown:
        raise ValueError(f"{where}: unknown field {unknown[0]!r}")
    values = {}
    for name, value in record.items():
        at = f"{where}.{name}"
        if name in _PARTS:
            if not isinstance(value, list):
                raise ValueError(f"{at}: not a list")
            values[name] = [_built(globals()[_PARTS[name]], item, f"{at}[{k}]") for k, item in enumerate(value)]
        elif name in _TEXT_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"{at}: not a list of texts")
            values[name] = value
        elif value is None and name in _OPTIONAL_TEXTS:
            values[name] = None
        else:
            default = known[name].default
            expected = type(default) if isinstance(default, (bool, int)) else str
            if type(value) is not expected:
                raise ValueError(f"{at}: not a {expected.__name__}")
            values[name] = value
    missing = [f for f in known.values() if f.name not in values and f.default is MISSING
               and f.default_factory is MISSING]
    if missing:
        raise ValueError(f"{where}: missing {missing[0].name!r}")
    return kind(**values)
