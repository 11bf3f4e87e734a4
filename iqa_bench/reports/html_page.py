"""The shell of every HTML page iqa-bench writes: one self-contained file that works offline.

Every script, style and figure is inside the file: Plotly's JavaScript (``plotly.offline.get_plotlyjs``,
the bundle the plotly package ships; only on pages with a figure), the page's data as one JSON block
(``<script type="application/json">``, read by the page's code), the styles. Nothing is fetched from any
host: no ``src=`` or ``href=`` naming an address, which the tests check in the file and, in a real
browser with the network blocked, in the page's resource list.

The interactive parts are Plotly's (hover, zoom, legends, the heat map); the hand-written code is the
glue Plotly has no part for: sorting an HTML table by a column, and one filter of distortion types that
every scatter obeys (:data:`GLUE`).

Tables given as Markdown (the md renderer's text: across datasets, a paper recipe, calibration, the
fit protocols) are turned into HTML by Python-Markdown's ``tables`` extension, every table sortable.
"""
from __future__ import annotations

import html
import json
from typing import Iterable, Optional, Sequence

import markdown as markdown_lib

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1400px;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
th,td{padding:.25em .6em;border-bottom:1px solid #e5e5e5;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
th{background:#f6f6f6;position:sticky;top:0}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-order=desc]::after{content:" \\25BC"}table.sortable th[data-order=asc]::after{content:" \\25B2"}
td.ci,.ci{color:#777;font-size:.9em}td.why{color:#a33;text-align:left;white-space:normal}
td.name{white-space:normal;min-width:9em;max-width:16em}th{vertical-align:bottom}
table.group-srocc th{white-space:normal;min-width:4.5em;max-width:9em}
dl.provenance{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:.9em}
dl.provenance dt{font-weight:600}dl.provenance dd{margin:0;word-break:break-all}
.scatters{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:.5em}
.filters label{margin-right:.8em;font-size:.85em;white-space:nowrap}
.note{color:#555;font-size:.85em}.wide{overflow-x:auto;max-width:100%}
.thumbs img{height:96px;margin-right:.3em;border:1px solid #ccc}
#item-panel{position:fixed;right:1em;bottom:1em;background:#fff;border:1px solid #bbb;border-radius:4px;padding:.5em .8em;
font-size:.85em;z-index:10;max-width:380px;box-shadow:0 2px 6px rgba(0,0,0,.15)}
"""

#: The page's own code: sortable tables and the distortion filter shared by every scatter.
GLUE = r"""
function cellKey(td){const v=td.getAttribute('data-sort');if(v!==null&&v!=='')return parseFloat(v);
 const t=td.textContent.trim();const m=t.match(/^[-+]?\d*\.?\d+(e[-+]?\d+)?/i);return m?parseFloat(m[0]):t.toLowerCase();}
function sortTable(th){const table=th.closest('table');const body=table.tBodies[0];const col=th.cellIndex;
 const order=th.getAttribute('data-order')==='desc'?'asc':'desc';
 table.querySelectorAll('th').forEach(h=>h.removeAttribute('data-order'));th.setAttribute('data-order',order);
 const better=th.getAttribute('data-better')||'high';const sign=(order==='desc')===(better!=='low')?-1:1;
 const rows=Array.from(body.rows);
 rows.sort((a,b)=>{const x=cellKey(a.cells[col]),y=cellKey(b.cells[col]);
  const xn=typeof x!=='number'||isNaN(x),yn=typeof y!=='number'||isNaN(y);
  if(xn&&yn)return String(x).localeCompare(String(y));if(xn)return 1;if(yn)return -1;return sign*(x-y);});
 rows.forEach(r=>body.appendChild(r));}
document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortTable(th)));
"""


def escape(text) -> str:
    return html.escape(str(text), quote=True)


def json_block(element_id: str, data) -> str:
    """``data`` as a JSON script block the page reads (``</`` escaped so no text ends the block)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return f'<script type="application/json" id="{escape(element_id)}">{text}</script>'


def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly package (no CDN)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def page(title: str, body: Sequence[str], scripts: Iterable[str] = (), figures: bool = False) -> str:
    """A whole HTML document: ``body`` (HTML fragments), then with ``figures`` Plotly's bundle, then
    :data:`GLUE` and ``scripts`` (JavaScript texts), all inline."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>", *body]
    if figures:
        parts.append(f"<script>{plotly_js()}</script>")
    parts += [f"<script>{GLUE}</script>", *(f"<script>{code}</script>" for code in scripts), "</body></html>\n"]
    return "\n".join(parts)


def markdown_html(text: str) -> str:
    """Markdown (pipe tables, bold, italics) as HTML, every table sortable. Raw HTML in the text is not
    markup here: Python-Markdown's raw-HTML block and inline processors are removed, so a name that a
    dataset, a manifest, a label or a plugin supplies (``<img onerror=...>``) is shown as text, escaped."""
    converter = markdown_lib.Markdown(extensions=["tables"], output_format="html")
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    rendered = converter.convert(text)
    return rendered.replace("<table>", '<div class="wide"><table class="sortable">').replace("</table>", "</table></div>")


def markdown_page(title: str, text: str, intro: Optional[str] = None) -> str:
    """A page of Markdown tables (across datasets, a paper recipe, calibration, fit protocols)."""
    body = [f"<h1>{escape(title)}</h1>"] + ([f'<p class="note">{escape(intro)}</p>'] if intro else [])
    return page(title, body + [markdown_html(text)])
