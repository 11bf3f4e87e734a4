"""One renderer per output format, behind one interface: what a run, a table across datasets and a
paper recipe are written as. The writers (:mod:`iqa_bench.run.outputs`, :func:`iqa_bench.run.several.write_across`,
:func:`iqa_bench.recipes.paper.write_outputs`) write one file per renderer of :data:`RENDERERS`, and every
``--format`` choice is :data:`FORMATS`: a new format is one :class:`Renderer` subclass added here, not an
edit in every writer.

The table formats (md, latex, csv: :data:`TABLE_RENDERERS`) write one file per table; a page format
(html) writes one self-contained page per run (:meth:`Renderer.run_page`, ``report.html``) and one per
table across datasets or paper recipe.

This module imports nothing heavy (the command line reads :data:`FORMATS` before pandas is imported);
each method imports the table code it calls.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Dict, Optional


class Renderer(ABC):
    """A format: its name (``--format``), the suffix of its files and how it renders each table.

    ``table_file`` is the run folder's file of the summary table; a method returns the text of one file.
    """

    name = ""
    suffix = ""
    table_file = ""
    #: Whether the format writes a run as one page (report.html) rather than one file per table.
    page = False

    def summary(self, protocol: str, summary, dataset: str, score_text: str, layout: str = "paper",
                ci: str = "below", by: str = "group") -> str:
        """A run's summary table (regression or 2AFC; the one-line note when no metric has a value)."""
        from .summary import summary_document
        from .tables import display_name

        return self.draw(summary_document(protocol, summary, dataset, score_text, layout, ci, by),
                         f"{display_name(dataset)}: summary")

    def ci_table(self, protocol: str, summary, dataset: str, score_text: str, ci: str) -> Optional[str]:
        """``--ci separate``: the intervals' table of its own beside the summary (LaTeX; None elsewhere)."""
        return None

    def significance(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, highlight=()) -> str:
        """The significance matrices of :func:`iqa_bench.stats.significance.compare_metrics` (the rows of
        ``highlight`` in bold)."""
        from .significance import significance_document

        return self.draw(significance_document(result, dataset, labels, highlight), f"{dataset}: significance")

    def fit_protocols(self, table, dataset: str, score_text: str) -> str:
        """PLCC / RMSE of every metric under each mapping (``--fit all``)."""
        from .fit_protocols import fit_protocols_document

        return self.draw(fit_protocols_document(table, dataset, score_text), f"{dataset}: fit protocols")

    def p1401(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        """The ITU-T P.1401 figures (:func:`iqa_bench.stats.p1401.p1401`) and their matrices."""
        from .methodology import p1401_document

        return self.draw(p1401_document(result, dataset, labels, spread), f"{dataset}: ITU-T P.1401")

    def krasula(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        """Krasula et al.'s AUCs and C0 (:func:`iqa_bench.stats.krasula.krasula`) and their matrices."""
        from .methodology import krasula_document

        return self.draw(krasula_document(result, dataset, labels, spread), f"{dataset}: Krasula et al. 2016")

    def held_out(self, table, dataset: str, fit: str) -> str:
        """PLCC / RMSE of the mapping in-sample and held-out by reference (``--mapping held-out``)."""
        from .methodology import held_out_document

        return self.draw(held_out_document(table, dataset, fit), f"{dataset}: held-out mapping")

    def across(self, runs) -> str:
        """One table metric × dataset."""
        from .across import across_document

        return self.draw(across_document(runs), "Metrics across datasets")

    def run_page(self, view) -> Optional[str]:
        """The whole run as one page (:class:`iqa_bench.reports.html_run.RunView`); None for a format that
        writes one file per table."""
        return None

    @abstractmethod
    def draw(self, document, title: str = "") -> str:
        """A format-neutral :class:`~.table_model.Document` as this format's text (``title``: a page's
        title); a document without tables is the empty text (its numbers only in CSV)."""

    def calibration(self, rows) -> str:
        """The calibration rows (:func:`iqa_bench.calibration.calibrate`) beside the official values."""
        from .calibration import calibration_document

        return self.draw(calibration_document(rows), "Calibration against the official implementations")

    def paper(self, result) -> str:
        """A paper recipe's table beside the published values (:class:`iqa_bench.recipes.paper.PaperResult`)."""
        from .paper_render import paper_document

        return self.draw(paper_document(result), f"{result.recipe.name}: recomputed beside the published values")


def _bold(text: str, bold: bool) -> str:
    return f"**{text}**" if bold and text else text


class Markdown(Renderer):
    name, suffix, table_file = "md", ".md", "table.md"

    def draw(self, document, title: str = "") -> str:
        """The document's heading, the caption in italics once above, each table (its title in bold or as a
        heading, a blank line after it, its notes one paragraph each), the document's notes (one line each,
        or a list; a note's lead in bold), the closing paragraph; then the comment (which spec each name
        is), not rendered."""
        from .table_model import shown_notes

        if not document.tables and not document.closing:
            return ""
        lines = [f"# {document.title}", ""] if document.title else []
        lines += [f"_{document.caption}_", ""] if document.caption else []
        for table in document.tables:
            lines += self._lines(table, document.intervals != "separate")
        notes = [f"**{n.lead}:** {n.text}" if n.lead else n.text for n in shown_notes(document.notes, latex=False)]
        lines += [f"- {note}" for note in notes] if document.note_style == "list" else notes
        if document.closing:
            lines.append(document.closing)
        return "\n".join(lines) + "\n" + document.comment

    @staticmethod
    def _lines(table, intervals: bool) -> list:
        from .tables import md_row

        lines = [f"_{table.caption}_", ""] if table.caption else []
        if table.title:
            lines += [f"## {table.title}" if table.title_heading else
                      f"**{table.title}**" + (f" ({table.title_note})" if table.title_note else ""), ""]
        labels = table.label_headers_shown()
        header = md_row([_bold(r.name, r.bold) for r in table.rows], corner=True) if table.matrix else \
            md_row(labels + [c.header for c in table.columns])
        lines += [header, "|" + "---|" * len(labels)
                  + "".join("---:|" if c.align == "r" else "---|" for c in table.columns)]
        for row in table.rows:
            cells = [_bold(f"{c.text} {c.interval}" if intervals and c.interval else c.text, c.bold or row.bold)
                     for c in row.cells]
            lines.append(md_row([_bold(label, row.bold) for label in row.label_cells()] + cells))
        lines.append("")
        for note in table.notes_for(latex=False):
            lines += [note, ""]
        return lines


class Latex(Renderer):
    name, suffix, table_file = "latex", ".tex", "table.tex"

    def ci_table(self, protocol: str, summary, dataset: str, score_text: str, ci: str) -> Optional[str]:
        from .summary import separate_ci_table

        return separate_ci_table(protocol, summary, dataset, score_text, ci)

    def draw(self, document, title: str = "") -> str:
        """Each table a booktabs float at the body size (the caption short, the whole one a provenance
        comment; the document's notes under the first), its grouped columns in floats of their own
        (:data:`~.tables.GROUP_COLUMNS` a float); the closing paragraph a comment."""
        from . import latex
        from .table_model import notes_for

        if document.scaled:
            return self._scaled(document) if document.tables else ""
        if document.intervals not in latex.CI_MODES:
            from ..errors import OptionError

            raise OptionError("ci", f"{{option}} {document.intervals!r}: valid: {', '.join(latex.CI_MODES)}")
        if not document.tables and not document.closing:
            return ""
        floats = []
        for k, table in enumerate(document.tables):
            notes = notes_for(document.notes, latex=True) if k == 0 else []
            floats += [self._matrix(table, document.caption)] if table.matrix else \
                self._floats(table, document.caption, document.intervals, notes)
        every = document.page_break_every
        floats = ["\\clearpage\n" + text if every and k and k % every == 0 else text for k, text in enumerate(floats)]
        return "\n".join(floats + ([latex.comment(document.closing)] if document.closing else []))

    @staticmethod
    def _floats(table, provenance: str, intervals: str, notes) -> list:
        """The table's float (the columns without a group), then its grouped columns' floats."""
        from . import latex
        from .tables import GROUP_COLUMNS

        shown = [k for k, column in enumerate(table.columns) if column.in_latex and not column.group]
        rows = []
        for row in table.rows:
            cells = [row.cells[k] for k in shown]
            rows.append(latex.Row([row.name] + [f"{c.text} {c.interval}" if intervals == "inline" and c.interval
                                                else c.text for c in cells],
                                  [row.bold] + [c.bold or row.bold for c in cells], spec=row.spec,
                                  below=[""] + [c.interval for c in cells]
                                  if intervals == "below" and any(c.interval for c in cells) else None))
        header = [table.name_short or table.name_header] + [table.columns[k].short or table.columns[k].header
                                                              for k in shown]
        blocks = [latex.tabular(header, rows, latex.name_column() + "".join(table.columns[k].align for k in shown))] \
            if shown else []
        grouped = [k for k, column in enumerate(table.columns) if column.in_latex and column.group]
        if table.group_style == "blocks":  # one block per group, under the table's own columns
            for group in dict.fromkeys(table.columns[k].group for k in grouped):
                keep = [k for k in grouped if table.columns[k].group == group]
                blocks.append(Latex._group_block(table, keep, "1.6cm", intervals == "below", small=False))
            grouped = []
        floats = [latex.table(table.short_caption, blocks, table.caption or provenance,
                              table.notes_for(latex=True) + list(notes), font=table.font, colsep=table.colsep)]
        chunks = [grouped[start:start + GROUP_COLUMNS] for start in range(0, len(grouped), GROUP_COLUMNS)]
        for n, chunk in enumerate(chunks):  # a float of its own per chunk: several do not fit one page
            part = f" ({n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
            floats.append(latex.table(table.split_caption.replace("{part}", part),
                                      [Latex._group_block(table, chunk, "1.4cm", False, small=True)]))
        return floats

    @staticmethod
    def _group_block(table, keep, width: str, below: bool, small: bool) -> list:
        """The ``tabular`` of the grouped columns ``keep`` under their group's heading (``small``: the
        headings in a smaller font, wrapping; ``below``: intervals on a second line)."""
        from . import latex

        above = (f" & \\multicolumn{{{len(keep)}}}{{c}}{{{latex.latex_escape(table.columns[keep[0]].group)}}} "
                 f"\\\\ \\cmidrule(lr){{2-{len(keep) + 1}}}")
        headings = [table.columns[k].short or table.columns[k].header for k in keep]
        if small:
            headings = [f"\\hspace{{0pt}}\\footnotesize {latex.latex_escape(h)}" for h in headings]
        rows = [latex.Row([row.name] + [row.cells[k].text for k in keep],
                          [row.bold] + [row.cells[k].bold or row.bold for k in keep], row.spec,
                          [""] + [row.cells[k].interval for k in keep] if below else None) for row in table.rows]
        return latex.tabular(["Metric"] + headings, rows, latex.name_column() + latex.heading_column(width) * len(keep),
                             above)

    @staticmethod
    def _scaled(document) -> str:
        """Every table in one ``table*`` (:func:`~.latex.scaled_table`): each a scaled tabular, a later one
        under its title; the intervals left out; the notes LaTeX shows under them (a note's lead in bold), the
        text-only ones as comments above the float."""
        from . import latex
        from .table_model import shown_notes

        blocks = []
        for k, table in enumerate(document.tables):
            block = [r"\par\medskip", f"\\textit{{{latex.latex_text(table.title)}}}\\par\\smallskip"] \
                if k and table.title else []
            blocks.append(block + latex.scaled_tabular(
                table.label_headers_shown(), [c.short or c.header for c in table.columns],
                [c.group for c in table.columns], [row.label_cells() + [c.text for c in row.cells] for row in table.rows],
                table.rules))
        return latex.scaled_table(document.caption, document.label, blocks,
                                  [(n.lead, n.text) for n in shown_notes(document.notes, latex=True)],
                                  [n.text for n in document.notes if n.text_only])

    @staticmethod
    def _matrix(table, provenance: str) -> str:
        """Rows numbered and named, columns by number, − for -1; a mirrored matrix as its upper triangle."""
        from . import latex

        n = len(table.rows)
        signs = [[c.text.replace("-", "−") for c in row.cells] for row in table.rows]
        if table.mirrored:  # column j > row i only: the lower triangle is the upper one with the sign flipped
            rows = [latex.Row([f"{i + 1} {row.name}"] + [""] * i + signs[i][i + 1:], [row.bold] * n, spec=row.spec)
                    for i, row in enumerate(table.rows[:-1])]
            header, notes = [str(j + 2) for j in range(n - 1)], [
                f"Upper triangle; the lower one is its mirror with the sign flipped. Columns: the metrics numbered "
                f"as the rows (the last, {n}, is {table.rows[-1].name})."]
        else:
            rows = [latex.Row([f"{i + 1} {row.name}"] + signs[i], [row.bold] * (n + 1), spec=row.spec)
                    for i, row in enumerate(table.rows)]
            header, notes = [str(k + 1) for k in range(n)], ["Columns: the metrics numbered as the rows."]
        block = latex.tabular(["Metric"] + header, rows, latex.name_column() + "c" * len(header))
        return latex.table(table.short_caption, [block], table.caption or provenance,
                           notes + table.notes_for(latex=True), font=table.font, colsep=table.colsep)


class Csv(Renderer):
    """Long-form tables: the statistics as computed (signed correlations, intervals, notes)."""

    name, suffix, table_file = "csv", ".csv", "summary.csv"

    def draw(self, document, title: str = "") -> str:
        """The document's numbers, as computed (a significance document: every pair, kurtoses included)."""
        return "" if document.data is None else document.data.to_csv(index=False)


class Html(Renderer):
    """Self-contained HTML pages (:mod:`.html_page`): a run's report (:mod:`.html_run`); every other document
    (across datasets, a paper recipe, calibration) drawn as sortable HTML tables on a page of its own."""

    name, suffix, table_file = "html", ".html", ""
    page = True

    def draw(self, document, title: str = "") -> str:
        """A page of the document's tables, drawn directly (:func:`~.html_tables.document_html`); its heading
        the document's title, else ``title``."""
        from .html_page import escape, page
        from .html_tables import document_html

        return page(title, [f"<h1>{escape(document.title or title)}</h1>"] + document_html(document))

    def run_page(self, view) -> str:
        from .html_run import render_run_page

        return render_run_page(view)


#: Every format, in the order ``--format`` lists them.
RENDERERS: Dict[str, Renderer] = {r.name: r for r in (Markdown(), Latex(), Csv(), Html())}
FORMATS = tuple(RENDERERS)
#: The formats that write one file per table of a run (table.md, significance.tex, ...).
TABLE_RENDERERS: Dict[str, Renderer] = {k: r for k, r in RENDERERS.items() if r.table_file}


def renderer(fmt: str) -> Renderer:
    """The renderer of ``fmt``; ValueError naming the valid formats otherwise."""
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"format {fmt!r}: valid formats: {', '.join(FORMATS)}") from None


def render_table(summary, fmt: str = "md", dataset: str = "", score_text: str = "", ci: object = True,
                 layout: str = "paper", by: str = "group") -> str:
    """A run's regression summary (:func:`~.tables.summary_document`: ``layout`` paper or groups, ``ci``
    where LaTeX sets the intervals) drawn in ``fmt``."""
    from ..errors import OptionError
    from .tables import summary_document

    if fmt not in RENDERERS:
        raise OptionError("format", f"{{option}} {fmt!r}: valid formats: {', '.join(FORMATS)}")
    return RENDERERS[fmt].draw(summary_document(summary, dataset, score_text, ci, layout, by), f"{dataset}: summary")
