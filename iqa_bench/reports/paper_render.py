"""A paper table as Markdown and as a LaTeX (booktabs) table: per column the paper's value, ours
(with its 95 % bootstrap interval in Markdown) and the difference ours − paper; then the lines saying
what is missing, what was scored and how the paper was read."""
from __future__ import annotations

from typing import List

import numpy as np

from ..stats.regression import fit_caption
from .paper_columns import column
from .tables import latex_escape, md_row

SUBCOLUMNS = ("paper", "ours", "Δ")
_NON_ASCII = {"σ": r"$\sigma$", "α": r"$\alpha$", "Δ": r"$\Delta$", "×": r"$\times$", "−": "-", "≤": r"$\le$",
          "—": "---", "–": "--"}


def latex_text(text: str) -> str:
    """``latex_escape`` plus the few non-ASCII characters the recipes use (σ, α, Δ, ×, dashes)."""
    # an ASCII "--" (a command-line option) stays two dashes; the dashes LaTeX makes of "—" and "–" stay dashes
    escaped = latex_escape(str(text).replace("--", "\0")).replace("\0", "-{}-")
    for char, replacement in _NON_ASCII.items():
        escaped = escaped.replace(char, replacement)
    return escaped.encode("ascii", "replace").decode("ascii")


def _number(value, decimals: int, signed: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:+.{decimals}f}" if signed else f"{value:.{decimals}f}"


def _cells(result, index: int, key: str, with_ci: bool) -> List[str]:
    spec = column(key)
    published = result.recipe.rows[index].published.get(key)
    value = result.values[index][key]
    ours = _number(value.ours, spec.decimals)
    if with_ci and np.isfinite(value.ours) and np.isfinite(value.lo) and np.isfinite(value.hi):
        ours += f" [{value.lo:.{spec.decimals}f}, {value.hi:.{spec.decimals}f}]"
    return [_number(published, spec.decimals), ours, _number(result.difference(index, key), spec.decimals, True)]


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


def _footer_lines(result, provenance: bool = True) -> List[tuple]:
    """The notes under a table; ``provenance=False`` leaves out what was scored where (the LaTeX table puts
    it in ``%`` comments: a paper prints no machine's run folder)."""
    lines = [(f"[{c.marker}]", c.text) for c in result.recipe.caveats]
    lines += [("Not computed", n) for n in result.notes] + ([("Scored", d) for d in result.data] if provenance else [])
    return lines + [("Reading", r) for r in result.recipe.reading]


def render_markdown(result) -> str:
    recipe = result.recipe
    head = list(recipe.header)
    for key in recipe.columns:
        head += [f"{column(key).label} {sub}" for sub in SUBCOLUMNS]
    lines = [f"# {recipe.title}", "", f"_{_caption(result)}_", "",
             md_row(head),
             "|" + "---|" * len(recipe.header) + "---:|" * (3 * len(recipe.columns))]
    for index, labels in enumerate(shown_labels(recipe.rows)):
        cells = labels
        for key in recipe.columns:
            cells += _cells(result, index, key, with_ci=True)
        lines.append(md_row(cells))
    lines.append("")
    lines += _per_source_markdown(result)
    for kind, text in _footer_lines(result):
        lines.append(f"- **{kind}:** {text}")
    return "\n".join(lines) + "\n"


PER_SOURCE_TITLE = ("One fit per dataset (the table above fits the pooled items once; the datasets' subjective "
                    "scales are not aligned, so each is also fitted alone)")


def _per_source_markdown(result) -> List[str]:
    if not result.per_source:
        return []
    recipe = result.recipe
    head = list(recipe.header) + [f"{source} {column(key).label}" for source in result.per_source
                                  for key in recipe.columns]
    lines = [f"## {PER_SOURCE_TITLE}", "", md_row(head),
             "|" + "---|" * len(recipe.header) + "---:|" * (len(head) - len(recipe.header))]
    for index, labels in enumerate(shown_labels(recipe.rows)):
        cells = list(labels) + [_number(values[index][key].ours, column(key).decimals)
                                for values in result.per_source.values() for key in recipe.columns]
        lines.append(md_row(cells))
    return lines + [""]


