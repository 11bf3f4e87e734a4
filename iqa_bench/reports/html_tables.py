"""A format-neutral document (:mod:`.table_model`) as HTML fragments: sortable tables, the caption, titles
and notes as text (every text escaped here: a name from a dataset, a manifest or a plugin is never markup).
The HTML format's pages (:class:`~.renderers.Html`) and the run page's summary of a 2AFC run draw with it."""
from __future__ import annotations

from typing import List

from .html_page import escape
from .table_model import notes_for


def _cell(text: str, bold: bool, tag: str = "td", interval: str = "", align: str = "l") -> str:
    shown = escape(text) + (f' <span class="ci">{escape(interval)}</span>' if interval else "")
    style = ' style="text-align: right;"' if align == "r" else ""
    return f"<{tag}{style}>" + (f"<strong>{shown}</strong>" if bold and text else shown) + f"</{tag}>"


def table_html(table, intervals: bool = True) -> List[str]:
    """One table: caption, title (with its note), the sortable table (a matrix's columns are its rows'
    metrics), its notes."""
    out = [f'<p class="note"><em>{escape(table.caption)}</em></p>'] if table.caption else []
    if table.title:
        out.append(f"<h2>{escape(table.title)}</h2>"
                   + (f'<p class="note">{escape(table.title_note)}</p>' if table.title_note else ""))
    names = [_cell(r.name, r.bold, "th", align="r") for r in table.rows] if table.matrix else \
        [_cell(c.header, False, "th", align=c.align) for c in table.columns]
    out.append('<div class="wide"><table class="sortable"><thead><tr>'
               + _cell("" if table.matrix else table.name_header, False, "th") + "".join(names) + "</tr></thead><tbody>")
    out += ["<tr>" + _cell(row.name, row.bold, "th")
            + "".join(_cell(c.text, c.bold or row.bold, "td", c.interval if intervals else "", column.align)
                      for c, column in zip(row.cells, table.columns))
            + "</tr>" for row in table.rows]
    out.append("</tbody></table></div>")
    return out + [f'<p class="note">{escape(note)}</p>' for note in table.notes_for(latex=False)]


def document_html(document) -> List[str]:
    """The document's caption, tables, notes (a list) and closing paragraph."""
    body = [f'<p class="note"><em>{escape(document.caption)}</em></p>'] if document.caption else []
    for table in document.tables:
        body += table_html(table, document.intervals != "separate")
    notes = notes_for(document.notes, latex=False)
    if notes:
        body.append("<ul>" + "".join(f"<li>{escape(note)}</li>" for note in notes) + "</ul>")
    if document.closing:
        body += [f'<p class="note">{escape(line)}</p>' for line in document.closing.splitlines()]
    return body
