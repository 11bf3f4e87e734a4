"""The shell of every HTML page iqa-bench writes: one self-contained file that works offline.

Every script, style and figure is inside the file: Plotly's JavaScript (``plotly.offline.get_plotlyjs``,
the bundle the plotly package ships; only on pages with a figure), the page's data as one JSON block
(``<script type="application/json">``, read by the page's code), the styles. Nothing is fetched from any
host: no ``src=`` or ``href=`` naming an address, which the tests check in the file and, in a real
browser with the network blocked, in the page's resource list.

The interactive parts are Plotly's (hover, zoom, legends, the heat map); the hand-written code is the
glue Plotly has no part for: sorting an HTML table by a column, and one filter of distortion types that
every scatter obeys (:data:`GLUE`). Both, and the style, are files of ``reports/assets``.

Every table is drawn from its format-neutral document (:mod:`.html_tables`), every text escaped there;
no table passes through Markdown.
"""
from __future__ import annotations

import html
import json
from importlib import resources
from typing import Iterable, Sequence



def asset(name: str) -> str:
    """A file of the package's ``reports/assets`` (the pages' CSS and JavaScript, shipped as package data)."""
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


#: The style of every page.
STYLE = asset("page.css")

#: The page's own code: sortable tables and the distortion filter shared by every scatter.
GLUE = asset("sortable_tables.js")


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
