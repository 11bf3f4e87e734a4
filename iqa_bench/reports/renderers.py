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

    def summary(self, protocol: str, summary, dataset: str, score_text: str, layout: str = "paper",
                ci: str = "below", by: str = "group") -> str:
        """A run's summary table (regression or 2AFC; the one-line note when no metric has a value)."""
        from .summary import render_summary

        return render_summary(protocol, summary, self.name, dataset, score_text, layout, ci, by)

    def significance(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, highlight=()) -> str:
        """The significance matrices of :func:`iqa_bench.stats.significance.compare_metrics` (the rows of
        ``highlight`` in bold)."""
        from .significance import render_significance

        return render_significance(result, self.name, dataset, labels, highlight)

    def fit_protocols(self, table, dataset: str, score_text: str) -> str:
        """PLCC / RMSE of every metric under each mapping (``--fit all``)."""
        from .fit_protocols import render_fit_protocols

        return render_fit_protocols(table, self.name, dataset, score_text)

    def p1401(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        """The ITU-T P.1401 figures (:func:`iqa_bench.stats.p1401.p1401`) and their matrices."""
        from .methodology import render_p1401

        return render_p1401(result, self.name, dataset, labels, spread)

    def krasula(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        """Krasula et al.'s AUCs and C0 (:func:`iqa_bench.stats.krasula.krasula`) and their matrices."""
        from .methodology import render_krasula

        return render_krasula(result, self.name, dataset, labels, spread)

    def held_out(self, table, dataset: str, fit: str) -> str:
        """PLCC / RMSE of the mapping in-sample and held-out by reference (``--mapping held-out``)."""
        from .methodology import render_held_out

        return render_held_out(table, self.name, dataset, fit)

    def across(self, runs) -> str:
        """One table metric × dataset."""
        from .across import render_across

        return render_across(runs, self.name)

    def run_page(self, view) -> Optional[str]:
        """The whole run as one page (:class:`iqa_bench.reports.html_run.RunView`); None for a format that
        writes one file per table."""
        return None

    @abstractmethod
    def calibration(self, rows) -> str:
        """The calibration rows (:func:`iqa_bench.calibration.calibrate`) beside the official values."""

    @abstractmethod
    def paper(self, result) -> str:
        """A paper recipe's table beside the published values (:class:`iqa_bench.recipes.paper.PaperResult`)."""


class Markdown(Renderer):
    name, suffix, table_file = "md", ".md", "table.md"

    def calibration(self, rows) -> str:
        from .calibration import render_markdown

        return render_markdown(rows)

    def paper(self, result) -> str:
        from .paper_render import render_markdown

        return render_markdown(result)


class Latex(Renderer):
    name, suffix, table_file = "latex", ".tex", "table.tex"

    def calibration(self, rows) -> str:
        from .calibration import render_latex

        return render_latex(rows)

    def paper(self, result) -> str:
        from .paper_render import render_latex

        return render_latex(result)


class Csv(Renderer):
    """Long-form tables: the statistics as computed (signed correlations, intervals, notes)."""

    name, suffix, table_file = "csv", ".csv", "summary.csv"

    def calibration(self, rows) -> str:
        from .calibration import render_csv

        return render_csv(rows)

    def significance(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, highlight=()) -> str:
        return result.pairs.to_csv(index=False)  # every pair, kurtoses included

    def fit_protocols(self, table, dataset: str, score_text: str) -> str:
        return table.to_csv(index=False)

    def paper(self, result) -> str:
        return result.long_table().to_csv(index=False)


class Html(Renderer):
    """Self-contained HTML pages (:mod:`.html_page`): a run's report (:mod:`.html_run`); every other
    table is the Markdown one as a sortable HTML table, on a page of its own."""

    name, suffix, table_file = "html", ".html", ""
    _markdown = Markdown()

    @staticmethod
    def _page(title: str, text: str) -> str:
        from .html_page import markdown_page

        return markdown_page(title, text)

    def summary(self, protocol: str, summary, dataset: str, score_text: str, layout: str = "paper",
                ci: str = "below", by: str = "group") -> str:
        return self._page(f"{dataset}: summary", self._markdown.summary(protocol, summary, dataset, score_text,
                                                                          layout, ci, by))

    def significance(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, highlight=()) -> str:
        return self._page(f"{dataset}: significance", self._markdown.significance(result, dataset, labels, highlight))

    def fit_protocols(self, table, dataset: str, score_text: str) -> str:
        return self._page(f"{dataset}: fit protocols", self._markdown.fit_protocols(table, dataset, score_text))

    def p1401(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        return self._page(f"{dataset}: ITU-T P.1401", self._markdown.p1401(result, dataset, labels, spread))

    def krasula(self, result, dataset: str, labels: Optional[Dict[str, str]] = None, spread: str = "") -> str:
        return self._page(f"{dataset}: Krasula et al. 2016", self._markdown.krasula(result, dataset, labels, spread))

    def held_out(self, table, dataset: str, fit: str) -> str:
        return self._page(f"{dataset}: held-out mapping", self._markdown.held_out(table, dataset, fit))

    def across(self, runs) -> str:
        return self._page("Metrics across datasets", self._markdown.across(runs))

    def calibration(self, rows) -> str:
        return self._page("Calibration against the official implementations", self._markdown.calibration(rows))

    def paper(self, result) -> str:
        return self._page(f"{result.recipe.name}: recomputed beside the published values", self._markdown.paper(result))

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
