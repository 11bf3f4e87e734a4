"""MkDocs hook: the package's docstrings cross-reference in Sphinx's roles (``:func:`~pkg.mod.name```), which
mkdocstrings renders as text: ``:func:<code>~pkg.mod.name</code>``. Each such role becomes the code span alone
(``~`` keeping the last component, as Sphinx shows it)."""
import re

ROLE = re.compile(r":(?:func|class|meth|data|mod|attr|exc|obj):<code>(~?)([^<]*)</code>")


def shown(match: "re.Match") -> str:
    """The code span Sphinx would show for one role."""
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html, page, config, files):
    return ROLE.sub(shown, html)
