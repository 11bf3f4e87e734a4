"""LaTeX tables at an article's body size: booktabs, no ``\\resizebox``, a short caption with the run's
details in ``% provenance`` comments, each metric row's spec in a trailing comment, intervals in the
cell (``inline``), on a second line in a smaller font (``below``) or left to a separate table
(``separate``). ``tests/reports/test_latex.py`` compiles what these functions write in a two-column
10 pt article with IEEE-like margins and fails on any overfull line.

Every function returns text; none writes a file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence

_LATEX_SPECIALS = str.maketrans({"\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&",
                                 "#": r"\#", "$": r"\$", "{": r"\{", "}": r"\}",
                                 "~": r"\textasciitilde{}", "^": r"\^{}", "<": r"$<$", ">": r"$>$",
                                 "|": r"$|$",  # OT1 text mode sets | as an em dash: |PLCC| read "—PLCC—"
                                 # what pdflatex's default inputenc does not set up (it stops on them)
                                 "Δ": r"$\Delta$", "−": r"$-$", "–": "--", "—": "---", "†": r"$^\dagger$",
                                 "‡": r"$^\ddagger$", "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$",
                                 "δ": r"$\delta$", "η": r"$\eta$", "μ": r"$\mu$", "σ": r"$\sigma$",
                                 "×": r"$\times$", "±": r"$\pm$", "≥": r"$\geq$", "≤": r"$\leq$",
                                 "≈": r"$\approx$", "·": r"$\cdot$", "→": r"$\to$", "…": r"\ldots{}",
                                 "²": r"$^2$", "√": r"$\surd$", "§": r"\S{}", "₀": r"$_0$"})

#: What a document needs in its preamble for these tables.
PACKAGES = ("booktabs", "array")
CI_MODES = ("inline", "below", "separate")
#: The width of the metric-name column: longer labels wrap inside it.
NAME_WIDTH = "3.9cm"


def latex_escape(text: str) -> str:
    """``text`` safe in LaTeX's text mode; a mark after a name (``PSNR †``) is set as a superscript."""
    text = str(text).replace(" †", "†").replace(" ‡", "‡")
    if text.endswith(" §"):  # the training-data mark after a name (a § elsewhere is a section sign)
        text = text[:-2] + "§"
    return text.translate(_LATEX_SPECIALS)


_NON_ASCII = {"σ": r"$\sigma$", "α": r"$\alpha$", "Δ": r"$\Delta$", "×": r"$\times$", "−": "-", "≤": r"$\le$",
              "—": "---", "–": "--"}


def latex_text(text: str) -> str:
    """The escaping of a scaled table (:func:`scaled_table`): :func:`latex_escape` with an ASCII ``--`` (a
    command-line option) kept two dashes, the few non-ASCII characters the paper recipes use (σ, α, Δ, ×,
    dashes) as LaTeX, anything else non-ASCII as ``?``."""
    escaped = latex_escape(str(text).replace("--", "\0")).replace("\0", "-{}-")
    for char, replacement in _NON_ASCII.items():
        escaped = escaped.replace(char, replacement)
    return escaped.encode("ascii", "replace").decode("ascii")


def _raw(text: str) -> bool:
    """A heading already written in LaTeX (a command or math), set as it is."""
    return text.startswith("\\") or (text.startswith("$") and text.endswith("$") and len(text) > 1)


def comment(text: str) -> str:
    """``text`` as LaTeX comment lines (never a line break inside the comment's text)."""
    return "".join(f"% {line}\n" for line in str(text).splitlines() or [""])


@dataclass
class Row:
    """One body row: its cells (plain text, escaped here), which are bold, the spec it shows (a trailing
    comment) and, for ``ci="below"``, the interval texts of its cells (None: no second line)."""

    cells: List[str]
    bold: List[bool] = field(default_factory=list)
    spec: str = ""
    below: Optional[List[str]] = None


def _cell(text: str, bold: bool) -> str:
    escaped = latex_escape(text)
    return f"\\textbf{{{escaped}}}" if bold and escaped else escaped


def tabular(header: Sequence[str], rows: Sequence[Row], columns: str, above: str = "") -> List[str]:
    """A booktabs ``tabular`` (``above``: a rule row above the header, e.g. a ``\\multicolumn``)."""
    lines = [f"\\begin{{tabular}}{{{columns}}}", r"\toprule"]
    if above:
        lines.append(above)
    lines += [" & ".join(h if _raw(h) else latex_escape(h) for h in header) + r" \\", r"\midrule"]
    for row in rows:
        bold = list(row.bold) + [False] * (len(row.cells) - len(row.bold))
        line = " & ".join(_cell(c, b) for c, b in zip(row.cells, bold)) + r" \\"
        lines.append(line + (f" % {row.spec}" if row.spec else ""))
        if row.below is not None and any(row.below):
            lines.append(" & ".join(f"{{\\scriptsize {latex_escape(c)}}}" if c else "" for c in row.below)
                         + r" \\[2pt]")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return lines


