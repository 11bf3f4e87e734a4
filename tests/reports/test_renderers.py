"""The formats (reports/renderers.py): one document drawn by each; a new format is one class whose ``draw``
every table of a run, across datasets, a paper recipe and calibration go through; unknown formats and
interval modes named."""
import pandas as pd
import pytest

from iqa_bench.errors import OptionError
from iqa_bench.reports.renderers import FORMATS, RENDERERS, Renderer, renderer
from iqa_bench.reports.table_model import Cell, Column, Document, Note, Row, Table


def _document(**options):
    table = Table([Column("SROCC", short="S"), Column("n", align="l")],
                  [Row("PSNR", [Cell("0.912", "[0.90, 0.93]", bold=True), Cell("48")], spec="psnr")],
                  caption="toy: SROCC", short_caption="toy", notes=[Note("only in LaTeX", latex_only=True)])
    return Document([table], data=pd.DataFrame({"metric": ["psnr"], "srocc": [0.912]}), **options)


def test_each_format_draws_the_same_document():
    assert FORMATS == ("md", "latex", "csv", "html")
    md = RENDERERS["md"].draw(_document())
    assert md == ("_toy: SROCC_\n\n| Metric | SROCC | n |\n|---|---:|---|\n| PSNR | **0.912 [0.90, 0.93]** | 48 |\n\n")
    tex = RENDERERS["latex"].draw(_document())
    assert "% provenance: toy: SROCC" in tex and "\\caption{toy}" in tex and "Metric & S & n \\\\" in tex
    assert "\\textbf{0.912} & 48 \\\\ % psnr" in tex and "{\\scriptsize [0.90, 0.93]}" in tex and "only in LaTeX" in tex
    assert RENDERERS["csv"].draw(_document()) == "metric,srocc\npsnr,0.912\n"
    html = RENDERERS["html"].draw(_document(), "a page")
    assert "<title>a page</title>" in html and "<strong>0.912" in html and "only in LaTeX" not in html
    inline = RENDERERS["latex"].draw(_document(intervals="inline"))
    assert "\\textbf{0.912 [0.90, 0.93]}" in inline


def test_a_new_format_is_one_class():
    class Plain(Renderer):
        name, suffix, table_file = "plain", ".txt", "table.txt"

        def draw(self, document, title=""):
            return "\n".join(" ".join([r.name] + [c.text for c in r.cells]) for t in document.tables for r in t.rows)

    assert Plain().draw(_document()) == "PSNR 0.912 48"
    assert Plain().calibration([]) == ""  # every table a format draws goes through its draw


def test_unknown_formats_and_interval_modes_are_named():
    with pytest.raises(ValueError, match="format 'pdf': valid formats: md, latex, csv, html"):
        renderer("pdf")
    with pytest.raises(OptionError, match="'sideways'"):
        RENDERERS["latex"].draw(_document(intervals="sideways"))
