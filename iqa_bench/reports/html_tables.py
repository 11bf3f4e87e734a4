"""A format-neutral document (:mod:`.table_model`) as HTML fragments: sortable tables, the caption, titles
and notes as text (every text escaped here: a name from a dataset, a manifest or a plugin is never markup).
The HTML format's pages (:class:`~.renderers.Html`) and the run page's summary of a 2AFC run draw with it."""
from __future__ import annotations

from typing import List

from .html_page import escape
from .table_model import shown_notes


def _cell(text: str, bold: bool, tag: str = "td", interval: str = "", align: str = "l") -> str:
    shown = escape(text) + (f' <span class="ci">{escape(interval)}</span>' if interval else "")
    style = ' style="text-align: right;"' if align == "r" else ""
    return f"<{tag}{style}>" + (f"<strong>{shown}</strong>" if bold and text else shown) + f"</{tag}>"


def _lead(note) -> str:
    return f"<strong>{escape(note.lead)}:</strong> " if note.lead else ""


def table_html(table, intervals: bool = True, level: int = 2) -> List[str]:
    """One table: caption, title (with its note; a heading of ``level``), the sortable table (a matrix's
    columns are its rows' metrics), its notes."""
    out = [f'<p class="note"><em>{escape(table.caption)}</em></p>'] if table.caption else []
    labels = [] if table.matrix else table.label_headers_shown()
    if table.title:
        out.append(f"<h{level}>{escape(table.title)}</h{level}>"
                   + (f'<p class="note">{escape(table.title_note)}</p>' if table.title_note else ""))
    names = [_cell(r.name, r.bold, "th", align="r") for r in table.rows] if table.matrix else \
        [_cell(c.header, False, "th", align=c.align) for c in table.columns]
    out.append('<div class="wide"><table class="sortable"><thead><tr>'
               + "".join(_cell(label, False, "th") for label in labels or [""]) + "".join(names) + "</tr></thead><tbody>")
    out += ["<tr>" + "".join(_cell(label, row.bold, "th") for label in (row.label_cells() if labels else [row.name]))
            + "".join(_cell(c.text, c.bold or row.bold, "td", c.interval if intervals else "", column.align)
                      for c, column in zip(row.cells, table.columns))
            + "</tr>" for row in table.rows]
    out.append("</tbody></table></div>")
    return out + [f'<p class="note">{escape(note)}</p>' for note in table.notes_for(latex=False)]


def document_html(document, level: int = 2) -> List[str]:
    """The document's caption, tables (their titles headings of ``level``: 3 in a section of a page), notes
    (a list) and closing paragraph."""
    body = [f'<p class="note"><em>{escape(document.caption)}</em></p>'] if document.caption else []
    for table in document.tables:
        body += table_html(table, document.intervals != "separate", level)
    notes = shown_notes(document.notes, latex=False)
    if notes:
        body.append("<ul>" + "".join(f"<li>{_lead(note)}{escape(note.text)}</li>" for note in notes) + "</ul>")
    if document.closing:
        body += [f'<p class="note">{escape(line)}</p>' for line in document.closing.splitlines()]
    return body
