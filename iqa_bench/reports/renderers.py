"""One renderer per output format, behind one interface: what a run, a table across datasets and a
paper recipe are written as. The writers (:mod:`iqa_bench.run.outputs`, :func:`iqa_bench.run.several.write_across`,
:func:`iqa_bench.recipes.paper.write_outputs`) write one file per renderer of :data:`RENDERERS`, and every
``--format`` choice is :data:`FORMATS`: a new format (HTML, say) is one :class:`Renderer` subclass added
here, not an edit in every writer.

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

    def across(self, runs) -> str:
        """One table metric × dataset."""
        from .across import render_across

        return render_across(runs, self.name)

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


#: Every format, in the order ``--format`` lists them.
RENDERERS: Dict[str, Renderer] = {r.name: r for r in (Markdown(), Latex(), Csv())}
FORMATS = tuple(RENDERERS)


def renderer(fmt: str) -> Renderer:
    """The renderer of ``fmt``; ValueError naming the valid formats otherwise."""
    try:
        return RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"format {fmt!r}: valid formats: {', '.join(FORMATS)}") from None