def _per_source_latex(result) -> List[str]:
    if not result.per_source:
        return []
    recipe = result.recipe
    n_label, n_cols = len(recipe.header), len(recipe.columns)
    sources = list(result.per_source)
    groups = " & ".join(f"\\multicolumn{{{n_cols}}}{{c}}{{{latex_text(s)}}}" for s in sources)
    subs = " & ".join(latex_text(column(k).label) for _ in sources for k in recipe.columns)
    lines = [r"\par\medskip", f"\\textit{{{latex_text(PER_SOURCE_TITLE)}}}\\par\\smallskip",
             r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%",
             r"\begin{tabular}{" + "l" * n_label + "r" * (n_cols * len(sources)) + "}", r"\toprule",
             "&" * n_label + f" {groups} \\\\",
             " & ".join(latex_text(h) for h in recipe.header) + f" & {subs} \\\\", r"\midrule"]
    for index, shown in enumerate(shown_labels(recipe.rows)):
        cells = [latex_text(x) for x in shown] + [latex_text(_number(result.per_source[s][index][key].ours,
                                                                         column(key).decimals))
                                                  for s in sources for key in recipe.columns]
        lines.append(" & ".join(cells) + r" \\")
    return lines + [r"\bottomrule", r"\end{tabular}}"]


def render_latex(result) -> str:
    """A ``table*`` float (needs ``booktabs`` and ``graphicx``): it spans both columns of a two-column paper,
    and each tabular is scaled down to the text width only where it is wider; the notes follow in footnote
    size; where the values were scored is in ``%`` comments above it (provenance, not for the reader)."""
    recipe = result.recipe
    n_label, n_cols = len(recipe.header), len(recipe.columns)
    groups = " & ".join(f"\\multicolumn{{3}}{{c}}{{{latex_text(column(k).label)}}}" for k in recipe.columns)
    rules = " ".join(f"\\cmidrule(lr){{{n_label + 1 + 3 * k}-{n_label + 3 + 3 * k}}}" for k in range(n_cols))
    subs = " & ".join(["Paper", "Ours", r"$\Delta$"] * n_cols)
    lines = [f"% {line}" for _, line in (("Scored", d) for d in result.data)] + [
             "% needs \\usepackage{booktabs,graphicx}; table* spans both columns of a two-column paper, and the "
             "tabular is scaled down only where it is wider than the text",
             r"\begin{table*}[t]", r"\centering", r"\scriptsize",
             f"\\caption{{{latex_text(_caption(result))}}}",
             f"\\label{{tab:{recipe.name}}}",
             r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%",
             r"\begin{tabular}{" + "l" * n_label + "r" * (3 * n_cols) + "}", r"\toprule",
             "&" * n_label + f" {groups} \\\\", rules,
             " & ".join(latex_text(h) for h in recipe.header) + f" & {subs} \\\\", r"\midrule"]
    for index, (row, shown) in enumerate(zip(recipe.rows, shown_labels(recipe.rows))):
        labels = [latex_text(x) for x in shown]
        if index > 0 and n_label > 1 and shown[0]:
            lines.append(r"\midrule")
        cells = []
        for key in recipe.columns:
            cells += [latex_text(c) for c in _cells(result, index, key, with_ci=False)]
        lines.append(" & ".join(labels + cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}"]
    lines += _per_source_latex(result)
    notes = _footer_lines(result, provenance=False)
    if notes:
        lines.append(r"\par\smallskip\parbox{\linewidth}{\raggedright\tiny")
        lines += [f"\\textbf{{{kind}:}} {latex_text(text)}\\\\" for kind, text in notes]
        lines.append("}")
    lines.append(r"\end{table*}")
    return "\n".join(lines) + "\n"


def latex_document(fragments: List[str]) -> str:
    """A compilable document around table fragments (for checking them, or a quick PDF)."""
    return "\n".join([r"\documentclass{article}", r"\usepackage[margin=1.5cm,landscape]{geometry}",
                      r"\usepackage{booktabs}", r"\usepackage{array}", r"\usepackage{graphicx}",
                      r"\begin{document}"] + fragments + [r"\end{document}", ""])