def table(caption: str, blocks: Sequence[List[str]], provenance: str = "", notes: Sequence[str] = (),
          wide: bool = True, font: str = r"\small", colsep: str = "4pt") -> str:
    """A floating table (``table*`` when ``wide``) holding one or more ``tabular`` blocks one under the
    other, the short ``caption``, ``notes`` as a footnote paragraph, ``provenance`` as comments above."""
    env = "table*" if wide else "table"
    out = (comment(f"provenance: {provenance}") if provenance else "") + \
        comment("needs " + " ".join(f"\\usepackage{{{p}}}" for p in PACKAGES))
    lines = [f"\\begin{{{env}}}[t]", r"\centering", font, f"\\setlength{{\\tabcolsep}}{{{colsep}}}",
             f"\\caption{{{latex_escape(caption)}}}"]
    for k, block in enumerate(blocks):
        if k:
            lines.append(r"\par\medskip")
        lines += block
    if notes:
        lines.append(r"\par\smallskip{\footnotesize " + " ".join(latex_escape(n) for n in notes) + "}")
    lines.append(f"\\end{{{env}}}")
    return out + "\n".join(lines) + "\n"


def name_column() -> str:
    """The column of metric names: ragged right, wrapping at :data:`NAME_WIDTH`."""
    return f">{{\\raggedright\\arraybackslash}}p{{{NAME_WIDTH}}}"


def heading_column(width: str) -> str:
    """A numeric column whose heading may wrap (long distortion names): centred, ``width`` wide."""
    return f">{{\\centering\\arraybackslash}}p{{{width}}}"


def document(fragments: Sequence[str]) -> str:
    """A compilable two-column 10 pt article with IEEE-like margins around table fragments: the page
    the tables are written for (``table*`` spans both columns)."""
    return "\n".join([r"\documentclass[10pt,twocolumn]{article}", r"\usepackage[margin=0.75in]{geometry}"]
                     + [f"\\usepackage{{{p}}}" for p in PACKAGES + ("graphicx",)]
                     + [r"\begin{document}"] + list(fragments) + [r"\end{document}", ""])


#: The preamble comment of a scaled table.
SCALED_NEEDS = ("% needs \\usepackage{booktabs,graphicx}; table* spans both columns of a two-column paper, and the "
                "tabular is scaled down only where it is wider than the text")
_SCALE = r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%"


def _grouped_heading(groups: Sequence[str], n_labels: int, rules: bool) -> List[str]:
    """The row of group headings (``\\multicolumn`` over each run of columns of one group) after the label
    columns' empty cells, and (``rules``) a ``\\cmidrule`` under each."""
    runs: List[List] = []
    for group in groups:
        if runs and runs[-1][0] == group:
            runs[-1][1] += 1
        else:
            runs.append([group, 1])
    cells = " & ".join(f"\\multicolumn{{{n}}}{{c}}{{{latex_text(g)}}}" for g, n in runs)
    lines = ["&" * n_labels + f" {cells} \\\\"]
    if rules:
        spans, start = [], n_labels + 1
        for _, n in runs:
            spans.append(f"\\cmidrule(lr){{{start}-{start + n - 1}}}")
            start += n
        lines.append(" ".join(spans))
    return lines


def scaled_tabular(label_headers: Sequence[str], headings: Sequence[str], groups: Sequence[str],
                   rows: Sequence[Sequence[str]], rules: bool) -> List[str]:
    """One ``tabular`` of a scaled table, inside a ``\\resizebox`` that shrinks it to the text width only
    where it is wider: the label columns (left) and the numeric ones (right) under their groups' headings;
    ``rows``: each row's label cells then its values (plain text, escaped here); ``rules``: a ``\\midrule``
    above each block of rows (a row whose first label is shown, where there are several label columns)."""
    n_labels = len(label_headers)
    lines = [_SCALE, r"\begin{tabular}{" + "l" * n_labels + "r" * len(headings) + "}", r"\toprule"]
    lines += _grouped_heading(groups, n_labels, rules)
    lines += [" & ".join(latex_text(h) for h in list(label_headers) + list(headings)) + r" \\", r"\midrule"]
    for index, cells in enumerate(rows):
        if rules and index > 0 and n_labels > 1 and cells[0]:
            lines.append(r"\midrule")
        lines.append(" & ".join(latex_text(c) for c in cells) + r" \\")
    return lines + [r"\bottomrule", r"\end{tabular}}"]


def scaled_table(caption: str, label: str, blocks: Sequence[List[str]], notes: Sequence[tuple] = (),
                 comments: Sequence[str] = ()) -> str:
    """A ``table*`` float (needs ``booktabs`` and ``graphicx``) spanning both columns of a two-column paper:
    ``comments`` above it (provenance, not for the reader), the caption and label, the ``blocks`` one under
    the other (each a :func:`scaled_tabular`, a later one under its italic title), ``notes`` ((lead, text)
    pairs) in a tiny paragraph under them."""
    lines = [f"% {line}" for line in comments] + [SCALED_NEEDS, r"\begin{table*}[t]", r"\centering", r"\scriptsize",
                                                  f"\\caption{{{latex_text(caption)}}}", f"\\label{{{label}}}"]
    for block in blocks:
        lines += block
    if notes:
        lines.append(r"\par\smallskip\parbox{\linewidth}{\raggedright\tiny")
        lines += [f"\\textbf{{{lead}:}} {latex_text(text)}\\\\" for lead, text in notes]
        lines.append("}")
    lines.append(r"\end{table*}")
    return "\n".join(lines) + "\n"
